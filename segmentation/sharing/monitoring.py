"""Watching segments over time: who moved where between two snapshots, and what drifted.

Snapshots are two customer tables with segment labels (the second usually placed in the first
one's segments with :mod:`segmentation.sharing.reuse`). Customers are matched by id:

* **transitions**: a table of customers by segment before (rows) and after (columns), with
  "New customers" (only in the second snapshot) and "Gone" (only in the first);
* **size drift**: each segment's share of customers before and after, in percentage points;
* **profile drift**: for each segment and feature, how far its profile moved — the difference in
  means in units of the feature's standard deviation for numbers (a standardised mean
  difference; 0.2 small, 0.5 medium, 0.8 large on Cohen's scale) and the total variation
  distance between category shares (0 = same shares, 1 = nothing in common);
* **flags**: segments whose share moved by at least ``size_threshold`` or whose profile moved
  by at least ``profile_threshold`` on some feature.

Prediction columns (Predictions page) are recomputed for the other snapshot, never copied: from
its own orders with the same horizon and discount rate (:func:`with_snapshot_predictions`). A
snapshot without orders (a customer export) must carry them itself when the segments read them;
otherwise the page says which are missing and that an orders file is needed.

>>> before = pd.Series({"a": "Loyal", "b": "Loyal", "c": "Lapsed"})
>>> after = pd.Series({"a": "Loyal", "b": "Lapsed", "d": "Loyal"})
>>> movements(before, after).counts.loc["Loyal", "Lapsed"]
np.int64(1)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from segmentation.errors import SegmentationError
from segmentation.predicting.columns import prediction_values
from segmentation.predicting.predictions import Predictions

NEW = "New customers"
GONE = "Gone"


class MonitorError(SegmentationError):
    """Snapshots or thresholds that cannot be compared."""


@dataclass(frozen=True)
class MonitorConfig:
    """When a segment is flagged.

    Attributes
    ----------
    size_threshold : change in a segment's share of customers, in percentage points, that is
        flagged (5 = from 20 % to 25 %).
    profile_threshold : profile change that is flagged: a standardised mean difference for
        numbers, a total variation distance for categories (0.3 ≈ a small-to-medium shift).
    """

    size_threshold: float = 5.0
    profile_threshold: float = 0.3

    def __post_init__(self) -> None:
        if not 0 < self.size_threshold <= 100:
            raise MonitorError(
                f"size_threshold={self.size_threshold} must be between 0 and 100 percentage "
                "points. Choose e.g. 5 to flag segments that grew or shrank by 5 points."
            )
        if not 0 < self.profile_threshold <= 5:
            raise MonitorError(
                f"profile_threshold={self.profile_threshold} must be above 0 and at most 5. "
                "Choose e.g. 0.3 to flag small-to-medium profile shifts."
            )


@dataclass(frozen=True)
class Movements:
    """Customers by segment before (rows) and after (columns), matched by customer id."""

    counts: pd.DataFrame
    n_before: int
    n_after: int
    n_both: int
    n_stayed: int

    @property
    def stayed_share(self) -> float:
        """Share of customers in both snapshots who kept their segment."""
        return self.n_stayed / self.n_both if self.n_both else float("nan")

    def row_shares(self) -> pd.DataFrame:
        """Each row as shares of that segment's customers before (rows sum to 1)."""
        totals = self.counts.sum(axis=1).replace(0, np.nan)
        return self.counts.div(totals, axis=0).fillna(0.0)


@dataclass(frozen=True)
class SegmentDrift:
    """How one segment changed between the snapshots."""

    segment: str
    customers_before: int
    customers_after: int
    share_before: float
    share_after: float
    profile_shifts: pd.Series = field(repr=False)  # feature → shift (SMD or TVD), largest first
    flagged: bool = False
    reasons: tuple[str, ...] = ()

    @property
    def share_change_points(self) -> float:
        """Change in share of customers, in percentage points."""
        return 100 * (self.share_after - self.share_before)


@dataclass(frozen=True)
class MonitorReport:
    """Movements, drift per segment and the flags, for two snapshots."""

    movements: Movements
    drift: tuple[SegmentDrift, ...]
    config: MonitorConfig

    @property
    def flagged(self) -> tuple[SegmentDrift, ...]:
        """The segments that changed beyond a threshold."""
        return tuple(d for d in self.drift if d.flagged)

    def drift_table(self) -> pd.DataFrame:
        """One row per segment: sizes, shares, change, largest profile shift and the flag."""
        rows = []
        for d in self.drift:
            top = d.profile_shifts.index[0] if len(d.profile_shifts) else ""
            rows.append(
                {
                    "segment": d.segment,
                    "customers before": d.customers_before,
                    "customers after": d.customers_after,
                    "share before": d.share_before,
                    "share after": d.share_after,
                    "change (points)": d.share_change_points,
                    "largest profile shift": top,
                    "shift": float(d.profile_shifts.iloc[0]) if top else 0.0,
                    "flagged": d.flagged,
                    "why": "; ".join(d.reasons),
                }
            )
        return pd.DataFrame(rows)


def movements(before: pd.Series, after: pd.Series) -> Movements:
    """Count customers by (segment before, segment after); ``before``/``after`` are segment
    names indexed by customer id."""
    _check_ids(before, "first")
    _check_ids(after, "second")
    both = before.index.intersection(after.index)
    pairs = pd.DataFrame(
        {
            "before": before.reindex(before.index.union(after.index)).fillna(NEW).astype(str),
            "after": after.reindex(before.index.union(after.index)).fillna(GONE).astype(str),
        }
    )
    counts = pd.crosstab(pairs["before"], pairs["after"])
    rows = [*_order(before), *([NEW] if NEW in counts.index else [])]
    columns = [*_order(after, _order(before)), *([GONE] if GONE in counts.columns else [])]
    counts = counts.reindex(index=rows, columns=columns, fill_value=0)
    counts.index.name, counts.columns.name = "before", "after"
    stayed = int((before.reindex(both).astype(str) == after.reindex(both).astype(str)).sum())
    return Movements(counts, len(before), len(after), len(both), stayed)


def _check_ids(labels: pd.Series, which: str) -> None:
    if labels.empty:
        raise MonitorError(
            f"The {which} snapshot has no customers. Choose a file with customers in it."
        )
    if labels.index.has_duplicates:
        duplicated = labels.index[labels.index.duplicated()][0]
        raise MonitorError(
            f"Customer id {duplicated!r} appears more than once in the {which} snapshot; each "
            "customer must appear once. Use one row per customer."
        )


def _order(labels: pd.Series, first: Sequence[str] = ()) -> list[str]:
    """Segment names, those of ``first`` in its order, then the rest by size."""
    names = labels.astype(str).value_counts().index.tolist()
    return [n for n in first if n in names] + [n for n in names if n not in first]


def segment_drift(
    before_frame: pd.DataFrame,
    before: pd.Series,
    after_frame: pd.DataFrame,
    after: pd.Series,
    features: Sequence[str],
    config: MonitorConfig | None = None,
) -> tuple[SegmentDrift, ...]:
    """Size and profile change of every segment (frames indexed by customer id)."""
    config = config or MonitorConfig()
    missing = [f for f in features if f not in before_frame or f not in after_frame]
    if missing:
        raise MonitorError(
            f"The features {', '.join(missing)} are not in both snapshots. Use files with the "
            "same columns, or leave these features out."
        )
    drift = []
    for segment in _order(before, _order(after)) + [
        s for s in _order(after) if s not in set(before.astype(str))
    ]:
        drift.append(
            _one_segment(segment, before_frame, before, after_frame, after, features, config)
        )
    return tuple(drift)


def _one_segment(
    segment, before_frame, before, after_frame, after, features, config
) -> SegmentDrift:
    in_before = before.index[before.astype(str) == segment]
    in_after = after.index[after.astype(str) == segment]
    shifts = pd.Series(
        {
            f: _shift(before_frame[f], before_frame.loc[in_before, f], after_frame.loc[in_after, f])
            for f in features
        },
        dtype="float64",
    ).dropna()
    shifts = shifts.reindex(shifts.abs().sort_values(ascending=False).index)
    share_before, share_after = len(in_before) / len(before), len(in_after) / len(after)
    reasons = []
    points = 100 * (share_after - share_before)
    if abs(points) >= config.size_threshold:
        reasons.append(
            f"{'grew' if points > 0 else 'shrank'} from {share_before:.0%} to {share_after:.0%} "
            f"of customers ({points:+.1f} points)"
        )
    moved = shifts[shifts.abs() >= config.profile_threshold]
    if len(moved):
        listed = ", ".join(f"{f} ({v:+.2f})" for f, v in moved.head(3).items())
        reasons.append(f"profile moved on {listed}")
    return SegmentDrift(
        segment, len(in_before), len(in_after), share_before, share_after, shifts,
        bool(reasons), tuple(reasons),
    )  # fmt: skip


def _shift(reference: pd.Series, before: pd.Series, after: pd.Series) -> float:
    """Standardised mean difference for numbers, total variation distance for categories;
    NaN when either side has no values."""
    before, after = before.dropna(), after.dropna()
    if before.empty or after.empty:
        return float("nan")
    if pd.api.types.is_bool_dtype(reference) or not pd.api.types.is_numeric_dtype(reference):
        p = before.astype(str).value_counts(normalize=True)
        q = after.astype(str).value_counts(normalize=True)
        return float(0.5 * p.sub(q, fill_value=0.0).abs().sum())
    if pd.api.types.is_datetime64_any_dtype(reference):
        return float("nan")
    spread = float(reference.astype("float64").std())
    if not spread or np.isnan(spread):
        return 0.0
    return float((after.astype("float64").mean() - before.astype("float64").mean()) / spread)


def monitor(
    before_frame: pd.DataFrame,
    before: pd.Series,
    after_frame: pd.DataFrame,
    after: pd.Series,
    features: Sequence[str],
    config: MonitorConfig | None = None,
) -> MonitorReport:
    """Movements between segments, drift per segment and the flags, for two snapshots.

    ``before``/``after`` are segment names indexed by customer id; the frames hold the
    customers' columns, indexed the same way.
    """
    config = config or MonitorConfig()
    moved = movements(before, after)
    drift = segment_drift(before_frame, before, after_frame, after, features, config)
    return MonitorReport(moved, drift, config)


# --- prediction columns in the other snapshot ----------------------------------------------


def with_snapshot_predictions(
    frame: pd.DataFrame,
    id_column: str,
    columns: Sequence[str],
    predictions: Predictions | None,
    needed: Sequence[str] = (),
) -> pd.DataFrame:
    """The snapshot with the prediction ``columns`` recomputed (replacing any it carries).

    ``predictions`` are the snapshot's own, made from its orders; ``None`` when it has no
    orders, in which case it must carry the ``needed`` columns (those the segments read) itself.

    >>> frame = pd.DataFrame({"id": ["a"], "churn_risk": [0.5]})
    >>> with_snapshot_predictions(frame, "id", ["churn_risk"], None, ["churn_risk"]).shape
    (1, 2)
    """
    if predictions is None:
        missing = [c for c in needed if c not in frame]
        if missing:
            raise MonitorError(
                f"The segments use prediction columns the second snapshot does not have: "
                f"{', '.join(missing)}. Predictions are made from orders: upload the later "
                "snapshot as an orders file so they are recomputed, or add these columns to it."
            )
        return frame
    kept = frame.drop(columns=[c for c in columns if c in frame])
    return pd.concat([kept, prediction_values(predictions, frame[id_column], columns)], axis=1)


# --- the same data split by a date ---------------------------------------------------------


def sample_as_of(cut: pd.Timestamp, customers: pd.DataFrame, data_dir=None) -> pd.DataFrame:
    """The bundled sample's customers as they were at the end of day ``cut``: orders after it
    are left out, so recency, frequency, monetary and the other order measures are those of
    that day, and customers whose first order came later are not customers yet.

    ``customers`` is the sample's customer table (its descriptive columns are kept as they are).
    """
    from segmentation.data.dataset import SAMPLE_DIR, SAMPLE_ORDERS
    from segmentation.data.loading import load_table
    from segmentation.data.orders import CUSTOMER_COLUMNS, OrderColumns, aggregate_orders
    from segmentation.data.schema import TypedTable, infer_schema

    orders = infer_schema(
        load_table(((data_dir or SAMPLE_DIR) / SAMPLE_ORDERS).read_bytes(), SAMPLE_ORDERS).frame,
        one_row_per_customer=False,
    )
    dates = orders.frame["order_date"]
    cut = pd.Timestamp(cut).normalize() + pd.Timedelta(days=1)
    if not dates.min() < cut <= dates.max():
        raise MonitorError(
            f"The date {cut - pd.Timedelta(days=1):%d %b %Y} must fall within the orders, "
            f"{dates.min():%d %b %Y} to {dates.max():%d %b %Y} (and before the last day). "
            "Choose a date in that range."
        )
    earlier = TypedTable(orders.frame.loc[dates < cut], orders.schema)
    columns = OrderColumns("customer_id", "order_date", amount="amount", order_id="order_id")
    measures = aggregate_orders(earlier, columns).customers[list(CUSTOMER_COLUMNS)]
    described = customers.drop(columns=[c for c in CUSTOMER_COLUMNS if c in customers.columns])
    return described.merge(measures, left_on="customer_id", right_index=True, how="inner")
