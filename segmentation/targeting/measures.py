"""What the data says about each segment: size, value, growth, reachability and response.

:func:`segment_measures` computes them once per data and segmentation; the ``find_*`` functions
name the columns they come from (opt-in, engagement, response, first and last order dates). How
the measures become 0–100 scores is in :mod:`segmentation.targeting.scores`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segmentation.data.schema import Schema, normalise_name
from segmentation.describing.comparison import AOV_NAMES, FREQUENCY_NAMES, find_column
from segmentation.describing.profiles import find_monetary
from segmentation.segmenting.segments import Segmentation

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
RESPONSE_WORDS = ("response", "responded", "converted", "conversion")


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
