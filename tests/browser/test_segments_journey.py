"""The Segments page in a real Chromium: default segments, then a two-condition rule."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.helpers import assert_no_exception, wait_for_app

SLOW = 180_000


def choose(page: Page, selectbox, option: str) -> None:
    """Pick an option of a Streamlit selectbox by typing it, as a user would."""
    selectbox.click()
    page.keyboard.type(option)
    choice = page.get_by_role("option", name=option, exact=True).first
    expect(choice).to_be_visible(timeout=SLOW)
    choice.click()
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
    columns = page.get_by_test_id("stSelectbox").filter(has_text="Column")
    expect(columns).to_have_count(2, timeout=SLOW)  # the rerun adds the second condition
    wait_for_app(page, timeout=SLOW)
    choose(page, columns.nth(1), "density")
    values = page.get_by_test_id("stSelectbox").filter(has_text="Value")
    expect(values).to_have_count(1, timeout=SLOW)
    wait_for_app(page, timeout=SLOW)
    choose(page, values.first, "Suburban")
    expect(page.get_by_text("customers aged 18–99 living in suburban areas")).to_be_visible(
        timeout=SLOW
    )
    expect(page.get_by_text("customers (", exact=False).first).to_be_visible()

    page.get_by_role("button", name="Create segments from these rules").click()
    wait_for_app(page, timeout=SLOW, settle_ms=1000)
    expect(page.get_by_text("Saved Rules")).to_be_visible(timeout=SLOW)
    assert_no_exception(page)


def test_renaming_a_segment_in_the_table(page: Page, streamlit_server: str) -> None:
    page.goto(f"{streamlit_server}/segments")
    wait_for_app(page, timeout=SLOW)
    expect(page.get_by_text("Segments — click a name to rename it")).to_be_visible(timeout=SLOW)
    wait_for_app(page, timeout=SLOW, settle_ms=1000)
    names = page.get_by_test_id("stDataFrame").first
    names.scroll_into_view_if_needed()
    box = names.bounding_box()
    cell_editor = page.locator(".gdg-input, #portal textarea").first
    for _ in range(3):  # the grid may still be laying out when the first double-click lands
        page.mouse.dblclick(box["x"] + 60, box["y"] + 35 + 18)  # Segment column, first row
        try:
            expect(cell_editor).to_be_visible(timeout=5_000)
            break
        except AssertionError:
            page.wait_for_timeout(1_000)
    cell_editor.fill("Dog-lover Dinas")
    page.keyboard.press("Enter")
    # the new name shows in the charts and the rule explanations, not only in the table
    expect(page.get_by_text("Dog-lover Dinas").first).to_be_visible(timeout=SLOW)
    wait_for_app(page, timeout=SLOW)
    assert page.get_by_text("Dog-lover Dinas").count() >= 2
    assert_no_exception(page)
