"""Feature preparation: imputation, logs, scaling, one-hot encoding, base weights and errors."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from segmentation import load_sample
from segmentation.data.schema import BASES, TypedTable, infer_schema
from segmentation.segmenting.features import (
    ColumnWeights,
    FeatureConfig,
    FeatureError,
    default_feature_config,
    prepare_features,
    source_column,
    suggest_log_columns,
)

L10 = math.log(10)


def toy() -> TypedTable:
    """Ten customers, hand-checked:

    age       10 20 __ 40 50 10 20 30 40 50   one gap; the median of the rest is 30
    monetary   0  9 99 999 0  9 99 999 0  9   log1p gives k·ln 10 with k = 0 1 2 3 0 1 2 3 0 1
    region    North ×4, South ×4, East, West  with rare_share 0.2 East and West are rare
    """
    raw = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(10)],
            "age": ["10", "20", "", "40", "50", "10", "20", "30", "40", "50"],
            "monetary": ["0", "9", "99", "999", "0", "9", "99", "999", "0", "9"],
            "region": ["North"] * 4 + ["South"] * 4 + ["East", "West"],
            "email_opt_in": ["yes", "no"] * 5,
            "signup_date": [f"2024-01-{d:02d}" for d in range(1, 11)],
            "comment": [f"Lovely shop, I bought item {i} and it was great" for i in range(10)],
            "constant": ["7"] * 10,
            "plan": ["basic"] * 10,
        }
    )
    return infer_schema(raw)


TOY = toy()
AGE = np.array([10, 20, 30, 40, 50, 10, 20, 30, 40, 50], dtype=float)  # gap filled with 30
K = np.array([0, 1, 2, 3, 0, 1, 2, 3, 0, 1], dtype=float)  # log1p(monetary) / ln 10


def prepare(*columns: str, **options: object):
    return prepare_features(TOY.frame, TOY.schema, FeatureConfig(columns, **options))


def test_toy_schema_is_what_the_tests_assume() -> None:
    kinds = {c.name: (c.kind, c.base) for c in TOY.schema.columns}
    assert kinds["age"] == ("numeric", "demographic")
    assert kinds["monetary"] == ("numeric", "behavioral")
    assert kinds["region"] == ("categorical", "geographic")
    assert kinds["email_opt_in"] == ("boolean", "behavioral")
    assert kinds["signup_date"][0] == "datetime"


@pytest.mark.parametrize(
    ("scaling", "expected"),
    [
        # mean 30, population sd sqrt(200)
        ("standard", (AGE - 30) / math.sqrt(200)),
        # median 30, quartiles 20 and 40: IQR 20
        ("robust", (AGE - 30) / 20),
    ],
)
def test_median_imputation_and_scaling_of_a_number(scaling: str, expected: np.ndarray) -> None:
    matrix = prepare("age", scaling=scaling)
    assert list(matrix.X.columns) == ["age"]
    assert list(matrix.X.index) == [f"c{i}" for i in range(10)]
    np.testing.assert_allclose(matrix.X["age"].to_numpy(), expected)


@pytest.mark.parametrize(
    ("scaling", "log", "expected"),
    [
        # log1p → k·ln10: mean 1.3, sd 1.1 (the ln10 factor cancels)
        ("standard", True, (K - 1.3) / 1.1),
        # log1p → k·ln10: median 1, quartiles 0.25 and 2: IQR 1.75
        ("robust", True, (K - 1) / 1.75),
        # no log: median of the raw values 9, quartiles 2.25 and 99: IQR 96.75
        ("robust", False, (np.array([0, 9, 99, 999, 0, 9, 99, 999, 0, 9]) - 9) / 96.75),
    ],
)
def test_log1p_on_chosen_columns(scaling: str, log: bool, expected: np.ndarray) -> None:
    matrix = prepare("age", "monetary", scaling=scaling, log_columns=("monetary",) if log else ())
    np.testing.assert_allclose(matrix.X["monetary"].to_numpy(), expected, atol=1e-12)
    # the log is applied to the chosen column only
    assert matrix.X["age"].abs().max() == pytest.approx(
        20 / math.sqrt(200) if scaling == "standard" else 1.0
    )


def test_one_hot_groups_rare_levels_as_infrequent() -> None:
    matrix = prepare("region", "email_opt_in", rare_share=0.2)
    region = ["region_North", "region_South", "region_infrequent_sklearn"]
    opt_in = ["email_opt_in_False", "email_opt_in_True"]
    assert list(matrix.X.columns) == region + opt_in
    assert matrix.categorical_columns == ("region", "email_opt_in")
    assert matrix.numeric_columns == ()
    assert dict(matrix.onehot_groups) == {"region": tuple(region), "email_opt_in": tuple(opt_in)}
    expected_region = np.array([[1, 0, 0]] * 4 + [[0, 1, 0]] * 4 + [[0, 0, 1]] * 2, dtype=float)
    np.testing.assert_array_equal(matrix.X[region].to_numpy(), expected_region)
    np.testing.assert_array_equal(matrix.X["email_opt_in_True"].to_numpy(), [1, 0] * 5)


def test_without_rare_grouping_every_level_gets_a_column() -> None:
    matrix = prepare("region", rare_share=0.0)
    assert sorted(matrix.X.columns) == [
        "region_East",
        "region_North",
        "region_South",
        "region_West",
    ]


def test_missing_categories_get_their_own_level() -> None:
    frame = TOY.frame.copy()
    frame.loc[0, "region"] = pd.NA
    matrix = prepare_features(frame, TOY.schema, FeatureConfig(("region",), rare_share=0.0))
    assert "region_Missing" in matrix.X.columns
    assert matrix.X.loc["c0", "region_Missing"] == 1.0


def test_base_weight_four_doubles_that_bases_columns() -> None:
    columns = ("age", "monetary", "region")
    plain = prepare(*columns, log_columns=("monetary",), rare_share=0.2)
    weights = {**dict.fromkeys(BASES, 1.0), "geographic": 4.0, "behavioral": 0.25}
    weighted = prepare(*columns, log_columns=("monetary",), rare_share=0.2, base_weights=weights)
    region = list(plain.onehot_groups["region"])
    np.testing.assert_allclose(weighted.X[region].to_numpy(), 2 * plain.X[region].to_numpy())
    np.testing.assert_allclose(weighted.X["monetary"], 0.5 * plain.X["monetary"])
    np.testing.assert_allclose(weighted.X["age"], plain.X["age"])  # demographic keeps 1
    assert set(weighted.X[region].to_numpy().ravel()) == {0.0, 2.0}


def test_weight_zero_leaves_a_base_out_of_the_distances() -> None:
    weights = {**dict.fromkeys(BASES, 1.0), "behavioral": 0.0}
    matrix = prepare("age", "monetary", base_weights=weights)
    assert (matrix.X["monetary"] == 0).all()
    assert matrix.X["age"].std() > 0


NO_FEATURES = (
    r"^No features are selected, so there is nothing to group customers by\. Pick at least "
    r"one column \(or a whole base\) to segment on\.$"
)
CONSTANT = (
    r"^Every selected feature has the same value for all customers, so they cannot be told "
    r"apart\. Add features that vary between customers\.$"
)


def unusable(names: str) -> str:
    return (
        rf"^{names} cannot be used for clustering \(only numbers, categories and yes/no "
        r"columns can\)\. Remove them from the features\.$"
    )


@pytest.mark.parametrize(
    ("columns", "options", "message"),
    [
        ((), {}, NO_FEATURES),
        (
            ("age", "nope", "gone"),
            {},
            r"^The features 'nope', 'gone' are not columns of the current data\. "
            r"Pick features again from the list\.$",
        ),
        (("age", "signup_date"), {}, unusable("'signup_date'")),
        (("comment", "signup_date"), {}, unusable("'comment', 'signup_date'")),
        (("constant",), {}, CONSTANT),
        (("plan",), {}, CONSTANT),
        (("constant", "plan"), {}, CONSTANT),
        (("age",), {"scaling": "minmax"}, r"^scaling='minmax' must be 'standard' or 'robust'\.$"),
    ],
)
def test_feature_errors(columns: tuple[str, ...], options: dict[str, object], message: str) -> None:
    schema = TOY.schema.with_column("comment", kind="text")  # free text, as a user may set it
    with pytest.raises(FeatureError, match=message):
        prepare_features(TOY.frame, schema, FeatureConfig(columns, **options))


def test_one_varying_feature_is_enough() -> None:
    matrix = prepare("constant", "age")
    assert matrix.X.shape == (10, 2)


@pytest.mark.parametrize(
    "config",
    [
        FeatureConfig(("age",)),
        FeatureConfig(
            ("age", "monetary", "region"),
            {"demographic": 2.0, "geographic": 0.5},
            "robust",
            ("monetary",),
            0.05,
        ),
    ],
)
def test_feature_config_round_trip(config: FeatureConfig) -> None:
    data = config.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert FeatureConfig.from_dict(json.loads(json.dumps(data))) == config


def test_feature_config_from_minimal_dict_uses_defaults() -> None:
    config = FeatureConfig.from_dict({"columns": ["age"]})
    assert config == FeatureConfig(("age",), {}, "standard", (), 0.01)


@pytest.mark.parametrize(
    ("output_name", "source"),
    [
        ("num__age", "age"),
        ("cat:region__region_Midwest", "region"),
        ("cat:pet type__pet type_Dog__x", "pet type"),
        ("plain", ""),
    ],
)
def test_source_column(output_name: str, source: str) -> None:
    assert source_column(output_name) == source


def test_column_weights_multiplies_by_square_root_of_the_weight() -> None:
    X = pd.DataFrame(
        {"num__age": [1.0, 2.0], "cat:region__region_N": [1.0, 0.0], "other": [3.0, 4.0]}
    )
    weights = ColumnWeights({"age": 9.0, "region": 4.0}).fit(X)
    np.testing.assert_allclose(weights.factors_, [3.0, 2.0, 1.0])
    np.testing.assert_allclose(weights.transform(X), [[3.0, 2.0, 3.0], [6.0, 0.0, 4.0]])
    assert list(weights.get_feature_names_out()) == list(X.columns)


@parametrize_with_checks([ColumnWeights()])
def test_column_weights_is_a_scikit_learn_transformer(estimator, check) -> None:
    check(estimator)


@pytest.fixture(scope="module")
def sample():
    return load_sample()


def test_default_feature_config_on_the_sample(sample) -> None:
    config = default_feature_config(sample.customers, sample.schema)
    bases = {sample.schema.column(c).base for c in config.columns}
    assert {"demographic", "geographic", "behavioral", "psychographic"} <= bases
    kinds = {sample.schema.column(c).kind for c in config.columns}
    assert kinds <= {"numeric", "categorical", "boolean"}  # no dates, ids or text
    assert {"monetary", "frequency"} <= set(config.log_columns)
    assert "age" not in config.log_columns
    assert set(config.log_columns) <= set(config.columns)
    matrix = prepare_features(sample.customers, sample.schema, config)
    assert len(matrix.X) == len(sample.customers)
    assert np.isfinite(matrix.X.to_numpy()).all()


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], ()),  # symmetric
        ([1, 1, 2, 2, 3, 3, 4, 5, 6, 7, 8, 10, 15, 30, 80, 400], ("spend",)),  # long right tail
        ([-5, 1, 2, 2, 3, 3, 4, 5, 6, 7, 8, 10, 15, 30, 80, 400], ()),  # negative: no log
        ([1, 1, 1, 1, 1, 1, 1, 2, 2, 200], ()),  # too few distinct values
    ],
)
def test_suggest_log_columns(values: list[int], expected: tuple[str, ...]) -> None:
    raw = pd.DataFrame(
        {"customer_id": [f"c{i}" for i in range(len(values))], "spend": [str(v) for v in values]}
    )
    typed = infer_schema(raw)
    assert suggest_log_columns(typed.frame, ("spend",), typed.schema) == expected
