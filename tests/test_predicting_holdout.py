"""The hold-out check: it recovers known parameters, and says in words when a check is poor."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from segmentation.predicting.eligibility import PredictionError
from segmentation.predicting.holdout import (
    DAILY_TRACKING_UP_TO_DAYS,
    POOR_AUC,
    HoldoutConfig,
    holdout_check,
    holdout_verdict,
)
from segmentation.predicting.simulation import CDNOW_DAILY, CDNOW_SPEND, simulate_orders


@pytest.fixture(scope="module")
def check():
    return holdout_check(simulate_orders(20_000, seed=7))


def test_the_refit_recovers_the_known_parameters(check):
    fitted = check.model.parameters()
    truth = {"r": CDNOW_DAILY.r, "alpha": CDNOW_DAILY.alpha, "a": CDNOW_DAILY.a, "b": CDNOW_DAILY.b}
    for name in ("r", "alpha"):  # the order rate is pinned down tightly
        assert fitted[name] == pytest.approx(truth[name], rel=0.1), name
    for name in ("a", "b"):  # dropout is only seen after repeat orders: looser
        assert fitted[name] == pytest.approx(truth[name], rel=0.25), name
    spend = check.model.spend
    assert spend.mean_order_value == pytest.approx(CDNOW_SPEND.mean_order_value, rel=0.05)


def test_predictions_match_what_happened_on_a_population_that_follows_the_model(check):
    assert abs(check.total_error_pct) < 5
    assert check.auc > 0.75
    assert check.quality == "good"
    assert "held well" in check.verdict
    table = check.by_past_orders
    assert list(table.columns) == ["customers", "predicted", "actual"]
    assert table["customers"].sum() == 20_000
    # the conditional expectations rise with past repeat orders, predicted as actual
    assert table["predicted"].is_monotonic_increasing
    busy = table.loc[table["customers"] >= 200]
    np.testing.assert_allclose(busy["predicted"], busy["actual"], rtol=0.2)


def test_the_tracking_curve_ends_at_the_totals(check):
    tracking = check.tracking
    assert check.holdout_days == 182  # the last quarter of 729 days
    assert check.holdout_days > DAILY_TRACKING_UP_TO_DAYS  # so the curve is weekly
    assert (tracking["date"].diff().dropna() <= pd.Timedelta(days=7)).all()
    assert tracking["date"].iloc[-1] == check.holdout_end
    assert tracking["predicted"].iloc[-1] == pytest.approx(check.predicted_orders)
    assert tracking["actual"].iloc[-1] == check.actual_orders
    assert tracking["predicted"].is_monotonic_increasing
    assert tracking["actual"].is_monotonic_increasing


def test_a_short_hold_out_is_tracked_day_by_day():
    short = holdout_check(simulate_orders(3000, seed=8), HoldoutConfig(share=0.1))
    assert short.holdout_days == 73
    assert len(short.tracking) == 73
    assert short.calibration_end + pd.Timedelta(days=73) == short.holdout_end


def test_a_peak_in_the_held_out_period_is_called_poor_in_plain_words():
    history = simulate_orders(5000, seed=9)
    orders = history.orders
    late = orders.loc[orders["date"] >= pd.Timestamp("2025-11-01")]
    # a Christmas rush: every late order comes with a second one two days later
    rush = late.assign(date=late["date"] + pd.Timedelta(days=2))
    peaked = type(history)(pd.concat([orders, rush], ignore_index=True), "customer_id")
    check = holdout_check(peaked)
    assert check.total_error_pct < -20
    assert check.quality == "poor"
    assert "seasonal peak (such as Christmas)" in check.verdict


@pytest.mark.parametrize(
    ("error", "auc", "quality", "words"),
    [
        (3.0, 0.80, "good", "held well"),
        (-15.0, 0.80, "fair", "rank customers"),
        (5.0, 0.68, "fair", "rank customers"),
        (-25.0, 0.74, "poor", "seasonal peak"),
        (30.0, 0.74, "poor", "Read predicted orders and CLV as a ceiling"),
        (2.0, 0.55, "poor", f"AUC below {POOR_AUC:.2f}"),
        (2.0, math.nan, "good", "held well"),
    ],
)
def test_verdicts(error, auc, quality, words):
    got_quality, text = holdout_verdict(1000, 1000, error, auc)
    assert got_quality == quality
    assert words in text


def test_hold_out_share_out_of_range_is_named():
    with pytest.raises(PredictionError, match=r"share=0\.8 must be from 0\.1 to 0\.5"):
        HoldoutConfig(share=0.8)
