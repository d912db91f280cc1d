"""The look every chart shares: the segment palette, the font and the titled white layout."""

from __future__ import annotations

import plotly.graph_objects as go

PALETTE = (
    "#2563eb",
    "#f59e0b",
    "#10b981",
    "#ef4444",
    "#8b5cf6",
    "#06b6d4",
    "#ec4899",
    "#84cc16",
    "#f97316",
    "#64748b",
    "#14b8a6",
    "#a855f7",
)
FONT = {"family": "Source Sans Pro, sans-serif", "size": 13}


def titled_layout(figure: go.Figure, title: str, height: int = 380) -> go.Figure:
    """The figure with its title, the shared font, white background and tight margins."""
    figure.update_layout(
        title={"text": title, "x": 0, "font": {"size": 16}},
        font=FONT,
        height=height,
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        plot_bgcolor="white",
        paper_bgcolor="white",
    )
    return figure
