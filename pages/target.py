"""Target: where do we put the money?"""

import streamlit as st

from ui import (
    cluster_views,
    messages,
    segments_state,
    state,
    target_campaign,
    target_export,
    target_scoring,
    target_state,
    target_value,
)
from ui.share_views import render_share_controls

render_share_controls()
st.title("Target")
st.caption(
    "Score segments by attractiveness with your own weights, see them on a portfolio chart, "
    "work out what a campaign would return, split a budget, and export the target customers."
)
messages.show_flash()
data = state.active_data()
cluster_views.ensure_segments(data)
active = segments_state.active_segmentation()
if active is None:
    st.info("No segments yet: create them on the Segments page, then come back to target.")
    st.stop()

st.caption(f"Targeting the segments of **{active.title}** (change it on the Segments page).")
value = target_value.render_value_picker(data)
facts = target_state.measures(data, active, value)
config = target_state.current_config(data, active, facts)

st.subheader("1 · How attractive is each segment?")
config, scores = target_scoring.render_scoring(active, facts, config)

st.subheader("2 · Targets and what a campaign would return")
config, roi = target_campaign.render_campaign(data, active, facts, config)

st.subheader("3 · Budget")
config, budget = target_campaign.render_budget(config, roi)

st.subheader("4 · Export")
config = target_export.render_export(data, active, facts, config, scores, roi, budget)
target_state.save(config)
