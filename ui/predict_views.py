"""The Predictions page's pieces: settings, the summary and table, the hold-out check, and
joining the predictions to the customer table with the ready-made "Value × risk" segments.

Fitting runs in the background (:mod:`ui.predict_state`): while it runs the page shows its
steps and a progress bar, updated by a fragment every quarter second, and the rest of the app
stays usable; the results appear once ready (predictions first, then the hold-out check).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from segmentation import CustomerData
from segmentation.charts.predict import holdout_by_past_orders_chart, holdout_tracking_chart
from segmentation.predicting.columns import prediction_columns, with_predictions
from segmentation.predicting.history import OrderHistory, data_order_history
from segmentation.predicting.holdout import (
    HOLDOUT_SHARE,
    MAX_HOLDOUT_SHARE,
    MIN_HOLDOUT_SHARE,
    HoldoutCheck,
    HoldoutConfig,
)
from segmentation.predicting.predictions import (
    CHURN_HIGH_FROM,
    CHURN_LEVELS,
    CHURN_MEDIUM_FROM,
    CHURN_WINDOW_DAYS,
    HORIZON_DAYS,
    KNOWN_LIMITS,
    MAX_HORIZON_DAYS,
    MIN_HORIZON_DAYS,
    PredictionConfig,
    Predictions,
    column_labels,
)
from segmentation.predicting.settings import PredictionSettings
from segmentation.segmenting.value_risk import value_risk_rules, value_risk_segmentation
from ui import predict_state, rule_views, state
from ui import segments_state as seg
from ui.messages import flash
from ui.predict_state import AS_OF, DISCOUNT, HOLDOUT, HORIZON, PredictionJob

PERSIST = "session"
POLL_SECONDS = 0.25
PARAMETER_WORDS = {
    "r": "how often customers order: shape of the spread of order rates",
    "alpha": "how often customers order: scale (days; larger means slower ordering)",
    "a": "how soon customers stop: shape of the spread of drop-out chances",
    "b": "how soon customers stop: second shape (a / (a + b) is the mean chance of stopping "
    "after an order)",
    "p": "spend per order: shape of each customer's spread around their mean",
    "q": "spend per order: shape of the spread of customers' mean spend",
    "gamma": "spend per order: scale of customers' mean spend",
}


def render_settings(
    data: CustomerData, history: OrderHistory
) -> tuple[PredictionConfig, HoldoutConfig]:
    """The horizon, discount rate, as-of date and hold-out share, each with its help."""
    first, last = history.first_date.date(), history.last_date.date()
    chosen = st.session_state.get(AS_OF)
    if chosen is not None and not first <= chosen <= last:  # a date of other orders
        st.session_state.pop(AS_OF)
    cells = st.columns(4)
    horizon = cells[0].slider(
        "Horizon (days)",
        MIN_HORIZON_DAYS,
        MAX_HORIZON_DAYS,
        HORIZON_DAYS,
        step=5,
        key=HORIZON,
        persist_state=PERSIST,
        help="How far ahead expected orders and predicted CLV are counted (365 is a year).",
    )
    discount = cells[1].number_input(
        "Discount rate (% per year)",
        0.0,
        99.0,
        0.0,
        step=1.0,
        key=DISCOUNT,
        persist_state=PERSIST,
        help="Future spend is worth less than spend today: at 10 %, spend a year from now "
        "counts 10 % less in predicted CLV. Use 0 to add it up as it comes.",
    )
    as_of = cells[2].date_input(
        "Predict from (as-of date)",
        last,
        min_value=first,
        max_value=last,
        key=AS_OF,
        persist_state=PERSIST,
        help="Orders up to this day are the history; predictions start the day after. The "
        "default is the last order in the data.",
    )
    share = cells[3].slider(
        "Hold-out share for the check (%)",
        round(MIN_HOLDOUT_SHARE * 100),
        round(MAX_HOLDOUT_SHARE * 100),
        round(HOLDOUT_SHARE * 100),
        step=5,
        key=HOLDOUT,
        persist_state=PERSIST,
        help="The check refits the model without this last part of the history and compares "
        "its predictions with what customers then did (25 % is the last quarter).",
    )
    as_of_text = None if as_of == last else as_of.isoformat()
    config = PredictionConfig(int(horizon), float(discount) / 100, as_of_text)
    predict_state.remember_page_settings(data, PredictionSettings(config, share / 100))
    return config, HoldoutConfig(share / 100, as_of_text)


def render_progress(job: PredictionJob, predictions_ready: bool) -> None:
    """The running job's steps and progress bar (updated in place until it is done)."""
    # not `with st.status(...)`: leaving that block marks the status complete while the
    # work still runs
    what = "Checking on the held-out months" if predictions_ready else "Predicting every customer"
    status = st.status(f"{what}…", expanded=True, state="running")
    status.caption(
        "This runs in the background: you can keep working on other pages meanwhile, and the "
        "results appear here when they are ready."
    )
    with status.container():
        _progress(job.key, predictions_ready)


@st.fragment(run_every=POLL_SECONDS)
def _progress(key: str, predictions_ready: bool) -> None:
    job = predict_state.job(key)
    if job is None or job.future.done() or (job.predicted and not predictions_ready):
        st.rerun(scope="app")
    current = job.steps[job.step] if job.step >= 0 else "Waiting for a free worker"
    st.progress(job.share, text=f"{current}… ({job.elapsed:.1f} s)")
    st.markdown("  \n".join(f"{_icon(i, job.step)} {s}" for i, s in enumerate(job.steps)))


def _icon(step: int, running: int) -> str:
    if step < running:
        return ":material/check_circle:"  # done
    return ":material/progress_activity:" if step == running else ":material/schedule:"


def render_summary(result: Predictions) -> None:
    """Customers scored, predicted orders and CLV totals, and the churn risk levels."""
    customers, horizon = result.customers, result.config.horizon_days
    levels = customers["churn_risk_level"].value_counts()
    cells = st.columns(3)
    cells[0].metric("Customers scored", f"{len(customers):,}")
    orders, clv = customers["expected_orders"].sum(), customers["predicted_clv"].sum()
    cells[1].metric(f"Predicted orders, next {horizon} days", f"{orders:,.0f}")
    cells[2].metric(f"Predicted CLV, next {horizon} days", f"{clv:,.0f}")
    for cell, level in zip(st.columns(len(CHURN_LEVELS)), CHURN_LEVELS, strict=True):
        cell.metric(f"{level} churn risk", f"{int(levels.get(level, 0)):,}")
    st.caption(
        f"Churn risk is the chance of **no order in the next {CHURN_WINDOW_DAYS} days**: Low "
        f"below {CHURN_MEDIUM_FROM:.0%}, Medium from {CHURN_MEDIUM_FROM:.0%} to below "
        f"{CHURN_HIGH_FROM:.0%}, High from {CHURN_HIGH_FROM:.0%}. Predictions start after "
        f"{result.model.as_of:%d %b %Y}." + "".join(f" {note}" for note in result.notes)
    )


def render_table(result: Predictions) -> None:
    """One row per customer, most valuable first, with readable column names."""
    labels = column_labels(result.config)
    table = result.customers.sort_values("predicted_clv", ascending=False).reset_index()
    table = table.rename(columns={**labels, table.columns[0]: "customer"})
    percent = {labels[c]: st.column_config.NumberColumn(format="percent") for c in
               ("p_order_90d", "churn_risk")}  # fmt: skip
    money = {
        labels[c]: st.column_config.NumberColumn(format="%.2f")
        for c in ("expected_order_value", "predicted_clv", "historic_value", "total_value")
    }
    other = {
        labels["expected_orders"]: st.column_config.NumberColumn(format="%.2f"),
        labels["days_between_orders"]: st.column_config.NumberColumn(format="%.0f"),
        labels["expected_next_order"]: st.column_config.DateColumn(format="YYYY-MM-DD"),
    }
    st.dataframe(table, hide_index=True, column_config={**percent, **money, **other}, height=320)


def render_model(result: Predictions) -> None:
    """The fitted parameters and the known limits, in expanders."""
    with st.expander("Known limits of these predictions", icon=":material/info:"):
        st.markdown("\n".join(f"- {limit}" for limit in KNOWN_LIMITS))
    with st.expander("Fitted model parameters", icon=":material/functions:"):
        st.caption(
            "Orders follow the BG/NBD model (Fader, Hardie & Lee 2005), spend per order the "
            "Gamma-Gamma model (Fader & Hardie 2013), both fitted by maximum likelihood on "
            f"the orders up to {result.model.as_of:%d %b %Y}; time is in days."
        )
        parameters = result.model.parameters()
        st.dataframe(
            pd.DataFrame(
                {
                    "parameter": list(parameters),
                    "value": [round(v, 4) for v in parameters.values()],
                    "what it describes": [PARAMETER_WORDS[k] for k in parameters],
                }
            ),
            hide_index=True,
        )


def render_check(result: HoldoutCheck) -> None:
    """Predicted vs actual orders in the held-out days: the verdict, numbers and charts."""
    st.subheader("How good is it, on this data?")
    show = {"good": st.success, "fair": st.info, "poor": st.warning}[result.quality]
    show(result.verdict, icon=":material/fact_check:")
    cells = st.columns(4)
    cells[0].metric("Predicted repeat orders", f"{result.predicted_orders:,.0f}")
    cells[1].metric("Actual repeat orders", f"{result.actual_orders:,}")
    cells[2].metric("Total error", f"{result.total_error_pct:+.1f} %")
    auc = "not measurable" if pd.isna(result.auc) else f"{result.auc:.2f}"
    cells[3].metric("Churn risk ranking (AUC)", auc)
    left, right = st.columns(2)
    left.plotly_chart(holdout_by_past_orders_chart(result), key="pred_chart_groups")
    right.plotly_chart(holdout_tracking_chart(result), key="pred_chart_tracking")


def render_use(data: CustomerData, result: Predictions) -> None:
    """The button that joins the predictions to the customer table and adds the segments."""
    st.subheader("Use predictions in my segments")
    st.markdown(
        "Adds the predictions to your customer table as behavioral columns, so rules, "
        "clustering, personas, Compare and Target can use them like any column, and creates "
        "the ready-made **Value × risk** segments (high value at risk, high value loyal, low "
        "value lapsing, low value active), whose rules you can edit on the Segments page."
    )
    if not st.button(
        "Use predictions in my segments",
        type="primary",
        icon=":material/add_chart:",
        key="pred_use",
        help="Join the prediction columns to the customer table and make the Value × risk "
        "segmentation active. Your data and other segmentations stay as they are.",
    ):
        if prediction_columns(data):
            st.caption(
                "The customer table already has prediction columns; press again to replace "
                "them with these settings' predictions."
            )
        return
    # everything that can fail runs before the session changes, so a failure keeps it as it was
    joined = with_predictions(data, result)
    segmentation = value_risk_segmentation(joined.customers, joined.id_column)
    state.set_active_data(joined)
    st.session_state[predict_state.TABLE_CONFIG] = result.config.to_dict()
    saved = seg.save_segmentation(segmentation)
    _offer_rules(joined)
    flash(
        "success",
        f"Added {len(joined.customers.columns) - len(data.customers.columns) or 'the'} "
        f"prediction columns and made **{saved.title}** active "
        f"({', '.join(f'{n}: {c:,}' for n, c in saved.sizes().items())}).",
    )
    st.rerun()


def _offer_rules(data: CustomerData) -> None:
    """Put the Value × risk rules in the Segments page's rule builder (once), ready to edit."""
    names = {rule.name for rule in value_risk_rules()}
    drafts = st.session_state.get(rule_views.DRAFTS)
    if drafts is None:
        st.session_state[rule_views.DRAFTS] = []
    elif any(draft["name"] in names for draft in drafts):
        return
    for rule in value_risk_rules():
        rule_views.add_rule_draft(data, rule)


def order_history(data: CustomerData) -> OrderHistory:
    """The orders behind the active data (raises ``PredictionError`` when it has none)."""
    return data_order_history(data)
