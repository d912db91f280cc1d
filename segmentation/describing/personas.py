"""Persona cards: who the customers of each segment are, written from the data.

Every claim on a card is backed by a test. A segment is compared with the *other* customers
(Mann–Whitney U for numbers and dates; a two-proportion z-test, or an exact hypergeometric test
when counts are small, for each category level), every p-value of the whole segmentation is
corrected for multiple comparisons (Benjamini–Hochberg by default), and a difference becomes a
*trait* only when it is significant after correction **and** its effect size against all
customers is at least :attr:`PersonaConfig.min_effect` (on Cohen's scale: 0.2 small, 0.5
medium, 0.8 large). Effect sizes are Cohen's h for shares and, for numbers, the rank-biserial
correlation converted to the same scale. A segment of fewer than ``min_customers`` customers,
or one that holds every customer, gets no traits at all.

The marketing mix comes from :data:`MIX_RULES`, an explicit table: each rule names the trait
that triggers it, and the card shows that trait next to the suggestion.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from segmentation.data.schema import Schema
from segmentation.data.words import COLUMN_WORDS, column_words, name_words
from segmentation.describing.profiles import find_monetary
from segmentation.errors import SegmentationError
from segmentation.segmenting.segments import UNASSIGNED, Segmentation

BLOCK_BASES = ("demographic", "geographic", "behavioral", "psychographic")
PROFILE_KINDS = ("numeric", "categorical", "boolean", "datetime")
MIX_ELEMENTS = ("product", "price", "channel", "message")
DEFAULT_NAME = "Segment {}"
MIN_LEVEL_SHARE = 0.01
MAX_LEVELS = 25
EXACT_BELOW = 5.0  # expected count under which the exact test replaces the z-test
SCALE_MAX_LEVELS = 7
SUMMARY_TRAITS = 3
EXAMPLE_DETAILS = 6


class PersonaError(SegmentationError):
    """A segmentation and data that cannot be described as personas."""


@dataclass(frozen=True)
class PersonaConfig:
    """How strict the cards are about what they claim.

    Attributes
    ----------
    alpha : false-discovery rate (or family-wise error for Holm) over every test of a card set.
    min_effect : smallest effect size, on Cohen's scale, worth calling a trait (0.3: between
        small and medium, a difference a marketer would notice).
    min_customers : segments (and the rest) smaller than this get no traits.
    highlights : traits shown on a card in the grid, taken in turn from each base so a card
        is not all spend and order counts (the detail view lists every trait).
    correction : "bh" (Benjamini–Hochberg) or "holm".
    """

    alpha: float = 0.05
    min_effect: float = 0.3
    min_customers: int = 5
    highlights: int = 5
    correction: str = "bh"

    def __post_init__(self) -> None:
        if self.correction not in ("bh", "holm"):
            raise PersonaError(
                f"correction='{self.correction}' is not a correction method; use 'bh' "
                "(Benjamini–Hochberg) or 'holm'."
            )
        if not 0 < self.alpha < 1:
            raise PersonaError(f"alpha={self.alpha} must be between 0 and 1, e.g. 0.05.")

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return asdict(self)


@dataclass(frozen=True)
class Trait:
    """One tested difference between a segment and everyone else.

    ``level`` is the category level for categories and ``None`` for numbers and dates;
    ``direction`` is "more"/"less" for levels and "higher"/"lower" for numbers and dates.
    ``segment_value`` / ``overall_value`` are shares (levels), medians, or means (1–5 style
    scales), in the column's units (dates as days since 1970).
    """

    column: str
    base: str
    level: str | None
    direction: str
    segment_value: float
    overall_value: float
    effect: float
    test: str
    statistic: str
    p_value: float
    p_adjusted: float
    label: str
    sentence: str
    phrase: str
    versus: str = ""


@dataclass(frozen=True)
class ProfileLine:
    """One column of a profile block: typical value in the segment and for all customers."""

    column: str
    typical: str
    overall: str
    comparison: str
    distinct: bool


@dataclass(frozen=True)
class ProfileBlock:
    """The columns of one segmentation base."""

    base: str
    lines: tuple[ProfileLine, ...]


@dataclass(frozen=True)
class ExampleCustomer:
    """The real customer closest to the segment's centre, as a short profile."""

    customer_id: str
    details: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class MixSuggestion:
    """A suggestion for one element of the marketing mix and the trait that triggered it."""

    element: str
    suggestion: str
    trigger: str
    rule: str


@dataclass(frozen=True)
class Persona:
    """Everything a persona card shows for one segment."""

    segment_id: int
    name: str
    generated_name: str
    customers: int
    share: float
    revenue_share: float | None
    value_per_customer: float | None
    value_index: float | None
    traits: tuple[Trait, ...]
    highlights: tuple[Trait, ...]
    blocks: tuple[ProfileBlock, ...]
    example: ExampleCustomer | None
    mix: tuple[MixSuggestion, ...]
    caveats: tuple[str, ...]
    summary: str = ""


@dataclass(frozen=True)
class PersonaSet:
    """The persona cards of one segmentation and how they were tested."""

    title: str
    method: str
    personas: tuple[Persona, ...]
    n_customers: int
    monetary: str | None
    average_value: float | None
    n_tests: int
    config: PersonaConfig = field(default_factory=PersonaConfig)

    def persona(self, segment_id: int) -> Persona:
        """The persona of one segment."""
        for persona in self.personas:
            if persona.segment_id == segment_id:
                return persona
        raise PersonaError(
            f"There is no persona for segment id {segment_id}; ids are "
            f"{', '.join(str(p.segment_id) for p in self.personas)}."
        )


# --- columns -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    name: str
    words: str
    base: str
    kind: str  # "number", "date", "category", "flag"
    style: str  # "plain", "percent", "scale", "date"
    scale_max: float = 0.0


def _columns(frame: pd.DataFrame, schema: Schema, names: Sequence[str]) -> list[_Column]:
    columns = []
    for name in names:
        profile = schema.column(name)
        if profile.kind not in PROFILE_KINDS or name == schema.id_column:
            continue
        kind = {"numeric": "number", "datetime": "date", "boolean": "flag"}.get(
            profile.kind, "category"
        )
        style = "date" if kind == "date" else "plain"  # numbers: decided from their values
        words = COLUMN_WORDS.get(name_words(name), name_words(name))
        columns.append(_Column(name, words, profile.base, kind, style))
    return columns


def _number_style(values: np.ndarray) -> tuple[str, float]:
    """ "scale" for 0–10 whole numbers with few values (Likert answers), "percent" for
    fractions between 0 and 1, else "plain"; and the scale's top."""
    present = values[~np.isnan(values)]
    if present.size == 0:
        return "plain", 0.0
    low, high = float(present.min()), float(present.max())
    if low < 0 or high > 10:
        return "plain", 0.0
    if np.all(np.mod(present, 1) == 0):
        distinct = np.count_nonzero(np.bincount(present.astype("int64")))
        return ("scale", high) if distinct <= SCALE_MAX_LEVELS else ("plain", 0.0)
    return ("percent", 0.0) if high <= 1 else ("plain", 0.0)


def _number_values(frame: pd.DataFrame, column: _Column) -> np.ndarray:
    values = frame[column.name]
    if column.kind == "date":
        days = (pd.to_datetime(values) - pd.Timestamp("1970-01-01")).dt.total_seconds() / 86_400
        return days.to_numpy(dtype="float64", na_value=np.nan)
    return (
        pd.to_numeric(values, errors="coerce")
        .astype("Float64")
        .to_numpy(dtype="float64", na_value=np.nan)
    )


def _level_values(frame: pd.DataFrame, column: _Column) -> pd.Series:
    values = frame[column.name]
    if column.kind == "flag":
        return values.astype("boolean").map({True: "Yes", False: "No"}).astype("string")
    return values.astype("string")


# --- statistics ------------------------------------------------------------------------


@dataclass
class _NumberStats:
    column: _Column
    typical: np.ndarray  # per segment: median, or mean for scales
    overall: float
    present: np.ndarray  # customers with a value, per segment
    p: np.ndarray
    effect: np.ndarray
    valid: np.ndarray
    position: np.ndarray  # each customer's percentile rank (0.5 when missing)
    p_adjusted: np.ndarray | None = None


@dataclass
class _LevelStats:
    column: _Column
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


def _number_stats(
    column: _Column, values: np.ndarray, codes: np.ndarray, n_segments: int, config: PersonaConfig
) -> _NumberStats:
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
    varies = n > 0 and ties < n**3 - n  # not one value for everybody
    valid = (present >= config.min_customers) & (rest >= config.min_customers) & varies
    return _NumberStats(column, typical, float(overall), present, p, effect, valid, position)


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


def _level_stats(
    column: _Column, values: pd.Series, codes: np.ndarray, n_segments: int, config: PersonaConfig
) -> _LevelStats:
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
    return _LevelStats(
        column, levels, shares, overall, present, p, effect, valid, exact, level_codes
    )


def _adjust_all(results: list[_NumberStats | _LevelStats], config: PersonaConfig) -> int:
    tested = np.concatenate([r.p[r.valid] for r in results]) if results else np.array([])
    adjusted = adjust_p_values(tested, config.correction)
    start = 0
    for result in results:
        count = int(result.valid.sum())
        result.p_adjusted = np.ones_like(result.p)
        result.p_adjusted[result.valid] = adjusted[start : start + count]
        start += count
    return len(tested)


# --- building the cards ------------------------------------------------------------------


def build_personas(
    frame: pd.DataFrame,
    schema: Schema,
    segmentation: Segmentation,
    columns: Sequence[str] | None = None,
    config: PersonaConfig | None = None,
) -> PersonaSet:
    """A persona card per segment, every trait tested against the other customers.

    Parameters
    ----------
    frame : one row per customer with the id column; customers the segmentation does not
        label are left out.
    schema : the frame's column profiles; feature columns of every base are described.
    segmentation : any segmentation (clusters, rules, RFM, a map selection).
    columns : the columns to describe (default: every feature column).
    config : how strict the cards are.

    Examples
    --------
    >>> from segmentation.data.schema import infer_schema
    >>> from segmentation.segmenting.segments import make_segmentation
    >>> raw = pd.DataFrame({"customer_id": [f"c{i}" for i in range(40)],
    ...                     "density": ["Suburban"] * 20 + ["Urban"] * 20,
    ...                     "age": list(range(30, 50)) + list(range(50, 70))})
    >>> typed = infer_schema(raw)
    >>> labels = pd.Series([0] * 20 + [1] * 20, index=raw["customer_id"])
    >>> cards = build_personas(typed.frame, typed.schema, make_segmentation("t", "rules", labels))
    >>> [t.label for t in cards.personas[0].traits]
    ['Suburban (density)', 'Lower age']
    >>> cards.personas[0].generated_name
    'Suburban younger customers'
    """
    config = config or PersonaConfig()
    customers, codes = _align(frame, schema, segmentation)
    described = _columns(customers, schema, columns or schema.features())
    n_segments = len(segmentation.segment_ids)
    results: list[_NumberStats | _LevelStats] = []
    for column in described:
        if column.kind in ("number", "date"):
            values = _number_values(customers, column)
            if column.kind == "number":
                style, top = _number_style(values)
                column = replace(column, style=style, scale_max=top)
            results.append(_number_stats(column, values, codes, n_segments, config))
        else:
            values = _level_values(customers, column)
            results.append(_level_stats(column, values, codes, n_segments, config))
    n_tests = _adjust_all(results, config)
    monetary = find_monetary(schema)
    money = _money(customers, codes, n_segments, monetary if monetary in customers else None)
    examples = _examples(customers, schema, segmentation, codes, results)
    personas = [
        _persona(segmentation, index, codes, results, money, examples, config, monetary)
        for index in range(n_segments)
    ]
    personas = _with_generated_names(personas, segmentation)
    cards = PersonaSet(
        segmentation.title,
        segmentation.method,
        tuple(personas),
        len(customers),
        monetary if money is not None else None,
        money[3] if money is not None else None,
        n_tests,
        config,
    )
    return with_names(cards, segmentation.segment_names)


def _align(
    frame: pd.DataFrame, schema: Schema, segmentation: Segmentation
) -> tuple[pd.DataFrame, np.ndarray]:
    """The customers the segmentation labels, and each one's position in ``segment_ids``."""
    raw_ids = frame[schema.id_column] if schema.id_column else frame.index.to_series()
    ids = raw_ids.astype("string").to_numpy(dtype=object, na_value=None)
    labels = segmentation.labels
    known = pd.Index(labels.index.astype("string").to_numpy(dtype=object, na_value=None))
    where = known.get_indexer(ids)
    keep = where >= 0
    if not keep.any():
        raise PersonaError(
            f"None of the {len(labels):,} customers of segmentation '{segmentation.title}' is "
            "in the current data. Segment the current data again on the Segments page."
        )
    segment_of = labels.to_numpy()[where[keep]]
    codes = pd.Index(segmentation.segment_ids).get_indexer(segment_of)
    customers = frame if keep.all() else frame.loc[keep]
    return customers, codes.astype("int64")


def _money(
    customers: pd.DataFrame, codes: np.ndarray, n_segments: int, monetary: str | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float] | None:
    """Revenue share, value per customer and its index per segment, and the average value."""
    if monetary is None:
        return None
    values = pd.to_numeric(customers[monetary], errors="coerce").astype("Float64")
    values = values.fillna(0.0).to_numpy(dtype="float64")
    revenue = np.bincount(codes, weights=values, minlength=n_segments)
    sizes = np.bincount(codes, minlength=n_segments)
    total, average = revenue.sum(), values.mean() if len(values) else 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        share = revenue / total if total else np.full(n_segments, np.nan)
        per_customer = np.where(sizes > 0, revenue / sizes, np.nan)
        index = per_customer / average if average > 0 else np.full(n_segments, np.nan)
    return share, per_customer, index, float(average)


def _persona(
    segmentation: Segmentation,
    index: int,
    codes: np.ndarray,
    results: list[_NumberStats | _LevelStats],
    money: tuple[np.ndarray, np.ndarray, np.ndarray, float] | None,
    examples: dict[int, ExampleCustomer],
    config: PersonaConfig,
    monetary: str | None = None,
) -> Persona:
    segment_id = segmentation.segment_ids[index]
    size, total = int((codes == index).sum()), len(codes)
    candidates = [t for r in results for t in _traits_of(r, index, config)]
    traits = rank_traits(candidates)
    return Persona(
        segment_id=segment_id,
        name=segmentation.segment_names[segment_id],
        generated_name="",
        customers=size,
        share=size / total if total else 0.0,
        revenue_share=_cell(money, 0, index),
        value_per_customer=_cell(money, 1, index),
        value_index=_cell(money, 2, index),
        traits=traits,
        highlights=highlight_traits(traits, config.highlights, skip=monetary),
        blocks=_blocks(results, index, traits),
        example=_example_with_details(examples.get(index), traits, results),
        mix=suggest_mix(traits),
        caveats=_caveats(size, total, traits, results, index, config),
    )


def _cell(money: tuple | None, which: int, index: int) -> float | None:
    if money is None:
        return None
    value = float(money[which][index])
    return None if math.isnan(value) else value


def _traits_of(result: _NumberStats | _LevelStats, index: int, config: PersonaConfig) -> list:
    passed = (
        result.valid[index]
        & (result.p_adjusted[index] <= config.alpha)
        & (np.abs(result.effect[index]) >= config.min_effect)
    )
    if isinstance(result, _NumberStats):
        return [_number_trait(result, index)] if passed else []
    return [_level_trait(result, index, j) for j in np.flatnonzero(passed)]


def rank_traits(candidates: Sequence[Trait]) -> tuple[Trait, ...]:
    """Traits by effect size, largest first, one per column: a column's strongest
    over-represented level (or higher/lower value) wins over a level the segment avoids."""
    best: dict[str, Trait] = {}
    for trait in candidates:
        held = best.get(trait.column)
        key = (trait.direction != "less", abs(trait.effect))
        if held is None or key > (held.direction != "less", abs(held.effect)):
            best[trait.column] = trait
    return tuple(sorted(best.values(), key=lambda t: -abs(t.effect)))


def highlight_traits(
    traits: Sequence[Trait], count: int, skip: str | None = None
) -> tuple[Trait, ...]:
    """The traits a card leads with: the strongest of each base in turn, so the four bases
    all get a say. ``skip`` (the money column, already shown as value per customer) is left out.
    """
    by_base: dict[str, list[Trait]] = {base: [] for base in BLOCK_BASES}
    others = []
    for trait in traits:
        if trait.column != skip:
            by_base[trait.base].append(trait) if trait.base in by_base else others.append(trait)
    chosen: list[Trait] = []
    depth = 0
    while len(chosen) < count and any(len(v) > depth for v in by_base.values()):
        layer = [v[depth] for v in by_base.values() if len(v) > depth]
        chosen += sorted(layer, key=lambda t: -abs(t.effect))
        depth += 1
    return tuple([*chosen, *others][:count])


def _number_trait(result: _NumberStats, index: int) -> Trait:
    column = result.column
    effect = float(result.effect[index])
    higher = effect > 0
    word = (
        ("later" if higher else "earlier")
        if column.kind == "date"
        else ("higher" if higher else "lower")
    )
    measure = "average" if column.style == "scale" else "median"
    segment = format_value(result.typical[index], column)
    overall = format_value(result.overall, column)
    r = effect_to_rank_biserial(effect)
    return Trait(
        column=column.name,
        base=column.base,
        level=None,
        direction="higher" if higher else "lower",
        segment_value=float(result.typical[index]),
        overall_value=result.overall,
        effect=effect,
        test="Mann–Whitney U",
        statistic=f"rank-biserial r = {r:+.2f} (d ≈ {effect:+.2f})",
        p_value=float(result.p[index]),
        p_adjusted=float(result.p_adjusted[index]),
        label=f"{word.capitalize()} {column.words}",
        sentence=f"{word.capitalize()} {column.words}: {measure} {segment} vs {overall} for all "
        "customers",
        phrase=_number_phrase(column, word, f"{measure} {segment} vs {overall}"),
        versus=f"{measure} {segment} vs {overall}",
    )


def _number_phrase(column: _Column, word: str, numbers: str) -> str:
    if column.kind == "date":
        article = "an" if word[0] in "aeiou" else "a"
        return f"have {article} {word} {column.words} ({numbers})"
    return f"show {word} {column.words} ({numbers})"


def effect_to_rank_biserial(d: float) -> float:
    """Inverse of :func:`rank_biserial_to_d`: the rank-biserial correlation of an effect d."""
    return float(2 * stats.norm.cdf(d / np.sqrt(2)) - 1)


def _level_trait(result: _LevelStats, index: int, j: int) -> Trait:
    column, level = result.column, result.levels[j]
    share, overall = float(result.shares[index, j]), float(result.overall[j])
    effect = float(result.effect[index, j])
    more = effect > 0
    ratio = share / overall if overall else float("inf")
    what = f"{column.words}: {share:.0%} vs {overall:.0%} of all customers"
    if column.kind == "flag":
        label = f"{column.words.capitalize()}: {'yes' if more else 'no'}"
    else:
        label = f"{level} ({column.words})" if more else f"Rarely {level} ({column.words})"
    return Trait(
        column=column.name,
        base=column.base,
        level=level,
        direction="more" if more else "less",
        segment_value=share,
        overall_value=overall,
        effect=effect,
        test="exact test" if result.exact[index, j] else "two-proportion z-test",
        statistic=f"Cohen's h = {effect:+.2f}",
        p_value=float(result.p[index, j]),
        p_adjusted=float(result.p_adjusted[index, j]),
        label=label,
        sentence=f"{label}: {likelihood(ratio)} — {what}",
        phrase=_level_phrase(column, level, more, share, overall),
        versus=f"{likelihood(ratio)}: {share:.0%} vs {overall:.0%}",
    )


def _level_phrase(column: _Column, level: str, more: bool, share: float, overall: float) -> str:
    numbers = f"{share:.0%} vs {overall:.0%}"
    if column.kind == "flag":
        return f"are {'more' if more else 'less'} often {column.words} ({numbers})"
    return f"are {'more' if more else 'less'} often {level} ({column.words}: {numbers})"


def likelihood(ratio: float) -> str:
    """ "2.3× as likely", "half as likely", "4.0× less likely" for a ratio of shares.

    >>> likelihood(2.31), likelihood(0.5), likelihood(0.2)
    ('2.3× as likely', 'half as likely', '5.0× less likely')
    """
    if math.isinf(ratio):
        return "only here"
    if ratio >= 1:
        return f"{ratio:.1f}× as likely"
    if abs(ratio - 0.5) < 0.05:
        return "half as likely"
    if ratio <= 0:
        return "never"
    return f"{1 / ratio:.1f}× less likely"


def format_value(value: float, column: _Column) -> str:
    """A value in the column's own units: dates as month and year, rates as percent."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if column.kind == "date":
        return (pd.Timestamp("1970-01-01") + pd.Timedelta(days=float(value))).strftime("%b %Y")
    if column.style == "percent":
        return f"{value:.0%}"
    if column.style == "scale":
        return f"{value:.1f}"
    if float(value).is_integer() or abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.1f}" if abs(value) >= 10 else f"{value:,.2f}"


# --- profile blocks ----------------------------------------------------------------------


def _blocks(
    results: list[_NumberStats | _LevelStats], index: int, traits: tuple[Trait, ...]
) -> tuple[ProfileBlock, ...]:
    strongest = {trait.column: trait for trait in traits}
    bases = [b for b in BLOCK_BASES] + sorted({r.column.base for r in results} - set(BLOCK_BASES))
    blocks = []
    for base in bases:
        members = [r for r in results if r.column.base == base]
        if not members and base not in BLOCK_BASES:
            continue
        lines = [_profile_line(r, index, strongest.get(r.column.name)) for r in members]
        lines.sort(key=lambda line: not line.distinct)
        blocks.append(ProfileBlock(base, tuple(lines)))
    return tuple(blocks)


def _profile_line(
    result: _NumberStats | _LevelStats, index: int, trait: Trait | None
) -> ProfileLine:
    column = result.column
    if result.present[index] == 0:
        return ProfileLine(column.name, "no values", _overall_text(result), "no data here", False)
    if isinstance(result, _NumberStats):
        measure = "average" if column.style == "scale" else "median"
        typical = f"{measure} {format_value(result.typical[index], column)}"
        if column.style == "scale":
            typical += f" of {result.column.scale_max:.0f}"
    else:
        typical = _top_levels(result.levels, result.shares[index])
    comparison = _comparison(trait) if trait else "about the same as all customers"
    return ProfileLine(column.name, typical, _overall_text(result), comparison, trait is not None)


def _overall_text(result: _NumberStats | _LevelStats) -> str:
    if isinstance(result, _NumberStats):
        return format_value(result.overall, result.column)
    return _top_levels(result.levels, result.overall, 2)


def _top_levels(levels: list[str], shares: np.ndarray, count: int = 3) -> str:
    order = np.argsort(-np.nan_to_num(shares))[:count]
    parts = [f"{levels[j]} {shares[j]:.0%}" for j in order if shares[j] > 0]
    return " · ".join(parts) or "–"


def _comparison(trait: Trait) -> str:
    if trait.level is None:
        return f"{trait.label.split(' ', 1)[0].lower()} than all customers"
    ratio = trait.segment_value / trait.overall_value if trait.overall_value else float("inf")
    if trait.label.endswith((": yes", ": no")):
        return f"{likelihood(ratio)} to say yes"
    if ratio == 0:
        return f"none are {trait.level}"
    return f"{likelihood(ratio)} to be {trait.level}"


def _caveats(
    size: int,
    total: int,
    traits: tuple[Trait, ...],
    results: list[_NumberStats | _LevelStats],
    index: int,
    config: PersonaConfig,
) -> tuple[str, ...]:
    notes = []
    if size == 0:
        notes.append("No customer of the current data is in this segment.")
    elif size == total:
        notes.append(
            "This segment holds every customer, so nothing can set it apart; the profile "
            "describes the whole customer base."
        )
    elif size < config.min_customers:
        notes.append(
            f"Only {size} customer{'s' * (size != 1)}: too few to say what sets this segment "
            f"apart (at least {config.min_customers} are needed), so no traits are claimed."
        )
    elif not traits:
        notes.append(
            "No difference from the other customers passed both the significance test and "
            "the minimum effect size, so no traits are claimed: these are mainstream customers."
        )
    empty = [r.column.name for r in results if r.present[index] == 0 and size > 0]
    if empty:
        notes.append(f"No values in this segment for: {', '.join(empty)}.")
    return tuple(notes)


# --- example customer -----------------------------------------------------------------------


def _examples(
    customers: pd.DataFrame,
    schema: Schema,
    segmentation: Segmentation,
    codes: np.ndarray,
    results: list[_NumberStats | _LevelStats],
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
    rows = _closest_to_centres(X, codes)
    found = {}
    for index, row in rows.items():
        details = tuple(
            (r.column.name, _cell_text(customers[r.column.name].iloc[row], r.column))
            for r in results
        )
        found[index] = ExampleCustomer(str(ids[row]), details)
    return found


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


def _standardised(results: list[_NumberStats | _LevelStats], n: int) -> np.ndarray:
    """Rows of customers, columns standardised; each source column weighs 1 in total."""
    widths = [1 if isinstance(r, _NumberStats) else max(len(r.levels), 1) for r in results]
    X = np.zeros((n, sum(widths) or 1), dtype="float32")
    start = 0
    for result, width in zip(results, widths, strict=True):
        weight = 1 / np.sqrt(width)
        if isinstance(result, _NumberStats):
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


def _cell_text(value: object, column: _Column) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "not recorded"
    if isinstance(value, pd.Timestamp) or column.kind == "date":
        return pd.Timestamp(value).strftime("%d %b %Y") if not pd.isna(value) else "not recorded"
    if column.kind == "flag":
        return "yes" if bool(value) else "no"
    if column.kind == "number":
        return (
            format_value(float(value), replace(column, style="plain"))
            if column.style != ("percent")
            else format_value(float(value), column)
        )
    return str(value)


def _example_with_details(
    example: ExampleCustomer | None,
    traits: tuple[Trait, ...],
    results: list[_NumberStats | _LevelStats],
) -> ExampleCustomer | None:
    """Keep the example's values for the traits' columns first, then other columns."""
    if example is None:
        return None
    values = dict(example.details)
    order = [t.column for t in traits] + [r.column.name for r in results]
    chosen = []
    for name in order:
        if name in values and name not in chosen and values[name] != "not recorded":
            chosen.append(name)
    return ExampleCustomer(
        example.customer_id, tuple((n, values[n]) for n in chosen[:EXAMPLE_DETAILS])
    )


# --- marketing mix ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MixRule:
    """A marketing-mix suggestion and the trait that triggers it.

    A trait triggers the rule when its direction is ``direction`` and its column's name
    contains one of ``columns`` (any column when empty) and its level contains one of
    ``levels`` (numbers, or any level, when empty). ``{level}`` in the suggestion is
    replaced by the trait's level.
    """

    element: str
    when: str
    direction: str
    suggestion: str
    columns: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()

    def matches(self, trait: Trait) -> bool:
        """Whether ``trait`` triggers this rule."""
        words = name_words(trait.column)
        level = (trait.level or "").lower()
        return (
            trait.direction == self.direction
            and (not self.columns or any(w in words for w in self.columns))
            and (not self.levels or any(w in level for w in self.levels))
        )


_QUALITY = ("quality", "premium", "luxury")
_VALUE = ("price", "value", "budget", "discount", "deal", "bargain", "cheap")
_ECO = ("eco", "natural", "organic", "sustainab", "green")
MIX_RULES: tuple[MixRule, ...] = (
    # product
    MixRule("product", "quality or premium benefits", "more",
            "Premium lines: the best-quality products first, not the cheapest.", (), _QUALITY),
    MixRule("product", "pays more for quality", "higher",
            "Premium lines: the best-quality products first, not the cheapest.", ("quality",)),
    MixRule("product", "natural or eco-minded", "more",
            "Natural, organic and sustainable ranges.", (), _ECO),
    MixRule("product", "cares about sustainability", "higher",
            "Natural, organic and sustainable ranges.", ("sustainab", "eco")),
    MixRule("product", "price or value benefits", "more",
            "Value packs, multi-buys and own-brand essentials.", (), _VALUE),
    MixRule("product", "health or care benefits", "more",
            "Health and care products, with expert advice alongside.", (), ("health", "vet")),
    MixRule("product", "convenience benefits", "more",
            "Subscriptions and auto-replenishment so they never run out.", (), ("convenien",)),
    MixRule("product", "a product, pet or interest over-represented", "more",
            "Lead with the {level} range.", ("pet", "product", "category", "interest")),
    MixRule("product", "big baskets", "higher",
            "Bundles and higher-end items: they already buy big baskets.",
            ("order value", "aov", "basket")),
    MixRule("product", "many returns", "higher",
            "Clearer product details and sizing to cut returns.", ("return",)),
    # price
    MixRule("price", "quality or premium benefits", "more",
            "Premium price tier; sell on quality, not on discounts.", (), _QUALITY),
    MixRule("price", "pays more for quality", "higher",
            "Premium price tier; sell on quality, not on discounts.", ("quality",)),
    MixRule("price", "price-sensitive", "higher",
            "Value bundles, multi-buy and loyalty discounts.", ("price sensitiv", "budget")),
    MixRule("price", "price or value benefits", "more",
            "Value bundles, multi-buy and loyalty discounts.", (), _VALUE),
    MixRule("price", "high spend", "higher",
            "Full price with VIP perks; do not train them to wait for discounts.",
            ("monetary", "revenue", "spend", "sales")),
    MixRule("price", "long since the last order", "higher",
            "A time-limited win-back offer.", ("recency",)),
    MixRule("price", "first-time or new buyers", "more",
            "An introductory offer on the second order.", (), ("first", "new")),
    MixRule("price", "short tenure", "lower",
            "An introductory offer on the second order.", ("tenure",)),
    MixRule("price", "frequent orders", "higher",
            "Subscription or volume pricing that rewards how often they buy.",
            ("frequency", "number of orders", "order count", "transactions")),
    # channel
    MixRule("channel", "opens or clicks more emails", "higher",
            "Email first: they open more of your emails than most.", ("open", "click")),
    MixRule("channel", "opted in to email", "more",
            "Email: more of them have opted in than most.", ("opt",), ("yes",)),
    MixRule("channel", "opens fewer emails", "lower",
            "Not email: use paid social, direct mail or the shop floor.", ("open", "click")),
    MixRule("channel", "not opted in to email", "less",
            "Not email: use paid social, direct mail or the shop floor.", ("opt",), ("yes",)),
    MixRule("channel", "a preferred channel over-represented", "more",
            "Reach them through {level}.", ("channel",)),
    MixRule("channel", "social-media interest", "more",
            "Social media and creator content.", (), ("social",)),
    MixRule("channel", "a place over-represented", "more",
            "Geo-target ads and offers to {level}.",
            ("country", "region", "state", "city", "density")),
    # message
    MixRule("message", "long since the last order", "higher",
            "Win back: 'we miss you', and what is new since their last order.", ("recency",)),
    MixRule("message", "lapsed buyers", "more",
            "Win back: 'we miss you', and what is new since their last order.", (), ("lapsed",)),
    MixRule("message", "switchers", "more",
            "Give them a reason to stay: price promise and loyalty points.", (),
            ("switch", "shifting")),
    MixRule("message", "hard-core loyal or top tier", "more",
            "Thank and reward: loyalty perks, early access, referral asks.", (),
            ("hard-core", "platinum", "gold")),
    MixRule("message", "frequent orders", "higher",
            "Thank and reward: loyalty perks, early access, referral asks.",
            ("frequency", "number of orders", "order count", "transactions")),
    MixRule("message", "first-time or new buyers", "more",
            "Welcome them: how-to guides and a nudge towards the second order.", (),
            ("first", "new")),
    MixRule("message", "short tenure", "lower",
            "Welcome them: how-to guides and a nudge towards the second order.", ("tenure",)),
    MixRule("message", "outdoor, active lifestyle", "more",
            "Show the products in outdoor, active moments.", (),
            ("outdoor", "active", "hiking", "sport", "fitness")),
    MixRule("message", "eco-minded", "more",
            "Tell the sustainability story: sourcing, packaging, impact.", (), _ECO),
    MixRule("message", "quality or premium benefits", "more",
            "Quality and care: why it is worth paying for.", (), _QUALITY),
    MixRule("message", "health or care benefits", "more",
            "Expert care advice from vets and specialists.", (), ("health", "vet")),
    MixRule("message", "price or value benefits", "more",
            "Smart savings: more for the money, for the whole household.", (), _VALUE),
    MixRule("message", "convenience or busy lives", "more",
            "Save them time: fast delivery, one-click reorder.", (), ("convenien", "busy")),
    MixRule("message", "social and trendy", "more",
            "Shareable, trend-led content.", (), ("social", "trend")),
    MixRule("message", "homebodies", "more",
            "Comfort at home: cosy, easy, reliable.", (), ("home",)),
)  # fmt: skip


def suggest_mix(traits: Sequence[Trait]) -> tuple[MixSuggestion, ...]:
    """Product, price, channel and message from :data:`MIX_RULES`, each with its trigger.

    For each element the rule triggered by the strongest trait wins (ties: table order). An
    element no rule fires for says so instead of guessing.
    """
    suggestions = []
    for element in MIX_ELEMENTS:
        best = None
        for trait in sorted(traits, key=lambda t: -abs(t.effect)):
            rule = next((r for r in MIX_RULES if r.element == element and r.matches(trait)), None)
            if rule is not None:
                best = (rule, trait)
                break
        if best is None:
            suggestions.append(
                MixSuggestion(
                    element, "No clear signal in the data: test your standard offer.", "", ""
                )
            )
            continue
        rule, trait = best
        suggestions.append(
            MixSuggestion(
                element,
                rule.suggestion.replace("{level}", trait.level or ""),
                trait.label,
                rule.when,
            )
        )
    return tuple(suggestions)


# --- names and summaries ---------------------------------------------------------------------

LEVEL_WORDS: dict[str, tuple[str | None, str | None]] = {
    # level (lower case): (adjective, noun)
    "dog": ("dog-owning", "dog lovers"),
    "cat": ("cat-owning", "cat lovers"),
    "dog and cat": (None, "dog and cat lovers"),
    "small pet": (None, "small-pet owners"),
    "fish or bird": (None, "fish and bird keepers"),
    "retired": ("retired", "retirees"),
    "student": (None, "students"),
    "family with kids": (None, "families"),
    "single": (None, "singles"),
    "couple, no kids": (None, "couples"),
    "empty nester": (None, "empty nesters"),
    "executive": (None, "executives"),
    "professional": (None, "professionals"),
    "homemaker": (None, "homemakers"),
    "quality": ("premium", None),
    "price & value": ("bargain-hunting", "bargain hunters"),
    "convenience": ("convenience-seeking", None),
    "natural ingredients": ("natural-minded", None),
    "health & vet advice": ("health-minded", None),
    "hard-core loyal": ("loyal", None),
    "soft-core loyal": ("fairly loyal", None),
    "shifting loyal": ("wavering", None),
    "switcher": ("switching", "switchers"),
    "lapsed buyer": ("lapsed", None),
    "first-time buyer": ("first-time", None),
    "regular buyer": ("regular", None),
    "occasional buyer": ("occasional", None),
    "outdoor & active": ("outdoorsy", None),
    "homebody": ("home-loving", "homebodies"),
    "busy professional": ("busy", None),
    "eco-conscious": ("eco-conscious", None),
    "social & trendy": ("trendy", None),
    "budget-minded": ("budget-minded", None),
    "mobile app": ("app-first", None),
    "in store": ("in-store", None),
    "website": ("online", None),
    "phone": ("phone-ordering", None),
    "midwest": ("Midwestern", None),
    "northeast": ("Northeastern", None),
    "south": ("Southern", None),
    "west": ("Western", None),
}
NUMBER_WORDS: tuple[tuple[tuple[str, ...], str | None, str | None], ...] = (
    # words in the column name, word when higher, word when lower
    (("recency",), "lapsed", "recent"),
    (("days between",), "slow-repeat", "quick-repeat"),
    (("frequency", "number of orders", "order count", "transactions"), "frequent", "infrequent"),
    (("order value", "aov", "basket"), "big-basket", "small-basket"),
    (("monetary", "revenue", "spend", "sales"), "high-spending", "low-spending"),
    (("tenure",), "long-standing", "new"),
    (("return",), "returns-prone", None),
    (("age",), "older", "younger"),
    (("income", "salary"), "affluent", "lower-income"),
    (("open", "click"), "email-engaged", "email-quiet"),
    (("price sensitiv",), "price-sensitive", None),
    (("quality",), "premium", None),
    (("sustainab",), "eco-minded", None),
    (("is family",), "devoted", None),
    (("signup", "first order", "joined", "since"), "newly joined", "long-time"),
    (("last order",), "recently active", "lapsed"),
)
NO_TRAITS_NAME = "Mainstream customers"
NAME_LOOKAHEAD = 8  # the second word comes from another base only among the strongest traits


def _descriptor(trait: Trait) -> tuple[str | None, str | None]:
    """(adjective, noun) describing a trait in a name, or (None, None)."""
    if trait.level is not None:
        if trait.direction != "more" or trait.label.endswith((": yes", ": no")):
            return None, None
        known = LEVEL_WORDS.get(trait.level.lower())
        if known:
            return known
        short = len(trait.level) <= 18 and len(trait.level.split()) <= 2
        return (trait.level if short and not trait.level[:1].isdigit() else None), None
    words = name_words(trait.column)
    for keys, high, low in NUMBER_WORDS:
        if any(k in words for k in keys):
            return (high if trait.direction == "higher" else low), None
    if len(words.split()) <= 2:
        return f"{'high' if trait.direction == 'higher' else 'low'}-{words.replace(' ', '-')}", None
    return None, None


def persona_name(traits: Sequence[Trait], extra: int = 0) -> str:
    """A readable name from the most distinctive traits: two describing words and a noun.

    The noun comes from the strongest trait that names a kind of customer ("dog lovers",
    "families"), else "customers"; the first describing word from the strongest trait, the
    second from another base, so a name is not two ways of saying the same thing. ``extra``
    adds describing words (to tell apart segments that would share a name).

    >>> t = Trait("pet", "behavioral", "Dog", "more", .9, .4, 1.0, "", "", 0, 0, "", "", "")
    >>> persona_name([t])
    'Dog lovers'
    """
    noun, noun_trait = "customers", None
    for trait in traits:
        found = _descriptor(trait)[1]
        if found:
            noun, noun_trait = found, trait
            break
    described = [(t, _descriptor(t)[0]) for t in traits if t is not noun_trait]
    described = [(t, word) for t, word in described if word]
    chosen: list[tuple[Trait, str]] = []
    for wanted in range(2 + extra):
        other_base = wanted == 1 and chosen
        for trait, word in described[:NAME_LOOKAHEAD]:
            if _said(word, [w for _, w in chosen]) or _stem(word) in noun.lower():
                continue
            if other_base and trait.base == chosen[0][0].base:
                continue
            chosen.append((trait, word))
            break
        else:
            if other_base:  # no other base to draw from: take the next word of any base
                for trait, word in described:
                    if not _said(word, [w for _, w in chosen]):
                        chosen.append((trait, word))
                        break
    if not chosen and noun_trait is None:
        return NO_TRAITS_NAME
    name = " ".join([*(word for _, word in chosen), noun])
    return name[0].upper() + name[1:]


def _said(word: str, chosen: list[str]) -> bool:
    """Whether a word repeats one already in the name ("new" and "newly joined")."""
    root = _stem(word)
    return any(root.startswith(_stem(w)) or _stem(w).startswith(root) for w in chosen)


def _stem(word: str) -> str:
    return word.lower().replace("-", " ").split()[0][:5]


def _with_generated_names(personas: list[Persona], segmentation: Segmentation) -> list[Persona]:
    """Give every persona a generated name, unique within the segmentation."""
    taken = (
        {segmentation.segment_names[UNASSIGNED]}
        if UNASSIGNED in segmentation.segment_names
        else set()
    )
    named = []
    for persona in personas:
        if persona.segment_id == UNASSIGNED:
            named.append(replace(persona, generated_name=persona.name))
            continue
        name = _base_name(persona)
        for extra in (1, 2):
            if name not in taken:
                break
            name = persona_name(persona.traits, extra) if persona.traits else name
        number = 2
        unique = name
        while unique in taken:
            unique, number = f"{name} ({number})", number + 1
        taken.add(unique)
        named.append(replace(persona, generated_name=unique))
    return named


def _base_name(persona: Persona) -> str:
    if persona.customers == 0:
        return "Empty segment"
    if persona.customers == 1:
        return "A single customer"
    if persona.customers < 5 and not persona.traits:
        return f"Small group of {persona.customers}"
    return persona_name(persona.traits)


def with_names(cards: PersonaSet, names: Mapping[int, str]) -> PersonaSet:
    """The cards with the segmentation's current names, summaries rewritten to match."""
    personas = []
    for persona in cards.personas:
        named = replace(persona, name=names.get(persona.segment_id, persona.name))
        personas.append(replace(named, summary=write_summary(named, cards.monetary)))
    return replace(cards, personas=tuple(personas))


def generated_names(cards: PersonaSet) -> dict[int, str]:
    """The generated name of every segment (Unassigned / Other keep theirs)."""
    return {p.segment_id: p.generated_name for p in cards.personas}


def has_default_names(segmentation: Segmentation) -> bool:
    """Whether every segment still has its automatic name ("Segment 1", "Segment 2", ...)."""
    regular = sorted(i for i in segmentation.segment_names if i != UNASSIGNED)
    return bool(regular) and all(
        segmentation.segment_names[i] == DEFAULT_NAME.format(n)
        for n, i in enumerate(regular, start=1)
    )


def with_persona_names(segmentation: Segmentation, cards: PersonaSet) -> Segmentation:
    """The segmentation with its segments named after their personas."""
    names = {**segmentation.segment_names, **generated_names(cards)}
    return replace(segmentation, segment_names=names)


def _join(parts: Sequence[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _detail_text(column: str, value: str) -> str:
    """ "total spend 1,775" for numbers and dates, the value alone for categories."""
    if value[:1].isdigit() or value[:1] in "-–":
        return f"{column_words(column)} {value}"
    return value


def write_summary(persona: Persona, monetary: str | None = None) -> str:
    """A one-paragraph plain-English summary of a persona, from templates."""
    people = "customer" if persona.customers == 1 else "customers"
    verb = "is" if persona.customers == 1 else "are"
    opening = f"**{persona.name}** {verb} {persona.share:.0%} of customers "
    opening += f"({persona.customers:,} {people})"
    if persona.revenue_share is not None and persona.value_index is not None:
        opening += (
            f" and bring {persona.revenue_share:.0%} of revenue: each is worth "
            f"{persona.value_index:.1f}× the average customer"
        )
    sentences = [opening + "."]
    if persona.highlights:
        phrases = [t.phrase for t in persona.highlights[:SUMMARY_TRAITS]]
        sentences.append(f"Compared with all customers they {_join(phrases)}.")
    elif persona.caveats:
        sentences.append(persona.caveats[0])
    if persona.example is not None and persona.example.details:
        shown = ", ".join(_detail_text(c, v) for c, v in persona.example.details[:4])
        sentences.append(f"A typical member is customer {persona.example.customer_id} ({shown}).")
    chosen = [m for m in persona.mix if m.trigger]
    if chosen:
        advice = " ".join(m.suggestion for m in chosen[:2])
        sentences.append(f"What to do: {advice}")
    return " ".join(sentences)
