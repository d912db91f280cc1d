"""Figure builders: each returns a titled plotly figure with labelled axes, on the sample."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from segmentation import load_sample
from segmentation.charts.segments import (
    DIAGNOSTICS,
    k_diagnostics_chart,
    profile_heatmap,
    rf_heatmap,
    segment_sizes_chart,
)
from segmentation.data.schema import infer_schema
from segmentation.describing.profiles import SegmentOverview, segment_overview
from segmentation.segmenting.clustering import ClusterConfig, cluster_customers
from segmentation.segmenting.diagnostics import KDiagnostics, choose_k
from segmentation.segmenting.features import default_feature_config, prepare_features
from segmentation.segmenting.rfm_scoring import find_rfm_columns, rf_grid, rfm_scores
from segmentation.segmenting.segments import make_segmentation


@dataclass(frozen=True)
class Built:
    overview: SegmentOverview
    diagnostics: KDiagnostics
    grid: pd.DataFrame
    n_customers: int


@pytest.fixture(scope="module")
def built() -> Built:
    """Everything the figures show, computed on the bundled sample."""
    data = load_sample()
    config = default_feature_config(data.customers, data.schema)
    matrix = prepare_features(data.customers, data.schema, config)
    result = cluster_customers(matrix, ClusterConfig(n_segments=6, n_init=1))
    overview = segment_overview(data.customers, data.schema, result.segmentation, config.columns)
    # the k chart needs only a few k on part of the customers to be drawn
    part = replace(matrix, X=matrix.X.iloc[:600])
    with warnings.catch_warnings():  # NearestCentroid: one-hot columns constant in a segment
        warnings.filterwarnings("ignore", "self.within_class_std_dev_", UserWarning)
        warnings.filterwarnings("ignore", "divide by zero", RuntimeWarning)
        diagnostics = choose_k(part, range(2, 6), ClusterConfig(n_init=1))
    columns = find_rfm_columns(data.schema)
    assert columns is not None
    grid = rf_grid(rfm_scores(data.customers, columns))
    return Built(overview, diagnostics, grid, len(data.customers))


def axis_titles(figure: go.Figure, axis: str) -> list[str | None]:
    layout = figure.to_dict()["layout"]
    return [
        (value.get("title") or {}).get("text")
        for key, value in layout.items()
        if key.startswith(axis) and isinstance(value, dict)
    ]


def check_basics(figure: go.Figure) -> None:
    assert isinstance(figure, go.Figure)
    assert figure.layout.title.text
    assert figure.data
    titles = axis_titles(figure, "xaxis")
    assert titles and all(titles)  # every x axis is labelled
    figure.to_json()  # valid, serialisable plotly


def test_segment_sizes_chart(built: Built) -> None:
    figure = segment_sizes_chart(built.overview)
    check_basics(figure)
    assert figure.layout.title.text == "Segment sizes and revenue"
    assert axis_titles(figure, "yaxis") == ["Share"]
    assert [trace.name for trace in figure.data] == ["Share of customers", "Share of revenue"]
    names = [f"Segment {i}" for i in range(1, 7)]
    for trace in figure.data:
        assert list(trace.x) == names
        assert sum(trace.y) == pytest.approx(1.0)
    assert sum(figure.data[0].customdata) == built.n_customers


def test_segment_sizes_chart_without_revenue() -> None:
    typed = infer_schema(
        pd.DataFrame({"customer_id": list("abcd"), "age": ["20", "30", "40", "50"]})
    )
    labels = pd.Series([0, 0, 1, -1], index=list("abcd"))
    overview = segment_overview(
        typed.frame, typed.schema, make_segmentation("Toy", "hdbscan", labels)
    )
    figure = segment_sizes_chart(overview)
    check_basics(figure)
    assert [trace.name for trace in figure.data] == ["Share of customers"]
    assert list(figure.data[0].x) == ["Segment 1", "Segment 2", "Unassigned"]
    assert list(figure.data[0].text) == ["50%", "25%", "25%"]


def test_profile_heatmap(built: Built) -> None:
    figure = profile_heatmap(built.overview)
    check_basics(figure)
    assert figure.layout.title.text.startswith("Profile")
    heatmap = figure.data[0]
    assert list(heatmap.x) == [f"Segment {i}" for i in range(1, 7)]
    # the rows are labelled by the numeric features themselves
    assert list(heatmap.y) == list(built.overview.standardised.index)
    assert "monetary" in heatmap.y and "age" in heatmap.y
    np.testing.assert_allclose(heatmap.z, built.overview.standardised.to_numpy())
    assert heatmap.colorbar.title.text


def test_k_diagnostics_chart(built: Built) -> None:
    figure = k_diagnostics_chart(built.diagnostics)
    check_basics(figure)
    k = built.diagnostics.recommended_k
    assert figure.layout.title.text == f"Choosing the number of segments (recommended: {k})"
    assert len(axis_titles(figure, "xaxis")) == 6
    # each panel's y axis is labelled by its subplot title
    subplot_titles = [annotation.text for annotation in figure.layout.annotations]
    assert [t.split("<br>")[0] for t in subplot_titles] == [title for _, title, _ in DIAGNOSTICS]
    lines = [trace for trace in figure.data if trace.mode == "lines+markers"]
    stars = [trace for trace in figure.data if trace.mode == "markers"]
    assert len(lines) == len(stars) == 6
    assert all(list(trace.x) == [2, 3, 4, 5] for trace in lines)
    assert all(list(star.x) == [k] for star in stars)


def test_rf_heatmap(built: Built) -> None:
    figure = rf_heatmap(built.grid)
    check_basics(figure)
    assert figure.layout.title.text == "Customers by recency and frequency score"
    assert all(axis_titles(figure, "yaxis"))
    heatmap = figure.data[0]
    assert np.asarray(heatmap.z).shape == (5, 5)
    assert np.asarray(heatmap.z).sum() == built.n_customers
    assert list(heatmap.x) == ["1", "2", "3", "4", "5"]
    assert list(heatmap.y) == ["5", "4", "3", "2", "1"]
