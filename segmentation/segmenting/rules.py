"""Rule segments: conditions on columns, combined with all/any, and read back as plain English.

Modelled on the segment builders of CRMs (Klaviyo, HubSpot) and on datasette's
``datasette/filters.py``: every operator in :data:`OPERATORS` has a machine form (a vectorised
boolean mask) and a human form (a phrase the UI shows as is). Missing values never match a
comparison; only 'is missing' finds them. Rules learn nothing, so everything here is a plain
function of the customer table.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from segmentation.data.schema import KINDS, normalise_name
from segmentation.errors import SegmentationError
from segmentation.segmenting.segments import UNASSIGNED, Segmentation, make_segmentation

__all__ = [
    "COMBINES",
    "OPERATORS",
    "VALUE_KINDS",
    "Condition",
    "MaskContext",
    "Operator",
    "Rule",
    "RuleError",
    "RuleGroup",
    "RulePreview",
    "ValueOptions",
    "column_kind",
    "condition_from_dict",
    "condition_phrase",
    "describe",
    "filter_customers",
    "group_from_dict",
    "humanise",
    "iter_conditions",
    "operators_for",
    "preview",
    "rule_columns",
    "rule_from_dict",
    "rule_mask",
    "rules_segmentation",
    "value_options",
]

COMBINES = ("all", "any")
VALUE_KINDS = ("none", "scalar", "list", "range", "percent", "date", "days")
OTHER_NAME = "Other"
MAX_OPTIONS = 200

_DAY = pd.Timedelta(days=1)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T][\d:.+-]+)?$")
_KIND_NOUNS = {
    "numeric": "numbers",
    "categorical": "categories",
    "boolean": "yes/no values",
    "datetime": "dates",
}
_YES = frozenset({"yes", "y", "true", "t", "1"})
_NO = frozenset({"no", "n", "false", "f", "0"})


class RuleError(SegmentationError):
    """A rule, condition or rule value that cannot be applied to the customer table."""


@dataclass(frozen=True)
class MaskContext:
    """What a mask may need besides the column and the value: the data's "today"."""

    reference_date: pd.Timestamp | None = None


MaskFunction = Callable[[pd.Series, Any, MaskContext], np.ndarray]


# --- Column kinds and typed values ---------------------------------------------------------------


def column_kind(series: pd.Series) -> str:
    """The kind of a column as rules see it, from its dtype: numeric, boolean, datetime or
    categorical (text and id columns are categorical here)."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_numeric_dtype(dtype):
        return "numeric"
    return "categorical"


def humanise(column: str) -> str:
    """A column name as lower-case words without units: 'Annual Income (k$)' → 'annual income'."""
    without_units = re.sub(r"\s*\([^)]*\)", "", str(column))
    return normalise_name(without_units) or normalise_name(column) or str(column)


def _as_number(column: object, value: Any) -> float:
    try:
        if isinstance(value, bool):
            raise ValueError
        number = float(value if isinstance(value, int | float) else str(value).replace(",", ""))
        if not math.isfinite(number):
            raise ValueError
        return number
    except ValueError:
        raise RuleError(
            f"'{column}' holds numbers, so '{value}' cannot be compared with it. Enter a number."
        ) from None


def _as_flag(column: object, value: Any) -> bool:
    text = str(value).strip().lower()
    if isinstance(value, bool) or text in _YES | _NO:
        return value if isinstance(value, bool) else text in _YES
    raise RuleError(
        f"'{column}' holds yes/no values, so '{value}' cannot be compared with it. Enter yes or no."
    )


def _as_time(series: pd.Series, value: Any) -> pd.Timestamp:
    try:
        if not isinstance(value, str | date | np.datetime64):
            raise ValueError
        stamp = pd.Timestamp(value)
        if pd.isna(stamp):
            raise ValueError
    except (ValueError, TypeError):
        raise RuleError(
            f"'{series.name}' holds dates, so '{value}' cannot be compared with it. "
            "Enter a date such as 2026-03-01."
        ) from None
    tz = getattr(series.dtype, "tz", None)
    if tz is not None and stamp.tz is None:
        return stamp.tz_localize(tz)
    return stamp.tz_convert(tz) if stamp.tz is not None else stamp


def _as_day(series: pd.Series, value: Any) -> pd.Timestamp:
    return _as_time(series, value).normalize()


def _as_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _typed(series: pd.Series, value: Any) -> Any:
    """The value converted to what the column holds, or a RuleError saying why it cannot be."""
    kind = column_kind(series)
    if kind == "numeric":
        return _as_number(series.name, value)
    if kind == "boolean":
        return _as_flag(series.name, value)
    if kind == "datetime":
        return _as_day(series, value)
    return _as_text(value)


def _bools(result: pd.Series | np.ndarray) -> np.ndarray:
    """A plain numpy boolean array in which missing counts as no match."""
    if isinstance(result, pd.Series):
        return result.to_numpy(dtype=bool, na_value=False)
    return np.asarray(result, dtype=bool)


def _numbers(series: pd.Series) -> np.ndarray:
    return series.to_numpy(dtype="float64", na_value=np.nan)


def _present(series: pd.Series) -> np.ndarray:
    return series.notna().to_numpy()


def _strings(series: pd.Series) -> pd.Series:
    return series if isinstance(series.dtype, pd.StringDtype) else series.astype("string")


# --- Operator masks (machine form) ---------------------------------------------------------------


def _equals(series: pd.Series, value: Any, context: MaskContext) -> np.ndarray:
    target = _typed(series, value)
    if isinstance(target, float):
        return _numbers(series) == target
    return _bools(series == target)


def _not_equals(series: pd.Series, value: Any, context: MaskContext) -> np.ndarray:
    return _present(series) & ~_equals(series, value, context)


def _in(series: pd.Series, value: Any, context: MaskContext) -> np.ndarray:
    targets = [_typed(series, v) for v in value]
    if column_kind(series) == "numeric":
        return np.isin(_numbers(series), targets)
    return _bools(series.isin(targets))


def _not_in(series: pd.Series, value: Any, context: MaskContext) -> np.ndarray:
    return _present(series) & ~_in(series, value, context)


def _between(series: pd.Series, value: Any, context: MaskContext) -> np.ndarray:
    low, high = (_typed(series, v) for v in value)
    _check_range_order(series.name, value, low, high)
    if column_kind(series) == "datetime":
        return _bools((series >= low) & (series < high + _DAY))
    numbers = _numbers(series)
    return (numbers >= low) & (numbers <= high)


def _comparison(compare: Callable[[np.ndarray, float], np.ndarray]) -> MaskFunction:
    def mask(series: pd.Series, value: Any, context: MaskContext) -> np.ndarray:
        return compare(_numbers(series), _as_number(series.name, value))

    return mask


def _contains(series: pd.Series, value: Any, context: MaskContext) -> np.ndarray:
    found = _strings(series).str.contains(str(value), case=False, regex=False, na=False)
    return _bools(found)


def _starts_with(series: pd.Series, value: Any, context: MaskContext) -> np.ndarray:
    return _bools(_strings(series).str.lower().str.startswith(str(value).lower(), na=False))


def _is_missing(series: pd.Series, value: Any, context: MaskContext) -> np.ndarray:
    return series.isna().to_numpy()


def _is_not_missing(series: pd.Series, value: Any, context: MaskContext) -> np.ndarray:
    return _present(series)


def _rank_cut(numbers: np.ndarray, percent: float, top: bool) -> float | None:
    """The value at the edge of the top (or bottom) percent of the non-missing numbers."""
    present = numbers[~np.isnan(numbers)]
    if not len(present):
        return None
    n_kept = max(1, math.ceil(len(present) * percent / 100 - 1e-9))
    position = len(present) - n_kept if top else n_kept - 1
    return float(np.partition(present, position)[position])


def _top_pct(series: pd.Series, value: Any, context: MaskContext) -> np.ndarray:
    numbers = _numbers(series)
    cut = _rank_cut(numbers, float(value), top=True)
    return np.zeros(len(numbers), bool) if cut is None else numbers >= cut


def _bottom_pct(series: pd.Series, value: Any, context: MaskContext) -> np.ndarray:
    numbers = _numbers(series)
    cut = _rank_cut(numbers, float(value), top=False)
    return np.zeros(len(numbers), bool) if cut is None else numbers <= cut


def _before(series: pd.Series, value: Any, context: MaskContext) -> np.ndarray:
    return _bools(series < _as_day(series, value))


def _after(series: pd.Series, value: Any, context: MaskContext) -> np.ndarray:
    return _bools(series >= _as_day(series, value) + _DAY)


def _within_last_days(series: pd.Series, value: Any, context: MaskContext) -> np.ndarray:
    """Dates in the ``value`` calendar days that end with the reference day, that day included.

    The reference day is the data's "today": ``context.reference_date`` when given, otherwise
    the latest date in the column, so a file exported months ago still finds its recent buyers.
    """
    reference = context.reference_date
    if reference is None:
        reference = series.max()
    if pd.isna(reference):
        return np.zeros(len(series), bool)
    end = _as_day(series, reference) + _DAY
    return _bools((series >= end - pd.Timedelta(days=int(value))) & (series < end))


# --- The operator registry -----------------------------------------------------------------------


@dataclass(frozen=True)
class Operator:
    """One way to test a column: its UI label, the column kinds and value it takes, its mask
    (machine form) and its phrase (human form)."""

    key: str
    label: str
    kinds: tuple[str, ...]
    value_kind: str
    mask: MaskFunction
    template: str

    def human(self, column: str, value: Any = None) -> str:
        """The condition as a phrase, e.g. 'monetary is over 500'."""
        return self.template.format(c=humanise(column), v=_show_value(self.value_kind, value))

    @property
    def works_on(self) -> str:
        """The column kinds this operator applies to, in words ('numbers and dates')."""
        nouns = [noun for kind, noun in _KIND_NOUNS.items() if kind in self.kinds]
        return _and_list(nouns) or "any column"


_EQUALITY_KINDS = ("numeric", "categorical", "boolean", "id", "text")
_CHOICE_KINDS = ("numeric", "categorical", "id", "text")
_TEXT_KINDS = ("categorical", "id", "text")
_NUMERIC = ("numeric",)
_DATES = ("datetime",)

OPERATORS: dict[str, Operator] = {
    op.key: op
    for op in (
        Operator("equals", "is", _EQUALITY_KINDS, "scalar", _equals, "{c} is {v}"),
        Operator("not_equals", "is not", _EQUALITY_KINDS, "scalar", _not_equals, "{c} is not {v}"),
        Operator("in", "is any of", _CHOICE_KINDS, "list", _in, "{c} is {v}"),
        Operator("not_in", "is none of", _CHOICE_KINDS, "list", _not_in, "{c} is not {v}"),
        Operator(
            "between",
            "is between",
            ("numeric", "datetime"),
            "range",
            _between,
            "{c} is between {v}",
        ),
        Operator("gt", ">", _NUMERIC, "scalar", _comparison(np.greater), "{c} is over {v}"),
        Operator(
            "ge", "≥", _NUMERIC, "scalar", _comparison(np.greater_equal), "{c} is {v} or more"
        ),
        Operator("lt", "<", _NUMERIC, "scalar", _comparison(np.less), "{c} is under {v}"),
        Operator("le", "≤", _NUMERIC, "scalar", _comparison(np.less_equal), "{c} is {v} or less"),
        Operator("contains", "contains", _TEXT_KINDS, "scalar", _contains, "{c} contains “{v}”"),
        Operator(
            "starts_with",
            "starts with",
            _TEXT_KINDS,
            "scalar",
            _starts_with,
            "{c} starts with “{v}”",
        ),
        Operator("is_missing", "is missing", KINDS, "none", _is_missing, "{c} is missing"),
        Operator(
            "is_not_missing",
            "is not missing",
            KINDS,
            "none",
            _is_not_missing,
            "{c} is not missing",
        ),
        Operator(
            "top_pct",
            "is in the top N %",
            _NUMERIC,
            "percent",
            _top_pct,
            "{c} is in the top {v}",
        ),
        Operator(
            "bottom_pct",
            "is in the bottom N %",
            _NUMERIC,
            "percent",
            _bottom_pct,
            "{c} is in the bottom {v}",
        ),
        Operator("before", "is before", _DATES, "date", _before, "{c} is before {v}"),
        Operator("after", "is after", _DATES, "date", _after, "{c} is after {v}"),
        Operator(
            "within_last_days",
            "is within the last N days",
            _DATES,
            "days",
            _within_last_days,
            "{c} is within the last {v}",
        ),
    )
}


def operators_for(kind: str) -> list[Operator]:
    """The operators that apply to a column kind (a :data:`segmentation.data.schema.KINDS`
    value)."""
    if kind not in KINDS:
        raise RuleError(f"kind='{kind}' is not a column kind; use one of {', '.join(KINDS)}.")
    return [op for op in OPERATORS.values() if kind in op.kinds]


def _operator(key: object) -> Operator:
    if not isinstance(key, str) or key not in OPERATORS:
        raise RuleError(
            f"'{key}' is not a rule operator; use one of {', '.join(OPERATORS)}. "
            "Pick the operator again in the rule editor."
        )
    return OPERATORS[key]


# --- Rule values: normalised to JSON-friendly data when a condition is made -----------------------


def _plain(value: Any) -> Any:
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
    plain = _plain(value)
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
    values = tuple(v for v in (_plain(item) for item in items) if v not in (None, ""))
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
    _check_range_order(column, (low, high), _order_key(low), _order_key(high))
    return low, high


def _order_key(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return pd.Timestamp(value)
        except ValueError:
            return None
    return None


def _check_range_order(column: object, shown: Sequence[Any], low: Any, high: Any) -> None:
    if low is None or high is None or type(low) is not type(high) or not low > high:
        return
    low_text, high_text = _show(shown[0]), _show(shown[1])
    raise RuleError(
        f"'{column}' is between {low_text} and {high_text}: the low end is above the high end, "
        f"so nobody can match. Swap them: between {high_text} and {low_text}."
    )


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
        op = _operator(self.operator)
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


def _unpack(item: RuleLike) -> tuple[str | None, Condition | RuleGroup]:
    if isinstance(item, Rule):
        return item.name, item.group
    if isinstance(item, Condition | RuleGroup):
        return None, item
    raise TypeError(f"Expected a Rule, RuleGroup or Condition, not {item!r}.")


def iter_conditions(item: RuleLike) -> Iterator[Condition]:
    """Every condition of a rule, group or condition, depth first."""
    _, inner = _unpack(item)
    if isinstance(inner, Condition):
        yield inner
        return
    for child in inner.items:
        yield from iter_conditions(child)


def rule_columns(item: RuleLike) -> tuple[str, ...]:
    """The columns a rule reads, in order of first use."""
    return tuple(dict.fromkeys(c.column for c in iter_conditions(item)))


# --- Evaluating rules ----------------------------------------------------------------------------


def rule_mask(
    frame: pd.DataFrame, group_or_rule: RuleLike, reference_date: Any = None
) -> pd.Series:
    """Which customers a rule matches, as a boolean Series on ``frame.index``.

    Parameters
    ----------
    frame : the customer table, one row per customer, with typed columns.
    group_or_rule : a :class:`Rule`, :class:`RuleGroup` or single :class:`Condition`.
    reference_date : the data's "today" for 'is within the last N days'; by default the latest
        date in the column the condition tests.

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
    rule_name, item = _unpack(group_or_rule)
    context = MaskContext(_reference_date(reference_date))
    matches = _item_mask(frame, item, context, rule_name)
    return pd.Series(matches, index=frame.index, name="matches", dtype=bool)


def _reference_date(value: Any) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        stamp = pd.Timestamp(_plain(value))
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
            f"{_KIND_NOUNS[kind]}. Choose an operator for {_KIND_NOUNS[kind]} or another column."
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
) -> Segmentation:
    """Segments from an ordered list of named rules: the first rule a customer matches wins.

    Parameters
    ----------
    frame : the customer table, one row per customer.
    id_column : the column of customer ids; the labels are indexed by it.
    rules : named rules in priority order; names must be unique and become segment names.
    title : the user's name for this segmentation.
    reference_date : the data's "today" for 'is within the last N days' conditions.

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
    masks = [rule_mask(frame, rule, reference_date).to_numpy() for rule in rules]
    if not any(mask.any() for mask in masks):
        raise RuleError(
            f"None of the rules matches any customer (0 of {len(frame):,} customers for "
            f"{_and_list([repr(r.name) for r in rules])}). Loosen the rules or check their "
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


# --- Plain English (human form) ------------------------------------------------------------------


def describe(group_or_rule: RuleLike) -> str:
    """The rule as a plain-English sentence, e.g. 'customers aged 29–38 living in suburban
    areas who are hard-core loyal'."""
    _, item = _unpack(group_or_rule)
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
    return f"either {_or_list(parts)}" if either else _or_list(parts)


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
    return " ".join(filter(None, [" ".join(attributes), _and_list(merged)]))


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
        return f"aged {_show(value[0])}–{_show(value[1])}"
    if operator == "in":
        return f"aged {_or_list([_show(v) for v in value])}"
    forms = {
        "equals": "{}",
        "gt": "over {}",
        "ge": "{} or over",
        "lt": "under {}",
        "le": "{} or under",
    }
    return f"aged {forms[operator].format(_show(value))}" if operator in forms else None


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
        return f"{'not ' if negated else ''}living in {_or_list(areas)} areas"
    if words & _REGION_WORDS:
        places = [f"the {v}" if str(v).lower() in _COMPASS else _show(v) for v in values]
        return f"living outside {_and_list(places)}" if negated else f"living in {_or_list(places)}"
    places = [_show(v) for v in values]
    return f"outside {_and_list(places)}" if negated else f"in {_or_list(places)}"


def _member_phrase(name: str, operator: str, value: Any) -> str | None:
    choice = _choice(operator, value)
    if choice is None or not set(name.split()) & _TIER_WORDS:
        return None
    values, negated = choice
    return f"who are {'not ' if negated else ''}{_or_list([_show(v) for v in values])} members"


def _status_phrase(name: str, operator: str, value: Any) -> str | None:
    choice = _choice(operator, value)
    if choice is None or not set(name.split()) & _STATUS_WORDS:
        return None
    values, negated = choice
    if not all(isinstance(v, str) for v in values):
        return None
    return f"who are {'not ' if negated else ''}{_or_list([_plural(_lower(v)) for v in values])}"


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


def _or_list(parts: Sequence[str]) -> str:
    return _joined(parts, "or")


def _and_list(parts: Sequence[str]) -> str:
    return _joined(parts, "and")


def _joined(parts: Sequence[str], word: str) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} {word} {parts[-1]}"


def _number_text(value: float) -> str:
    """1234 → '1,234'; 1234.5 → '1,234.5'; 0.075 → '0.075'."""
    if float(value).is_integer():
        return f"{int(value):,}"
    if abs(value) < 1:
        return f"{value:.3g}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _date_text(stamp: pd.Timestamp) -> str:
    return f"{stamp.day} {stamp:%b %Y}"


def _show(value: Any) -> str:
    """One rule value as the UI shows it: yes/no, 1,234, 1 Mar 2026 or the text itself."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return _number_text(value)
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return _date_text(pd.Timestamp(value))
        except ValueError:
            return value
    return str(value)


def _show_value(value_kind: str, value: Any) -> str:
    if value_kind == "none":
        return ""
    if value_kind == "list":
        return _or_list([_show(v) for v in value])
    if value_kind == "range":
        return f"{_show(value[0])} and {_show(value[1])}"
    if value_kind == "percent":
        return f"{_show(value)}%"
    if value_kind == "days":
        return "day" if value == 1 else f"{_show(value)} days"
    return _show(value)


# --- JSON round trip -----------------------------------------------------------------------------


def _fields(data: Any, what: str, required: tuple[str, ...]) -> Mapping[str, Any]:
    if not isinstance(data, Mapping) or not set(required) <= set(data):
        got = sorted(data) if isinstance(data, Mapping) else type(data).__name__
        raise RuleError(
            f"A saved {what} needs the keys {_and_list(list(required))}; got {got}. The saved "
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
        categories=tuple(_plain(value) for value, _ in shown),
        counts=tuple(int(count) for _, count in shown),
        truncated=len(ranked) > MAX_OPTIONS,
        n_missing=n_missing,
    )
