"""Deciding what each column is: its type, its role and its segmentation base.

Types are decided per column from its values (not per cell), working on the distinct values of a
column so that a 500,000-row file costs about as much as its vocabulary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from segmentation.errors import SchemaError

KINDS = ("id", "numeric", "categorical", "boolean", "datetime", "text", "empty")
ROLES = ("id", "feature", "ignore")
BASES = ("demographic", "geographic", "behavioral", "psychographic", "other")
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
_DATE_NAME = re.compile(r"(date|day|time|dt|when|period|month|signup|joined|created|since|at$)")
_CURRENCY = re.compile(r"[$€£¥₹]|\b(usd|eur|gbp|chf|cad|aud)\b", re.IGNORECASE)
_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")
_DECIMAL_COMMA = re.compile(r"^-?(\d{1,3}(\.\d{3})+|\d+),\d+$")
_DATE_SHAPE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?$")
_YMD = re.compile(r"^(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$")
_ISO_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y/%m/%d",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y.%m.%d",
)
_DAY_FIRST = (
    "%d/%m/%Y",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d.%m.%Y",
    "%d.%m.%Y %H:%M",
    "%d-%m-%Y",
    "%d-%m-%Y %H:%M",
    "%d/%m/%y",
    "%d/%m/%y %H:%M",
    "%d.%m.%y",
)
_MONTH_FIRST = (
    "%m/%d/%Y",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m-%d-%Y",
    "%m-%d-%Y %H:%M",
    "%m/%d/%y",
    "%m/%d/%y %H:%M",
)
_BASE_WORDS: dict[str, tuple[str, ...]] = {
    "demographic": (
        "age",
        "gender",
        "sex",
        "genre",
        "income",
        "salary",
        "occupation",
        "job",
        "profession",
        "education",
        "marital",
        "household",
        "children",
        "kids",
        "family",
        "lifecycle",
        "life stage",
        "birth",
        "born",
        "generation",
        "ethnicity",
        "religion",
    ),
    "geographic": (
        "region",
        "country",
        "state",
        "city",
        "town",
        "zip",
        "postcode",
        "postal",
        "density",
        "urban",
        "rural",
        "language",
        "timezone",
        "time zone",
        "county",
        "province",
        "territory",
        "location",
        "address",
        "area",
        "market",
        "latitude",
        "longitude",
        "lat",
        "lon",
        "continent",
        "district",
    ),
    "behavioral": (
        "loyalty",
        "tier",
        "status",
        "channel",
        "email",
        "open",
        "click",
        "benefit",
        "benefits",
        "pet",
        "recency",
        "frequency",
        "monetary",
        "order",
        "orders",
        "spend",
        "spending",
        "amount",
        "revenue",
        "sales",
        "purchase",
        "quantity",
        "qty",
        "price",
        "tenure",
        "visit",
        "session",
        "basket",
        "return",
        "usage",
        "plan",
        "subscription",
        "opt",
        "product",
        "category",
        "value",
        "aov",
        "days",
        "transactions",
        "invoice",
        "stock",
        "items",
        "cds",
        "dollar",
        "churn",
        "score",
        "points",
        "redemption",
        "coupon",
        "discount",
    ),
    "psychographic": (
        "lifestyle",
        "values",
        "attitude",
        "interest",
        "interests",
        "hobby",
        "hobbies",
        "personality",
        "opinion",
        "belief",
        "motivation",
        "cares",
        "sensitive",
        "prefers",
        "identity",
        "passion",
        "pays more",
        "is family",
        "environment",
        "sustainab",
        "social",
        "trend",
    ),
}
_CONTACT_NAMES = frozenset(
    {
        "name",
        "first name",
        "last name",
        "full name",
        "customer name",
        "email",
        "e mail",
        "email address",
        "phone",
        "phone number",
        "mobile",
        "address",
        "street",
        "street address",
        "surname",
        "given name",
    }
)
_GEO_VALUES = frozenset(
    {
        "urban",
        "suburban",
        "rural",
        "exurban",
        "north",
        "south",
        "east",
        "west",
        "midwest",
        "northeast",
        "united kingdom",
        "germany",
        "france",
    }
)


@dataclass(frozen=True)
class ColumnProfile:
    """What one column is and how the app will use it.

    ``kind`` is the detected type, ``role`` whether it identifies customers (id), describes them
    (feature) or is left out (ignore), ``base`` the segmentation base it belongs to, and ``note``
    the reason for a suggestion the user may want to check.
    """

    name: str
    kind: str
    role: str
    base: str
    missing_share: float
    n_unique: int
    examples: tuple[str, ...]
    note: str = ""


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

    def with_column(self, name: str, **changes: str) -> Schema:
        """A copy with one column's role, base or kind changed."""
        self.column(name)
        return Schema(tuple(replace(c, **changes) if c.name == name else c for c in self.columns))

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
            }
            for c in self.columns
        ]


@dataclass(frozen=True)
class TypedTable:
    """A table whose columns hold typed values (numbers, dates, booleans, text) and its schema."""

    frame: pd.DataFrame
    schema: Schema
    notes: tuple[str, ...] = ()


def infer_schema(frame: pd.DataFrame, one_row_per_customer: bool | None = None) -> TypedTable:
    """Convert each column to its detected type and suggest its role and segmentation base.

    Parameters
    ----------
    frame : a raw table, as read by :func:`segmentation.data.loading.load_table`.
    one_row_per_customer : whether rows are customers (``True``), orders (``False``) or unknown
        (``None``: decided from whether the customer id repeats).

    Examples
    --------
    >>> raw = pd.DataFrame({"CustomerID": ["007", "012", "013"], "Spend": ["$1,200", "N/A", "7"]})
    >>> typed = infer_schema(raw)
    >>> [(c.name, c.kind, c.role) for c in typed.schema.columns]
    [('CustomerID', 'id', 'id'), ('Spend', 'numeric', 'feature')]
    >>> typed.frame["CustomerID"].tolist(), typed.frame["Spend"].tolist()
    (['007', '012', '013'], [1200, <NA>, 7])
    """
    columns: dict[str, pd.Series] = {}
    kinds: dict[str, str] = {}
    notes: list[str] = []
    for name in frame.columns:
        values, kind, note = _convert_column(frame[name], str(name))
        columns[name], kinds[name] = values, kind
        if note:
            notes.append(note)
    typed = pd.DataFrame(columns, index=frame.index)
    id_column = _choose_customer_id(typed, kinds)
    if one_row_per_customer is None:
        one_row_per_customer = id_column is None or not typed[id_column].duplicated().any()
    profiles = tuple(
        _profile(typed[name], name, kinds[name], name == id_column, one_row_per_customer)
        for name in typed.columns
    )
    return TypedTable(typed, Schema(profiles), tuple(notes))


def normalise_name(name: str) -> str:
    """A column name in lower-case words: 'CustomerID' → 'customer id'."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", str(name))
    return " ".join(re.sub(r"[^0-9a-zA-Z]+", " ", spaced).lower().split())


def is_id_name(name: str) -> bool:
    """Whether a column's name says it identifies something (customer id, invoice no, ...)."""
    words = normalise_name(name)
    return bool(_ID_NAME.search(words)) and not re.search(r"zip|post|area|phone|mobile", words)


def _convert_column(raw: pd.Series, name: str) -> tuple[pd.Series, str, str]:
    """Return the typed values of a column, its kind and a note on the conversion."""
    if pd.api.types.is_bool_dtype(raw):
        return raw.astype("boolean"), "boolean", ""
    if pd.api.types.is_datetime64_any_dtype(raw):
        return raw, "datetime", ""
    if pd.api.types.is_numeric_dtype(raw):
        return _convert_numbers(raw, name)
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    stripped = pd.Series(uniques, dtype="string").str.strip()
    stripped = stripped.mask(stripped.str.lower().isin(PLACEHOLDERS))
    merged_codes, cleaned = pd.factorize(stripped, use_na_sentinel=True)
    if len(merged_codes):
        codes = np.where(codes < 0, -1, merged_codes[np.maximum(codes, 0)])
    return _convert_text(codes, pd.Series(cleaned, dtype="string"), name, raw.index)


def _convert_numbers(raw: pd.Series, name: str) -> tuple[pd.Series, str, str]:
    values = pd.to_numeric(raw, errors="coerce")
    present = values.dropna()
    if present.empty:
        return values.astype("Float64"), "empty", ""
    as_text = _integral_text(present)
    if (
        as_text is not None
        and _YMD.match(str(as_text.iloc[0]))
        and _DATE_NAME.search(normalise_name(name))
    ):
        parsed = pd.to_datetime(
            values.astype("Int64").astype("string"), format="%Y%m%d", errors="coerce"
        )
        if parsed.notna().sum() == len(present):
            return parsed, "datetime", f"'{name}' read as dates written as YYYYMMDD numbers."
    if as_text is not None and is_id_name(name):
        return values.astype("Int64").astype("string"), "id", ""
    if set(present.unique()) <= {0, 1} and present.nunique() == 2:
        return values.astype("Int64").astype("boolean"), "boolean", ""
    if as_text is not None:
        return values.astype("Int64"), "numeric", ""
    return values.astype("float64"), "numeric", ""


def _integral_text(present: pd.Series) -> pd.Series | None:
    """The values as integer text when every value is a whole number, else ``None``."""
    if not np.all(np.mod(present.to_numpy(dtype="float64"), 1) == 0):
        return None
    return present.astype("int64").astype("string")


def _convert_text(
    codes: np.ndarray, uniques: pd.Series, name: str, index: pd.Index
) -> tuple[pd.Series, str, str]:
    def expand(converted: pd.Series) -> pd.Series:
        if not len(converted):
            return pd.Series(pd.NA, index=index, dtype=converted.dtype)
        return pd.Series(converted.array.take(codes, allow_fill=True), index=index)

    present = uniques.dropna()
    if present.empty:
        return expand(uniques.astype("string")), "empty", ""
    lowered = set(present.str.lower()) if len(present) <= _FLAG_SPELLINGS else set()
    if lowered <= (_TRUE | _FALSE) and len(lowered) > 1 and lowered & _TRUE and lowered & _FALSE:
        flags = uniques.str.lower().map(lambda v: None if pd.isna(v) else v in _TRUE)
        return expand(flags.astype("boolean")), "boolean", ""
    id_like = is_id_name(name)
    if not id_like:
        dates, note = _parse_dates(uniques, present, name)
        if dates is not None:
            return expand(dates), "datetime", note
        numbers, note = _parse_numbers(uniques, present, name)
        if numbers is not None:
            return expand(numbers), "numeric", note
    if id_like:
        stripped = uniques.str.replace(r"^(\d+)\.0+$", r"\1", regex=True)
        return expand(stripped), "id", ""
    return expand(uniques), _text_or_categorical(present), ""


def _parse_numbers(
    uniques: pd.Series, present: pd.Series, name: str
) -> tuple[pd.Series | None, str]:
    if _surely_not_numbers(present):
        return None, ""
    cleaned = uniques.str.replace(_CURRENCY, "", regex=True).str.replace(
        r"[\s\u00a0']", "", regex=True
    )
    cleaned = cleaned.str.replace(r"^\((.*)\)$", r"-\1", regex=True).str.rstrip("%")
    decimal_comma = cleaned.str.match(_DECIMAL_COMMA).sum()
    thousands = cleaned.str.match(_THOUSANDS).sum()
    if decimal_comma > thousands:
        cleaned = cleaned.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        cleaned = cleaned.str.replace(",", "", regex=False)
    numbers = pd.to_numeric(cleaned, errors="coerce")
    parsed = numbers.notna().sum()
    if parsed < 0.95 * len(present) or parsed == 0:
        return None, ""
    if len(numbers.dropna()) and np.all(np.mod(numbers.dropna().to_numpy(), 1) == 0):
        numbers = numbers.astype("Int64")
    note = ""
    if parsed < len(present):
        bad = present[numbers.loc[present.index].isna()].head(3).tolist()
        note = (
            f"'{name}': {len(present) - parsed} distinct values are not numbers "
            f"(e.g. {', '.join(map(repr, bad))}) and were treated as missing."
        )
    return numbers, note


def _surely_not_numbers(present: pd.Series, sample: int = 200) -> bool:
    """Whether so many of the first distinct values have no digit (so can never be read as a
    number) that the column must miss the 95 % bar anyway: saves parsing long text columns.

    >>> _surely_not_numbers(pd.Series(["Anna", "Ben", "Carla", "7"]))
    True
    >>> _surely_not_numbers(pd.Series(["12", "7", "1,200", "$5", "(3.5)"]))
    False
    """
    head = present.head(sample)
    digitless = ~head.str.contains(r"\d", regex=True) & ~head.str.contains("inf", case=False)
    return int(digitless.sum()) > 0.05 * len(present)


def _parse_dates(uniques: pd.Series, present: pd.Series, name: str) -> tuple[pd.Series | None, str]:
    sample = present.head(500)
    if _YMD.match(str(sample.iloc[0])) and _DATE_NAME.search(normalise_name(name)):
        formats: tuple[str, ...] = ("%Y%m%d",)
    elif sample.str.match(_DATE_SHAPE).mean() < 0.95:
        return None, ""
    elif sample.str.match(r"^\d{4}").mean() >= 0.5:
        formats = _ISO_FORMATS
    else:
        formats = _DAY_FIRST + _MONTH_FIRST
    shares = {
        fmt: pd.to_datetime(sample, format=fmt, errors="coerce").notna().mean() for fmt in formats
    }
    best = max(shares, key=lambda fmt: (shares[fmt], fmt in _MONTH_FIRST))
    if shares[best] < 0.95:
        return None, ""
    parsed = pd.to_datetime(uniques, format=best, errors="coerce")
    if parsed.notna().sum() < 0.95 * len(present):
        return None, ""
    return parsed, _date_note(name, best, shares)


def _date_note(name: str, chosen: str, shares: dict[str, float]) -> str:
    if chosen in _DAY_FIRST or chosen in _MONTH_FIRST:
        rival = _MONTH_FIRST if chosen in _DAY_FIRST else _DAY_FIRST
        order = "day first" if chosen in _DAY_FIRST else "month first"
        if max(shares[f] for f in rival) >= shares[chosen]:
            return (
                f"'{name}': no day above 12 in the data, so day and month cannot be told "
                f"apart; read as {order}. Check a few dates in the preview."
            )
        return f"'{name}' read as dates written {order} (decided from values such as day 13–31)."
    return ""


def _text_or_categorical(present: pd.Series) -> str:
    mean_length = present.str.len().mean()
    return "text" if len(present) > 50 and mean_length >= 25 else "categorical"


def _choose_customer_id(typed: pd.DataFrame, kinds: dict[str, str]) -> str | None:
    candidates = [name for name, kind in kinds.items() if kind == "id"]
    if not candidates:
        return None
    for name in candidates:
        if any(word in normalise_name(name) for word in _CUSTOMER_WORDS):
            return name
    uniques = [name for name in candidates if not typed[name].dropna().duplicated().any()]
    return (uniques or candidates)[0]


def _profile(
    values: pd.Series, name: str, kind: str, is_customer_id: bool, one_row_per_customer: bool
) -> ColumnProfile:
    present = values.dropna()
    n_unique = int(present.nunique())
    missing_share = float(values.isna().mean()) if len(values) else 0.0
    role, note = _suggest_role(
        present, name, kind, is_customer_id, n_unique, missing_share, one_row_per_customer
    )
    contact = normalise_name(name) in _CONTACT_NAMES
    base = "other" if role == "id" or contact else suggest_base(name, present)
    examples = tuple(_example_text(v) for v in present.iloc[:2000].drop_duplicates().head(3))
    return ColumnProfile(name, kind, role, base, missing_share, n_unique, examples, note)


def _suggest_role(
    present: pd.Series,
    name: str,
    kind: str,
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
    if kind == "id":
        return "ignore", "an identifier (of orders or products), not a customer trait"
    if kind == "text":
        return "ignore", "free text: too varied to group customers by"
    if normalise_name(name) in _CONTACT_NAMES:
        return "ignore", "a personal contact detail, not a trait to segment by"
    if missing_share > 0.6:
        return "ignore", f"{missing_share:.0%} of values are missing"
    near_unique = len(present) >= 20 and n_unique >= 0.8 * len(present)
    if one_row_per_customer and near_unique and kind == "categorical":
        return "ignore", "almost every customer has a different value (like a name or email)"
    return "feature", ""


def suggest_base(name: str, present: pd.Series | None = None) -> str:
    """The segmentation base a column most likely belongs to, from its name and values."""
    words = f" {normalise_name(name)} "
    for base in ("psychographic", "demographic", "geographic", "behavioral"):
        if any(_word_in(words, word) for word in _BASE_WORDS[base]):
            return base
    if present is not None and present.dtype == "string":
        lowered = set(present.head(200).str.lower())
        if lowered and len(lowered & _GEO_VALUES) >= max(1, len(lowered) // 2):
            return "geographic"
    return "other"


def _word_in(padded_name: str, word: str) -> bool:
    if word.endswith("ab"):  # stems such as "sustainab" match the start of a word
        return f" {word}" in padded_name
    return f" {word} " in padded_name


def _example_text(value: object) -> str:
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else str(value)
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return str(value)
