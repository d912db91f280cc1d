"""Session keys and bounded, content-keyed caches for the Segments page.

Caches are shared by every session of a hosted app, so each is keyed on the data's content hash
plus the settings as JSON (never on Streamlit's sampled DataFrame hash) and keeps few entries.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import replace

import streamlit as st

from segmentation import CustomerData
from segmentation.data.dataset import SAMPLE_DIR
from segmentation.describing.profiles import SegmentOverview, segment_overview
from segmentation.segmenting.clustering import ClusterConfig, ClusterResult, cluster_customers
from segmentation.segmenting.diagnostics import KDiagnostics, choose_k
from segmentation.segmenting.explain import SegmentRule, explain_segments
from segmentation.segmenting.features import FeatureConfig, FeatureMatrix, prepare_features
from segmentation.segmenting.segments import Segmentation
from ui import persona_state
from ui.cache import BoundedCache, data_key
from ui.messages import flash

SEGMENTATIONS = "segmentations"
ACTIVE_SEGMENTATION = "active_segmentation"
TAB_KEY = "seg_tab"
PENDING_TAB = "seg_pending_tab"
OVERVIEW_TAB = "Overview"


def _json(value: object) -> str:
    return json.dumps(value, sort_keys=True, default=str)


@st.cache_resource(max_entries=6, show_spinner=False)
def _features(
    _data: CustomerData, key: str, config_json: str, _config: FeatureConfig, _frame=None
) -> FeatureMatrix:
    frame = _frame if _frame is not None else _data.customers
    return prepare_features(frame, _data.schema, _config)


def features(
    data: CustomerData, config: FeatureConfig, frame=None, frame_key: str = "all"
) -> FeatureMatrix:
    """The feature matrix for these settings (cached per data content, settings and the
    population filter, whose JSON is ``frame_key``)."""
    return _features(data, data_key(data) + frame_key, _json(config.to_dict()), config, frame)


@st.cache_resource(max_entries=12, show_spinner=False)
def _clusters(
    _matrix: FeatureMatrix, matrix_key: str, config_json: str, _config: ClusterConfig
) -> ClusterResult:
    return cluster_customers(_matrix, _config)


def clusters(matrix_key: str, matrix: FeatureMatrix, config: ClusterConfig) -> ClusterResult:
    """Clustering result for these settings (cached per feature matrix and settings)."""
    return _clusters(matrix, matrix_key, _json(config.to_dict()), config)


_DIAGNOSTICS = BoundedCache(max_entries=6)
PRECOMPUTED_DIAGNOSTICS = SAMPLE_DIR / "pet_dynamics_k_diagnostics.json"


def diagnostics_key(matrix_key: str, k_values: tuple[int, ...], config: ClusterConfig) -> str:
    """The cache key of k diagnostics: features, k range and every other clustering setting."""
    settings = {**config.to_dict(), "n_segments": None}
    text = "|".join((matrix_key, _json(list(k_values)), _json(settings)))
    return hashlib.sha256(text.encode()).hexdigest()


def _precomputed() -> dict[str, dict]:
    """k diagnostics shipped for the bundled sample's default settings, by cache key.

    Every first visit on a new server would otherwise spend several seconds recomputing the
    same numbers for the same sample; a test recomputes them and fails when they are stale
    (regenerate with ``python -m ui.precompute``).
    """
    try:
        return json.loads(PRECOMPUTED_DIAGNOSTICS.read_text(encoding="utf-8"))["entries"]
    except (OSError, ValueError, KeyError):
        return {}


def diagnostics(
    matrix_key: str,
    matrix: FeatureMatrix,
    k_values: tuple[int, ...],
    config: ClusterConfig,
    progress: Callable[[float, str], None] | None = None,
) -> KDiagnostics:
    """k diagnostics for these settings (cached; ``progress`` is called only when computing)."""
    key = diagnostics_key(matrix_key, k_values, config)
    shipped = _precomputed().get(key)
    if shipped is not None:
        return KDiagnostics.from_dict(shipped)
    return _DIAGNOSTICS.get_or_compute(key, lambda: choose_k(matrix, k_values, config, progress))


def overview(data: CustomerData, segmentation: Segmentation) -> SegmentOverview:
    """Sizes and profiles of a segmentation (cheap; recomputed when names change)."""
    usable = _segmentation_features(data, segmentation) or None
    logs = tuple(segmentation.settings.get("features", {}).get("log_columns", ()))
    return segment_overview(data.customers, data.schema, segmentation, usable, logs)


@st.cache_resource(max_entries=12, show_spinner="Explaining segments as rules…")
def _explanations(
    _data: CustomerData, _segmentation: Segmentation, key: str, labels_key: str
) -> tuple[SegmentRule, ...]:
    usable = _segmentation_features(_data, _segmentation) or _data.schema.features()
    return explain_segments(_data.customers, _data.schema, _segmentation, usable)


def _segmentation_features(data: CustomerData, segmentation: Segmentation) -> tuple[str, ...]:
    """The feature columns a clustering was made on that the data still has (empty for rules
    and RFM, which carry no feature settings)."""
    columns = segmentation.settings.get("features", {}).get("columns", ())
    return tuple(c for c in columns if c in data.schema.names)


def explanations(data: CustomerData, segmentation: Segmentation) -> tuple[SegmentRule, ...]:
    """Each segment as a rule (cached per data content and labels; names applied afterwards)."""
    labels_key = hashlib.sha256(segmentation.labels.to_numpy().tobytes()).hexdigest()
    explained = _explanations(data, segmentation, data_key(data), labels_key)
    return tuple(
        replace(
            item,
            segment_name=segmentation.segment_names[item.segment_id],
            rule=replace(item.rule, name=segmentation.segment_names[item.segment_id]),
        )
        for item in explained
    )


def segmentations() -> dict[str, Segmentation]:
    """The session's segmentations by title (insertion order = creation order)."""
    return st.session_state.setdefault(SEGMENTATIONS, {})


def active_segmentation() -> Segmentation | None:
    """The segmentation every later page works on, if the user has made one."""
    title = st.session_state.get(ACTIVE_SEGMENTATION)
    return segmentations().get(title) if title else None


def save_segmentation(segmentation: Segmentation, activate: bool = True) -> Segmentation:
    """Keep a segmentation under a unique title and, by default, make it the active one.

    Segments that still have automatic names ("Segment 1", ...) are named after their
    personas first, so the Segments, Personas, Compare and Target pages show the same names.
    """
    segmentation = persona_state.named_for_session(segmentation)
    store = segmentations()
    title, number = segmentation.title, 2
    existing = store.get(title)
    while title in store and not (
        existing is not None
        and existing.labels.equals(segmentation.labels)
        and existing.method == segmentation.method
    ):
        title, number = f"{segmentation.title} ({number})", number + 1
        existing = store.get(title)
    saved = replace(segmentation, title=title)
    store[title] = saved
    if activate:
        st.session_state[ACTIVE_SEGMENTATION] = title
    return saved


def replace_segmentation(old_title: str, segmentation: Segmentation) -> None:
    """Swap a stored segmentation for an edited copy (renamed segments or title)."""
    store = segmentations()
    items = [
        (segmentation.title, segmentation) if t == old_title else (t, s) for t, s in store.items()
    ]
    st.session_state[SEGMENTATIONS] = dict(items)
    if st.session_state.get(ACTIVE_SEGMENTATION) == old_title:
        st.session_state[ACTIVE_SEGMENTATION] = segmentation.title


def ensure_persona_names(data: CustomerData, segmentation: Segmentation) -> Segmentation:
    """Name a stored segmentation's segments after their personas when they still have
    automatic names, so every page shows the same names; returns the stored version."""
    named = persona_state.named_after_personas(data, segmentation)
    if named is not segmentation:
        replace_segmentation(segmentation.title, named)
    return named


def rename_persona(segmentation: Segmentation, segment_id: int, new_name: str) -> Segmentation:
    """Rename a persona, which renames its segment everywhere (raises ``SegmentationError``
    for an empty or taken name; nothing changes then)."""
    renamed = segmentation.renamed(segment_id, new_name)
    replace_segmentation(segmentation.title, renamed)
    return renamed


def show_overview(message: str) -> None:
    """Switch to the Overview tab on the next run, with a message, and rerun now."""
    st.session_state[PENDING_TAB] = OVERVIEW_TAB
    flash("success", message)
    st.rerun()


def open_pending_tab() -> None:
    """Select the tab asked for by :func:`show_overview` (call before ``st.tabs``)."""
    pending = st.session_state.pop(PENDING_TAB, None)
    if pending:
        st.session_state[TAB_KEY] = pending


def forget_segmentations() -> None:
    """Drop every segmentation (the data they label has changed)."""
    st.session_state.pop(SEGMENTATIONS, None)
    st.session_state.pop(ACTIVE_SEGMENTATION, None)
