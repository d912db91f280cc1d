"""Figures of the Segments page: sizes, profiles, the diagnostics for choosing k, RFM grids.

Each builder returns a labelled plotly figure and never touches Streamlit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from segmentation.charts.style import PALETTE, titled_layout
from segmentation.describing.profiles import SegmentOverview
from segmentation.segmenting.diagnostics import KDiagnostics

DIAGNOSTICS = (
    ("inertia", "Inertia (elbow)", "lower; look for the bend"),
    ("silhouette", "Silhouette", "higher is better"),
    ("calinski_harabasz", "Calinski–Harabasz", "higher is better"),
    ("davies_bouldin", "Davies–Bouldin", "lower is better"),
    ("bic", "BIC (Gaussian mixture)", "lower is better"),
    ("stability", "Stability (ARI)", "higher is better"),
)


def segment_sizes_chart(overview: SegmentOverview) -> go.Figure:
    """Share of customers (and of revenue, where known) per segment, as grouped bars."""
    sizes = overview.sizes
    figure = go.Figure(
        go.Bar(
            x=sizes.index,
            y=sizes["share"],
            name="Share of customers",
            marker_color=PALETTE[0],
            customdata=sizes["customers"],
            text=[f"{s:.0%}" for s in sizes["share"]],
            hovertemplate="%{x}<br>%{customdata:,} customers (%{y:.1%})<extra></extra>",
        )
    )
    if "revenue_share" in sizes:
        figure.add_bar(
            x=sizes.index,
            y=sizes["revenue_share"],
            name="Share of revenue",
            marker_color=PALETTE[1],
            customdata=sizes["revenue"],
            text=[f"{s:.0%}" for s in sizes["revenue_share"]],
            hovertemplate="%{x}<br>revenue %{customdata:,.0f} (%{y:.1%})<extra></extra>",
        )
    figure.update_layout(
        barmode="group",
        yaxis_tickformat=".0%",
        legend_orientation="h",
        legend_y=1.12,
        yaxis_title="Share",
        xaxis_title="Segment",
    )
    return titled_layout(figure, "Segment sizes and revenue")


def profile_heatmap(overview: SegmentOverview) -> go.Figure:
    """Numeric features × segments, coloured by standardised mean, hover in original units."""
    z = overview.standardised
    means = overview.means[z.columns]
    hover = np.array(
        [[f"{means.iloc[r, c]:,.2f}" for c in range(z.shape[1])] for r in range(z.shape[0])]
    )
    overall = overview.means["All customers"].reindex(z.index)
    figure = go.Figure(
        go.Heatmap(
            z=z.to_numpy(),
            x=list(z.columns),
            y=[str(i) for i in z.index],
            zmid=0,
            colorscale="RdBu_r",
            zmin=-1.5,
            zmax=1.5,
            customdata=np.dstack(
                [hover, np.repeat([[f"{v:,.2f}" for v in overall]], z.shape[1], axis=0).T]
            ),
            colorbar={"title": "SDs from<br>average"},
            hovertemplate="%{x} · %{y}<br>segment mean %{customdata[0]}"
            "<br>all customers %{customdata[1]}<br>%{z:+.2f} SD<extra></extra>",
        )
    )
    figure.update_layout(xaxis_title="Segment", yaxis_autorange="reversed")
    return titled_layout(
        figure,
        "Profile: how each segment differs from the average customer",
        height=max(360, 28 * len(z.index) + 140),
    )


def k_diagnostics_chart(diagnostics: KDiagnostics) -> go.Figure:
    """The six diagnostics against k, the recommended k highlighted in each."""
    table = diagnostics.table
    figure = make_subplots(
        rows=2, cols=3, subplot_titles=[f"{t}<br><sup>{h}</sup>" for _, t, h in DIAGNOSTICS]
    )
    for position, (column, title, _) in enumerate(DIAGNOSTICS):
        row, col = divmod(position, 3)
        figure.add_scatter(
            x=table.index,
            y=table[column],
            mode="lines+markers",
            name=title,
            line_color=PALETTE[0],
            row=row + 1,
            col=col + 1,
            showlegend=False,
            hovertemplate="k=%{x}: %{y:,.3f}<extra></extra>",
        )
        best = diagnostics.recommended_k
        figure.add_scatter(
            x=[best],
            y=[table.loc[best, column]],
            mode="markers",
            marker={"size": 13, "color": PALETTE[1], "symbol": "star"},
            row=row + 1,
            col=col + 1,
            showlegend=False,
            hovertemplate=f"recommended k={best}<extra></extra>",
        )
        figure.update_xaxes(title_text="number of segments (k)", dtick=1, row=row + 1, col=col + 1)
    figure = titled_layout(
        figure,
        f"Choosing the number of segments (recommended: {diagnostics.recommended_k})",
        height=600,
    )
    return figure.update_layout(margin={"t": 110})


def rf_heatmap(grid: pd.DataFrame) -> go.Figure:
    """Customers per recency × frequency score cell: rows F (5 at the top), columns R."""
    figure = go.Figure(
        go.Heatmap(
            z=grid.to_numpy(),
            x=[str(c) for c in grid.columns],
            y=[str(i) for i in grid.index],
            colorscale="Blues",
            text=grid.to_numpy(),
            texttemplate="%{text:,}",
            colorbar={"title": "customers"},
            hovertemplate="R=%{x}, F=%{y}: %{z:,} customers<extra></extra>",
        )
    )
    figure.update_layout(
        xaxis_title="Recency score R (5 = bought most recently)",
        yaxis_title="Frequency score F (5 = most orders)",
    )
    return titled_layout(figure, "Customers by recency and frequency score", height=380)
