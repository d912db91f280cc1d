"""While one session uploads a hostile file, another session's pages still render (issue 16).

A real ``streamlit run`` server and two browser sessions: the first uploads a 4 MB gzip file
that expands to 4 GB, and while the server reads it the second opens the Segments page. After
the refusal both sessions move between pages with the sidebar's links, and the first reads an
ordinary file (that the refused read gives the server's read slot back is unit-tested in
tests/test_session_memory.py). Everything is waited on by state (what a page shows), never
by time.
"""

from __future__ import annotations

import gzip

from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import (
    APP_TIMEOUT_MS,
    assert_no_exception,
    open_page,
    wait_for_app,
    watch_runs,
)
from tests.hostile_files import MB, gzip_bomb

DATA_CAPTION = "Bring your customers in and check that the app understood them."
PERSONAS_CAPTION = "A card per segment, written from your data"
CUSTOMERS_CSV = "customer_id,spend,orders\n" + "".join(
    f"c{i},{i * 1.5:.2f},{i % 7}\n" for i in range(300)
)


def _choose_file(page: Page, name: str, data: bytes) -> None:
    # the Data page's uploader, not the sidebar's "Resume a project" one nor the join's
    page.get_by_role("region", name="Upload a customer or orders").get_by_test_id(
        "stFileUploaderDropzoneInput"
    ).set_input_files(files=[{"name": name, "mimeType": "application/gzip", "buffer": data}])


def test_another_session_renders_while_a_bomb_is_refused(
    browser: Browser, streamlit_server: str
) -> None:
    bomb = gzip_bomb(4 * 1024 * MB)
    uploader_context, other_context = browser.new_context(), browser.new_context()
    try:
        uploader = watch_runs(uploader_context.new_page())
        other = watch_runs(other_context.new_page())
        for page in (uploader, other):
            page.goto(streamlit_server)
            wait_for_app(page)
        expect(other.get_by_test_id("stMetricValue").nth(1)).to_have_text("6,000")

        # no wait on the uploader's run here: the other session acts while the file is sent
        # and read, and the uploader's outcome is awaited afterwards, by its message
        _choose_file(uploader, "bomb.csv.gz", bomb)
        open_page(other, "Segments", shows=other.get_by_text("Made with k-means clustering"))
        assert_no_exception(other)

        refused = uploader.get_by_text("expands to more than 400 MB once decompressed")
        expect(refused).to_be_visible(timeout=APP_TIMEOUT_MS)
        expect(uploader.get_by_text("The data you had before is still active.")).to_be_visible()
        expect(uploader.get_by_test_id("stMetricValue").nth(1)).to_have_text("6,000")
        assert_no_exception(uploader)

        # after the refusal both sessions still switch pages (waited on by what they show:
        # a quick page switch may start no run the browser can observe)
        open_page(other, "Data", shows=other.get_by_text(DATA_CAPTION))
        open_page(other, "Personas", shows=other.get_by_text(PERSONAS_CAPTION))
        assert_no_exception(other)
        open_page(uploader, "Personas", shows=uploader.get_by_text(PERSONAS_CAPTION))
        open_page(uploader, "Data", shows=uploader.get_by_text(DATA_CAPTION))
        assert_no_exception(uploader)

        # and the uploader's next file is read as usual
        _choose_file(uploader, "customers.csv.gz", gzip.compress(CUSTOMERS_CSV.encode()))
        loaded = uploader.get_by_text("Loaded customers.csv.gz: 300 customers.")
        expect(loaded).to_be_visible(timeout=APP_TIMEOUT_MS)
        expect(uploader.get_by_test_id("stMetricValue").nth(1)).to_have_text("300")
        assert_no_exception(uploader)

    finally:
        uploader_context.close()
        other_context.close()
