"""The targeting inputs: criteria, weights, per-segment ratings, campaign costs and budget.

:class:`TargetingConfig` holds every input as one JSON-serialisable value (for links and project
files); :func:`validate_config` and the ``check_*`` functions name the first input that cannot be
used and say how to fix it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from segmentation.errors import SegmentationError

RATING_RANGE = (1, 5)
WEIGHT_RANGE = (0.0, 5.0)


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


VALUE_MODES = ("auto", "column", "sum", "none")


@dataclass(frozen=True)
class ValueChoice:
    """The user's answer to "which column is the customer value?" (JSON-friendly).

    ``mode``: ``"auto"`` follow the columns' meanings; ``"column"`` the one column in
    ``columns``; ``"sum"`` the sum of ``columns``; ``"none"`` no customer value.
    """

    mode: str = "auto"
    columns: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.mode not in VALUE_MODES:
            raise TargetingError(
                f"Customer value mode '{self.mode}' is unknown; it is one of "
                f"{', '.join(VALUE_MODES)}."
            )
        object.__setattr__(self, "columns", tuple(str(c) for c in self.columns))

    def to_dict(self) -> dict[str, Any]:
        """``{"mode": ..., "columns": [...]}``."""
        return {"mode": self.mode, "columns": list(self.columns)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> ValueChoice:
        """The choice a :meth:`to_dict` produced; ``None`` (older links) follows the data."""
        if not data:
            return cls()
        return cls(str(data.get("mode", "auto")), tuple(data.get("columns", ())))


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
    value : which column (or sum of columns) is the customer value, or none, or follow the
        data's column meanings (see :mod:`segmentation.targeting.value`).
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
    value: ValueChoice = field(default_factory=ValueChoice)

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
            "value": self.value.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TargetingConfig:
        """The config a :meth:`to_dict` produced (unknown keys are ignored; configs made before
        the customer value could be chosen follow the data's meanings)."""
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
            value=ValueChoice.from_dict(data.get("value")),
            **plain,
        )


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
