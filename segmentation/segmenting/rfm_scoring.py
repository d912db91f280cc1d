"""RFM scoring: which columns hold recency, frequency and monetary value, and their scores 1–5.

Each measure is scored 1–5 by quintile (5 = best: fewest days since the last order, most orders,
most spend); :func:`rfm_scores` says how ties are handled. The named segments built on these
scores are in :mod:`.rfm_table` and :mod:`.rfm`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from segmentation.data.schema import Schema, normalise_name
from segmentation.errors import SegmentationError

N_SCORES = 5
SCORES = (1, 2, 3, 4, 5)
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


def rfm_scores(
    frame: pd.DataFrame, columns: RfmColumns, cuts: RfmCuts | None = None
) -> pd.DataFrame:
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

    ``cuts`` (from :func:`rfm_cuts` over a whole dataset's :func:`rfm_value_counts`) scores a
    part of a dataset as the whole would score it; by default the cuts come from ``frame``.
    """
    if cuts is None:
        cuts = rfm_cuts(rfm_value_counts(frame, columns), columns)
    scores = {}
    for letter, measure, _, higher_is_better in MEASURES:
        values = _measure_values(frame, getattr(columns, measure), measure)
        present = ~np.isnan(values)
        ranked = values[present] if higher_is_better else -values[present]
        letter_scores = np.ones(len(values), dtype=np.int64)
        letter_scores[present] = cuts.letter(letter).scores_of(ranked)
        scores[letter] = letter_scores
    return pd.DataFrame(scores, index=frame.index)


@dataclass(frozen=True)
class ScoreCuts:
    """One measure's scores by ranked value (higher is better): values below ``edges[0]`` get
    ``scores[0]``, values from ``edges[i]`` on ``scores[i + 1]``."""

    edges: tuple[float, ...]
    scores: tuple[int, ...]

    def scores_of(self, ranked: np.ndarray) -> np.ndarray:
        """The score of each ranked value."""
        table = np.asarray(self.scores, dtype=np.int64)
        return table[np.searchsorted(np.asarray(self.edges, dtype="float64"), ranked, "right")]


@dataclass(frozen=True)
class RfmCuts:
    """The cut points of R, F and M, computed once for a whole dataset."""

    R: ScoreCuts
    F: ScoreCuts
    M: ScoreCuts

    def letter(self, letter: str) -> ScoreCuts:
        """The cuts of one measure by its letter."""
        return getattr(self, letter)


def rfm_value_counts(frame: pd.DataFrame, columns: RfmColumns) -> dict[str, pd.Series]:
    """Customers per ranked value of R, F and M (recency negated so higher is better): a
    summary of a part of a dataset that adds up over parts (:func:`merge_value_counts`)."""
    counts = {}
    for letter, measure, _, higher_is_better in MEASURES:
        values = _measure_values(frame, getattr(columns, measure), measure)
        present = values[~np.isnan(values)]
        distinct, n = np.unique(present if higher_is_better else -present, return_counts=True)
        counts[letter] = pd.Series(n, index=distinct, dtype="int64")
    return counts


def merge_value_counts(parts: Iterable[Mapping[str, pd.Series]]) -> dict[str, pd.Series]:
    """The value counts of several parts added up, per letter (or column)."""
    merged: dict[str, list[pd.Series]] = {}
    for part in parts:
        for key, counts in part.items():
            merged.setdefault(key, []).append(counts)
    return {
        key: pd.concat(series).groupby(level=0).sum().sort_index().astype("int64")
        for key, series in merged.items()
    }


def rfm_cuts(counts: Mapping[str, pd.Series], columns: RfmColumns) -> RfmCuts:
    """The cut points of each measure from its whole dataset's value counts (see
    :func:`rfm_scores` for how ties and few distinct values are scored)."""
    cuts = {}
    for letter, measure, _, higher_is_better in MEASURES:
        letter_counts = counts[letter].sort_index()
        distinct = letter_counts.index.to_numpy(dtype="float64")
        _check_rankable(letter_counts, getattr(columns, measure), measure, letter, higher_is_better)
        groups = _score_groups(letter_counts.to_numpy(dtype=np.int64))
        starts = np.flatnonzero(np.diff(groups)) + 1
        cuts[letter] = ScoreCuts(
            tuple(float(v) for v in distinct[starts]),
            (int(groups[0]), *(int(g) for g in groups[starts])),
        )
    return RfmCuts(**cuts)


def _measure_values(frame: pd.DataFrame, column: str, measure: str) -> np.ndarray:
    """The column as floats (NaN where missing), after checking it is a numeric column."""
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
    return series.to_numpy(dtype="float64", na_value=np.nan)


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _check_rankable(
    counts: pd.Series, column: str, measure: str, letter: str, higher_is_better: bool
) -> None:
    n_present = int(counts.sum())
    if n_present < N_SCORES:
        raise RfmError(
            f"The {measure} column '{column}' has a value for only {n_present} customer"
            f"{'s' * (n_present != 1)}; RFM scores customers in fifths, so it needs at least "
            f"{N_SCORES}. Choose a column with more values or load more customers."
        )
    if len(counts) == 1:
        value = counts.index[0] if higher_is_better else -counts.index[0]
        raise RfmError(
            f"'{column}' has the same value for every customer ({value:g}), so it cannot "
            f"rank them into {letter} scores. Map {measure} to a column whose values differ "
            "between customers."
        )


def _what(measure: str) -> str:
    return next(what for _, name, what, _ in MEASURES if name == measure)


def _score_groups(counts: np.ndarray) -> np.ndarray:
    """The score 1–5 of each distinct value, given how many customers hold each (ascending)."""
    if len(counts) < N_SCORES:
        return np.asarray(_FEW_VALUE_SCORES[len(counts)], dtype=np.int64)
    cuts = _balanced_cuts(counts)
    groups = np.searchsorted(cuts, np.arange(len(counts)), side="right")
    return (groups + 1).astype(np.int64)


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
