"""Clustering customers: every method on a toy, numbering, noise, errors, large data, quality."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.metrics import adjusted_rand_score

import segmentation.segmenting.clustering as clustering
from segmentation import load_sample
from segmentation.data.schema import infer_schema
from segmentation.segmenting.clustering import (
    CLUSTER_METHODS,
    ClusterConfig,
    ClusterError,
    cluster_customers,
    fit_kmeans,
    nearest_centre,
    segment_centers,
)
from segmentation.segmenting.diagnostics import choose_k
from segmentation.segmenting.explain import explain_segments
from segmentation.segmenting.features import (
    FeatureConfig,
    FeatureMatrix,
    default_feature_config,
    prepare_features,
)
from segmentation.segmenting.segments import UNASSIGNED

CENTRES = ((0.0, 0.0), (10.0, 0.0), (0.0, 10.0))
PETS = ("Dog", "Cat", "Fish")


def blobs(
    sizes: tuple[int, ...] = (40, 30, 20), outliers: int = 0, seed: int = 0
) -> tuple[FeatureMatrix, np.ndarray]:
    """Well-separated groups (sd 0.5, centres 10 apart) with a matching pet; outliers far away.

    Returns the feature matrix and the true group of each customer (-1 for an outlier).
    """
    rng = np.random.default_rng(seed)
    rows, truth = [], []
    for group, (size, centre) in enumerate(zip(sizes, CENTRES, strict=False)):
        for x, y in rng.normal(centre, 0.5, size=(size, 2)):
            rows.append((f"{x:.3f}", f"{y:.3f}", PETS[group]))
            truth.append(group)
    for j in range(outliers):
        rows.append((f"{40 + 10 * j}", f"{-40 + 7 * j}", PETS[j % 3]))
        truth.append(UNASSIGNED)
    raw = pd.DataFrame(rows, columns=["spend", "visits", "pet"])
    raw.insert(0, "customer_id", [f"c{i:03d}" for i in range(len(raw))])
    typed = infer_schema(raw)
    matrix = prepare_features(typed.frame, typed.schema, FeatureConfig(("spend", "visits", "pet")))
    return matrix, np.array(truth)


TOY, TRUTH = blobs()


def quiet_nearest_centroid(test):
    """NearestCentroid warns when a one-hot column is constant within a segment; harmless."""
    test = pytest.mark.filterwarnings("ignore:self.within_class_std_dev_:UserWarning")(test)
    return pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")(test)


def config_for(method: str, **changes: object) -> ClusterConfig:
    return ClusterConfig(method=method, n_segments=3, min_cluster_size=10, **changes)


@pytest.mark.parametrize("method", list(CLUSTER_METHODS))
def test_every_method_recovers_well_separated_groups(method: str) -> None:
    result = cluster_customers(TOY, config_for(method))
    labels = result.segmentation.labels
    assert list(labels.index) == list(TOY.X.index)  # every customer, in order
    assert adjusted_rand_score(TRUTH, labels.to_numpy()) >= 0.9
    assert result.segmentation.method == method
    assert result.segmentation.title == f"{CLUSTER_METHODS[method]}, 3 segments"


@pytest.mark.parametrize("method", list(CLUSTER_METHODS))
def test_same_settings_give_identical_labels(method: str) -> None:
    matrix, _ = blobs(seed=5)
    first = cluster_customers(matrix, config_for(method, random_state=11))
    second = cluster_customers(matrix, config_for(method, random_state=11))
    pd.testing.assert_series_equal(first.segmentation.labels, second.segmentation.labels)
    pd.testing.assert_frame_equal(first.centers, second.centers)


@pytest.mark.parametrize("method", list(CLUSTER_METHODS))
def test_segments_are_numbered_by_size(method: str) -> None:
    # the largest group is the last one in the data; Segment 1 must still be the largest
    matrix, truth = blobs(sizes=(12, 20, 45), seed=2)
    segmentation = cluster_customers(matrix, config_for(method)).segmentation
    assert segmentation.sizes().to_dict() == {"Segment 1": 45, "Segment 2": 20, "Segment 3": 12}
    assert segmentation.segment_ids == (0, 1, 2)
    assert (segmentation.labels.to_numpy() == 0).tolist() == (truth == 2).tolist()


def test_hdbscan_noise_is_kept_as_unassigned() -> None:
    matrix, truth = blobs(outliers=4)
    result = cluster_customers(matrix, ClusterConfig(method="hdbscan", min_cluster_size=10))
    segmentation = result.segmentation
    labels = segmentation.labels
    assert len(labels) == len(matrix.X) == 94  # nobody dropped
    assert labels.index.equals(matrix.X.index)
    np.testing.assert_array_equal(labels.to_numpy()[truth == UNASSIGNED], [UNASSIGNED] * 4)
    assert segmentation.sizes().to_dict() == {
        "Segment 1": 40,
        "Segment 2": 30,
        "Segment 3": 20,
        "Unassigned": 4,
    }
    assert segmentation.title == "HDBSCAN (density), 3 segments"
    assert result.notes == (
        "4% of customers fit no dense group; they are shown as “Unassigned”, not dropped.",
    )
    assert list(result.centers.index) == [0, 1, 2]  # noise has no centre


def test_hdbscan_sample_assigns_the_rest_to_the_nearest_neighbour() -> None:
    config = ClusterConfig(method="hdbscan", min_cluster_size=5, sample_size=40)
    result = cluster_customers(TOY, config)
    assert result.notes[0] == (
        "HDBSCAN was fitted on 40 customers; the others took the segment (or noise) of their "
        "nearest fitted neighbour."
    )
    assert len(result.segmentation.labels) == 90
    assert adjusted_rand_score(TRUTH, result.segmentation.labels) >= 0.9


@quiet_nearest_centroid
def test_ward_sample_assigns_the_rest_to_the_nearest_centre() -> None:
    result = cluster_customers(TOY, config_for("ward", sample_size=40))
    assert result.notes == (
        "Ward clustering was fitted on 40 customers; the other 50 joined the segment with the "
        "nearest centre.",
    )
    assert adjusted_rand_score(TRUTH, result.segmentation.labels) >= 0.9


def test_kprototypes_reports_its_category_weight() -> None:
    # two standardised numbers (variance 1 each): gamma = half their mean variance = 0.5
    result = cluster_customers(TOY, config_for("kprototypes"))
    assert result.notes == (
        "k-prototypes weighed one differing category as 0.50 squared units of the numbers.",
    )
    weighted = cluster_customers(TOY, config_for("kprototypes", categorical_weight=2.5))
    assert weighted.notes[0].startswith("k-prototypes weighed one differing category as 2.50 ")


def test_kmeans_switches_to_mini_batch_above_large_data(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(fit_kmeans(TOY.X.to_numpy(), 3, 0), KMeans)
    monkeypatch.setattr(clustering, "LARGE_DATA", 50)
    assert isinstance(fit_kmeans(TOY.X.to_numpy(), 3, 0), MiniBatchKMeans)
    result = cluster_customers(TOY, config_for("kmeans"))
    assert result.notes == (
        "90 customers: used mini-batch k-means, which is much faster on large data and gives "
        "nearly the same segments.",
    )
    assert adjusted_rand_score(TRUTH, result.segmentation.labels) >= 0.9


def test_small_data_has_no_notes() -> None:
    assert cluster_customers(TOY, config_for("kmeans")).notes == ()


def test_settings_record_cluster_and_feature_config() -> None:
    config = config_for("gmm", covariance_type="full")
    segmentation = cluster_customers(TOY, config).segmentation
    assert dict(segmentation.settings) == {
        "cluster": config.to_dict(),
        "features": TOY.config.to_dict(),
    }
    assert segmentation.settings["cluster"]["covariance_type"] == "full"


def test_centres_are_segment_means() -> None:
    result = cluster_customers(TOY, config_for("kmeans"))
    labels = result.segmentation.labels
    for segment_id in range(3):
        expected = TOY.X[labels == segment_id].mean()
        pd.testing.assert_series_equal(result.centers.loc[segment_id], expected, check_names=False)


def test_segment_centers_by_hand() -> None:
    X = pd.DataFrame({"a": [1.0, 3.0, 10.0, 99.0], "b": [0.0, 2.0, 4.0, 99.0]}, index=list("pqrs"))
    labels = pd.Series([0, 0, 1, UNASSIGNED], index=list("pqrs"))
    centres = segment_centers(X, labels)
    expected = pd.DataFrame({"a": [2.0, 10.0], "b": [1.0, 4.0]}, index=[0, 1])
    pd.testing.assert_frame_equal(centres, expected)


NINE, _ = blobs(sizes=(3, 3, 3))


@pytest.mark.parametrize(
    ("matrix", "config", "message"),
    [
        (
            NINE,
            ClusterConfig(n_segments=12),
            r"^n_segments=12 must be between 2 and 9, the number of customers left after the "
            r"filters\. Choose fewer segments or relax the filters\.$",
        ),
        (
            TOY,
            ClusterConfig(n_segments=31),
            r"^n_segments=31 must be between 2 and 30\. Choose at most 30 segments\.$",
        ),
        (
            TOY,
            ClusterConfig(n_segments=1),
            r"^n_segments=1 must be between 2 and 30\. Choose at least 2 segments\.$",
        ),
        (
            NINE,
            ClusterConfig(n_segments=1, method="ward"),
            r"^n_segments=1 must be between 2 and 9\. Choose at least 2 segments\.$",
        ),
        (
            TOY,
            ClusterConfig(method="dbscan"),
            r"^method='dbscan' is not a clustering method; use one of kmeans, gmm, ward, "
            r"hdbscan, kprototypes\.$",
        ),
        (
            TOY,
            ClusterConfig(method="hdbscan", min_cluster_size=1),
            r"^The smallest segment size \(1\) must be between 2 and half the customers \(45\)\. "
            r"Choose a size in that range\.$",
        ),
        (
            TOY,
            ClusterConfig(method="hdbscan", min_cluster_size=46),
            r"^The smallest segment size \(46\) must be between 2 and half the customers \(45\)\. "
            r"Choose a size in that range\.$",
        ),
    ],
    ids=[
        "more-than-customers",
        "above-max",
        "below-two",
        "below-two-few-customers",
        "unknown",
        "mcs-1",
        "mcs-half",
    ],
)
def test_cluster_errors(matrix: FeatureMatrix, config: ClusterConfig, message: str) -> None:
    with pytest.raises(ClusterError, match=message):
        cluster_customers(matrix, config)


def test_hdbscan_ignores_n_segments() -> None:
    config = ClusterConfig(method="hdbscan", n_segments=500, min_cluster_size=10)
    assert cluster_customers(TOY, config).segmentation.n_segments == 3


def test_hdbscan_that_finds_only_noise_says_so() -> None:
    rng = np.random.default_rng(1)
    X = pd.DataFrame(rng.uniform(size=(60, 2)), columns=["spend", "visits"])
    X.index = [f"u{i}" for i in range(60)]
    matrix = FeatureMatrix(X, FeatureConfig(("spend", "visits")), None, ("spend", "visits"), ())
    with pytest.raises(
        ClusterError,
        match=r"^HDBSCAN found no segments: it marked every customer as noise\. Lower the "
        r"smallest segment size \(now 20\) or use fewer, more telling features\.$",
    ):
        cluster_customers(matrix, ClusterConfig(method="hdbscan", min_cluster_size=20))


@pytest.mark.filterwarnings("ignore:Number of distinct clusters:UserWarning")
@settings(max_examples=20, deadline=None)
@given(
    values=arrays(
        np.float64,
        st.tuples(st.integers(6, 40), st.integers(1, 3)),
        elements=st.floats(-100, 100, allow_nan=False, width=32),
    ),
    k=st.integers(2, 5),
)
def test_property_every_customer_in_exactly_one_segment(values: np.ndarray, k: int) -> None:
    columns = tuple(f"x{j}" for j in range(values.shape[1]))
    X = pd.DataFrame(values, columns=list(columns), index=[f"id{i}" for i in range(len(values))])
    matrix = FeatureMatrix(X, FeatureConfig(columns), None, columns, ())
    segmentation = cluster_customers(matrix, ClusterConfig(n_segments=k, n_init=1)).segmentation
    assert segmentation.labels.index.equals(X.index)
    assert int(segmentation.sizes().sum()) == len(X)
    assert segmentation.shares().sum() == pytest.approx(1.0)
    sizes = segmentation.sizes().to_numpy()
    assert (np.diff(sizes) <= 0).all()  # numbered by size
    assert segmentation.segment_ids == tuple(range(len(sizes)))


# --- quality on the bundled sample -------------------------------------------------------


PLANTED_PERSONAS = 6


@pytest.fixture(scope="module")
def sample_clustering(data_dir):
    data = load_sample()
    config = default_feature_config(data.customers, data.schema)
    matrix = prepare_features(data.customers, data.schema, config)
    diagnostics = choose_k(matrix, range(2, 9), ClusterConfig(method="kmeans"))
    result = cluster_customers(
        matrix, ClusterConfig(method="kmeans", n_segments=diagnostics.recommended_k)
    )
    personas = pd.read_csv(data_dir / "pet_dynamics_personas.csv", index_col="customer_id")
    return data, config, diagnostics, result, personas["persona"]


@pytest.mark.slow
def test_sample_choose_k_finds_the_planted_number_of_personas(sample_clustering) -> None:
    _, _, diagnostics, _, personas = sample_clustering
    assert personas.nunique() == PLANTED_PERSONAS
    assert abs(diagnostics.recommended_k - PLANTED_PERSONAS) <= 1, diagnostics.reason


@pytest.mark.slow
def test_sample_kmeans_recovers_the_planted_personas(sample_clustering) -> None:
    _, _, _, result, personas = sample_clustering
    labels = result.segmentation.labels
    assert set(labels.index) == set(personas.index)
    score = adjusted_rand_score(personas.loc[labels.index], labels)
    assert score >= 0.8  # measured ≈ 0.98


@pytest.mark.slow
def test_sample_segment_rules_are_precise(sample_clustering) -> None:
    data, config, _, result, _ = sample_clustering
    rules = explain_segments(data.customers, data.schema, result.segmentation, config.columns)
    assert len(rules) == result.segmentation.n_segments
    for rule in rules:
        assert rule.precision >= 0.7, (rule.segment_name, rule.sentence, rule.precision)
        assert rule.sentence.startswith("customers ")


def test_nearest_centre_with_a_single_segment_assigns_everyone_to_it():
    X = np.array([[0.0, 1.0], [0.0, 1.0], [5.0, 5.0]])
    assert list(nearest_centre(X[:2], np.array([3, 3]), X)) == [3, 3, 3]
