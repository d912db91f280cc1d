"""The customer value on Target: which column (or sum of columns), following the columns'
meanings, chosen by the user, none at all, or the predicted CLV; reachability from the consent,
e-mail and phone meanings. Unit tests on real-shaped files (a marketing-campaign file, a telecom
churn file, a wholesale file, none with a ready value column), then AppTests of the picker."""

from __future__ import annotations

import json
from dataclasses import replace
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from segmentation import (
    customers_from_table,
    infer_schema,
    load_sample,
    load_table,
)
from segmentation.predicting.columns import with_predictions
from segmentation.predicting.predictions import predict_from_data
from segmentation.segmenting.segments import make_segmentation
from segmentation.sharing.projects import (
    DataInfo,
    Project,
    project_from_json,
    project_from_link,
    project_to_json,
    project_to_link,
)
from segmentation.targeting.budget import roi_table
from segmentation.targeting.config import TargetingConfig, TargetingError, ValueChoice
from segmentation.targeting.export import target_list
from segmentation.targeting.measures import reachable_mask, segment_measures
from segmentation.targeting.plan import plan_targeting, with_defaults
from segmentation.targeting.value import (
    WITHOUT_VALUE,
    default_value,
    resolve_value,
    value_candidates,
    value_label,
)

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 180
SPENDS = (
    "MntWines",
    "MntFruits",
    "MntMeatProducts",
    "MntFishProducts",
    "MntSweetProducts",
    "MntGoldProds",
)
SPENDS_LABEL = (
    "Spend on wines, fruits, meat products, fish products, sweet products and gold products"
)


# --- real-shaped files, written by a seeded generator ----------------------------------------


def campaign_csv(n: int = 240) -> bytes:
    """The marketing-campaign layout (tab-separated, as published): spend per product group,
    purchases per channel, campaign responses; no total spend column."""
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "ID": np.arange(1000, 1000 + n),
            "Year_Birth": rng.integers(1945, 2000, n),
            "Education": rng.choice(["Graduation", "PhD", "Master", "Basic"], n),
            "Income": rng.normal(52000, 20000, n).round(0),
            "Kidhome": rng.integers(0, 3, n),
            "Dt_Customer": pd.date_range("2012-08-01", periods=n, freq="D").strftime("%d-%m-%Y"),
            "Recency": rng.integers(0, 100, n),
            **{name: rng.gamma(1.0, 100, n).round(0) for name in SPENDS},
            "NumDealsPurchases": rng.integers(0, 8, n),
            "NumWebPurchases": rng.integers(0, 12, n),
            "NumCatalogPurchases": rng.integers(0, 10, n),
            "NumStorePurchases": rng.integers(0, 13, n),
            "NumWebVisitsMonth": rng.integers(0, 10, n),
            "AcceptedCmp1": rng.integers(0, 2, n),
            "Response": rng.integers(0, 2, n),
        }
    )
    return frame.to_csv(sep="\t", index=False).encode()


def telecom_csv(n: int = 240) -> bytes:
    """The telecom churn layout: tenure, monthly and total charges (blank for new customers)."""
    rng = np.random.default_rng(2)
    frame = pd.DataFrame(
        {
            "customerID": [f"{i:04d}-QWERT" for i in range(n)],
            "gender": rng.choice(["Male", "Female"], n),
            "SeniorCitizen": rng.integers(0, 2, n),
            "tenure": rng.integers(0, 72, n),
            "Contract": rng.choice(["Month-to-month", "One year", "Two year"], n),
            "MonthlyCharges": rng.uniform(18, 119, n).round(2),
        }
    )
    total = (frame["MonthlyCharges"] * frame["tenure"]).round(2).astype(str)
    frame["TotalCharges"] = total.where(frame["tenure"] > 0, " ")
    frame["Churn"] = rng.choice(["Yes", "No"], n)
    return frame.to_csv(index=False).encode()


def wholesale_csv(n: int = 240) -> bytes:
    """The wholesale-customers layout: yearly spend per product group, no id, no total."""
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"Channel": rng.integers(1, 3, n), "Region": rng.integers(1, 4, n)})
    for name, scale in [("Fresh", 12000), ("Milk", 5800), ("Grocery", 8000), ("Frozen", 3000)]:
        frame[name] = rng.gamma(1.0, scale, n).round(0).astype(int)
    frame["Detergents_Paper"] = rng.gamma(1.0, 2900, n).round(0).astype(int)
    frame["Delicassen"] = rng.gamma(1.0, 1500, n).round(0).astype(int)
    return frame.to_csv(index=False).encode()


FILES = {"campaign.csv": campaign_csv, "telecom.csv": telecom_csv, "wholesale.csv": wholesale_csv}


@cache
def customers(name: str):
    """A file read as the Data page reads a customer file."""
    table = load_table(FILES[name](), name, max_mb=50)
    return customers_from_table(table, infer_schema(table.frame))


def halves(data) -> object:
    """Two segments: the first and second half of the customers."""
    ids = data.customers[data.id_column]
    labels = pd.Series(np.arange(len(ids)) * 2 // len(ids), index=pd.Index(ids))
    return make_segmentation("Halves", "rules", labels, {0: "First", 1: "Second"})


def config_for(segmentation, **changes) -> TargetingConfig:
    return replace(with_defaults(TargetingConfig(), segmentation), **changes)


# --- which column is the value ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "status", "columns", "first_candidates"),
    [
        ("campaign.csv", "meaning", ("total_spend",), ("total_spend", *SPENDS)),
        ("telecom.csv", "meaning", ("TotalCharges",), ("TotalCharges",)),
        ("wholesale.csv", "ask", (), ("Fresh", "Milk", "Grocery")),
    ],
)
def test_default_value_of_real_shaped_files(name, status, columns, first_candidates) -> None:
    data = customers(name)
    value = default_value(data.schema)
    assert (value.status, value.columns) == (status, columns)
    assert value.candidates[: len(first_candidates)] == first_candidates
    assert "Region" not in value.candidates  # a code of a place, never money
    if "Channel" in value.candidates:  # a code of few values: offered last
        assert value.candidates[-1] == "Channel"
    assert not {"NumWebPurchases", "Response", "Year_Birth"} & set(value.candidates[:6])


def test_the_total_of_the_spend_columns_is_the_default() -> None:
    data = customers("campaign.csv")
    value = default_value(data.schema)
    assert value.label == "Total spend"
    assert value.reason == (
        "Total spend adds up the 6 spend columns (on the Data page), so it is the value per "
        "customer."
    )
    expected = data.customers[list(SPENDS)].astype("float64").sum(axis=1).to_numpy()
    assert value.per_customer(data.customers) == pytest.approx(expected)


def test_several_spend_columns_are_a_question_and_their_sum_an_answer() -> None:
    data = customers("campaign.csv")
    # the user says the added-up total is not the value: the spend columns are a question
    data = replace(data, schema=data.schema.with_column_meaning("total_spend", "other"))
    asked = default_value(data.schema)
    assert asked.reason.startswith("Several columns could be the customer value (Spend on wines")
    summed = resolve_value(data.schema, ValueChoice("sum", SPENDS))
    assert summed.status == "chosen" and summed.label == SPENDS_LABEL
    expected = data.customers[list(SPENDS)].astype("float64").sum(axis=1)
    assert summed.per_customer(data.customers) == pytest.approx(expected.to_numpy())
    facts = segment_measures(data.customers, data.schema, halves(data), summed)
    half = len(expected) // 2
    assert facts.table["total_value"].tolist() == pytest.approx(
        [expected[:half].sum(), expected[half:].sum()]
    )
    # no order count or average order value: one conversion is worth a customer's value
    assert facts.conversion_source == f"{SPENDS_LABEL} per customer"
    assert facts.table["value_per_conversion"].tolist() == pytest.approx(
        [expected[:half].mean(), expected[half:].mean()]
    )


def test_a_chosen_column_scores_and_gives_the_roi() -> None:
    data = customers("wholesale.csv")
    segmentation = halves(data)
    value = resolve_value(data.schema, ValueChoice("column", ("Fresh",)))
    assert (value.label, value.status, value.reason) == ("Fresh", "chosen", "Your choice.")
    facts = segment_measures(data.customers, data.schema, segmentation, value)
    config = config_for(segmentation, targets=(0, 1), value=value.choice)
    plan = plan_targeting(facts, config, segmentation.segment_names)
    assert "value_per_customer_score" in plan.scores
    assert plan.roi["value_source"].tolist() == ["Fresh per customer (data)"] * 2
    fresh = data.customers["Fresh"].to_numpy(dtype="float64")
    assert plan.roi.loc[0, "value_per_conversion"] == pytest.approx(fresh[:120].mean())
    assert plan.budget["allocated"].sum() == pytest.approx(config.budget)


def test_no_value_leaves_out_value_scores_and_revenue_and_says_so() -> None:
    data = customers("telecom.csv")
    segmentation = halves(data)
    value = resolve_value(data.schema, ValueChoice("none"))
    assert (value.status, value.columns, value.reason) == ("none", (), WITHOUT_VALUE)
    facts = segment_measures(data.customers, data.schema, segmentation, value)
    assert facts.value_note == WITHOUT_VALUE
    assert facts.table["value_per_conversion"].isna().all()
    plan = plan_targeting(facts, config_for(segmentation, targets=(0,)), {0: "First", 1: "x"})
    assert "value_per_customer_score" not in plan.scores and "size_score" in plan.scores
    assert plan.notes[0] == WITHOUT_VALUE
    assert np.isnan(plan.roi.loc[0, "revenue"]) and plan.roi.loc[0, "cost"] == 60.0
    assert plan.budget.empty and any("No budget split" in n for n in plan.notes)


def test_the_default_follows_meanings_edited_on_the_data_page() -> None:
    sample = load_sample()
    assert default_value(sample.schema).columns == ("monetary",)
    assert default_value(sample.schema).reason == (
        "Total spend has the meaning customer value (on the Data page), so it is the value per "
        "customer."
    )
    edited = sample.schema.with_column_meaning("monetary", "other")
    assert default_value(edited).status == "ask"  # set by hand: the name no longer decides
    edited = edited.with_column_meaning("avg_order_value", "customer_value")
    assert default_value(edited).columns == ("avg_order_value",)
    # a choice follows the data until the user picks: auto resolves anew on every schema
    assert resolve_value(edited, ValueChoice()).label == "Average order value"


def test_order_measures_and_order_totals_come_after_customer_value() -> None:
    frame = pd.DataFrame({"id": ["a", "b", "c"], "net_spend": [1.5, 2.5, 3.5], "visits": [1, 2, 3]})
    schema = infer_schema(frame).schema.with_column_meaning("net_spend", "other", "detected")
    assert default_value(schema).columns == ("net_spend",)
    totals = schema.with_column_meaning("net_spend", "order_total")
    assert default_value(totals).reason.startswith("Net spend has the meaning order total")


@pytest.mark.parametrize(
    ("columns", "label"),
    [
        (("MntWines",), "Spend on wines"),
        (("MntWines", "MntFruits"), "Spend on wines and fruits"),
        (("Fresh", "Milk", "Grocery"), "Sum of fresh, milk and grocery"),
    ],
)
def test_value_labels_are_plain_words(columns, label) -> None:
    frame = pd.DataFrame({c: [1.0, 2.0] for c in ("MntWines", "MntFruits", "Fresh", "Milk")})
    frame["Grocery"] = [3.0, 4.0]
    assert value_label(infer_schema(frame).schema, columns) == label


def test_a_chosen_column_the_data_lacks_falls_back_to_the_default() -> None:
    sample = load_sample()
    value = resolve_value(sample.schema, ValueChoice("column", ("predicted_clv",)))
    assert value.columns == ("monetary",) and value.status == "meaning"
    partly = resolve_value(sample.schema, ValueChoice("sum", ("monetary", "gone")))
    assert partly.columns == ("monetary",) and "'gone' is not in this data" in partly.reason
    empty = resolve_value(sample.schema, ValueChoice("sum", ()))
    assert empty.status == "ask" and empty.reason == "Pick the columns to add up."


def test_the_choice_travels_in_links_and_older_links_follow_the_data() -> None:
    config = TargetingConfig(value=ValueChoice("sum", ("MntWines", "MntFruits")))
    document = json.loads(json.dumps(config.to_dict()))
    assert document["value"] == {"mode": "sum", "columns": ["MntWines", "MntFruits"]}
    assert TargetingConfig.from_dict(document) == config
    del document["value"]
    assert TargetingConfig.from_dict(document).value == ValueChoice()
    # a shared link and a project file carry it with the other targeting inputs
    info = DataInfo("upload", "campaign.csv", "a1" * 32, 240)
    project = Project(info, targeting=config.to_dict())
    for restored in (
        project_from_link(project_to_link(project)),
        project_from_json(project_to_json(project)),
    ):
        assert TargetingConfig.from_dict(restored.targeting).value == config.value
    with pytest.raises(TargetingError, match="Customer value mode 'best' is unknown"):
        ValueChoice("best")


# --- predicted CLV ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def predicted():
    sample = load_sample()
    return with_predictions(sample, predict_from_data(sample))


def test_predicted_clv_is_offered_but_never_the_silent_default(predicted) -> None:
    candidates = value_candidates(predicted.schema)
    assert candidates[0] == "monetary"
    assert "predicted_clv" in candidates and "churn_risk" not in candidates
    assert default_value(predicted.schema).columns == ("monetary",)
    value = resolve_value(predicted.schema, ValueChoice("column", ("predicted_clv",)))
    assert value.label == "Predicted CLV (next 365 days)" and value.predicted


def test_predicted_clv_drives_the_roi_and_the_budget(predicted) -> None:
    segmentation = halves(predicted)
    value = resolve_value(predicted.schema, ValueChoice("column", ("predicted_clv",)))
    facts = segment_measures(predicted.customers, predicted.schema, segmentation, value)
    clv = predicted.customers["predicted_clv"].astype("float64").to_numpy()
    half = len(clv) // 2
    # a won customer is worth their predicted CLV, not an order's worth
    assert facts.table["value_per_conversion"].tolist() == pytest.approx(
        [np.nanmean(clv[:half]), np.nanmean(clv[half:])]
    )
    config = config_for(segmentation, targets=(0, 1), value=value.choice)
    plan = plan_targeting(facts, config, segmentation.segment_names)
    assert (
        plan.roi["value_source"].tolist()
        == ["Predicted CLV (next 365 days), per customer (data)"] * 2
    )
    assert plan.budget["expected_revenue"].sum() > 0


def test_the_target_list_carries_the_prediction_columns(predicted) -> None:
    segmentation = halves(predicted)
    config = config_for(segmentation, targets=(1,), key_columns=("email",), opted_in_only=False)
    targets = target_list(predicted.customers, predicted.schema, segmentation, config)
    assert list(targets.columns[:5]) == [
        "customer_id",
        "segment_id",
        "segment",
        "segmentation",
        "email",
    ]
    assert {"predicted_clv", "churn_risk", "expected_orders"} <= set(targets.columns)


# --- reachability -------------------------------------------------------------------------------


def test_reachability_follows_consent_and_contact_meanings() -> None:
    frame = pd.DataFrame(
        {
            "id": ["a", "b", "c", "d", "e"],
            "newsletter": ["subscribed", "unsubscribed", "Subscribed", "cleaned", "subscribed"],
            "email": ["a@x.org", "b@x.org", None, "d@x.org", "e@x.org"],
            "spend": [1.0, 2.0, 3.0, 4.0, 5.0],
        }
    )
    schema = infer_schema(frame).schema.with_column_meaning("email", "email")
    segmentation = make_segmentation("s", "rules", pd.Series([0, 0, 0, 1, 1], index=frame["id"]))
    without = segment_measures(
        frame, schema.with_column_meaning("newsletter", "other"), segmentation
    )
    assert without.table["reachable"].tolist() == [2, 2]  # an e-mail on file
    consent = schema.with_column_meaning("newsletter", "consent")
    facts = segment_measures(frame, consent, segmentation)
    assert facts.has_opt_in and facts.label("opt_in") == "Newsletter"
    # a: yes; b: unsubscribed; c: no e-mail; d: cleaned; e: yes
    assert facts.table["reachable"].tolist() == [1, 1]
    assert reachable_mask(frame, "newsletter", ("email",)).tolist() == [1, 0, 0, 0, 1]
    config = replace(with_defaults(TargetingConfig(), segmentation), targets=(0, 1))
    assert roi_table(facts, config)["audience"].tolist() == [1, 1]
