"""Two files, one customer table: a profile file joined to the customers of an orders file.

A profile file (a CRM, an e-mail tool: demographics, consent, tags; one row per person) and an
orders file (behaviour, aggregated to one row per customer) describe the same customers under a
shared key: an e-mail address or a customer id. The join matches them on that key, e-mails
trimmed and case-folded, ids compared as trimmed text, and keeps every customer of either file:

* a profile without orders gets an order count and net spend of 0 (the orders file is the
  whole purchase history, so no orders there means none), and no recency, tenure or dates
  (there is no order to count from);
* a customer with orders but no profile is kept with blank profile fields (a buyer is a
  customer even when the e-mail tool does not know them).

Keys repeated within one file (the same e-mail in two spellings) keep one row, the first
profile and the buyer with the most orders, and are counted in the :class:`MatchReport`. Which
columns are the keys is read from the columns' meanings (``email``, ``customer_key``), the pair
whose values overlap most winning; the user can choose others.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from segmentation.data.dataset import CustomerData, DataSource, QualityReport, with_schema
from segmentation.data.orders import Exclusion, OrdersSummary
from segmentation.data.schema import ColumnProfile, Schema
from segmentation.errors import JoinError

MAX_EXAMPLES = 5
KEY_MEANINGS = ("customer_key", "email")
ORDERS_SUFFIX = " (orders)"
NO_ORDER_ZEROS = ("frequency", "monetary")  # measures that are 0, not unknown, without orders
# the reason customers_from_table gives a generated row number: it identifies nothing in the
# other file, so it is dropped from a joined table
_NUMBERED_ROWS = "no column of the file identifies customers"


@dataclass(frozen=True)
class JoinKeys:
    """The key column of each side: ``profiles`` in the profile table, ``orders`` in the table
    aggregated from orders."""

    profiles: str
    orders: str

    def to_dict(self) -> dict[str, str]:
        """JSON-friendly form (links and project files)."""
        return {"profiles": self.profiles, "orders": self.orders}

    @classmethod
    def from_dict(cls, values: dict[str, object]) -> JoinKeys:
        """The keys saved by :meth:`to_dict`."""
        return cls(str(values["profiles"]), str(values["orders"]))


@dataclass(frozen=True)
class KeyCount:
    """How many keys fall in one outcome of a join, with up to five of them."""

    count: int
    examples: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """JSON-friendly form."""
        return {"count": self.count, "examples": list(self.examples)}


@dataclass(frozen=True)
class MatchReport:
    """Which customers of the two files found each other.

    ``matched``: keys in both files; ``only_profiles`` / ``only_orders``: keys in one file only
    (kept); ``duplicate_profiles`` / ``duplicate_orders``: rows sharing a key with an earlier row
    of the same file (one row per key kept); ``no_key_profiles``: profile rows without a key
    (left out). ``fold_case``: whether keys were compared case-insensitively (e-mails).
    """

    profiles_name: str
    orders_name: str
    keys: JoinKeys
    fold_case: bool
    matched: KeyCount
    only_profiles: KeyCount
    only_orders: KeyCount
    duplicate_profiles: KeyCount
    duplicate_orders: KeyCount
    no_key_profiles: KeyCount = KeyCount(0)

    @property
    def n_customers(self) -> int:
        """Customers of the joined table: matched plus those found in one file only."""
        return self.matched.count + self.only_profiles.count + self.only_orders.count

    def to_dict(self) -> dict[str, object]:
        """JSON-friendly form (the command line's report)."""
        return {
            "profiles": self.profiles_name,
            "orders": self.orders_name,
            "keys": self.keys.to_dict(),
            "case_insensitive": self.fold_case,
            "matched": self.matched.to_dict(),
            "only_in_profiles": self.only_profiles.to_dict(),
            "only_in_orders": self.only_orders.to_dict(),
            "duplicate_keys_in_profiles": self.duplicate_profiles.to_dict(),
            "duplicate_keys_in_orders": self.duplicate_orders.to_dict(),
            "profiles_without_key": self.no_key_profiles.to_dict(),
            "customers": self.n_customers,
        }


@dataclass(frozen=True)
class JoinedCustomers:
    """The joined customer table and how its two files matched."""

    data: CustomerData
    match: MatchReport


def join_sides(first: CustomerData, second: CustomerData) -> tuple[CustomerData, CustomerData]:
    """The two tables as (profiles, orders): the one made from orders is the orders side, the
    other the profiles; two alike keep their order."""
    if first.source.from_orders and not second.source.from_orders:
        return second, first
    return first, second


def key_candidates(data: CustomerData) -> tuple[str, ...]:
    """Columns that can identify a customer across files: the id column (unless it only numbers
    rows) and every column meaning a customer key or an e-mail."""
    names = [
        c.name
        for c in data.schema.columns
        if (c.role == "id" or c.meaning in KEY_MEANINGS) and not _numbered_rows(c)
    ]
    id_column = data.schema.id_column
    if id_column in names:
        names.remove(id_column)
        names.insert(0, id_column)
    return tuple(names)


def _numbered_rows(column: ColumnProfile) -> bool:
    return column.meaning_reason.startswith(_NUMBERED_ROWS)


def normalised_keys(values: pd.Series, fold_case: bool) -> pd.Series:
    """Keys as comparable text: trimmed, blanks missing, whole numbers without '.0', and
    lower-cased when ``fold_case`` (e-mails)."""
    if pd.api.types.is_float_dtype(values):
        present = values.dropna()
        if np.all(np.mod(present.to_numpy(dtype="float64"), 1) == 0):
            values = values.astype("Int64")
    text = values.astype("string").str.strip()
    text = text.mask(text == "")
    return text.str.lower() if fold_case else text


def is_email_key(data: CustomerData, column: str) -> bool:
    """Whether a key column holds e-mail addresses (its meaning, or most of its values)."""
    if data.schema.column(column).meaning == "email":
        return True
    sample = data.customers[column].dropna().astype("string").head(200)
    return bool(len(sample)) and float(sample.str.contains("@", regex=False).mean()) > 0.5


def suggest_keys(profiles: CustomerData, orders: CustomerData) -> JoinKeys:
    """The pair of key columns whose values overlap most (meanings breaking ties: e-mail with
    e-mail, id with id).

    Raises :class:`JoinError` when a side has no column that can identify customers.
    """
    sides = {profiles.source.name: profiles, orders.source.name: orders}
    for name, data in sides.items():
        if not key_candidates(data):
            raise JoinError(
                f"'{name}' has no column that identifies customers (a customer id or an e-mail), "
                "so it cannot be joined to another file. Export it with the customers' e-mail "
                "addresses or ids, or set a column's meaning to 'customer key' on the Data page."
            )
    scored = []
    for i, left in enumerate(key_candidates(profiles)):
        for j, right in enumerate(key_candidates(orders)):
            alike = profiles.schema.column(left).meaning == orders.schema.column(right).meaning
            overlap = _overlap(profiles, left, orders, right)
            scored.append(((overlap, alike, -i, -j), JoinKeys(left, right)))
    return max(scored, key=lambda item: item[0])[1]


def _overlap(profiles: CustomerData, left: str, orders: CustomerData, right: str) -> int:
    fold = is_email_key(profiles, left) or is_email_key(orders, right)
    ours = normalised_keys(profiles.customers[left], fold).dropna().unique()
    theirs = normalised_keys(orders.customers[right], fold).dropna().unique()
    return int(pd.Index(ours).isin(theirs).sum())


def join_customers(
    profiles: CustomerData, orders: CustomerData, keys: JoinKeys | None = None
) -> JoinedCustomers:
    """One customer table from a profile table and a table aggregated from orders.

    Every profile column is kept with its meaning and role, followed by the order measures
    (behavioural) and the columns carried from the orders; the key column comes first and
    identifies the customers. Profiles without orders get an order count and net spend of 0
    and no recency; customers with orders but no profile keep blank profile fields. The orders
    summary follows the joined keys, so predictions work on the joined table.

    Raises :class:`JoinError` when the files have no key in common, with examples of both.

    Examples
    --------
    >>> from segmentation.data.dataset import customers_from_table
    >>> from segmentation.data.loading import load_table
    >>> profile = "email,age\\n" + "".join(f"P{i}@Shop.com,{30 + i}\\n" for i in range(12))
    >>> buyers = "email,orders\\n" + "".join(f"p{i}@shop.com ,{i}\\n" for i in range(6, 20))
    >>> a = customers_from_table(load_table(profile.encode(), "profiles.csv"))
    >>> b = customers_from_table(load_table(buyers.encode(), "buyers.csv"))
    >>> joined = join_customers(a, b)
    >>> joined.match.matched.count, joined.match.only_profiles.count, joined.match.n_customers
    (6, 6, 20)
    >>> joined.data.source.name
    'profiles.csv + buyers.csv'
    """
    keys = keys or suggest_keys(profiles, orders)
    _check_key(profiles, keys.profiles)
    _check_key(orders, keys.orders)
    fold = is_email_key(profiles, keys.profiles) or is_email_key(orders, keys.orders)
    left, no_key, left_repeats = _unique_rows(profiles, keys.profiles, fold, by_orders=False)
    right, _, right_repeats = _unique_rows(orders, keys.orders, fold, by_orders=True)
    both = left.index.intersection(right.index)
    if both.empty:
        raise JoinError(_no_match_message(profiles, orders, keys, left.index, right.index))
    match = MatchReport(
        profiles.source.name,
        orders.source.name,
        keys,
        fold,
        _count(both),
        _count(left.index.difference(right.index, sort=False)),
        _count(right.index.difference(left.index, sort=False)),
        left_repeats,
        right_repeats,
        no_key,
    )
    frame = _joined_frame(left, right, keys)
    data = _joined_data(profiles, orders, frame, match)
    return JoinedCustomers(data, match)


def _check_key(data: CustomerData, column: str) -> None:
    if column not in data.schema.names:
        raise JoinError(
            f"'{data.source.name}' has no column '{column}' to join on. Choose one of: "
            f"{', '.join(key_candidates(data)) or ', '.join(data.schema.names)}."
        )


def _unique_rows(
    data: CustomerData, column: str, fold: bool, by_orders: bool
) -> tuple[pd.DataFrame, KeyCount, KeyCount]:
    """The table indexed by its normalised key, one row per key (the first profile; the buyer
    with the most orders), with the rows without a key and the repeated keys counted."""
    frame = data.customers
    key = normalised_keys(frame[column], fold)
    missing = key.isna()
    frame, key = frame.loc[~missing], key.loc[~missing]
    if by_orders and "frequency" in frame.columns:
        most_orders_first = frame["frequency"].fillna(0).sort_values(ascending=False, kind="stable")
        repeated = key.loc[most_orders_first.index].duplicated().reindex(key.index)
    else:
        repeated = key.duplicated()
    kept = frame.loc[~repeated].set_axis(pd.Index(key.loc[~repeated], dtype="string"))
    repeats = _count(pd.Index(key.loc[repeated].unique()), int(repeated.sum()))
    return kept, KeyCount(int(missing.sum())), repeats


def _count(keys: pd.Index, count: int | None = None) -> KeyCount:
    examples = tuple(str(k) for k in keys[:MAX_EXAMPLES])
    return KeyCount(len(keys) if count is None else count, examples)


def _joined_frame(left: pd.DataFrame, right: pd.DataFrame, keys: JoinKeys) -> pd.DataFrame:
    """Profile columns, then the orders' (a name both use gets ' (orders)'), one row per key:
    profiles in their order, then buyers without a profile; the key column first."""
    order = left.index.append(right.index.difference(left.index, sort=False))
    written = left[keys.profiles].astype("string").str.strip()
    buyers = right[keys.orders].astype("string").str.strip()
    key_values = written.reindex(order).fillna(buyers.reindex(order))
    right = right.drop(columns=keys.orders)
    right = right.rename(columns={c: f"{c}{ORDERS_SUFFIX}" for c in right if c in left.columns})
    profile_part = left.drop(columns=keys.profiles).reindex(order)
    orders_part = right.reindex(order)
    has_no_orders = ~order.isin(right.index)
    for name in NO_ORDER_ZEROS:
        if name in orders_part:
            orders_part[name] = orders_part[name].mask(has_no_orders, 0)
    frame = pd.concat([key_values.rename(keys.profiles), profile_part, orders_part], axis=1)
    return frame.reset_index(drop=True)


def _joined_data(
    profiles: CustomerData, orders: CustomerData, frame: pd.DataFrame, match: MatchReport
) -> CustomerData:
    frame = frame.drop(columns=[c for c in _numbered(profiles) if c in frame.columns])
    schema = _joined_schema(profiles, orders, frame, match.keys)
    source = DataSource(
        "upload",
        f"{profiles.source.name} + {orders.source.name}",
        f"{profiles.source.file_name} + {orders.source.file_name}",
        combined_sha256(profiles.source.content_sha256, orders.source.content_sha256, match.keys),
    )
    report = QualityReport(
        profiles.report.n_rows + orders.report.n_rows,
        len(frame),
        len(schema.columns),
        _notes(profiles, orders, match),
        _exclusions(profiles, orders, match),
        (),
    )
    summary = orders.orders
    if summary is not None:
        summary = _summary_on_joined_keys(summary, orders, match, frame)
    data = CustomerData(frame, schema, report, source, summary)
    return with_schema(data, schema)  # checks the one id column and recomputes the warnings


def _numbered(data: CustomerData) -> list[str]:
    return [c.name for c in data.schema.columns if _numbered_rows(c)]


def combined_sha256(profiles_sha256: str, orders_sha256: str, keys: JoinKeys) -> str:
    """The content hash of a joined table: both files' hashes and the key columns."""
    payload = f"{profiles_sha256}{orders_sha256}{keys.profiles}\x00{keys.orders}"
    return hashlib.sha256(payload.encode()).hexdigest()


def _joined_schema(
    profiles: CustomerData, orders: CustomerData, frame: pd.DataFrame, keys: JoinKeys
) -> Schema:
    """The profile's column profiles, then the orders', with the joined table's missing shares
    and counts; the key column is the only id."""
    known = {c.name: c for c in orders.schema.columns if c.name != keys.orders}
    known |= {f"{c.name}{ORDERS_SUFFIX}": replace(c, name=f"{c.name}{ORDERS_SUFFIX}", label="")
              for c in orders.schema.columns if c.name in profiles.schema.names}  # fmt: skip
    known |= {c.name: c for c in profiles.schema.columns}
    columns = []
    for name in frame.columns:
        column = known[name]
        values = frame[name]
        column = replace(
            column, missing_share=float(values.isna().mean()), n_unique=int(values.nunique())
        )
        if name == keys.profiles:
            column = replace(column, role="id", base="other", note="identifies each customer "
                             "in both files (the join key)")  # fmt: skip
        elif column.role == "id":
            column = replace(column, role="ignore", note="an identifier, not a customer trait")
        columns.append(column)
    return Schema(tuple(columns))


def _notes(profiles: CustomerData, orders: CustomerData, match: MatchReport) -> tuple[str, ...]:
    how = "e-mails compared trimmed and case-insensitively" if match.fold_case else (
        "ids compared as trimmed text")  # fmt: skip
    notes = [
        f"Joined {profiles.source.name} ('{match.keys.profiles}') and {orders.source.name} "
        f"('{match.keys.orders}'), {how}: {match.matched.count:,} customers matched, "
        f"{match.only_profiles.count:,} only in the profiles, {match.only_orders.count:,} only "
        "in the orders."
    ]
    if match.only_profiles.count:
        notes.append(
            f"{match.only_profiles.count:,} customers have a profile but no orders: their order "
            "count and net spend are 0, and recency, tenure and order dates are blank."
        )
    if match.only_orders.count:
        notes.append(
            f"{match.only_orders.count:,} customers have orders but no profile: they are kept, "
            "with blank profile fields."
        )
    notes += [f"{profiles.source.name}: {note}" for note in profiles.report.read_notes]
    notes += [f"{orders.source.name}: {note}" for note in orders.report.read_notes]
    return tuple(notes)


def _exclusions(
    profiles: CustomerData, orders: CustomerData, match: MatchReport
) -> tuple[Exclusion, ...]:
    found = [replace(e, reason=f"{profiles.source.name}: {e.reason}")
             for e in profiles.report.exclusions]  # fmt: skip
    found += [replace(e, reason=f"{orders.source.name}: {e.reason}")
              for e in orders.report.exclusions]  # fmt: skip
    joined = (
        (match.no_key_profiles, f"{profiles.source.name}: rows without a '{match.keys.profiles}'"),
        (match.duplicate_profiles, f"{profiles.source.name}: repeated '{match.keys.profiles}' "
         "(the first row of each was kept)"),
        (match.duplicate_orders, f"{orders.source.name}: repeated '{match.keys.orders}' (the "
         "customer with the most orders was kept)"),
    )  # fmt: skip
    found += [Exclusion(reason, count.count) for count, reason in joined if count.count]
    return tuple(found)


def _summary_on_joined_keys(
    summary: OrdersSummary, orders: CustomerData, match: MatchReport, frame: pd.DataFrame
) -> OrdersSummary:
    """The orders summary with its customers named by the joined table's key values, so the
    per-order history (predictions) finds its customers."""
    key = match.keys.profiles
    joined_id = pd.Series(
        frame[key].to_numpy(), index=normalised_keys(frame[key], match.fold_case).to_numpy()
    )
    ids = orders.customers[orders.id_column].astype("string")
    keys = normalised_keys(orders.customers[match.keys.orders], match.fold_case)
    id_of = pd.Series(keys.map(joined_id).to_numpy(), index=ids.to_numpy())
    id_of = id_of[~id_of.index.duplicated()]
    customers = summary.customers.set_axis(
        pd.Index(summary.customers.index.astype("string").map(id_of), name=key)
    )
    per_order = summary.orders
    if per_order is not None:
        per_order = per_order.assign(
            customer=per_order["customer"].astype("string").map(id_of).astype("string")
        )
    return replace(summary, customers=customers, orders=per_order)


def _no_match_message(
    profiles: CustomerData, orders: CustomerData, keys: JoinKeys, ours: pd.Index, theirs: pd.Index
) -> str:
    """Why two files share no key: examples of each side's keys and what to check."""
    left = ", ".join(repr(str(k)) for k in ours[:3]) or "no values"
    right = ", ".join(repr(str(k)) for k in theirs[:3]) or "no values"
    kinds = (_key_kind(profiles, keys.profiles), _key_kind(orders, keys.orders))
    check = "that both columns hold the same kind of key"
    if kinds[0] != kinds[1]:
        check = (
            f"the key columns: one side holds {kinds[0]} and the other {kinds[1]}. Choose key "
            "columns that hold the same thing, or export both files with the customers' "
            "e-mail addresses (or both with the same customer ids)"
        )
    return (
        f"No customer of '{profiles.source.name}' matches one of '{orders.source.name}': "
        f"'{keys.profiles}' holds e.g. {left} and '{keys.orders}' holds e.g. {right}. Check "
        f"{check}, and that both files are exports of the same shop or audience."
    )


def _key_kind(data: CustomerData, column: str) -> str:
    if is_email_key(data, column):
        return "e-mail addresses"
    sample = data.customers[column].dropna().astype("string").str.strip().head(200)
    if len(sample) and bool(sample.str.fullmatch(r"\d+").all()):
        return "numeric ids"
    return "text ids"
