"""Helpers shared by the Playwright tests in tests/browser/.

Waiting is always for a state, never for a time:

- after ``page.goto(...)`` (a first load or a full page load): ``wait_for_app(page)``;
- around an action that makes the app rerun its script (a click on a button, a tab or a
  sidebar link, a widget change, an upload)::

      with app_reruns(page):
          page.get_by_role("button", name="Save").click()

  The block waits until the app is idle, counts script runs while the action happens, and
  returns once at least one new run has started and the app is idle again;
- after an action that does not rerun the script (opening a popover or a selectbox, typing
  into a filter, a download button with ``on_click="ignore"``): ``expect(...)`` on the element
  or text that should appear.

Then assert the outcome with ``expect(...)``: it retries until the text is there, so a
follow-up ``st.rerun()`` that the app starts after the first run does not matter.

To move to another page with the sidebar's page links, use ``open_page(page, "Personas",
shows=...)``: it waits for what the new page shows, not for a run. A quick page switch (back
to the Data page with the sample: its run takes a fraction of a second) can be drawn without
``data-test-script-state`` ever leaving "notRunning": the app sets it from the server's
"running" and "not running" status messages, and when both are handled before React renders,
the attribute never changes. No run is counted, and ``app_reruns`` waits out its whole
timeout although the new page is on screen (seen about once in ten switches, idle machine).
"""

from __future__ import annotations

import warnings
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

APP_SELECTOR = '[data-testid="stApp"]'
# `data-test-script-state` is "initial" until the first script run has been received,
# then "running" while the script runs and "notRunning" once it has finished.
APP_IDLE_SELECTOR = '[data-testid="stApp"][data-test-script-state="notRunning"]'
APP_CONNECTED_SELECTOR = '[data-testid="stApp"][data-test-connection-state="CONNECTED"]'

# Generous bounds for a 2-core machine that is busy with something else: a wait returns as
# soon as its state is reached, so a large bound costs nothing when the machine is idle.
APP_TIMEOUT_MS = 180_000
EXPECT_TIMEOUT_MS = 60_000

# Counts the times the app's script state leaves "notRunning" (or "initial"), i.e. script
# runs that have started, in window.__segmentStudioRuns. Installed once per loaded document:
# Streamlit switches pages without reloading it, so the count survives page links.
_WATCH_RUNS_JS = """() => {
    if (window.__segmentStudioRuns) return window.__segmentStudioRuns.started;
    const runs = { started: 0, states: [] };
    const idle = new Set(["notRunning", "initial"]);
    new MutationObserver((records) => {
        for (const record of records) {
            if (record.target.getAttribute("data-testid") !== "stApp") continue;
            const now = record.target.getAttribute("data-test-script-state");
            runs.states.push(`${record.oldValue} > ${now}`);
            if (runs.states.length > 50) runs.states.shift();
            if (idle.has(record.oldValue)) runs.started += 1;
        }
    }).observe(document.documentElement, {
        subtree: true,
        attributes: true,
        attributeOldValue: true,
        attributeFilter: ["data-test-script-state"],
    });
    window.__segmentStudioRuns = runs;
    return runs.started;
}"""

_RERUN_FINISHED_JS = """(before) => {
    const app = document.querySelector('[data-testid="stApp"]');
    const runs = window.__segmentStudioRuns;
    return Boolean(
        app && runs && runs.started > before
        && app.getAttribute("data-test-script-state") === "notRunning"
        && app.getAttribute("data-test-connection-state") === "CONNECTED"
    );
}"""

_RUNS_REPORT_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    const runs = window.__segmentStudioRuns || { started: "not watched", states: [] };
    return {
        started: runs.started,
        states: runs.states.slice(-10),
        script: app && app.getAttribute("data-test-script-state"),
        connection: app && app.getAttribute("data-test-connection-state"),
    };
}"""


# The server's messages say exactly when a script run ends (a ``script_finished`` ForwardMsg),
# even when a run is too quick for ``data-test-script-state`` to change (see the module's
# docstring). ``watch_runs(page)`` before ``page.goto`` lets ``app_reruns`` wait for that
# message; pages not watched fall back to counting the attribute's changes.
_SOCKETS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def watch_runs(page: Page) -> Page:
    """Follow ``page``'s connection to the server (call it before the first ``goto``)."""
    if page not in _SOCKETS:
        _SOCKETS[page] = None
        page.on("websocket", lambda socket: _SOCKETS.__setitem__(page, socket))
    return page


def _is_script_finished(payload: bytes | str) -> bool:
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    if not isinstance(payload, bytes):
        return False
    message = ForwardMsg()
    try:
        message.ParseFromString(payload)
    except Exception:
        return False
    return message.WhichOneof("type") == "script_finished"


def wait_for_app(
    page: Page, timeout: float = APP_TIMEOUT_MS, settle_ms: float | None = None
) -> None:
    """Wait until a freshly loaded app is connected and its script run has finished.

    Use it after ``page.goto``; around actions use :func:`app_reruns`. ``settle_ms`` is
    deprecated and ignored: a fixed pause cannot tell whether a rerun has started.
    """
    if settle_ms is not None:
        warnings.warn(
            "wait_for_app(settle_ms=...) is ignored: wrap the action in "
            "`with app_reruns(page): ...` instead",
            DeprecationWarning,
            stacklevel=2,
        )
    page.locator(APP_CONNECTED_SELECTOR).wait_for(state="attached", timeout=timeout)
    page.locator(APP_IDLE_SELECTOR).wait_for(state="attached", timeout=timeout)
    page.evaluate(_WATCH_RUNS_JS)


@contextmanager
def app_reruns(page: Page, timeout: float = APP_TIMEOUT_MS) -> Iterator[None]:
    """Around an action that reruns the app's script: return once the rerun has finished.

    Waits first until the app is idle (so the action does not land in a run already going
    on), then counts the script runs that start while the block runs, and after it waits
    until at least one has started and the app is idle again. For example::

        with app_reruns(page):
            page.get_by_role("button", name="Create RFM segments").click()
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    page.locator(APP_IDLE_SELECTOR).wait_for(state="attached", timeout=timeout)
    socket = _SOCKETS.get(page)
    if socket is not None and not socket.is_closed():
        try:
            with socket.expect_event(
                "framereceived", predicate=_is_script_finished, timeout=timeout
            ):
                yield
        except PlaywrightTimeoutError as exc:
            raise AssertionError(
                f"The action did not lead to a finished script run within {timeout / 1000:.0f} "
                "s (no script_finished message from the server). Does the action rerun the "
                "app? If not, wait with expect(...) on what it changes instead.\n"
                + "\n\n".join(exception_texts(page))
            ) from exc
        page.locator(APP_IDLE_SELECTOR).wait_for(state="attached", timeout=timeout)
        return
    before = page.evaluate(_WATCH_RUNS_JS)
    yield
    try:
        page.wait_for_function(_RERUN_FINISHED_JS, arg=before, timeout=timeout, polling=100)
    except PlaywrightTimeoutError as exc:
        report = page.evaluate(_RUNS_REPORT_JS)
        raise AssertionError(
            f"The action did not lead to a finished script run within {timeout / 1000:.0f} s "
            f"(runs started before it: {before}; now: {report}). Does the action rerun the "
            "app? If not, wait with expect(...) on what it changes instead.\n"
            + "\n\n".join(exception_texts(page))
        ) from exc


def open_page(page: Page, name: str, shows: Locator, timeout: float = APP_TIMEOUT_MS) -> None:
    """Open the page ``name`` with its sidebar link; return once ``shows`` (something only the
    new page draws) is visible and the app is idle.

    Waits for content, never for a script run: the switch's run may not be observable (see
    the module's docstring). For example::

        open_page(page, "Personas", shows=page.get_by_role("heading", name="Personas"))
    """
    from playwright.sync_api import expect

    page.locator(APP_IDLE_SELECTOR).wait_for(state="attached", timeout=timeout)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=name, exact=True).click()
    expect(shows).to_be_visible(timeout=timeout)
    page.locator(APP_IDLE_SELECTOR).wait_for(state="attached", timeout=timeout)


def exception_texts(page: Page) -> list[str]:
    """Texts of all exceptions Streamlit shows on the page (empty when there are none)."""
    return page.locator('[data-testid="stException"]').all_inner_texts()


def assert_no_exception(page: Page) -> None:
    errors = exception_texts(page)
    assert not errors, "The app shows an exception:\n\n" + "\n\n".join(errors)
