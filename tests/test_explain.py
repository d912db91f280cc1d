"""Segments explained as rules: exact toys, whole-number thresholds, missing values, scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segmentation.data.schema import TypedTable, infer_schema
from segmentation.segmenting.explain import SegmentRule, explain_segments
from segmentation.segmenting.rules import Condition, rule_mask
from segmentation.segmenting.segments import UNASSIGNED, make_segmentation

REGIONS = ("North", "South", "East", "West")


def typed(columns: dict[str, list[object]]) -> TypedTable:
    n = len(next(iter(columns.values())))
    raw = pd.DataFrame({"customer_id": [f"c{i:03d}" for i in range(n)], **columns})
    return infer_schema(raw)


def explain(table: TypedTable, labels: list[int], features: tuple[str, ...]):
    series = pd.Series(labels, index=table.frame["customer_id"].to_numpy())
    segmentation = make_segmentation("Toy", "kmeans", series)
    rules = explain_segments(table.frame, table.schema, segmentation, features)
    return {rule.segment_id: rule for rule in rules}


# 200 customers: every age 20–69 once in each of four regions. Segment 1 is exactly
# "age ≥ 40 and region = North": 30 customers.
AGES = np.tile(np.arange(20, 70), 4)
REGION = np.repeat(REGIONS, 50)
NORTH_40 = typed({"age": [str(a) for a in AGES], "region": list(REGION)})
NORTH_40_LABELS = ((AGES >= 40) & (REGION == "North")).astype(int).tolist()


def test_exact_segment_rule_is_precise_and_reads_naturally() -> None:
    rule = explain(NORTH_40, NORTH_40_LABELS, ("age", "region"))[1]
    assert isinstance(rule, SegmentRule)
    assert rule.segment_name == "Segment 2"
    assert rule.precision == 1.0
    assert rule.recall >= 0.8
    assert rule.sentence.startswith("customers living in the North aged ")
    assert rule.sentence.endswith(" or over")
    assert Condition("region", "equals", "North") in rule.rule.group.items


def test_exact_segment_rule_has_full_recall() -> None:
    rule = explain(NORTH_40, NORTH_40_LABELS, ("age", "region"))[1]
    assert (rule.precision, rule.recall, rule.matched) == (1.0, 1.0, 30)
    assert rule.sentence == "customers living in the North aged 40 or over"
    assert set(rule.rule.group.items) == {
        Condition("region", "equals", "North"),
        Condition("age", "ge", 40),
    }


AGE_40 = typed(
    {"age": [str(a) for a in range(20, 60)], "spend": [f"{10 + 0.37 * i:.2f}" for i in range(40)]}
)


@pytest.mark.parametrize(
    ("labels", "features", "segment_id", "condition", "sentence"),
    [
        # whole numbers: the tree's 39.5 becomes "40 or over" / "39 or under"
        ([0] * 20 + [1] * 20, ("age",), 1, Condition("age", "ge", 40), "customers aged 40 or over"),
        (
            [0] * 20 + [1] * 20,
            ("age",),
            0,
            Condition("age", "le", 39),
            "customers aged 39 or under",
        ),
        # a middle band: both bounds, whole numbers
        (
            [0] * 10 + [1] * 15 + [0] * 15,
            ("age",),
            1,
            Condition("age", "between", (30, 44)),
            "customers aged 30–44",
        ),
        # decimals: the threshold (17.025) keeps three significant digits
        (
            [0] * 20 + [1] * 20,
            ("spend",),
            1,
            Condition("spend", "gt", 17.2),
            "customers whose spend is over 17.2",
        ),
    ],
)
def test_thresholds_in_original_units(
    labels: list[int],
    features: tuple[str, ...],
    segment_id: int,
    condition: Condition,
    sentence: str,
) -> None:
    rule = explain(AGE_40, labels, features)[segment_id]
    assert rule.rule.group.items == (condition,)
    assert rule.sentence == sentence
    assert (rule.precision, rule.recall) == (1.0, 1.0)


def test_whole_number_thresholds_are_python_ints() -> None:
    rule = explain(AGE_40, [0] * 20 + [1] * 20, ("age",))[1]
    value = rule.rule.group.items[0].value
    assert type(value) is int


def test_yes_no_columns_read_as_with_and_without() -> None:
    vip = ["yes" if 30 <= age < 45 else "no" for age in range(20, 60)]
    table = typed({"vip": vip})
    labels = [int(v == "yes") for v in vip]
    rules = explain(table, labels, ("vip",))
    assert rules[1].sentence == "customers with vip"
    assert rules[0].sentence == "customers without vip"
    assert all((r.precision, r.recall) == (1.0, 1.0) for r in rules.values())


def test_missing_values_are_handled() -> None:
    # ages 20–59; segment 1 is age ≥ 50. Ages 22 and 25 (segment 0) and 55 (segment 1) are
    # missing; two regions are missing too.
    ages = [str(a) for a in range(20, 60)]
    for i in (2, 5, 35):
        ages[i] = ""
    region = ["North" if i % 2 else "South" for i in range(40)]
    region[1] = region[37] = ""
    table = typed({"age": ages, "region": region})
    labels = [int(a >= 50) for a in range(20, 60)]
    rule = explain(table, labels, ("age", "region"))[1]
    assert rule.rule.group.items == (Condition("age", "ge", 50),)
    assert rule.sentence == "customers aged 50 or over"
    # the customer whose age is missing cannot be selected by the rule: 9 of 10
    assert (rule.precision, rule.recall, rule.matched) == (1.0, 0.9, 9)


def test_scores_are_measured_by_running_the_rule_on_the_data() -> None:
    rules = explain(NORTH_40, NORTH_40_LABELS, ("age", "region"))
    customers = NORTH_40.frame
    target = np.array(NORTH_40_LABELS)
    for segment_id, rule in rules.items():
        selected = rule_mask(customers, rule.rule).to_numpy()
        members = target == segment_id
        assert rule.matched == selected.sum()
        assert rule.precision == pytest.approx((selected & members).sum() / selected.sum())
        assert rule.recall == pytest.approx((selected & members).sum() / members.sum())


def test_unassigned_customers_get_no_rule_and_labels_pick_the_customers() -> None:
    # only the customers in the segmentation are explained, in any order
    labels = [0] * 20 + [1] * 15 + [UNASSIGNED] * 5
    series = pd.Series(labels, index=AGE_40.frame["customer_id"].to_numpy())[::-1]
    segmentation = make_segmentation("Toy", "hdbscan", series)
    rules = explain_segments(AGE_40.frame, AGE_40.schema, segmentation, ("age",))
    assert [r.segment_id for r in rules] == [0, 1]
    assert rules[1].rule.group.items == (Condition("age", "between", (40, 54)),)
    assert rules[0].rule.name == "Segment 1"


def test_renamed_segments_name_their_rules() -> None:
    series = pd.Series([0] * 20 + [1] * 20, index=AGE_40.frame["customer_id"].to_numpy())
    segmentation = make_segmentation("Toy", "kmeans", series).renamed(1, "Grown-ups")
    rules = explain_segments(AGE_40.frame, AGE_40.schema, segmentation, ("age",))
    assert [(r.segment_name, r.rule.name) for r in rules] == [
        ("Segment 1", "Segment 1"),
        ("Grown-ups", "Grown-ups"),
    ]


def test_no_usable_feature_gives_no_rules_instead_of_a_crash() -> None:
    table = typed({"signup": [f"2024-01-{1 + i % 28:02d}" for i in range(40)]})
    assert explain(table, [0] * 20 + [1] * 20, ("signup",)) == {}
