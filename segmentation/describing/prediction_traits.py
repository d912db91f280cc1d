"""Traits on the predictions (Predictions page) phrased as a marketer reads them: "Predicted CLV
3.1× average", "Churn risk mostly High".

The predictions join the customer table as columns (:mod:`segmentation.predicting.columns`);
their traits are tested like any other column's, and only their wording changes here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from segmentation.data.schema import Schema
from segmentation.describing.persona_stats import LevelStats, NumberStats
from segmentation.describing.persona_traits import format_value
from segmentation.describing.persona_types import Trait
from segmentation.predicting.columns import PREDICTED_NOTE

# the words of a prediction inside a name or a trait (the full labels carry the horizon)
SHORT_WORDS = {
    "expected_orders": "expected orders",
    "p_order_90d": "chance of an order in 90 days",
    "churn_risk": "churn risk",
    "churn_risk_level": "churn risk",
    "expected_order_value": "expected spend per order",
    "predicted_clv": "predicted CLV",
    "historic_value": "historic value",
    "total_value": "total value",
    "days_between_orders": "days between orders",
}
RATIO_COLUMNS = ("expected_orders", "expected_order_value", "predicted_clv", "total_value")
LEVEL_COLUMN = "churn_risk_level"
MOSTLY = 0.5  # "mostly High" when at least half the segment is at that level


@dataclass(frozen=True)
class PredictionContext:
    """What rewording needs: the prediction columns and each customer's churn-risk level."""

    predicted: frozenset[str]
    levels: pd.Series | None
    codes: np.ndarray

    @classmethod
    def of(cls, customers: pd.DataFrame, schema: Schema, codes: np.ndarray) -> PredictionContext:
        """The context of one set of cards (no predictions: nothing is reworded)."""
        predicted = frozenset(c.name for c in schema.columns if c.note == PREDICTED_NOTE)
        levels = None
        if LEVEL_COLUMN in predicted and LEVEL_COLUMN in customers.columns:
            levels = customers[LEVEL_COLUMN].astype("string").reset_index(drop=True)
        return cls(predicted, levels, codes)

    def reworded(self, trait: Trait, result: NumberStats | LevelStats, index: int) -> Trait:
        """The trait in the predictions' words (other columns' traits unchanged)."""
        if trait.column not in self.predicted:
            return trait
        words = SHORT_WORDS.get(trait.column, trait.words.split(" (")[0])
        trait = replace(trait, words=words, label=_relabel(trait.label, trait.words, words))
        if trait.column == "churn_risk" and self.levels is not None:
            return self._mostly(trait, index) or trait
        if trait.column in RATIO_COLUMNS and isinstance(result, NumberStats):
            return _ratio(trait, result, index, words) or trait
        return trait

    def _mostly(self, trait: Trait, index: int) -> Trait | None:
        assert self.levels is not None
        mine = self.levels[self.codes == index].value_counts(normalize=True)
        if mine.empty or mine.iloc[0] < MOSTLY:
            return None
        level, share = str(mine.index[0]), float(mine.iloc[0])
        overall = float(self.levels.eq(level).mean())
        versus = f"{level} for {share:.0%} vs {overall:.0%} of all customers"
        return replace(
            trait,
            label=f"Churn risk mostly {level}",
            versus=versus,
            sentence=f"Churn risk mostly {level}: {versus}",
            phrase=f"mostly have a {level} churn risk ({share:.0%} vs {overall:.0%})",
        )


def _relabel(label: str, old: str, new: str) -> str:
    lowered = label.lower().replace(old.lower(), new)
    return lowered[:1].upper() + lowered[1:]


def _ratio(trait: Trait, result: NumberStats, index: int, words: str) -> Trait | None:
    """ "Predicted CLV 3.1× average" from the segment's mean against everyone's."""
    if result.means is None or not result.overall_mean > 0:
        return None
    mean = float(result.means[index])
    if np.isnan(mean):
        return None
    ratio = mean / result.overall_mean
    column = result.column
    numbers = f"average {format_value(mean, column)} vs {format_value(result.overall_mean, column)}"
    label = f"{words[:1].upper()}{words[1:]} {ratio:.1f}× average"
    return replace(
        trait,
        label=label,
        versus=numbers,
        sentence=f"{label}: {numbers} for all customers",
        phrase=f"have a {words} {ratio:.1f}× the average ({numbers})",
    )
