"""Figures of the Target page: portfolio chart, score parts and the budget split.

Each builder returns a titled plotly figure with labelled axes and never touches Streamlit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from segmentation.charts.style import PALETTE, titled_layout
from segmentation.targeting.budget import response_revenue
from segmentation.targeting.config import CRITERIA, CRITERIA_BY_KEY

ZONE_COLOURS = {"Invest": "#dcfce7", "Selective": "#fef9c3", "Harvest": "#fee2e2"}
ZONE_TEXT = {"Invest": "#15803d", "Selective": "#a16207", "Harvest": "#b91c1c"}
THIRD = 100 / 3


def portfolio_chart(scores: pd.DataFrame, targets: Sequence[int] = ()) -> go.Figure:
    """GE–McKinsey portfolio: attractiveness against ability to win, bubble size = customers,
    colour = value per customer, on the invest / selective / harvest grid."""
    figure = go.Figure()
    for row in range(3):
        for col in range(3):
            level = row + col
            zone = "Invest" if level >= 3 else "Selective" if level == 2 else "Harvest"
            figure.add_shape(
                type="rect",
                x0=col * THIRD,
                x1=(col + 1) * THIRD,
                y0=row * THIRD,
                y1=(row + 1) * THIRD,
                fillcolor=ZONE_COLOURS[zone],
                line={"color": "white", "width": 2},
                layer="below",
            )
    for zone, (x, y, anchor) in {
        "Invest": (98, 98, "right"),
        "Selective": (2, 98, "left"),
        "Harvest": (2, 2, "left"),
    }.items():
        figure.add_annotation(
            x=x, y=y, text=f"<b>{zone.upper()}</b>", showarrow=False, xanchor=anchor,
            yanchor="top" if y > 50 else "bottom", font={"color": ZONE_TEXT[zone], "size": 12},
        )  # fmt: skip
    sizes = scores["customers"].astype("float64")
    value = scores["value_per_customer"].astype("float64")
    has_value = value.notna().any()
    chosen = [i in set(targets) for i in scores.index]
    figure.add_scatter(
        x=scores["ability"],
        y=scores["attractiveness"],
        mode="markers+text",
        text=scores["rank"].astype(str),
        textposition="middle center",
        textfont={"color": "white", "size": 13},
        customdata=[
            [int(n), float(v), float(c), str(name)]
            for n, v, c, name in zip(
                sizes, value.fillna(0), scores["score"], scores["segment"], strict=True
            )
        ],
        marker={
            "size": sizes,
            "sizemode": "area",
            "sizeref": 2.0 * max(float(sizes.max()), 1.0) / 60**2,
            "sizemin": 8,
            "color": value if has_value else PALETTE[0],
            "colorscale": "Viridis",
            "showscale": bool(has_value),
            "colorbar": {"title": "value per<br>customer"},
            "line": {
                "width": [4 if c else 1 for c in chosen],
                "color": ["#111827" if c else "white" for c in chosen],
            },
            "opacity": 0.85,
        },
        hovertemplate="<b>%{customdata[3]}</b> (rank %{text})<br>%{customdata[0]:,} customers"
        "<br>value per customer "
        "%{customdata[1]:,.2f}<br>score %{customdata[2]:.0f}<br>attractiveness %{y:.0f} · "
        "ability to win %{x:.0f}<extra></extra>",
        showlegend=False,
    )
    figure.update_layout(
        xaxis={"title": "Ability to win (brand fit, reachability) →", "range": [0, 100]},
        yaxis={"title": "Segment attractiveness →", "range": [0, 100]},
    )
    title = "Portfolio: attractiveness against ability to win (number = rank)"
    return titled_layout(figure, title, height=520)


def score_parts_chart(scores: pd.DataFrame) -> go.Figure:
    """Each segment's overall score as stacked parts, one per weighted criterion."""
    figure = go.Figure()
    keys = [c.key for c in CRITERIA if f"{c.key}_part" in scores]
    order = scores.sort_values("score")
    for n, key in enumerate(keys):
        figure.add_bar(
            y=order["segment"],
            x=order[f"{key}_part"],
            name=CRITERIA_BY_KEY[key].label,
            orientation="h",
            marker_color=PALETTE[n % len(PALETTE)],
            customdata=order[f"{key}_score"],
            hovertemplate="%{y}<br>" + CRITERIA_BY_KEY[key].label + ": scores %{customdata:.0f}"
            " → adds %{x:.1f} points<extra></extra>",
        )
    figure.update_layout(
        barmode="stack",
        xaxis={"title": "Score (0–100): each part = criterion score × its share of the weights"},
        yaxis_title="Segment",
        legend_orientation="h",
        legend_y=-0.25,
    )
    return titled_layout(
        figure, "What each score is made of", height=max(320, 40 * len(order) + 200)
    )


def budget_chart(budget: pd.DataFrame) -> go.Figure:
    """The budget per target: split by marginal return against a proportional split."""
    figure = go.Figure()
    for n, (column, revenue, label) in enumerate(
        (
            ("allocated", "expected_revenue", "By marginal return"),
            ("proportional", "proportional_revenue", "Proportional split"),
        )
    ):
        figure.add_bar(
            x=budget["segment"],
            y=budget[column],
            name=f"{label} (expected revenue {budget[revenue].sum():,.0f})",
            marker_color=PALETTE[n],
            text=[f"{v:,.0f}" for v in budget[column]],
            customdata=budget[revenue],
            hovertemplate=f"%{{x}}<br>{label}: %{{y:,.0f}}<br>expected revenue "
            "%{customdata:,.0f}<extra></extra>",
        )
    figure.update_layout(
        barmode="group",
        xaxis_title="Target segment",
        yaxis_title="Budget",
        legend_orientation="h",
        legend_y=1.12,
    )
    return titled_layout(figure, "Budget per target: marginal return against a proportional split")


def response_curves_chart(budget: pd.DataFrame) -> go.Figure:
    """Expected revenue against spend per target, the chosen spend marked on each curve."""
    figure = go.Figure()
    top = max(float(budget["allocated"].max()), float(budget["scale"].max())) * 2.2
    spend = np.linspace(0, max(top, 1.0), 120)
    for n, (_, row) in enumerate(budget.iterrows()):
        colour = PALETTE[n % len(PALETTE)]
        curve = response_revenue(
            spend, np.full_like(spend, row["ceiling"]), np.full_like(spend, row["scale"])
        )
        figure.add_scatter(
            x=spend, y=curve, mode="lines", name=str(row["segment"]), line_color=colour,
            hovertemplate=f"{row['segment']}<br>spend %{{x:,.0f}} → revenue %{{y:,.0f}}"
            "<extra></extra>",
        )  # fmt: skip
        figure.add_scatter(
            x=[row["allocated"]],
            y=[row["expected_revenue"]],
            mode="markers",
            marker={"size": 12, "color": colour, "line": {"width": 2, "color": "white"}},
            showlegend=False,
            hovertemplate=f"{row['segment']}: allocated %{{x:,.0f}} → %{{y:,.0f}}<extra></extra>",
        )
    figure.add_scatter(
        x=spend, y=spend, mode="lines", name="break-even (revenue = spend)",
        line={"dash": "dot", "color": "#9ca3af"}, hoverinfo="skip",
    )  # fmt: skip
    figure.update_layout(
        xaxis_title="Spend on the segment",
        yaxis_title="Expected revenue",
        legend_orientation="h",
        legend_y=-0.2,
        yaxis_range=[0, float(budget["ceiling"].max()) * 1.1 if len(budget) else 1],
    )
    return titled_layout(figure, "Revenue as spend grows (dot = chosen budget)")
