"""Sharing in a real Chromium: a copied link reopens the view in a fresh browser, and two
people using the app at once with different files never see each other's data."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.helpers import (
    APP_IDLE_SELECTOR,
    app_reruns,
    assert_no_exception,
    wait_for_app,
    watch_runs,
)

SLOW = 180_000


def copy_link(page: Page) -> str:
    """Open the sidebar's "Copy link" popover and return the link it offers."""
    page.get_by_test_id("stSidebar").get_by_role("button", name="Copy link").click()
    code = page.get_by_test_id("stPopoverBody").get_by_test_id("stCode").first
    expect(code).to_contain_text("?view=v1.", timeout=SLOW)
    link = code.inner_text().strip()
    page.keyboard.press("Escape")  # close the popover again
    return link


def test_a_copied_link_reopens_the_same_view_in_a_fresh_browser(
    page: Page, browser, streamlit_server: str
) -> None:
    page.goto(f"{streamlit_server}/segments")
    wait_for_app(page, timeout=SLOW)
    expect(page.get_by_text("Made with k-means clustering")).to_be_visible(timeout=SLOW)
    # a tab may switch in the browser without a rerun: wait for what it shows
    page.locator(APP_IDLE_SELECTOR).wait_for(state="attached", timeout=SLOW)
    page.get_by_role("tab", name="RFM").click()
    save = page.get_by_role("button", name="Create RFM segments")
    expect(save).to_be_visible(timeout=SLOW)
    with app_reruns(page, timeout=SLOW):
        save.click()
    expect(page.get_by_text("Made with RFM scores")).to_be_visible(timeout=SLOW)
    with app_reruns(page, timeout=SLOW):  # the link survives moving between pages
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Personas").click()
    expect(page.get_by_text("Champions").first).to_be_visible(timeout=SLOW)
    with app_reruns(page, timeout=SLOW):
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Target").click()
    expect(page.get_by_role("heading", name="Target", exact=True)).to_be_visible(timeout=SLOW)
    with app_reruns(page, timeout=SLOW):
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Personas").click()
    expect(page.get_by_text("Champions").first).to_be_visible(timeout=SLOW)
    link = copy_link(page)
    assert link.startswith(f"{streamlit_server}/personas?view=v1.")
    assert "view=v1." in page.url

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        other = watch_runs(context.new_page())
        other.goto(link)
        wait_for_app(other, timeout=SLOW)
        expect(other.get_by_text("Opened the shared link: 2 segmentation(s)")).to_be_visible(
            timeout=SLOW
        )
        expect(other.get_by_role("heading", name="Personas")).to_be_visible()
        expect(other.get_by_text("Champions").first).to_be_visible(timeout=SLOW)
        assert_no_exception(other)
        other.screenshot(path="screenshots/share-restored-personas.png", full_page=True)
        with app_reruns(other, timeout=SLOW):
            other.get_by_test_id("stSidebarNav").get_by_role("link", name="Segments").click()
        expect(other.get_by_text("Made with RFM scores")).to_be_visible(timeout=SLOW)
        assert "view=v1." in other.url
        assert_no_exception(other)
    finally:
        context.close()


CRM_A = "customer_id;age;region\n" + "".join(
    f"ALPHA{i:03d};{25 + i % 30};{['North', 'South'][i % 2]}\n" for i in range(50)
)
CRM_B = "client;age;town\n" + "".join(
    f"BETA{i:03d};{30 + i % 20};{['Leeds', 'York', 'Hull'][i % 3]}\n" for i in range(70)
)


def upload(page: Page, name: str, data: bytes) -> None:
    page.get_by_test_id("stMain").locator(
        '[data-testid="stFileUploader"] input[type="file"]'
    ).set_input_files(files=[{"name": name, "mimeType": "text/csv", "buffer": data}])


def test_two_sessions_at_once_only_see_their_own_upload(browser, streamlit_server: str) -> None:
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(2)]
    try:
        first, second = (watch_runs(context.new_page()) for context in contexts)
        for page in (first, second):
            page.goto(streamlit_server)
        for page in (first, second):
            wait_for_app(page, timeout=SLOW)
        with app_reruns(first, timeout=SLOW), app_reruns(second, timeout=SLOW):
            upload(first, "alpha.csv", CRM_A.encode())  # both uploads in flight together
            upload(second, "beta.csv", CRM_B.encode())
        expect(first.get_by_text("Active data: alpha.csv")).to_be_visible(timeout=SLOW)
        expect(second.get_by_text("Active data: beta.csv")).to_be_visible(timeout=SLOW)
        expect(first.get_by_test_id("stMetricValue").nth(1)).to_have_text("50")
        expect(second.get_by_test_id("stMetricValue").nth(1)).to_have_text("70")
        # the customer rows draw after the metrics: wait for each page's own ids first
        expect(first.get_by_text(re.compile("ALPHA000")).first).to_be_attached(timeout=SLOW)
        expect(second.get_by_text(re.compile("BETA000")).first).to_be_attached(timeout=SLOW)
        first_text, second_text = first.content(), second.content()
        assert (
            "ALPHA000" in first_text and "BETA" not in first_text and "beta.csv" not in first_text
        )
        assert (
            "BETA000" in second_text and "ALPHA" not in second_text and "alpha" not in second_text
        )
        with app_reruns(first, timeout=SLOW), app_reruns(second, timeout=SLOW):
            for page in (first, second):  # segments of each session come from its own file
                page.get_by_test_id("stSidebarNav").get_by_role("link", name="Segments").click()
        for page in (first, second):
            expect(page.get_by_text("Made with k-means clustering")).to_be_visible(timeout=SLOW)
        assert "Leeds" not in first.content() and "alpha" not in second.content()
        assert "Leeds" in second.content() or "town" in second.content()
        for page in (first, second):
            assert_no_exception(page)
    finally:
        for context in contexts:
            context.close()
