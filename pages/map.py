"""Map: every customer as a point, similar customers close together; lasso a group."""

import streamlit as st

from ui import (
    cluster_views,
    map_state,
    map_views,
    messages,
    overview_views,
    segments_state,
    state,
)
from ui.share_views import render_share_controls

render_share_controls()
st.title("Map")
st.caption(
    "Every customer is a point and similar customers sit close together, so groups show up as "
    "clumps. Colour the map by segment or any column, and lasso a group to see what sets it "
    "apart and keep it as a segment."
)
messages.show_flash()
data = state.active_data()
top = st.container()
config = map_views.render_settings(data)
with top:
    if segments_state.active_segmentation() is None and not segments_state.segmentations():
        map_state.start_default_map(data, config)
        cluster_views.create_default(data)
    active = overview_views.render_picker()
controls = map_views.render_view_controls(data, active)
prepared = map_views.prepare(data, active, config)
if prepared is not None:
    matrix, key = prepared
    embedding = map_views.render_map_or_progress(key, matrix, config, controls[2])
    if embedding is not None:
        map_views.render_map(data, active, embedding, key, controls, matrix)
    map_views.render_selection(data, active, matrix, key, ready=embedding is not None)
