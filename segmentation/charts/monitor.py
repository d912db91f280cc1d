"""Figures of the Monitor page (plotly; no Streamlit here)."""

from __future__ import annotations

import plotly.graph_objects as go

from segmentation.sharing.monitoring import GONE, NEW, MonitorReport, Movements

PALETTE = (
    "#2563eb", "#f97316", "#16a34a", "#dc2626", "#9333ea", "#0891b2", "#ca8a04", "#db2777",
    "#4b5563", "#65a30d",
)  # fmt: skip
GREY = "#9ca3af"


def movement_sankey(moved: Movements) -> go.Figure:
    """Customers flowing from their segment in the first snapshot (left) to the second (right)."""
    left = list(moved.counts.index)
    right = list(moved.counts.columns)
    segments = [n for n in dict.fromkeys(left + right) if n not in (NEW, GONE)]
    colours = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(segments)}
    node_colours = [colours.get(n, GREY) for n in left + right]
    sources, targets, values, link_colours = [], [], [], []
    for i, before in enumerate(left):
        for j in range(len(right)):
            count = int(moved.counts.iloc[i, j])
            if count:
                sources.append(i)
                targets.append(len(left) + j)
                values.append(count)
                link_colours.append(_fade(colours.get(before, GREY)))
    figure = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={"label": [*left, *right], "color": node_colours, "pad": 14, "thickness": 16},
            link={
                "source": sources,
                "target": targets,
                "value": values,
                "color": link_colours,
                "hovertemplate": "%{source.label} → %{target.label}: %{value:,} customers"
                "<extra></extra>",
            },
        )
    )
    figure.update_layout(
        height=max(360, 34 * max(len(left), len(right))),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        title={"text": "First snapshot → second snapshot", "font": {"size": 14}},
    )
    return figure


def share_change_chart(report: MonitorReport) -> go.Figure:
    """Each segment's share of customers before and after, flagged segments marked."""
    table = report.drift_table()
    figure = go.Figure()
    for column, colour in (("share before", "#93c5fd"), ("share after", "#2563eb")):
        figure.add_bar(
            x=table["segment"], y=table[column], name=column.capitalize(), marker_color=colour,
            hovertemplate="%{x}: %{y:.1%}<extra></extra>",
        )  # fmt: skip
    flagged = table[table["flagged"]]
    figure.add_scatter(
        x=flagged["segment"],
        y=flagged[["share before", "share after"]].max(axis=1) + 0.02,
        mode="markers",
        marker={"symbol": "triangle-down", "size": 12, "color": "#dc2626"},
        name="Flagged",
        hovertemplate="%{x}: changed beyond a threshold<extra></extra>",
    )
    figure.update_layout(
        barmode="group",
        yaxis_tickformat=".0%",
        yaxis_title="Share of customers",
        height=360,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "y": 1.1},
    )
    return figure


def _fade(hex_colour: str, alpha: float = 0.35) -> str:
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"
