"""What the data says about each segment: size, value, growth, reachability and response.

:func:`segment_measures` computes them once per data, segmentation and customer value; the
``find_*`` functions name the columns they come from, by the columns' meanings (consent, e-mail,
phone, campaign response) with names as a fallback (engagement rates, first and last order
dates). The customer value is :mod:`segmentation.targeting.value`'s. How the measures become
0–100 scores is in :mod:`segmentation.targeting.scores`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from segmentation.data.schema import Schema, normalise_name
from segmentation.describing.comparison import AOV_NAMES, FREQUENCY_NAMES, find_column
from segmentation.segmenting.segments import Segmentation
from segmentation.targeting.value import (
    WITHOUT_VALUE,
    CustomerValue,
    column_title,
    default_value,
    is_predicted,
)

ENGAGEMENT_WORDS = ("open rate", "click rate", "engagement")
RESPONSE_WORDS = ("response", "responded", "converted", "conversion")
# consent values that mean "may be contacted" (case and spaces ignored)
REACHABLE_WORDS = frozenset(
    {
        "true",
        "yes",
        "y",
        "1",
        "1.0",
        "subscribed",
        "opted in",
        "opt in",
        "opted-in",
        "opt-in",
        "confirmed",
        "granted",
        "single opt-in",
        "double opt-in",
    }
)
CONTACT_MEANINGS = ("email", "phone")


@dataclass(frozen=True)
class SegmentMeasures:
    """What the data says about each segment, computed once per data, segmentation and value.

    ``table`` is indexed by segment id (display order) with columns: segment, customers,
    reachable, reach_share, value_per_customer, total_value, growth, response_rate (percent,
    from data), value_per_conversion. ``columns`` names the data column behind each measure,
    ``labels`` the same columns in plain words, ``contacts`` the e-mail and phone columns,
    ``value`` the customer value and ``conversion_source`` where the value per conversion comes
    from, in plain words.
    """

    table: pd.DataFrame
    columns: Mapping[str, str | None]
    notes: tuple[str, ...] = ()
    value: CustomerValue | None = None
    contacts: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    conversion_source: str = ""

    @property
    def has_opt_in(self) -> bool:
        """Whether each customer is known to be reachable or not (a consent column, e-mail or
        phone columns), so audiences can be limited to them."""
        return self.columns.get("opt_in") is not None or bool(self.contacts)

    @property
    def value_note(self) -> str:
        """What is left out for want of a customer value ('' when there is one)."""
        if self.value is None or self.value.known:
            return ""
        if self.value.status == "none":
            return WITHOUT_VALUE
        return (
            "No customer value chosen yet, so value per customer and total value are not scored "
            "and the ROI what-if has no revenue until you choose it."
        )

    def label(self, key: str) -> str:
        """The plain-words label of the column behind measure ``key`` ('' when none)."""
        return self.labels.get(key, "")


# --- what the data says --------------------------------------------------------------------


def find_opt_in(schema: Schema) -> str | None:
    """The column whose meaning is consent/opt-in (who may be contacted), if one exists."""
    return next((c.name for c in schema.columns if c.meaning == "consent" and c.role != "id"), None)


def find_contacts(schema: Schema) -> tuple[str, ...]:
    """The columns whose meaning is an e-mail address or a phone number."""
    return tuple(c.name for c in schema.columns if c.meaning in CONTACT_MEANINGS)


def find_engagement(schema: Schema) -> str | None:
    """A numeric engagement rate (email open or click rate), if one exists."""
    return _find_by_words(schema, ENGAGEMENT_WORDS, ("numeric",))


def find_response(schema: Schema) -> str | None:
    """The campaign-response column (the one named like a response first), else a yes/no or 0/1
    column named like one, if one exists."""
    responses = [c for c in schema.columns if c.meaning == "campaign_response"]
    named = [c.name for c in responses if _named(c.name, RESPONSE_WORDS)]
    if named or responses:
        return (named or [responses[0].name])[0]
    return _find_by_words(schema, RESPONSE_WORDS, ("boolean", "numeric"))


def find_order_dates(schema: Schema) -> tuple[str, str] | None:
    """The first- and last-order date columns, if the data has both."""
    dates = [c.name for c in schema.columns if c.kind == "datetime"]
    first = next((c for c in dates if "first" in normalise_name(c)), None)
    last = next((c for c in dates if "last" in normalise_name(c)), None)
    return (first, last) if first and last else None


def find_order_count(schema: Schema) -> str | None:
    """The number of orders per customer: a column named so, else the one column (not a
    prediction) whose meaning is order count."""
    named = find_column(schema, FREQUENCY_NAMES)
    if named is not None:
        return named
    counts = [
        c.name
        for c in schema.columns
        if c.meaning == "order_count" and c.kind == "numeric" and not is_predicted(c)
    ]
    return counts[0] if len(counts) == 1 else None


def _named(name: str, words: Sequence[str]) -> bool:
    padded = f" {normalise_name(name)} "
    return any(f" {w} " in padded for w in words)


def _find_by_words(schema: Schema, words: Sequence[str], kinds: Sequence[str]) -> str | None:
    for column in schema.columns:
        if column.kind in kinds and column.role != "id" and _named(column.name, words):
            return column.name
    return None


def reachable_mask(
    frame: pd.DataFrame, opt_in: str | None, contacts: Sequence[str] = ()
) -> np.ndarray | None:
    """Who may be contacted: consent given (true, yes, subscribed …) and an e-mail or phone on
    file, each where the data has such columns; ``None`` when it has neither."""
    if opt_in is None and not contacts:
        return None
    mask = np.ones(len(frame), dtype=bool)
    if opt_in is not None:
        mask &= consent_given(frame[opt_in])
    if contacts:
        present = [
            frame[c].astype("string").str.strip().fillna("").ne("").to_numpy(dtype=bool)
            for c in contacts
        ]
        mask &= np.logical_or.reduce(present)
    return mask


def consent_given(values: pd.Series) -> np.ndarray:
    """Whether each value of a consent column says yes (blank: no)."""
    if pd.api.types.is_bool_dtype(values):
        return values.fillna(False).astype(bool).to_numpy()
    if pd.api.types.is_numeric_dtype(values):
        return (pd.to_numeric(values, errors="coerce") > 0).fillna(False).to_numpy(dtype=bool)
    words = values.astype("string").str.strip().str.lower().str.replace("_", " ", regex=False)
    return words.isin(REACHABLE_WORDS).fillna(False).to_numpy(dtype=bool)


def segment_measures(
    frame: pd.DataFrame,
    schema: Schema,
    segmentation: Segmentation,
    value: CustomerValue | None = None,
) -> SegmentMeasures:
    """Size, value, growth, reachability and response per segment, from the data.

    ``value`` is the customer value to use (default: the one the columns' meanings give, see
    :func:`segmentation.targeting.value.default_value`). Customers of ``frame`` not labelled by
    the segmentation are left out.
    """
    value = value or default_value(schema)
    ids = frame[schema.id_column] if schema.id_column else frame.index.to_series()
    labels = segmentation.labels.reindex(pd.Index(ids)).to_numpy()
    keep = ~pd.isna(labels)
    frame, labels = frame.loc[keep], labels[keep].astype("int64")
    order = list(segmentation.segment_ids)
    codes = pd.Index(order).get_indexer(labels)
    columns = _measure_columns(schema)
    contacts = find_contacts(schema)
    sums = _Sums(codes, len(order))
    table = pd.DataFrame(index=pd.Index(order, name="segment_id"))
    table["segment"] = [segmentation.segment_names[i] for i in order]
    table["customers"] = sums.count()
    reach = _reach(frame, columns, contacts, sums, table["customers"])
    table["reachable"], table["reach_share"] = reach
    worth = value.per_customer(frame)
    table["total_value"] = sums.total(worth) if worth is not None else np.nan
    table["value_per_customer"] = table["total_value"] / table["customers"].where(
        table["customers"] > 0
    )
    table["growth"] = _growth(frame, columns, sums)
    response = _floats(frame, columns["response"])
    table["response_rate"] = 100 * sums.mean(response) if response is not None else np.nan
    per_conversion, source = _value_per_conversion(frame, schema, columns, value, worth, sums)
    table["value_per_conversion"] = per_conversion
    names = {k: column_title(schema.column(c)) for k, c in columns.items() if c is not None}
    notes = tuple(_measure_notes(columns, contacts))
    return SegmentMeasures(table, columns, notes, value, contacts, names, source)


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
        "frequency": find_order_count(schema),
        "avg_order_value": find_column(schema, AOV_NAMES),
        "opt_in": find_opt_in(schema),
        "engagement": find_engagement(schema),
        "response": find_response(schema),
        "first_order": dates[0] if dates else None,
        "last_order": dates[1] if dates else None,
    }


def _measure_notes(columns: Mapping[str, str | None], contacts: Sequence[str]) -> list[str]:
    notes = []
    if columns["first_order"] is None:
        notes.append("No first and last order dates, so growth cannot be measured.")
    if columns["opt_in"] is None and not contacts and columns["engagement"] is None:
        notes.append(
            "No consent (opt-in), e-mail, phone or engagement column, so reachability cannot "
            "be measured and every customer counts as reachable."
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
    frame: pd.DataFrame,
    columns: Mapping[str, str | None],
    contacts: Sequence[str],
    sums: _Sums,
    customers: pd.Series,
) -> tuple[np.ndarray, np.ndarray]:
    sizes = customers.to_numpy(dtype="float64")
    mask = reachable_mask(frame, columns["opt_in"], contacts)
    if mask is not None:
        reachable = sums.count(mask)
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
    frame: pd.DataFrame,
    schema: Schema,
    columns: Mapping[str, str | None],
    value: CustomerValue,
    worth: np.ndarray | None,
    sums: _Sums,
) -> tuple[np.ndarray, str]:
    """What one response is worth, and where that comes from in plain words.

    A predicted value is what winning (or keeping) a customer is worth: its mean per customer.
    Otherwise one response is one order: the average order value column; else the value per
    order; else the value per customer. Without a customer value: unknown.
    """
    if worth is None:
        return np.full(sums.n, np.nan), ""
    if value.predicted:
        return sums.mean(worth), f"{value.label}, per customer"
    aov = columns["avg_order_value"]
    if aov is not None:
        return sums.mean(_floats(frame, aov)), column_title(schema.column(aov))
    if columns["frequency"] is not None:
        orders = sums.total(_floats(frame, columns["frequency"]))
        with np.errstate(invalid="ignore", divide="ignore"):
            per_order = np.where(orders > 0, sums.total(worth) / orders, np.nan)
        return per_order, f"{value.label} per order"
    return sums.mean(worth), f"{value.label} per customer"
