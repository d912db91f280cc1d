"""The customer map: shape, determinism, quality, placement above the fit limit, bad input,
the drawn view and the figure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from segmentation import load_sample
from segmentation.charts.map import customer_map
from segmentation.data.dataset import SAMPLE_DIR
from segmentation.mapping.embedding import (
    NOT_SEGMENTED,
    EmbeddingConfig,
    EmbeddingError,
    check_embedding_input,
    embed_customers,
    map_silhouette,
    map_view,
    quick_projection,
    stratified_sample,
    trustworthiness_on_sample,
)
from segmentation.segmenting.features import default_feature_config, prepare_features

FAST = EmbeddingConfig(n_neighbors=10, n_epochs=60)


def three_groups(n_per_group: int = 80, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """Three well-separated groups in 5 dimensions, customer ids C000…"""
    rng = np.random.default_rng(seed)
    centres = np.array([[0, 0, 0, 0, 0], [12, 0, 0, 0, 0], [0, 12, 0, 0, 0]], dtype=float)
    groups = np.repeat([0, 1, 2], n_per_group)
    X = centres[groups] + rng.normal(0, 1, (len(groups), 5))
    ids = [f"C{i:03d}" for i in range(len(groups))]
    return pd.DataFrame(X, index=ids), pd.Series(groups, index=ids)


@pytest.fixture(scope="module")
def toy_map():
    X, groups = three_groups()
    return X, groups, embed_customers(X, FAST)


def test_one_row_of_coordinates_per_customer_in_the_same_order(toy_map):
    X, _, embedding = toy_map
    assert embedding.coords.shape == (len(X), 2)
    assert list(embedding.coords.columns) == ["x", "y"]
    assert embedding.coords.index.equals(X.index)
    assert np.isfinite(embedding.coords.to_numpy()).all()
    assert embedding.n_placed == 0 and embedding.notes == ()


def test_same_seed_same_map_and_another_seed_another_map(toy_map):
    X, _, embedding = toy_map
    again = embed_customers(X, FAST)
    np.testing.assert_array_equal(again.coords.to_numpy(), embedding.coords.to_numpy())
    other = embed_customers(X, EmbeddingConfig(n_neighbors=10, n_epochs=60, random_state=7))
    assert not np.allclose(other.coords.to_numpy(), embedding.coords.to_numpy())


def test_separated_groups_stay_separated_on_the_map(toy_map):
    X, groups, embedding = toy_map
    assert map_silhouette(embedding, groups) > 0.7
    assert trustworthiness_on_sample(X, embedding, n_neighbors=10) > 0.9


def test_three_dimensional_map():
    X, _ = three_groups(40)
    embedding = embed_customers(X, EmbeddingConfig(n_neighbors=10, n_epochs=30, n_components=3))
    assert list(embedding.coords.columns) == ["x", "y", "z"]


def test_progress_rises_to_one_and_says_what_happens():
    X, _ = three_groups(40)
    calls: list[tuple[float, str]] = []
    embed_customers(X, FAST, progress=lambda share, text: calls.append((share, text)))
    shares = [share for share, _ in calls]
    assert shares == sorted(shares) and shares[-1] == 1.0
    assert any("pass" in text for _, text in calls), "the layout's passes are reported"
    assert any("most similar customers" in text for _, text in calls)


def test_above_the_fit_limit_everyone_is_placed_near_their_own_group():
    X, groups = three_groups(200)
    config = EmbeddingConfig(n_neighbors=10, n_epochs=60, fit_limit=150)
    embedding = embed_customers(X, config)
    assert len(embedding.fitted) == 150 and embedding.n_placed == 450
    assert embedding.coords.index.equals(X.index)
    assert "150" in embedding.notes[0] and "450" in embedding.notes[0]
    placed = embedding.coords.drop(index=embedding.fitted)
    centres = embedding.coords.loc[embedding.fitted].groupby(groups).median()
    nearest = placed.apply(lambda row: ((centres - row) ** 2).sum(axis=1).idxmin(), axis=1)
    assert (nearest == groups[placed.index]).mean() > 0.98


BAD_INPUT = [
    (
        three_groups(4)[0],
        EmbeddingConfig(n_neighbors=15),
        r"only 12 customers\. Lower 'Neighbours' to at most 11",
    ),
    (
        three_groups()[0][[0]],
        FAST,
        r"at least 2 prepared features; this segmentation has 1 \('0'\)",
    ),
    (
        pd.DataFrame(np.ones((50, 3))),
        FAST,
        "All customers have identical values",
    ),
    (
        pd.DataFrame(np.repeat(np.eye(3), 20, axis=0)),
        FAST,
        r"Only 3 different customer profiles .* at most 2",
    ),
    (three_groups()[0], EmbeddingConfig(metric="chebyshev"), "metric='chebyshev'"),
    (three_groups()[0], EmbeddingConfig(n_components=4), "must be 2 or 3"),
    (three_groups()[0], EmbeddingConfig(min_dist=1.5), "between 0 and 1"),
    (three_groups()[0], EmbeddingConfig(n_neighbors=1), "at least 2"),
]


@pytest.mark.parametrize(("X", "config", "message"), BAD_INPUT)
def test_bad_input_is_refused_with_a_message_saying_how_to_fix_it(X, config, message):
    with pytest.raises(EmbeddingError, match=message):
        check_embedding_input(X, config)
    with pytest.raises(EmbeddingError, match=message):
        embed_customers(X, config)


def test_a_few_duplicate_customers_are_fine():
    X, _ = three_groups(40)
    X = pd.concat([X, X.iloc[:20].set_axis([f"D{i}" for i in range(20)])])
    assert embed_customers(X, FAST).coords.shape == (140, 2)


def test_config_round_trips_through_json_form():
    config = EmbeddingConfig(n_neighbors=30, min_dist=0.2, metric="cosine", n_components=3)
    assert EmbeddingConfig.from_dict(config.to_dict()) == config
    assert EmbeddingConfig.from_dict({**config.to_dict(), "unknown": 1}) == config


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 60), min_size=1, max_size=6),
    n=st.integers(1, 120),
)
@example(sizes=[1, 1, 3, 1], n=4)  # the minimum of one per segment overshoots n: trim the largest
def test_stratified_sample_keeps_every_segment_and_the_limit(sizes, n):
    labels = pd.Series(np.repeat(np.arange(len(sizes)), sizes))
    picked = stratified_sample(labels, n)
    assert picked.is_unique and picked.isin(labels.index).all()
    if len(labels) <= n:
        assert len(picked) == len(labels)
    else:
        assert len(picked) <= n
        if n >= len(sizes):
            assert set(labels[picked]) == set(labels)


@pytest.fixture(scope="module")
def view_inputs(toy_map):
    X, groups, embedding = toy_map
    names = groups.map({0: "Alpha", 1: "Beta", 2: "Gamma"}).iloc[:-10]  # 10 not segmented
    customers = pd.DataFrame(
        {
            "spend": np.linspace(10, 500, len(X)),
            "region": np.where(groups == 0, "North", "South"),
        },
        index=X.index,
    )
    return embedding, customers, names


def test_view_draws_a_stratified_sample_and_says_so(view_inputs):
    embedding, customers, names = view_inputs
    view = map_view(embedding, customers, names, max_points=60, hover_columns=("spend",))
    assert len(view.points) == 60 and view.n_shown == 240
    assert "Showing 60 of 240 customers" in view.note
    assert set(view.points["segment"]) == {"Alpha", "Beta", "Gamma", NOT_SEGMENTED}
    assert list(view.points.columns) == ["x", "y", "segment", "spend", "colour"]
    assert set(view.centres.index) == {"Alpha", "Beta", "Gamma", NOT_SEGMENTED}


def test_view_shows_only_chosen_segments(view_inputs):
    embedding, customers, names = view_inputs
    view = map_view(embedding, customers, names, segments=("Beta",))
    assert set(view.points["segment"]) == {"Beta"} and view.n_shown == 80 and view.note is None
    with pytest.raises(EmbeddingError, match="Choose at least one segment"):
        map_view(embedding, customers, names, segments=())


def test_view_colours_numbers_on_a_scale_and_categories_with_a_legend(view_inputs):
    embedding, customers, names = view_inputs
    numbers = map_view(embedding, customers, names, colour_by="spend")
    assert numbers.colour_kind == "number" and numbers.points["colour"].max() == 500
    categories = map_view(embedding, customers, names, colour_by="region")
    assert categories.colour_kind == "category"
    assert set(categories.points["colour"]) == {"North", "South"}


def test_map_figure_uses_webgl_customer_ids_and_segment_labels(view_inputs):
    embedding, customers, names = view_inputs
    view = map_view(
        embedding,
        customers,
        names,
        hover_columns=("spend",),
        segment_order=("Gamma", "Beta", "Alpha"),
    )
    figure = customer_map(view, "Customers")
    assert all(isinstance(trace, go.Scattergl) for trace in figure.data)
    assert [t.name for t in figure.data] == ["Gamma", "Beta", "Alpha", NOT_SEGMENTED]
    ids = {cid for trace in figure.data for cid in trace.customdata}
    assert ids == set(embedding.coords.index), "customdata holds the customer ids"
    first = figure.data[0]
    assert first.hovertemplate == "%{hovertext}<extra></extra>"
    assert first.hovertext[0].startswith(f"<b>Customer {first.customdata[0]}</b><br>Segment: Gamma")
    assert "<br>spend: " in first.hovertext[0]
    assert {a.text for a in figure.layout.annotations} == {
        "<b>Alpha</b>",
        "<b>Beta</b>",
        "<b>Gamma</b>",
    }
    assert figure.layout.dragmode == "lasso"
    assert figure.layout.xaxis.title.text == "Map axis 1"


def test_map_figure_with_a_colour_scale_and_in_three_dimensions(view_inputs):
    embedding, customers, names = view_inputs
    figure = customer_map(map_view(embedding, customers, names, colour_by="spend"), "Spend")
    assert len(figure.data) == 1 and figure.data[0].marker.showscale
    X, groups = three_groups(30)
    flat = embed_customers(X, EmbeddingConfig(n_neighbors=10, n_epochs=20, n_components=3))
    view = map_view(flat, customers.reindex(X.index), groups.astype(str))
    figure = customer_map(view, "3-D")
    assert all(isinstance(trace, go.Scatter3d) for trace in figure.data)
    assert len(figure.layout.scene.annotations) == 3


@pytest.mark.slow
def test_map_of_the_sample_is_trustworthy_and_separates_planted_personas():
    data = load_sample()
    matrix = prepare_features(
        data.customers, data.schema, default_feature_config(data.customers, data.schema)
    )
    embedding = embed_customers(matrix.X)
    assert trustworthiness_on_sample(matrix.X, embedding, n=1_500) >= 0.9
    planted = pd.read_csv(
        SAMPLE_DIR / "pet_dynamics_personas.csv", dtype={"customer_id": "string"}
    ).set_index("customer_id")["persona"]
    assert map_silhouette(embedding, planted.reindex(matrix.X.index)) > 0.5


def test_quick_projection_follows_the_broadest_difference() -> None:
    rng = np.random.default_rng(3)
    # two groups far apart along a mix of columns a and b, noise elsewhere
    shift = np.r_[np.zeros(300), np.full(300, 8.0)]
    X = pd.DataFrame(
        {"a": shift + rng.normal(0, 1, 600), "b": shift + rng.normal(0, 1, 600)}
        | {f"noise{i}": rng.normal(0, 1, 600) for i in range(5)},
        index=[f"C{i}" for i in range(600)],
    )
    coords = quick_projection(X, max_points=10_000)
    assert list(coords.columns) == ["x", "y"] and coords.index.equals(X.index)
    gap = abs(coords["x"].iloc[:300].mean() - coords["x"].iloc[300:].mean())
    assert gap > 5 * coords["x"].iloc[:300].std(), "the first axis separates the two groups"
    sampled = quick_projection(X, max_points=100)
    assert len(sampled) == 100 and sampled.index.isin(X.index).all()
    assert sampled.equals(quick_projection(X, max_points=100)), "the same sample every time"
    one = quick_projection(X[["a"]], max_points=10_000)
    assert (one["y"] == 0).all() and one["x"].std() > 0
