"""Data: is my data in, and is it right?"""

import streamlit as st

from ui import data_views, join_views, messages, state
from ui.share_views import render_share_controls

render_share_controls()
st.title("Data")
st.caption("Bring your customers in and check that the app understood them.")

messages.show_flash()
data = state.active_data()
data_views.render_source_banner(data)
data_views.render_upload()
data_views.render_example_button()
join_views.render_join(data)

pending = state.pending_orders()
if pending is not None:
    data_views.render_orders_mapping(pending)

st.subheader("Data quality")
data_views.render_quality_summary(data)
data_views.render_report_details(data)

st.subheader("Columns")
st.caption(
    "Each column's detected type, its meaning (and why), its role and its segmentation base. "
    "Change a meaning, role or base in the table; the app checks the change before using it."
)
data_views.render_customer_key(data)
data_views.render_feature_cap(data)
data_views.render_column_editor(data)
data_views.render_meaning_glossary()

st.subheader("Customers")
data_views.render_preview(data)
