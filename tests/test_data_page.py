"""AppTest of the Data page's column meanings: shown with their reason, edited in the table.

AppTest cannot click into a data editor's cells, so an edit is seeded the way the browser sends
it: the editor's edit state (``edited_rows``) under its key, then one run.
"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.test_app import metric, open_app, texts, upload

STAMPED_CSV = "customer_id,age,stamp,region\n" + "".join(
    f"C{i},{30 + i % 9},{1710498151 + 86_400 * i},{['North', 'South'][i % 2]}\n" for i in range(30)
)


def column_table(app: AppTest):
    return app.data_editor[0].value.set_index("column")


def edit_meaning(app: AppTest, column: str, meaning: str) -> AppTest:
    """Choose a meaning in the column table, as a user does in the browser."""
    row = list(column_table(app).index).index(column)
    editor = app.data_editor[0]
    app.session_state[editor.key] = {
        "edited_rows": {row: {"meaning": meaning}},
        "added_rows": [],
        "deleted_rows": [],
    }
    app.run()
    assert not app.exception, app.exception
    return app


def test_the_column_table_shows_each_meaning_and_why() -> None:
    app = open_app()
    table = column_table(app)
    assert table.loc["email", "meaning"] == "email"
    assert table.loc["email", "meaning_reason"] == (
        "name 'email' and all values are e-mail addresses"
    )
    assert table.loc["monetary", ["label", "meaning"]].tolist() == ["Total spend", "customer_value"]
    assert "Customers are identified by 'customer_id' (customer key)" in texts(app)


def test_a_meaning_edit_flows_like_a_role_edit() -> None:
    app = open_app()
    features = int(metric(app, "Features"))
    app = edit_meaning(app, "occupation", "free_text")
    occupation = column_table(app).loc["occupation"]
    assert occupation[["meaning", "meaning_reason", "role"]].tolist() == [
        "free_text",
        "set by hand",
        "ignore",
    ]
    assert int(metric(app, "Features")) == features - 1
    assert not app.error


def test_a_date_meaning_chosen_by_hand_reads_the_column_as_dates() -> None:
    app = upload(open_app(), "stamped.csv", STAMPED_CSV.encode())
    assert column_table(app).loc["stamp", "type"] == "number"
    app = edit_meaning(app, "stamp", "signup_date")
    stamp = column_table(app).loc["stamp"]
    assert stamp[["type", "meaning"]].tolist() == ["date", "signup_date"]
    assert metric(app, "Customers") == "30"  # the same data, edited


def test_an_impossible_meaning_is_refused_and_the_previous_settings_kept() -> None:
    app = upload(open_app(), "stamped.csv", STAMPED_CSV.encode())
    app = edit_meaning(app, "region", "order_date")
    assert "'region' cannot be the order date" in texts(app)
    assert "The previous column settings are kept." in texts(app)
    assert column_table(app).loc["region", "meaning"] == "region"
