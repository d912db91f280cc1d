"""Choosing target segments: attractiveness scores, ROI what-ifs, budget split and export.

Scores
------
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

import html
import io
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from segmentation.data.schema import Schema, normalise_name
from segmentation.describing.comparison import AOV_NAMES, FREQUENCY_NAMES, find_column
from segmentation.describing.profiles import find_monetary
from segmentation.errors import SegmentationError
from segmentation.segmenting.segments import Segmentation

RATING_RANGE = (1, 5)
WEIGHT_RANGE = (0.0, 5.0)
CURVE_FACTOR = 1 - math.exp(-1)  # share of the ceiling reached when everyone is contacted once
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
OPT_IN_WORDS = (
    "opt in",
    "optin",
    "opted in",
    "consent",
    "subscribed",
    "permission",
    "marketing ok",
)
ENGAGEMENT_WORDS = ("open rate", "click rate", "engagement")
_CONTACT_NAME = re.compile(r"(^|\s)(name|email|e mail|email address|phone|phone number|mobile)$")
RESPONSE_WORDS = ("response", "responded", "converted", "conversion")


class TargetingError(SegmentationError):
    """Targeting inputs that cannot be used (weights, budget, rates, targets)."""


@dataclass(frozen=True)
class Criterion:
    """One attractiveness criterion: where it comes from and which chart axis it feeds."""

    key: str
    label: str
    axis: str  # "attractiveness" or "ability"
    source: str  # "data" or "rated"
    help: str


CRITERIA = (
    Criterion("size", "Size", "attractiveness", "data", "Customers in the segment; 100 = the "
              "largest segment."),
    Criterion("value_per_customer", "Value per customer", "attractiveness", "data", "Average "
              "spend per customer; 100 = the best segment."),
    Criterion("total_value", "Total value", "attractiveness", "data", "All spend of the "
              "segment's customers; 100 = the best segment."),
    Criterion("growth", "Growth", "attractiveness", "data", "Orders in the recent half of the "
              "order period against the earlier half; 100 = fastest growing segment, 0 = "
              "slowest."),
    Criterion("margin", "Margin", "attractiveness", "rated", "Your rating 1–5 of the profit "
              "margin on what this segment buys."),
    Criterion("competition", "Low competition", "attractiveness", "rated", "Your rating 1–5 of "
              "how fiercely competitors fight for this segment (5 = fierce scores 0)."),
    Criterion("brand_fit", "Fit with the brand", "ability", "rated", "Your rating 1–5 of how "
              "well the segment fits your brand and what you can offer."),
    Criterion("reachability", "Reachability", "ability", "data", "Share of customers you may "
              "contact (opt-in) or their engagement rate; 100 = everyone."),
)  # fmt: skip
CRITERIA_BY_KEY = {c.key: c for c in CRITERIA}
DEFAULT_WEIGHTS = {
    "size": 1.0,
    "value_per_customer": 2.0,
    "total_value": 1.0,
    "growth": 1.0,
    "margin": 1.0,
    "competition": 1.0,
    "brand_fit": 2.0,
    "reachability": 1.0,
}
ZONES = ("Invest", "Selective", "Harvest")


@dataclass(frozen=True)
class SegmentPlan:
    """The user's inputs for one segment.

    Attributes
    ----------
    brand_fit, competition, margin : ratings 1–5 (competition: 5 = fierce).
    response_rate : expected response in percent (0–100); ``None`` = from the data's response
        column, else the plan's default.
    value_per_conversion : revenue per response; ``None`` = from the data.
    min_budget, max_budget : bounds for the budget split (``None`` = no maximum).
    """

    brand_fit: int = 3
    competition: int = 3
    margin: int = 3
    response_rate: float | None = None
    value_per_conversion: float | None = None
    min_budget: float = 0.0
    max_budget: float | None = None


@dataclass(frozen=True)
class TargetingConfig:
    """Every targeting input, as one JSON-serialisable value (links and project files).

    Attributes
    ----------
    segmentation : title of the segmentation these inputs belong to.
    weights : weight 0–5 per criterion key (see :data:`CRITERIA`).
    segments : per segment id, the user's ratings, rates and budget bounds.
    targets : the chosen target segment ids.
    cost_per_contact : what one contact costs (email, mail, ad impression bundle).
    response_rate : expected response in percent for segments without data or own entry.
    budget : the total budget to split across the targets.
    opted_in_only : contact only customers who opted in (when an opt-in column exists).
    key_columns : extra columns for the exported target list.
    """

    segmentation: str = ""
    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    segments: Mapping[int, SegmentPlan] = field(default_factory=dict)
    targets: tuple[int, ...] = ()
    cost_per_contact: float = 0.5
    response_rate: float = 2.0
    budget: float = 10_000.0
    opted_in_only: bool = True
    key_columns: tuple[str, ...] = ()

    def plan(self, segment_id: int) -> SegmentPlan:
        """The inputs for one segment (defaults when the user has not set any)."""
        return self.segments.get(segment_id, SegmentPlan())

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form: segment ids become strings."""
        return {
            "segmentation": self.segmentation,
            "weights": dict(self.weights),
            "segments": {str(k): asdict(v) for k, v in self.segments.items()},
            "targets": list(self.targets),
            "cost_per_contact": self.cost_per_contact,
            "response_rate": self.response_rate,
            "budget": self.budget,
            "opted_in_only": self.opted_in_only,
            "key_columns": list(self.key_columns),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TargetingConfig:
        """The config a :meth:`to_dict` produced (unknown keys are ignored)."""
        segments = {int(k): SegmentPlan(**v) for k, v in dict(data.get("segments", {})).items()}
        plain = {
            k: data[k]
            for k in (
                "segmentation",
                "cost_per_contact",
                "response_rate",
                "budget",
                "opted_in_only",
            )
            if k in data
        }
        return cls(
            weights={**DEFAULT_WEIGHTS, **dict(data.get("weights", {}))},
            segments=segments,
            targets=tuple(int(t) for t in data.get("targets", ())),
            key_columns=tuple(data.get("key_columns", ())),
            **plain,
        )


@dataclass(frozen=True)
class SegmentMeasures:
    """What the data says about each segment, computed once per data and segmentation.

    ``table`` is indexed by segment id (display order) with columns: segment, customers,
    reachable, reach_share, value_per_customer, total_value, growth, response_rate (percent,
    from data), value_per_conversion. ``columns`` names the data column behind each measure.
    """

    table: pd.DataFrame
    columns: Mapping[str, str | None]
    notes: tuple[str, ...] = ()

    @property
    def has_opt_in(self) -> bool:
        """Whether reachability comes from a yes/no opt-in column (so audiences can be limited)."""
        return self.columns.get("opt_in") is not None


@dataclass(frozen=True)
class TargetingPlan:
    """Scores, ROI and budget split for one set of inputs.

    ``scores``: per segment (ranked) the 0–100 score of each criterion, its weighted part,
    attractiveness, ability to win, overall score and zone. ``roi``: per target the what-if.
    ``budget``: per target the marginal-return and proportional allocations with expected
    revenue (empty when there are no targets). ``notes``: what was left out and why.
    """

    scores: pd.DataFrame
    roi: pd.DataFrame
    budget: pd.DataFrame
    notes: tuple[str, ...]
    config: TargetingConfig


# --- validating inputs ----------------------------------------------------------------------


def validate_config(config: TargetingConfig, segment_names: Mapping[int, str]) -> None:
    """Raise :class:`TargetingError` naming the first input that cannot be used."""
    check_weights(config.weights)
    for segment_id, plan in config.segments.items():
        check_plan(segment_names.get(segment_id, f"segment {segment_id}"), plan)
    check_campaign(config, segment_names)


def check_campaign(config: TargetingConfig, segment_names: Mapping[int, str]) -> None:
    """Cost per contact, default response rate, budget and targets."""
    if not config.cost_per_contact > 0:
        raise TargetingError(
            f"Cost per contact is {config.cost_per_contact:,.2f}; it must be above 0, or every "
            "campaign would be free. Enter what one contact costs, e.g. 0.50."
        )
    _check_rate("The default response rate", config.response_rate)
    if config.budget < 0:
        raise TargetingError(
            f"The budget is {config.budget:,.0f}; it cannot be negative. Enter a budget of 0 "
            "or more."
        )
    unknown = [t for t in config.targets if t not in segment_names]
    if unknown:
        raise TargetingError(
            f"Target segment ids {unknown} are not in this segmentation; choose targets from "
            f"{', '.join(segment_names.values())}."
        )


def check_weights(weights: Mapping[str, float]) -> None:
    """Weights are known criteria, within range, and not all 0."""
    unknown = sorted(set(weights) - set(CRITERIA_BY_KEY))
    if unknown:
        raise TargetingError(
            f"Unknown criteria {unknown}; the criteria are {', '.join(CRITERIA_BY_KEY)}."
        )
    low, high = WEIGHT_RANGE
    for key, weight in weights.items():
        if not low <= weight <= high:
            raise TargetingError(
                f"The weight of '{CRITERIA_BY_KEY[key].label}' is {weight}; weights go from "
                f"{low:g} to {high:g}. Move its slider into that range."
            )
    if not any(w > 0 for w in weights.values()):
        raise TargetingError(
            "All criterion weights are 0, so no segment can score higher than another. Give at "
            "least one criterion a weight above 0."
        )


def check_plan(name: str, plan: SegmentPlan) -> None:
    """One segment's ratings, rates and budget bounds (``name`` is used in messages)."""
    low, high = RATING_RANGE
    for label, rating in (
        ("brand fit", plan.brand_fit),
        ("competitive intensity", plan.competition),
        ("margin", plan.margin),
    ):
        if rating is None or not low <= rating <= high:
            raise TargetingError(
                f"'{name}' has {label} {rating}; ratings go from {low} to {high}. Enter a whole "
                f"number from {low} (low) to {high} (high)."
            )
    if plan.response_rate is not None:
        _check_rate(f"The response rate of '{name}'", plan.response_rate)
    if plan.value_per_conversion is not None and plan.value_per_conversion < 0:
        raise TargetingError(
            f"The value per conversion of '{name}' is {plan.value_per_conversion:,.2f}; it cannot "
            "be negative. Enter 0 or more, or clear it to use the data."
        )
    if plan.min_budget < 0:
        raise TargetingError(
            f"The minimum budget of '{name}' is {plan.min_budget:,.0f}; it cannot be negative. "
            "Enter 0 or more."
        )
    if plan.max_budget is not None and plan.max_budget < plan.min_budget:
        raise TargetingError(
            f"The maximum budget of '{name}' ({plan.max_budget:,.0f}) is below its minimum "
            f"({plan.min_budget:,.0f}); a maximum must be at least the minimum. Raise the maximum "
            "or lower the minimum."
        )


def _check_rate(label: str, rate: float) -> None:
    if not 0 <= rate <= 100:
        raise TargetingError(
            f"{label} is {rate:g} %; a response rate is a percentage from 0 to 100. Enter e.g. "
            "2 for 2 %."
        )


# --- what the data says --------------------------------------------------------------------


def find_opt_in(schema: Schema) -> str | None:
    """A yes/no column saying whether the customer may be contacted, if one exists."""
    return _find_by_words(schema, OPT_IN_WORDS, ("boolean",))


def find_engagement(schema: Schema) -> str | None:
    """A numeric engagement rate (email open or click rate), if one exists."""
    return _find_by_words(schema, ENGAGEMENT_WORDS, ("numeric",))


def find_response(schema: Schema) -> str | None:
    """A yes/no (or 0/1) column recording past campaign response or conversion, if one exists."""
    return _find_by_words(schema, RESPONSE_WORDS, ("boolean", "numeric"))


def find_order_dates(schema: Schema) -> tuple[str, str] | None:
    """The first- and last-order date columns, if the data has both."""
    dates = [c.name for c in schema.columns if c.kind == "datetime"]
    first = next((c for c in dates if "first" in normalise_name(c)), None)
    last = next((c for c in dates if "last" in normalise_name(c)), None)
    return (first, last) if first and last else None


def _find_by_words(schema: Schema, words: Sequence[str], kinds: Sequence[str]) -> str | None:
    for column in schema.columns:
        name = f" {normalise_name(column.name)} "
        if column.kind in kinds and column.role != "id" and any(f" {w} " in name for w in words):
            return column.name
    return None


def segment_measures(
    frame: pd.DataFrame, schema: Schema, segmentation: Segmentation
) -> SegmentMeasures:
    """Size, value, growth, reachability and response per segment, from the data.

    Customers of ``frame`` not labelled by the segmentation are left out.
    """
    ids = frame[schema.id_column] if schema.id_column else frame.index.to_series()
    labels = segmentation.labels.reindex(pd.Index(ids)).to_numpy()
    keep = ~pd.isna(labels)
    frame, labels = frame.loc[keep], labels[keep].astype("int64")
    order = list(segmentation.segment_ids)
    codes = pd.Index(order).get_indexer(labels)
    columns = _measure_columns(schema)
    sums = _Sums(codes, len(order))
    table = pd.DataFrame(index=pd.Index(order, name="segment_id"))
    table["segment"] = [segmentation.segment_names[i] for i in order]
    table["customers"] = sums.count()
    table["reachable"], table["reach_share"] = _reach(frame, columns, sums, table["customers"])
    value = _floats(frame, columns["monetary"])
    table["total_value"] = sums.total(value) if value is not None else np.nan
    table["value_per_customer"] = table["total_value"] / table["customers"].where(
        table["customers"] > 0
    )
    table["growth"] = _growth(frame, columns, sums)
    response = _floats(frame, columns["response"])
    table["response_rate"] = 100 * sums.mean(response) if response is not None else np.nan
    table["value_per_conversion"] = _value_per_conversion(frame, columns, sums)
    return SegmentMeasures(table, columns, tuple(_measure_notes(columns)))


class _Sums:
    """Per-segment sums with bincount (fast on 100,000 customers)."""

    def __init__(self, codes: np.ndarray, n: int) -> None:
        self.codes, self.n = codes, n

    def count(self, mask: np.ndarray | None = None) -> np.ndarray:
        weights = None if mask is None else mask.astype("float64")
        return np.bincount(self.codes, weights=weights, minlength=self.n)

    def total(self, values: np.ndarray) -> np.ndarray:
        return np.bincount(self.codes, weights=np.nan_to_num(values), minlength=self.n)

    def mean(self, values: np.ndarray) -> np.ndarray:
        present = ~np.isnan(values)
        counts = self.count(present)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(counts > 0, self.total(values) / counts, np.nan)


def _measure_columns(schema: Schema) -> dict[str, str | None]:
    dates = find_order_dates(schema)
    return {
        "monetary": find_monetary(schema),
        "frequency": find_column(schema, FREQUENCY_NAMES),
        "avg_order_value": find_column(schema, AOV_NAMES),
        "opt_in": find_opt_in(schema),
        "engagement": find_engagement(schema),
        "response": find_response(schema),
        "first_order": dates[0] if dates else None,
        "last_order": dates[1] if dates else None,
    }


def _measure_notes(columns: Mapping[str, str | None]) -> list[str]:
    notes = []
    if columns["monetary"] is None:
        notes.append(
            "No column holds customer value (spend, revenue, monetary), so value per customer "
            "and total value cannot be scored, and value per conversion must be entered."
        )
    if columns["first_order"] is None:
        notes.append("No first and last order dates, so growth cannot be measured.")
    if columns["opt_in"] is None and columns["engagement"] is None:
        notes.append(
            "No opt-in or engagement column, so reachability cannot be measured and every "
            "customer counts as reachable."
        )
    return notes


def _floats(frame: pd.DataFrame, column: str | None) -> np.ndarray | None:
    if column is None:
        return None
    values = frame[column]
    if values.dtype == "boolean" or values.dtype == bool:
        values = values.astype("Float64")
    return pd.to_numeric(values, errors="coerce").astype("float64").to_numpy()


def _reach(
    frame: pd.DataFrame, columns: Mapping[str, str | None], sums: _Sums, customers: pd.Series
) -> tuple[np.ndarray, np.ndarray]:
    sizes = customers.to_numpy(dtype="float64")
    if columns["opt_in"] is not None:
        opted = frame[columns["opt_in"]].fillna(False).astype(bool).to_numpy()
        reachable = sums.count(opted)
        with np.errstate(invalid="ignore", divide="ignore"):
            return reachable, np.where(sizes > 0, reachable / sizes, np.nan)
    if columns["engagement"] is not None:
        rate = np.clip(_floats(frame, columns["engagement"]), 0, 1)
        return sizes, sums.mean(rate)
    return sizes, np.full(len(sizes), np.nan)


def _growth(frame: pd.DataFrame, columns: Mapping[str, str | None], sums: _Sums) -> np.ndarray:
    """Recent over earlier orders − 1, spreading each customer's orders evenly over their span."""
    if columns["first_order"] is None:
        return np.full(sums.n, np.nan)
    first = frame[columns["first_order"]].to_numpy(dtype="datetime64[ns]").astype("float64")
    last = frame[columns["last_order"]].to_numpy(dtype="datetime64[ns]").astype("float64")
    first[frame[columns["first_order"]].isna().to_numpy()] = np.nan
    last[frame[columns["last_order"]].isna().to_numpy()] = np.nan
    orders = _floats(frame, columns["frequency"])
    orders = np.ones(len(frame)) if orders is None else orders
    middle = (np.nanmin(first) + np.nanmax(last)) / 2
    span = last - first
    with np.errstate(invalid="ignore", divide="ignore"):
        recent_share = np.where(
            span > 0, np.clip((last - np.maximum(first, middle)) / span, 0, 1), first >= middle
        )
    recent_share[np.isnan(first) | np.isnan(last)] = np.nan
    recent = sums.total(orders * recent_share)
    earlier = sums.total(orders * (1 - recent_share))
    with np.errstate(invalid="ignore", divide="ignore"):
        # only recent orders: growing from nothing, the fastest growth there is
        return np.where(earlier > 0, recent / earlier - 1, np.where(recent > 0, np.inf, np.nan))


def _value_per_conversion(
    frame: pd.DataFrame, columns: Mapping[str, str | None], sums: _Sums
) -> np.ndarray:
    """Average order value; else spend per order; else spend per customer."""
    if columns["avg_order_value"] is not None:
        return sums.mean(_floats(frame, columns["avg_order_value"]))
    value = _floats(frame, columns["monetary"])
    if value is None:
        return np.full(sums.n, np.nan)
    if columns["frequency"] is not None:
        orders = sums.total(_floats(frame, columns["frequency"]))
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(orders > 0, sums.total(value) / orders, np.nan)
    return sums.mean(value)


# --- scores ---------------------------------------------------------------------------------


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
        f"{CRITERIA_BY_KEY[k].label} is left out: the data cannot measure it."
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


# --- ROI what-if ------------------------------------------------------------------------------


def roi_table(measures: SegmentMeasures, config: TargetingConfig) -> pd.DataFrame:
    """Per target: audience, response rate (and where it came from), conversions, revenue, cost,
    profit and ROI. Raises :class:`TargetingError` when no target is chosen or a value is missing.
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
        return float(row["response_rate"]), f"from '{measures.columns['response']}'"
    return float(config.response_rate), "default"


def _value(row: pd.Series, plan: SegmentPlan, measures: SegmentMeasures) -> tuple[float, str]:
    if plan.value_per_conversion is not None:
        return float(plan.value_per_conversion), "entered"
    if not pd.isna(row["value_per_conversion"]):
        column = measures.columns["avg_order_value"] or measures.columns["monetary"]
        return float(row["value_per_conversion"]), f"from '{column}'"
    raise TargetingError(
        f"'{row['segment']}' has no value per conversion: the data has no column with customer "
        "value (spend, revenue, monetary, average order value). Enter a value per conversion "
        "for it in the segment table."
    )


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
    """Per target: bounds, the marginal-return split and the proportional split, with revenue."""
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


# --- the plan -------------------------------------------------------------------------------


def plan_targeting(
    measures: SegmentMeasures, config: TargetingConfig, segment_names: Mapping[int, str]
) -> TargetingPlan:
    """Scores for every segment and, for the chosen targets, ROI and the budget split.

    Raises :class:`TargetingError` for unusable inputs; with no targets chosen the ROI and
    budget tables are empty and a note says so.
    """
    validate_config(config, segment_names)
    scores, notes = score_segments(measures, config)
    notes = [*measures.notes, *notes]
    if not config.targets:
        notes.append("No target chosen yet: choose target segments.")
        return TargetingPlan(scores, pd.DataFrame(), pd.DataFrame(), tuple(notes), config)
    roi = roi_table(measures, config)
    budget = budget_table(roi, config)
    return TargetingPlan(scores, roi, budget, tuple(notes), config)


def suggested_targets(scores: pd.DataFrame, limit: int = 2) -> tuple[int, ...]:
    """A first pick: the best-scoring segments, those in the invest zone first."""
    ranked = scores.index.tolist()
    invest = [i for i in ranked if scores.loc[i, "zone"] == "Invest"]
    picks = (invest + [i for i in ranked if i not in invest])[:limit]
    return tuple(int(i) for i in picks)


def with_defaults(config: TargetingConfig, segmentation: Segmentation) -> TargetingConfig:
    """The config with a plan for every segment of ``segmentation`` and only its targets."""
    segments = {i: config.plan(i) for i in segmentation.segment_ids}
    targets = tuple(t for t in config.targets if t in segmentation.segment_names)
    return replace(config, segmentation=segmentation.title, segments=segments, targets=targets)


def initial_config(
    measures: SegmentMeasures,
    segmentation: Segmentation,
    previous: TargetingConfig | None = None,
    key_columns: Sequence[str] = (),
) -> TargetingConfig:
    """A first config for a segmentation: the previous weights and campaign costs, default
    ratings, the best two segments as targets and a budget that contacts each target once."""
    base = previous or TargetingConfig(key_columns=tuple(key_columns))
    config = with_defaults(
        replace(base, segments={}, targets=(), segmentation=segmentation.title), segmentation
    )
    try:
        scores, _ = score_segments(measures, config)
    except TargetingError:  # the previous weights fit no criterion of this data
        config = replace(config, weights=dict(DEFAULT_WEIGHTS))
        scores, _ = score_segments(measures, config)
    config = replace(config, targets=suggested_targets(scores))
    if previous is None:
        try:
            cost = roi_table(measures, config)["cost"].sum()
        except TargetingError:
            cost = config.budget
        config = replace(config, budget=_round_up(cost))
    return config


def _round_up(amount: float) -> float:
    """A round budget at or above ``amount``: 1,761 → 2,000; 23,400 → 25,000."""
    if amount <= 0:
        return 1000.0
    step = 10 ** math.floor(math.log10(amount)) / 2
    return float(math.ceil(amount / step) * step)


def default_key_columns(schema: Schema) -> tuple[str, ...]:
    """Contact columns worth exporting with the target list: names, emails, phones, opt-in."""
    picks = [
        c.name
        for c in schema.columns
        if c.role != "id" and _CONTACT_NAME.search(normalise_name(c.name))
    ]
    opt_in = find_opt_in(schema)
    return tuple(dict.fromkeys(picks + ([opt_in] if opt_in else [])))


# --- export ---------------------------------------------------------------------------------


def target_list(
    frame: pd.DataFrame,
    schema: Schema,
    segmentation: Segmentation,
    config: TargetingConfig,
    opt_in_column: str | None = None,
) -> pd.DataFrame:
    """The target customers: id, segment id, segment (persona) name, segmentation, key columns.

    Only opted-in customers when ``config.opted_in_only`` and ``opt_in_column`` is given.
    """
    if not config.targets:
        raise TargetingError(
            "No target segment is chosen, so the target list would be empty. Choose at least one "
            "target segment."
        )
    missing = [c for c in config.key_columns if c not in frame.columns]
    if missing:
        raise TargetingError(f"Key columns {missing} are not in the data; choose from its columns.")
    id_column = schema.id_column or frame.columns[0]
    labels = segmentation.labels.reindex(pd.Index(frame[id_column]))
    chosen = np.array(labels.isin(config.targets).to_numpy(), dtype=bool)
    if config.opted_in_only and opt_in_column is not None:
        chosen &= frame[opt_in_column].fillna(False).astype(bool).to_numpy()
    picked = frame.loc[chosen]
    segment_ids = labels.to_numpy()[chosen].astype("int64")
    key_columns = [c for c in config.key_columns if c != id_column]
    out = pd.DataFrame(
        {
            id_column: picked[id_column].to_numpy(),
            "segment_id": segment_ids,
            "segment": [segmentation.segment_names[i] for i in segment_ids],
            "segmentation": segmentation.title,
        }
    )
    for column in key_columns:
        out[column] = picked[column].to_numpy()
    rank = {t: n for n, t in enumerate(config.targets)}
    out["_order"] = out["segment_id"].map(rank)
    return out.sort_values(["_order", id_column]).drop(columns="_order").reset_index(drop=True)


def neutralise(value: object) -> object:
    """A text cell a spreadsheet cannot run as a formula (OWASP CSV injection advice).

    >>> neutralise("=HYPERLINK(\\"http://x\\")"), neutralise("@SUM(A1)"), neutralise(-5)
    ('\\'=HYPERLINK("http://x")', "'@SUM(A1)", -5)
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_for_spreadsheets(table: pd.DataFrame) -> pd.DataFrame:
    """Every text cell (and column name) neutralised; numbers and dates stay as they are."""
    out = table.copy()
    for column in out.columns:
        if not (
            pd.api.types.is_numeric_dtype(out[column])
            or pd.api.types.is_datetime64_any_dtype(out[column])
        ):
            out[column] = out[column].astype("object").map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def to_csv_bytes(table: pd.DataFrame) -> bytes:
    """The table as UTF-8 CSV (with a byte-order mark so Excel reads accents), formulas defused."""
    return safe_for_spreadsheets(table).to_csv(index=False).encode("utf-8-sig")


def to_excel_bytes(table: pd.DataFrame, sheet_name: str = "Targets") -> bytes:
    """The table as an .xlsx workbook whose text cells are stored as text, never as formulas."""
    from openpyxl import Workbook

    safe = safe_for_spreadsheets(table)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_name)
    sheet.append(list(safe.columns))
    for row in safe.itertuples(index=False):
        sheet.append([_excel_cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _excel_cell(value: object) -> object:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        return value.item()
    return value


# --- the one-page summary -------------------------------------------------------------------


@dataclass(frozen=True)
class SummaryContext:
    """What the summary names besides the plan: the data and segmentation it is about."""

    data_name: str
    segmentation_title: str
    n_customers: int
    made_on: date = field(default_factory=date.today)


def summary_markdown(plan: TargetingPlan, context: SummaryContext) -> str:
    """A one-page Markdown summary of the targeting decision, for a decision meeting."""
    lines = [f"# Targeting summary — {context.segmentation_title}", ""]
    lines += [
        f"*{context.data_name}, {context.n_customers:,} customers, made "
        f"{context.made_on:%d %B %Y} with Segment Studio.*",
        "",
    ]
    for title, table in _summary_tables(plan):
        lines += [f"## {title}", "", *_markdown_table(table), ""]
    lines += ["## How to read this", "", *[f"- {line}" for line in _summary_notes(plan)], ""]
    return "\n".join(lines)


def summary_html(plan: TargetingPlan, context: SummaryContext) -> str:
    """The same summary as one self-contained HTML page (prints on one sheet)."""
    esc = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Targeting summary — {esc(context.segmentation_title)}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:900px;margin:2em auto;"
        "color:#1f2937}table{border-collapse:collapse;width:100%;margin-bottom:1.2em;"
        "font-size:13px}th,td{border-bottom:1px solid #e5e7eb;padding:4px 8px;text-align:right}"
        "th:first-child,td:first-child{text-align:left}th{background:#f3f4f6}"
        "h1{font-size:22px}h2{font-size:16px;margin-top:1.4em}.meta{color:#6b7280}"
        "@media print{body{margin:0}}</style></head><body>",
        f"<h1>Targeting summary — {esc(context.segmentation_title)}</h1>",
        f"<p class='meta'>{esc(context.data_name)}, {context.n_customers:,} customers, made "
        f"{context.made_on:%d %B %Y} with Segment Studio.</p>",
    ]
    for title, table in _summary_tables(plan):
        head = "".join(f"<th>{esc(str(c))}</th>" for c in table.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{esc(str(v))}</td>" for v in row) + "</tr>"
            for row in table.itertuples(index=False)
        )
        parts.append(f"<h2>{esc(title)}</h2><table><tr>{head}</tr>{body}</table>")
    notes = "".join(f"<li>{esc(line)}</li>" for line in _summary_notes(plan))
    parts.append(f"<h2>How to read this</h2><ul>{notes}</ul></body></html>")
    return "".join(parts)


def _summary_tables(plan: TargetingPlan) -> list[tuple[str, pd.DataFrame]]:
    scores = plan.scores
    targets = set(plan.config.targets)
    ranked = pd.DataFrame(
        {
            "Rank": scores["rank"],
            "Segment": scores["segment"],
            "Customers": scores["customers"].map("{:,.0f}".format),
            "Score": scores["score"].map("{:.0f}".format),
            "Attractiveness": scores["attractiveness"].map("{:.0f}".format),
            "Ability to win": scores["ability"].map("{:.0f}".format),
            "Zone": scores["zone"],
            "Target": ["yes" if i in targets else "" for i in scores.index],
        }
    )
    weights = pd.DataFrame(
        {
            "Criterion": [c.label for c in CRITERIA],
            "Weight": [f"{plan.config.weights.get(c.key, 0):g}" for c in CRITERIA],
        }
    )
    tables = [("Segments ranked by attractiveness", ranked), ("Weights", weights)]
    if len(plan.roi):
        roi = plan.roi
        tables.append(
            (
                "ROI what-if per target",
                pd.DataFrame(
                    {
                        "Target": roi["segment"],
                        "Audience": roi["audience"].map("{:,.0f}".format),
                        "Response": roi["response_rate"].map("{:.1f} %".format),
                        "Conversions": roi["conversions"].map("{:,.0f}".format),
                        "Value per conversion": roi["value_per_conversion"].map("{:,.2f}".format),
                        "Revenue": roi["revenue"].map("{:,.0f}".format),
                        "Cost": roi["cost"].map("{:,.0f}".format),
                        "ROI": roi["roi"].map("{:.0%}".format),
                    }
                ),
            )
        )
    if len(plan.budget):
        budget = plan.budget
        tables.append(
            (
                f"Budget split ({plan.config.budget:,.0f} in all)",
                pd.DataFrame(
                    {
                        "Target": budget["segment"],
                        "By marginal return": budget["allocated"].map("{:,.0f}".format),
                        "Expected revenue": budget["expected_revenue"].map("{:,.0f}".format),
                        "Proportional split": budget["proportional"].map("{:,.0f}".format),
                        "Its expected revenue": budget["proportional_revenue"].map(
                            "{:,.0f}".format
                        ),
                    }
                ),
            )
        )
    return tables


def _summary_notes(plan: TargetingPlan) -> list[str]:
    lines = [
        "Scores are 0–100 per criterion and combined with the weights above; zones follow the "
        "GE–McKinsey grid (attractiveness against ability to win).",
        f"Cost per contact {plan.config.cost_per_contact:,.2f}; response rates are from the data "
        "where it records responses, otherwise entered or the default "
        f"{plan.config.response_rate:g} %.",
        "The budget split assumes diminishing returns: revenue(b) = M·(1 − exp(−b/s)), where "
        "s is the cost of contacting the whole audience once and spending s returns the "
        "what-if revenue. Money goes where the next unit returns most.",
    ]
    if len(plan.budget) > 1:
        gain = plan.budget["expected_revenue"].sum() - plan.budget["proportional_revenue"].sum()
        lines.append(
            f"Split by marginal return, the budget is expected to bring {gain:,.0f} more revenue "
            "than a proportional split."
        )
    return lines + list(plan.notes)


def _markdown_table(table: pd.DataFrame) -> list[str]:
    def cell(value: object) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    header = "| " + " | ".join(cell(c) for c in table.columns) + " |"
    rule = "|" + "|".join("---" for _ in table.columns) + "|"
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return [header, rule, *rows]
