"""Monitor: how did customers move between segments since last time?"""

import streamlit as st

from segmentation import SegmentationError
from ui import cluster_views, messages, monitor_views, segments_state, state
from ui.share_views import render_share_controls

render_share_controls()
st.title("Monitor")
st.caption(
    "Load a later snapshot of your customers: they are placed in the active segments, so you "
    "can see who moved where, how segments grew, shrank or changed, and which need a look."
)
messages.show_flash()
data = state.active_data()
cluster_views.ensure_segments(data)
active = segments_state.active_segmentation()
if active is None:
    st.info("No segments yet: create them on the Segments page, then come back to monitor.")
    st.stop()

st.caption(
    f"Segments of **{active.title}** on **{data.source.name}** (change them on the Data and "
    "Segments pages)."
)
source = monitor_views.render_source(data)
try:
    if source == monitor_views.BY_DATE:
        cut = monitor_views.render_cut(data)
        config = monitor_views.thresholds()
        report, placed, model = monitor_views.compare_by_date(data, active, cut, config)
        name, which = f"sample_{cut:%Y-%m-%d}.csv", "earlier"
    else:
        snapshot = monitor_views.render_snapshot_input()
        if snapshot is None:
            st.info(
                "Upload a second snapshot with the same columns, e.g. next month's export, to "
                "compare.",
                icon=":material/upload_file:",
            )
            st.stop()
        config = monitor_views.thresholds()
        report, placed, model = monitor_views.compare(data, active, snapshot, config)
        name, which = snapshot.source.file_name, "second"
except SegmentationError as err:
    st.error(f"{err}\n\nNothing was compared.", icon=":material/error:")
    st.stop()
monitor_views.render_report(report)
monitor_views.render_downloads(placed, model, name, which)
