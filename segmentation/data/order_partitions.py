"""Orders into customers, one set of customers at a time: the partition function every engine
runs, and the global pass that puts the parts together.

:func:`order_partition` is pure pandas: the order lines of a set of customers (every line of
each of them, as partitioning by customer key gives) → each customer's totals, with what was
left out counted. :func:`combine_partitions` adds the parts up with the whole dataset's period
end and currency plan; the measures themselves are those of :mod:`.orders`, so the Data page
(one partition: the whole file) and the engines (many) compute the same values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from segmentation.data.currencies import (
    currency_note,
    other_currencies,
    plan_from_shares,
    shares_of_counts,
)
from segmentation.data.line_codes import line_orders
from segmentation.data.order_columns import Exclusion, OrderColumns
from segmentation.data.orders import (
    ORDER_COLUMNS,
    OrdersSummary,
    _carried_modes,
    _check_left,
    _customer_totals,
    _derived_measures,
    _key_notes,
    _lines_and_plan,
    _notes,
    _orders_of,
    exclude_unusable,
)
from segmentation.data.purchases import purchases_only
from segmentation.errors import AggregationError

LINE_REASONS = (
    "lines without a customer id",
    "exact duplicate lines",
    "lines without a date",
    "lines without an amount",
)
MONEY = ("value", "gross", "returned")


@dataclass(frozen=True)
class OrderPartition:
    """What one set of customers' order lines give: each customer's totals before the period
    end is known (:func:`segmentation.data.orders._customer_totals`, carried columns joined),
    and the counts the global pass adds up."""

    totals: pd.DataFrame
    n_lines: int
    n_usable_lines: int
    n_all_orders: int
    n_kept_orders: int
    n_orders: int
    exclusions: tuple[Exclusion, ...]
    currency_counts: pd.Series
    n_blank_currency: int
    n_by_phone: int
    has_value: bool
    period_start: pd.Timestamp
    period_end: pd.Timestamp
    notes: tuple[str, ...] = ()
    orders: pd.DataFrame | None = field(default=None, repr=False)


def order_partition(
    frame: pd.DataFrame, columns: OrderColumns, email_key: bool, keep_orders: bool = False
) -> OrderPartition:
    """The totals of the customers whose order lines are ``frame`` (typed columns), with the
    mapping ``columns``; ``email_key`` is decided once for the whole dataset. Order values are
    rounded to cents before any sign test, so engines that add lines in another order agree."""
    lines, plan = _lines_and_plan(frame, columns, email_key)
    currency_counts = _currency_counts(lines, columns)
    n_by_phone = int(lines["by_phone"].sum()) if "by_phone" in lines else 0
    lines, exclusions = exclude_unusable(lines, columns.order_id is not None)
    if lines.empty:
        return _empty(len(frame), exclusions, currency_counts, n_by_phone)
    numbers = line_orders(lines["customer"], lines["order"])
    all_orders = _orders_of(lines, numbers)
    all_orders[list(MONEY)] = all_orders[list(MONEY)].round(2)
    orders, excluded, notes = purchases_only(all_orders, columns.refund is not None)
    orders, in_other = other_currencies(orders, plan, columns.only_currency)
    if orders.empty:
        return _empty(len(frame), [*exclusions, *excluded, *in_other], currency_counts,
                      n_by_phone, len(lines), len(all_orders))  # fmt: skip
    if len(orders) < len(all_orders):
        lines = lines.loc[np.isin(numbers, orders.index.to_numpy())]
    totals = _customer_totals(orders).join(_carried_modes(frame, lines, columns.carried))
    blank = int(orders["currency"].isna().sum()) if "currency" in orders else 0
    return OrderPartition(
        totals,
        len(frame),
        len(lines),
        len(all_orders),
        len(orders),
        int((orders["value"] >= 0).sum()),
        (*exclusions, *excluded, *in_other),
        currency_counts,
        blank,
        n_by_phone,
        bool(orders["gross"].any() or orders["returned"].any()),
        orders["date"].min(),
        orders["last"].max(),
        tuple(notes),
        orders[list(ORDER_COLUMNS)].reset_index(drop=True) if keep_orders else None,
    )


def _currency_counts(lines: pd.DataFrame, columns: OrderColumns) -> pd.Series:
    """Orders per currency code, before any exclusion (what the currency plan is made of)."""
    if "currency" not in lines:
        return pd.Series(dtype="int64")
    key = ["order"] if columns.order_id is not None else ["customer", "order"]
    firsts = lines.loc[~lines.duplicated(key), "currency"]
    return firsts.dropna().value_counts().astype("int64")


def _empty(
    n_lines: int,
    exclusions: list[Exclusion],
    currency_counts: pd.Series,
    n_by_phone: int,
    n_usable_lines: int = 0,
    n_all_orders: int = 0,
) -> OrderPartition:
    """A partition none of whose orders is left (each part may be; the whole may not)."""
    return OrderPartition(
        pd.DataFrame(), n_lines, n_usable_lines, n_all_orders, 0, 0, tuple(exclusions),
        currency_counts, 0, n_by_phone, False, pd.NaT, pd.NaT,
    )  # fmt: skip


def combine_partitions(
    parts: Sequence[OrderPartition], columns: OrderColumns, email_key: bool
) -> OrdersSummary:
    """The customers of the whole dataset from its partitions (customers never span two):
    exclusions added up, the checks of :func:`segmentation.data.orders.aggregate_orders`, and
    recency and tenure counted to the whole dataset's last order day."""
    n_lines = sum(p.n_lines for p in parts)
    line_exclusions, order_exclusions = _merged_exclusions(parts)
    if not sum(p.n_usable_lines for p in parts):
        raise AggregationError(
            f"No usable order lines are left out of {n_lines:,} ("
            + "; ".join(f"{e.rows:,} {e.reason}" for e in line_exclusions)
            + "). Check the column mapping: customer id, date and amount must be filled in."
        )
    plan = _plan(parts, columns)
    kept = [p for p in parts if p.n_kept_orders]
    _check_left(
        sum(p.n_all_orders for p in parts),
        sum(p.n_kept_orders for p in parts),
        any(p.has_value for p in parts),
        order_exclusions,
        columns,
    )
    period_end = max(p.period_end for p in kept)
    totals = pd.concat([p.totals for p in kept]) if len(kept) > 1 else kept[0].totals
    customers = _derived_measures(totals.sort_index(), period_end)
    carried = [c for c in columns.carried if c in totals]
    customers = customers.join(totals[carried]) if carried else customers
    customers.index.name = columns.customer_id
    notes = (
        *_key_notes(columns, email_key, sum(p.n_by_phone for p in parts)),
        *dict.fromkeys(note for p in parts for note in p.notes),
        *_currency_note(plan, sum(p.n_blank_currency for p in parts)),
        *_notes(customers),
    )
    customers["monetary"] = customers["monetary"].clip(lower=0)
    orders = [p.orders for p in kept if p.orders is not None]
    return OrdersSummary(
        customers,
        n_lines,
        sum(p.n_orders for p in parts),
        (*line_exclusions, *order_exclusions),
        min(p.period_start for p in kept),
        period_end,
        notes,
        pd.concat(orders, ignore_index=True) if orders else None,
        plan.currency if plan else None,
        plan.shares if plan else (),
    )


def _plan(parts: Sequence[OrderPartition], columns: OrderColumns):
    if columns.currency is None:
        return None
    counts = [p.currency_counts for p in parts if len(p.currency_counts)]
    merged = pd.concat(counts).groupby(level=0).sum() if counts else pd.Series(dtype="int64")
    return plan_from_shares(columns.currency, shares_of_counts(merged), columns)


def _currency_note(plan, n_blank: int) -> list[str]:
    note = currency_note(plan, n_blank) if plan is not None else None
    return [note] if note else []


def _merged_exclusions(
    parts: Sequence[OrderPartition],
) -> tuple[list[Exclusion], list[Exclusion]]:
    """Line exclusions in the order they are checked, then test orders, then each status and
    currency by count (largest first), as one file's aggregation lists them."""
    totals: dict[str, int] = {}
    for part in parts:
        for exclusion in part.exclusions:
            totals[exclusion.reason] = totals.get(exclusion.reason, 0) + exclusion.rows
    lines = [Exclusion(r, totals.pop(r)) for r in LINE_REASONS if r in totals]
    test = [Exclusion("test orders", totals.pop("test orders"))] if "test orders" in totals else []
    statuses = {r: n for r, n in totals.items() if r.startswith("orders with status")}
    others = {r: n for r, n in totals.items() if r not in statuses}
    return lines, [*test, *_by_count(statuses), *_by_count(others)]


def _by_count(counts: dict[str, int]) -> list[Exclusion]:
    return [Exclusion(r, n) for r, n in sorted(counts.items(), key=lambda i: (-i[1], i[0]))]
