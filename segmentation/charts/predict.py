"""Figures of the Predictions page: the hold-out check (plotly; no Streamlit here)."""

from __future__ import annotations

import plotly.graph_objects as go

from segmentation.charts.style import PALETTE, titled_layout
from segmentation.predicting.holdout import HoldoutCheck

PREDICTED_COLOUR, ACTUAL_COLOUR = PALETTE[0], PALETTE[1]


def holdout_by_past_orders_chart(check: HoldoutCheck) -> go.Figure:
    """Predicted and actual repeat orders per customer in the held-out days, by the number of
    repeat orders each customer had placed before them (0, 1, … 7+)."""
    table = check.by_past_orders
    groups = list(table.index)
    figure = go.Figure()
    for column, name, colour in (
        ("predicted", "Predicted", PREDICTED_COLOUR),
        ("actual", "Actual", ACTUAL_COLOUR),
    ):
        figure.add_bar(
            x=groups,
            y=table[column],
            name=name,
            marker_color=colour,
            customdata=table["customers"],
            hovertemplate=f"{name}: %{{y:.2f}} orders per customer<br>"
            "%{customdata:,} customers with %{x} earlier repeat orders<extra></extra>",
        )
    figure.update_layout(barmode="group", legend={"orientation": "h", "y": -0.25})
    figure.update_xaxes(title_text="Repeat orders before the held-out days", type="category")
    figure.update_yaxes(title_text="Orders per customer, held-out days")
    return titled_layout(
        figure,
        f"Predicted vs actual orders in {check.holdout_days} held-out days",
    )


def holdout_tracking_chart(check: HoldoutCheck) -> go.Figure:
    """Cumulative predicted and actual repeat orders over the held-out days."""
    tracking = check.tracking
    figure = go.Figure()
    for column, name, colour, dash in (
        ("predicted", "Predicted", PREDICTED_COLOUR, "dash"),
        ("actual", "Actual", ACTUAL_COLOUR, "solid"),
    ):
        figure.add_scatter(
            x=tracking["date"],
            y=tracking[column],
            name=name,
            mode="lines",
            line={"color": colour, "dash": dash, "width": 2.5},
            hovertemplate=f"{name}: %{{y:,.0f}} repeat orders by %{{x|%d %b %Y}}<extra></extra>",
        )
    figure.update_layout(legend={"orientation": "h", "y": -0.25})
    figure.update_xaxes(title_text="Date in the held-out days")
    figure.update_yaxes(title_text="Repeat orders so far", rangemode="tozero")
    return titled_layout(figure, "Cumulative repeat orders: predicted vs actual")
