"""Type, role and base inference, decided per column from its values."""

from __future__ import annotations

import pandas as pd
import pytest

from segmentation import infer_schema
from segmentation.data.bases import suggest_base
from segmentation.data.schema import ColumnProfile, is_id_name, normalise_name
from segmentation.errors import SchemaError


def typed_column(values: list[object], name: str = "value", rows: int | None = None):
    frame = pd.DataFrame({"customer_id": [f"C{i}" for i in range(len(values))], name: values})
    table = infer_schema(frame)
    return table.frame[name], table.schema.column(name), table.notes


@pytest.mark.parametrize(
    ("values", "kind", "expected"),
    [
        (["1", "2", " 3 ", ""], "numeric", [1, 2, 3, None]),
        (["$1,200.50", "€ 30", "£7", "N/A"], "numeric", [1200.5, 30.0, 7.0, None]),
        (["1.234,50", "12,5", "3", "unknown"], "numeric", [1234.5, 12.5, 3.0, None]),
        (["(12.50)", "4", "5", "6"], "numeric", [-12.5, 4.0, 5.0, 6.0]),
        (["Yes", "no", "YES", " "], "boolean", [True, False, True, None]),
        (["true", "false", "true", "null"], "boolean", [True, False, True, None]),
        (["Urban", "Rural", "Urban", "?"], "categorical", ["Urban", "Rural", "Urban", None]),
    ],
)
def test_kind_and_values(values, kind: str, expected) -> None:
    series, profile, _ = typed_column(values)
    assert profile.kind == kind
    assert [None if pd.isna(v) else v for v in series] == expected


@pytest.mark.parametrize(
    ("values", "expected", "order"),
    [
        (
            ["2010-12-01 08:26:00", "2011-01-13 10:00:00"],
            ["2010-12-01 08:26", "2011-01-13 10:00"],
            None,
        ),
        (["13/01/2011", "02/03/2011"], ["2011-01-13", "2011-03-02"], "day first"),
        (
            ["12/1/2010 8:26", "1/13/2011 9:05"],
            ["2010-12-01 08:26", "2011-01-13 09:05"],
            "month first",
        ),
        (["01.02.2024", "25.12.2024"], ["2024-02-01", "2024-12-25"], "day first"),
    ],
)
def test_dates_use_one_order_decided_from_the_data(values, expected, order) -> None:
    series, profile, notes = typed_column(values * 6, name="order_date")
    assert profile.kind == "datetime"
    assert list(series[:2]) == [pd.Timestamp(v) for v in expected]
    if order:
        assert any(order in note for note in notes)


def test_ambiguous_dates_are_read_one_way_and_flagged() -> None:
    series, profile, notes = typed_column(["01/02/2024", "03/04/2024"] * 6, name="joined")
    assert profile.kind == "datetime"
    assert series.iloc[0] == pd.Timestamp("2024-01-02")  # month first, said in a note
    assert any("cannot be told apart" in note for note in notes)


def test_yyyymmdd_numbers_named_as_dates_become_dates() -> None:
    frame = pd.DataFrame(
        {"customer_id": ["00001", "00002"] * 6, "date": ["19970101", "19970112"] * 6}
    )
    table = infer_schema(frame, one_row_per_customer=False)
    assert table.schema.column("date").kind == "datetime"
    assert table.frame["date"].iloc[1] == pd.Timestamp("1997-01-12")


def test_ids_keep_leading_zeros_and_drop_float_suffix() -> None:
    frame = pd.DataFrame({"CustomerID": ["00017", "17850.0", "13047.0"], "x": ["1", "2", "3"]})
    table = infer_schema(frame)
    assert table.schema.column("CustomerID").kind == "id"
    assert table.schema.id_column == "CustomerID"
    assert table.frame["CustomerID"].tolist() == ["00017", "17850", "13047"]


def test_customer_id_is_preferred_over_other_identifiers() -> None:
    frame = pd.DataFrame(
        {"InvoiceNo": ["1", "2", "3"], "StockCode": ["A", "B", "C"], "CustomerID": ["7", "7", "8"]}
    )
    schema = infer_schema(frame).schema
    assert schema.id_column == "CustomerID"
    assert schema.column("InvoiceNo").role == "ignore"
    assert "identifier" in schema.column("StockCode").note


@pytest.mark.parametrize(
    ("column", "values", "reason"),
    [
        ("country", ["UK"] * 30, "the same value (UK) in every row"),
        ("notes", [None] * 30, "every value is missing"),
        ("nickname", [f"nick{i}" for i in range(30)], "almost every customer"),
        ("email", [f"c{i}@x.com" for i in range(30)], "personal contact detail"),
        (
            "comment",
            [f"I would like to say something long number {i}" for i in range(60)],
            "free text",
        ),
        ("score", ["1", "2"] + [None] * 28, "93% of values are missing"),
    ],
)
def test_useless_columns_are_suggested_as_ignore_with_a_reason(column, values, reason) -> None:
    frame = pd.DataFrame({"customer_id": [f"C{i}" for i in range(len(values))], column: values})
    profile = infer_schema(frame).schema.column(column)
    assert profile.role == "ignore"
    assert reason in profile.note


@pytest.mark.parametrize(
    ("name", "base"),
    [
        ("Age", "demographic"),
        ("Genre", "demographic"),
        ("Annual Income (k$)", "demographic"),
        ("household", "demographic"),
        ("Country", "geographic"),
        ("density", "geographic"),
        ("language", "geographic"),
        ("loyalty_tier", "behavioral"),
        ("recency_days", "behavioral"),
        ("Spending Score (1-100)", "behavioral"),
        ("benefits_sought", "behavioral"),
        ("lifestyle", "psychographic"),
        ("pays_more_for_quality", "psychographic"),
        ("cares_about_sustainability", "psychographic"),
        ("main_interest", "psychographic"),
        ("favourite_colour", "other"),
    ],
)
def test_base_is_suggested_from_the_name(name: str, base: str) -> None:
    assert suggest_base(name) == base


def test_base_is_suggested_from_values_when_the_name_says_nothing() -> None:
    assert (
        suggest_base("area_type2", pd.Series(["Urban", "Suburban"], dtype="string")) == "geographic"
    )


@pytest.mark.parametrize(
    ("name", "words", "id_like"),
    [
        ("CustomerID", "customer id", True),
        ("InvoiceNo", "invoice no", True),
        ("unit_price", "unit price", False),
        ("zip code", "zip code", False),
        ("number_of_cds", "number of cds", False),
        ("StockCode", "stock code", True),
    ],
)
def test_names(name: str, words: str, id_like: bool) -> None:
    assert normalise_name(name) == words
    assert is_id_name(name) is id_like


def test_typed_inputs_are_profiled_without_conversion() -> None:
    frame = pd.DataFrame(
        {
            "customer_id": [1, 2, 3, 4],
            "spend": [1.5, 2.0, None, 4.0],
            "member": [True, False, True, True],
            "since": pd.to_datetime(["2020-01-01"] * 4),
        }
    )
    schema = infer_schema(frame).schema
    assert [c.kind for c in schema.columns] == ["id", "numeric", "boolean", "datetime"]
    assert schema.column("spend").missing_share == pytest.approx(0.25)


def test_schema_round_trips_to_records() -> None:
    schema = infer_schema(pd.DataFrame({"customer_id": ["a", "b"], "age": ["30", "40"]})).schema
    records = schema.to_records()
    assert records[1]["name"] == "age" and records[1]["kind"] == "numeric"
    edited = schema.with_column("age", base="other")
    assert edited.column("age").base == "other" and schema.column("age").base == "demographic"


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("MntWines", "Spend on wines"),
        ("NumWebPurchases", "Web purchases"),
        ("TotalCharges", "Total charges"),
        ("Created at", "Order date"),
        ("recency_days", "Days since the last order"),
        ("CUST_ID", "Customer ID"),
        ("pet_type", "Pet type"),
    ],
)
def test_every_column_gets_a_label_in_plain_words(name: str, label: str) -> None:
    frame = pd.DataFrame({"customer_id": ["a", "b", "c"], name: ["1", "2", "3"]})
    assert infer_schema(frame).schema.column(name).label == label


def test_every_column_gets_a_meaning_and_its_reason() -> None:
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(12)],
            "Email": [f"c{i}@example.com" for i in range(12)],
            "TotalCharges": [f"{10 + i}.5" for i in range(12)],
            "age": [str(20 + i) for i in range(12)],
        }
    )
    schema = infer_schema(frame).schema
    assert [(c.meaning, c.meaning_reason.split(" and ")[0]) for c in schema.columns] == [
        ("customer_key", "name 'customer_id' reads as customer key"),
        ("email", "name 'Email'"),
        ("customer_value", "name 'TotalCharges'"),
        ("other", "no pattern in the name or values matched"),
    ]
    assert schema.of_meaning("customer_value") == ("TotalCharges",)


def test_the_customer_id_chosen_without_a_customer_name_says_why() -> None:
    frame = pd.DataFrame({"ID": ["5524", "2174", "4141"], "Income": ["58138", "46344", "71613"]})
    column = infer_schema(frame).schema.column("ID")
    assert (column.role, column.meaning) == ("id", "customer_key")
    assert column.meaning_reason == "the first id column ('ID') whose values never repeat"


def test_a_meaning_set_by_hand_takes_personal_data_out_of_the_features() -> None:
    frame = pd.DataFrame(
        {"customer_id": [f"C{i}" for i in range(30)], "handle": [f"user{i % 9}" for i in range(30)]}
    )
    schema = infer_schema(frame).schema
    assert schema.column("handle").role == "feature"
    edited = schema.with_column_meaning("handle", "internal_id")
    handle = edited.column("handle")
    assert (handle.meaning, handle.meaning_reason, handle.role) == (
        "internal_id",
        "set by hand",
        "ignore",
    )
    assert "personal data" in handle.note
    assert schema.column("handle").meaning == "other"  # the original is untouched
    with pytest.raises(SchemaError, match="'spend' is not a column meaning"):
        schema.with_column_meaning("handle", "spend")


def test_records_carry_meaning_reason_and_label() -> None:
    schema = infer_schema(pd.DataFrame({"customer_id": ["a", "b"], "qty": ["3", "4"]})).schema
    record = schema.to_records()[1]
    assert {k: record[k] for k in ("meaning", "label")} == {"meaning": "other", "label": "Quantity"}
    assert ColumnProfile("x", "numeric", "feature", "other", 0.0, 1, ()).label == "X"


def test_columns_read_on_threads_equal_columns_read_one_by_one(monkeypatch) -> None:
    from segmentation.data import distinct_values

    n = 3_000
    raw = pd.DataFrame(
        {
            "Customer ID": [f"{i % 700}.0" for i in range(n)],
            "City": [("Paris", " Paris", "Lyon", "", "N/A")[i % 5] for i in range(n)],
            "Note": ["" if i % 2 else f"a long free-text note number {i}" for i in range(n)],
            "Blank": [""] * n,
            "Order No": [f"#{1000 + i // 3}" for i in range(n)],
            "Created at": [f"2024-03-{1 + i % 28:02d} 10:22:31 -0400" for i in range(n)],
            "Total": [f"{i % 97}.50" if i % 3 == 0 else "" for i in range(n)],
        },
        dtype="str",
    )
    monkeypatch.setattr(distinct_values, "THREADED_CELLS", 10**12)
    one_by_one = infer_schema(raw)
    monkeypatch.setattr(distinct_values, "THREADED_CELLS", 0)
    threaded = infer_schema(raw)
    pd.testing.assert_frame_equal(threaded.frame, one_by_one.frame, check_exact=True)
    assert threaded.schema == one_by_one.schema
    assert threaded.frame["City"].isna().sum() == 2 * n // 5
    assert threaded.frame["City"].nunique() == 2  # " Paris" is "Paris"
    assert threaded.frame["Blank"].isna().all()
    assert threaded.frame["Customer ID"].iloc[1] == "1"
