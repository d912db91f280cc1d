"""What a customer table's column meanings imply beyond the values as written.

Applied once per customer table (:func:`enrich_customers`), in three steps, each reported in
plain words for the data quality report:

1. Blanks that mean 0 or "no": a blank customer value or order count in a profile file is a
   customer with no orders yet; a flag written as yes/blank (consent, campaign response, test
   flags) says "no" with its blanks.
2. Tag columns split into yes/no features for their most common tags
   (:mod:`segmentation.data.tags`); the tag column itself stops being a feature.
3. Derived features offered as new columns: birth year → age, signup date → days as a
   customer, several spend columns → total spend.

Existing columns keep their values; new columns are appended, with their labels, bases and a
meaning reason that says what they came from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from segmentation.data.meanings import ColumnEvidence, detect_meaning, meaning_of
from segmentation.data.schema import ColumnProfile, Schema, infer_schema
from segmentation.data.tags import MAX_TAG_FEATURES, MIN_TAG_SHARE, TagSplit, split_tag_column
from segmentation.data.words import normalise_name, spelled_out

ZERO_MEANINGS = frozenset({"customer_value", "order_count"})  # blank: no orders yet
FLAG_MEANINGS = frozenset({"consent", "campaign_response", "test_order"})  # yes/blank flags
YES_WORDS = frozenset({"yes", "y", "true", "t", "1", "x", "opted in", "subscribed", "✓"})
TAG_BASE = "psychographic"  # tags say what a customer is or likes, when the column says no base
AGE, DAYS_AS_CUSTOMER, TOTAL_SPEND = "age", "days_as_a_customer", "total_spend"
FIRST_BIRTH_YEAR = 1900
_BIRTH_YEAR = re.compile(r"\b(year (of )?birth|birth ?year|yob|year born|born)\b")
_SPEND = re.compile(r"\b(spend|spent|spending)\b")
_ALREADY_SUMMED = re.compile(r"\b(total|lifetime|sum|all|overall|average|mean|monthly|per)\b")


@dataclass(frozen=True)
class AsOf:
    """The day ages and days as a customer are counted to, and where it comes from."""

    date: pd.Timestamp
    source: str


@dataclass(frozen=True)
class BlankFill:
    """A column whose blanks were read as 0 or "no", how many, and the note saying so."""

    column: str
    n_filled: int
    read_as: str
    note: str


@dataclass(frozen=True)
class DerivedColumn:
    """A new column computed from others: its name, label, sources and the note saying so."""

    column: str
    label: str
    sources: tuple[str, ...]
    note: str


@dataclass(frozen=True)
class Enrichment:
    """A customer table after :func:`enrich_customers`, and what was done to it."""

    frame: pd.DataFrame = field(repr=False)
    schema: Schema
    blanks: tuple[BlankFill, ...] = ()
    tags: tuple[TagSplit, ...] = ()
    derived: tuple[DerivedColumn, ...] = ()

    @property
    def notes(self) -> tuple[str, ...]:
        """One read note per filled column, tag column and derived feature, in that order."""
        return (
            *(fill.note for fill in self.blanks),
            *(tag_note(split) for split in self.tags),
            *(column.note for column in self.derived),
        )


def enrich_customers(
    frame: pd.DataFrame,
    schema: Schema,
    reference: pd.Timestamp | None = None,
    inputs: Iterable[str] | None = None,
) -> Enrichment:
    """The customer table with the blanks, tags and derived features its meanings imply.

    Parameters
    ----------
    frame, schema : one row per customer, typed, and its schema.
    reference : the end of the data's period (an orders file's last order); ``None``: the
        latest date in the table, or today when it holds no dates.
    inputs : the columns the steps may read (``None``: all but the customer id); an orders
        file's customer table passes its carried columns, so the order measures stay as they are.

    Examples
    --------
    >>> frame = pd.DataFrame({"id": ["a", "b", "c"], "Year_Birth": [1960, 1985, 1990],
    ...                       "Total Spent": [120.0, None, 40.0]})
    >>> schema = infer_schema(frame, one_row_per_customer=True).schema
    >>> enriched = enrich_customers(frame, schema, reference=pd.Timestamp("2024-06-30"))
    >>> enriched.frame["Total Spent"].tolist(), enriched.frame["age"].tolist()
    ([120.0, 0.0, 40.0], [64, 39, 34])
    >>> enriched.notes[0]
    "'Total Spent' was blank for 1 customer: read as 0 (no orders yet)."
    >>> enriched.schema.column("age").label, enriched.schema.column("Year_Birth").role
    ('Age', 'ignore')
    """
    names = set(schema.names if inputs is None else inputs) - {schema.id_column}
    frame, schema, blanks = fill_blanks(frame, schema, names)
    frame, schema, tags = split_tags_of(frame, schema, names)
    as_of = reference_date(frame, schema, reference)
    derived: list[DerivedColumn] = []
    for derive in (_age, _days_as_customer, _total_spend):
        frame, schema, added = derive(frame, schema, names, as_of)
        derived += added
    return Enrichment(frame, schema, blanks, tags, tuple(derived))


# --- 1. blanks that mean 0 or "no" -------------------------------------------------------------


def fill_blanks(
    frame: pd.DataFrame, schema: Schema, names: set[str]
) -> tuple[pd.DataFrame, Schema, tuple[BlankFill, ...]]:
    """Blank customer values and order counts read as 0, blanks of yes/blank flags as "no"."""
    fills = []
    for column in schema.columns:
        if column.name not in names:
            continue
        values = frame[column.name]
        n_blank = int(values.isna().sum())
        if not n_blank or n_blank == len(values):
            continue
        if column.kind == "numeric" and column.meaning in ZERO_MEANINGS:
            frame = frame.assign(**{column.name: values.fillna(0)})
            note = f"{_customers(n_blank)}: read as 0 (no orders yet)."
            fills.append(
                BlankFill(column.name, n_blank, "0", f"'{column.name}' was blank for {note}")
            )
            schema = _reprofiled(frame, schema, column.name, column.meaning, column.meaning_reason)
            continue
        flag = _yes_blank_meaning(values, column)
        if flag is not None:
            frame = frame.assign(**{column.name: values.notna().astype("boolean")})
            schema = _reprofiled(frame, schema, column.name, *flag)
            yes = str(values.dropna().iloc[0])
            note = (
                f"'{column.name}' was blank for {_customers(n_blank)}: read as 'no' (the column "
                f"marks only '{yes}', so a blank is a no to {meaning_of(flag[0]).label})."
            )
            fills.append(BlankFill(column.name, n_blank, "no", note))
    return frame, schema, tuple(fills)


def _yes_blank_meaning(values: pd.Series, column: ColumnProfile) -> tuple[str, str] | None:
    """The flag meaning and its reason when a column marks only "yes" and leaves the rest blank
    and its name says it is a consent, campaign-response or test flag; else ``None``."""
    if column.kind not in ("categorical", "numeric", "boolean"):
        return None
    present = values.dropna().unique()
    if len(present) > 4 or not {str(v).strip().lower() for v in present} <= YES_WORDS:
        return None
    if column.meaning in FLAG_MEANINGS:
        return column.meaning, column.meaning_reason
    guess = detect_meaning(ColumnEvidence(column.name, "boolean", ("True",)))
    if guess.meaning not in FLAG_MEANINGS:
        return None
    return guess.meaning, f"{guess.reason} (a blank is a no)"


def _reprofiled(
    frame: pd.DataFrame, schema: Schema, name: str, meaning: str, reason: str
) -> Schema:
    """The schema with one column's kind, role, missing share and examples read again from its
    new values; its meaning and label stay, and so does its base unless it had none."""
    old = schema.column(name)
    fresh = infer_schema(frame[[name]], one_row_per_customer=True).schema.column(name)
    base = old.base if old.base != "other" else meaning_of(meaning).base or fresh.base
    profile = replace(fresh, base=base, label=old.label)
    if old.role == "id":
        profile = replace(profile, role=old.role, note=old.note)
    schema = Schema(tuple(profile if c.name == name else c for c in schema.columns))
    return schema.with_column_meaning(name, meaning, reason)  # a meaning may imply 'ignore'


# --- 2. tags -----------------------------------------------------------------------------------


def split_tags_of(
    frame: pd.DataFrame, schema: Schema, names: set[str]
) -> tuple[pd.DataFrame, Schema, tuple[TagSplit, ...]]:
    """Each tag column's most common tags as yes/no feature columns, labelled "Tag: vip"; the
    tag column itself is no longer a feature."""
    splits = []
    taken = list(frame.columns)
    for column in schema.columns:
        if column.meaning != "tags" or column.name not in names or column.kind == "empty":
            continue
        split = split_tag_column(frame[column.name], column.name, taken=taken)
        splits.append(split)
        taken += list(split.indicators.columns)
        base = column.base if column.base not in ("other", "") else TAG_BASE
        profiles = [
            new_profile(
                split.indicators[f.column],
                f.column,
                "boolean",
                base,
                "other",
                f"derived from '{column.name}' (tags): customers tagged '{f.tag}'",
                label=f"Tag: {f.tag}",
            )
            for f in split.features
        ]
        schema = Schema((*schema.columns, *profiles))
        if split.features and column.role == "feature":
            note = f"split into {len(split.features)} yes/no tag features (Tag: …)"
            schema = schema.with_column(column.name, role="ignore", note=note)
    if splits:  # one join: a join per tag column copies a wide table each time
        frame = pd.concat([frame, *(split.indicators for split in splits)], axis=1)
    return frame, schema, tuple(splits)


def tag_note(split: TagSplit) -> str:
    """The read note of one tag column: which tags became features and how many were left out.

    >>> from segmentation.data.tags import TagFeature
    >>> split = TagSplit("Tags", ",", (TagFeature("VIP", "tag_vip", 30),), 5, 4, pd.DataFrame())
    >>> print(tag_note(split).replace("; ", ";\\n"))
    'Tags' holds 5 different tags: 'VIP' became a yes/no feature;
    4 less common tags were left out (each on under 1% of customers, or beyond the 12 most common).
    """
    if not split.features:
        return (
            f"'{split.source}' holds {split.n_tags:,} different tags, none on at least "
            f"{MIN_TAG_SHARE:.0%} of customers and two of them, so none became a feature."
        )
    kept = ", ".join(f"'{f.tag}'" for f in split.features)
    became = "became a yes/no feature" if len(split.features) == 1 else "became yes/no features"
    note = f"'{split.source}' holds {split.n_tags:,} different tags: {kept} {became}"
    if not split.n_left_out:
        return note + "."
    tags = "tag was" if split.n_left_out == 1 else "tags were"
    return (
        f"{note}; {split.n_left_out:,} less common {tags} left out (each on under "
        f"{MIN_TAG_SHARE:.0%} of customers, or beyond the {MAX_TAG_FEATURES} most common)."
    )


# --- 3. derived features -----------------------------------------------------------------------


def reference_date(
    frame: pd.DataFrame, schema: Schema, reference: pd.Timestamp | None = None
) -> AsOf:
    """The day ages and tenures are counted to: the end of the orders' period when known, else
    the latest date in the table (never after today), else today."""
    if reference is not None and not pd.isna(reference):
        date = pd.Timestamp(reference)
        date = date.tz_convert("UTC").tz_localize(None) if date.tzinfo else date
        return AsOf(date, "the end of the orders' period")
    today = pd.Timestamp.today().normalize()
    latest = [_naive(frame[c.name]).max() for c in schema.columns if c.kind == "datetime"]
    latest = [date for date in latest if not pd.isna(date)]
    if not latest:
        return AsOf(today, "today")
    return AsOf(min(max(latest), today), "the latest date in the file")


def _age(
    frame: pd.DataFrame, schema: Schema, names: set[str], as_of: AsOf
) -> tuple[pd.DataFrame, Schema, list[DerivedColumn]]:
    """Age (in years reached this year) from the first column of birth years."""
    if _has_label(schema, "Age") or AGE in frame.columns:
        return frame, schema, []
    source = next((c for c in schema.columns if _holds_birth_years(frame, c, names, as_of)), None)
    if source is None:
        return frame, schema, []
    year = as_of.date.year
    values = (year - frame[source.name].astype("Float64")).round().astype("Int64")
    reason = f"derived from '{source.name}' (birth year): {year} minus the birth year"
    profile = new_profile(values, AGE, "numeric", "demographic", "other", reason)
    note = (
        f"Added '{profile.label}' from '{source.name}' (birth year): the age reached in {year}, "
        f"the year of {as_of.source} ({as_of.date:%d %b %Y})."
    )
    replaced = (
        f"replaced by '{profile.label}', which is derived from it; set to feature to use both"
    )
    schema = (
        schema.with_column(source.name, role="ignore", note=replaced)
        if source.role == "feature"
        else schema
    )
    return _added(frame, schema, values, profile, (source.name,), note)


def _holds_birth_years(
    frame: pd.DataFrame, column: ColumnProfile, names: set[str], as_of: AsOf
) -> bool:
    if column.name not in names or column.kind != "numeric":
        return False
    if not _BIRTH_YEAR.search(spelled_out(column.name)):
        return False
    present = frame[column.name].dropna().to_numpy(dtype="float64")
    if not present.size or not np.all(np.mod(present, 1) == 0):
        return False
    within = (present >= FIRST_BIRTH_YEAR) & (present <= as_of.date.year)
    return bool(within.mean() >= 0.95)


def _days_as_customer(
    frame: pd.DataFrame, schema: Schema, names: set[str], as_of: AsOf
) -> tuple[pd.DataFrame, Schema, list[DerivedColumn]]:
    """Days from the signup date to the reference day."""
    if _has_label(schema, "Days as a customer") or DAYS_AS_CUSTOMER in frame.columns:
        return frame, schema, []
    source = next(
        (
            c
            for c in schema.columns
            if c.meaning == "signup_date" and c.kind == "datetime" and c.name in names
        ),
        None,
    )
    if source is None:
        return frame, schema, []
    days = (as_of.date - _naive(frame[source.name])).dt.days.clip(lower=0).astype("Int64")
    reason = f"derived from '{source.name}' (signup date): days from it to {as_of.date:%d %b %Y}"
    profile = new_profile(days, DAYS_AS_CUSTOMER, "numeric", "behavioral", "other", reason)
    note = (
        f"Added '{profile.label}' from '{source.name}' (signup date): days from signing up to "
        f"{as_of.source} ({as_of.date:%d %b %Y})."
    )
    return _added(frame, schema, days, profile, (source.name,), note)


def _total_spend(
    frame: pd.DataFrame, schema: Schema, names: set[str], as_of: AsOf
) -> tuple[pd.DataFrame, Schema, list[DerivedColumn]]:
    """The sum of several spend columns (Spend on wines, Spend on fruits …)."""
    if _has_label(schema, "Total spend") or TOTAL_SPEND in frame.columns:
        return frame, schema, []
    sources = [c for c in schema.columns if c.name in names and _is_spend_column(c)]
    if len(sources) < 2:
        return frame, schema, []
    parts = frame[[c.name for c in sources]]
    total = parts.astype("Float64").sum(axis=1, min_count=1)
    whole = all(pd.api.types.is_integer_dtype(parts[c]) for c in parts)
    total = total.astype("Int64") if whole else total.astype("float64")
    shown = ", ".join(c.label for c in sources[:4]) + (" …" if len(sources) > 4 else "")
    reason = f"derived: the sum of {len(sources)} spend columns ({shown})"
    profile = new_profile(total, TOTAL_SPEND, "numeric", "behavioral", "customer_value", reason)
    note = f"Added '{profile.label}': the sum of {len(sources)} spend columns ({shown})."
    return _added(frame, schema, total, profile, tuple(c.name for c in sources), note)


def _is_spend_column(column: ColumnProfile) -> bool:
    """A numeric column of spend on one thing: MntWines, 'Spend on fruits', 'grocery_spend'."""
    if column.kind != "numeric" or column.role == "id":
        return False
    words = spelled_out(column.name)
    if _ALREADY_SUMMED.search(words):
        return False
    if normalise_name(column.name).startswith("mnt ") or column.label.startswith("Spend on "):
        return True
    return column.meaning == "customer_value" and bool(_SPEND.search(words))


def _naive(dates: pd.Series) -> pd.Series:
    """Dates on the app's one timeline: UTC without a zone (a Parquet file may carry zones)."""
    if getattr(dates.dtype, "tz", None) is None:
        return dates
    return dates.dt.tz_convert("UTC").dt.tz_localize(None)


def _has_label(schema: Schema, label: str) -> bool:
    return any(c.label.casefold() == label.casefold() for c in schema.columns)


def _added(
    frame: pd.DataFrame,
    schema: Schema,
    values: pd.Series,
    profile: ColumnProfile,
    sources: tuple[str, ...],
    note: str,
) -> tuple[pd.DataFrame, Schema, list[DerivedColumn]]:
    # a join, not an insert: inserting into a wide table warns that it is fragmented
    frame = pd.concat([frame, values.rename(profile.name).reindex(frame.index)], axis=1)
    schema = Schema((*schema.columns, profile))
    return frame, schema, [DerivedColumn(profile.name, profile.label, sources, note)]


def new_profile(
    values: pd.Series,
    name: str,
    kind: str,
    base: str,
    meaning: str,
    reason: str,
    label: str = "",
) -> ColumnProfile:
    """The profile of a derived column: a feature unless it has one value or is mostly blank."""
    present = values.dropna()
    n_unique = int(present.nunique())
    missing_share = float(values.isna().mean()) if len(values) else 0.0
    role, note = "feature", ""
    if n_unique <= 1:
        role, note = "ignore", "the same value for every customer"
    elif missing_share > 0.6:
        role, note = "ignore", f"{missing_share:.0%} of values are missing"
    firsts = list(dict.fromkeys(present.iloc[:2000].tolist()))[:3]
    examples = tuple(str(v) for v in firsts)
    return ColumnProfile(
        name, kind, role, base, missing_share, n_unique, examples, note, meaning, reason, label
    )


def _customers(n: int) -> str:
    return f"{n:,} customer{'s' * (n != 1)}"
