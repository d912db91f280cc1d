"""Which distinct values a text column holds, and its typed column spread back over the rows.

:func:`segmentation.data.schema.infer_schema` reads each column through its distinct values; this
module finds them (trimmed, with placeholders such as "N/A" read as missing), writes a typed
column back over every row at the least cost (a text column unchanged by the cleaning is the
file's own column with new validity, copied once), and converts the columns of a large table on
several threads: Arrow's hashing and pandas' Arrow string operations release the GIL.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.core.arrays.masked import BaseMaskedArray

# below this many cells, the columns are converted one after the other: threads cost more
THREADED_CELLS = 2_000_000
_Result = TypeVar("_Result")


def convert_all(
    columns: Iterable[tuple[object, pd.Series]],
    convert: Callable[[pd.Series, str], _Result],
    n_rows: int,
) -> list[_Result]:
    """``convert(column, name)`` for each column, in the columns' order; on as many threads as
    there are cores when the table is large."""
    items = list(columns)
    workers = os.cpu_count() or 2
    if workers < 2 or len(items) < 2 or n_rows * len(items) < THREADED_CELLS:
        return [convert(column, str(name)) for name, column in items]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda item: convert(item[1], str(item[0])), items))


def distinct_texts(
    raw: pd.Series, placeholders: frozenset[str]
) -> tuple[np.ndarray, pd.Series, bool]:
    """Each row's code, the distinct present values (trimmed, in order of first appearance) and
    whether every present value is written as it was read (nothing trimmed: the file's own
    column, with missing rows blanked, then holds the cleaned values).

    Codes are -1 for a missing row (no value, only spaces or a placeholder such as "N/A").

    >>> codes, cleaned, same = distinct_texts(pd.Series(["a", " b", "N/A", "a", "b"]), {"n/a"})
    >>> codes.tolist(), cleaned.tolist(), same
    ([0, 1, -1, 0, 1], ['a', 'b'], False)
    >>> codes, cleaned, same = distinct_texts(pd.Series(["a", "", None, "c"]), {""})
    >>> codes.tolist(), cleaned.tolist(), same
    ([0, -1, -1, 1], ['a', 'c'], True)
    """
    arrow = _arrow_text(raw)
    if arrow is not None and _blank(arrow):  # no value: nothing to hash
        return np.full(len(raw), -1, dtype=np.intp), pd.Series([], dtype="string"), True
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    written = pd.Series(uniques, dtype="string")
    stripped = written.str.strip()
    placeholder = stripped.str.lower().isin(placeholders).to_numpy(dtype=bool)
    kept = ~placeholder
    unchanged = (stripped == written).to_numpy(dtype=bool, na_value=True)[kept].all()
    # values of other types (1 and "1" in an Excel column) may be written alike
    if unchanged and (arrow is not None or not written[kept].duplicated().any()):
        # nothing trimmed: the kept values are distinct already, in the same order
        if not placeholder.any():
            return codes, written, arrow is not None
        merged = np.where(kept, np.cumsum(kept) - 1, -1)
        cleaned = written[kept].reset_index(drop=True)
        same = arrow is not None
    else:
        merged, cleaned = pd.factorize(stripped.mask(placeholder), use_na_sentinel=True)
        cleaned = pd.Series(cleaned, dtype="string")
        same = False
    if len(merged):
        codes = np.append(merged, -1).astype(np.intp, copy=False)[codes]
    return codes, cleaned, same


def spread(
    converted: pd.Series, codes: np.ndarray, raw: pd.Series | None = None
) -> pd.api.extensions.ExtensionArray:
    """The typed column's values: each row's value of ``converted`` (``codes`` index it; -1 is
    missing), as an array (a wide file's thousands of columns cost a pandas series each
    otherwise). ``raw``, when given, is the file's column that already holds these texts in its
    present rows (:func:`distinct_texts` said so): its values are copied as they are, only the
    rows' validity is new."""
    if not len(converted):
        return all_missing(pd.RangeIndex(len(codes)), converted.dtype).array
    array = values_array(converted)
    if raw is not None and converted.dtype == pd.StringDtype("pyarrow"):
        reused = _with_validity(_arrow_text(raw), codes >= 0, array._pa_array.type)
        if reused is not None:
            return pd.arrays.ArrowStringArray(reused)
    if isinstance(array, BaseMaskedArray):  # numbers, yes/no: two numpy takes, no pandas call
        return type(array)(array._data[codes], np.append(array._mask, True)[codes])
    if isinstance(array, pd.arrays.ArrowStringArray):  # Arrow's take, without pandas' checks
        rows = pc.take(array._pa_array, pa.array(codes, mask=codes < 0))
        return type(array)(rows, dtype=array.dtype)
    if isinstance(array, pd.arrays.DatetimeArray) and array.tz is None:
        data = np.append(array._ndarray, np.datetime64("NaT", np.datetime_data(array.dtype)[0]))
        return pd.arrays.DatetimeArray._simple_new(data[codes], dtype=array.dtype)
    # a new array: nothing to copy
    return array.take(codes, allow_fill=True)


def n_distinct(values: pd.Series | pd.api.extensions.ExtensionArray) -> int:
    """How many different present values a column holds (``nunique``; numbers and dates counted
    by sorting their data, without pandas' hash table and the series it builds).

    >>> n_distinct(pd.Series([0.0, -0.0, None, 2.5], dtype="Float64"))
    2
    """
    array = values_array(values)
    if isinstance(array, pd.arrays.DatetimeArray) and array.tz is None:
        present = array.asi8[~array.isna()]
    elif isinstance(array, (pd.arrays.IntegerArray, pd.arrays.FloatingArray)):
        present = array._data[~array._mask]
        if present.dtype.kind == "f" and np.isnan(present).any():
            return int(pd.Series(array, copy=False).nunique())
    else:
        return int(pd.Series(array, copy=False).nunique())
    ordered = np.sort(present)  # what np.unique counts, without its other outputs
    return int(len(ordered) and 1 + np.count_nonzero(ordered[1:] != ordered[:-1]))


def values_array(
    values: pd.Series | pd.api.extensions.ExtensionArray,
) -> pd.api.extensions.ExtensionArray:
    """The array behind a column (a typed column is kept as an array until the frame is made)."""
    return values.array if isinstance(values, pd.Series) else values


def as_series(values: pd.Series | pd.api.extensions.ExtensionArray) -> pd.Series:
    """A column as a series (a batch's distinct values are an array until text operations need
    a series)."""
    return values if isinstance(values, pd.Series) else pd.Series(values, copy=False)


def first_values(array: pd.api.extensions.ExtensionArray, size: int) -> list[object]:
    """``array[:size].tolist()``, read from the data behind it when nothing is missing there
    (slicing a pandas array costs more than the values do)."""
    if isinstance(array, pd.arrays.ArrowStringArray):
        head = array._pa_array.slice(0, size)
        if head.null_count == 0:
            return head.to_pylist()
    elif (
        isinstance(array, pd.arrays.IntegerArray | pd.arrays.FloatingArray | pd.arrays.BooleanArray)
        and not array._mask[:size].any()
    ):
        return array._data[:size].tolist()
    return array[:size].tolist()


def all_missing(index: pd.Index, dtype: object) -> pd.Series:
    """A column with no value, of the given type (text: an Arrow column of nulls, made at once)."""
    if dtype == pd.StringDtype() and pd.StringDtype().storage == "pyarrow":
        return pd.Series(pd.arrays.ArrowStringArray(_text_nulls(len(index))), index=index)
    return pd.Series(pd.NA, index=index, dtype=dtype)


@lru_cache(maxsize=1)
def _text_nulls(n_rows: int) -> pa.ChunkedArray:
    """``n_rows`` missing texts; Arrow data never changes, so a file's empty columns share it."""
    return pa.chunked_array([pa.nulls(n_rows, pa.large_string())])


def _arrow_text(raw: pd.Series) -> pa.ChunkedArray | None:
    """The Arrow strings behind a pandas text column, if it is one."""
    array = raw.array
    if isinstance(array, pd.arrays.ArrowStringArray):
        data = array._pa_array
        if pa.types.is_string(data.type) or pa.types.is_large_string(data.type):
            return data
    return None


def _blank(arrow: pa.ChunkedArray) -> bool:
    """Whether every value is empty or missing: no chunk's values hold a byte (read from the
    chunks' offsets, without a pass over the values)."""
    width = np.int64 if pa.types.is_large_string(arrow.type) else np.int32
    for chunk in arrow.chunks:
        if len(chunk):
            offsets = np.frombuffer(chunk.buffers()[1], dtype=width)
            if offsets[chunk.offset + len(chunk)] != offsets[chunk.offset]:
                return False
    return True


def _with_validity(
    arrow: pa.ChunkedArray | None, valid: np.ndarray, to_type: pa.DataType
) -> pa.ChunkedArray | None:
    """The same strings with ``valid`` as the rows' validity, in one chunk (one copy of the
    values, no look-up per row); ``None`` when the chunks' layout does not allow it."""
    if arrow is None or len(arrow) != len(valid) or not arrow.num_chunks:
        return None
    # one chunk, as a take gives: later steps on hundreds of chunks cost more than this copy
    whole = arrow.chunk(0) if arrow.num_chunks == 1 else pa.concat_arrays(arrow.chunks)
    if whole.offset != 0:
        return None
    bitmap = pa.array(valid, type=pa.bool_()).buffers()[1]
    buffers = whole.buffers()
    rebuilt = pa.Array.from_buffers(whole.type, len(whole), [bitmap, buffers[1], buffers[2]])
    return pa.chunked_array([rebuilt if whole.type == to_type else rebuilt.cast(to_type)])


@dataclass(frozen=True)
class DistinctBatch:
    """The distinct present values of many text columns at once: ``values`` holds every column's
    distinct values (trimmed, placeholders dropped, in order of first appearance), column ``i``'s
    at ``values[starts[i]:starts[i + 1]]``; ``codes[i]`` indexes them per row (-1: missing) and
    ``as_read[i]`` says whether the column's present values are written as read."""

    values: pa.Array
    starts: np.ndarray
    codes: tuple[np.ndarray, ...]
    as_read: np.ndarray

    def column(self, i: int) -> tuple[np.ndarray, pd.arrays.ArrowStringArray, bool]:
        """What :func:`distinct_texts` returns for column ``i``, its distinct values an array
        (a pandas series per column costs more on a wide file than its values do)."""
        start, stop = int(self.starts[i]), int(self.starts[i + 1])
        chunk = pa.chunked_array([self.values.slice(start, stop - start)])
        return self.codes[i], pd.arrays.ArrowStringArray(chunk), bool(self.as_read[i])


def is_arrow_text(raw: pd.Series) -> bool:
    """Whether a column is text held by Arrow (what :func:`distinct_texts_batch` reads)."""
    return _arrow_text(raw) is not None


def distinct_texts_batch(raws: list[pd.Series], placeholders: frozenset[str]) -> DistinctBatch:
    """:func:`distinct_texts` of many Arrow text columns: each column's strings hashed by Arrow
    in a table of its own (small tables, no pass pairing every cell with its column), then
    trimmed and checked for placeholders among the distinct words only, not in every cell.

    >>> batch = distinct_texts_batch(
    ...     [pd.Series(["a", " b", "N/A", "a"]), pd.Series(["x", "a", None, "x"])], {"n/a"})
    >>> batch.values.to_pylist(), batch.starts.tolist(), [c.tolist() for c in batch.codes]
    (['a', 'b', 'x', 'a'], [0, 2, 4], [[0, 1, -1, 0], [0, 1, -1, 0]])
    >>> batch.as_read.tolist()
    [False, True]
    """
    # each column's words in order of first appearance, as pandas' factorize gives them (the
    # chunks of a column's encoding share one dictionary: the file's pieces are not joined)
    encoded = [_encoded(_arrow_text(raw)) for raw in raws]
    sizes = np.array([len(words) for words, _ in encoded], dtype=np.int64)
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    as_written = pa.concat_arrays([words for words, _ in encoded])
    words = _trimmed(as_written)
    kept = ~_placeholders(words, placeholders)
    owner = np.repeat(np.arange(len(raws)), sizes)
    changed = kept & _changed(as_written, words)
    as_read = np.bincount(owner[changed], minlength=len(raws)) == 0
    counted = np.concatenate([[0], np.cumsum(kept)])
    word_code = np.where(kept, counted[1:] - 1 - counted[bounds[:-1]][owner], -1)
    first = kept.copy()
    for i in np.flatnonzero(~as_read):  # trimming made some words alike: merge them
        _merge_trimmed(words, kept, int(bounds[i]), int(bounds[i + 1]), word_code, first)
    values = words.filter(pa.array(first))
    starts = np.concatenate([[0], np.cumsum(np.bincount(owner[first], minlength=len(raws)))])
    codes = tuple(
        np.append(word_code[bounds[i] : bounds[i + 1]], -1).astype(np.intp)[indices]
        for i, (_, indices) in enumerate(encoded)
    )
    return DistinctBatch(values, starts, codes, as_read)


def _placeholders(words: pa.Array, placeholders: frozenset[str]) -> np.ndarray:
    """Which words are placeholders whatever their case: looked up among every way of writing
    them that Arrow's ``utf8_lower`` turns into them (no lowered copy of every word)."""
    found = pc.is_in(words, value_set=_spellings(frozenset(placeholders)))
    return found.fill_null(False).to_numpy(zero_copy_only=False)


# the characters other than A-Z that Arrow's utf8_lower turns into an ASCII letter (found by
# lowering every code point): the dotted capital I and the Kelvin sign
_UPPER_FORMS = {"i": "I\u0130", "k": "K\u212a"}


@lru_cache(maxsize=4)
def _spellings(placeholders: frozenset[str]) -> pa.Array:
    """Every spelling of the (lower-case) placeholders whose ``utf8_lower`` is one of them."""
    found: set[str] = set()
    for word in placeholders:
        spellings = {""}
        for char in word:
            forms = char + _UPPER_FORMS.get(char, char.upper() if char.isalpha() else "")
            spellings = {start + form for start in spellings for form in dict.fromkeys(forms)}
        found |= spellings
    return pa.array(sorted(found), pa.large_string())


def _trimmed(words: pa.Array) -> pa.Array:
    """The words without leading or trailing white space; ``words`` itself when no word starts
    or ends with a byte that may be white space (read from the buffers, without a pass)."""
    if not len(words) or words.buffers()[2] is None:
        return words
    offsets = np.frombuffer(words.buffers()[1], dtype=np.int64)[
        words.offset : words.offset + len(words) + 1
    ]
    data = np.frombuffer(words.buffers()[2], dtype=np.uint8)
    filled = offsets[1:] > offsets[:-1]
    edges = np.concatenate([data[offsets[:-1][filled]], data[offsets[1:][filled] - 1]])
    # ASCII white space and control bytes, and any byte of a multi-byte character
    if not ((edges <= 0x20) | (edges >= 0x7F)).any():
        return words
    return pc.utf8_trim_whitespace(words)


def _changed(as_written: pa.Array, words: pa.Array) -> np.ndarray:
    """Which words trimming changed."""
    if words is as_written:
        return np.zeros(len(words), dtype=bool)
    longer = pc.not_equal(pc.binary_length(as_written), pc.binary_length(words))
    return longer.fill_null(False).to_numpy(zero_copy_only=False)


def _merge_trimmed(
    words: pa.Array,
    kept: np.ndarray,
    start: int,
    stop: int,
    word_code: np.ndarray,
    first: np.ndarray,
) -> None:
    """One column's words that trimming made alike given one code (that of the first), in
    ``word_code``; ``first`` marks the first of each."""
    where = start + np.flatnonzero(kept[start:stop])
    merged, _ = pd.factorize(np.asarray(words.take(pa.array(where)).to_pylist(), dtype=object))
    word_code[where] = merged
    first[where] = False
    first[where[np.unique(merged, return_index=True)[1]]] = True


def _encoded(text: pa.ChunkedArray) -> tuple[pa.Array, np.ndarray]:
    """A column's distinct strings in order of first appearance (as large strings) and each
    row's index into them (-1: missing)."""
    if not text.num_chunks:
        return pa.array([], pa.large_string()), np.zeros(0, dtype=np.int64)
    encoded = pc.dictionary_encode(text)
    words = encoded.chunk(0).dictionary
    if words.type != pa.large_string():
        words = words.cast(pa.large_string())
    indices = pa.chunked_array([chunk.indices for chunk in encoded.chunks])
    return words, indices.fill_null(-1).to_numpy()
