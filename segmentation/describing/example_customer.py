"""The example customer of a persona card: the real customer closest to the segment's centre,
with the values of the columns that set the segment apart first.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace

import numpy as np
import pandas as pd

from segmentation.data.schema import Schema
from segmentation.describing.persona_stats import Column, LevelStats, NumberStats
from segmentation.describing.persona_traits import format_value
from segmentation.describing.persona_types import ExampleCustomer, Trait
from segmentation.describing.value_format import is_personal
from segmentation.segmenting.segments import Segmentation

EXAMPLE_DETAILS = 6
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def example_customers(
    customers: pd.DataFrame,
    schema: Schema,
    segmentation: Segmentation,
    codes: np.ndarray,
    results: list[NumberStats | LevelStats],
) -> dict[int, ExampleCustomer]:
    """Per segment, the customer closest to its centre in standardised feature space.

    The space is the clustering's features when the segmentation records them, else every
    described column. Numbers enter as percentile ranks (so long tails do not dominate),
    category levels as indicators; every column is standardised and counts once in total.
    """
    used = set(segmentation.settings.get("features", {}).get("columns", ()))
    chosen = [r for r in results if r.column.name in used] or results
    X = _standardised(chosen, len(customers))
    ids = (
        customers[schema.id_column].astype("string").to_numpy()
        if schema.id_column
        else customers.index.astype("string").to_numpy()
    )
    personal = personal_key(schema, ids)
    rows = _closest_to_centres(X, codes)
    words = tuple(r.column.words for r in results)
    found = {}
    for index, row in rows.items():
        details = tuple(
            (r.column.name, _cell_text(customers[r.column.name].iloc[row], r.column))
            for r in results
        )
        shown = f"Customer #{_row_number(customers, row)}" if personal else ""
        found[index] = ExampleCustomer(str(ids[row]), details, shown, words)
    return found


def personal_key(schema: Schema, ids: np.ndarray) -> bool:
    """Whether the customer key is personal data (an e-mail, phone or name), so cards name
    customers by their row instead."""
    column = schema.id_column
    if column is not None and is_personal(schema.column(column)):
        return True
    sample = [str(v) for v in ids[:200] if v is not None and not pd.isna(v)]
    return any(_EMAIL.fullmatch(v.strip()) for v in sample)


def _row_number(customers: pd.DataFrame, row: int) -> int:
    label = customers.index[row]
    return int(label) + 1 if isinstance(label, (int, np.integer)) else row + 1


def _closest_to_centres(X: np.ndarray, codes: np.ndarray) -> dict[int, int]:
    """Per segment code, the row nearest (squared Euclidean) to the segment's mean row.

    ‖x − c‖² = ‖x‖² − 2·x·c + ‖c‖², so one matrix product scores every row against every
    centre without copying the rows of each segment.
    """
    frame = pd.DataFrame(X)
    centres = frame.groupby(codes).mean()
    scores = (
        np.einsum("ij,ij->i", X, X)
        - 2 * (X @ centres.to_numpy().T)[np.arange(len(X)), centres.index.get_indexer(codes)]
    )
    best = pd.Series(scores).groupby(codes).idxmin()
    return {int(code): int(row) for code, row in best.items()}


def _standardised(results: list[NumberStats | LevelStats], n: int) -> np.ndarray:
    """Rows of customers, columns standardised; each source column weighs 1 in total."""
    widths = [1 if isinstance(r, NumberStats) else max(len(r.levels), 1) for r in results]
    X = np.zeros((n, sum(widths) or 1), dtype="float32")
    start = 0
    for result, width in zip(results, widths, strict=True):
        weight = 1 / np.sqrt(width)
        if isinstance(result, NumberStats):
            sd = result.position.std()
            if sd > 0:
                X[:, start] = (result.position - result.position.mean()) / sd * weight
        else:
            share = np.bincount(result.level_codes[result.level_codes >= 0], minlength=width) / n
            sd = np.sqrt(share * (1 - share))
            safe = np.where(sd > 0, sd, 1.0)
            X[:, start : start + width] = np.where(sd > 0, -share / safe, 0.0) * weight
            has_level = np.flatnonzero(result.level_codes >= 0)
            levels = result.level_codes[has_level]
            X[has_level, start + levels] = (np.where(sd > 0, (1 - share) / safe, 0.0) * weight)[
                levels
            ]
        start += width
    return X


def _cell_text(value: object, column: Column) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "not recorded"
    if isinstance(value, pd.Timestamp) or column.kind == "date":
        return pd.Timestamp(value).strftime("%d %b %Y") if not pd.isna(value) else "not recorded"
    if column.kind == "flag":
        return "yes" if bool(value) else "no"
    if column.kind == "number":
        shown = replace(column, style="plain") if column.style == "scale" else column
        return format_value(float(value), shown)
    return str(value)


def example_with_details(
    example: ExampleCustomer | None,
    traits: tuple[Trait, ...],
    results: list[NumberStats | LevelStats],
) -> ExampleCustomer | None:
    """Keep the example's values for the traits' columns first, then other columns."""
    if example is None:
        return None
    values = dict(example.details)
    words = dict(zip([c for c, _ in example.details], example.words, strict=False))
    order = [t.column for t in traits] + [r.column.name for r in results]
    chosen = []
    for name in order:
        if name in values and name not in chosen and values[name] != "not recorded":
            chosen.append(name)
    chosen = chosen[:EXAMPLE_DETAILS]
    return ExampleCustomer(
        example.customer_id,
        tuple((n, values[n]) for n in chosen),
        example.shown_as,
        tuple(words.get(n, "") for n in chosen) if words else (),
    )
