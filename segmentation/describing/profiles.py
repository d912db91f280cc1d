"""What each segment looks like: sizes, revenue, and a profile of every feature."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from segmentation.data.schema import Schema, normalise_name
from segmentation.segmenting.segments import Segmentation

LEVEL_SHARE = 0.05
LEVEL_DIFFERENCE = 1.0
MONETARY_NAMES = ("monetary", "revenue", "total spend", "spend", "sales", "total revenue")


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
    monetary : the money column used for revenue, if any.
    """

    sizes: pd.DataFrame
    standardised: pd.DataFrame
    means: pd.DataFrame
    modes: pd.DataFrame
    monetary: str | None


def find_monetary(schema: Schema) -> str | None:
    """The column holding each customer's spend, if one is recognisable by name."""
    numeric = {normalise_name(c.name): c.name for c in schema.columns if c.kind == "numeric"}
    return next((numeric[name] for name in MONETARY_NAMES if name in numeric), None)


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
    monetary = find_monetary(schema)
    sizes = _sizes(customers, segment, order, monetary)
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
    return SegmentOverview(sizes, standardised, means, modes, monetary)


def _customers_in(frame: pd.DataFrame, schema: Schema, segmentation: Segmentation) -> pd.DataFrame:
    customers = frame.set_index(schema.id_column, drop=False) if schema.id_column else frame
    return customers.loc[customers.index.isin(segmentation.labels.index)]


def _sizes(
    customers: pd.DataFrame, segment: pd.Series, order: list[str], monetary: str | None
) -> pd.DataFrame:
    counts = segment.value_counts().reindex(order, fill_value=0)
    sizes = pd.DataFrame({"customers": counts, "share": counts / counts.sum()})
    if monetary is not None:
        revenue = customers[monetary].astype("float64").groupby(segment).sum().reindex(order)
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
