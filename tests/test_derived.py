"""What column meanings imply: tags as yes/no features, blanks read as 0 or "no", and the derived
features (age, days as a customer, total spend), with their read notes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segmentation import customers_from_orders, customers_from_table, load_table
from segmentation.data.derived import enrich_customers, reference_date, tag_note
from segmentation.data.orders import OrderColumns
from segmentation.data.schema import infer_schema
from segmentation.data.tags import (
    MAX_TAG_FEATURES,
    column_separator,
    split_tag_column,
    split_tags,
    written_tags,
)


def read_customers(frame: pd.DataFrame, name: str = "profiles.csv"):
    """A customer table as the Data page reads an uploaded profile file."""
    return customers_from_table(load_table(frame.to_csv(index=False).encode(), name))


# --- tag splitting ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "separator", "tags"),
    [
        ("vip, new", ",", ("vip", "new")),
        ("vip;new", ";", ("vip", "new")),
        ("vip|new", "|", ("vip", "new")),
        ('["vip", "new"]', ",", ("vip", "new")),
        ("['VIP', 'New']", ",", ("vip", "new")),  # a Python-style list, as pandas writes one
        ("[vip, new]", "|", ("vip", "new")),  # a loose list
        ('"VIP","Newsletter"', ",", ("vip", "newsletter")),  # Mailchimp quotes each tag
        ("VIP, vip ,Vip", ",", ("vip",)),  # case-insensitive, each tag once
        ("  Big Spender  ;  early adopter ", ";", ("big spender", "early adopter")),
        ("vip,,new,", ",", ("vip", "new")),  # empty pieces dropped
        ("vip, new", "|", ("vip, new",)),  # the column's separator decides
        ("vip; new|old", None, ("vip", "new", "old")),  # no separator given: any of the three
        ("solo", ",", ("solo",)),
        ("", ",", ()),
        ("[]", ",", ()),
        (None, ",", ()),
        (float("nan"), ",", ()),
    ],
)
def test_split_tags(cell: object, separator: str | None, tags: tuple[str, ...]) -> None:
    assert split_tags(cell, separator) == tags


def test_written_tags_keep_their_spelling() -> None:
    assert written_tags(" VIP ; Early Adopter ", ";") == ("VIP", "Early Adopter")


@pytest.mark.parametrize(
    ("cells", "separator"),
    [
        (["a, b", "c", "d, e"], ","),
        (["a; b", "c;d", "e"], ";"),
        (["a|b", "c|d, e", "f"], "|"),
        (['["a", "b"]', "c;d"], ";"),  # JSON lists do not vote
        (["a", "b"], ","),  # none found: comma
    ],
)
def test_column_separator(cells: list[str], separator: str) -> None:
    assert column_separator(cells) == separator


def tag_cells(counts: dict[str, int], n_rows: int) -> pd.Series:
    """One tag per row, ``counts[tag]`` rows each, the rest blank."""
    cells = [tag for tag, n in counts.items() for _ in range(n)]
    return pd.Series(cells + [None] * (n_rows - len(cells)), dtype="string")


def test_tags_on_fewer_than_one_percent_of_customers_are_left_out() -> None:
    cells = tag_cells({"vip": 50, "new": 3, "rare": 1}, 200)  # 1 % of 200 is 2
    split = split_tag_column(cells, "Tags")
    assert [(f.tag, f.n_customers) for f in split.features] == [("vip", 50), ("new", 3)]
    assert (split.n_tags, split.n_left_out) == (3, 1)


def test_at_most_twelve_tags_the_most_common_first() -> None:
    counts = {f"t{i:02d}": 40 - i for i in range(20)}
    split = split_tag_column(tag_cells(counts, 1000), "Tags")
    assert len(split.features) == MAX_TAG_FEATURES == 12
    assert [f.tag for f in split.features] == [f"t{i:02d}" for i in range(12)]
    assert split.n_left_out == 8


def test_a_tag_shows_as_most_customers_write_it() -> None:
    cells = pd.Series(["VIP", "vip, new", "VIP", "Vip;x", "new"] * 10)
    split = split_tag_column(cells, "Tags")
    assert split.features[0].tag == "VIP"
    assert split.features[0].n_customers == 30  # "Vip;x" is one tag in a comma column


def test_tag_indicators_are_yes_no_with_blank_as_no() -> None:
    cells = pd.Series(['["VIP", "new"]', None, '["new"]', "[]"] * 5, index=range(10, 30))
    split = split_tag_column(cells, "Tags")
    assert split.indicators.index.equals(cells.index)
    assert split.indicators["tag_vip"].dtype == "boolean"
    assert split.indicators["tag_vip"].tolist()[:4] == [True, False, False, False]
    assert split.indicators["tag_new"].tolist()[:4] == [True, False, True, False]


def test_tag_column_names_are_unique() -> None:
    cells = pd.Series(["Black Friday 2023, black-friday 2023!"] * 3 + ["vip"] * 3)
    split = split_tag_column(cells, "Tags", taken=["tag_vip"])
    assert [f.column for f in split.features] == [
        "tag_black_friday_2023",
        "tag_black_friday_2023_2",
        "tag_vip_2",
    ]


# --- tags in the customer table --------------------------------------------------------------


@pytest.fixture(scope="module")
def tagged():
    cells = ["VIP, newsletter"] * 60 + ["vip"] * 40 + [""] * 50 + ["newsletter"] * 48 + ["odd"]
    cells += ["rare"]
    frame = pd.DataFrame(
        {"customer_id": [f"C{i:03d}" for i in range(200)], "Tags": cells, "age": range(200)}
    )
    return read_customers(frame)


def test_tag_features_in_the_customer_table(tagged) -> None:
    vip = tagged.schema.column("tag_vip")
    assert (vip.kind, vip.role, vip.base, vip.label) == (
        "boolean",
        "feature",
        "psychographic",
        "Tag: VIP",
    )
    assert vip.meaning_reason == "derived from 'Tags' (tags): customers tagged 'VIP'"
    assert int(tagged.customers["tag_vip"].sum()) == 100
    assert int(tagged.customers["tag_newsletter"].sum()) == 108
    tags = tagged.schema.column("Tags")
    assert tags.role == "ignore" and "split into 2 yes/no tag features" in tags.note
    assert "Tags" not in tagged.schema.features() and "tag_newsletter" in tagged.schema.features()


def test_tag_note_names_the_tags_and_counts_the_rest(tagged) -> None:
    assert (
        "'Tags' holds 4 different tags: 'newsletter', 'VIP' became yes/no features; 2 less "
        "common tags were left out (each on under 1% of customers, or beyond the 12 most "
        "common)." in tagged.report.read_notes
    )


def test_tag_note_when_no_tag_is_common_enough() -> None:
    split = split_tag_column(pd.Series(["a", "b", "c"] + [None] * 500), "Labels")
    assert tag_note(split) == (
        "'Labels' holds 3 different tags, none on at least 1% of customers and two of them, so "
        "none became a feature."
    )


# --- blanks ----------------------------------------------------------------------------------

N = 40


def profile_with(column: str, values: list[object]) -> pd.DataFrame:
    """A profile file: customer ids, an age, and one column under test."""
    rng = np.random.default_rng(7)
    return pd.DataFrame(
        {
            "customer_id": [f"C{i:03d}" for i in range(N)],
            "age": rng.integers(18, 80, N),
            column: values,
        }
    )


def blanks(pattern: list[object], n_blank: int) -> list[object]:
    return (pattern * N)[: N - n_blank] + [None] * n_blank


@pytest.mark.parametrize(
    ("column", "values", "filled", "kind", "meaning", "note"),
    [
        (
            "Total Spent",
            blanks([120.5, 80, 33.25], 12),
            0,
            "numeric",
            "customer_value",
            "'Total Spent' was blank for 12 customers: read as 0 (no orders yet).",
        ),
        (
            "Orders Count",
            blanks([1, 4, 2], 1),
            0,
            "numeric",
            "order_count",
            "'Orders Count' was blank for 1 customer: read as 0 (no orders yet).",
        ),
        (
            "Accepts Marketing",
            blanks(["yes"], 30),
            False,
            "boolean",
            "consent",
            "'Accepts Marketing' was blank for 30 customers: read as 'no' (the column marks only "
            "'yes', so a blank is a no to consent/opt-in).",
        ),
        (
            "Response",
            blanks([1], 25),
            False,
            "boolean",
            "campaign_response",
            "'Response' was blank for 25 customers: read as 'no' (the column marks only '1', so "
            "a blank is a no to campaign response).",
        ),
        (
            "AcceptedCmp3",
            blanks(["TRUE"], 20),
            False,
            "boolean",
            "campaign_response",
            "'AcceptedCmp3' was blank for 20 customers: read as 'no' (the column marks only "
            "'TRUE', so a blank is a no to campaign response).",
        ),
        (
            "is_test",
            blanks(["true"], 38),
            False,
            "boolean",
            "test_order",
            "'is_test' was blank for 38 customers: read as 'no' (the column marks only 'true', "
            "so a blank is a no to test-order flag).",
        ),
    ],
)
def test_blanks_read_as_zero_or_no(
    column: str, values: list[object], filled: object, kind: str, meaning: str, note: str
) -> None:
    data = read_customers(profile_with(column, values))
    profile = data.schema.column(column)
    assert (profile.kind, profile.meaning) == (kind, meaning)
    assert profile.missing_share == 0 and data.customers[column].notna().all()
    blank_rows = pd.Series(values).isna().to_numpy()
    assert (data.customers.loc[blank_rows, column] == filled).all()
    assert note in data.report.read_notes
    expected_role = "ignore" if meaning == "test_order" else "feature"
    assert profile.role == expected_role


def test_a_mostly_blank_value_column_becomes_a_feature_once_filled() -> None:
    data = read_customers(profile_with("Total Spent", blanks([10, 20, 30], 35)))
    assert data.schema.column("Total Spent").role == "feature"
    assert not any("Total Spent" in w for w in data.report.warnings)


@pytest.mark.parametrize(
    ("column", "values"),
    [
        ("Accepts Marketing", blanks(["yes", "no"], 10)),  # yes/no/blank: blank is unknown
        ("favourite colour", blanks(["yes"], 10)),  # yes/blank, but no flag meaning
        ("income", blanks([30_000, 52_000], 10)),  # a number whose meaning says nothing
        ("Response", blanks(["maybe"], 10)),  # not yes/blank
    ],
)
def test_blanks_that_stay_blank(column: str, values: list[object]) -> None:
    data = read_customers(profile_with(column, values))
    assert data.customers[column].isna().sum() == 10
    assert not any(note.startswith(f"'{column}' was blank") for note in data.report.read_notes)


# --- derived features --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def campaign():
    """A marketing-campaign profile file: birth years, a signup date, spend per product."""
    rng = np.random.default_rng(12)
    n = 120
    days = rng.integers(0, 700, n)
    days[0] = 699  # the latest date: 29 Jun 2014
    signup = pd.Timestamp("2012-07-30") + pd.to_timedelta(days, unit="D")
    frame = pd.DataFrame(
        {
            "ID": range(5000, 5000 + n),
            "Year_Birth": rng.integers(1940, 1998, n),
            "Education": rng.choice(["Graduation", "PhD", "Master"], n),
            "Dt_Customer": signup.strftime("%d-%m-%Y"),
            "MntWines": rng.integers(0, 1500, n),
            "MntFruits": rng.integers(0, 200, n),
            "MntGoldProds": rng.integers(0, 300, n),
            "NumWebPurchases": rng.integers(0, 27, n),
        }
    )
    return frame, read_customers(frame, "marketing_campaign.csv")


def test_age_from_birth_year(campaign) -> None:
    raw, data = campaign
    assert (data.customers["age"] == 2014 - raw["Year_Birth"]).all()
    age = data.schema.column("age")
    assert (age.kind, age.role, age.base, age.label) == ("numeric", "feature", "demographic", "Age")
    assert age.meaning_reason == "derived from 'Year_Birth' (birth year): 2014 minus the birth year"
    birth = data.schema.column("Year_Birth")
    assert birth.role == "ignore" and birth.note.startswith("replaced by 'Age'")
    assert (data.customers["Year_Birth"] == raw["Year_Birth"]).all()  # kept as it was
    assert (
        "Added 'Age' from 'Year_Birth' (birth year): the age reached in 2014, the year of the "
        "latest date in the file (29 Jun 2014)." in data.report.read_notes
    )


def test_days_as_a_customer_from_signup_date(campaign) -> None:
    raw, data = campaign
    signup = pd.to_datetime(raw["Dt_Customer"], format="%d-%m-%Y")
    expected = (pd.Timestamp("2014-06-29") - signup).dt.days
    assert (data.customers["days_as_a_customer"] == expected).all()
    assert data.customers["days_as_a_customer"].min() == 0
    days = data.schema.column("days_as_a_customer")
    assert (days.role, days.base, days.label) == ("feature", "behavioral", "Days as a customer")
    assert "'Dt_Customer' (signup date)" in days.meaning_reason
    assert (
        "Added 'Days as a customer' from 'Dt_Customer' (signup date): days from signing up to "
        "the latest date in the file (29 Jun 2014)." in data.report.read_notes
    )


def test_total_spend_from_spend_columns(campaign) -> None:
    raw, data = campaign
    expected = raw[["MntWines", "MntFruits", "MntGoldProds"]].sum(axis=1)
    assert (data.customers["total_spend"] == expected).all()
    total = data.schema.column("total_spend")
    assert (total.meaning, total.role, total.base, total.label) == (
        "customer_value",
        "feature",
        "behavioral",
        "Total spend",
    )
    assert total.meaning_reason == (
        "derived: the sum of 3 spend columns (Spend on wines, Spend on fruits, Spend on gold "
        "products)"
    )
    assert (
        "Added 'Total spend': the sum of 3 spend columns (Spend on wines, Spend on fruits, Spend "
        "on gold products)." in data.report.read_notes
    )


def test_derived_columns_come_after_the_file_columns_which_stay(campaign) -> None:
    raw, data = campaign
    assert list(data.customers.columns) == [
        *raw.columns,
        "age",
        "days_as_a_customer",
        "total_spend",
    ]
    assert data.schema.names == tuple(data.customers.columns)
    assert data.report.n_columns == len(data.schema.columns)
    assert (data.customers["MntWines"] == raw["MntWines"]).all()


@pytest.mark.parametrize(
    ("columns", "absent"),
    [
        ({"Year_Birth": [1850, 1860] * 20}, "age"),  # not years of living customers
        ({"Year_Birth": [1960.5, 1970] * 20}, "age"),  # not whole years
        ({"birth_year": [1960, 1970] * 20, "Age": [60, 50] * 20}, "age"),  # an age is there
        ({"MntWines": [1, 2] * 20}, "total_spend"),  # one spend column is no sum
        ({"Total Spent": [5, 9] * 20, "Spend on fruits": [1, 2] * 20}, "total_spend"),
        ({"balance": [5, 9] * 20, "payments": [1, 2] * 20}, "total_spend"),  # values, not spend
        ({"last_seen": ["2024-01-02", "2024-02-03"] * 20}, "days_as_a_customer"),  # not signup
    ],
)
def test_no_derived_feature_without_its_meaning(columns: dict[str, list], absent: str) -> None:
    frame = pd.DataFrame({"customer_id": [f"C{i}" for i in range(40)], **columns})
    data = read_customers(frame)
    assert absent not in data.customers.columns


@pytest.mark.parametrize(
    ("name", "derived"),
    [
        ("Year_Birth", True),
        ("birth_year", True),
        ("YearOfBirth", True),
        ("birthyear", True),
        ("yob", True),
        ("year", False),
        ("founded_year", False),
    ],
)
def test_birth_year_names(name: str, derived: bool) -> None:
    frame = pd.DataFrame({"customer_id": [f"C{i}" for i in range(40)], name: [1960, 1990] * 20})
    assert ("age" in read_customers(frame).customers.columns) == derived


def test_reference_date_is_the_period_end_else_the_latest_date_else_today() -> None:
    frame = pd.DataFrame(
        {"id": ["a", "b"], "joined": pd.to_datetime(["2020-01-05", "2021-03-01"]), "n": [1, 2]}
    )
    schema = infer_schema(frame, one_row_per_customer=True).schema
    end = pd.Timestamp("2022-12-31")
    assert reference_date(frame, schema, end).date == end
    assert reference_date(frame, schema).date == pd.Timestamp("2021-03-01")
    future = frame.assign(joined=pd.to_datetime(["2020-01-05", "2999-01-01"]))
    today = pd.Timestamp.today().normalize()
    assert reference_date(future, schema).date == today
    no_dates = frame.drop(columns="joined")
    plain = infer_schema(no_dates, one_row_per_customer=True).schema
    assert reference_date(no_dates, plain).source == "today"


def test_dates_with_a_time_zone_count_on_the_utc_timeline() -> None:
    joined = pd.to_datetime(["2024-01-01 23:00", "2024-03-01 01:00"] * 10).tz_localize(
        "America/New_York"
    )
    frame = pd.DataFrame({"id": [f"c{i}" for i in range(20)], "signup date": joined})
    schema = infer_schema(frame, one_row_per_customer=True).schema
    enriched = enrich_customers(frame, schema)
    assert reference_date(frame, schema).date == pd.Timestamp("2024-03-01 06:00")
    assert enriched.frame["days_as_a_customer"].tolist()[:2] == [59, 0]


# --- orders files -------------------------------------------------------------------------------


def test_orders_measures_stay_and_carried_tags_become_features() -> None:
    rng = np.random.default_rng(3)
    n = 300
    customer = rng.integers(0, 60, n)
    orders = pd.DataFrame(
        {
            "order_id": [f"#{1000 + i}" for i in range(n)],
            "customer_id": [f"C{c:03d}" for c in customer],
            "order_date": (
                pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, n), unit="D")
            ).strftime("%Y-%m-%d"),
            "amount": rng.integers(5, 200, n),
            "Tags": np.where(
                customer % 3 == 0, "vip;wholesale", np.where(customer % 3, "retail", "")
            ),
        }
    )
    table = load_table(orders.to_csv(index=False).encode(), "orders.csv")
    typed = infer_schema(table.frame, one_row_per_customer=False)
    columns = OrderColumns(
        "customer_id", "order_date", amount="amount", order_id="order_id", carried=("Tags",)
    )
    data = customers_from_orders(table, typed, columns)
    assert {"tag_vip", "tag_wholesale", "tag_retail"} <= set(data.schema.features())
    assert "total_spend" not in data.customers.columns  # monetary is the total spend
    assert "days_as_a_customer" not in data.customers.columns  # tenure_days says it
    assert data.schema.column("monetary").meaning_reason.startswith("name 'monetary'")
    assert any(note.startswith("'Tags' holds 3 different tags") for note in data.report.read_notes)


def test_order_measures_are_never_inputs() -> None:
    frame = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "spend_on_wine": [1.0, None, 3.0],
            "grocery_spend": [2.0, 2.0, None],
        }
    )
    schema = infer_schema(frame, one_row_per_customer=True).schema
    untouched = enrich_customers(frame, schema, inputs=())
    assert untouched.frame.equals(frame) and not untouched.notes
    enriched = enrich_customers(frame, schema)
    assert enriched.frame["total_spend"].tolist() == [3.0, 2.0, 3.0]


def test_the_bundled_sample_gains_no_columns() -> None:
    from segmentation import load_sample
    from segmentation.data.dataset import SAMPLE_CUSTOMERS, SAMPLE_DIR
    from segmentation.data.orders import CUSTOMER_COLUMNS

    header = (SAMPLE_DIR / SAMPLE_CUSTOMERS).read_text().splitlines()[0].split(",")
    assert list(load_sample().customers.columns) == [*header, *CUSTOMER_COLUMNS]
