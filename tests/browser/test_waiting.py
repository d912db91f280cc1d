"""The browser tests' own wait: ``app_reruns`` must see every script run, even one too quick for
the page's ``data-test-script-state`` attribute to change (a switch back to the Data page with
the sample), because it waits for the server's ``script_finished`` message."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.helpers import _SOCKETS, app_reruns, assert_no_exception, wait_for_app

SWITCHES = 4


def test_app_reruns_sees_every_quick_page_switch(page: Page, streamlit_server: str) -> None:
    page.goto(streamlit_server)
    wait_for_app(page)
    assert _SOCKETS.get(page) is not None, "the page fixture follows the app's connection"
    nav = page.get_by_test_id("stSidebarNav")
    for _ in range(SWITCHES):  # with the attribute alone, about 1 switch in 10 went unseen
        for name, shown in (("Compare", "Compare"), ("Data", "built-in Pet Dynamics sample")):
            with app_reruns(page, timeout=60_000):
                nav.get_by_role("link", name=name, exact=True).click()
            expect(page.get_by_text(shown).first).to_be_visible()
    assert_no_exception(page)
