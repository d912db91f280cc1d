"""Every order of every customer, and the few numbers per customer the models read from it.

The orders come out of a file exactly as the Data page makes them (the same column mapping,
the same lines left out: no customer id, duplicates, no date or amount; order lines summed per
order). From them, per customer and up to an as-of date:

- ``x``: repeat purchases, counted on distinct days (several orders on one day are one
  purchase, as in the BG/NBD paper), so the first purchase day is not counted;
- ``t_x``: time from the first to the last purchase day; ``T``: from the first purchase day to
  the as-of date (in days for the app, in weeks for the paper's check);
- ``zbar``: mean spend per repeat purchase day, leaving the first purchase out (the
  Gamma-Gamma model describes repeat spend; first orders are often different, e.g. a
  welcome discount);
- ``historic_value``: net spend up to the as-of date, returns included, never below 0.

Orders with a negative value are returns or cancellations: they lower the historic value but
are not purchases. Orders of value 0 are purchases (a free item still shows the customer
came back) with 0 spend. Customers whose first purchase is after the as-of date, or who only
returned things, are not scored.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from segmentation.data.dataset import SAMPLE_DIR, CustomerData
from segmentation.data.layouts import infer_with_layout, suggest_orders
from segmentation.data.loading import load_table
from segmentation.data.orders import (
    ORDER_COLUMNS,
    OrderColumns,
    OrdersSummary,
    aggregate_orders,
)
from segmentation.data.schema import TypedTable
from segmentation.errors import AggregationError
from segmentation.predicting.eligibility import PredictionError

CDNOW_SAMPLE = SAMPLE_DIR / "cdnow_sample.txt"
TIME_UNITS = {"days": 1, "weeks": 7}
INPUT_COLUMNS = ("x", "t_x", "T", "zbar", "historic_value", "first_order", "last_order")


@dataclass(frozen=True)
class OrderHistory:
    """One row per order: ``customer`` (text), ``date`` (datetime) and net ``value``.

    ``customer_column`` is the name the file gave the customer key (the name of the first
    column of a predictions file).
    """

    orders: pd.DataFrame
    customer_column: str = "customer"

    @property
    def first_date(self) -> pd.Timestamp:
        """The day of the earliest order."""
        return self.orders["date"].min().normalize()

    @property
    def last_date(self) -> pd.Timestamp:
        """The day of the latest order (the default as-of date)."""
        return self.orders["date"].max().normalize()


@dataclass(frozen=True)
class CustomerInputs:
    """Per-customer model inputs (:data:`INPUT_COLUMNS`, indexed by customer) at ``as_of``.

    ``t_x`` and ``T`` are in ``time_unit`` ("days" or "weeks"); ``period_start`` is the first
    order day of the data; ``n_later`` counts customers left out because their first
    purchase came after ``as_of``, ``n_only_returns`` those with returns but no purchase.
    """

    customers: pd.DataFrame
    as_of: pd.Timestamp
    time_unit: str
    period_start: pd.Timestamp
    n_later: int = 0
    n_only_returns: int = 0

    @property
    def n_not_scored(self) -> int:
        """Customers in the orders who are not scored."""
        return self.n_later + self.n_only_returns

    def notes(self) -> tuple[str, ...]:
        """Who is not scored, and why, in words."""
        notes = []
        if self.n_later:
            notes.append(
                f"{self.n_later:,} customers first bought after {self.as_of:%d %b %Y} and are "
                "not scored."
            )
        if self.n_only_returns:
            notes.append(
                f"{self.n_only_returns:,} customers only returned or cancelled orders and are "
                "not scored."
            )
        return tuple(notes)

    @property
    def unit_days(self) -> int:
        """Days per time unit (1 or 7)."""
        return TIME_UNITS[self.time_unit]

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``x``, ``t_x`` and ``T`` of every customer as float arrays."""
        return tuple(self.customers[name].to_numpy(dtype="float64") for name in ("x", "t_x", "T"))


def order_history(table: TypedTable, columns: OrderColumns) -> OrderHistory:
    """The orders of a typed orders file, made the way the Data page makes them (the same
    exclusions: statuses, test orders, other currencies, refunds)."""
    try:
        summary = aggregate_orders(table, columns)
    except AggregationError as err:
        raise PredictionError(str(err)) from err
    orders = summary.orders[list(ORDER_COLUMNS)]
    return OrderHistory(orders.reset_index(drop=True), columns.customer_id)


def data_order_history(data: CustomerData) -> OrderHistory:
    """The orders the customer table was made from (the sample's, or an orders upload's).

    Raises :class:`PredictionError` for a table of customers without orders, saying how to
    get predictions.
    """
    summary: OrdersSummary | None = data.orders
    if summary is None or summary.orders is None:
        raise PredictionError(
            f"'{data.source.name}' has one row per customer and no orders, so there is no "
            "history to predict from. Predictions need an orders file: one row per order or "
            "order line with a customer id, an order date and an amount (an order export of "
            "your shop or CRM). Upload it on the Data page, where it becomes the customer "
            "table; the built-in sample has orders too."
        )
    return OrderHistory(summary.orders, data.id_column)


def load_order_history(data: bytes, file_name: str) -> OrderHistory:
    """The orders of a file's bytes, with the column mapping the Data page suggests.

    Examples
    --------
    >>> history = load_order_history(CDNOW_SAMPLE.read_bytes(), CDNOW_SAMPLE.name)
    >>> len(history.orders), history.customer_column
    (6696, 'customer_id')
    """
    table = load_table(data, file_name)
    typed, _ = infer_with_layout(table.frame)
    columns = suggest_orders(typed)
    if columns is None:
        raise PredictionError(
            f"'{file_name}' does not look like orders: predictions need a customer id that "
            "repeats across rows, an order date and an amount (or quantity and unit price). "
            "Give a file with one row per order or order line."
        )
    return order_history(typed, columns)


def read_order_history(path: str | Path) -> OrderHistory:
    """The orders of the file at ``path`` (see :func:`load_order_history`)."""
    path = Path(path)
    if not path.is_file():
        raise PredictionError(
            f"There is no orders file at '{path}'. Check the path and the file name."
        )
    return load_order_history(path.read_bytes(), path.name)


def purchase_days(
    history: OrderHistory, after: pd.Timestamp | None = None, until: pd.Timestamp | None = None
) -> pd.DataFrame:
    """One row per customer and day with a purchase in (``after``, ``until``]: ``customer``,
    ``day`` and ``spend`` (that day's non-negative orders summed), sorted by customer and day."""
    orders = history.orders
    day = orders["date"].dt.normalize()
    keep = orders["value"].to_numpy() >= 0
    if after is not None:
        keep &= (day > after).to_numpy()
    if until is not None:
        keep &= (day <= until).to_numpy()
    bought = pd.DataFrame({"customer": orders["customer"], "day": day, "spend": orders["value"]})
    grouped = bought.loc[keep].groupby(["customer", "day"], sort=True, observed=True)
    return grouped["spend"].sum().reset_index()


def customer_inputs(
    history: OrderHistory, as_of: object = None, time_unit: str = "days"
) -> CustomerInputs:
    """The model inputs of every customer who had bought by ``as_of`` (default: last order day).

    Examples
    --------
    The paper's calibration period, in weeks: the first customer of the CDNOW sample bought
    again twice, last in week 30.43 of 38.86, for $22.345 on average.

    >>> history = load_order_history(CDNOW_SAMPLE.read_bytes(), CDNOW_SAMPLE.name)
    >>> inputs = customer_inputs(history, "1997-09-30", "weeks")
    >>> row = inputs.customers.loc["00004"]
    >>> [round(float(row[c]), 3) for c in ("x", "t_x", "T", "zbar")]
    [2.0, 30.429, 38.857, 22.345]
    >>> len(inputs.customers), int((inputs.customers["x"] > 0).sum())
    (2357, 946)
    """
    if time_unit not in TIME_UNITS:
        raise PredictionError(
            f"time_unit={time_unit!r} is not a time unit; choose one of {', '.join(TIME_UNITS)}."
        )
    as_of = as_of_day(history, as_of)
    days = purchase_days(history, until=as_of)
    by_customer = days.groupby("customer", sort=True, observed=True)
    first, last = by_customer["day"].min(), by_customer["day"].max()
    n_repeat = by_customer.size() - 1
    repeat_spend = by_customer["spend"].sum() - by_customer["spend"].first()
    unit = TIME_UNITS[time_unit]
    customers = pd.DataFrame(
        {
            "x": n_repeat.astype("int64"),
            "t_x": (last - first).dt.days / unit,
            "T": (as_of - first).dt.days / unit,
            "zbar": (repeat_spend / n_repeat.where(n_repeat > 0)).fillna(0.0),
            "historic_value": _historic_value(history, as_of).reindex(first.index, fill_value=0),
            "first_order": first,
            "last_order": last,
        }
    )
    customers.index.name = history.customer_column
    orders = history.orders
    n_buyers = orders.loc[orders["value"].to_numpy() >= 0, "customer"].nunique()
    n_later = n_buyers - len(first)
    n_only_returns = orders["customer"].nunique() - n_buyers
    return CustomerInputs(customers, as_of, time_unit, history.first_date, n_later, n_only_returns)


def as_of_day(history: OrderHistory, as_of: object = None) -> pd.Timestamp:
    """``as_of`` as a day (default: the last order day), checked to fall after the first."""
    if as_of is None:
        return history.last_date
    try:
        day = pd.Timestamp(as_of).normalize()
    except (TypeError, ValueError):
        day = pd.NaT
    if pd.isna(day):
        raise PredictionError(
            f"The as-of date {as_of!r} is not a date. Write it like 2011-09-30."
        ) from None
    if day < history.first_date:
        first, last = history.first_date, history.last_date
        raise PredictionError(
            f"The as-of date {day:%d %b %Y} is before the first order ({first:%d %b %Y}). "
            f"Choose a date from {first:%d %b %Y} to {last:%d %b %Y}."
        )
    return day


def _historic_value(history: OrderHistory, as_of: pd.Timestamp) -> pd.Series:
    orders = history.orders
    upto = orders.loc[(orders["date"].dt.normalize() <= as_of).to_numpy()]
    net = upto.groupby("customer", sort=True, observed=True)["value"].sum()
    return np.round(net.clip(lower=0), 2)
