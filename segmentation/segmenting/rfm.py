"""RFM: recency, frequency and monetary scores 1–5 and the named segments marketers know.

Each measure is scored 1–5 by quintile (5 = best: fewest days since the last order, most orders,
most spend). The named segments come from an editable table of score ranges in which the first
matching row wins; customers no row matches are "Other".
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from segmentation.data.schema import Schema, normalise_name
from segmentation.errors import SegmentationError
from segmentation.segmenting.segments import UNASSIGNED, Segmentation, make_segmentation

N_SCORES = 5
SCORES = (1, 2, 3, 4, 5)
OTHER = "Other"
# letter, measure, what the column holds, whether a higher value is better
MEASURES = (
    ("R", "recency", "days since each customer's last order", False),
    ("F", "frequency", "number of orders per customer", True),
    ("M", "monetary", "total spend per customer", True),
)
# Scores used when a measure has fewer than 5 distinct values: lowest 1, highest 5, spread between.
_FEW_VALUE_SCORES = {2: (1, 5), 3: (1, 3, 5), 4: (1, 2, 4, 5)}
_UNIT = r"( (in )?(days|usd|eur|gbp|chf|cad|aud))?"
_NAME_PATTERNS = {
    "recency": (
        rf"recency{_UNIT}",
        rf"(number of |n )?days (since|from) (the )?last( \w+){{0,2}}{_UNIT}",
        r"last (order|purchase|transaction|visit) days( ago)?",
    ),
    "frequency": (
        r"frequency",
        r"(n|num|no|nr|no of|nr of|num of|number of|count of|total|total number of) "
        r"(orders|purchases|transactions|invoices)",
        r"(orders|purchases|transactions|invoices)( count| number| total)?",
        r"(order|purchase|transaction|invoice) (count|number|total)",
    ),
    "monetary": (
        rf"monetary( value)?{_UNIT}",
        rf"(total |net |gross )?(revenue|spend|spending|spent|sales){_UNIT}",
        rf"(total |net |gross )?(revenue|spend|sales) (amount|value|total){_UNIT}",
        rf"total (amount|value){_UNIT}|amount spent{_UNIT}|(customer )?lifetime value|ltv|clv",
    ),
}
_RANGE = re.compile(r"^(\d+)\s*(?:-|–|—|−|to|\.\.)\s*(\d+)$")
_RANGE_HINT = "write it like 2-5 or 3"


class RfmError(SegmentationError):
    """RFM columns, data or segment table that cannot produce RFM segments."""


@dataclass(frozen=True)
class RfmColumns:
    """Which column holds recency (days since the last order), frequency and monetary value."""

    recency: str
    frequency: str
    monetary: str

    def __post_init__(self) -> None:
        mapping = self.to_dict()
        for measure, column in mapping.items():
            if not isinstance(column, str) or not column.strip():
                raise RfmError(
                    f"The {measure} column is {column!r}; choose the column that holds the "
                    f"{_what(measure)}."
                )
        for (first, a), (second, b) in itertools.combinations(mapping.items(), 2):
            if a == b:
                raise RfmError(
                    f"'{a}' is mapped to both {first} and {second}; recency, frequency and "
                    "monetary each need their own column."
                )

    def to_dict(self) -> dict[str, str]:
        """JSON-friendly form: {"recency": ..., "frequency": ..., "monetary": ...}."""
        return asdict(self)

    @classmethod
    def from_dict(cls, mapping: Mapping[str, str]) -> RfmColumns:
        """Columns from the user's mapping {"recency": ..., "frequency": ..., "monetary": ...}."""
        absent = [measure for _, measure, _, _ in MEASURES if not mapping.get(measure)]
        if absent:
            raise RfmError(
                f"The RFM column mapping has no {' or '.join(absent)} column; map a column to "
                "each of recency, frequency and monetary."
            )
        return cls(mapping["recency"], mapping["frequency"], mapping["monetary"])


@dataclass(frozen=True)
class RfmRule:
    """One row of the named-segment table: a name and the R, F and M score ranges (inclusive)."""

    name: str
    r: tuple[int, int]
    f: tuple[int, int]
    m: tuple[int, int]

    def ranges(self) -> dict[str, tuple[int, int]]:
        """The score ranges by letter: {"R": (low, high), "F": ..., "M": ...}."""
        return {"R": self.r, "F": self.f, "M": self.m}


DEFAULT_RFM_TABLE: tuple[RfmRule, ...] = (
    RfmRule("Champions", (4, 5), (4, 5), (4, 5)),
    RfmRule("Loyal", (2, 5), (3, 5), (3, 5)),
    RfmRule("Potential Loyalist", (3, 5), (1, 3), (1, 3)),
    RfmRule("New", (4, 5), (1, 1), (1, 1)),
    RfmRule("Promising", (3, 4), (1, 1), (1, 1)),
    RfmRule("Need Attention", (2, 3), (2, 3), (2, 3)),
    RfmRule("About to Sleep", (2, 3), (1, 2), (1, 2)),
    RfmRule("At Risk", (1, 2), (2, 5), (2, 5)),
    RfmRule("Can't Lose", (1, 1), (4, 5), (4, 5)),
    RfmRule("Hibernating", (1, 2), (1, 2), (1, 2)),
    RfmRule("Lost", (1, 2), (1, 2), (1, 2)),
)


@dataclass(frozen=True)
class RfmResult:
    """RFM segments with the scores behind them.

    Attributes
    ----------
    segmentation : the named segments (method "rfm"); settings hold the columns and the table.
    scores : integer R, F and M scores 1–5 per customer, indexed by customer id.
    score_counts : customers per score (rows 1–5) for each of R, F and M (columns).
    missing : customers without a value per letter; they get score 1 for that measure.
    notes : plain-English remarks on ties, missing values and empty segments.
    """

    segmentation: Segmentation
    scores: pd.DataFrame
    score_counts: pd.DataFrame
    missing: Mapping[str, int]
    notes: tuple[str, ...]


def find_rfm_columns(schema: Schema) -> RfmColumns | None:
    """The recency, frequency and monetary columns found by name, or ``None`` if one is missing."""
    numeric = [c.name for c in schema.columns if c.kind == "numeric" and c.role != "id"]
    found: dict[str, str] = {}
    for _, measure, _, _ in MEASURES:
        free = [name for name in numeric if name not in found.values()]
        column = _column_named(free, _NAME_PATTERNS[measure])
        if column is None:
            return None
        found[measure] = column
    return RfmColumns(**found)


def _column_named(names: Sequence[str], patterns: Iterable[str]) -> str | None:
    for pattern in patterns:  # patterns are in order of preference
        for name in names:
            if re.fullmatch(pattern, normalise_name(name)):
                return name
    return None


def rfm_scores(frame: pd.DataFrame, columns: RfmColumns) -> pd.DataFrame:
    """Integer R, F and M scores 1–5 per customer (5 = best), on the frame's index.

    Recency is reversed (fewest days = 5); more orders and more spend score higher. Customers
    without a value get 1 for that measure. Identical values always get the same score, and the
    cut points between scores minimise the squared gaps between each score's share and 20%
    (an exact search, see ``_balanced_cuts``). So a heavily tied value keeps its own score and the
    other scores share the remaining customers evenly: when 40% of customers ordered once they
    all get F = 1 and F = 2…5 hold 15% each. Cutting the average rank at 20%, 40%, … instead
    would give those one-time buyers F = 2 and leave F = 1 empty, so rows asking for F = 1
    (New, Promising) could match nobody. With 5 or more distinct values all five scores are used
    (an empty score never minimises the gaps); with fewer, each value gets its own score, the
    worst 1 and the best 5 (two values: 1 and 5; three: 1, 3, 5; four: 1, 2, 4, 5).
    """
    scores = {}
    for letter, measure, _, higher_is_better in MEASURES:
        values = _measure_values(frame, getattr(columns, measure), measure, letter)
        present = ~np.isnan(values)
        ranked = values[present] if higher_is_better else -values[present]
        letter_scores = np.ones(len(values), dtype=np.int64)
        letter_scores[present] = _score_values(ranked)
        scores[letter] = letter_scores
    return pd.DataFrame(scores, index=frame.index)


def _measure_values(frame: pd.DataFrame, column: str, measure: str, letter: str) -> np.ndarray:
    """The column as floats (NaN where missing), after checking it can be scored."""
    if column not in frame.columns:
        numeric = [str(c) for c in frame.columns if _is_numeric(frame[c])]
        raise RfmError(
            f"The {measure} column '{column}' is not in the data. Numeric columns are: "
            f"{', '.join(numeric) or 'none'}. Choose the column that holds the {_what(measure)}."
        )
    series = frame[column]
    if not _is_numeric(series):
        examples = ", ".join(repr(str(v)) for v in series.dropna().unique()[:3])
        raise RfmError(
            f"The {measure} column '{column}' is not numeric (it holds values such as "
            f"{examples}); RFM ranks customers by numbers. Choose a numeric column for {measure}."
        )
    values = series.to_numpy(dtype="float64", na_value=np.nan)
    _check_rankable(values[~np.isnan(values)], column, measure, letter)
    return values


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _check_rankable(present: np.ndarray, column: str, measure: str, letter: str) -> None:
    if len(present) < N_SCORES:
        raise RfmError(
            f"The {measure} column '{column}' has a value for only {len(present)} customer"
            f"{'s' * (len(present) != 1)}; RFM scores customers in fifths, so it needs at least "
            f"{N_SCORES}. Choose a column with more values or load more customers."
        )
    if present.min() == present.max():
        raise RfmError(
            f"'{column}' has the same value for every customer ({present[0]:g}), so it cannot "
            f"rank them into {letter} scores. Map {measure} to a column whose values differ "
            "between customers."
        )


def _what(measure: str) -> str:
    return next(what for _, name, what, _ in MEASURES if name == measure)


def _score_values(values: np.ndarray) -> np.ndarray:
    """Scores 1–5 of present values (a higher value gets a higher or equal score)."""
    distinct, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    if len(distinct) < N_SCORES:
        return np.asarray(_FEW_VALUE_SCORES[len(distinct)], dtype=np.int64)[inverse]
    cuts = _balanced_cuts(counts)
    groups = np.searchsorted(cuts, np.arange(len(distinct)), side="right")
    return (groups + 1).astype(np.int64)[inverse]


def _balanced_cuts(counts: np.ndarray) -> np.ndarray:
    """The 4 cut points minimising the sum of squared (score size − n/5), as tie-group indices.

    A dynamic programme over the boundaries between distinct values: ``cost[j]`` is the least
    cost of splitting the first ``j`` tie groups into the scores so far. Positions are scaled by
    5 so the target size is the whole number n and the arithmetic is exact.
    """
    n = int(counts.sum())
    bounds = np.concatenate([[0], np.cumsum(counts, dtype=np.int64)]) * N_SCORES
    cost = (bounds - n) ** 2
    previous_cuts = []
    for _ in range(N_SCORES - 2):
        cost, best_previous = _add_score(cost, bounds, n)
        previous_cuts.append(best_previous)
    cuts = [int(np.argmin(cost + (bounds[-1] - bounds - n) ** 2))]
    for best_previous in reversed(previous_cuts):
        cuts.append(int(best_previous[cuts[-1]]))
    return np.array(cuts[::-1])


def _add_score(cost: np.ndarray, bounds: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Least cost with one more score ending at each boundary, and where that score starts.

    The size cost is convex, so the best start never moves left as the end moves right (a
    Monge matrix); divide and conquer, one numpy pass per level, finds all starts in
    O(D log D) instead of O(D²).
    """
    size = len(bounds)
    best, start = np.zeros(size, dtype=np.int64), np.zeros(size, dtype=np.int64)
    end_lo, end_hi = np.array([0]), np.array([size - 1])
    start_lo, start_hi = np.array([0]), np.array([size - 1])
    while end_lo.size:
        end = (end_lo + end_hi) // 2
        width = np.minimum(start_hi, end) - start_lo + 1
        offsets = np.cumsum(width) - width
        i = np.arange(width.sum()) - np.repeat(offsets - start_lo, width)
        total = cost[i] + (np.repeat(bounds[end], width) - bounds[i] - n) ** 2
        best[end] = np.minimum.reduceat(total, offsets)
        leftmost = np.where(total == np.repeat(best[end], width), i, size)
        start[end] = np.minimum.reduceat(leftmost, offsets)
        left, right, first = end > end_lo, end < end_hi, start[end]
        end_lo = np.concatenate([end_lo[left], end[right] + 1])
        end_hi = np.concatenate([end[left] - 1, end_hi[right]])
        start_lo = np.concatenate([start_lo[left], first[right]])
        start_hi = np.concatenate([first[left], start_hi[right]])
    return best, start


def validate_rfm_table(rules: Sequence[RfmRule]) -> None:
    """Check a named-segment table; raise one :class:`RfmError` listing every problem."""
    if not rules:
        raise RfmError(
            "The RFM table has no rows; add at least one segment, for example Champions with "
            "R 4-5, F 4-5, M 4-5."
        )
    problems = _name_problems(rules)
    for rule in rules:
        problems.extend(_range_problems(rule))
    if problems:
        raise RfmError(" ".join(problems))


def _name_problems(rules: Sequence[RfmRule]) -> list[str]:
    problems: list[str] = []
    rows_by_name: dict[str, tuple[str, list[int]]] = {}
    for row, rule in enumerate(rules, start=1):
        name = rule.name.strip() if isinstance(rule.name, str) else ""
        if not name:
            problems.append(f"Row {row} of the RFM table has no segment name; type a name for it.")
            continue
        if name.casefold() == OTHER.casefold():
            problems.append(
                f"'{name}' (row {row}) is the name for customers no row matches; choose a "
                "different name."
            )
        rows_by_name.setdefault(name.casefold(), (name, []))[1].append(row)
    for name, rows in rows_by_name.values():
        if len(rows) > 1:
            problems.append(
                f"'{name}' is the name of rows {_and(rows)} of the RFM table; segment names "
                "must be unique, so rename all but one."
            )
    return problems


def _range_problems(rule: RfmRule) -> list[str]:
    problems = []
    for letter, bounds in rule.ranges().items():
        if not _is_pair_of_ints(bounds):
            problems.append(
                f"{letter} range {bounds!r} for '{rule.name}' is not a range; {_RANGE_HINT}."
            )
            continue
        low, high = bounds
        shown = _range_text(bounds)
        if not (1 <= low <= 5 and 1 <= high <= 5):
            problems.append(
                f"{letter} range {shown} for '{rule.name}' goes outside 1-5; scores run from 1 "
                "(worst) to 5 (best), so write it like 4-5."
            )
        elif low > high:
            problems.append(
                f"{letter} range {shown} for '{rule.name}' runs backwards; write the low score "
                f"first: {high}-{low}."
            )
    return problems


def _is_pair_of_ints(bounds: object) -> bool:
    return (
        isinstance(bounds, tuple)
        and len(bounds) == 2
        and all(isinstance(b, int | np.integer) and not isinstance(b, bool) for b in bounds)
    )


def _and(items: Sequence[object], conjunction: str = "and") -> str:
    words = [str(item) for item in items]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def _quoted(names: Iterable[str]) -> str:
    return _and([f"'{name}'" for name in names], "or")


def rfm_table_to_records(rules: Sequence[RfmRule]) -> list[dict[str, str]]:
    """The table as rows of text for editing and for JSON: {"segment", "R", "F", "M"}."""
    return [
        {"segment": rule.name, **{k: _range_text(v) for k, v in rule.ranges().items()}}
        for rule in rules
    ]


def _range_text(bounds: tuple[int, int]) -> str:
    low, high = bounds
    return str(low) if low == high else f"{low}-{high}"


def rfm_table_from_records(records: Sequence[Mapping[str, Any]]) -> tuple[RfmRule, ...]:
    """Rules from edited rows such as {"segment": "Loyal", "R": "2–5", "F": "3-5", "M": "3"}."""
    rules = []
    for row, record in enumerate(records, start=1):
        absent = [key for key in ("segment", "R", "F", "M") if key not in record]
        if absent:
            raise RfmError(
                f"Row {row} of the RFM table has no {' or '.join(absent)} column; every row "
                "needs segment, R, F and M."
            )
        name = "" if record["segment"] is None else str(record["segment"]).strip()
        label = f"'{name}'" if name else f"row {row}"
        ranges = [_parse_range(record[letter], letter, label) for letter in ("R", "F", "M")]
        rules.append(RfmRule(name, *ranges))
    rules_tuple = tuple(rules)
    validate_rfm_table(rules_tuple)
    return rules_tuple


def _parse_range(text: object, letter: str, label: str) -> tuple[int, int]:
    """(low, high) from "2-5", "2–5", "2 to 5", "3" or a whole number."""
    if text is None or (pd.api.types.is_scalar(text) and pd.isna(text)) or not str(text).strip():
        raise RfmError(f"{letter} range for {label} is empty; {_RANGE_HINT} (1-5 means any score).")
    whole = isinstance(text, int | float | np.integer | np.floating) and not isinstance(text, bool)
    if whole and float(text).is_integer():
        return int(text), int(text)
    cleaned = str(text).strip()
    if cleaned.isdigit():
        return int(cleaned), int(cleaned)
    match = _RANGE.match(cleaned)
    if match is None:
        raise RfmError(f"{letter} range '{cleaned}' for {label} is not a range; {_RANGE_HINT}.")
    return int(match.group(1)), int(match.group(2))


def shadowed_rules(rules: Sequence[RfmRule]) -> dict[str, tuple[str, ...]]:
    """Rules no customer can reach because earlier rows take all their score combinations.

    Maps each such rule's name to the earlier rules that cover it (first match wins).
    """
    taken: dict[tuple[int, int, int], str] = {}
    shadowed = {}
    for rule in rules:
        cells = list(itertools.product(*(range(lo, hi + 1) for lo, hi in rule.ranges().values())))
        if cells and all(cell in taken for cell in cells):
            shadowed[rule.name] = tuple(dict.fromkeys(taken[cell] for cell in cells))
        for cell in cells:
            taken.setdefault(cell, rule.name)
    return shadowed


def assign_rfm_segments(scores: pd.DataFrame, rules: Sequence[RfmRule]) -> pd.Series:
    """Segment id per customer: the position of the first matching rule, else ``UNASSIGNED``."""
    values = scores[["R", "F", "M"]].to_numpy()
    labels = np.full(len(scores), UNASSIGNED, dtype=np.int64)
    for segment_id, rule in enumerate(rules):
        low, high = np.array([rule.r, rule.f, rule.m]).T
        match = (labels == UNASSIGNED) & ((values >= low) & (values <= high)).all(axis=1)
        labels[match] = segment_id
    return pd.Series(labels, index=scores.index, name="segment")


def rfm_segment(
    frame: pd.DataFrame,
    id_column: str,
    columns: RfmColumns,
    table: Sequence[RfmRule] = DEFAULT_RFM_TABLE,
    title: str = "RFM",
) -> RfmResult:
    """Score customers on recency, frequency and monetary value and name their segments.

    Parameters
    ----------
    frame : one row per customer.
    id_column : the column identifying customers; labels and scores are indexed by it.
    columns : which columns hold recency (days), frequency and monetary value.
    table : the named-segment rules in order; the first matching row wins, the rest are "Other".
    title : the user's name for this segmentation.

    Returns
    -------
    RfmResult
        The segmentation (segment id = row of the table, ``UNASSIGNED`` = "Other"), the R, F and
        M scores, customers per score, missing-value counts and notes. See :func:`rfm_scores`
        for how ties are scored.

    Examples
    --------
    >>> frame = pd.DataFrame({
    ...     "customer": list("abcdefghij"),
    ...     "days": [3, 5, 12, 30, 40, 60, 90, 150, 200, 365],
    ...     "orders": [12, 8, 6, 4, 3, 2, 2, 1, 1, 1],
    ...     "spend": [950.0, 610, 400, 210, 120, 95, 80, 40, 35, 20],
    ... })
    >>> result = rfm_segment(frame, "customer", RfmColumns("days", "orders", "spend"))
    >>> result.scores.loc[["a", "e", "j"]].to_dict("index")
    {'a': {'R': 5, 'F': 5, 'M': 5}, 'e': {'R': 3, 'F': 3, 'M': 3}, 'j': {'R': 1, 'F': 1, 'M': 1}}
    >>> result.segmentation.sizes().to_dict()  # doctest: +NORMALIZE_WHITESPACE
    {'Champions': 4, 'Loyal': 1, 'Potential Loyalist': 1, 'Need Attention': 1,
     'About to Sleep': 1, 'Hibernating': 2}
    >>> result.score_counts["F"].tolist()  # three customers ordered once: all get F = 1
    [3, 2, 1, 2, 2]
    >>> result.notes[0][:61]
    "'orders' has heavy ties: 30% of customers share the value 1, "
    """
    validate_rfm_table(table)
    ids = _customer_ids(frame, id_column)
    scores = rfm_scores(frame, columns).set_axis(ids)
    labels = assign_rfm_segments(scores, table)
    settings = {"columns": columns.to_dict(), "table": rfm_table_to_records(table)}
    names = {i: rule.name.strip() for i, rule in enumerate(table)}
    segmentation = make_segmentation(title, "rfm", labels, names, settings, unassigned_name=OTHER)
    missing = {
        letter: int(frame[getattr(columns, measure)].isna().sum())
        for letter, measure, _, _ in MEASURES
    }
    counts = score_counts(scores)
    notes = _score_notes(frame, columns, counts, missing) + _segment_notes(labels, table)
    return RfmResult(segmentation, scores, counts, missing, notes)


def rfm_segmentation(
    frame: pd.DataFrame,
    id_column: str,
    columns: RfmColumns,
    table: Sequence[RfmRule] = DEFAULT_RFM_TABLE,
    title: str = "RFM",
) -> Segmentation:
    """The named RFM segments alone (see :func:`rfm_segment` for the scores and notes)."""
    return rfm_segment(frame, id_column, columns, table, title).segmentation


def rfm_from_settings(settings: Mapping[str, Any]) -> tuple[RfmColumns, tuple[RfmRule, ...]]:
    """The columns and table stored in an RFM segmentation's settings (a shared link's form)."""
    if "columns" not in settings or "table" not in settings:
        raise RfmError(
            "These RFM settings have no 'columns' or 'table'; they do not come from an RFM "
            "segmentation. Choose the RFM columns and table again."
        )
    return RfmColumns.from_dict(settings["columns"]), rfm_table_from_records(settings["table"])


def _customer_ids(frame: pd.DataFrame, id_column: str) -> pd.Index:
    if id_column not in frame.columns:
        raise RfmError(
            f"The customer id column '{id_column}' is not in the data. Columns are: "
            f"{', '.join(map(str, frame.columns))}. Choose the column that identifies customers."
        )
    ids = frame[id_column]
    problems = int(ids.isna().sum()), int(ids.dropna().duplicated().sum())
    if any(problems):
        raise RfmError(
            f"The customer id column '{id_column}' has {problems[0]:,} empty and {problems[1]:,} "
            "repeated ids; RFM needs one row per customer with an id. Turn orders into customers "
            "on the Data page, or choose the column that identifies customers."
        )
    return pd.Index(ids, name=id_column)


def score_counts(scores: pd.DataFrame) -> pd.DataFrame:
    """Customers per score: rows are scores 1–5, columns R, F and M."""
    counts = {
        letter: np.bincount(scores[letter].to_numpy(), minlength=N_SCORES + 1)[1:]
        for letter in ("R", "F", "M")
    }
    return pd.DataFrame(counts, index=pd.Index(SCORES, name="score"), dtype="int64")


def rf_grid(scores: pd.DataFrame) -> pd.DataFrame:
    """Customers per (R, F) cell: rows F 5→1 (best at the top), columns R 1→5 (best on the right).

    Drawn as is, the grid is the classic R×F heatmap with Champions in the top-right corner.
    """
    cells = scores.groupby(["F", "R"]).size()
    grid = cells.unstack("R").reindex(index=SCORES[::-1], columns=SCORES, fill_value=0)
    return grid.fillna(0).astype("int64")


def _score_notes(
    frame: pd.DataFrame, columns: RfmColumns, counts: pd.DataFrame, missing: Mapping[str, int]
) -> tuple[str, ...]:
    notes = []
    for letter, measure, _, _ in MEASURES:
        column = getattr(columns, measure)
        note = _tie_note(frame[column].dropna(), column, letter, counts[letter])
        if note:
            notes.append(note)
        if missing[letter]:
            notes.append(
                f"{missing[letter]:,} customer{'s have' if missing[letter] > 1 else ' has'} no "
                f"{measure} value ('{column}'), so {letter} = 1 for them."
            )
    return tuple(notes)


def _tie_note(values: pd.Series, column: str, letter: str, counts: pd.Series) -> str:
    used = [int(score) for score, count in counts.items() if count]
    if len(used) < N_SCORES:
        return (
            f"'{column}' has only {len(used)} different values, so {letter} uses only the "
            f"scores {_and(used)} (the worst value gets 1, the best 5)."
        )
    shares = counts / counts.sum()
    if (shares - 1 / N_SCORES).abs().max() <= 0.05:
        return ""
    tied = values.value_counts()
    return (
        f"'{column}' has heavy ties: {tied.iloc[0] / len(values):.0%} of customers share the "
        f"value {float(tied.index[0]):g}, so the {letter} scores 1–5 hold "
        f"{_and([f'{share:.0%}' for share in shares])} of customers instead of 20% each."
    )


def _segment_notes(labels: pd.Series, rules: Sequence[RfmRule]) -> tuple[str, ...]:
    notes = []
    shadowed = shadowed_rules(rules)
    if shadowed:
        notes.append(
            f"No customer can be in {_quoted(shadowed)}: earlier rows take every score combination "
            f"{'they cover' if len(shadowed) > 1 else 'it covers'} (the first matching row wins). "
            "Move a row up or change its ranges to use it."
        )
    present = set(labels.unique())
    empty = [r.name for i, r in enumerate(rules) if i not in present and r.name not in shadowed]
    if empty:
        notes.append(f"No customer is in {_quoted(empty)} with these data.")
    other = int((labels == UNASSIGNED).sum())
    if other:
        who = (
            f"{other:,} customers ({other / len(labels):.1%}) match"
            if other > 1
            else "1 customer matches"
        )
        notes.append(f"{who} no row of the table and {'are' if other > 1 else 'is'} in '{OTHER}'.")
    return tuple(notes)
