"""The customer table: the bundled sample, customer files, column edits and the quality report."""

from __future__ import annotations

import pandas as pd
import pytest

from segmentation import (
    SchemaError,
    column_table,
    customers_from_table,
    infer_schema,
    load_sample,
    load_table,
    schema_from_table,
    with_schema,
)
from segmentation.data.dataset import customer_key_sentence
from segmentation.data.orders import CUSTOMER_COLUMNS


@pytest.fixture(scope="module")
def sample():
    return load_sample()


def test_sample_has_customers_with_rfm_from_orders(sample) -> None:
    assert sample.source.kind == "sample"
    assert sample.report.n_customers == len(sample.customers) >= 5000
    assert set(CUSTOMER_COLUMNS) <= set(sample.customers.columns)
    assert sample.orders.n_orders >= 50_000
    assert (sample.customers["frequency"] >= 1).all()
    assert sample.customers["monetary"].mean() > sample.customers["monetary"].median()


def test_sample_never_shows_the_planted_persona(sample) -> None:
    assert not any("persona" in column.lower() for column in sample.customers.columns)


def test_sample_covers_all_four_bases(sample) -> None:
    for base, expected in [
        ("demographic", {"age", "gender", "household", "occupation", "income_band"}),
        ("geographic", {"region", "state", "density", "language"}),
        (
            "behavioral",
            {
                "loyalty",
                "loyalty_tier",
                "buyer_status",
                "preferred_channel",
                "email_open_rate",
                "benefits_sought",
                "pet_type",
                "recency_days",
                "frequency",
                "monetary",
            },
        ),
        ("psychographic", {"lifestyle", "pays_more_for_quality", "main_interest"}),
    ]:
        assert expected <= set(sample.schema.features(base)), base
    assert sample.schema.id_column == "customer_id"
    assert sample.schema.column("email").role == "ignore"


def test_sample_placeholders_are_missing_values(sample) -> None:
    for column in ("age", "income_band", "occupation", "email_open_rate", "lifestyle", "state"):
        share = sample.schema.column(column).missing_share
        assert 0.01 <= share <= 0.04, column
    assert not sample.customers["lifestyle"].isin(["unknown", "N/A", ""]).any()


def customers_csv(rows: list[str], header: str = "customer_id,age,region") -> bytes:
    return (header + "\n" + "\n".join(rows) + "\n").encode()


def test_repeated_and_missing_ids_are_dropped_and_reported() -> None:
    rows = [f"C{i},{20 + i},North" for i in range(12)] + ["C1,99,South", ",40,North"]
    data = customers_from_table(load_table(customers_csv(rows), "c.csv"))
    assert data.report.n_customers == 12
    reasons = {e.reason: e.rows for e in data.report.exclusions}
    assert reasons == {
        "rows without a customer id": 1,
        "repeated customer ids (the first row of each was kept)": 1,
    }
    assert data.customers.loc[data.customers["customer_id"] == "C1", "age"].item() == 21


def test_file_without_ids_gets_row_numbers_and_a_warning() -> None:
    rows = [f"{20 + i},North" for i in range(12)]
    data = customers_from_table(load_table(customers_csv(rows, "age,region"), "c.csv"))
    assert data.id_column == "customer_id"
    assert data.customers["customer_id"].tolist()[:3] == ["1", "2", "3"]
    assert any("No customer id column" in w for w in data.report.warnings)


def test_outliers_are_warned_about() -> None:
    rows = [f"C{i},{30 + i % 10},North" for i in range(200)] + ["C999,990,North"]
    data = customers_from_table(load_table(customers_csv(rows), "c.csv"))
    assert any("'age' has 1 value far outside the usual range" in w for w in data.report.warnings)


def test_role_and_base_edits_apply(sample) -> None:
    table = column_table(sample.schema)
    table.loc[table["column"] == "age", "role"] = "ignore"
    table.loc[table["column"] == "signup_date", "base"] = "behavioral"
    edited = with_schema(sample, schema_from_table(sample.schema, table))
    assert "age" not in edited.schema.features()
    assert edited.schema.column("signup_date").base == "behavioral"
    assert sample.schema.column("age").role == "feature"  # the original is untouched


@pytest.mark.parametrize(
    ("column", "field", "value", "message"),
    [
        (
            "email",
            "role",
            "id",
            r"Exactly one column must have the role 'id'.*now 2 do: "
            r"customer_id, email",
        ),
        ("customer_id", "role", "feature", r"now 0 do\. Set one column to 'id'"),
        ("age", "base", "astrological", r"Column 'age' has role 'feature' and base 'astrological'"),
    ],
)
def test_impossible_edits_are_refused(sample, column, field, value, message) -> None:
    table = column_table(sample.schema)
    table.loc[table["column"] == column, field] = value
    with pytest.raises(SchemaError, match=message):
        with_schema(sample, schema_from_table(sample.schema, table))


def test_id_must_be_unique(sample) -> None:
    table = column_table(sample.schema)
    table.loc[table["column"] == "customer_id", "role"] = "ignore"
    table.loc[table["column"] == "region", "role"] = "id"
    with pytest.raises(SchemaError, match=r"Column 'region' cannot identify customers: .* repeat"):
        with_schema(sample, schema_from_table(sample.schema, table))


def test_column_table_lists_every_column(sample) -> None:
    table = column_table(sample.schema)
    assert list(table["column"]) == list(sample.customers.columns)
    assert isinstance(table, pd.DataFrame)


def test_a_meaning_edit_applies_like_a_role_edit(sample) -> None:
    table = column_table(sample.schema)
    assert {"meaning", "meaning_reason", "label"} <= set(table.columns)
    table.loc[table["column"] == "occupation", "meaning"] = "free_text"
    edited = with_schema(sample, schema_from_table(sample.schema, table))
    occupation = edited.schema.column("occupation")
    assert (occupation.meaning, occupation.meaning_reason) == ("free_text", "set by hand")
    assert occupation.role == "ignore" and "occupation" not in edited.schema.features()
    assert sample.schema.column("occupation").meaning == "other"


def _stamped_customers():
    rows = [f"C{i},{30 + i % 9},{1710498151 + 86_400 * i},North" for i in range(30)]
    text = "customer_id,age,stamp,region\n" + "\n".join(rows) + "\n"
    return customers_from_table(load_table(text.encode(), "c.csv"))


def test_a_date_meaning_set_by_hand_reads_the_column_as_dates() -> None:
    data = _stamped_customers()
    assert data.schema.column("stamp").kind == "numeric"  # not named like a date
    table = column_table(data.schema)
    table.loc[table["column"] == "stamp", "meaning"] = "signup_date"
    edited = with_schema(data, schema_from_table(data.schema, table))
    assert edited.schema.column("stamp").kind == "datetime"
    assert edited.customers["stamp"].iloc[0] == pd.Timestamp("2024-03-15 10:22:31")


def test_a_date_meaning_for_values_that_are_no_dates_is_refused() -> None:
    data = _stamped_customers()
    table = column_table(data.schema)
    table.loc[table["column"] == "region", "meaning"] = "order_date"
    with pytest.raises(SchemaError, match=r"'region' cannot be the order date: its values are not"):
        with_schema(data, schema_from_table(data.schema, table))


def test_the_page_says_which_column_identifies_customers_and_why(sample) -> None:
    assert customer_key_sentence(sample) == (
        "Customers are identified by 'customer_id' (customer key): name 'customer_id' reads as "
        "customer key; 6,000 customers, one row each."
    )
    rows = [f"{20 + i},North" for i in range(12)]
    numbered = customers_from_table(load_table(customers_csv(rows, header="age,region"), "n.csv"))
    assert "no column of the file identifies customers" in customer_key_sentence(numbered)


def test_numbered_customers_keep_the_profiles_their_file_was_read_with() -> None:
    # without a customer id the rows are numbered; the other columns keep what reading the
    # file found (typing the typed values again lost it: the unreadable date below vanished)
    rows = [f"2024-03-{1 + i % 28:02d},{10 + i},North" for i in range(49)] + ["not a date,5,South"]
    table = load_table(customers_csv(rows, header="signup_date,spend,region"), "n.csv")
    typed = infer_schema(table.frame)
    assert typed.customers is True and typed.schema.id_column is None
    data = customers_from_table(table, typed)
    assert data.schema.names[:4] == ("customer_id", "signup_date", "spend", "region")
    for column in typed.schema.columns:
        assert data.schema.column(column.name) == column
    assert data.schema.column("signup_date").meaning_reason.endswith("97% of values parse as dates")
    numbered = data.schema.column("customer_id")
    assert (numbered.role, numbered.kind, numbered.examples) == ("id", "id", ("1", "2", "3"))
