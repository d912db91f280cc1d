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

The marketing mix comes from :data:`.marketing_mix.MIX_RULES`, an explicit table: each rule
names the trait that triggers it, and the card shows that trait next to the suggestion.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from segmentation.data.schema import Schema
from segmentation.describing.example_customer import example_customers, example_with_details
from segmentation.describing.marketing_mix import suggest_mix
from segmentation.describing.persona_names import with_generated_names, with_names
from segmentation.describing.persona_stats import (
    LevelStats,
    NumberStats,
    adjust_all,
    describe_columns,
    level_stats,
    level_values,
    number_stats,
    number_style,
    number_values,
)
from segmentation.describing.persona_traits import (
    BLOCK_BASES,
    format_value,
    highlight_traits,
    likelihood,
    rank_traits,
    traits_of,
)
from segmentation.describing.persona_types import (
    ExampleCustomer,
    Persona,
    PersonaConfig,
    PersonaError,
    PersonaSet,
    ProfileBlock,
    ProfileLine,
    Trait,
)
from segmentation.describing.prediction_traits import PredictionContext
from segmentation.describing.profiles import MoneySource, money_source
from segmentation.segmenting.segments import Segmentation

# --- building the cards ------------------------------------------------------------------


def build_personas(
    frame: pd.DataFrame,
    schema: Schema,
    segmentation: Segmentation,
    columns: Sequence[str] | None = None,
    config: PersonaConfig | None = None,
    currency: str | None = None,
) -> PersonaSet:
    """A persona card per segment, every trait tested against the other customers.

    Parameters
    ----------
    frame : one row per customer with the id column; customers the segmentation does not
        label are left out.
    schema : the frame's column profiles; feature columns of every base are described.
    segmentation : any segmentation (clusters, rules, RFM, a map selection).
    columns : the columns to describe (default: every feature column); personal data (e-mails,
        names, phones …) is never described.
    config : how strict the cards are.
    currency : the money's currency (code or symbol), written before every amount.

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
    'Suburban, younger customers'
    """
    config = config or PersonaConfig()
    customers, codes = _align(frame, schema, segmentation)
    described = describe_columns(customers, schema, columns or schema.features(), currency)
    n_segments = len(segmentation.segment_ids)
    results: list[NumberStats | LevelStats] = []
    for column in described:
        if column.kind in ("number", "date"):
            values = number_values(customers, column)
            if column.kind == "number":
                style, top = number_style(values, column.style, column.meaning)
                column = replace(column, style=style, scale_max=top)
            results.append(number_stats(column, values, codes, n_segments, config))
        else:
            values = level_values(customers, column)
            results.append(level_stats(column, values, codes, n_segments, config))
    n_tests = adjust_all(results, config)
    source = money_source(schema)
    if source is not None and not set(source.columns) <= set(customers.columns):
        source = None
    money = _money(customers, codes, n_segments, source)
    examples = example_customers(customers, schema, segmentation, codes, results)
    context = PredictionContext.of(customers, schema, codes)
    skip = (source.column,) if source is not None and source.column else ()
    personas = [
        _persona(segmentation, index, codes, results, money, examples, config, skip, context)
        for index in range(n_segments)
    ]
    personas = with_generated_names(personas, segmentation)
    cards = PersonaSet(
        segmentation.title,
        segmentation.method,
        tuple(personas),
        len(customers),
        source.column if source is not None else None,
        money[3] if money is not None else None,
        n_tests,
        config,
        revenue_from=source.label if source is not None else "",
        currency=currency,
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
    customers: pd.DataFrame, codes: np.ndarray, n_segments: int, source: MoneySource | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float] | None:
    """Revenue share, value per customer and its index per segment, and the average value."""
    if source is None:
        return None
    values = source.values(customers).fillna(0.0).to_numpy(dtype="float64")
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
    results: list[NumberStats | LevelStats],
    money: tuple[np.ndarray, np.ndarray, np.ndarray, float] | None,
    examples: dict[int, ExampleCustomer],
    config: PersonaConfig,
    skip: tuple[str, ...] = (),
    context: PredictionContext | None = None,
) -> Persona:
    segment_id = segmentation.segment_ids[index]
    size, total = int((codes == index).sum()), len(codes)
    candidates = [
        context.reworded(t, r, index) if context is not None else t
        for r in results
        for t in traits_of(r, index, config)
    ]
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
        highlights=highlight_traits(traits, config.highlights, skip=skip),
        blocks=_blocks(results, index, traits),
        example=example_with_details(examples.get(index), traits, results),
        mix=suggest_mix(traits),
        caveats=_caveats(size, total, traits, results, index, config),
    )


def _cell(money: tuple | None, which: int, index: int) -> float | None:
    if money is None:
        return None
    value = float(money[which][index])
    return None if math.isnan(value) else value


# --- profile blocks ----------------------------------------------------------------------


def _blocks(
    results: list[NumberStats | LevelStats], index: int, traits: tuple[Trait, ...]
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


def _profile_line(result: NumberStats | LevelStats, index: int, trait: Trait | None) -> ProfileLine:
    column = result.column
    if result.present[index] == 0:
        return ProfileLine(
            column.name, "no values", _overall_text(result), "no data here", False, column.words
        )
    if isinstance(result, NumberStats):
        measure = "average" if column.style == "scale" else "median"
        typical = f"{measure} {format_value(result.typical[index], column)}"
        if column.style == "scale":
            typical += f" of {result.column.scale_max:.0f}"
    else:
        typical = _top_levels(result.levels, result.shares[index])
    comparison = _comparison(trait) if trait else "about the same as all customers"
    overall = _overall_text(result)
    return ProfileLine(column.name, typical, overall, comparison, trait is not None, column.words)


def _overall_text(result: NumberStats | LevelStats) -> str:
    if isinstance(result, NumberStats):
        return format_value(result.overall, result.column)
    return _top_levels(result.levels, result.overall, 2)


def _top_levels(levels: list[str], shares: np.ndarray, count: int = 3) -> str:
    order = np.argsort(-np.nan_to_num(shares))[:count]
    parts = [f"{levels[j]} {shares[j]:.0%}" for j in order if shares[j] > 0]
    return " · ".join(parts) or "–"


def _comparison(trait: Trait) -> str:
    if trait.level is None:
        first = trait.label.split(" ", 1)[0].lower()
        if first in ("higher", "lower", "more", "fewer", "later", "earlier"):
            return f"{first} than all customers"
        if trait.label.startswith("Born "):
            return f"{trait.label.lower()} than all customers"
        return trait.label[:1].lower() + trait.label[1:]
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
    results: list[NumberStats | LevelStats],
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
    empty = [r.column.words for r in results if r.present[index] == 0 and size > 0]
    if empty:
        notes.append(f"No values in this segment for: {', '.join(empty)}.")
    return tuple(notes)
