"""Benchmark of the Compare page: 4 segments of 100,000 customers, every feature tested."""

from __future__ import annotations

import gc

from bench.harness import Case, Registry, clock, since
from bench.segments import (
    SEGMENT_CUSTOMERS,
    bench_segmentation,
    synthetic_customers,
    typed_customers,
)

BENCHMARKS = Registry()


@BENCHMARKS.case(
    "compare_segments",
    2.0,
    f"{SEGMENT_CUSTOMERS:,} generated customers × 30 features: compare 4 segments "
    "(KPI table + every feature tested, corrected, sorted)",
)
def case_compare_segments(case: Case) -> None:
    from segmentation.describing.comparison import compare_features, kpi_table, segment_group

    frame, groups = synthetic_customers()
    typed = typed_customers(case, frame)
    segmentation = bench_segmentation(typed, groups)
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
