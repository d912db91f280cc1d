"""The ROI what-if per target and the split of a budget across the targets.

ROI what-if and budget
----------------------
Per target: audience (its customers, or only those who opted in), response rate (from a
response/conversion column when present, otherwise entered), value per conversion (average
order value, or spend per order, or spend per customer), cost per contact →
``conversions = audience × rate``, ``revenue = conversions × value``, ``cost = audience × cost
per contact``, ``ROI = (revenue − cost) / cost``.

The budget split uses a diminishing-returns response curve per segment::

    revenue_i(b) = M_i · (1 − exp(−b / s_i)),   s_i = audience_i × cost per contact,
    M_i = what-if revenue_i / (1 − e⁻¹)

so spending the what-if's cost (contacting everyone once) returns exactly the what-if revenue,
less than that buys the most responsive customers first, and each extra euro beyond returns
less. The budget goes where the next euro returns most: the optimum equalises marginal returns
``(M_i / s_i) · exp(−b_i / s_i)`` across segments within each segment's minimum and maximum,
found exactly by bisection on that common marginal return. It is shown against a proportional
split (budget in proportion to M_i, within the same bounds).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from segmentation.targeting.config import (
    SegmentPlan,
    TargetingConfig,
    TargetingError,
    check_plan,
)
from segmentation.targeting.measures import SegmentMeasures

CURVE_FACTOR = 1 - math.exp(-1)  # share of the ceiling reached when everyone is contacted once


# --- ROI what-if ------------------------------------------------------------------------------


def roi_table(measures: SegmentMeasures, config: TargetingConfig) -> pd.DataFrame:
    """Per target: audience, response rate (and where it came from), conversions, revenue, cost,
    profit and ROI. Raises :class:`TargetingError` when no target is chosen.

    A target without a value per conversion (no customer value and none entered) gets its
    audience, conversions and cost, and missing revenue, profit and ROI.
    """
    if not config.targets:
        raise TargetingError(
            "No target segment is chosen, so there is no campaign to work out. Choose at least "
            "one target segment."
        )
    table = measures.table
    rows = []
    for segment_id in config.targets:
        row = table.loc[segment_id]
        plan = config.plan(segment_id)
        audience = (
            row["reachable"] if config.opted_in_only and measures.has_opt_in else row["customers"]
        )
        rate, rate_source = _response_rate(row, plan, config, measures)
        value, value_source = _value(row, plan, measures)
        conversions = audience * rate / 100
        revenue = conversions * value
        cost = audience * config.cost_per_contact
        rows.append(
            {
                "segment_id": segment_id,
                "segment": row["segment"],
                "audience": round(float(audience)),
                "response_rate": rate,
                "rate_source": rate_source,
                "conversions": conversions,
                "value_per_conversion": value,
                "value_source": value_source,
                "revenue": revenue,
                "cost": cost,
                "profit": revenue - cost,
                "roi": (revenue - cost) / cost if cost > 0 else np.nan,
            }
        )
    return pd.DataFrame(rows).set_index("segment_id")


def _response_rate(
    row: pd.Series, plan: SegmentPlan, config: TargetingConfig, measures: SegmentMeasures
) -> tuple[float, str]:
    if plan.response_rate is not None:
        return float(plan.response_rate), "entered"
    if not pd.isna(row["response_rate"]):
        return float(row["response_rate"]), f"{measures.label('response')} (data)"
    return float(config.response_rate), "default"


def _value(row: pd.Series, plan: SegmentPlan, measures: SegmentMeasures) -> tuple[float, str]:
    """The value of one conversion and where it comes from (NaN, "not known" without one)."""
    if plan.value_per_conversion is not None:
        return float(plan.value_per_conversion), "entered"
    if not pd.isna(row["value_per_conversion"]):
        return float(row["value_per_conversion"]), f"{measures.conversion_source} (data)"
    return math.nan, "not known"


# --- budget split ---------------------------------------------------------------------------


def response_revenue(budget: np.ndarray, ceiling: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Expected revenue of spending ``budget`` under the curve ``M · (1 − exp(−b / s))``."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(scale > 0, ceiling * -np.expm1(-budget / scale), 0.0)


def allocate_budget(
    budget: float,
    ceilings: Sequence[float],
    scales: Sequence[float],
    minimums: Sequence[float] | None = None,
    maximums: Sequence[float | None] | None = None,
) -> np.ndarray:
    """Split ``budget`` to maximise Σ M_i(1 − exp(−b_i/s_i)) with min_i ≤ b_i ≤ max_i.

    Equalises the marginal return ``(M_i/s_i)·exp(−b_i/s_i)`` by bisection; segments whose
    marginal return is below the common level stay at their minimum. When every segment with
    a return is at its maximum, the rest of the budget is spread evenly over the others.

    >>> allocate_budget(100, [1000, 1000], [50, 50]).tolist()
    [50.0, 50.0]
    """
    m = np.asarray(ceilings, dtype="float64")
    s = np.asarray(scales, dtype="float64")
    low = np.zeros(len(m)) if minimums is None else np.asarray(minimums, dtype="float64")
    high = np.array(
        [np.inf if x is None else float(x) for x in (maximums or [None] * len(m))], dtype="float64"
    )
    _check_budget_bounds(budget, low, high)
    with np.errstate(over="ignore"):
        slope = np.where(s > 0, m / np.where(s > 0, s, 1), 0.0)
    active = (slope > 1e-300) & np.isfinite(slope)

    def spend(level: float) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            wanted = np.where(active, s * np.log(np.maximum(slope, 1e-300) / level), 0.0)
        return np.clip(wanted, low, high)

    if active.any() and budget > low.sum():
        top = float(slope[active].max())
        # log of the common marginal return: no segment needs more than the whole budget
        lo = math.log(top) - budget / float(s[active].min()) - 50
        hi = math.log(top)
        for _ in range(200):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if spend(math.exp(mid)).sum() > budget else (lo, mid)
        result = spend(math.exp(hi))
    else:
        result = low.copy()
    return _spread_rest(result, budget, low, high)


def _check_budget_bounds(budget: float, low: np.ndarray, high: np.ndarray) -> None:
    if budget < 0:
        raise TargetingError(f"The budget is {budget:,.0f}; enter a budget of 0 or more.")
    if (high < low).any():
        raise TargetingError(
            "A maximum budget is below its minimum; a maximum must be at least the minimum."
        )
    if budget + 1e-9 < low.sum():
        raise TargetingError(
            f"The budget {budget:,.0f} is less than the minimums of the targets, which add up to "
            f"{low.sum():,.0f}. Raise the budget or lower a minimum."
        )
    if budget > high.sum() + 1e-9:
        raise TargetingError(
            f"The budget {budget:,.0f} is more than the maximums of the targets allow "
            f"({high.sum():,.0f} in all). Raise a maximum, clear one, or lower the budget."
        )


def _spread_rest(
    result: np.ndarray, budget: float, low: np.ndarray, high: np.ndarray
) -> np.ndarray:
    """Put what bisection left over (rounding, or segments without return) where room is left."""
    result = result.copy()
    for _ in range(len(result) + 1):
        rest = budget - result.sum()
        if abs(rest) <= 1e-12 * max(budget, 1):
            break
        room = (high - result) if rest > 0 else (result - low)
        open_ = room > 1e-12
        if not open_.any():
            break
        share = np.minimum(abs(rest) / open_.sum(), room)
        result += np.sign(rest) * np.where(open_, share, 0.0)
    return result


def proportional_split(
    budget: float,
    weights: Sequence[float],
    minimums: Sequence[float] | None = None,
    maximums: Sequence[float | None] | None = None,
) -> np.ndarray:
    """Split ``budget`` in proportion to ``weights`` (expected return), within the bounds.

    Each segment gets ``clip(t · weight, minimum, maximum)`` with the one factor ``t`` that
    spends the budget.

    >>> proportional_split(100, [3, 1]).tolist()
    [75.0, 25.0]
    """
    w = np.asarray(weights, dtype="float64").clip(min=0)
    low = np.zeros(len(w)) if minimums is None else np.asarray(minimums, dtype="float64")
    high = np.array(
        [np.inf if x is None else float(x) for x in (maximums or [None] * len(w))], dtype="float64"
    )
    _check_budget_bounds(budget, low, high)
    if not w.sum() > 0:
        w = np.ones(len(w))
    w = w / w.max()

    def spend(factor: float) -> float:
        return float(np.clip(factor * w, low, high).sum())

    top = max(budget, 1.0)
    while spend(top) < budget and top < 1e300:
        top *= 2
    bottom = 0.0
    for _ in range(200):
        middle = (bottom + top) / 2
        bottom, top = (middle, top) if spend(middle) < budget else (bottom, middle)
    return _spread_rest(np.clip(top * w, low, high), budget, low, high)


def budget_table(roi: pd.DataFrame, config: TargetingConfig) -> pd.DataFrame:
    """Per target: bounds, the marginal-return split and the proportional split, with revenue.

    Raises :class:`TargetingError` when a target's revenue is not known (no value per
    conversion): a split by return needs every target's return.
    """
    unknown = roi.loc[roi["revenue"].isna(), "segment"].tolist()
    if unknown:
        raise TargetingError(
            f"The budget split needs what a conversion is worth, and it is not known for "
            f"{', '.join(repr(s) for s in unknown)}. Choose the customer value at the top of the "
            "page, or enter a value per conversion for each target."
        )
    plans = [config.plan(i) for i in roi.index]
    ceilings = roi["revenue"].to_numpy() / CURVE_FACTOR
    scales = roi["cost"].to_numpy()
    minimums = [p.min_budget for p in plans]
    maximums = [p.max_budget for p in plans]
    names = dict(zip(roi.index, roi["segment"], strict=True))
    for plan, segment_id in zip(plans, roi.index, strict=True):
        check_plan(names[segment_id], plan)
    best = allocate_budget(config.budget, ceilings, scales, minimums, maximums)
    simple = proportional_split(config.budget, ceilings, minimums, maximums)
    table = pd.DataFrame(
        {
            "segment": roi["segment"],
            "minimum": minimums,
            "maximum": [np.nan if m is None else m for m in maximums],
            "allocated": best,
            "expected_revenue": response_revenue(best, ceilings, scales),
            "proportional": simple,
            "proportional_revenue": response_revenue(simple, ceilings, scales),
            "ceiling": ceilings,
            "scale": scales,
        },
        index=roi.index,
    )
    table["share"] = table["allocated"] / config.budget if config.budget > 0 else 0.0
    with np.errstate(invalid="ignore", divide="ignore"):
        # beyond this, the next unit of budget returns less than it costs
        table["worth_up_to"] = np.where(
            (ceilings > scales) & (scales > 0), scales * np.log(ceilings / scales), 0.0
        )
    return table
