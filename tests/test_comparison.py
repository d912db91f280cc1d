"""Comparison statistics on hand-computed cases, the correction, KPIs, cross-tabs and figures."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from segmentation.charts.compare import crosstab_heatmap, distribution_chart, profile_radar
from segmentation.data.schema import infer_schema
from segmentation.describing.comparison import (
    CHANCE,
    REAL,
    TINY,
    ComparisonConfig,
    ComparisonError,
    Group,
    compare_features,
    crosstab,
    group_values,
    kpi_table,
    rest_group,
    segment_group,
    standardised_means,
    unique_group_names,
)
from segmentation.describing.comparison_stats import adjust_p_values
from segmentation.segmenting.segments import UNASSIGNED, make_segmentation


def typed(frame: pd.DataFrame):
    return infer_schema(frame, one_row_per_customer=True)


def groups_of(sizes: dict[str, int]) -> list[Group]:
    """Groups of consecutive ids c0, c1, ... with the given sizes."""
    out, start = [], 0
    for name, size in sizes.items():
        out.append(Group(name, pd.Index([f"c{i}" for i in range(start, start + size)])))
        start += size
    return out


def toy(values: list, name: str = "x") -> tuple[pd.DataFrame, object]:
    frame = pd.DataFrame({"customer_id": [f"c{i}" for i in range(len(values))], name: values})
    table = typed(frame)
    return table.frame, table.schema


def row(result, feature: str) -> pd.Series:
    return result.table.set_index("feature").loc[feature]


# --- two groups of numbers ---------------------------------------------------------------


def test_mann_whitney_and_rank_biserial_by_hand() -> None:
    frame, schema = toy([4.0, 5, 6, 1, 2, 3])
    result = compare_features(frame, schema, groups_of({"high": 3, "low": 3}), ["x"])
    r = row(result, "x")
    assert r["test"] == "Mann–Whitney U"
    assert r["statistic"] == 9  # every high value beats every low one: U = 3 × 3
    assert r["effect"] == pytest.approx(1.0)  # rank-biserial 2U/(n1 n2) − 1
    assert r["p_value"] == pytest.approx(0.1)  # exact: 2 of the 20 orderings are this extreme
    assert r["verdict"] == CHANCE  # three customers a side prove nothing
    assert (r["high"], r["low"]) == (5.0, 2.0)  # medians


def test_welch_t_and_cohens_d_by_hand() -> None:
    frame, schema = toy([1.0, 2, 3, 4, 5, 6])
    config = ComparisonConfig(numeric_test="mean")
    result = compare_features(frame, schema, groups_of({"a": 3, "b": 3}), ["x"], config)
    r = row(result, "x")
    # means 2 and 5, both SDs 1: t = −3 / √(1/3 + 1/3) = −3.674 on 4 df; d = −3 / 1 = −3
    assert r["test"] == "Welch's t"
    assert r["statistic"] == pytest.approx(-3 / math.sqrt(2 / 3))
    assert r["p_value"] == pytest.approx(0.02131, abs=1e-4)
    assert r["effect"] == pytest.approx(-3.0)
    assert r["strength"] == pytest.approx(3 / math.sqrt(13))  # d on the r scale
    assert r["size"] == "large"


def test_three_groups_kruskal_wallis_and_anova_by_hand() -> None:
    frame, schema = toy([1.0, 2, 3, 4, 5, 6, 7, 8, 9])
    groups = groups_of({"a": 3, "b": 3, "c": 3})
    rank = row(compare_features(frame, schema, groups, ["x"]), "x")
    # rank sums 6, 15, 24: H = 12/(9·10)·(36+225+576)/3 − 3·10 = 7.2; epsilon² = H/(n−1) = 0.9
    assert rank["test"] == "Kruskal–Wallis H"
    assert rank["statistic"] == pytest.approx(7.2)
    assert rank["effect"] == pytest.approx(0.9)
    assert rank["effect_measure"] == "epsilon²"
    mean = row(compare_features(frame, schema, groups, ["x"], ComparisonConfig("mean")), "x")
    # between-group sum of squares 3·(9+0+9) = 54 of a total 60: eta² = 0.9
    assert mean["test"] == "Welch's ANOVA F"
    assert mean["effect"] == pytest.approx(0.9)
    assert mean["strength"] == pytest.approx(math.sqrt(0.9))


def test_chi_square_and_cramers_v_by_hand() -> None:
    # group A: 10 email, 20 post; group B: 20 email, 10 post → expected 15 everywhere
    values = ["email"] * 10 + ["post"] * 20 + ["email"] * 20 + ["post"] * 10
    frame, schema = toy(values, "answer")
    schema = schema.with_column("answer", kind="categorical")
    result = compare_features(frame, schema, groups_of({"A": 30, "B": 30}), ["answer"])
    r = row(result, "answer")
    assert r["test"] == "chi-square"
    assert r["statistic"] == pytest.approx(4 * 25 / 15)  # 6.667, no continuity correction
    assert r["p_value"] == pytest.approx(0.00982, abs=1e-4)
    assert r["effect"] == pytest.approx(1 / 3)  # √(6.667 / 60)
    assert (r["A"], r["B"]) == ("post (67%)", "email (67%)")


# --- nothing differs ---------------------------------------------------------------------


def test_nothing_differs_when_groups_are_identical() -> None:
    values = [1.0, 2, 3, 4, 5] * 2
    levels = ["a", "b", "c", "a", "b"] * 2
    frame = pd.DataFrame(
        {"customer_id": [f"c{i}" for i in range(10)], "x": values, "kind": levels, "flat": 7.0}
    )
    table = typed(frame)
    schema = table.schema.with_column("kind", kind="categorical")
    for test in ("rank", "mean"):
        result = compare_features(
            table.frame, schema, groups_of({"g1": 5, "g2": 5}), ["x", "kind", "flat"],
            ComparisonConfig(test),
        )  # fmt: skip
        assert result.n_real == 0
        assert set(result.table["verdict"]) == {CHANCE}
        assert result.table["effect"].abs().max() == pytest.approx(0.0)
        assert result.table["p_value"].min() == pytest.approx(1.0)


def test_random_split_of_one_population_finds_nothing() -> None:
    rng = np.random.default_rng(7)
    n = 4000
    frame = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(n)],
            **{f"num_{j}": rng.lognormal(3, 1, n) for j in range(10)},
            **{f"cat_{j}": rng.choice(list("abcde"), n) for j in range(10)},
        }
    )
    table = typed(frame)
    groups = groups_of({"first": n // 4, "second": n // 4, "third": n // 4, "fourth": n // 4})
    result = compare_features(table.frame, table.schema, groups)
    assert len(result.table) == 20
    assert result.n_real == 0
    assert (result.table["p_adjusted"] >= 0.05).all()


def test_real_but_tiny_with_many_customers() -> None:
    rng = np.random.default_rng(3)
    n = 40_000
    values = np.concatenate([rng.normal(0, 1, n), rng.normal(0.06, 1, n)])
    frame, schema = toy(list(values))
    result = compare_features(frame, schema, groups_of({"a": n, "b": n}), ["x"])
    r = row(result, "x")
    assert r["p_adjusted"] < 0.001
    assert r["size"] == "negligible"
    assert r["verdict"] == TINY


# --- correction, sorting and groups ------------------------------------------------------


def test_p_value_corrections_by_hand() -> None:
    p = np.array([0.01, 0.04, 0.03, 0.2])
    # Holm: sorted 0.01×4, 0.03×3, 0.04×2, 0.2×1, made non-decreasing
    assert adjust_p_values(p, "holm").tolist() == pytest.approx([0.04, 0.09, 0.09, 0.2])
    # Benjamini–Hochberg: p × 4 / rank, then the running minimum from the top
    assert adjust_p_values(p, "bh").tolist() == pytest.approx(
        [0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.2]
    )
    assert adjust_p_values(np.array([]), "bh").size == 0


def test_features_are_sorted_by_effect_and_corrected_together() -> None:
    rng = np.random.default_rng(1)
    n = 300
    frame = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(2 * n)],
            "big": np.concatenate([rng.normal(0, 1, n), rng.normal(2, 1, n)]),
            "medium": np.concatenate([rng.normal(0, 1, n), rng.normal(0.6, 1, n)]),
            "none": rng.normal(0, 1, 2 * n),
            "region": ["north"] * n + list(rng.choice(["north", "south"], n)),
        }
    )
    table = typed(frame)
    result = compare_features(table.frame, table.schema, groups_of({"a": n, "b": n}))
    assert list(result.table["feature"]) == ["big", "region", "medium", "none"]
    assert list(result.table["verdict"][:3]) == [REAL] * 3
    assert result.table["verdict"].iloc[-1] == CHANCE
    assert result.table["strength"].is_monotonic_decreasing
    expected = adjust_p_values(result.table["p_value"].to_numpy(), "bh")
    assert result.table["p_adjusted"].to_numpy() == pytest.approx(expected)


@pytest.mark.parametrize(
    ("sizes", "message"),
    [
        ({"only": 3}, r"1 group chosen; compare between 2 and 4"),
        ({f"g{i}": 2 for i in range(5)}, r"5 groups chosen; compare between 2 and 4"),
        ({"a": 3, "b": 0}, r"'b' has no customers"),
    ],
)
def test_unusable_groups_are_refused(sizes: dict[str, int], message: str) -> None:
    frame, schema = toy([1.0] * 10)
    with pytest.raises(ComparisonError, match=message):
        compare_features(frame, schema, groups_of(sizes), ["x"])


def test_repeated_group_names_are_refused() -> None:
    frame, schema = toy([1.0, 2, 3, 4])
    groups = [Group("same", pd.Index(["c0", "c1"])), Group("same", pd.Index(["c2", "c3"]))]
    with pytest.raises(ComparisonError, match="repeat a name"):
        compare_features(frame, schema, groups, ["x"])


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ComparisonError, match="numeric_test='median' is not a test"):
        ComparisonConfig(numeric_test="median")
    with pytest.raises(ComparisonError, match="correction='bonferroni'"):
        ComparisonConfig(correction="bonferroni")
    with pytest.raises(ComparisonError, match=r"alpha=1\.5 must be between 0 and 1"):
        ComparisonConfig(alpha=1.5)
    config = ComparisonConfig("mean", "holm", 0.01)
    assert ComparisonConfig.from_dict(config.to_dict()) == config


def test_segments_of_two_segmentations_may_overlap() -> None:
    frame, schema = toy([1.0, 2, 3, 4, 5, 6])
    ids = pd.Index(frame["customer_id"])
    first = make_segmentation("first", "rules", pd.Series([0, 0, 0, 1, 1, 1], index=ids))
    second = make_segmentation("second", "rules", pd.Series([0, 0, 1, 1, 1, 1], index=ids))
    names = unique_group_names(["Segment 1", "Segment 2"], ["first", "second"])
    assert names == ["Segment 1", "Segment 2"]
    names = unique_group_names(["Segment 1", "Segment 1"], ["first", "second"])
    assert names == ["Segment 1 (first)", "Segment 1 (second)"]
    groups = [segment_group(first, 0, names[0]), segment_group(second, 0, names[1])]
    result = compare_features(frame, schema, groups, ["x"])
    assert result.n_overlap == 2
    assert "2 customers are in more than one group" in result.notes[0]


def test_one_segment_against_everyone_else() -> None:
    ids = pd.Index([f"c{i}" for i in range(6)])
    segmentation = make_segmentation("s", "kmeans", pd.Series([0, 1, 2, 0, 1, 2], index=ids))
    group, rest = segment_group(segmentation, 0), rest_group(segmentation, 0)
    assert group.name == "Segment 1" and list(group.customer_ids) == ["c0", "c3"]
    assert rest.name == "All other customers" and list(rest.customer_ids) == [
        "c1",
        "c2",
        "c4",
        "c5",
    ]
    with pytest.raises(ComparisonError, match="Segment 7 is not in 's'"):
        segment_group(segmentation, 7)


# --- KPIs ------------------------------------------------------------------------------------


def test_kpi_table_by_hand() -> None:
    frame = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "monetary": [100.0, 300.0, 50.0, 50.0],
            "frequency": [2, 4, 1, 1],
            "recency_days": [10, 30, 200, 100],
            "avg_order_value": [50.0, 75.0, 50.0, 50.0],
            "density": ["Urban", "Urban", "Rural", "Suburban"],
        }
    )
    table = typed(frame)
    groups = [Group("Big spenders", pd.Index(["a", "b"])), Group("Lapsed", pd.Index(["c", "d"]))]
    kpis = kpi_table(table.frame, table.schema, groups, ["density"])
    values = kpis.values
    assert list(values.columns) == ["Big spenders", "Lapsed"]
    assert values.loc["Customers"].tolist() == [2, 2]
    assert values.loc["Share of customers"].tolist() == [0.5, 0.5]
    assert values.loc["Revenue"].tolist() == [400.0, 100.0]
    assert values.loc["Share of revenue"].tolist() == [0.8, 0.2]
    assert values.loc["Value per customer"].tolist() == [200.0, 50.0]
    assert values.loc["Orders per customer"].tolist() == [3.0, 1.0]
    assert values.loc["Days since last order (median)"].tolist() == [20.0, 150.0]
    assert values.loc["Average order value"].tolist() == [62.5, 50.0]
    assert values.loc["Top density"].tolist() == ["Urban (100%)", "Rural (50%), Suburban (50%)"]
    shown = kpis.formatted()
    assert shown.loc["Share of revenue", "Big spenders"] == "80.0%"
    assert shown.loc["Days since last order (median)", "Lapsed"] == "150 days"


def test_kpi_table_without_money_or_orders_leaves_those_rows_out() -> None:
    frame, schema = toy([1.0, 2, 3, 4], "age")
    kpis = kpi_table(frame, schema, groups_of({"a": 2, "b": 2}))
    assert list(kpis.values.index) == ["Customers", "Share of customers"]


# --- cross-tab ---------------------------------------------------------------------------------


def test_crosstab_counts_and_row_shares_by_hand() -> None:
    ids = pd.Index(list("abcdef"))
    clusters = make_segmentation("Clusters", "kmeans", pd.Series([0, 0, 0, 1, 1, 1], index=ids))
    rfm = make_segmentation(
        "RFM", "rfm", pd.Series([0, 0, 1, 1, 1, UNASSIGNED], index=ids), {0: "Champions", 1: "Lost"}
    )
    table = crosstab(clusters, rfm)
    assert table.counts.loc["Segment 1"].tolist() == [2, 1, 0]
    assert table.counts.loc["Segment 2"].tolist() == [0, 2, 1]
    assert list(table.counts.columns) == ["Champions", "Lost", "Unassigned"]
    assert table.row_shares.loc["Segment 1", "Champions"] == pytest.approx(2 / 3)
    assert table.row_shares.sum(axis=1).tolist() == pytest.approx([1.0, 1.0])
    assert table.n_customers == 6
    assert crosstab(clusters, clusters).adjusted_rand == pytest.approx(1.0)


def test_crosstab_of_segmentations_without_common_customers_is_refused() -> None:
    one = make_segmentation("one", "rules", pd.Series([0, 1], index=pd.Index(["a", "b"])))
    two = make_segmentation("two", "rules", pd.Series([0, 1], index=pd.Index(["x", "y"])))
    with pytest.raises(ComparisonError, match="'one' and 'two' share no customers"):
        crosstab(one, two)


# --- figures -----------------------------------------------------------------------------------


def titles(figure: go.Figure) -> tuple[str, str, str]:
    layout = figure.to_dict()["layout"]
    return (
        layout["title"]["text"],
        layout.get("xaxis", {}).get("title", {}).get("text", ""),
        layout.get("yaxis", {}).get("title", {}).get("text", ""),
    )


def test_every_compare_figure_is_titled_with_labelled_axes() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(200)],
            "spend": np.concatenate([rng.lognormal(3, 1, 199), [1e6]]),
            "age": rng.integers(20, 70, 200),
            "visits": rng.poisson(3, 200),
            "region": rng.choice(["north", "south", "east"], 200),
        }
    )
    table = typed(frame)
    groups = groups_of({"first": 100, "second": 100})
    histogram = distribution_chart(
        group_values(table.frame, table.schema, groups, "spend"), "spend", True
    )
    assert all(titles(histogram))
    assert "top 1% of values not shown" in titles(histogram)[1]
    box = distribution_chart(
        group_values(table.frame, table.schema, groups, "age"), "age", True, "box"
    )
    assert all(titles(box))
    bars = distribution_chart(
        group_values(table.frame, table.schema, groups, "region"), "region", False
    )
    assert all(titles(bars))
    assert len(bars.data) == 2
    profile = standardised_means(table.frame, table.schema, groups, ["spend", "age", "visits"])
    assert profile.shape == (3, 2)
    radar = profile_radar(profile).to_dict()["layout"]
    assert radar["title"]["text"] and radar["polar"]["radialaxis"]["title"]["text"]
    ids = pd.Index(frame["customer_id"])
    one = make_segmentation("one", "kmeans", pd.Series(rng.integers(0, 3, 200), index=ids))
    two = make_segmentation("two", "rules", pd.Series(rng.integers(0, 2, 200), index=ids))
    assert all(titles(crosstab_heatmap(crosstab(one, two))))
