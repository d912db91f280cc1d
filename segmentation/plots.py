"""Figure builders: each returns a labelled plotly figure and never touches Streamlit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from segmentation.diagnostics import KDiagnostics
from segmentation.embedding import MISSING, NOT_SEGMENTED, MapView
from segmentation.profiles import SegmentOverview

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
DIAGNOSTICS = (
    ("inertia", "Inertia (elbow)", "lower; look for the bend"),
    ("silhouette", "Silhouette", "higher is better"),
    ("calinski_harabasz", "Calinski–Harabasz", "higher is better"),
    ("davies_bouldin", "Davies–Bouldin", "lower is better"),
    ("bic", "BIC (Gaussian mixture)", "lower is better"),
    ("stability", "Stability (ARI)", "higher is better"),
)


def _layout(figure: go.Figure, title: str, height: int = 380) -> go.Figure:
    figure.update_layout(
        title={"text": title, "x": 0, "font": {"size": 16}},
        font=FONT,
        height=height,
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        plot_bgcolor="white",
        paper_bgcolor="white",
    )
    return figure


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
    return _layout(figure, "Segment sizes and revenue")


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
    return _layout(
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
    figure = _layout(
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
    return _layout(figure, "Customers by recency and frequency score", height=380)


def customer_map(view: MapView, title: str) -> go.Figure:
    """Customers as points on the map (WebGL), one legend entry per category or a colour scale
    for numbers, segment names at segment centres; each point's ``customdata`` is its customer
    id and its ``hovertext`` the id, segment and key attributes."""
    points = view.points.assign(hover=_map_hover_texts(view))
    three_d = "z" in points.columns
    figure = go.Figure()
    if view.colour_kind == "number":
        present = points["colour"].notna()
        figure.add_trace(_map_trace(points[present], three_d, view.colour_by, marker_colour=True))
        if (~present).any():
            figure.add_trace(_map_trace(points[~present], three_d, MISSING, "#cbd5e1"))
    else:
        levels = _ordered_levels(points["colour"], view.levels)
        for number, level in enumerate(levels):
            colour = "#cbd5e1" if level in (MISSING, NOT_SEGMENTED, "Other values") else None
            colour = colour or PALETTE[number % len(PALETTE)]
            chosen = points[points["colour"] == level]
            figure.add_trace(_map_trace(chosen, three_d, str(level), colour))
    _map_layout(figure, view, title, three_d)
    return figure


def map_preview(coords: pd.DataFrame, n_customers: int) -> go.Figure:
    """The quick straight-line projection shown while the map computes: grey points, no
    segments (they may not exist yet), a title saying what it is."""
    shown = (
        f"{len(coords):,} of {n_customers:,}" if len(coords) < n_customers else f"{n_customers:,}"
    )
    figure = go.Figure(
        go.Scattergl(
            x=coords["x"],
            y=coords["y"],
            mode="markers",
            marker={"size": 4, "opacity": 0.45, "color": "#64748b"},
            hoverinfo="skip",
            showlegend=False,
        )
    )
    _layout(figure, f"Quick preview while the map is computed ({shown} customers)", height=420)
    figure.update_xaxes(showticklabels=False, title="Broadest difference", showgrid=False)
    figure.update_yaxes(showticklabels=False, title="Second broadest", showgrid=False)
    return figure


def _ordered_levels(colour: pd.Series, order: tuple[object, ...]) -> list[object]:
    last = (MISSING, NOT_SEGMENTED, "Other values", "Unassigned", "Other", "Everyone else")
    counts = colour.value_counts()
    known = [lv for lv in order if lv in counts.index and lv not in last]
    rest = [lv for lv in counts.index if lv not in known and lv not in last]
    return known + rest + [lv for lv in last if lv in counts.index]


def _map_hover_texts(view: MapView) -> pd.Series:
    """One ready-made hover text per point (one string per point keeps the figure light:
    plotly copies every object of every array it is given)."""
    points = view.points
    text = "<b>Customer " + points.index.astype("string") + "</b><br>Segment: "
    text = text + points["segment"].astype("string")
    shown = [*view.hover_columns] + ([] if view.colour_by == "segment" else ["colour"])
    for column in shown:
        values = points[column]
        if pd.api.types.is_float_dtype(values):
            values = values.round(2)
        label = view.colour_by if column == "colour" else column
        text = text + f"<br>{label}: " + values.astype("string").fillna("—")
    return text.fillna("")


def _map_trace(
    points: pd.DataFrame,
    three_d: bool,
    name: str,
    colour: str | None = None,
    marker_colour: bool = False,
) -> go.BaseTraceType:
    marker: dict[str, object] = {"size": 3 if three_d else 5, "opacity": 0.75}
    if marker_colour:
        marker.update(
            color=points["colour"].to_numpy(dtype="float64"),
            colorscale="Viridis",
            showscale=True,
            colorbar={"title": {"text": name}, "thickness": 14},
        )
    else:
        marker["color"] = colour
    common = dict(
        mode="markers",
        name=name,
        customdata=points.index.to_numpy(dtype=object),
        hovertext=points["hover"].to_numpy(dtype=object),
        hovertemplate="%{hovertext}<extra></extra>",
        marker=marker,
        showlegend=not marker_colour,
    )
    if three_d:
        return go.Scatter3d(x=points["x"], y=points["y"], z=points["z"], **common)
    return go.Scattergl(x=points["x"], y=points["y"], **common)


def _map_layout(figure: go.Figure, view: MapView, title: str, three_d: bool) -> None:
    _layout(figure, title, height=620)
    figure.update_layout(legend={"title": {"text": _legend_title(view)}, "itemsizing": "constant"})
    labels = view.centres.drop(index=[NOT_SEGMENTED], errors="ignore")
    if three_d:
        axis = {"showticklabels": False, "title": ""}
        figure.update_layout(
            scene={
                "xaxis": {**axis, "title": "Map axis 1"},
                "yaxis": {**axis, "title": "Map axis 2"},
                "zaxis": {**axis, "title": "Map axis 3"},
                "annotations": [
                    _centre_label(name, row, three_d=True) for name, row in labels.iterrows()
                ],
            }
        )
        return
    figure.update_layout(dragmode="lasso", hovermode="closest")
    figure.update_xaxes(showticklabels=False, title="Map axis 1", showgrid=False, zeroline=False)
    figure.update_yaxes(showticklabels=False, title="Map axis 2", showgrid=False, zeroline=False)
    for name, row in labels.iterrows():
        figure.add_annotation(_centre_label(name, row, three_d=False))


def _legend_title(view: MapView) -> str:
    return "Segment" if view.colour_by == "segment" else view.colour_by


def _centre_label(name: object, row: pd.Series, three_d: bool) -> dict[str, object]:
    label = {
        "x": float(row["x"]),
        "y": float(row["y"]),
        "text": f"<b>{name}</b>",
        "showarrow": False,
        "font": {"size": 12, "color": "#0f172a"},
        "bgcolor": "rgba(255,255,255,0.75)",
        "borderpad": 2,
    }
    if three_d:
        label["z"] = float(row["z"])
    return label
