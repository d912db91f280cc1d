"""Who the customer is: a customer id, else the e-mail address; never an order id, a status,
a country or a person's name; a phone number only when the user agrees."""

from __future__ import annotations

import pytest

from segmentation.data.customer_keys import choose_customer_key, email_keys, phone_keys
from segmentation.data.orders import aggregate_orders, candidate_columns, detect_orders
from segmentation.errors import AggregationError
from tests.test_purchases import typed


def orders_text(header: str, row) -> str:
    return header + "\n" + "".join(row(i) + "\n" for i in range(12))


PER_ORDER = orders_text(
    "order_id,email,order_date,total,status,country,customer_name",
    lambda i: (
        f"A{1000 + i},{['ann', 'bo', 'cy'][i % 3]}@example.com,2024-04-{i + 1:02d},"
        f"{10 + i},{['paid', 'pending'][i % 4 == 3]},{['FR', 'DE'][i % 2]},"
        f"{['Ann Lee', 'Bo Kim', 'Cy Ode'][i % 3]}"
    ),
)


def test_a_file_keyed_per_order_is_recognised_as_orders_keyed_by_email() -> None:
    table = typed(PER_ORDER)
    columns = detect_orders(table)
    assert columns is not None
    assert (columns.customer_id, columns.order_id, columns.status) == (
        "email",
        "order_id",
        "status",
    )
    summary = aggregate_orders(table, columns)
    assert sorted(summary.customers.index) == [
        "ann@example.com",
        "bo@example.com",
        "cy@example.com",
    ]


NEVER = [
    ("order id", "order_id"),
    ("status", "status"),
    ("country", "country"),
    ("person's name", "customer_name"),
]


@pytest.mark.parametrize(("what", "column"), NEVER, ids=[n[0] for n in NEVER])
def test_never_a_key(what: str, column: str) -> None:
    without_email = PER_ORDER.replace("@example.com", "")  # the e-mail column is gone too
    table = typed(without_email.replace("email,", "label,"))
    choice = choose_customer_key(table)
    assert choice.column != column
    assert column not in candidate_columns(table)["customer_id"]


def test_no_possible_key_says_which_columns_were_considered_and_why_not() -> None:
    text = orders_text(
        "Name,Billing Name,Created at,Total,Financial Status",
        lambda i: f"#{1000 + i},{['Ann Lee', 'Bo Kim'][i % 2]},2024-04-{i + 1:02d},10,paid",
    )
    message = (
        r"looks like orders, but no column can identify customers.*Columns considered: 'Name' "
        r"\(it identifies orders, not customers\); 'Billing Name' \(a person's name is not "
        r"unique to one customer\)\. Export the orders with the customer's id or e-mail"
    )
    with pytest.raises(AggregationError, match=message):
        detect_orders(typed(text))


def test_a_customer_id_comes_before_the_email() -> None:
    text = orders_text(
        "order_id,customer_id,email,order_date,total",
        lambda i: f"{i},C{i % 3},x{i}@example.com,2024-04-{i + 1:02d},10",
    )
    choice = choose_customer_key(typed(text))
    assert (choice.column, choice.reason) == (
        "customer_id",
        "name 'customer_id' says it identifies customers",
    )


def test_an_id_with_one_value_per_order_is_not_a_customer_key() -> None:
    text = orders_text(
        "Id,Name,Created at,Total,Lineitem quantity",
        lambda i: f"{5000 + i // 2},#{1000 + i // 2},2024-04-{i // 2 + 1:02d},10,1",
    )
    choice = choose_customer_key(typed(text))
    assert choice.column is None
    assert "'Id' (it has one value per order, like an order id)" in choice.rejected_text()


EMAILS = [
    (" Ann@Example.COM ", "ann@example.com"),
    ("ANN@EXAMPLE.COM", "ann@example.com"),
    ("straße@example.de", "strasse@example.de"),  # case-folded, not only lower-cased
    ("", None),
]


@pytest.mark.parametrize(("written", "key"), EMAILS)
def test_email_keys_are_trimmed_and_case_folded(written: str, key: str | None) -> None:
    import pandas as pd

    result = email_keys(pd.Series([written], dtype="string")).tolist()[0]
    assert (None if result is pd.NA else result) == key


PHONES = [
    ("+44 20 7946 0958", "+442079460958"),
    ("+1 (555) 010-1234", "+15550101234"),
    ("555.010.1234", "5550101234"),
    ("0049 30 123456", "004930123456"),
    ("none", None),
]


@pytest.mark.parametrize(("written", "key"), PHONES)
def test_phone_keys_keep_digits_and_a_leading_plus(written: str, key: str | None) -> None:
    import pandas as pd

    result = phone_keys(pd.Series([written], dtype="string")).tolist()[0]
    assert (None if result is pd.NA else result) == key


def test_two_candidate_dates_and_amounts_are_listed_best_first() -> None:
    text = orders_text(
        "order_id,customer_id,order_date,invoice_date,subtotal,total",
        lambda i: f"{i},C{i % 3},2024-04-{i + 1:02d},2024-05-{i + 1:02d},9,10",
    )
    candidates = candidate_columns(typed(text))
    assert candidates["order_date"] == ("order_date", "invoice_date")
    assert candidates["amount"] == ("total", "subtotal")
    columns = detect_orders(typed(text))
    assert (columns.order_date, columns.amount) == ("order_date", "total")
