"""What text values read as: yes/no words, and numbers written with currency signs, spaces,
thousands separators, a decimal comma or brackets (used by :mod:`segmentation.data.schema`)."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from segmentation.data.distinct_values import values_array

TRUE_WORDS = frozenset({"yes", "y", "true", "t", "1", "1.0", "opted in", "subscribed"})
FALSE_WORDS = frozenset({"no", "n", "false", "f", "0", "0.0", "opted out", "unsubscribed"})
# how many different spellings (upper/lower case) the yes/no words have: a column with more
# distinct values than this cannot be a yes/no column, whatever its values
FLAG_SPELLINGS = sum(2 ** sum(c.isalpha() for c in word) for word in TRUE_WORDS | FALSE_WORDS)
FLAG_WORDS = TRUE_WORDS | FALSE_WORDS
# currency symbols and codes; the (?i) flag keeps the pattern within pyarrow's regex engine
_CURRENCY_SIGNS = "$€£¥₹"
_CURRENCY = rf"(?i)[{_CURRENCY_SIGNS}]|\b(usd|eur|gbp|chf|cad|aud)\b"
# spaces (no-break and thin ones too, thousands separators in some locales) and quotes, written
# out: pandas runs a pattern with \s in Python, one value at a time, instead of in pyarrow
_SPACES = "[ \t\n\r\x0b\x0c\xa0\u2009\u202f']"
# what is left of a number once currency signs, spaces, quotes, brackets and % are dropped
_NOT_DIGITS = re.compile(r"(?i)[$€£¥₹\s\u00a0'()%]|\b(usd|eur|gbp|chf|cad|aud)\b")
_READABLE = re.compile(r"(?i)[-+]?(\d[\d.,]*|[.,]\d+)(e[-+]?\d+)?|[-+]?(inf|infinity)")
_READABLE_LINES = re.compile(r"(?im)^(?:" + _READABLE.pattern.removeprefix("(?i)") + r")$")
PLAIN_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")
_DECIMAL_COMMA = re.compile(r"^-?(\d{1,3}(\.\d{3})+|\d+),\d+$")
# a character no number can hold, however it is cleaned (pyarrow's RE2 syntax): one in a value
# means the value is surely not read as a number
NEVER_IN_NUMBERS = r"[^\p{L}\p{N}\p{Z}\s.,+\-$€£¥₹'()%]"
# PLAIN_NUMBER in pyarrow's syntax (\p{Nd}: any decimal digit, as Python's \d)
PLAIN_NUMBER_RE2 = r"^[-+]?(\p{Nd}+\.?\p{Nd}*|\.\p{Nd}+)([eE][-+]?\p{Nd}+)?$"


def clean_numbers(
    values: pd.Series,
    owners: np.ndarray | None = None,
    parse: Callable[[pd.Series], pd.Series] | None = None,
) -> pd.Series:
    """Text read as numbers: currency signs, spaces and thousands separators dropped, a decimal
    comma (1.234,50) recognised from the values, (12.50) read as -12.5. ``owners`` numbers the
    column of each value when several columns are cleaned at once (each has its own decimal
    mark); ``parse`` reads the cleaned text (``pd.to_numeric``, missing where it cannot).

    >>> texts = pd.Series(["1.234,50", "2,5", "$1,200", "(3.5)"], dtype="string")
    >>> clean_numbers(texts, np.array([0, 0, 1, 1]))
    0    1234.5
    1       2.5
    2    1200.0
    3      -3.5
    dtype: Float64
    """
    owners = np.zeros(len(values), dtype=np.intp) if owners is None else owners
    cleaned = _without(_without_currency(values), _SPACES)
    bracketed = cleaned.str.startswith("(").to_numpy(dtype=bool, na_value=False)
    if bracketed.any():  # (12.50) is -12.50; pandas' regex with \1 is slow: only where needed
        cleaned[bracketed] = cleaned[bracketed].str.replace(r"^\((.*)\)$", r"-\1", regex=True)
    cleaned = cleaned.str.rstrip("%")
    n_columns = int(owners.max()) + 1 if len(owners) else 0
    decimal_comma = _owned(cleaned.str.match(_DECIMAL_COMMA), owners, n_columns)
    thousands = _owned(cleaned.str.match(_THOUSANDS), owners, n_columns)
    comma = (decimal_comma > thousands)[owners]
    if comma.any():
        as_comma = cleaned.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    if not comma.all():
        cleaned = cleaned.str.replace(",", "", regex=False)
    if comma.any():
        cleaned = as_comma if comma.all() else cleaned.where(~comma, as_comma)
    return parse(cleaned) if parse else pd.to_numeric(cleaned, errors="coerce")


def _without_currency(values: pd.Series) -> pd.Series:
    """The values without currency signs and codes; without ASCII letters no code can be
    there, and each sign is dropped by plain replacing (a pattern costs more)."""
    if values.str.contains("[A-Za-z]", regex=True).to_numpy(dtype=bool, na_value=False).any():
        return values.str.replace(_CURRENCY, "", regex=True)
    for sign in _CURRENCY_SIGNS:
        values = values.str.replace(sign, "", regex=False)
    return values


def _without(values: pd.Series, pattern: str) -> pd.Series:
    """The values without what ``pattern`` matches (unchanged when nothing does)."""
    if not values.str.contains(pattern, regex=True).to_numpy(dtype=bool, na_value=False).any():
        return values
    return values.str.replace(pattern, "", regex=True)


def _owned(matched: pd.Series, owners: np.ndarray, n_columns: int) -> np.ndarray:
    """How many values of each column matched."""
    hits = matched.to_numpy(dtype=bool, na_value=False)
    return np.bincount(owners[hits], minlength=n_columns)


def surely_not_numbers(head: list[str], n_present: int) -> bool:
    """Whether so many of the first distinct values cannot be read as a number, however they
    are cleaned, that the column must miss the 95 % bar anyway: saves cleaning text columns.

    >>> surely_not_numbers(["Anna", "Ben", "Carla", "7"], 4)
    True
    >>> surely_not_numbers(["user7@example.com", "A0012", "B0013", "7"], 4)
    True
    >>> surely_not_numbers(["12", "7", "1,200", "$5", "(3.5)", "1.234,50", "12%", "-inf"], 8)
    False
    """
    firsts = head[:200]
    joined = "\0".join(firsts)  # one pattern call for all of them, when no value holds a NUL
    if joined.count("\0") == len(firsts) - 1:
        # cleaning removed every line break: one value a line, the readable ones counted at once
        lines = _NOT_DIGITS.sub("", joined).replace("\0", "\n")
        unreadable = len(firsts) - len(_READABLE_LINES.findall(lines))
    else:
        unreadable = sum(not _READABLE.fullmatch(_NOT_DIGITS.sub("", v)) for v in firsts)
    return unreadable > 0.05 * n_present


def never_numbers(values: pd.Series) -> int:
    """How many values hold a character no number has (``#1001``, ``ann@example.com``): more
    than 5 % of them and the column misses the 95 % bar, so cleaning them all is saved.

    >>> never_numbers(pd.Series(["#1001", "a@b.org", "$1,200.50", "(3)", "12 %", "1e5"]))
    2
    """
    text = pa.array(values.astype("string"), type=pa.large_string())
    return int(pc.sum(pc.match_substring_regex(text, NEVER_IN_NUMBERS)).as_py() or 0)


def present_numbers(
    numbers: pd.Series | pd.api.extensions.ExtensionArray,
) -> tuple[np.ndarray, np.ndarray]:
    """Which values are present, and the values as floats (read from the numbers' own arrays:
    pandas calls cost more than the work on a wide file's thousands of small columns)."""
    array = values_array(numbers)
    if isinstance(array, pd.arrays.FloatingArray | pd.arrays.IntegerArray):
        return ~np.asarray(array.isna(), dtype=bool), array._data.astype(np.float64, copy=False)
    numbers = pd.Series(numbers, copy=False)
    return numbers.notna().to_numpy(dtype=bool), numbers.to_numpy("float64", na_value=np.nan)


def present_floats(numbers: pd.Series) -> np.ndarray:
    """A numeric column's present values as floats (``dropna().to_numpy("float64")``)."""
    read, data = present_numbers(numbers)
    return data[read]


def whole_numbers(numbers: pd.Series, read: np.ndarray, data: np.ndarray) -> pd.Series:
    """Numbers that are all whole (``read`` and ``data`` from :func:`present_numbers`) as
    integers (``Int64``)."""
    exact = np.abs(data[read]).max(initial=0) < 2**53  # floats convert to integers exactly
    if isinstance(numbers.array, pd.arrays.FloatingArray) and exact:
        whole = np.where(read, data, 0).astype(np.int64)
        return pd.Series(pd.arrays.IntegerArray(whole, ~read), index=numbers.index, copy=False)
    return numbers.astype("Int64")
