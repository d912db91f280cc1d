"""Deciding what each column is: its type, its meaning, its role and its segmentation base.

Types are decided per column from its values (not per cell), working on the distinct values of a
column so that a 500,000-row file costs about as much as its vocabulary. Dates are read by
:mod:`segmentation.data.dates`, meanings detected by :mod:`segmentation.data.meanings` and labels
written by :mod:`segmentation.data.words`.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from segmentation.data.column_roles import (
    example_text,
    first_distinct,
    meaning_note,
    suggest_column_base,
    suggest_role,
)
from segmentation.data.dates import (
    may_hold_digit_dates,
    read_number_dates,
    read_text_dates,
    read_text_dates_batch,
)
from segmentation.data.distinct_values import (
    all_missing,
    as_series,
    convert_all,
    distinct_texts,
    distinct_texts_batch,
    is_arrow_text,
    n_distinct,
    spread,
    values_array,
)
from segmentation.data.gc_pause import collector_paused
from segmentation.data.meanings import (
    SAMPLE_SIZE,
    ColumnEvidence,
    MeaningGuess,
    detect_meaning,
    meaning_of,
    written_as_text,
)
from segmentation.data.text_batch import (
    BATCH_MAX_ROWS,
    BATCH_MIN_COLUMNS,
    TextFacts,
    batch_facts,
    batch_numbers,
    flag_values,
    is_flag_column,
)
from segmentation.data.text_values import (
    PLAIN_NUMBER,
    clean_numbers,
    never_numbers,
    present_numbers,
    surely_not_numbers,
    whole_numbers,
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
_ID_NAME = re.compile(
    r"(^|\s)(id|ids|key|uuid|guid|code|no|nr|num|number)$|^(customer|client|member|user|account)$"
)
_CUSTOMER_WORDS = ("customer", "cust", "client", "member", "user", "account", "buyer", "shopper")
HEAD_SIZE = 500  # distinct values the quick checks look at


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
            changes |= {"role": "ignore", "note": meaning_note(meaning)}
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
    customers: bool | None = None  # whether the columns were profiled as customers' (rows)


@dataclass  # not frozen: a batch sets the profile it made of a reading on it
class _Reading:
    """A column read as one kind: its typed values, a note on the reading, the share of distinct
    present values read as that kind, and a sample of distinct values as written."""

    values: pd.Series | pd.api.extensions.ExtensionArray
    kind: str
    note: str = ""
    share: float = 1.0
    sample: tuple[str, ...] | None = None
    missing: np.ndarray | None = None  # per row, when known from the distinct values
    n_unique: int | None = None
    profile: ColumnProfile | None = None  # read in a batch: profiled as not the customer id
    examples: tuple[str, ...] | None = None  # the first distinct values, when known


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
    with collector_paused():
        return _typed_table(frame, one_row_per_customer)


def _typed_table(frame: pd.DataFrame, one_row_per_customer: bool | None) -> TypedTable:
    # a wide table's columns are profiled on the batch's threads as they are read, assuming
    # rows are customers unless told (what most wide exports are); profiled again if not
    assumed = True if one_row_per_customer is None else one_row_per_customer
    readings = _read_columns(frame, assumed)
    # the typed columns are new (or share Arrow data, which never changes): no copy
    values = {name: r.values for name, r in readings.items()}
    typed = pd.DataFrame(values, index=frame.index, copy=False)
    kinds = {name: r.kind for name, r in readings.items()}
    id_column, id_reason = _choose_customer_id(typed, kinds, readings)
    if one_row_per_customer is None:
        one_row_per_customer = id_column is None or not typed[id_column].duplicated().any()
    profiles = []
    for name, reading in readings.items():  # reading.values: typed[name] costs in wide frames
        if reading.profile and name != id_column and one_row_per_customer == assumed:
            profiles.append(reading.profile)
            continue
        guess = _detect(name, reading, one_row_per_customer)
        if name == id_column and guess.meaning in ("other", "internal_id"):
            guess = MeaningGuess("customer_key", id_reason)
        is_id = name == id_column
        profiles.append(_profile(reading, name, guess, is_id, one_row_per_customer))
    notes = tuple(r.note for r in readings.values() if r.note)
    return TypedTable(typed, Schema(tuple(profiles)), notes, one_row_per_customer)


def is_id_name(name: str) -> bool:
    """Whether a column's name says it identifies something (customer id, invoice no, ...)."""
    words = normalise_name(name)
    return bool(_ID_NAME.search(words)) and not re.search(r"zip|post|area|phone|mobile", words)


def _detect(name: str, reading: _Reading, customers: bool) -> MeaningGuess:
    if reading.kind == "empty":
        return MeaningGuess("other", "every value is missing")
    values, sample = reading.values, reading.sample
    if sample is None:
        present = as_series(values).dropna()
        sample = tuple(str(v) for v in present.head(SAMPLE_SIZE).tolist())
    evidence = ColumnEvidence(str(name), reading.kind, sample, values, reading.share, customers)
    return detect_meaning(evidence)


def _read_columns(frame: pd.DataFrame, customers: bool) -> dict[object, _Reading]:
    """Each column's reading, in the table's column order; a wide table's text columns in one
    batch (:mod:`segmentation.data.text_batch`), profiled as not the customer id in a table of
    customers if ``customers``, else of orders."""
    columns = dict(frame.items())  # each column made once: 0.1 ms a column
    texts = [name for name, raw in columns.items() if is_arrow_text(raw)]
    few = len(texts) < BATCH_MIN_COLUMNS or len(frame) > BATCH_MAX_ROWS
    if few or frame.columns.has_duplicates:
        converted = convert_all(frame.items(), _convert_column, len(frame))
        return dict(zip(frame.columns, converted, strict=True))
    groups = np.array_split(np.arange(len(texts)), _batch_workers(len(texts)))
    jobs = [[texts[i] for i in group] for group in groups]
    # two threads: 3,000 columns on a quiet 2-core machine take 5.3 s instead of 5.7 s, but 7.1
    # CPU seconds instead of 5.7 (nine tenths of the batch's work holds the GIL)
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        read = pool.map(
            lambda job: _read_text_batch([columns[n] for n in job], job, customers), jobs
        )
        batched = [reading for part in read for reading in part]
    readings = dict(zip(texts, batched, strict=True))
    others = [(name, raw) for name, raw in columns.items() if name not in readings]
    converted = convert_all(others, _convert_column, len(frame))
    readings |= dict(zip([name for name, _ in others], converted, strict=True))
    return {name: readings[name] for name in frame.columns}


def _batch_workers(n_columns: int) -> int:
    """Threads for a batch of text columns: one per core, each with enough columns."""
    return max(1, min(os.cpu_count() or 1, n_columns // BATCH_MIN_COLUMNS))


def _read_text_batch(
    raws: list[pd.Series], labels: list[object], customers: bool
) -> list[_Reading]:
    """The readings of many Arrow text columns, their distinct values checked in one pass, each
    with its profile as a column that is not the customer id (``customers``: rows are
    customers, else orders)."""
    batch = distinct_texts_batch(raws, PLACEHOLDERS)
    names = [str(name) for name in labels]
    facts = batch_facts(batch, HEAD_SIZE, [is_id_name(name) for name in names])
    columns = [batch.column(i) for i in range(len(names))]  # each made once: 0.3 ms a column
    facts = _with_dates([uniques for _, uniques, _ in columns], names, facts)
    readings = []
    for i, (raw, name) in enumerate(zip(raws, names, strict=True)):
        codes, uniques, as_read = columns[i]
        reading = _convert_text(codes, uniques, name, raw, as_read, facts[i])
        guess = _detect(labels[i], reading, customers)
        profile = _profile(reading, labels[i], guess, False, customers)
        reading.profile = profile
        readings.append(reading)
    return readings


def _with_dates(
    uniques: list[pd.Series], names: list[str], facts: list[TextFacts]
) -> list[TextFacts]:
    """The facts with the dates of every column that may be read as dates, read in one batch
    (yes/no, id and ISO-day columns are decided before dates are tried; plain numbers, never
    shaped like dates, are read only in columns named like dates)."""
    tried = [
        i
        for i, (name, fact) in enumerate(zip(names, facts, strict=True))
        if fact.head and not fact.all_flags and not fact.all_iso_days and not is_id_name(name)
    ]
    chosen = [i for i in tried if not facts[i].all_plain or may_hold_digit_dates(names[i])]
    found = read_text_dates_batch([(uniques[i], names[i], facts[i].head) for i in chosen])
    dates = dict(zip(chosen, found, strict=True))
    for i in tried:  # the batch's own facts: set, not copied
        facts[i].dates_read, facts[i].dates = True, dates.get(i)
    return facts


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
    codes: np.ndarray,
    uniques: pd.Series | pd.arrays.ArrowStringArray,
    name: str,
    raw: pd.Series,
    as_read: bool,
    facts: TextFacts | None = None,
) -> _Reading:
    """The reading of a text column from its rows' ``codes`` into its distinct present values;
    ``as_read``: the raw column holds these values as they are (its data can be reused);
    ``facts``: what a batch over many columns found already (its distinct values are an array,
    made a series only where text operations need one)."""

    def reading(converted: pd.Series, kind: str, note: str = "", share: float = 1.0) -> _Reading:
        if converted is uniques:  # distinct and present already
            missing, n_unique = codes < 0, len(uniques)
        else:  # distinct values read alike are one value
            missing = np.append(np.asarray(values_array(converted).isna(), bool), True)[codes]
            n_unique = n_distinct(converted)
        # a batch's column is copied: joining the file's dozens of pieces costs more
        reuse = raw if as_read and converted is uniques and facts is None else None
        values = spread(converted, codes, reuse)  # an array: the frame is made of arrays
        # a batch's distinct texts are in the order rows first hold them: the profile's first
        # distinct values (of its first 2,000 present rows) are the first ones
        firsts = tuple(head[:3]) if converted is uniques and facts and len(codes) <= 2000 else None
        return _Reading(values, kind, note, share, sample, missing, n_unique, examples=firsts)

    present = uniques  # distinct values from factorize: never missing
    if not len(present):
        nothing = np.ones(len(codes), dtype=bool)
        return _Reading(all_missing(raw.index, "string"), "empty", missing=nothing, n_unique=0)
    # the first distinct values as Python strings: the quick checks below cost less on a list
    # than one pandas string operation does on any column
    head = facts.head if facts else [str(v) for v in present.head(HEAD_SIZE).tolist()]
    sample = tuple(head[:SAMPLE_SIZE])
    if is_flag_column(present, head, facts):
        return reading(flag_values(uniques, facts), "boolean")
    if is_id_name(name):
        uniques = present = as_series(uniques)
        # 1234.0 written by a spreadsheet is 1234 (a replacement only where one is needed)
        dotted = uniques.str.contains(".0", regex=False).any()
        if dotted and uniques.str.match(r"^\d+\.0+$").any():
            return reading(uniques.str.replace(r"^(\d+)\.0+$", r"\1", regex=True), "id")
        return reading(uniques, "id")
    if facts and facts.days is not None and facts.days.notna().all():
        # what read_text_dates finds for ISO days that all parse, read for many columns at once
        return reading(facts.days, "datetime")
    if facts is not None and facts.dates_read:
        dates = facts.dates
    else:
        dates = read_text_dates(uniques, name, head=head)
    if dates is not None:
        return reading(dates.values, "datetime", dates.note, dates.share)
    if not written_as_text(name, head):
        numbers, note, share = _parse_numbers(uniques, present, head, name, facts)
        if numbers is not None:
            return reading(numbers, "numeric", note, share)
    return reading(uniques, _text_or_categorical(present, facts))


def _parse_numbers(
    uniques: pd.Series,
    present: pd.Series,
    head: list[str],
    name: str,
    facts: TextFacts | None = None,
) -> tuple[pd.Series | None, str, float]:
    if facts is not None and facts.not_numbers:  # refused already, for the same reasons
        return None, "", 0.0
    numbers = batch_numbers(facts)
    if numbers is None:
        uniques = as_series(uniques)
        never = facts.n_never if facts else None
        if surely_not_numbers(head, len(present)):
            return None, "", 0.0
        if (never_numbers(uniques) if never is None else never) > 0.05 * len(present):
            return None, "", 0.0
        if all(PLAIN_NUMBER.fullmatch(v) for v in head):  # plain numbers need no cleaning
            numbers = pd.to_numeric(uniques, errors="coerce")
        if numbers is None or numbers.notna().sum() < len(present):
            numbers = clean_numbers(uniques)
    read, data = present_numbers(numbers)
    parsed = int(read.sum())
    if parsed < 0.95 * len(present) or parsed == 0:
        return None, "", 0.0
    if np.all(np.mod(data[read], 1) == 0):
        numbers = whole_numbers(numbers, read, data)
    note = ""
    if parsed < len(present):
        unread = np.asarray(values_array(numbers).isna(), dtype=bool)  # numbers: by position
        bad = as_series(present)[unread].head(3).tolist()
        note = (
            f"'{name}': {len(present) - parsed} distinct values are not numbers "
            f"(e.g. {', '.join(map(repr, bad))}) and were treated as missing."
        )
    return numbers, note, float(parsed / len(present))


def _text_or_categorical(present: pd.Series, facts: TextFacts | None = None) -> str:
    mean_length = facts.mean_length if facts else present.str.len().mean()
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
    kind = reading.kind
    values = values_array(reading.values)  # the profile reads arrays
    missing = np.asarray(values.isna(), dtype=bool) if reading.missing is None else reading.missing
    n_missing = int(np.count_nonzero(missing))
    n_present = len(values) - n_missing
    # the first present values stand for the column: finding them all would cost a pass
    if n_present == len(values) and len(values) <= 2000:
        present = values  # what the take below returns, without copying the column
    else:
        present = values.take(np.flatnonzero(~missing)[:2000])
    if reading.n_unique is not None:
        n_unique = reading.n_unique
    else:
        n_unique = int(as_series(values).nunique())
    missing_share = n_missing / len(values) if len(values) else 0.0
    role, note = suggest_role(
        present,
        n_present,
        kind,
        guess.meaning,
        is_customer_id,
        n_unique,
        missing_share,
        one_row_per_customer,
    )
    base = suggest_column_base(name, present, guess.meaning, role)
    # floats: NaN, not counted in n_unique, is a value of its own below
    known = n_unique if present.dtype.kind != "f" else None
    examples = reading.examples
    if examples is None:
        examples = tuple(example_text(v) for v in first_distinct(present, 3, known))
    return ColumnProfile(
        name, kind, role, base, missing_share, n_unique, examples, note, guess.meaning, guess.reason
    )
