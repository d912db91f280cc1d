"""Share with data in a real Chromium: session A uploads a file, makes rule and cluster
segments, renames a persona and shares with data; a fresh browser opens the link and sees the
same customers, segments, persona name and Target ranking without uploading. The server runs
with debug logging, and its log never holds the link's key."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from segmentation.sharing.snapshots import parse_link
from tests.browser.helpers import (
    APP_IDLE_SELECTOR,
    app_reruns,
    assert_no_exception,
    wait_for_app,
    watch_runs,
)
from tests.browser.server import REPO_ROOT, StreamlitServer, start_server, stop_server

SLOW = 180_000
PERSONA = "Coastal big spenders"
CSV = "customer_id;age;region;income;visits\n" + "".join(
    f"SD{i:04d};{21 + (i * 7) % 50};{['Coast', 'Hills', 'City'][i % 3]};"
    f"{28000 + (i * 977) % 60000};{1 + (i * 5) % 23}\n"
    for i in range(90)
)
SCREENSHOTS = REPO_ROOT / "screenshots"
BIG_CSV = (
    "customer_id,age,region,income,visits,signup\n"
    + "".join(
        f"B{i:06d},{21 + i % 50},{['Coast', 'Hills', 'City'][i % 3]},{28000 + (i * 977) % 60000},"
        f"{1 + i % 23},2024-{1 + i % 12:02d}-{1 + i % 28:02d}\n"
        for i in range(300_000)
    )
).encode()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StreamlitServer]:
    """Its own server: a snapshot store in a temporary directory, debug logging to a file."""
    folder = tmp_path_factory.mktemp("share-data")
    saved = os.environ.get("SEGMENT_STUDIO_DATA_DIR")
    os.environ["SEGMENT_STUDIO_DATA_DIR"] = str(folder / "data")
    try:
        server = start_server(
            cwd=REPO_ROOT, log_path=folder / "server.log", extra_args=("--logger.level", "debug")
        )
    finally:
        if saved is None:
            os.environ.pop("SEGMENT_STUDIO_DATA_DIR", None)
        else:
            os.environ["SEGMENT_STUDIO_DATA_DIR"] = saved
    try:
        yield server
    finally:
        stop_server(server)


def go(page: Page, name: str) -> None:
    """Open a page from the sidebar and wait for its title (the run then draws the rest)."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=name).click()
    expect(page).to_have_url(re.compile(rf"/{name.lower()}(\?|$)"), timeout=SLOW)
    expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible(timeout=SLOW)
    page.locator(APP_IDLE_SELECTOR).wait_for(state="attached", timeout=SLOW)


def upload(page: Page) -> None:
    with app_reruns(page, timeout=SLOW):
        page.get_by_test_id("stMain").locator(
            '[data-testid="stFileUploader"] input[type="file"]'
        ).set_input_files(
            files=[{"name": "coast.csv", "mimeType": "text/csv", "buffer": CSV.encode()}]
        )


def target_ranking(page: Page) -> list[str]:
    """The ranked segments of the Target page (open) as the grid's accessible copy lists them."""
    heading = page.get_by_text("Segments ranked by attractiveness").first
    expect(heading).to_be_visible(timeout=SLOW)
    heading.scroll_into_view_if_needed()
    zone = page.locator(
        '[id^="glide-cell-"]', has_text=re.compile("^(invest|selective|harvest)", re.I)
    )
    cells = page.get_by_test_id("stDataFrame").filter(has=zone).locator('[id^="glide-cell-"]')
    expect(cells.first).to_be_attached(timeout=SLOW)
    return [t.strip() for t in cells.all_inner_texts()]


def create_rule_segments(page: Page) -> None:
    """The Rules tab's default rule saved as segments. A click that lands while the first
    visit's run is still drawing can be lost on a busy machine, so each step is checked."""
    create = page.get_by_role("button", name="Create segments from these rules")
    for attempt in range(3):
        page.locator(APP_IDLE_SELECTOR).wait_for(state="attached", timeout=SLOW)
        page.get_by_role("tab", name="Rules").click()
        try:
            expect(create).to_be_visible(timeout=30_000)
            break
        except AssertionError:
            if attempt == 2:
                raise
    with app_reruns(page, timeout=SLOW):
        create.click()
    expect(page.get_by_text("Saved Rules")).to_be_visible(timeout=SLOW)


def share_with_data(page: Page) -> tuple[str, str]:
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_role("button", name="Share with data").click()
    body = page.get_by_test_id("stPopoverBody")
    expect(body.get_by_text("carries the settings only")).to_be_visible(timeout=SLOW)
    with app_reruns(page, timeout=SLOW):
        body.get_by_role("button", name="Create link with data").click()
    expect(body.get_by_text("it is shown only once")).to_be_visible(timeout=SLOW)
    codes = body.get_by_test_id("stCode")
    expect(codes).to_have_count(2, timeout=SLOW)
    link, revoke = (c.strip() for c in codes.all_inner_texts())
    assert "?data=d1." in link and "?revoke=r1." in revoke
    page.mouse.move(700, 40)  # no help tooltip over the controls in the screenshot
    expect(page.get_by_test_id("stTooltipContent")).to_have_count(0, timeout=SLOW)
    page.screenshot(path=str(SCREENSHOTS / "share-with-data-sidebar.png"))
    page.keyboard.press("Escape")
    return link, revoke


def test_a_fresh_browser_opens_the_shared_analysis_with_its_data(
    page: Page, browser, server: StreamlitServer
) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.goto(server.url)
    wait_for_app(page, timeout=SLOW)
    upload(page)
    expect(page.get_by_text("Active data: coast.csv, 90 customers")).to_be_visible(timeout=SLOW)

    go(page, "Segments")  # the first visit makes the cluster segments
    expect(page.get_by_text(re.compile("Made with k-means clustering"))).to_be_visible(timeout=SLOW)
    create_rule_segments(page)
    made_with = page.get_by_text(re.compile(r"^Made with rules · ")).inner_text().strip()

    go(page, "Personas")
    name = page.get_by_label("Persona name", exact=True).and_(
        page.get_by_test_id("stTextInputField")
    )
    expect(name).to_be_visible(timeout=SLOW)
    name.fill(PERSONA)
    with app_reruns(page, timeout=SLOW):
        name.press("Enter")
    expect(page.get_by_role("heading", name=PERSONA)).to_be_visible(timeout=SLOW)
    go(page, "Target")
    sender_ranking = target_ranking(page)
    assert sender_ranking
    link, revoke = share_with_data(page)
    revoke_secret = revoke.rsplit(".", 1)[1]
    assert link.startswith(f"{server.url}/target?data=d1.")
    assert_no_exception(page)

    # a third person keeps the server busy reading a large upload while the link is opened
    busy_context = browser.new_context()
    busy = watch_runs(busy_context.new_page())
    busy.goto(server.url)
    wait_for_app(busy, timeout=SLOW)
    busy.get_by_test_id("stMain").locator(
        '[data-testid="stFileUploader"] input[type="file"]'
    ).set_input_files(files=[{"name": "big.csv", "mimeType": "text/csv", "buffer": BIG_CSV}])
    expect(busy.locator('[data-testid="stApp"][data-test-script-state="running"]')).to_have_count(
        1, timeout=SLOW
    )
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        other = watch_runs(context.new_page())
        other.goto(link)
        wait_for_app(other, timeout=SLOW)
        expect(other.get_by_text("Opened the shared analysis with its data")).to_be_visible(
            timeout=SLOW
        )
        expect(other.get_by_text("coast.csv").first).to_be_visible()
        expect(other.get_by_role("heading", name="Target", exact=True)).to_be_visible()
        assert target_ranking(other) == sender_ranking
        other.locator(APP_IDLE_SELECTOR).wait_for(state="attached", timeout=SLOW)
        other.get_by_role("heading", name="Target", exact=True).scroll_into_view_if_needed()
        other.screenshot(path=str(SCREENSHOTS / "share-with-data-opened.png"), full_page=True)
        go(other, "Personas")
        expect(other.get_by_role("heading", name=PERSONA)).to_be_visible(timeout=SLOW)
        go(other, "Segments")
        expect(other.get_by_text(made_with)).to_be_visible(timeout=SLOW)
        other.get_by_test_id("stSidebarNav").get_by_role("link", name="Data").click()
        expect(other.get_by_text("Active data: coast.csv, 90 customers")).to_be_visible(
            timeout=SLOW
        )
        assert_no_exception(other)
        expect(busy.get_by_text("Active data: big.csv")).to_be_visible(timeout=SLOW)
        assert_no_exception(busy)
    finally:
        context.close()
        busy_context.close()

    key = link.split("?data=", 1)[1].split(".")[2]
    assert parse_link(link).snapshot_id in link
    log = Path(server.log_path).read_text(encoding="utf-8", errors="replace")
    assert len(log.splitlines()) > 20  # debug logging was on, so the check means something
    assert key not in log and revoke_secret not in log
