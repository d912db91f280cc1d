"""Benchmarks of the Map page: the page itself in headless Chromium against a real streamlit
server (cold and warm), and the embedding behind it (the bundled sample, 100,000 customers).
"""

from __future__ import annotations

import datetime as dt
import gc
import itertools
import time
from pathlib import Path

from bench.harness import (
    OUT_DIR,
    Case,
    Registry,
    clock,
    maxrss_mb,
    process_cpu_s,
    server_peak_mb,
    since,
)
from bench.segments import SEGMENT_CUSTOMERS, SEGMENT_GROUPS, segment_matrix

MAP_MEMORY_LIMIT_MB = 2048

BENCHMARKS = Registry()


def _numba_cache_note() -> str:
    """Whether umap-learn's compiled code is already in numba's disk cache (first run or not)."""
    import umap

    folder = Path(umap.__file__).parent / "__pycache__"
    cached = list(folder.glob("layouts._optimize_layout_euclidean_single_epoch*.nbi"))
    if not cached:
        return "numba's disk cache held no compiled UMAP code: this run compiled it (first run)."
    stamp = dt.datetime.fromtimestamp(min(p.stat().st_mtime for p in cached))
    return f"UMAP's compiled code came from numba's disk cache (written {stamp:%Y-%m-%d %H:%M})."


# --- the page in a browser --------------------------------------------------------------


# the customer map itself (its key starts with map_chart_), not the quick preview shown meanwhile
MAP_DRAWN = (
    '[class*="st-key-map_chart_"] [data-testid="stPlotlyChart"] .js-plotly-plot canvas, '
    '[class*="st-key-map_chart_"] [data-testid="stPlotlyChart"] .js-plotly-plot .scatterlayer'
)


def _time_map_visit(context, url: str, pid: int) -> tuple[float, float]:
    """Seconds from opening /map in a new tab (a new app session) of ``context`` until the map
    is drawn, and the streamlit server's CPU seconds meanwhile."""
    page = context.new_page()
    try:
        cpu = process_cpu_s(pid)
        start = time.perf_counter()
        page.goto(f"{url}/map")
        page.locator(MAP_DRAWN).first.wait_for(timeout=600_000)
        return time.perf_counter() - start, process_cpu_s(pid) - cpu
    finally:
        page.close()


def _time_map_from_app(context, url: str, pid: int) -> tuple[float, float]:
    """Seconds from clicking "Map" in the sidebar of the open app (the Data page) until the map
    is drawn: the usual way to open the page, with Streamlit's JavaScript already running."""
    page = context.new_page()
    try:
        page.goto(url)
        page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(
            timeout=600_000
        )
        page.get_by_text("built-in Pet Dynamics sample").first.wait_for(timeout=600_000)
        cpu = process_cpu_s(pid)
        start = time.perf_counter()
        page.get_by_test_id("stSidebarNav").get_by_text("Map", exact=True).click()
        page.locator(MAP_DRAWN).first.wait_for(timeout=600_000)
        return time.perf_counter() - start, process_cpu_s(pid) - cpu
    finally:
        page.close()


STREAMLIT_FLOOR_APP = """import plotly.graph_objects as go
import streamlit as st

st.plotly_chart(go.Figure(go.Bar(x=[1, 2, 3], y=[1, 3, 2])))
"""


def _streamlit_floor(context, port: int) -> tuple[float, float]:
    """Seconds to open a Streamlit app whose only content is one small plotly bar chart, in a
    new tab of the same browser and origin: what any Streamlit page with a chart costs here."""
    from tests.browser.server import start_server, stop_server

    OUT_DIR.mkdir(exist_ok=True)
    (OUT_DIR / "streamlit_floor_app.py").write_text(STREAMLIT_FLOOR_APP)
    server = start_server("streamlit_floor_app.py", cwd=OUT_DIR, port=port)
    page = context.new_page()
    try:
        cpu = process_cpu_s(server.process.pid)
        start = time.perf_counter()
        page.goto(server.url)
        page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot .bars').first.wait_for(
            timeout=60_000
        )
        return time.perf_counter() - start, process_cpu_s(server.process.pid) - cpu
    finally:
        page.close()
        stop_server(server)


def _plotly_floor(browser) -> tuple[float, float]:
    """Seconds this browser needs to show one plotly bar chart on a bare page (no Streamlit):
    the part of any chart page's time that no app code can remove."""
    import plotly.graph_objects as go

    page_file = OUT_DIR / "plotly_floor.html"
    OUT_DIR.mkdir(exist_ok=True)
    go.Figure(go.Bar(x=[1, 2, 3], y=[1, 3, 2])).write_html(page_file, include_plotlyjs=True)
    context = browser.new_context()
    try:
        page = context.new_page()
        start = time.perf_counter()
        page.goto(page_file.as_uri())
        page.locator(".js-plotly-plot .bars").first.wait_for(timeout=60_000)
        return time.perf_counter() - start, float("nan")
    finally:
        context.close()


def _map_page(case: Case, warm: bool) -> None:
    from playwright.sync_api import sync_playwright

    from tests.browser.server import (
        CHROMIUM_ARGS,
        chromium_path,
        free_port,
        start_server,
        stop_server,
    )

    executable = chromium_path()
    case.check(executable is not None, "Debian's chromium is installed (`make test` installs it)")
    if executable is None:
        return
    case.input_ready("bundled sample (6,000 customers) through a real streamlit server")
    case.info.append(_numba_cache_note())
    case.main = "open /map → map drawn" + (" (server already warm)" if warm else " (cold server)")
    fresh = "  same, in a browser profile that has never loaded the app"
    in_app = "  open the app (Data page), then click Map in the sidebar → map drawn"
    in_app_cold = "  fresh server: open the app (Data page); once it shows, click Map → map drawn"
    peaks = []
    port = free_port()  # one origin for every server, so the browser keeps Streamlit's JS cached
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        returning = browser.new_context(viewport={"width": 1400, "height": 1000})
        for repeat in range(1 if warm else case.repeat):
            server = start_server(port=port)
            try:
                pid = server.process.pid
                if warm or repeat == 0:  # load the app's JavaScript into the browser cache
                    _time_map_visit(returning, server.url, pid)
                    if not warm:
                        stop_server(server)
                        server = start_server(port=port)
                        pid = server.process.pid
                for _ in range(case.repeat if warm else 1):
                    case.add(case.main, *_time_map_visit(returning, server.url, pid))
                    if warm:
                        case.add(in_app, *_time_map_from_app(returning, server.url, pid))
                        context = browser.new_context(viewport={"width": 1400, "height": 1000})
                        case.add(fresh, *_time_map_visit(context, server.url, pid))
                        context.close()
                peaks.append(server_peak_mb(server.process.pid))
                if not warm:  # the usual first visit: land on the Data page, then click Map
                    stop_server(server)
                    server = start_server(port=port)
                    case.add(
                        in_app_cold,
                        *_time_map_from_app(returning, server.url, server.process.pid),
                    )
            finally:
                stop_server(server)
        if warm:
            for _ in range(case.repeat):
                case.add(
                    "  floor: a Streamlit app showing only one plotly bar chart, new tab",
                    *_streamlit_floor(returning, port),
                )
            for _ in range(case.repeat):
                case.add(
                    "  floor: a bare HTML page with plotly.js and one bar chart",
                    *_plotly_floor(browser),
                )
        browser.close()
    case.info.append(
        "Each visit opens a new tab, i.e. a new app session, in a browser that has loaded the "
        "app before (Streamlit's and Plotly's JavaScript cached, as for a returning user); the "
        "cold-server runs restart the server on the same port before each visit. The indented "
        "measure opens a never-used browser profile instead: it adds the download and first "
        "compile of Streamlit's JavaScript (Plotly's bundle alone is 4.7 MB), several seconds "
        "on this machine for any page with a chart. The in-app measure opens the app on the "
        "Data page and times a click on Map in the sidebar, the usual way to reach the page; "
        "the Streamlit floor opens a one-chart Streamlit app (bench/out/streamlit_floor_app.py) "
        "on the same origin: no page with a plotly chart can open faster in this browser."
    )
    case.info.append(
        f"Peak memory of the streamlit server process: {max(peaks):,.0f} MB. CPU s here are "
        "the streamlit server's (all its threads), not this process's; the browser's own "
        "rendering is not included in them."
    )


@BENCHMARKS.case(
    "map_page_cold",
    10.0,
    "a freshly started `streamlit run app.py`: open /map in headless Chromium, time until "
    "the map of the bundled sample is drawn (loads the sample, finds the default segments "
    "and computes the map)",
)
def case_map_page_cold(case: Case) -> None:
    _map_page(case, warm=False)


@BENCHMARKS.case(
    "map_page_warm",
    3.0,
    "the same server after one visit: a new browser session opens /map, time until the map "
    "is drawn",
)
def case_map_page_warm(case: Case) -> None:
    _map_page(case, warm=True)


# --- the embedding ------------------------------------------------------------------------


def _sample_matrix(case: Case):
    from segmentation import load_sample
    from segmentation.segmenting.features import default_feature_config, prepare_features

    data = load_sample()
    matrix = prepare_features(
        data.customers, data.schema, default_feature_config(data.customers, data.schema)
    )
    case.input_ready(
        f"bundled sample, {len(matrix.X):,} customers × {matrix.X.shape[1]} prepared features"
    )
    return data, matrix


@BENCHMARKS.case(
    "map_sample",
    10.0,
    "bundled sample, default features: embed_customers in a fresh process (quality: "
    "trustworthiness and the segments' silhouette on the map)",
)
def case_map_sample(case: Case) -> None:
    import pandas as pd
    from sklearn.metrics import silhouette_score

    from segmentation.data.dataset import SAMPLE_DIR
    from segmentation.mapping.embedding import (
        embed_customers,
        load_umap,
        map_silhouette,
        trustworthiness_on_sample,
    )
    from segmentation.segmenting.clustering import ClusterConfig, cluster_customers

    _, matrix = _sample_matrix(case)
    case.info.append(_numba_cache_note())
    case.main = "embed_customers, default settings"
    t0 = clock()
    load_umap()
    case.add("  import umap-learn, turn on its disk cache (once per process)", *since(t0))
    embedding = None
    for repeat in range(case.repeat):
        gc.collect()
        t0 = clock()
        embedding = embed_customers(matrix.X)
        case.add(case.main, *since(t0))
        if repeat == 0:
            case.add("  first map in this process", *since(t0))
    trust = trustworthiness_on_sample(matrix.X, embedding, n=2_000)
    case.check(trust >= 0.9, f"trustworthiness {trust:.3f} on 2,000 customers (≥ 0.9)")
    labels = cluster_customers(matrix, ClusterConfig(n_segments=6)).segmentation.labels
    on_map = map_silhouette(embedding, labels)
    in_features = silhouette_score(
        matrix.X.to_numpy(), labels.to_numpy(), sample_size=5_000, random_state=0
    )
    planted = pd.read_csv(SAMPLE_DIR / "pet_dynamics_personas.csv", dtype=str).set_index(
        "customer_id"
    )["persona"]
    case.check(on_map >= 0.5, f"silhouette of the 6 k-means segments on the map {on_map:.2f}")
    case.info.append(
        f"Silhouette of the 6 k-means segments: {on_map:.2f} on the 2-D map, "
        f"{in_features:.2f} in the {matrix.X.shape[1]}-dimensional feature space; of the 6 "
        f"planted personas on the map: {map_silhouette(embedding, planted):.2f}."
    )


@BENCHMARKS.case(
    "map_100k",
    60.0,
    f"{SEGMENT_CUSTOMERS:,} generated customers × 30 columns: embed_customers (fit on "
    "20,000, the rest placed), progress reported throughout",
    heavy=True,
)
def case_map_100k(case: Case) -> None:
    from segmentation.mapping.embedding import (
        embed_customers,
        load_umap,
        map_silhouette,
        trustworthiness_on_sample,
    )

    _, matrix, groups = segment_matrix(case)
    case.info.append(_numba_cache_note())
    case.main = "embed_customers (fit on 20,000, place 80,000)"
    t0 = clock()
    load_umap()
    case.add("  import umap-learn (once per process)", *since(t0))
    embedding, gaps, stamps = None, [], []

    def note_progress(_share: float, _text: str) -> None:
        stamps.append(time.perf_counter())

    for _ in range(min(case.repeat, 3)):
        gc.collect()
        stamps.clear()
        t0 = clock()
        embedding = embed_customers(matrix.X, progress=note_progress)
        case.add(case.main, *since(t0))
        times = [t0[0], *stamps]
        gaps.append(max(b - a for a, b in itertools.pairwise(times)))
    case.check(
        max(gaps) <= 10,
        f"progress reported at least every {max(gaps):.1f} s ({len(stamps)} updates in a run)",
    )
    peak = maxrss_mb()
    case.check(peak <= MAP_MEMORY_LIMIT_MB, f"peak memory {peak:,.0f} MB (≤ 2,048 MB)")
    trust = trustworthiness_on_sample(matrix.X, embedding, n=2_000)
    case.check(trust >= 0.9, f"trustworthiness {trust:.3f} on 2,000 customers (≥ 0.9)")
    import pandas as pd

    planted = pd.Series(groups, index=matrix.X.index)
    case.info.append(
        f"Silhouette of the {SEGMENT_GROUPS} planted groups on the map: "
        f"{map_silhouette(embedding, planted):.2f}. {' '.join(embedding.notes)}"
    )
