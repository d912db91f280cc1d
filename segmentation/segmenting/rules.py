"""Rule segments: conditions on columns, combined with all/any, applied to the customer table.

Modelled on the segment builders of CRMs (Klaviyo, HubSpot). Rules learn nothing, so everything
here is a plain function of the customer table: which customers a rule matches, the live count of
a rule being edited, population filters, segments from an ordered list of named rules and the
values the rule editor can offer. The operators, with their masks and phrases, are in
:mod:`.rule_operators`; conditions, groups and rules as values, with their dict forms, in
:mod:`.rule_conditions`; their plain-English sentences in :mod:`.rule_sentences`.
:class:`Condition`, :class:`RuleGroup`, :class:`Rule` and :class:`RuleError` import from here too.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from segmentation.segmenting.rule_conditions import (
    Condition,
    Rule,
    RuleGroup,
    RuleLike,
    plain_value,
    unpack_rule,
)
from segmentation.segmenting.rule_operators import (
    KIND_NOUNS,
    OPERATORS,
    MaskContext,
    PopulationCuts,
    RuleError,
    and_list,
    column_kind,
)
from segmentation.segmenting.rule_sentences import describe
from segmentation.segmenting.segments import UNASSIGNED, Segmentation, make_segmentation

__all__ = [
    "Condition",
    "Rule",
    "RuleError",
    "RuleGroup",
    "RulePreview",
    "ValueOptions",
    "filter_customers",
    "preview",
    "rule_mask",
    "rules_segmentation",
    "value_options",
]

OTHER_NAME = "Other"
MAX_OPTIONS = 200


@dataclass(frozen=True)
class RulePreview:
    """The live count of a rule being edited: customers matched, their share and the sentence."""

    count: int
    share: float
    sentence: str


@dataclass(frozen=True)
class ValueOptions:
    """What the rule editor can offer for a column: its categories by frequency or its range."""

    kind: str
    categories: tuple[Any, ...] = ()
    counts: tuple[int, ...] = ()
    truncated: bool = False
    minimum: float | date | None = None
    maximum: float | date | None = None
    median: float | None = None
    n_missing: int = 0


# --- Evaluating rules ----------------------------------------------------------------------------


def rule_mask(
    frame: pd.DataFrame,
    group_or_rule: RuleLike,
    reference_date: Any = None,
    population: PopulationCuts | None = None,
) -> pd.Series:
    """Which customers a rule matches, as a boolean Series on ``frame.index``.

    Parameters
    ----------
    frame : the customer table, one row per customer, with typed columns.
    group_or_rule : a :class:`Rule`, :class:`RuleGroup` or single :class:`Condition`.
    reference_date : the data's "today" for 'is within the last N days'; by default the latest
        date in the column the condition tests.
    population : cut points of a whole dataset when ``frame`` is a part of it (top/bottom
        percent conditions, latest dates); by default ``frame`` is the whole population.

    Returns
    -------
    A boolean Series named "matches". A rule that matches nobody is not an error: all False.

    Examples
    --------
    >>> customers = pd.DataFrame({"age": [25, 34, None, 61], "density": ["Urban", "Suburban",
    ...                           "Suburban", None]})
    >>> rule = RuleGroup("all", (Condition("age", "between", (29, 38)),
    ...                          Condition("density", "equals", "Suburban")))
    >>> rule_mask(customers, rule).tolist()
    [False, True, False, False]
    """
    rule_name, item = unpack_rule(group_or_rule)
    context = MaskContext(_reference_date(reference_date), population)
    matches = _item_mask(frame, item, context, rule_name)
    return pd.Series(matches, index=frame.index, name="matches", dtype=bool)


def _reference_date(value: Any) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        stamp = pd.Timestamp(plain_value(value))
    except (ValueError, TypeError, RuleError):
        stamp = pd.NaT
    if pd.isna(stamp):
        raise RuleError(
            f"reference_date={value!r} is not a date; enter the data's 'today' as a date such "
            "as 2026-03-01, or leave it empty to use the latest date in the data."
        )
    return stamp


def _item_mask(
    frame: pd.DataFrame, item: Condition | RuleGroup, context: MaskContext, rule_name: str | None
) -> np.ndarray:
    if isinstance(item, Condition):
        return _condition_mask(frame, item, context, rule_name)
    masks = (_item_mask(frame, child, context, rule_name) for child in item.items)
    join = np.logical_and if item.combine == "all" else np.logical_or
    return functools.reduce(join, masks)


def _condition_mask(
    frame: pd.DataFrame, condition: Condition, context: MaskContext, rule_name: str | None
) -> np.ndarray:
    if condition.column not in frame.columns:
        owner = f"The rule '{rule_name}'" if rule_name else "This rule"
        raise RuleError(
            f"{owner} uses the column '{condition.column}', which the current data does not "
            "have. Edit the rule or load data with that column."
        )
    op = OPERATORS[condition.operator]
    series = frame[condition.column]
    kind = column_kind(series)
    if kind not in op.kinds:
        raise RuleError(
            f"'{op.label}' works on {op.works_on}; '{condition.column}' holds "
            f"{KIND_NOUNS[kind]}. Choose an operator for {KIND_NOUNS[kind]} or another column."
        )
    return np.asarray(op.mask(series, condition.value, context), dtype=bool)


def preview(
    frame: pd.DataFrame, group_or_rule: RuleLike, reference_date: Any = None
) -> RulePreview:
    """The live count of a rule as it is edited: how many customers, what share, what sentence."""
    count = int(rule_mask(frame, group_or_rule, reference_date).sum())
    share = count / len(frame) if len(frame) else 0.0
    return RulePreview(count, share, describe(group_or_rule))


def filter_customers(
    frame: pd.DataFrame, group_or_rule: RuleLike, reference_date: Any = None
) -> pd.DataFrame:
    """The customers a rule keeps, used as a population filter before clustering."""
    matches = rule_mask(frame, group_or_rule, reference_date)
    if not matches.any():
        raise RuleError(
            f"The filter “{describe(group_or_rule)}” matches none of the {len(frame):,} "
            "customers. Loosen it or remove it."
        )
    return frame.loc[matches]


def rules_segmentation(
    frame: pd.DataFrame,
    id_column: str,
    rules: Sequence[Rule],
    title: str = "Rules",
    reference_date: Any = None,
    population: PopulationCuts | None = None,
) -> Segmentation:
    """Segments from an ordered list of named rules: the first rule a customer matches wins.

    Parameters
    ----------
    frame : the customer table, one row per customer.
    id_column : the column of customer ids; the labels are indexed by it.
    rules : named rules in priority order; names must be unique and become segment names.
    title : the user's name for this segmentation.
    reference_date : the data's "today" for 'is within the last N days' conditions.
    population : a whole dataset's cut points when ``frame`` is a part of it (see
        :func:`rule_mask`).

    Returns
    -------
    A :class:`~segmentation.segmenting.segments.Segmentation` with method "rules": segment ``i`` is
    ``rules[i]``, customers no rule matches are ``UNASSIGNED`` and named "Other", and the
    settings hold the rules as JSON so the segmentation can be rebuilt.

    Examples
    --------
    >>> customers = pd.DataFrame({"id": ["a", "b", "c", "d"], "spend": [900, 120, 40, None],
    ...                           "tier": ["Gold", "Gold", "Bronze", "Silver"]})
    >>> rules = [Rule("Big spenders", RuleGroup("all", (Condition("spend", "ge", 500),))),
    ...          Rule("Gold", RuleGroup("all", (Condition("tier", "equals", "Gold"),)))]
    >>> segmentation = rules_segmentation(customers, "id", rules)
    >>> segmentation.named_labels().tolist()
    ['Big spenders', 'Gold', 'Other', 'Other']
    >>> segmentation.sizes().to_dict()
    {'Big spenders': 1, 'Gold': 1, 'Other': 2}
    """
    _check_rule_list(rules)
    if id_column not in frame.columns:
        raise RuleError(
            f"id_column='{id_column}' is not a column of the data; choose the column that "
            "identifies customers."
        )
    masks = [rule_mask(frame, rule, reference_date, population).to_numpy() for rule in rules]
    if not any(mask.any() for mask in masks):
        raise RuleError(
            f"None of the rules matches any customer (0 of {len(frame):,} customers for "
            f"{and_list([repr(r.name) for r in rules])}). Loosen the rules or check their "
            "values against the data."
        )
    labels = np.select(masks, list(range(len(rules))), default=UNASSIGNED)
    index = pd.Index(frame[id_column], name=id_column)
    settings = {"rules": [rule.to_dict() for rule in rules], "reference_date": _iso(reference_date)}
    names = {i: rule.name for i, rule in enumerate(rules)}
    return make_segmentation(
        title, "rules", pd.Series(labels, index=index, name="segment"), names, settings, OTHER_NAME
    )


def _check_rule_list(rules: Sequence[Rule]) -> None:
    if not rules:
        raise RuleError("There are no rules yet; add at least one named rule to make segments.")
    seen: set[str] = set()
    for number, rule in enumerate(rules, start=1):
        if not isinstance(rule, Rule):
            raise TypeError(f"rules must hold Rule values, not {rule!r}.")
        if not rule.name:
            raise RuleError(
                f"Rule {number} has no name. Give every rule a name; it becomes the segment name."
            )
        if rule.name.casefold() == OTHER_NAME.casefold():
            raise RuleError(
                f"A rule is called '{rule.name}', the name of the segment for customers no rule "
                "matches. Call the rule something else."
            )
        if rule.name in seen:
            raise RuleError(
                f"Two rules are called '{rule.name}'. Give each rule its own name; rule names "
                "become segment names."
            )
        seen.add(rule.name)


def _iso(value: Any) -> str | None:
    stamp = _reference_date(value)
    return None if stamp is None else stamp.isoformat()


# --- Values the rule editor can offer ------------------------------------------------------------


def value_options(series: pd.Series, kind: str | None = None) -> ValueOptions:
    """The values a rule on this column can use: its categories by frequency (at most 200), or
    its numeric min / max / median, or its first and last date."""
    kind = kind or column_kind(series)
    n_missing = int(series.isna().sum())
    present = series.dropna()
    if not len(present) or kind == "empty":
        return ValueOptions(kind, n_missing=n_missing)
    if kind == "numeric":
        numbers = present.to_numpy(dtype="float64")
        low, high, middle = (float(f(numbers)) for f in (np.min, np.max, np.median))
        return ValueOptions(kind, minimum=low, maximum=high, median=middle, n_missing=n_missing)
    if kind == "datetime":
        first, last = present.min().date(), present.max().date()
        return ValueOptions(kind, minimum=first, maximum=last, n_missing=n_missing)
    return _category_options(present, kind, n_missing)


def _category_options(present: pd.Series, kind: str, n_missing: int) -> ValueOptions:
    counts = present.value_counts(sort=False)
    pairs = zip(counts.index.tolist(), counts.tolist(), strict=True)
    ranked = sorted(pairs, key=lambda pair: (-pair[1], str(pair[0])))
    shown = ranked[:MAX_OPTIONS]
    return ValueOptions(
        kind,
        categories=tuple(plain_value(value) for value, _ in shown),
        counts=tuple(int(count) for _, count in shown),
        truncated=len(ranked) > MAX_OPTIONS,
        n_missing=n_missing,
    )
