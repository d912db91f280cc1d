"""The RFM tab: map recency / frequency / monetary, edit the named-segment table, save."""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import streamlit as st

from segmentation import CustomerData, SegmentationError
from segmentation.charts.segments import rf_heatmap
from segmentation.segmenting.rfm import rfm_segment
from segmentation.segmenting.rfm_scoring import RfmColumns, find_rfm_columns, rf_grid
from segmentation.segmenting.rfm_table import (
    DEFAULT_RFM_TABLE,
    rfm_table_from_records,
    rfm_table_to_records,
)
from ui import segments_state as seg

RECORDS = "rfm_records"
PERSIST = "session"
MEASURES = (
    ("recency", "Recency (days since last order)", "Fewer days = more recent = higher R score."),
    ("frequency", "Frequency (number of orders)", "More orders = higher F score."),
    ("monetary", "Monetary (total spend)", "More spend = higher M score."),
)


def render_rfm_builder(data: CustomerData) -> None:
    """Column mapping, the editable table, a preview of the segments and the save button."""
    st.markdown(
        "Score every customer 1–5 on **R**ecency, **F**requency and **M**onetary value by "
        "quintile (5 = best), then name segments by score ranges. The first row a customer "
        "matches wins; customers matching no row go to **Other**."
    )
    columns = _mapping(data)
    if columns is None:
        return
    table = _table_editor()
    if table is None:
        return
    try:
        result = rfm_segment(data.customers, data.id_column, columns, table)
    except SegmentationError as err:
        st.error(f"{err}\n\nThe active segmentation is unchanged.", icon=":material/error:")
        return
    _render_result(result)
    if st.button(
        "Create RFM segments",
        type="primary",
        key="rfm_save",
        help="Save these RFM segments and make them the active segmentation.",
    ):
        saved = seg.save_segmentation(result.segmentation)
        seg.show_overview(f"Saved **{saved.title}** and made it active.")


def _mapping(data: CustomerData) -> RfmColumns | None:
    numeric = [c.name for c in data.schema.columns if c.kind == "numeric"]
    if len(numeric) < 3:
        st.info(
            "RFM needs three number columns: days since the last order, number of orders and "
            "total spend. Upload an orders file (the Data page turns it into these) or a "
            "customer file that has them.",
            icon=":material/info:",
        )
        return None
    found = find_rfm_columns(data.schema)
    if found is None:
        st.info(
            "No recency, frequency and monetary columns were recognised by name; map them below.",
            icon=":material/info:",
        )
    cells = st.columns(3)
    chosen = {}
    for cell, (measure, label, help_text) in zip(cells, MEASURES, strict=True):
        default = getattr(found, measure) if found else numeric[0]
        chosen[measure] = cell.selectbox(
            label,
            numeric,
            index=numeric.index(default),
            key=f"rfm_{measure}",
            persist_state=PERSIST,
            help=help_text,
        )
    return RfmColumns(**chosen)


def _table_editor() -> tuple | None:
    records = st.session_state.get(RECORDS, rfm_table_to_records(DEFAULT_RFM_TABLE))
    base = pd.DataFrame(records).assign(order=range(1, len(records) + 1))
    base = base[["order", "segment", "R", "F", "M"]]
    digest = hashlib.sha256(json.dumps(records).encode()).hexdigest()[:12]
    st.markdown(
        "**Named segments** — edit names and score ranges (like `4-5` or `1`), change the "
        "order by renumbering a row, add or delete rows at the bottom"
    )
    edited = st.data_editor(
        base,
        key=f"rfm_editor_{digest}",
        num_rows="dynamic",
        height=36 * (len(base) + 2) + 3,
        hide_index=True,
        width="stretch",
        column_config={
            "order": st.column_config.NumberColumn(
                "Order",
                min_value=0,
                step=0.5,
                help="Rows are checked in this order; the first match wins. Give a row a "
                "smaller number (e.g. 2.5 to place it between rows 2 and 3) to move it up.",
            ),
            "segment": st.column_config.TextColumn(
                "Segment", required=True, help="The segment's name."
            ),
            **{
                letter: st.column_config.TextColumn(letter, help=f"{letter} scores, e.g. 4-5.")
                for letter in ("R", "F", "M")
            },
        },
    )
    new_records = _ordered_records(edited)
    if new_records != records:
        st.session_state[RECORDS] = new_records
        st.rerun()
    if st.button(
        "Reset to the standard table",
        key="rfm_reset",
        help="Go back to the usual named RFM segments.",
    ):
        st.session_state.pop(RECORDS, None)
        st.rerun()
    try:
        table = rfm_table_from_records(records)
    except SegmentationError as err:
        st.error(f"{err}\n\nThe active segmentation is unchanged.", icon=":material/error:")
        return None
    return table


def _ordered_records(edited: pd.DataFrame) -> list[dict[str, str]]:
    """The edited rows sorted by their order number (rows without one go last)."""
    ordered = edited.assign(order=pd.to_numeric(edited["order"], errors="coerce"))
    ordered = ordered.sort_values("order", kind="stable", na_position="last")
    return ordered.drop(columns="order").fillna("").astype(str).to_dict("records")


def _render_result(result) -> None:
    left, right = st.columns([3, 2])
    with left:
        st.plotly_chart(rf_heatmap(rf_grid(result.scores)), width="stretch", key="rfm_grid")
    with right:
        sizes = result.segmentation.sizes()
        st.markdown("**Segments these scores give**")
        st.dataframe(
            pd.DataFrame({"customers": sizes, "share": sizes / sizes.sum()}),
            width="stretch",
            column_config={
                "customers": st.column_config.NumberColumn("Customers", format="localized"),
                "share": st.column_config.NumberColumn("Share", format="percent"),
            },
        )
    for note in result.notes:
        st.caption(note)
