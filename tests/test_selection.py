"""Map selections: reading customer ids from plotly events, what sets a selection apart, and
keeping it as a segment."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segmentation.data.schema import infer_schema
from segmentation.errors import SegmentationError
from segmentation.mapping.selection import (
    EVERYONE_ELSE,
    describe_selection,
    selected_ids,
    selection_segmentation,
)
from segmentation.segmenting.segments import UNASSIGNED, make_segmentation

IDS = pd.Index([f"C{i}" for i in range(1, 11)])


def test_ids_come_from_customdata_whatever_the_trace():
    points = [
        {"curve_number": 0, "point_index": 3, "customdata": ["C4", "Alpha", "12.5"]},
        {"curve_number": 2, "point_index": 3, "customdata": ["C9", "Gamma"]},
        {"curve_number": 1, "point_index": 0, "customdata": "C2"},
        {"curve_number": 3, "point_index": 1},  # a label without customer data
        {"customdata": ["C4", "Alpha"]},  # the same customer twice
        {"customdata": ["X99", "Alpha"]},  # not a customer of this data
    ]
    assert list(selected_ids(points, IDS)) == ["C2", "C4", "C9"]


def test_numeric_customer_ids_are_matched_from_plotly_strings_or_numbers():
    ids = pd.Index([101, 102, 103])
    assert list(selected_ids([{"customdata": [102]}, {"customdata": ["103"]}], ids)) == [102, 103]


def test_no_points_gives_no_ids():
    assert len(selected_ids([], IDS)) == 0


@pytest.fixture
def toy():
    frame = pd.DataFrame(
        {
            "customer_id": list(IDS),
            "age": [20, 22, 24, 26, 40, 42, 44, 46, 48, 50],
            "area": ["urban"] * 4 + ["rural"] * 6,
            "flat": [1.0] * 10,
        }
    )
    typed = infer_schema(frame, one_row_per_customer=True)
    return typed.frame.set_index("customer_id", drop=False), typed.schema


def test_selection_differences_are_hand_computed_effect_sizes(toy):
    customers, schema = toy
    summary = describe_selection(customers, schema, IDS[:4], ["age", "area", "flat"])
    assert summary.n_selected == 4 and summary.share == pytest.approx(0.4)
    rows = summary.differences.set_index("feature")
    # age: selected mean 23 (sd² 6.67), others 45 (sd² 14); pooled sd² = (3·6.67 + 5·14) / 8
    pooled = np.sqrt((3 * 20 / 3 + 5 * 14) / 8)
    assert rows.loc["age", "effect"] == pytest.approx((23 - 45) / pooled)
    assert rows.loc["age", "selected"] == "median 23" and rows.loc["age", "direction"] == "lower"
    # area = urban: 100 % vs 0 % → Cohen's h = 2·asin(1) − 2·asin(0) = π
    level = "area = urban" if "area = urban" in rows.index else "area = rural"
    assert abs(rows.loc[level, "effect"]) == pytest.approx(np.pi)
    assert "flat" not in rows.index, "a constant column says nothing"
    assert list(summary.differences["feature"]) == ["age", level], "largest effect first"


def test_describing_nothing_selected_says_how_to_select(toy):
    customers, schema = toy
    with pytest.raises(SegmentationError, match="Drag a lasso or a box"):
        describe_selection(customers, schema, IDS[:0], ["age"])


def test_selecting_everyone_leaves_nothing_to_compare_with(toy):
    customers, schema = toy
    summary = describe_selection(customers, schema, IDS, ["age", "area"])
    assert summary.share == 1.0 and summary.differences.empty


def test_a_new_segmentation_is_the_selection_against_everyone_else():
    new = selection_segmentation(IDS[:3], IDS, "  Young urbanites ")
    assert new.method == "selection" and new.title == "Map selection: Young urbanites"
    assert new.sizes().to_dict() == {"Young urbanites": 3, EVERYONE_ELSE: 7}
    assert new.settings["selections"][0]["customer_ids"] == ["C1", "C2", "C3"]


def test_adding_to_a_segmentation_moves_the_selected_customers_into_a_new_segment():
    base = make_segmentation(
        "k-means", "kmeans", pd.Series([0] * 5 + [1] * 5, index=IDS), {0: "A", 1: "B"}
    )
    added = selection_segmentation(pd.Index(["C4", "C5", "C6"]), IDS, "Bridge", base=base)
    assert added.title == "k-means + Bridge" and added.method == "kmeans"
    assert added.sizes().to_dict() == {"A": 3, "B": 4, "Bridge": 3}
    assert base.sizes().to_dict() == {"A": 5, "B": 5}, "the original is untouched"
    again = selection_segmentation(pd.Index(["C1"]), IDS, "Solo", base=added)
    assert [s["name"] for s in again.settings["selections"]] == ["Bridge", "Solo"]


def test_adding_customers_outside_a_filtered_segmentation_includes_them():
    base = make_segmentation("Filtered", "kmeans", pd.Series([0, 0, 1], index=IDS[:3]))
    added = selection_segmentation(pd.Index(["C3", "C9"]), IDS, "Picked", base=base)
    assert added.labels.loc["C9"] == added.labels.loc["C3"] != UNASSIGNED
    assert len(added.labels) == 4


@pytest.mark.parametrize(
    ("ids", "name", "message"),
    [
        (IDS[:2], "   ", "needs a name"),
        (IDS[:0], "Empty", "No customers are selected"),
        (IDS[:2], "A", "'A' is already a segment of 'k-means'"),
    ],
)
def test_bad_saves_are_refused_with_a_message(ids, name, message):
    base = make_segmentation("k-means", "kmeans", pd.Series([0, 1] * 5, index=IDS), {0: "A"})
    with pytest.raises(SegmentationError, match=message):
        selection_segmentation(ids, IDS, name, base=base)
