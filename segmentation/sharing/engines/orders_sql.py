"""DuckDB's SQL for the common orders mapping: one pass over the lines for each customer's
totals, then the Data page's own derived measures in pandas.

Used by :func:`segmentation.sharing.engines.orders.aggregate_with_duckdb` when the mapping has
no status, test flag, currency, refund, phone key, order totals, e-mail key or carried columns,
and the file's columns are typed (Parquet: a timestamp date, numeric amounts); anything else
goes through the partition function. The SQL follows
:func:`segmentation.data.order_partitions.order_partition` step by step: lines without a key
take their order's, lines are left out in the same order and counted (no key, exact duplicates
when orders have ids, no date, no amount), order values are summed and rounded to cents before
the sign test, and each customer's sums, counts and first and last orders are those of
:func:`segmentation.data.orders._customer_totals`; recency and the rest come from
:func:`segmentation.data.orders._derived_measures` itself.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from segmentation.data.order_columns import Exclusion
from segmentation.data.order_partitions import LINE_REASONS
from segmentation.data.orders import OrdersSummary, _check_left, _derived_measures, _notes
from segmentation.errors import AggregationError

NUMERIC_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE")
KEY_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "VARCHAR")


def sql_supported(reading: Any, types: dict[str, str]) -> bool:
    """Whether the SQL path computes exactly what the partition function would."""
    columns = reading.columns
    plain = not any(
        (columns.status, columns.test_flag, columns.currency, columns.refund, columns.phone)
    )
    numbers = [c for c in (columns.amount, columns.quantity, columns.unit_price) if c]
    return (
        plain
        and columns.amount_per == "line"
        and not columns.carried
        and not reading.email_key
        and types.get(columns.order_date, "").startswith("TIMESTAMP")
        and all(types.get(c, "").startswith(NUMERIC_TYPES) for c in numbers)
        and types.get(columns.customer_id) in KEY_TYPES
        and (columns.order_id is None or types.get(columns.order_id) in KEY_TYPES)
    )


def aggregate_sql(
    con: Any, source: str, reading: Any, n_lines: int, types: dict[str, str]
) -> OrdersSummary:
    """The customers of ``source`` (a DuckDB table expression whose columns have ``types``) by
    SQL (see the module)."""
    columns = reading.columns
    derive = _Derived(reading, types)
    filled = _filled_lines(con, source, reading, derive)
    n_keyed = con.execute(f"SELECT count(*) FROM {filled} WHERE customer IS NOT NULL").fetchall()
    n_keyed = int(n_keyed[0][0])
    distinct = "DISTINCT" if columns.order_id is not None else ""  # duplicates: orders with ids
    if filled == "raw_lines":  # the derived columns are functions of the row: derive after
        keyed = f"(SELECT {distinct} * FROM {source} WHERE {derive.key} IS NOT NULL)"
        lines = f"SELECT customer, ord, date, value FROM ({derive.select(keyed)})"
    else:
        every = ", ".join(_name(c) for c in types)
        lines = (
            "SELECT customer, ord, date, value FROM ("
            f"SELECT {distinct} {every}, customer, ord, date, value FROM {filled} "
            "WHERE customer IS NOT NULL)"
        )
    con.execute(f"CREATE TEMP TABLE lines AS {lines}")
    n_distinct, n_no_date, n_no_value = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE date IS NULL), count(*) FILTER (WHERE date IS "
        "NOT NULL AND (value IS NULL OR isnan(value))) FROM lines"
    ).fetchall()[0]
    counts = (n_lines - n_keyed, n_keyed - n_distinct, n_no_date, n_no_value)
    exclusions = [Exclusion(r, int(n)) for r, n in zip(LINE_REASONS, counts, strict=True) if n]
    if not n_lines - sum(counts):
        raise AggregationError(
            f"No usable order lines are left out of {n_lines:,} ("
            + "; ".join(f"{e.rows:,} {e.reason}" for e in exclusions)
            + "). Check the column mapping: customer id, date and amount must be filled in."
        )
    con.execute(f"CREATE TEMP TABLE orders AS {_ORDERS_SQL}")
    n_all, n_bought, has_value, start, end = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE value >= 0), "
        "bool_or(gross > 0 OR returned > 0), min(date), max(last) FROM orders"
    ).fetchall()[0]
    _check_left(n_all, n_all, bool(has_value), [], columns)
    totals = con.sql(_CUSTOMERS_SQL).to_arrow_table().to_pandas()
    totals["customer"] = totals["customer"].astype("string")
    date_dtype = reading.date_dtypes[columns.order_date]
    for name in ("first_seen", "last_seen", "first_order", "last_order"):
        totals[name] = totals[name].astype(date_dtype)
    totals = totals.set_index("customer").sort_index()
    end = pd.Timestamp(end)
    customers = _derived_measures(totals, end)
    customers.index.name = columns.customer_id
    notes = _notes(customers)
    customers["monetary"] = customers["monetary"].clip(lower=0)
    return OrdersSummary(
        customers, n_lines, int(n_bought), tuple(exclusions), pd.Timestamp(start), end, notes
    )


class _Derived:
    """The SQL of each line's customer key (text keys: blank is missing; integer keys as they
    are, equal exactly when their text is), order, date and value."""

    def __init__(self, reading: Any, types: dict[str, str]) -> None:
        columns = reading.columns
        key = _name(columns.customer_id)
        if types[columns.customer_id] == "VARCHAR":
            key = f"CASE WHEN {key} = '' THEN NULL ELSE {key} END"
        self.key = key
        self.date = _name(columns.order_date)
        if columns.amount is not None:
            self.value = f"CAST({_name(columns.amount)} AS DOUBLE)"
        else:
            quantity, price = _name(columns.quantity), _name(columns.unit_price)
            self.value = f"CAST({quantity} AS DOUBLE) * {price}"
        if columns.order_id is None:
            self.order = f"strftime({self.date}, '%Y-%m-%d %H:%M:%S')"
        else:
            self.order = _name(columns.order_id)

    def select(self, relation: str) -> str:
        """Every column of ``relation`` and the derived ones."""
        return (
            f"SELECT *, {self.key} AS customer, {self.order} AS ord, {self.date} AS date, "
            f"{self.value} AS value FROM {relation}"
        )


def _filled_lines(con: Any, source: str, reading: Any, derive: _Derived) -> str:
    """A view of the lines with their customer, order, date and value; a line without a key or
    a date takes its order's (as the aggregation fills them), joined only when some lack one."""
    con.execute(f"CREATE TEMP VIEW raw_lines AS {derive.select(source)}")
    if reading.columns.order_id is None:
        return "raw_lines"
    blanks = con.execute(
        "SELECT count(*) FILTER (WHERE customer IS NULL AND ord IS NOT NULL), "
        "count(*) FILTER (WHERE date IS NULL AND ord IS NOT NULL) FROM raw_lines"
    ).fetchall()[0]
    if not any(blanks):
        return "raw_lines"
    con.execute(
        "CREATE TEMP VIEW filled_lines AS SELECT * REPLACE ("
        "coalesce(r.customer, o.order_customer) AS customer, coalesce(r.date, o.order_date) AS date"
        ") FROM raw_lines r LEFT JOIN (SELECT ord, max(customer) AS order_customer, "
        "min(date) AS order_date FROM raw_lines WHERE ord IS NOT NULL GROUP BY ord) o "
        "USING (ord)"
    )
    return "filled_lines"


def _name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


_USABLE = "date IS NOT NULL AND value IS NOT NULL AND NOT isnan(value)"
_ORDERS_SQL = (
    "SELECT customer, ord, min(date) AS date, max(date) AS last, round(sum(value), 2) AS value, "
    "round(sum(greatest(value, 0)), 2) AS gross, round(sum(greatest(-value, 0)), 2) AS returned "
    f"FROM lines WHERE {_USABLE} GROUP BY customer, ord"
)
_CUSTOMERS_SQL = (
    "SELECT customer, round(sum(value), 2) AS monetary, sum(gross) AS gross, "
    "sum(returned) AS returned, min(date) AS first_seen, max(date) AS last_seen, "
    "count(*) FILTER (WHERE value >= 0) AS frequency, "
    "coalesce(min(date) FILTER (WHERE value >= 0), min(date)) AS first_order, "
    "coalesce(max(date) FILTER (WHERE value >= 0), max(date)) AS last_order "
    "FROM orders GROUP BY customer"
)
