"""Segment Studio: customer segmentation and targeting for marketers."""

import streamlit as st

st.set_page_config(page_title="Segment Studio", page_icon=":material/donut_small:", layout="wide")
st.navigation(
    [
        st.Page("pages/data.py", title="Data", icon=":material/table_view:", default=True),
        st.Page("pages/predict.py", title="Predictions", icon=":material/insights:"),
        st.Page("pages/segments.py", title="Segments", icon=":material/donut_small:"),
        st.Page("pages/map.py", title="Map", icon=":material/scatter_plot:"),
        st.Page("pages/personas.py", title="Personas", icon=":material/badge:"),
        st.Page("pages/compare.py", title="Compare", icon=":material/compare_arrows:"),
        st.Page("pages/target.py", title="Target", icon=":material/target:"),
        st.Page("pages/monitor.py", title="Monitor", icon=":material/monitoring:"),
    ]
).run()
