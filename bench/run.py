#!/usr/bin/env python
"""Benchmarks of the upload path (read → infer types → detect orders → aggregate customers).

Run from the repository root::

    python bench/run.py                 # every benchmark, 5 repeats each
    python bench/run.py --quick         # 1 repeat, without the 2-million-line case
    python bench/run.py --only cdnow_pipeline --repeat 10

Every benchmark runs in a fresh Python process (``bench/run.py --child NAME``), which times
its repeats with ``time.perf_counter`` and reads its peak memory from
``resource.getrusage(RUSAGE_SELF).ru_maxrss``. This parent process never imports pandas, so the
children start small. The report goes to ``bench/RESULTS.md`` (overwritten) and to stdout.
Generated inputs (the .xlsx copy of Online Retail) are cached in ``bench/out/`` (git-ignored).

Exit status: 0 when every benchmark that ran met its target, 1 when one missed its target or
crashed, 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import hashlib
import importlib.metadata
import io
import itertools
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
OUT_DIR = BENCH_DIR / "out"
RESULTS_FILE = BENCH_DIR / "RESULTS.md"
DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"
ONLINE_RETAIL = "online_retail.csv.gz"
CDNOW = "cdnow_master.txt"
XLSX_CACHE = OUT_DIR / "online_retail.xlsx"
XLSX_GENERATOR_VERSION = 1  # bump to regenerate the cached workbook
CHILD_TIMEOUT_S = 1800
SYNTHETIC_LINES = 2_000_000
SYNTHETIC_CUSTOMERS = 100_000
SYNTHETIC_SEED = 20240601
SEGMENT_CUSTOMERS = 100_000
SEGMENT_GROUPS = 6

if str(REPO_ROOT) not in sys.path:  # `python bench/run.py` puts bench/, not the root, on the path
    sys.path.insert(0, str(REPO_ROOT))


@dataclass(frozen=True)
class Benchmark:
    name: str
    target_s: float
    what: str
    needs_shared_data: bool = False
    heavy: bool = False  # left out by --quick


BENCHMARKS = (
    Benchmark(
        "online_retail_pipeline",
        3.0,
        "UCI Online Retail .csv.gz bytes → load_table → infer_schema → detect_orders → "
        "aggregate_orders",
        needs_shared_data=True,
    ),
    Benchmark(
        "online_retail_xlsx_load",
        15.0,
        "UCI Online Retail (the same 541,909 lines) as .xlsx bytes → load_table",
        needs_shared_data=True,
    ),
    Benchmark(
        "cdnow_pipeline",
        1.0,
        "CDNOW master (whitespace separated) → load_table → infer_schema → detect_orders → "
        "aggregate_orders",
        needs_shared_data=True,
    ),
    Benchmark("sample_load", 2.0, "load_sample(): the bundled Pet Dynamics customers + orders"),
    Benchmark(
        "synthetic_orders_2m",
        15.0,
        f"{SYNTHETIC_LINES:,} seeded synthetic order lines, {SYNTHETIC_CUSTOMERS:,} "
        "customers, CSV bytes in memory → load_table → … → aggregate_orders",
        heavy=True,
    ),
    Benchmark(
        "segments_recluster",
        2.0,
        f"{SEGMENT_CUSTOMERS:,} generated customers × 30 columns: cluster_customers again after "
        "changing k (features prepared once, as the page caches them)",
    ),
    Benchmark(
        "segments_k_diagnostics",
        20.0,
        f"{SEGMENT_CUSTOMERS:,} generated customers × 30 columns: choose_k for k = 2..10 "
        "(inertia, silhouette, CH, DB, BIC, stability)",
        heavy=True,
    ),
    Benchmark(
        "segments_rule_count",
        0.2,
        f"{SEGMENT_CUSTOMERS:,} generated customers × 30 columns: a three-condition rule's live "
        "count and sentence (rules.preview)",
    ),
)
BENCHMARKS += (
    Benchmark(
        "personas_cards",
        2.0,
        f"{SEGMENT_CUSTOMERS:,} generated customers × 30 columns, 8 segments: build_personas "
        "(every test, profile, example customer, mix and summary)",
    ),
)
BENCHMARKS += (
    Benchmark(
        "compare_segments",
        2.0,
        f"{SEGMENT_CUSTOMERS:,} generated customers × 30 features: compare 4 segments "
        "(KPI table + every feature tested, corrected, sorted)",
    ),
    Benchmark(
        "target_plan",
        0.5,
        f"{SEGMENT_CUSTOMERS:,} generated customers, 6 segments: scores, ROI what-if and "
        "budget split after a weight change (segment measures cached, as the page does)",
    ),
)
BENCHMARKS += (
    Benchmark(
        "sessions_10_sample",
        120.0,
        "a freshly started `streamlit run app.py`: 10 headless Chromium sessions open the "
        "Segments page of the bundled sample at once, then Personas; time until all 10 show "
        "their segments, with the server's memory per session",
        heavy=True,
    ),
)
BENCHMARKS += (
    Benchmark(
        "map_page_cold",
        10.0,
        "a freshly started `streamlit run app.py`: open /map in headless Chromium, time until "
        "the map of the bundled sample is drawn (loads the sample, finds the default segments "
        "and computes the map)",
    ),
    Benchmark(
        "map_page_warm",
        3.0,
        "the same server after one visit: a new browser session opens /map, time until the map "
        "is drawn",
    ),
    Benchmark(
        "map_sample",
        10.0,
        "bundled sample, default features: embed_customers in a fresh process (quality: "
        "trustworthiness and the segments' silhouette on the map)",
    ),
    Benchmark(
        "map_100k",
        60.0,
        f"{SEGMENT_CUSTOMERS:,} generated customers × 30 columns: embed_customers (fit on "
        "20,000, the rest placed), progress reported throughout",
        heavy=True,
    ),
)
BY_NAME = {b.name: b for b in BENCHMARKS}
PIPELINE_MEASURE = "pipeline: load → infer → detect → aggregate"
END_TO_END_MEASURE = "end-to-end: load → infer → detect → customers_from_orders"


# --- measuring (runs in the child process) ------------------------------------------------


def maxrss_mb() -> float:
    """Peak resident set size of this process so far, in MB (ru_maxrss is KB on Linux)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024**2 if sys.platform == "darwin" else peak / 1024


class Case:
    """What a child measures: named timing samples, checks and notes."""

    def __init__(self, name: str, repeat: int, data_dir: Path) -> None:
        self.name, self.repeat, self.data_dir = name, repeat, data_dir
        self.input = ""
        self.samples: dict[str, list[float]] = {}  # wall-clock seconds per repeat
        self.cpu: dict[str, list[float]] = {}  # CPU seconds (all threads) per repeat
        self.main = ""
        self.checks: list[tuple[bool, str]] = []
        self.info: list[str] = []
        self.after_input_mb = 0.0

    def input_ready(self, description: str) -> None:
        self.input = description
        self.after_input_mb = maxrss_mb()

    def add(self, measure: str, wall: float, cpu: float) -> None:
        self.samples.setdefault(measure, []).append(wall)
        self.cpu.setdefault(measure, []).append(cpu)

    def check(self, ok: bool, message: str) -> None:
        self.checks.append((bool(ok), message))


def clock() -> tuple[float, float]:
    """Wall-clock and CPU time (of every thread of this process) now."""
    return time.perf_counter(), time.process_time()


def since(
    start: tuple[float, float], end: tuple[float, float] | None = None
) -> tuple[float, float]:
    """Wall-clock and CPU seconds from ``start`` to ``end`` (default: now)."""
    end = end or clock()
    return end[0] - start[0], end[1] - start[1]


def _size(data: bytes) -> str:
    return f"{len(data) / 1024**2:,.1f} MB"


def _pipeline_once(case: Case, data: bytes, file_name: str) -> tuple:
    """One run of the upload path, timed stage by stage; returns its objects for checks."""
    from segmentation import (
        aggregate_orders,
        customers_from_orders,
        detect_orders,
        infer_schema,
        load_table,
    )

    t0 = clock()
    table = load_table(data, file_name)
    t1 = clock()
    typed = infer_schema(table.frame)
    t2 = clock()
    columns = detect_orders(typed)
    t3 = clock()
    if columns is None:
        raise SystemExit(f"{case.name}: detect_orders found no orders in {file_name}")
    summary = aggregate_orders(typed, columns)
    t4 = clock()
    customers = customers_from_orders(table, typed, columns)
    t5 = clock()
    case.add(PIPELINE_MEASURE, *since(t0, t4))
    case.add("  load_table", *since(t0, t1))
    case.add("  infer_schema", *since(t1, t2))
    case.add("  detect_orders", *since(t2, t3))
    case.add("  aggregate_orders", *since(t3, t4))
    case.add("  customers_from_orders (aggregates again + re-infers)", *since(t4, t5))
    read, aggregate = since(t0, t3), since(t4, t5)
    case.add(END_TO_END_MEASURE, read[0] + aggregate[0], read[1] + aggregate[1])
    return table, typed, columns, summary, customers


def _time_pipeline(case: Case, data: bytes, file_name: str) -> tuple:
    """Run the upload path ``case.repeat`` times; return the last run's objects for checks.

    Only the last run's objects are alive between runs, and they are dropped before the next
    run starts, so the peak memory is that of one run, whatever the number of repeats."""
    case.main = PIPELINE_MEASURE
    last = None
    for _ in range(case.repeat):
        last = None
        gc.collect()
        last = _pipeline_once(case, data, file_name)
    _, _, columns, summary, _ = last
    case.info.append(f"Detected mapping: {columns}")
    case.info.append(
        f"{summary.n_lines:,} lines → {summary.n_orders:,} orders → "
        f"{len(summary.customers):,} customers; left out: "
        + ("; ".join(f"{e.rows:,} {e.reason}" for e in summary.exclusions) or "nothing")
    )
    return last


def case_online_retail_pipeline(case: Case) -> None:
    data = (case.data_dir / ONLINE_RETAIL).read_bytes()
    case.input_ready(f"{ONLINE_RETAIL}, 541,909 lines, {_size(data)} gzip")
    *_, summary, customers = _time_pipeline(case, data, ONLINE_RETAIL)
    rfm = summary.customers
    if "12347" in rfm.index:
        frequency, monetary = int(rfm.at["12347", "frequency"]), float(rfm.at["12347", "monetary"])
        ok = frequency == 7 and abs(monetary - 4310.00) < 0.005
        case.check(
            ok,
            f"customer 12347: frequency {frequency} (expected 7), monetary "
            f"{monetary:,.2f} (expected 4,310.00)",
        )
    else:
        case.check(False, "customer 12347 is missing from the aggregated customers")
    case.check(
        len(customers.customers) == 4372, f"{len(customers.customers):,} customers (expected 4,372)"
    )


def case_online_retail_xlsx_load(case: Case) -> None:
    from segmentation import load_table

    data = XLSX_CACHE.read_bytes()
    case.input_ready(f"{XLSX_CACHE.relative_to(REPO_ROOT)}, 541,909 lines, {_size(data)}")
    case.main = "load_table (.xlsx, calamine)"
    shape = None
    for _ in range(case.repeat):
        gc.collect()
        t0 = clock()
        table = load_table(data, "online_retail.xlsx")
        case.add(case.main, *since(t0))
        shape = table.frame.shape
        del table
    case.check(shape == (541_909, 8), f"frame shape {shape} (expected (541909, 8))")


def case_cdnow_pipeline(case: Case) -> None:
    data = (case.data_dir / CDNOW).read_bytes()
    case.input_ready(f"{CDNOW}, 69,659 lines, {_size(data)}")
    *_, customers = _time_pipeline(case, data, CDNOW)
    case.check(
        len(customers.customers) == 23_570,
        f"{len(customers.customers):,} customers (expected 23,570)",
    )


def case_sample_load(case: Case) -> None:
    from segmentation import load_sample
    from segmentation.data.dataset import SAMPLE_CUSTOMERS, SAMPLE_DIR, SAMPLE_ORDERS

    sizes = sum((SAMPLE_DIR / f).stat().st_size for f in (SAMPLE_CUSTOMERS, SAMPLE_ORDERS))
    case.input_ready(
        f"data/{SAMPLE_CUSTOMERS} + data/{SAMPLE_ORDERS}, {sizes / 1024**2:,.1f} MB on disk"
    )
    case.main = "load_sample()"
    data = None
    for _ in range(case.repeat):
        data = None
        gc.collect()
        t0 = clock()
        data = load_sample()
        case.add(case.main, *since(t0))
    n = data.report.n_customers
    case.check(n >= 5000, f"{n:,} customers (expected at least 5,000)")
    case.info.append(
        f"{n:,} customers × {len(data.schema.columns)} columns; {data.orders.n_lines:,} order lines"
    )


def synthetic_orders_csv(
    n_lines: int = SYNTHETIC_LINES,
    n_customers: int = SYNTHETIC_CUSTOMERS,
    seed: int = SYNTHETIC_SEED,
) -> bytes:
    """Seeded order lines as CSV bytes: order_id, customer_id, order_date, quantity,
    unit_price, country. About 5 lines per order; every customer has at least one order,
    order counts are skewed (Pareto), 2 % of orders are cancellations ("C" + id, negative
    quantities) and each customer lives in one of 20 countries."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(seed)
    n_orders = max(n_lines // 5, n_customers)
    extra_lines = rng.integers(0, n_orders, n_lines - n_orders)
    order_of_line = np.sort(np.concatenate([np.arange(n_orders), extra_lines]))
    weights = rng.pareto(1.5, n_customers) + 1.0
    customer_of_order = np.concatenate(
        [
            rng.permutation(n_customers),
            rng.choice(n_customers, n_orders - n_customers, p=weights / weights.sum()),
        ]
    )
    rng.shuffle(customer_of_order)
    seconds = np.sort(rng.integers(0, 2 * 365 * 86_400, n_orders))
    order_time = np.datetime64("2023-01-01T00:00:00", "s") + seconds.astype("timedelta64[s]")
    cancelled = rng.random(n_orders) < 0.02
    order_ids = [f"C{500_000 + i}" if c else f"{500_000 + i}" for i, c in enumerate(cancelled)]
    customer_ids = [f"{100_000 + i:06d}" for i in range(n_customers)]
    countries = [
        "United Kingdom",
        "Germany",
        "France",
        "Ireland",
        "Spain",
        "Netherlands",
        "Belgium",
        "Switzerland",
        "Portugal",
        "Australia",
        "Norway",
        "Italy",
        "Channel Islands",
        "Finland",
        "Cyprus",
        "Sweden",
        "Austria",
        "Denmark",
        "Japan",
        "Poland",
    ]
    country_p = np.array([60.0, *np.geomspace(8, 0.2, len(countries) - 1)])
    country_of_customer = rng.choice(len(countries), n_customers, p=country_p / country_p.sum())
    quantity = rng.integers(1, 13, n_lines)
    quantity[cancelled[order_of_line]] *= -1
    unit_price = np.round(np.clip(rng.lognormal(1.0, 0.8, n_lines), 0.1, None), 2)
    customer_of_line = customer_of_order[order_of_line]
    table = pa.table(
        {
            "order_id": pa.array(order_ids).take(pa.array(order_of_line)),
            "customer_id": pa.array(customer_ids).take(pa.array(customer_of_line)),
            "order_date": pa.array(order_time[order_of_line]),
            "quantity": pa.array(quantity),
            "unit_price": pa.array(unit_price),
            "country": pa.array(countries).take(pa.array(country_of_customer[customer_of_line])),
        }
    )
    out = io.BytesIO()
    out.write(b"order_id,customer_id,order_date,quantity,unit_price,country\n")
    pacsv.write_csv(table, out, pacsv.WriteOptions(include_header=False, quoting_style="none"))
    return out.getvalue()


def case_synthetic_orders_2m(case: Case) -> None:
    t0 = time.perf_counter()
    data = synthetic_orders_csv()
    generated_in = time.perf_counter() - t0
    case.input_ready(
        f"synthetic CSV in memory, {SYNTHETIC_LINES:,} lines, "
        f"{SYNTHETIC_CUSTOMERS:,} customers, {_size(data)} (seed {SYNTHETIC_SEED})"
    )
    case.info.append(
        f"Input generated in {generated_in:.1f} s (not timed); SHA-256 "
        f"{hashlib.sha256(data).hexdigest()[:16]}… (the same bytes on every run)."
    )
    *_, summary, customers = _time_pipeline(case, data, "synthetic_orders.csv")
    case.check(
        summary.n_lines == SYNTHETIC_LINES,
        f"{summary.n_lines:,} lines read (expected {SYNTHETIC_LINES:,})",
    )
    case.check(
        len(customers.customers) == SYNTHETIC_CUSTOMERS,
        f"{len(customers.customers):,} customers (expected {SYNTHETIC_CUSTOMERS:,})",
    )


def synthetic_customers(n: int = SEGMENT_CUSTOMERS, seed: int = SYNTHETIC_SEED):
    """Seeded customers with 6 planted groups: an id, 19 numeric and 11 categorical columns."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    groups = rng.integers(0, SEGMENT_GROUPS, n)
    data: dict[str, object] = {"customer_id": [f"C{i:06d}" for i in range(n)]}
    centres = rng.normal(0, 2, (SEGMENT_GROUPS, 18))
    for j in range(18):
        data[f"trait_{j}"] = np.round(centres[groups, j] + rng.normal(0, 1, n), 3)
    data["monetary"] = np.round(np.exp(rng.normal(5 + groups * 0.3, 1)), 2)
    for j in range(11):
        levels = np.array([f"level_{j}_{v}" for v in range(5)])
        picks = np.where(rng.random(n) < 0.7, (groups + j) % 5, rng.integers(0, 5, n))
        data[f"category_{j}"] = levels[picks]
    return pd.DataFrame(data), groups


def _segment_matrix(case: Case):
    """Typed customers and their feature matrix, prepared once (not timed as the main measure)."""
    from segmentation.data.schema import infer_schema
    from segmentation.segmenting.features import default_feature_config, prepare_features

    frame, groups = synthetic_customers()
    case.input_ready(
        f"generated, {len(frame):,} customers × {frame.shape[1] - 1} columns "
        f"(seed {SYNTHETIC_SEED})"
    )
    typed = infer_schema(frame, one_row_per_customer=True)
    t0 = clock()
    config = default_feature_config(typed.frame, typed.schema)
    matrix = prepare_features(typed.frame, typed.schema, config)
    case.add("  prepare_features (once per feature setting)", *since(t0))
    case.info.append(f"Feature matrix: {matrix.X.shape[0]:,} × {matrix.X.shape[1]} columns.")
    return typed, matrix, groups


def case_segments_recluster(case: Case) -> None:
    from sklearn.metrics import adjusted_rand_score

    from segmentation.segmenting.clustering import ClusterConfig, cluster_customers

    _, matrix, groups = _segment_matrix(case)
    case.main = "cluster_customers with a new k"
    cluster_customers(matrix, ClusterConfig(n_segments=SEGMENT_GROUPS))
    result = None
    for repeat in range(case.repeat):
        gc.collect()
        t0 = clock()
        result = cluster_customers(matrix, ClusterConfig(n_segments=SEGMENT_GROUPS + repeat % 2))
        case.add(case.main, *since(t0))
    labels = cluster_customers(matrix, ClusterConfig(n_segments=SEGMENT_GROUPS)).segmentation
    ari = adjusted_rand_score(groups, labels.labels.to_numpy())
    case.check(ari >= 0.8, f"adjusted Rand index with the planted groups {ari:.2f} (≥ 0.8)")
    case.info.extend(result.notes)


def case_segments_k_diagnostics(case: Case) -> None:
    from segmentation.segmenting.clustering import ClusterConfig
    from segmentation.segmenting.diagnostics import choose_k

    _, matrix, _ = _segment_matrix(case)
    case.main = "choose_k, k = 2..10"
    steps: list[float] = []
    result = None
    for _ in range(case.repeat):
        gc.collect()
        steps.clear()
        t0 = clock()
        result = choose_k(
            matrix, range(2, 11), ClusterConfig(), lambda share, _text: steps.append(share)
        )
        case.add(case.main, *since(t0))
    case.check(steps[-1] == 1.0 and len(steps) == 10, f"progress reported {len(steps)} times")
    case.check(
        abs(result.recommended_k - SEGMENT_GROUPS) <= 1,
        f"recommended k = {result.recommended_k} (planted {SEGMENT_GROUPS})",
    )
    case.info.append(result.reason)


def case_segments_rule_count(case: Case) -> None:
    from segmentation.data.schema import infer_schema
    from segmentation.segmenting.rules import Condition, Rule, RuleGroup, preview

    frame, _ = synthetic_customers()
    case.input_ready(f"generated, {len(frame):,} customers × {frame.shape[1] - 1} columns")
    typed = infer_schema(frame, one_row_per_customer=True)
    rule = Rule(
        "bench",
        RuleGroup(
            "all",
            (
                Condition("trait_0", "between", (-1, 1)),
                Condition("category_0", "in", ("level_0_1", "level_0_2")),
                Condition("monetary", "top_pct", 20),
            ),
        ),
    )
    case.main = "rules.preview (count, share, sentence)"
    result = None
    for _ in range(max(case.repeat, 5)):
        t0 = clock()
        result = preview(typed.frame, rule)
        case.add(case.main, *since(t0))
    case.info.append(f"{result.count:,} customers ({result.share:.1%}): {result.sentence}")


def case_personas_cards(case: Case) -> None:
    import numpy as np
    import pandas as pd

    from segmentation.data.schema import infer_schema
    from segmentation.describing.personas import build_personas
    from segmentation.segmenting.segments import make_segmentation

    frame, groups = synthetic_customers()
    case.input_ready(f"generated, {len(frame):,} customers × {frame.shape[1] - 1} columns")
    typed = infer_schema(frame, one_row_per_customer=True)
    # 8 segments: the 6 planted groups, two of them split in half at random
    extra = np.random.default_rng(SYNTHETIC_SEED).random(len(groups)) < 0.5
    labels = np.where((groups < 2) & extra, groups + SEGMENT_GROUPS, groups)
    segmentation = make_segmentation(
        "bench", "kmeans", pd.Series(labels, index=typed.frame["customer_id"].to_numpy())
    )
    case.main = "build_personas, 8 segments"
    cards = None
    for _ in range(case.repeat):
        cards = None
        gc.collect()
        t0 = clock()
        cards = build_personas(typed.frame, typed.schema, segmentation)
        case.add(case.main, *since(t0))
    case.check(len(cards.personas) == 8, f"{len(cards.personas)} cards (expected 8)")
    names = [p.generated_name for p in cards.personas]
    case.check(len(set(names)) == 8, "generated names are unique")
    case.info.append(f"{cards.n_tests:,} tests; names: {'; '.join(names)}")


def _bench_segmentation(typed, groups):
    import pandas as pd

    from segmentation.segmenting.segments import make_segmentation

    labels = pd.Series(groups, index=typed.frame["customer_id"].to_numpy())
    return make_segmentation("bench", "kmeans", labels)


def case_compare_segments(case: Case) -> None:
    from segmentation.data.schema import infer_schema
    from segmentation.describing.comparison import compare_features, kpi_table, segment_group

    frame, groups = synthetic_customers()
    case.input_ready(f"generated, {len(frame):,} customers × {frame.shape[1] - 1} columns")
    typed = infer_schema(frame, one_row_per_customer=True)
    segmentation = _bench_segmentation(typed, groups)
    chosen = [segment_group(segmentation, i) for i in range(4)]
    case.main = "kpi_table + compare_features, 4 segments × 30 features"
    result = None
    for _ in range(case.repeat):
        gc.collect()
        t0 = clock()
        kpi_table(typed.frame, typed.schema, chosen, ["category_0", "category_1"])
        result = compare_features(typed.frame, typed.schema, chosen)
        case.add(case.main, *since(t0))
    case.check(len(result.table) == 30, f"{len(result.table)} features tested (expected 30)")
    case.check(result.n_real >= 20, f"{result.n_real} real differences between planted groups")
    case.info.append(f"{result.n_real} of {len(result.table)} features differ for real.")


def case_target_plan(case: Case) -> None:
    from dataclasses import replace

    import numpy as np
    import pandas as pd

    from segmentation.data.schema import infer_schema
    from segmentation.targeting.targeting import (
        TargetingConfig,
        initial_config,
        plan_targeting,
        segment_measures,
    )

    frame, groups = synthetic_customers()
    rng = np.random.default_rng(SYNTHETIC_SEED + 1)  # not the seed that drew the groups
    start = pd.Timestamp("2024-01-01")
    first = start + pd.to_timedelta(rng.integers(0, 500, len(frame)), unit="D")
    frame = frame.assign(
        frequency=rng.integers(1, 20, len(frame)),
        email_opt_in=rng.random(len(frame)) < 0.6 + groups * 0.05,
        first_order=first,
        last_order=first + pd.to_timedelta(rng.integers(0, 230, len(frame)), unit="D"),
    )
    case.input_ready(f"generated, {len(frame):,} customers × {frame.shape[1] - 1} columns")
    typed = infer_schema(frame, one_row_per_customer=True)
    segmentation = _bench_segmentation(typed, groups)
    t0 = clock()
    facts = segment_measures(typed.frame, typed.schema, segmentation)
    case.add("  segment_measures (once per data and segmentation)", *since(t0))
    config = initial_config(facts, segmentation, TargetingConfig())
    config = replace(config, targets=(0, 2, 4), budget=50_000.0)
    names = dict(segmentation.segment_names)
    case.main = "plan_targeting (scores, ROI, budget split) after a weight change"
    plan = None
    for repeat in range(max(case.repeat, 5)):
        weights = {**config.weights, "growth": float(repeat % 5)}
        t0 = clock()
        plan = plan_targeting(facts, replace(config, weights=weights), names)
        case.add(case.main, *since(t0))
    case.check(
        abs(plan.budget["allocated"].sum() - 50_000) < 1e-6, "the split spends the whole budget"
    )
    case.check(plan.scores["growth_score"].notna().all(), "growth measured from order dates")
    case.info.append(
        f"expected revenue {plan.budget['expected_revenue'].sum():,.0f} by marginal return vs "
        f"{plan.budget['proportional_revenue'].sum():,.0f} proportional."
    )


# --- the Map page ---------------------------------------------------------------------------

MAP_MEMORY_LIMIT_MB = 2048


def _numba_cache_note() -> str:
    """Whether umap-learn's compiled code is already in numba's disk cache (first run or not)."""
    import umap

    folder = Path(umap.__file__).parent / "__pycache__"
    cached = list(folder.glob("layouts._optimize_layout_euclidean_single_epoch*.nbi"))
    if not cached:
        return "numba's disk cache held no compiled UMAP code: this run compiled it (first run)."
    stamp = dt.datetime.fromtimestamp(min(p.stat().st_mtime for p in cached))
    return f"UMAP's compiled code came from numba's disk cache (written {stamp:%Y-%m-%d %H:%M})."


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


def case_map_100k(case: Case) -> None:
    from segmentation.mapping.embedding import (
        embed_customers,
        load_umap,
        map_silhouette,
        trustworthiness_on_sample,
    )

    _, matrix, groups = _segment_matrix(case)
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


def _process_cpu_s(pid: int) -> float:
    """CPU seconds (user + system, all threads) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
        cpu = _process_cpu_s(pid)
        start = time.perf_counter()
        page.goto(f"{url}/map")
        page.locator(MAP_DRAWN).first.wait_for(timeout=600_000)
        return time.perf_counter() - start, _process_cpu_s(pid) - cpu
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
        cpu = _process_cpu_s(pid)
        start = time.perf_counter()
        page.get_by_test_id("stSidebarNav").get_by_text("Map", exact=True).click()
        page.locator(MAP_DRAWN).first.wait_for(timeout=600_000)
        return time.perf_counter() - start, _process_cpu_s(pid) - cpu
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
        cpu = _process_cpu_s(server.process.pid)
        start = time.perf_counter()
        page.goto(server.url)
        page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot .bars').first.wait_for(
            timeout=60_000
        )
        return time.perf_counter() - start, _process_cpu_s(server.process.pid) - cpu
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


def _server_peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


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
                peaks.append(_server_peak_mb(server.process.pid))
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


def case_map_page_cold(case: Case) -> None:
    _map_page(case, warm=False)


def case_map_page_warm(case: Case) -> None:
    _map_page(case, warm=True)


def _server_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


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
                one_mb = _server_rss_mb(pid)
                pages = [browser.new_context().new_page() for _ in range(sessions - 1)]
                cpu = _process_cpu_s(pid)
                start = time.perf_counter()
                for page in pages:
                    page.goto(f"{server.url}/segments")
                for page in pages:
                    page.get_by_text(shown).wait_for(timeout=300_000)
                case.add(case.main, time.perf_counter() - start, _process_cpu_s(pid) - cpu)
                for page in [first, *pages]:
                    page.get_by_role("link", name="Personas").click()
                for page in [first, *pages]:
                    wait_for_app(page, timeout=300_000, settle_ms=500)
                all_mb, peak_mb = _server_rss_mb(pid), _server_peak_mb(pid)
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


CASES: dict[str, Callable[[Case], None]] = {
    "sessions_10_sample": case_sessions_10_sample,
    "map_page_cold": case_map_page_cold,
    "map_page_warm": case_map_page_warm,
    "map_sample": case_map_sample,
    "map_100k": case_map_100k,
    "compare_segments": case_compare_segments,
    "target_plan": case_target_plan,
    "personas_cards": case_personas_cards,
    "online_retail_pipeline": case_online_retail_pipeline,
    "online_retail_xlsx_load": case_online_retail_xlsx_load,
    "cdnow_pipeline": case_cdnow_pipeline,
    "sample_load": case_sample_load,
    "segments_recluster": case_segments_recluster,
    "segments_k_diagnostics": case_segments_k_diagnostics,
    "segments_rule_count": case_segments_rule_count,
    "synthetic_orders_2m": case_synthetic_orders_2m,
}


def child_main(name: str, repeat: int, data_dir: Path, result_file: Path) -> None:
    """Measure one benchmark in this (fresh) process and write its result as JSON."""
    # Everything the cases import lazily is imported here, before the baseline, so the
    # baseline holds the libraries and the peak above it is the work itself.
    import numpy  # noqa: F401
    import pandas  # noqa: F401
    import pyarrow.csv  # noqa: F401
    import python_calamine  # noqa: F401

    import segmentation  # noqa: F401

    baseline = maxrss_mb()
    case = Case(name, repeat, data_dir)
    CASES[name](case)
    peak = maxrss_mb()
    result = {
        "name": name,
        "input": case.input,
        "main": case.main,
        "samples": case.samples,
        "cpu": case.cpu,
        "checks": case.checks,
        "info": case.info,
        "baseline_mb": baseline,
        "after_input_mb": case.after_input_mb,
        "peak_mb": peak,
    }
    result_file.write_text(json.dumps(result), encoding="utf-8")


# --- the cached .xlsx input ------------------------------------------------------------------


def _xlsx_key(data_dir: Path) -> dict[str, object]:
    source = (data_dir / ONLINE_RETAIL).read_bytes()
    return {
        "source_sha256": hashlib.sha256(source).hexdigest(),
        "generator_version": XLSX_GENERATOR_VERSION,
    }


def _xlsx_stamp() -> Path:
    return XLSX_CACHE.with_name(XLSX_CACHE.name + ".json")


def xlsx_is_current(data_dir: Path) -> bool:
    stamp = _xlsx_stamp()
    if not XLSX_CACHE.exists() or not stamp.exists():
        return False
    try:
        return json.loads(stamp.read_text(encoding="utf-8")) == _xlsx_key(data_dir)
    except (OSError, ValueError):
        return False


def write_online_retail_xlsx(data_dir: Path) -> None:
    """Write Online Retail as an .xlsx with typed cells, like the UCI original: numbers for
    numeric invoice and stock codes, quantities, prices and customer ids, real dates."""
    import pandas as pd
    from openpyxl import Workbook

    raw = pd.read_csv(data_dir / ONLINE_RETAIL, dtype=str, keep_default_na=False)

    def code(values: pd.Series) -> list[object]:
        return [int(v) if v.isdigit() else v for v in values]

    columns = [
        code(raw["InvoiceNo"]),
        code(raw["StockCode"]),
        [v or None for v in raw["Description"]],
        pd.to_numeric(raw["Quantity"]).astype(int).tolist(),
        list(pd.to_datetime(raw["InvoiceDate"], format="%Y-%m-%d %H:%M:%S").dt.to_pydatetime()),
        pd.to_numeric(raw["UnitPrice"]).astype(float).tolist(),
        [float(v) if v else None for v in raw["CustomerID"]],
        raw["Country"].tolist(),
    ]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Online Retail")
    sheet.append(list(raw.columns))
    for row in zip(*columns, strict=True):
        sheet.append(row)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    partial = XLSX_CACHE.with_suffix(".partial.xlsx")
    workbook.save(partial)
    partial.replace(XLSX_CACHE)
    _xlsx_stamp().write_text(json.dumps(_xlsx_key(data_dir)), encoding="utf-8")


def prepare_xlsx(data_dir: Path) -> str | None:
    """Make sure the cached workbook exists; return an error message when it cannot be made."""
    if xlsx_is_current(data_dir):
        return None
    print(
        f"Generating {XLSX_CACHE.relative_to(REPO_ROOT)} with openpyxl (write-only mode); "
        "this takes a few minutes and happens once…",
        flush=True,
    )
    t0 = time.perf_counter()
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--prepare-xlsx",
        "--data-dir",
        str(data_dir),
    ]
    done = subprocess.run(command, cwd=REPO_ROOT, timeout=CHILD_TIMEOUT_S, check=False)
    if done.returncode != 0 or not xlsx_is_current(data_dir):
        return f"generating the .xlsx failed (exit status {done.returncode})"
    size = XLSX_CACHE.stat().st_size / 1024**2
    print(f"  written in {time.perf_counter() - t0:.0f} s ({size:,.1f} MB)", flush=True)
    return None


# --- the runner (parent process: no pandas here) ----------------------------------------------


@dataclass
class Outcome:
    bench: Benchmark
    status: str  # "ran", "skipped" or "error"
    reason: str = ""
    result: dict | None = None
    wall_s: float = 0.0
    load: str = ""  # load averages before → after the child
    other_cores: float | None = None  # CPU used by other processes meanwhile, in cores

    def stats(self, measure: str) -> tuple[float, float, float]:
        values = self.result["samples"][measure]
        return statistics.median(values), min(values), max(values)

    def cpu_median(self, measure: str) -> float:
        return statistics.median(self.result["cpu"][measure])

    @property
    def median(self) -> float | None:
        if self.status != "ran":
            return None
        return self.stats(self.result["main"])[0]

    @property
    def passed(self) -> bool | None:
        if self.status == "skipped":
            return None
        return self.status == "ran" and self.median <= self.bench.target_s

    @property
    def verdict(self) -> str:
        if self.status == "skipped":
            return "skipped"
        if self.status == "error":
            return "ERROR"
        return "PASS" if self.passed else "FAIL"

    @property
    def failed_checks(self) -> list[str]:
        if self.result is None:
            return []
        return [message for ok, message in self.result["checks"] if not ok]


def run_child(bench: Benchmark, repeat: int, data_dir: Path) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        result_file = Path(tmp) / "result.json"
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            bench.name,
            "--repeat",
            str(repeat),
            "--data-dir",
            str(data_dir),
            "--result-file",
            str(result_file),
        ]
        t0, load_before = time.perf_counter(), load_average()
        machine_before, children_before = machine_busy_s(), children_cpu_s()
        try:
            done = subprocess.run(command, cwd=REPO_ROOT, timeout=CHILD_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            return Outcome(bench, "error", f"timed out after {CHILD_TIMEOUT_S} s")
        wall = time.perf_counter() - t0
        if done.returncode != 0 or not result_file.exists():
            return Outcome(
                bench,
                "error",
                f"the child process failed (exit status {done.returncode}); see its output above",
                wall_s=wall,
            )
        result = json.loads(result_file.read_text(encoding="utf-8"))
    load = f"{load_before} → {load_average()}"
    machine_after, other = machine_busy_s(), None
    if machine_before is not None and machine_after is not None:
        own = children_cpu_s() - children_before
        other = max(0.0, (machine_after - machine_before - own) / wall)
    return Outcome(bench, "ran", result=result, wall_s=wall, load=load, other_cores=other)


def machine_busy_s() -> float | None:
    """CPU seconds every core of the machine has spent busy since boot (Linux /proc/stat)."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(v) for v in stat.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def children_cpu_s() -> float:
    """CPU seconds used by this process's finished children (the benchmark processes)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def load_average() -> str:
    try:
        return ", ".join(f"{value:.2f}" for value in os.getloadavg())
    except (OSError, AttributeError):
        return "unknown"


def busy_note(outcomes: list[Outcome]) -> str | None:
    """A warning when other processes used more than a quarter of a core on average while a
    benchmark ran (from /proc/stat minus the benchmark process's own CPU time)."""
    busy = [o for o in outcomes if o.other_cores is not None and o.other_cores > 0.25]
    if not busy:
        return None
    shown = ", ".join(f"{o.bench.name} {o.other_cores:.2f}" for o in busy)
    return (
        f"Other processes kept the machine busy during some benchmarks (cores in use by them "
        f"on average: {shown}; {os.cpu_count()} cores in all). Their wall-clock times are "
        "inflated, and their CPU seconds too when the cores share caches or are hyper-threads "
        "of one core. Rerun on a quiet machine before comparing with the targets."
    )


def machine_lines(load_at_start: str) -> list[str]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next(
                (line.split(":", 1)[1].strip() for line in info if line.startswith("model name")),
                cpu,
            )
    except OSError:
        pass
    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
        ram_text = f"{ram:,.1f} GiB"
    except (ValueError, OSError, AttributeError):
        ram_text = "unknown"
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    packages = ", ".join(
        f"{name} {_version(name)}"
        for name in ("pandas", "numpy", "pyarrow", "python-calamine", "openpyxl", "scikit-learn")
    )
    return [
        f"- CPU: {cpu}; {os.cpu_count()} logical cores ({usable} usable by this process)",
        f"- Load average (1, 5, 15 min): {load_at_start} at the start, {load_average()} at "
        "the end (other work on the machine makes the times noisier)",
        f"- RAM: {ram_text}",
        f"- OS: {platform.platform()}",
        f"- Python {platform.python_version()} ({sys.executable})",
        f"- Packages: {packages}",
    ]


def _seconds(value: float) -> str:
    return f"{value:.3f}"


def _cores(value: float | None) -> str:
    return "an unknown share of the CPU" if value is None else f"{value:.2f} cores"


def _mb(value: float) -> str:
    return f"{value:,.0f}"


def summary_table(outcomes: list[Outcome]) -> list[str]:
    lines = [
        "| benchmark | input | median s | min s | max s | median CPU s | peak mem Δ MB "
        "| peak RSS MB | target | result |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for o in outcomes:
        target = f"≤ {o.bench.target_s:g} s"
        if o.status != "ran":
            lines.append(
                f"| {o.bench.name} | — | — | — | — | — | — | — | {target} | "
                f"{o.verdict}: {o.reason} |"
            )
            continue
        r = o.result
        median, low, high = o.stats(r["main"])
        lines.append(
            f"| {o.bench.name} | {r['input']} | {_seconds(median)} | {_seconds(low)} | "
            f"{_seconds(high)} | {_seconds(o.cpu_median(r['main']))} | "
            f"{_mb(r['peak_mb'] - r['baseline_mb'])} | "
            f"{_mb(r['peak_mb'])} | {target} | {o.verdict} |"
        )
    return lines


def detail_section(o: Outcome) -> list[str]:
    lines = [f"### {o.bench.name}", "", f"{o.bench.what}. Target: median ≤ {o.bench.target_s:g} s."]
    if o.status != "ran":
        return [*lines, "", f"**{o.verdict}**: {o.reason}", ""]
    r = o.result
    n = len(r["samples"][r["main"]])
    lines += [
        "",
        f"Input: {r['input']}. {n} repeat{'s' * (n != 1)} in one fresh process "
        f"({o.wall_s:.1f} s wall time including start-up and input preparation). "
        f"Meanwhile other processes used {_cores(o.other_cores)} on average; load average "
        f"{o.load}.",
        "",
        "| measure | input | median s | min s | max s | median CPU s | peak mem Δ MB "
        "| peak RSS MB | target | result |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for measure in r["samples"]:
        median, low, high = o.stats(measure)
        name = measure.replace("  ", "&nbsp;&nbsp;↳ ", 1) if measure.startswith("  ") else measure
        if measure == r["main"]:
            memory = f"{_mb(r['peak_mb'] - r['baseline_mb'])} | {_mb(r['peak_mb'])}"
            verdict = f"≤ {o.bench.target_s:g} s | **{o.verdict}**"
            shown_input = r["input"]
        else:
            memory, verdict, shown_input = "″ | ″", "— | —", "″"
        lines.append(
            f"| {name} | {shown_input} | {_seconds(median)} | {_seconds(low)} | "
            f"{_seconds(high)} | {_seconds(o.cpu_median(measure))} | {memory} | {verdict} |"
        )
    lines += [
        "",
        f"Memory: {_mb(r['baseline_mb'])} MB after imports, {_mb(r['after_input_mb'])} MB with "
        f"the input in memory, {_mb(r['peak_mb'])} MB peak; Δ = peak − after imports (it "
        "includes the input bytes, which the app also holds).",
        "",
    ]
    for ok, message in r["checks"]:
        lines.append(f"- {'✓' if ok else '⚠ WARNING:'} {message}")
    lines += [f"- {note}" for note in r["info"]]
    lines.append("")
    return lines


def report(
    outcomes: list[Outcome],
    args: argparse.Namespace,
    started: dt.datetime,
    total_s: float,
    notes: list[str],
    load_at_start: str,
) -> str:
    command = "python bench/run.py " + " ".join(sys.argv[1:])
    lines = [
        "# Benchmark results",
        "",
        f"Generated {started:%Y-%m-%d %H:%M} (local time) by `{command.strip()}` in "
        f"{total_s:.0f} s; {args.repeat} repeat{'s' * (args.repeat != 1)} per benchmark, each "
        "in a fresh process. Times are medians of `time.perf_counter` (wall clock; CPU s: "
        "`time.process_time`, every thread of the process); peak memory is `ru_maxrss` of that "
        "process (Δ: above the level after imports). Rerun with `python bench/run.py`; see "
        "`bench/README.md`.",
        "",
        "## Machine",
        "",
        *machine_lines(load_at_start),
        "",
        "## Summary",
        "",
        *summary_table(outcomes),
        "",
    ]
    if notes:
        lines += [*(f"- {note}" for note in notes), ""]
    lines += ["## Details", ""]
    for o in outcomes:
        lines += detail_section(o)
    return "\n".join(lines).rstrip() + "\n"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark the upload path of segmentation/.")
    parser.add_argument(
        "--repeat", type=int, default=None, help="repeats per benchmark (default 5; 1 with --quick)"
    )
    parser.add_argument(
        "--only",
        metavar="NAME",
        action="append",
        help=f"run only this benchmark (may be given more than once; names: {', '.join(BY_NAME)})",
    )
    parser.add_argument(
        "--quick", action="store_true", help="1 repeat and skip the 2-million-line case"
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help="the shared real-data folder (default: ../shared/data)",
    )
    parser.add_argument(
        "--results",
        type=Path,
        default=RESULTS_FILE,
        help="where to write the report (default: bench/RESULTS.md; use another file for "
        "partial runs you do not want to publish)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--result-file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--prepare-xlsx", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeat is None:
        args.repeat = 1 if args.quick else 5
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    unknown = [name for name in args.only or () if name not in BY_NAME]
    if unknown or (args.child and args.child not in BY_NAME):
        parser.error(
            f"unknown benchmark {', '.join(unknown or [args.child])}; "
            f"choose from {', '.join(BY_NAME)}"
        )
    args.data_dir = args.data_dir.resolve()
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.prepare_xlsx:
        write_online_retail_xlsx(args.data_dir)
        return 0
    if args.child:
        child_main(args.child, args.repeat, args.data_dir, args.result_file)
        return 0
    missing = [m for m in ("pandas", "pyarrow", "python_calamine") if not find_spec(m)]
    if missing:
        venv_python = REPO_ROOT / ".venv" / "bin" / "python"
        if venv_python.exists() and Path(sys.executable) != venv_python:
            print(f"{sys.executable} has no {', '.join(missing)}; rerunning with {venv_python}.")
            sys.stdout.flush()
            os.execv(venv_python, [str(venv_python), str(Path(__file__).resolve()), *sys.argv[1:]])
        print(
            f"ERROR: {sys.executable} has no {', '.join(missing)}. Run `make bench`, or install "
            "requirements.txt and run `python bench/run.py` with that interpreter.",
            file=sys.stderr,
        )
        return 2

    started, t0, load_at_start = dt.datetime.now(), time.perf_counter(), load_average()
    have_data = all((args.data_dir / f).is_file() for f in (ONLINE_RETAIL, CDNOW))
    notes = []
    if not have_data:
        notes.append(
            f"{args.data_dir} (with {ONLINE_RETAIL} and {CDNOW}) was not found, so the "
            "real-data benchmarks were skipped; the synthetic ones ran."
        )
    if args.only:
        notes.append(f"Partial run: only {', '.join(args.only)}.")
    outcomes: list[Outcome] = []
    for bench in BENCHMARKS:
        if args.only and bench.name not in args.only:
            continue
        if bench.needs_shared_data and not have_data:
            print(
                f"SKIP {bench.name}: {args.data_dir} not found (real data sets are not part "
                "of a clone)",
                flush=True,
            )
            outcomes.append(Outcome(bench, "skipped", "no ../shared/data"))
            continue
        if bench.heavy and args.quick and not args.only:
            print(f"SKIP {bench.name}: --quick", flush=True)
            outcomes.append(Outcome(bench, "skipped", "--quick"))
            continue
        if bench.name == "online_retail_xlsx_load":
            problem = prepare_xlsx(args.data_dir)
            if problem:
                outcomes.append(Outcome(bench, "error", problem))
                continue
        print(f"RUN  {bench.name} ({args.repeat} repeat{'s' * (args.repeat != 1)})…", flush=True)
        outcome = run_child(bench, args.repeat, args.data_dir)
        outcomes.append(outcome)
        shown = f"median {outcome.median:.3f} s" if outcome.status == "ran" else outcome.reason
        print(
            f"     {outcome.verdict}: {shown} (target ≤ {bench.target_s:g} s, "
            f"{outcome.wall_s:.1f} s wall)",
            flush=True,
        )
        for message in outcome.failed_checks:
            print(f"WARNING: {bench.name}: {message}", flush=True)

    busy = busy_note(outcomes)
    if busy:
        print(f"WARNING: {busy}", flush=True)
        notes.append(f"**Warning**: {busy}")
    text = report(outcomes, args, started, time.perf_counter() - t0, notes, load_at_start)
    args.results.write_text(text, encoding="utf-8")
    print()
    print(text)
    print(f"Written to {args.results}")
    return 0 if all(o.passed is not False for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
