"""Putting segments side by side: KPIs, tested differences per feature, and overlaps.

Which test, and why
-------------------
* **Numbers, 2 groups**: Mann–Whitney U with the rank-biserial correlation (default, "rank":
  customer numbers such as spend are long-tailed, and a rank test is not swayed by a few huge
  customers), or Welch's t-test with Cohen's d ("mean": when averages are what matter).
* **Numbers, 3–4 groups**: one test across all groups for each feature — Kruskal–Wallis with
  epsilon² ("rank") or Welch's ANOVA with eta² ("mean"). One test per feature keeps the number of
  tests (and false alarms) small; the per-group summaries show which group is high or low.
* **Categories and yes/no**: chi-square test of independence (no continuity correction) with
  Cramér's V; the 12 most common levels are kept, rarer ones pooled as "Other", missing left out.

The p-values of all features are corrected together for multiple comparisons with
Benjamini–Hochberg (false discovery rate; default) or Holm (family-wise error, stricter). A
difference is **real** when the corrected p-value is below ``alpha`` and the effect is at least
small by Cohen's conventions; "real but tiny" when significant with a negligible effect (common
with many thousand customers); "could be chance" otherwise.

Effects on different scales are made comparable for sorting by putting them on the scale of a
correlation r (0–1): d → |d|/√(d²+4), rank-biserial → |r|, Cramér's V → V, eta²/epsilon² → √.

Groups may come from different segmentations and then may share customers; the tests assume
separate groups, so :class:`FeatureComparison` reports the overlap and the page says so.
"""

from __future__ import annotations

import itertools
import math
import warnings
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from segmentation.data.schema import Schema, normalise_name
from segmentation.describing.profiles import find_monetary
from segmentation.errors import SegmentationError
from segmentation.segmenting.segments import UNASSIGNED, Segmentation

NUMERIC_TESTS = {"rank": "medians and ranks (robust)", "mean": "averages (t-test / ANOVA)"}
CORRECTIONS = {"bh": "Benjamini–Hochberg (false discovery rate)", "holm": "Holm (stricter)"}
MAX_GROUPS = 4
MAX_LEVELS = 12
FREQUENCY_NAMES = ("frequency", "orders", "order count", "number of orders", "n orders")
RECENCY_NAMES = ("recency days", "recency", "days since last order", "days since last purchase")
AOV_NAMES = ("avg order value", "average order value", "aov", "mean order value")
# Cohen's thresholds (small, medium, large) per effect measure.
_THRESHOLDS = {
    "Cohen's d": (0.2, 0.5, 0.8),
    "rank-biserial r": (0.1, 0.3, 0.5),
    "eta²": (0.01, 0.06, 0.14),
    "epsilon²": (0.01, 0.06, 0.14),
    "Cramér's V": (0.1, 0.3, 0.5),  # divided by √(min(rows, columns) − 1)
}
SIZE_LABELS = ("negligible", "small", "medium", "large")
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

    def formatted(self) -> pd.DataFrame:
        """The table as display text ("1,234", "12.3%", "$1,234.50" style without a currency)."""
        return self.values.apply(
            lambda row: row.map(lambda v: _format(v, self.kinds[row.name])), axis=1
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
) -> KpiTable:
    """Customers, share, revenue, value per customer, orders, recency, AOV and top categories.

    Shares are of all customers (and all revenue) in ``frame``; rows whose column the data
    lacks (no money column, no order history) are left out.
    """
    _check_groups(groups)
    positions = _positions(frame, schema, groups)
    rows: dict[str, list[object]] = {}
    kinds: dict[str, str] = {}

    def add(label: str, kind: str, values: list[object]) -> None:
        rows[label], kinds[label] = values, kind

    add("Customers", "count", [len(p) for p in positions])
    add("Share of customers", "share", [len(p) / max(len(frame), 1) for p in positions])
    monetary = find_monetary(schema)
    if monetary is not None:
        money = _floats(frame[monetary])
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
        if column is not None:
            values = _floats(frame[column])
            add(label, kind, [summary(values[p]) for p in positions])
    for column in category_columns:
        values = frame[column].astype("string")
        add(f"Top {column}", "text", [_top_levels(values.iloc[p], top) for p in positions])
    table = pd.DataFrame(rows, index=[g.name for g in groups]).T
    return KpiTable(table, kinds)


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


def _format(value: object, kind: str) -> str:
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
        return f"{number:,.2f}" if abs(number) < 1000 else f"{number:,.0f}"
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
) -> FeatureComparison:
    """Test every feature for a difference between the groups, strongest effect first.

    Parameters
    ----------
    frame : one row per customer, with the schema's id column.
    schema : column kinds; numeric features get a rank or mean test, categorical and yes/no
        features a chi-square test; dates and free text are skipped.
    groups : 2–4 named groups of customer ids.
    features : the columns to test (default: every feature of the schema).
    config : test, correction and significance level.

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
    rows, notes = [], []
    for name in features:
        kind = schema.column(name).kind
        if kind == "numeric":
            row = _numeric_row(_floats(frame[name]), positions, config.numeric_test)
        elif kind in ("categorical", "boolean"):
            row = _categorical_row(frame[name], positions)
        else:
            continue
        if row is None:
            notes.append(f"'{name}' was not tested: a group has fewer than 2 values.")
            continue
        rows.append({"feature": name, "kind": kind, **row})
    table = _finish(rows, [g.name for g in groups], config)
    overlap = _overlap(positions)
    if overlap:
        notes.append(
            f"{overlap:,} customers are in more than one group (the groups come from different "
            "segmentations); the tests assume separate groups, so treat p-values as approximate."
        )
    return FeatureComparison(table, tuple(g.name for g in groups), config, overlap, tuple(notes))


def _numeric_row(values: np.ndarray, positions: Sequence[np.ndarray], test: str) -> dict | None:
    samples = [values[p][~np.isnan(values[p])] for p in positions]
    if any(len(s) < 2 for s in samples):
        return None
    summary = [float(np.median(s)) if test == "rank" else float(s.mean()) for s in samples]
    pooled = np.concatenate(samples)
    if np.ptp(pooled) == 0:  # nothing varies: nothing can differ
        measure = _measure(test, len(samples))
        return _row(_test_name(test, len(samples)), np.nan, 1.0, 0.0, measure, summary)
    if len(samples) == 2:
        return _two_numbers(samples, test, summary)
    return _many_numbers(samples, test, summary)


def _measure(test: str, n_groups: int) -> str:
    if n_groups == 2:
        return "rank-biserial r" if test == "rank" else "Cohen's d"
    return "epsilon²" if test == "rank" else "eta²"


def _test_name(test: str, n_groups: int) -> str:
    if n_groups == 2:
        return "Mann–Whitney U" if test == "rank" else "Welch's t"
    return "Kruskal–Wallis H" if test == "rank" else "Welch's ANOVA F"


def _two_numbers(samples: list[np.ndarray], test: str, summary: list[float]) -> dict:
    a, b = samples
    if test == "rank":
        u, p = stats.mannwhitneyu(a, b, alternative="two-sided")
        effect = 2 * float(u) / (len(a) * len(b)) - 1  # > 0: the first group tends higher
        return _row("Mann–Whitney U", float(u), float(p), effect, "rank-biserial r", summary)
    t, p = stats.ttest_ind(a, b, equal_var=False)
    pooled_var = ((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1)) / (
        len(a) + len(b) - 2
    )
    effect = (a.mean() - b.mean()) / math.sqrt(pooled_var) if pooled_var > 0 else 0.0
    p = 1.0 if np.isnan(p) else float(p)
    return _row("Welch's t", float(t), p, float(effect), "Cohen's d", summary)


def _many_numbers(samples: list[np.ndarray], test: str, summary: list[float]) -> dict:
    n = sum(len(s) for s in samples)
    if test == "rank":
        h, p = stats.kruskal(*samples)
        return _row("Kruskal–Wallis H", float(h), float(p), float(h) / (n - 1), "epsilon²", summary)
    with warnings.catch_warnings():  # a group with zero spread: Welch's weights are infinite
        warnings.simplefilter("ignore", RuntimeWarning)
        f, p = stats.f_oneway(*samples, equal_var=False)
    pooled = np.concatenate(samples)
    total = ((pooled - pooled.mean()) ** 2).sum()
    between = sum(len(s) * (s.mean() - pooled.mean()) ** 2 for s in samples)
    p = 1.0 if np.isnan(p) else float(p)
    return _row("Welch's ANOVA F", float(f), p, float(between / total), "eta²", summary)


def _categorical_row(values: pd.Series, positions: Sequence[np.ndarray]) -> dict | None:
    codes, levels = pd.factorize(values.astype("string"), sort=False)
    present = np.bincount(codes[codes >= 0], minlength=len(levels))
    keep = np.argsort(-present, kind="stable")[:MAX_LEVELS]
    names = [str(levels[i]) for i in keep]
    remap = np.full(len(levels) + 1, len(keep), dtype="int64")  # rarer levels → "Other"
    remap[keep] = np.arange(len(keep))
    remap[-1] = -1  # missing (code -1) stays missing
    pooled = remap[codes]
    if len(levels) > len(keep):
        names.append("Other")
    counts = np.array(
        [np.bincount(pooled[p][pooled[p] >= 0], minlength=len(names)) for p in positions],
        dtype="float64",
    )
    if (counts.sum(axis=1) < 2).any():
        return None
    summary = [_top_level(row, names[: len(keep)]) for row in counts]
    counts = counts[:, counts.sum(axis=0) > 0]
    if counts.shape[1] < 2:
        return _row("chi-square", np.nan, 1.0, 0.0, "Cramér's V", summary, df_small=1)
    chi2, p, _, _ = stats.chi2_contingency(counts, correction=False)
    smaller = min(counts.shape) - 1
    effect = math.sqrt(chi2 / (counts.sum() * smaller))
    return _row("chi-square", float(chi2), float(p), effect, "Cramér's V", summary, smaller)


def _top_level(counts: np.ndarray, names: list[str]) -> str:
    """The most common named level (not the pooled "Other") and its share of the group."""
    best = int(np.argmax(counts[: len(names)]))
    return f"{names[best]} ({counts[best] / counts.sum():.0%})"


def _row(
    test: str,
    statistic: float,
    p: float,
    effect: float,
    measure: str,
    summary: list,
    df_small: int = 1,
) -> dict:
    thresholds = np.array(_THRESHOLDS[measure])
    if measure == "Cramér's V":
        thresholds = thresholds / math.sqrt(df_small)
    size = SIZE_LABELS[int(np.searchsorted(thresholds, abs(effect), side="right"))]
    return {
        "test": test,
        "statistic": statistic,
        "p_value": p,
        "effect": effect,
        "effect_measure": measure,
        "strength": _strength(effect, measure),
        "size": size,
        "summary": summary,
    }


def _strength(effect: float, measure: str) -> float:
    """The effect on the scale of a correlation r (0–1), so different measures can be sorted."""
    if measure == "Cohen's d":
        return abs(effect) / math.sqrt(effect**2 + 4)
    if measure in ("eta²", "epsilon²"):
        return math.sqrt(max(effect, 0.0))
    return abs(effect)


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


def adjust_p_values(p_values: np.ndarray, method: str = "bh") -> np.ndarray:
    """p-values corrected for testing many features: Benjamini–Hochberg or Holm.

    >>> adjust_p_values(np.array([0.01, 0.04, 0.03]), "holm").round(2).tolist()
    [0.03, 0.06, 0.06]
    """
    p = np.clip(np.asarray(p_values, dtype="float64"), 0.0, 1.0)
    if len(p) == 0:
        return p
    if method == "bh":
        return stats.false_discovery_control(p, method="bh")
    order = np.argsort(p)
    ranked = np.maximum.accumulate((len(p) - np.arange(len(p))) * p[order])
    adjusted = np.empty_like(p)
    adjusted[order] = np.minimum(ranked, 1.0)
    return adjusted


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
