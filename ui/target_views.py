"""The Target page: one targeting config in session state, its widgets, and the renderers.

Every input lives in one :class:`TargetingConfig` under ``st.session_state["target_config"]``
(the last valid one). Widgets are seeded from it; each section builds a draft from its widgets,
checks it, and keeps it only when valid, so a bad entry shows a message while the results of
the last valid inputs stay on screen. :func:`load_config` puts a config from a link or project
file in place and reseeds the widgets.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

import numpy as np
import pandas as pd
import streamlit as st

from segmentation import CustomerData, SegmentationError
from segmentation.charts.target import (
    budget_chart,
    portfolio_chart,
    response_curves_chart,
    score_parts_chart,
)
from segmentation.segmenting.segments import Segmentation
from segmentation.targeting.targeting import (
    CRITERIA,
    RATING_RANGE,
    WEIGHT_RANGE,
    SegmentMeasures,
    SummaryContext,
    TargetingConfig,
    TargetingError,
    TargetingPlan,
    budget_table,
    check_campaign,
    check_plan,
    check_weights,
    default_key_columns,
    initial_config,
    roi_table,
    score_segments,
    segment_measures,
    summary_html,
    summary_markdown,
    target_list,
    to_csv_bytes,
    to_excel_bytes,
)
from ui import segments_state as seg
from ui.cache import BoundedCache

CONFIG = "target_config"
DATA_KEY = "target_config_data"
PERSIST = "session"
WIDGET_KEYS = (
    "tgt_targets",
    "tgt_cost",
    "tgt_rate",
    "tgt_budget",
    "tgt_opted_in",
    "tgt_key_columns",
)
SOURCE_WORDS = {"data": "Measured in your data.", "rated": "You rate it in the table below."}
KEEPING = " The results below still use your last valid settings."
_MEASURES = BoundedCache(max_entries=8)


# --- state ----------------------------------------------------------------------------------


def measures(data: CustomerData, segmentation: Segmentation) -> SegmentMeasures:
    """What the data says about each segment (cached per data content and labels)."""
    labels = hashlib.sha256(segmentation.labels.to_numpy().tobytes()).hexdigest()
    ids = hashlib.sha256(
        pd.util.hash_pandas_object(segmentation.labels.index.to_series(), index=False).values
    ).hexdigest()
    names = tuple(sorted(segmentation.segment_names.items()))
    key = (seg.data_key(data), labels, ids, names)
    return _MEASURES.get_or_compute(
        key, lambda: segment_measures(data.customers, data.schema, segmentation)
    )


def current_config(
    data: CustomerData, segmentation: Segmentation, facts: SegmentMeasures
) -> TargetingConfig:
    """The last valid config for this segmentation; a fresh one when the data or the
    segmentation changed."""
    config = st.session_state.get(CONFIG)
    # no key yet: a config just loaded from a link or project file belongs to this data
    same_data = st.session_state.get(DATA_KEY, seg.data_key(data)) == seg.data_key(data)
    if (
        config is None
        or not same_data
        or config.segmentation != segmentation.title
        or set(config.segments) != set(segmentation.segment_ids)
    ):
        keys = default_key_columns(data.schema)
        # weights and campaign costs carry over to a new segmentation of the same data
        previous = replace(config, key_columns=keys) if config and same_data else None
        config = initial_config(facts, segmentation, previous, keys)
        load_config(config)
        st.session_state[DATA_KEY] = seg.data_key(data)
    return config


def load_config(config: TargetingConfig) -> None:
    """Make ``config`` the targeting inputs and reseed every widget from it."""
    st.session_state[CONFIG] = config
    st.session_state.pop(DATA_KEY, None)
    for key in [*WIDGET_KEYS, *(f"tgt_w_{c.key}" for c in CRITERIA)]:
        st.session_state.pop(key, None)
    for key in [k for k in st.session_state if str(k).startswith("tgt_editor_")]:
        st.session_state.pop(key, None)


def _seed(key: str, value: object) -> None:
    if key not in st.session_state:
        st.session_state[key] = value


def _error(err: SegmentationError) -> None:
    st.error(f"{err}{KEEPING}", icon=":material/error:")


def _names(segmentation: Segmentation) -> dict[int, str]:
    return {i: segmentation.segment_names[i] for i in segmentation.segment_ids}


def _editor_key(part: str, segmentation: Segmentation) -> str:
    digest = hashlib.sha256(segmentation.title.encode()).hexdigest()[:10]
    return f"tgt_editor_{part}_{digest}"


# --- 1. attractiveness ----------------------------------------------------------------------


def render_scoring(
    segmentation: Segmentation, facts: SegmentMeasures, config: TargetingConfig
) -> tuple[TargetingConfig, pd.DataFrame]:
    """Weights and ratings; the ranked table, score parts and portfolio chart. Returns the
    config (with the new weights and ratings when valid) and the scores shown."""
    weights = _weight_sliders(config)
    ratings = _ratings_editor(segmentation, facts, config)
    draft = config
    try:
        check_weights(weights)
        plans = {i: replace(config.plan(i), **ratings.get(i, {})) for i in config.segments}
        for i, plan in plans.items():
            check_plan(segmentation.segment_names[i], plan)
        draft = replace(config, weights=weights, segments=plans)
        scores, notes = score_segments(facts, draft)
    except TargetingError as err:
        _error(err)
        draft = config
        scores, notes = score_segments(facts, config)
    for note in [*facts.notes, *notes]:
        st.caption(note)
    _ranked_table(scores, draft.targets)
    left, right = st.columns([3, 1])
    left.plotly_chart(portfolio_chart(scores, draft.targets), width="stretch", key="tgt_portfolio")
    right.markdown(
        "**Reading the portfolio**\n\n"
        "Up = more attractive (size, value, growth, margin, low competition). Right = better "
        "placed to win (brand fit, reachability). Bubble size = customers, colour = value per "
        "customer, thick outline = chosen target.\n\n"
        "- **Invest**: grow these first.\n"
        "- **Selective**: invest where a clear edge exists.\n"
        "- **Harvest**: keep costs low, or leave."
    )
    st.plotly_chart(score_parts_chart(scores), width="stretch", key="tgt_parts")
    return draft, scores


def _weight_sliders(config: TargetingConfig) -> dict[str, float]:
    st.markdown("**How much each criterion counts** (0 = ignore it)")
    cells = st.columns(4)
    weights = {}
    low, high = WEIGHT_RANGE
    for n, criterion in enumerate(CRITERIA):
        key = f"tgt_w_{criterion.key}"
        _seed(key, float(config.weights.get(criterion.key, 0.0)))
        weights[criterion.key] = float(
            cells[n % 4].slider(
                criterion.label,
                low,
                high,
                step=0.5,
                format="%.1f",
                key=key,
                persist_state=PERSIST,
                help=f"{criterion.help} {SOURCE_WORDS[criterion.source]}",
            )
        )
    return weights


def _ratings_editor(
    segmentation: Segmentation, facts: SegmentMeasures, config: TargetingConfig
) -> dict[int, dict[str, int]]:
    st.markdown("**Your ratings per segment** (1 = low, 5 = high; 3 = no view)")
    ids = list(segmentation.segment_ids)
    base = pd.DataFrame(
        {
            "Segment": [segmentation.segment_names[i] for i in ids],
            "Customers": facts.table.loc[ids, "customers"].astype(int).to_numpy(),
            "Fit with the brand": [config.plan(i).brand_fit for i in ids],
            "Competitive intensity": [config.plan(i).competition for i in ids],
            "Margin": [config.plan(i).margin for i in ids],
        },
        index=pd.Index(ids, name="id"),
    )
    low, high = RATING_RANGE
    rating = {"min_value": low, "max_value": high, "step": 1, "required": True}
    edited = st.data_editor(
        base,
        hide_index=True,
        disabled=["Segment", "Customers"],
        key=_editor_key("ratings", segmentation),
        width="stretch",
        column_config={
            "Fit with the brand": st.column_config.NumberColumn(
                help="How well the segment fits your brand and offer: 5 = a natural fit.", **rating
            ),
            "Competitive intensity": st.column_config.NumberColumn(
                help="How hard competitors fight for this segment: 5 = fierce (lowers the score).",
                **rating,
            ),
            "Margin": st.column_config.NumberColumn(
                help="The profit margin on what this segment buys: 5 = high margin.", **rating
            ),
        },
    )
    return {
        int(i): {
            "brand_fit": _whole(row["Fit with the brand"]),
            "competition": _whole(row["Competitive intensity"]),
            "margin": _whole(row["Margin"]),
        }
        for i, row in edited.iterrows()
    }


def _whole(value: object) -> int | None:
    return None if pd.isna(value) else round(float(value))


def _ranked_table(scores: pd.DataFrame, targets: tuple[int, ...]) -> None:
    shown = pd.DataFrame(
        {
            "Rank": scores["rank"],
            "Segment": scores["segment"],
            "Score": scores["score"],
            "Zone": scores["zone"],
            "Target": ["yes" if i in targets else "" for i in scores.index],
            "Customers": scores["customers"].astype(int),
        }
    )
    config = {
        "Score": st.column_config.ProgressColumn(
            "Score", min_value=0, max_value=100, format="%.0f",
            help="Weighted mean of the criterion scores (0–100).",
        ),
        "Zone": st.column_config.TextColumn(
            help="GE–McKinsey zone from attractiveness and ability to win: invest, selective "
            "(invest with care) or harvest (keep costs low)."
        ),
    }  # fmt: skip
    for criterion in CRITERIA:
        column = f"{criterion.key}_score"
        if column in scores:
            label = f"{criterion.label} score"
            shown[label] = scores[column]
            config[label] = st.column_config.NumberColumn(
                format="%.0f", help=f"{criterion.help} Scored 0–100."
            )
    st.markdown("**Segments ranked by attractiveness** — each criterion scored 0–100")
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config, key="tgt_ranked")


# --- 2. targets and ROI ---------------------------------------------------------------------


def render_campaign(
    data: CustomerData,
    segmentation: Segmentation,
    facts: SegmentMeasures,
    config: TargetingConfig,
) -> tuple[TargetingConfig, pd.DataFrame | None]:
    """Targets, campaign costs and rates; the ROI what-if. Returns the config and ROI table."""
    names = _names(segmentation)
    _seed("tgt_targets", [t for t in config.targets if t in names])
    targets = st.multiselect(
        "Target segments",
        list(names),
        format_func=names.get,
        key="tgt_targets",
        persist_state=PERSIST,
        help="The segments to go after: each gets an ROI what-if and a share of the budget, and "
        "its customers go into the target list. Suggested: the best-scoring segments above.",
    )
    left, middle, right = st.columns(3)
    _seed("tgt_cost", float(config.cost_per_contact))
    _seed("tgt_rate", float(config.response_rate))
    cost = left.number_input(
        "Cost per contact",
        min_value=0.0,
        step=0.05,
        format="%.2f",
        key="tgt_cost",
        persist_state=PERSIST,
        help="What reaching one customer once costs: an email send, a letter, an ad impression "
        "bundle. Must be above 0.",
    )
    rate = middle.number_input(
        "Expected response rate, %",
        step=0.5,
        format="%.1f",
        key="tgt_rate",
        persist_state=PERSIST,
        help="Share of contacted customers expected to buy, in percent (0–100), for segments "
        "without their own rate below."
        + (
            f" Your data has a response column ('{facts.columns['response']}'), used first."
            if facts.columns["response"]
            else " Your data has no response or conversion column, so this is your estimate."
        ),
    )
    opted_in = config.opted_in_only
    if facts.has_opt_in:
        _seed("tgt_opted_in", bool(config.opted_in_only))
        opted_in = right.toggle(
            "Only customers who opted in",
            key="tgt_opted_in",
            persist_state=PERSIST,
            help=f"Contact (and export) only customers with '{facts.columns['opt_in']}' = yes, "
            "as consent rules usually require.",
        )
    targets = tuple(int(t) for t in targets)
    edited = _targets_editor(segmentation, facts, config, targets)
    draft = config
    try:
        plans = {i: replace(config.plan(i), **edited["plans"].get(i, {})) for i in config.segments}
        for i, plan in plans.items():
            check_plan(segmentation.segment_names[i], plan)
        draft = replace(
            config,
            segments=plans,
            targets=targets,
            cost_per_contact=float(cost if cost is not None else 0.0),
            response_rate=float(rate if rate is not None else -1.0),
            opted_in_only=bool(opted_in),
        )
        check_campaign(draft, names)
        if not targets:
            st.warning(
                "No target segment is chosen: choose at least one above to see what a campaign "
                "would return. Your rates and budget limits are kept.",
                icon=":material/info:",
            )
            return draft, None
        roi = roi_table(facts, draft)
    except TargetingError as err:
        _error(err)
        draft = config
        try:
            roi = roi_table(facts, config)
        except TargetingError:
            return config, None
    _roi_summary(roi)
    return draft, roi


def _targets_editor(
    segmentation: Segmentation,
    facts: SegmentMeasures,
    config: TargetingConfig,
    targets: tuple[int, ...],
) -> dict:
    ids = list(targets)
    if not ids:
        return {"plans": {}}
    table = facts.table.loc[ids]
    from_data = table["response_rate"]
    base = pd.DataFrame(
        {
            "Target": [segmentation.segment_names[i] for i in ids],
            "Audience": (
                table["reachable"]
                if config.opted_in_only and facts.has_opt_in
                else table["customers"]
            )
            .astype(int)
            .to_numpy(),
            "Response rate, %": [config.plan(i).response_rate for i in ids],
            "Value per conversion": [config.plan(i).value_per_conversion for i in ids],
            "Min budget": [config.plan(i).min_budget for i in ids],
            "Max budget": [config.plan(i).max_budget for i in ids],
        },
        index=pd.Index(ids, name="id"),
    )
    base["Response rate, %"] = base["Response rate, %"].astype("float64")
    base["Value per conversion"] = base["Value per conversion"].astype("float64")
    base["Max budget"] = base["Max budget"].astype("float64")
    data_rate = (
        f"Empty = from '{facts.columns['response']}' ({_rates(from_data)})"
        if facts.columns["response"]
        else "Empty = the expected response rate above"
    )
    value_hint = (
        "Empty = from the data: "
        + ", ".join(
            f"{n} {v:,.2f}"
            for n, v in zip(table["segment"], table["value_per_conversion"], strict=True)
            if not np.isnan(v)
        )
        if table["value_per_conversion"].notna().any()
        else "Your data has no value column: enter what one conversion is worth"
    )
    edited = st.data_editor(
        base,
        hide_index=True,
        disabled=["Target", "Audience"],
        key=_editor_key("targets_" + "_".join(map(str, ids)), segmentation),
        width="stretch",
        placeholder="auto",
        column_config={
            "Audience": st.column_config.NumberColumn(
                help="Customers who would be contacted.", format="%d"
            ),
            "Response rate, %": st.column_config.NumberColumn(
                help=f"Expected response in percent (0–100). {data_rate}.", format="%.1f"
            ),
            "Value per conversion": st.column_config.NumberColumn(
                help=f"Revenue from one response. {value_hint}.", format="%.2f"
            ),
            "Min budget": st.column_config.NumberColumn(
                help="The least this segment must get (e.g. a committed campaign). 0 = none.",
                format="%.0f",
            ),
            "Max budget": st.column_config.NumberColumn(
                help="The most this segment may get. Empty = no limit.", format="%.0f"
            ),
        },
    )
    plans = {}
    for i, row in edited.iterrows():
        plans[int(i)] = {
            "response_rate": _number(row["Response rate, %"]),
            "value_per_conversion": _number(row["Value per conversion"]),
            "min_budget": _number(row["Min budget"]) or 0.0,
            "max_budget": _number(row["Max budget"]),
        }
    return {"plans": plans}


def _number(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _rates(rates: pd.Series) -> str:
    return ", ".join(f"{r:.1f} %" for r in rates if not np.isnan(r))


def _roi_summary(roi: pd.DataFrame) -> None:
    totals = roi[["audience", "conversions", "revenue", "cost", "profit"]].sum()
    cells = st.columns(5)
    cells[0].metric("Customers contacted", f"{totals['audience']:,.0f}")
    cells[1].metric("Expected conversions", f"{totals['conversions']:,.0f}")
    cells[2].metric("Expected revenue", f"{totals['revenue']:,.0f}")
    cells[3].metric("Cost", f"{totals['cost']:,.0f}")
    roi_total = totals["profit"] / totals["cost"] if totals["cost"] > 0 else np.nan
    cells[4].metric("ROI", f"{roi_total:.0%}", help="(revenue − cost) / cost")
    shown = pd.DataFrame(
        {
            "Target": roi["segment"],
            "Audience": roi["audience"],
            "Response rate, %": roi["response_rate"],
            "Rate from": roi["rate_source"],
            "Conversions": roi["conversions"],
            "Value per conversion": roi["value_per_conversion"],
            "Value from": roi["value_source"],
            "Revenue": roi["revenue"].round(),
            "Cost": roi["cost"].round(),
            "ROI": roi["roi"] * 100,
        }
    )
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        key="tgt_roi",
        column_config={
            "Audience": st.column_config.NumberColumn(format="%d"),
            "Response rate, %": st.column_config.NumberColumn(format="%.1f"),
            "Conversions": st.column_config.NumberColumn(format="%.0f"),
            "Value per conversion": st.column_config.NumberColumn(format="%.2f"),
            "Revenue": st.column_config.NumberColumn(format="localized"),
            "Cost": st.column_config.NumberColumn(format="localized"),
            "ROI": st.column_config.NumberColumn(
                "ROI, %", format="%.0f", help="(revenue − cost) / cost, contacting everyone once."
            ),
        },
    )


# --- 3. budget ------------------------------------------------------------------------------


def render_budget(
    config: TargetingConfig, roi: pd.DataFrame | None
) -> tuple[TargetingConfig, pd.DataFrame | None]:
    """The total budget; the split by marginal return against a proportional split."""
    _seed("tgt_budget", float(config.budget))
    budget = st.columns([1, 2])[0].number_input(
        "Total budget",
        step=500.0,
        format="%.0f",
        key="tgt_budget",
        persist_state=PERSIST,
        help="The money to split across the target segments. It must cover their minimum "
        "budgets and fit under their maximums.",
    )
    if roi is None or roi.empty:
        st.info("Choose at least one target segment above to split a budget.")
        return config, None
    draft = replace(config, budget=float(budget if budget is not None else -1.0))
    try:
        table = budget_table(roi, draft)
    except TargetingError as err:
        _error(err)
        draft = config
        try:
            table = budget_table(roi, config)
        except TargetingError:
            return config, None
    _budget_view(table)
    return draft, table


def _budget_view(table: pd.DataFrame) -> None:
    expected = table["expected_revenue"].sum()
    gain = expected - table["proportional_revenue"].sum()
    if len(table) == 1:
        st.markdown(
            f"With one target, the whole budget goes to it: expected revenue **{expected:,.0f}**."
            " Choose more targets to see how a budget is best split."
        )
    else:
        st.markdown(
            f"Split by marginal return, the budget is expected to bring **{expected:,.0f}** "
            f"in revenue: **{gain:,.0f}** more than splitting it in proportion to each segment's "
            f"potential ({table['proportional_revenue'].sum():,.0f})."
        )
    shown = pd.DataFrame(
        {
            "Target": table["segment"],
            "Budget": table["allocated"].round(),
            "Share": table["share"] * 100,
            "Expected revenue": table["expected_revenue"].round(),
            "Proportional split": table["proportional"].round(),
            "Its expected revenue": table["proportional_revenue"].round(),
            "Worth spending up to": table["worth_up_to"].round(),
        }
    )
    money = st.column_config.NumberColumn(format="localized")
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        key="tgt_budget_table",
        column_config={
            "Budget": money,
            "Share": st.column_config.NumberColumn("Share, %", format="%.0f"),
            "Expected revenue": money,
            "Proportional split": money,
            "Its expected revenue": money,
            "Worth spending up to": st.column_config.NumberColumn(
                format="localized",
                help="Beyond this spend, the next unit of budget brings back less than it costs.",
            ),
        },
    )
    left, right = st.columns(2)
    left.plotly_chart(budget_chart(table), width="stretch", key="tgt_budget_chart")
    right.plotly_chart(response_curves_chart(table), width="stretch", key="tgt_curves")
    with st.expander("How the budget is split"):
        st.markdown(
            "Each target's expected revenue grows with spend but ever more slowly: "
            "**revenue(b) = M · (1 − e^(−b/s))**, where *s* is the cost of contacting the whole "
            "audience once and *M* is set so that spending *s* returns the ROI what-if's "
            "revenue. The first money reaches the most responsive customers; more money buys "
            "repeat contacts that return less.\n\n"
            "The budget goes, unit by unit, to the segment where the next unit returns most, "
            "within each segment's minimum and maximum — so at the end every segment that is "
            "not at a bound returns the same on its last unit. The proportional split, for "
            "comparison, gives each segment a share in proportion to its potential *M*."
        )


# --- 4. export ------------------------------------------------------------------------------


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
    columns = [c for c in data.customers.columns if c != data.id_column]
    _seed("tgt_key_columns", [c for c in config.key_columns if c in columns])
    keys = st.multiselect(
        "Columns to include",
        columns,
        key="tgt_key_columns",
        persist_state=PERSIST,
        help="Besides customer id, segment id and segment (persona) name: the columns your "
        "email or ads tool needs, e.g. email and name.",
    )
    config = replace(config, key_columns=tuple(keys))
    plan = TargetingPlan(
        scores,
        roi if roi is not None else pd.DataFrame(),
        budget if budget is not None else pd.DataFrame(),
        (),
        config,
    )
    context = SummaryContext(data.source.name, segmentation.title, len(data.customers))
    stem = _file_stem(segmentation.title)
    summary_md = summary_markdown(plan, context)
    if not config.targets:
        st.info("Choose at least one target segment above to export a target list.")
    else:
        try:
            targets = target_list(
                data.customers, data.schema, segmentation, config, facts.columns["opt_in"]
            )
        except TargetingError as err:
            st.error(str(err), icon=":material/error:")
            return config
        names = ", ".join(segmentation.segment_names[t] for t in config.targets)
        st.markdown(f"**{len(targets):,} customers** in the target list ({names}).")
        st.dataframe(targets.head(50), hide_index=True, width="stretch", key="tgt_preview")
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


def _file_stem(title: str) -> str:
    stem = "".join(ch if ch.isalnum() else "_" for ch in title.lower()).strip("_")
    return "_".join(part for part in stem.split("_") if part) or "segments"


def save(config: TargetingConfig) -> None:
    """Keep ``config`` as the last valid targeting inputs (widgets keep their own values)."""
    st.session_state[CONFIG] = config
