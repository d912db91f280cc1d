"""Benchmark of one streamlit server serving 10 browser sessions of the bundled sample at once:
time until every session shows its segments, and the server's memory per session.
"""

from __future__ import annotations

import time

from bench.harness import Case, Registry, process_cpu_s, server_peak_mb, server_rss_mb

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
