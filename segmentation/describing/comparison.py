"""Putting segments side by side: KPIs, tested differences per feature, and overlaps.

Which test each feature gets and how its effect size is measured: :mod:`.comparison_stats`.

The p-values of all features are corrected together for multiple comparisons with
Benjamini–Hochberg (false discovery rate; default) or Holm (family-wise error, stricter). A
difference is **real** when the corrected p-value is below ``alpha`` and the effect is at least
small by Cohen's conventions; "real but tiny" when significant with a negligible effect (common
with many thousand customers); "could be chance" otherwise.

Groups may come from different segmentations and then may share customers; the tests assume
separate groups, so :class:`FeatureComparison` reports the overlap and the page says so.
"""

from __future__ import annotations

import itertools
import math
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from segmentation.data.schema import Schema, normalise_name
from segmentation.describing.comparison_stats import adjust_p_values, categorical_row, numeric_row
from segmentation.describing.profiles import money_source
from segmentation.describing.value_format import (
    ValueFormat,
    format_number,
    is_personal,
    label_words,
    value_formats,
)
from segmentation.errors import SegmentationError
from segmentation.segmenting.segments import UNASSIGNED, Segmentation

NUMERIC_TESTS = {"rank": "medians and ranks (robust)", "mean": "averages (t-test / ANOVA)"}
CORRECTIONS = {"bh": "Benjamini–Hochberg (false discovery rate)", "holm": "Holm (stricter)"}
MAX_GROUPS = 4
FREQUENCY_NAMES = ("frequency", "orders", "order count", "number of orders", "n orders")
RECENCY_NAMES = ("recency days", "recency", "days since last order", "days since last purchase")
AOV_NAMES = ("avg order value", "average order value", "aov", "mean order value")
REAL, TINY, CHANCE = "Real difference", "Real but tiny", "Could be chance"


class ComparisonError(SegmentationError):
    """Groups or settings that cannot be compared."""


@dataclass(frozen=True)
class Group:
    """A named set of customers to compare: a segment, or everyone outside it."""

    name: str
    customer_ids: pd.Index


@dataclass(frozen=True)
class ComparisonConfig:
    """How differences are tested.

    Attributes
    ----------
    numeric_test : "rank" (Mann–Whitney / Kruskal–Wallis) or "mean" (Welch's t / ANOVA).
    correction : "bh" (Benjamini–Hochberg) or "holm", applied across all features.
    alpha : the significance level for corrected p-values.
    """

    numeric_test: str = "rank"
    correction: str = "bh"
    alpha: float = 0.05

    def __post_init__(self) -> None:
        if self.numeric_test not in NUMERIC_TESTS:
            raise ComparisonError(
                f"numeric_test='{self.numeric_test}' is not a test; use 'rank' or 'mean'."
            )
        if self.correction not in CORRECTIONS:
            raise ComparisonError(
                f"correction='{self.correction}' is not a correction; use 'bh' or 'holm'."
            )
        if not 0 < self.alpha < 1:
            raise ComparisonError(
                f"alpha={self.alpha} must be between 0 and 1; 0.05 is the usual choice."
            )

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form (for links and saved projects)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ComparisonConfig:
        """The config a :meth:`to_dict` produced."""
        return cls(**{k: data[k] for k in ("numeric_test", "correction", "alpha") if k in data})


@dataclass(frozen=True)
class KpiTable:
    """Key figures per group: rows are KPIs, columns the groups (persona names).

    ``values`` holds numbers (or text for top categories); ``kinds`` says per row how to show
    it: "count", "share", "money", "number", "days" or "text".
    """

    values: pd.DataFrame
    kinds: Mapping[str, str]
    currency: str | None = None

    def formatted(self) -> pd.DataFrame:
        """The table as display text ("1,234", "12.3%", "$1,234" with the currency when known)."""
        return self.values.apply(
            lambda row: row.map(lambda v: _format(v, self.kinds[row.name], self.currency)), axis=1
        )


@dataclass(frozen=True)
class FeatureComparison:
    """Every feature's difference between the groups, strongest effect first.

    ``table`` columns: feature, kind, test, statistic, p_value, p_adjusted, effect,
    effect_measure, strength (0–1, r scale), size (negligible … large), verdict, and one column
    per group with its typical value (median or mean, or the top category and its share).
    """

    table: pd.DataFrame
    groups: tuple[str, ...]
    config: ComparisonConfig
    n_overlap: int
    notes: tuple[str, ...] = field(default_factory=tuple)
    labels: Mapping[str, str] = field(default_factory=dict)
    formats: Mapping[str, ValueFormat] = field(default_factory=dict)

    def label(self, feature: str) -> str:
        """A feature's readable label."""
        return self.labels.get(feature, feature)

    def typical_text(self, feature: str, value: object) -> str:
        """A group's typical value of a feature, written by the feature's meaning."""
        if isinstance(value, str):
            return value
        return self.formats.get(feature, ValueFormat()).text(value)

    @property
    def n_real(self) -> int:
        """How many features differ for real (significant and at least a small effect)."""
        return int((self.table["verdict"] == REAL).sum()) if len(self.table) else 0


@dataclass(frozen=True)
class CrossTab:
    """How the segments of two segmentations overlap, on the customers both label."""

    counts: pd.DataFrame
    row_shares: pd.DataFrame
    rows_title: str
    columns_title: str
    adjusted_rand: float
    n_customers: int


# --- groups ---------------------------------------------------------------------------------


def segment_group(segmentation: Segmentation, segment_id: int, name: str | None = None) -> Group:
    """The customers of one segment, named after it (the persona name)."""
    if segment_id not in segmentation.segment_names:
        raise ComparisonError(
            f"Segment {segment_id} is not in '{segmentation.title}', which has segments "
            f"{', '.join(map(str, segmentation.segment_ids))}. Pick one of those."
        )
    ids = segmentation.labels.index[segmentation.labels.to_numpy() == segment_id]
    return Group(name or segmentation.segment_names[segment_id], ids)


def rest_group(segmentation: Segmentation, segment_id: int) -> Group:
    """Everyone in the segmentation outside one segment: "All other customers"."""
    ids = segmentation.labels.index[segmentation.labels.to_numpy() != segment_id]
    return Group("All other customers", ids)


def unique_group_names(names: Sequence[str], qualifiers: Sequence[str]) -> list[str]:
    """Names made unique by adding the qualifier (e.g. the segmentation) where they repeat."""
    repeated = {n for n in names if list(names).count(n) > 1}
    out = [f"{n} ({q})" if n in repeated else n for n, q in zip(names, qualifiers, strict=True)]
    seen: dict[str, int] = {}
    for i, name in enumerate(out):
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            out[i] = f"{name} #{seen[name]}"
    return out


def _check_groups(groups: Sequence[Group]) -> None:
    if not 2 <= len(groups) <= MAX_GROUPS:
        raise ComparisonError(
            f"{len(groups)} group{'s' * (len(groups) != 1)} chosen; compare between 2 and "
            f"{MAX_GROUPS} segments (or one segment against all other customers)."
        )
    names = [g.name for g in groups]
    if len(set(names)) != len(names):
        raise ComparisonError(
            f"The groups {names} repeat a name; each group needs its own name. Choose "
            "different segments."
        )
    empty = [g.name for g in groups if len(g.customer_ids) == 0]
    if empty:
        raise ComparisonError(
            f"{', '.join(repr(n) for n in empty)} has no customers, so there is nothing to "
            "compare. Choose a segment with customers."
        )


def _positions(frame: pd.DataFrame, schema: Schema, groups: Sequence[Group]) -> list[np.ndarray]:
    """Row positions in ``frame`` of each group's customers (ids not in the data are left out)."""
    ids = _id_index(frame, schema.id_column) if schema.id_column else frame.index
    wanted = np.concatenate([np.asarray(g.customer_ids, dtype=object) for g in groups])
    found = ids.get_indexer(wanted)  # one look-up: the id hash table is built once
    bounds = np.cumsum([0] + [len(g.customer_ids) for g in groups])
    parts = [found[start:end] for start, end in itertools.pairwise(bounds)]
    return [part[part >= 0] for part in parts]


_ID_INDEXES: dict[tuple[int, str], tuple[weakref.ref, pd.Index]] = {}


def _id_index(frame: pd.DataFrame, id_column: str) -> pd.Index:
    """The id column as an Index, kept for the last few frames: its hash table (the costly part
    of looking customers up) is then built once per frame, not once per table or chart."""
    key = (id(frame), id_column)
    kept = _ID_INDEXES.get(key)
    if kept is not None and kept[0]() is frame:
        return kept[1]
    index = pd.Index(frame[id_column])
    if len(_ID_INDEXES) >= 8:
        _ID_INDEXES.pop(next(iter(_ID_INDEXES)), None)
    _ID_INDEXES[key] = (weakref.ref(frame), index)
    return index


def _overlap(positions: Sequence[np.ndarray]) -> int:
    counts = np.bincount(np.concatenate(positions)) if positions else np.array([])
    return int((counts > 1).sum())


# --- KPIs -----------------------------------------------------------------------------------


def find_column(
    schema: Schema, names: Sequence[str], kinds: Sequence[str] = ("numeric",)
) -> str | None:
    """The first column whose normalised name is one of ``names`` (in that order)."""
    by_name = {normalise_name(c.name): c.name for c in schema.columns if c.kind in kinds}
    return next((by_name[n] for n in names if n in by_name), None)


def kpi_table(
    frame: pd.DataFrame,
    schema: Schema,
    groups: Sequence[Group],
    category_columns: Sequence[str] = (),
    top: int = 2,
    currency: str | None = None,
) -> KpiTable:
    """Customers, share, revenue, value per customer, orders, recency, AOV and top categories.

    Shares are of all customers (and all revenue) in ``frame``; revenue comes from the
    customer-value meaning (:func:`.profiles.money_source`), so a meaning edit on the Data page
    changes it; rows whose column the data lacks (no money column, no order history) are left
    out. Money is written with ``currency`` when known.
    """
    _check_groups(groups)
    positions = _positions(frame, schema, groups)
    rows: dict[str, list[object]] = {}
    kinds: dict[str, str] = {}

    def add(label: str, kind: str, values: list[object]) -> None:
        rows[label], kinds[label] = values, kind

    add("Customers", "count", [len(p) for p in positions])
    add("Share of customers", "share", [len(p) / max(len(frame), 1) for p in positions])
    source = money_source(schema)
    if source is not None and set(source.columns) <= set(frame.columns):
        money = source.values(frame).to_numpy(dtype="float64")
        total = np.nansum(money)
        revenue = [float(np.nansum(money[p])) for p in positions]
        add("Revenue", "money", revenue)
        add("Share of revenue", "share", [r / total if total else np.nan for r in revenue])
        add("Value per customer", "money", [_mean(money[p]) for p in positions])
    for label, names, kind, summary in (
        ("Orders per customer", FREQUENCY_NAMES, "number", _mean),
        ("Days since last order (median)", RECENCY_NAMES, "days", _median),
        ("Average order value", AOV_NAMES, "money", _mean),
    ):
        column = find_column(schema, names)
        counts = [c for c in schema.of_meaning("order_count") if schema.column(c).kind == "numeric"]
        if column is None and kind == "number" and len(counts) == 1:
            column = counts[0]  # the one order count the meanings name
        if column is not None:
            values = _floats(frame[column])
            add(label, kind, [summary(values[p]) for p in positions])
    for column in category_columns:
        values = frame[column].astype("string")
        label = schema.column(column).label
        add(
            f"Top {label_words(label)}",
            "text",
            [_top_levels(values.iloc[p], top) for p in positions],
        )
    table = pd.DataFrame(rows, index=[g.name for g in groups]).T
    return KpiTable(table, kinds, currency)


def _floats(values: pd.Series) -> np.ndarray:
    return pd.to_numeric(values, errors="coerce").astype("float64").to_numpy()


def _mean(values: np.ndarray) -> float:
    present = values[~np.isnan(values)]
    return float(present.mean()) if len(present) else np.nan


def _median(values: np.ndarray) -> float:
    present = values[~np.isnan(values)]
    return float(np.median(present)) if len(present) else np.nan


def _top_levels(values: pd.Series, top: int) -> str:
    shares = values.value_counts(normalize=True, dropna=True)
    if shares.empty:
        return "–"
    return ", ".join(f"{level} ({share:.0%})" for level, share in shares.head(top).items())


def _format(value: object, kind: str, currency: str | None = None) -> str:
    if kind == "text":
        return str(value)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    number = float(value)
    if kind == "count":
        return f"{number:,.0f}"
    if kind == "share":
        return f"{number:.1%}"
    if kind == "money":
        return format_number(number, "money", currency)
    if kind == "days":
        return f"{number:,.0f} days"
    return f"{number:,.1f}"


# --- tested differences ---------------------------------------------------------------------


def compare_features(
    frame: pd.DataFrame,
    schema: Schema,
    groups: Sequence[Group],
    features: Sequence[str] | None = None,
    config: ComparisonConfig | None = None,
    currency: str | None = None,
) -> FeatureComparison:
    """Test every feature for a difference between the groups, strongest effect first.

    Parameters
    ----------
    frame : one row per customer, with the schema's id column.
    schema : column kinds; numeric features get a rank or mean test, categorical and yes/no
        features a chi-square test; dates and free text are skipped.
    groups : 2–4 named groups of customer ids.
    features : the columns to test (default: every feature of the schema); personal data
        (e-mails, names, phones …) is never tested.
    config : test, correction and significance level.
    currency : the money's currency, for the typical values' text.

    Examples
    --------
    >>> from segmentation.data.schema import infer_schema
    >>> frame = pd.DataFrame({"id": list("abcdef"), "spend": [1.0, 2, 3, 4, 5, 6]})
    >>> schema = infer_schema(frame, one_row_per_customer=True).schema
    >>> groups = [Group("low", pd.Index(list("abc"))), Group("high", pd.Index(list("def")))]
    >>> result = compare_features(frame, schema, groups, ["spend"])
    >>> float(result.table.loc[0, "effect"])
    -1.0
    """
    config = config or ComparisonConfig()
    _check_groups(groups)
    positions = _positions(frame, schema, groups)
    features = list(features if features is not None else schema.features())
    features = [f for f in features if not is_personal(schema.column(f))]
    rows, notes = [], []
    for name in features:
        kind = schema.column(name).kind
        if kind == "numeric":
            row = numeric_row(_floats(frame[name]), positions, config.numeric_test)
        elif kind in ("categorical", "boolean"):
            row = categorical_row(frame[name], positions)
        else:
            continue
        if row is None:
            label = schema.column(name).label
            notes.append(f"'{label}' was not tested: a group has fewer than 2 values.")
            continue
        rows.append({"feature": name, "kind": kind, **row})
    table = _finish(rows, [g.name for g in groups], config)
    overlap = _overlap(positions)
    if overlap:
        notes.append(
            f"{overlap:,} customers are in more than one group (the groups come from different "
            "segmentations); the tests assume separate groups, so treat p-values as approximate."
        )
    tested = list(table["feature"])
    return FeatureComparison(
        table,
        tuple(g.name for g in groups),
        config,
        overlap,
        tuple(notes),
        {name: schema.column(name).label for name in tested},
        value_formats(schema, frame, tested, currency),
    )


def _finish(rows: list[dict], names: list[str], config: ComparisonConfig) -> pd.DataFrame:
    columns = [
        "feature", "kind", "test", "statistic", "p_value", "p_adjusted", "effect",
        "effect_measure", "strength", "size", "verdict", *names,
    ]  # fmt: skip
    if not rows:
        return pd.DataFrame(columns=columns)
    table = pd.DataFrame(rows)
    table["p_adjusted"] = adjust_p_values(table["p_value"].to_numpy(), config.correction)
    significant = table["p_adjusted"] < config.alpha
    table["verdict"] = np.where(
        significant & (table["size"] != "negligible"), REAL, np.where(significant, TINY, CHANCE)
    )
    summaries = pd.DataFrame(table.pop("summary").tolist(), columns=names)
    table = pd.concat([table, summaries], axis=1)[columns]
    return table.sort_values(["strength", "feature"], ascending=[False, True]).reset_index(
        drop=True
    )


# --- profiles for charts -------------------------------------------------------------------


def standardised_means(
    frame: pd.DataFrame, schema: Schema, groups: Sequence[Group], features: Sequence[str]
) -> pd.DataFrame:
    """Numeric features × groups: each group's mean in standard deviations from all customers."""
    positions = _positions(frame, schema, groups)
    numeric = [f for f in features if schema.column(f).kind == "numeric"]
    rows = {}
    for name in numeric:
        values = _floats(frame[name])
        mean, sd = np.nanmean(values), np.nanstd(values, ddof=1)
        if not sd > 0:
            continue
        rows[name] = [(_mean(values[p]) - mean) / sd for p in positions]
    return pd.DataFrame.from_dict(rows, orient="index", columns=[g.name for g in groups])


def group_values(
    frame: pd.DataFrame, schema: Schema, groups: Sequence[Group], feature: str
) -> dict[str, pd.Series]:
    """One feature's values per group (missing left out), for distribution charts."""
    positions = _positions(frame, schema, groups)
    return {g.name: frame[feature].iloc[p].dropna() for g, p in zip(groups, positions, strict=True)}


# --- overlap of two segmentations ----------------------------------------------------------


def crosstab(rows: Segmentation, columns: Segmentation) -> CrossTab:
    """Customers in each pair of segments of two segmentations, with row shares.

    Only customers labelled by both count (e.g. a rule-filtered clustering labels fewer).
    """
    common = rows.labels.index.intersection(columns.labels.index)
    if len(common) == 0:
        raise ComparisonError(
            f"'{rows.title}' and '{columns.title}' share no customers, so there is no overlap "
            "to show. Pick two segmentations of the same data."
        )
    a = rows.labels.loc[common].to_numpy()
    b = columns.labels.loc[common].to_numpy()
    counts = pd.crosstab(pd.Series(a, name="rows"), pd.Series(b, name="columns"))
    counts = counts.reindex(
        index=[i for i in rows.segment_ids if i in counts.index],
        columns=[i for i in columns.segment_ids if i in counts.columns],
        fill_value=0,
    )
    counts.index = [rows.segment_names[i] for i in counts.index]
    counts.columns = [columns.segment_names[i] for i in counts.columns]
    shares = counts.div(counts.sum(axis=1), axis=0)
    from sklearn.metrics import adjusted_rand_score  # only here: keeps the package import light

    labelled = (a != UNASSIGNED) & (b != UNASSIGNED)
    ari = float(adjusted_rand_score(a[labelled], b[labelled])) if labelled.any() else np.nan
    return CrossTab(counts, shares, rows.title, columns.title, ari, len(common))
