"""The distinct values of a wide table's text columns checked in one pass for all of them.

A wide export (thousands of columns, a few thousand rows) costs little per cell and much per
column: a pandas call or a compiled pattern per column adds up to seconds. Here every column's
distinct values (:func:`segmentation.data.distinct_values.distinct_texts_batch`) are tested at
once (plain numbers, yes/no words, ISO days, characters no number has) and read at once (numbers,
days, numbers once cleaned); :func:`segmentation.data.schema.infer_schema` then decides each
column's type from these facts as it would from the column alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from segmentation.data.dates import DateReading
from segmentation.data.distinct_values import DistinctBatch, as_series
from segmentation.data.text_values import (
    FALSE_WORDS,
    FLAG_SPELLINGS,
    FLAG_WORDS,
    NEVER_IN_NUMBERS,
    PLAIN_NUMBER,
    PLAIN_NUMBER_RE2,
    TRUE_WORDS,
    clean_numbers,
    present_numbers,
    surely_not_numbers,
)

_ISO_DAY_RE2 = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"

# a table of at least BATCH_MIN_COLUMNS text columns and at most BATCH_MAX_ROWS rows (a wide
# export) is read in batches: there, each column's fixed cost (a pandas call, compiling a pattern)
# outweighs its cells, so every column's distinct values are checked in one pass
BATCH_MIN_COLUMNS = 20
BATCH_MAX_ROWS = 50_000


@dataclass  # not frozen: the batch sets what it reads afterwards (dates) on its own facts
class TextFacts:
    """What a pass over many columns' distinct values found about one column: whether they are
    all plain numbers, all yes/no words, all ISO days (2024-03-15), how many hold a character no
    number has, which read as yes, their first values, and their typed values when a batch read
    them (numbers, days, or numbers once cleaned) and, once read, their dates."""

    head: list[str]
    all_plain: bool = False
    all_flags: bool = False
    all_iso_days: bool = False
    n_never: int = 0
    not_numbers: bool = False
    truth: np.ndarray | None = None
    mean_length: float = 0.0
    numbers: pd.Series | None = None
    days: pd.Series | None = None
    cleaned: pd.Series | None = None
    dates_read: bool = False  # whether ``dates`` holds what read_text_dates finds
    dates: DateReading | None = None


def _segment_counts(flags: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """How many of each column's values (``starts`` bound them) are flagged."""
    return np.diff(np.concatenate([[0], np.cumsum(flags, dtype=np.int64)])[starts])


def batch_facts(batch: DistinctBatch, head_size: int, not_numbers: list[bool]) -> list[TextFacts]:
    """The facts of each column of ``batch``; ``head_size``: how many first distinct values to
    keep as Python strings; ``not_numbers``: columns that will not be read as numbers whatever
    their values (their cleaning is saved)."""
    values, starts = batch.values, batch.starts
    sizes = np.diff(starts)
    owners = np.repeat(np.arange(len(sizes)), sizes)
    # only a column of few distinct values may hold yes/no words only: the others' values
    # are not lowered (their ``truth`` is never read)
    few = (sizes <= FLAG_SPELLINGS)[owners]
    lowered = pc.utf8_lower(values.filter(pa.array(few)))
    flag, truth = np.zeros(len(values), dtype=bool), np.zeros(len(values), dtype=bool)
    words = pa.array(sorted(FLAG_WORDS), pa.large_string())
    flag[few] = _flags(pc.is_in(lowered, value_set=words))
    truth[few] = _flags(pc.is_in(lowered, value_set=pa.array(sorted(TRUE_WORDS), words.type)))
    # a column whose first value is not a plain number (an ISO day) is not all plain numbers
    # (ISO days): the patterns run on the values of the other columns only
    plain = _matching(
        values, owners, _first_match(values, starts, PLAIN_NUMBER_RE2), PLAIN_NUMBER_RE2
    )
    iso = _matching(values, owners, _first_match(values, starts, _ISO_DAY_RE2), _ISO_DAY_RE2)
    all_plain = _segment_counts(plain, starts) == sizes
    all_flags = (_segment_counts(flag, starts) == sizes) & (sizes <= FLAG_SPELLINGS)
    all_iso = _segment_counts(iso, starts) == sizes
    # plain numbers, ISO days and yes/no words hold no character that numbers never have
    never = _matching(values, owners, ~(all_plain | all_iso | all_flags), NEVER_IN_NUMBERS)
    n_never = _segment_counts(never, starts)
    lengths = _segment_counts(pc.utf8_length(values).to_numpy(zero_copy_only=False), starts)
    heads = [values.slice(a, min(b - a, head_size)).to_pylist() for a, b in pairwise(starts)]
    skipped = all_plain | all_iso | all_flags | np.array(not_numbers, dtype=bool) | (sizes == 0)
    refused = [
        not skipped[i]
        and (n_never[i] > 0.05 * sizes[i] or surely_not_numbers(heads[i], int(sizes[i])))
        for i in range(len(sizes))
    ]
    cleanable = [
        not (skipped[i] or refused[i]) and not all(PLAIN_NUMBER.fullmatch(v) for v in heads[i])
        for i in range(len(sizes))
    ]
    numbers = _split(values, starts, all_plain & (sizes > 0), _to_numbers)
    days = _split(values, starts, all_iso & (sizes > 0), _iso_days)
    cleaned = _split(values, starts, np.array(cleanable, dtype=bool), _clean_numbers)
    return [
        TextFacts(
            heads[i],
            bool(all_plain[i]),
            bool(all_flags[i]),
            bool(all_iso[i]),
            int(n_never[i]),
            refused[i],
            truth[starts[i] : starts[i + 1]],
            float(lengths[i] / sizes[i]) if sizes[i] else 0.0,
            numbers.get(i),
            days.get(i),
            cleaned.get(i),
        )
        for i in range(len(not_numbers))
    ]


def _flags(mask: pa.Array) -> np.ndarray:
    return mask.fill_null(False).to_numpy(zero_copy_only=False)


def _first_match(values: pa.Array, starts: np.ndarray, pattern: str) -> np.ndarray:
    """Whether each column's first value matches ``pattern`` (``False`` for an empty column)."""
    filled = np.flatnonzero(np.diff(starts) > 0)
    matched = np.zeros(len(starts) - 1, dtype=bool)
    if len(filled):
        firsts = values.take(pa.array(starts[filled]))
        matched[filled] = _flags(pc.match_substring_regex(firsts, pattern))
    return matched


def _matching(values: pa.Array, owners: np.ndarray, chosen: np.ndarray, pattern: str) -> np.ndarray:
    """Which values match ``pattern``, looked at in the ``chosen`` columns only (the others'
    values are ``False``)."""
    mask = chosen[owners]
    matched = np.zeros(len(values), dtype=bool)
    if mask.all():
        return _flags(pc.match_substring_regex(values, pattern))
    if mask.any():
        matched[mask] = _flags(pc.match_substring_regex(values.filter(pa.array(mask)), pattern))
    return matched


def _to_numbers(values: pd.Series, owners: np.ndarray) -> pd.Series:
    """Plain numbers as floats: Arrow's parser (the same correctly rounded values as pandas', ten
    times faster), pandas' when Arrow refuses one of them."""
    try:
        parsed = pc.cast(pa.array(values.array), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pd.to_numeric(values, errors="coerce")
    return pd.Series(parsed.to_numpy(zero_copy_only=False), dtype="Float64")


def _clean_numbers(values: pd.Series, owners: np.ndarray) -> pd.Series:
    """:func:`clean_numbers` of many columns' values, the cleaned text read by Arrow's parser
    when every value is then a plain number (as :func:`_to_numbers` does)."""
    return clean_numbers(values, owners, parse=_plain_numbers_first)


def _plain_numbers_first(cleaned: pd.Series) -> pd.Series:
    """``pd.to_numeric(cleaned, errors="coerce")``, by Arrow when every value is a plain number
    (integers as floats: whole numbers are made integers per column afterwards)."""
    text = pa.array(cleaned.array)
    if len(text) and pc.all(pc.match_substring_regex(text, PLAIN_NUMBER_RE2)).as_py():
        return _to_numbers(cleaned, np.zeros(0))
    return pd.to_numeric(cleaned, errors="coerce")


def _iso_days(values: pd.Series, owners: np.ndarray) -> pd.Series:
    return pd.to_datetime(values, format="%Y-%m-%d", errors="coerce")


def _split(
    values: pa.Array,
    starts: np.ndarray,
    chosen: np.ndarray,
    convert: Callable[[pd.Series, np.ndarray], pd.Series],
) -> dict[int, pd.Series]:
    """``convert(values, owners)`` run once over the distinct values of the ``chosen`` columns
    (``owners`` numbers each value's column), then cut back into one series per column (indexed
    from 0, like the column's distinct values)."""
    columns = np.flatnonzero(chosen)
    if not len(columns):
        return {}
    bounds = [(int(starts[i]), int(starts[i + 1])) for i in columns]
    taken = np.concatenate([np.arange(a, b) for a, b in bounds])
    cuts = np.cumsum([0] + [b - a for a, b in bounds])
    owners = np.repeat(np.arange(len(bounds)), np.diff(cuts))
    converted = convert(pd.Series(values.take(pa.array(taken)), dtype="string"), owners)
    array = converted.array  # sliced, not .iloc (a pandas call per column costs more)
    return {
        int(i): pd.Series(array[cuts[k] : cuts[k + 1]], copy=False) for k, i in enumerate(columns)
    }


def batch_numbers(facts: TextFacts | None) -> pd.Series | None:
    """The numbers a batch read for a column, when they are what a reading of the column alone
    gives: plain numbers that all parse, or text cleaned into numbers (whole numbers beyond
    2**53 are read again alone, as exact integers)."""
    if facts is None:
        return None
    numbers = facts.numbers if facts.all_plain else facts.cleaned
    if numbers is None:
        return None
    read, present = present_numbers(numbers)
    unread = ~read | np.isnan(present)
    if (facts.all_plain and unread.any()) or np.abs(present[~unread]).max(initial=0) >= 2**53:
        return None
    return numbers


def flag_values(uniques: pd.Series, facts: TextFacts | None) -> pd.Series:
    """Yes/no words as booleans."""
    if facts is not None and facts.truth is not None:  # a boolean array, made as it is
        truth = np.asarray(facts.truth, dtype=bool)
        return pd.Series(pd.arrays.BooleanArray(truth, np.zeros(len(truth), bool)), copy=False)
    flags = as_series(uniques).str.lower().map(lambda v: None if pd.isna(v) else v in TRUE_WORDS)
    return flags.astype("boolean")


def is_flag_column(present: pd.Series, head: list[str], facts: TextFacts | None = None) -> bool:
    """Whether the distinct values are yes/no words, both kinds present (yes/no, true/false)."""
    if facts is not None and not facts.all_flags:
        return False
    if len(present) > FLAG_SPELLINGS or any(v.lower() not in FLAG_WORDS for v in head):
        return False
    many = len(present) > len(head)
    lowered = set(as_series(present).str.lower()) if many else {v.lower() for v in head}
    both = lowered & TRUE_WORDS and lowered & FALSE_WORDS
    return lowered <= FLAG_WORDS and len(lowered) > 1 and bool(both)
