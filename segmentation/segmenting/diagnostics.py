"""Choosing the number of segments: the usual diagnostics for each k, and a recommendation."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
    silhouette_score,
)
from sklearn.mixture import GaussianMixture

from segmentation.segmenting.clustering import (
    ClusterConfig,
    ClusterError,
    cluster_customers,
    nearest_centre,
)
from segmentation.segmenting.features import FeatureMatrix

SILHOUETTE_SAMPLE = 3000
BIC_SAMPLE = 2000
STABILITY_SAMPLE = 2000
STABILITY_REFITS = 2
BIC_COMPONENTS = 10
STABLE = 0.8
CLEAR_ELBOW = 2.0
Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class KDiagnostics:
    """Diagnostics per number of segments and the recommended number, with the reason.

    ``table`` has one row per k with columns inertia (within-segment sum of squares; look for
    the elbow), silhouette (higher = better separated), calinski_harabasz (higher = better),
    davies_bouldin (lower = better), bic (Gaussian mixture; lower = better) and stability (mean
    adjusted Rand index of refits on resampled customers; 1 = the same segments every time).
    """

    table: pd.DataFrame
    recommended_k: int
    reason: str
    method: str

    def to_dict(self) -> dict[str, object]:
        """JSON-friendly form (floats kept exactly)."""
        return {
            "table": {str(k): row for k, row in self.table.to_dict(orient="index").items()},
            "recommended_k": int(self.recommended_k),
            "reason": self.reason,
            "method": self.method,
        }

    @classmethod
    def from_dict(cls, data: dict) -> KDiagnostics:
        """Rebuild from :meth:`to_dict` output."""
        table = pd.DataFrame.from_dict(
            {int(k): row for k, row in data["table"].items()}, orient="index"
        )
        table.index.name = "k"
        return cls(table, int(data["recommended_k"]), data["reason"], data["method"])


def choose_k(
    matrix: FeatureMatrix,
    k_values: Sequence[int],
    config: ClusterConfig,
    progress: Progress | None = None,
) -> KDiagnostics:
    """Cluster for every k in ``k_values`` with ``config``'s method and score each result.

    The recommendation is the elbow of the inertia curve when it is clear (the drop into k is
    at least twice the drop after it) and the segments there are stable (stability at least
    0.8); otherwise the k with the best average rank of silhouette, Davies–Bouldin and
    stability among the stable k.
    """
    k_values = sorted({int(k) for k in k_values})
    if config.method == "hdbscan":
        raise ClusterError(
            "HDBSCAN finds the number of segments itself; the k diagnostics "
            "apply to k-means, Gaussian mixture, Ward and k-prototypes."
        )
    if not k_values or k_values[0] < 2 or k_values[-1] > len(matrix.X) - 1:
        raise ClusterError(
            f"The k range {k_values[0] if k_values else '?'}–{k_values[-1] if k_values else '?'} "
            f"must lie between 2 and {len(matrix.X) - 1} (one less than the customers). "
            "Choose a smaller range."
        )
    rows = []
    for step, k in enumerate(k_values):
        if progress:
            progress(step / len(k_values), f"Trying {k} segments ({step + 1} of {len(k_values)})…")
        rows.append(_scores(matrix, replace(config, n_segments=k)))
    if progress:
        progress(1.0, "Done.")
    table = pd.DataFrame(rows).set_index("k")
    best, reason = recommend_k(table)
    return KDiagnostics(table, best, reason, config.method)


def _scores(matrix: FeatureMatrix, config: ClusterConfig) -> dict[str, float]:
    X = matrix.X.to_numpy()
    labels = cluster_customers(matrix, config).segmentation.labels.to_numpy()
    rng = np.random.default_rng(config.random_state)
    sample = rng.choice(len(X), min(len(X), SILHOUETTE_SAMPLE), replace=False)
    silhouette = (
        silhouette_score(X[sample], labels[sample])
        if len(np.unique(labels[sample])) > 1
        else np.nan
    )
    return {
        "k": config.n_segments,
        "inertia": _inertia(X, labels),
        "silhouette": float(silhouette),
        "calinski_harabasz": float(calinski_harabasz_score(X, labels)),
        "davies_bouldin": float(davies_bouldin_score(X, labels)),
        "bic": _bic(X, config, rng),
        "stability": _stability(matrix, labels, config, rng),
    }


def _inertia(X: np.ndarray, labels: np.ndarray) -> float:
    total = 0.0
    for label in np.unique(labels):
        members = X[labels == label]
        total += float(((members - members.mean(axis=0)) ** 2).sum())
    return total


def _bic(X: np.ndarray, config: ClusterConfig, rng: np.random.Generator) -> float:
    """BIC of a diagonal Gaussian mixture on the main components of a sample.

    In the full one-hot space a mixture is slow and its BIC keeps falling with k, so it is
    fitted on the first principal components, where it can show a minimum.
    """
    sample = X[rng.choice(len(X), min(len(X), BIC_SAMPLE), replace=False)]
    if sample.shape[1] > BIC_COMPONENTS:
        sample = PCA(BIC_COMPONENTS, random_state=config.random_state).fit_transform(sample)
    model = GaussianMixture(
        config.n_segments,
        covariance_type="diag",
        reg_covar=1e-4,
        init_params="k-means++",
        random_state=config.random_state,
    ).fit(sample)
    return float(model.bic(sample))


def _stability(
    matrix: FeatureMatrix, labels: np.ndarray, config: ClusterConfig, rng: np.random.Generator
) -> float:
    """Mean adjusted Rand index between the segments and refits on resampled customers."""
    X = matrix.X.to_numpy()
    size = min(len(X), STABILITY_SAMPLE, int(0.8 * len(X)))
    scores = []
    for refit in range(STABILITY_REFITS):
        rows = np.sort(rng.choice(len(X), size, replace=False))
        subset = replace(matrix, X=matrix.X.iloc[rows])
        seed = replace(config, random_state=config.random_state + refit + 1)
        refit_labels = cluster_customers(subset, seed).segmentation.labels.to_numpy()
        assigned = nearest_centre(X[rows], refit_labels, X)
        scores.append(adjusted_rand_score(labels, assigned))
    return float(np.mean(scores))


def recommend_k(table: pd.DataFrame) -> tuple[int, str]:
    """The recommended k and a sentence saying why (see :func:`choose_k`)."""
    stable = table[table["stability"] >= STABLE]
    pool = stable if not stable.empty else table
    elbow, strength = elbow_k(table["inertia"])
    clear_elbow = elbow is not None and strength >= CLEAR_ELBOW
    if clear_elbow and (elbow in stable.index or stable.empty):
        best = elbow
        why = (
            f"{best} segments: the elbow of the inertia curve (adding a segment up to {best} "
            f"cuts the spread {_times(strength)} than adding one more after it)"
        )
    else:
        ranks = pd.concat(
            [
                pool["silhouette"].rank(ascending=False),
                pool["davies_bouldin"].rank(ascending=True),
                pool["stability"].rank(ascending=False),
            ],
            axis=1,
        ).mean(axis=1)
        best = int(ranks.idxmin())
        elbow_words = (
            f"the elbow at {elbow} was passed over because its segments change when customers "
            "are resampled"
            if clear_elbow
            else "no clear elbow in the inertia curve"
        )
        why = (
            f"{best} segments: {elbow_words}, and {best} has the best balance of separation, "
            "compactness and stability"
        )
    row = table.loc[best]
    stability = (
        f"the same segments come back when customers are resampled (stability "
        f"{row['stability']:.2f})"
        if row["stability"] >= STABLE
        else f"stability is {row['stability']:.2f}, below {STABLE}"
    )
    reason = (
        f"{why}; silhouette {row['silhouette']:.2f}, Davies–Bouldin "
        f"{row['davies_bouldin']:.2f}, and {stability}."
    )
    if stable.empty:
        reason += " No k was stable (all below 0.8): treat these segments as tentative."
    return best, reason


def _times(ratio: float) -> str:
    return "far more" if np.isinf(ratio) else f"{ratio:.1f}× more"


def elbow_k(inertia: pd.Series) -> tuple[int | None, float]:
    """The k where the drop in inertia slows most sharply, and how sharply (drop ratio).

    A real drop followed by no further drop (a flat or rising curve) is the sharpest elbow
    there is: its ratio is infinite.
    """
    drops = -inertia.diff()
    following = drops.shift(-1)
    ratios = (drops / following.where(following > 0)).where(following > 0, np.inf)
    ratios = ratios.where((drops > 0) & following.notna()).dropna()
    if ratios.empty:
        return None, 0.0
    return int(ratios.idxmax()), float(ratios.max())
