"""The Segments page in a real Chromium: default segments, then a two-condition rule."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.helpers import assert_no_exception, wait_for_app

SLOW = 180_000


def choose(page: Page, selectbox, option: str) -> None:
    """Pick an option of a Streamlit selectbox by typing it, as a user would."""
    selectbox.click()
    page.keyboard.type(option)
    page.get_by_role("option", name=option, exact=True).first.click()
    wait_for_app(page, timeout=SLOW, settle_ms=800)


def test_default_segments_then_a_two_condition_rule(page: Page, streamlit_server: str) -> None:
    page.goto(f"{streamlit_server}/segments")
    wait_for_app(page, timeout=SLOW)
    expect(page.get_by_text("Made with k-means clustering · 6 segments")).to_be_visible(
        timeout=SLOW
    )
    expect(page.get_by_text("Each segment as a rule your CRM can run")).to_be_visible()
    assert_no_exception(page)

    page.get_by_role("tab", name="Rules").click()
    wait_for_app(page, timeout=SLOW, settle_ms=800)
    expect(page.get_by_text("customers aged 18–99")).to_be_visible(timeout=SLOW)
    page.get_by_role("button", name="Add condition").click()
    wait_for_app(page, timeout=SLOW, settle_ms=800)
    columns = page.get_by_test_id("stSelectbox").filter(has_text="Column")
    choose(page, columns.nth(1), "density")
    values = page.get_by_test_id("stSelectbox").filter(has_text="Value")
    choose(page, values.first, "Suburban")
    expect(page.get_by_text("customers aged 18–99 living in suburban areas")).to_be_visible()
    expect(page.get_by_text("customers (", exact=False).first).to_be_visible()

    page.get_by_role("button", name="Create segments from these rules").click()
    wait_for_app(page, timeout=SLOW, settle_ms=1000)
    expect(page.get_by_text("Saved Rules")).to_be_visible(timeout=SLOW)
    assert_no_exception(page)


def test_renaming_a_segment_in_the_table(page: Page, streamlit_server: str) -> None:
    page.goto(f"{streamlit_server}/segments")
    wait_for_app(page, timeout=SLOW)
    expect(page.get_by_text("Segments — click a name to rename it")).to_be_visible(timeout=SLOW)
    names = page.get_by_test_id("stDataFrame").first
    box = names.bounding_box()
    page.mouse.dblclick(box["x"] + 60, box["y"] + 35 + 18)  # first row of the Segment column
    page.keyboard.press("Control+A")
    page.keyboard.type("Dog-lover Dinas")
    page.keyboard.press("Enter")
    wait_for_app(page, timeout=SLOW, settle_ms=1500)
    # the new name shows in the charts and the rule explanations, not only in the table
    expect(page.get_by_text("Dog-lover Dinas").first).to_be_visible()
    assert page.get_by_text("Dog-lover Dinas").count() >= 2
    assert_no_exception(page)
