"""Segment overview: sizes, revenue shares, standardised means and modes on a hand-checked toy."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from segmentation.data.meanings import ColumnEvidence, detect_meaning
from segmentation.data.schema import ColumnProfile, Schema, TypedTable, infer_schema
from segmentation.describing.profiles import find_monetary, money_source, segment_overview
from segmentation.predicting.columns import PREDICTED_NOTE
from segmentation.segmenting.segments import UNASSIGNED, make_segmentation


def toy() -> TypedTable:
    """Six customers a–f.

    customer   a      b      c      d      e      f
    age        20     30     40     50     60     70
    monetary   100    200    300    400    0      1000
    region     North  North  South  South  South  South
    segment    0      0      0      1      1      Unassigned
    """
    raw = pd.DataFrame(
        {
            "customer_id": list("abcdef"),
            "age": ["20", "30", "40", "50", "60", "70"],
            "monetary": ["100", "200", "300", "400", "0", "1000"],
            "region": ["North", "North", "South", "South", "South", "South"],
        }
    )
    return infer_schema(raw)


TOY = toy()
LABELS = pd.Series([0, 0, 0, 1, 1, UNASSIGNED], index=list("abcdef"))
ORDER = ["Segment 1", "Segment 2", "Unassigned"]


def overview(labels: pd.Series = LABELS, features: tuple[str, ...] | None = None, frame=None):
    segmentation = make_segmentation("Toy", "kmeans", labels)
    frame = TOY.frame if frame is None else frame
    return segment_overview(frame, TOY.schema, segmentation, features)


def test_sizes_shares_and_revenue_by_hand() -> None:
    result = overview()
    assert result.monetary == "monetary"
    sizes = result.sizes
    assert sizes.index.name == "segment"
    assert list(sizes.index) == ORDER
    assert list(sizes.columns) == [
        "customers",
        "share",
        "revenue",
        "revenue_share",
        "value_per_customer",
    ]
    assert sizes["customers"].tolist() == [3, 2, 1]
    assert sizes["share"].tolist() == pytest.approx([1 / 2, 1 / 3, 1 / 6])
    # revenue 100+200+300, 400+0, 1000 of 2000 in all
    assert sizes["revenue"].tolist() == pytest.approx([600, 400, 1000])
    assert sizes["revenue_share"].tolist() == pytest.approx([0.3, 0.2, 0.5])
    assert sizes["value_per_customer"].tolist() == pytest.approx([200, 200, 1000])
    assert sizes["share"].sum() == pytest.approx(1.0)


def test_means_in_original_units_with_all_customers() -> None:
    means = overview().means
    assert list(means.columns) == [*ORDER, "All customers"]
    assert list(means.index[:2]) == ["age", "monetary"]  # the numeric features come first
    assert means.loc["age"].tolist() == pytest.approx([30, 55, 70, 45])
    assert means.loc["monetary"].tolist() == pytest.approx([200, 200, 1000, 2000 / 6])


def test_standardised_means_are_in_overall_standard_deviations() -> None:
    standardised = overview().standardised
    assert list(standardised.columns) == ORDER
    # age: mean 45, sample sd sqrt(((25² + 15² + 5²) · 2) / 5) = sqrt(350)
    sd_age = math.sqrt(350)
    assert standardised.loc["age"].tolist() == pytest.approx(
        [-15 / sd_age, 10 / sd_age, 25 / sd_age]
    )
    money = np.array([100, 200, 300, 400, 0, 1000], dtype=float)
    sd_money, mean_money = money.std(ddof=1), money.mean()
    assert standardised.loc["monetary"].tolist() == pytest.approx(
        [
            (200 - mean_money) / sd_money,
            (200 - mean_money) / sd_money,
            (1000 - mean_money) / sd_money,
        ]
    )


def test_modes_with_their_share() -> None:
    modes = overview().modes
    assert modes.loc["region"].to_dict() == {
        "Segment 1": "North (67%)",
        "Segment 2": "South (100%)",
        "Unassigned": "South (100%)",
        "All customers": "South (67%)",
    }
    assert list(modes.index) == ["region"]


def test_customers_outside_the_segmentation_are_left_out() -> None:
    # f was filtered out before clustering: only a–e count
    result = overview(LABELS.drop("f"))
    assert list(result.sizes.index) == ["Segment 1", "Segment 2"]
    assert result.sizes["customers"].tolist() == [3, 2]
    assert result.sizes["revenue_share"].tolist() == pytest.approx([0.6, 0.4])
    assert result.means.loc["age", "All customers"] == pytest.approx(40)
    assert result.modes.loc["region", "All customers"] == "South (60%)"


def test_chosen_features_only() -> None:
    result = overview(features=("age",))
    assert list(result.means.index) == ["age"]
    assert result.modes.empty
    result = overview(features=("region",))
    assert not {"age", "monetary"} & set(result.means.index)
    assert not {"age", "monetary"} & set(result.standardised.index)
    assert list(result.modes.index) == ["region"]


def test_a_constant_feature_has_no_standardised_value() -> None:
    frame = TOY.frame.assign(age=pd.array([40] * 6, dtype="Int64"))
    result = overview(frame=frame)
    assert result.standardised.loc["age"].isna().all()  # not ±inf
    assert result.means.loc["age"].tolist() == [40, 40, 40, 40]


def test_a_segment_without_any_category_value_shows_a_dash() -> None:
    frame = TOY.frame.copy()
    frame.loc[frame["customer_id"].isin(["d", "e"]), "region"] = pd.NA
    modes = overview(frame=frame).modes
    assert modes.loc["region", "Segment 2"] == "–"
    assert modes.loc["region", "All customers"].endswith(" (50%)")  # North and South tie


def test_without_a_money_column_there_is_no_revenue() -> None:
    renamed = TOY.frame.rename(columns={"monetary": "points"})
    schema = Schema(
        tuple(
            replace(c, name="points", meaning="other") if c.name == "monetary" else c
            for c in TOY.schema.columns
        )
    )
    segmentation = make_segmentation("Toy", "kmeans", LABELS)
    result = segment_overview(renamed, schema, segmentation)
    assert result.monetary is None
    assert list(result.sizes.columns) == ["customers", "share"]


def schema_of(*columns: tuple[str, str] | tuple[str, str, str]) -> Schema:
    """Columns (name, kind[, meaning]); the meaning defaults to the one detected from the name
    in a table of customers."""
    profiles = []
    for name, kind, *meaning in columns:
        guess = detect_meaning(ColumnEvidence(name, kind, ("1", "2")))
        chosen = meaning[0] if meaning else guess.meaning
        profiles.append(
            ColumnProfile(name, kind, "feature", "behavioral", 0.0, 10, (), meaning=chosen)
        )
    return Schema(tuple(profiles))


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        ((("monetary", "numeric"),), "monetary"),
        ((("Revenue", "numeric"),), "Revenue"),
        ((("SALES", "numeric"),), "SALES"),
        ((("total_spend", "numeric"),), "total_spend"),
        ((("TotalCharges", "numeric"), ("MonthlyCharges", "numeric")), "TotalCharges"),
        ((("balance", "numeric"),), "balance"),
        # the first name in the preference order wins, whatever the column order
        ((("spend", "numeric"), ("monetary", "numeric")), "monetary"),
        ((("sales", "numeric"), ("revenue", "numeric")), "revenue"),
        # only numbers of the customer-value meaning count
        ((("spend", "categorical"),), None),
        ((("orders", "numeric"),), None),
        ((("monetary", "numeric", "other"),), None),
        ((("score", "numeric", "customer_value"),), "score"),
        # a family of spend columns is summed: no single column
        ((("MntWines", "numeric"), ("MntFruits", "numeric")), None),
        ((), None),
    ],
)
def test_find_monetary(columns: tuple[tuple[str, ...], ...], expected: str | None) -> None:
    assert find_monetary(schema_of(*columns)) == expected


@pytest.mark.parametrize(
    "name", ["Total Spend", "total_spend", "Total-Revenue", "TotalRevenue", "REVENUE"]
)
def test_find_monetary_reads_names_like_a_person(name: str) -> None:
    assert find_monetary(schema_of((name, "numeric"))) == name


def test_a_meaning_set_by_hand_chooses_the_value_column() -> None:
    schema = schema_of(("monetary", "numeric"), ("lifetime_points", "numeric"))
    edited = schema.with_column_meaning("lifetime_points", "customer_value")
    assert find_monetary(edited) == "lifetime_points"
    assert find_monetary(schema.with_column_meaning("monetary", "other")) is None


def test_a_family_of_spend_columns_is_summed() -> None:
    schema = schema_of(("MntWines", "numeric"), ("MntFruits", "numeric"), ("Income", "numeric"))
    source = money_source(schema)
    assert source is not None
    assert source.columns == ("MntWines", "MntFruits")
    assert source.label == "Total spend on wines and fruits"
    frame = pd.DataFrame({"MntWines": [1.0, None, None], "MntFruits": [2.0, 3.0, None]})
    assert source.values(frame).tolist()[:2] == [3.0, 3.0]
    assert math.isnan(source.values(frame).iloc[2])


def test_predictions_are_never_revenue() -> None:
    schema = schema_of(("predicted_clv", "numeric", "customer_value"))
    schema = schema.with_column("predicted_clv", note=PREDICTED_NOTE)
    assert money_source(schema) is None


def test_log_columns_are_compared_on_a_log_scale() -> None:
    from segmentation.data.schema import infer_schema
    from segmentation.segmenting.segments import make_segmentation

    spend = [10, 12, 11, 13, 10000, 100, 120, 110, 130, 105]
    raw = pd.DataFrame(
        {"customer_id": [f"c{i}" for i in range(10)], "monetary": [str(v) for v in spend]}
    )
    typed = infer_schema(raw)
    labels = pd.Series([0] * 5 + [1] * 5, index=typed.frame["customer_id"])
    segmentation = make_segmentation("s", "kmeans", labels)
    plain = segment_overview(typed.frame, typed.schema, segmentation)
    logged = segment_overview(typed.frame, typed.schema, segmentation, log_columns=("monetary",))
    # one huge customer makes segment 1 look "above average" on the raw scale…
    assert plain.standardised.loc["monetary", "Segment 1"] > 0
    # …but on the log scale the typical customer of segment 1 spends less than segment 2's
    assert logged.standardised.loc["monetary", "Segment 1"] < 0
    assert logged.means.loc["monetary", "Segment 1"] == pytest.approx(sum(spend[:5]) / 5)
