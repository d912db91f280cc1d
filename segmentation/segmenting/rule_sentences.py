"""Rules read back as plain English, the sentence the rule editor and the segment cards show:
'customers aged 29–38 living in suburban areas who are hard-core loyal'.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from segmentation.segmenting.rule_conditions import Condition, RuleGroup, RuleLike, unpack_rule
from segmentation.segmenting.rule_operators import (
    OPERATORS,
    and_list,
    humanise,
    or_list,
    value_text,
)

__all__ = ["condition_phrase", "describe"]


def describe(group_or_rule: RuleLike) -> str:
    """The rule as a plain-English sentence, e.g. 'customers aged 29–38 living in suburban
    areas who are hard-core loyal'."""
    _, item = unpack_rule(group_or_rule)
    return f"customers {_phrase(item, nested=False)}"


def _phrase(item: Condition | RuleGroup, nested: bool) -> str:
    if isinstance(item, Condition):
        return condition_phrase(item)
    items = _flatten(item)
    if len(items) == 1:
        return _phrase(items[0], nested)
    if item.combine == "all":
        return _all_phrase(items)
    parts = [_phrase(child, nested=True) for child in items]
    either = nested or any(isinstance(child, RuleGroup) for child in items)
    return f"either {or_list(parts)}" if either else or_list(parts)


def _flatten(group: RuleGroup) -> list[Condition | RuleGroup]:
    """The items of a group, with nested groups of the same kind (or of one item) merged in."""
    items: list[Condition | RuleGroup] = []
    for item in group.items:
        while isinstance(item, RuleGroup) and len(item.items) == 1:
            item = item.items[0]
        same = isinstance(item, RuleGroup) and item.combine == group.combine
        items.extend(_flatten(item) if same else [item])
    return items


def _all_phrase(items: Sequence[Condition | RuleGroup]) -> str:
    """Attributes ('aged 29–38', 'living in …'), then clauses ('who are …', 'whose …'), then
    nested 'either … or …' groups, so the sentence reads without parentheses."""
    phrases = [_phrase(item, nested=True) for item in items]
    attributes = [p for p in phrases if not p.startswith(("who ", "whose ", "either "))]
    clauses = [p for p in phrases if p.startswith(("who ", "whose ", "either "))]
    clauses.sort(key=lambda p: (p.startswith("either "), not p.startswith("who are ")))
    merged = [
        p.removeprefix("who are ") if i and clauses[i - 1].startswith("who are ") else p
        for i, p in enumerate(clauses)
    ]
    return " ".join(filter(None, [" ".join(attributes), and_list(merged)]))


def condition_phrase(condition: Condition) -> str:
    """One condition as a phrase about customers: 'aged over 60', 'whose monetary is over 500'."""
    name = humanise(condition.column)
    for template in _TEMPLATES:
        phrase = template(name, condition.operator, condition.value)
        if phrase:
            return phrase
    return f"whose {OPERATORS[condition.operator].human(condition.column, condition.value)}"


def _missing_phrase(name: str, operator: str, value: Any) -> str | None:
    if operator == "is_missing":
        return f"with {name} missing"
    return f"with {name} recorded" if operator == "is_not_missing" else None


def _flag_phrase(name: str, operator: str, value: Any) -> str | None:
    if operator not in ("equals", "not_equals") or not isinstance(value, bool):
        return None
    positive = value == (operator == "equals")
    if name.startswith("is "):
        return f"who are {'' if positive else 'not '}{name[3:]}"
    if name.startswith("has "):
        return f"who {'have' if positive else 'do not have'} {name[4:]}"
    return f"{'with' if positive else 'without'} {name}"


def _age_phrase(name: str, operator: str, value: Any) -> str | None:
    if "age" not in name.split():
        return None
    if operator == "between":
        return f"aged {value_text(value[0])}–{value_text(value[1])}"
    if operator == "in":
        return f"aged {or_list([value_text(v) for v in value])}"
    forms = {
        "equals": "{}",
        "gt": "over {}",
        "ge": "{} or over",
        "lt": "under {}",
        "le": "{} or under",
    }
    return f"aged {forms[operator].format(value_text(value))}" if operator in forms else None


_DENSITY_WORDS = frozenset({"density", "urbanicity", "urbanity", "urbanisation", "urbanization"})
_REGION_WORDS = frozenset({"region", "territory", "continent", "zone"})
_PLACE_WORDS = frozenset(
    {"state", "country", "city", "town", "province", "county", "district", "location", "market"}
)
_COMPASS = frozenset(
    {
        "north", "south", "east", "west", "midwest", "northeast", "northwest", "southeast",
        "southwest", "mid-atlantic", "midlands", "central", "new england", "west coast",
        "east coast", "pacific northwest", "great lakes", "north east", "north west",
        "south east", "south west",
    }
)  # fmt: skip
_TIER_WORDS = frozenset({"tier", "level", "membership", "plan", "club", "rank"})
_STATUS_WORDS = frozenset({"loyalty", "status", "stage", "lifecycle", "segment"})
_NOUNS = frozenset({"member", "customer", "buyer", "user", "client", "shopper", "fan", "loyalist"})
_NOT_NOUNS = frozenset({"other", "former", "never", "ever", "over", "under", "whatever"})


def _choice(operator: str, value: Any) -> tuple[tuple[Any, ...], bool] | None:
    """The values of an is / is not / is any of / is none of condition and whether negated."""
    if operator not in ("equals", "not_equals", "in", "not_in"):
        return None
    values = value if isinstance(value, tuple) else (value,)
    return values, operator in ("not_equals", "not_in")


def _place_phrase(name: str, operator: str, value: Any) -> str | None:
    choice, words = _choice(operator, value), set(name.split())
    if choice is None or not words & (_DENSITY_WORDS | _REGION_WORDS | _PLACE_WORDS):
        return None
    values, negated = choice
    if words & _DENSITY_WORDS:
        areas = [_lower(v).removesuffix(" areas").removesuffix(" area") for v in values]
        return f"{'not ' if negated else ''}living in {or_list(areas)} areas"
    if words & _REGION_WORDS:
        places = [f"the {v}" if str(v).lower() in _COMPASS else value_text(v) for v in values]
        return f"living outside {and_list(places)}" if negated else f"living in {or_list(places)}"
    places = [value_text(v) for v in values]
    return f"outside {and_list(places)}" if negated else f"in {or_list(places)}"


def _member_phrase(name: str, operator: str, value: Any) -> str | None:
    choice = _choice(operator, value)
    if choice is None or not set(name.split()) & _TIER_WORDS:
        return None
    values, negated = choice
    return f"who are {'not ' if negated else ''}{or_list([value_text(v) for v in values])} members"


def _status_phrase(name: str, operator: str, value: Any) -> str | None:
    choice = _choice(operator, value)
    if choice is None or not set(name.split()) & _STATUS_WORDS:
        return None
    values, negated = choice
    if not all(isinstance(v, str) for v in values):
        return None
    return f"who are {'not ' if negated else ''}{or_list([_plural(_lower(v)) for v in values])}"


_TEMPLATES: tuple[Callable[[str, str, Any], str | None], ...] = (
    _missing_phrase,
    _flag_phrase,
    _age_phrase,
    _place_phrase,
    _member_phrase,
    _status_phrase,
)


def _lower(value: Any) -> str:
    """Lower-case capitalised words ('Hard-core loyal' → 'hard-core loyal'), keep 'VIP'."""
    words = str(value).split()
    return " ".join(w[0].lower() + w[1:] if not w[1:2].isupper() else w for w in words)


def _plural(phrase: str) -> str:
    """'regular buyer' → 'regular buyers'; adjectives such as 'hard-core loyal' stay as they are."""
    head, _, last = phrase.rpartition(" ")
    noun = last.lower() in _NOUNS or last.lower().endswith(("er", "or", "ist"))
    if not noun or last.lower() in _NOT_NOUNS or last.endswith("s"):
        return phrase
    return f"{head} {last}s".strip()
