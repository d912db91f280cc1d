"""The Personas page in a real Chromium: cards on a first visit, a rename, the HTML export."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.helpers import app_reruns, assert_no_exception, wait_for_app

SLOW = 180_000


def test_cards_rename_and_download(page: Page, streamlit_server: str) -> None:
    page.goto(f"{streamlit_server}/personas")
    wait_for_app(page, timeout=SLOW)
    expect(page.get_by_text("Persona in detail")).to_be_visible(timeout=SLOW)
    expect(page.get_by_role("button", name="Open card")).to_have_count(6)
    expect(page.get_by_text("What sets them apart").first).to_be_visible()
    assert_no_exception(page)

    with app_reruns(page, timeout=SLOW):
        page.get_by_role("button", name="Open card").nth(1).click()
    name = page.get_by_label("Persona name", exact=True).and_(
        page.get_by_test_id("stTextInputField")
    )
    name.fill("Bargain-hunting families")
    with app_reruns(page, timeout=SLOW):
        name.press("Enter")
    expect(page.get_by_text("on every page")).to_be_visible(timeout=SLOW)
    expect(page.get_by_role("heading", name="Bargain-hunting families")).to_be_visible()

    with page.expect_download(timeout=SLOW) as download:
        page.get_by_role("button", name="All cards (.html)").click()
    path = download.value.path()
    html = Path(path).read_text(encoding="utf-8")
    assert download.value.suggested_filename == "personas-k-means-6-segments.html"
    assert "<h2>Bargain-hunting families</h2>" in html
    assert_no_exception(page)
