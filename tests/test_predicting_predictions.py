"""Per-customer predictions, their settings, and which data is eligible."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmentation.predicting.bgnbd import BgNbdParams, expected_orders, p_no_order
from segmentation.predicting.eligibility import (
    MIN_CUSTOMERS,
    MIN_HISTORY_DAYS,
    MIN_REPEAT_CUSTOMERS,
    PredictionError,
    check_eligibility,
    eligibility_problems,
)
from segmentation.predicting.gamma_gamma import GammaGammaParams
from segmentation.predicting.history import CustomerInputs, OrderHistory, customer_inputs
from segmentation.predicting.predictions import (
    CHURN_HIGH_FROM,
    CHURN_MEDIUM_FROM,
    FILE_COLUMNS,
    KNOWN_LIMITS,
    PREDICTION_COLUMNS,
    FittedModel,
    PredictionConfig,
    churn_risk_levels,
    column_labels,
    discounted_orders,
    predict_customers,
    prediction_file_table,
    score_customers,
)
from segmentation.predicting.simulation import simulate_orders


@pytest.fixture(scope="module")
def history() -> OrderHistory:
    return simulate_orders(3000, seed=11)


@pytest.fixture(scope="module")
def predictions(history):
    return predict_customers(history)


def toy_inputs(rows: list[tuple[int, float, float, float]], unit: str = "days") -> CustomerInputs:
    index = [f"c{i}" for i in range(len(rows))]
    frame = pd.DataFrame(rows, columns=["x", "t_x", "T", "zbar"], index=index)
    frame["historic_value"] = 100.0
    as_of = pd.Timestamp("2025-01-01")
    return CustomerInputs(frame, as_of, unit, as_of - pd.Timedelta(days=365))


TOY_MODEL = FittedModel(
    BgNbdParams(r=0.5, alpha=20.0, a=0.8, b=2.5),
    GammaGammaParams(p=6.0, q=4.0, gamma=15.0),
    pd.Timestamp("2025-01-01"),
)


def test_every_customer_gets_every_column(predictions, history):
    c = predictions.customers
    assert tuple(c.columns) == PREDICTION_COLUMNS
    assert len(c) == history.orders["customer"].nunique()
    assert c.index.name == "customer_id"
    assert (c["expected_orders"] >= 0).all() and (c["predicted_clv"] >= 0).all()
    assert np.allclose(c["churn_risk"] + c["p_order_90d"], 1)
    assert np.allclose(c["total_value"], c["historic_value"] + c["predicted_clv"])
    assert np.allclose(c["predicted_clv"], c["expected_orders"] * c["expected_order_value"])
    assert set(predictions.model.parameters()) == {"r", "alpha", "a", "b", "p", "q", "gamma"}


def test_hand_computed_columns():
    inputs = toy_inputs([(2, 60.0, 90.0, 40.0), (0, 0.0, 30.0, 0.0)])
    scored = score_customers(TOY_MODEL, inputs, PredictionConfig(horizon_days=100))
    params = TOY_MODEL.orders
    first, second = scored.iloc[0], scored.iloc[1]
    assert first["expected_orders"] == pytest.approx(float(expected_orders(params, 100, 2, 60, 90)))
    assert first["churn_risk"] == pytest.approx(float(p_no_order(params, 90, 2, 60, 90)))
    # (γ + x·zbar)·p / (p·x + q − 1) = 95·6/15 and, with no repeat order, pγ/(q−1) = 30
    assert first["expected_order_value"] == pytest.approx(38.0)
    assert second["expected_order_value"] == pytest.approx(30.0)
    assert first["days_between_orders"] == 30.0  # 60 days / 2 repeat orders
    assert np.isnan(second["days_between_orders"])


def test_weeks_and_days_give_the_same_customers_the_same_predictions():
    days = toy_inputs([(2, 63.0, 91.0, 40.0), (0, 0.0, 35.0, 0.0)])
    weeks = toy_inputs([(2, 9.0, 13.0, 40.0), (0, 0.0, 5.0, 0.0)], unit="weeks")
    in_days = TOY_MODEL
    in_weeks = FittedModel(
        BgNbdParams(r=0.5, alpha=20.0 / 7, a=0.8, b=2.5), TOY_MODEL.spend, TOY_MODEL.as_of, "weeks"
    )
    config = PredictionConfig(horizon_days=182)
    by_day = score_customers(in_days, days, config)
    by_week = score_customers(in_weeks, weeks, config)
    pd.testing.assert_frame_equal(by_day, by_week)


def test_the_next_order_date_is_when_an_order_becomes_more_likely_than_not():
    inputs = toy_inputs([(6, 88.0, 90.0, 40.0), (1, 5.0, 300.0, 40.0)])
    scored = score_customers(TOY_MODEL, inputs, PredictionConfig(horizon_days=365))
    next_order = scored["expected_next_order"].iloc[0]
    days = (next_order - TOY_MODEL.as_of).days
    params = TOY_MODEL.orders
    assert 1 - float(p_no_order(params, days, 6, 88, 90)) >= 0.5
    assert 1 - float(p_no_order(params, days - 1, 6, 88, 90)) < 0.5
    assert pd.isna(scored["expected_next_order"].iloc[1])  # has most likely left


def test_discounting_lowers_clv_and_a_zero_horizon_is_worth_nothing():
    inputs = toy_inputs([(2, 60.0, 90.0, 40.0), (5, 80.0, 90.0, 10.0)])
    plain = score_customers(TOY_MODEL, inputs, PredictionConfig(horizon_days=730))
    discounted = score_customers(
        TOY_MODEL, inputs, PredictionConfig(horizon_days=730, discount_rate=0.2)
    )
    assert (discounted["predicted_clv"] < plain["predicted_clv"]).all()
    assert (discounted["predicted_clv"] > plain["predicted_clv"] / 1.2**2).all()
    for rate in (0.0, 0.1):
        assert discounted_orders(TOY_MODEL.orders, 0, rate, inputs).tolist() == [0.0, 0.0]


@settings(max_examples=50, deadline=None)
@given(st.floats(0, 0.9), st.integers(0, 40), st.floats(0, 1), st.floats(1, 700))
def test_clv_is_zero_for_a_zero_horizon(rate, x, share, T):
    inputs = toy_inputs([(x, share * T if x else 0.0, T, 25.0)])
    assert discounted_orders(TOY_MODEL.orders, 0, rate, inputs)[0] == 0.0


@pytest.mark.parametrize(
    ("risk", "level"),
    [(0.0, "Low"), (CHURN_MEDIUM_FROM - 1e-9, "Low"), (CHURN_MEDIUM_FROM, "Medium"),
     (CHURN_HIGH_FROM - 1e-9, "Medium"), (CHURN_HIGH_FROM, "High"), (1.0, "High")],
)  # fmt: skip
def test_churn_levels_follow_the_stated_thresholds(risk, level):
    assert list(churn_risk_levels(np.array([risk]))) == [level]


def test_every_column_has_a_readable_label():
    labels = column_labels(PredictionConfig(horizon_days=180))
    assert list(labels) == list(PREDICTION_COLUMNS)
    assert labels["predicted_clv"] == "predicted CLV over the next 180 days"


def test_known_limits_name_the_p_alive_caveat():
    text = " ".join(KNOWN_LIMITS)
    assert "P(alive) = 1" in text and "90 days" in text and "Online Retail" in text


@pytest.mark.parametrize(
    ("settings_", "message"),
    [
        ({"horizon_days": 29}, r"horizon_days=29 must be from 30 to 730 days"),
        ({"horizon_days": 731}, r"horizon_days=731 must be from 30 to 730"),
        ({"horizon_days": 365.5}, r"horizon_days=365.5 must be a whole number of days"),
        ({"discount_rate": -0.1}, r"discount_rate=-0.1 must be at least 0 and below 1"),
        ({"discount_rate": 1.0}, r"discount_rate=1.0 must be at least 0"),
    ],
)
def test_settings_out_of_range_are_named(settings_, message):
    with pytest.raises(PredictionError, match=message):
        PredictionConfig(**settings_)


def test_settings_round_trip_through_json():
    config = PredictionConfig(horizon_days=180, discount_rate=0.08, as_of="2025-06-30")
    again = PredictionConfig.from_dict(json.loads(json.dumps(config.to_dict())) | {"new": 1})
    assert again == config


def test_as_of_leaves_later_orders_and_customers_out(history):
    as_of = "2024-10-31"  # customers join until 31 Dec 2024
    predicted = predict_customers(history, PredictionConfig(as_of=as_of))
    first_orders = history.orders.groupby("customer")["date"].min().dt.normalize()
    assert len(predicted.customers) == int((first_orders <= pd.Timestamp(as_of)).sum())
    assert predicted.n_not_scored == len(first_orders) - len(predicted.customers)
    assert predicted.model.as_of == pd.Timestamp(as_of)
    assert "not scored" in predicted.notes[0]


def test_file_table_has_the_key_first_and_the_columns_in_order(predictions):
    table = prediction_file_table(predictions)
    assert list(table.columns) == ["customer_id", *FILE_COLUMNS]
    assert table["expected_next_order"].dropna().str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()


# --- eligibility --------------------------------------------------------------------------


def eligible_frame(n: int, repeat: int, spend: float = 20.0) -> pd.DataFrame:
    x = np.r_[np.ones(repeat, dtype=int), np.zeros(n - repeat, dtype=int)]
    return pd.DataFrame(
        {"x": x, "t_x": x * 30.0, "T": 200.0, "zbar": np.where(x > 0, spend, 0.0),
         "historic_value": spend * (1 + x)},
        index=[f"c{i}" for i in range(n)],
    )  # fmt: skip


def inputs_with(customers: pd.DataFrame, days: int = 365, as_of: str = "2025-01-01"):
    as_of = pd.Timestamp(as_of)
    return CustomerInputs(customers, as_of, "days", as_of - pd.Timedelta(days=days))


TODAY = pd.Timestamp("2026-01-01")


def test_an_eligible_history_has_no_problems():
    assert eligibility_problems(inputs_with(eligible_frame(600, 200)), TODAY) == ()


INELIGIBLE = [
    (eligible_frame(600, 200), {"days": 0}, "Every order up to 01 Jan 2025 is on that one day"),
    (eligible_frame(600, 200), {"days": 100}, f"cover 100 days .* least {MIN_HISTORY_DAYS} days"),
    (eligible_frame(400, 200), {}, f"400 customers have orders .* at least {MIN_CUSTOMERS}"),
    (eligible_frame(600, 20), {}, f"20 customers ordered again .* least {MIN_REPEAT_CUSTOMERS}"),
    (eligible_frame(600, 200, spend=0.0), {}, "Every order's amount is 0"),
    (eligible_frame(600, 200), {"as_of": "2026-03-01"}, r"01 Mar 2026 is after today \(01 Jan"),
]


@pytest.mark.parametrize(("customers", "dates", "message"), INELIGIBLE)
def test_each_ineligible_history_is_named_with_what_is_needed(customers, dates, message):
    inputs = inputs_with(customers, **dates)
    assert len(eligibility_problems(inputs, TODAY)) == 1
    with pytest.raises(PredictionError, match=message):
        check_eligibility(inputs, TODAY)


def test_every_problem_is_reported_at_once():
    problems = eligibility_problems(inputs_with(eligible_frame(100, 10), days=30), TODAY)
    assert len(problems) == 3


def test_predict_refuses_an_ineligible_history():
    small = simulate_orders(200, seed=4)
    with pytest.raises(PredictionError, match="predictions need at least 500"):
        predict_customers(small)
    inputs = customer_inputs(small)
    assert inputs.customers.shape[0] == 200


def test_progress_is_told_each_step_in_order_with_a_growing_share():
    from segmentation.predicting.predictions import PREDICTION_STEPS, predict_customers

    told: list[tuple[float, str]] = []
    predict_customers(simulate_orders(800, seed=5), progress=lambda *report: told.append(report))
    assert [step for _, step in told] == list(PREDICTION_STEPS)
    shares = [share for share, _ in told]
    assert shares == sorted(shares) and shares[0] == 0 and shares[-1] < 1
