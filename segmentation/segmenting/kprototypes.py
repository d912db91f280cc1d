"""k-prototypes (Huang, 1998): k-means for mixed numeric and categorical customer data.

Scikit-learn has no clustering method for mixed data. k-prototypes measures distance as the
squared Euclidean distance on the numbers plus ``gamma`` times the number of categories that
differ, and describes each segment by a prototype: the mean of its numbers and the most common
value of each category. Unlike a Gower-distance method it needs no customer-by-customer distance
matrix, so it scales linearly to 100,000 customers, and its prototypes read as a typical customer.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data


class KPrototypes(ClusterMixin, BaseEstimator):
    """k-prototypes clustering with batch (Lloyd-style) updates.

    Parameters
    ----------
    n_clusters : number of segments.
    categorical : indices of the columns of X that hold integer category codes (>= 0).
    gamma : weight of one category mismatch against squared numeric distance; ``None`` uses
        half the mean variance of the numeric columns (Huang's suggestion).
    n_init, max_iter, random_state : as in :class:`sklearn.cluster.KMeans`.

    Examples
    --------
    >>> X = np.array([[0.0, 0], [0.1, 0], [0.2, 0], [5.0, 1], [5.1, 1], [5.2, 1]])
    >>> KPrototypes(2, categorical=[1], random_state=0).fit(X).labels_.tolist()
    [1, 1, 1, 0, 0, 0]
    """

    def __init__(
        self,
        n_clusters: int = 8,
        categorical: Any = (),
        gamma: float | None = None,
        n_init: int = 4,
        max_iter: int = 100,
        random_state: Any = None,
    ) -> None:
        self.n_clusters = n_clusters
        self.categorical = categorical
        self.gamma = gamma
        self.n_init = n_init
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X: Any, y: Any = None) -> KPrototypes:
        """Find the prototypes with the lowest cost over ``n_init`` starts."""
        X = validate_data(self, X, dtype="float64")
        numeric, codes = self._split(X)
        self.gamma_ = self._gamma(numeric)
        rng = check_random_state(self.random_state)
        best = None
        for _ in range(self.n_init):
            result = self._fit_once(numeric, codes, rng)
            if best is None or result[2] < best[2]:
                best = result
        self.cluster_numeric_, self.cluster_modes_, self.cost_, self.labels_, self.n_iter_ = best
        return self

    def predict(self, X: Any) -> np.ndarray:
        """The nearest prototype of each row."""
        check_is_fitted(self, "cluster_modes_")
        X = validate_data(self, X, dtype="float64", reset=False)
        numeric, codes = self._split(X)
        return self._distances(numeric, codes, self.cluster_numeric_, self.cluster_modes_).argmin(
            axis=1
        )

    def _split(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mask = np.zeros(X.shape[1], dtype=bool)
        mask[list(self.categorical)] = True
        return X[:, ~mask], X[:, mask].astype(np.int64)

    def _gamma(self, numeric: np.ndarray) -> float:
        if self.gamma is not None:
            return float(self.gamma)
        return 0.5 * float(numeric.var(axis=0).mean()) if numeric.shape[1] else 1.0

    def _fit_once(self, numeric: np.ndarray, codes: np.ndarray, rng: np.random.RandomState):
        start = rng.choice(len(numeric), self.n_clusters, replace=False)
        centers, modes = numeric[start].copy(), codes[start].copy()
        labels, n_iter = None, 0
        for _ in range(self.max_iter):
            n_iter += 1
            distances = self._distances(numeric, codes, centers, modes)
            new_labels = distances.argmin(axis=1)
            if labels is not None and np.array_equal(new_labels, labels):
                break
            labels = new_labels
            centers, modes = self._update(numeric, codes, labels, centers, modes)
        cost = float(distances[np.arange(len(labels)), labels].sum())
        return centers, modes, cost, labels, n_iter

    def _distances(
        self, numeric: np.ndarray, codes: np.ndarray, centers: np.ndarray, modes: np.ndarray
    ) -> np.ndarray:
        squared = (
            (numeric**2).sum(axis=1)[:, None] - 2 * numeric @ centers.T + (centers**2).sum(axis=1)
        ).clip(min=0)
        mismatches = (codes[:, None, :] != modes[None, :, :]).sum(axis=2)
        return squared + self.gamma_ * mismatches

    @staticmethod
    def _update(
        numeric: np.ndarray,
        codes: np.ndarray,
        labels: np.ndarray,
        centers: np.ndarray,
        modes: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        centers, modes = centers.copy(), modes.copy()
        for cluster in range(len(centers)):
            members = labels == cluster
            if not members.any():
                continue  # an emptied cluster keeps its prototype
            centers[cluster] = numeric[members].mean(axis=0)
            for column in range(codes.shape[1]):
                modes[cluster, column] = np.bincount(codes[members, column]).argmax()
        return centers, modes
