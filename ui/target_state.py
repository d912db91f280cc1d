"""The Target page's state: one targeting config in session state, and its widgets' helpers.

Every input lives in one :class:`TargetingConfig` under ``st.session_state["target_config"]``
(the last valid one), the customer value choice too (:mod:`ui.target_value` asks for it first,
since every measure depends on it). Widgets are seeded from it; each section builds a draft from
its widgets, checks it, and keeps it only when valid, so a bad entry shows a message while the
results of the last valid inputs stay on screen. :func:`load_config` puts a config from a link
or project file in place and reseeds the widgets.

The sections render in :mod:`ui.target_scoring` (weights, ratings, portfolio),
:mod:`ui.target_campaign` (targets, ROI what-if, budget split) and :mod:`ui.target_export`
(target list and summary downloads).
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pandas as pd
import streamlit as st

from segmentation import CustomerData, SegmentationError
from segmentation.segmenting.segments import Segmentation
from segmentation.targeting.config import CRITERIA, TargetingConfig, ValueChoice
from segmentation.targeting.export import default_key_columns
from segmentation.targeting.measures import SegmentMeasures, segment_measures
from segmentation.targeting.plan import initial_config
from segmentation.targeting.value import CustomerValue
from ui import segments_state as seg
from ui.cache import BoundedCache

CONFIG = "target_config"
DATA_KEY = "target_config_data"
SOURCE_KEY = "target_config_source"  # the file content the config's choices belong to
PERSIST = "session"
WIDGET_KEYS = (
    "tgt_targets",
    "tgt_cost",
    "tgt_rate",
    "tgt_budget",
    "tgt_opted_in",
    "tgt_key_columns",
)
KEEPING = " The results below still use your last valid settings."
_MEASURES = BoundedCache(max_entries=8)


# --- state ----------------------------------------------------------------------------------


def measures(
    data: CustomerData, segmentation: Segmentation, value: CustomerValue
) -> SegmentMeasures:
    """What the data says about each segment (cached per data content, labels and value)."""
    labels = hashlib.sha256(segmentation.labels.to_numpy().tobytes()).hexdigest()
    ids = hashlib.sha256(
        pd.util.hash_pandas_object(segmentation.labels.index.to_series(), index=False).values
    ).hexdigest()
    names = tuple(sorted(segmentation.segment_names.items()))
    key = (seg.data_key(data), labels, ids, names, value.columns, value.status)
    return _MEASURES.get_or_compute(
        key, lambda: segment_measures(data.customers, data.schema, segmentation, value)
    )


def stored_choice(data: CustomerData) -> ValueChoice:
    """The customer value choice of the session's config, when it belongs to this data (the
    same file, whatever its column meanings; or a config just loaded from a link)."""
    config = st.session_state.get(CONFIG)
    if config is None or not _same_source(data):
        return ValueChoice()
    return config.value


def _same_source(data: CustomerData) -> bool:
    source = data.source.content_sha256
    return st.session_state.get(SOURCE_KEY, source) == source


def current_config(
    data: CustomerData, segmentation: Segmentation, facts: SegmentMeasures
) -> TargetingConfig:
    """The last valid config for this segmentation; a fresh one when the data or the
    segmentation changed. Weights, campaign costs and the customer value choice carry over
    while the file stays the same (a column meaning edited, predictions joined)."""
    config = st.session_state.get(CONFIG)
    # no key yet: a config just loaded from a link or project file belongs to this data
    same_data = st.session_state.get(DATA_KEY, seg.data_key(data)) == seg.data_key(data)
    if (
        config is None
        or not same_data
        or config.segmentation != segmentation.title
        or set(config.segments) != set(segmentation.segment_ids)
    ):
        keys = default_key_columns(data.schema)
        keep = config is not None and _same_source(data)
        previous = replace(config, key_columns=keys) if keep else None
        config = initial_config(facts, segmentation, previous, keys)
        load_config(config)
        st.session_state[DATA_KEY] = seg.data_key(data)
    st.session_state[SOURCE_KEY] = data.source.content_sha256
    if facts.value is not None and config.value != facts.value.choice:
        config = replace(config, value=facts.value.choice)
    return config


def load_config(config: TargetingConfig) -> None:
    """Make ``config`` the targeting inputs and reseed every widget from it."""
    st.session_state[CONFIG] = config
    st.session_state.pop(DATA_KEY, None)
    st.session_state.pop(SOURCE_KEY, None)
    for key in [*WIDGET_KEYS, *(f"tgt_w_{c.key}" for c in CRITERIA)]:
        st.session_state.pop(key, None)
    for key in [k for k in st.session_state if str(k).startswith("tgt_editor_")]:
        st.session_state.pop(key, None)


def seed(key: str, value: object) -> None:
    """Give widget ``key`` its first value, unless it already has one."""
    if key not in st.session_state:
        st.session_state[key] = value


def show_error(err: SegmentationError) -> None:
    """Show why an entry cannot be used, and that the last valid results stay."""
    st.error(f"{err}{KEEPING}", icon=":material/error:")


def editor_key(part: str, segmentation: Segmentation) -> str:
    """A data-editor key per segmentation (``load_config`` clears them all by its prefix)."""
    digest = hashlib.sha256(segmentation.title.encode()).hexdigest()[:10]
    return f"tgt_editor_{part}_{digest}"


def save(config: TargetingConfig) -> None:
    """Keep ``config`` as the last valid targeting inputs (widgets keep their own values)."""
    st.session_state[CONFIG] = config
