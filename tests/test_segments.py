"""The Segmentation value: default names, display order, sizes and shares, renaming, settings."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmentation.errors import SegmentationError
from segmentation.segmenting.segments import METHODS, UNASSIGNED, Segmentation, make_segmentation


def labels_of(values: list[int]) -> pd.Series:
    """Labels indexed by customer ids c0, c1, ..."""
    return pd.Series(values, index=[f"c{i}" for i in range(len(values))], name="segment")


# Seven customers: ids 5 (x3), 2 (x2), -1 (x1), 9 (x1); hand-checked below.
TOY = labels_of([5, 2, 5, -1, 9, 2, 5])


def toy() -> Segmentation:
    return make_segmentation("Toy", "kmeans", TOY, settings={"k": 3})


def test_make_segmentation_names_segments_in_id_order_and_unassigned() -> None:
    segmentation = toy()
    assert dict(segmentation.segment_names) == {
        2: "Segment 1",
        5: "Segment 2",
        9: "Segment 3",
        UNASSIGNED: "Unassigned",
    }
    assert segmentation.segment_ids == (2, 5, 9, UNASSIGNED)
    assert segmentation.n_segments == 3


def test_sizes_and_shares_in_display_order_with_unassigned_last() -> None:
    segmentation = toy()
    assert segmentation.sizes().to_dict() == {
        "Segment 1": 2,
        "Segment 2": 3,
        "Segment 3": 1,
        "Unassigned": 1,
    }
    assert list(segmentation.sizes().index)[-1] == "Unassigned"
    assert segmentation.sizes().name == "customers"
    shares = segmentation.shares()
    assert shares.name == "share"
    assert shares.to_numpy() == pytest.approx([2 / 7, 3 / 7, 1 / 7, 1 / 7])


def test_named_labels_give_each_customer_its_segment_name() -> None:
    named = toy().named_labels()
    assert named.name == "segment"
    assert named.to_dict() == {
        "c0": "Segment 2",
        "c1": "Segment 1",
        "c2": "Segment 2",
        "c3": "Unassigned",
        "c4": "Segment 3",
        "c5": "Segment 1",
        "c6": "Segment 2",
    }


@pytest.mark.parametrize(
    ("names", "unassigned_name", "expected"),
    [
        # given names are kept, the others are numbered in id order
        (
            {5: "Loyal"},
            "Unassigned",
            {2: "Segment 1", 5: "Loyal", 9: "Segment 3", -1: "Unassigned"},
        ),
        # the no-match bucket can be called "Other" (rules, RFM)
        (None, "Other", {2: "Segment 1", 5: "Segment 2", 9: "Segment 3", -1: "Other"}),
        # names of ids that do not occur are dropped
        (
            {7: "Ghost", -1: "Noise"},
            "Unassigned",
            {2: "Segment 1", 5: "Segment 2", 9: "Segment 3", -1: "Noise"},
        ),
    ],
)
def test_make_segmentation_names_table(
    names: dict[int, str] | None, unassigned_name: str, expected: dict[int, str]
) -> None:
    segmentation = make_segmentation("Toy", "rules", TOY, names, unassigned_name=unassigned_name)
    assert dict(segmentation.segment_names) == expected


def test_without_unassigned_there_is_no_unassigned_name() -> None:
    segmentation = make_segmentation("Two", "kmeans", labels_of([0, 1, 1]))
    assert dict(segmentation.segment_names) == {0: "Segment 1", 1: "Segment 2"}
    assert segmentation.segment_ids == (0, 1)


def test_labels_become_int64() -> None:
    segmentation = make_segmentation("Floats", "kmeans", labels_of([0.0, 1.0, 1.0]))
    assert segmentation.labels.dtype == np.dtype("int64")


def test_renamed_returns_a_copy_with_one_new_name() -> None:
    original = toy()
    renamed = original.renamed(5, "  Loyal fans ")
    assert renamed.segment_names[5] == "Loyal fans"  # surrounding spaces are stripped
    assert original.segment_names[5] == "Segment 2"  # the original is unchanged
    assert renamed.sizes()["Loyal fans"] == 3
    assert renamed.renamed(5, "Loyal fans").segment_names[5] == "Loyal fans"  # same name is fine


@pytest.mark.parametrize(
    ("segment_id", "new_name", "message"),
    [
        (5, "", r"^A segment name cannot be empty; type a name\.$"),
        (5, "   ", r"^A segment name cannot be empty; type a name\.$"),
        (
            5,
            "Segment 1",
            r"^'Segment 1' is already the name of another segment; choose a different name\.$",
        ),
        (
            2,
            " Unassigned ",
            r"^'Unassigned' is already the name of another segment; choose a different name\.$",
        ),
    ],
)
def test_renamed_errors(segment_id: int, new_name: str, message: str) -> None:
    with pytest.raises(SegmentationError, match=message):
        toy().renamed(segment_id, new_name)


def test_unknown_method_is_refused() -> None:
    with pytest.raises(
        SegmentationError,
        match=r"^method='magic' is not a segmentation method; use one of kmeans, gmm, ward, "
        r"hdbscan, kprototypes, rules, rfm, selection\.$",
    ):
        make_segmentation("Toy", "magic", TOY)


def test_every_segment_id_needs_a_name() -> None:
    # the ids are shown as plain numbers, not numpy scalars ("[np.int64(9)]")
    with pytest.raises(
        SegmentationError,
        match=r"^Segments \[7, 9\] have no name; give every segment id in labels a name\.$",
    ):
        Segmentation("Toy", "kmeans", labels_of([2, 9, 7]), {2: "Segment 1"})


@pytest.mark.parametrize(
    "bad_settings",
    [{"when": pd.Timestamp("2026-01-01")}, {"values": {1, 2}}, {"array": np.arange(3)}],
)
def test_settings_must_be_json(bad_settings: dict[str, object]) -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        make_segmentation("Toy", "kmeans", TOY, settings=bad_settings)


def test_to_dict_is_json_and_leaves_out_the_labels() -> None:
    data = toy().to_dict()
    assert data == {
        "title": "Toy",
        "method": "kmeans",
        "segment_names": {"2": "Segment 1", "5": "Segment 2", "9": "Segment 3", "-1": "Unassigned"},
        "settings": {"k": 3},
    }
    assert json.loads(json.dumps(data)) == data


def test_methods_are_the_documented_ones() -> None:
    assert METHODS == (
        "kmeans",
        "gmm",
        "ward",
        "hdbscan",
        "kprototypes",
        "rules",
        "rfm",
        "selection",
    )


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.integers(min_value=-1, max_value=12), min_size=1, max_size=60),
    method=st.sampled_from(METHODS),
)
def test_property_every_customer_named_and_shares_sum_to_one(
    values: list[int], method: str
) -> None:
    segmentation = make_segmentation("Any", method, labels_of(values))
    # every label has a name, every customer is in exactly one segment
    assert set(segmentation.labels) <= set(segmentation.segment_names)
    named = segmentation.named_labels()
    assert named.notna().all() and len(named) == len(values)
    sizes = segmentation.sizes()
    assert int(sizes.sum()) == len(values)
    assert (sizes > 0).all()
    assert sizes.index.is_unique
    assert segmentation.shares().sum() == pytest.approx(1.0)
    # Unassigned (if any) is shown last and is not counted as a segment
    assert (UNASSIGNED in values) == (sizes.index[-1] == "Unassigned")
    assert segmentation.n_segments == len(set(values) - {UNASSIGNED})
    # default names are Segment 1..n in id order
    regular = [i for i in segmentation.segment_ids if i != UNASSIGNED]
    assert [segmentation.segment_names[i] for i in regular] == [
        f"Segment {n}" for n in range(1, len(regular) + 1)
    ]
