"""The statistics behind the persona cards: each segment against the other customers.

The described columns (:class:`Column`) and their values; Mann–Whitney U with the rank-biserial
correlation for numbers and dates, two-proportion z-tests (or exact tests) with Cohen's h for
category levels, and the correction of every p-value for multiple comparisons. The results,
:class:`NumberStats` and :class:`LevelStats`, are what traits, profile blocks and the example
customer are read from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from segmentation.data.schema import Schema
from segmentation.describing.persona_types import PersonaConfig
from segmentation.describing.value_format import (
    COUNT_MEANINGS,
    column_style,
    is_personal,
    label_words,
)

PROFILE_KINDS = ("numeric", "categorical", "boolean", "datetime")
MIN_LEVEL_SHARE = 0.01
MAX_LEVELS = 25
EXACT_BELOW = 5.0  # expected count under which the exact test replaces the z-test
SCALE_MAX_LEVELS = 7


# --- columns -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A described column: its name, its label as it reads in a sentence (``words``), base,
    kind, the style its values are written in (:mod:`.value_format`), its meaning and, for
    money, the currency."""

    name: str
    words: str
    base: str
    kind: str  # "number", "date", "category", "flag"
    style: str  # "plain", "percent", "scale", "date", "money", "year", "count"
    scale_max: float = 0.0
    meaning: str = "other"
    currency: str | None = None


def describe_columns(
    frame: pd.DataFrame, schema: Schema, names: Sequence[str], currency: str | None = None
) -> list[Column]:
    """The columns to describe; personal data (e-mails, names, phones …) never is."""
    columns = []
    for name in names:
        profile = schema.column(name)
        if profile.kind not in PROFILE_KINDS or name == schema.id_column or is_personal(profile):
            continue
        kind = {"numeric": "number", "datetime": "date", "boolean": "flag"}.get(
            profile.kind, "category"
        )
        style = column_style(profile, frame[name] if kind == "number" else None)
        words = label_words(profile.label)
        columns.append(
            Column(name, words, profile.base, kind, style, 0.0, profile.meaning, currency)
        )
    return columns


def number_style(values: np.ndarray, preset: str = "plain", meaning: str = "") -> tuple[str, float]:
    """ "scale" for 0–10 whole numbers with few values (Likert answers), "percent" for
    fractions between 0 and 1, else the style the column's meaning gave (``preset``: money,
    year and counts of orders stay as they are); and the scale's top."""
    if preset in ("money", "year", "percent") or meaning in COUNT_MEANINGS:
        return preset, 0.0
    present = values[~np.isnan(values)]
    if present.size == 0:
        return preset, 0.0
    low, high = float(present.min()), float(present.max())
    if low < 0 or high > 10:
        return preset, 0.0
    if np.all(np.mod(present, 1) == 0):
        distinct = np.count_nonzero(np.bincount(present.astype("int64")))
        return ("scale", high) if distinct <= SCALE_MAX_LEVELS else (preset, 0.0)
    return ("percent", 0.0) if high <= 1 else (preset, 0.0)


def number_values(frame: pd.DataFrame, column: Column) -> np.ndarray:
    values = frame[column.name]
    if column.kind == "date":
        days = (pd.to_datetime(values) - pd.Timestamp("1970-01-01")).dt.total_seconds() / 86_400
        return days.to_numpy(dtype="float64", na_value=np.nan)
    return (
        pd.to_numeric(values, errors="coerce")
        .astype("Float64")
        .to_numpy(dtype="float64", na_value=np.nan)
    )


def level_values(frame: pd.DataFrame, column: Column) -> pd.Series:
    values = frame[column.name]
    if column.kind == "flag":
        return values.astype("boolean").map({True: "Yes", False: "No"}).astype("string")
    return values.astype("string")


# --- statistics --------------------------------------------------------------------------


@dataclass
class NumberStats:
    column: Column
    typical: np.ndarray  # per segment: median, or mean for scales
    overall: float
    present: np.ndarray  # customers with a value, per segment
    p: np.ndarray
    effect: np.ndarray
    valid: np.ndarray
    position: np.ndarray  # each customer's percentile rank (0.5 when missing)
    p_adjusted: np.ndarray | None = None
    means: np.ndarray | None = None  # per segment (for "3.1× average")
    overall_mean: float = float("nan")


@dataclass
class LevelStats:
    column: Column
    levels: list[str]
    shares: np.ndarray  # segments × levels
    overall: np.ndarray  # per level
    present: np.ndarray
    p: np.ndarray
    effect: np.ndarray
    valid: np.ndarray
    exact: np.ndarray
    level_codes: np.ndarray  # each customer's level (-1: missing or rare)
    p_adjusted: np.ndarray | None = None


def average_ranks(values: np.ndarray) -> tuple[np.ndarray, float]:
    """Average ranks (1 … n) of values without gaps, and the tie term Σ(t³ − t) of Mann–Whitney.

    >>> ranks, ties = average_ranks(np.array([3.0, 1.0, 3.0, 2.0]))
    >>> ranks.tolist(), ties
    ([3.5, 1.0, 3.5, 2.0], 6.0)
    """
    order = np.argsort(values)
    ordered = values[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    counts = np.diff(np.r_[starts, len(values)])
    ranks = np.empty(len(values), dtype="float64")
    ranks[order] = np.repeat(starts + (counts + 1) / 2, counts)
    return ranks, float((counts.astype("float64") ** 3 - counts).sum())


def mann_whitney(
    values: np.ndarray, codes: np.ndarray, n_segments: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each segment against all other customers on one number: Mann–Whitney U.

    Ranks the column once and reads every segment's rank sum from it (normal approximation
    with tie and continuity correction). Missing values (NaN) are left out. Returns, per
    segment, U, the two-sided p-value, the rank-biserial correlation against the rest
    (−1 … 1) and the customers with a value.

    >>> u, p, r, n = mann_whitney(np.array([1.0, 2, 3, 4, 5, 6]), np.array([0, 0, 0, 1, 1, 1]), 2)
    >>> u.tolist(), r.tolist()
    ([0.0, 9.0], [-1.0, 1.0])
    """
    present = ~np.isnan(values)
    ranks, ties = average_ranks(values[present])
    return _mann_whitney_from_ranks(ranks, ties, codes[present], n_segments)


def _mann_whitney_from_ranks(
    ranks: np.ndarray, ties: float, codes: np.ndarray, n_segments: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    n = len(ranks)
    n1 = np.bincount(codes, minlength=n_segments).astype("float64")
    u1 = np.bincount(codes, weights=ranks, minlength=n_segments) - n1 * (n1 + 1) / 2
    n2 = n - n1
    tie_term = ties / (n * (n - 1)) if n > 1 else 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = np.sqrt(n1 * n2 / 12 * ((n + 1) - tie_term))
        shift = u1 - n1 * n2 / 2
        z = (shift - 0.5 * np.sign(shift)) / sd
        p = np.where(sd > 0, 2 * stats.norm.sf(np.abs(z)), 1.0)
        r = np.where(n1 * n2 > 0, 2 * u1 / (n1 * n2) - 1, 0.0)
    return u1, np.nan_to_num(p, nan=1.0), r, n1.astype("int64")


def rank_biserial_to_d(r: np.ndarray | float) -> np.ndarray:
    """The rank-biserial correlation on Cohen's d scale (for normal data they agree).

    >>> round(float(rank_biserial_to_d(0.2763)), 2)
    0.5
    """
    clipped = np.clip(np.asarray(r, dtype="float64"), -0.999, 0.999)
    return np.sqrt(2) * stats.norm.ppf((clipped + 1) / 2)


def effect_to_rank_biserial(d: float) -> float:
    """Inverse of :func:`rank_biserial_to_d`: the rank-biserial correlation of an effect d."""
    return float(2 * stats.norm.cdf(d / np.sqrt(2)) - 1)


def cohens_h(p1: np.ndarray | float, p2: np.ndarray | float) -> np.ndarray:
    """Cohen's h between two shares: 2·asin√p1 − 2·asin√p2 (0.2 small, 0.5 medium, 0.8 large).

    >>> round(float(cohens_h(0.77, 0.33)), 2)
    0.92
    """
    return 2 * np.arcsin(np.sqrt(np.clip(p1, 0, 1))) - 2 * np.arcsin(np.sqrt(np.clip(p2, 0, 1)))


def proportion_tests(
    counts: np.ndarray, n1: np.ndarray, level_totals: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided p-values of "this segment's share of a level differs from the others'".

    ``counts`` is segments × levels, ``n1`` the customers with a value per segment,
    ``level_totals`` the customers per level and ``n`` all customers with a value. Uses the
    pooled two-proportion z-test, or, where an expected count is under 5, the exact
    hypergeometric test (twice the smaller tail). Returns the p-values and where the exact
    test was used.
    """
    n1 = n1[:, None].astype("float64")
    n2 = n - n1
    pooled = level_totals[None, :] / max(n, 1)
    expected = np.minimum.reduce([n1 * pooled, n1 * (1 - pooled), n2 * pooled, n2 * (1 - pooled)])
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2 = counts / n1, (level_totals - counts) / n2
        sd = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        z = (p1 - p2) / sd
        p = np.where(sd > 0, 2 * stats.norm.sf(np.abs(z)), 1.0)
    exact = (expected < EXACT_BELOW) & (n1 > 0) & (n2 > 0)
    if exact.any():
        k = counts[exact]
        total = np.broadcast_to(level_totals[None, :], counts.shape)[exact]
        size = np.broadcast_to(n1, counts.shape)[exact]
        upper = stats.hypergeom.sf(k - 1, n, total, size)
        lower = stats.hypergeom.cdf(k, n, total, size)
        p[exact] = np.minimum(1.0, 2 * np.minimum(upper, lower))
    return np.nan_to_num(p, nan=1.0), exact


def adjust_p_values(p: np.ndarray, method: str = "bh") -> np.ndarray:
    """p-values corrected for multiple comparisons: Benjamini–Hochberg ("bh") or Holm.

    >>> adjust_p_values(np.array([0.01, 0.04, 0.03, 0.5]), "holm").round(2).tolist()
    [0.04, 0.09, 0.09, 0.5]
    """
    if len(p) == 0:
        return p
    if method == "bh":
        return stats.false_discovery_control(p, method="bh")
    order = np.argsort(p)
    m = len(p)
    adjusted = np.maximum.accumulate((m - np.arange(m)) * p[order]).clip(max=1.0)
    out = np.empty_like(adjusted)
    out[order] = adjusted
    return out


def number_stats(
    column: Column, values: np.ndarray, codes: np.ndarray, n_segments: int, config: PersonaConfig
) -> NumberStats:
    has_value = ~np.isnan(values)
    ranks, ties = average_ranks(values[has_value])
    _, p, r, present = _mann_whitney_from_ranks(ranks, ties, codes[has_value], n_segments)
    n = int(present.sum())
    rest = n - present
    effect = rank_biserial_to_d(r * rest / max(n, 1))  # against all customers, as stated
    position = np.full(len(values), 0.5)
    position[has_value] = ranks / max(n, 1)
    series = pd.Series(values)
    grouped = series.groupby(codes)
    if column.style == "scale":
        typical, overall = grouped.mean(), series.mean()
    else:
        typical, overall = grouped.median(), series.median()
    typical = typical.reindex(range(n_segments)).to_numpy(dtype="float64")
    means = grouped.mean().reindex(range(n_segments)).to_numpy(dtype="float64")
    varies = n > 0 and ties < n**3 - n  # not one value for everybody
    valid = (present >= config.min_customers) & (rest >= config.min_customers) & varies
    return NumberStats(
        column,
        typical,
        float(overall),
        present,
        p,
        effect,
        valid,
        position,
        means=means,
        overall_mean=float(series.mean()),
    )


def _level_codes(values: pd.Series) -> tuple[np.ndarray, list[str], np.ndarray, int]:
    """Each customer's level code among the common levels (-1: missing or rare), the levels,
    their counts and the number of customers with a value."""
    raw_codes, uniques = pd.factorize(values, use_na_sentinel=True)
    counts = np.bincount(raw_codes[raw_codes >= 0], minlength=len(uniques))
    n = int(counts.sum())
    order = np.argsort(-counts, kind="stable")
    kept = [j for j in order if counts[j] >= max(1, MIN_LEVEL_SHARE * n)][:MAX_LEVELS]
    remap = np.full(len(uniques) + 1, -1)
    remap[kept] = np.arange(len(kept))
    level_codes = remap[np.where(raw_codes >= 0, raw_codes, len(uniques))]
    return level_codes, [str(uniques[j]) for j in kept], counts[kept].astype("float64"), n


def level_stats(
    column: Column, values: pd.Series, codes: np.ndarray, n_segments: int, config: PersonaConfig
) -> LevelStats:
    level_codes, levels, totals, n = _level_codes(values)
    present = np.bincount(codes[values.notna().to_numpy()], minlength=n_segments)
    chosen = level_codes >= 0
    cells = n_segments * len(levels)
    table = np.bincount(codes[chosen] * len(levels) + level_codes[chosen], minlength=cells)
    table = table.reshape(n_segments, len(levels)).astype("float64")
    p, exact = proportion_tests(table, present, totals, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = np.where(present[:, None] > 0, table / present[:, None], np.nan)
    overall = totals / max(n, 1)
    effect = np.nan_to_num(cohens_h(shares, overall[None, :]))
    rest = n - present
    valid = ((present >= config.min_customers) & (rest >= config.min_customers))[:, None]
    valid = valid & np.ones((1, len(levels)), dtype=bool) & (len(levels) > 1)
    if column.kind == "flag":  # "No" says the same as "Yes"; test once
        valid = valid & np.array([level == "Yes" for level in levels])[None, :]
    return LevelStats(
        column, levels, shares, overall, present, p, effect, valid, exact, level_codes
    )


def adjust_all(results: list[NumberStats | LevelStats], config: PersonaConfig) -> int:
    tested = np.concatenate([r.p[r.valid] for r in results]) if results else np.array([])
    adjusted = adjust_p_values(tested, config.correction)
    start = 0
    for result in results:
        count = int(result.valid.sum())
        result.p_adjusted = np.ones_like(result.p)
        result.p_adjusted[result.valid] = adjusted[start : start + count]
        start += count
    return len(tested)
