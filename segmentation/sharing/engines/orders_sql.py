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
    lines, counts = _filled_lines(con, source, reading, _Derived(reading, types))
    every = ", ".join(_name(c) for c in types)
    dedupe = columns.order_id is not None  # without ids, identical rows may be two purchases
    n_duplicates = _create_customers(con, lines, every, dedupe)
    n_unusable, n_no_date = counts["unusable"], counts["keyed_no_date"]
    if dedupe and n_unusable:  # exact duplicates among the lines without a date or amount
        n_unusable, n_no_date = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE date IS NULL) FROM (SELECT DISTINCT "
            f"{every}, customer, ord, date, value FROM {lines} WHERE customer IS NOT NULL "
            f"AND NOT ({_USABLE}))"
        ).fetchall()[0]
        n_duplicates += counts["unusable"] - n_unusable
    n_no_value = n_unusable - n_no_date
    counts = (n_lines - counts["keyed"], n_duplicates, n_no_date, n_no_value)
    exclusions = [Exclusion(r, int(n)) for r, n in zip(LINE_REASONS, counts, strict=True) if n]
    if not n_lines - sum(counts):
        raise AggregationError(
            f"No usable order lines are left out of {n_lines:,} ("
            + "; ".join(f"{e.rows:,} {e.reason}" for e in exclusions)
            + "). Check the column mapping: customer id, date and amount must be filled in."
        )
    return _customers(con, reading, n_lines, exclusions)


def _customers(con: Any, reading: Any, n_lines: int, exclusions: list[Exclusion]) -> OrdersSummary:
    """The customers of the temporary table ``customers``, with the Data page's derived
    measures."""
    columns = reading.columns
    n_all, n_bought, has_value, start, end = con.execute(
        "SELECT sum(orders), sum(frequency), bool_or(gross > 0 OR returned > 0), "
        "min(first_seen), max(last_seen) FROM customers"
    ).fetchall()[0]
    _check_left(int(n_all), int(n_all), bool(has_value), [], columns)
    totals = (
        con.sql("SELECT * EXCLUDE (orders) FROM customers ORDER BY customer")
        .to_arrow_table()
        .to_pandas()
    )
    totals["customer"] = totals["customer"].astype("string")
    date_dtype = reading.date_dtypes[columns.order_date]
    for name in ("first_seen", "last_seen", "first_order", "last_order"):
        totals[name] = totals[name].astype(date_dtype)
    totals = totals.set_index("customer")
    end = pd.Timestamp(end)
    customers = _derived_measures(totals, end)
    customers.index.name = columns.customer_id
    notes = _notes(customers)
    customers["monetary"] = customers["monetary"].clip(lower=0)
    return OrdersSummary(
        customers, n_lines, int(n_bought), tuple(exclusions), pd.Timestamp(start), end, notes
    )


def _create_customers(con: Any, lines: str, every: str, dedupe: bool) -> int:
    """Create the temporary table ``customers``: each customer's totals over the orders of
    usable lines with a key (exact duplicate lines counted once when ``dedupe``); return the
    duplicates left out.

    The lines are grouped into orders and the orders into customers in one query, without
    keeping the orders. Duplicates are found without comparing every line with every other (a
    DISTINCT over all the lines cost more than the rest of the aggregation): identical lines
    are in the same order and have the same hash, so an order whose lines set as many bits of
    a 64-bit mask as it has lines (in either of two masks, from different bits of each line's
    hash) holds no duplicate. The other orders (those with duplicates and the few whose lines
    merely share a bit in both masks) are left out of the customers' totals and listed; their
    lines are read again with DISTINCT and their orders added to their customers' totals.
    """
    bits, suspect = "", "false"
    if dedupe:
        bits = (
            ", 1::UBIGINT << (h % 64)::INTEGER AS bit_a, "
            "1::UBIGINT << (h // 64 % 64)::INTEGER AS bit_b"
        )
        suspect = (
            "count(*) > 1 AND bit_count(bit_or(bit_a)) < count(*) "
            "AND bit_count(bit_or(bit_b)) < count(*)"
        )
    hashed = f", hash({every}) AS h" if dedupe else ""
    orders = (
        f"SELECT {_ORDER_MEASURES}, {suspect} AS suspect FROM (SELECT customer, ord, date, "
        f"value{bits} FROM (SELECT customer, ord, date, value{hashed} FROM {lines} "
        f"WHERE customer IS NOT NULL AND {_USABLE})) GROUP BY customer, ord"
    )
    con.execute(f"CREATE TEMP TABLE customer_parts AS SELECT {_PARTS_SQL} FROM ({orders}) "
                "GROUP BY customer")  # fmt: skip
    (n_suspect_lines,) = con.execute(
        "SELECT coalesce(sum(suspect_lines), 0) FROM customer_parts"
    ).fetchall()[0]
    if not n_suspect_lines:
        con.execute(f"CREATE TEMP VIEW customers AS SELECT {_CUSTOMER_ROW} FROM customer_parts")
        return 0
    con.execute(
        f"CREATE TEMP TABLE exact_orders AS SELECT {_ORDER_MEASURES} FROM (SELECT DISTINCT "
        f"{every}, customer, ord, date, value FROM {lines} l SEMI JOIN (SELECT customer, "
        "unnest(suspects) AS ord FROM customer_parts WHERE suspect_lines > 0) s ON "
        "l.customer = s.customer AND l.ord IS NOT DISTINCT FROM s.ord "
        f"WHERE {_USABLE}) GROUP BY customer, ord"
    )
    (n_exact,) = con.execute("SELECT sum(n) FROM exact_orders").fetchall()[0]
    con.execute(
        f"CREATE TEMP TABLE customers AS SELECT {_CUSTOMER_SUMS} FROM (SELECT * EXCLUDE "
        "(suspect_lines, suspects) FROM customer_parts UNION ALL BY NAME SELECT customer, "
        "1 AS orders, value, gross, returned, date AS first_seen, last AS last_seen, "
        "(value >= 0)::BIGINT AS frequency, CASE WHEN value >= 0 THEN date END AS "
        "first_bought, CASE WHEN value >= 0 THEN date END AS last_bought, date AS last_date "
        "FROM exact_orders) GROUP BY customer"
    )
    return int(n_suspect_lines - n_exact)


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


def _filled_lines(
    con: Any, source: str, reading: Any, derive: _Derived
) -> tuple[str, dict[str, int]]:
    """A view of the lines with their customer, order, date and value, and its counts of lines
    with a key, of those without a date, and of those without a date or an amount. A line
    without a key or a date takes its order's (as the aggregation fills them), joined only
    when some lack one."""
    con.execute(f"CREATE TEMP VIEW raw_lines AS {derive.select(source)}")
    counts = _line_counts(con, "raw_lines")
    if reading.columns.order_id is None or not (counts["blank_key"] or counts["blank_date"]):
        return "raw_lines", counts
    con.execute(
        "CREATE TEMP VIEW filled_lines AS SELECT * REPLACE ("
        "coalesce(r.customer, o.order_customer) AS customer, coalesce(r.date, o.order_date) AS date"
        ") FROM raw_lines r LEFT JOIN (SELECT ord, max(customer) AS order_customer, "
        "min(date) AS order_date FROM raw_lines WHERE ord IS NOT NULL GROUP BY ord) o "
        "USING (ord)"
    )
    return "filled_lines", _line_counts(con, "filled_lines")


def _line_counts(con: Any, lines: str) -> dict[str, int]:
    names = ("keyed", "keyed_no_date", "unusable", "blank_key", "blank_date")
    values = con.execute(
        "SELECT count(customer), count(customer) FILTER (WHERE date IS NULL), "
        f"count(customer) FILTER (WHERE NOT ({_USABLE})), "
        "count(*) FILTER (WHERE customer IS NULL AND ord IS NOT NULL), "
        f"count(*) FILTER (WHERE date IS NULL AND ord IS NOT NULL) FROM {lines}"
    ).fetchall()[0]
    return dict(zip(names, (int(v) for v in values), strict=True))


def _name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


_USABLE = "date IS NOT NULL AND value IS NOT NULL AND NOT isnan(value)"
# an order of usable lines as the Data page makes it: values summed and rounded to cents
_ORDER_MEASURES = (
    "customer, ord, count(*) AS n, min(date) AS date, max(date) AS last, "
    "round(sum(value), 2) AS value, round(sum(greatest(value, 0)), 2) AS gross, "
    "round(sum(greatest(-value, 0)), 2) AS returned"
)
# each customer's totals over the orders that hold no duplicate (all of them without ``dedupe``),
# with the lines and keys of the others
_PARTS_SQL = (
    "customer, count(*) FILTER (WHERE NOT suspect) AS orders, "
    "sum(value) FILTER (WHERE NOT suspect) AS value, "
    "sum(gross) FILTER (WHERE NOT suspect) AS gross, "
    "sum(returned) FILTER (WHERE NOT suspect) AS returned, "
    "min(date) AS first_seen, max(last) AS last_seen, "  # the same with duplicates counted once
    "count(*) FILTER (WHERE NOT suspect AND value >= 0) AS frequency, "
    "min(date) FILTER (WHERE NOT suspect AND value >= 0) AS first_bought, "
    "max(date) FILTER (WHERE NOT suspect AND value >= 0) AS last_bought, "
    "max(date) AS last_date, "
    "coalesce(sum(n) FILTER (WHERE suspect), 0) AS suspect_lines, "
    "list(ord) FILTER (WHERE suspect) AS suspects"
)
# a customer as the Data page makes it (:func:`segmentation.data.orders._customer_totals`), from
# one row of totals or (_CUSTOMER_SUMS) from several
_CUSTOMER_ROW = (
    "CAST(customer AS VARCHAR) AS customer, orders, round(value, 2) AS monetary, gross, "
    "returned, first_seen, last_seen, frequency, coalesce(first_bought, first_seen) AS "
    "first_order, coalesce(last_bought, last_date) AS last_order"
)
_CUSTOMER_SUMS = (
    "CAST(customer AS VARCHAR) AS customer, sum(orders)::BIGINT AS orders, "
    "round(sum(value), 2) AS monetary, sum(gross) AS gross, sum(returned) AS returned, "
    "min(first_seen) AS first_seen, max(last_seen) AS last_seen, "
    "sum(frequency)::BIGINT AS frequency, "
    "coalesce(min(first_bought), min(first_seen)) AS first_order, "
    "coalesce(max(last_bought), max(last_date)) AS last_order"
)
