"""Conditions, groups of conditions and named rules as values.

A value is checked and normalised to JSON-friendly data when it is made (lists become tuples,
dates ISO text), so what the rule editor builds, a saved project holds and a shared link carries
is the same; :func:`rule_from_dict` reads the dict forms back.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from segmentation.segmenting.rule_operators import (
    ISO_DATE,
    Operator,
    RuleError,
    and_list,
    check_range_order,
    operator_named,
)

__all__ = [
    "COMBINES",
    "Condition",
    "Rule",
    "RuleGroup",
    "RuleLike",
    "condition_from_dict",
    "group_from_dict",
    "iter_conditions",
    "plain_value",
    "rule_columns",
    "rule_from_dict",
    "unpack_rule",
]

COMBINES = ("all", "any")


# --- Rule values: normalised to JSON-friendly data when a condition is made -----------------------


def plain_value(value: Any) -> Any:
    """A single rule value as text, a number or yes/no; dates become ISO text."""
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    elif isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, datetime):
        midnight = value.time() == datetime.min.time() and value.tzinfo is None
        return value.date().isoformat() if midnight else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, bool | int | float) or value is None:
        return value
    raise RuleError(f"{value!r} cannot be used in a rule; use text, a number, a date or yes/no.")


def _scalar_value(op: Operator, column: str, value: Any) -> Any:
    if isinstance(value, list | tuple | set | np.ndarray | pd.Series):
        raise RuleError(
            f"'{op.label}' on '{column}' takes one value, not a list. Pick a single value, "
            "or use 'is any of' for several."
        )
    plain = plain_value(value)
    if plain is None or plain == "":
        raise RuleError(
            f"'{op.label}' on '{column}' needs a value; none was given. Enter or pick a value."
        )
    return plain


def _list_value(op: Operator, column: str, value: Any) -> tuple[Any, ...]:
    if value is None:
        items: list[Any] = []
    else:
        items = [value] if isinstance(value, str) or np.isscalar(value) else list(value)
    values = tuple(v for v in (plain_value(item) for item in items) if v not in (None, ""))
    if not values:
        raise RuleError(
            f"'{op.label}' on '{column}' needs at least one value; the list is empty. "
            "Pick one or more values."
        )
    return tuple(dict.fromkeys(values))


def _range_value(op: Operator, column: str, value: Any) -> tuple[Any, Any]:
    items = () if value is None or isinstance(value, str) else tuple(value)
    if len(items) != 2:
        raise RuleError(
            f"'{op.label}' on '{column}' needs two values, a low and a high end; got {value!r}. "
            "Enter both ends, e.g. 29 and 38."
        )
    low, high = (_scalar_value(op, column, v) for v in items)
    check_range_order(column, (low, high), _order_key(low), _order_key(high))
    return low, high


def _order_key(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and ISO_DATE.match(value):
        try:
            return pd.Timestamp(value)
        except ValueError:
            return None
    return None


def _number_value(op: Operator, column: str, value: Any, unit: str) -> float:
    """A percent (0–100] or a whole number of days (≥ 1), from a number or text like '10%'."""
    try:
        plain = _scalar_value(op, column, value)
        text = plain.removesuffix("%") if isinstance(plain, str) else plain
        number = math.nan if isinstance(value, bool) else float(text)
    except (RuleError, ValueError, TypeError):
        number = math.nan
    if unit == "percent" and 0 < number <= 100:
        return int(number) if number.is_integer() else number
    if unit == "days" and number >= 1 and number.is_integer():
        return int(number)
    rule, example = (
        ("a percent above 0 and at most 100", "10")
        if unit == "percent"
        else ("a whole number of days, at least 1", "30")
    )
    raise RuleError(
        f"'{op.label}' on '{column}' needs {rule}; got {value!r}. Enter a number such as {example}."
    )


def _normalise_value(op: Operator, column: str, value: Any) -> Any:
    if op.value_kind == "none":
        return None
    if op.value_kind in ("scalar", "date"):
        return _scalar_value(op, column, value)
    if op.value_kind == "list":
        return _list_value(op, column, value)
    if op.value_kind == "range":
        return _range_value(op, column, value)
    return _number_value(op, column, value, op.value_kind)


# --- Conditions, groups and rules ----------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    """One test on one column, e.g. ``Condition("age", "between", (29, 38))``.

    ``operator`` is a key of :data:`OPERATORS`; ``value`` is normalised on creation to
    JSON-friendly data (lists become tuples, dates ISO text such as '2026-03-01').
    """

    column: str
    operator: str
    value: Any = None

    def __post_init__(self) -> None:
        if not isinstance(self.column, str) or not self.column.strip():
            raise RuleError(
                f"column={self.column!r} is not a column name; choose a column for the condition."
            )
        op = operator_named(self.operator)
        object.__setattr__(self, "value", _normalise_value(op, self.column, self.value))

    def to_dict(self) -> dict[str, Any]:
        """The condition as JSON-friendly data."""
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        return {"column": self.column, "operator": self.operator, "value": value}


@dataclass(frozen=True)
class RuleGroup:
    """Conditions and nested groups joined by ``combine``: "all" (and) or "any" (or)."""

    combine: str
    items: tuple[Condition | RuleGroup, ...]

    def __post_init__(self) -> None:
        if self.combine not in COMBINES:
            raise RuleError(
                f"combine='{self.combine}' is not a way to join conditions; use 'all' (every "
                "condition holds) or 'any' (at least one holds)."
            )
        items = tuple(self.items) if isinstance(self.items, list | tuple) else (self.items,)
        if not items:
            raise RuleError(
                "A group of conditions is empty, so it cannot pick anyone. Add a condition to "
                "the group or remove the group."
            )
        for item in items:
            if not isinstance(item, Condition | RuleGroup):
                raise TypeError(f"A rule group holds conditions and groups, not {item!r}.")
        object.__setattr__(self, "items", items)

    def to_dict(self) -> dict[str, Any]:
        """The group as JSON-friendly data."""
        return {"combine": self.combine, "items": [item.to_dict() for item in self.items]}


@dataclass(frozen=True)
class Rule:
    """A named group of conditions (a single Condition is wrapped in an "all" group); in a rule
    segmentation the name becomes the segment name."""

    name: str
    group: RuleGroup

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise RuleError(f"name={self.name!r} is not a rule name; type a name for the rule.")
        object.__setattr__(self, "name", self.name.strip())
        if isinstance(self.group, Condition):
            object.__setattr__(self, "group", RuleGroup("all", (self.group,)))
        if not isinstance(self.group, RuleGroup):
            raise TypeError(f"A rule holds a RuleGroup, not {self.group!r}.")

    def to_dict(self) -> dict[str, Any]:
        """The rule as JSON-friendly data; :func:`rule_from_dict` rebuilds it."""
        return {"name": self.name, "group": self.group.to_dict()}


RuleLike = Condition | RuleGroup | Rule


def unpack_rule(item: RuleLike) -> tuple[str | None, Condition | RuleGroup]:
    """A rule's name (None for a group or a condition) and its group or condition."""
    if isinstance(item, Rule):
        return item.name, item.group
    if isinstance(item, Condition | RuleGroup):
        return None, item
    raise TypeError(f"Expected a Rule, RuleGroup or Condition, not {item!r}.")


def iter_conditions(item: RuleLike) -> Iterator[Condition]:
    """Every condition of a rule, group or condition, depth first."""
    _, inner = unpack_rule(item)
    if isinstance(inner, Condition):
        yield inner
        return
    for child in inner.items:
        yield from iter_conditions(child)


def rule_columns(item: RuleLike) -> tuple[str, ...]:
    """The columns a rule reads, in order of first use."""
    return tuple(dict.fromkeys(c.column for c in iter_conditions(item)))


# --- JSON round trip -----------------------------------------------------------------------------


def _fields(data: Any, what: str, required: tuple[str, ...]) -> Mapping[str, Any]:
    if not isinstance(data, Mapping) or not set(required) <= set(data):
        got = sorted(data) if isinstance(data, Mapping) else type(data).__name__
        raise RuleError(
            f"A saved {what} needs the keys {and_list(list(required))}; got {got}. The saved "
            "rule is damaged: build it again in the rule editor."
        )
    return data


def condition_from_dict(data: Mapping[str, Any]) -> Condition:
    """A condition from :meth:`Condition.to_dict` data."""
    fields = _fields(data, "condition", ("column", "operator"))
    return Condition(fields["column"], fields["operator"], fields.get("value"))


def group_from_dict(data: Mapping[str, Any]) -> RuleGroup:
    """A group from :meth:`RuleGroup.to_dict` data, nested groups included."""
    fields = _fields(data, "group of conditions", ("combine", "items"))
    if not isinstance(fields["items"], list | tuple):
        raise RuleError(
            f"A saved group's items must be a list of conditions; got {fields['items']!r}. "
            "Build the rule again in the rule editor."
        )
    items = tuple(
        group_from_dict(item) if isinstance(item, Mapping) and "combine" in item
        else condition_from_dict(item)
        for item in fields["items"]
    )  # fmt: skip
    return RuleGroup(fields["combine"], items)


def rule_from_dict(data: Mapping[str, Any]) -> Rule:
    """A rule from :meth:`Rule.to_dict` data (what a saved project or shared link carries)."""
    fields = _fields(data, "rule", ("name", "group"))
    return Rule(fields["name"], group_from_dict(fields["group"]))
