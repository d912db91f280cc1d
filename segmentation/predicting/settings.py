"""What a shared link or a saved project carries of the Predictions page.

The page's settings (horizon, discount rate, as-of date, hold-out share) and, when the
predictions were added to the customer table, the settings they were made with. Never the
predictions themselves: they describe customers, so opening a link or project recomputes them
from the orders (the models are fitted by maximum likelihood from fixed starting points, so
the same orders and settings give the same columns).

>>> settings = PredictionSettings(PredictionConfig(90, 0.1), 0.3, PredictionConfig(90, 0.1))
>>> PredictionSettings.from_dict(settings.to_dict()) == settings
True
>>> PredictionSettings.from_dict({}).holdout()
HoldoutConfig(share=0.25, as_of=None)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from segmentation.predicting.holdout import HOLDOUT_SHARE, HoldoutConfig
from segmentation.predicting.predictions import PredictionConfig


@dataclass(frozen=True)
class PredictionSettings:
    """The Predictions page's settings and those of the prediction columns in the table.

    Attributes
    ----------
    page : horizon, discount rate and as-of date the page shows.
    holdout_share : the last share of the history the hold-out check holds out.
    table : the settings the prediction columns of the customer table were made with
        ("Use predictions in my segments"), or None when the table has none.
    """

    page: PredictionConfig = field(default_factory=PredictionConfig)
    holdout_share: float = HOLDOUT_SHARE
    table: PredictionConfig | None = None

    def __post_init__(self) -> None:
        self.holdout()  # raises PredictionError for a share out of range

    def holdout(self) -> HoldoutConfig:
        """The hold-out check's settings (it ends at the page's as-of date)."""
        return HoldoutConfig(float(self.holdout_share), self.page.as_of)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {
            "page": self.page.to_dict(),
            "holdout_share": self.holdout_share,
            "table": None if self.table is None else self.table.to_dict(),
        }

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> PredictionSettings:
        """Settings from :meth:`to_dict`'s form; missing parts take their defaults."""
        table = values.get("table")
        return cls(
            PredictionConfig.from_dict(values.get("page") or {}),
            float(values.get("holdout_share", HOLDOUT_SHARE)),
            None if table is None else PredictionConfig.from_dict(table),
        )
