"""Who the customer is in an orders file: the column that keys customers, and its values.

A customer id named as one comes first; without one, the e-mail address (trimmed and
lower-cased) keys customers. An order id or number, a status, a country, a currency or a
person's name is never chosen, and a phone number keys guests without e-mail only when the
user agrees. :func:`choose_customer_key` says what it chose and why, and why the other
candidates were not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from segmentation.data.schema import Schema, TypedTable
from segmentation.data.words import spelled_out

KEY_NAMES = re.compile(
    r"\b(customer|client|member|user|account|buyer|shopper|subscriber|patron|guest|contact|"
    r"cardholder|person|profile)\b"
)
EMAIL_NAME = re.compile(r"\be ?-?mail\b")
# meanings that never key customers, and why not
REFUSED = {
    "order_key": "it identifies orders, not customers",
    "order_status": "it is an order status",
    "country": "it is a country",
    "region": "it is a region",
    "person_name": "a person's name is not unique to one customer",
    "currency": "it is a currency",
    "internal_id": "it is a platform's internal id of a record",
    "phone": "a phone number keys guests only when you agree (the orders form's phone box)",
    "order_date": "it is a date",
    "postcode": "it is a postcode",
}
KEY_KINDS = frozenset({"id", "categorical", "text", "numeric"})


@dataclass(frozen=True)
class KeyChoice:
    """The column chosen to key customers (``None``: none fits), why, and for every other
    candidate column why it was not chosen."""

    column: str | None
    reason: str
    rejected: tuple[tuple[str, str], ...] = ()

    def rejected_text(self) -> str:
        """The rejected candidates in one phrase: ``'Name' (it identifies orders, …)``."""
        return "; ".join(f"'{name}' ({why})" for name, why in self.rejected) or "none"


def choose_customer_key(table: TypedTable) -> KeyChoice:
    """The column that identifies customers in an orders file, and why.

    Examples
    --------
    >>> from segmentation.data.schema import infer_schema
    >>> raw = pd.DataFrame({"Name": ["#1001", "#1002", "#1003"], "Email": ["A@x.com", "a@x.com",
    ...                     "b@y.org"], "Created at": ["2024-01-01", "2024-01-02", "2024-01-03"]})
    >>> choice = choose_customer_key(infer_schema(raw))
    >>> choice.column, choice.rejected_text()
    ('Email', "'Name' (it identifies orders, not customers)")
    """
    schema, frame = table.schema, table.frame
    rejected = _rejected(schema)
    keys = [c for c in schema.columns if c.meaning == "customer_key"]
    for column in keys:
        if KEY_NAMES.search(spelled_out(column.name)) or "customer id" in column.meaning_reason:
            why = f"name '{column.name}' says it identifies customers"
            return KeyChoice(column.name, why, rejected)
    emails = sorted(schema.of_meaning("email"), key=lambda name: frame[name].isna().sum())
    if emails:
        return KeyChoice(
            emails[0],
            f"there is no customer-id column, so the e-mail address in '{emails[0]}' (trimmed, "
            "lower-case) identifies customers",
            rejected,
        )
    order_keys = schema.of_meaning("order_key")
    for column in keys:
        if _one_per_order(frame, column.name, order_keys):
            rejected += ((column.name, "it has one value per order, like an order id"),)
            continue
        return KeyChoice(column.name, column.meaning_reason or "an id column", rejected)
    return KeyChoice(None, "", rejected)


def _rejected(schema: Schema) -> tuple[tuple[str, str], ...]:
    return tuple(
        (c.name, REFUSED[c.meaning])
        for c in schema.columns
        if c.meaning in REFUSED and (c.kind == "id" or c.meaning in _KEYISH)
    )


_KEYISH = frozenset({"order_key", "person_name", "internal_id", "phone"})


def _one_per_order(frame: pd.DataFrame, name: str, order_keys: tuple[str, ...]) -> bool:
    """Whether a column takes one value per order of an order-key column (an order id
    under another name)."""
    values = frame[name]
    for key in order_keys:
        pairs = frame[[name, key]].dropna()
        n_orders = pairs[key].nunique()
        if len(pairs) and n_orders == len(pairs.drop_duplicates()) == values.nunique():
            return True
    return False


def is_email_key(frame: pd.DataFrame, name: str, schema: Schema | None = None) -> bool:
    """Whether the customer key column holds e-mail addresses (by meaning, name or values)."""
    if name not in frame:
        return False
    if schema is not None and name in schema.names and schema.column(name).meaning == "email":
        return True
    if EMAIL_NAME.search(spelled_out(name)):
        return True
    head = frame[name].dropna().head(200).astype("string")
    return len(head) > 0 and float(head.str.contains("@", regex=False).mean()) >= 0.9


def email_keys(values: pd.Series) -> pd.Series:
    """E-mail addresses as keys: trimmed and lower-case (blank: missing).

    >>> email_keys(pd.Series([" Ann@Example.COM", "ann@example.com ", ""])).tolist()
    ['ann@example.com', 'ann@example.com', <NA>]
    """
    codes, uniques = pd.factorize(values.astype("string"), use_na_sentinel=True)
    keys = pd.Series(uniques, dtype="string").str.strip().str.casefold()  # once per address
    keys = keys.mask(keys == "")
    return pd.Series(keys.array.take(codes, allow_fill=True), index=values.index, name=values.name)


def phone_keys(values: pd.Series) -> pd.Series:
    """Phone numbers as keys: their digits, with a leading + when written with one (blank or
    digit-less: missing).

    >>> phone_keys(pd.Series(["+44 20 7946-0958", "(555) 010 1234", "n/a"])).tolist()
    ['+442079460958', '5550101234', <NA>]
    """
    text = values.astype("string").str.strip()
    digits = text.str.replace(r"\D+", "", regex=True)
    keys = digits.where(~text.str.startswith("+").fillna(False), "+" + digits)
    return keys.mask(digits.fillna("") == "")
