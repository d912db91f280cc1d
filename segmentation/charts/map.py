"""Figures of the Map page: the customer map (2-D or 3-D) and its quick preview.

Each builder returns a labelled plotly figure and never touches Streamlit.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

from segmentation.charts.style import PALETTE, titled_layout
from segmentation.describing.value_format import ValueFormat
from segmentation.mapping.embedding import MISSING, NOT_SEGMENTED, MapView


def customer_map(
    view: MapView,
    title: str,
    labels: Mapping[str, str] | None = None,
    formats: Mapping[str, ValueFormat] | None = None,
    names: pd.Series | None = None,
) -> go.Figure:
    """Customers as points on the map (WebGL), one legend entry per category or a colour scale
    for numbers, segment names at segment centres; each point's ``customdata`` is its customer
    id and its ``hovertext`` the customer, segment and key attributes.

    ``labels`` are the columns' readable labels and ``formats`` how their values are written
    (by meaning: money with its currency, a birth year as 1965); ``names`` is how the hover
    names each customer (by customer id; default "Customer <id>"), so a personal key such as an
    e-mail address never shows.
    """
    labels, formats = dict(labels or {}), dict(formats or {})
    points = view.points.assign(hover=_map_hover_texts(view, labels, formats, names))
    three_d = "z" in points.columns
    figure = go.Figure()
    if view.colour_kind == "number":
        present = points["colour"].notna()
        scale = labels.get(view.colour_by, view.colour_by)
        figure.add_trace(_map_trace(points[present], three_d, scale, marker_colour=True))
        if (~present).any():
            figure.add_trace(_map_trace(points[~present], three_d, MISSING, "#cbd5e1"))
    else:
        levels = _ordered_levels(points["colour"], view.levels)
        for number, level in enumerate(levels):
            colour = "#cbd5e1" if level in (MISSING, NOT_SEGMENTED, "Other values") else None
            colour = colour or PALETTE[number % len(PALETTE)]
            chosen = points[points["colour"] == level]
            figure.add_trace(_map_trace(chosen, three_d, str(level), colour))
    _map_layout(figure, view, title, three_d, labels)
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
    titled_layout(
        figure, f"Quick preview while the map is computed ({shown} customers)", height=420
    )
    figure.update_xaxes(showticklabels=False, title="Broadest difference", showgrid=False)
    figure.update_yaxes(showticklabels=False, title="Second broadest", showgrid=False)
    return figure


def _ordered_levels(colour: pd.Series, order: tuple[object, ...]) -> list[object]:
    last = (MISSING, NOT_SEGMENTED, "Other values", "Unassigned", "Other", "Everyone else")
    counts = colour.value_counts()
    known = [lv for lv in order if lv in counts.index and lv not in last]
    rest = [lv for lv in counts.index if lv not in known and lv not in last]
    return known + rest + [lv for lv in last if lv in counts.index]


def _map_hover_texts(
    view: MapView,
    labels: Mapping[str, str],
    formats: Mapping[str, ValueFormat],
    names: pd.Series | None,
) -> pd.Series:
    """One ready-made hover text per point (one string per point keeps the figure light:
    plotly copies every object of every array it is given)."""
    points = view.points
    if names is not None:
        who = names.reindex(points.index).astype("string").fillna("Customer")
        who.index = points.index
    else:
        who = "Customer " + points.index.astype("string")
    text = "<b>" + who + "</b><br>Segment: " + points["segment"].astype("string")
    shown = [*view.hover_columns] + ([] if view.colour_by == "segment" else ["colour"])
    for column in shown:
        name = view.colour_by if column == "colour" else column
        values = _hover_values(points[column], formats.get(name))
        text = text + f"<br>{labels.get(name, name)}: " + values.fillna("—")
    return text.fillna("")


def _hover_values(values: pd.Series, style: ValueFormat | None) -> pd.Series:
    if style is not None and pd.api.types.is_numeric_dtype(values) and values.dtype != bool:
        return pd.Series([style.text(v) for v in values], index=values.index, dtype="string")
    if pd.api.types.is_float_dtype(values):
        values = values.round(2)
    return values.astype("string")


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


def _map_layout(
    figure: go.Figure, view: MapView, title: str, three_d: bool, labels: Mapping[str, str]
) -> None:
    titled_layout(figure, title, height=620)
    legend = _legend_title(view, labels)
    figure.update_layout(legend={"title": {"text": legend}, "itemsizing": "constant"})
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


def _legend_title(view: MapView, labels: Mapping[str, str]) -> str:
    return "Segment" if view.colour_by == "segment" else labels.get(view.colour_by, view.colour_by)


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
