"""Per customer: expected orders, churn risk, spend per order and customer value.

:func:`predict_customers` is the one call for the app and the command line: orders in,
one row per customer out (:data:`PREDICTION_COLUMNS`), with the fitted models and the
settings. The two models are fitted on the same day-based inputs; every horizon is in days.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from segmentation.data.dataset import CustomerData
from segmentation.predicting.bgnbd import (
    BgNbdParams,
    expected_orders,
    fit_bgnbd,
    p_alive,
    p_no_order,
)
from segmentation.predicting.eligibility import PredictionError, check_eligibility
from segmentation.predicting.gamma_gamma import (
    GammaGammaParams,
    expected_order_value,
    fit_gamma_gamma,
)
from segmentation.predicting.history import (
    CustomerInputs,
    OrderHistory,
    customer_inputs,
    data_order_history,
)

HORIZON_DAYS = 365
MIN_HORIZON_DAYS = 30
MAX_HORIZON_DAYS = 730
CHURN_WINDOW_DAYS = 90
# churn risk = P(no order in the next 90 days): Low below 33 % (an order is likely), Medium
# from 33 % to below 67 % (either way), High from 67 % (an order is unlikely). Measured on
# hold-outs (Online Retail from 9 Sep 2011 and 30 Jun 2011, the Pet Dynamics sample from 1 Aug
# 2026, CDNOW from 30 Sep 1997, simulated CDNOW): of Low customers 77–87 % ordered within the
# 90 days, of Medium 44–65 %, of High 6–36 %
CHURN_MEDIUM_FROM = 0.33
CHURN_HIGH_FROM = 0.67
CHURN_LEVELS = ("Low", "Medium", "High")
DISCOUNT_STEP_DAYS = 30  # CLV is discounted month by month
DAYS_PER_YEAR = 365.25
PREDICTION_COLUMNS = (
    "expected_orders",
    "p_order_90d",
    "churn_risk",
    "churn_risk_level",
    "expected_order_value",
    "predicted_clv",
    "historic_value",
    "total_value",
    "days_between_orders",
    "expected_next_order",
)
FILE_COLUMNS = (
    "expected_orders",
    "p_order_90d",
    "churn_risk",
    "expected_order_value",
    "predicted_clv",
    "historic_value",
    "expected_next_order",
)
# readable names of the prediction columns ({horizon}: the horizon in days), for tables and rules
COLUMN_LABELS = {
    "expected_orders": "expected orders in the next {horizon} days",
    "p_order_90d": "chance of an order in the next 90 days",
    "churn_risk": "churn risk (no order in the next 90 days)",
    "churn_risk_level": "churn risk level",
    "expected_order_value": "expected spend per order",
    "predicted_clv": "predicted CLV over the next {horizon} days",
    "historic_value": "historic value",
    "total_value": "total value (historic + predicted)",
    "days_between_orders": "average days between orders",
    "expected_next_order": "expected date of next order",
}
# the steps of a prediction, in order, as :func:`predict_customers` reports them
PREDICTION_STEPS = (
    "Preparing each customer's order history",
    "Fitting the orders model (BG/NBD)",
    "Fitting the spend model (Gamma-Gamma)",
    "Scoring customers",
)
Progress = Callable[[float, str], None]  # (share done, step about to start)
KNOWN_LIMITS = (
    "Predictions assume customers keep buying the way they did in this history: a season, a "
    "campaign or a change of prices the history did not show is not foreseen.",
    "Churn risk is the chance of no order in the next 90 days. It is not the model's chance "
    "that a customer has left for good (P(alive)): under the model a customer who bought only "
    "once can never have left (P(alive) = 1 however long ago), and on some data the rate of "
    "leaving cannot be told apart from slow buying (on Online Retail the fit puts it at 0).",
    "Spend per order is predicted from repeat orders only (the first order is left out) and "
    "assumes that how much a customer spends does not depend on how often they buy.",
    "Customers whose first order is after the as-of date are not scored.",
)


@dataclass(frozen=True)
class PredictionConfig:
    """Settings of a prediction (JSON-serialisable, for links and saved projects)."""

    horizon_days: int = HORIZON_DAYS  # days ahead for expected orders and predicted CLV
    discount_rate: float = 0.0  # yearly rate future value is discounted at (0.1 = 10 %)
    as_of: str | None = None  # ISO day predictions start from; None: the last order day

    def __post_init__(self) -> None:
        horizon = self.horizon_days
        if isinstance(horizon, bool) or not isinstance(horizon, int | np.integer):
            raise PredictionError(
                f"horizon_days={horizon!r} must be a whole number of days, "
                f"{MIN_HORIZON_DAYS}–{MAX_HORIZON_DAYS}."
            )
        if not MIN_HORIZON_DAYS <= horizon <= MAX_HORIZON_DAYS:
            raise PredictionError(
                f"horizon_days={horizon} must be from {MIN_HORIZON_DAYS} to {MAX_HORIZON_DAYS} "
                "days. Choose a horizon in that range (365 is a year)."
            )
        if not 0 <= self.discount_rate < 1:
            raise PredictionError(
                f"discount_rate={self.discount_rate!r} must be at least 0 and below 1 (a yearly "
                "rate, 0.1 for 10 %). Use 0 for no discounting."
            )

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> PredictionConfig:
        """Settings from :meth:`to_dict`'s form; unknown keys are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})


@dataclass(frozen=True)
class FittedModel:
    """Both fitted models, the day they were fitted at and their time unit."""

    orders: BgNbdParams
    spend: GammaGammaParams
    as_of: pd.Timestamp
    time_unit: str = "days"

    def parameters(self) -> dict[str, float]:
        """The seven parameters: r, alpha, a, b (orders) and p, q, gamma (spend)."""
        bg, gg = self.orders, self.spend
        names = ("r", "alpha", "a", "b", "p", "q", "gamma")
        return dict(zip(names, (bg.r, bg.alpha, bg.a, bg.b, gg.p, gg.q, gg.gamma), strict=True))


@dataclass(frozen=True)
class Predictions:
    """One row per scored customer (:data:`PREDICTION_COLUMNS`, indexed by customer key)."""

    customers: pd.DataFrame
    model: FittedModel
    config: PredictionConfig
    n_not_scored: int = 0
    notes: tuple[str, ...] = ()


def fit_model(
    inputs: CustomerInputs, today: pd.Timestamp | None = None, progress: Progress | None = None
) -> FittedModel:
    """Both models fitted to eligible customer inputs (raises :class:`PredictionError`);
    ``progress`` is told before each model is fitted."""
    check_eligibility(inputs, today)
    report = progress or _quiet
    customers = inputs.customers
    # one BLAS thread: the fits' sums are small, and OpenBLAS's idle threads would spin
    # between the optimiser's steps and take the core the next step needs (measured on
    # 2 cores, 100,000 customers: 0.18 s instead of 0.55 s)
    with threadpool_limits(limits=1, user_api="blas"):
        report(1 / len(PREDICTION_STEPS), PREDICTION_STEPS[1])
        orders = fit_bgnbd(customers["x"], customers["t_x"], customers["T"])
        report(2 / len(PREDICTION_STEPS), PREDICTION_STEPS[2])
        spend = fit_gamma_gamma(customers["x"], customers["zbar"])
    return FittedModel(orders, spend, inputs.as_of, inputs.time_unit)


def predict_customers(
    history: OrderHistory, config: PredictionConfig | None = None, progress: Progress | None = None
) -> Predictions:
    """Fit both models to the orders up to the as-of day and predict every customer.

    ``progress(share, step)`` is called as each of :data:`PREDICTION_STEPS` starts (the app
    shows it while the work runs in the background).

    Examples
    --------
    >>> from segmentation.predicting.simulation import simulate_orders
    >>> history = simulate_orders(2000, seed=1)
    >>> predictions = predict_customers(history, PredictionConfig(horizon_days=365))
    >>> len(predictions.customers), list(predictions.customers.columns[:3])
    (2000, ['expected_orders', 'p_order_90d', 'churn_risk'])
    >>> bool((predictions.customers["churn_risk"] + predictions.customers["p_order_90d"]
    ...       ).round(12).eq(1).all())
    True
    """
    config = config or PredictionConfig()
    report = progress or _quiet
    report(0.0, PREDICTION_STEPS[0])
    inputs = customer_inputs(history, config.as_of, "days")
    model = fit_model(inputs, progress=report)
    report(3 / len(PREDICTION_STEPS), PREDICTION_STEPS[3])
    scored = score_customers(model, inputs, config)
    return Predictions(scored, model, config, inputs.n_not_scored, inputs.notes())


def _quiet(share: float, step: str) -> None:
    """No progress reports."""


def predict_from_data(data: CustomerData, config: PredictionConfig | None = None) -> Predictions:
    """:func:`predict_customers` on the orders behind a customer table (the Data page's).

    >>> from segmentation import load_sample
    >>> predictions = predict_from_data(load_sample())
    >>> len(predictions.customers) > 5000, predictions.config.horizon_days
    (True, 365)
    """
    return predict_customers(data_order_history(data), config)


def score_customers(
    model: FittedModel, inputs: CustomerInputs, config: PredictionConfig
) -> pd.DataFrame:
    """The prediction columns for the customers of ``inputs`` under a fitted model."""
    c = inputs.customers
    x, t_x, T = inputs.arrays()
    unit = inputs.unit_days
    quiet = p_no_order(model.orders, CHURN_WINDOW_DAYS / unit, x, t_x, T)
    order_value = expected_order_value(model.spend, x, c["zbar"].to_numpy(dtype="float64"))
    horizon = config.horizon_days
    clv = order_value * discounted_orders(model.orders, horizon, config.discount_rate, inputs)
    historic = c["historic_value"].to_numpy(dtype="float64")
    frame = pd.DataFrame(
        {
            "expected_orders": expected_orders(model.orders, horizon / unit, x, t_x, T),
            "p_order_90d": 1.0 - quiet,
            "churn_risk": quiet,
            "churn_risk_level": churn_risk_levels(quiet),
            "expected_order_value": order_value,
            "predicted_clv": clv,
            "historic_value": historic,
            "total_value": historic + clv,
            "days_between_orders": np.where(x > 0, t_x * unit / np.maximum(x, 1), np.nan),
            "expected_next_order": expected_next_order(model.orders, inputs, horizon),
        },
        index=c.index,
    )
    return frame


def column_labels(config: PredictionConfig) -> dict[str, str]:
    """The readable name of every prediction column under these settings."""
    return {
        name: label.format(horizon=config.horizon_days) for name, label in COLUMN_LABELS.items()
    }


def churn_risk_levels(churn_risk: np.ndarray) -> pd.Categorical:
    """Low / Medium / High by :data:`CHURN_MEDIUM_FROM` and :data:`CHURN_HIGH_FROM`."""
    codes = np.searchsorted([CHURN_MEDIUM_FROM, CHURN_HIGH_FROM], churn_risk, side="right")
    return pd.Categorical.from_codes(codes, categories=list(CHURN_LEVELS), ordered=True)


def discounted_orders(
    params: BgNbdParams, horizon_days: float, rate: float, inputs: CustomerInputs
) -> np.ndarray:
    """Expected orders over the horizon, each discounted to the as-of day at a yearly rate.

    Orders are counted per :data:`DISCOUNT_STEP_DAYS` step and discounted at the step's end
    (so a step's orders are discounted a little too much, never too little).
    """
    x, t_x, T = inputs.arrays()
    unit = inputs.unit_days
    if rate == 0 or horizon_days == 0:
        return expected_orders(params, horizon_days / unit, x, t_x, T)
    ends = np.append(np.arange(DISCOUNT_STEP_DAYS, horizon_days, DISCOUNT_STEP_DAYS), horizon_days)
    cumulative = expected_orders(params, ends[:, None] / unit, x, t_x, T)
    per_step = np.diff(cumulative, axis=0, prepend=0.0)
    return ((1 + rate) ** (-ends / DAYS_PER_YEAR)) @ per_step


def expected_next_order(
    params: BgNbdParams, inputs: CustomerInputs, horizon_days: float
) -> pd.Series:
    """The day by which an order is more likely than not, or NaT when that is not within
    the horizon (customers who have more likely left, or buy too rarely)."""
    c = inputs.customers
    x, t_x, T = inputs.arrays()
    alive = p_alive(params, x, t_x, T)
    # P(order by t) = P(alive)·(1 − ((α+T)/(α+T+t))^(r+x)) = ½, solved for t
    with np.errstate(divide="ignore", invalid="ignore"):
        remaining = np.where(alive > 0.5, 1 - 0.5 / alive, np.nan)
        wait = (params.alpha + T) * (remaining ** (-1 / (params.r + x)) - 1)
    days = np.ceil(wait * inputs.unit_days)
    days = np.where(days <= horizon_days, days, np.nan)
    return pd.Series(inputs.as_of + pd.to_timedelta(days, unit="D"), index=c.index)


def prediction_file_table(predictions: Predictions) -> pd.DataFrame:
    """The command line's output: the customer key, then :data:`FILE_COLUMNS`, rounded."""
    frame = predictions.customers[list(FILE_COLUMNS)].copy()
    for name, places in (("expected_orders", 4), ("p_order_90d", 4), ("churn_risk", 4)):
        frame[name] = frame[name].round(places)
    for name in ("expected_order_value", "predicted_clv", "historic_value"):
        frame[name] = frame[name].round(2)
    frame["expected_next_order"] = frame["expected_next_order"].dt.strftime("%Y-%m-%d")
    return frame.reset_index()
