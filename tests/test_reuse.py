"""Applying a segmentation to new customers: in memory, from files in chunks, and by the CLI."""

from __future__ import annotations

import joblib
import numpy as np
import pandas as pd
import pytest

from segmentation.data.schema import infer_schema
from segmentation.mapping.selection import selection_segmentation
from segmentation.segmenting.clustering import ClusterConfig, cluster_customers
from segmentation.segmenting.features import FeatureConfig, prepare_features
from segmentation.segmenting.rfm import rfm_segmentation
from segmentation.segmenting.rfm_scoring import RfmColumns
from segmentation.segmenting.rules import Condition, Rule, RuleGroup, rules_segmentation
from segmentation.sharing.reuse import (
    AssignError,
    assign_file,
    assign_segments,
    fit_segment_model,
    load_model,
    save_model,
)
from tests.cli import run_cli, run_process


def generated_customers(n: int, seed: int, prefix: str = "C") -> pd.DataFrame:
    """A raw customer export (all text, as read from a file) with three planted groups."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 3, n)
    return pd.DataFrame(
        {
            "customer_id": [f"{prefix}{i:06d}" for i in range(n)],
            "age": (np.array([25, 45, 68])[group] + rng.normal(0, 3, n)).round().astype(int),
            "region": np.array(["North", "South", "West"])[group],
            "spend": [
                f"{v:,.2f}" for v in np.array([80, 600, 2500])[group] * rng.uniform(0.8, 1.2, n)
            ],
            "orders": (np.array([2, 8, 20])[group] + rng.integers(0, 2, n)).astype(str),
            "days_since_order": (np.array([200, 40, 10])[group] + rng.integers(0, 5, n)).astype(
                str
            ),
        }
    ).astype(str)


@pytest.fixture(scope="module")
def fitted():
    raw = generated_customers(600, seed=1)
    typed = infer_schema(raw)
    config = FeatureConfig(("age", "region", "spend", "orders"), log_columns=("spend",))
    matrix = prepare_features(typed.frame, typed.schema, config)
    segmentation = cluster_customers(matrix, ClusterConfig(n_segments=3)).segmentation
    return raw, typed, segmentation, fit_segment_model(typed.frame, typed.schema, segmentation)


def test_clusters_place_the_original_customers_in_their_own_segments(fitted):
    raw, _, segmentation, model = fitted
    assigned = assign_segments(model, raw)
    expected = segmentation.named_labels()
    assert (assigned.reindex(expected.index) == expected).all()


def test_cli_assigns_a_generated_file_in_chunks(fitted, tmp_path):
    _, _, _, model = fitted
    new = generated_customers(2_500, seed=7, prefix="N")
    new["loyalty_card"] = "yes"  # an extra column is ignored, and said so
    source = tmp_path / "next_month.csv.gz"
    new.to_csv(source, index=False, sep=";")
    save_model(model, tmp_path / "model.joblib")
    done = run_process("assign", tmp_path / "model.joblib", source, tmp_path / "out.csv",
                       "--chunk-rows", "400")  # fmt: skip  # assign's real-process test
    assert done.returncode == 0, done.stderr
    assert "Assigned 2,500 customers" in done.stdout and "(7 chunk(s))" in done.stdout
    assert "Ignored 2 column(s) the segmentation does not use: days_since_order, loyalty_card" in (
        done.stdout
    )
    out = pd.read_csv(tmp_path / "out.csv", dtype=str)
    assert list(out.columns) == ["customer_id", "segment"] and len(out) == 2_500
    in_memory = assign_segments(model, new)
    assert out.set_index("customer_id")["segment"].equals(in_memory.rename_axis("customer_id"))
    # the planted groups stay together: every age band lands in exactly one segment
    band = pd.cut(new.set_index("customer_id")["age"].astype(int), [0, 35, 56, 120])
    assert out.set_index("customer_id")["segment"].groupby(band, observed=True).nunique().max() == 1


def test_cli_names_missing_columns_and_bad_model_files(fitted, tmp_path):
    _, _, _, model = fitted
    save_model(model, tmp_path / "model.joblib")
    generated_customers(50, seed=2).drop(columns=["region", "spend"]).to_csv(
        tmp_path / "thin.csv", index=False
    )
    done = run_cli("assign", tmp_path / "model.joblib", tmp_path / "thin.csv", tmp_path / "o.csv")
    assert done.returncode == 2
    assert "lacks 2 column(s) the segmentation 'k-means, 3 segments' needs: region, spend" in (
        done.stderr
    )
    assert "Traceback" not in done.stderr
    (tmp_path / "notes.joblib").write_text("just some notes")
    done = run_cli("assign", tmp_path / "notes.joblib", tmp_path / "thin.csv", tmp_path / "o.csv")
    assert done.returncode == 2 and "is not a Segment Studio model file" in done.stderr


def test_load_model_refuses_other_pickles_and_missing_files(tmp_path):
    joblib.dump({"weights": [1, 2]}, tmp_path / "other.joblib")
    with pytest.raises(AssignError, match="holds a dict, not a Segment Studio model"):
        load_model(tmp_path / "other.joblib")
    with pytest.raises(AssignError, match="There is no model file at"):
        load_model(tmp_path / "absent.joblib")


def test_rules_apply_to_new_customers_with_formatted_numbers():
    typed = infer_schema(generated_customers(200, seed=3))
    rules = [Rule("Big spenders", RuleGroup("all", (Condition("spend", "ge", 1000),)))]
    model = fit_segment_model(
        typed.frame, typed.schema, rules_segmentation(typed.frame, "customer_id", rules)
    )
    new = pd.DataFrame({"customer_id": ["a", "b", "c"], "spend": ["$1,200.00", "15", ""]})
    assert assign_segments(model, new).tolist() == ["Big spenders", "Other", "Other"]
    assert model.chunkable


def test_rfm_scores_the_whole_file_at_once(tmp_path):
    raw = generated_customers(300, seed=4)
    typed = infer_schema(raw)
    columns = RfmColumns("days_since_order", "orders", "spend")
    rfm = rfm_segmentation(typed.frame, "customer_id", columns)
    model = fit_segment_model(typed.frame, typed.schema, rfm)
    assert not model.chunkable
    raw.to_csv(tmp_path / "c.csv", index=False)
    summary = assign_file(model, tmp_path / "c.csv", tmp_path / "o.csv", chunk_rows=50)
    assert summary.n_chunks == 1 and summary.n_customers == 300
    assert summary.sizes == {k: int(v) for k, v in rfm.sizes().items() if v}


def test_map_selections_cannot_be_exported(fitted):
    _, typed, _, _ = fitted
    ids = pd.Index(typed.frame["customer_id"])
    picked = selection_segmentation(ids[:5], ids, "Picked")
    with pytest.raises(AssignError, match="drawn on the map"):
        fit_segment_model(typed.frame, typed.schema, picked)


def test_empty_and_missing_input_files(fitted, tmp_path):
    _, _, _, model = fitted
    (tmp_path / "empty.csv").write_text("customer_id,age,region,spend,orders\n")
    with pytest.raises(AssignError, match="has no rows to assign"):
        assign_file(model, tmp_path / "empty.csv", tmp_path / "o.csv")
    with pytest.raises(AssignError, match="There is no file at"):
        assign_file(model, tmp_path / "absent.csv", tmp_path / "o.csv")
