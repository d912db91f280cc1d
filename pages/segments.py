"""Segments: what groups are there?"""

import streamlit as st

from ui import (
    cluster_views,
    messages,
    overview_views,
    rfm_views,
    rule_views,
    segments_state,
    state,
)
from ui.share_views import render_share_controls

render_share_controls()
st.title("Segments")
st.caption(
    "Find groups of similar customers by clustering, define them with rules, or use RFM scores. "
    "Every segmentation you create is kept; the active one feeds the other pages."
)
messages.show_flash()
data = state.active_data()
cluster_views.ensure_segments(data)

active = overview_views.render_picker()
segments_state.open_pending_tab()
overview, clusters, rules, rfm = st.tabs(
    [segments_state.OVERVIEW_TAB, "Clusters", "Rules", "RFM"],
    key=segments_state.TAB_KEY,
    on_change="rerun",
)
if overview.open:
    with overview:
        if active is None:
            st.info("No segmentation yet: create one in the Clusters, Rules or RFM tab.")
        else:
            overview_views.render_overview(data, active)
if clusters.open:
    with clusters:
        cluster_views.render_cluster_builder(data)
if rules.open:
    with rules:
        rule_views.render_rule_builder(data)
if rfm.open:
    with rfm:
        rfm_views.render_rfm_builder(data)
