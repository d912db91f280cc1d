"""What each segment looks like: sizes, revenue, and a profile of every feature."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segmentation.data.schema import SET_BY_HAND, ColumnProfile, Schema, normalise_name
from segmentation.predicting.columns import PREDICTED_NOTE
from segmentation.segmenting.segments import Segmentation

LEVEL_SHARE = 0.05
LEVEL_DIFFERENCE = 1.0
MONETARY_NAMES = (
    "monetary",
    "net spend",
    "revenue",
    "total spend",
    "spend",
    "sales",
    "total revenue",
)
_TOTAL_WORDS = re.compile(r"\b(total|lifetime|monetary|net spend|overall)\b")
_SPEND_FAMILY = re.compile(r"^(spend on|amount spent|spent on) ", re.IGNORECASE)


@dataclass(frozen=True)
class MoneySource:
    """Where each customer's value (revenue, spend) comes from: one column of the customer-value
    meaning, or the sum of a family of spend columns (the campaign file's MntWines, MntFruits …).

    ``label`` says it in the user's words ("Total spend", "Spend on wines + fruits + meat").
    """

    columns: tuple[str, ...]
    label: str

    @property
    def column(self) -> str | None:
        """The one column, when the value is a single column."""
        return self.columns[0] if len(self.columns) == 1 else None

    def values(self, frame: pd.DataFrame) -> pd.Series:
        """Each customer's value (missing when every source column is missing)."""
        parts = frame[list(self.columns)].apply(pd.to_numeric, errors="coerce").astype("float64")
        return parts.sum(axis=1, min_count=1)


def money_source(schema: Schema) -> MoneySource | None:
    """The customer-value column(s) the meanings name, for revenue and value per customer.

    Columns set to the customer-value meaning by hand come first, then the derived order
    measure (``monetary``) or a column whose name says it is the total; a family of "spend on …"
    columns with no total is summed; predictions (predicted CLV …) are never revenue.
    """
    candidates = [c for c in schema.columns if _is_value_column(c)]
    if not candidates:
        return None
    by_hand = [c for c in candidates if c.meaning_reason == SET_BY_HAND]
    if by_hand:
        return MoneySource((by_hand[0].name,), by_hand[0].label)
    by_name = {normalise_name(c.name): c for c in candidates}
    named = next((by_name[n] for n in MONETARY_NAMES if n in by_name), None)
    totals = [c for c in candidates if _TOTAL_WORDS.search(normalise_name(c.label))]
    chosen = named or (totals[0] if totals else None)
    if chosen is not None:
        return MoneySource((chosen.name,), chosen.label)
    if len(candidates) > 1 and all(_SPEND_FAMILY.match(c.label) for c in candidates):
        kinds = [_SPEND_FAMILY.sub("", c.label) for c in candidates]
        return MoneySource(tuple(c.name for c in candidates), "Total spend on " + _and(kinds))
    return MoneySource((candidates[0].name,), candidates[0].label)


def _is_value_column(profile: ColumnProfile) -> bool:
    return (
        profile.kind == "numeric"
        and profile.meaning == "customer_value"
        and profile.role != "id"
        and profile.note != PREDICTED_NOTE
    )


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


@dataclass(frozen=True)
class SegmentOverview:
    """Sizes and profiles of the segments of one segmentation.

    Attributes
    ----------
    sizes : per segment (in display order): customers, share, and, where a money column
        exists, revenue and share of revenue.
    standardised : numeric features × segments, each cell the segment mean in standard
        deviations from the overall mean (what the heatmap shows).
    means : numeric features × segments in original units, with an "All customers" column.
    modes : categorical features × segments: the most common value and its share.
    monetary : the money column used for revenue (its label when several are summed), if any.
    """

    sizes: pd.DataFrame
    standardised: pd.DataFrame
    means: pd.DataFrame
    modes: pd.DataFrame
    monetary: str | None


def find_monetary(schema: Schema) -> str | None:
    """The one column holding each customer's spend, from the meanings (see
    :func:`money_source`); none when there is none or the value is a sum of columns."""
    source = money_source(schema)
    return source.column if source is not None else None


def segment_overview(
    frame: pd.DataFrame,
    schema: Schema,
    segmentation: Segmentation,
    features: tuple[str, ...] | None = None,
    log_columns: tuple[str, ...] = (),
) -> SegmentOverview:
    """Sizes, revenue shares and feature profiles of each segment.

    ``frame`` holds one row per customer with the id column; customers not in the
    segmentation (e.g. filtered out before clustering) are left out. ``log_columns`` (long-
    tailed, non-negative) are compared on a log scale, as clustering saw them, so a few very
    large customers do not hide every other difference; their means stay in original units.
    """
    customers = _customers_in(frame, schema, segmentation)
    segment = segmentation.named_labels().loc[customers.index]
    order = [segmentation.segment_names[i] for i in segmentation.segment_ids]
    features = features or schema.features()
    numeric = [c for c in features if schema.column(c).kind == "numeric"]
    categorical = [c for c in features if schema.column(c).kind in ("categorical", "boolean")]
    source = money_source(schema)
    sizes = _sizes(customers, segment, order, source)
    indicators = _level_indicators(customers, categorical)
    values = pd.concat([customers[numeric].astype("float64"), indicators], axis=1)
    means, standardised = _numeric_profile(values, segment, order)
    logged = [c for c in log_columns if c in numeric]
    if logged:
        _, log_standardised = _numeric_profile(
            np.log1p(values[logged].clip(lower=0)), segment, order
        )
        standardised.loc[logged] = log_standardised.loc[logged]
    means, standardised = _drop_flat_levels(means, standardised, list(indicators.columns))
    modes = _modes(customers, segment, order, categorical)
    monetary = None if source is None else (source.column or source.label)
    return SegmentOverview(sizes, standardised, means, modes, monetary)


def _customers_in(frame: pd.DataFrame, schema: Schema, segmentation: Segmentation) -> pd.DataFrame:
    customers = frame.set_index(schema.id_column, drop=False) if schema.id_column else frame
    return customers.loc[customers.index.isin(segmentation.labels.index)]


def _sizes(
    customers: pd.DataFrame, segment: pd.Series, order: list[str], source: MoneySource | None
) -> pd.DataFrame:
    counts = segment.value_counts().reindex(order, fill_value=0)
    sizes = pd.DataFrame({"customers": counts, "share": counts / counts.sum()})
    if source is not None:
        revenue = source.values(customers).groupby(segment).sum().reindex(order)
        sizes["revenue"] = revenue.fillna(0.0)
        total = sizes["revenue"].sum()
        sizes["revenue_share"] = sizes["revenue"] / total if total else np.nan
        sizes["value_per_customer"] = sizes["revenue"] / sizes["customers"].where(
            sizes["customers"] > 0
        )
    sizes.index.name = "segment"
    return sizes


def _level_indicators(customers: pd.DataFrame, categorical: list[str]) -> pd.DataFrame:
    """0/1 columns "column = level" for the common levels (at least 5% of customers)."""
    columns = {}
    for name in categorical:
        values = customers[name].astype("string")
        shares = values.value_counts(normalize=True)
        for level in shares.index[shares >= LEVEL_SHARE]:
            columns[f"{name} = {level}"] = values.eq(level).fillna(False).astype("float64")
    return pd.DataFrame(columns, index=customers.index)


def _drop_flat_levels(
    means: pd.DataFrame, standardised: pd.DataFrame, levels: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep category rows only where some segment differs clearly (1 SD) from the average."""
    flat = [
        r
        for r in levels
        if r in standardised.index and standardised.loc[r].abs().max() < LEVEL_DIFFERENCE
    ]
    return means.drop(index=flat), standardised.drop(index=flat)


def _numeric_profile(
    values: pd.DataFrame, segment: pd.Series, order: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    if values.shape[1] == 0:
        empty = pd.DataFrame(columns=order)
        return empty, empty
    means = values.groupby(segment).mean().reindex(order).T
    overall_mean, overall_sd = values.mean(), values.std().replace(0, np.nan)
    standardised = means.sub(overall_mean, axis=0).div(overall_sd, axis=0)
    means["All customers"] = overall_mean
    return means, standardised


def _modes(
    customers: pd.DataFrame, segment: pd.Series, order: list[str], categorical: list[str]
) -> pd.DataFrame:
    rows = {}
    for name in categorical:
        values = customers[name].astype("string")
        cells = {}
        for label in [*order, "All customers"]:
            subset = values if label == "All customers" else values[segment == label]
            counts = subset.value_counts(normalize=True)
            cells[label] = f"{counts.index[0]} ({counts.iloc[0]:.0%})" if len(counts) else "–"
        rows[name] = cells
    return pd.DataFrame.from_dict(rows, orient="index", columns=[*order, "All customers"])
