"""A 2-D or 3-D map of customers: UMAP on the features a segmentation was made from.

Speed decisions, measured in ``bench/map.py`` (see bench/RESULTS.md):

* Nearest neighbours come from scikit-learn (exact) and are handed to UMAP as
  ``precomputed_knn``. umap-learn's own NN-descent spends ~50 s compiling on the first call in a
  process; exact neighbours of the fitted customers take under a second for the sample.
* UMAP's compiled functions are cached on disk (:func:`enable_disk_cache`), so only the very
  first process on a machine pays the ~20 s compile of the layout optimiser; later server
  processes load it in about a second. :func:`warm_up` does that load (or compile) ahead of time.
* Above ``fit_limit`` customers the layout is fitted on a random sample and every other customer
  is placed at the distance-weighted centre of its nearest fitted customers, so the map still
  shows everyone. The sample does not depend on the segments, so one map serves every
  segmentation made from the same features.
* The layout runs 100 passes ("epochs"). umap-learn's own choice (200 for large data, 500 for
  small) costs 2-5× the time for no visible gain: on the sample, trustworthiness is 0.932 at
  100 passes and 0.935 at 200, and the six segments' silhouette on the map is 0.72 for both.
"""

from __future__ import annotations

import io
import re
import threading
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import silhouette_score
from sklearn.neighbors import NearestNeighbors

from segmentation.errors import SegmentationError

METRICS = ("euclidean", "manhattan", "cosine")
DEFAULT_EPOCHS = 100
PLACEMENT_NEIGHBOURS = 5
BLOCK = 5_000  # customers per nearest-neighbour search: bounded memory, steady progress
Progress = Callable[[float, str], None]


class EmbeddingError(SegmentationError):
    """The map cannot be drawn for these customers or settings."""


@dataclass(frozen=True)
class EmbeddingConfig:
    """Settings of the customer map.

    Attributes
    ----------
    n_neighbors : customers each one is compared with; few = local detail, many = big picture.
    min_dist : how tightly similar customers may pack together (0 = tight clumps, 1 = even spread).
    metric : how distance between two customers is measured.
    n_components : 2 for a flat map, 3 for a 3-D view.
    random_state : seed; the same settings always draw the same map.
    fit_limit : at most this many customers shape the layout; the rest are placed next to their
        nearest fitted customers.
    n_epochs : optimisation passes of the layout.
    """

    n_neighbors: int = 15
    min_dist: float = 0.5
    metric: str = "euclidean"
    n_components: int = 2
    random_state: int = 42
    fit_limit: int = 20_000
    n_epochs: int = DEFAULT_EPOCHS

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EmbeddingConfig:
        """Rebuild from :meth:`to_dict` output (unknown keys are ignored)."""
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


@dataclass(frozen=True)
class Embedding:
    """Map coordinates per customer and how they were made.

    Attributes
    ----------
    coords : one row per customer (index: customer id), columns ``x``, ``y`` (and ``z``).
    config : the settings used.
    fitted : ids of the customers the layout was fitted on (all of them up to ``fit_limit``).
    notes : plain-word remarks for the page (sampling, placement).
    """

    coords: pd.DataFrame
    config: EmbeddingConfig
    fitted: pd.Index
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def n_placed(self) -> int:
        """Customers placed next to fitted neighbours rather than fitted themselves."""
        return len(self.coords) - len(self.fitted)


def check_embedding_input(X: pd.DataFrame, config: EmbeddingConfig) -> None:
    """Raise :class:`EmbeddingError` with a how-to-fix message when no useful map can be drawn."""
    if config.metric not in METRICS:
        raise EmbeddingError(
            f"metric='{config.metric}' is not supported; use one of {', '.join(METRICS)}."
        )
    if config.n_components not in (2, 3):
        raise EmbeddingError(f"n_components={config.n_components} must be 2 or 3.")
    if not 0.0 <= config.min_dist <= 1.0:
        raise EmbeddingError(f"min_dist={config.min_dist} must be between 0 and 1.")
    if config.n_neighbors < 2:
        raise EmbeddingError(f"n_neighbors={config.n_neighbors} must be at least 2.")
    n_customers = len(X)
    if n_customers <= config.n_neighbors:
        raise EmbeddingError(
            f"The map compares each customer with {config.n_neighbors} neighbours, but there are "
            f"only {n_customers} customers. Lower 'Neighbours' to at most {max(n_customers - 1, 2)}"
            " or add customers."
        )
    if X.shape[1] < 2:
        only = f" ('{X.columns[0]}')" if X.shape[1] else ""
        raise EmbeddingError(
            f"The map needs at least 2 prepared features; this segmentation has {X.shape[1]}"
            f"{only}. With one feature customers only differ along a line: choose more features "
            "on the Segments page, or compare the values directly on the Compare page."
        )
    distinct = int(pd.util.hash_pandas_object(X, index=False).nunique())
    if distinct < 2:
        raise EmbeddingError(
            "All customers have identical values in the map's features, so there is nothing to "
            "lay out. Choose features that differ between customers on the Segments page."
        )
    if distinct <= config.n_neighbors:
        raise EmbeddingError(
            f"Only {distinct} different customer profiles exist in the map's features, not more "
            f"than the {config.n_neighbors} neighbours each customer is compared with. Lower "
            f"'Neighbours' to at most {max(distinct - 1, 2)} or choose features that differ more."
        )


def stratified_sample(labels: pd.Series, n: int, random_state: int = 0) -> pd.Index:
    """At most ``n`` customer ids, each segment represented in proportion to its size (every
    segment keeps at least one customer). Order follows ``labels``.

    >>> labels = pd.Series([0] * 90 + [1] * 10, index=range(100))
    >>> picked = stratified_sample(labels, 20)
    >>> len(picked), int((labels[picked] == 1).sum())
    (20, 2)
    """
    if len(labels) <= n:
        return labels.index
    rng = np.random.default_rng(random_state)
    counts = labels.value_counts()
    quota = np.maximum(np.floor(counts / len(labels) * n).astype(int), 1)
    leftover = n - int(quota.sum())
    if leftover > 0:  # hand the rounding remainder to the largest segments
        for segment in counts.index[:leftover]:
            quota[segment] += 1
    while leftover < 0 and quota.max() > 1:  # the one-customer minimums overshot n
        quota[quota.idxmax()] -= 1
        leftover += 1
    positions = []
    for segment, size in quota.items():
        members = np.flatnonzero(labels.to_numpy() == segment)
        positions.append(rng.choice(members, size=min(int(size), len(members)), replace=False))
    chosen = np.sort(np.concatenate(positions))[:n]
    return labels.index[chosen]


def quick_projection(
    X: pd.DataFrame, max_points: int = 5_000, random_state: int = 0
) -> pd.DataFrame:
    """A straight-line 2-D projection (the two principal components) of at most ``max_points``
    randomly chosen customers: ready in a fraction of a second, shown while the map computes.

    It keeps only the broadest differences between customers, so groups that UMAP separates
    may overlap here. Index: customer ids; columns ``x`` and ``y``.

    >>> X = pd.DataFrame({"a": [0.0, 1, 2, 3], "b": [0.0, 1, 2, 3.5], "c": [1.0, 0, 1, 0]})
    >>> quick_projection(X).shape
    (4, 2)
    """
    if len(X) > max_points:
        rng = np.random.default_rng(random_state)
        X = X.iloc[np.sort(rng.choice(len(X), size=max_points, replace=False))]
    values = X.to_numpy(dtype="float64")
    values = values - values.mean(axis=0)
    components = min(2, *values.shape)
    if components < 1 or not np.isfinite(values).all():
        return pd.DataFrame({"x": np.zeros(len(X)), "y": np.zeros(len(X))}, index=X.index)
    # the top right singular vectors of the centred data are the principal axes
    _, _, axes = np.linalg.svd(values[: min(len(values), 20_000)], full_matrices=False)
    coords = values @ axes[:components].T
    if components == 1:
        coords = np.column_stack([coords[:, 0], np.zeros(len(coords))])
    return pd.DataFrame(coords[:, :2], index=X.index, columns=["x", "y"])


def embed_customers(
    X: pd.DataFrame,
    config: EmbeddingConfig = EmbeddingConfig(),
    progress: Progress | None = None,
) -> Embedding:
    """Lay customers out on a 2-D or 3-D map with UMAP.

    Parameters
    ----------
    X : prepared features, one row per customer (index: customer id).
    config : map settings.
    progress : called with (share done 0–1, what is happening) while the map is computed.

    Returns
    -------
    Embedding

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame(np.r_[rng.normal(0, 1, (60, 3)), rng.normal(8, 1, (60, 3))])
    >>> emb = embed_customers(X, EmbeddingConfig(n_neighbors=10, n_epochs=50))
    >>> emb.coords.shape
    (120, 2)
    """
    check_embedding_input(X, config)
    report = progress or (lambda share, text: None)
    values = np.ascontiguousarray(X.to_numpy(dtype=np.float32))
    fitted = _fit_sample(X, config)
    positions = X.index.get_indexer(fitted)
    rest = np.setdiff1d(np.arange(len(X)), positions, assume_unique=True)
    stages = _Stages(report, placing=bool(rest.size))
    index = NearestNeighbors(n_neighbors=config.n_neighbors, metric=config.metric)
    index.fit(values[positions])
    distances, neighbours = _neighbours(index, values[positions], config.n_neighbors, stages)
    layout = _umap_layout(values[positions], neighbours, distances, config, stages.layout)
    coords = np.empty((len(X), config.n_components), dtype=np.float32)
    coords[positions] = layout
    notes = []
    if rest.size:
        coords[rest] = _place(index, layout, values[rest], stages)
        notes.append(
            f"The layout was fitted on a random sample of {len(fitted):,} customers; the other "
            f"{rest.size:,} were placed next to their {PLACEMENT_NEIGHBOURS} most similar "
            "fitted customers."
        )
    report(1.0, "Map ready")
    columns = ["x", "y", "z"][: config.n_components]
    frame = pd.DataFrame(coords, index=X.index, columns=columns)
    return Embedding(frame, config, pd.Index(fitted), tuple(notes))


def _fit_sample(X: pd.DataFrame, config: EmbeddingConfig) -> pd.Index:
    if len(X) <= config.fit_limit:
        return X.index
    rng = np.random.default_rng(config.random_state)
    return X.index[np.sort(rng.choice(len(X), size=config.fit_limit, replace=False))]


def _umap_layout(
    values: np.ndarray,
    neighbours: np.ndarray,
    distances: np.ndarray,
    config: EmbeddingConfig,
    report: Progress,
) -> np.ndarray:
    umap = load_umap()
    small = len(values) < 4 * config.n_neighbors  # spectral start needs a well-connected graph
    report(0.0, "Laying out the map: linking similar customers…")
    model = umap.UMAP(
        n_neighbors=config.n_neighbors,
        min_dist=config.min_dist,
        metric=config.metric,
        n_components=config.n_components,
        n_epochs=config.n_epochs,
        init="random" if small else "spectral",
        random_state=config.random_state,
        precomputed_knn=(neighbours, distances.astype(np.float32)),
        tqdm_kwds={"disable": False, "file": _EpochProgress(report), "mininterval": 0.25},
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # n_jobs/transform notes that do not concern users
        layout = model.fit_transform(values)
    return np.asarray(layout, dtype=np.float32)


class _Stages:
    """Maps each stage's own progress (0–1) onto the whole computation's progress bar."""

    def __init__(self, report: Progress, placing: bool) -> None:
        self.report = report
        self.spans = {
            "neighbours": (0.0, 0.2),
            "layout": (0.2, 0.8 if placing else 0.99),
            "placing": (0.8, 0.99),
        }

    def stage(self, name: str, done: float, text: str) -> None:
        low, high = self.spans[name]
        self.report(low + (high - low) * min(max(done, 0.0), 1.0), text)

    def layout(self, done: float, text: str) -> None:
        self.stage("layout", done, text)


def _neighbours(
    index: NearestNeighbors, values: np.ndarray, n_neighbors: int, stages: _Stages
) -> tuple[np.ndarray, np.ndarray]:
    """Exact nearest neighbours of every fitted customer, in blocks so progress can be shown."""
    distances = np.empty((len(values), n_neighbors), dtype=np.float32)
    neighbours = np.empty((len(values), n_neighbors), dtype=np.int64)
    for start in range(0, len(values), BLOCK):
        stages.stage(
            "neighbours",
            start / len(values),
            f"Finding each customer's {n_neighbors} most similar customers "
            f"({start:,} of {len(values):,})…",
        )
        block = slice(start, start + BLOCK)
        distances[block], neighbours[block] = index.kneighbors(values[block])
    return distances, neighbours


def _place(
    index: NearestNeighbors, layout: np.ndarray, values: np.ndarray, stages: _Stages
) -> np.ndarray:
    """Distance-weighted centre of each customer's nearest fitted customers on the map."""
    placed = np.empty((len(values), layout.shape[1]), dtype=np.float32)
    for start in range(0, len(values), BLOCK):
        stages.stage(
            "placing",
            start / len(values),
            f"Placing the other customers next to their most similar fitted ones "
            f"({start:,} of {len(values):,})…",
        )
        block = values[start : start + BLOCK]
        distances, neighbours = index.kneighbors(block, n_neighbors=PLACEMENT_NEIGHBOURS)
        weights = 1.0 / (distances + 1e-6)
        weights /= weights.sum(axis=1, keepdims=True)
        placed[start : start + len(block)] = np.einsum("ij,ijk->ik", weights, layout[neighbours])
    return placed


class _EpochProgress(io.StringIO):
    """A file for umap-learn's tqdm bar that turns "37/200" into a progress call."""

    _DONE = re.compile(r"(\d+)/(\d+)")

    def __init__(self, report: Progress) -> None:
        super().__init__()
        self._report = report

    def write(self, text: str) -> int:
        found = self._DONE.findall(text)
        if found:
            done, total = (int(v) for v in found[-1])
            if total:
                self._report(done / total, f"Laying out the map: pass {done} of {total}…")
        return len(text)


_UMAP_LOCK = threading.Lock()


def load_umap():
    """Import umap-learn once, with its compiled functions cached on disk."""
    with _UMAP_LOCK:
        import umap

        enable_disk_cache()
        return umap


_CACHED = False


def enable_disk_cache() -> None:
    """Let numba keep umap-learn's compiled layout code on disk between processes.

    umap-learn compiles most of its functions without numba's ``cache=True``; turning the cache
    on for each of them before their first call makes every later process load the machine code
    instead of compiling it again (~20 s → ~1 s here). Where the package folder is read-only,
    numba falls back to its user cache directory (``NUMBA_CACHE_DIR`` overrides it).
    """
    global _CACHED
    if _CACHED:
        return
    import numba
    import umap.layouts
    import umap.spectral
    import umap.umap_
    import umap.utils

    for module in (umap.umap_, umap.layouts, umap.spectral, umap.utils):
        for value in vars(module).values():
            if isinstance(value, numba.core.registry.CPUDispatcher) and not value.signatures:
                value.enable_caching()
    _CACHED = True


def warm_up() -> float:
    """Load (or compile, the first time on a machine) UMAP's code with a tiny 2-D map, so a
    user's first map does not wait for it. Returns the seconds it took. (3-D maps, an option,
    compile their own variant on first use.)"""
    import time

    start = time.perf_counter()
    rng = np.random.default_rng(0)
    X = pd.DataFrame(np.r_[rng.normal(0, 1, (100, 4)), rng.normal(5, 1, (100, 4))])
    embed_customers(X, EmbeddingConfig(n_neighbors=10, n_epochs=10))
    return time.perf_counter() - start


def trustworthiness_on_sample(
    X: pd.DataFrame, embedding: Embedding, n: int = 2_000, n_neighbors: int = 15, seed: int = 0
) -> float:
    """scikit-learn's trustworthiness (1 = the map invents no neighbours) on ``n`` customers."""
    from sklearn.manifold import trustworthiness

    rng = np.random.default_rng(seed)
    picked = rng.choice(len(X), size=min(n, len(X)), replace=False)
    coords = embedding.coords.reindex(X.index).to_numpy()[picked]
    return float(trustworthiness(X.to_numpy()[picked], coords, n_neighbors=n_neighbors))


def map_silhouette(embedding: Embedding, labels: pd.Series, n: int = 5_000, seed: int = 0) -> float:
    """Silhouette of segment labels measured on the map (how visibly segments separate)."""
    common = embedding.coords.index.intersection(labels.index)
    if labels.reindex(common).nunique() < 2:
        return float("nan")
    return float(
        silhouette_score(
            embedding.coords.loc[common].to_numpy(),
            labels.reindex(common).to_numpy(),
            sample_size=min(n, len(common)),
            random_state=seed,
        )
    )


MAX_COLOUR_LEVELS = 11
MISSING = "Missing"
NOT_SEGMENTED = "Not in this segmentation"


@dataclass(frozen=True)
class MapView:
    """What the map draws: a (sampled) set of points with their colour and hover values.

    Attributes
    ----------
    points : drawn customers (index: customer id) with map coordinates, ``segment``, ``colour``
        and the hover columns.
    colour_by : "segment" or the column the points are coloured by.
    colour_kind : "category" (a legend) or "number" (a continuous scale).
    hover_columns : the customer attributes shown on hover.
    centres : the map position of each shown segment's centre (median of all its customers).
    n_shown : customers in the shown segments (before sampling for drawing).
    note : a sentence when only a sample is drawn.
    levels : legend order of the colour categories (most common first when empty).
    """

    points: pd.DataFrame
    colour_by: str
    colour_kind: str
    hover_columns: tuple[str, ...]
    centres: pd.DataFrame
    n_shown: int
    note: str | None = None
    levels: tuple[object, ...] = ()


def map_view(
    embedding: Embedding,
    customers: pd.DataFrame,
    segment_names: pd.Series,
    colour_by: str = "segment",
    segments: tuple[str, ...] | None = None,
    max_points: int = 10_000,
    hover_columns: tuple[str, ...] = (),
    random_state: int = 0,
    segment_order: tuple[str, ...] = (),
) -> MapView:
    """Choose and colour the points to draw.

    ``customers`` is indexed by customer id; ``segment_names`` is each customer's segment name
    (customers outside the segmentation are shown as "Not in this segmentation"). ``segments``
    limits the map to those segments; above ``max_points`` a sample stratified by segment is drawn.
    ``segment_order`` fixes the order (and so the colours) of segments in the legend.
    """
    coords = embedding.coords
    segment = segment_names.reindex(coords.index).astype("object").fillna(NOT_SEGMENTED)
    if segments is not None:
        keep = segment.isin(segments)
        coords, segment = coords[keep], segment[keep]
    if coords.empty:
        raise EmbeddingError(
            "No customers are left on the map: the segment filter excludes every segment. "
            "Choose at least one segment under 'Show segments'."
        )
    centres = coords.groupby(segment, sort=False).median()
    drawn = stratified_sample(segment, max_points, random_state)
    note = None
    if len(drawn) < len(coords):
        note = (
            f"Showing {len(drawn):,} of {len(coords):,} customers, sampled so each segment keeps "
            "its share; the map itself covers all of them. Raise 'Points drawn' to see more."
        )
    points = coords.loc[drawn].copy()
    points["segment"] = segment.loc[drawn]
    attributes = customers.reindex(drawn)
    hover = tuple(c for c in hover_columns if c in customers.columns and c != colour_by)
    for column in hover:
        points[column] = attributes[column].to_numpy()
    colour, kind = _colour(points, attributes, colour_by)
    points["colour"] = colour
    levels = segment_order if colour_by == "segment" else ()
    return MapView(points, colour_by, kind, hover, centres, len(coords), note, tuple(levels))


def _colour(
    points: pd.DataFrame, attributes: pd.DataFrame, colour_by: str
) -> tuple[pd.Series, str]:
    if colour_by == "segment":
        return points["segment"], "category"
    values = attributes[colour_by]
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.astype("float64"), "number"
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.strftime("%Y-%m").astype("object").fillna(MISSING), "category"
    labels = values.astype("string").fillna(MISSING).astype("object")
    top = labels.value_counts().index[:MAX_COLOUR_LEVELS]
    return labels.where(labels.isin(top), "Other values"), "category"
