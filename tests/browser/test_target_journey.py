"""The Compare and Target pages in a real Chromium: pick targets, then download the list."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.helpers import app_reruns, assert_no_exception, wait_for_app

SLOW = 180_000


def test_compare_opens_with_two_segments(page: Page, streamlit_server: str) -> None:
    page.goto(f"{streamlit_server}/compare")
    wait_for_app(page, timeout=SLOW)
    expect(page.get_by_text(re.compile(r"of \d+ features differ for real"))).to_be_visible(
        timeout=SLOW
    )
    expect(page.get_by_text("Overlap between two segmentations")).to_be_visible()
    assert_no_exception(page)


def test_pick_targets_and_download_the_list(page: Page, streamlit_server: str) -> None:
    page.goto(f"{streamlit_server}/target")
    wait_for_app(page, timeout=SLOW)
    listed = page.get_by_text(re.compile(r"customers in the target list \("))
    expect(listed).to_be_visible(timeout=SLOW)
    before = listed.inner_text()

    # remove every suggested target, then pick exactly one segment
    picker = page.get_by_test_id("stMultiSelect").filter(has_text="Target segments")
    remove = picker.get_by_role("button", name=re.compile("^Remove"))
    expect(remove).to_have_count(2, timeout=SLOW)  # the two suggested targets
    for left in (1, 0):
        with app_reruns(page, timeout=SLOW):
            remove.first.click()
        expect(remove).to_have_count(left, timeout=SLOW)
    expect(page.get_by_text("No target segment is chosen")).to_be_visible(timeout=SLOW)
    picker.locator("input").click()
    option = page.get_by_role("option").filter(has_not_text=re.compile("^Select all")).first
    expect(option).to_be_visible(timeout=SLOW)
    chosen = option.inner_text().strip()
    with app_reruns(page, timeout=SLOW):
        option.click()
        page.keyboard.press("Escape")

    listed = page.get_by_text(re.compile(rf"customers in the target list \({re.escape(chosen)}\)"))
    expect(listed).to_be_visible(timeout=SLOW)
    count = int(re.match(r"([\d,]+) customers", listed.inner_text()).group(1).replace(",", ""))
    assert listed.inner_text() != before
    expect(page.get_by_text("With one target, the whole budget goes to it")).to_be_visible()

    with page.expect_download(timeout=SLOW) as download:
        page.get_by_role("button", name="Download target list (CSV)").click()
    assert download.value.suggested_filename.endswith(".csv")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == count
    assert list(rows[0])[:4] == ["customer_id", "segment_id", "segment", "segmentation"]
    assert {"name", "email", "email_opt_in"} <= set(rows[0])
    assert {r["segment"] for r in rows} == {chosen}
    assert {r["email_opt_in"] for r in rows} == {"True"}  # only customers who opted in
    assert all(r["customer_id"].startswith("PD-") for r in rows)
    expect(page.get_by_text(listed.inner_text())).to_be_visible()  # no rerun lost the page
    assert_no_exception(page)
