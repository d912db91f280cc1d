"""Compare: how do these groups differ?"""

import streamlit as st

from segmentation import SegmentationError
from ui import cluster_views, compare_views, messages, segments_state, state
from ui.share_views import render_share_controls

render_share_controls()
st.title("Compare")
st.caption(
    "Put segments side by side: key figures, which differences are real (tested, with effect "
    "sizes), how they are spread, and how two segmentations overlap."
)
messages.show_flash()
data = state.active_data()
cluster_views.ensure_segments(data)
active = segments_state.active_segmentation()
if active is None:
    st.info("No segments yet: create them on the Segments page, then come back to compare.")
    st.stop()

st.caption(f"Active segmentation: **{active.title}** (change it on the Segments page).")
choice = compare_views.choose_groups(active)
config = compare_views.method_settings()
if choice is not None:
    try:
        result = compare_views.comparison(data, choice, config)
        st.subheader("Key figures")
        compare_views.render_kpis(data, choice, result)
        st.subheader("What differs, and is it real?")
        compare_views.render_differences(result)
        st.subheader("Distributions")
        compare_views.render_distributions(data, choice, result)
    except SegmentationError as err:
        st.error(str(err), icon=":material/error:")

st.subheader("Overlap between two segmentations")
compare_views.render_overlap(data, active)
