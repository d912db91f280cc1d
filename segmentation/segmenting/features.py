"""Turning customer columns into the numbers clustering needs: a scikit-learn pipeline.

Numbers are imputed with the median, optionally log-transformed when long-tailed, and scaled;
categories (and yes/no columns) are one-hot encoded with rare levels grouped. Each column is
then multiplied by the square root of its base's weight, so a base weight of 2 doubles that
base's share of the squared distances clustering works on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, RobustScaler, StandardScaler
from sklearn.utils.validation import check_is_fitted, validate_data

from segmentation.data.schema import BASES, Schema
from segmentation.errors import SegmentationError

MODEL_KINDS = ("numeric", "categorical", "boolean")
# At most this many columns feed clustering unless the user picks more. Past a few dozen traits
# the distances clustering works on flatten out (every customer about as far from every other),
# each added column slows every k tried, and no one can read a persona of hundreds of traits;
# 60 keeps every column of a rich CRM export (the sample has under 20) and caps a 3,000-column one.
MAX_FEATURES = 60
MISSING_LEVEL = "Missing"
SKEW_FOR_LOG = 1.0


class FeatureError(SegmentationError):
    """Feature settings that cannot produce a usable feature matrix."""


@dataclass(frozen=True)
class FeatureConfig:
    """Which columns describe customers for clustering, and how they are prepared.

    Attributes
    ----------
    columns : the feature columns, in the data's order.
    base_weights : weight per segmentation base (1 = neutral, 0 = leave the base out).
    scaling : "standard" (mean 0, sd 1) or "robust" (median 0, interquartile range 1).
    log_columns : long-tailed non-negative numbers to log-transform before scaling.
    rare_share : categories held by fewer customers than this share are grouped together.
    """

    columns: tuple[str, ...]
    base_weights: Mapping[str, float] = field(default_factory=lambda: dict.fromkeys(BASES, 1.0))
    scaling: str = "standard"
    log_columns: tuple[str, ...] = ()
    rare_share: float = 0.01

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        data = asdict(self)
        return {
            **data,
            "columns": list(self.columns),
            "log_columns": list(self.log_columns),
            "base_weights": dict(self.base_weights),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FeatureConfig:
        """Rebuild from :meth:`to_dict` output."""
        return cls(
            tuple(data["columns"]),
            dict(data.get("base_weights", {})),
            data.get("scaling", "standard"),
            tuple(data.get("log_columns", ())),
            float(data.get("rare_share", 0.01)),
        )


@dataclass(frozen=True)
class FeatureMatrix:
    """The prepared numbers per customer (rows indexed by customer id) and how they were made."""

    X: pd.DataFrame
    config: FeatureConfig
    preprocessor: Pipeline
    numeric_columns: tuple[str, ...]
    categorical_columns: tuple[str, ...]
    onehot_groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


class ColumnWeights(TransformerMixin, BaseEstimator):
    """Multiply each output column by the weight of the input column it came from.

    Output names look like ``num__age`` or ``cat:region__region_Midwest``; ``weights`` maps
    input column names to weights, and a column without a weight keeps factor 1.
    """

    def __init__(self, weights: Mapping[str, float] | None = None) -> None:
        self.weights = weights

    def fit(self, X: Any, y: Any = None) -> ColumnWeights:
        """Check X and record the factor for each of its columns."""
        names = getattr(X, "columns", None)
        X = validate_data(self, X, reset=True)
        names = list(names) if names is not None else [f"x{i}" for i in range(X.shape[1])]
        weights = self.weights or {}
        self.factors_ = np.array([np.sqrt(weights.get(source_column(n), 1.0)) for n in names])
        self.feature_names_out_ = np.asarray(names, dtype=object)
        return self

    def transform(self, X: Any) -> np.ndarray:
        """X with each column multiplied by its factor."""
        check_is_fitted(self, "factors_")
        X = validate_data(self, X, reset=False)
        return X * self.factors_

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """The input names, unchanged."""
        check_is_fitted(self, "feature_names_out_")
        return self.feature_names_out_


def source_column(output_name: str) -> str:
    """The input column an output column came from: ``cat:region__region_Midwest`` → region."""
    prefix, _, bare = str(output_name).partition("__")
    return prefix.removeprefix("cat:") if prefix.startswith("cat:") else bare


@dataclass(frozen=True)
class FeatureCap:
    """The candidate feature columns split into those clustering uses by default (``kept``, at
    most :data:`MAX_FEATURES`, the most complete first) and those ``left_out``, both in the
    data's order."""

    kept: tuple[str, ...]
    left_out: tuple[str, ...]

    @property
    def message(self) -> str:
        """What the cap did and how to choose, or "" when nothing was left out."""
        if not self.left_out:
            return ""
        total = len(self.kept) + len(self.left_out)
        return (
            f"{total:,} columns could be features; clustering uses the {len(self.kept)} most "
            f"complete and leaves {len(self.left_out):,} out (at most {MAX_FEATURES} by default: "
            "more traits make segments slower to find and harder to tell apart). To choose, set "
            "columns' role to 'ignore' or 'feature' on the Data page, or pick the features in "
            "each base's list on the Segments page."
        )


def candidate_features(schema: Schema) -> tuple[str, ...]:
    """Every feature column clustering can use (numbers, categories, yes/no), in order."""
    return tuple(c.name for c in schema.columns if c.role == "feature" and c.kind in MODEL_KINDS)


def cap_features(schema: Schema, limit: int = MAX_FEATURES) -> FeatureCap:
    """The candidate features, at most ``limit`` kept: fewest missing values first, then the
    data's order.

    >>> from segmentation.data.schema import ColumnProfile
    >>> columns = [ColumnProfile(f"c{i}", "numeric", "feature", "other", i / 10, 5, ())
    ...            for i in range(4)]
    >>> cap = cap_features(Schema(tuple(reversed(columns))), limit=2)
    >>> cap.kept, cap.left_out
    (('c1', 'c0'), ('c3', 'c2'))
    """
    names = candidate_features(schema)
    if len(names) <= limit:
        return FeatureCap(names, ())
    missing = {c.name: c.missing_share for c in schema.columns}
    ranked = sorted(range(len(names)), key=lambda i: missing[names[i]])
    kept = set(ranked[:limit])
    return FeatureCap(
        tuple(n for i, n in enumerate(names) if i in kept),
        tuple(n for i, n in enumerate(names) if i not in kept),
    )


def default_feature_config(frame: pd.DataFrame, schema: Schema) -> FeatureConfig:
    """The feature columns clustering uses by default (at most :data:`MAX_FEATURES`, see
    :func:`cap_features`), with long-tailed numbers log-transformed."""
    columns = cap_features(schema).kept
    return FeatureConfig(columns, log_columns=suggest_log_columns(frame, columns, schema))


def suggest_log_columns(
    frame: pd.DataFrame, columns: tuple[str, ...], schema: Schema
) -> tuple[str, ...]:
    """Non-negative numeric columns with a long right tail (skewness above 1)."""
    chosen = []
    for name in columns:
        if schema.column(name).kind != "numeric":
            continue
        values = frame[name].dropna().astype("float64")
        if (
            len(values) > 2
            and values.min() >= 0
            and values.nunique() > 10
            and values.skew() > SKEW_FOR_LOG
        ):
            chosen.append(name)
    return tuple(chosen)


def prepare_features(frame: pd.DataFrame, schema: Schema, config: FeatureConfig) -> FeatureMatrix:
    """Fit the preprocessing pipeline on the customers and return their feature matrix.

    Examples
    --------
    >>> from segmentation.data.schema import infer_schema
    >>> raw = pd.DataFrame({"customer_id": list("abcdef"),
    ...                     "age": ["30", "", "50", "41", "33", "62"],
    ...                     "region": ["North", "South", "North", None, "South", "North"]})
    >>> typed = infer_schema(raw)
    >>> matrix = prepare_features(typed.frame, typed.schema, FeatureConfig(("age", "region")))
    >>> matrix.X.shape, list(matrix.X.columns)[:2]
    ((6, 4), ['age', 'region_Missing'])
    """
    numeric, categorical = _split_columns(schema, config)
    model_frame = model_input(frame, schema, config.columns)
    pipeline = build_preprocessor(schema, config, numeric, categorical)
    X = pipeline.fit_transform(model_frame)
    names = [str(c).split("__", 1)[-1] for c in X.columns]
    groups = {
        c: tuple(
            n
            for n, full in zip(names, X.columns, strict=True)
            if source_column(full) == c and str(full).startswith("cat:")
        )
        for c in categorical
    }
    X.columns = names
    X.index = frame[schema.id_column].to_numpy() if schema.id_column else frame.index
    _check_matrix(X)
    return FeatureMatrix(X.astype("float64"), config, pipeline, numeric, categorical, groups)


def _split_columns(
    schema: Schema, config: FeatureConfig
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if not config.columns:
        raise FeatureError(
            "No features are selected, so there is nothing to group customers by. Pick at least "
            "one column (or a whole base) to segment on."
        )
    if config.scaling not in ("standard", "robust"):
        raise FeatureError(f"scaling='{config.scaling}' must be 'standard' or 'robust'.")
    unknown = [c for c in config.columns if c not in schema.names]
    if unknown:
        raise FeatureError(
            f"The features {', '.join(map(repr, unknown))} are not columns of the current data. "
            "Pick features again from the list."
        )
    kinds = {c: schema.column(c).kind for c in config.columns}
    unusable = [c for c, kind in kinds.items() if kind not in MODEL_KINDS]
    if unusable:
        raise FeatureError(
            f"{', '.join(map(repr, unusable))} cannot be used for clustering (only numbers, "
            "categories and yes/no columns can). Remove them from the features."
        )
    numeric = tuple(c for c in config.columns if kinds[c] == "numeric")
    return numeric, tuple(c for c in config.columns if kinds[c] != "numeric")


def model_input(frame: pd.DataFrame, schema: Schema, columns: tuple[str, ...]) -> pd.DataFrame:
    """The feature columns as float numbers and object categories (``Missing`` for gaps)."""
    data = {}
    for name in columns:
        if schema.column(name).kind == "numeric":
            data[name] = frame[name].astype("float64").to_numpy()
        else:
            values = frame[name].astype("string").fillna(MISSING_LEVEL)
            data[name] = values.astype(object).to_numpy()
    return pd.DataFrame(data, index=frame.index)


def build_preprocessor(
    schema: Schema, config: FeatureConfig, numeric: tuple[str, ...], categorical: tuple[str, ...]
) -> Pipeline:
    """The unfitted pipeline: impute, log, scale, one-hot encode, then weight by base."""
    scaler = StandardScaler() if config.scaling == "standard" else RobustScaler()
    log_mask = [c in config.log_columns for c in numeric]
    numbers = Pipeline(
        [
            ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
            (
                "log",
                FunctionTransformer(
                    _log1p_where, kw_args={"mask": log_mask}, feature_names_out="one-to-one"
                ),
            ),
            ("scale", scaler),
        ]
    )
    encoders = [(f"cat:{c}", _one_hot(config.rare_share), [c]) for c in categorical]
    columns = ColumnTransformer(
        [("num", numbers, list(numeric)), *encoders], verbose_feature_names_out=True
    )
    weights = {c: config.base_weights.get(schema.column(c).base, 1.0) for c in config.columns}
    pipeline = Pipeline([("columns", columns), ("weights", ColumnWeights(weights))])
    return pipeline.set_output(transform="pandas")


def _one_hot(rare_share: float) -> OneHotEncoder:
    return OneHotEncoder(
        handle_unknown="infrequent_if_exist",
        sparse_output=False,
        min_frequency=rare_share or None,
        dtype=np.float64,
    )


def _log1p_where(X: np.ndarray, mask: list[bool]) -> np.ndarray:
    X = np.array(X, dtype="float64", copy=True)
    if any(mask):
        X[:, mask] = np.log1p(np.clip(X[:, mask], 0, None))
    return X


def _check_matrix(X: pd.DataFrame) -> None:
    if X.shape[1] == 0 or bool((X.std(axis=0) == 0).all()):
        raise FeatureError(
            "Every selected feature has the same value for all customers, so they cannot be told "
            "apart. Add features that vary between customers."
        )
