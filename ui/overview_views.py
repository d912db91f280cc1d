"""The Overview tab of the Segments page: the active segmentation's sizes, names and profiles."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from segmentation import CustomerData, SegmentationError
from segmentation.charts.segments import profile_heatmap, segment_sizes_chart
from segmentation.describing.profiles import SegmentOverview
from segmentation.segmenting.clustering import CLUSTER_METHODS
from segmentation.segmenting.explain import SegmentRule
from segmentation.segmenting.rules import rules_segmentation
from segmentation.segmenting.segments import Segmentation
from ui import rule_views
from ui import segments_state as seg
from ui.messages import flash

METHOD_WORDS = {
    "kmeans": "k-means clustering",
    "gmm": "Gaussian mixture clustering",
    "ward": "Ward hierarchical clustering",
    "hdbscan": "HDBSCAN density clustering",
    "kprototypes": "k-prototypes clustering",
    "rules": "rules",
    "rfm": "RFM scores",
    "selection": "a map selection",
}


def render_picker() -> Segmentation | None:
    """Choose which saved segmentation is active; returns it."""
    store = seg.segmentations()
    active = seg.active_segmentation()
    if not store or active is None:
        return None
    titles = list(store)
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    chosen = left.selectbox(
        "Active segmentation",
        titles,
        index=titles.index(active.title),
        key=f"seg_pick_{active.title}_{len(titles)}",
        help="Every page (map, personas, compare, target) works on the active segmentation. "
        "Segmentations you create are kept here for this session.",
    )
    if chosen != active.title:
        st.session_state[seg.ACTIVE_SEGMENTATION] = chosen
        st.rerun()
    right.caption(
        f"Made with {METHOD_WORDS.get(active.method, active.method)} · "
        f"{active.n_segments} segments · {len(active.labels):,} customers"
    )
    return active


def render_overview(data: CustomerData, segmentation: Segmentation) -> None:
    """Sizes, editable names, the profile heatmap and the per-segment table."""
    overview = seg.overview(data, segmentation)
    left, right = st.columns([3, 2])
    with left:
        st.plotly_chart(segment_sizes_chart(overview), width="stretch", key="seg_sizes_chart")
    with right:
        _render_names(segmentation, overview)
    if not overview.standardised.empty:
        st.plotly_chart(profile_heatmap(overview), width="stretch", key="seg_profile_chart")
        st.caption(
            "Red: the segment is above the average customer on that trait; blue: below. "
            "Long-tailed numbers such as spend are compared on a log scale, as the clustering "
            "saw them. Hover for the values in their own units."
        )
    _render_tables(overview)
    if segmentation.method in CLUSTER_METHODS:
        _render_explanations(data, segmentation)


def _render_names(segmentation: Segmentation, overview: SegmentOverview) -> None:
    st.markdown("**Segments** — click a name to rename it")
    sizes = overview.sizes
    table = pd.DataFrame(
        {
            "name": list(sizes.index),
            "customers": sizes["customers"].to_numpy(),
            "share": sizes["share"].to_numpy(),
        }
    )
    columns = {
        "name": st.column_config.TextColumn("Segment", help="Click to rename.", required=True),
        "customers": st.column_config.NumberColumn("Customers", format="localized"),
        "share": st.column_config.NumberColumn("Share", format="percent"),
    }
    if "revenue_share" in sizes:
        table["revenue_share"] = sizes["revenue_share"].to_numpy()
        table["value"] = sizes["value_per_customer"].to_numpy()
        columns["revenue_share"] = st.column_config.NumberColumn("Revenue share", format="percent")
        columns["value"] = st.column_config.NumberColumn(
            "Value per customer", format="dollar", help=f"Mean {overview.monetary}."
        )
    edited = st.data_editor(
        table,
        hide_index=True,
        width="stretch",
        column_config=columns,
        disabled=[c for c in table.columns if c != "name"],
        key=f"seg_names_{segmentation.title}_{hash(tuple(table['name']))}",
    )
    _apply_renames(segmentation, list(table["name"]), list(edited["name"]))


def _apply_renames(segmentation: Segmentation, before: list[str], after: list[str]) -> None:
    if before == after:
        return
    ids = list(segmentation.segment_ids)
    renamed = segmentation
    try:
        for segment_id, old, new in zip(ids, before, after, strict=True):
            if old != new:
                renamed = renamed.renamed(segment_id, str(new or ""))
    except SegmentationError as err:
        flash("error", f"{err} The previous names are kept.")
        st.rerun()
    seg.replace_segmentation(segmentation.title, renamed)
    st.rerun()


def _render_explanations(data: CustomerData, segmentation: Segmentation) -> None:
    st.subheader("Each segment as a rule your CRM can run")
    st.caption(
        "A shallow decision tree finds, for each segment, up to three conditions in the "
        "data's own units that pick out its customers. Precision: share of the customers "
        "the rule picks that are in the segment. Recall: share of the segment it picks."
    )
    try:
        explained = seg.explanations(data, segmentation)
    except SegmentationError as err:
        st.warning(f"Could not explain these segments as rules: {err}")
        return
    for item in explained:
        with st.container(border=True):
            left, right = st.columns([5, 2], vertical_alignment="center")
            left.markdown(f"**{item.segment_name}**: {item.sentence}")
            left.caption(
                f"Precision {item.precision:.0%} · recall {item.recall:.0%} · "
                f"the rule picks {item.matched:,} customers"
            )
            if right.button(
                "Make it a rule segment",
                key=f"explain_{segmentation.title}_{item.segment_id}",
                icon=":material/rule:",
                help="Save this rule as a segmentation (the segment and Other) and "
                "add it to the Rules tab so you can refine it.",
            ):
                _save_rule(data, item)


def _save_rule(data: CustomerData, item: SegmentRule) -> None:
    try:
        segmentation = rules_segmentation(
            data.customers, data.id_column, [item.rule], title=f"Rule: {item.segment_name}"
        )
    except SegmentationError as err:
        st.error(f"{err}\n\nThe active segmentation is unchanged.", icon=":material/error:")
        return
    rule_views.add_rule_draft(data, item.rule)
    saved = seg.save_segmentation(segmentation)
    seg.show_overview(
        f"Saved **{saved.title}** as a rule segment and added the rule to the Rules tab."
    )


def _render_tables(overview: SegmentOverview) -> None:
    with st.expander("Segment averages and most common values", expanded=False):
        if not overview.means.empty:
            st.markdown("**Averages** (numbers in their own units)")
            st.dataframe(overview.means.round(2), width="stretch")
        if not overview.modes.empty:
            st.markdown("**Most common value** (and its share within the segment)")
            st.dataframe(overview.modes, width="stretch")
