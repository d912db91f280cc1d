"""Traits: the tested differences that pass the significance and effect-size gate, ranked,
highlighted (each base in turn) and written as labels, sentences and phrases, with values in
each column's own units.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from segmentation.describing.persona_stats import (
    Column,
    LevelStats,
    NumberStats,
    effect_to_rank_biserial,
)
from segmentation.describing.persona_types import PersonaConfig, Trait
from segmentation.describing.value_format import COUNT_MEANINGS, format_number

BLOCK_BASES = ("demographic", "geographic", "behavioral", "psychographic")


def traits_of(result: NumberStats | LevelStats, index: int, config: PersonaConfig) -> list:
    passed = (
        result.valid[index]
        & (result.p_adjusted[index] <= config.alpha)
        & (np.abs(result.effect[index]) >= config.min_effect)
    )
    if isinstance(result, NumberStats):
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
    traits: Sequence[Trait], count: int, skip: str | Sequence[str] | None = None
) -> tuple[Trait, ...]:
    """The traits a card leads with: the strongest of each base in turn, so the four bases
    all get a say. ``skip`` (the money column, already shown as value per customer) is left out.
    """
    skipped = {skip} if isinstance(skip, str) else set(skip or ())
    by_base: dict[str, list[Trait]] = {base: [] for base in BLOCK_BASES}
    others = []
    for trait in traits:
        if trait.column not in skipped:
            by_base[trait.base].append(trait) if trait.base in by_base else others.append(trait)
    chosen: list[Trait] = []
    depth = 0
    while len(chosen) < count and any(len(v) > depth for v in by_base.values()):
        layer = [v[depth] for v in by_base.values() if len(v) > depth]
        chosen += sorted(layer, key=lambda t: -abs(t.effect))
        depth += 1
    return tuple([*chosen, *others][:count])


def _number_trait(result: NumberStats, index: int) -> Trait:
    column = result.column
    effect = float(result.effect[index])
    higher = effect > 0
    word = _direction_word(column, higher)
    measure = "average" if column.style == "scale" else "median"
    segment = format_value(result.typical[index], column)
    overall = format_value(result.overall, column)
    r = effect_to_rank_biserial(effect)
    label = _number_label(column, word)
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
        label=label,
        sentence=f"{label}: {measure} {segment} vs {overall} for all customers",
        phrase=_number_phrase(column, word, f"{measure} {segment} vs {overall}"),
        versus=f"{measure} {segment} vs {overall}",
        words=column.words,
        meaning=column.meaning,
    )


_BIRTH = ("birth year", "year of birth", "year born", "birth date", "date of birth")


def _direction_word(column: Column, higher: bool) -> str:
    if column.kind == "date" or column.style == "year":
        return "later" if higher else "earlier"
    if column.meaning in COUNT_MEANINGS:
        return "more" if higher else "fewer"
    return "higher" if higher else "lower"


def _number_label(column: Column, word: str) -> str:
    """ "Born earlier", "More web purchases", "Higher income"."""
    if column.words in _BIRTH:
        return f"Born {word}"
    return f"{word.capitalize()} {column.words}"


def _number_phrase(column: Column, word: str, numbers: str) -> str:
    if column.words in _BIRTH:
        return f"were born {word} ({numbers})"
    if column.kind == "date" or column.style == "year":
        article = "an" if word[0] in "aeiou" else "a"
        return f"have {article} {word} {column.words} ({numbers})"
    if column.meaning in COUNT_MEANINGS:
        return f"have {word} {column.words} ({numbers})"
    return f"show {word} {column.words} ({numbers})"


def _level_trait(result: LevelStats, index: int, j: int) -> Trait:
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
        words=column.words,
        meaning=column.meaning,
    )


def _level_phrase(column: Column, level: str, more: bool, share: float, overall: float) -> str:
    numbers = f"{share:.0%} vs {overall:.0%}"
    if column.kind == "flag":
        return f"are {'more' if more else 'less'} often marked {column.words} ({numbers})"
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


def format_value(value: float, column: Column) -> str:
    """A value in the column's own units: dates as month and year, rates as percent, money with
    its currency, a birth year as 1965 and counts as whole numbers."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if column.kind == "date":
        return (pd.Timestamp("1970-01-01") + pd.Timedelta(days=float(value))).strftime("%b %Y")
    return format_number(value, column.style, column.currency)
