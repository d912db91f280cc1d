"""Target page, sections 2 and 3: targets and the ROI what-if, then the budget split."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import streamlit as st

from segmentation import CustomerData
from segmentation.charts.target import budget_chart, response_curves_chart
from segmentation.segmenting.segments import Segmentation
from segmentation.targeting.budget import budget_table, roi_table
from segmentation.targeting.config import (
    TargetingConfig,
    TargetingError,
    check_campaign,
    check_plan,
)
from segmentation.targeting.measures import SegmentMeasures
from ui.target_state import PERSIST, editor_key, seed, show_error

# --- 2. targets and ROI ---------------------------------------------------------------------


def render_campaign(
    data: CustomerData,
    segmentation: Segmentation,
    facts: SegmentMeasures,
    config: TargetingConfig,
) -> tuple[TargetingConfig, pd.DataFrame | None]:
    """Targets, campaign costs and rates; the ROI what-if. Returns the config and ROI table."""
    names = _names(segmentation)
    seed("tgt_targets", [t for t in config.targets if t in names])
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
    seed("tgt_cost", float(config.cost_per_contact))
    seed("tgt_rate", float(config.response_rate))
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
            f" Your data records responses ({facts.label('response')}), used first."
            if facts.columns["response"]
            else " Your data has no response or conversion column, so this is your estimate."
        ),
    )
    opted_in = config.opted_in_only
    if facts.has_opt_in:
        seed("tgt_opted_in", bool(config.opted_in_only))
        opted_in = right.toggle(
            "Only customers you may contact",
            key="tgt_opted_in",
            persist_state=PERSIST,
            help=f"Contact (and export) only {_reachable_words(facts)}, as consent rules "
            "usually require.",
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
        show_error(err)
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
        f"Empty = from {facts.label('response')} in your data ({_rates(from_data)})"
        if facts.columns["response"]
        else "Empty = the expected response rate above"
    )
    value_hint = (
        f"Empty = {facts.conversion_source}, from the data: "
        + ", ".join(
            f"{n} {v:,.2f}"
            for n, v in zip(table["segment"], table["value_per_conversion"], strict=True)
            if not np.isnan(v)
        )
        if table["value_per_conversion"].notna().any()
        else "No customer value is chosen at the top of the page: enter what one conversion "
        "is worth"
    )
    edited = st.data_editor(
        base,
        hide_index=True,
        disabled=["Target", "Audience"],
        key=editor_key("targets_" + "_".join(map(str, ids)), segmentation),
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


def _reachable_words(facts: SegmentMeasures) -> str:
    """Who counts as reachable, in words: 'customers with E-mail opt-in = yes and an e-mail or
    phone on file'."""
    parts = []
    if facts.columns.get("opt_in"):
        parts.append(f"{facts.label('opt_in')} = yes")
    if facts.contacts:
        parts.append("an e-mail or phone on file")
    return "customers with " + " and ".join(parts)


def _number(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _rates(rates: pd.Series) -> str:
    return ", ".join(f"{r:.1f} %" for r in rates if not np.isnan(r))


def _source_words(source: str) -> str:
    return {"entered": "Your entry", "default": "Your expected rate", "not known": "Not known"}.get(
        source, source
    )


def _or_not_known(values: pd.Series, pattern: str) -> pd.Series:
    """Numbers as text, with "not known" where there is none."""
    return values.map(lambda v: "not known" if pd.isna(v) else pattern.format(v))


def _roi_summary(roi: pd.DataFrame) -> None:
    totals = roi[["audience", "conversions", "revenue", "cost", "profit"]].sum()
    cells = st.columns(5)
    cells[0].metric(
        "Customers contacted", f"{totals['audience']:,.0f}", help="The targets' audiences."
    )
    cells[1].metric(
        "Expected conversions",
        f"{totals['conversions']:,.0f}",
        help="Customers contacted × response rate.",
    )
    known = roi["revenue"].notna().all()
    cells[2].metric(
        "Expected revenue",
        f"{totals['revenue']:,.0f}" if known else "not known",
        help="Conversions × value per conversion."
        + ("" if known else " Needs the customer value, or a value per conversion per target."),
    )
    cells[3].metric(
        "Cost", f"{totals['cost']:,.0f}", help="Customers contacted × cost per contact."
    )
    roi_total = totals["profit"] / totals["cost"] if totals["cost"] > 0 and known else np.nan
    cells[4].metric(
        "ROI",
        "not known" if np.isnan(roi_total) else f"{roi_total:.0%}",
        help="(revenue − cost) / cost",
    )
    if not known:
        st.info(
            "Revenue and ROI need what a conversion is worth: choose the customer value at the "
            "top of the page, or enter a value per conversion for each target in the table "
            "above.",
            icon=":material/info:",
        )
    shown = pd.DataFrame(
        {
            "Target": roi["segment"],
            "Audience": roi["audience"],
            "Response rate, %": roi["response_rate"],
            "Rate from": roi["rate_source"].map(_source_words),
            "Conversions": roi["conversions"],
            "Value per conversion": roi["value_per_conversion"],
            "Value from": roi["value_source"].map(_source_words),
            "Revenue": roi["revenue"].round(),
            "Cost": roi["cost"].round(),
            "ROI": roi["roi"] * 100,
        }
    )
    if not known:  # a blank cell would read "None": say it in words
        for name, pattern in (("Value per conversion", "{:,.2f}"), ("Revenue", "{:,.0f}")):
            shown[name] = _or_not_known(shown[name], pattern)
        shown["ROI"] = _or_not_known(shown["ROI"], "{:.0f}")
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        key="tgt_roi",
        column_config={
            "Audience": st.column_config.NumberColumn(format="%d"),
            "Response rate, %": st.column_config.NumberColumn(format="%.1f"),
            "Rate from": st.column_config.TextColumn(
                help="Where the response rate comes from: your data's responses, your entry in "
                "the table above, or your expected rate."
            ),
            "Conversions": st.column_config.NumberColumn(format="%.0f"),
            "Value per conversion": st.column_config.NumberColumn(format="%.2f"),
            "Value from": st.column_config.TextColumn(
                help="Where the value of one conversion comes from: the customer value chosen "
                "at the top of the page (or the average order value), or your entry."
            ),
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
    seed("tgt_budget", float(config.budget))
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
    if roi["revenue"].isna().any():
        st.info(
            "The budget split follows each target's expected return, so it needs what a "
            "conversion is worth: choose the customer value at the top of the page, or enter a "
            "value per conversion for each target.",
            icon=":material/info:",
        )
        return config, None
    draft = replace(config, budget=float(budget if budget is not None else -1.0))
    try:
        table = budget_table(roi, draft)
    except TargetingError as err:
        show_error(err)
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


def _names(segmentation: Segmentation) -> dict[int, str]:
    return {i: segmentation.segment_names[i] for i in segmentation.segment_ids}
