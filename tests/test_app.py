"""AppTest of every page and the Data page's main interactions, as a user drives them."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.test_loading import BAD_FILES

ROOT = Path(__file__).resolve().parent.parent
EXCERPT = ROOT / "data" / "examples" / "online_retail_excerpt.csv.gz"
CUSTOMERS_CSV = "Customer ID;Age;Region;Spend\n" + "".join(
    f'{i:04d};{20 + i % 50};{["North", "South"][i % 2]};"{1000 + i * 7:,}"\n' for i in range(40)
)
TIMEOUT = 180  # seconds per script run: generous for a busy 2-core machine


def open_app() -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    app.run()
    assert not app.exception, app.exception
    return app


def texts(app: AppTest) -> str:
    parts = (
        [m.value for m in app.markdown]
        + [e.value for e in app.info]
        + [e.value for e in app.success]
        + [e.value for e in app.warning]
        + [e.value for e in app.error]
    )
    return "\n".join(str(p) for p in parts)


def upload(app: AppTest, name: str, data: bytes) -> AppTest:
    app.file_uploader(key="upload").set_value((name, data, "application/octet-stream"))
    app.run()
    assert not app.exception, app.exception
    return app


def metric(app: AppTest, label: str) -> str:
    return next(m.value for m in app.metric if m.label == label)


PAGES = sorted(re.findall(r'st\.Page\("(pages/[^"]+\.py)"', (ROOT / "app.py").read_text()))


def test_pages_are_found() -> None:
    assert {"pages/data.py", "pages/segments.py", "pages/personas.py"} <= set(PAGES)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_opens_without_error(page: str) -> None:
    app = open_app()
    app.switch_page(page)
    app.run()
    assert not app.exception
    assert not app.error


def test_app_opens_on_the_sample() -> None:
    app = open_app()
    assert app.title[0].value == "Data"
    assert "built-in Pet Dynamics sample" in texts(app)
    assert metric(app, "Customers") == "6,000"
    assert "Recency, frequency and monetary come from" in texts(app)


def test_uploading_a_customer_file_replaces_the_sample() -> None:
    app = upload(open_app(), "crm export.csv", CUSTOMERS_CSV.encode("cp1252"))
    assert "Loaded **crm export.csv**: 40 customers" in texts(app)
    assert metric(app, "Customers") == "40"
    assert "Active data: **crm export.csv**" in texts(app)
    assert "semicolons" in texts(app)


def test_orders_file_waits_for_consent_then_becomes_customers() -> None:
    app = upload(open_app(), EXCERPT.name, EXCERPT.read_bytes())
    assert "looks like an **orders file**" in texts(app)
    assert metric(app, "Customers") == "6,000"  # nothing replaced before consent
    assert app.selectbox[0].value == "CustomerID"
    assert app.radio[0].value == "quantity × unit price"
    next(b for b in app.button if b.label == "Turn orders into customers").click()
    app.run()
    assert not app.exception
    assert "into 302 customers" in texts(app)
    assert metric(app, "Customers") == "302"
    assert "lines without a customer id" in app.table[0].value.to_string()


def test_orders_with_a_text_amount_keep_the_previous_data() -> None:
    text = "customer,order_date,amount\n" + "".join(
        f"c{i % 5},2024-01-{1 + i % 28:02d},{['lots', 'few'][i % 2]}\n" for i in range(30)
    )
    app = upload(open_app(), "orders.csv", text.encode())
    next(b for b in app.button if b.label == "Turn orders into customers").click()
    app.run()
    assert not app.exception
    assert "The amount column 'amount' should hold numbers" in app.error[0].value
    assert "still active" in app.error[0].value
    assert metric(app, "Customers") == "6,000"


@pytest.mark.parametrize(
    ("case", "data", "name", "message"), BAD_FILES, ids=[c[0] for c in BAD_FILES]
)
def test_bad_upload_shows_a_message_and_keeps_the_data(case, data, name, message) -> None:
    app = upload(open_app(), name, data)
    assert len(app.error) == 1
    assert "The data you had before is still active." in app.error[0].value
    assert metric(app, "Customers") == "6,000"


def test_bad_upload_after_a_good_one_keeps_the_good_one() -> None:
    app = upload(open_app(), "crm.csv", CUSTOMERS_CSV.encode())
    app = upload(app, "broken.csv", b"")
    assert "is empty" in app.error[0].value
    assert metric(app, "Customers") == "40"


def test_gzip_upload_and_back_to_the_sample() -> None:
    app = upload(open_app(), "crm.csv.gz", gzip.compress(CUSTOMERS_CSV.encode()))
    assert metric(app, "Customers") == "40"
    next(b for b in app.button if b.label == "Back to the sample").click()
    app.run()
    assert metric(app, "Customers") == "6,000"


def test_example_orders_export_can_be_tried_without_a_file() -> None:
    app = open_app()
    next(b for b in app.button if b.label == "Try a real orders export").click()
    app.run()
    assert "looks like an **orders file**" in texts(app)
    next(b for b in app.button if b.label == "Turn orders into customers").click()
    app.run()
    assert metric(app, "Customers") == "302"
