"""Wide files: thousands of columns read in one batch (the same types as one column at a time),
the Data page's column table searched and paged, and the feature list capped with a message."""

from __future__ import annotations

import pandas as pd
import pytest

from bench.loading import wide_table_csv
from segmentation.data import schema as schema_module
from segmentation.data.loading import load_table
from segmentation.data.schema import infer_schema
from segmentation.segmenting.features import (
    MAX_FEATURES,
    cap_features,
    default_feature_config,
)
from tests.test_app import metric, open_app, texts, upload

# every column of the table below is its own case, so the batch has enough text columns
AWKWARD = {
    "spend": ["$1,200.50", " $7 ", "N/A", "(3.50)", "$12", "", "$1,000,000"],
    "amount_eu": ["1.234,50", "2,5", "7", "n/a", "3,25", "10", "1.000,00"],
    "rate": ["12%", "7%", "1.5%", "?", "3%", "0%", "100%"],
    "visits": ["1", "2", "03", "  ", "5", "1e2", "-4"],
    "score": ["1.5", "2", "x", "3", "4", "5", "6"],
    "big_count": ["12345678901234567", "1", "2", "3", "4", "5", "6"],
    "signup_date": ["2024-01-05", "2023-12-31", "", "2024-02-29", "2022-07-01", None, "2021-01-01"],
    "last_order": ["15/03/2024", "01/02/2024", "28/02/2024", "", "13/12/2023", "01/01/2024", "-"],
    "bad_day": ["2024-02-30", "2024-01-01", "2024-01-02", "2024-01-03", "", "", "2024-01-04"],
    "opted_in": ["Yes", "no", "YES", "", "No", "yes", "n/a"],
    "flag_like": ["yes", "maybe", "no", "yes", "no", "yes", "no"],
    "order_no": ["1001.0", "1002.0", "1003", "", "1005.0", "1006", "1007"],
    "region": [" North", "North ", "South", "unknown", "East", "West", "North"],
    "email": [f"user{i}@example.com" for i in range(7)],
    "phone": ["+44 20 7946 0958", "+1 555-010-1234", "", "+33 1 23 45 67 89", "", "", ""],
    "notes": ["a long note about this customer, more than 25 letters"] * 7,
    "empty": ["", "", None, "N/A", " ", "", ""],
    "arabic_digits": ["١٢", "٣", "٤", "٥", "٦", "٧", "٨"],
    "tags": ["vip, newsletter", "new", "", "vip", "new", "new", "vip, newsletter"],
    "same": ["x"] * 7,
    "postcode": ["01234", "98765", "00501", "", "12345", "54321", "11111"],
    "ts": ["1710498151", "1710584551", "", "1710670951", "1710757351", "1710843751", "1"],
}


def _frame(columns: dict[str, list[object]]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(values, dtype="str") for name, values in columns.items()})


def _one_at_a_time(frame: pd.DataFrame, monkeypatch: pytest.MonkeyPatch):
    with monkeypatch.context() as patched:
        patched.setattr(schema_module, "BATCH_MIN_COLUMNS", 10**9)
        return infer_schema(frame)


def _assert_same(batched, alone) -> None:
    assert batched.schema.to_records() == alone.schema.to_records()
    assert batched.notes == alone.notes
    pd.testing.assert_frame_equal(batched.frame, alone.frame, check_exact=True)


def test_awkward_columns_read_in_a_batch_as_one_at_a_time(monkeypatch) -> None:
    frame = _frame(AWKWARD)
    assert len(frame.columns) >= schema_module.BATCH_MIN_COLUMNS
    batched = infer_schema(frame)
    _assert_same(batched, _one_at_a_time(frame, monkeypatch))
    kinds = {c.name: c.kind for c in batched.schema.columns}
    assert kinds["spend"] == kinds["amount_eu"] == kinds["big_count"] == "numeric"
    assert kinds["signup_date"] == kinds["last_order"] == "datetime"
    assert kinds["opted_in"] == "boolean" and kinds["empty"] == "empty"
    assert batched.frame["spend"].tolist()[:4] == [1200.5, 7.0, pd.NA, -3.5]
    assert batched.frame["big_count"].iloc[0] == 12345678901234567


@pytest.mark.parametrize("rows_are", [None, False, True])
def test_an_orders_table_read_in_a_batch_is_profiled_as_orders(monkeypatch, rows_are) -> None:
    """The batch profiles columns as in a customer table while it reads them; a repeating
    customer id (or being told) makes it an orders table, profiled as one at a time would."""
    columns = {name: values * 3 for name, values in AWKWARD.items()}
    columns["customer_id"] = [f"C{i % 5}" for i in range(len(columns["spend"]))]
    frame = _frame(columns)
    batched = infer_schema(frame, rows_are)
    with monkeypatch.context() as patched:
        patched.setattr(schema_module, "BATCH_MIN_COLUMNS", 10**9)
        alone = infer_schema(frame, rows_are)
    _assert_same(batched, alone)
    assert batched.schema.id_column == "customer_id"


def test_a_generated_wide_file_reads_in_a_batch_as_one_at_a_time(monkeypatch) -> None:
    table = load_table(wide_table_csv(n_columns=120, n_rows=300), "wide.csv")
    batched = infer_schema(table.frame)
    _assert_same(batched, _one_at_a_time(table.frame, monkeypatch))
    kinds = {c.kind for c in batched.schema.columns}
    assert {"numeric", "categorical", "datetime", "boolean"} <= kinds


def _wide_customers(n_features: int, n_rows: int = 40) -> bytes:
    columns = {"customer_id": [f"C{i:03d}" for i in range(n_rows)]}
    columns["email"] = [f"c{i}@example.com" for i in range(n_rows)]
    for j in range(n_features):
        columns[f"score_{j}"] = [str((i * 7 + j) % 13 + j % 5) for i in range(n_rows)]
    return pd.DataFrame(columns).to_csv(index=False).encode()


def test_the_feature_list_is_capped_with_a_message_and_personal_data_stays_out() -> None:
    table = load_table(_wide_customers(150), "wide.csv")
    schema = infer_schema(table.frame, one_row_per_customer=True).schema
    cap = cap_features(schema)
    assert len(cap.kept) == MAX_FEATURES and len(cap.left_out) == 150 - MAX_FEATURES
    assert "email" not in cap.kept + cap.left_out
    assert default_feature_config(table.frame, schema).columns == cap.kept
    assert cap.message.startswith(
        f"150 columns could be features; clustering uses the {MAX_FEATURES} most complete and "
        f"leaves 90 out"
    )
    assert "Data page" in cap.message and "Segments page" in cap.message


def test_few_features_are_not_capped() -> None:
    table = load_table(_wide_customers(5), "narrow.csv")
    cap = cap_features(infer_schema(table.frame).schema)
    assert len(cap.kept) == 5 and cap.left_out == () and cap.message == ""


# --- the Data page's column table ---------------------------------------------------------


def _column_table(app):
    return app.data_editor[0].value


def _captions(app) -> str:
    return "\n".join(c.value for c in app.caption)


def test_a_wide_upload_gets_a_searchable_paged_column_table() -> None:
    app = upload(open_app(), "wide.csv", _wide_customers(150))
    assert "Columns 1–50 of 152." in _captions(app)
    assert "Score 0, Score 1, Score 2" in _captions(app) and "… and 138 more" in _captions(app)
    assert _column_table(app)["column"].tolist()[:2] == ["customer_id", "email"]
    assert "clustering uses the 60 most complete and leaves 90 out" in texts(app)
    search, page = app.text_input(key="column_search"), app.number_input(key="column_page")
    assert search.help and page.help
    page.set_value(4).run()
    assert _column_table(app)["column"].tolist() == ["score_148", "score_149"]
    assert "Columns 151–152 of 152." in _captions(app)
    search.set_value("score_1").run()
    shown = _column_table(app)["column"].tolist()
    assert shown[:3] == ["score_1", "score_10", "score_11"] and len(shown) == 50
    assert "Columns 1–50 of 61 matching 'score_1' (152 in all)." in _captions(app)
    search.set_value("e-mail").run()  # the meaning's plain words find the column too
    assert _column_table(app)["column"].tolist() == ["email"]
    search.set_value("nothing like this").run()
    assert "No column matches 'nothing like this' (152 columns in all)." in _captions(app)


def test_a_role_is_edited_from_a_filtered_page() -> None:
    app = upload(open_app(), "wide.csv", _wide_customers(150))
    features = int(metric(app, "Features").replace(",", ""))
    app.text_input(key="column_search").set_value("score_149").run()
    editor = app.data_editor[0]
    assert editor.value["column"].tolist() == ["score_149"]
    app.session_state[editor.key] = {
        "edited_rows": {0: {"role": "ignore"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    app.run()
    assert not app.exception, app.exception
    assert int(metric(app, "Features").replace(",", "")) == features - 1
    assert _column_table(app).set_index("column").loc["score_149", "role"] == "ignore"


def test_the_segments_page_says_how_many_features_were_left_out() -> None:
    app = upload(open_app(), "wide.csv", _wide_customers(150))
    app.switch_page("pages/segments.py").run()
    assert not app.exception, app.exception
    app.session_state["seg_tab"] = "Clusters"
    app.run()
    assert not app.exception, app.exception
    assert any("leaves 90 out" in info.value for info in app.info)
    chosen = [len(box.value) for box in app.multiselect if box.key.startswith("seg_features_")]
    assert sum(chosen) == MAX_FEATURES


def test_the_number_pre_check_counts_unreadable_values_like_one_at_a_time() -> None:
    # surely_not_numbers counts readable values with one pattern call over the values joined
    # one a line; the definition it must keep: more than 5 % of the present values among the
    # first 200 cannot be read as a number once cleaned
    import random

    from segmentation.data.text_values import _NOT_DIGITS, _READABLE, surely_not_numbers

    atoms = ["1", "1,200", "$5", "(3.5)", "12%", "-inf", "1e5", ".5", "abc", "a@b.com", " "]
    atoms += ["\n", "\r\n", "\u00a0", "\u2028", "\0", "usd", "١٢", "x\ny", "", "NaN", "+-1"]
    rng = random.Random(7)
    for _ in range(3000):
        head = ["".join(rng.choices(atoms, k=rng.randint(0, 3))) for _ in range(rng.randint(1, 40))]
        n_present = rng.randint(len(head), 3 * len(head))
        unreadable = sum(not _READABLE.fullmatch(_NOT_DIGITS.sub("", v)) for v in head[:200])
        assert surely_not_numbers(head, n_present) == (unreadable > 0.05 * n_present), head
