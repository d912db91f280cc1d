"""Turning a file of orders or line items into one row per customer (RFM and friends)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

import pandas as pd

from segmentation.data.dates import read_dates
from segmentation.data.schema import Schema, TypedTable, normalise_name
from segmentation.errors import AggregationError

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
MAX_CARRIED_LEVELS = 100
_AMOUNT = re.compile(r"\b(amount|total|revenue|sales|value|spend|spent|paid|net|gross|sum)\b")
_QUANTITY = re.compile(r"\b(quantity|qty|units|items|count|number of \w+|pieces)\b")
_UNIT_PRICE = re.compile(r"\b(unit price|price|unit cost|rate)\b")
_ORDER_ID = re.compile(r"\b(invoice|order|transaction|receipt|basket|ticket|txn)\b")
_ORDER_DATE = re.compile(r"\b(invoice|order|purchase|transaction|sale|date)\b")


@dataclass(frozen=True)
class OrderColumns:
    """Which column of an orders file holds what; amount, or quantity × unit price, gives value."""

    customer_id: str
    order_date: str
    amount: str | None = None
    quantity: str | None = None
    unit_price: str | None = None
    order_id: str | None = None
    carried: tuple[str, ...] = field(default_factory=tuple)
    # what counts as a purchase (issue 12): an order/financial status column (paid/completed
    # count; pending, failed, voided, cancelled, authorized-only do not), a refunded-amount
    # column subtracted from the order, a test-order flag
    status: str | None = None
    refund: str | None = None
    test_flag: str | None = None
    # money: the currency column; analyse only ``only_currency``, or convert with ``rates``
    # ((code, rate to the analysis currency) pairs the user confirmed)
    currency: str | None = None
    only_currency: str | None = None
    rates: tuple[tuple[str, float], ...] = field(default_factory=tuple)
    # "line": amounts add up over an order's lines; "order": the amount is the order's total,
    # given on every line (repeated) or on the first line only, and is counted once per order
    amount_per: str = "line"
    # a phone column that keys guests without a customer key (only when the user agrees)
    phone: str | None = None
    # the platform layout the mapping was pre-filled from (a key of segmentation.data.layouts)
    layout: str | None = None

    def to_dict(self) -> dict[str, object]:
        """JSON-friendly form (for links and saved projects)."""
        return {
            **asdict(self),
            "carried": list(self.carried),
            "rates": [[code, rate] for code, rate in self.rates],
        }

    @classmethod
    def from_dict(cls, values: dict[str, object]) -> OrderColumns:
        """The mapping saved by :meth:`to_dict` (older links lack the newer fields)."""
        known = {f for f in cls.__dataclass_fields__}
        kept = {k: v for k, v in values.items() if k in known}
        kept["carried"] = tuple(kept.get("carried") or ())
        kept["rates"] = tuple((str(c), float(r)) for c, r in kept.get("rates") or ())
        return cls(**kept)


@dataclass(frozen=True)
class Exclusion:
    """Rows left out of the aggregation, and why."""

    reason: str
    rows: int


@dataclass(frozen=True)
class OrdersSummary:
    """Customers aggregated from orders, with what was left out and the period covered.

    ``orders`` is the per-order table the customers were aggregated from (:data:`ORDER_COLUMNS`:
    one row per order, returns included as negative values), for the stages that read single
    orders (predictions); it is derived from the source, so it is never part of a cache key.
    """

    customers: pd.DataFrame
    n_lines: int
    n_orders: int
    exclusions: tuple[Exclusion, ...]
    period_start: pd.Timestamp
    period_end: pd.Timestamp
    notes: tuple[str, ...] = ()
    orders: pd.DataFrame | None = field(default=None, repr=False, compare=False)


def detect_orders(table: TypedTable) -> OrderColumns | None:
    """Suggest an order-column mapping when the table looks like orders, else ``None``.

    A table is orders-like when its customer id repeats across rows and it has a date column.
    """
    schema, frame = table.schema, table.frame
    customer_id = schema.id_column
    if customer_id is None or not frame[customer_id].dropna().duplicated().any():
        return None
    dates = [c.name for c in schema.columns if c.kind == "datetime"]
    if not dates:
        return None
    amount = _pick(schema, _AMOUNT, exclude=(customer_id,))
    quantity = _pick(schema, _QUANTITY, kinds=("numeric",))
    unit_price = _pick(schema, _UNIT_PRICE, kinds=("numeric",))
    if amount is None and (quantity is None or unit_price is None):
        amount = next((c.name for c in schema.columns if c.kind == "numeric"), None)
    order_id = _pick(
        schema, _ORDER_ID, kinds=("id", "categorical", "numeric"), exclude=(customer_id,)
    )
    order_date = _pick(schema, _ORDER_DATE, kinds=("datetime",)) or dates[0]
    used = {customer_id, order_date, amount, quantity, unit_price, order_id}
    return OrderColumns(
        customer_id,
        order_date,
        amount,
        quantity if amount is None else None,
        unit_price if amount is None else None,
        order_id,
        default_carried(table, used),
    )


def default_carried(table: TypedTable, used: set[str | None]) -> tuple[str, ...]:
    """Categorical columns worth keeping per customer as their most frequent value."""
    return tuple(
        c.name
        for c in table.schema.columns
        if c.kind in ("categorical", "boolean")
        and c.name not in used
        and 1 < c.n_unique <= MAX_CARRIED_LEVELS
    )


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


def aggregate_orders(table: TypedTable, columns: OrderColumns) -> OrdersSummary:
    """One row per customer from orders: recency, frequency, monetary and related measures.

    Lines without a customer id, exact duplicate lines (when orders have ids) and lines without
    a date or value are left out and counted. Orders whose net value is negative are
    cancellations or returns: their value is netted out of monetary and they do not count as
    orders. Recency is the number of days from a customer's last order to the last date in the
    data.

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
    lines = order_lines(table.frame, columns)
    n_lines = len(table.frame)
    lines, exclusions = exclude_unusable(lines, columns.order_id is not None)
    if lines.empty:
        raise AggregationError(
            f"No usable order lines are left out of {n_lines:,} ("
            + "; ".join(f"{e.rows:,} {e.reason}" for e in exclusions)
            + "). Check the column mapping: customer id, date and amount must be filled in."
        )
    orders = orders_from_lines(lines)
    period_end = lines["date"].max()
    customers = _customer_measures(orders, period_end)
    customers = customers.join(_carried_modes(table.frame, lines, columns.carried))
    customers.index.name = columns.customer_id
    notes = _notes(customers)
    customers["monetary"] = customers["monetary"].clip(lower=0)
    return OrdersSummary(
        customers,
        n_lines,
        int((orders["value"] >= 0).sum()),
        tuple(exclusions),
        lines["date"].min(),
        period_end,
        notes,
        orders[list(ORDER_COLUMNS)].reset_index(drop=True),
    )


def order_lines(frame: pd.DataFrame, columns: OrderColumns) -> pd.DataFrame:
    """The lines as customer, order, date and value, after checking the mapped columns."""
    _require_columns(frame, columns)
    reading = read_dates(frame[columns.order_date], columns.order_date)  # a hand mapping too
    if reading is None:
        raise AggregationError(_not_kind_message(frame, columns.order_date, "dates", "order date"))
    date = reading.values
    value = _line_value(frame, columns)
    customer = frame[columns.customer_id].astype("string")
    if columns.order_id is not None:
        order = frame[columns.order_id].astype("string")
    else:
        order = date.dt.strftime("%Y-%m-%d %H:%M:%S").astype("string")
    lines = pd.DataFrame({"customer": customer, "order": order, "date": date, "value": value})
    return lines.assign(_row=_row_fingerprint(frame))


def _require_columns(frame: pd.DataFrame, columns: OrderColumns) -> None:
    mapped = [
        columns.customer_id,
        columns.order_date,
        columns.amount,
        columns.quantity,
        columns.unit_price,
        columns.order_id,
        *columns.carried,
    ]
    missing = [name for name in mapped if name is not None and name not in frame.columns]
    if missing:
        raise AggregationError(
            f"The column mapping names {', '.join(map(repr, missing))}, which the file does not "
            f"have. Pick from: {', '.join(map(str, frame.columns))}."
        )
    if columns.amount is None and (columns.quantity is None or columns.unit_price is None):
        raise AggregationError(
            "No order value: choose an amount column, or both a quantity and a unit price column."
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


def _row_fingerprint(frame: pd.DataFrame) -> pd.Series:
    return pd.util.hash_pandas_object(frame, index=False)


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
    """One row per order of usable lines: customer, order, first date, net value, gross value
    and returned value."""
    lines = lines.assign(
        gross=lines["value"].clip(lower=0), returned=(-lines["value"]).clip(lower=0)
    )
    grouped = lines.groupby(["customer", "order"], sort=False, observed=True)
    orders = grouped.agg(
        date=("date", "min"),
        value=("value", "sum"),
        gross=("gross", "sum"),
        returned=("returned", "sum"),
    )
    return orders.reset_index()


def _customer_measures(orders: pd.DataFrame, period_end: pd.Timestamp) -> pd.DataFrame:
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
    return _derived_measures(customers, period_end)


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
    modes = {}
    for name in carried:
        values = frame.loc[lines.index, name]
        pairs = pd.DataFrame({"customer": lines["customer"], "value": values}).dropna()
        counts = pairs.groupby(["customer", "value"], observed=True).size().rename("n")
        counts = counts.reset_index().sort_values(
            ["customer", "n"], ascending=[True, False], kind="stable"
        )
        modes[name] = counts.drop_duplicates("customer").set_index("customer")["value"]
    return pd.DataFrame(modes)


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
