"""RFM scores and named segments: hand-computed toy cases, error tables and properties."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from segmentation.data.dataset import load_sample
from segmentation.data.schema import ColumnProfile, Schema
from segmentation.segmenting.rfm import rfm_from_settings, rfm_segment, rfm_segmentation
from segmentation.segmenting.rfm_scoring import (
    RfmColumns,
    RfmError,
    find_rfm_columns,
    rf_grid,
    rfm_scores,
)
from segmentation.segmenting.rfm_table import (
    DEFAULT_RFM_TABLE,
    RfmRule,
    rfm_table_from_records,
    rfm_table_to_records,
    shadowed_rules,
    validate_rfm_table,
)
from segmentation.segmenting.segments import UNASSIGNED

COLUMNS = RfmColumns("recency_days", "frequency", "monetary")
EVERY_CELL = list(itertools.product(range(1, 6), repeat=3))


def customers(recency, frequency, monetary) -> pd.DataFrame:
    ids = [f"c{i:02d}" for i in range(len(recency))]
    return pd.DataFrame(
        {"customer_id": ids, "recency_days": recency, "frequency": frequency, "monetary": monetary}
    )


def distinct_ten() -> pd.DataFrame:
    return customers(
        recency=[1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        frequency=[10, 9, 8, 7, 6, 5, 4, 3, 2, 1],
        monetary=[5.0, 15, 25, 35, 45, 55, 65, 75, 85, 95],
    )


def scores_frame(cells) -> pd.DataFrame:
    return pd.DataFrame(list(cells), columns=["R", "F", "M"])


def segment_of_every_cell(table) -> dict[tuple[int, int, int], str]:
    """The segment name of a customer with each of the 125 score combinations."""
    from segmentation.segmenting.rfm_table import assign_rfm_segments

    labels = assign_rfm_segments(scores_frame(EVERY_CELL), table)
    names = {i: rule.name for i, rule in enumerate(table)} | {UNASSIGNED: "Other"}
    return {cell: names[int(label)] for cell, label in zip(EVERY_CELL, labels, strict=True)}


# --- scores: hand-computed ------------------------------------------------------------------


def test_ten_distinct_customers_get_two_per_score_with_recency_reversed() -> None:
    scores = rfm_scores(distinct_ten(), COLUMNS)
    # recency 1 and 2 days are the most recent: R = 5; 9 and 10 days: R = 1
    assert scores["R"].tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    assert scores["F"].tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    assert scores["M"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert all(
        scores[letter].value_counts().to_dict() == dict.fromkeys(range(1, 6), 2) for letter in "RFM"
    )
    assert scores.dtypes.tolist() == [np.dtype("int64")] * 3


def test_forty_percent_one_time_buyers_all_get_f1_and_the_rest_share_f2_to_f5() -> None:
    # 20 customers: 8 ordered once (40%), 12 have 2…13 orders. Identical values share a score,
    # so the 8 are one score; the other 12 split 3/3/3/3 (sum of squared gaps from 4: 16 + 4×1).
    # Putting the 8 in F = 2 and leaving F = 1 empty (what cutting the average rank at 20% does:
    # their mid-rank 4.5/20 = 22.5% > 20%) costs 16 + 16 = 32, so it is not chosen.
    frequency = [1] * 8 + list(range(2, 14))
    frame = customers(list(range(20)), frequency, [float(v) for v in range(20)])
    scores = rfm_scores(frame, COLUMNS)
    assert scores["F"].tolist() == [1] * 8 + [2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5]


def test_heavy_tie_in_the_middle_takes_one_score_and_the_rest_split_evenly() -> None:
    # 21 customers (a fifth is 4.2): 1, 2, 3, 4 | 5 ×8 | 6 … 14. The eight 5s share a score;
    # best split 4 / 8 / 3 / 3 / 3 (squared gaps 0.04 + 14.44 + 3 × 1.44 = 18.8); the runner-up,
    # 4 / 8 / 4 / 3 / 2, costs 20.8.
    frequency = [1, 2, 3, 4] + [5] * 8 + list(range(6, 15))
    frame = customers(list(range(21)), frequency, [float(v) for v in range(21)])
    assert rfm_scores(frame, COLUMNS)["F"].tolist() == (
        [1] * 4 + [2] * 8 + [3] * 3 + [4] * 3 + [5] * 3
    )


@pytest.mark.parametrize(
    ("frequency", "expected"),
    [
        ([1, 1, 1, 1, 1, 1, 2, 2, 2, 2], [1] * 6 + [5] * 4),
        ([1, 1, 1, 1, 2, 2, 2, 3, 3, 3], [1] * 4 + [3] * 3 + [5] * 3),
        ([1, 1, 1, 2, 2, 3, 3, 4, 4, 4], [1] * 3 + [2] * 2 + [4] * 2 + [5] * 3),
    ],
    ids=["two values: 1 and 5", "three values: 1, 3, 5", "four values: 1, 2, 4, 5"],
)
def test_fewer_than_five_distinct_values_use_fewer_scores_worst_1_best_5(
    frequency: list[int], expected: list[int]
) -> None:
    frame = customers(list(range(10)), frequency, [float(v) for v in range(10)])
    result = rfm_segment(frame, "customer_id", COLUMNS)
    assert result.scores["F"].tolist() == expected
    used = sorted(set(expected))
    assert any(
        f"so F uses only the scores {', '.join(map(str, used[:-1]))} and {used[-1]}" in note
        for note in result.notes
    )


def test_fewer_than_five_recency_values_give_the_most_recent_5() -> None:
    frame = customers(
        [0, 0, 0, 0, 0, 30, 30, 30, 30, 30], list(range(10)), [float(v) for v in range(10)]
    )
    assert rfm_scores(frame, COLUMNS)["R"].tolist() == [5] * 5 + [1] * 5


def test_customers_without_a_value_get_score_1_and_are_counted() -> None:
    frame = distinct_ten()
    frame["monetary"] = [5.0, 15, 25, 35, 45, 55, 65, 75, None, None]
    frame["frequency"] = pd.array([10, 9, 8, 7, 6, 5, 4, 3, 2, None], dtype="Int64")
    result = rfm_segment(frame, "customer_id", COLUMNS)
    # 8 monetary values: sizes 2/2/2/1/1 or similar; the two customers without a value get M = 1
    assert result.scores["M"].tolist()[-2:] == [1, 1]
    assert result.scores["F"].tolist()[-1] == 1
    assert dict(result.missing) == {"R": 0, "F": 1, "M": 2}
    assert "2 customers have no monetary value ('monetary'), so M = 1 for them." in result.notes
    assert "1 customer has no frequency value ('frequency'), so F = 1 for them." in result.notes


def test_heavy_ties_are_explained_in_a_note() -> None:
    frequency = [1] * 8 + list(range(2, 14))
    frame = customers(list(range(20)), frequency, [float(v) for v in range(20)])
    notes = rfm_segment(frame, "customer_id", COLUMNS).notes
    assert notes[0] == (
        "'frequency' has heavy ties: 40% of customers share the value 1, so the F scores 1–5 hold "
        "40%, 15%, 15%, 15% and 15% of customers instead of 20% each."
    )


def test_scores_are_deterministic_and_follow_the_frame_index() -> None:
    frame = distinct_ten().set_index(pd.Index(list("abcdefghij")))
    first, second = rfm_scores(frame, COLUMNS), rfm_scores(frame.iloc[::-1], COLUMNS)
    assert list(first.index) == list("abcdefghij")
    pd.testing.assert_frame_equal(first, second.loc[first.index])


# --- the R×F grid and score counts ------------------------------------------------------------


def test_rf_grid_counts_customers_per_cell_with_best_in_the_top_right() -> None:
    scores = scores_frame([(5, 5, 1), (5, 5, 2), (1, 1, 3), (2, 4, 3), (5, 1, 1)])
    grid = rf_grid(scores)
    assert grid.shape == (5, 5)
    assert list(grid.index) == [5, 4, 3, 2, 1] and list(grid.columns) == [1, 2, 3, 4, 5]
    assert grid.index.name == "F" and grid.columns.name == "R"
    assert (
        grid.loc[5, 5] == 2 and grid.loc[1, 1] == 1 and grid.loc[4, 2] == 1 and grid.loc[1, 5] == 1
    )
    assert int(grid.to_numpy().sum()) == 5


def test_score_counts_have_a_row_per_score() -> None:
    counts = rfm_segment(distinct_ten(), "customer_id", COLUMNS).score_counts
    assert list(counts.index) == [1, 2, 3, 4, 5]
    assert counts.to_dict() == {letter: dict.fromkeys(range(1, 6), 2) for letter in "RFM"}


# --- the segmentation -------------------------------------------------------------------------


def test_segmentation_is_indexed_by_customer_with_table_order_ids() -> None:
    result = rfm_segment(distinct_ten(), "customer_id", COLUMNS)
    seg = result.segmentation
    assert seg.method == "rfm" and seg.title == "RFM"
    assert seg.labels.index.name == "customer_id" and seg.labels.index[0] == "c00"
    assert list(result.scores.index) == list(seg.labels.index)
    # c00: 1 day, 10 orders, lowest spend → R5 F5 M1: Potential Loyalist (row 3, id 2)?
    # No: F=5 is outside 1-3. It matches no row: Other.
    assert result.scores.loc["c00"].tolist() == [5, 5, 1]
    assert seg.labels["c00"] == UNASSIGNED and seg.segment_names[UNASSIGNED] == "Other"
    # c04: R3 F3 M3 → Loyal (row 2, id 1)
    assert result.scores.loc["c04"].tolist() == [3, 3, 3]
    assert seg.labels["c04"] == 1 and seg.segment_names[1] == "Loyal"
    assert rfm_segmentation(distinct_ten(), "customer_id", COLUMNS).labels.equals(seg.labels)


def test_settings_round_trip_through_json_and_give_the_same_segments() -> None:
    table = (RfmRule("Best", (4, 5), (4, 5), (1, 5)), RfmRule("Rest", (1, 5), (1, 5), (1, 5)))
    frame = distinct_ten().rename(columns={"frequency": "orders"})
    columns = RfmColumns("recency_days", "orders", "monetary")
    seg = rfm_segmentation(frame, "customer_id", columns, table, title="Mine")
    restored = json.loads(json.dumps(seg.to_dict()))
    assert restored["settings"] == {
        "columns": {"recency": "recency_days", "frequency": "orders", "monetary": "monetary"},
        "table": [
            {"segment": "Best", "R": "4-5", "F": "4-5", "M": "1-5"},
            {"segment": "Rest", "R": "1-5", "F": "1-5", "M": "1-5"},
        ],
    }
    columns_back, table_back = rfm_from_settings(restored["settings"])
    assert (columns_back, table_back) == (columns, table)
    again = rfm_segmentation(frame, "customer_id", columns_back, table_back, title="Mine")
    assert again.labels.equals(seg.labels) and again.to_dict() == seg.to_dict()


# --- the default table ------------------------------------------------------------------------


def test_default_table_is_the_product_reference_table_in_order() -> None:
    assert rfm_table_to_records(DEFAULT_RFM_TABLE) == [
        {"segment": "Champions", "R": "4-5", "F": "4-5", "M": "4-5"},
        {"segment": "Loyal", "R": "2-5", "F": "3-5", "M": "3-5"},
        {"segment": "Potential Loyalist", "R": "3-5", "F": "1-3", "M": "1-3"},
        {"segment": "New", "R": "4-5", "F": "1", "M": "1"},
        {"segment": "Promising", "R": "3-4", "F": "1", "M": "1"},
        {"segment": "Need Attention", "R": "2-3", "F": "2-3", "M": "2-3"},
        {"segment": "About to Sleep", "R": "2-3", "F": "1-2", "M": "1-2"},
        {"segment": "At Risk", "R": "1-2", "F": "2-5", "M": "2-5"},
        {"segment": "Can't Lose", "R": "1", "F": "4-5", "M": "4-5"},
        {"segment": "Hibernating", "R": "1-2", "F": "1-2", "M": "1-2"},
        {"segment": "Lost", "R": "1-2", "F": "1-2", "M": "1-2"},
    ]


def test_with_the_default_order_nobody_lands_in_lost() -> None:
    # PRODUCT.md: Hibernating and Lost overlap by design and the order decides (first match
    # wins), so Lost, listed after Hibernating with the same ranges, can never be reached. The
    # same holds for New and Promising (inside Potential Loyalist) and Can't Lose (inside At Risk).
    reached = set(segment_of_every_cell(DEFAULT_RFM_TABLE).values())
    assert "Lost" not in reached
    assert reached == {
        "Champions",
        "Loyal",
        "Potential Loyalist",
        "Need Attention",
        "About to Sleep",
        "At Risk",
        "Hibernating",
        "Other",
    }
    assert set(shadowed_rules(DEFAULT_RFM_TABLE)) == {"New", "Promising", "Can't Lose", "Lost"}
    assert shadowed_rules(DEFAULT_RFM_TABLE)["New"] == ("Potential Loyalist",)


def test_reordering_the_table_changes_the_result() -> None:
    table = list(DEFAULT_RFM_TABLE)
    lost = table.pop(10)
    table.insert(table.index(DEFAULT_RFM_TABLE[9]), lost)  # Lost above Hibernating
    before, after = segment_of_every_cell(DEFAULT_RFM_TABLE), segment_of_every_cell(table)
    assert before[(1, 1, 1)] == "Hibernating" and after[(1, 1, 1)] == "Lost"
    assert "Hibernating" not in after.values()
    assert "Hibernating" in shadowed_rules(table)


def test_notes_name_the_rows_no_customer_can_reach() -> None:
    notes = rfm_segment(distinct_ten(), "customer_id", COLUMNS).notes
    assert (
        "No customer can be in 'New', 'Promising', 'Can't Lose' or 'Lost': earlier rows take "
        "every score combination they cover (the first matching row wins). Move a row up or "
        "change its ranges to use it."
    ) in notes


# --- editing the table: ranges as text ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4-5", (4, 5)),
        ("4–5", (4, 5)),
        ("4 — 5", (4, 5)),
        (" 2 to 5 ", (2, 5)),
        ("1..3", (1, 3)),
        ("3", (3, 3)),
        (" 1 ", (1, 1)),
        (3, (3, 3)),
        (2.0, (2, 2)),
        (np.int64(5), (5, 5)),
    ],
)
def test_ranges_are_parsed_from_the_ways_people_write_them(text: object, expected: tuple) -> None:
    rules = rfm_table_from_records([{"segment": "Loyal", "R": text, "F": "1-5", "M": "1-5"}])
    assert rules == (RfmRule("Loyal", expected, (1, 5), (1, 5)),)


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (
            {"segment": "Loyal", "R": "x", "F": "1", "M": "1"},
            r"^R range 'x' for 'Loyal' is not a range; write it like 2-5 or 3\.$",
        ),
        (
            {"segment": "Loyal", "R": "1", "F": "2-3-4", "M": "1"},
            r"^F range '2-3-4' for 'Loyal' is not a range; write it like 2-5 or 3\.$",
        ),
        (
            {"segment": "Loyal", "R": "1", "F": "1", "M": 4.5},
            r"^M range '4.5' for 'Loyal' is not a range; write it like 2-5 or 3\.$",
        ),
        (
            {"segment": "Loyal", "R": "", "F": "1", "M": "1"},
            r"^R range for 'Loyal' is empty; write it like 2-5 or 3 \(1-5 means any score\)\.$",
        ),
        ({"segment": "Loyal", "R": None, "F": "1", "M": "1"}, r"^R range for 'Loyal' is empty"),
        (
            {"segment": "Loyal", "R": float("nan"), "F": "1", "M": "1"},
            r"R range for 'Loyal' is empty",
        ),
        ({"segment": "", "R": "x", "F": "1", "M": "1"}, r"^R range 'x' for row 1 is not a range"),
        (
            {"segment": "Loyal", "R": "1", "M": "1"},
            r"^Row 1 of the RFM table has no F column; every row needs segment, R, F and M\.$",
        ),
        (
            {"segment": "Loyal", "R": "0-5", "F": "1", "M": "1"},
            r"^R range 0-5 for 'Loyal' goes outside 1-5; scores run from 1 \(worst\) to 5 "
            r"\(best\), so write it like 4-5\.$",
        ),
        (
            {"segment": "Loyal", "R": "1", "F": "5-3", "M": "1"},
            r"^F range 5-3 for 'Loyal' runs backwards; write the low score first: 3-5\.$",
        ),
    ],
)
def test_unreadable_ranges_are_refused_with_a_message(record: dict, message: str) -> None:
    with pytest.raises(RfmError, match=message):
        rfm_table_from_records([record])


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ((), r"^The RFM table has no rows; add at least one segment, for example Champions"),
        (
            (RfmRule("  ", (1, 5), (1, 5), (1, 5)),),
            r"^Row 1 of the RFM table has no segment name; type a name for it\.$",
        ),
        (
            (
                RfmRule("Loyal", (1, 5), (1, 5), (1, 5)),
                RfmRule("Best", (5, 5), (5, 5), (5, 5)),
                RfmRule("loyal ", (1, 5), (1, 5), (1, 5)),
            ),
            r"^'Loyal' is the name of rows 1 and 3 of the RFM table; segment names must be "
            r"unique, so rename all but one\.$",
        ),
        (
            (RfmRule("Other", (1, 5), (1, 5), (1, 5)),),
            r"^'Other' \(row 1\) is the name for customers no row matches; choose a different",
        ),
        (
            (RfmRule("Best", (4, 6), (1, 5), (1, 5)),),
            r"^R range 4-6 for 'Best' goes outside 1-5",
        ),
        (
            (RfmRule("Best", (1, 5), (1, 5), (1, 2, 3)),),
            r"^M range \(1, 2, 3\) for 'Best' is not a range; write it like 2-5 or 3\.$",
        ),
        (
            (RfmRule("", (1, 5), (1, 5), (1, 5)), RfmRule("Best", (5, 1), (1, 5), (1, 5))),
            r"^Row 1 of the RFM table has no segment name; type a name for it\. R range 5-1 for "
            r"'Best' runs backwards; write the low score first: 1-5\.$",
        ),
    ],
    ids=["empty", "no name", "duplicate", "reserved", "outside", "not a pair", "every problem"],
)
def test_table_problems_are_reported_with_a_message(rules: tuple, message: str) -> None:
    with pytest.raises(RfmError, match=message):
        validate_rfm_table(rules)


def test_records_round_trip_and_single_scores_are_written_alone() -> None:
    assert rfm_table_from_records(rfm_table_to_records(DEFAULT_RFM_TABLE)) == DEFAULT_RFM_TABLE
    edited = rfm_table_from_records([{"segment": " Top ", "R": "5", "F": "4–5", "M": "1-5"}])
    assert rfm_table_to_records(edited) == [{"segment": "Top", "R": "5", "F": "4-5", "M": "1-5"}]


def test_an_invalid_table_is_refused_before_scoring() -> None:
    with pytest.raises(RfmError, match="runs backwards"):
        rfm_segment(distinct_ten(), "customer_id", COLUMNS, (RfmRule("A", (2, 1), (1, 5), (1, 5)),))


# --- finding the columns ----------------------------------------------------------------------


def schema_of(**kinds: str) -> Schema:
    return Schema(
        tuple(
            ColumnProfile(
                name, kind, "id" if kind == "id" else "feature", "behavioral", 0.0, 10, ()
            )
            for name, kind in kinds.items()
        )
    )


@pytest.mark.parametrize(
    ("kinds", "expected"),
    [
        (
            {
                "customer_id": "id",
                "days_between_orders": "numeric",
                "avg_order_value": "numeric",
                "recency_days": "numeric",
                "frequency": "numeric",
                "monetary": "numeric",
            },
            ("recency_days", "frequency", "monetary"),
        ),
        (
            {
                "Days Since Last Order": "numeric",
                "Number of Orders": "numeric",
                "Total Spend": "numeric",
            },
            ("Days Since Last Order", "Number of Orders", "Total Spend"),
        ),
        (
            {"Recency": "numeric", "n_orders": "numeric", "revenue_usd": "numeric"},
            ("Recency", "n_orders", "revenue_usd"),
        ),
        (
            {"Recency (days)": "numeric", "No. of orders": "numeric", "Spend (EUR)": "numeric"},
            ("Recency (days)", "No. of orders", "Spend (EUR)"),
        ),
        (
            {"days_since_last_purchase": "numeric", "orders": "numeric", "sales": "numeric"},
            ("days_since_last_purchase", "orders", "sales"),
        ),
        (
            # the preferred name wins over an earlier, weaker match
            {
                "spend": "numeric",
                "recency": "numeric",
                "frequency": "numeric",
                "monetary": "numeric",
            },
            ("recency", "frequency", "monetary"),
        ),
    ],
)
def test_rfm_columns_are_found_by_name(kinds: dict, expected: tuple) -> None:
    assert find_rfm_columns(schema_of(**kinds)) == RfmColumns(*expected)


@pytest.mark.parametrize(
    "kinds",
    [
        {"recency_days": "numeric", "frequency": "numeric"},
        {"recency_days": "numeric", "frequency": "categorical", "monetary": "numeric"},
        {"avg_order_value": "numeric", "days_between_orders": "numeric", "tenure": "numeric"},
    ],
    ids=["no monetary", "frequency is not numeric", "look-alikes only"],
)
def test_no_rfm_columns_when_one_is_missing(kinds: dict) -> None:
    assert find_rfm_columns(schema_of(**kinds)) is None


# --- errors -----------------------------------------------------------------------------------


def with_column(name: str, values) -> pd.DataFrame:
    frame = distinct_ten()
    frame[name] = values
    return frame


@pytest.mark.parametrize(
    ("frame", "columns", "message"),
    [
        (
            distinct_ten(),
            RfmColumns("recency_days", "orders", "monetary"),
            r"^The frequency column 'orders' is not in the data\. Numeric columns are: "
            r"recency_days, frequency, monetary\. Choose the column that holds the number of "
            r"orders per customer\.$",
        ),
        (
            with_column("monetary", list("abcdefghij")),
            COLUMNS,
            r"^The monetary column 'monetary' is not numeric \(it holds values such as 'a', 'b', "
            r"'c'\); RFM ranks customers by numbers\. Choose a numeric column for monetary\.$",
        ),
        (
            with_column("monetary", [True, False] * 5),
            COLUMNS,
            r"^The monetary column 'monetary' is not numeric",
        ),
        (
            with_column("recency_days", [1, 2, 3, 4] + [None] * 6),
            COLUMNS,
            r"^The recency column 'recency_days' has a value for only 4 customers; RFM scores "
            r"customers in fifths, so it needs at least 5\. Choose a column with more values",
        ),
        (
            with_column("frequency", [1] * 10),
            COLUMNS,
            r"^'frequency' has the same value for every customer \(1\), so it cannot rank them "
            r"into F scores\. Map frequency to a column whose values differ between customers\.$",
        ),
    ],
    ids=["missing column", "text", "boolean", "too few values", "identical"],
)
def test_columns_that_cannot_be_scored_are_refused(frame, columns, message: str) -> None:
    with pytest.raises(RfmError, match=message):
        rfm_segment(frame, "customer_id", columns)


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        (
            [f"c{i}" for i in range(9)] + ["c0"],
            r"^The customer id column 'customer_id' has 0 empty and 1 repeated ids; RFM needs one "
            r"row per customer with an id\. Turn orders into customers on the Data page",
        ),
        ([None] + [f"c{i}" for i in range(9)], r"has 1 empty and 0 repeated ids"),
    ],
)
def test_customer_ids_must_identify_customers(ids: list, message: str) -> None:
    with pytest.raises(RfmError, match=message):
        rfm_segment(with_column("customer_id", ids), "customer_id", COLUMNS)


def test_missing_id_column_is_named() -> None:
    with pytest.raises(RfmError, match=r"^The customer id column 'client' is not in the data\."):
        rfm_segment(distinct_ten(), "client", COLUMNS)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: RfmColumns("days", "days", "spend"),
            r"^'days' is mapped to both recency and frequency; recency, frequency and monetary "
            r"each need their own column\.$",
        ),
        (
            lambda: RfmColumns("", "orders", "spend"),
            r"^The recency column is ''; choose the column",
        ),
        (
            lambda: RfmColumns.from_dict({"recency": "days", "frequency": "orders"}),
            r"^The RFM column mapping has no monetary column; map a column to each of recency, "
            r"frequency and monetary\.$",
        ),
        (lambda: rfm_from_settings({"k": 3}), r"^These RFM settings have no 'columns' or 'table'"),
    ],
)
def test_column_mappings_are_checked(make, message: str) -> None:
    with pytest.raises(RfmError, match=message):
        make()


def test_rfm_error_is_a_segmentation_error() -> None:
    from segmentation.errors import SegmentationError

    assert issubclass(RfmError, SegmentationError) and issubclass(RfmError, ValueError)


# --- properties -------------------------------------------------------------------------------

# about one value in five is missing
values_with_gaps = st.lists(
    st.integers(-3, 12).map(lambda x: None if x < 0 else x), min_size=8, max_size=40
)


def frame_from(recency, frequency, monetary) -> pd.DataFrame:
    n = min(len(recency), len(frequency), len(monetary))
    return customers(
        pd.array(recency[:n], dtype="Int64"),
        pd.array(frequency[:n], dtype="Int64"),
        pd.array(monetary[:n], dtype="Float64"),
    )


@settings(max_examples=100, deadline=None)
@given(values_with_gaps, values_with_gaps, values_with_gaps)
def test_scores_are_1_to_5_monotonic_and_equal_for_equal_values(
    recency, frequency, monetary
) -> None:
    frame = frame_from(recency, frequency, monetary)
    for column in ("recency_days", "frequency", "monetary"):
        assume(frame[column].dropna().nunique() >= 2 and frame[column].notna().sum() >= 5)
    scores = rfm_scores(frame, COLUMNS)
    assert scores.isin(range(1, 6)).all().all()
    for letter, column, sign in (
        ("R", "recency_days", -1),
        ("F", "frequency", 1),
        ("M", "monetary", 1),
    ):
        values = frame[column].to_numpy(dtype="float64", na_value=np.nan) * sign
        present = ~np.isnan(values)
        got = scores[letter].to_numpy()
        assert (got[~present] == 1).all()
        v, s = values[present], got[present]
        better = v[:, None] > v[None, :]
        assert (s[:, None] >= s[None, :])[better].all()  # strictly better never scores lower
        assert (s[:, None] == s[None, :])[v[:, None] == v[None, :]].all()
        assert s[v == v.min()].min() == 1 and s[v == v.max()].max() == 5


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(1, 6), min_size=5, max_size=8))
def test_cut_points_are_the_most_balanced_the_ties_permit(tie_sizes: list[int]) -> None:
    # distinct monetary values 0, 1, 2, … held by tie_sizes[k] customers each; compare with
    # every way to cut the tie groups into five consecutive scores (empty scores allowed).
    monetary = [float(k) for k, size in enumerate(tie_sizes) for _ in range(size)]
    n = len(monetary)
    frame = customers(list(range(n)), list(range(n)), monetary)
    sizes = rfm_scores(frame, COLUMNS)["M"].value_counts().reindex(range(1, 6), fill_value=0)
    bounds = np.concatenate([[0], np.cumsum(tie_sizes)])

    def cost(group_sizes) -> float:
        return sum((size - n / 5) ** 2 for size in group_sizes)

    best = min(
        cost(np.diff([0, *bounds[list(cut)], n]))
        for cut in itertools.combinations_with_replacement(range(len(bounds)), 4)
    )
    assert cost(sizes) == pytest.approx(best)
    assert (sizes > 0).all()  # with five or more distinct values every score is used


def least_squared_gaps(tie_sizes: list[int]) -> float:
    """Plain O(5·D²) dynamic programme: least Σ(score size − n/5)² over consecutive cuts."""
    n, bounds = sum(tie_sizes), [0, *itertools.accumulate(tie_sizes)]
    cost = [(b - n / 5) ** 2 for b in bounds]
    for _ in range(4):
        cost = [
            min(cost[i] + (bounds[j] - bounds[i] - n / 5) ** 2 for i in range(j + 1))
            for j in range(len(bounds))
        ]
    return cost[-1]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 30), min_size=5, max_size=60))
def test_cut_points_match_a_plain_dynamic_programme_on_many_values(tie_sizes: list[int]) -> None:
    monetary = [float(k) for k, size in enumerate(tie_sizes) for _ in range(size)]
    frame = customers(list(range(len(monetary))), list(range(len(monetary))), monetary)
    sizes = rfm_scores(frame, COLUMNS)["M"].value_counts().reindex(range(1, 6), fill_value=0)
    got = sum((size - len(monetary) / 5) ** 2 for size in sizes)
    assert got == pytest.approx(least_squared_gaps(tie_sizes))


rule_ranges = st.tuples(st.integers(1, 5), st.integers(1, 5)).map(lambda p: (min(p), max(p)))
rfm_rules = st.lists(
    st.builds(RfmRule, st.sampled_from("ABCDEFGH"), rule_ranges, rule_ranges, rule_ranges),
    min_size=1,
    max_size=6,
    unique_by=lambda rule: rule.name,
)


def first_match(rules, cell) -> int:
    """The first rule whose three ranges contain the customer's scores, written out plainly."""
    for segment_id, rule in enumerate(rules):
        if all(lo <= s <= hi for s, (lo, hi) in zip(cell, (rule.r, rule.f, rule.m), strict=True)):
            return segment_id
    return UNASSIGNED


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 400), st.integers(1, 30), st.integers(0, 5000)),
        min_size=5,
        max_size=50,
    ),
    rfm_rules,
)
def test_every_customer_is_in_exactly_the_first_matching_segment(rows, rules) -> None:
    recency, frequency, monetary = (list(column) for column in zip(*rows, strict=True))
    frame = customers(recency, frequency, [float(m) for m in monetary])
    assume(all(len(set(column)) >= 2 for column in (recency, frequency, monetary)))
    result = rfm_segment(frame, "customer_id", COLUMNS, tuple(rules))
    seg = result.segmentation
    assert len(seg.labels) == len(frame) and seg.labels.index.is_unique
    assert seg.shares().sum() == pytest.approx(1.0)
    assert seg.sizes().sum() == len(frame)
    expected = [first_match(rules, cell) for cell in result.scores.itertuples(index=False)]
    assert seg.labels.tolist() == expected
    json.dumps(seg.to_dict())


@settings(max_examples=100, deadline=None)
@given(rfm_rules)
def test_any_valid_table_survives_the_records_round_trip(rules) -> None:
    assert rfm_table_from_records(rfm_table_to_records(rules)) == tuple(rules)


# --- the bundled sample -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_result():
    data = load_sample()
    columns = find_rfm_columns(data.schema)
    assert columns == RfmColumns("recency_days", "frequency", "monetary")
    return rfm_segment(data.customers, data.id_column, columns)


def test_sample_has_the_segments_a_marketer_expects(sample_result) -> None:
    shares = sample_result.segmentation.shares()
    for name in ("Champions", "Loyal", "At Risk", "Hibernating", "Potential Loyalist"):
        assert name in shares.index, name
    assert 0.03 <= shares["Champions"] <= 0.30
    assert shares.sum() == pytest.approx(1.0)
    # every score holds close to a fifth of the customers: ties are light in the sample
    assert ((sample_result.score_counts / len(sample_result.scores) - 0.2).abs() < 0.05).all().all()
    assert dict(sample_result.missing) == {"R": 0, "F": 0, "M": 0}
