"""Benchmarks of one streamlit server serving many browser sessions at once: 10 and 20 sessions
of the bundled sample, and 10 sessions each uploading the 45 MB Online Retail orders export;
time until every session is done, and the server's memory (now and peak).
"""

from __future__ import annotations

import gzip
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from bench.harness import Case, Registry, process_cpu_s, server_peak_mb, server_rss_mb
from bench.loading import ONLINE_RETAIL

PEAK_LIMIT_MB = 2048.0  # issue 16: 10 sessions uploading Online Retail at once stay under this
# the pages in the sidebar's order (each page's title is its name)
PAGES = ("Data", "Predictions", "Segments", "Map", "Personas", "Compare", "Target", "Monitor")

BENCHMARKS = Registry()


@BENCHMARKS.case(
    "sessions_10_sample",
    120.0,
    "a freshly started `streamlit run app.py`: 10 headless Chromium sessions open the "
    "Segments page of the bundled sample at once, then Personas; time until all 10 show "
    "their segments, with the server's memory per session",
    heavy=True,
)
def case_sessions_10_sample(case: Case, sessions: int = 10) -> None:
    """Memory of one server serving ``sessions`` browser sessions on the sample at once."""
    from playwright.sync_api import sync_playwright

    from tests.browser.helpers import wait_for_app
    from tests.browser.server import CHROMIUM_ARGS, chromium_path, start_server, stop_server

    executable = chromium_path()
    case.check(executable is not None, "Debian's chromium is installed (`make test` installs it)")
    if executable is None:
        return
    case.input_ready(f"bundled sample, {sessions} browser sessions on one streamlit server")
    case.main = f"{sessions} sessions open /segments at once → every one shows its segments"
    shown = "Made with k-means clustering"
    for _ in range(case.repeat):
        server = start_server()
        try:
            pid = server.process.pid
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=executable, headless=True, args=CHROMIUM_ARGS
                )
                first = browser.new_context().new_page()  # one session: the baseline
                first.goto(f"{server.url}/segments")
                first.get_by_text(shown).wait_for(timeout=300_000)
                one_mb = server_rss_mb(pid)
                pages = [browser.new_context().new_page() for _ in range(sessions - 1)]
                cpu = process_cpu_s(pid)
                start = time.perf_counter()
                for page in pages:
                    page.goto(f"{server.url}/segments")
                for page in pages:
                    page.get_by_text(shown).wait_for(timeout=300_000)
                case.add(case.main, time.perf_counter() - start, process_cpu_s(pid) - cpu)
                for page in [first, *pages]:
                    page.get_by_role("link", name="Personas").click()
                for page in [first, *pages]:
                    wait_for_app(page, timeout=300_000, settle_ms=500)
                all_mb, peak_mb = server_rss_mb(pid), server_peak_mb(pid)
                browser.close()
        finally:
            stop_server(server)
    per_session = (all_mb - one_mb) / (sessions - 1)
    case.info.append(
        f"Server memory: {one_mb:,.0f} MB with 1 session, {all_mb:,.0f} MB with {sessions} "
        f"sessions after Segments and Personas ({per_session:,.1f} MB per extra session); "
        f"peak {peak_mb:,.0f} MB. The sample, its features, clusters and persona cards are "
        "cached once per server (content-keyed, bounded); each session keeps only its own "
        "segmentations and settings."
    )
    case.check(per_session < 100, f"each extra session adds under 100 MB ({per_session:.1f} MB)")


def _browser(case: Case) -> str | None:
    from tests.browser.server import chromium_path

    executable = chromium_path()
    case.check(executable is not None, "Debian's chromium is installed (`make test` installs it)")
    return executable


@BENCHMARKS.case(
    "sessions_10_online_retail",
    600.0,
    "a freshly started `streamlit run app.py`: 10 headless Chromium sessions each upload the "
    "45 MB Latin-1 Online Retail orders CSV at once and turn it into customers (the orders "
    "form's confirm button); time until all 10 show their customers, peak server memory",
    needs_shared_data=True,
    heavy=True,
)
def case_sessions_10_online_retail(case: Case, sessions: int = 10) -> None:
    """Peak memory of one server while ``sessions`` users upload Online Retail at once."""

    from tests.browser.helpers import exception_texts

    executable = _browser(case)
    if executable is None:
        return
    folder = Path(tempfile.mkdtemp(prefix="bench-sessions-"))
    csv = folder / "online_retail.csv"  # decompressed once: what a user would upload
    with gzip.open(case.data_dir / ONLINE_RETAIL, "rb") as source, csv.open("wb") as target:
        shutil.copyfileobj(source, target)
    size_mb = csv.stat().st_size / 2**20
    case.input_ready(f"{csv.name} ({size_mb:,.0f} MB, Latin-1), {sessions} browser sessions")
    case.main = f"{sessions} sessions upload {csv.name} at once → every one shows its customers"
    done, busy, errors = 0, 0, []
    try:
        for _ in range(case.repeat):
            with _sessions_on_a_fresh_server(executable, sessions) as (pid, pages):
                idle_mb = server_rss_mb(pid)
                cpu, start = process_cpu_s(pid), time.perf_counter()
                for page in pages:
                    page.get_by_test_id("stMain").locator(
                        '[data-testid="stFileUploader"] input[type="file"]'
                    ).first.set_input_files(csv)
                done, busy, errors = _confirm_all(pages, csv.name)
                case.add(case.main, time.perf_counter() - start, process_cpu_s(pid) - cpu)
                all_mb, peak_mb = server_rss_mb(pid), server_peak_mb(pid)
                errors += [e for page in pages for e in exception_texts(page)]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    case.info.append(
        f"Server memory: {idle_mb:,.0f} MB with {sessions} sessions open on the sample, peak "
        f"{peak_mb:,.0f} MB while they read and aggregated {csv.name} ({size_mb:,.0f} MB) at "
        f"once, {all_mb:,.0f} MB once all {sessions} show their customers "
        f"({(all_mb - idle_mb) / sessions:,.1f} MB per session kept). Large reads are admitted "
        "one at a time against the memory budget; each session keeps its typed orders only "
        "until it confirms, and the uploaded bytes are dropped once read."
    )
    case.check(done == sessions, f"all {sessions} sessions show their customers ({done})")
    case.check(busy == 0, f"no session was refused as busy ({busy})")
    case.check(not errors, f"no exception on any page ({errors[:1]})")
    case.check(peak_mb <= PEAK_LIMIT_MB, f"peak server memory ≤ 2 GB ({peak_mb:,.0f} MB)")


@contextmanager
def _sessions_on_a_fresh_server(executable: str, sessions: int):
    """A freshly started server and ``sessions`` browser pages, each opened on the app and
    drawn; yields ``(server pid, pages)`` and stops both afterwards."""
    from playwright.sync_api import sync_playwright

    from tests.browser.server import CHROMIUM_ARGS, start_server, stop_server

    server = start_server()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=executable, headless=True, args=CHROMIUM_ARGS
            )
            try:
                pages = [browser.new_context().new_page() for _ in range(sessions)]
                _open_all(pages, server.url)
                yield server.process.pid, pages
            finally:
                browser.close()
    finally:
        stop_server(server)


def _open_all(pages: list, url: str) -> None:
    """Open the app in every session at once, and wait until each has drawn its first page."""
    from tests.browser.helpers import APP_TIMEOUT_MS, wait_for_app

    for page in pages:
        page.set_default_timeout(APP_TIMEOUT_MS)
        page.goto(url, wait_until="commit", timeout=APP_TIMEOUT_MS)
    for page in pages:
        wait_for_app(page, timeout=APP_TIMEOUT_MS * 3)


def _confirm_all(pages: list, file_name: str) -> tuple[int, int, list[str]]:
    """Click each session's confirm button as soon as its orders form shows; how many sessions
    show their customers, how many were refused as busy, and other errors shown."""
    from tests.browser.helpers import APP_TIMEOUT_MS

    confirm, busy_text = "Turn orders into customers", "The server is busy"
    done, busy, errors = 0, 0, []
    for page in pages:
        button = page.get_by_role("button", name=confirm)
        refused = page.get_by_text(busy_text)
        button.or_(refused).first.wait_for(timeout=APP_TIMEOUT_MS * 3)
        if refused.count():
            busy += 1
            continue
        button.click()
    for page in pages:
        shown = page.get_by_text(f"Aggregated {file_name} into")
        failed = page.locator('[data-testid="stAlertContentError"]')
        shown.or_(failed).first.wait_for(timeout=APP_TIMEOUT_MS * 3)
        if shown.count():
            done += 1
        else:
            errors.append(failed.first.inner_text())
    return done, busy, errors


@BENCHMARKS.case(
    "sessions_20_sample",
    900.0,
    "a freshly started `streamlit run app.py`: 20 headless Chromium sessions on the bundled "
    "sample open every page in turn (Data … Monitor) at once; time until all 20 have drawn "
    "every page without an error, peak server memory",
    heavy=True,
)
def case_sessions_20_sample(case: Case, sessions: int = 20) -> None:
    """Memory of one server while ``sessions`` users walk through every page at once."""

    from tests.browser.helpers import APP_TIMEOUT_MS, exception_texts, wait_for_app

    executable = _browser(case)
    if executable is None:
        return
    case.input_ready(f"bundled sample, {sessions} browser sessions on one streamlit server")
    case.main = f"{sessions} sessions open each of the {len(PAGES)} pages at once"
    errors: list[str] = []
    for _ in range(case.repeat):
        with _sessions_on_a_fresh_server(executable, sessions) as (pid, pages):
            idle_mb = server_rss_mb(pid)
            cpu, start = process_cpu_s(pid), time.perf_counter()
            for name in PAGES[1:]:
                for page in pages:
                    page.get_by_test_id("stSidebarNav").get_by_role("link", name=name).click()
                for page in pages:
                    page.get_by_role("heading", name=name, exact=False).first.wait_for(
                        timeout=APP_TIMEOUT_MS * 3
                    )
                    wait_for_app(page, timeout=APP_TIMEOUT_MS * 3)
                    errors += [f"{name}: {e}" for e in exception_texts(page)]
            case.add(case.main, time.perf_counter() - start, process_cpu_s(pid) - cpu)
            all_mb, peak_mb = server_rss_mb(pid), server_peak_mb(pid)
    case.info.append(
        f"Server memory: {idle_mb:,.0f} MB with {sessions} sessions on the Data page, "
        f"{all_mb:,.0f} MB after every session drew every page, peak {peak_mb:,.0f} MB "
        f"({(all_mb - idle_mb) / sessions:,.1f} MB per session after the walk)."
    )
    case.check(not errors, f"every page drawn without an exception in all sessions ({errors[:1]})")
