"""Gamma-Gamma: the published CDNOW fit and hand-computed toys."""

from __future__ import annotations

import math

import numpy as np
import pytest

from segmentation.predicting.eligibility import PredictionError
from segmentation.predicting.gamma_gamma import (
    GammaGammaParams,
    expected_order_value,
    fit_gamma_gamma,
    gamma_gamma_log_likelihood,
)
from segmentation.predicting.history import CDNOW_SAMPLE, customer_inputs, load_order_history


def test_reproduces_the_published_fit_on_the_946_repeat_customers():
    history = load_order_history(CDNOW_SAMPLE.read_bytes(), CDNOW_SAMPLE.name)
    cdnow = customer_inputs(history, "1997-09-30", "weeks").customers
    fit = fit_gamma_gamma(cdnow["x"], cdnow["zbar"])
    assert fit.n_customers == 946
    # published to two decimals (Fader & Hardie 2013): p = 6.25, q = 3.74, γ = 15.44
    assert (round(fit.p, 2), round(fit.q, 2), round(fit.gamma, 2)) == (6.25, 3.74, 15.44)
    assert round(fit.mean_order_value, 2) == 35.17  # pγ/(q−1) at full precision


def test_log_likelihood_by_hand():
    # p = q = γ = 1, x = 1, zbar = 1: ln Γ(2) − 2 ln Γ(1) + 0 + 0 + 0 − 2 ln 2
    ones = GammaGammaParams(1, 1, 1)
    assert gamma_gamma_log_likelihood(ones, [1], [1.0])[0] == pytest.approx(-2 * math.log(2))
    # the density of zbar integrates to 1 (x = 3, numerically)
    params = GammaGammaParams(6.25, 3.74, 15.44)
    grid = np.linspace(1e-6, 2000, 400_001)
    density = np.exp(gamma_gamma_log_likelihood(params, np.full(grid.size, 3), grid))
    assert np.trapezoid(density, grid) == pytest.approx(1.0, abs=1e-4)


def test_expected_spend_is_a_weighted_mean_of_the_population_and_the_customer():
    params = GammaGammaParams(p=2, q=3, gamma=10)  # population mean pγ/(q−1) = 10
    # x = 4, zbar = 30: (γ + x·zbar)·p / (p·x + q − 1) = 130·2/10
    values = expected_order_value(params, [0, 4, 4], [99.0, 30.0, 10.0])
    np.testing.assert_allclose(values, [10.0, 26.0, 10.0])


def test_customers_without_positive_repeat_spend_are_left_out_of_the_fit():
    rng = np.random.default_rng(0)
    x = rng.integers(1, 6, 400)
    zbar = rng.gamma(4, 10, 400)
    fit = fit_gamma_gamma(x, zbar)
    padded = fit_gamma_gamma(np.r_[x, 0, 0, 3], np.r_[zbar, 0.0, 0.0, 0.0])
    assert padded.n_customers == fit.n_customers == 400
    assert padded.p == pytest.approx(fit.p)


def test_no_positive_spend_and_an_undefined_mean_are_named():
    with pytest.raises(PredictionError, match="No customer has a repeat order with a positive"):
        fit_gamma_gamma([0, 2, 3], [5.0, 0.0, 0.0])
    with pytest.raises(PredictionError, match=r"q=0\.80 is at most 1"):
        expected_order_value(GammaGammaParams(2, 0.8, 10), [0, 2], [0.0, 5.0])
    # customers with repeat orders still have a finite expected spend
    assert np.isfinite(expected_order_value(GammaGammaParams(2, 0.8, 10), [2], [5.0])).all()
