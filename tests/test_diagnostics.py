"""Choosing k: the recommendation on hand-made tables, the elbow, choose_k's table and errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segmentation.segmenting.clustering import ClusterConfig, ClusterError
from segmentation.segmenting.diagnostics import KDiagnostics, choose_k, elbow_k, recommend_k
from segmentation.segmenting.features import FeatureConfig, FeatureMatrix

COLUMNS = ["inertia", "silhouette", "calinski_harabasz", "davies_bouldin", "bic", "stability"]


def table(
    inertia: list[float],
    silhouette: list[float],
    davies_bouldin: list[float],
    stability: list[float],
    first_k: int = 2,
) -> pd.DataFrame:
    """A diagnostics table for k = first_k, first_k + 1, ... (the unused scores are constant)."""
    n = len(inertia)
    return pd.DataFrame(
        {
            "inertia": inertia,
            "silhouette": silhouette,
            "calinski_harabasz": [100.0] * n,
            "davies_bouldin": davies_bouldin,
            "bic": [500.0] * n,
            "stability": stability,
        },
        index=pd.Index(range(first_k, first_k + n), name="k"),
    )


# k = 2..6. Drops in inertia into k = 3, 4, 5, 6: 40, 40, 5, 3. Ratios (drop into k / drop after
# k): k=3: 1.0, k=4: 8.0, k=5: 1.67, so the elbow is k=4 with strength 8.0.
ELBOW = table(
    [100, 60, 20, 15, 12],
    [0.30, 0.40, 0.60, 0.50, 0.45],
    [1.20, 1.00, 0.70, 0.80, 0.90],
    [0.95, 0.95, 0.95, 0.95, 0.95],
)


def test_clear_and_stable_elbow_is_recommended() -> None:
    k, reason = recommend_k(ELBOW)
    assert k == 4
    assert reason == (
        "4 segments: the elbow of the inertia curve (adding a segment up to 4 cuts the spread "
        "8.0× more than adding one more after it); silhouette 0.60, Davies–Bouldin 0.70, and the "
        "same segments come back when customers are resampled (stability 0.95)."
    )


# Linear inertia (every ratio 1.0): no elbow, so the best average rank of silhouette (high),
# Davies–Bouldin (low) and stability (high) wins.
NO_ELBOW = table(
    [100, 80, 60, 40, 20],
    [0.20, 0.45, 0.50, 0.30, 0.25],
    [1.50, 0.80, 0.90, 1.10, 1.20],
    [0.85, 0.99, 0.90, 0.88, 0.86],
)
# ranks (1 = best)   k:   2    3    4    5    6
#   silhouette           5    2    1    3    4
#   davies_bouldin       5    1    2    3    4
#   stability            5    1    2    3    4
#   mean                 5  1.33 1.67   3    4   → k = 3


def test_without_an_elbow_the_best_average_rank_wins() -> None:
    k, reason = recommend_k(NO_ELBOW)
    assert k == 3
    assert reason == (
        "3 segments: no clear elbow in the inertia curve, and 3 has the best balance of "
        "separation, compactness and stability; silhouette 0.45, Davies–Bouldin 0.80, and the "
        "same segments come back when customers are resampled (stability 0.99)."
    )
    assert "elbow of the inertia curve" not in reason


def test_an_unstable_elbow_is_passed_over_for_the_best_stable_k() -> None:
    unstable = ELBOW.copy()
    unstable.loc[4, "stability"] = 0.5  # the elbow k is below the 0.8 stability bar
    unstable.loc[5, "stability"] = 0.99
    k, reason = recommend_k(unstable)
    # stable pool k = 2, 3, 5, 6; mean ranks: k=2: (4+4+2.5)/3, k=3: (3+3+2.5)/3,
    # k=5: (1+1+1)/3 = 1, k=6: (2+2+2.5)/3  → k = 5
    assert k == 5
    assert reason == (
        "5 segments: the elbow at 4 was passed over because its segments change when customers "
        "are resampled, and 5 has the best balance of separation, compactness and stability; "
        "silhouette 0.50, Davies–Bouldin 0.80, and the same segments come back when customers "
        "are resampled (stability 0.99)."
    )


@pytest.mark.parametrize(
    ("drops", "clear"),
    [
        ((30.0, 15.0), True),  # ratio exactly 2: clear
        ((30.0, 15.1), False),  # ratio just below 2: not clear
    ],
)
def test_clear_elbow_threshold_is_a_drop_ratio_of_two(
    drops: tuple[float, float], clear: bool
) -> None:
    first, second = drops
    inertia = [100.0, 100 - first, 100 - first - second]  # k = 2, 3, 4: one ratio, at k=3
    k, reason = recommend_k(table(inertia, [0.5, 0.4, 0.3], [1.0, 1.1, 1.2], [0.9] * 3))
    if clear:
        assert (k, reason.split(";")[0]) == (
            3,
            "3 segments: the elbow of the inertia curve (adding a segment up to 3 cuts the "
            "spread 2.0× more than adding one more after it)",
        )
    else:
        assert k == 2  # best ranks
        assert "no clear elbow" in reason


def test_without_a_stable_k_the_recommendation_is_tentative() -> None:
    shaky = NO_ELBOW.assign(stability=[0.30, 0.60, 0.50, 0.40, 0.35])
    k, reason = recommend_k(shaky)
    assert k == 3  # ranks over all k: silhouette 2, Davies–Bouldin 1, stability 1
    assert reason == (
        "3 segments: no clear elbow in the inertia curve, and 3 has the best balance of "
        "separation, compactness and stability; silhouette 0.45, Davies–Bouldin 0.80, and "
        "stability is 0.60, below 0.8. No k was stable (all below 0.8): treat these segments "
        "as tentative."
    )
    assert "the same segments come back" not in reason


def test_a_clear_elbow_without_any_stable_k_is_still_tentative() -> None:
    shaky = ELBOW.assign(stability=[0.5] * 5)
    k, reason = recommend_k(shaky)
    assert k == 4  # best ranks (silhouette and Davies–Bouldin both best at 4)
    assert "tentative" in reason


def test_tentative_elbow_is_not_said_to_be_passed_over_when_it_is_chosen() -> None:
    k, reason = recommend_k(ELBOW.assign(stability=[0.5] * 5))
    assert k == 4
    assert "passed over" not in reason


@pytest.mark.parametrize(
    ("inertia", "expected"),
    [
        ([100, 60, 20, 15, 12], (4, 8.0)),
        ([100, 80, 60, 40, 20], (3, 1.0)),  # ties: the first k
        ([100, 10, 9, 8], (3, 90.0)),
        ([100, 50], (None, 0.0)),  # one drop: nothing to compare
        ([100], (None, 0.0)),
        # a drop followed by a flat or rising curve is the sharpest elbow there is
        ([100, 50, 20, 20, 20], (4, float("inf"))),
        ([100, 50, 20, 22, 21], (4, float("inf"))),
        ([100, 100, 100], (None, 0.0)),  # no drop at all
    ],
)
def test_elbow_k(inertia: list[float], expected: tuple[int | None, float]) -> None:
    series = pd.Series(inertia, index=range(2, 2 + len(inertia)), dtype=float)
    k, strength = elbow_k(series)
    assert k == expected[0]
    assert strength == pytest.approx(expected[1])


def test_an_elbow_before_a_flat_curve_is_far_sharper() -> None:
    flat_after = table(
        [100, 50, 20, 22, 21],
        *(list(ELBOW[c]) for c in ("silhouette", "davies_bouldin", "stability")),
    )
    k, reason = recommend_k(flat_after)
    assert k == 4
    assert reason.startswith(
        "4 segments: the elbow of the inertia curve (adding a segment up to 4 cuts the spread "
        "far more than adding one more after it); "
    )


def blobs() -> FeatureMatrix:
    """Three groups of 40, 30 and 20 customers, sd 0.5, centres 10 apart."""
    rng = np.random.default_rng(0)
    centres, sizes = ((0, 0), (10, 0), (0, 10)), (40, 30, 20)
    X = np.vstack([rng.normal(c, 0.5, size=(n, 2)) for n, c in zip(sizes, centres, strict=True)])
    frame = pd.DataFrame(X, columns=["spend", "visits"], index=[f"c{i}" for i in range(90)])
    return FeatureMatrix(frame, FeatureConfig(("spend", "visits")), None, ("spend", "visits"), ())


TOY = blobs()


@pytest.mark.parametrize("method", ["kmeans", "gmm", "ward", "kprototypes"])
def test_choose_k_table_and_recommendation(method: str) -> None:
    diagnostics = choose_k(TOY, [5, 2, 3, 4, 3], ClusterConfig(method=method))
    assert isinstance(diagnostics, KDiagnostics)
    assert list(diagnostics.table.columns) == COLUMNS
    assert diagnostics.table.index.name == "k"
    assert list(diagnostics.table.index) == [2, 3, 4, 5]  # sorted, duplicates dropped
    assert diagnostics.table.notna().all().all()
    assert diagnostics.recommended_k == 3
    assert diagnostics.method == method
    assert "elbow" in diagnostics.reason
    # the scores behave as documented on three clean groups
    best = diagnostics.table.loc[3]
    assert best["silhouette"] == diagnostics.table["silhouette"].max() > 0.8
    assert best["stability"] >= 0.99
    assert diagnostics.table["inertia"].is_monotonic_decreasing


def test_progress_is_reported_with_increasing_shares_ending_at_one() -> None:
    calls: list[tuple[float, str]] = []
    choose_k(
        TOY, range(2, 6), ClusterConfig(), progress=lambda share, text: calls.append((share, text))
    )
    shares = [share for share, _ in calls]
    assert shares == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert calls[0][1] == "Trying 2 segments (1 of 4)…"
    assert calls[3][1] == "Trying 5 segments (4 of 4)…"
    assert calls[-1] == (1.0, "Done.")


@pytest.mark.parametrize(
    ("k_values", "config", "message"),
    [
        (
            [1, 2, 3],
            ClusterConfig(),
            r"^The k range 1–3 must lie between 2 and 89 \(one less than the customers\)\. "
            r"Choose a smaller range\.$",
        ),
        (
            [2, 90],
            ClusterConfig(),
            r"^The k range 2–90 must lie between 2 and 89 \(one less than the customers\)\. "
            r"Choose a smaller range\.$",
        ),
        (
            [],
            ClusterConfig(),
            r"^The k range \?–\? must lie between 2 and 89 \(one less than the customers\)\. ",
        ),
        (
            [2, 3],
            ClusterConfig(method="hdbscan"),
            r"^HDBSCAN finds the number of segments itself; the k diagnostics apply to k-means, "
            r"Gaussian mixture, Ward and k-prototypes\.$",
        ),
    ],
    ids=["below-two", "above-n-minus-one", "empty", "hdbscan"],
)
def test_choose_k_errors(k_values: list[int], config: ClusterConfig, message: str) -> None:
    with pytest.raises(ClusterError, match=message):
        choose_k(TOY, k_values, config)


def test_choose_k_does_not_change_the_config() -> None:
    config = ClusterConfig(n_segments=6)
    choose_k(TOY, [2, 3], config)
    assert config.n_segments == 6
