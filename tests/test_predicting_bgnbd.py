"""BG/NBD: the published CDNOW fit, hand-computed toys, and properties of the predictions."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmentation.predicting.bgnbd import (
    BgNbdParams,
    bgnbd_log_likelihood,
    expected_orders,
    fit_bgnbd,
    p_alive,
    p_no_order,
)
from segmentation.predicting.history import CDNOW_SAMPLE, customer_inputs, load_order_history

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PAPER = BgNbdParams(r=0.243, alpha=4.414, a=0.793, b=2.426)


@pytest.fixture(scope="module")
def cdnow_inputs() -> pd.DataFrame:
    history = load_order_history(CDNOW_SAMPLE.read_bytes(), CDNOW_SAMPLE.name)
    return customer_inputs(history, "1997-09-30", "weeks").customers


@pytest.mark.parametrize("source", ["raw file", "published summary"])
def test_reproduces_the_published_fit(cdnow_inputs, source):
    data = cdnow_inputs
    if source == "published summary":
        data = pd.read_csv(FIXTURES / "cdnow_sample_summary.csv")
    fit = fit_bgnbd(data["x"], data["t_x"], data["T"])
    assert (round(fit.r, 3), round(fit.alpha, 3), round(fit.a, 3), round(fit.b, 3)) == (
        0.243,
        4.414,
        0.793,
        2.426,
    )
    assert round(fit.log_likelihood, 1) == -9582.4
    assert fit.n_customers == 2357
    assert round(float(expected_orders(fit, 39, 2, 30.43, 38.86)), 3) == 1.226


def test_log_likelihood_by_hand():
    # x = 0: only the "still alive" term, r·ln(α/(α+T))
    params = BgNbdParams(r=2, alpha=3, a=1, b=1)
    assert bgnbd_log_likelihood(params, [0], [0], [5])[0] == pytest.approx(2 * math.log(3 / 8))
    # r = α = a = b = 1, x = 1, t_x = 1, T = 3:
    # B(1, 2)/B(1, 1) · Γ(2)/Γ(1) · [1/(1+3)² + 1/1 · 1/(1+1)²] = ½ · (1/16 + 1/4) = 5/32
    ones = BgNbdParams(r=1, alpha=1, a=1, b=1)
    assert bgnbd_log_likelihood(ones, [1], [1], [3])[0] == pytest.approx(math.log(5 / 32))


def test_p_alive_and_p_no_order_by_hand():
    ones = BgNbdParams(r=1, alpha=1, a=1, b=1)
    # 1 / (1 + a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)) = 1 / (1 + (4/2)²)
    assert p_alive(ones, [1], [1], [3])[0] == pytest.approx(1 / 5)
    # one-time buyers can never have left under the model
    assert p_alive(PAPER, [0, 0], [0, 0], [1, 500]).tolist() == [1.0, 1.0]
    # x = 0, alive for sure: P(no order in t) = ((α+T)/(α+T+t))^r = (8/10)²
    params = BgNbdParams(r=2, alpha=3, a=0.5, b=2)
    assert p_no_order(params, 2, [0], [0], [5])[0] == pytest.approx(0.64)
    # x = 1 (P(alive) = 1/5 above): 4/5 + 1/5 · ((1+3)/(1+3+4))^(1+1)
    assert p_no_order(ones, 4, [1], [1], [3])[0] == pytest.approx(0.8 + 0.2 * 0.25)


def test_without_dropout_expected_orders_are_the_posterior_rate_times_the_horizon():
    # a → 0: nobody leaves, λ | data ~ Gamma(r + x, α + T), so E[X(t)] = (r + x) t / (α + T)
    params = BgNbdParams(r=0.5, alpha=10, a=1e-9, b=3)
    x, t_x, T = np.array([0, 3, 10]), np.array([0, 20, 50]), np.array([30, 40, 60])
    expected = (0.5 + x) * 25 / (10 + T)
    np.testing.assert_allclose(expected_orders(params, 25, x, t_x, T), expected, rtol=1e-6)


def test_a_equal_to_one_is_the_limit_of_its_neighbours():
    near = [
        float(expected_orders(BgNbdParams(0.3, 5, a, 2), 39, 3, 20, 38))
        for a in (1 - 1e-4, 1.0, 1 + 1e-4)
    ]
    assert all(math.isfinite(v) for v in near)
    assert near[1] == pytest.approx(near[0], rel=1e-3)
    assert near[1] == pytest.approx(near[2], rel=1e-3)


def test_broadcasts_horizons_against_customers():
    horizons = np.array([[13.0], [26.0], [39.0]])
    grid = expected_orders(PAPER, horizons, [0, 2], [0, 30.43], [38, 38.86])
    assert grid.shape == (3, 2)
    assert grid[2, 1] == pytest.approx(float(expected_orders(PAPER, 39, 2, 30.43, 38.86)))


params_strategy = st.builds(
    BgNbdParams,
    r=st.floats(0.05, 5),
    alpha=st.floats(0.5, 500),
    a=st.floats(1e-6, 10),
    b=st.floats(0.2, 50),
)
history_strategy = st.tuples(st.integers(0, 60), st.floats(0.0, 1.0), st.floats(1.0, 700.0)).map(
    lambda v: (v[0], v[1] * v[2] if v[0] else 0.0, v[2])
)


@settings(max_examples=200, deadline=None)
@given(params_strategy, history_strategy, st.floats(0, 1000), st.floats(0, 1000))
def test_expected_orders_never_fall_as_the_horizon_grows(params, history, t1, t2):
    x, t_x, T = history
    shorter, longer = sorted((t1, t2))
    low = float(expected_orders(params, shorter, x, t_x, T))
    high = float(expected_orders(params, longer, x, t_x, T))
    assert high >= low - 1e-9 * max(1.0, low)
    assert float(expected_orders(params, 0, x, t_x, T)) == 0.0


@settings(max_examples=200, deadline=None)
@given(params_strategy, history_strategy, st.floats(0, 1), st.floats(1, 1000))
def test_a_more_recent_last_order_never_lowers_expected_orders(params, history, share, t):
    x, t_x, T = history
    if x == 0:
        return
    earlier = share * t_x
    assert float(expected_orders(params, t, x, t_x, T)) >= float(
        expected_orders(params, t, x, earlier, T)
    ) * (1 - 1e-9)


def test_huge_a_and_b_fall_back_to_a_fixed_dropout_chance():
    # a fit that makes every customer's dropout chance the same drives a and b up together
    x, t_x, T = np.array([0, 3, 30]), np.array([0, 300, 350]), np.array([365, 365, 365])
    moderate = expected_orders(BgNbdParams(0.3, 30, 1e3, 3e3), 365, x, t_x, T)
    for scale in (1e4, 1e12):
        huge = expected_orders(BgNbdParams(0.3, 30, scale, 3 * scale), 365, x, t_x, T)
        assert np.isfinite(huge).all()
        np.testing.assert_allclose(huge, moderate, rtol=0.02)
