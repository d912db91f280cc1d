"""The Segments page in a real Chromium: default segments, then a two-condition rule."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.helpers import APP_IDLE_SELECTOR, app_reruns, assert_no_exception, wait_for_app

SLOW = 180_000


def choose(page: Page, selectbox, option: str) -> None:
    """Pick an option of a Streamlit selectbox by typing it, as a user would."""
    selectbox.click()
    page.keyboard.type(option)
    choice = page.get_by_role("option", name=option, exact=True).first
    expect(choice).to_be_visible(timeout=SLOW)
    if choice.get_attribute("aria-selected") == "true":  # already chosen: nothing reruns
        page.keyboard.press("Escape")
        expect(choice).to_be_hidden()
        return
    with app_reruns(page, timeout=SLOW):
        choice.click()


def test_default_segments_then_a_two_condition_rule(page: Page, streamlit_server: str) -> None:
    page.goto(f"{streamlit_server}/segments")
    wait_for_app(page, timeout=SLOW)
    expect(page.get_by_text("Made with k-means clustering · 6 segments")).to_be_visible(
        timeout=SLOW
    )
    expect(page.get_by_text("Each segment as a rule your CRM can run")).to_be_visible()
    assert_no_exception(page)

    # a tab may switch in the browser without a rerun: wait for what it shows
    page.locator(APP_IDLE_SELECTOR).wait_for(state="attached", timeout=SLOW)
    page.get_by_role("tab", name="Rules").click()
    expect(page.get_by_text("customers aged 18–99")).to_be_visible(timeout=SLOW)
    with app_reruns(page, timeout=SLOW):
        page.get_by_role("button", name="Add condition").click()
    columns = page.get_by_test_id("stSelectbox").filter(has_text="Column")
    expect(columns).to_have_count(2, timeout=SLOW)  # the rerun adds the second condition
    choose(page, columns.nth(1), "density")
    values = page.get_by_test_id("stSelectbox").filter(has_text="Value")
    expect(values).to_have_count(1, timeout=SLOW)
    choose(page, values.first, "Suburban")
    expect(page.get_by_text("customers aged 18–99 living in suburban areas")).to_be_visible(
        timeout=SLOW
    )
    expect(page.get_by_text("customers (", exact=False).first).to_be_visible()

    with app_reruns(page, timeout=SLOW):
        page.get_by_role("button", name="Create segments from these rules").click()
    expect(page.get_by_text("Saved Rules")).to_be_visible(timeout=SLOW)
    assert_no_exception(page)


def test_renaming_a_segment_in_the_table(page: Page, streamlit_server: str) -> None:
    page.goto(f"{streamlit_server}/segments")
    wait_for_app(page, timeout=SLOW)
    expect(page.get_by_text("Segments — click a name to rename it")).to_be_visible(timeout=SLOW)
    names = page.get_by_test_id("stDataFrame").first
    # the grid draws on a canvas; its accessible copy holds the cells once they are drawn
    expect(names.locator('[id^="glide-cell-"]').first).to_be_attached(timeout=SLOW)
    names.scroll_into_view_if_needed()
    cell_editor = page.locator(".gdg-input, #portal textarea").first
    for attempt in range(3):  # a double-click may land while the grid is still laying out
        box = names.bounding_box()
        page.mouse.dblclick(box["x"] + 60, box["y"] + 35 + 18)  # Segment column, first row
        try:
            expect(cell_editor).to_be_visible(timeout=15_000)
            break
        except AssertionError:
            if attempt == 2:
                raise
    cell_editor.fill("Dog-lover Dinas")
    with app_reruns(page, timeout=SLOW):
        page.keyboard.press("Enter")
    # the new name shows in the charts and the rule explanations, not only in the table
    expect(page.get_by_text("Dog-lover Dinas").first).to_be_visible(timeout=SLOW)
    assert page.get_by_text("Dog-lover Dinas").count() >= 2
    assert_no_exception(page)
