"""Rule operators: the ways a condition can test a column, each with a machine and a human form.

Modelled on datasette's ``datasette/filters.py``: every operator in :data:`OPERATORS` has a machine
form (a vectorised boolean mask) and a human form (a phrase the UI shows as is). Missing values
never match a comparison; only 'is missing' finds them. Here too: rule values read as what a column
holds, and the words values are shown in ('1,234', '1 Mar 2026', 'a, b or c').
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from segmentation.data.schema import KINDS, normalise_name
from segmentation.errors import SegmentationError

__all__ = [
    "ISO_DATE",
    "KIND_NOUNS",
    "OPERATORS",
    "VALUE_KINDS",
    "MaskContext",
    "Operator",
    "PopulationCuts",
    "RuleError",
    "and_list",
    "check_range_order",
    "column_kind",
    "humanise",
    "operator_named",
    "operators_for",
    "or_list",
    "value_text",
]

VALUE_KINDS = ("none", "scalar", "list", "range", "percent", "date", "days")

_DAY = pd.Timedelta(days=1)
# A date written as ISO text, as rule values hold dates.
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T][\d:.+-]+)?$")
# The column kinds in words, as error messages and operator help name them.
KIND_NOUNS = {
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
class PopulationCuts:
    """What operators that look at the whole population need, from a first pass over a whole
    dataset, so that each part of it is tested as the whole would be: the cut value of each
    top/bottom-percent condition (key: column, operator, percent) and each date column's
    latest date (the 'today' of 'within the last N days' without a reference date)."""

    rank_cuts: Mapping[tuple[str, str, float], float | None]
    latest_dates: Mapping[str, pd.Timestamp]


@dataclass(frozen=True)
class MaskContext:
    """What a mask may need besides the column and the value: the data's "today", and the
    whole population's cut points when the column is only a part of it."""

    reference_date: pd.Timestamp | None = None
    population: PopulationCuts | None = None


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


def check_range_order(column: object, shown: Sequence[Any], low: Any, high: Any) -> None:
    """A RuleError if a range's low end is above its high end (``shown``: the ends as given)."""
    if low is None or high is None or type(low) is not type(high) or not low > high:
        return
    low_text, high_text = value_text(shown[0]), value_text(shown[1])
    raise RuleError(
        f"'{column}' is between {low_text} and {high_text}: the low end is above the high end, "
        f"so nobody can match. Swap them: between {high_text} and {low_text}."
    )


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
    check_range_order(series.name, value, low, high)
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


def rank_position(n_present: int, percent: float, top: bool) -> int:
    """Where the edge of the top (or bottom) percent of ``n_present`` sorted values lies."""
    n_kept = max(1, math.ceil(n_present * percent / 100 - 1e-9))
    return n_present - n_kept if top else n_kept - 1


def _rank_cut(numbers: np.ndarray, percent: float, top: bool) -> float | None:
    """The value at the edge of the top (or bottom) percent of the non-missing numbers."""
    present = numbers[~np.isnan(numbers)]
    if not len(present):
        return None
    position = rank_position(len(present), percent, top)
    return float(np.partition(present, position)[position])


def rank_cut_of_counts(counts: pd.Series, percent: float, top: bool) -> float | None:
    """:func:`_rank_cut` of a whole population given as value counts (index: values)."""
    counts = counts.sort_index()
    total = int(counts.sum())
    if not total:
        return None
    position = rank_position(total, percent, top)
    ends = np.cumsum(counts.to_numpy(dtype=np.int64))
    return float(counts.index[int(np.searchsorted(ends, position, side="right"))])


def number_counts(series: pd.Series) -> pd.Series:
    """How many customers hold each number of a column (missing left out)."""
    numbers = _numbers(series)
    distinct, n = np.unique(numbers[~np.isnan(numbers)], return_counts=True)
    return pd.Series(n, index=distinct, dtype="int64")


def _population_cut(
    series: pd.Series, operator: str, value: Any, context: MaskContext
) -> float | None:
    if context.population is not None:
        return context.population.rank_cuts[(str(series.name), operator, float(value))]
    return _rank_cut(_numbers(series), float(value), top=operator == "top_pct")


def _top_pct(series: pd.Series, value: Any, context: MaskContext) -> np.ndarray:
    numbers = _numbers(series)
    cut = _population_cut(series, "top_pct", value, context)
    return np.zeros(len(numbers), bool) if cut is None else numbers >= cut


def _bottom_pct(series: pd.Series, value: Any, context: MaskContext) -> np.ndarray:
    numbers = _numbers(series)
    cut = _population_cut(series, "bottom_pct", value, context)
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
    if reference is None and context.population is not None:
        reference = context.population.latest_dates.get(str(series.name), pd.NaT)
    elif reference is None:
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
        nouns = [noun for kind, noun in KIND_NOUNS.items() if kind in self.kinds]
        return and_list(nouns) or "any column"


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


def operator_named(key: object) -> Operator:
    """The operator with this key, or a RuleError naming the operators there are."""
    if not isinstance(key, str) or key not in OPERATORS:
        raise RuleError(
            f"'{key}' is not a rule operator; use one of {', '.join(OPERATORS)}. "
            "Pick the operator again in the rule editor."
        )
    return OPERATORS[key]


# --- How values read (the words of the human form) ----------------------------------------------


def or_list(parts: Sequence[str]) -> str:
    """The parts as alternatives: 'a, b or c'."""
    return _joined(parts, "or")


def and_list(parts: Sequence[str]) -> str:
    """The parts as a list: 'a, b and c'."""
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


def value_text(value: Any) -> str:
    """One rule value as the UI shows it: yes/no, 1,234, 1 Mar 2026 or the text itself."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return _number_text(value)
    if isinstance(value, str) and ISO_DATE.match(value):
        try:
            return _date_text(pd.Timestamp(value))
        except ValueError:
            return value
    return str(value)


def _show_value(value_kind: str, value: Any) -> str:
    if value_kind == "none":
        return ""
    if value_kind == "list":
        return or_list([value_text(v) for v in value])
    if value_kind == "range":
        return f"{value_text(value[0])} and {value_text(value[1])}"
    if value_kind == "percent":
        return f"{value_text(value)}%"
    if value_kind == "days":
        return "day" if value == 1 else f"{value_text(value)} days"
    return value_text(value)
