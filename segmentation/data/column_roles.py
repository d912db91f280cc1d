"""A column's suggested role (feature, id or ignore) and segmentation base, with the words
that say why, and the first distinct values its profile shows: the last step of
:func:`segmentation.data.schema.infer_schema` for each column."""

from __future__ import annotations

import pandas as pd

from segmentation.data.bases import suggest_base
from segmentation.data.distinct_values import first_values
from segmentation.data.meanings import meaning_of


def suggest_role(
    present: pd.api.extensions.ExtensionArray,
    n_present: int,
    kind: str,
    meaning: str,
    is_customer_id: bool,
    n_unique: int,
    missing_share: float,
    one_row_per_customer: bool,
) -> tuple[str, str]:
    if is_customer_id:
        return "id", "identifies each customer"
    if kind == "empty" or not len(present):
        return "ignore", "every value is missing"
    if n_unique == 1:
        return "ignore", f"the same value ({example_text(present[0])}) in every row"
    if meaning_of(meaning).role == "ignore" and meaning != "free_text":
        return "ignore", meaning_note(meaning)
    if kind == "id":
        return "ignore", "an identifier (of orders or products), not a customer trait"
    if kind == "text":
        return "ignore", "free text: too varied to group customers by"
    if meaning == "free_text":
        return "ignore", meaning_note(meaning)
    if missing_share > 0.6:
        return "ignore", f"{missing_share:.0%} of values are missing"
    near_unique = n_present >= 20 and n_unique >= 0.8 * n_present
    if one_row_per_customer and near_unique and kind == "categorical":
        return "ignore", "almost every customer has a different value (like a name or email)"
    return "feature", ""


def meaning_note(meaning: str) -> str:
    """Why a column of this meaning is left out of the analysis."""
    implied = meaning_of(meaning)
    if meaning == "internal_id":
        return "a platform's internal id (personal data): kept for the target list only"
    if implied.personal:
        return f"a personal contact detail ({implied.label}): kept for the target list only"
    if meaning == "free_text":
        return "free text: too varied to group customers by"
    return f"{implied.label}: a detail of orders, not a customer trait"


def suggest_column_base(
    name: str, present: pd.api.extensions.ExtensionArray, meaning: str, role: str
) -> str:
    implied = meaning_of(meaning)
    if role == "id" or implied.personal:
        return "other"
    base = suggest_base(name, present)
    return implied.base if base == "other" and implied.base else base


def example_text(value: object) -> str:
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else str(value)
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return str(value)


def first_distinct(
    values: pd.api.extensions.ExtensionArray, n: int, n_distinct: int | None = None
) -> list[object]:
    """The first ``n`` different values, read from the start of the column only as far as
    needed (turning thousands of dates into Python objects costs milliseconds a column);
    ``n_distinct``: how many different values the column holds, when known (once all are
    found, the rest of the column holds no other)."""
    size = 4 * n
    while True:
        firsts = list(dict.fromkeys(first_values(values, size)))[:n]
        if len(firsts) in (n, n_distinct) or size >= len(values):
            return firsts
        size *= 8
