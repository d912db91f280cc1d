"""Target page, section 4: the target list (CSV and Excel) and the one-page summary downloads."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from segmentation import CustomerData
from segmentation.segmenting.segments import Segmentation
from segmentation.targeting.config import TargetingConfig, TargetingError
from segmentation.targeting.export import (
    SummaryContext,
    prediction_columns,
    summary_html,
    summary_markdown,
    target_list,
    to_csv_bytes,
    to_excel_bytes,
)
from segmentation.targeting.measures import SegmentMeasures, reachable_mask
from segmentation.targeting.plan import TargetingPlan
from segmentation.targeting.value import column_title
from ui.target_state import PERSIST, seed


def render_export(
    data: CustomerData,
    segmentation: Segmentation,
    facts: SegmentMeasures,
    config: TargetingConfig,
    scores: pd.DataFrame,
    roi: pd.DataFrame | None,
    budget: pd.DataFrame | None,
) -> TargetingConfig:
    """Key columns, the target list as CSV and Excel, and the one-page summary."""
    predicted = prediction_columns(data.schema)
    columns = [c for c in data.customers.columns if c != data.id_column and c not in predicted]
    labels = {c.name: column_title(c) for c in data.schema.columns}
    seed("tgt_key_columns", [c for c in config.key_columns if c in columns])
    keys = st.multiselect(
        "Columns to include",
        columns,
        format_func=lambda c: labels.get(c, c),
        key="tgt_key_columns",
        persist_state=PERSIST,
        help="Besides customer id, segment id and segment (persona) name: the columns your "
        "email or ads tool needs, e.g. email and name."
        + (" The prediction columns are always included." if predicted else ""),
    )
    config = replace(config, key_columns=tuple(keys))
    plan = TargetingPlan(
        scores,
        roi if roi is not None else pd.DataFrame(),
        budget if budget is not None else pd.DataFrame(),
        tuple(n for n in (_value_sentence(facts), facts.value_note, *facts.notes) if n),
        config,
    )
    context = SummaryContext(data.source.name, segmentation.title, len(data.customers))
    stem = _file_stem(segmentation.title)
    summary_md = summary_markdown(plan, context)
    if not config.targets:
        st.info("Choose at least one target segment above to export a target list.")
    else:
        try:
            reachable = reachable_mask(data.customers, facts.columns["opt_in"], facts.contacts)
            targets = target_list(data.customers, data.schema, segmentation, config, reachable)
        except TargetingError as err:
            st.error(str(err), icon=":material/error:")
            return config
        names = ", ".join(segmentation.segment_names[t] for t in config.targets)
        st.markdown(f"**{len(targets):,} customers** in the target list ({names}).")
        st.dataframe(
            targets.head(50),
            hide_index=True,
            width="stretch",
            key="tgt_preview",
            column_config={
                **{c: st.column_config.Column(labels[c]) for c in targets.columns if c in labels},
                "segment_id": st.column_config.Column("Segment number"),
                "segment": st.column_config.Column("Segment"),
                "segmentation": st.column_config.Column("Segmentation"),
            },
        )
        st.caption(
            "The first 50 customers, named in plain words; the files keep the columns' own "
            "names, which email and ads tools match on."
        )
        left, right, _ = st.columns([1, 1, 2])
        left.download_button(
            "Download target list (CSV)",
            data=lambda: to_csv_bytes(targets),
            file_name=f"targets_{stem}.csv",
            mime="text/csv",
            on_click="ignore",
            key="tgt_download_csv",
            icon=":material/download:",
            help="UTF-8 CSV for your email or ads tool. Text that could run as a spreadsheet "
            "formula (starting with =, +, -, @) is prefixed with ' so it stays text.",
        )
        right.download_button(
            "Download target list (Excel)",
            data=lambda: to_excel_bytes(targets),
            file_name=f"targets_{stem}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            on_click="ignore",
            key="tgt_download_xlsx",
            icon=":material/download:",
            help="An Excel workbook with one sheet of target customers; text cells never run "
            "as formulas.",
        )
    st.markdown("**One-page summary** for the decision meeting")
    left, right, _ = st.columns([1, 1, 2])
    left.download_button(
        "Download summary (HTML)",
        data=lambda: summary_html(plan, context),
        file_name=f"targeting_summary_{stem}.html",
        mime="text/html",
        on_click="ignore",
        key="tgt_download_html",
        icon=":material/description:",
        help="One page for the decision meeting: scores, targets, ROI and budget. Opens in "
        "any browser and prints on one sheet.",
    )
    right.download_button(
        "Download summary (Markdown)",
        data=summary_md,
        file_name=f"targeting_summary_{stem}.md",
        mime="text/markdown",
        on_click="ignore",
        key="tgt_download_md",
        icon=":material/description:",
        help="The same summary as Markdown, to paste into a wiki or document.",
    )
    with st.expander("Preview the summary"):
        st.markdown(summary_md)
    return config


def _value_sentence(facts: SegmentMeasures) -> str:
    value = facts.value
    if value is None or not value.known:
        return ""
    return f"Customer value: {value.label}. {value.reason}"


def _file_stem(title: str) -> str:
    stem = "".join(ch if ch.isalnum() else "_" for ch in title.lower()).strip("_")
    return "_".join(part for part in stem.split("_") if part) or "segments"
