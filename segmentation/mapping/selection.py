"""Customers picked on the map: what sets them apart, and keeping them as a segment."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from segmentation.data.schema import Schema
from segmentation.data.words import column_words
from segmentation.errors import SegmentationError
from segmentation.segmenting.segments import UNASSIGNED, Segmentation, make_segmentation

EVERYONE_ELSE = "Everyone else"
MIN_LEVEL_SHARE = 0.02


@dataclass(frozen=True)
class SelectionSummary:
    """How a group of selected customers differs from every other customer.

    Attributes
    ----------
    n_selected : customers selected.
    share : their share of all customers.
    differences : the most different features, largest effect first: ``feature``,
        ``selected`` and ``everyone_else`` (typical values as text), ``effect`` (standardised
        difference: Cohen's d for numbers, Cohen's h for a category's share) and ``direction``.
    """

    n_selected: int
    share: float
    differences: pd.DataFrame


def selected_ids(points: Iterable[Mapping[str, Any]], valid: pd.Index) -> pd.Index:
    """Customer ids of the points in a plotly selection event, read from ``customdata``.

    Points without customer data (labels, annotations) and ids not in ``valid`` are ignored.

    >>> points = [{"customdata": ["C1", "A"]}, {"customdata": ["C9", "B"]}, {"x": 1}]
    >>> list(selected_ids(points, pd.Index(["C1", "C2"])))
    ['C1']
    """
    ids = []
    for point in points:
        data = point.get("customdata")
        if data is None:
            continue
        ids.append(data[0] if isinstance(data, (list, tuple)) else data)
    found = pd.Index(pd.unique(pd.Series(ids, dtype="object"))) if ids else pd.Index([])
    if len(found) and valid.dtype != object:
        found = found.astype(valid.dtype)
    return valid[valid.isin(found)]


def describe_selection(
    customers: pd.DataFrame, schema: Schema, ids: pd.Index, columns: Iterable[str], top: int = 6
) -> SelectionSummary:
    """The ``top`` features where the selected customers differ most from everyone else.

    ``customers`` is indexed by customer id; ``columns`` are the features to compare.
    """
    if len(ids) == 0:
        raise SegmentationError(
            "No customers are selected. Drag a lasso or a box around points on the map."
        )
    inside = customers.index.isin(ids)
    rows = []
    for column in columns:
        kind = schema.column(column).kind
        if kind == "numeric":
            rows.append(_numeric_difference(customers[column], inside, column))
        elif kind in ("categorical", "boolean"):
            rows.append(_level_difference(customers[column], inside, column))
    found = [r for r in rows if r is not None and np.isfinite(r["effect"])]
    table = pd.DataFrame(
        found, columns=["feature", "selected", "everyone_else", "effect", "direction"]
    )
    if not table.empty:
        table = table.reindex(table["effect"].abs().sort_values(ascending=False).index)
    return SelectionSummary(int(inside.sum()), float(inside.mean()), table.head(top))


def _numeric_difference(values: pd.Series, inside: np.ndarray, column: str) -> dict | None:
    values = values.astype("float64")
    a, b = values[inside].dropna(), values[~inside].dropna()
    if len(a) == 0 or len(b) == 0:
        return None
    pooled = (
        np.sqrt(
            ((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1)) / (len(a) + len(b) - 2)
        )
        if len(a) + len(b) > 2
        else 0.0
    )
    if not pooled or not np.isfinite(pooled):
        return None
    effect = (a.mean() - b.mean()) / pooled
    return {
        "feature": column_words(column),
        "selected": f"median {_number(a.median())}",
        "everyone_else": f"median {_number(b.median())}",
        "effect": float(effect),
        "direction": "higher" if effect > 0 else "lower",
    }


def _level_difference(values: pd.Series, inside: np.ndarray, column: str) -> dict | None:
    labels = values.astype("string")
    best = None
    for level in labels.value_counts(normalize=True).loc[lambda s: s >= MIN_LEVEL_SHARE].index:
        hit = labels.eq(level).fillna(False).to_numpy()
        p, q = hit[inside].mean(), hit[~inside].mean() if (~inside).any() else np.nan
        effect = 2 * np.arcsin(np.sqrt(p)) - 2 * np.arcsin(np.sqrt(q))
        if best is None or abs(effect) > abs(best["effect"]):
            best = {
                "feature": f"{column_words(column)} = {level}",
                "selected": f"{p:.0%}",
                "everyone_else": f"{q:.0%}",
                "effect": float(effect),
                "direction": "more often" if effect > 0 else "less often",
            }
    return best


def _number(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def selection_segmentation(
    ids: pd.Index,
    all_ids: pd.Index,
    name: str,
    base: Segmentation | None = None,
    settings: Mapping[str, Any] | None = None,
) -> Segmentation:
    """Keep selected customers as a segment.

    Without ``base``: a new segmentation "selection vs everyone else". With ``base``: a copy of it
    where the selected customers form a new segment (leaving their old segments).
    """
    name = name.strip()
    if not name:
        raise SegmentationError("The new segment needs a name; type one.")
    if len(ids) == 0:
        raise SegmentationError(
            "No customers are selected. Drag a lasso or a box around points on the map first."
        )
    record = {"name": name, "customer_ids": [_plain(i) for i in ids], **dict(settings or {})}
    if base is None:
        labels = pd.Series(UNASSIGNED, index=all_ids, dtype="int64")
        labels[labels.index.isin(ids)] = 0
        return make_segmentation(
            f"Map selection: {name}",
            "selection",
            labels,
            {0: name},
            {"selections": [record]},
            unassigned_name=EVERYONE_ELSE,
        )
    if name in base.segment_names.values():
        raise SegmentationError(
            f"'{name}' is already a segment of '{base.title}'; choose a different name."
        )
    labels = base.labels.reindex(base.labels.index.union(ids, sort=False)).fillna(UNASSIGNED)
    new_id = max([i for i in base.segment_names if i != UNASSIGNED], default=-1) + 1
    labels[labels.index.isin(ids)] = new_id
    previous = list(base.settings.get("selections", []))
    names = {**base.segment_names, new_id: name}
    if (labels == UNASSIGNED).any():
        names.setdefault(UNASSIGNED, "Unassigned")
    return make_segmentation(
        f"{base.title} + {name}",
        base.method,
        labels.astype("int64"),
        names,
        {**base.settings, "selections": [*previous, record]},
    )


def _plain(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value
