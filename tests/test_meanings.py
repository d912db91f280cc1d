"""Column meanings: the vocabulary, and detection from names and values with a reason.

One row per meaning and platform convention, with the value examples of issue 12: a column is
typed by ``infer_schema`` next to a customer id (rows are customers, or order lines where the id
repeats), then its meaning, the reason's wording, and the role that follows are checked.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from segmentation import infer_schema
from segmentation.data.meanings import (
    MEANING_KEYS,
    MEANINGS,
    VALUE_TESTS,
    ColumnEvidence,
    detect_meaning,
    meaning_of,
    written_as_text,
)
from segmentation.data.words import ABBREVIATIONS, spelled_out
from segmentation.errors import SchemaError

EMAILS = ["ann@example.com", "bo@example.org", "cy.d@shop.co.uk"]
ISSUE_VOCABULARY = (
    "customer key, e-mail, phone, personal name, street address, order key, order date, line "
    "amount, order total, quantity, unit price, currency, order/financial status, refund amount, "
    "test-order flag, consent/opt-in, signup date, customer value, order count, campaign "
    "response, country, region, city, postcode, latitude, longitude, tags, internal/platform id, "
    "free text, other"
)


def profile(name: str, values: list[str], customers: bool = True, rows: int = 12):
    """The profile and typed values of one column typed next to a customer id."""
    ids = [f"C{i}" if customers else f"C{i % 4}" for i in range(rows)]
    frame = pd.DataFrame({"customer_id": ids, name: (values * rows)[:rows]})
    table = infer_schema(frame, one_row_per_customer=customers)
    return table.schema.column(name), table.frame[name]


# (column name, values, rows are customers, meaning, words of the reason)
CASES = [
    # customer key
    ("Customer ID", ["C001", "C002", "C003"], True, "customer_key", "reads as customer key"),
    ("CUST_ID", ["C10001", "C10002", "C10003"], True, "customer_key", "reads as customer key"),
    ("id", ["cus_NffrFeUfNV2Hib", "cus_NffrFeUfNV2Hic"], True, "customer_key", "Stripe customer"),
    # e-mail: Shopify, Klaviyo, Mailchimp, Stripe, or the values alone
    ("Email", EMAILS, True, "email", "name 'Email' and all values are e-mail addresses"),
    ("$email", EMAILS, True, "email", "e-mail addresses"),
    ("Email Address", EMAILS, True, "email", "e-mail addresses"),
    ("Customer Email", EMAILS, False, "email", "e-mail addresses"),
    ("contact", EMAILS, True, "email", "all values are e-mail addresses"),
    # phone
    ("Billing Phone", ["+1 (555) 010-1234", "+1 555 010 9876"], False, "phone", "phone numbers"),
    ("Phone Number", ["6029997186", "0049301234567"], True, "phone", "phone numbers"),
    ("contact_2", ["+44 20 7946 0958", "+33 1 23 45 67 89"], True, "phone", "written like phone"),
    # personal name, street address
    ("Billing Name", ["Diane Reyes", "Mary-Jo O'Neil", "Li Wei"], False, "person_name", "names"),
    ("First Name", ["Diane", "Mary", "Li"], True, "person_name", "look like names"),
    ("Card Name", ["Diane Reyes", "Li Wei"], False, "person_name", "look like names"),
    ("Billing Address1", ["12 Main St", "Flat 4, 10 High Road"], False, "street_address", "name"),
    ("Card Address Line1", ["12 Main St", "3 Rue de la Paix"], False, "street_address", "name"),
    # order key: invoice numbers, Shopify's order Name (#1001), Stripe payments
    ("InvoiceNo", ["536365", "536366", "C536379"], False, "order_key", "reads as order key"),
    ("Name", ["#1001", "#1002", "#1003"], False, "order_key", "order numbers (#1001)"),
    (
        "id",
        ["ch_3MmlLrLkdIwHu7ix0snN0B15", "py_3MmlLrLkdIwHu7ix0snN"],
        False,
        "order_key",
        "Stripe",
    ),
    ("order_number", ["1001", "1002"], False, "order_key", "reads as order key"),
    # order date
    (
        "Created at",
        ["2024-03-15 10:22:31 -0400", "2024-11-15 10:22:31 -0500"],
        False,
        "order_date",
        "name 'Created at' and all values parse as dates",
    ),
    ("InvoiceDate", ["12/1/2010 8:26", "1/13/2011 9:05"], False, "order_date", "parse as dates"),
    ("Created (UTC)", ["2024-03-15 10:22", "2024-03-16 11:00"], False, "order_date", "dates"),
    # money and quantities of orders
    ("line_total", ["12.50", "7.00", "3.10"], False, "line_amount", "are numbers"),
    ("Total", ["54.50", "12.00"], False, "order_total", "name 'Total'"),
    ("Amount", ["19.99", "5.00"], False, "order_total", "name 'Amount'"),
    ("Lineitem quantity", ["1", "2", "3"], False, "quantity", "are numbers"),
    ("qty", ["1", "2", "3"], False, "quantity", "are numbers"),
    ("Lineitem price", ["9.99", "4.50"], False, "unit_price", "are numbers"),
    ("UnitPrice", ["2.55", "3.39"], False, "unit_price", "are numbers"),
    ("Refunded Amount", ["0", "12.5"], False, "refund_amount", "are numbers"),
    ("Amount Refunded", ["0", "12.5"], False, "refund_amount", "are numbers"),
    # currency, status, test orders
    ("Currency", ["USD", "EUR", "GBP"], False, "currency", "ISO 4217 currency codes"),
    ("code_3", ["USD", "EUR", "GBP"], True, "currency", "all values are ISO 4217"),
    ("Financial Status", ["paid", "pending", "refunded", "voided"], False, "order_status", "paid"),
    ("status", ["wc-completed", "wc-processing", "wc-refunded"], False, "order_status", "status"),
    ("Status", ["Paid", "Failed", "Refunded"], False, "order_status", "order statuses"),
    ("Mode", ["Live", "Test", "Live"], False, "test_order", "'test' or 'live'"),
    ("test", ["true", "false", "false"], False, "test_order", "yes/no"),
    # consent and signup
    ("Accepts Marketing", ["yes", "no"], True, "consent", "yes/no"),
    ("email_opt_in", ["Yes", "No"], True, "consent", "yes/no"),
    (
        "Email Marketing Consent",  # Klaviyo
        ["SUBSCRIBED", "UNSUBSCRIBED", "NEVER_SUBSCRIBED"],
        True,
        "consent",
        "name 'Email Marketing Consent' reads as consent/opt-in",
    ),
    ("OPTIN_TIME", ["2019-05-14 18:06:01", "2020-01-02 08:00:00"], True, "signup_date", "dates"),
    ("Create Date", ["2024-03-15 10:22", "2024-03-16 11:00"], True, "signup_date", "dates"),
    ("Dt_Customer", ["04-09-2012", "21-08-2013"], True, "signup_date", "parse as dates"),
    # customer value, order count, campaign response (customer tables)
    ("TotalCharges", ["29.85", "1889.5", "108.15"], True, "customer_value", "are numbers"),
    ("MntWines", ["635", "11", "426"], True, "customer_value", "are numbers"),
    ("balance", ["2143", "29", "-5"], True, "customer_value", "are numbers"),
    ("Total Spent", ["$1,200.00", "$35.50"], True, "customer_value", "are numbers"),
    ("PURCHASES", ["95.4", "0", "773.17"], True, "customer_value", "are numbers"),
    ("NumWebPurchases", ["8", "1", "4"], True, "order_count", "whole numbers"),
    ("Total Orders", ["8", "1", "4"], True, "order_count", "whole numbers"),
    ("Response", ["1", "0", "0"], True, "campaign_response", "yes/no"),
    ("AcceptedCmp1", ["0", "1", "0"], True, "campaign_response", "yes/no"),
    # where
    ("Country", ["United Kingdom", "France", "Germany"], False, "country", "ISO 3166"),
    ("Billing Country", ["US", "CN", "GB"], False, "country", "ISO 3166 country codes"),
    ("CC", ["US", "DE", "FR"], True, "country", "ISO 3166"),
    ("market", ["Germany", "France", "Spain"], True, "country", "all values are country names"),
    ("Billing Province", ["CA", "NY", "TX"], False, "region", "reads as region"),
    ("State / Region", ["California", "Texas"], True, "region", "reads as region"),
    ("City", ["Paris", "London", "Berlin"], True, "city", "reads as city"),
    ("Billing Zip", ["02134", "10001", "94105"], False, "postcode", "look like postcodes"),
    ("LATITUDE", ["51.5", "48.85", "-33.9"], True, "latitude", "between -90 and 90"),
    ("LONGITUDE", ["-0.12", "2.35", "151.2"], True, "longitude", "between -180 and 180"),
    # tags, internal ids, free text
    ("Tags", ["vip, wholesale", "newsletter", "vip"], True, "tags", "hold several labels"),
    ("TAGS", ['["vip", "b2b"]', '["new"]'], True, "tags", "hold several labels"),
    ("Record ID", ["101", "102", "103"], True, "internal_id", "reads as internal/platform id"),
    ("Card Fingerprint", ["Xt5EWLLDS7FJjR1c", "Yt5EWLLDS7FJjR1d"], False, "internal_id", "name"),
    ("Card Last4", ["4242", "0005", "1881"], False, "internal_id", "internal/platform id"),
    ("IP Address", ["192.168.0.1", "10.0.0.2"], True, "internal_id", "internal/platform id"),
    ("LEID", ["123456", "123457"], True, "internal_id", "name 'LEID'"),
    ("visitor", ["9f1c2a4e-6b7d-4c1e-9a3b-2d5e6f708192"], True, "internal_id", "UUIDs"),
    ("Notes", ["call back on Monday", "VIP", "prefers e-mail"], True, "free_text", "free text"),
    # other: names that look like a meaning but are not
    ("age", ["34", "51", "27"], True, "other", "no pattern in the name or values matched"),
    ("email_open_rate", ["0.12", "0.5"], True, "other", "no pattern"),
    ("PhoneService", ["Yes", "No"], True, "other", "no pattern"),
    ("buyer_status", ["Regular buyer", "New", "Lapsed"], True, "other", "no pattern"),
    ("MonthlyCharges", ["29.85", "56.95"], True, "other", "no pattern"),
    ("price_sensitive", ["1", "5", "3"], True, "other", "no pattern"),
    ("lat", ["120", "130", "140"], True, "other", "no pattern"),  # out of range: not a latitude
    ("Paid at", ["2024-03-15 10:22:31 -0400"], False, "other", "no pattern"),
]


@pytest.mark.parametrize(
    ("name", "values", "customers", "meaning", "reason"),
    CASES,
    ids=[f"{c[3]}:{c[0]}" for c in CASES],
)
def test_meaning_and_reason(name, values, customers, meaning, reason) -> None:
    column, _ = profile(name, values, customers)
    assert column.meaning == meaning, column.meaning_reason
    assert reason in column.meaning_reason
    assert "." not in column.meaning_reason[-1:]  # one sentence, read inside the table


def test_every_meaning_of_the_vocabulary_is_detected_by_a_case() -> None:
    assert {case[3] for case in CASES} == set(MEANING_KEYS)


def test_the_vocabulary_is_the_one_the_issue_documents() -> None:
    assert ", ".join(m.label for m in MEANINGS) == ISSUE_VOCABULARY
    assert all(m.description.endswith(".") for m in MEANINGS)
    assert {m.key for m in MEANINGS if m.personal} == {
        "email",
        "phone",
        "person_name",
        "street_address",
        "internal_id",
    }


@pytest.mark.parametrize(
    ("name", "values", "customers"),
    [
        ("Email", EMAILS, True),
        ("Phone Number", ["6029997186", "0049301234567"], True),  # digits: read as text
        ("Billing Name", ["Diane Reyes", "Li Wei"], False),
        ("Billing Address1", ["12 Main St", "10 High Road"], False),
        ("Card Last4", ["4242", "0005", "1881"], False),
        ("Card Fingerprint", ["Xt5EWLLDS7FJjR1c", "Yt5EWLLDS7FJjR1d"], False),
        ("IP Address", ["192.168.0.1", "10.0.0.2"], True),
        ("LEID", ["123456", "123457"], True),  # a number, still never a feature
    ],
)
def test_personal_data_is_never_suggested_as_a_feature(name, values, customers) -> None:
    column, _ = profile(name, values, customers)
    assert meaning_of(column.meaning).personal
    assert column.role == "ignore" and column.base == "other"
    assert "target list" in column.note


@pytest.mark.parametrize(
    ("name", "values", "expected"),
    [
        ("Billing Zip", ["02134", "10001"], "02134"),
        ("Phone", ["0049301234567", "6029997186"], "0049301234567"),
        ("Card Last4", ["0005", "4242"], "0005"),
        ("contact_2", ["+44 20 7946 0958", "+1 555-010-1234"], "+44 20 7946 0958"),
    ],
)
def test_codes_keep_their_leading_zeros(name, values, expected) -> None:
    _, values_read = profile(name, values)
    assert values_read.iloc[0] == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Billing Zip", True), ("Zip Code", True), ("Phone", True), ("phone_calls", False)],
)
def test_names_of_codes_keep_values_as_text(name, expected) -> None:
    assert written_as_text(name) is expected


def test_money_written_with_symbols_is_a_money_value_without_a_name() -> None:
    evidence = ColumnEvidence("col_7", "numeric", ("$1,200.00", "$35.50"), customers=True)
    guess = detect_meaning(evidence)
    assert (guess.meaning, guess.reason) == ("customer_value", "all values are money amounts")


def test_a_value_test_needs_its_threshold() -> None:
    half = ("ann@example.com", "not an address")
    assert VALUE_TESTS["email"].share(ColumnEvidence("x", "categorical", half)) == 0.5
    assert detect_meaning(ColumnEvidence("x", "categorical", half)).meaning == "other"


def test_an_unknown_meaning_is_refused_with_the_vocabulary() -> None:
    with pytest.raises(SchemaError, match=r"'revenue' is not a column meaning\. Meanings are: "):
        meaning_of("revenue")


def test_abbreviations_are_spelled_out_in_one_pass_as_one_after_another() -> None:
    # one pattern replaces every abbreviation at once: right only while no spelled-out form
    # holds an abbreviation as a word (else replacing them in turn would change it again)
    for long in ABBREVIATIONS.values():
        assert not any(re.search(rf"\b{re.escape(short)}\b", long) for short in ABBREVIATIONS)
    for name, expected in [
        ("avg_txn_amt", "average transaction amount"),
        ("CUST_DOB", "customer date of birth"),
        ("prods_cmp3_pct", "products campaign 3 percent"),
        ("e_mail", "e-mail"),
        ("MntWines", "amount spent wines"),
        ("product_dt", "product date"),
    ]:
        assert spelled_out.__wrapped__(name) == expected
