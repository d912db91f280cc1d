"""The statistics behind each feature's difference: which test, its effect size, and the
correction for testing many features.

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

Effects on different scales are made comparable for sorting by putting them on the scale of a
correlation r (0–1): d → |d|/√(d²+4), rank-biserial → |r|, Cramér's V → V, eta²/epsilon² → √.

:func:`segmentation.describing.comparison.compare_features` runs these per feature and turns
the results into the comparison table.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

MAX_LEVELS = 12
# Cohen's thresholds (small, medium, large) per effect measure.
_THRESHOLDS = {
    "Cohen's d": (0.2, 0.5, 0.8),
    "rank-biserial r": (0.1, 0.3, 0.5),
    "eta²": (0.01, 0.06, 0.14),
    "epsilon²": (0.01, 0.06, 0.14),
    "Cramér's V": (0.1, 0.3, 0.5),  # divided by √(min(rows, columns) − 1)
}
SIZE_LABELS = ("negligible", "small", "medium", "large")


def numeric_row(values: np.ndarray, positions: Sequence[np.ndarray], test: str) -> dict | None:
    """One numeric feature tested across the groups; None if a group has fewer than 2 values."""
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


def categorical_row(values: pd.Series, positions: Sequence[np.ndarray]) -> dict | None:
    """One categorical or yes/no feature tested across the groups; None if a group has < 2."""
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
