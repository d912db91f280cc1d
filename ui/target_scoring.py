"""Target page, section 1: criterion weights and ratings, the ranked scores and the portfolio."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from segmentation.charts.target import portfolio_chart, score_parts_chart
from segmentation.segmenting.segments import Segmentation
from segmentation.targeting.config import (
    CRITERIA,
    RATING_RANGE,
    WEIGHT_RANGE,
    TargetingConfig,
    TargetingError,
    check_plan,
    check_weights,
)
from segmentation.targeting.measures import SegmentMeasures
from segmentation.targeting.scores import score_segments
from ui.target_state import PERSIST, editor_key, seed, show_error

SOURCE_WORDS = {"data": "Measured in your data.", "rated": "You rate it in the table below."}


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
        show_error(err)
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
        seed(key, float(config.weights.get(criterion.key, 0.0)))
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
        key=editor_key("ratings", segmentation),
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
