"""k-prototypes: scikit-learn contract, a mixed toy with an obvious answer, determinism, gamma."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score
from sklearn.utils.estimator_checks import parametrize_with_checks

from segmentation.segmenting.kprototypes import KPrototypes


# The common checks feed random floats (negative, non-integer) to every column, so they can only
# exercise the numeric path: with the default ``categorical=()`` KPrototypes is Lloyd k-means and
# passes every check (no expected_failed_checks needed). The categorical-codes contract (integer
# codes >= 0 in the ``categorical`` columns) is covered by the hand-made tests below.
@parametrize_with_checks([KPrototypes(n_clusters=3)])
def test_kprototypes_is_a_scikit_learn_clusterer(estimator, check) -> None:
    check(estimator)


def mixed_toy() -> tuple[np.ndarray, np.ndarray]:
    """Three groups of five: two told apart by the number, two by the category code.

    group 0: spend ≈ 0,  category 0
    group 1: spend ≈ 0,  category 1   (same numbers as group 0: only the category separates)
    group 2: spend ≈ 10, category 0   (same category as group 0: only the number separates)
    """
    spend = [0.0, 0.1, 0.2, 0.1, 0.0] * 2 + [10.0, 10.1, 9.9, 10.2, 9.8]
    category = [0] * 5 + [1] * 5 + [0] * 5
    return np.column_stack([spend, category]), np.repeat([0, 1, 2], 5)


def test_mixed_toy_is_recovered_exactly() -> None:
    X, truth = mixed_toy()
    model = KPrototypes(3, categorical=[1], gamma=5.0, random_state=0, n_init=4).fit(X)
    assert adjusted_rand_score(truth, model.labels_) == 1.0
    # prototypes: mean spend and most common category of each group
    prototypes = sorted(
        zip(model.cluster_numeric_[:, 0].round(2), model.cluster_modes_[:, 0], strict=True)
    )
    assert prototypes == [(0.08, 0), (0.08, 1), (10.0, 0)]
    # squared deviations 0.028 + 0.028 + 0.10 and no category mismatch
    assert model.cost_ == pytest.approx(0.156)
    np.testing.assert_array_equal(model.predict(X), model.labels_)
    assert model.n_features_in_ == 2


def test_cost_is_squared_distance_plus_gamma_times_mismatches() -> None:
    # two clusters of two points; one point in each has a category that differs from the mode
    X = np.array([[0.0, 0], [2.0, 0], [0.0, 0], [10.0, 1], [12.0, 1], [10.0, 1]])
    model = KPrototypes(2, categorical=[1], gamma=3.0, random_state=0).fit(X)
    # centres 2/3 and 32/3: squared distances (4/9 + 16/9 + 4/9) per cluster = 24/9 each
    assert model.cost_ == pytest.approx(2 * 24 / 9)
    X[1, 1] = 1  # now one mismatch against the mode 0 of its cluster
    model = KPrototypes(2, categorical=[1], gamma=3.0, random_state=0).fit(X)
    assert model.cost_ == pytest.approx(2 * 24 / 9 + 3.0)


def test_prediction_of_new_customers_uses_numbers_and_categories() -> None:
    X, _ = mixed_toy()
    model = KPrototypes(3, categorical=[1], gamma=5.0, random_state=0).fit(X)
    new = np.array([[0.05, 1], [0.05, 0], [9.5, 0]])
    predicted = model.predict(new)
    expected = [model.predict(X[[5]])[0], model.predict(X[[0]])[0], model.predict(X[[10]])[0]]
    assert predicted.tolist() == expected
    assert len(set(expected)) == 3


def test_fixed_random_state_gives_identical_results() -> None:
    rng = np.random.default_rng(3)
    X = np.column_stack([rng.normal(size=(200, 2)), rng.integers(0, 4, size=(200, 2))])
    first = KPrototypes(4, categorical=[2, 3], random_state=7).fit(X)
    second = KPrototypes(4, categorical=[2, 3], random_state=7).fit(X)
    np.testing.assert_array_equal(first.labels_, second.labels_)
    np.testing.assert_array_equal(first.cluster_numeric_, second.cluster_numeric_)
    np.testing.assert_array_equal(first.cluster_modes_, second.cluster_modes_)
    assert first.cost_ == second.cost_


@pytest.mark.parametrize(
    ("X", "categorical", "gamma", "expected"),
    [
        # numeric variances 1 and 4 (population): half their mean is 1.25
        (np.array([[0.0, 0, 0], [2, 4, 1], [0, 0, 1], [2, 4, 0]]), [2], None, 1.25),
        # the categorical column does not count towards the variance
        (np.array([[0.0, 0], [2, 9], [0, 5], [2, 1]]), [1], None, 0.5),
        # an explicit gamma is used as given
        (np.array([[0.0, 0], [2, 1], [0, 1], [2, 0]]), [1], 7.0, 7.0),
        # only categories: one mismatch weighs 1
        (np.array([[0.0, 1], [1, 0], [0, 0], [1, 1]]), [0, 1], None, 1.0),
    ],
)
def test_gamma(X: np.ndarray, categorical: list[int], gamma: float | None, expected: float) -> None:
    model = KPrototypes(2, categorical=categorical, gamma=gamma, random_state=0).fit(X)
    assert model.gamma_ == pytest.approx(expected)


def test_only_categorical_columns_cluster_by_mode() -> None:
    X = np.array([[0, 0], [0, 0], [0, 1], [2, 2], [2, 2], [2, 3]], dtype=float)
    model = KPrototypes(2, categorical=[0, 1], random_state=0).fit(X)
    assert adjusted_rand_score([0, 0, 0, 1, 1, 1], model.labels_) == 1.0
    assert sorted(map(tuple, model.cluster_modes_.tolist())) == [(0, 0), (2, 2)]


def test_more_clusters_than_rows_is_refused() -> None:
    with pytest.raises(ValueError, match="larger sample than population"):
        KPrototypes(5, random_state=0).fit(np.zeros((3, 2)))


def test_n_iter_counts_the_iterations_actually_run() -> None:
    X, _ = mixed_toy()
    model = KPrototypes(3, categorical=[1], gamma=5.0, max_iter=100, random_state=0).fit(X)
    assert 1 <= model.n_iter_ < 100  # fifteen well-separated points converge in a few steps
