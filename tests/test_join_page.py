"""AppTest of the Data page's second file: a profile export joined to an orders export."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from segmentation.sharing.projects import (
    DataFile,
    DataInfo,
    Project,
    project_from_json,
    project_from_link,
    project_to_json,
    project_to_link,
)
from tests.test_app import metric, open_app, texts, upload
from tests.test_customers_cli import shop_files
from tests.test_share_page import fresh, messages

PROFILES, ORDERS, TRUTH = shop_files()
CRM_IDS = "customer_id,segment,age\n" + "".join(
    f"{5000 + i},{'AB'[i % 2]},{30 + i}\n" for i in range(25)
)


def add_second(app: AppTest, name: str, data: bytes) -> AppTest:
    app.file_uploader(key="join_upload").set_value((name, data, "text/csv"))
    app.run()
    assert not app.exception, app.exception
    return app


def click(app: AppTest, label: str) -> AppTest:
    next(b for b in app.button if b.label == label).click()
    app.run()
    assert not app.exception, app.exception
    return app


def joined_app() -> AppTest:
    app = upload(open_app(), "profiles.csv", PROFILES.encode())
    assert metric(app, "Customers") == "40"
    app = add_second(app, "orders.csv", ORDERS.encode())
    assert "**orders.csv** looks like **a Shopify orders export**" in texts(app)
    return click(app, "Turn orders into customers")


@pytest.fixture(scope="module")
def previewed() -> AppTest:
    return joined_app()


def test_the_match_report_is_shown_before_joining(previewed) -> None:
    app = previewed
    assert metric(app, "Matched") == "30"
    assert metric(app, "Only in profiles") == "10"
    assert metric(app, "Only in orders") == "6"
    assert metric(app, "Customers") == "40"  # not joined yet
    keys = [s for s in app.selectbox if s.label.startswith("Customer key in")]
    assert [s.value for s in keys] == ["Email", "Email"]
    examples = app.dataframe[0].value.set_index("Customers")
    assert examples.loc["Only in orders.csv", "Examples"].startswith("customer40@example.com")


def test_joining_makes_one_customer_table() -> None:
    app = click(joined_app(), "Join into one customer table")
    assert "Joined **profiles.csv** and **orders.csv**: 46 customers (30 in both files)" in (
        texts(app)
    )
    assert metric(app, "Customers") == str(TRUTH.customers)
    assert metric(app, "Matched") == "30"
    assert "Active data: **profiles.csv + orders.csv**" in texts(app)
    data = app.session_state["active_data"]
    assert data.schema.id_column == "Email"
    assert data.schema.column("Accepts Marketing").meaning == "consent"
    # the link remembers both files, the orders mapping and the keys
    app.run()
    token = app.query_params["view"]
    info = project_from_link(token[0] if isinstance(token, list) else token).data
    assert [f.name for f in info.files] == ["profiles.csv", "orders.csv"]
    assert info.files[0].orders is None
    assert info.files[1].orders["customer_id"] == "Email"
    assert dict(info.join) == {"profiles": "Email", "orders": "Email"}
    app = click(app, "Undo the join (back to profiles.csv)")
    assert metric(app, "Customers") == "40"


def test_no_common_key_shows_examples_and_keeps_the_data() -> None:
    app = upload(open_app(), "crm.csv", CRM_IDS.encode())
    app = add_second(app, "orders.csv", ORDERS.encode())
    app = click(app, "Turn orders into customers")
    errors = "\n".join(e.value for e in app.error)
    assert "No customer of 'crm.csv' matches one of 'orders.csv'" in errors
    assert "'5000', '5001', '5002'" in errors and "customer10@example.com" in errors
    assert "The data you had before is still active." in errors
    assert metric(app, "Customers") == "25"
    assert "Active data: **crm.csv**" in texts(app)
    assert not [b for b in app.button if b.label == "Join into one customer table"]


def test_a_link_on_two_files_asks_for_both_and_restores_the_join() -> None:
    maker = click(joined_app(), "Join into one customer table")
    maker.run()
    token = maker.query_params["view"]
    token = token[0] if isinstance(token, list) else token
    assert "customer1" not in token  # no customer data in the URL
    opened = fresh("pages/data.py", link=token)
    assert "Upload **profiles.csv** on the Data page, then add **orders.csv**" in messages(opened)
    upload(opened, "profiles.csv", PROFILES.encode())
    add_second(opened, "orders.csv", ORDERS.encode())  # mapping and keys from the link
    assert "Opened the shared link" in messages(opened)
    assert metric(opened, "Customers") == str(TRUTH.customers)
    assert opened.session_state["active_data"].source.name == "profiles.csv + orders.csv"


def test_project_files_keep_both_files_and_read_older_ones() -> None:
    files = (
        DataFile("profiles.csv", "a" * 64),
        DataFile("orders.csv", "b" * 64, {"customer_id": "Email", "order_date": "Created at"}),
    )
    info = DataInfo(
        "upload",
        "profiles.csv + orders.csv",
        "c" * 64,
        46,
        files,
        {"profiles": "Email", "orders": "Email"},
    )
    project = Project(info)
    assert project_from_json(project_to_json(project)) == project
    assert project_from_link(project_to_link(project)) == project
    document = json.loads(project_to_json(project))
    assert document["data"]["files"][1]["orders"]["customer_id"] == "Email"
    one_file = Project(DataInfo("upload", "crm.csv", "d" * 64, 40))
    assert "files" not in json.loads(project_to_json(one_file))["data"]  # as before
