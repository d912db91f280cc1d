"""Placing customers in the segment with the nearest centre: the step behind applying a
clustering to new customers (:mod:`segmentation.sharing.reuse`), fast enough for millions.

Two things make it fast without changing a single label:

* **features per distinct category.** The app's preprocessing (``build_preprocessor``: a
  ``ColumnTransformer`` of a numeric pipeline and one ``OneHotEncoder`` per category column,
  then ``ColumnWeights``) works row by row, so a category's encoding is the same on every row.
  Each encoder therefore sees a column's distinct values once (a handful, not millions of
  Python strings) and the rows take their value's encoding; the numbers go through their
  pipeline as they would inside the ``ColumnTransformer``. The matrix is the one
  ``preprocessor.transform`` returns, to the bit; any other pipeline is simply transformed.
* **distances feature by feature.** ``Σ_j (x_j − c_j)²`` is accumulated over the features as
  whole columns, one centre at a time: n-sized vectors, never an n × k × d array, and each
  row's sum is formed the same way whatever the other rows are, so a customer gets the same
  centre in any partition of a dataset (a matrix product, as in ``‖x‖² − 2x·c``, promises
  neither that nor the same rounding near a tie).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from segmentation.segmenting.features import MISSING_LEVEL

ROWS_PER_BLOCK = 32_768  # rows whose distances are summed together: a block stays in cache


@dataclass(frozen=True)
class CategoryCodes:
    """A category column as the features read it (text, ``Missing`` for gaps): each row's
    position in ``levels``, the distinct texts."""

    codes: np.ndarray
    levels: np.ndarray

    @property
    def values(self) -> np.ndarray:
        """Every row's text, as an object array."""
        return self.levels[self.codes]


def category_codes(values: pd.Series) -> CategoryCodes:
    """The codes of a category column: its values as text, blanks as ``Missing``."""
    codes, uniques = pd.factorize(pd.Series(values).astype("string"))
    levels = np.asarray(uniques, dtype=object)
    if (codes < 0).any():  # the missing level only when something is missing (unknown → warning)
        levels = np.append(levels, MISSING_LEVEL)
        codes = np.where(codes < 0, len(levels) - 1, codes)
    return CategoryCodes(codes.astype(np.intp, copy=False), levels)


def feature_matrix(preprocessor: Any, typed: pd.DataFrame, kinds: Mapping[str, str]) -> np.ndarray:
    """``preprocessor.transform`` of typed customers (``kinds``: each input column's kind), as
    a float matrix; the app's pipelines encode each category once (see the module)."""
    inputs = {
        name: typed[name].astype("float64").to_numpy()
        if kind == "numeric"
        else category_codes(typed[name])
        for name, kind in kinds.items()
    }
    blocks = _column_blocks(preprocessor)
    if blocks is None or not len(typed):
        X = preprocessor.transform(_frame(inputs, list(inputs)))
        return np.asarray(X, dtype="float64")
    encoders, factors = blocks
    parts = [_block(transformer, columns, inputs) for transformer, columns in encoders]
    if sum(part.shape[1] for part in parts) != len(factors):  # not the app's: the plain way
        return np.asarray(preprocessor.transform(_frame(inputs, list(inputs))), dtype="float64")
    X = np.empty((len(typed), len(factors)), order="F")  # by feature, as distances read it
    start = 0
    for part in parts:
        X[:, start : start + part.shape[1]] = part
        start += part.shape[1]
    X *= factors
    return X


def _frame(inputs: Mapping[str, Any], columns: list[str]) -> pd.DataFrame:
    data = {c: inputs[c].values if isinstance(inputs[c], CategoryCodes) else inputs[c]
            for c in columns}  # fmt: skip
    return pd.DataFrame(data)


def _block(transformer: Any, columns: list[str], inputs: Mapping[str, Any]) -> np.ndarray:
    """One transformer's output columns: a one-column encoder's of the distinct levels,
    taken by row; any other transformer's of every row."""
    from sklearn.preprocessing import OneHotEncoder

    only = inputs[columns[0]]
    one_category = len(columns) == 1 and isinstance(only, CategoryCodes)
    if one_category and isinstance(transformer, OneHotEncoder):
        levels = pd.DataFrame({columns[0]: only.levels})
        return np.asarray(transformer.transform(levels), dtype="float64")[only.codes]
    return np.asarray(transformer.transform(_frame(inputs, columns)), dtype="float64")


def _column_blocks(preprocessor: Any) -> tuple[list[tuple[Any, list[str]]], np.ndarray] | None:
    """The fitted transformers of the app's pipeline with their input columns, in output
    order, and the weights' factors; ``None`` for any other pipeline."""
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline

    from segmentation.segmenting.features import ColumnWeights

    if not isinstance(preprocessor, Pipeline) or len(preprocessor.steps) != 2:
        return None
    (_, columns), (_, weights) = preprocessor.steps
    if not isinstance(columns, ColumnTransformer) or not isinstance(weights, ColumnWeights):
        return None
    encoders = []
    for _, transformer, names in columns.transformers_:
        if isinstance(names, str) or not all(isinstance(n, str) for n in names):
            return None
        if not len(names) or (isinstance(transformer, str) and transformer == "drop"):
            continue
        if isinstance(transformer, str):  # "passthrough": not one the app makes
            return None
        encoders.append((transformer, list(names)))
    return encoders, np.asarray(weights.factors_, dtype="float64")


def nearest_centre(X: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """The position of each row's nearest centre (squared Euclidean; ties: the first centre).

    Distances are summed feature by feature over blocks of rows, one centre at a time (see
    the module): memory stays n × d, and a row gets the same centre in any partition.
    """
    X = np.asfortranarray(X, dtype="float64")  # each feature's values contiguous
    centers = np.asarray(centers, dtype="float64")
    nearest = np.zeros(len(X), dtype=np.int64)
    for start in range(0, len(X), ROWS_PER_BLOCK):
        block = X[start : start + ROWS_PER_BLOCK]
        nearest[start : start + len(block)] = _nearest_in_block(block, centers)
    return nearest


def _nearest_in_block(X: np.ndarray, centers: np.ndarray) -> np.ndarray:
    best = np.full(len(X), np.inf)
    nearest = np.zeros(len(X), dtype=np.int64)
    distance, term = np.empty(len(X)), np.empty(len(X))
    for position, centre in enumerate(centers):
        distance.fill(0.0)
        for j, value in enumerate(centre):
            np.subtract(X[:, j], value, out=term)
            np.multiply(term, term, out=term)
            distance += term
        closer = distance < best
        best[closer], nearest[closer] = distance[closer], position
    return nearest
