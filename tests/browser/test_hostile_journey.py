"""While one session uploads a hostile file, another session's pages still render (issue 16).

A real ``streamlit run`` server and two browser sessions: the first uploads a 4 MB gzip file
that expands to 4 GB, and while the server reads it the second opens the Segments page. Both
are waited on by state (the script runs they start), never by time.
"""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import APP_TIMEOUT_MS, app_reruns, assert_no_exception, wait_for_app
from tests.hostile_files import MB, gzip_bomb


def _choose_file(page: Page, name: str, data: bytes) -> None:
    # the Data page's uploader, not the sidebar's "Resume a project" one
    page.get_by_test_id("stMain").locator(
        '[data-testid="stFileUploader"] input[type="file"]'
    ).set_input_files(files=[{"name": name, "mimeType": "application/gzip", "buffer": data}])


def test_another_session_renders_while_a_bomb_is_refused(
    browser: Browser, streamlit_server: str
) -> None:
    bomb = gzip_bomb(4 * 1024 * MB)
    uploader_context, other_context = browser.new_context(), browser.new_context()
    try:
        uploader, other = uploader_context.new_page(), other_context.new_page()
        for page in (uploader, other):
            page.goto(streamlit_server)
            wait_for_app(page)
        expect(other.get_by_test_id("stMetricValue").nth(1)).to_have_text("6,000")

        # no wait on the uploader's run here: the other session acts while the file is sent
        # and read, and the uploader's outcome is awaited afterwards, by its message
        _choose_file(uploader, "bomb.csv.gz", bomb)
        with app_reruns(other):
            other.get_by_test_id("stSidebarNav").get_by_role("link", name="Segments").click()
        expect(other.get_by_text("Made with k-means clustering")).to_be_visible()
        assert_no_exception(other)

        refused = uploader.get_by_text("expands to more than 400 MB once decompressed")
        expect(refused).to_be_visible(timeout=APP_TIMEOUT_MS)
        expect(uploader.get_by_text("The data you had before is still active.")).to_be_visible()
        expect(uploader.get_by_test_id("stMetricValue").nth(1)).to_have_text("6,000")
        assert_no_exception(uploader)

    finally:
        uploader_context.close()
        other_context.close()
