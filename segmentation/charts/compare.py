"""Figures of the Compare page: distributions, standardised profiles and segmentation overlap.

Each builder returns a titled plotly figure with labelled axes and never touches Streamlit.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from segmentation.charts.style import PALETTE, titled_layout
from segmentation.describing.comparison import CrossTab

MAX_BARS = 10
TAIL = 0.99  # histograms stop at the 99th percentile so a few huge customers do not flatten them


def distribution_chart(
    values: Mapping[str, pd.Series], feature: str, numeric: bool, style: str = "histogram"
) -> go.Figure:
    """One feature per group: overlaid histograms or box plots (numbers), grouped bars
    (categories), each as a share of the group's customers so group sizes do not matter."""
    if not numeric:
        return _category_bars(values, feature)
    if style == "box":
        return _boxes(values, feature)
    return _histograms(values, feature)


def _histograms(values: Mapping[str, pd.Series], feature: str) -> go.Figure:
    pooled = pd.concat([v.astype("float64") for v in values.values()])
    low, high = (float(q) for q in pooled.quantile([0, TAIL])) if len(pooled) else (0.0, 1.0)
    clipped = bool(len(pooled)) and float(pooled.max()) > high
    size = (high - low) / 30 if high > low else 1.0
    figure = go.Figure()
    for n, (name, series) in enumerate(values.items()):
        figure.add_histogram(
            x=series.astype("float64"),
            name=f"{name} ({len(series):,})",
            histnorm="percent",
            xbins={"start": low, "end": high + size, "size": size},
            marker_color=PALETTE[n % len(PALETTE)],
            opacity=0.55,
            hovertemplate=f"{name}<br>{feature} %{{x}}<br>%{{y:.1f}}% of customers<extra></extra>",
        )
    figure.update_layout(
        barmode="overlay",
        xaxis_title=feature + (" (top 1% of values not shown)" if clipped else ""),
        yaxis_title="% of the group's customers",
        legend_orientation="h",
        legend_y=-0.2,
        xaxis_range=[low, high + size],
    )
    return titled_layout(figure, f"How {feature} is spread in each group")


def _boxes(values: Mapping[str, pd.Series], feature: str) -> go.Figure:
    figure = go.Figure()
    for n, (name, series) in enumerate(values.items()):
        figure.add_box(
            y=series.astype("float64"),
            name=name,
            marker_color=PALETTE[n % len(PALETTE)],
            boxpoints=False,
            boxmean=True,
        )
    figure.update_layout(xaxis_title="Group", yaxis_title=feature, showlegend=False)
    return titled_layout(
        figure, f"{feature} per group (box: middle half; line: median; dashes: mean)"
    )


def _category_bars(values: Mapping[str, pd.Series], feature: str) -> go.Figure:
    pooled = pd.concat([v.astype("string") for v in values.values()])
    levels = pooled.value_counts().index[:MAX_BARS]
    figure = go.Figure()
    for n, (name, series) in enumerate(values.items()):
        shares = series.astype("string").value_counts(normalize=True).reindex(levels, fill_value=0)
        figure.add_bar(
            x=[str(level) for level in levels],
            y=shares.to_numpy(),
            name=name,
            marker_color=PALETTE[n % len(PALETTE)],
            text=[f"{s:.0%}" for s in shares],
            hovertemplate=f"{name}<br>%{{x}}: %{{y:.1%}} of the group<extra></extra>",
        )
    figure.update_layout(
        barmode="group",
        xaxis_title=feature,
        yaxis_title="Share of the group's customers",
        yaxis_tickformat=".0%",
        legend_orientation="h",
        legend_y=-0.25,
    )
    return titled_layout(figure, f"{feature}: share of each group")


def profile_radar(standardised: pd.DataFrame) -> go.Figure:
    """Each group's mean per numeric feature, in standard deviations from all customers."""
    features = [str(f) for f in standardised.index]
    figure = go.Figure()
    for n, group in enumerate(standardised.columns):
        r = standardised[group].to_numpy(dtype="float64")
        figure.add_scatterpolar(
            r=[*r, r[0]] if len(r) else r,
            theta=[*features, features[0]] if features else features,
            name=str(group),
            line_color=PALETTE[n % len(PALETTE)],
            fill="toself",
            opacity=0.6,
            hovertemplate=f"{group}<br>%{{theta}}: %{{r:+.2f}} SD<extra></extra>",
        )
    limit = max(1.0, float(np.nanmax(np.abs(standardised.to_numpy()))) if standardised.size else 1)
    figure.update_layout(
        polar={
            "radialaxis": {
                "title": {"text": "SDs from average", "font": {"size": 11}},
                "range": [-limit, limit],
                "tickformat": "+.1f",
                "angle": 90,
                "tickangle": 90,
                "tickfont": {"size": 10},
            },
        },
        legend_orientation="h",
        legend_y=-0.1,
    )
    return titled_layout(
        figure, "Profiles side by side: each group's average in SDs from all customers", 480
    )


def crosstab_heatmap(table: CrossTab) -> go.Figure:
    """Rows: one segmentation's segments; columns: the other's; colour: share of the row."""
    counts, shares = table.counts, table.row_shares
    text = np.array(
        [
            [f"{counts.iloc[r, c]:,}<br>{shares.iloc[r, c]:.0%}" for c in range(counts.shape[1])]
            for r in range(counts.shape[0])
        ]
    )
    figure = go.Figure(
        go.Heatmap(
            z=shares.to_numpy(),
            x=[str(c) for c in counts.columns],
            y=[str(i) for i in counts.index],
            zmin=0,
            zmax=1,
            colorscale="Blues",
            text=text,
            texttemplate="%{text}",
            customdata=counts.to_numpy(),
            colorbar={"title": "share of<br>the row", "tickformat": ".0%"},
            hovertemplate="%{y} → %{x}<br>%{customdata:,} customers (%{z:.1%} of the row)"
            "<extra></extra>",
        )
    )
    figure.update_layout(
        xaxis_title=f"Segments of “{table.columns_title}”",
        yaxis_title=f"Segments of “{table.rows_title}”",
        yaxis_autorange="reversed",
    )
    return titled_layout(
        figure,
        f"Where the customers of each “{table.rows_title}” segment are in “{table.columns_title}”",
        height=max(360, 48 * len(counts.index) + 160),
    )
