"""Benchmark of the Target page: the plan for 6 segments of 100,000 customers after a change."""

from __future__ import annotations

from bench.harness import SYNTHETIC_SEED, Case, Registry, clock, since
from bench.segments import (
    SEGMENT_CUSTOMERS,
    bench_segmentation,
    synthetic_customers,
    typed_customers,
)

BENCHMARKS = Registry()


@BENCHMARKS.case(
    "target_plan",
    0.5,
    f"{SEGMENT_CUSTOMERS:,} generated customers, 6 segments: scores, ROI what-if and "
    "budget split after a weight change (segment measures cached, as the page does)",
)
def case_target_plan(case: Case) -> None:
    from dataclasses import replace

    import numpy as np
    import pandas as pd

    from segmentation.targeting.config import TargetingConfig
    from segmentation.targeting.measures import segment_measures
    from segmentation.targeting.plan import initial_config, plan_targeting

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
    typed = typed_customers(case, frame)
    segmentation = bench_segmentation(typed, groups)
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
