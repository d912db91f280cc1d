"""Turning a file of orders or line items into one row per customer (RFM and friends).

The mapping (:class:`OrderColumns`) says which column holds what; :mod:`.order_detection`
suggests it. Order-level fields (status, currency, refund, an order total) are read once per
order (:mod:`.purchases`), what counts as a purchase is decided by the status vocabulary and the
test flag, and amounts in several currencies are never added up silently (:mod:`.currencies`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from segmentation.data.currencies import (
    CurrencyPlan,
    convert,
    currency_codes_of,
    plan_currency,
)
from segmentation.data.customer_keys import email_keys, is_email_key, phone_keys
from segmentation.data.dates import read_dates
from segmentation.data.line_codes import first_positions, line_orders, most_frequent, row_classes
from segmentation.data.order_columns import AMOUNT_PER, Exclusion, OrderColumns
from segmentation.data.order_detection import (
    MAX_CARRIED_LEVELS,
    amount_per,
    candidate_columns,
    default_carried,
    detect_orders,
)
from segmentation.data.purchases import (
    flagged_as_test,
    once_per_order,
    order_firsts,
    status_words,
)
from segmentation.data.schema import TypedTable
from segmentation.errors import AggregationError

__all__ = [
    "CUSTOMER_COLUMNS",
    "MAX_CARRIED_LEVELS",
    "ORDER_COLUMNS",
    "Exclusion",
    "OrderColumns",
    "OrdersSummary",
    "aggregate_orders",
    "amount_per",
    "candidate_columns",
    "default_carried",
    "detect_orders",
    "exclude_unusable",
    "order_lines",
    "orders_from_lines",
]

CUSTOMER_COLUMNS = (
    "recency_days",
    "frequency",
    "monetary",
    "avg_order_value",
    "tenure_days",
    "days_between_orders",
    "return_rate",
    "first_order",
    "last_order",
)
ORDER_COLUMNS = ("customer", "date", "value")  # customer key as text, order time, net amount
ORDER_FIELDS = ("status", "test", "currency", "refund")  # read once per order, when mapped


@dataclass(frozen=True)
class OrdersSummary:
    """Customers aggregated from orders, with what was left out and the period covered.

    ``orders`` is the per-order table the customers were aggregated from (:data:`ORDER_COLUMNS`:
    one row per order, returns included as negative values), for the stages that read single
    orders (predictions); it is derived from the source, so it is never part of a cache key.
    ``currency`` is the analysis currency (``None``: the file names none) and
    ``currency_shares`` each currency's share of the file's orders, before any exclusion.
    """

    customers: pd.DataFrame
    n_lines: int
    n_orders: int
    exclusions: tuple[Exclusion, ...]
    period_start: pd.Timestamp
    period_end: pd.Timestamp
    notes: tuple[str, ...] = ()
    orders: pd.DataFrame | None = field(default=None, repr=False, compare=False)
    currency: str | None = None
    currency_shares: tuple[tuple[str, float], ...] = ()


def aggregate_orders(table: TypedTable, columns: OrderColumns) -> OrdersSummary:
    """One row per customer from orders: recency, frequency, monetary and related measures.

    Lines without a customer key, exact duplicate lines (when orders have ids) and lines without
    a date or value are left out and counted; so are test orders, orders whose status is no
    purchase (pending, failed, cancelled …, counted per status) and orders in a currency not
    analysed. Refunded amounts are subtracted from their order. Orders whose net value is
    negative are cancellations or returns: their value is netted out of monetary and they do
    not count as orders. Recency is the number of days from a customer's last order to the last
    date in the data.

    Examples
    --------
    >>> from segmentation.data.schema import infer_schema
    >>> raw = pd.DataFrame({"customer": ["a", "a", "b"], "order": ["1", "C2", "3"],
    ...                     "date": ["2024-01-01", "2024-01-05", "2024-01-10"],
    ...                     "amount": ["10", "-4", "7"]})
    >>> cols = OrderColumns("customer", "date", amount="amount", order_id="order")
    >>> out = aggregate_orders(infer_schema(raw, one_row_per_customer=False), cols)
    >>> a = out.customers.loc["a"]
    >>> int(a["frequency"]), float(a["monetary"]), int(a["recency_days"])
    (1, 6.0, 9)
    """
    from segmentation.data.order_partitions import combine_partitions, order_partition

    email_key = is_email_key(table.frame, columns.customer_id, table.schema)
    whole = order_partition(table.frame, columns, email_key, keep_orders=True)
    return combine_partitions([whole], columns, email_key)


def _check_left(
    n_all_orders: int,
    n_left: int,
    has_value: bool,
    exclusions: list[Exclusion],
    columns: OrderColumns,
) -> None:
    """Stop with the reasons when no order is left, or when every order is worth 0."""
    if not n_left:
        reasons = "; ".join(f"{e.rows:,} {e.reason}" for e in exclusions)
        raise AggregationError(
            f"None of the {n_all_orders:,} orders is left as a purchase ({reasons}). Check "
            "the status, test-order and currency choices of the column mapping: choose "
            "'none' for a column that does not say what it seems to."
        )
    if not has_value:
        value = columns.amount or f"{columns.quantity} × {columns.unit_price}"
        raise AggregationError(
            f"All {n_left:,} orders have a value of 0 (from {value}). Choose the column "
            "that holds the orders' money as the amount (or quantity and unit price)."
        )


def _key_notes(columns: OrderColumns, email_key: bool, n_by_phone: int) -> list[str]:
    notes = []
    if email_key:
        notes.append(
            f"Customers are identified by their e-mail address in '{columns.customer_id}' "
            "(trimmed and lower-case, so one person's differently written addresses are one "
            "customer)."
        )
    if columns.phone is not None:
        n = n_by_phone
        if n:
            notes.append(
                f"{n:,} order lines without a customer key are keyed by the phone number in "
                f"'{columns.phone}' (digits only)."
            )
    return notes


def order_lines(
    frame: pd.DataFrame, columns: OrderColumns, email_key: bool | None = None
) -> pd.DataFrame:
    """The lines as customer, order, date and value (plus the order-level status, test flag,
    currency and refund when mapped), after checking the mapped columns."""
    if email_key is None:
        email_key = is_email_key(frame, columns.customer_id)
    return _lines_and_plan(frame, columns, email_key)[0]


def _lines_and_plan(
    frame: pd.DataFrame, columns: OrderColumns, email_key: bool
) -> tuple[pd.DataFrame, CurrencyPlan]:
    _require_columns(frame, columns)
    reading = read_dates(frame[columns.order_date], columns.order_date)  # a hand mapping too
    if reading is None:
        raise AggregationError(_not_kind_message(frame, columns.order_date, "dates", "order date"))
    date = reading.values
    value = _line_value(frame, columns)
    customer = frame[columns.customer_id].astype("string")
    if email_key:
        customer = email_keys(customer)
    order_groups = None
    if columns.order_id is not None:
        order = frame[columns.order_id].astype("string")
        order_groups = _groups(order)
        customer = order_firsts(customer, order_groups, blanks_only=True)
        date = order_firsts(date, order_groups, blanks_only=True)
    else:
        order = date.dt.strftime("%Y-%m-%d %H:%M:%S").astype("string")
    lines = pd.DataFrame({"customer": customer, "order": order, "date": date, "value": value})
    if columns.phone is not None:
        lines = _phone_keyed(lines, frame[columns.phone], order_groups)
    groups = order_groups
    if groups is None and _has_order_fields(columns):
        groups = _groups(lines["customer"].fillna("") + "\x1f" + lines["order"].fillna(""))
    lines = _order_fields(lines, frame, columns, groups)
    plan = CurrencyPlan(None, ())
    if columns.currency is not None:
        per_order = lines["currency"].groupby(groups, sort=False).first()
        plan = plan_currency(columns.currency, per_order, columns)
        for name in ("value", "refund"):
            if name in lines:
                lines[name] = convert(lines[name], lines["currency"], plan)
    return lines.assign(_row=row_classes(frame)), plan


def _has_order_fields(columns: OrderColumns) -> bool:
    mapped = (columns.status, columns.test_flag, columns.currency, columns.refund)
    return any(name is not None for name in mapped) or columns.amount_per == "order"


def _groups(keys: pd.Series) -> np.ndarray:
    """Group codes of an order key; lines without one are each their own group."""
    codes = pd.factorize(keys, use_na_sentinel=True)[0]
    blank = codes < 0
    if blank.any():
        codes = codes.copy()
        codes[blank] = codes.max(initial=-1) + 1 + np.arange(int(blank.sum()))
    return codes


def _phone_keyed(lines: pd.DataFrame, phones: pd.Series, groups: np.ndarray | None) -> pd.DataFrame:
    keys = phone_keys(phones)
    if groups is not None:
        keys = order_firsts(keys, groups, blanks_only=True)
    by_phone = lines["customer"].isna() & keys.notna()
    return lines.assign(customer=lines["customer"].fillna(keys), by_phone=by_phone)


def _order_fields(
    lines: pd.DataFrame, frame: pd.DataFrame, columns: OrderColumns, groups: np.ndarray
) -> pd.DataFrame:
    """The order-level columns, read from each order's first non-blank line; an order total
    and a refund counted once per order."""
    fields = {}
    if columns.status is not None:
        fields["status"] = status_words(frame[columns.status])
    if columns.test_flag is not None:
        fields["test"] = flagged_as_test(frame[columns.test_flag])
    if columns.currency is not None:
        fields["currency"] = currency_codes_of(frame[columns.currency])
    for name, values in fields.items():
        fields[name] = order_firsts(values, groups, blanks_only=False)
    if columns.refund is not None:
        refund = _numeric(frame, columns.refund, "refunded amount").abs()
        fields["refund"] = once_per_order(refund, groups).fillna(0.0)
    if columns.amount is not None and columns.amount_per == "order":
        fields["value"] = once_per_order(lines["value"], groups)
    return lines.assign(**fields)


def _require_columns(frame: pd.DataFrame, columns: OrderColumns) -> None:
    missing = [name for name in columns.mapped() if name not in frame.columns]
    if missing:
        raise AggregationError(
            f"The column mapping names {', '.join(map(repr, missing))}, which the file does not "
            f"have. Pick from: {', '.join(map(str, frame.columns))}."
        )
    if columns.amount is None and (columns.quantity is None or columns.unit_price is None):
        raise AggregationError(
            "No order value: choose an amount column, or both a quantity and a unit price column."
        )
    if columns.amount_per not in AMOUNT_PER:
        raise AggregationError(
            f"amount_per='{columns.amount_per}' must be 'line' (the lines' amounts add up) or "
            "'order' (the amount is the order's total, counted once per order)."
        )


def _line_value(frame: pd.DataFrame, columns: OrderColumns) -> pd.Series:
    if columns.amount is not None:
        return _numeric(frame, columns.amount, "amount")
    quantity = _numeric(frame, columns.quantity, "quantity")
    return quantity * _numeric(frame, columns.unit_price, "unit price")


def _numeric(frame: pd.DataFrame, name: str | None, role: str) -> pd.Series:
    values = frame[name]
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        raise AggregationError(_not_kind_message(frame, name, "numbers", role))
    return values.astype("float64")


def _not_kind_message(frame: pd.DataFrame, name: str | None, kind: str, role: str) -> str:
    present = frame[name].dropna()
    examples = ", ".join(repr(str(v)) for v in present.drop_duplicates().head(3))
    return (
        f"The {role} column '{name}' should hold {kind}, but its values are text "
        f"(e.g. {examples or 'nothing'}). Choose another column as the {role}, or fix the file "
        f"so '{name}' holds only {kind}."
    )


def exclude_unusable(
    lines: pd.DataFrame, has_order_id: bool
) -> tuple[pd.DataFrame, list[Exclusion]]:
    """Drop unusable lines, counting each reason; without an order id, identical rows may be
    separate purchases, so exact duplicates are only dropped when orders have ids."""
    exclusions = []
    checks = (
        ("lines without a customer id", lambda d: d["customer"].isna()),
        ("exact duplicate lines", lambda d: d["_row"].duplicated() & has_order_id),
        ("lines without a date", lambda d: d["date"].isna()),
        ("lines without an amount", lambda d: d["value"].isna()),
    )
    for reason, test in checks:
        drop = test(lines).to_numpy(dtype=bool)
        if drop.any():
            exclusions.append(Exclusion(reason, int(drop.sum())))
            lines = lines.loc[~drop]
    return lines.drop(columns="_row"), exclusions


def orders_from_lines(lines: pd.DataFrame) -> pd.DataFrame:
    """One row per order of usable lines: customer, order, first and last date, net value,
    gross value and returned value (a refunded amount is subtracted and counted as returned),
    and the order-level fields the lines carry (status, test, currency, refund)."""
    return _orders_of(lines, line_orders(lines["customer"], lines["order"]))


def _orders_of(lines: pd.DataFrame, numbers: np.ndarray) -> pd.DataFrame:
    """:func:`orders_from_lines` given each line's order number (-1: left out), row ``i``
    being order number ``i``."""
    known = numbers >= 0
    if not known.all():
        lines, numbers = lines.loc[known], numbers[known]
    lines = lines.assign(
        gross=lines["value"].clip(lower=0), returned=(-lines["value"]).clip(lower=0)
    )
    grouped = lines.groupby(numbers, sort=False)
    summed = ("value", "gross", "returned", "refund")
    sums = {name: (name, "sum") for name in summed if name in lines}
    firsts = {name: (name, "first") for name in ("status", "test", "currency") if name in lines}
    orders = grouped.agg(date=("date", "min"), last=("date", "max"), **sums, **firsts)
    if "refund" in orders:
        orders["value"] -= orders["refund"]
        orders["returned"] += orders["refund"]
    first_lines = lines.iloc[first_positions(numbers)]
    keys = {name: first_lines[name].array for name in ("customer", "order")}
    return orders.reset_index(drop=True).assign(**keys)[["customer", "order", *orders.columns]]


def _customer_measures(orders: pd.DataFrame, period_end: pd.Timestamp) -> pd.DataFrame:
    return _derived_measures(_customer_totals(orders), period_end)


def _customer_totals(orders: pd.DataFrame) -> pd.DataFrame:
    """Each customer's sums, counts and first and last orders: what the period end is not
    needed for (customers wholly inside ``orders``)."""
    by_customer = orders.groupby("customer", sort=True)
    bought = orders.loc[orders["value"] >= 0].groupby("customer")
    customers = by_customer.agg(
        monetary=("value", "sum"),
        gross=("gross", "sum"),
        returned=("returned", "sum"),
        first_seen=("date", "min"),
        last_seen=("date", "max"),
    )
    customers["monetary"] = customers["monetary"].round(2)
    customers["frequency"] = bought.size().reindex(customers.index, fill_value=0).astype("int64")
    customers["first_order"] = bought["date"].min().reindex(customers.index)
    customers["last_order"] = bought["date"].max().reindex(customers.index)
    customers["first_order"] = customers["first_order"].fillna(customers["first_seen"])
    customers["last_order"] = customers["last_order"].fillna(customers["last_seen"])
    return customers


def _derived_measures(customers: pd.DataFrame, period_end: pd.Timestamp) -> pd.DataFrame:
    end_day = period_end.normalize()
    frequency = customers["frequency"]
    span = (customers["last_order"] - customers["first_order"]).dt.days
    purchased = customers["gross"].where(customers["gross"] > 0)
    derived = pd.DataFrame(
        {
            "recency_days": (end_day - customers["last_order"].dt.normalize()).dt.days,
            "frequency": frequency,
            "monetary": customers["monetary"],
            "avg_order_value": (
                customers["monetary"].clip(lower=0) / frequency.where(frequency > 0)
            ).round(2),
            "tenure_days": (end_day - customers["first_order"].dt.normalize()).dt.days,
            "days_between_orders": (span / (frequency - 1).where(frequency > 1)).round(1),
            "return_rate": (customers["returned"] / purchased).clip(upper=1).round(4),
            "first_order": customers["first_order"],
            "last_order": customers["last_order"],
        }
    )
    return derived


def _carried_modes(
    frame: pd.DataFrame, lines: pd.DataFrame, carried: tuple[str, ...]
) -> pd.DataFrame:
    """The most frequent value of each carried column per customer (ties: first in sort order)."""
    if not carried:
        return pd.DataFrame()
    everything = pd.RangeIndex(len(frame))
    if frame.index.equals(everything):  # lines keep the frame's labels: here, its positions
        positions = lines.index.to_numpy()
    else:
        positions = frame.index.get_indexer(lines.index)
    carried_values = {name: frame[name].take(positions) for name in carried}
    return most_frequent(lines["customer"], carried_values)


def _notes(customers: pd.DataFrame) -> tuple[str, ...]:
    notes = []
    negative = int((customers["monetary"] < 0).sum())
    if negative:
        notes.append(
            f"{negative:,} customers returned more than they bought in this period (returns of "
            "earlier purchases); their monetary value is shown as 0."
        )
    no_orders = int((customers["frequency"] == 0).sum())
    if no_orders:
        notes.append(f"{no_orders:,} customers have only cancellations or returns (frequency 0).")
    return tuple(notes)
