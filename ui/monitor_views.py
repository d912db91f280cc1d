"""The Monitor page: a second snapshot placed in the active segments, movements and drift.

The second snapshot is an upload kept in this session's memory only (never on disk, never
shared). The active segmentation becomes a
:class:`segmentation.sharing.reuse.SegmentModel` (cached per data content and labels, bounded),
which places the new customers in the same segments; the same model can be downloaded for
``python -m segmentation assign``. When the active data has prediction columns, the other
snapshot's are recomputed from its own orders with the same settings (for the sample at an
earlier date: as of that date), so segments on churn risk or predicted CLV are monitored like
any other.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import replace

import pandas as pd
import streamlit as st

from segmentation import CustomerData, SegmentationError
from segmentation.charts.monitor import movement_sankey, share_change_chart
from segmentation.predicting.columns import prediction_columns
from segmentation.predicting.eligibility import PredictionError
from segmentation.predicting.history import OrderHistory, data_order_history
from segmentation.segmenting.segments import Segmentation
from segmentation.sharing.monitoring import (
    MonitorConfig,
    MonitorError,
    MonitorReport,
    monitor,
    sample_as_of,
    with_snapshot_predictions,
)
from segmentation.sharing.reuse import SegmentModel, assign_customers, fit_segment_model, save_model
from segmentation.targeting.spreadsheets import to_csv_bytes
from ui import persona_state, predict_state, state
from ui import segments_state as seg
from ui.cache import BoundedCache

SNAPSHOT = "monitor_snapshot"  # (upload digest, CustomerData)
UPLOAD, BY_DATE = "A later snapshot (upload)", "The sample at an earlier date"
_MODELS = BoundedCache(max_entries=6)
_EARLIER = BoundedCache(max_entries=4)  # the bundled sample as of a date: no user data


def render_source(data: CustomerData) -> str:
    """Where the other snapshot comes from: an upload, or (for the sample) an earlier date."""
    if data.source.kind != "sample" or data.orders is None:
        return UPLOAD
    return st.radio(
        "Compare with",
        [UPLOAD, BY_DATE],
        horizontal=True,
        key="mon_source",
        help="Upload a later export of the same customers, or split the sample's orders at a "
        "date: its customers as they were then are compared with today's.",
    )


def render_cut(data: CustomerData):
    """The date splitting the sample's orders (default: a year before the last order)."""
    start, end = data.orders.period_start.date(), data.orders.period_end.date()
    default = max(start, (data.orders.period_end - pd.Timedelta(days=365)).date())
    return st.date_input(
        "Earlier snapshot: customers as they were at the end of",
        default,
        min_value=start,
        max_value=end,
        key="mon_cut",
        help="Orders after this day are left out of the earlier snapshot, so its recency, "
        "frequency and spend are those of that day; customers who had not ordered yet are "
        "new in today's snapshot.",
    )


def compare_by_date(
    data: CustomerData, segmentation: Segmentation, cut, config: MonitorConfig
) -> tuple[MonitorReport, pd.Series, SegmentModel]:
    """The sample at ``cut`` placed in the active segments, compared with today's segments."""
    model = segment_model(data, segmentation)
    earlier = _EARLIER.get_or_compute(
        str(cut), lambda: sample_as_of(pd.Timestamp(cut), data.customers)
    )
    as_of = pd.Timestamp(cut).date().isoformat()
    earlier = _predicted(data, model, earlier, data_order_history(data), as_of)
    before = assign_customers(model, earlier)
    id_column = data.schema.id_column
    features = [c for c in _features(data, segmentation) if c in earlier.columns]
    report = monitor(
        earlier.set_index(id_column),
        before,
        data.customers.set_index(id_column),
        segmentation.named_labels(),
        features,
        config,
    )
    return report, before, model


def segment_model(data: CustomerData, segmentation: Segmentation) -> SegmentModel:
    """The active segmentation as a model for new customers (cached, shared, bounded)."""
    key = (
        seg.data_key(data),
        persona_state.labels_key(segmentation),
        json.dumps(dict(segmentation.settings), sort_keys=True, default=str),
    )
    model = _MODELS.get_or_compute(
        key, lambda: fit_segment_model(data.customers, data.schema, segmentation)
    )
    names = {int(k): str(v) for k, v in segmentation.segment_names.items()}
    return SegmentModel(**{**model.__dict__, "segment_names": names, "title": segmentation.title})


def render_snapshot_input() -> CustomerData | None:
    """The uploader for the second snapshot; returns it once read (kept for the session)."""
    upload = st.file_uploader(
        "Second snapshot: the same customers at a later date",
        type=["csv", "tsv", "txt", "gz", "xlsx", "xls", "parquet"],
        key="mon_upload",
        help="A customer export with the same columns as the active data, e.g. next month's. "
        "Its customers are placed in the active segments. It stays in your session's memory "
        "and is never saved on the server.",
    )
    kept = st.session_state.get(SNAPSHOT)
    if upload is None:
        return kept[1] if kept else None
    content = upload.getvalue()
    digest = hashlib.sha256(content).hexdigest()
    if kept and kept[0] == digest:
        return kept[1]
    try:
        with st.spinner(f"Reading {upload.name}…"):
            snapshot = _read(content, upload.name)
    except SegmentationError as err:
        st.error(f"{err}\n\nNothing was compared.", icon=":material/error:")
        return kept[1] if kept else None
    st.session_state[SNAPSHOT] = (digest, snapshot)
    return snapshot


def _read(content: bytes, name: str) -> CustomerData:
    outcome = state.read_upload(content, name, max_mb=state.upload_limit_mb())
    if isinstance(outcome, state.PendingOrders):  # orders: aggregate with the suggested mapping
        outcome = state.aggregate_pending(outcome, outcome.suggested)
    return outcome


def thresholds() -> MonitorConfig:
    """The flag thresholds from two sliders."""
    left, right = st.columns(2)
    size = left.slider(
        "Flag a segment whose share changed by at least (points)",
        1.0,
        30.0,
        5.0,
        0.5,
        key="mon_size_threshold",
        help="Percentage points of all customers: 5 flags a segment going from 20 % to 25 % "
        "of customers, or to 15 %.",
    )
    profile = right.slider(
        "Flag a profile shift of at least",
        0.1,
        2.0,
        0.3,
        0.05,
        key="mon_profile_threshold",
        help="For numbers, the change of a segment's average in standard deviations (0.2 "
        "small, 0.5 medium, 0.8 large); for categories, the share of customers whose category "
        "would have to change to match (0 = same mix, 1 = nothing in common).",
    )
    return MonitorConfig(size, profile)


def compare(
    data: CustomerData,
    segmentation: Segmentation,
    snapshot: CustomerData,
    config: MonitorConfig,
) -> tuple[MonitorReport, pd.Series, SegmentModel]:
    """Place the snapshot's customers in the active segments and compare the two snapshots."""
    model = segment_model(data, segmentation)
    history = data_order_history(snapshot) if snapshot.orders is not None else None
    customers = _predicted(data, model, snapshot.customers, history, None)
    after = assign_customers(model, customers)
    before = segmentation.named_labels()
    features = [c for c in _features(data, segmentation) if c in customers.columns]
    report = monitor(
        data.customers.set_index(data.schema.id_column),
        before,
        customers.set_index(snapshot.schema.id_column),
        after,
        features,
        config,
    )
    return report, after, model


def _predicted(
    data: CustomerData,
    model: SegmentModel,
    frame: pd.DataFrame,
    history: OrderHistory | None,
    as_of: str | None,
) -> pd.DataFrame:
    """The other snapshot with the active data's prediction columns recomputed from its own
    orders (same horizon and discount rate); raises ``MonitorError`` when the segments need
    them and they cannot be made."""
    config = predict_state.table_config(data)
    if config is None:
        return frame
    columns = prediction_columns(data)
    needed = [c for c in columns if c in model.columns]
    try:
        predictions = None
        if history is not None:
            predictions = predict_state.predictions_now(history, replace(config, as_of=as_of))
    except PredictionError as err:
        if needed:
            raise MonitorError(
                f"The segments use prediction columns ({', '.join(needed)}), and they could "
                f"not be recomputed for the other snapshot: {err}"
            ) from None
        return frame.drop(columns=[c for c in columns if c in frame])
    id_column = model.id_column if model.id_column in frame else data.schema.id_column
    return with_snapshot_predictions(frame, id_column, columns, predictions, needed)


def _features(data: CustomerData, segmentation: Segmentation) -> list[str]:
    columns = segmentation.settings.get("features", {}).get("columns")
    return list(columns) if columns else list(data.schema.features())


def render_report(report: MonitorReport) -> None:
    """Headline numbers, flags, the Sankey, the transition table and the drift table."""
    moved = report.movements
    cells = st.columns(4)
    cells[0].metric("Customers, first snapshot", f"{moved.n_before:,}")
    cells[1].metric("Customers, second snapshot", f"{moved.n_after:,}")
    cells[2].metric("In both", f"{moved.n_both:,}")
    cells[3].metric(
        "Kept their segment",
        "–" if not moved.n_both else f"{moved.stayed_share:.0%}",
        help="Share of the customers in both snapshots who are in the same segment in both.",
    )
    if report.flagged:
        for drift in report.flagged:
            st.warning(
                f"**{drift.segment}** " + "; ".join(drift.reasons) + ".", icon=":material/flag:"
            )
    else:
        st.success("No segment changed beyond the thresholds.", icon=":material/check_circle:")
    st.markdown("**Where customers went**")
    st.plotly_chart(movement_sankey(moved), width="stretch", key="mon_sankey")
    shares = st.toggle(
        "Show as shares of each first-snapshot segment",
        key="mon_row_shares",
        help="Off: numbers of customers. On: where each segment's customers went, as shares.",
    )
    table = moved.row_shares() if shares else moved.counts
    st.dataframe(
        table.style.format("{:.0%}" if shares else "{:,}"), width="stretch", key="mon_transitions"
    )
    st.markdown("**How segments drifted**")
    st.plotly_chart(share_change_chart(report), width="stretch", key="mon_shares")
    st.dataframe(
        report.drift_table(),
        hide_index=True,
        width="stretch",
        key="mon_drift",
        column_config={
            "share before": st.column_config.NumberColumn(format="percent"),
            "share after": st.column_config.NumberColumn(format="percent"),
            "change (points)": st.column_config.NumberColumn(format="%+.1f"),
            "shift": st.column_config.NumberColumn(
                format="%+.2f",
                help="Standard deviations for numbers; share of customers for categories.",
            ),
        },
    )


def render_downloads(
    labels: pd.Series, model: SegmentModel, file_name: str, which: str = "second"
) -> None:
    """The placed snapshot's segments as CSV, and the model for the command line."""
    after = labels
    left, right = st.columns(2)
    left.download_button(
        f"Download the {which} snapshot's segments (CSV)",
        to_csv_bytes(after.rename_axis(model.id_column).reset_index()),
        file_name=f"segments_{file_name.rsplit('.', 1)[0]}.csv",
        mime="text/csv",
        on_click="ignore",
        key="mon_download_labels",
        icon=":material/download:",
        help=f"One row per customer of the {which} snapshot: customer id and segment.",
    )
    buffer = io.BytesIO()
    save_model(model, buffer)
    right.download_button(
        "Download model (for new files)",
        buffer.getvalue(),
        file_name="segment-model.joblib",
        mime="application/octet-stream",
        on_click="ignore",
        key="mon_download_model",
        icon=":material/model_training:",
        help="The active segmentation ready for new customer files: run "
        "`python -m segmentation assign segment-model.joblib customers.csv segments.csv`. "
        "Files of any size are read in chunks. Only open model files you trust.",
    )
