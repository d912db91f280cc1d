"""Deciding what each column is: its type, its meaning, its role and its segmentation base.

Types are decided per column from its values (not per cell), working on the distinct values of a
column so that a 500,000-row file costs about as much as its vocabulary. Dates are read by
:mod:`segmentation.data.dates`, meanings detected by :mod:`segmentation.data.meanings` and labels
written by :mod:`segmentation.data.words`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from segmentation.data.bases import suggest_base
from segmentation.data.dates import read_number_dates, read_text_dates
from segmentation.data.distinct_values import all_missing, convert_all, distinct_texts, spread
from segmentation.data.meanings import (
    SAMPLE_SIZE,
    ColumnEvidence,
    MeaningGuess,
    detect_meaning,
    meaning_of,
    written_as_text,
)
from segmentation.data.words import column_label, normalise_name
from segmentation.errors import SchemaError

KINDS = ("id", "numeric", "categorical", "boolean", "datetime", "text", "empty")
ROLES = ("id", "feature", "ignore")
BASES = ("demographic", "geographic", "behavioral", "psychographic", "other")
SET_BY_HAND = "set by hand"
PLACEHOLDERS = frozenset(
    {
        "",
        "na",
        "n/a",
        "n.a.",
        "nan",
        "null",
        "none",
        "unknown",
        "unk",
        "?",
        "-",
        "--",
        "#n/a",
        "missing",
        "not available",
        "nil",
        "(blank)",
        "undefined",
    }
)
_TRUE = frozenset({"yes", "y", "true", "t", "1", "1.0", "opted in", "subscribed"})
_FALSE = frozenset({"no", "n", "false", "f", "0", "0.0", "opted out", "unsubscribed"})
# how many different spellings (upper/lower case) the yes/no words have: a column with more
# distinct values than this cannot be a yes/no column, whatever its values
_FLAG_SPELLINGS = sum(2 ** sum(c.isalpha() for c in word) for word in _TRUE | _FALSE)
_ID_NAME = re.compile(
    r"(^|\s)(id|ids|key|uuid|guid|code|no|nr|num|number)$|^(customer|client|member|user|account)$"
)
_CUSTOMER_WORDS = ("customer", "cust", "client", "member", "user", "account", "buyer", "shopper")
# currency symbols and codes; the (?i) flag keeps the pattern within pyarrow's regex engine
_CURRENCY = r"(?i)[$€£¥₹]|\b(usd|eur|gbp|chf|cad|aud)\b"
_FLAGS = _TRUE | _FALSE
# spaces (no-break and thin ones too, thousands separators in some locales) and quotes, written
# out: pandas runs a pattern with \s in Python, one value at a time, instead of in pyarrow
_SPACES = "[ \t\n\r\x0b\x0c\xa0\u2009\u202f']"
# what is left of a number once currency signs, spaces, quotes, brackets and % are dropped
_NOT_DIGITS = re.compile(r"(?i)[$€£¥₹\s\u00a0'()%]|\b(usd|eur|gbp|chf|cad|aud)\b")
_READABLE = re.compile(r"(?i)[-+]?(\d[\d.,]*|[.,]\d+)(e[-+]?\d+)?|[-+]?(inf|infinity)")
_PLAIN_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
HEAD_SIZE = 500  # distinct values the quick checks look at
_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")
_DECIMAL_COMMA = re.compile(r"^-?(\d{1,3}(\.\d{3})+|\d+),\d+$")
# a character no number can hold, however it is cleaned (pyarrow's RE2 syntax): one in a value
# means the value is surely not read as a number
_NEVER_IN_NUMBERS = r"[^\p{L}\p{N}\p{Z}\s.,+\-$€£¥₹'()%]"


@dataclass(frozen=True)
class ColumnProfile:
    """What one column is and how the app will use it.

    ``kind`` is the detected type, ``role`` whether it identifies customers (id), describes them
    (feature) or is left out (ignore), ``base`` the segmentation base it belongs to, and ``note``
    the reason for a suggestion the user may want to check. ``meaning`` is what the column holds
    in the vocabulary of :mod:`segmentation.data.meanings`, ``meaning_reason`` why, and ``label``
    the column's name in plain words.
    """

    name: str
    kind: str
    role: str
    base: str
    missing_share: float
    n_unique: int
    examples: tuple[str, ...]
    note: str = ""
    meaning: str = "other"
    meaning_reason: str = ""
    label: str = ""

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", column_label(self.name))


@dataclass(frozen=True)
class Schema:
    """The column profiles of a table, in the table's column order."""

    columns: tuple[ColumnProfile, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """Column names in order."""
        return tuple(c.name for c in self.columns)

    @property
    def id_column(self) -> str | None:
        """The column that identifies customers, if one has the id role."""
        return next((c.name for c in self.columns if c.role == "id"), None)

    def column(self, name: str) -> ColumnProfile:
        """The profile of one column."""
        for profile in self.columns:
            if profile.name == name:
                return profile
        raise SchemaError(f"There is no column '{name}'. Columns are: {', '.join(self.names)}.")

    def features(self, base: str | None = None) -> tuple[str, ...]:
        """Names of feature columns, optionally of one segmentation base."""
        return tuple(
            c.name for c in self.columns if c.role == "feature" and (base is None or c.base == base)
        )

    def of_meaning(self, meaning: str) -> tuple[str, ...]:
        """Names of the columns of one meaning, in order."""
        return tuple(c.name for c in self.columns if c.meaning == meaning)

    def with_column(self, name: str, **changes: str) -> Schema:
        """A copy with one column's role, base or kind changed."""
        self.column(name)
        return Schema(tuple(replace(c, **changes) if c.name == name else c for c in self.columns))

    def with_column_meaning(self, name: str, meaning: str, reason: str = SET_BY_HAND) -> Schema:
        """A copy with one column's meaning set (by hand unless ``reason`` says otherwise); a
        column given a personal meaning stops being a feature.

        >>> contact = ColumnProfile("contact", "categorical", "feature", "other", 0, 9, ())
        >>> schema = Schema((contact,))
        >>> edited = schema.with_column_meaning("contact", "email")
        >>> edited.column("contact").meaning, edited.column("contact").role
        ('email', 'ignore')
        """
        implied = meaning_of(meaning)
        column = self.column(name)
        changes = {"meaning": meaning, "meaning_reason": reason}
        if implied.role == "ignore" and column.role == "feature":
            changes |= {"role": "ignore", "note": _meaning_note(meaning)}
        return self.with_column(name, **changes)

    def to_records(self) -> list[dict[str, object]]:
        """One JSON-friendly dict per column (what a saved project carries)."""
        return [
            {
                "name": c.name,
                "kind": c.kind,
                "role": c.role,
                "base": c.base,
                "missing_share": round(c.missing_share, 4),
                "n_unique": c.n_unique,
                "examples": list(c.examples),
                "note": c.note,
                "meaning": c.meaning,
                "meaning_reason": c.meaning_reason,
                "label": c.label,
            }
            for c in self.columns
        ]


@dataclass(frozen=True)
class TypedTable:
    """A table whose columns hold typed values (numbers, dates, booleans, text) and its schema."""

    frame: pd.DataFrame
    schema: Schema
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Reading:
    """A column read as one kind: its typed values, a note on the reading, the share of distinct
    present values read as that kind, and a sample of distinct values as written."""

    values: pd.Series
    kind: str
    note: str = ""
    share: float = 1.0
    sample: tuple[str, ...] | None = None
    missing: np.ndarray | None = None  # per row, when known from the distinct values
    n_unique: int | None = None


def infer_schema(frame: pd.DataFrame, one_row_per_customer: bool | None = None) -> TypedTable:
    """Convert each column to its detected type and suggest its meaning, role and base.

    Parameters
    ----------
    frame : a raw table, as read by :func:`segmentation.data.loading.load_table`.
    one_row_per_customer : whether rows are customers (``True``), orders (``False``) or unknown
        (``None``: decided from whether the customer id repeats).

    Examples
    --------
    >>> raw = pd.DataFrame({"CustomerID": ["007", "012", "013"], "Spend": ["$1,200", "N/A", "7"]})
    >>> typed = infer_schema(raw)
    >>> [(c.name, c.kind, c.role, c.meaning) for c in typed.schema.columns]
    [('CustomerID', 'id', 'id', 'customer_key'), ('Spend', 'numeric', 'feature', 'customer_value')]
    >>> typed.frame["CustomerID"].tolist(), typed.frame["Spend"].tolist()
    (['007', '012', '013'], [1200, <NA>, 7])
    >>> typed.schema.column("Spend").meaning_reason
    "name 'Spend' and all values are numbers"
    """
    converted = convert_all(frame.items(), _convert_column, len(frame))
    readings = dict(zip(frame.columns, converted, strict=True))
    # the typed columns are new (or share Arrow data, which never changes): no copy
    values = {name: r.values for name, r in readings.items()}
    typed = pd.DataFrame(values, index=frame.index, copy=False)
    kinds = {name: r.kind for name, r in readings.items()}
    id_column, id_reason = _choose_customer_id(typed, kinds, readings)
    if one_row_per_customer is None:
        one_row_per_customer = id_column is None or not typed[id_column].duplicated().any()
    profiles = []
    for name, reading in readings.items():  # reading.values: typed[name] costs in wide frames
        guess = _detect(name, reading, one_row_per_customer)
        if name == id_column and guess.meaning in ("other", "internal_id"):
            guess = MeaningGuess("customer_key", id_reason)
        is_id = name == id_column
        profiles.append(_profile(reading, name, guess, is_id, one_row_per_customer))
    notes = tuple(r.note for r in readings.values() if r.note)
    return TypedTable(typed, Schema(tuple(profiles)), notes)


def is_id_name(name: str) -> bool:
    """Whether a column's name says it identifies something (customer id, invoice no, ...)."""
    words = normalise_name(name)
    return bool(_ID_NAME.search(words)) and not re.search(r"zip|post|area|phone|mobile", words)


def _detect(name: str, reading: _Reading, customers: bool) -> MeaningGuess:
    if reading.kind == "empty":
        return MeaningGuess("other", "every value is missing")
    values, sample = reading.values, reading.sample
    if sample is None:
        sample = tuple(str(v) for v in values.dropna().head(SAMPLE_SIZE).tolist())
    evidence = ColumnEvidence(str(name), reading.kind, sample, values, reading.share, customers)
    return detect_meaning(evidence)


def _convert_column(raw: pd.Series, name: str) -> _Reading:
    """The typed values of a column, its kind, a note on the conversion and value evidence."""
    if pd.api.types.is_bool_dtype(raw):
        return _Reading(raw.astype("boolean"), "boolean")
    if pd.api.types.is_datetime64_any_dtype(raw):
        return _Reading(raw, "datetime")
    if pd.api.types.is_numeric_dtype(raw):
        return _convert_numbers(raw, name)
    codes, cleaned, as_read = distinct_texts(raw, PLACEHOLDERS)
    return _convert_text(codes, cleaned, name, raw, as_read)


def _convert_numbers(raw: pd.Series, name: str) -> _Reading:
    values = pd.to_numeric(raw, errors="coerce")
    present = values.dropna()
    if present.empty:
        return _Reading(values.astype("Float64"), "empty")
    as_text = _integral_text(present)
    shown = as_text if as_text is not None else present
    sample = tuple(str(v) for v in shown.head(SAMPLE_SIZE).tolist())
    dates = read_number_dates(values, name)
    if dates is not None:
        return _Reading(dates.values, "datetime", dates.note, dates.share, sample)
    if as_text is not None and is_id_name(name):
        return _Reading(values.astype("Int64").astype("string"), "id", sample=sample)
    if set(present.unique()) <= {0, 1} and present.nunique() == 2:
        return _Reading(values.astype("Int64").astype("boolean"), "boolean", sample=sample)
    if as_text is not None:
        return _Reading(values.astype("Int64"), "numeric", sample=sample)
    return _Reading(values.astype("float64"), "numeric", sample=sample)


def _integral_text(present: pd.Series) -> pd.Series | None:
    """The values as integer text when every value is a whole number, else ``None``."""
    if not np.all(np.mod(present.to_numpy(dtype="float64"), 1) == 0):
        return None
    return present.astype("int64").astype("string")


def _convert_text(
    codes: np.ndarray, uniques: pd.Series, name: str, raw: pd.Series, as_read: bool
) -> _Reading:
    """The reading of a text column from its rows' ``codes`` into its distinct present values;
    ``as_read``: the raw column holds these values as they are (its data can be reused)."""

    def reading(converted: pd.Series, kind: str, note: str = "", share: float = 1.0) -> _Reading:
        missing = np.append(converted.isna().to_numpy(dtype=bool), True)[codes]
        # distinct values read alike are one value (``uniques`` are distinct already)
        n_unique = len(converted) if converted is uniques else int(converted.nunique())
        reuse = raw if as_read and converted is uniques else None
        values = spread(converted, codes, raw.index, reuse)
        return _Reading(values, kind, note, share, sample, missing, n_unique)

    present = uniques  # distinct values from factorize: never missing
    if present.empty:
        nothing = np.ones(len(codes), dtype=bool)
        return _Reading(all_missing(raw.index, "string"), "empty", missing=nothing, n_unique=0)
    # the first distinct values as Python strings: the quick checks below cost less on a list
    # than one pandas string operation does on any column
    head = [str(v) for v in present.head(HEAD_SIZE).tolist()]
    sample = tuple(head[:SAMPLE_SIZE])
    if _is_flag_column(present, head):
        flags = uniques.str.lower().map(lambda v: None if pd.isna(v) else v in _TRUE)
        return reading(flags.astype("boolean"), "boolean")
    if is_id_name(name):
        # 1234.0 written by a spreadsheet is 1234 (a replacement only where one is needed)
        dotted = uniques.str.contains(".0", regex=False).any()
        if dotted and uniques.str.match(r"^\d+\.0+$").any():
            return reading(uniques.str.replace(r"^(\d+)\.0+$", r"\1", regex=True), "id")
        return reading(uniques, "id")
    dates = read_text_dates(uniques, name, head=head)
    if dates is not None:
        return reading(dates.values, "datetime", dates.note, dates.share)
    if not written_as_text(name, head):
        numbers, note, share = _parse_numbers(uniques, present, head, name)
        if numbers is not None:
            return reading(numbers, "numeric", note, share)
    return reading(uniques, _text_or_categorical(present))


def _is_flag_column(present: pd.Series, head: list[str]) -> bool:
    """Whether the distinct values are yes/no words, both kinds present (yes/no, true/false)."""
    if len(present) > _FLAG_SPELLINGS or any(v.lower() not in _FLAGS for v in head):
        return False
    lowered = set(present.str.lower()) if len(present) > len(head) else {v.lower() for v in head}
    return lowered <= _FLAGS and len(lowered) > 1 and bool(lowered & _TRUE and lowered & _FALSE)


def _parse_numbers(
    uniques: pd.Series, present: pd.Series, head: list[str], name: str
) -> tuple[pd.Series | None, str, float]:
    if _surely_not_numbers(head, len(present)) or _never_numbers(uniques) > 0.05 * len(present):
        return None, "", 0.0
    numbers = None
    if all(_PLAIN_NUMBER.fullmatch(v) for v in head):  # plain numbers need no cleaning
        numbers = pd.to_numeric(uniques, errors="coerce")
    if numbers is None or numbers.notna().sum() < len(present):
        numbers = _clean_numbers(uniques)
    parsed = numbers.notna().sum()
    if parsed < 0.95 * len(present) or parsed == 0:
        return None, "", 0.0
    if len(numbers.dropna()) and np.all(np.mod(numbers.dropna().to_numpy(), 1) == 0):
        numbers = numbers.astype("Int64")
    note = ""
    if parsed < len(present):
        bad = present[numbers.loc[present.index].isna()].head(3).tolist()
        note = (
            f"'{name}': {len(present) - parsed} distinct values are not numbers "
            f"(e.g. {', '.join(map(repr, bad))}) and were treated as missing."
        )
    return numbers, note, float(parsed / len(present))


def _clean_numbers(values: pd.Series) -> pd.Series:
    """Text read as numbers: currency signs, spaces and thousands separators dropped, a decimal
    comma (1.234,50) recognised from the values, (12.50) read as -12.5."""
    cleaned = values.str.replace(_CURRENCY, "", regex=True).str.replace(_SPACES, "", regex=True)
    if cleaned.str.startswith("(").any():  # (12.50) is -12.50; pandas' regex with \1 is slow
        cleaned = cleaned.str.replace(r"^\((.*)\)$", r"-\1", regex=True)
    cleaned = cleaned.str.rstrip("%")
    decimal_comma = cleaned.str.match(_DECIMAL_COMMA).sum()
    thousands = cleaned.str.match(_THOUSANDS).sum()
    if decimal_comma > thousands:
        cleaned = cleaned.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        cleaned = cleaned.str.replace(",", "", regex=False)
    return pd.to_numeric(cleaned, errors="coerce")


def _surely_not_numbers(head: list[str], n_present: int) -> bool:
    """Whether so many of the first distinct values cannot be read as a number, however they
    are cleaned, that the column must miss the 95 % bar anyway: saves cleaning text columns.

    >>> _surely_not_numbers(["Anna", "Ben", "Carla", "7"], 4)
    True
    >>> _surely_not_numbers(["user7@example.com", "A0012", "B0013", "7"], 4)
    True
    >>> _surely_not_numbers(["12", "7", "1,200", "$5", "(3.5)", "1.234,50", "12%", "-inf"], 8)
    False
    """
    unreadable = sum(not _READABLE.fullmatch(_NOT_DIGITS.sub("", v)) for v in head[:200])
    return unreadable > 0.05 * n_present


def _never_numbers(values: pd.Series) -> int:
    """How many values hold a character no number has (``#1001``, ``ann@example.com``): more
    than 5 % of them and the column misses the 95 % bar, so cleaning them all is saved.

    >>> _never_numbers(pd.Series(["#1001", "a@b.org", "$1,200.50", "(3)", "12 %", "1e5"]))
    2
    """
    text = pa.array(values.astype("string"), type=pa.large_string())
    return int(pc.sum(pc.match_substring_regex(text, _NEVER_IN_NUMBERS)).as_py() or 0)


def _text_or_categorical(present: pd.Series) -> str:
    mean_length = present.str.len().mean()
    return "text" if len(present) > 50 and mean_length >= 25 else "categorical"


def _choose_customer_id(
    typed: pd.DataFrame, kinds: dict[str, str], readings: dict[str, _Reading]
) -> tuple[str | None, str]:
    """The column that identifies customers, and why it was chosen."""
    candidates = [name for name, kind in kinds.items() if kind == "id"]
    if not candidates:
        return None, ""
    for name in candidates:
        if any(word in normalise_name(name) for word in _CUSTOMER_WORDS):
            return name, f"name '{name}' says it identifies customers"
    uniques = [name for name in candidates if _never_repeats(typed[name], readings[name])]
    if uniques:
        return uniques[0], f"the first id column ('{uniques[0]}') whose values never repeat"
    return candidates[0], f"the first id column ('{candidates[0]}'); no id column is unique"


def _never_repeats(values: pd.Series, reading: _Reading) -> bool:
    """Whether no present value of a column is written twice."""
    if reading.missing is None or reading.n_unique is None:
        return not values.dropna().duplicated().any()
    return reading.n_unique == len(values) - int(reading.missing.sum())


def _profile(
    reading: _Reading,
    name: str,
    guess: MeaningGuess,
    is_customer_id: bool,
    one_row_per_customer: bool,
) -> ColumnProfile:
    values, kind = reading.values, reading.kind
    missing = values.isna().to_numpy(dtype=bool) if reading.missing is None else reading.missing
    n_present = len(values) - int(missing.sum())
    # the first present values stand for the column: finding them all would cost a pass
    present = values.take(np.flatnonzero(~missing)[:2000])
    if reading.n_unique is not None:
        n_unique = reading.n_unique
    else:
        n_unique = int(values.nunique())
    missing_share = int(missing.sum()) / len(values) if len(values) else 0.0
    role, note = _suggest_role(
        present,
        n_present,
        kind,
        guess.meaning,
        is_customer_id,
        n_unique,
        missing_share,
        one_row_per_customer,
    )
    base = _suggest_base(name, present, guess.meaning, role)
    firsts = list(dict.fromkeys(present.tolist()))[:3]
    examples = tuple(_example_text(v) for v in firsts)
    return ColumnProfile(
        name, kind, role, base, missing_share, n_unique, examples, note, guess.meaning, guess.reason
    )


def _suggest_role(
    present: pd.Series,
    n_present: int,
    kind: str,
    meaning: str,
    is_customer_id: bool,
    n_unique: int,
    missing_share: float,
    one_row_per_customer: bool,
) -> tuple[str, str]:
    if is_customer_id:
        return "id", "identifies each customer"
    if kind == "empty" or present.empty:
        return "ignore", "every value is missing"
    if n_unique == 1:
        return "ignore", f"the same value ({_example_text(present.iloc[0])}) in every row"
    if meaning_of(meaning).role == "ignore" and meaning != "free_text":
        return "ignore", _meaning_note(meaning)
    if kind == "id":
        return "ignore", "an identifier (of orders or products), not a customer trait"
    if kind == "text":
        return "ignore", "free text: too varied to group customers by"
    if meaning == "free_text":
        return "ignore", _meaning_note(meaning)
    if missing_share > 0.6:
        return "ignore", f"{missing_share:.0%} of values are missing"
    near_unique = n_present >= 20 and n_unique >= 0.8 * n_present
    if one_row_per_customer and near_unique and kind == "categorical":
        return "ignore", "almost every customer has a different value (like a name or email)"
    return "feature", ""


def _meaning_note(meaning: str) -> str:
    """Why a column of this meaning is left out of the analysis."""
    implied = meaning_of(meaning)
    if meaning == "internal_id":
        return "a platform's internal id (personal data): kept for the target list only"
    if implied.personal:
        return f"a personal contact detail ({implied.label}): kept for the target list only"
    if meaning == "free_text":
        return "free text: too varied to group customers by"
    return f"{implied.label}: a detail of orders, not a customer trait"


def _suggest_base(name: str, present: pd.Series, meaning: str, role: str) -> str:
    implied = meaning_of(meaning)
    if role == "id" or implied.personal:
        return "other"
    base = suggest_base(name, present)
    return implied.base if base == "other" and implied.base else base


def _example_text(value: object) -> str:
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else str(value)
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return str(value)
