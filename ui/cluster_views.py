"""The clustering part of the Segments page: features, method settings, k diagnostics."""

from __future__ import annotations

import json
from dataclasses import replace

import pandas as pd
import streamlit as st

from segmentation import CustomerData, SegmentationError
from segmentation.charts.segments import k_diagnostics_chart
from segmentation.data.schema import BASES
from segmentation.segmenting.clustering import CLUSTER_METHODS, ClusterConfig, ClusterResult
from segmentation.segmenting.diagnostics import KDiagnostics
from segmentation.segmenting.features import (
    FeatureConfig,
    FeatureMatrix,
    cap_features,
    default_feature_config,
)
from segmentation.segmenting.rule_sentences import describe
from segmentation.segmenting.rules import filter_customers
from ui import rule_views
from ui import segments_state as seg

METHOD_HELP = {
    "kmeans": "Groups customers around average profiles. Fast and dependable: the best start.",
    "gmm": "Like k-means but segments may differ in spread; each customer gets the most likely "
    "segment.",
    "ward": "Builds segments by merging the most similar customers step by step; fitted on a "
    "sample, the rest join the nearest segment.",
    "hdbscan": "Finds dense groups and decides how many there are; customers between groups "
    "stay “Unassigned” instead of being forced into a segment.",
    "kprototypes": "Made for mixed data: averages numbers and takes the most common value of "
    "categories, so every segment has a typical customer you can read.",
}
EVERYONE = "All customers"
DEFAULT_K_RANGE = (2, 8)
DEFAULT_K_RANGE_STOP = (DEFAULT_K_RANGE[0], DEFAULT_K_RANGE[1] + 1)
PERSIST = "session"


def feature_config(data: CustomerData) -> FeatureConfig:
    """Feature settings from the widgets: columns per base, base weights, scaling, logs."""
    default = default_feature_config(data.customers, data.schema)
    cap = cap_features(data.schema)
    st.markdown("**Features** — what customers are compared on")
    if cap.message:
        st.info(cap.message, icon=":material/filter_alt:")
    base_of = {c.name: c.base for c in data.schema.columns}
    candidates = [n for n in base_of if n in set(cap.kept + cap.left_out)]
    columns: list[str] = []
    bases = [b for b in BASES if b != "other" or _base_columns(candidates, base_of, b)]
    cells = st.columns(len(bases))
    weights = dict.fromkeys(BASES, 1.0)
    for cell, base in zip(cells, bases, strict=True):
        with cell:
            options = _base_columns(candidates, base_of, base)
            chosen = st.multiselect(
                base.capitalize(),
                options,
                default=[c for c in options if c in default.columns],
                key=f"seg_features_{base}",
                persist_state=PERSIST,
                help=f"The {base} columns to compare customers on. Remove a column to ignore it.",
            )
            weights[base] = st.slider(
                f"{base.capitalize()} weight",
                0.0,
                3.0,
                1.0,
                0.5,
                key=f"seg_weight_{base}",
                persist_state=PERSIST,
                help=f"How much {base} traits count. 2 doubles their influence on which "
                "customers end up together; 0 leaves them out.",
            )
            columns += [c for c in chosen if weights[base] > 0]
    chosen_columns = set(columns)
    return FeatureConfig(
        tuple(c for c in data.schema.names if c in chosen_columns),
        weights,
        *_preparation_inputs(data, default, columns),
    )


def _population(data: CustomerData) -> tuple[pd.DataFrame | None, str]:
    """The customers to cluster: everyone, or those matching a rule from the Rules tab."""
    rules = {rule.name: rule for rule in rule_views.current_rules(data)}
    options = [EVERYONE, *rules]
    if st.session_state.get("seg_population") not in options:
        st.session_state.pop("seg_population", None)
    chosen = st.selectbox(
        "Customers to cluster",
        options,
        key="seg_population",
        help="Cluster everyone, or only the customers matching one of your rules (write rules "
        "in the Rules tab), e.g. only active customers.",
    )
    if chosen == EVERYONE:
        return None, "all"
    rule = rules[chosen]
    population = filter_customers(data.customers, rule)
    st.caption(
        f"Clustering {len(population):,} of {len(data.customers):,} customers: {describe(rule)}."
    )
    return population, json.dumps(rule.to_dict(), sort_keys=True)


def _base_columns(candidates: list[str], base_of: dict[str, str], base: str) -> list[str]:
    """The candidate features of one base, in the data's order."""
    return [c for c in candidates if base_of[c] == base]


def _preparation_inputs(
    data: CustomerData, default: FeatureConfig, columns: list[str]
) -> tuple[str, tuple[str, ...]]:
    with st.expander("Preparation: scaling and long-tailed numbers"):
        scaling = st.radio(
            "Scaling",
            ["standard", "robust"],
            horizontal=True,
            key="seg_scaling",
            persist_state=PERSIST,
            help="Puts numbers on a common scale. Standard: mean 0, spread 1. Robust: median and "
            "interquartile range, so a few extreme customers do not squash everyone else.",
        )
        kinds = {c.name: c.kind for c in data.schema.columns}
        numeric = [c for c in columns if kinds[c] == "numeric"]
        logs = st.multiselect(
            "Log-transform",
            numeric,
            default=[c for c in default.log_columns if c in numeric],
            key="seg_logs",
            persist_state=PERSIST,
            help="Long-tailed numbers such as spend or order counts: a log scale stops the few "
            "biggest customers from dominating. Suggested from the data's skew.",
        )
    return scaling, tuple(logs)


def matrix_key(data: CustomerData, config: FeatureConfig, population_key: str = "all") -> str:
    """The key of a feature matrix in the caches: data content, population and settings."""
    return seg.data_key(data) + population_key + json.dumps(config.to_dict(), sort_keys=True)


def render_cluster_builder(data: CustomerData) -> None:
    """Features, method and k, the k diagnostics, a preview and the button that saves."""
    try:
        population, population_key = _population(data)
    except SegmentationError as err:
        st.error(f"{err}\n\nThe active segmentation is unchanged.", icon=":material/error:")
        return
    config = feature_config(data)
    try:
        matrix = seg.features(data, config, population, population_key)
    except SegmentationError as err:
        st.error(f"{err}\n\nThe active segmentation is unchanged.", icon=":material/error:")
        return
    key = matrix_key(data, config, population_key)
    st.markdown("**Method**")
    left, middle, right = st.columns([2, 2, 1])
    method = left.selectbox(
        "Method",
        list(CLUSTER_METHODS),
        format_func=CLUSTER_METHODS.get,
        key="seg_method",
        persist_state=PERSIST,
        help=" ".join(f"{CLUSTER_METHODS[m]}: {h}" for m, h in METHOD_HELP.items()),
    )
    left.caption(METHOD_HELP[method])
    seed = right.number_input(
        "Random seed",
        0,
        10_000,
        42,
        key="seg_seed",
        persist_state=PERSIST,
        help="Fixes the random start: the same settings and seed always give the same segments.",
    )
    base = ClusterConfig(method=method, random_state=int(seed), **_method_settings(method))
    with st.expander("How many segments? Diagnostics for each number", expanded=True):
        diagnostics = render_diagnostics(key, matrix, base)
    k = _k_input(middle, method, diagnostics)
    _preview_and_save(key, matrix, replace(base, n_segments=k), population_key)


def _k_input(cell, method: str, diagnostics: KDiagnostics | None) -> int:
    if "seg_k" not in st.session_state:
        st.session_state["seg_k"] = diagnostics.recommended_k if diagnostics else 4
    return int(
        cell.slider(
            "Number of segments",
            2,
            15,
            key="seg_k",
            persist_state=PERSIST,
            disabled=method == "hdbscan",
            help="How many groups to split customers into. The diagnostics below compare several "
            "numbers and recommend one. HDBSCAN decides the number itself.",
        )
    )


def _preview_and_save(
    key: str, matrix: FeatureMatrix, config: ClusterConfig, population_key: str = "all"
) -> None:
    try:
        result = seg.clusters(key, matrix, config)
    except SegmentationError as err:
        st.error(f"{err}\n\nThe active segmentation is unchanged.", icon=":material/error:")
        return
    cluster_preview(result)
    title = st.text_input(
        "Name of this segmentation",
        result.segmentation.title,
        key=f"seg_cluster_title_{result.segmentation.title}",
        help="How this segmentation is listed on every page.",
    )
    if st.button(
        "Use these segments",
        type="primary",
        key="seg_save_clusters",
        help="Save this segmentation and make it the one every page works on.",
    ):
        settings = dict(result.segmentation.settings)
        if population_key != "all":  # the rule that chose the customers, so links rebuild it
            settings["population"] = json.loads(population_key)
        saved = seg.save_segmentation(
            replace(
                result.segmentation,
                title=title.strip() or result.segmentation.title,
                settings=settings,
            )
        )
        seg.show_overview(f"Saved **{saved.title}** and made it active.")


def ensure_segments(data: CustomerData) -> None:
    """On a first visit (no segmentation yet), make the default one so the page shows something."""
    if seg.active_segmentation() is None and not seg.segmentations():
        create_default(data)


def create_default(data: CustomerData) -> None:
    """On a first visit, segment with k-means at the recommended k so the page shows something."""
    config = default_feature_config(data.customers, data.schema)
    with st.status("Finding segments in your customers…", expanded=True) as status:
        try:
            matrix = seg.features(data, config)
            key = matrix_key(data, config)
            bar = st.progress(0.0)
            base = ClusterConfig()
            diagnostics = seg.diagnostics(
                key,
                matrix,
                tuple(range(*DEFAULT_K_RANGE_STOP)),
                base,
                lambda share, text: bar.progress(share, text),
            )
            result = seg.clusters(key, matrix, replace(base, n_segments=diagnostics.recommended_k))
        except SegmentationError as err:
            status.update(label="Could not find segments automatically", state="error")
            st.warning(f"{err} Choose features and settings in the Clusters tab.")
            return
        seg.save_segmentation(result.segmentation)
        st.session_state.setdefault("seg_k", diagnostics.recommended_k)
        status.update(
            label=f"Found {diagnostics.recommended_k} segments", state="complete", expanded=False
        )


def _method_settings(method: str) -> dict[str, object]:
    if method == "gmm":
        shape = st.selectbox(
            "Segment shape",
            ["diag", "spherical", "full"],
            key="seg_covariance",
            persist_state=PERSIST,
            format_func={
                "diag": "each trait its own spread (recommended)",
                "spherical": "same spread in every direction",
                "full": "any shape (slow with many features)",
            }.get,
            help="How flexible each segment's shape may be.",
        )
        return {"covariance_type": shape}
    if method == "hdbscan":
        size = st.slider(
            "Smallest segment size",
            10,
            500,
            50,
            10,
            key="seg_min_size",
            persist_state=PERSIST,
            help="Groups smaller than this are not segments; their customers stay "
            "Unassigned. Larger values give fewer, broader segments.",
        )
        return {"min_cluster_size": int(size)}
    if method == "kprototypes":
        weight = st.slider(
            "Weight of categories",
            0.0,
            3.0,
            0.0,
            0.1,
            key="seg_cat_weight",
            persist_state=PERSIST,
            help="How much one differing category counts against the numbers. "
            "0 = automatic (half the average spread of the numbers).",
        )
        return {"categorical_weight": weight or None}
    return {}


def render_diagnostics(
    matrix_key: str, matrix: FeatureMatrix, config: ClusterConfig
) -> KDiagnostics | None:
    """The k chart with its recommendation; computed with a progress bar the first time."""
    if config.method == "hdbscan":
        st.info("HDBSCAN chooses the number of segments itself, so there is no k to compare.")
        return None
    low, high = st.slider(
        "Numbers of segments to compare",
        2,
        15,
        DEFAULT_K_RANGE,
        key="seg_k_range",
        persist_state=PERSIST,
        help="The range of k to try. Each k is clustered and scored; wider ranges take longer.",
    )
    if high - low < 2:
        st.warning("Compare at least three numbers of segments (widen the range) to see a trend.")
        return None
    bar = st.empty()
    progress = bar.progress(0.0, "Comparing numbers of segments…")
    try:
        result = seg.diagnostics(
            matrix_key,
            matrix,
            tuple(range(low, high + 1)),
            config,
            lambda share, text: progress.progress(share, text),
        )
    except SegmentationError as err:
        bar.empty()
        st.error(str(err), icon=":material/error:")
        return None
    bar.empty()
    st.plotly_chart(k_diagnostics_chart(result), width="stretch", key="seg_k_chart")
    st.success(
        f"**Recommended: {result.recommended_k} segments.** {result.reason}",
        icon=":material/recommend:",
    )
    return result


def cluster_preview(result: ClusterResult) -> None:
    """One line on the segments the current settings give, and the method's notes."""
    sizes = result.segmentation.sizes()
    parts = ", ".join(f"{name}: {count:,}" for name, count in sizes.items())
    st.markdown(f"These settings give **{result.segmentation.n_segments} segments** ({parts}).")
    for note in result.notes:
        st.caption(note)
