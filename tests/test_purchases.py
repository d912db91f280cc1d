"""What counts as a purchase: status words, test orders, refunds, order-level fields read once
per order, order totals repeated on every line, and phone keys (hand-computed toy files)."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from segmentation.data.orders import OrderColumns, aggregate_orders, detect_orders
from segmentation.data.purchases import (
    NOT_PURCHASE,
    PARTLY_REFUNDED,
    PURCHASE,
    REFUNDED,
    STATUS_VOCABULARY,
    flagged_as_test,
    status_word,
)
from segmentation.data.schema import infer_schema
from segmentation.errors import AggregationError


def typed(text: str):
    """The typed table of a small CSV (below the loader's 10-row minimum for uploads)."""
    return infer_schema(pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False))


def reasons(summary) -> dict[str, int]:
    return {e.reason: e.rows for e in summary.exclusions}


STATUSES = [
    # (as written in an export, its word, what it is)
    ("paid", "paid", PURCHASE),
    ("Paid", "paid", PURCHASE),
    ("completed", "completed", PURCHASE),
    ("wc-completed", "completed", PURCHASE),
    ("Completed", "completed", PURCHASE),
    ("Succeeded", "succeeded", PURCHASE),
    ("fulfilled", "fulfilled", PURCHASE),
    ("wc-processing", "processing", PURCHASE),
    ("partially_paid", "partially paid", PURCHASE),
    ("refunded", "refunded", REFUNDED),
    ("Refunded", "refunded", REFUNDED),
    ("wc-refunded", "refunded", REFUNDED),
    ("partially_refunded", "partially refunded", PARTLY_REFUNDED),
    ("pending", "pending", NOT_PURCHASE),
    ("wc-pending", "pending", NOT_PURCHASE),
    ("Failed", "failed", NOT_PURCHASE),
    ("wc-failed", "failed", NOT_PURCHASE),
    ("voided", "voided", NOT_PURCHASE),
    ("cancelled", "cancelled", NOT_PURCHASE),
    ("wc-cancelled", "cancelled", NOT_PURCHASE),
    ("canceled", "canceled", NOT_PURCHASE),
    ("authorized", "authorized", NOT_PURCHASE),
    ("expired", "expired", NOT_PURCHASE),
    ("wc-on-hold", "on hold", NOT_PURCHASE),
    ("On hold", "on hold", NOT_PURCHASE),
    ("draft", "draft", NOT_PURCHASE),
    ("wc-checkout-draft", "checkout draft", NOT_PURCHASE),
    ("trash", "trash", NOT_PURCHASE),
]


@pytest.mark.parametrize(("written", "word", "kind"), STATUSES, ids=[s[0] for s in STATUSES])
def test_each_status_word_is_read_and_classed(written: str, word: str, kind: str) -> None:
    assert status_word(written) == word
    assert STATUS_VOCABULARY[word] == kind


def one_order_per_status(statuses: list[str]) -> str:
    rows = [f"o{i},c{i % 3},2024-01-{i + 1:02d},{10 * (i + 1)},{s}" for i, s in enumerate(statuses)]
    keep = [f"k{i},c{i % 3},2024-02-{i + 1:02d},5,paid" for i in range(6)]  # every customer buys
    return "order_id,customer_id,order_date,total,status\n" + "\n".join(rows + keep) + "\n"


@pytest.mark.parametrize(("written", "word", "kind"), STATUSES, ids=[s[0] for s in STATUSES])
def test_each_status_decides_whether_an_order_counts(written: str, word: str, kind: str) -> None:
    table = typed(one_order_per_status([written, written]))
    columns = OrderColumns(
        "customer_id", "order_date", amount="total", order_id="order_id", status="status"
    )
    summary = aggregate_orders(table, columns)
    counted = summary.customers["frequency"].sum()
    if kind == NOT_PURCHASE:
        assert reasons(summary) == {f"orders with status '{word}'": 2}
        assert counted == 6
        assert summary.customers["monetary"].sum() == pytest.approx(30)
    else:
        assert reasons(summary) == {}
        assert counted == 8
        refunded = 30 if kind == REFUNDED else 0  # no refunded-amount column: all of it
        assert summary.customers["monetary"].sum() == pytest.approx(30 + 30 - refunded)


def test_excluded_statuses_are_counted_per_status_in_orders_not_lines() -> None:
    text = (
        "order_id,customer_id,order_date,line_total,status\n"
        "1,a,2024-01-01,10,pending\n1,a,2024-01-01,5,pending\n1,a,2024-01-01,6,pending\n"
        "2,a,2024-01-02,10,failed\n3,b,2024-01-03,10,Pending\n4,b,2024-01-04,7,paid\n"
        "5,a,2024-01-05,8,wc-completed\n"
    )
    columns = OrderColumns(
        "customer_id", "order_date", amount="line_total", order_id="order_id", status="status"
    )
    summary = aggregate_orders(typed(text), columns)
    assert reasons(summary) == {"orders with status 'pending'": 2, "orders with status 'failed'": 1}
    assert summary.customers["monetary"].to_dict() == {"a": 8.0, "b": 7.0}
    assert summary.n_orders == 2


def test_unknown_statuses_count_as_purchases_with_a_note() -> None:
    text = "order_id,customer_id,order_date,total,status\n" + "".join(
        f"{i},c{i % 2},2024-01-{i + 1:02d},10,{['paid', 'mystery'][i % 2]}\n" for i in range(6)
    )
    columns = OrderColumns("customer_id", "order_date", amount="total", order_id="order_id",
                           status="status")  # fmt: skip
    summary = aggregate_orders(typed(text), columns)
    assert summary.customers["frequency"].sum() == 6
    assert any("'mystery' (3 orders)" in note for note in summary.notes)


REFUNDS = [
    # (status, amount, refunded, net value of the order)
    ("paid", 100, 0, 100),
    ("partially_refunded", 100, 30, 70),
    ("refunded", 100, 100, 0),
    ("Refunded", 100, "", 0),  # refunded with no amount given: all of it
    ("Succeeded", 80, "-20", 60),  # a refund written as a negative number
]


@pytest.mark.parametrize(("status", "amount", "refunded", "net"), REFUNDS)
def test_refunded_amounts_are_subtracted_once_per_order(status, amount, refunded, net) -> None:
    text = (
        "order_id,customer_id,order_date,total,refunded,status\n"
        f"1,a,2024-01-01,{amount},{refunded},{status}\n"
        f"1,a,2024-01-01,{amount},{refunded},{status}\n"  # the total repeated: one order
        "2,a,2024-01-09,5,0,paid\n3,b,2024-01-09,5,0,paid\n4,b,2024-01-10,5,0,paid\n"
    )
    columns = OrderColumns("customer_id", "order_date", amount="total", order_id="order_id",
                           status="status", refund="refunded", amount_per="order")  # fmt: skip
    summary = aggregate_orders(typed(text), columns)
    a = summary.customers.loc["a"]
    assert a["monetary"] == pytest.approx(net + 5)
    assert a["frequency"] == 2  # a refunded order still counts as a purchase
    assert a["return_rate"] == pytest.approx((amount - net) / (amount + 5), abs=1e-4)


TEST_VALUES = [
    ("true", True), ("TRUE", True), ("yes", True), ("1", True), ("test", True), ("Test", True),
    ("false", False), ("no", False), ("0", False), ("live", False), ("", False),
]  # fmt: skip


@pytest.mark.parametrize(("written", "is_test"), TEST_VALUES)
def test_test_flags(written: str, is_test: bool) -> None:
    values = pd.Series([written or None], dtype="string")
    assert flagged_as_test(values).tolist() == [is_test]


def test_test_orders_are_left_out_and_counted() -> None:
    text = "id,customer_id,created,amount,mode\n" + "".join(
        f"ch_{i:08d},cus_{i % 3:06d},2024-01-{i + 1:02d},{10 + i},{['live', 'test'][i < 2]}\n"
        for i in range(9)
    )
    table = typed(text)
    columns = detect_orders(table)
    assert (columns.customer_id, columns.order_id, columns.test_flag) == (
        "customer_id",
        "id",
        "mode",
    )
    summary = aggregate_orders(table, columns)
    assert reasons(summary) == {"test orders": 2}
    assert summary.customers["frequency"].sum() == 7
    assert summary.customers["monetary"].sum() == pytest.approx(sum(range(12, 19)))


SHOPIFY_HEADER = (
    "Name,Email,Financial Status,Currency,Total,Refunded Amount,Created at,Lineitem quantity,"
    "Lineitem price,Phone\n"
)
SHOPIFY = (
    SHOPIFY_HEADER
    + """#1001,Ann@Example.com,paid,USD,30.00,0,2024-01-01 10:00:00 +0000,1,10.00,
#1001,,,,,,,1,20.00,
#1002, ann@example.com ,partially_refunded,USD,50.00,15.00,2024-01-05 09:00:00 -0500,1,50.00,
#1003,bo@example.org,pending,USD,20.00,0,2024-01-06 09:00:00 +0000,1,20.00,
#1004,bo@example.org,paid,USD,40.00,0,2024-01-07 09:00:00 +0000,2,10.00,
#1004,,,,,,,1,20.00,
#1005,cy@example.net,voided,USD,15.00,0,2024-01-08 09:00:00 +0000,1,15.00,
#1006,,paid,USD,12.00,0,2024-01-09 09:00:00 +0000,1,12.00,+44 20 7946 0958
#1006,,,,,,,1,0.00,
#1007,,paid,USD,8.00,0,2024-01-10 09:00:00 +0000,1,8.00,+44 (20) 7946-0958
"""
)


@pytest.fixture(scope="module")
def shopify():
    return typed(SHOPIFY)


def test_shopify_mapping_is_suggested_from_meanings(shopify) -> None:
    columns = detect_orders(shopify)
    assert columns.customer_id == "Email"
    assert columns.order_id == "Name"
    assert (columns.order_date, columns.amount, columns.amount_per) == (
        "Created at",
        "Total",
        "order",
    )
    assert (columns.status, columns.refund, columns.currency) == (
        "Financial Status",
        "Refunded Amount",
        "Currency",
    )
    assert columns.only_currency == "USD" and columns.phone is None


def test_shopify_fields_on_the_first_line_only_are_read_once(shopify) -> None:
    summary = aggregate_orders(shopify, detect_orders(shopify))
    customers = summary.customers
    assert sorted(customers.index) == ["ann@example.com", "bo@example.org"]
    ann, bo = customers.loc["ann@example.com"], customers.loc["bo@example.org"]
    assert (ann["frequency"], ann["monetary"]) == (2, pytest.approx(30 + 50 - 15))
    assert (bo["frequency"], bo["monetary"]) == (1, pytest.approx(40))
    assert reasons(summary) == {
        "lines without a customer id": 3,
        "orders with status 'pending'": 1,
        "orders with status 'voided'": 1,
    }
    assert summary.currency == "USD" and summary.currency_shares == (("USD", 1.0),)
    assert any("e-mail address in 'Email'" in note for note in summary.notes)
    assert ann["last_order"] == pd.Timestamp("2024-01-05 14:00")  # offsets on one timeline


def test_guests_without_email_are_keyed_by_phone_when_asked(shopify) -> None:
    columns = detect_orders(shopify)
    phone = OrderColumns.from_dict({**columns.to_dict(), "phone": "Phone"})
    summary = aggregate_orders(shopify, phone)
    guest = summary.customers.loc["+442079460958"]  # two spellings of one number
    assert (guest["frequency"], guest["monetary"]) == (2, pytest.approx(20))
    assert "lines without a customer id" not in reasons(summary)
    assert any("keyed by the phone number in 'Phone'" in note for note in summary.notes)


WOO = """Order Number,Order Status,Order Date,Billing Email,Order Total Amount,Item Name,Quantity
101,wc-completed,2024-02-01 10:00,ann@example.com,45.00,Leash,1
101,wc-completed,2024-02-01 10:00,ann@example.com,45.00,Bowl,2
101,wc-completed,2024-02-01 10:00,ann@example.com,45.00,Toy,1
102,wc-on-hold,2024-02-02 10:00,bo@example.org,20.00,Toy,1
103,wc-processing,2024-02-03 10:00,bo@example.org,30.00,Bowl,1
103,wc-processing,2024-02-03 10:00,bo@example.org,30.00,Toy,1
104,wc-completed,2024-02-04 10:00,ANN@example.com,12.50,Toy,1
105,wc-completed,2024-02-05 10:00,cy@example.net,60.00,Leash,2
105,wc-completed,2024-02-05 10:00,cy@example.net,60.00,Bowl,1
"""


def test_an_order_total_repeated_on_every_line_is_counted_once() -> None:
    table = typed(WOO)
    columns = detect_orders(table)
    assert (columns.customer_id, columns.amount, columns.amount_per) == (
        "Billing Email",
        "Order Total Amount",
        "order",
    )
    summary = aggregate_orders(table, columns)
    monetary = summary.customers["monetary"].to_dict()
    assert monetary == {"ann@example.com": 57.5, "bo@example.org": 30.0, "cy@example.net": 60.0}
    assert reasons(summary) == {"orders with status 'on hold'": 1}


def test_the_same_file_read_per_line_adds_the_repeats_up() -> None:
    table = typed(WOO)
    columns = OrderColumns.from_dict({**detect_orders(table).to_dict(), "amount_per": "line"})
    monetary = aggregate_orders(table, columns).customers["monetary"]
    assert monetary["ann@example.com"] == pytest.approx(3 * 45 + 12.5)


ALL_OUT = [
    (
        "every order pending or failed",
        "order_id,customer_id,order_date,total,status\n"
        + "".join(
            f"{i},c{i % 2},2024-01-0{i + 1},5,{['pending', 'failed'][i % 3 == 0]}\n"
            for i in range(6)
        ),
        r"None of the 6 orders is left as a purchase \(4 orders with status 'pending'; 2 orders "
        r"with status 'failed'\)\. Check the status",
    ),
    (
        "every order worth 0",
        "order_id,customer_id,order_date,total,status\n"
        + "".join(f"{i},c{i % 2},2024-01-0{i + 1},0,paid\n" for i in range(6)),
        r"All 6 orders have a value of 0 \(from total\)\. Choose the column",
    ),
]


@pytest.mark.parametrize(("case", "text", "message"), ALL_OUT, ids=[c[0] for c in ALL_OUT])
def test_nothing_left_says_why_per_reason(case: str, text: str, message: str) -> None:
    columns = OrderColumns("customer_id", "order_date", amount="total", order_id="order_id",
                           status="status")  # fmt: skip
    with pytest.raises(AggregationError, match=message):
        aggregate_orders(typed(text), columns)
