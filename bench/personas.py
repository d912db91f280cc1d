"""Benchmark of the Personas page: every persona card of 8 segments of 100,000 customers."""

from __future__ import annotations

import gc

from bench.harness import SYNTHETIC_SEED, Case, Registry, clock, since
from bench.segments import SEGMENT_CUSTOMERS, SEGMENT_GROUPS, synthetic_customers, typed_customers

BENCHMARKS = Registry()


@BENCHMARKS.case(
    "personas_cards",
    2.0,
    f"{SEGMENT_CUSTOMERS:,} generated customers × 30 columns, 8 segments: build_personas "
    "(every test, profile, example customer, mix and summary)",
)
def case_personas_cards(case: Case) -> None:
    import numpy as np
    import pandas as pd

    from segmentation.describing.personas import build_personas
    from segmentation.segmenting.segments import make_segmentation

    frame, groups = synthetic_customers()
    typed = typed_customers(case, frame)
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
