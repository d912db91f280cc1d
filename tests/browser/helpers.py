"""Helpers shared by the Playwright tests in tests/browser/."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page

APP_SELECTOR = '[data-testid="stApp"]'
# `data-test-script-state` is "initial" until the first script run has been received,
# then "running" while the script runs and "notRunning" once it has finished.
APP_IDLE_SELECTOR = '[data-testid="stApp"][data-test-script-state="notRunning"]'
APP_CONNECTED_SELECTOR = '[data-testid="stApp"][data-test-connection-state="CONNECTED"]'


def wait_for_app(page: Page, timeout: float = 60_000, settle_ms: float = 200) -> None:
    """Wait until the app is connected and its script run has finished.

    ``settle_ms`` is waited first so that a rerun triggered by the previous action (a
    click, an upload) has started before we look for the idle state.
    """
    if settle_ms:
        page.wait_for_timeout(settle_ms)
    page.locator(APP_CONNECTED_SELECTOR).wait_for(state="attached", timeout=timeout)
    page.locator(APP_IDLE_SELECTOR).wait_for(state="attached", timeout=timeout)


def exception_texts(page: Page) -> list[str]:
    """Texts of all exceptions Streamlit shows on the page (empty when there are none)."""
    return page.locator('[data-testid="stException"]').all_inner_texts()


def assert_no_exception(page: Page) -> None:
    errors = exception_texts(page)
    assert not errors, "The app shows an exception:\n\n" + "\n\n".join(errors)
