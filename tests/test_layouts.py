"""Platform layouts: recognised from their headers, their meanings applied, and — the truth
check — each seeded export (``tests/platform_exports.py``) read through the loader gives the
customers, orders, net spend and exclusions its generator wrote beside it."""

from __future__ import annotations

import math
from functools import cache

import pandas as pd
import pytest

from segmentation.data.dataset import customers_from_table
from segmentation.data.layouts import (
    DERIVED_KEY,
    LAYOUTS,
    apply_layout,
    detect_layout,
    infer_with_layout,
    layout_named,
    suggest_orders,
)
from segmentation.data.loading import load_table
from segmentation.data.meanings import MEANING_KEYS
from segmentation.data.orders import aggregate_orders
from segmentation.data.schema import infer_schema
from tests import platform_exports
from tests.test_app import open_app, texts, upload

KEYS = [layout.key for layout in LAYOUTS]
ORDER_LAYOUTS = [layout.key for layout in LAYOUTS if layout.rows == "orders"]
PROFILE_LAYOUTS = [layout.key for layout in LAYOUTS if layout.rows == "customers"]
# the header that identifies customers, per layout (Stripe payments: the id, else the e-mail)
CUSTOMER_KEY = {
    "shopify_orders": "Email",
    "shopify_customers": "Customer ID",
    "woocommerce_orders": "Email (Billing)",
    "klaviyo_profiles": "Email",
    "mailchimp_audience": "Email Address",
    "hubspot_contacts": "Record ID",
    "stripe_customers": "id",
    "stripe_payments": DERIVED_KEY,
}
# profile layouts: (order count column, spend column); None where the platform has none
PROFILE_MEASURES = {
    "shopify_customers": ("Total Orders", "Total Spent"),
    "klaviyo_profiles": ("Historic Number Of Orders", "Total Customer Lifetime Value"),
    "mailchimp_audience": (None, None),
    "hubspot_contacts": (None, "Total Revenue"),
    "stripe_customers": ("Payment Count", "Total Spend"),
}
# words the engine's exclusion reasons use for each way an order is left out
EXCLUSION_WORDS = {
    "pending": ("pending",),
    "authorized": ("authori",),
    "voided": ("void",),
    "cancelled": ("cancel",),
    "failed": ("fail",),
    "on-hold": ("on-hold", "on hold"),
    "uncaptured": ("uncaptured", "authori", "captured"),
    "test": ("test",),
}


@cache
def export(key: str) -> platform_exports.Export:
    return platform_exports.GENERATORS[key]()


@cache
def loaded(key: str):
    """The export read as an upload is: load_table → infer_schema → apply_layout."""
    table = load_table(export(key).data, export(key).file_name)
    typed, layout = infer_with_layout(table.frame)
    return table, typed, layout


def folded(key: object) -> str:
    return str(key).strip().casefold()


# --- the layout table -------------------------------------------------------------------------


def test_layouts_are_data_with_known_meanings_and_a_source() -> None:
    assert len(set(KEYS)) == len(KEYS) == 8
    for layout in LAYOUTS:
        assert set(layout.meanings.values()) <= set(MEANING_KEYS), layout.key
        assert layout.source.startswith("https://"), layout.key
        assert layout.title.startswith("a ") and layout.name.endswith("export")
        assert (layout.orders is None) == (layout.rows == "customers"), layout.key


@pytest.mark.parametrize("key", KEYS)
def test_each_export_carries_exactly_its_published_columns(key: str) -> None:
    table, _, _ = loaded(key)
    layout = layout_named(key)
    unknown = [c for c in table.frame.columns if layout.meaning(c) is None]
    assert unknown == [], f"{key}: the layout does not know {unknown}"


# --- detection ---------------------------------------------------------------------------------


@pytest.mark.parametrize("key", KEYS)
def test_each_layout_is_detected_from_its_own_headers(key: str) -> None:
    header = list(loaded(key)[0].frame.columns)
    assert detect_layout(header).key == key
    assert detect_layout([h.upper() for h in header]).key == key  # any case
    assert detect_layout([f" {h} " for h in header] + ["Our own column"]).key == key
    layout = layout_named(key)
    optional = [h for h in header if h not in (*layout.signature, *layout.customer_key)]
    assert detect_layout([h for h in header if h not in optional[:3]]).key == key


@pytest.mark.parametrize("key", KEYS)
def test_a_layout_is_not_detected_from_other_layouts_headers(key: str) -> None:
    for other in KEYS:
        if other != key:
            assert detect_layout(loaded(other)[0].frame.columns).key != key


@pytest.mark.parametrize(
    "header",
    [
        ["customer_id", "order_date", "amount"],
        ["InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID"],
        ["Email", "Total Spent"],  # too little to tell Shopify customers
        [],
    ],
)
def test_ordinary_files_have_no_layout(header: list[str]) -> None:
    assert detect_layout(header) is None


# --- meanings ----------------------------------------------------------------------------------


@pytest.mark.parametrize("key", KEYS)
def test_the_layouts_meanings_are_applied_with_their_reason(key: str) -> None:
    _, typed, layout = loaded(key)
    assert layout.key == key
    for column in typed.schema.columns:
        if column.name == DERIVED_KEY:
            continue
        assert column.meaning == layout.meaning(column.name), column.name
        assert column.meaning_reason.startswith(f"{layout.name}: '{column.name}' is ")
    assert typed.schema.id_column == CUSTOMER_KEY[key]
    assert [c.name for c in typed.schema.columns if c.role == "id"] == [CUSTOMER_KEY[key]]


def test_the_reason_names_the_layout_and_what_the_column_holds() -> None:
    schema = loaded("shopify_orders")[1].schema
    assert schema.column("Email").meaning_reason == (
        "Shopify orders export: 'Email' is the customer's e-mail"
    )
    assert schema.column("Id").meaning == "internal_id"  # the order's id, not the customer
    assert schema.column("Created at").kind == "datetime"


@pytest.mark.parametrize("key", KEYS)
def test_personal_data_is_never_a_feature(key: str) -> None:
    for column in loaded(key)[1].schema.columns:
        if column.meaning in ("email", "phone", "person_name", "street_address", "internal_id"):
            assert column.role != "feature", (key, column.name)
            assert column.base == "other", (key, column.name)


def test_apply_layout_works_on_a_table_typed_without_it() -> None:
    frame = loaded("klaviyo_profiles")[0].frame
    typed = apply_layout(infer_schema(frame), layout_named("klaviyo_profiles"))
    assert typed.schema.column("Total Customer Lifetime Value").meaning == "customer_value"
    assert typed.schema.column("Klaviyo ID").meaning == "internal_id"
    assert typed.schema.id_column == "Email"


def test_apostrophe_protected_shopify_ids_and_zips_are_read_as_written() -> None:
    frame = loaded("shopify_customers")[1].frame
    assert not frame["Customer ID"].str.startswith("'").any()
    assert frame["Default Address Zip"].isin(["02139", "07102", "78701", "97201", "M5V 2T6",
                                               "EC1A 1BB"]).all()  # fmt: skip


def test_stripe_guests_are_keyed_by_their_email() -> None:
    frame = loaded("stripe_payments")[1].frame
    guests = frame["Customer ID"].isna()
    assert guests.any() and (~guests).any()
    assert (frame.loc[~guests, DERIVED_KEY] == frame.loc[~guests, "Customer ID"]).all()
    emails = frame.loc[guests, "Customer Email"].str.strip().str.casefold()
    assert (frame.loc[guests, DERIVED_KEY] == emails).all()


# --- the order mapping -------------------------------------------------------------------------

EXPECTED_ORDER_COLUMNS = {
    "shopify_orders": dict(customer_id="Email", order_date="Created at", amount="Total",
                           amount_per="order", order_id="Name", status="Financial Status",
                           refund="Refunded Amount", test_flag=None, currency="Currency"),
    "woocommerce_orders": dict(customer_id="Email (Billing)", order_date="Order Date",
                               amount="Order Total Amount", amount_per="order",
                               order_id="Order Number", status="Order Status",
                               refund="Order Refund Amount", test_flag=None, currency=None),
    "stripe_payments": dict(customer_id=DERIVED_KEY, order_date="Created date (UTC)",
                            amount="Amount", amount_per="line", order_id="id", status="Status",
                            refund="Amount Refunded", test_flag="Mode", currency="Currency"),
}  # fmt: skip


@pytest.mark.parametrize("key", ORDER_LAYOUTS)
def test_an_orders_layout_pre_fills_the_mapping(key: str) -> None:
    columns = suggest_orders(loaded(key)[1])
    assert columns.layout == key
    for field, value in EXPECTED_ORDER_COLUMNS[key].items():
        assert getattr(columns, field) == value, field
    carried_meanings = {loaded(key)[1].schema.column(c).meaning for c in columns.carried}
    assert not carried_meanings & {"email", "phone", "person_name", "internal_id", "currency"}


@pytest.mark.parametrize("key", PROFILE_LAYOUTS)
def test_a_profile_layout_is_not_orders(key: str) -> None:
    assert suggest_orders(loaded(key)[1]) is None


def test_without_a_layout_the_mapping_is_the_detected_one() -> None:
    raw = pd.DataFrame({"customer": ["a", "a", "b"] * 4, "date": ["2024-01-05"] * 12,
                        "amount": ["3", "4", "5"] * 4})  # fmt: skip
    columns = suggest_orders(infer_schema(raw))
    assert (columns.customer_id, columns.amount, columns.layout) == ("customer", "amount", None)


# --- the truth ---------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ORDER_LAYOUTS)
def test_orders_exports_give_the_truths_customers_orders_and_spend(key: str) -> None:
    truth = export(key).truth
    _, typed, _ = loaded(key)
    summary = aggregate_orders(typed, suggest_orders(typed))
    customers = summary.customers.rename(index=folded)
    assert len(customers) == truth["customer_count"]
    assert summary.n_lines == truth["n_lines"]
    expected = pd.DataFrame(truth["customers"]).T.rename(index=folded)
    assert set(customers.index) == set(expected.index)
    joined = customers.join(expected)
    wrong = joined[(joined["frequency"] != joined["orders"])
                   | ((joined["monetary"] - joined["net_spend"]).abs() > 0.011)]  # fmt: skip
    assert wrong.empty, wrong[["frequency", "orders", "monetary", "net_spend"]].head()
    assert summary.n_orders == truth["n_orders"]


@pytest.mark.parametrize("key", ORDER_LAYOUTS)
def test_orders_exports_count_each_exclusion(key: str) -> None:
    truth = export(key).truth
    _, typed, _ = loaded(key)
    exclusions = aggregate_orders(typed, suggest_orders(typed)).exclusions
    for reason, counts in truth["exclusions"].items():
        found = [e for e in exclusions if any(w in e.reason.casefold()
                                              for w in EXCLUSION_WORDS[reason])]  # fmt: skip
        assert found, f"no exclusion for {reason} orders in {exclusions}"
        assert {e.rows for e in found} & {counts["orders"], counts["lines"]}, (reason, found)


@pytest.mark.parametrize("key", PROFILE_LAYOUTS)
def test_profile_exports_give_the_truths_customers(key: str) -> None:
    truth = export(key).truth
    table, typed, _ = loaded(key)
    data = customers_from_table(table, typed)
    assert data.report.n_customers == truth["customer_count"]
    frame = data.customers.set_index(data.id_column).rename(index=folded)
    expected = {folded(k): v for k, v in truth["customers"].items()}
    assert set(frame.index) == set(expected)
    count_column, spend_column = PROFILE_MEASURES[key]
    for column, field in ((count_column, "orders"), (spend_column, "net_spend")):
        if column is None:
            continue
        values = frame[column].astype("Float64").fillna(0)  # a blank lifetime value is 0
        for customer, truth_row in expected.items():
            assert math.isclose(values[customer], truth_row[field], abs_tol=0.006), customer


# --- the Data page -----------------------------------------------------------------------------


def test_the_data_page_names_an_orders_layout_and_pre_fills_the_mapping() -> None:
    app = upload(open_app(), "orders_export.csv", export("shopify_orders").data)
    shown = texts(app)
    assert "Looks like **a Shopify orders export** — the mapping below is pre-filled" in shown


def test_the_data_page_names_a_profile_layout() -> None:
    app = upload(open_app(), "klaviyo.csv", export("klaviyo_profiles").data)
    assert "Looks like **a Klaviyo profiles export**." in texts(app)
