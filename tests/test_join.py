"""Joining a profile file to the customers of an orders file (segmentation/data/join.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from segmentation.data.dataset import CustomerData, customers_from_orders, customers_from_table
from segmentation.data.join import (
    JoinKeys,
    join_customers,
    join_sides,
    key_candidates,
    normalised_keys,
    suggest_keys,
)
from segmentation.data.loading import load_table
from segmentation.data.orders import OrderColumns
from segmentation.data.schema import infer_schema
from segmentation.errors import JoinError, SegmentationError
from segmentation.predicting.history import data_order_history

NAMES = ("Anna", "Ben", "Carla", "David", "Emma", "Frank", "Greta", "Hugo", "Ida", "Jonas", "Karl")
# 13 profile rows: p0..p10, e-mails in mixed case with stray spaces; p0 is there twice (two
# spellings), one row has no e-mail
PROFILES_CSV = (
    "Email,First Name,Accepts Marketing,Country,Age\n"
    + "".join(
        f" P{i}@Shop.COM ,{NAMES[i]},{['yes', 'no'][i % 2]},{['US', 'GB'][i % 2]},{30 + i}\n"
        for i in range(11)
    )
    + "p0@shop.com,Again,no,DE,99\n"
    + ",Nobody,yes,US,40\n"
)
# orders of p6..p13 (p11..p13 have no profile): customer p<i> places i - 4 orders of 10 each
ORDER_ROWS = [(f"p{i}@shop.com", f"#{i}-{n}", 10.0) for i in range(6, 14) for n in range(i - 4)]
ORDERS_CSV = "Email,Name,Created at,Total,Country\n" + "".join(
    f"{email},{order},2024-0{1 + n % 6}-{1 + n % 27:02d} 10:00:00 +0000,{total},FR\n"
    for n, (email, order, total) in enumerate(ORDER_ROWS)
)
MAPPING = OrderColumns("Email", "Created at", amount="Total", order_id="Name", carried=("Country",))


def profiles(text: str = PROFILES_CSV, name: str = "profiles.csv") -> CustomerData:
    return customers_from_table(load_table(text.encode(), name))


def orders(text: str = ORDERS_CSV, columns: OrderColumns = MAPPING) -> CustomerData:
    table = load_table(text.encode(), "orders.csv")
    typed = infer_schema(table.frame, one_row_per_customer=False)
    return customers_from_orders(table, typed, columns)


@pytest.fixture(scope="module")
def joined():
    return join_customers(profiles(), orders())


def test_the_e_mail_columns_are_the_suggested_keys() -> None:
    assert suggest_keys(profiles(), orders()) == JoinKeys("Email", "Email")
    assert "customer_id" not in key_candidates(profiles())  # rows numbered by the app


def test_match_report_counts_and_examples(joined) -> None:
    match = joined.match
    assert match.fold_case
    assert match.matched.count == 5  # p6..p10
    assert match.matched.examples == tuple(f"p{i}@shop.com" for i in range(6, 11))
    assert (match.only_profiles.count, match.only_orders.count) == (6, 3)
    assert match.only_orders.examples == ("p11@shop.com", "p12@shop.com", "p13@shop.com")
    assert match.duplicate_profiles.count == 1
    assert match.duplicate_profiles.examples == ("p0@shop.com",)
    assert match.duplicate_orders.count == 0
    assert match.no_key_profiles.count == 1
    assert match.n_customers == joined.data.report.n_customers == 14


def test_profiles_without_orders_and_buyers_without_profile(joined) -> None:
    table = joined.data.customers.set_index("Email")
    assert list(joined.data.customers.columns[:1]) == ["Email"]
    assert table.loc["P0@Shop.COM", "First Name"] == "Anna"  # the first spelling kept
    no_orders = table.loc["P3@Shop.COM"]
    assert (no_orders["frequency"], no_orders["monetary"]) == (0, 0)
    assert pd.isna(no_orders["recency_days"]) and pd.isna(no_orders["last_order"])
    buyer = table.loc["p13@shop.com"]
    assert pd.isna(buyer["First Name"]) and pd.isna(buyer["Age"])
    assert (buyer["frequency"], buyer["monetary"]) == (9, 90)
    assert table.loc["P8@Shop.COM", "frequency"] == 4
    assert table.loc["P8@Shop.COM", "Country (orders)"] == "FR"
    assert table.loc["P7@Shop.COM", "Country"] == "GB"


def test_the_schema_keeps_profile_meanings_and_orders_are_behavioural(joined) -> None:
    schema = joined.data.schema
    assert schema.id_column == "Email"
    assert schema.column("Email").meaning == "email"
    assert schema.column("Accepts Marketing").meaning == "consent"
    assert schema.column("First Name").role == "ignore"  # personal data stays out
    assert schema.column("frequency").base == "behavioral"
    assert schema.column("monetary").meaning == "customer_value"
    assert schema.column("Age").missing_share == pytest.approx(3 / 14)
    assert "customer_id" not in schema.names


def test_the_source_names_both_files(joined) -> None:
    source = joined.data.source
    assert source.name == "profiles.csv + orders.csv"
    assert source.content_sha256 not in (
        profiles().source.content_sha256,
        orders().source.content_sha256,
    )
    notes = " ".join(joined.data.report.read_notes)
    assert "6 customers have a profile but no orders: their order count and net spend are 0" in (
        notes
    )
    reasons = [e.reason for e in joined.data.report.exclusions]
    assert "profiles.csv: rows without a 'Email'" in reasons


def test_predictions_find_the_joined_customers(joined) -> None:
    history = data_order_history(joined.data)
    ids = set(joined.data.customers["Email"])
    assert set(history.orders["customer"]) <= ids
    assert len(history.orders) == len(ORDER_ROWS)


def test_the_orders_side_may_come_first() -> None:
    first, second = join_sides(orders(), profiles())
    assert (first.source.name, second.source.name) == ("profiles.csv", "orders.csv")


def test_a_repeated_buyer_keeps_the_one_with_most_orders() -> None:
    # a table of buyers whose ids differ only in case (the orders engine folds e-mail keys
    # itself, so the repeat is written as a table of customers)
    buyers = "email,frequency,monetary\n" + "".join(
        f"p{i}@shop.com,{i},{10 * i}\n" for i in range(4, 14)
    )
    buyers += "P13@SHOP.com,1,5\n"
    result = join_customers(profiles(), profiles(buyers, "buyers.csv"))
    assert result.match.duplicate_orders.count == 1
    assert result.match.duplicate_orders.examples == ("p13@shop.com",)
    kept = result.data.customers.set_index("Email").loc["p13@shop.com"]
    assert (kept["frequency"], kept["monetary"]) == (13, 130)


def test_numeric_ids_join_as_text() -> None:
    crm = "customer_id,segment\n" + "".join(f"{i},{'AB'[i % 2]}\n" for i in range(1, 13))
    buys = "customer_id,date,amount\n" + "".join(
        f"{1 + i % 15},2024-01-{1 + i % 28:02d},5\n" for i in range(40)
    )
    columns = OrderColumns("customer_id", "date", amount="amount")
    result = join_customers(profiles(crm, "crm.csv"), orders(buys, columns))
    assert result.match.keys == JoinKeys("customer_id", "customer_id")
    assert not result.match.fold_case
    assert result.match.matched.count == 12 and result.match.only_orders.count == 3


def test_no_common_key_says_what_to_check() -> None:
    crm = "customer_id,segment\n" + "".join(f"{1000 + i},{'AB'[i % 2]}\n" for i in range(12))
    with pytest.raises(JoinError, match=r"No customer of 'crm\.csv' matches one of 'orders\.csv'"):
        join_customers(profiles(crm, "crm.csv"), orders())
    with pytest.raises(SegmentationError) as err:
        join_customers(profiles(crm, "crm.csv"), orders())
    message = str(err.value)
    assert "'1000', '1001', '1002'" in message and "'p10@shop.com'" in message
    assert "one side holds numeric ids and the other e-mail addresses" in message


def test_an_unknown_key_column_is_refused() -> None:
    with pytest.raises(JoinError, match=r"'profiles\.csv' has no column 'Phone' to join on"):
        join_customers(profiles(), orders(), JoinKeys("Phone", "Email"))


@pytest.mark.parametrize(
    ("values", "fold", "expected"),
    [
        ([" A@B.com ", "a@b.com"], True, ["a@b.com", "a@b.com"]),
        ([" A7 ", "a7"], False, ["A7", "a7"]),
        ([7.0, 12.0], False, ["7", "12"]),
        (["", None], False, [None, None]),
    ],
)
def test_normalised_keys(values: list, fold: bool, expected: list) -> None:
    result = normalised_keys(pd.Series(values), fold)
    assert [None if pd.isna(v) else v for v in result] == expected


def test_keys_round_trip_as_dicts() -> None:
    keys = JoinKeys("Email", "customer")
    assert JoinKeys.from_dict(keys.to_dict()) == keys
