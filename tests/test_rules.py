"""Rule segments: operator masks and phrases, plain-English sentences, segmentation and errors."""

from __future__ import annotations

import json
import re
from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmentation.segmenting.rule_conditions import (
    condition_from_dict,
    group_from_dict,
    rule_columns,
    rule_from_dict,
)
from segmentation.segmenting.rule_operators import OPERATORS, humanise, operators_for
from segmentation.segmenting.rule_sentences import describe
from segmentation.segmenting.rules import (
    Condition,
    Rule,
    RuleError,
    RuleGroup,
    filter_customers,
    preview,
    rule_mask,
    rules_segmentation,
    value_options,
)
from segmentation.segmenting.segments import UNASSIGNED


def customers() -> pd.DataFrame:
    """Five customers a–e with a missing value in every column (hand-checked below)."""
    return pd.DataFrame(
        {
            "id": ["a", "b", "c", "d", "e"],
            "age": pd.array([25, 34, None, 61, 38], dtype="Int64"),
            "monetary": [100.0, 500.0, 250.0, np.nan, 500.0],
            "density": pd.array(["Urban", "Suburban", "Suburban", None, "Rural"], dtype="string"),
            "name": pd.array(["Ann Olson", "Bob Smith", None, "olsen jo", "Dina Ray"], "string"),
            "email_opt_in": pd.array([True, False, None, True, True], dtype="boolean"),
            "signup_date": pd.to_datetime(
                [
                    "2026-01-15 00:00",
                    "2026-02-28 18:00",
                    "2026-03-01 00:00",
                    None,
                    "2026-03-10 00:00",
                ]
            ),
        },
        index=[10, 11, 12, 13, 14],
    )


FRAME = customers()


def matched(condition_or_group, frame: pd.DataFrame = FRAME, **kwargs) -> str:
    mask = rule_mask(frame, condition_or_group, **kwargs)
    return "".join(frame.loc[mask, "id"])


# --- every operator: machine form ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "operator", "value", "expected"),
    [
        ("density", "equals", "Suburban", "bc"),
        ("density", "not_equals", "Suburban", "ae"),
        ("density", "in", ["Urban", "Rural"], "ae"),
        ("density", "not_in", ["Urban"], "bce"),
        ("age", "equals", 34, "b"),
        ("age", "equals", "34", "b"),
        ("age", "not_equals", 34, "ade"),
        ("age", "in", [25, 61], "ad"),
        ("age", "not_in", [25, 61], "be"),
        ("email_opt_in", "equals", True, "ade"),
        ("email_opt_in", "equals", "no", "b"),
        ("email_opt_in", "not_equals", True, "b"),
        ("age", "between", (29, 38), "be"),
        ("signup_date", "between", ("2026-02-28", "2026-03-01"), "bc"),
        ("monetary", "gt", 250, "be"),
        ("monetary", "ge", 250, "bce"),
        ("monetary", "lt", 250, "a"),
        ("monetary", "le", 250, "ac"),
        ("name", "contains", "OLS", "ad"),
        ("name", "starts_with", "o", "d"),
        ("name", "starts_with", "BOB", "b"),
        ("monetary", "is_missing", None, "d"),
        ("age", "is_missing", None, "c"),
        ("density", "is_missing", None, "d"),
        ("email_opt_in", "is_missing", None, "c"),
        ("signup_date", "is_missing", None, "d"),
        ("age", "is_not_missing", None, "abde"),
        ("monetary", "top_pct", 25, "be"),  # the one top value, 500, is tied: both kept
        ("monetary", "top_pct", 100, "abce"),
        ("monetary", "bottom_pct", 50, "ac"),
        ("age", "bottom_pct", 1, "a"),
        ("signup_date", "before", "2026-03-01", "ab"),
        ("signup_date", "after", "2026-03-01", "e"),  # 1 Mar itself is neither before nor after
        ("signup_date", "within_last_days", 10, "ce"),  # latest date 10 Mar: 1–10 Mar
        ("signup_date", "within_last_days", 9, "e"),
    ],
)
def test_operator_mask(column: str, operator: str, value, expected: str) -> None:
    assert matched(Condition(column, operator, value)) == expected


def test_within_last_days_uses_the_reference_date_as_today() -> None:
    condition = Condition("signup_date", "within_last_days", 1)
    assert matched(condition, reference_date="2026-03-01") == "c"
    assert matched(condition, reference_date=date(2026, 2, 28)) == "b"
    assert matched(condition, reference_date="2027-01-01") == ""


def test_missing_values_never_match_a_comparison() -> None:
    comparisons = [
        Condition(column, key, value)
        for column, key, value in [
            ("age", "not_equals", 1),
            ("age", "not_in", [1]),
            ("age", "lt", 1000),
            ("age", "bottom_pct", 100),
            ("density", "not_equals", "Urban"),
            ("density", "not_in", ["Urban"]),
            ("name", "contains", "a"),
            ("email_opt_in", "not_equals", True),
            ("signup_date", "before", "2100-01-01"),
        ]
    ]
    for condition in comparisons:
        mask = rule_mask(FRAME, condition)
        assert not (mask & FRAME[condition.column].isna()).any(), condition


def test_mask_is_a_boolean_series_on_the_frame_index() -> None:
    mask = rule_mask(FRAME, Condition("age", "gt", 30))
    assert mask.dtype == bool
    assert mask.index.equals(FRAME.index)


def test_a_rule_that_matches_nobody_is_not_an_error() -> None:
    result = preview(FRAME, Condition("age", "gt", 100))
    assert (result.count, result.share) == (0, 0.0)


# --- every operator: human form ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "operator", "value", "phrase"),
    [
        ("density", "equals", "Suburban", "density is Suburban"),
        ("density", "not_equals", "Suburban", "density is not Suburban"),
        ("density", "in", ["Urban", "Rural", "Suburban"], "density is Urban, Rural or Suburban"),
        ("density", "not_in", ["Urban"], "density is not Urban"),
        ("email_opt_in", "equals", True, "email opt in is yes"),
        ("age", "between", (29, 38), "age is between 29 and 38"),
        (
            "signup_date",
            "between",
            ("2026-02-28", "2026-03-01"),
            "signup date is between 28 Feb 2026 and 1 Mar 2026",
        ),
        ("monetary", "gt", 1234.5, "monetary is over 1,234.5"),
        ("monetary", "ge", 250, "monetary is 250 or more"),
        ("monetary", "lt", 12000, "monetary is under 12,000"),
        ("monetary", "le", 250, "monetary is 250 or less"),
        ("name", "contains", "OLS", "name contains “OLS”"),
        ("name", "starts_with", "o", "name starts with “o”"),
        ("monetary", "is_missing", None, "monetary is missing"),
        ("age", "is_not_missing", None, "age is not missing"),
        ("monetary", "top_pct", 25, "monetary is in the top 25%"),
        ("monetary", "bottom_pct", 2.5, "monetary is in the bottom 2.5%"),
        ("signup_date", "before", "2026-03-01", "signup date is before 1 Mar 2026"),
        ("signup_date", "after", "2026-03-01", "signup date is after 1 Mar 2026"),
        ("signup_date", "within_last_days", 30, "signup date is within the last 30 days"),
        ("signup_date", "within_last_days", 1, "signup date is within the last day"),
    ],
)
def test_operator_human_phrase(column: str, operator: str, value, phrase: str) -> None:
    assert OPERATORS[operator].human(column, Condition(column, operator, value).value) == phrase


@pytest.mark.parametrize(
    ("key", "label"),
    [
        ("equals", "is"),
        ("not_equals", "is not"),
        ("in", "is any of"),
        ("not_in", "is none of"),
        ("between", "is between"),
        ("gt", ">"),
        ("ge", "≥"),
        ("lt", "<"),
        ("le", "≤"),
        ("contains", "contains"),
        ("starts_with", "starts with"),
        ("is_missing", "is missing"),
        ("is_not_missing", "is not missing"),
        ("top_pct", "is in the top N %"),
        ("bottom_pct", "is in the bottom N %"),
        ("before", "is before"),
        ("after", "is after"),
        ("within_last_days", "is within the last N days"),
    ],
)
def test_registry_labels(key: str, label: str) -> None:
    assert OPERATORS[key].key == key
    assert OPERATORS[key].label == label


@pytest.mark.parametrize(
    ("kind", "has", "lacks"),
    [
        ("numeric", {"between", "gt", "top_pct", "in", "is_missing"}, {"contains", "before"}),
        ("categorical", {"equals", "in", "contains", "starts_with"}, {"gt", "between"}),
        ("boolean", {"equals", "not_equals", "is_missing"}, {"in", "gt", "contains"}),
        ("datetime", {"before", "after", "within_last_days", "between"}, {"equals", "gt"}),
        ("text", {"contains", "starts_with"}, {"top_pct"}),
        ("empty", {"is_missing", "is_not_missing"}, {"equals"}),
    ],
)
def test_operators_for_kind(kind: str, has: set[str], lacks: set[str]) -> None:
    keys = {op.key for op in operators_for(kind)}
    assert has <= keys
    assert not lacks & keys


# --- plain English -------------------------------------------------------------------------------

DINA = RuleGroup(
    "all",
    (
        Condition("age", "between", (29, 38)),
        Condition("density", "equals", "Suburban"),
        Condition("loyalty", "equals", "Hard-core loyal"),
    ),
)
DINA_SENTENCE = "customers aged 29–38 living in suburban areas who are hard-core loyal"


def test_describe_example_sentence() -> None:
    assert describe(DINA) == DINA_SENTENCE
    assert describe(Rule("Dina-like", DINA)) == DINA_SENTENCE


def test_describe_puts_attributes_before_clauses() -> None:
    reordered = RuleGroup("all", (DINA.items[2], DINA.items[0], DINA.items[1]))
    assert describe(reordered) == DINA_SENTENCE


@pytest.mark.parametrize(
    ("condition", "sentence"),
    [
        (Condition("age", "between", (29, 38)), "customers aged 29–38"),
        (Condition("age", "gt", 60), "customers aged over 60"),
        (Condition("age", "le", 25), "customers aged 25 or under"),
        (Condition("density", "equals", "Suburban"), "customers living in suburban areas"),
        (
            Condition("density", "in", ["Urban", "Suburban"]),
            "customers living in urban or suburban areas",
        ),
        (Condition("density", "not_equals", "Rural"), "customers not living in rural areas"),
        (Condition("region", "equals", "Midwest"), "customers living in the Midwest"),
        (Condition("region", "equals", "Europe"), "customers living in Europe"),
        (Condition("region", "not_equals", "West"), "customers living outside the West"),
        (Condition("state", "equals", "Texas"), "customers in Texas"),
        (Condition("country", "in", ["France", "Spain"]), "customers in France or Spain"),
        (Condition("loyalty", "equals", "Hard-core loyal"), "customers who are hard-core loyal"),
        (Condition("loyalty", "equals", "Switcher"), "customers who are switchers"),
        (Condition("loyalty_tier", "equals", "Gold"), "customers who are Gold members"),
        (
            Condition("loyalty_tier", "in", ["Gold", "Platinum"]),
            "customers who are Gold or Platinum members",
        ),
        (Condition("buyer_status", "equals", "Lapsed buyer"), "customers who are lapsed buyers"),
        (Condition("buyer_status", "not_equals", "VIP"), "customers who are not VIP"),
        (
            Condition("income_band", "equals", "$90k-$130k"),
            "customers whose income band is $90k-$130k",
        ),
        (Condition("monetary", "gt", 500), "customers whose monetary is over 500"),
        (Condition("monetary", "ge", 12000), "customers whose monetary is 12,000 or more"),
        (Condition("email_opt_in", "is_missing"), "customers with email opt in missing"),
        (Condition("age", "is_not_missing"), "customers with age recorded"),
        (Condition("email_opt_in", "equals", True), "customers with email opt in"),
        (Condition("email_opt_in", "equals", False), "customers without email opt in"),
        (Condition("is_active", "equals", True), "customers who are active"),
        (
            Condition("signup_date", "before", "2026-03-01"),
            "customers whose signup date is before 1 Mar 2026",
        ),
        (
            Condition("Last Order", "within_last_days", 30),
            "customers whose last order is within the last 30 days",
        ),
    ],
)
def test_describe_one_condition(condition: Condition, sentence: str) -> None:
    assert describe(condition) == sentence


@pytest.mark.parametrize(
    ("group", "sentence"),
    [
        (
            RuleGroup(
                "any",
                (RuleGroup("all", DINA.items[:2]), Condition("loyalty_tier", "equals", "Gold")),
            ),
            "customers either aged 29–38 living in suburban areas or who are Gold members",
        ),
        (
            RuleGroup(
                "any",
                (Condition("region", "equals", "Midwest"), Condition("tier", "equals", "Gold")),
            ),
            "customers living in the Midwest or who are Gold members",
        ),
        (
            RuleGroup(
                "all",
                (
                    Condition("age", "gt", 60),
                    RuleGroup(
                        "any",
                        (
                            Condition("region", "equals", "West"),
                            Condition("loyalty", "equals", "Switcher"),
                        ),
                    ),
                    Condition("loyalty_tier", "equals", "Gold"),
                    Condition("monetary", "gt", 500),
                ),
            ),
            "customers aged over 60 who are Gold members, whose monetary is over 500 and "
            "either living in the West or who are switchers",
        ),
        (
            RuleGroup(
                "all",
                (
                    Condition("loyalty", "equals", "Hard-core loyal"),
                    Condition("loyalty_tier", "equals", "Gold"),
                ),
            ),
            "customers who are hard-core loyal and Gold members",
        ),
        (
            RuleGroup(
                "all",
                (
                    RuleGroup("all", (Condition("age", "gt", 60),)),
                    Condition("state", "equals", "Texas"),
                ),
            ),
            "customers aged over 60 in Texas",
        ),
    ],
)
def test_describe_groups(group: RuleGroup, sentence: str) -> None:
    assert describe(group) == sentence


# --- nesting, preview, filter --------------------------------------------------------------------


def test_nested_group_a_and_b_or_c() -> None:
    young_suburban = RuleGroup(
        "all", (Condition("age", "lt", 40), Condition("density", "equals", "Suburban"))
    )
    group = RuleGroup("any", (young_suburban, Condition("monetary", "is_missing")))
    assert matched(young_suburban) == "b"
    assert matched(group) == "bd"
    deeper = RuleGroup("all", (group, Condition("email_opt_in", "equals", True)))
    assert matched(deeper) == "d"
    assert rule_columns(deeper) == ("age", "density", "monetary", "email_opt_in")


def test_preview_counts_share_and_sentence() -> None:
    result = preview(FRAME, Condition("density", "equals", "Suburban"))
    assert (result.count, result.share) == (2, 0.4)
    assert result.sentence == "customers living in suburban areas"


def test_filter_customers_keeps_matching_rows() -> None:
    kept = filter_customers(FRAME, Rule("Spenders", Condition("monetary", "ge", 250)))
    assert kept.index.tolist() == [11, 12, 14]
    assert kept.columns.equals(FRAME.columns)


# --- rules_segmentation --------------------------------------------------------------------------


def test_rules_segmentation_first_match_wins_and_other() -> None:
    rules = [
        Rule("Suburban", Condition("density", "equals", "Suburban")),
        Rule("Young", Condition("age", "lt", 40)),
        Rule("Nobody", Condition("age", "gt", 100)),
    ]
    segmentation = rules_segmentation(FRAME, "id", rules, title="Hand-made")
    assert segmentation.method == "rules"
    assert segmentation.title == "Hand-made"
    assert segmentation.labels.index.tolist() == ["a", "b", "c", "d", "e"]
    assert segmentation.labels.tolist() == [1, 0, 0, UNASSIGNED, 1]
    assert segmentation.named_labels().tolist() == [
        "Young",
        "Suburban",
        "Suburban",
        "Other",
        "Young",
    ]
    assert segmentation.sizes().to_dict() == {"Suburban": 2, "Young": 2, "Other": 1}
    assert segmentation.settings["rules"] == [rule.to_dict() for rule in rules]


def test_rules_segmentation_can_be_rebuilt_from_its_settings() -> None:
    rules = [
        Rule("Dina-like", DINA),
        Rule("Recent", Condition("signup_date", "after", "2026-02-01")),
    ]
    frame = FRAME.assign(loyalty=["Hard-core loyal", "Hard-core loyal", "Switcher", None, None])
    first = rules_segmentation(frame, "id", rules, reference_date="2026-03-10")
    saved = json.loads(json.dumps(first.settings))
    assert saved["reference_date"] == "2026-03-10T00:00:00"
    rebuilt_rules = [rule_from_dict(data) for data in saved["rules"]]
    assert rebuilt_rules == rules
    again = rules_segmentation(frame, "id", rebuilt_rules)
    assert again.labels.equals(first.labels)
    assert first.named_labels().tolist() == ["Other", "Dina-like", "Recent", "Other", "Recent"]


# --- JSON round trip -----------------------------------------------------------------------------


def test_json_round_trip_of_a_nested_rule() -> None:
    rule = Rule(
        "Mixed",
        RuleGroup(
            "any",
            (
                DINA,
                Condition("signup_date", "between", (date(2026, 1, 1), pd.Timestamp("2026-03-31"))),
                Condition("state", "in", ("TX", "CA")),
                Condition("monetary", "top_pct", np.float64(10.0)),
                Condition("email_opt_in", "is_missing"),
            ),
        ),
    )
    text = json.dumps(rule.to_dict())
    assert rule_from_dict(json.loads(text)) == rule
    assert group_from_dict(rule.group.to_dict()) == rule.group
    condition = rule.group.items[1]
    assert condition.value == ("2026-01-01", "2026-03-31")
    assert condition_from_dict(condition.to_dict()) == condition


def test_values_are_normalised_when_a_condition_is_made() -> None:
    assert Condition("age", "between", [np.int64(29), 38.0]).value == (29, 38.0)
    assert Condition("density", "equals", " Suburban ").value == "Suburban"
    assert Condition("density", "in", "Suburban").value == ("Suburban",)
    assert Condition("density", "in", ["Urban", "Urban", "Rural"]).value == ("Urban", "Rural")
    assert Condition("density", "is_missing", "left over from 'is'").value is None
    assert Condition("monetary", "top_pct", "10").value == 10
    assert Condition("monetary", "top_pct", "12.5%").value == 12.5


# --- errors --------------------------------------------------------------------------------------


def _seg(rules, frame=FRAME, id_column="id"):
    return rules_segmentation(frame, id_column, rules)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: rule_mask(FRAME.drop(columns="age"), Rule("Dina-like", DINA)),
            "The rule 'Dina-like' uses the column 'age', which the current data does not have. "
            "Edit the rule or load data with that column.",
        ),
        (
            lambda: rule_mask(FRAME, Condition("segment", "equals", "x")),
            "This rule uses the column 'segment', which the current data does not have.",
        ),
        (
            lambda: rule_mask(FRAME, Condition("age", "gt", "abc")),
            "'age' holds numbers, so 'abc' cannot be compared with it. Enter a number.",
        ),
        (
            lambda: rule_mask(FRAME, Condition("age", "le", "nan")),
            "'age' holds numbers, so 'nan' cannot be compared with it.",
        ),
        (
            lambda: rule_mask(FRAME, Condition("age", "in", [30, "abc"])),
            "'age' holds numbers, so 'abc' cannot be compared with it.",
        ),
        (
            lambda: rule_mask(FRAME, Condition("signup_date", "before", "soon")),
            "'signup_date' holds dates, so 'soon' cannot be compared with it. Enter a date such "
            "as 2026-03-01.",
        ),
        (
            lambda: rule_mask(FRAME, Condition("email_opt_in", "equals", "maybe")),
            "'email_opt_in' holds yes/no values, so 'maybe' cannot be compared with it. Enter "
            "yes or no.",
        ),
        (
            lambda: rule_mask(FRAME, Condition("density", "before", "2026-01-01")),
            "'is before' works on dates; 'density' holds categories.",
        ),
        (
            lambda: rule_mask(FRAME, Condition("age", "contains", "3")),
            "'contains' works on categories; 'age' holds numbers.",
        ),
        (
            lambda: rule_mask(FRAME, Condition("density", "between", (1, 2))),
            "'is between' works on numbers and dates; 'density' holds categories.",
        ),
        (
            lambda: Condition("age", "between", (38, 29)),
            "'age' is between 38 and 29: the low end is above the high end, so nobody can "
            "match. Swap them: between 29 and 38.",
        ),
        (
            lambda: rule_mask(FRAME, Condition("age", "between", ("38", "29"))),
            "'age' is between 38 and 29: the low end is above the high end",
        ),
        (
            lambda: Condition("signup_date", "between", ("2026-03-01", "2026-01-01")),
            "'signup_date' is between 1 Mar 2026 and 1 Jan 2026: the low end is above",
        ),
        (
            lambda: Condition("age", "between", (29,)),
            "'is between' on 'age' needs two values, a low and a high end; got (29,).",
        ),
        (
            lambda: Condition("monetary", "top_pct", 150),
            "'is in the top N %' on 'monetary' needs a percent above 0 and at most 100; got 150. "
            "Enter a number such as 10.",
        ),
        (
            lambda: Condition("monetary", "bottom_pct", 0),
            "needs a percent above 0 and at most 100; got 0.",
        ),
        (
            lambda: Condition("monetary", "top_pct", "many"),
            "needs a percent above 0 and at most 100; got 'many'.",
        ),
        (
            lambda: Condition("signup_date", "within_last_days", 0),
            "'is within the last N days' on 'signup_date' needs a whole number of days, at "
            "least 1; got 0.",
        ),
        (
            lambda: Condition("density", "in", []),
            "'is any of' on 'density' needs at least one value; the list is empty. Pick one or "
            "more values.",
        ),
        (
            lambda: Condition("density", "not_in", None),
            "'is none of' on 'density' needs at least one value; the list is empty.",
        ),
        (
            lambda: Condition("density", "equals"),
            "'is' on 'density' needs a value; none was given. Enter or pick a value.",
        ),
        (
            lambda: Condition("density", "equals", ["Urban", "Rural"]),
            "'is' on 'density' takes one value, not a list.",
        ),
        (
            lambda: Condition("density", "is_before", "2026-01-01"),
            "'is_before' is not a rule operator; use one of equals, not_equals,",
        ),
        (lambda: Condition("", "equals", 1), "column='' is not a column name"),
        (
            lambda: RuleGroup("all", ()),
            "A group of conditions is empty, so it cannot pick anyone. Add a condition to the "
            "group or remove the group.",
        ),
        (
            lambda: RuleGroup("both", (Condition("age", "gt", 1),)),
            "combine='both' is not a way to join conditions; use 'all'",
        ),
        (lambda: _seg([]), "There are no rules yet; add at least one named rule"),
        (
            lambda: _seg([Rule("  ", DINA)]),
            "Rule 1 has no name. Give every rule a name; it becomes the segment name.",
        ),
        (
            lambda: _seg([Rule("Gold", DINA), Rule("Gold", Condition("age", "gt", 1))]),
            "Two rules are called 'Gold'. Give each rule its own name",
        ),
        (
            lambda: _seg([Rule("other", Condition("age", "gt", 1))]),
            "A rule is called 'other', the name of the segment for customers no rule matches.",
        ),
        (
            lambda: _seg([Rule("Old", Condition("age", "gt", 1))], id_column="customer_id"),
            "id_column='customer_id' is not a column of the data",
        ),
        (
            lambda: _seg(
                [
                    Rule("Old", Condition("age", "gt", 100)),
                    Rule("Rich", Condition("monetary", "gt", 1e6)),
                ]
            ),
            "None of the rules matches any customer (0 of 5 customers for 'Old' and 'Rich'). "
            "Loosen the rules or check their values against the data.",
        ),
        (
            lambda: filter_customers(FRAME, Condition("age", "gt", 100)),
            "The filter “customers aged over 100” matches none of the 5 customers. Loosen it or "
            "remove it.",
        ),
        (
            lambda: rule_from_dict(
                {
                    "name": "X",
                    "group": {
                        "combine": "all",
                        "items": [{"column": "age", "operator": "older_than", "value": 3}],
                    },
                }
            ),
            "'older_than' is not a rule operator",
        ),
        (
            lambda: rule_from_dict({"name": "X"}),
            "A saved rule needs the keys name and group; got ['name'].",
        ),
        (
            lambda: group_from_dict({"combine": "all", "items": "age"}),
            "A saved group's items must be a list of conditions",
        ),
        (
            lambda: rule_mask(FRAME, DINA, reference_date="someday"),
            "reference_date='someday' is not a date",
        ),
        (lambda: operators_for("colour"), "kind='colour' is not a column kind"),
    ],
)
def test_errors(make, message: str) -> None:
    with pytest.raises(RuleError, match=re.escape(message)):
        make()


# --- values for the rule editor ------------------------------------------------------------------


def test_value_options_categories_by_frequency() -> None:
    series = pd.Series(["b", "a", "b", None, "c", "b", "a"], dtype="string")
    options = value_options(series, "categorical")
    assert options.categories == ("b", "a", "c")
    assert options.counts == (3, 2, 1)
    assert (options.truncated, options.n_missing) == (False, 1)


def test_value_options_caps_categories_at_200() -> None:
    options = value_options(pd.Series([f"v{i:03d}" for i in range(250)], dtype="string"))
    assert len(options.categories) == 200
    assert options.truncated


def test_value_options_numbers_dates_and_flags() -> None:
    ages = value_options(FRAME["age"], "numeric")
    assert (ages.minimum, ages.maximum, ages.median, ages.n_missing) == (25.0, 61.0, 36.0, 1)
    dates = value_options(FRAME["signup_date"])
    assert (dates.kind, dates.minimum, dates.maximum) == (
        "datetime",
        date(2026, 1, 15),
        date(2026, 3, 10),
    )
    assert value_options(FRAME["email_opt_in"]).categories == (True, False)
    assert value_options(pd.Series([None, None], dtype="Float64")).minimum is None


# --- properties ----------------------------------------------------------------------------------

DENSITIES = ["Urban", "Suburban", "Rural", None]


@st.composite
def frames(draw) -> pd.DataFrame:
    n = draw(st.integers(1, 30))
    numbers = st.one_of(st.none(), st.integers(-5, 5).map(float))
    days = st.one_of(st.none(), st.integers(0, 40))
    return pd.DataFrame(
        {
            "id": [f"C{i}" for i in range(n)],
            "x": pd.array(draw(st.lists(numbers, min_size=n, max_size=n)), dtype="Float64"),
            "density": pd.array(
                draw(st.lists(st.sampled_from(DENSITIES), min_size=n, max_size=n)), dtype="string"
            ),
            "flag": pd.array(
                draw(st.lists(st.sampled_from([True, False, None]), min_size=n, max_size=n)),
                dtype="boolean",
            ),
            "when": pd.to_datetime("2026-01-01")
            + pd.to_timedelta(draw(st.lists(days, min_size=n, max_size=n)), unit="D"),
        },
        index=pd.Index(draw(st.permutations(range(100, 100 + n)))),
    )


_values = st.integers(-5, 5)
conditions = st.one_of(
    st.builds(
        Condition,
        st.just("x"),
        st.sampled_from(["equals", "not_equals", "gt", "ge", "lt", "le"]),
        _values,
    ),
    st.builds(
        Condition, st.just("x"), st.sampled_from(["in", "not_in"]), st.lists(_values, min_size=1)
    ),
    st.builds(
        Condition, st.just("x"), st.sampled_from(["top_pct", "bottom_pct"]), st.integers(1, 100)
    ),
    st.builds(
        Condition,
        st.just("x"),
        st.just("between"),
        st.tuples(st.integers(-5, 0), st.integers(0, 5)),
    ),
    st.builds(
        Condition,
        st.just("density"),
        st.sampled_from(["equals", "not_equals", "contains", "starts_with"]),
        st.sampled_from(["Urban", "Suburban", "ur", "R"]),
    ),
    st.builds(
        Condition,
        st.just("density"),
        st.sampled_from(["in", "not_in"]),
        st.lists(st.sampled_from(DENSITIES[:3]), min_size=1),
    ),
    st.builds(Condition, st.just("flag"), st.sampled_from(["equals", "not_equals"]), st.booleans()),
    st.builds(
        Condition,
        st.just("when"),
        st.sampled_from(["before", "after"]),
        st.sampled_from(["2026-01-10", "2026-02-01"]),
    ),
    st.builds(Condition, st.just("when"), st.just("within_last_days"), st.integers(1, 50)),
    st.builds(
        Condition,
        st.sampled_from(["x", "density", "flag", "when"]),
        st.sampled_from(["is_missing", "is_not_missing"]),
    ),
)
groups = st.recursive(
    conditions,
    lambda children: st.builds(
        RuleGroup,
        st.sampled_from(["all", "any"]),
        st.lists(children, min_size=1, max_size=3).map(tuple),
    ),
    max_leaves=6,
)
_settings = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_settings
@given(frame=frames(), item=groups)
def test_a_rule_picks_a_subset_of_the_customers(frame: pd.DataFrame, item) -> None:
    mask = rule_mask(frame, item)
    assert mask.index.equals(frame.index)
    assert set(frame.index[mask]) <= set(frame.index)
    if isinstance(item, RuleGroup):
        parts = [rule_mask(frame, child) for child in item.items]
        if item.combine == "all":
            assert all(not (mask & ~part).any() for part in parts)
        else:
            assert all(not (part & ~mask).any() for part in parts)
    population = frame.iloc[::2]
    if rule_mask(population, item).any():
        assert set(filter_customers(population, item).index) <= set(population.index)
    assert isinstance(describe(item), str) and describe(item).startswith("customers ")
    saved = json.loads(json.dumps(RuleGroup("all", (item,)).to_dict()))
    assert group_from_dict(saved).items[0] == item


@_settings
@given(frame=frames(), items=st.lists(groups, min_size=1, max_size=4))
def test_every_customer_is_in_exactly_one_rule_segment(frame: pd.DataFrame, items) -> None:
    rules = [Rule(f"Rule {i}", item) for i, item in enumerate(items)]
    masks = [rule_mask(frame, rule).to_numpy() for rule in rules]
    if not any(mask.any() for mask in masks):
        with pytest.raises(RuleError, match="None of the rules matches any customer"):
            rules_segmentation(frame, "id", rules)
        return
    segmentation = rules_segmentation(frame, "id", rules)
    labels = segmentation.labels
    assert labels.index.tolist() == frame["id"].tolist()
    assert int(segmentation.sizes().sum()) == len(frame)
    assert segmentation.shares().sum() == pytest.approx(1.0)
    for row, label in enumerate(labels):
        first = next((i for i, mask in enumerate(masks) if mask[row]), UNASSIGNED)
        assert label == first
    assert set(labels) <= set(segmentation.segment_names)


# --- the bundled sample --------------------------------------------------------------------------


def test_dina_like_rule_on_the_sample_data() -> None:
    from segmentation.data.dataset import load_sample

    data = load_sample()
    result = preview(data.customers, Rule("Dina-like", DINA))
    assert 100 < result.count < len(data.customers) / 4
    assert result.sentence == DINA_SENTENCE
    segmentation = rules_segmentation(data.customers, data.id_column, [Rule("Dina-like", DINA)])
    assert segmentation.sizes()["Dina-like"] == result.count


@pytest.mark.parametrize(
    ("column", "words"),
    [
        ("Annual Income (k$)", "annual income"),
        ("Spending Score (1-100)", "spending score"),
        ("email_opt_in", "email opt in"),
        ("(x)", "x"),
    ],
)
def test_humanise_drops_units_in_brackets(column: str, words: str) -> None:
    assert humanise(column) == words
