"""The targeting plan: scores, ROI and budget split for one set of inputs, and a first config.

:func:`plan_targeting` runs the whole stage for one :class:`TargetingConfig`;
:func:`initial_config` picks default targets and a round budget for a new segmentation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import pandas as pd

from segmentation.segmenting.segments import Segmentation
from segmentation.targeting.budget import budget_table, roi_table
from segmentation.targeting.config import (
    DEFAULT_WEIGHTS,
    TargetingConfig,
    TargetingError,
    validate_config,
)
from segmentation.targeting.measures import SegmentMeasures
from segmentation.targeting.scores import score_segments


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


def plan_targeting(
    measures: SegmentMeasures, config: TargetingConfig, segment_names: Mapping[int, str]
) -> TargetingPlan:
    """Scores for every segment and, for the chosen targets, ROI and the budget split.

    Raises :class:`TargetingError` for unusable inputs; with no targets chosen the ROI and
    budget tables are empty and a note says so.
    """
    validate_config(config, segment_names)
    scores, notes = score_segments(measures, config)
    notes = [n for n in (measures.value_note, *measures.notes, *notes) if n]
    if not config.targets:
        notes.append("No target chosen yet: choose target segments.")
        return TargetingPlan(scores, pd.DataFrame(), pd.DataFrame(), tuple(notes), config)
    roi = roi_table(measures, config)
    if roi["revenue"].isna().any():
        notes.append(
            "No budget split: the value of a conversion is not known for every target. Choose "
            "the customer value, or enter a value per conversion for each target."
        )
        return TargetingPlan(scores, roi, pd.DataFrame(), tuple(notes), config)
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
