"""How well the model would have predicted the data's own last months.

The orders are cut at a day before the end (by default so that the last quarter of the period
is held out); the models are fitted on the orders up to the cut, exactly as they would be for
a real prediction, and their predictions for the held-out days are compared with what the
same customers then did: repeat orders by number of past repeat orders (the paper's
conditional expectations, 0, 1, … 7+), the cumulative repeat orders day by day (week by week
for hold-outs longer than 13 weeks), the total error, and how well churn risk ranked who came
back (AUC). Customers who first bought after the cut are new in the hold-out and not counted.

Known limits: one hold-out is one season. A held-out quarter with a peak the earlier months
did not have (a Christmas quarter) is under-predicted whatever the model: on Online Retail
the last quarter, December peak included, is predicted about 25 % short while a quiet quarter
is within 8 %. The verdict says so in words when the check is poor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from segmentation.predicting.bgnbd import expected_orders, p_no_order
from segmentation.predicting.eligibility import PredictionError
from segmentation.predicting.history import (
    OrderHistory,
    as_of_day,
    customer_inputs,
    purchase_days,
)
from segmentation.predicting.likelihood import distinct_rows
from segmentation.predicting.predictions import FittedModel, fit_model

HOLDOUT_SHARE = 0.25
MIN_HOLDOUT_SHARE = 0.1
MAX_HOLDOUT_SHARE = 0.5
MOST_PAST_ORDERS = 7  # the last group is "7+"
DAILY_TRACKING_UP_TO_DAYS = 91
# total error within ±10 % and AUC ≥ 0.70: good; beyond ±20 % or AUC below 0.65: poor
GOOD_ERROR_PCT = 10.0
POOR_ERROR_PCT = 20.0
GOOD_AUC = 0.70
POOR_AUC = 0.65


@dataclass(frozen=True)
class HoldoutConfig:
    """Settings of the hold-out check (JSON-serialisable)."""

    share: float = HOLDOUT_SHARE  # the last share of the period held out (0.25 = a quarter)
    as_of: str | None = None  # the end of the checked period; None: the last order day

    def __post_init__(self) -> None:
        if not MIN_HOLDOUT_SHARE <= self.share <= MAX_HOLDOUT_SHARE:
            raise PredictionError(
                f"share={self.share!r} must be from {MIN_HOLDOUT_SHARE} to {MAX_HOLDOUT_SHARE}: "
                "hold out between a tenth and a half of the period (0.25 is the last quarter)."
            )


@dataclass(frozen=True)
class HoldoutCheck:
    """Predicted against actual repeat orders in the held-out days, and the verdict.

    ``by_past_orders``: one row per group "0" … "7+" of repeat orders before the cut, with
    ``customers``, ``predicted`` and ``actual`` (repeat orders per customer in the hold-out).
    ``tracking``: ``date``, cumulative ``predicted`` and ``actual`` repeat orders.
    ``quality`` is "good", "fair" or "poor"; ``verdict`` says it in plain words.
    """

    calibration_end: pd.Timestamp
    holdout_end: pd.Timestamp
    model: FittedModel
    by_past_orders: pd.DataFrame
    tracking: pd.DataFrame
    predicted_orders: float
    actual_orders: int
    total_error_pct: float
    auc: float
    quality: str
    verdict: str

    @property
    def holdout_days(self) -> int:
        """Length of the held-out period in days."""
        return (self.holdout_end - self.calibration_end).days


def holdout_check(history: OrderHistory, config: HoldoutConfig | None = None) -> HoldoutCheck:
    """Refit on all but the last part of the history and compare with what happened.

    Examples
    --------
    >>> from segmentation.predicting.simulation import simulate_orders
    >>> check = holdout_check(simulate_orders(5000, seed=2))
    >>> check.holdout_days, abs(check.total_error_pct) < 10, check.quality
    (182, True, 'good')
    >>> list(check.by_past_orders.index)
    ['0', '1', '2', '3', '4', '5', '6', '7+']
    """
    config = config or HoldoutConfig()
    end = as_of_day(history, config.as_of)
    cut = end - pd.Timedelta(days=round(config.share * (end - history.first_date).days))
    inputs = customer_inputs(history, cut, "days")
    model = fit_model(inputs)
    horizon = (end - cut).days
    x, t_x, T = inputs.arrays()
    later = purchase_days(history, after=cut, until=end)
    # customers who first bought in the hold-out are new there, not predicted ones
    customer = inputs.customers.index.get_indexer(later["customer"])
    later = later.loc[customer >= 0]
    actual = np.bincount(customer[customer >= 0], minlength=len(x))
    predicted = expected_orders(model.orders, horizon, x, t_x, T)
    error = 100 * (predicted.sum() - actual.sum()) / max(actual.sum(), 1)
    auc = _auc(actual == 0, p_no_order(model.orders, horizon, x, t_x, T))
    quality, verdict = holdout_verdict(predicted.sum(), int(actual.sum()), error, auc)
    return HoldoutCheck(
        cut,
        end,
        model,
        _by_past_orders(x, predicted, actual),
        _tracking(model, (x, t_x, T), (later["day"] - cut).dt.days.to_numpy(), cut, horizon),
        float(predicted.sum()),
        int(actual.sum()),
        float(error),
        auc,
        quality,
        f"From {cut:%d %b %Y} to {end:%d %b %Y} ({horizon} days): " + verdict,
    )


def _auc(did_not_come_back: np.ndarray, churn_risk: np.ndarray) -> float:
    if did_not_come_back.all() or not did_not_come_back.any():
        return float("nan")
    return float(roc_auc_score(did_not_come_back, churn_risk))


def _by_past_orders(x: np.ndarray, predicted: np.ndarray, actual: np.ndarray) -> pd.DataFrame:
    labels = [str(k) for k in range(MOST_PAST_ORDERS)] + [f"{MOST_PAST_ORDERS}+"]
    group = np.minimum(x, MOST_PAST_ORDERS).astype(int)
    frame = pd.DataFrame({"group": group, "predicted": predicted, "actual": actual})
    table = frame.groupby("group").agg(
        customers=("predicted", "size"), predicted=("predicted", "mean"), actual=("actual", "mean")
    )
    table = table.reindex(range(MOST_PAST_ORDERS + 1))
    table["customers"] = table["customers"].fillna(0).astype("int64")
    table.index = pd.Index(labels, name="repeat orders before the hold-out")
    return table


def _tracking(
    model: FittedModel,
    inputs: tuple[np.ndarray, np.ndarray, np.ndarray],
    actual_days: np.ndarray,
    cut: pd.Timestamp,
    horizon: int,
) -> pd.DataFrame:
    """Cumulative predicted and actual repeat orders at the end of each day (or week)."""
    step = 1 if horizon <= DAILY_TRACKING_UP_TO_DAYS else 7
    ends = np.append(np.arange(step, horizon, step), horizon)
    (x, t_x, T), weights = distinct_rows(*inputs)
    predicted = expected_orders(model.orders, ends[:, None], x, t_x, T) @ weights
    actual = np.searchsorted(np.sort(actual_days), ends, side="right")
    dates = cut + pd.to_timedelta(ends, unit="D")
    return pd.DataFrame({"date": dates, "predicted": predicted, "actual": actual})


def holdout_verdict(predicted: float, actual: int, error_pct: float, auc: float) -> tuple[str, str]:
    """The quality ("good", "fair" or "poor") and the plain-words verdict of a hold-out check."""
    text = (
        f"the model predicted {predicted:,.0f} repeat orders and customers placed {actual:,} "
        f"({error_pct:+.0f} %)"
    )
    auc_known = not math.isnan(auc)
    if auc_known:
        text += (
            f"; churn risk ranked who came back with an AUC of {auc:.2f} (0.5 is a coin toss, "
            "1 is perfect)"
        )
    text += "."
    poor = abs(error_pct) > POOR_ERROR_PCT or (auc_known and auc < POOR_AUC)
    if error_pct < -POOR_ERROR_PCT:
        text += (
            " More orders came than the earlier months suggest: the held-out period probably "
            "holds a seasonal peak (such as Christmas), a campaign or growth that the earlier "
            "months did not. Read predicted orders and CLV as a floor when such a peak is ahead."
        )
    elif error_pct > POOR_ERROR_PCT:
        text += (
            " Fewer orders came than the earlier months suggest: a quiet season, or customers "
            "leaving faster than before. Read predicted orders and CLV as a ceiling."
        )
    if auc_known and auc < POOR_AUC:
        text += (
            f" Churn risk hardly tells who came back (AUC below {POOR_AUC:.2f}): use it for "
            "targeting with care."
        )
    if poor:
        return "poor", text
    if abs(error_pct) <= GOOD_ERROR_PCT and (not auc_known or auc >= GOOD_AUC):
        return "good", text + " The predictions held well on this data's own past."
    return "fair", text + " Use the predictions to rank customers more than for exact totals."
