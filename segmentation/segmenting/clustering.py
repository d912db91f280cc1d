"""Finding segments in the feature matrix: scikit-learn estimators behind one function."""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.cluster import HDBSCAN, AgglomerativeClustering, KMeans, MiniBatchKMeans
from sklearn.decomposition import PCA
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import KNeighborsClassifier, NearestCentroid

from segmentation.errors import SegmentationError
from segmentation.segmenting.features import FeatureMatrix
from segmentation.segmenting.kprototypes import KPrototypes
from segmentation.segmenting.segments import UNASSIGNED, Segmentation, make_segmentation

CLUSTER_METHODS = {
    "kmeans": "k-means",
    "gmm": "Gaussian mixture",
    "ward": "Ward hierarchical",
    "hdbscan": "HDBSCAN (density)",
    "kprototypes": "k-prototypes (mixed data)",
}
LARGE_DATA = 20_000
HDBSCAN_DIMENSIONS = 10  # density is meaningless in 100+ one-hot dimensions; reduce first
MAX_SEGMENTS = 30


class ClusterError(SegmentationError):
    """Clustering settings that cannot produce segments for this data."""


@dataclass(frozen=True)
class ClusterConfig:
    """How to cluster; every field is a widget on the Segments page.

    Attributes
    ----------
    method : one of :data:`CLUSTER_METHODS`.
    n_segments : number of segments (all methods but HDBSCAN, which finds its own number).
    random_state : seed; the same settings always give the same segments.
    covariance_type : Gaussian mixture shape of each segment ("diag", "full", "spherical").
    min_cluster_size : HDBSCAN's smallest group worth calling a segment.
    sample_size : Ward and HDBSCAN fit on this many customers and assign the rest.
    categorical_weight : k-prototypes weight of a category mismatch (None = automatic).
    n_init : random restarts of k-means, Gaussian mixture and k-prototypes (best one kept).
    """

    method: str = "kmeans"
    n_segments: int = 6
    random_state: int = 42
    covariance_type: str = "diag"
    min_cluster_size: int = 50
    sample_size: int = 5000
    categorical_weight: float | None = None
    n_init: int = 3

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return asdict(self)


@dataclass(frozen=True)
class ClusterResult:
    """Segments found by clustering, their centres in feature space and notes for the user."""

    segmentation: Segmentation
    centers: pd.DataFrame
    notes: tuple[str, ...] = ()


def cluster_customers(matrix: FeatureMatrix, config: ClusterConfig) -> ClusterResult:
    """Cluster customers into segments, numbered by size (Segment 1 is the largest).

    Examples
    --------
    >>> from segmentation.segmenting.features import FeatureConfig, prepare_features
    >>> from segmentation.data.schema import infer_schema
    >>> raw = pd.DataFrame({"customer_id": [f"c{i}" for i in range(20)],
    ...                     "spend": [str(v) for v in [1, 2, 1, 2, 1, 90, 95, 92, 91, 99] * 2]})
    >>> typed = infer_schema(raw)
    >>> matrix = prepare_features(typed.frame, typed.schema, FeatureConfig(("spend",)))
    >>> result = cluster_customers(matrix, ClusterConfig(n_segments=2))
    >>> result.segmentation.sizes().tolist()
    [10, 10]
    """
    _check_config(matrix, config)
    labels, notes = _fit_labels(matrix, config)
    labels = _number_by_size(labels)
    if (labels == UNASSIGNED).all():
        raise ClusterError(
            "HDBSCAN found no segments: it marked every customer as noise. Lower the smallest "
            f"segment size (now {config.min_cluster_size}) or use fewer, more telling features."
        )
    series = pd.Series(labels, index=matrix.X.index, name="segment")
    title = f"{CLUSTER_METHODS[config.method]}, {len(set(labels) - {UNASSIGNED})} segments"
    settings = {"cluster": config.to_dict(), "features": matrix.config.to_dict()}
    segmentation = make_segmentation(title, config.method, series, settings=settings)
    return ClusterResult(segmentation, segment_centers(matrix.X, series), tuple(notes))


def _check_config(matrix: FeatureMatrix, config: ClusterConfig) -> None:
    n_customers = len(matrix.X)
    if config.method not in CLUSTER_METHODS:
        raise ClusterError(
            f"method='{config.method}' is not a clustering method; use one of "
            f"{', '.join(CLUSTER_METHODS)}."
        )
    limit = min(MAX_SEGMENTS, n_customers)
    if config.method != "hdbscan" and not 2 <= config.n_segments <= limit:
        raise ClusterError(_segments_message(config.n_segments, limit, limit == n_customers))
    if config.method == "hdbscan" and not 2 <= config.min_cluster_size <= n_customers // 2:
        raise ClusterError(
            f"The smallest segment size ({config.min_cluster_size}) must be between 2 and half "
            f"the customers ({n_customers // 2}). Choose a size in that range."
        )


def _segments_message(n_segments: int, limit: int, limited_by_customers: bool) -> str:
    rule = f"n_segments={n_segments} must be between 2 and {limit}"
    if n_segments < 2:
        return f"{rule}. Choose at least 2 segments."
    if limited_by_customers:
        return (
            f"{rule}, the number of customers left after the filters. Choose fewer "
            "segments or relax the filters."
        )
    return f"{rule}. Choose at most {limit} segments."


def _fit_labels(matrix: FeatureMatrix, config: ClusterConfig) -> tuple[np.ndarray, list[str]]:
    X = matrix.X.to_numpy()
    fitters = {
        "kmeans": _kmeans,
        "gmm": _gmm,
        "ward": _ward,
        "hdbscan": _hdbscan,
        "kprototypes": _kprototypes,
    }
    return fitters[config.method](X, config, matrix)


def _kmeans(X: np.ndarray, config: ClusterConfig, _: FeatureMatrix) -> tuple[np.ndarray, list[str]]:
    model = fit_kmeans(X, config.n_segments, config.random_state, config.n_init)
    notes = []
    if isinstance(model, MiniBatchKMeans):
        notes.append(
            f"{len(X):,} customers: used mini-batch k-means, which is much faster on "
            "large data and gives nearly the same segments."
        )
    return model.labels_, notes


def fit_kmeans(
    X: np.ndarray, n_clusters: int, random_state: int, n_init: int = 3
) -> KMeans | MiniBatchKMeans:
    """k-means, switching to mini-batch k-means above :data:`LARGE_DATA` customers."""
    if len(X) > LARGE_DATA:
        return MiniBatchKMeans(
            n_clusters, random_state=random_state, n_init=n_init, batch_size=4096
        ).fit(X)
    return KMeans(n_clusters, random_state=random_state, n_init=n_init).fit(X)


def _gmm(X: np.ndarray, config: ClusterConfig, _: FeatureMatrix) -> tuple[np.ndarray, list[str]]:
    model = GaussianMixture(
        config.n_segments,
        covariance_type=config.covariance_type,
        random_state=config.random_state,
        reg_covar=1e-4,
        n_init=min(config.n_init, 2),
    )
    return model.fit(X).predict(X), []


def _ward(X: np.ndarray, config: ClusterConfig, _: FeatureMatrix) -> tuple[np.ndarray, list[str]]:
    sample = _sample_rows(len(X), config.sample_size, config.random_state)
    model = AgglomerativeClustering(config.n_segments, linkage="ward").fit(X[sample])
    if len(sample) == len(X):
        return model.labels_, []
    labels = nearest_centre(X[sample], model.labels_, X)
    return labels, [
        f"Ward clustering was fitted on {len(sample):,} customers; the other "
        f"{len(X) - len(sample):,} joined the segment with the nearest centre."
    ]


def _hdbscan(
    X: np.ndarray, config: ClusterConfig, _: FeatureMatrix
) -> tuple[np.ndarray, list[str]]:
    if X.shape[1] > HDBSCAN_DIMENSIONS:
        X = PCA(HDBSCAN_DIMENSIONS, random_state=config.random_state).fit_transform(X)
    sample = _sample_rows(len(X), config.sample_size, config.random_state)
    model = HDBSCAN(min_cluster_size=config.min_cluster_size, copy=True).fit(X[sample])
    labels, notes = model.labels_, []
    if len(sample) < len(X):
        neighbours = KNeighborsClassifier(n_neighbors=1).fit(X[sample], model.labels_)
        labels = neighbours.predict(X)
        notes.append(
            f"HDBSCAN was fitted on {len(sample):,} customers; the others took the "
            "segment (or noise) of their nearest fitted neighbour."
        )
    noise = float((labels == UNASSIGNED).mean())
    if 0 < noise < 1:
        notes.append(
            f"{noise:.0%} of customers fit no dense group; they are shown as "
            "“Unassigned”, not dropped."
        )
    return labels, notes


def _kprototypes(
    X: np.ndarray, config: ClusterConfig, matrix: FeatureMatrix
) -> tuple[np.ndarray, list[str]]:
    numeric = matrix.X[list(matrix.numeric_columns)].to_numpy()
    codes = [
        matrix.X[list(group)].to_numpy().argmax(axis=1) for group in matrix.onehot_groups.values()
    ]
    data = np.column_stack([numeric, *codes]) if codes else numeric
    categorical = list(range(numeric.shape[1], data.shape[1]))
    model = KPrototypes(
        config.n_segments,
        categorical=categorical,
        gamma=config.categorical_weight,
        random_state=config.random_state,
        n_init=config.n_init,
    )
    return model.fit(data).labels_, [
        f"k-prototypes weighed one differing category as "
        f"{model.gamma_:.2f} squared units of the numbers."
    ]


def nearest_centre(X_fit: np.ndarray, labels: np.ndarray, X: np.ndarray) -> np.ndarray:
    """The segment with the nearest centre for each row of ``X``."""
    present = np.unique(labels)
    if len(present) == 1:  # a refit on near-identical customers can find a single segment
        return np.full(len(X), present[0], dtype=labels.dtype)
    with warnings.catch_warnings():
        # one-hot columns constant within a segment are normal here, not a problem
        warnings.filterwarnings("ignore", message=".*zero standard deviation", category=UserWarning)
        return NearestCentroid().fit(X_fit, labels).predict(X)


def _sample_rows(n_rows: int, size: int, random_state: int) -> np.ndarray:
    if n_rows <= size:
        return np.arange(n_rows)
    return np.sort(np.random.default_rng(random_state).choice(n_rows, size, replace=False))


def _number_by_size(labels: np.ndarray) -> np.ndarray:
    """Relabel segments 0, 1, 2, ... from the largest down; noise stays ``UNASSIGNED``."""
    labels = np.asarray(labels)
    found, counts = np.unique(labels[labels != UNASSIGNED], return_counts=True)
    order = found[np.lexsort((found, -counts))]
    mapping = {old: new for new, old in enumerate(order)}
    return np.array([mapping.get(v, UNASSIGNED) for v in labels], dtype=np.int64)


def segment_centers(X: pd.DataFrame, labels: pd.Series) -> pd.DataFrame:
    """Mean feature vector of each segment (rows: segment ids, noise excluded)."""
    assigned = labels != UNASSIGNED
    return X.loc[assigned.to_numpy()].groupby(labels[assigned].to_numpy()).mean()
