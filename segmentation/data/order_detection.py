"""Recognising an orders file and suggesting its column mapping from the columns' meanings.

:func:`detect_orders` fills every field of :class:`OrderColumns` it can: the customer key
(:mod:`.customer_keys`), the order date, the amount (or quantity × unit price), the order id,
the status, refunded-amount, test-flag and currency columns, and whether the amount is per line
or the order's total. :func:`candidate_columns` lists every column that could be the order date
or the amount, so the Data page can ask the user to confirm when there are two.
"""

from __future__ import annotations

import re

from segmentation.data.currencies import file_currency_shares
from segmentation.data.customer_keys import choose_customer_key, email_keys, is_email_key
from segmentation.data.order_columns import OrderColumns
from segmentation.data.schema import Schema, TypedTable
from segmentation.data.words import normalise_name, spelled_out
from segmentation.errors import AggregationError

MAX_CARRIED_LEVELS = 100
_AMOUNT = re.compile(r"\b(amount|total|revenue|sales|value|spend|spent|paid|net|gross|sum)\b")
_NOT_AMOUNT = re.compile(
    r"\b(tax|taxes|shipping|discount|fee|fees|duties|outstanding|compare|tip|cost|refund|"
    r"refunded|refunds|disputed?)\b"
)
_QUANTITY = re.compile(r"\b(quantity|qty|units|items|count|number of \w+|pieces)\b")
_UNIT_PRICE = re.compile(r"\b(unit price|price|unit cost|rate)\b")
_ORDER_ID = re.compile(r"\b(invoice|order|transaction|receipt|basket|ticket|txn)\b")
_ORDER_DATE = re.compile(r"\b(invoice|order|purchase|transaction|sale|date)\b")
_CONVERTED = re.compile(r"\bconverted\b")
_STATUS_FIRST = re.compile(r"\b(financial|payment)\b|^(order )?status$")
_AMOUNT_MEANINGS = ("order_total", "line_amount", "customer_value")
_REPEATED_MIN_ORDERS = 3  # multi-line orders needed to call a repeated amount the order's total


def detect_orders(table: TypedTable) -> OrderColumns | None:
    """Suggest an order-column mapping when the table looks like orders, else ``None``.

    A table is orders-like when its customer key (a customer id, else an e-mail address)
    repeats across rows and it has a date column: a file keyed per order, with a repeating
    e-mail, is orders too. Raises :class:`AggregationError` when the table has an order key and
    dates but no column can identify customers.
    """
    schema, frame = table.schema, table.frame
    choice = choose_customer_key(table)
    dates = candidate_columns(table)["order_date"]
    if choice.column is None:
        if schema.of_meaning("order_key") and dates:
            raise AggregationError(_no_key_message(choice))
        return None
    key = frame[choice.column].dropna()
    if is_email_key(frame, choice.column, schema):
        key = email_keys(key).dropna()
    if not dates or not key.duplicated().any():
        return None
    return _suggest(table, choice.column, dates[0])


def _no_key_message(choice) -> str:
    return (
        "This file looks like orders, but no column can identify customers: there is no "
        "customer-id or e-mail column. Columns considered: "
        f"{choice.rejected_text()}. Export the orders with the customer's id or e-mail address "
        "(most shops have an option for it), then upload the file again."
    )


def _suggest(table: TypedTable, customer_id: str, order_date: str) -> OrderColumns:
    schema = table.schema
    candidates = candidate_columns(table)
    order_id = _order_id(schema, customer_id)
    currency, converted = _currency(table, order_id)
    amounts = [a for a in candidates["amount"] if a != customer_id]
    amount = _amount(amounts, converted)
    quantity = unit_price = None
    if amount is None:
        quantity = _pick(schema, _QUANTITY, kinds=("numeric",))
        unit_price = _pick(schema, _UNIT_PRICE, kinds=("numeric",))
        if quantity is None or unit_price is None:
            amount = _pick(schema, _AMOUNT, exclude=(customer_id,)) or next(
                (c.name for c in schema.columns if c.kind == "numeric"), None
            )
            quantity = unit_price = None
    refund = _first(schema, "refund_amount", prefer=_CONVERTED if converted else None)
    status = _first(schema, "order_status", prefer=_STATUS_FIRST)
    test_flag = _first(schema, "test_order")
    used = {customer_id, order_date, amount, quantity, unit_price, order_id, status, refund,
            test_flag, currency}  # fmt: skip
    only = None
    if currency is not None:
        shares = file_currency_shares(table.frame, currency, order_id)
        only = shares[0][0] if len(shares) == 1 else None
    return OrderColumns(
        customer_id,
        order_date,
        amount,
        quantity,
        unit_price,
        order_id,
        default_carried(table, used | set(schema.of_meaning("currency"))),
        status=status,
        refund=refund,
        test_flag=test_flag,
        currency=currency,
        only_currency=only,
        amount_per=amount_per(table, amount, order_id),
    )


def candidate_columns(table: TypedTable) -> dict[str, tuple[str, ...]]:
    """The columns that could be the customer key, the order date and the amount, best first
    (the first is what :func:`detect_orders` suggests)."""
    schema = table.schema
    choice = choose_customer_key(table)
    return {
        "customer_id": (choice.column,) if choice.column else (),
        "order_date": _date_candidates(schema),
        "amount": _amount_candidates(schema),
    }


def _date_candidates(schema: Schema) -> tuple[str, ...]:
    dates = [c for c in schema.columns if c.kind == "datetime"]
    named = [c.name for c in dates if c.meaning == "order_date"]
    if named:
        return tuple(named)
    ordered = sorted(dates, key=lambda c: not _ORDER_DATE.search(normalise_name(c.name)))
    return tuple(c.name for c in ordered if c.meaning != "signup_date") or tuple(
        c.name for c in ordered
    )


def _amount_candidates(schema: Schema) -> tuple[str, ...]:
    numeric = [c for c in schema.columns if c.kind == "numeric" and c.role != "id"]
    by_meaning = [c for c in numeric if c.meaning in _AMOUNT_MEANINGS]
    if not by_meaning:
        by_meaning = [
            c
            for c in numeric
            if _AMOUNT.search(normalise_name(c.name))
            and not _NOT_AMOUNT.search(spelled_out(c.name))
        ]
    ranked = sorted(by_meaning, key=lambda c: _amount_rank(c.name, c.meaning))
    return tuple(c.name for c in ranked)


def _amount_rank(name: str, meaning: str) -> tuple[int, int, int]:
    words = spelled_out(name)
    exact = words in ("total", "amount", "order total", "total amount", "order total amount")
    return (
        bool(_CONVERTED.search(words)),
        meaning == "customer_value",
        0 if exact else 1 if re.search(r"\b(total|amount)\b", words) else 2,
    )


def _amount(amounts: list[str], converted: bool) -> str | None:
    if converted:
        return next((a for a in amounts if _CONVERTED.search(spelled_out(a))), None)
    return amounts[0] if amounts else None


def _currency(table: TypedTable, order_id: str | None) -> tuple[str | None, bool]:
    """The currency column, and whether a converted-amount column in one currency is used
    instead of amounts in several (Stripe's "Converted Amount" and "Converted Currency")."""
    names = table.schema.of_meaning("currency")
    if not names:
        return None, False
    plain = [n for n in names if not _CONVERTED.search(spelled_out(n))]
    converted = [n for n in names if _CONVERTED.search(spelled_out(n))]
    first = (plain or converted)[0]
    several = plain and converted and len(file_currency_shares(table.frame, first, order_id)) > 1
    if several and len(file_currency_shares(table.frame, converted[0], order_id)) == 1:
        return converted[0], True
    return first, False


def amount_per(table: TypedTable, amount: str | None, order_id: str | None) -> str:
    """ "order" when the amount is each order's total, given on its first line only (later
    lines blank) or repeated on every line; "line" when the lines' amounts add up."""
    if amount is None or order_id is None:
        return "line"
    frame = table.frame
    orders = frame[order_id].astype("string")
    sizes = orders.map(orders.value_counts())
    multi = (sizes > 1).to_numpy()
    if not multi.any():
        return "line"
    values, groups = frame[amount].loc[multi], orders.loc[multi]
    later = groups.duplicated().to_numpy()
    if values.loc[later].isna().all() and values.loc[~later].notna().any():
        return "order"  # Shopify: the order's fields on its first line only
    repeated = values.groupby(groups, sort=False).nunique(dropna=True).le(1).all()
    meaning = table.schema.column(amount).meaning if amount in table.schema.names else ""
    n_multi = int(groups.nunique())
    named = re.search(r"\b(order|total)\b", spelled_out(amount))
    if repeated and meaning != "line_amount" and (n_multi >= _REPEATED_MIN_ORDERS or named):
        return "order"  # export plugins repeat the order total on every product line
    return "line"


def _order_id(schema: Schema, customer_id: str) -> str | None:
    keys = [n for n in schema.of_meaning("order_key") if n != customer_id]
    if keys:
        return keys[0]
    return _pick(schema, _ORDER_ID, kinds=("id", "categorical", "numeric"), exclude=(customer_id,))


def _first(schema: Schema, meaning: str, prefer: re.Pattern[str] | None = None) -> str | None:
    names = list(schema.of_meaning(meaning))
    if prefer is not None:
        names.sort(key=lambda name: not prefer.search(spelled_out(name)))
    return names[0] if names else None


def default_carried(table: TypedTable, used: set[str | None]) -> tuple[str, ...]:
    """Categorical columns worth keeping per customer as their most frequent value."""
    return tuple(
        c.name
        for c in table.schema.columns
        if c.kind in ("categorical", "boolean")
        and c.name not in used
        and 1 < c.n_unique <= MAX_CARRIED_LEVELS
        and not _order_level(c.meaning)
    )


def _order_level(meaning: str) -> bool:
    return meaning in ("order_status", "test_order", "order_key", "email", "phone")


def _pick(
    schema: Schema,
    pattern: re.Pattern[str],
    kinds: tuple[str, ...] | None = None,
    exclude: tuple[str, ...] = (),
) -> str | None:
    for column in schema.columns:
        if column.name in exclude or (kinds is not None and column.kind not in kinds):
            continue
        if pattern.search(normalise_name(column.name)):
            return column.name
    return None
