"""Orders to customers: hand-computed toy cases and an independent check on Online Retail."""

from __future__ import annotations

import csv
import gzip
import io
from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from segmentation import (
    AggregationError,
    OrderColumns,
    aggregate_orders,
    detect_orders,
    infer_schema,
    load_table,
)

EXCERPT = (
    Path(__file__).resolve().parent.parent / "data" / "examples" / "online_retail_excerpt.csv.gz"
)
TOY = """InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
1001,A,2,2024-01-01 10:00:00,5.00,7.0,France
1001,B,1,2024-01-01 10:00:00,10.00,7.0,France
1001,B,1,2024-01-01 10:00:00,10.00,7.0,France
C1002,A,-1,2024-01-03 09:00:00,5.00,7.0,France
1003,A,4,2024-01-11 12:00:00,5.00,7.0,Spain
1004,B,1,2024-01-05 08:00:00,10.00,8.0,Spain
1005,A,3,2024-01-06 08:00:00,5.00,,Spain
C1006,B,-1,2024-01-09 08:00:00,10.00,9.0,Spain
1007,A,1,2024-01-11 18:30:00,1.00,8.0,Spain
1008,A,1,2024-01-10 18:30:00,1.00,10.0,Italy
"""


def typed(text: str, name: str = "orders.csv"):
    return infer_schema(load_table(text.encode(), name).frame)


@pytest.fixture(scope="module")
def toy_summary():
    table = typed(TOY)
    return aggregate_orders(table, detect_orders(table))


def test_orders_file_is_recognised_with_its_columns() -> None:
    columns = detect_orders(typed(TOY))
    assert columns == OrderColumns(
        customer_id="CustomerID",
        order_date="InvoiceDate",
        quantity="Quantity",
        unit_price="UnitPrice",
        order_id="InvoiceNo",
        carried=("Country",),
    )


def test_customer_file_is_not_taken_for_orders() -> None:
    text = "customer_id,signup_date,spend\n" + "".join(
        f"C{i},2024-01-{i + 1:02d},{i}\n" for i in range(12)
    )
    assert detect_orders(typed(text)) is None


def test_toy_measures_by_hand(toy_summary) -> None:
    customers = toy_summary.customers
    # customer 7: order 1001 = 2*5 + 1*10 (a duplicate line dropped) = 20, order 1003 = 20,
    # cancellation C1002 = -5; last date in the data is 2024-01-11.
    seven = customers.loc["7"]
    assert seven["frequency"] == 2
    assert seven["monetary"] == pytest.approx(35.0)
    assert seven["recency_days"] == 0
    assert seven["tenure_days"] == 10
    assert seven["days_between_orders"] == pytest.approx(10.0)
    assert seven["avg_order_value"] == pytest.approx(17.5)
    assert seven["return_rate"] == pytest.approx(5 / 40)
    assert seven["Country"] == "France"  # three France lines against one Spain line
    eight = customers.loc["8"]
    assert (eight["frequency"], eight["monetary"], eight["recency_days"]) == (2, 11.0, 0)
    assert eight["tenure_days"] == 6
    ten = customers.loc["10"]
    assert (ten["frequency"], ten["recency_days"]) == (1, 1)


def test_toy_exclusions_are_counted(toy_summary) -> None:
    reasons = {e.reason: e.rows for e in toy_summary.exclusions}
    assert reasons == {"lines without a customer id": 1, "exact duplicate lines": 1}
    assert toy_summary.n_lines == 10


def test_only_cancellations_gives_zero_value_and_a_note(toy_summary) -> None:
    nine = toy_summary.customers.loc["9"]
    assert nine["frequency"] == 0
    assert nine["monetary"] == 0  # a return of an earlier purchase is not negative spend
    assert any("only cancellations" in note for note in toy_summary.notes)


def test_amount_column_without_order_ids() -> None:
    text = "customer_id date number_of_cds dollar_value\n" + "".join(
        f"{c:05d} 199701{d:02d} 1 {v}\n"
        for c, d, v in [(1, 1, 11.77), (1, 1, 11.77), (1, 5, 20), (2, 3, 5)] * 3
    )
    table = infer_schema(load_table(text.encode(), "cdnow.txt").frame)
    columns = detect_orders(table)
    assert columns.amount == "dollar_value" and columns.order_id is None
    customers = aggregate_orders(table, columns).customers
    # without order ids identical lines are separate purchases; each date is one order
    assert customers.loc["00001", "frequency"] == 2
    assert customers.loc["00001", "monetary"] == pytest.approx(3 * (11.77 * 2 + 20))


ERRORS = [
    (
        "text amount",
        "customer,date,amount\n" + "a,2024-01-01,lots\nb,2024-01-02,few\n" * 6,
        OrderColumns("customer", "date", amount="amount"),
        r"The amount column 'amount' should hold numbers, but its values are text \(e\.g\. 'lots', "
        r"'few'\)\. Choose another column",
    ),
    (
        "text date",
        "customer,date,amount\n" + "a,soon,1\nb,later,2\n" * 6,
        OrderColumns("customer", "date", amount="amount"),
        r"The order date column 'date' should hold dates",
    ),
    (
        "missing column",
        "customer,date,amount\n" + "a,2024-01-01,1\n" * 12,
        OrderColumns("customer", "date", amount="total"),
        r"names 'total', which the file does not have",
    ),
    (
        "no value",
        "customer,date,amount\n" + "a,2024-01-01,1\n" * 12,
        OrderColumns("customer", "date"),
        r"No order value: choose an amount column",
    ),
    (
        "nothing usable",
        "customer,date,amount\n" + ",2024-01-01,1\n,2024-01-02,2\n" * 6,
        OrderColumns("customer", "date", amount="amount"),
        r"No usable order lines are left out of 12 \(12 lines without a customer id\)",
    ),
]


@pytest.mark.parametrize(("case", "text", "columns", "message"), ERRORS, ids=[e[0] for e in ERRORS])
def test_unusable_orders_get_a_specific_message(case, text, columns, message) -> None:
    with pytest.raises(AggregationError, match=message):
        aggregate_orders(typed(text), columns)


def independent_rfm(path: Path) -> dict[str, dict[str, object]]:
    """Recompute frequency, monetary and recency with the csv module and Decimal arithmetic."""
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    last_date = max(datetime.fromisoformat(r["InvoiceDate"]) for r in rows).date()
    seen, totals = set(), defaultdict(Decimal)
    invoice_dates: dict[tuple[str, str], datetime] = {}
    for row in rows:
        key = tuple(row.values())
        if not row["CustomerID"] or key in seen:
            continue
        seen.add(key)
        customer = row["CustomerID"].removesuffix(".0")
        invoice = (customer, row["InvoiceNo"])
        totals[invoice] += Decimal(row["Quantity"]) * Decimal(row["UnitPrice"])
        invoice_dates[invoice] = datetime.fromisoformat(row["InvoiceDate"])
    result: dict[str, dict[str, object]] = defaultdict(
        lambda: {"frequency": 0, "monetary": Decimal(0)}
    )
    for (customer, _invoice), total in totals.items():
        result[customer]["monetary"] += total
        if total >= 0:
            result[customer]["frequency"] += 1
            last = result[customer].get("last")
            when = invoice_dates[(customer, _invoice)]
            result[customer]["last"] = max(last, when) if last else when
    for values in result.values():
        values["recency"] = (last_date - values["last"].date()).days if "last" in values else None
    return dict(result)


@pytest.fixture(scope="module")
def online_retail():
    table = load_table(EXCERPT.read_bytes(), EXCERPT.name)
    typed_table = infer_schema(table.frame)
    return aggregate_orders(typed_table, detect_orders(typed_table))


def test_online_retail_known_customers(online_retail) -> None:
    customers = online_retail.customers
    assert customers.loc["12347", "frequency"] == 7
    assert customers.loc["12347", "monetary"] == pytest.approx(4310.00)
    assert customers.loc["12346", "monetary"] == 0
    assert customers.loc["12346", "Country"] == "United Kingdom"


def test_online_retail_matches_an_independent_computation(online_retail) -> None:
    expected = independent_rfm(EXCERPT)
    customers = online_retail.customers
    assert set(customers.index) == set(expected)
    for customer, values in expected.items():
        row = customers.loc[customer]
        assert row["frequency"] == values["frequency"], customer
        assert row["monetary"] == pytest.approx(max(float(values["monetary"]), 0), abs=0.006)
        if values["recency"] is not None:
            assert row["recency_days"] == values["recency"], customer


def test_online_retail_quirks_are_reported(online_retail) -> None:
    reasons = {e.reason: e.rows for e in online_retail.exclusions}
    assert reasons["lines without a customer id"] == 1500
    assert reasons["exact duplicate lines"] > 0


def test_latin1_month_first_copy_gives_the_same_customers(online_retail) -> None:
    frame = pd.read_csv(EXCERPT, dtype=str, keep_default_na=False)
    when = pd.to_datetime(frame["InvoiceDate"])
    frame["InvoiceDate"] = [f"{d.month}/{d.day}/{d.year} {d.hour}:{d.minute:02d}" for d in when]
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    table = load_table(buffer.getvalue().encode("latin-1", errors="replace"), "Online Retail.csv")
    typed_table = infer_schema(table.frame)
    customers = aggregate_orders(typed_table, detect_orders(typed_table)).customers
    pd.testing.assert_series_equal(customers["monetary"], online_retail.customers["monetary"])
    pd.testing.assert_series_equal(customers["frequency"], online_retail.customers["frequency"])
