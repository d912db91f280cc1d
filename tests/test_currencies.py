"""Money in several currencies: one analysed, converted with rates, or a clear error."""

from __future__ import annotations

import pytest

from segmentation.data.currencies import shares_text
from segmentation.data.orders import OrderColumns, aggregate_orders, detect_orders
from segmentation.errors import AggregationError
from tests.test_purchases import typed

# 20 orders: 15 in USD (10 each), 4 in EUR (20 each), 1 in GBP (50); currency on first lines only
LINES = ["order_id,email,created_at,total,currency"]
for i in range(20):
    code, amount = ("USD", 10) if i < 15 else ("EUR", 20) if i < 19 else ("GBP", 50)
    LINES.append(f"{i},c{i % 4}@example.com,2024-03-{i + 1:02d},{amount},{code}")
    LINES.append(f"{i},,,,")  # a second line of the order, order fields blank
MIXED = "\n".join(LINES) + "\n"
BASE = OrderColumns("email", "created_at", amount="total", order_id="order_id",
                    currency="currency", amount_per="order")  # fmt: skip


def with_(**changes) -> OrderColumns:
    return OrderColumns.from_dict({**BASE.to_dict(), **changes})


def test_mixed_currencies_are_never_added_silently() -> None:
    message = (
        r"The orders are in 3 currencies \(column 'currency'\): USD 75 %, EUR 20 %, GBP 5 % of "
        r"orders\. Amounts in different currencies cannot be added up\. Choose one currency to "
        r"analyse .* or convert with a rate to USD for each currency\."
    )
    with pytest.raises(AggregationError, match=message):
        aggregate_orders(typed(MIXED), BASE)


def test_detection_leaves_the_choice_to_the_user_when_there_are_several() -> None:
    columns = detect_orders(typed(MIXED))
    assert (columns.currency, columns.only_currency, columns.rates) == ("currency", None, ())


CASES = [
    # (choice, analysis currency, total spend, excluded)
    ({"only_currency": "USD"}, "USD", 150.0, {"orders in EUR (only USD is analysed)": 4,
                                              "orders in GBP (only USD is analysed)": 1}),
    ({"only_currency": "eur"}, "EUR", 80.0, {"orders in USD (only EUR is analysed)": 15,
                                             "orders in GBP (only EUR is analysed)": 1}),
    ({"rates": (("USD", 1.0), ("EUR", 1.1), ("GBP", 1.25))}, "USD", 150 + 88 + 62.5, {}),
]  # fmt: skip


@pytest.mark.parametrize(("choice", "currency", "spend", "excluded"), CASES)
def test_one_currency_or_converted(choice, currency, spend, excluded) -> None:
    summary = aggregate_orders(typed(MIXED), with_(**choice))
    assert summary.currency == currency
    assert summary.currency_shares == (("USD", 0.75), ("EUR", 0.2), ("GBP", 0.05))
    assert summary.customers["monetary"].sum() == pytest.approx(spend)
    assert {e.reason: e.rows for e in summary.exclusions} == excluded
    note = next(n for n in summary.notes if "USD 75 %, EUR 20 %, GBP 5 %" in n)
    assert currency in note


def test_a_missing_rate_is_named() -> None:
    with pytest.raises(
        AggregationError, match=r"No usable conversion rate for GBP \(5 % of orders"
    ):
        aggregate_orders(typed(MIXED), with_(rates=(("USD", 1.0), ("EUR", 1.1))))


def test_one_currency_is_picked_and_noted() -> None:
    text = MIXED.replace("EUR", "USD").replace("GBP", "USD")
    table = typed(text)
    columns = detect_orders(table)
    assert columns.only_currency == "USD"
    summary = aggregate_orders(table, columns)
    assert (summary.currency, summary.currency_shares) == ("USD", (("USD", 1.0),))
    assert "Amounts are in USD (the only currency in the file)." in summary.notes


def test_a_column_of_other_words_is_not_taken_for_currencies() -> None:
    text = MIXED.replace("USD", "France").replace("EUR", "Spain").replace("GBP", "Italy")
    with pytest.raises(AggregationError, match=r"should hold ISO 4217 currency codes"):
        aggregate_orders(typed(text), with_(only_currency="France"))


def test_many_codes_get_a_short_list_and_a_hint() -> None:
    codes = ["USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "SEK", "NOK", "DKK", "PLN", "CZK",
             "HUF", "NZD"]  # fmt: skip
    lines = ["order_id,email,created_at,total,currency"] + [
        f"{i},c{i % 5}@example.com,2024-03-{i % 28 + 1:02d},10,{codes[i % len(codes)]}"
        for i in range(28)
    ]
    with pytest.raises(AggregationError, match=r"in 14 currencies .* 8 others 57 %.* many codes"):
        aggregate_orders(typed("\n".join(lines) + "\n"), BASE)


def test_converted_amounts_in_the_file_are_preferred_to_mixed_ones() -> None:
    lines = ["id,Customer ID,Created (UTC),Amount,Currency,Converted Amount,Converted Currency"]
    for i in range(12):
        code, amount, converted = [("usd", 10, 10), ("eur", 10, 11)][i % 2]
        lines.append(f"ch_{i:08d},cus_{i % 3:06d},2024-03-{i + 1:02d} 10:00,{amount},{code},"
                     f"{converted},usd")  # fmt: skip
    table = typed("\n".join(lines) + "\n")
    columns = detect_orders(table)
    assert (columns.amount, columns.currency) == ("Converted Amount", "Converted Currency")
    summary = aggregate_orders(table, columns)
    assert summary.customers["monetary"].sum() == pytest.approx(6 * 10 + 6 * 11)
    assert summary.currency == "USD"


def test_shares_text_rounds_and_sums_the_rest() -> None:
    shares = (("USD", 0.82), ("EUR", 0.15), ("GBP", 0.027), ("JPY", 0.003))
    assert shares_text(shares) == "USD 82 %, EUR 15 %, GBP 3 %, JPY <1 %"
    assert shares_text(shares, limit=2) == "USD 82 %, EUR 15 %, 2 others 3 %"
