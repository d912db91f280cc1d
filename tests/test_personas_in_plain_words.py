"""Personas, Compare and map hovers on real-world layouts (issue 12, 13): names from the columns'
labels, values written by meaning, the marketing mix read from meanings, revenue from the
customer-value meaning, personal data kept out, and traits on the predictions.

The tables are generated with planted groups: a campaign file (MntWines …, Year_Birth, Income,
NumWebPurchases …, Response), a telecom churn file (tenure, MonthlyCharges, TotalCharges,
Contract, Churn) and a shop export with e-mails, names and phones.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from segmentation.charts.map import customer_map
from segmentation.data.schema import infer_schema
from segmentation.describing.comparison import Group, compare_features, kpi_table
from segmentation.describing.persona_report import personas_html, personas_markdown
from segmentation.describing.personas import build_personas
from segmentation.describing.value_format import (
    ValueFormat,
    column_style,
    currency_symbol,
    data_currency,
    format_number,
)
from segmentation.mapping.embedding import MapView
from segmentation.segmenting.segments import make_segmentation
from ui.map_views import hover_columns, hover_names

DEALS, WINE, WEB = 0, 1, 2


def campaign_table(n: int = 600, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """A marketing-campaign file: older, wealthy wine and catalog buyers; young deal hunters;
    web shoppers."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 3, n)
    wine = group == WINE

    def pick(when: np.ndarray, yes: np.ndarray, no: np.ndarray) -> np.ndarray:
        return np.where(when, yes, no)

    frame = pd.DataFrame(
        {
            "ID": np.arange(1000, 1000 + n),
            "Year_Birth": pick(wine, rng.integers(1945, 1965, n), rng.integers(1970, 1996, n)),
            "Education": rng.choice(["Graduation", "PhD", "Master"], n),
            "Income": pick(wine, rng.normal(80000, 8000, n), rng.normal(40000, 8000, n)).round(),
            "Recency": rng.integers(0, 99, n),
            "MntWines": pick(wine, rng.gamma(5, 150, n), rng.gamma(2, 30, n)).round(),
            "MntFruits": rng.gamma(2, 10, n).round(),
            "MntMeatProducts": pick(wine, rng.gamma(4, 80, n), rng.gamma(2, 20, n)).round(),
            "NumDealsPurchases": pick(
                group == DEALS, rng.integers(5, 10, n), rng.integers(0, 2, n)
            ),
            "NumWebPurchases": pick(group == WEB, rng.integers(6, 12, n), rng.integers(0, 4, n)),
            "NumCatalogPurchases": pick(wine, rng.integers(3, 8, n), rng.integers(0, 2, n)),
            "NumStorePurchases": pick(wine, rng.integers(6, 12, n), rng.integers(1, 5, n)),
            "NumWebVisitsMonth": pick(group == WEB, rng.integers(6, 10, n), rng.integers(1, 5, n)),
            "Response": rng.integers(0, 2, n),
        }
    )
    return frame, group


def telecom_table(n: int = 700, seed: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    """A telecom churn file: new month-to-month customers with high charges who churn, loyal
    long-standing ones, and low-charge ones."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 3, n)
    tenure = np.select(
        [group == 0, group == 1], [rng.integers(1, 12, n), rng.integers(40, 72, n)],
        rng.integers(5, 60, n),
    )  # fmt: skip
    monthly = np.select(
        [group == 0, group == 1], [rng.normal(95, 8, n), rng.normal(70, 10, n)],
        rng.normal(25, 5, n),
    ).round(2)  # fmt: skip
    frame = pd.DataFrame(
        {
            "customerID": [f"{i:04d}-VHVEG" for i in range(n)],
            "gender": rng.choice(["Male", "Female"], n),
            "SeniorCitizen": rng.integers(0, 2, n),
            "tenure": tenure,
            "MonthlyCharges": monthly,
            "TotalCharges": (monthly * tenure).round(2),
            "Contract": np.where(
                group == 0,
                rng.choice(["Month-to-month", "One year"], n, p=[0.9, 0.1]),
                rng.choice(["Month-to-month", "One year", "Two year"], n),
            ),
            "Churn": np.where(
                group == 0,
                rng.choice(["Yes", "No"], n, p=[0.7, 0.3]),
                rng.choice(["Yes", "No"], n, p=[0.1, 0.9]),
            ),
        }
    )
    return frame, group


def personal_table(n: int = 300, seed: int = 2) -> tuple[pd.DataFrame, np.ndarray]:
    """A shop's customer export keyed by e-mail, with names and phones."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 2, n)
    first = rng.choice(["Annabel", "Bartholomew", "Cleopatra", "Desmond"], n)
    frame = pd.DataFrame(
        {
            "Email": [f"{f.lower()}.{i}@example.com" for i, f in enumerate(first)],
            "First Name": first,
            "Last Name": rng.choice(["Smithson", "Jonesworth", "Okafor"], n),
            "Phone": [f"+44 20 7946 {i:04d}" for i in range(n)],
            "Total Spent": np.where(group == 0, rng.gamma(5, 100, n), rng.gamma(2, 20, n)).round(2),
            "Orders Count": np.where(group == 0, rng.integers(5, 15, n), rng.integers(1, 3, n)),
            "Accepts Marketing": np.where(
                group == 0, rng.choice(["yes", "no"], n, p=[0.8, 0.2]), "no"
            ),
        }
    )
    return frame, group


def cards_of(frame: pd.DataFrame, group: np.ndarray, key: str | None = None, **options):
    typed = infer_schema(frame, one_row_per_customer=True)
    schema = typed.schema
    if key is not None:
        schema = schema.with_column(key, role="id")
    ids = typed.frame[schema.id_column].astype("string").to_numpy()
    segmentation = make_segmentation("planted", "kmeans", pd.Series(group, index=ids))
    return build_personas(typed.frame, schema, segmentation, **options), typed.frame, schema


def every_text(cards) -> str:
    return personas_markdown(cards) + personas_html(cards)


RAW_NAME = re.compile(
    r"Mnt|Num[A-Z]|Year_Birth|year-birth|Monthly_?Charges|monthly-charges|TotalCharges|_"
)
HYPHENED_GENERIC = re.compile(r"\b(high|low)-[a-z]+-[a-z]+", re.IGNORECASE)


def assert_natural(name: str) -> None:
    assert not RAW_NAME.search(name), name
    assert not HYPHENED_GENERIC.search(name), name
    assert not re.search(r"\bNo\b|\bnot\b", name), name  # no "No low-…" double negatives


# --- names ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def campaign():
    frame, group = campaign_table()
    return cards_of(frame, group, currency="USD")


def test_campaign_personas_are_named_in_plain_words(campaign) -> None:
    cards, _, _ = campaign
    names = [p.generated_name for p in cards.personas]
    for name in names:
        assert_natural(name)
    by_group = dict(zip((DEALS, WINE, WEB), names, strict=True))
    assert "deal hunters" in by_group[DEALS]
    assert by_group[WINE].startswith("Older, high-income")
    assert "online shoppers" in by_group[WEB]


def test_a_big_spender_on_one_range_is_named_after_it() -> None:
    frame, group = campaign_table()
    keep = ["ID", "MntWines", "MntFruits", "Education"]
    cards, _, _ = cards_of(frame[keep], group)
    assert cards.persona(WINE).generated_name == "Big wine spenders"


@pytest.fixture(scope="module")
def telecom():
    frame, group = telecom_table()
    return cards_of(frame, group, currency="USD")


def test_telecom_personas_are_named_in_plain_words(telecom) -> None:
    cards, _, _ = telecom
    names = [p.generated_name for p in cards.personas]
    for name in names:
        assert_natural(name)
    assert names[0] == "New customers with high monthly charges"
    assert "low monthly charges" in names[2]


def test_revenue_comes_from_the_customer_value_meaning(telecom) -> None:
    cards, frame, schema = telecom
    assert (cards.monetary, cards.revenue_from) == ("TotalCharges", "Total charges")
    segmentation = make_segmentation(
        "planted", "kmeans", pd.Series(telecom_table()[1], index=frame["customerID"].to_numpy())
    )
    edited = schema.with_column_meaning("MonthlyCharges", "customer_value")
    again = build_personas(frame, edited, segmentation)
    assert again.monetary == "MonthlyCharges"  # a meaning set by hand wins
    none = schema.with_column_meaning("TotalCharges", "other")
    assert build_personas(frame, none, segmentation).revenue_from == ""


def test_a_family_of_spend_columns_is_the_revenue(campaign) -> None:
    cards, _, _ = campaign
    assert cards.monetary is None
    assert cards.revenue_from == "Total spend on wines, fruits and meat products"
    assert cards.persona(WINE).value_index > 2


# --- values by meaning -----------------------------------------------------------------------


def test_a_birth_year_is_written_as_a_year(campaign) -> None:
    cards, _, _ = campaign
    text = every_text(cards)
    assert re.search(r"\b19[4-9]\d\b", text)
    assert not re.search(r"\b1,9\d\d\b", text)
    older = cards.persona(WINE)
    born = next(t for t in older.traits if t.column == "Year_Birth")
    assert born.label == "Born earlier"
    assert re.fullmatch(r"median 19\d\d vs 19\d\d", born.versus)


def test_money_carries_its_currency_and_counts_are_whole(campaign) -> None:
    cards, _, _ = campaign
    wine = cards.persona(WINE)
    spend = next(t for t in wine.traits if t.column == "MntWines")
    assert re.fullmatch(r"median \$[\d,]+ vs \$[\d,]+", spend.versus)
    catalog = next(t for t in wine.traits if t.column == "NumCatalogPurchases")
    assert catalog.label == "More catalog purchases"
    assert re.fullmatch(r"median \d+ vs \d+", catalog.versus)


@pytest.mark.parametrize(
    ("value", "style", "currency", "text"),
    [
        (1965.0, "year", None, "1965"),
        (1234.4, "money", "USD", "$1,234"),
        (9.5, "money", "EUR", "€9.50"),
        (-120.0, "money", "GBP", "-£120"),
        (120.0, "money", "CHF", "CHF 120"),
        (120.0, "money", None, "120"),
        (3.0, "count", None, "3"),
        (2.5, "count", None, "2.5"),
        (0.256, "percent", None, "26%"),
        (float("nan"), "money", "USD", "–"),
    ],
)
def test_format_number(value: float, style: str, currency: str | None, text: str) -> None:
    assert format_number(value, style, currency) == text


@pytest.mark.parametrize(
    ("name", "values", "meaning", "style"),
    [
        ("Year_Birth", [1950, 1980], "other", "year"),
        ("MntWines", [10, 500], "customer_value", "money"),
        ("MonthlyCharges", [20.5, 99.1], "other", "money"),
        ("avg_order_value", [20.5, 99.1], "other", "money"),
        ("price_sensitive", [1, 5], "other", "count"),
        ("NumWebPurchases", [0, 9], "order_count", "count"),
        ("email_open_rate", [0.1, 0.6], "other", "percent"),
        ("tenure", [1.0, 72.0], "other", "count"),
        ("score", [1.5, 7.25], "other", "plain"),
    ],
)
def test_column_style_follows_the_meaning(
    name: str, values: list[float], meaning: str, style: str
) -> None:
    frame = pd.DataFrame({name: values})
    profile = infer_schema(frame).schema.column(name)
    profile = type(profile)(**{**profile.__dict__, "meaning": meaning, "kind": "numeric"})
    assert column_style(profile, frame[name]) == style


def test_the_currency_comes_from_the_orders_or_a_one_code_column() -> None:
    assert currency_symbol("usd") == "$"
    orders = SimpleNamespace(currency="EUR")
    assert data_currency(SimpleNamespace(orders=orders)) == "EUR"
    frame = pd.DataFrame({"id": ["a", "b"], "currency": ["GBP", "GBP"], "spend": [1.0, 2.0]})
    typed = infer_schema(frame, one_row_per_customer=True)
    data = SimpleNamespace(orders=None, schema=typed.schema, customers=typed.frame)
    assert typed.schema.column("currency").meaning == "currency"
    assert data_currency(data) == "GBP"
    assert data_currency(SimpleNamespace(orders=None)) is None


# --- marketing mix ---------------------------------------------------------------------------


def test_the_marketing_mix_reads_channel_purchase_counts(campaign) -> None:
    cards, _, _ = campaign
    mix = {p.segment_id: {m.element: m for m in p.mix} for p in cards.personas}
    assert mix[WEB]["channel"].suggestion.startswith("Online first")
    assert mix[WEB]["channel"].trigger == "More web purchases"
    assert mix[WINE]["channel"].suggestion.startswith("Direct mail and catalogs")
    assert mix[DEALS]["price"].suggestion.startswith("Coupons, deals")
    assert mix[DEALS]["message"].suggestion.startswith("Smart savings")
    assert mix[WINE]["product"].suggestion.startswith("Lead with wines")
    for persona in cards.personas:
        for element in ("channel", "message"):
            assert mix[persona.segment_id][element].trigger, (persona.generated_name, element)


def test_consent_feeds_the_reach_suggestion() -> None:
    frame, group = personal_table()
    cards, _, _ = cards_of(frame, group, key="Email")
    reach = {m.element: m for m in cards.persona(0).mix}["channel"]
    assert reach.suggestion.startswith("E-mail and SMS")
    assert reach.trigger == "E-mail opt-in: yes"


# --- personal data ---------------------------------------------------------------------------


def test_personal_data_never_appears_on_persona_cards() -> None:
    frame, group = personal_table()
    cards, _, schema = cards_of(frame, group, key="Email")
    text = every_text(cards) + " ".join(p.summary for p in cards.personas)
    for column in ("Email", "First Name", "Last Name", "Phone"):
        assert schema.column(column).role != "feature"
        for value in frame[column].head(300):
            assert str(value) not in text, (column, value)
    assert "@example.com" not in text
    for persona in cards.personas:
        assert persona.example is not None
        assert re.fullmatch(r"Customer #\d+", persona.example.name)
        assert persona.example.name in persona.summary.replace("customer #", "Customer #")
    described = {t.column for p in cards.personas for t in p.traits}
    assert not described & {"Email", "First Name", "Last Name", "Phone"}


def test_personal_columns_named_for_description_are_still_left_out() -> None:
    frame, group = personal_table()
    cards, _, _ = cards_of(frame, group, "Email", columns=["First Name", "Phone", "Total Spent"])
    described = {line.column for p in cards.personas for b in p.blocks for line in b.lines}
    assert described == {"Total Spent"}


def test_personal_data_never_appears_on_map_hovers() -> None:
    frame, _ = personal_table()
    typed = infer_schema(frame, one_row_per_customer=True)
    schema = typed.schema.with_column("Email", role="id")
    data = SimpleNamespace(schema=schema, customers=typed.frame, orders=None)
    features = ("First Name", "Total Spent", "Orders Count", "Accepts Marketing", "Phone")
    matrix = SimpleNamespace(config=SimpleNamespace(columns=features))
    hover = hover_columns(data, matrix)
    assert hover[0] == "Total Spent" and not {"First Name", "Phone", "Email"} & set(hover)
    ids = pd.Index(typed.frame["Email"])
    points = typed.frame.set_index("Email")[list(hover)].assign(
        x=np.arange(len(ids), dtype=float), y=0.0, segment="All", colour="All"
    )
    centres = pd.DataFrame({"x": [1.0], "y": [0.0]}, index=["All"])
    view = MapView(points, "segment", "category", hover, centres, len(points))
    formats = {"Total Spent": ValueFormat("money", "GBP")}
    figure = customer_map(
        view, "map", {"Total Spent": "Total spent"}, formats, hover_names(data, ids)
    )
    hovers = " ".join(t for trace in figure.data for t in trace.hovertext)
    assert "@" not in hovers and "+44" not in hovers and "Annabel" not in hovers
    assert "<b>Customer #1</b>" in hovers and "Total spent: £" in hovers


# --- Compare -------------------------------------------------------------------------------


def test_compare_writes_labels_and_values_by_meaning() -> None:
    frame, group = campaign_table()
    typed = infer_schema(frame, one_row_per_customer=True)
    ids = typed.frame["ID"].astype("string")
    groups = [Group(f"g{g}", pd.Index(ids[group == g])) for g in (WINE, DEALS)]
    result = compare_features(typed.frame, typed.schema, groups, currency="EUR")
    assert result.label("MntWines") == "Spend on wines"
    born = result.table.set_index("feature").loc["Year_Birth", "g1"]
    assert re.fullmatch(r"19\d\d(\.5)?", result.typical_text("Year_Birth", born).split(".")[0])
    assert result.typical_text("MntWines", 500.0) == "€500"
    kpis = kpi_table(typed.frame, typed.schema, groups, ["Education"], currency="EUR")
    shown = kpis.formatted()
    assert shown.loc["Revenue"].str.startswith("€").all()
    assert "Top education" in shown.index


# --- predictions (issue 13) ------------------------------------------------------------------


@pytest.fixture(scope="module")
def predicted_cards():
    from segmentation import load_sample
    from segmentation.predicting.columns import with_predictions
    from segmentation.predicting.predictions import predict_from_data

    sample = load_sample()
    data = with_predictions(sample, predict_from_data(sample))
    frame = data.customers
    clv = frame["predicted_clv"].fillna(0)
    high_value = clv >= clv.quantile(0.8)
    at_risk = frame["churn_risk_level"].astype("string").eq("High").fillna(False) & ~high_value
    labels = np.select([high_value, at_risk], [0, 1], 2)
    segmentation = make_segmentation(
        "value", "rules", pd.Series(labels, index=frame[data.id_column].to_numpy())
    )
    return build_personas(frame, data.schema, segmentation, currency="USD")


def test_traits_on_predictions_read_like_a_marketer(predicted_cards) -> None:
    high_value = {t.column: t for t in predicted_cards.persona(0).traits}
    assert re.fullmatch(r"Predicted CLV \d+\.\d× average", high_value["predicted_clv"].label)
    assert high_value["predicted_clv"].versus.startswith("average $")
    at_risk = {t.column: t for t in predicted_cards.persona(1).traits}
    assert at_risk["churn_risk"].label == "Churn risk mostly High"
    names = [p.generated_name for p in predicted_cards.personas]
    assert "high-value" in names[0].lower() or "at-risk" in names[1].lower(), names
