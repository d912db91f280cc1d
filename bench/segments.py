"""Benchmarks of the Segments page on 100,000 generated customers: clustering again after a
change of k, choosing k, and a rule's live count.

The generated customers (with planted groups) and their segmentation also feed the persona,
compare, target and map benchmarks.
"""

from __future__ import annotations

import gc

from bench.harness import SYNTHETIC_SEED, Case, Registry, clock, since

SEGMENT_CUSTOMERS = 100_000
SEGMENT_GROUPS = 6

BENCHMARKS = Registry()


# --- the generated customers --------------------------------------------------------------------


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


def segment_matrix(case: Case):
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


def typed_customers(case: Case, frame):
    """``frame`` (generated customers) as the case's input, typed one row per customer."""
    from segmentation.data.schema import infer_schema

    case.input_ready(f"generated, {len(frame):,} customers × {frame.shape[1] - 1} columns")
    return infer_schema(frame, one_row_per_customer=True)


def bench_segmentation(typed, groups):
    """The planted groups as a segmentation of the typed customers."""
    import pandas as pd

    from segmentation.segmenting.segments import make_segmentation

    labels = pd.Series(groups, index=typed.frame["customer_id"].to_numpy())
    return make_segmentation("bench", "kmeans", labels)


# --- the cases ---------------------------------------------------------------------------------


@BENCHMARKS.case(
    "segments_recluster",
    2.0,
    f"{SEGMENT_CUSTOMERS:,} generated customers × 30 columns: cluster_customers again after "
    "changing k (features prepared once, as the page caches them)",
)
def case_segments_recluster(case: Case) -> None:
    from sklearn.metrics import adjusted_rand_score

    from segmentation.segmenting.clustering import ClusterConfig, cluster_customers

    _, matrix, groups = segment_matrix(case)
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


@BENCHMARKS.case(
    "segments_k_diagnostics",
    20.0,
    f"{SEGMENT_CUSTOMERS:,} generated customers × 30 columns: choose_k for k = 2..10 "
    "(inertia, silhouette, CH, DB, BIC, stability)",
    heavy=True,
)
def case_segments_k_diagnostics(case: Case) -> None:
    from segmentation.segmenting.clustering import ClusterConfig
    from segmentation.segmenting.diagnostics import choose_k

    _, matrix, _ = segment_matrix(case)
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


@BENCHMARKS.case(
    "segments_rule_count",
    0.2,
    f"{SEGMENT_CUSTOMERS:,} generated customers × 30 columns: a three-condition rule's live "
    "count and sentence (rules.preview)",
)
def case_segments_rule_count(case: Case) -> None:
    from segmentation.segmenting.rules import Condition, Rule, RuleGroup, preview

    frame, _ = synthetic_customers()
    typed = typed_customers(case, frame)
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
