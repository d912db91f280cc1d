"""Checks on the bundled Pet Dynamics sample in data/ and on its seeded generator."""

from __future__ import annotations

import gzip
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
CUSTOMERS = DATA_DIR / "pet_dynamics_customers.csv"
ORDERS = DATA_DIR / "pet_dynamics_orders.csv.gz"
PERSONAS = DATA_DIR / "pet_dynamics_personas.csv"
PLACEHOLDERS = ["unknown", "N/A"]  # plus empty cells, which pandas reads as missing already
PLANTED_MISSING = ["age", "income_band", "occupation", "email_open_rate", "lifestyle", "state"]
CUSTOMER_COLUMNS = [
    "customer_id", "name", "email",
    "age", "gender", "household", "occupation", "income_band",
    "region", "state", "density", "language",
    "loyalty", "loyalty_tier", "buyer_status", "preferred_channel", "email_open_rate",
    "benefits_sought", "pet_type",
    "lifestyle", "pays_more_for_quality", "price_sensitive", "cares_about_sustainability",
    "pet_is_family", "main_interest",
    "email_opt_in", "signup_date",
]  # fmt: skip
ORDER_COLUMNS = ["order_id", "customer_id", "order_date", "channel", "category", "items", "amount"]
WINDOW = (pd.Timestamp("2024-11-01"), pd.Timestamp("2026-11-01"))  # end exclusive
DINA = "Dog-lover Dina"


@pytest.fixture(scope="module")
def customers() -> pd.DataFrame:
    return pd.read_csv(CUSTOMERS, na_values=PLACEHOLDERS)


@pytest.fixture(scope="module")
def orders() -> pd.DataFrame:
    orders = pd.read_csv(ORDERS)
    orders["order_date"] = pd.to_datetime(orders["order_date"], format="%Y-%m-%d %H:%M")
    return orders


@pytest.fixture(scope="module")
def personas() -> pd.DataFrame:
    return pd.read_csv(PERSONAS)


@pytest.fixture(scope="module")
def dina(customers: pd.DataFrame, personas: pd.DataFrame) -> pd.DataFrame:
    dina_ids = personas.loc[personas["persona"] == DINA, "customer_id"]
    return customers[customers["customer_id"].isin(dina_ids)]


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    path = DATA_DIR / "generate_sample.py"
    spec = importlib.util.spec_from_file_location("generate_sample", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def test_sizes_and_columns(customers: pd.DataFrame, orders: pd.DataFrame) -> None:
    assert len(customers) >= 5_000
    assert len(orders) >= 50_000
    assert list(customers.columns) == CUSTOMER_COLUMNS
    assert list(orders.columns) == ORDER_COLUMNS


def test_orders_span_two_years(orders: pd.DataFrame) -> None:
    first, last = orders["order_date"].min(), orders["order_date"].max()
    assert WINDOW[0] <= first and last < WINDOW[1]
    assert (last - first).days >= 700


def test_ids_are_consistent(customers: pd.DataFrame, orders: pd.DataFrame) -> None:
    assert customers["customer_id"].is_unique
    assert customers["email"].is_unique
    assert orders["order_id"].is_unique
    assert set(orders["customer_id"]) == set(customers["customer_id"])


def test_returns_refer_to_earlier_orders(orders: pd.DataFrame) -> None:
    is_return = orders["order_id"].str.startswith("R")
    assert 0.015 <= is_return.mean() <= 0.035
    assert (orders.loc[is_return, "amount"] < 0).all()
    assert (orders.loc[~is_return, "amount"] > 0).all()
    sold = orders[~is_return].set_index("order_id")["order_date"]
    returned = orders[is_return].set_index(orders.loc[is_return, "order_id"].str[1:])
    assert (returned["order_date"] >= sold.loc[returned.index]).all()


def test_no_order_before_signup(customers: pd.DataFrame, orders: pd.DataFrame) -> None:
    signup = pd.to_datetime(customers.set_index("customer_id")["signup_date"])
    assert (orders["order_date"] >= orders["customer_id"].map(signup)).all()


def test_amounts_are_right_skewed(orders: pd.DataFrame) -> None:
    sales = orders.loc[orders["amount"] > 0, "amount"]
    assert sales.mean() > sales.median()
    assert (orders["items"] >= 1).all()


def test_planted_personas(personas: pd.DataFrame, customers: pd.DataFrame) -> None:
    assert list(personas.columns) == ["customer_id", "persona"]
    assert set(personas["customer_id"]) == set(customers["customer_id"])
    assert 5 <= personas["persona"].nunique() <= 7
    assert DINA in set(personas["persona"])


def test_persona_not_in_customers_file(customers: pd.DataFrame) -> None:
    assert not any("persona" in column.lower() for column in customers.columns)


@pytest.mark.parametrize("column", PLANTED_MISSING)
def test_missing_share_is_planted(customers: pd.DataFrame, column: str) -> None:
    assert 0.01 <= customers[column].isna().mean() <= 0.04


@pytest.mark.parametrize(
    ("column", "typical"),
    [
        ("density", {"Suburban"}),
        ("loyalty", {"Hard-core loyal"}),
        ("benefits_sought", {"Quality"}),
        ("lifestyle", {"Outdoor & active"}),
    ],
)
def test_dina_profile(dina: pd.DataFrame, column: str, typical: set[str]) -> None:
    assert dina[column].isin(typical).mean() >= 0.6


def test_dina_age(dina: pd.DataFrame) -> None:
    assert dina["age"].between(29, 38).mean() >= 0.6


def test_generator_reproduces_the_files(generator: ModuleType) -> None:
    texts = generator.render(generator.build_sample())
    for file_name, text in texts.items():
        payload = (DATA_DIR / file_name).read_bytes()
        if file_name.endswith(".gz"):
            payload = gzip.decompress(payload)
        assert payload.decode("utf-8") == text, f"{file_name} differs from the generator output"


def test_generator_is_deterministic(generator: ModuleType) -> None:
    first = generator.build_sample(n_customers=300)
    second = generator.build_sample(n_customers=300)
    for name in ("customers", "orders", "personas"):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name))


def test_loading_the_sample_types_it_as_a_full_reading_would() -> None:
    """load_sample re-types only the order measures and numeric columns after the merge; the
    table and schema must equal those of re-inferring every column (content hashes, the
    shipped k diagnostics and shared links depend on them)."""
    from segmentation.data import dataset
    from segmentation.data.loading import load_table
    from segmentation.data.schema import infer_schema

    data = dataset.load_sample()
    raw = (dataset.SAMPLE_DIR / dataset.SAMPLE_CUSTOMERS).read_bytes()
    customers = dataset.customers_from_table(
        load_table(raw, dataset.SAMPLE_CUSTOMERS), enrich=False
    )
    measures = data.orders.customers[list(dataset.CUSTOMER_COLUMNS)]
    merged = customers.customers.merge(
        measures, left_on=customers.id_column, right_index=True, how="left"
    )
    full = infer_schema(merged, one_row_per_customer=True)
    pd.testing.assert_frame_equal(data.customers, full.frame)
    assert data.schema == dataset._force_id(full.schema, customers.id_column)
