"""Targeting on hand-computed cases: measures, scores, ROI, the budget split, export, summary."""

from __future__ import annotations

import io
import json
import math
from dataclasses import replace

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from segmentation.charts.target import (
    budget_chart,
    portfolio_chart,
    response_curves_chart,
    score_parts_chart,
)
from segmentation.data.schema import infer_schema
from segmentation.segmenting.segments import make_segmentation
from segmentation.targeting.budget import (
    CURVE_FACTOR,
    allocate_budget,
    budget_table,
    proportional_split,
    response_revenue,
    roi_table,
)
from segmentation.targeting.config import (
    SegmentPlan,
    TargetingConfig,
    TargetingError,
    validate_config,
)
from segmentation.targeting.export import (
    SummaryContext,
    default_key_columns,
    summary_html,
    summary_markdown,
    target_list,
    to_csv_bytes,
    to_excel_bytes,
)
from segmentation.targeting.measures import reachable_mask, segment_measures
from segmentation.targeting.plan import initial_config, plan_targeting, with_defaults
from segmentation.targeting.scores import score_segments, zone

# Six customers in two segments; orders run from 1 Jan to 31 Dec 2025 (middle: 2 Jul 2025).
CUSTOMERS = pd.DataFrame(
    {
        "customer_id": ["a", "b", "c", "d", "e", "f"],
        "email": ["a@x.org", "=cmd|' /C calc'!A0", "c@x.org", "d@x.org", "e@x.org", "f@x.org"],
        "monetary": [400.0, 200.0, 600.0, 100.0, 100.0, 100.0],
        "frequency": [4, 2, 6, 1, 1, 2],
        "avg_order_value": [100.0, 100.0, 100.0, 100.0, 100.0, 50.0],
        "email_opt_in": [True, True, False, True, False, False],
        "first_order": pd.to_datetime(
            ["2025-01-01", "2025-01-01", "2025-01-01", "2025-12-31", "2025-01-01", "2025-01-01"]
        ),
        "last_order": pd.to_datetime(
            ["2025-12-31", "2025-12-31", "2025-12-31", "2025-12-31", "2025-01-01", "2025-01-01"]
        ),
    }
)


@pytest.fixture(scope="module")
def data():
    table = infer_schema(CUSTOMERS, one_row_per_customer=True)
    labels = pd.Series([0, 0, 0, 1, 1, 1], index=pd.Index(CUSTOMERS["customer_id"]))
    segmentation = make_segmentation("Test", "rules", labels, {0: "Loyal", 1: "New"})
    return table.frame, table.schema, segmentation


@pytest.fixture(scope="module")
def measures(data):
    frame, schema, segmentation = data
    return segment_measures(frame, schema, segmentation)


def config_for(segmentation, **changes) -> TargetingConfig:
    return replace(with_defaults(TargetingConfig(), segmentation), **changes)


# --- measures -------------------------------------------------------------------------------------


def test_measures_by_hand(measures) -> None:
    table = measures.table
    assert table["customers"].tolist() == [3, 3]
    assert table["reachable"].tolist() == [2, 1]
    assert table["reach_share"].tolist() == pytest.approx([2 / 3, 1 / 3])
    assert table["total_value"].tolist() == [1200.0, 300.0]
    assert table["value_per_customer"].tolist() == [400.0, 100.0]
    assert table["value_per_conversion"].tolist() == pytest.approx([100.0, 250 / 3])
    # Loyal: every customer's orders spread evenly over the whole year, so half fall in each
    # half (recent 6 vs earlier 6, to within a day). New: d's one order is recent, e and f's
    # three are earlier → 1 / 3 − 1.
    assert table.loc[0, "growth"] == pytest.approx(0.0, abs=0.01)
    assert table.loc[1, "growth"] == pytest.approx(1 / 3 - 1)
    assert np.isnan(table["response_rate"]).all()
    assert measures.columns["opt_in"] == "email_opt_in"
    assert measures.has_opt_in


def test_response_column_gives_the_response_rate() -> None:
    frame = pd.DataFrame(
        {"customer_id": list("abcd"), "responded": [True, False, True, True], "spend": 10.0}
    )
    table = infer_schema(frame, one_row_per_customer=True)
    labels = pd.Series([0, 0, 1, 1], index=pd.Index(frame["customer_id"]))
    segmentation = make_segmentation("s", "rules", labels)
    facts = segment_measures(table.frame, table.schema, segmentation)
    assert facts.table["response_rate"].tolist() == [50.0, 100.0]
    roi = roi_table(facts, config_for(segmentation, targets=(0, 1)))
    assert roi["rate_source"].tolist() == ["Responded (data)"] * 2
    assert roi["conversions"].tolist() == [1.0, 2.0]


# --- scores ---------------------------------------------------------------------------------------


def test_scores_by_hand(data, measures) -> None:
    _, _, segmentation = data
    plans = {0: SegmentPlan(brand_fit=5, competition=5, margin=1), 1: SegmentPlan(brand_fit=1)}
    weights = dict.fromkeys(
        ["size", "value_per_customer", "total_value", "growth", "margin", "competition"], 0.0
    ) | {"brand_fit": 1.0, "reachability": 1.0}
    config = config_for(segmentation, segments=plans, weights=weights)
    scores, notes = score_segments(measures, config)
    assert notes == []
    loyal = scores.loc[0]
    assert loyal["size_score"] == 100 and loyal["value_per_customer_score"] == 100
    assert scores.loc[1, "value_per_customer_score"] == pytest.approx(25.0)  # 100 / 400
    assert loyal["growth_score"] == 100 and scores.loc[1, "growth_score"] == 0
    assert loyal["competition_score"] == 0  # fierce competition scores 0
    assert loyal["margin_score"] == 0 and scores.loc[1, "margin_score"] == 50
    assert loyal["brand_fit_score"] == 100 and scores.loc[1, "brand_fit_score"] == 0
    assert loyal["reachability_score"] == pytest.approx(200 / 3)
    # only brand fit and reachability weigh: (100 + 66.7) / 2 and (0 + 33.3) / 2
    assert loyal["score"] == pytest.approx(250 / 3)
    assert scores.loc[1, "score"] == pytest.approx(50 / 3)
    assert loyal["brand_fit_part"] + loyal["reachability_part"] == pytest.approx(loyal["score"])
    assert scores["rank"].tolist() == [1, 2]
    assert loyal["attractiveness"] == 50.0  # no attractiveness criterion weighs: the middle
    assert loyal["ability"] == pytest.approx(250 / 3)


@pytest.mark.parametrize(
    ("attractiveness", "ability", "expected"),
    [(90, 90, "Invest"), (90, 50, "Invest"), (50, 90, "Invest"), (90, 10, "Selective"),
     (50, 50, "Selective"), (10, 90, "Selective"), (50, 10, "Harvest"), (10, 10, "Harvest")],
)  # fmt: skip
def test_zones_follow_the_ge_mckinsey_grid(attractiveness, ability, expected) -> None:
    assert zone(attractiveness, ability) == expected


def test_criteria_the_data_cannot_measure_are_left_out() -> None:
    frame = pd.DataFrame({"customer_id": list("abcd"), "age": [20, 30, 40, 50]})
    table = infer_schema(frame, one_row_per_customer=True)
    segmentation = make_segmentation(
        "s", "rules", pd.Series([0, 0, 1, 1], index=pd.Index(list("abcd")))
    )
    facts = segment_measures(table.frame, table.schema, segmentation)
    assert facts.value.status == "ask"
    assert facts.value_note.startswith("No customer value chosen yet")
    scores, notes = score_segments(facts, config_for(segmentation))
    assert (
        "Value per customer is left out: no customer value is chosen yet (choose it at the top "
        "of the page)." in notes
    )
    assert "Growth is left out: the data cannot measure it." in notes
    assert "growth_score" not in scores and "size_score" in scores
    only_value = dict.fromkeys(TargetingConfig().weights, 0.0) | {"total_value": 2.0}
    with pytest.raises(
        TargetingError, match="Every criterion with a weight above 0 is unavailable"
    ):
        score_segments(facts, config_for(segmentation, weights=only_value))
    unknown = roi_table(facts, config_for(segmentation, targets=(0,)))
    assert np.isnan(unknown.loc[0, "revenue"]) and unknown.loc[0, "value_source"] == "not known"
    assert unknown.loc[0, "cost"] == 1.0  # 2 customers at 0.50: the rest of the what-if works
    with pytest.raises(TargetingError, match=r"not known for 'Segment 1'\. Choose the customer"):
        budget_table(unknown, config_for(segmentation, targets=(0,)))
    entered = {0: SegmentPlan(value_per_conversion=80.0), 1: SegmentPlan()}
    roi = roi_table(facts, config_for(segmentation, targets=(0,), segments=entered))
    assert roi.loc[0, "value_per_conversion"] == 80.0 and roi.loc[0, "value_source"] == "entered"


# --- bad inputs -----------------------------------------------------------------------------------


BAD_CONFIGS = [
    ("all weights zero", {"weights": dict.fromkeys(TargetingConfig().weights, 0.0)},
     r"All criterion weights are 0"),
    ("weight out of range", {"weights": {"size": 9.0}}, r"weight of 'Size' is 9\.0; weights go"),
    ("response above 100", {"response_rate": 150.0},
     r"default response rate is 150 %; a response rate is a percentage from 0 to 100"),
    ("segment response below 0", {"segments": {0: SegmentPlan(response_rate=-1.0)}},
     r"The response rate of 'Loyal' is -1 %"),
    ("max below min", {"segments": {0: SegmentPlan(min_budget=500.0, max_budget=100.0)}},
     r"maximum budget of 'Loyal' \(100\) is below its minimum \(500\)"),
    ("rating out of range", {"segments": {1: SegmentPlan(brand_fit=7)}},
     r"'New' has brand fit 7; ratings go from 1 to 5"),
    ("free contacts", {"cost_per_contact": 0.0}, r"Cost per contact is 0\.00; it must be above 0"),
    ("negative budget", {"budget": -5.0}, r"The budget is -5; it cannot be negative"),
    ("unknown target", {"targets": (9,)}, r"Target segment ids \[9\] are not in this segmentation"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "changes", "message"), BAD_CONFIGS, ids=[c[0] for c in BAD_CONFIGS]
)
def test_bad_inputs_are_refused_with_a_message(data, case, changes, message) -> None:
    _, _, segmentation = data
    config = config_for(segmentation)
    if "weights" in changes and case != "all weights zero":
        changes = {"weights": {**config.weights, **changes["weights"]}}
    with pytest.raises(TargetingError, match=message):
        validate_config(replace(config, **changes), segmentation.segment_names)


def test_no_target_chosen(data, measures) -> None:
    _, _, segmentation = data
    plan = plan_targeting(measures, config_for(segmentation), segmentation.segment_names)
    assert plan.roi.empty and plan.budget.empty
    assert "No target chosen yet" in plan.notes[-1]
    with pytest.raises(TargetingError, match="No target segment is chosen"):
        roi_table(measures, config_for(segmentation))


def test_budget_below_the_minimums_is_refused(data, measures) -> None:
    _, _, segmentation = data
    plans = {0: SegmentPlan(min_budget=600.0), 1: SegmentPlan(min_budget=500.0)}
    config = config_for(segmentation, targets=(0, 1), segments=plans, budget=1000.0)
    with pytest.raises(
        TargetingError,
        match=r"The budget 1,000 is less than the minimums of the targets, which add up to 1,100",
    ):
        plan_targeting(measures, config, segmentation.segment_names)


def test_config_travels_as_json(data) -> None:
    _, _, segmentation = data
    config = config_for(
        segmentation,
        targets=(1, 0),
        segments={0: SegmentPlan(brand_fit=4, max_budget=300.0), 1: SegmentPlan(response_rate=3.5)},
        key_columns=("email",),
    )
    assert TargetingConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config


# --- ROI ------------------------------------------------------------------------------------------


def test_roi_by_hand(data, measures) -> None:
    _, _, segmentation = data
    plans = {0: SegmentPlan(response_rate=10.0), 1: SegmentPlan()}
    config = config_for(
        segmentation, targets=(0, 1), segments=plans, response_rate=50.0, cost_per_contact=2.0
    )
    roi = roi_table(measures, config)
    loyal, new = roi.loc[0], roi.loc[1]
    # Loyal: 2 opted-in customers × 10 % = 0.2 conversions × 100 = 20 revenue; cost 2 × 2 = 4
    assert (loyal["audience"], loyal["conversions"], loyal["revenue"]) == (2, 0.2, 20.0)
    assert (loyal["cost"], loyal["profit"], loyal["roi"]) == (4.0, 16.0, 4.0)
    assert loyal["rate_source"] == "entered" and new["rate_source"] == "default"
    # New: 1 opted-in customer × 50 % × 83.33 (the segment's mean average order value)
    assert new["revenue"] == pytest.approx(0.5 * 250 / 3)
    everyone = roi_table(measures, replace(config, opted_in_only=False))
    assert everyone["audience"].tolist() == [3, 3]


# --- budget split ---------------------------------------------------------------------------------


def test_allocation_by_hand() -> None:
    # two curves with slopes 2 and 1 at 0 and the same scale 100: marginal returns are equal
    # when 2·e^(−b1/100) = e^(−b2/100), i.e. b1 − b2 = 100·ln 2; with b1 + b2 = 300:
    split = allocate_budget(300, [200, 100], [100, 100])
    assert split[0] == pytest.approx(150 + 50 * math.log(2))
    assert split[1] == pytest.approx(150 - 50 * math.log(2))
    assert allocate_budget(300, [200, 100], [100, 100], [0, 200]).tolist() == pytest.approx(
        [100, 200]
    )
    assert allocate_budget(300, [200, 100], [100, 100], maximums=[50, None]).tolist() == (
        pytest.approx([50, 250])
    )
    assert allocate_budget(0, [200, 100], [100, 100]).tolist() == [0, 0]


def test_segments_without_return_get_their_minimum_until_the_others_are_full() -> None:
    assert allocate_budget(100, [0, 500], [10, 10], [20, 0]).tolist() == pytest.approx([20, 80])
    assert allocate_budget(100, [0, 500], [10, 10], maximums=[None, 30]).tolist() == (
        pytest.approx([70, 30])
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"budget": 50, "minimums": [30, 30]}, r"budget 50 is less than the minimums .* 60"),
        (
            {"budget": 500, "maximums": [100, 100]},
            r"budget 500 is more than the maximums of the targets allow \(200 in all\)",
        ),
        ({"budget": 50, "minimums": [30, 0], "maximums": [10, None]}, r"maximum budget is below"),
    ],
)
def test_infeasible_budgets_are_refused(kwargs, message) -> None:
    kwargs = dict(kwargs)
    budget = kwargs.pop("budget")
    with pytest.raises(TargetingError, match=message):
        allocate_budget(budget, [100, 100], [10, 10], **kwargs)
    with pytest.raises(TargetingError, match=message):
        proportional_split(budget, [100, 100], **kwargs)


def test_proportional_split_by_hand() -> None:
    assert proportional_split(100, [3, 1]).tolist() == pytest.approx([75, 25])
    assert proportional_split(100, [3, 1], maximums=[60, None]).tolist() == pytest.approx([60, 40])
    assert proportional_split(100, [3, 1], minimums=[0, 40]).tolist() == pytest.approx([60, 40])
    assert proportional_split(100, [0, 0]).tolist() == pytest.approx([50, 50])


@st.composite
def allocation_problems(draw):
    n = draw(st.integers(1, 6))
    ceilings = draw(st.lists(st.floats(0, 1e6), min_size=n, max_size=n))
    scales = draw(st.lists(st.floats(1, 1e5), min_size=n, max_size=n))
    minimums = draw(st.lists(st.floats(0, 1e4), min_size=n, max_size=n))
    extra = draw(st.lists(st.one_of(st.none(), st.floats(0, 1e5)), min_size=n, max_size=n))
    maximums = [None if e is None else m + e for m, e in zip(minimums, extra, strict=True)]
    room = sum(math.inf if m is None else m for m in maximums) - sum(minimums)
    share = draw(st.floats(0, 1))
    budget = sum(minimums) + (share * 1e5 if math.isinf(room) else share * room)
    return budget, ceilings, scales, minimums, maximums


def _check_feasible(budget, minimums, maximums, split) -> None:
    assert split.sum() == pytest.approx(budget, rel=1e-9, abs=1e-6)
    assert (split >= np.array(minimums) - 1e-6).all()
    high = np.array([math.inf if m is None else m for m in maximums])
    assert (split <= high + 1e-6).all()


@settings(max_examples=300, deadline=None)
@given(allocation_problems())
def test_allocation_sums_to_the_budget_and_respects_the_bounds(problem) -> None:
    budget, ceilings, scales, minimums, maximums = problem
    split = allocate_budget(budget, ceilings, scales, minimums, maximums)
    _check_feasible(budget, minimums, maximums, split)
    _check_feasible(
        budget, minimums, maximums, proportional_split(budget, ceilings, minimums, maximums)
    )


@settings(max_examples=300, deadline=None)
@given(allocation_problems(), st.data())
def test_allocation_is_monotone_in_expected_return(problem, extra) -> None:
    budget, ceilings, scales, minimums, maximums = problem
    segment = extra.draw(st.integers(0, len(ceilings) - 1))
    factor = extra.draw(st.floats(1.0, 10.0))
    before = allocate_budget(budget, ceilings, scales, minimums, maximums)
    richer = list(ceilings)
    richer[segment] *= factor
    after = allocate_budget(budget, richer, scales, minimums, maximums)
    assert after[segment] >= before[segment] - 1e-6 * max(budget, 1.0)


@settings(max_examples=200, deadline=None)
@given(allocation_problems())
def test_allocation_returns_at_least_the_proportional_split(problem) -> None:
    budget, ceilings, scales, minimums, maximums = problem
    m, s = np.array(ceilings), np.array(scales)
    best = response_revenue(allocate_budget(budget, ceilings, scales, minimums, maximums), m, s)
    simple = response_revenue(proportional_split(budget, ceilings, minimums, maximums), m, s)
    assume(np.isfinite(best.sum()))
    assert best.sum() >= simple.sum() - 1e-6 * max(simple.sum(), 1.0)


def test_budget_table_spends_the_what_if_cost_for_the_what_if_revenue(data, measures) -> None:
    _, _, segmentation = data
    config = config_for(segmentation, targets=(0,), budget=4.0, cost_per_contact=2.0)
    roi = roi_table(measures, config)
    table = budget_table(roi, config)
    assert table.loc[0, "allocated"] == pytest.approx(4.0)  # = audience 2 × cost 2
    assert table.loc[0, "expected_revenue"] == pytest.approx(roi.loc[0, "revenue"])
    assert table.loc[0, "ceiling"] == pytest.approx(roi.loc[0, "revenue"] / CURVE_FACTOR)


def test_initial_config_picks_targets_and_a_round_budget(data, measures) -> None:
    _, schema, segmentation = data
    config = initial_config(measures, segmentation, key_columns=default_key_columns(schema))
    assert config.targets == (0, 1)
    assert config.budget == 1.5  # contacting the 3 opted-in customers once at 0.50
    assert config.key_columns == ("email", "email_opt_in")
    assert set(config.segments) == {0, 1}


# --- export and summary ---------------------------------------------------------------------------


# which cells are neutralised: tests/test_hostile_files.py (one table for every export)


def test_target_list_export_to_csv_and_excel(data) -> None:
    frame, schema, segmentation = data
    config = config_for(segmentation, targets=(0,), key_columns=("email", "monetary"))
    reachable = reachable_mask(frame, "email_opt_in")
    targets = target_list(frame, schema, segmentation, config, reachable)
    assert targets["customer_id"].tolist() == ["a", "b"]  # c did not opt in
    assert list(targets.columns) == [
        "customer_id", "segment_id", "segment", "segmentation", "email", "monetary",
    ]  # fmt: skip
    assert set(targets["segment"]) == {"Loyal"}
    everyone = target_list(frame, schema, segmentation, replace(config, opted_in_only=False))
    assert everyone["customer_id"].tolist() == ["a", "b", "c"]

    csv = to_csv_bytes(targets).decode("utf-8-sig")
    back = pd.read_csv(io.StringIO(csv), keep_default_na=False)
    assert back.loc[1, "email"] == "'=cmd|' /C calc'!A0"
    assert back["monetary"].tolist() == [400.0, 200.0]  # numbers stay numbers

    sheet = load_workbook(io.BytesIO(to_excel_bytes(targets))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("customer_id", "segment_id", "segment", "segmentation", "email", "monetary")
    assert rows[2][4] == "'=cmd|' /C calc'!A0"
    assert sheet.cell(row=3, column=5).data_type == "s"  # text, not a formula
    assert rows[1][5] == 400.0


def test_target_list_needs_a_target_and_known_columns(data) -> None:
    frame, schema, segmentation = data
    with pytest.raises(TargetingError, match="No target segment is chosen"):
        target_list(frame, schema, segmentation, config_for(segmentation))
    bad = config_for(segmentation, targets=(0,), key_columns=("phone",))
    with pytest.raises(TargetingError, match=r"Key columns \['phone'\] are not in the data"):
        target_list(frame, schema, segmentation, bad)


def test_summary_names_scores_targets_roi_and_budget(data) -> None:
    frame, schema, segmentation = data
    named = segmentation.renamed(0, "<script>Loyal</script> & co")
    config = config_for(named, targets=(0,), budget=1.0)
    facts = segment_measures(frame, schema, named)
    plan = plan_targeting(facts, config, named.segment_names)
    context = SummaryContext("Shop export", "Test", 6)
    markdown = summary_markdown(plan, context)
    for heading in ("Segments ranked", "ROI what-if per target", "Budget split (1 in all)"):
        assert f"## {heading}" in markdown
    page = summary_html(plan, context)
    assert page.startswith("<!doctype html>") and "<script" not in page
    assert "&lt;script&gt;Loyal&lt;/script&gt; &amp; co" in page
    assert "Shop export, 6 customers" in page


def test_every_target_figure_is_titled_with_labelled_axes(data, measures) -> None:
    _, _, segmentation = data
    config = config_for(segmentation, targets=(0, 1), budget=2.0)
    plan = plan_targeting(measures, config, segmentation.segment_names)
    for figure in (
        portfolio_chart(plan.scores, config.targets),
        score_parts_chart(plan.scores),
        budget_chart(plan.budget),
        response_curves_chart(plan.budget),
    ):
        assert isinstance(figure, go.Figure)
        layout = figure.to_dict()["layout"]
        assert layout["title"]["text"]
        assert layout["xaxis"]["title"]["text"] and layout["yaxis"]["title"]["text"]


def test_growth_from_nothing_scores_highest() -> None:
    frame = pd.DataFrame(
        {
            "customer_id": list("abcd"),
            "spend": 10.0,
            "first_order": pd.to_datetime(["2025-01-01", "2025-01-01", "2025-11-01", "2025-12-01"]),
            "last_order": pd.to_datetime(["2025-01-05", "2025-12-31", "2025-11-01", "2025-12-31"]),
        }
    )
    table = infer_schema(frame, one_row_per_customer=True)
    labels = pd.Series([0, 1, 2, 2], index=pd.Index(frame["customer_id"]))
    segmentation = make_segmentation("s", "rules", labels)
    facts = segment_measures(table.frame, table.schema, segmentation)
    assert facts.table.loc[2, "growth"] == np.inf  # only recent orders
    scores, _ = score_segments(facts, config_for(segmentation))
    assert scores.loc[2, "growth_score"] == 100
    assert scores.loc[0, "growth_score"] == 0  # only early orders
