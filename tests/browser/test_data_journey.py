"""The Data page in a real Chromium against a real `streamlit run` server."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.helpers import app_reruns, assert_no_exception, wait_for_app
from tests.browser.server import start_server, stop_server

ROOT = Path(__file__).resolve().parents[2]
CSV = "customer_id;age;income;region\n" + "".join(
    f'K{i:04d};{22 + i % 40};"{30000 + 250 * i:,}";{["North", "South", "East"][i % 3]}\n'
    for i in range(60)
)


def choose_file(page: Page, name: str, data: bytes) -> None:
    # The page's uploader, not the sidebar's "Resume a project" one.
    page.get_by_test_id("stMain").locator(
        '[data-testid="stFileUploader"] input[type="file"]'
    ).set_input_files(files=[{"name": name, "mimeType": "text/csv", "buffer": data}])


def upload(page: Page, name: str, data: bytes) -> None:
    """Upload a file and wait for the run that reads it."""
    with app_reruns(page):
        choose_file(page, name, data)


def test_sample_then_upload_shows_its_quality_report(page: Page, streamlit_server: str) -> None:
    page.goto(streamlit_server)
    wait_for_app(page)
    expect(page.get_by_text("built-in Pet Dynamics sample")).to_be_visible()
    expect(page.get_by_test_id("stMetricValue").nth(1)).to_have_text("6,000")
    assert_no_exception(page)

    upload(page, "crm_export.csv", CSV.encode("cp1252"))
    expect(page.get_by_text("Active data: crm_export.csv")).to_be_visible()
    expect(page.get_by_test_id("stMetricValue").nth(1)).to_have_text("60")
    expect(page.get_by_text("separated by semicolons")).to_be_visible()
    assert_no_exception(page)


def test_bad_file_shows_a_message_and_keeps_the_sample(page: Page, streamlit_server: str) -> None:
    page.goto(streamlit_server)
    wait_for_app(page)
    upload(page, "empty.csv", b"customer_id,age\n")
    expect(page.get_by_text("has column names")).to_be_visible()
    expect(page.get_by_text("The data you had before is still active.")).to_be_visible()
    expect(page.get_by_test_id("stMetricValue").nth(1)).to_have_text("6,000")
    assert_no_exception(page)


def test_orders_export_becomes_customers(page: Page, streamlit_server: str) -> None:
    page.goto(streamlit_server)
    wait_for_app(page)
    excerpt = ROOT / "data" / "examples" / "online_retail_excerpt.csv.gz"
    upload(page, excerpt.name, excerpt.read_bytes())
    expect(page.get_by_text("looks like an orders file")).to_be_visible()
    with app_reruns(page):
        page.get_by_role("button", name="Turn orders into customers").click()
    expect(page.get_by_text("online_retail_excerpt.csv.gz into 302 customers")).to_be_visible()
    expect(page.get_by_text("lines without a customer id")).to_be_visible()
    assert_no_exception(page)


def test_direct_link_on_a_fresh_server_goes_through_the_app(page: Page, tmp_path) -> None:
    server = start_server(cwd=ROOT, log_path=tmp_path / "server.log")
    try:
        page.goto(f"{server.url}/data")
        wait_for_app(page)
        # the first run on a fresh server switches to app.py's navigation and reruns, and the
        # rerun imports the whole app: on a busy machine that takes longer than 5 s
        expect(page.get_by_text("built-in Pet Dynamics sample")).to_be_visible(timeout=120_000)
        # the legacy pages-folder mode lists the files ("app", "data", "segments") instead of
        # the titled pages of app.py's st.navigation
        nav = page.get_by_test_id("stSidebarNav")
        expect(nav.get_by_text("Segments", exact=True)).to_be_visible()
        expect(nav.get_by_text("app", exact=True)).to_have_count(0)
        assert_no_exception(page)
    finally:
        stop_server(server)


def test_file_over_the_upload_limit_is_refused_with_a_message(page: Page, tmp_path) -> None:
    server = start_server(
        cwd=ROOT, log_path=tmp_path / "server.log", extra_args=("--server.maxUploadSize", "1")
    )
    try:
        page.goto(server.url)
        wait_for_app(page)
        big = b"customer_id,age\n" + b"".join(
            b"c%07d,%d\n" % (i, 20 + i % 50) for i in range(120_000)
        )
        assert len(big) > 1024**2
        choose_file(page, "big.csv", big)  # refused in the browser: the script does not rerun
        expect(page.get_by_text("File must be 1")).to_be_visible()
        expect(page.get_by_text("built-in Pet Dynamics sample")).to_be_visible()
        expect(page.get_by_test_id("stMetricValue").nth(1)).to_have_text("6,000")
        assert_no_exception(page)
    finally:
        stop_server(server)


def test_changing_a_column_role_in_the_table(page: Page, streamlit_server: str) -> None:
    page.goto(streamlit_server)
    wait_for_app(page)
    features = page.get_by_test_id("stMetricValue").nth(3)
    expect(features).to_have_text("33")
    table = page.get_by_test_id("stDataFrame").first  # the Columns table
    # the grid draws on a canvas; its accessible copy holds the cells once they are drawn
    expect(table.get_by_test_id("glide-cell-0-3")).to_have_text("age")
    table.scroll_into_view_if_needed()
    option = page.get_by_role("option", name="ignore")
    for attempt in range(3):  # a click may land while the grid is still laying out
        box = table.bounding_box()
        page.mouse.click(box["x"] + 30, box["y"] + 158)  # the 4th row: age
        # Column, In plain words, Meaning, Why this meaning, Type, then Role: open its editor
        for _ in range(5):
            page.keyboard.press("ArrowRight")
        page.keyboard.press("Enter")
        try:
            expect(option).to_be_visible(timeout=15_000)
            break
        except AssertionError:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
    with app_reruns(page):
        option.click()
    expect(features).to_have_text("32")
    assert_no_exception(page)
