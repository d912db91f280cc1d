"""Predictions: who will buy again, how much, and how well that held on the data's own past."""

import streamlit as st

from segmentation import SegmentationError
from ui import messages, predict_views, state
from ui.share_views import render_share_controls

render_share_controls()
st.title("Predictions")
st.caption(
    "Every customer's expected orders, churn risk and customer lifetime value (CLV), predicted "
    "from their order history, and an honest check of how well the same model predicted the "
    "last months of this data."
)
messages.show_flash()
data = state.active_data()
try:
    history = predict_views.order_history(data)
except SegmentationError as err:
    st.info(str(err), icon=":material/receipt_long:")
    st.stop()

config, holdout_config = predict_views.render_settings(history)
try:
    result = predict_views.predictions(history, config)
except SegmentationError as err:
    st.error(f"{err}\n\nNo predictions were made.", icon=":material/error:")
    st.stop()
predict_views.render_summary(result)
predict_views.render_table(result)
predict_views.render_model(result)
try:
    check = predict_views.check(history, holdout_config)
except SegmentationError as err:
    st.warning(f"The hold-out check could not run: {err}", icon=":material/warning:")
else:
    predict_views.render_check(check)
predict_views.render_use(data, result)
