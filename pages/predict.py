"""Predictions: who will buy again, how much, and how well that held on the data's own past."""

import streamlit as st

from segmentation import SegmentationError
from ui import messages, predict_state, predict_views, state
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

config, holdout_config = predict_views.render_settings(data, history)
outcome = predict_state.request(history, config, holdout_config)  # fits in the background
if outcome.prediction_error is not None:
    st.error(f"{outcome.prediction_error}\n\nNo predictions were made.", icon=":material/error:")
    st.stop()
if outcome.predictions is None:
    predict_views.render_progress(outcome.job, predictions_ready=False)
    st.stop()
result = outcome.predictions
predict_views.render_summary(result)
predict_views.render_table(result)
predict_views.render_model(result)
if outcome.check_error is not None:
    st.warning(
        f"The hold-out check could not run: {outcome.check_error}", icon=":material/warning:"
    )
elif outcome.check is None:
    st.subheader("How good is it, on this data?")
    predict_views.render_progress(outcome.job, predictions_ready=True)
else:
    predict_views.render_check(outcome.check)
predict_views.render_use(data, result)
