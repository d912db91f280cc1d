"""Attractiveness scores per segment, combined with the user's weights, and the portfolio zones.

Each criterion is scored 0–100 per segment, then combined with the user's weights
(``Σ weight × score / Σ weight``). Criteria measured in the data:

* **size**, **value per customer**, **total value** — as a share of the best segment
  (100 = the largest; half the size of the largest = 50), so ratios stay visible;
* **growth** — recent against earlier activity: orders in the second half of the order period
  against the first half, each customer's orders spread evenly between their first and last
  order date (needs first/last order date columns); scored min–max across segments;
* **reachability** — the share of customers who can be contacted (an opt-in or consent yes/no
  column), or the mean of an engagement rate such as ``email_open_rate``; 100 = everyone.

Criteria the user rates 1–5 per segment: **brand fit**, **competitive intensity** (5 = fierce,
so it scores 0) and **margin**; 1 → 0, 3 → 50, 5 → 100. Criteria the data cannot measure are
left out of the weights, with a note.

For the GE–McKinsey portfolio chart the criteria split into **attractiveness** (size, value,
growth, margin, competition) and **ability to win** (brand fit, reachability); each axis is the
weighted mean of its criteria, and the 3 × 3 grid (thirds of 0–100) gives the zones: invest
(both high, or high and medium), selective (the diagonal), harvest (the rest).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from segmentation.targeting.config import (
    CRITERIA,
    CRITERIA_BY_KEY,
    TargetingConfig,
    TargetingError,
)
from segmentation.targeting.measures import SegmentMeasures

ZONES = ("Invest", "Selective", "Harvest")
VALUE_CRITERIA = ("value_per_customer", "total_value")


def score_segments(
    measures: SegmentMeasures, config: TargetingConfig
) -> tuple[pd.DataFrame, list[str]]:
    """0–100 criterion scores, weighted parts, axes, overall score, rank and zone per segment.

    Criteria the data cannot measure are left out (with a note); raises :class:`TargetingError`
    when no criterion with a weight above 0 is left.
    """
    table = measures.table
    raw = {
        "size": _share_of_best(table["customers"]),
        "value_per_customer": _share_of_best(table["value_per_customer"]),
        "total_value": _share_of_best(table["total_value"]),
        "growth": _growth_scores(table["growth"]),
        "reachability": 100 * table["reach_share"].clip(0, 1),
    }
    for key in ("brand_fit", "competition", "margin"):
        ratings = pd.Series([getattr(config.plan(i), key) for i in table.index], table.index)
        raw[key] = (ratings - 1) / 4 * 100
    raw["competition"] = 100 - raw["competition"]
    scores = pd.DataFrame(raw)[[c.key for c in CRITERIA]]
    available = [c.key for c in CRITERIA if scores[c.key].notna().all()]
    notes = [
        f"{CRITERIA_BY_KEY[k].label} is left out: {_why_unmeasured(k, measures)}."
        for k in scores.columns
        if k not in available and config.weights.get(k, 0) > 0
    ]
    weights = pd.Series({k: float(config.weights.get(k, 0)) for k in available})
    if not (weights > 0).any():
        raise TargetingError(
            "Every criterion with a weight above 0 is unavailable on this data "
            f"({', '.join(CRITERIA_BY_KEY[k].label for k in scores.columns if k not in available)}"
            "), so no score can be made. Give a weight to another criterion."
        )
    return _combine(table, scores, weights), notes


def _why_unmeasured(key: str, measures: SegmentMeasures) -> str:
    value = measures.value
    if key in VALUE_CRITERIA and value is not None and not value.known:
        if value.status == "none":
            return "there is no customer value"
        return "no customer value is chosen yet (choose it at the top of the page)"
    return "the data cannot measure it"


def _share_of_best(values: pd.Series) -> pd.Series:
    values = values.astype("float64").clip(lower=0)
    best = values.max()
    if values.isna().any():
        return values * np.nan
    return values / best * 100 if best > 0 else values * 0 + 50


def _min_max(values: pd.Series) -> pd.Series:
    values = values.astype("float64")
    if values.isna().any():
        return values * np.nan
    spread = values.max() - values.min()
    return (values - values.min()) / spread * 100 if spread > 0 else values * 0 + 50


def _growth_scores(growth: pd.Series) -> pd.Series:
    """Min–max of growth; only-recent segments (infinite growth) score 100, segments without
    any order dates 0; unavailable when no segment has dates."""
    growth = growth.astype("float64")
    if growth.isna().all():
        return growth
    finite = growth[np.isfinite(growth)]
    if finite.empty:
        return growth.where(growth.isna(), 100.0).fillna(0.0)
    scores = _min_max(finite).reindex(growth.index)
    return scores.where(growth != np.inf, 100.0).fillna(0.0)


def _combine(table: pd.DataFrame, scores: pd.DataFrame, weights: pd.Series) -> pd.DataFrame:
    used = scores[weights.index]
    parts = used.mul(weights, axis=1) / weights.sum()
    out = pd.DataFrame({"segment": table["segment"], "customers": table["customers"]})
    for key in weights.index:
        out[f"{key}_score"] = used[key]
        out[f"{key}_part"] = parts[key]
    out["score"] = parts.sum(axis=1)
    for axis in ("attractiveness", "ability"):
        keys = [k for k in weights.index if CRITERIA_BY_KEY[k].axis == axis and weights[k] > 0]
        out[axis] = (used[keys] * weights[keys]).sum(axis=1) / weights[keys].sum() if keys else 50.0
    out["value_per_customer"] = table["value_per_customer"]
    out["zone"] = [zone(a, b) for a, b in zip(out["attractiveness"], out["ability"], strict=True)]
    out = out.sort_values(["score", "customers"], ascending=False)
    out.insert(0, "rank", range(1, len(out) + 1))
    return out


def zone(attractiveness: float, ability: float) -> str:
    """The GE–McKinsey zone of a segment: thirds of each 0–100 axis, summed.

    >>> zone(80, 50), zone(50, 50), zone(20, 40)
    ('Invest', 'Selective', 'Harvest')
    """
    level = min(int(attractiveness // (100 / 3)), 2) + min(int(ability // (100 / 3)), 2)
    return "Invest" if level >= 3 else "Selective" if level == 2 else "Harvest"
