"""The predictions as behavioral columns of the customer table, usable like any other column.

Rules, clustering features, personas, Compare and Target read the customer table and its
schema, so the predictions join both: one column per prediction with its readable label,
base "behavioral", and role "feature" for the four that describe a customer's future
(expected orders, churn risk, spend per order, predicted CLV; the others restate them or the
past, and would weigh the same thing twice in a clustering). Customers without a prediction
(not in the orders, or first ordering after the as-of date) are left empty.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pandas as pd

from segmentation.data.dataset import CustomerData
from segmentation.data.schema import ColumnProfile, Schema
from segmentation.predicting.predictions import PREDICTION_COLUMNS, Predictions, column_labels

PREDICTED_NOTE = "a prediction from the orders (Predictions page)"
FEATURE_COLUMNS = ("expected_orders", "churn_risk", "expected_order_value", "predicted_clv")
_MEANINGS = {
    "expected_orders": "order_count",
    "expected_order_value": "customer_value",
    "predicted_clv": "customer_value",
    "historic_value": "customer_value",
    "total_value": "customer_value",
}
_DECIMALS = {"expected_orders": 3, "p_order_90d": 4, "churn_risk": 4, "days_between_orders": 1}
_MONEY_DECIMALS = 2


def prediction_columns(data: CustomerData) -> tuple[str, ...]:
    """The columns of the table that an earlier :func:`with_predictions` added."""
    return tuple(c.name for c in data.schema.columns if c.note == PREDICTED_NOTE)


def with_predictions(data: CustomerData, predictions: Predictions) -> CustomerData:
    """The same customers with the prediction columns joined (replacing earlier ones).

    A prediction whose name an original column already has (e.g. ``days_between_orders``
    of an orders upload) is left out, so no column of the data changes.

    >>> from segmentation import load_sample
    >>> from segmentation.predicting.predictions import predict_from_data
    >>> sample = load_sample()
    >>> joined = with_predictions(sample, predict_from_data(sample))
    >>> joined.schema.column("churn_risk").label, joined.schema.column("churn_risk").base
    ('churn risk (no order in the next 90 days)', 'behavioral')
    >>> joined.source == sample.source
    True
    """
    earlier = set(prediction_columns(data))
    kept = [c for c in data.customers.columns if c not in earlier]
    added = [c for c in PREDICTION_COLUMNS if c not in kept]
    values = prediction_values(predictions, data.customers[data.id_column], added)
    labels = column_labels(predictions.config)
    as_of = predictions.model.as_of
    profiles = [_profile(name, values[name], labels[name], as_of) for name in added]
    schema = Schema((*(c for c in data.schema.columns if c.name not in earlier), *profiles))
    customers = pd.concat([data.customers[kept], values], axis=1)
    report = replace(data.report, n_columns=len(schema.columns))
    return replace(data, customers=customers, schema=schema, report=report)


def prediction_values(
    predictions: Predictions, keys: pd.Series, columns: Sequence[str] = PREDICTION_COLUMNS
) -> pd.DataFrame:
    """The prediction ``columns`` of the customers ``keys`` names, indexed like ``keys`` and
    rounded as in the customer table; empty for customers without a prediction."""
    values = _rounded(predictions.customers[list(columns)]).reindex(
        keys.astype("string").to_numpy()
    )
    values.index = keys.index
    if "churn_risk_level" in values:
        values["churn_risk_level"] = values["churn_risk_level"].astype("string")
    return values


def _rounded(frame: pd.DataFrame) -> pd.DataFrame:
    rounded = frame.copy()
    for name in rounded.columns:
        if name in _DECIMALS:
            rounded[name] = rounded[name].round(_DECIMALS[name])
        elif name in _MEANINGS:
            rounded[name] = rounded[name].round(_MONEY_DECIMALS)
    return rounded


def _profile(name: str, values: pd.Series, label: str, as_of: pd.Timestamp) -> ColumnProfile:
    if pd.api.types.is_datetime64_any_dtype(values):
        kind, shown = "datetime", values.dropna().dt.strftime("%Y-%m-%d")
    elif pd.api.types.is_numeric_dtype(values):
        kind, shown = "numeric", values.dropna().astype(str)
    else:
        kind, shown = "categorical", values.dropna().astype(str)
    return ColumnProfile(
        name,
        kind,
        "feature" if name in FEATURE_COLUMNS else "ignore",
        "behavioral",
        float(values.isna().mean()),
        int(values.nunique()),
        tuple(shown.drop_duplicates().head(3)),
        note=PREDICTED_NOTE,
        meaning=_MEANINGS.get(name, "other"),
        meaning_reason=f"predicted from the orders up to {as_of:%d %b %Y}",
        label=label,
    )
