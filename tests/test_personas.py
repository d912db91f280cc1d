"""Persona cards: statistics on hand-computed toys, the significance gate, names, edge cases,
the planted "Dog-lover Dina" persona on the sample, and the exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from segmentation import load_sample
from segmentation.data.schema import infer_schema
from segmentation.describing.marketing_mix import MIX_ELEMENTS, MIX_RULES
from segmentation.describing.persona_names import (
    NO_TRAITS_NAME,
    generated_names,
    has_default_names,
    with_persona_names,
)
from segmentation.describing.persona_report import personas_html, personas_markdown
from segmentation.describing.persona_stats import (
    adjust_p_values,
    average_ranks,
    cohens_h,
    mann_whitney,
    proportion_tests,
    rank_biserial_to_d,
)
from segmentation.describing.persona_traits import likelihood
from segmentation.describing.persona_types import PersonaConfig, PersonaError
from segmentation.describing.personas import build_personas
from segmentation.segmenting.clustering import ClusterConfig, cluster_customers
from segmentation.segmenting.features import default_feature_config, prepare_features
from segmentation.segmenting.segments import UNASSIGNED, make_segmentation

ROOT = Path(__file__).resolve().parent.parent


def typed(frame: pd.DataFrame):
    return infer_schema(frame, one_row_per_customer=True)


def cards_for(frame: pd.DataFrame, labels, method: str = "kmeans", **config):
    table = typed(frame)
    series = pd.Series(np.asarray(labels), index=frame["customer_id"].to_numpy())
    segmentation = make_segmentation("toy", method, series)
    return build_personas(table.frame, table.schema, segmentation, config=PersonaConfig(**config))


def toy() -> pd.DataFrame:
    """40 customers: segment 0 mostly suburban and aged 30–49, segment 1 mostly urban, 50–69."""
    return pd.DataFrame(
        {
            "customer_id": [f"c{i:02d}" for i in range(40)],
            "density": ["Suburban"] * 16 + ["Urban"] * 4 + ["Suburban"] * 4 + ["Urban"] * 16,
            "age": list(range(30, 50)) + list(range(50, 70)),
        }
    )


# --- statistics on hand-computed cases -------------------------------------------------------


def test_average_ranks_with_ties() -> None:
    ranks, ties = average_ranks(np.array([1.0, 2, 2, 2, 3, 4, 5]))
    assert ranks.tolist() == [1, 3, 3, 3, 5, 6, 7]
    assert ties == 3**3 - 3


def test_mann_whitney_by_hand_and_against_scipy() -> None:
    # segment 0 = [1, 2, 2], the rest = [2, 3, 4, 5]; ranks 1, 3, 3 | 3, 5, 6, 7
    values = np.array([1.0, 2, 2, 2, 3, 4, 5, np.nan])
    codes = np.array([0, 0, 0, 1, 1, 1, 1, 0])
    u, p, r, n = mann_whitney(values, codes, 2)
    assert u[0] == pytest.approx(7 - 3 * 4 / 2)  # R = 7, U = R − n(n+1)/2 = 1
    assert r[0] == pytest.approx(2 * 1 / 12 - 1)
    assert n.tolist() == [3, 4]  # the missing value is left out
    expected = stats.mannwhitneyu([1, 2, 2], [2, 3, 4, 5], use_continuity=True, method="asymptotic")
    assert u[0] == pytest.approx(expected.statistic)
    assert p[0] == pytest.approx(expected.pvalue)
    assert p[1] == pytest.approx(expected.pvalue)  # the other segment is the mirror image


def test_proportion_test_by_hand_and_against_chi_square() -> None:
    # 40 of 50 suburban in the segment, 30 of 150 among the rest
    counts, n1, totals = np.array([[40.0]]), np.array([50]), np.array([70.0])
    p, exact = proportion_tests(counts, n1, totals, 200)
    pooled = 70 / 200
    z = (0.8 - 0.2) / np.sqrt(pooled * (1 - pooled) * (1 / 50 + 1 / 150))
    assert z == pytest.approx(7.7033, abs=1e-3)
    assert p[0, 0] == pytest.approx(2 * stats.norm.sf(z))
    chi2 = stats.chi2_contingency([[40, 10], [30, 120]], correction=False)
    assert p[0, 0] == pytest.approx(chi2.pvalue)
    assert not exact[0, 0]


def test_small_counts_use_the_exact_test() -> None:
    # 3 of 4 customers have a level 10 of 100 customers have
    p, exact = proportion_tests(np.array([[3.0]]), np.array([4]), np.array([10.0]), 100)
    assert exact[0, 0]
    upper = stats.hypergeom.sf(2, 100, 10, 4)
    assert p[0, 0] == pytest.approx(2 * upper)
    assert p[0, 0] >= stats.fisher_exact([[3, 1], [7, 89]]).pvalue  # never bolder than Fisher


def test_effect_sizes_and_corrections() -> None:
    assert float(cohens_h(0.8, 0.5)) == pytest.approx(2 * np.arcsin(np.sqrt(0.8)) - np.pi / 2)
    assert float(rank_biserial_to_d(-0.5)) == pytest.approx(np.sqrt(2) * stats.norm.ppf(0.25))
    p = np.array([0.01, 0.04, 0.03, 0.5])
    assert adjust_p_values(p, "bh") == pytest.approx([0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.5])
    assert adjust_p_values(p, "holm") == pytest.approx([0.04, 0.09, 0.09, 0.5])
    assert likelihood(2.31) == "2.3× as likely" and likelihood(0.25) == "4.0× less likely"


def test_toy_traits_carry_hand_computed_numbers() -> None:
    cards = cards_for(toy(), [0] * 20 + [1] * 20)
    first = cards.personas[0]
    by_column = {t.column: t for t in first.traits}
    suburban = by_column["density"]
    assert (suburban.level, suburban.direction) == ("Suburban", "more")
    assert suburban.segment_value == pytest.approx(0.8)
    assert suburban.overall_value == pytest.approx(0.5)
    assert suburban.effect == pytest.approx(2 * np.arcsin(np.sqrt(0.8)) - np.pi / 2)
    assert "1.6× as likely" in suburban.sentence and "80% vs 50%" in suburban.sentence
    chi2 = stats.chi2_contingency([[16, 4], [4, 16]], correction=False)
    assert suburban.p_value == pytest.approx(chi2.pvalue)
    age = by_column["age"]
    assert age.direction == "lower"
    assert (age.segment_value, age.overall_value) == (39.5, 49.5)
    # r = −1 against the rest; against all customers it is halved (the segment is half of them)
    assert age.effect == pytest.approx(np.sqrt(2) * stats.norm.ppf(0.25))
    assert age.statistic.startswith("rank-biserial r = -0.50")
    assert age.p_adjusted >= age.p_value
    assert first.generated_name == "Younger, suburban customers"
    assert cards.n_tests == 2 * (1 + 2)  # per segment: age, and each of two density levels


def test_profile_blocks_compare_with_all_customers() -> None:
    cards = cards_for(toy(), [0] * 20 + [1] * 20)
    blocks = {b.base: b for b in cards.personas[0].blocks}
    assert list(blocks) == ["demographic", "geographic", "behavioral", "psychographic"]
    (age,) = blocks["demographic"].lines
    assert (age.typical, age.overall, age.distinct) == ("median 39.5", "49.5", True)
    assert age.comparison == "lower than all customers"
    (density,) = blocks["geographic"].lines
    assert density.typical == "Suburban 80% · Urban 20%"
    assert density.comparison == "1.6× as likely to be Suburban"
    assert blocks["behavioral"].lines == ()


# --- the significance gate ---------------------------------------------------------------------


def identical_customers(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(n)],
            "age": rng.integers(18, 80, n),
            "spend": np.round(rng.lognormal(4, 1, n), 2),
            "email_open_rate": np.round(rng.random(n), 2),
            "density": rng.choice(["Urban", "Suburban", "Rural"], n),
            "loyalty": rng.choice(["Hard-core loyal", "Switcher", "Soft-core loyal"], n),
            "pays_more_for_quality": rng.integers(1, 6, n),
        }
    )


@pytest.mark.parametrize("seed", range(5))
def test_no_traits_for_a_random_split_of_identical_distributions(seed: int) -> None:
    frame = identical_customers(3000, seed)
    labels = np.random.default_rng(seed + 100).integers(0, 6, len(frame))
    cards = cards_for(frame, labels)
    assert all(p.traits == () for p in cards.personas)
    assert all(not line.distinct for p in cards.personas for b in p.blocks for line in b.lines)
    assert {p.generated_name.split(" (")[0] for p in cards.personas} == {NO_TRAITS_NAME}
    assert all("mainstream" in p.caveats[0] for p in cards.personas)


def test_tiny_but_significant_differences_are_not_traits() -> None:
    rng = np.random.default_rng(7)
    n = 40_000
    labels = rng.integers(0, 2, n)
    frame = pd.DataFrame(
        {"customer_id": [f"c{i}" for i in range(n)], "age": rng.normal(40 + labels, 10)}
    )
    cards = cards_for(frame, labels)  # d = 0.1: p is tiny, the effect is not worth a claim
    assert all(p.traits == () for p in cards.personas)
    loose = cards_for(frame, labels, min_effect=0.01)
    assert [t.column for t in loose.personas[0].traits] == ["age"]


# --- edge cases ------------------------------------------------------------------------------


def test_a_one_customer_segment_claims_nothing() -> None:
    frame = identical_customers(300, 1)
    labels = np.r_[[9], np.zeros(299, dtype=int)]
    cards = cards_for(frame, labels)
    single = cards.persona(9)
    assert single.customers == 1 and single.traits == ()
    assert "Only 1 customer" in single.caveats[0]
    assert single.generated_name == "A single customer"
    assert single.example is not None and single.example.customer_id == "c0"
    assert "is 0% of customers (1 customer)" in single.summary


def test_a_segment_of_everyone_claims_nothing() -> None:
    cards = cards_for(identical_customers(200, 2), np.zeros(200, dtype=int))
    (everyone,) = cards.personas
    assert everyone.share == 1.0 and everyone.traits == ()
    assert "holds every customer" in everyone.caveats[0]
    assert cards.n_tests == 0


def test_a_column_missing_for_a_whole_segment() -> None:
    frame = toy()
    frame.loc[:19, "density"] = None
    cards = cards_for(frame, [0] * 20 + [1] * 20)
    first = cards.personas[0]
    assert "No values in this segment for: density." in first.caveats
    density = next(line for b in first.blocks for line in b.lines if line.column == "density")
    assert (density.typical, density.distinct) == ("no values", False)
    assert all(t.column != "density" for t in first.traits)


def test_many_segments_get_unique_readable_names() -> None:
    rng = np.random.default_rng(3)
    n = 6000
    groups = rng.integers(0, 24, n)
    frame = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(n)],
            "age": rng.normal(25 + groups % 4 * 15, 5).round(),
            "density": np.array(["Urban", "Suburban", "Rural"])[groups % 3],
            "frequency": rng.poisson(2 + groups % 2 * 10),
        }
    )
    cards = cards_for(frame, groups)
    names = list(generated_names(cards).values())
    assert len(cards.personas) == 24
    assert len(set(names)) == 24
    assert all(name and name[0].isupper() and len(name) <= 60 for name in names)
    assert all(p.traits for p in cards.personas)


def test_identical_profiles_still_get_distinct_names() -> None:
    frame = toy()
    frame["customer_id"] = [f"c{i:02d}" for i in range(40)]
    labels = [0] * 10 + [1] * 10 + [2] * 20  # 0 and 1 are both halves of the same persona
    names = generated_names(cards_for(frame, labels, min_customers=3))
    assert len(set(names.values())) == 3


def test_unassigned_keeps_its_name_and_rules_keep_theirs() -> None:
    frame = toy()
    labels = pd.Series([0] * 20 + [UNASSIGNED] * 20, index=frame["customer_id"])
    segmentation = make_segmentation("r", "rules", labels, {0: "Suburbanites"}, {}, "Other")
    table = typed(frame)
    cards = build_personas(table.frame, table.schema, segmentation)
    assert [p.name for p in cards.personas] == ["Suburbanites", "Other"]
    assert generated_names(cards)[UNASSIGNED] == "Other"
    assert not has_default_names(segmentation)


def test_default_names_are_replaced_by_persona_names() -> None:
    frame = toy()
    labels = pd.Series([0] * 20 + [1] * 20, index=frame["customer_id"])
    segmentation = make_segmentation("k", "kmeans", labels)
    assert has_default_names(segmentation)
    table = typed(frame)
    named = with_persona_names(
        segmentation, build_personas(table.frame, table.schema, segmentation)
    )
    assert not has_default_names(named)
    assert named.segment_names[0] == "Younger, suburban customers"
    assert named.labels is segmentation.labels


def test_customers_of_other_data_are_refused_with_a_message() -> None:
    frame = toy()
    labels = pd.Series([0, 1], index=["x1", "x2"])
    table = typed(frame)
    with pytest.raises(PersonaError, match="None of the 2 customers of segmentation 'k'"):
        build_personas(table.frame, table.schema, make_segmentation("k", "kmeans", labels))
    with pytest.raises(PersonaError, match="correction='x' is not a correction method"):
        PersonaConfig(correction="x")


def test_the_example_customer_is_a_member_near_the_centre() -> None:
    frame = toy()
    cards = cards_for(frame, [0] * 20 + [1] * 20)
    example = cards.personas[0].example
    member = frame.set_index("customer_id").loc[example.customer_id]
    assert int(example.customer_id[1:]) < 20  # in segment 0
    assert member["density"] == "Suburban" and 36 <= member["age"] <= 43
    assert dict(example.details)["density"] == "Suburban"


# --- marketing mix -----------------------------------------------------------------------------


def test_every_rule_names_its_element_and_trigger() -> None:
    assert {r.element for r in MIX_RULES} == set(MIX_ELEMENTS)
    assert all(r.when and r.suggestion and r.direction for r in MIX_RULES)


def test_mix_suggestions_come_with_the_trait_that_triggered_them() -> None:
    cards = cards_for(toy(), [0] * 20 + [1] * 20)
    for persona in cards.personas:
        assert [m.element for m in persona.mix] == list(MIX_ELEMENTS)
        labels = {t.label for t in persona.traits}
        for item in persona.mix:
            assert (item.trigger in labels) if item.trigger else item.suggestion.startswith("No")
    channel = next(m for m in cards.personas[0].mix if m.element == "channel")
    assert channel.suggestion == "Geo-target ads and offers to Suburban."
    assert channel.trigger == "Suburban (density)"


# --- quality on the bundled sample ---------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_cards():
    data = load_sample()
    matrix = prepare_features(
        data.customers, data.schema, default_feature_config(data.customers, data.schema)
    )
    # choose_k recommends 6 on the sample (tests/test_segments_page.py checks the page does)
    segmentation = cluster_customers(matrix, ClusterConfig(n_segments=6)).segmentation
    planted = pd.read_csv(ROOT / "data" / "pet_dynamics_personas.csv", dtype=str)
    planted = planted.set_index("customer_id")["persona"]
    return data, segmentation, build_personas(data.customers, data.schema, segmentation), planted


def test_the_dog_lover_dina_card_finds_her_traits(sample_cards) -> None:
    _, segmentation, cards, planted = sample_cards
    dina = planted.reindex(segmentation.labels.index).eq("Dog-lover Dina")
    segment_id = int(segmentation.labels[dina].value_counts().idxmax())
    traits = {(t.column, t.level, t.direction) for t in cards.persona(segment_id).traits}
    assert ("density", "Suburban", "more") in traits
    assert ("benefits_sought", "Quality", "more") in traits
    assert ("pays_more_for_quality", None, "higher") in traits
    assert ("loyalty", "Hard-core loyal", "more") in traits
    persona = cards.persona(segment_id)
    assert persona.value_index > 2  # Dina's orders are the largest
    assert {t.base for t in persona.highlights} == {
        "demographic",
        "geographic",
        "behavioral",
        "psychographic",
    }


def test_every_sample_card_is_complete(sample_cards) -> None:
    _, _, cards, _ = sample_cards
    assert len(cards.personas) == 6
    assert len(set(generated_names(cards).values())) == 6
    assert sum(p.revenue_share for p in cards.personas) == pytest.approx(1.0)
    for persona in cards.personas:
        assert len(persona.traits) >= 5 and len(persona.highlights) == 5
        assert persona.example is not None and persona.example.details
        assert persona.summary.count(".") >= 3 and "**" in persona.summary
        assert all(t.p_adjusted <= 0.05 and abs(t.effect) >= 0.3 for t in persona.traits)


# --- exports -------------------------------------------------------------------------------------


def test_markdown_export_has_every_card_and_the_notes(sample_cards) -> None:
    _, _, cards, _ = sample_cards
    first = cards.personas[0]
    text = personas_markdown(cards, {first.segment_id: "Invite to the VIP evening"})
    assert text.count("\n## ") == len(cards.personas)
    assert "Invite to the VIP evening" in text
    assert "### Suggested marketing mix" in text and "because:" in text


def test_html_export_is_self_contained_and_escaped() -> None:
    frame = toy()
    labels = pd.Series([0] * 20 + [1] * 20, index=frame["customer_id"])
    segmentation = make_segmentation("t", "rules", labels, {0: "<script>x</script>", 1: "B & C"})
    table = typed(frame)
    cards = build_personas(table.frame, table.schema, segmentation)
    html = personas_html(cards, {1: "note <b>"})
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html and "&lt;script&gt;" in html
    assert "B &amp; C" in html and "note &lt;b&gt;" in html
    assert not re.search(r"(src|href)=|@import|url\(", html)  # nothing to fetch: opens offline
    assert "@media print" in html and "page-break-inside: avoid" in html


def test_notes_shape_is_plain_json() -> None:
    notes = {"k-means, 6 segments": {"0": "Invite", "3": "Ask about vets"}}
    assert json.loads(json.dumps(notes)) == notes
