"""Two files, one customer table, in a real Chromium: a Shopify orders export, its mapping
confirmed, then a profile export joined to it on the e-mail; the Data page counts every
customer of either file once, and the Target page values customers by their spend without asking."""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.helpers import app_reruns, assert_no_exception, wait_for_app
from tests.test_customers_cli import shop_files

SLOW = 60_000
PROFILES, ORDERS, TRUTH = shop_files()


def upload_to(page: Page, label: str, name: str, data: bytes) -> None:
    """Upload into the Data page's uploader whose label contains ``label``."""
    uploader = page.get_by_test_id("stMain").get_by_test_id("stFileUploader").filter(has_text=label)
    with app_reruns(page, timeout=SLOW):
        uploader.locator('input[type="file"]').set_input_files(
            files=[{"name": name, "mimeType": "text/csv", "buffer": data}]
        )


def metric(page: Page, label: str):
    return (
        page.get_by_test_id("stMetric")
        .filter(has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True))
        .get_by_test_id("stMetricValue")
    )


def test_orders_export_and_profiles_become_one_customer_table(page: Page, streamlit_server: str):
    page.goto(streamlit_server)
    wait_for_app(page, timeout=SLOW)

    upload_to(page, "Upload a customer or orders file", "orders_export.csv", ORDERS.encode())
    expect(page.get_by_text("looks like an orders file")).to_be_visible(timeout=SLOW)
    with app_reruns(page, timeout=SLOW):
        page.get_by_role("button", name="Turn orders into customers").click()
    expect(page.get_by_text("Active data: orders_export.csv")).to_be_visible(timeout=SLOW)
    expect(metric(page, "Customers")).to_have_text(f"{len(TRUTH.orders):,}")
    assert_no_exception(page)

    upload_to(page, "Join a second file", "profiles.csv", PROFILES.encode())
    expect(metric(page, "Matched")).to_have_text("30", timeout=SLOW)
    expect(metric(page, "Only in profiles")).to_have_text("10")
    expect(metric(page, "Only in orders")).to_have_text("6")
    with app_reruns(page, timeout=SLOW):
        page.get_by_role("button", name="Join into one customer table").click()
    expect(page.get_by_text("Active data: profiles.csv + orders_export.csv")).to_be_visible(
        timeout=SLOW
    )
    expect(metric(page, "Customers")).to_have_text(f"{TRUTH.customers:,}")
    expect(page.get_by_text("How profiles.csv and orders_export.csv were joined")).to_be_visible()
    assert_no_exception(page)
    if os.environ.get("JOIN_SCREENSHOT"):
        page.screenshot(path=str(Path(os.environ["JOIN_SCREENSHOT"])), full_page=True)

    # the same session on Target: the value comes from a customer-value column, without asking
    with app_reruns(page, timeout=SLOW):
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Target").click()
    ranked = page.get_by_text("Segments ranked by attractiveness").first
    expect(ranked).to_be_visible(timeout=SLOW)
    expect(page.get_by_text(re.compile(r"has the meaning customer value")).first).to_be_visible()
    expect(page.get_by_text("Which column says what a customer is worth?")).to_have_count(0)
    expect(metric(page, "Expected revenue")).not_to_have_text("not known", timeout=SLOW)
    expect(metric(page, "ROI")).to_have_text(re.compile(r"^-?[\d,]+%$"))
    assert_no_exception(page)
