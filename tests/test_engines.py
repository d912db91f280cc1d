"""Engines for large customer bases: the partition functions against the single-process path,
and the drivers (batches, DuckDB, Dask, S3) against each other.

The distributed tests share one ``LocalCluster(n_workers=2, processes=True)`` (conftest's
``dask_cluster``) and one moto S3 server; together they stay well under two minutes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from segmentation.data.build import read_input
from segmentation.data.order_partitions import combine_partitions, order_partition
from segmentation.data.orders import OrderColumns, aggregate_orders
from segmentation.data.schema import infer_schema
from segmentation.segmenting.clustering import ClusterConfig, cluster_customers
from segmentation.segmenting.features import FeatureConfig, prepare_features
from segmentation.segmenting.rfm import rfm_segmentation
from segmentation.segmenting.rfm_scoring import RfmColumns
from segmentation.segmenting.rules import Condition, Rule, RuleGroup, rules_segmentation
from segmentation.sharing.centres import category_codes, feature_matrix
from segmentation.sharing.engines.assign import (
    assign_in_batches,
    assign_on_dask,
    merge_summaries,
    population_of,
    population_summary,
)
from segmentation.sharing.engines.cluster import dask_client
from segmentation.sharing.engines.sources import EngineError, open_dataset
from segmentation.sharing.reuse import (
    assign_customers,
    assign_partition,
    assign_segments,
    fit_segment_model,
    nearest_centre,
    typed_partition,
)
from tests.test_reuse import generated_customers

pytest.importorskip("dask")
pytest.importorskip("duckdb")

ROOT = Path(__file__).resolve().parent.parent
EXCERPT = ROOT / "data" / "examples" / "online_retail_excerpt.csv.gz"


# --- data -------------------------------------------------------------------------------------


def generated_orders(n_customers: int, seed: int) -> pd.DataFrame:
    """Order lines as a shop exports them (all text): several lines per order, returns
    (orders 'C…' with negative quantities), lines without a customer, exact duplicates."""
    rng = np.random.default_rng(seed)
    n_orders = n_customers * 3
    customer = rng.integers(0, n_customers, n_orders)
    day = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, n_orders), "D")
    returned = rng.random(n_orders) < 0.08
    lines_per_order = rng.integers(1, 4, n_orders)
    order = np.repeat(np.arange(n_orders), lines_per_order)
    n_lines = len(order)
    quantity = rng.integers(1, 6, n_lines) * np.where(returned[order], -1, 1)
    frame = pd.DataFrame(
        {
            "Customer ID": [f"K{c:05d}" for c in customer[order]],
            "Order ID": [
                ("C" if r else "") + f"{o:07d}" for o, r in zip(order, returned[order], strict=True)
            ],
            "Order Date": day[order].strftime("%Y-%m-%d %H:%M"),
            "Quantity": quantity.astype(str),
            "Unit Price": rng.choice([0.29, 0.85, 1.25, 2.1, 4.95, 12.75], n_lines).astype(str),
            "Country": rng.choice(["France", "Germany", "Spain"], n_lines),
            "Product": rng.choice(["mug", "tea", "cup", "pot"], n_lines),
        }
    )
    frame.loc[rng.random(n_lines) < 0.03, "Customer ID"] = ""
    duplicates = frame.sample(frac=0.01, random_state=seed)
    return pd.concat([frame, duplicates]).sort_index(kind="stable").reset_index(drop=True)


def split(frame: pd.DataFrame, n_parts: int) -> list[pd.DataFrame]:
    """``frame`` in ``n_parts`` consecutive pieces."""
    return [frame.iloc[rows] for rows in np.array_split(np.arange(len(frame)), n_parts)]


def single_process(raw: pd.DataFrame):
    """What the Data page makes of a file: read, typed, suggested mapping, aggregated."""
    read = read_input(raw.to_csv(index=False).encode(), "orders.csv", max_mb=1_000)
    return aggregate_orders(read.typed, read.suggested)


@pytest.fixture(scope="module")
def cluster_model():
    return fitted_cluster_model()


def fitted_cluster_model():
    """A k-means model of three planted groups (as tests/test_reuse.py fits it)."""
    raw = generated_customers(600, seed=1)
    typed = infer_schema(raw)
    config = FeatureConfig(("age", "region", "spend", "orders"), log_columns=("spend",))
    matrix = prepare_features(typed.frame, typed.schema, config)
    segmentation = cluster_customers(matrix, ClusterConfig(n_segments=3)).segmentation
    return fit_segment_model(typed.frame, typed.schema, segmentation)


@pytest.fixture(scope="module")
def rfm_model():
    raw = pd.DataFrame(
        {
            "id": [f"R{i}" for i in range(200)],
            "recency": [str(i % 37) for i in range(200)],
            "orders": [str(1 + i % 7) for i in range(200)],
            "spend": [f"{(i * 37) % 1000}.5" for i in range(200)],
        }
    )
    typed = infer_schema(raw)
    segmentation = rfm_segmentation(typed.frame, "id", RfmColumns("recency", "orders", "spend"))
    return fit_segment_model(typed.frame, typed.schema, segmentation)


@pytest.fixture(scope="module")
def rank_model():
    typed = infer_schema(generated_customers(300, seed=2))
    rules = [
        Rule("Top spenders", RuleGroup("all", (Condition("spend", "top_pct", 10),))),
        Rule("Few orders", RuleGroup("all", (Condition("orders", "bottom_pct", 25),))),
    ]
    segmentation = rules_segmentation(typed.frame, "customer_id", rules)
    return fit_segment_model(typed.frame, typed.schema, segmentation)


# --- partition functions ----------------------------------------------------------------------


def test_nearest_centre_is_the_n_k_d_rule_with_ties_to_the_first_centre():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 6)).round(1)
    centers = np.vstack([rng.normal(size=(4, 6)).round(1), X[:1]])  # row 0 sits on centre 4
    centers = np.vstack([centers, centers[4:5]])  # centre 5 duplicates 4: ties go to 4
    expected = ((X[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
    assert np.array_equal(nearest_centre(X, centers), expected)
    assert nearest_centre(X, centers)[0] == 4


def test_features_are_the_pipelines_own_to_the_bit(cluster_model):
    new = generated_customers(2_000, seed=5, prefix="F")
    new.loc[::7, "region"] = ""  # missing: the "Missing" level
    new.loc[::11, "region"] = "Atlantis"  # a category the model never saw
    new.loc[::13, "age"] = ""
    typed = typed_partition(cluster_model, new)
    codes = category_codes(typed["region"])
    assert (codes.values[7], codes.values[11]) == ("Missing", "Atlantis")
    plain = {name: typed[name].astype("float64").to_numpy() if kind == "numeric"
             else category_codes(typed[name]).values
             for name, kind in cluster_model.columns.items()}  # fmt: skip
    expected = cluster_model.preprocessor.transform(pd.DataFrame(plain))
    assert np.array_equal(feature_matrix(cluster_model.preprocessor, typed, cluster_model.columns),
                          np.asarray(expected, dtype="float64"))  # fmt: skip


@pytest.mark.parametrize("n_parts", [1, 3, 7])
def test_assign_partition_gives_each_customer_its_single_process_segment(cluster_model, n_parts):
    new = generated_customers(1_000, seed=7, prefix="N")
    expected = assign_segments(cluster_model, new)
    parts = [assign_partition(cluster_model, part) for part in split(new, n_parts)]
    got = pd.concat(parts).set_index("customer_id")["segment"]
    assert got.index.tolist() == expected.index.tolist()
    assert (got == expected).all()
    typed = infer_schema(new).frame
    assert (assign_customers(cluster_model, typed).to_numpy() == expected.to_numpy()).all()


@pytest.mark.parametrize("model_name", ["rfm_model", "rank_model"])
def test_whole_population_cuts_score_every_part_as_the_whole(request, model_name):
    model = request.getfixturevalue(model_name)
    raw = (
        generated_customers(900, seed=3)
        if model_name == "rank_model"
        else pd.DataFrame(
            {
                "id": [f"Q{i}" for i in range(900)],
                "recency": [str((i * 7) % 53) for i in range(900)],
                "orders": [str(1 + (i * 3) % 11) for i in range(900)],
                "spend": [f"{(i * 91) % 2000}.25" for i in range(900)],
            }
        )
    )
    whole = assign_partition(model, raw)
    parts = split(raw.sort_values(raw.columns[1], kind="stable"), 4)
    population = population_of(
        model, merge_summaries(population_summary(model, part) for part in parts)
    )
    with_cuts = pd.concat([assign_partition(model, p, population) for p in parts])
    with_cuts = with_cuts.set_index(with_cuts.columns[0]).reindex(whole.iloc[:, 0])
    assert (with_cuts["segment_id"].to_numpy() == whole["segment_id"].to_numpy()).all()
    alone = pd.concat([assign_partition(model, p) for p in parts]).set_index(whole.columns[0])
    assert (alone.reindex(whole.iloc[:, 0])["segment_id"].to_numpy()
            != whole["segment_id"].to_numpy()).any()  # fmt: skip


def test_order_partitions_by_customer_combine_to_the_single_process_customers():
    raw = generated_orders(400, seed=5)
    expected = single_process(raw)
    read = read_input(raw.to_csv(index=False).encode(), "orders.csv")
    frame, columns = read.typed.frame, read.suggested
    # every line of a customer in one part: a line without a key goes with its order
    key = frame["Customer ID"].fillna(frame.groupby("Order ID")["Customer ID"].transform("max"))
    bucket = pd.util.hash_pandas_object(key.fillna(""), index=False) % 3
    parts = [order_partition(frame.loc[bucket == b], columns, False) for b in range(3)]
    combined = combine_partitions(parts, columns, False)
    pd.testing.assert_frame_equal(combined.customers, expected.customers)
    assert combined.exclusions == expected.exclusions
    assert (combined.n_lines, combined.n_orders) == (expected.n_lines, expected.n_orders)
    assert combined.notes == expected.notes
    assert combined.period_end == expected.period_end


def test_order_values_are_rounded_to_cents_before_the_sign_test():
    raw = pd.DataFrame(
        {
            "customer": ["a", "a", "a", "b"],
            "order": ["1", "1", "1", "2"],
            "date": ["2024-01-01"] * 3 + ["2024-01-02"],
            "amount": ["0.1", "0.2", "-0.3", "5"],  # 0.1 + 0.2 - 0.3 is 5.5e-17 in floats
        }
    )
    columns = OrderColumns("customer", "date", amount="amount", order_id="order")
    summary = aggregate_orders(infer_schema(raw, one_row_per_customer=False), columns)
    assert summary.customers.loc["a", "frequency"] == 1  # an order worth 0.00 is bought
    assert summary.customers.loc["a", "monetary"] == 0.0


# --- drivers ----------------------------------------------------------------------------------


def test_duckdb_aggregates_online_retail_as_the_data_page(tmp_path):
    from segmentation.sharing.engines.orders import aggregate_with_duckdb

    read = read_input(EXCERPT.read_bytes(), EXCERPT.name)
    expected = aggregate_orders(read.typed, read.suggested)
    shutil.copy(EXCERPT, tmp_path / EXCERPT.name)
    run = aggregate_with_duckdb(
        open_dataset(str(tmp_path / EXCERPT.name)), memory_limit="512MB", lines_per_partition=4000
    )
    assert run.n_partitions > 1
    pd.testing.assert_frame_equal(run.summary.customers, expected.customers)
    assert run.summary.exclusions == expected.exclusions
    customer = run.summary.customers.loc["12347"]
    assert (customer["frequency"], customer["monetary"]) == (7, 4310.00)


def test_batches_read_folders_globs_and_parquet_with_the_same_labels(cluster_model, tmp_path):
    new = generated_customers(3_000, seed=11, prefix="B")
    expected = assign_segments(cluster_model, new)
    (tmp_path / "csv").mkdir()
    for i, part in enumerate(split(new, 3)):
        part.to_csv(tmp_path / "csv" / f"part-{i}.csv", index=False)
    infer_schema(new).frame.to_parquet(tmp_path / "customers.parquet")
    for location in (tmp_path / "csv", tmp_path / "csv" / "part-*.csv"):
        run = assign_in_batches(cluster_model, open_dataset(str(location)),
                                str(tmp_path / "out"), batch_rows=700)  # fmt: skip
        got = pd.read_parquet(tmp_path / "out").set_index("customer_id")["segment"]
        assert (got.reindex(expected.index) == expected).all()
        assert run.sizes == expected.value_counts().to_dict()
    run = assign_in_batches(cluster_model, open_dataset(str(tmp_path / "customers.parquet")),
                            str(tmp_path / "out"))  # fmt: skip
    got = pd.read_parquet(tmp_path / "out").set_index("customer_id")["segment"]
    assert (got.reindex(expected.index) == expected).all()
    assert not [p for p in os.listdir(tmp_path) if ".partial" in p]


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("nothing-*.parquet", "matches no file"),
        ("absent.csv", "There is no file or folder"),
        ("mixed", "not a mix"),
        ("empty_folder", "holds no CSV or Parquet file"),
    ],
)
def test_datasets_that_cannot_be_read_say_why(tmp_path, location, message):
    (tmp_path / "mixed").mkdir()
    (tmp_path / "mixed" / "a.csv").write_text("id\n1\n")
    pd.DataFrame({"id": [1]}).to_parquet(tmp_path / "mixed" / "b.parquet")
    (tmp_path / "empty_folder").mkdir()
    with pytest.raises(EngineError, match=message):
        open_dataset(str(tmp_path / location))


def test_the_app_never_imports_the_engines():
    code = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        "import segmentation, segmentation.sharing.reuse, segmentation.data.orders\n"
        "AppTest.from_file('app.py', default_timeout=120).run()\n"
        "print(sorted(m for m in ('dask', 'distributed', 'duckdb', 's3fs') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=240, check=True)  # fmt: skip
    assert done.stdout.strip().splitlines()[-1] == "[]"


# --- Dask (one shared two-worker cluster) ---------------------------------------------------------


def test_dask_assigns_like_one_process(cluster_model, rfm_model, dask_cluster, tmp_path):
    new = generated_customers(4_000, seed=13, prefix="D")
    expected = assign_segments(cluster_model, new)
    (tmp_path / "in").mkdir()
    for i, part in enumerate(split(new, 4)):
        part.to_csv(tmp_path / "in" / f"p{i}.csv", index=False)
    run = assign_on_dask(cluster_model, open_dataset(str(tmp_path / "in")),
                         str(tmp_path / "out"), dask_cluster)  # fmt: skip
    got = pd.read_parquet(tmp_path / "out").set_index("customer_id")
    assert run.n_partitions == 4 and run.n_customers == 4_000
    assert (got["segment"].reindex(expected.index) == expected).all()
    assert set(got.columns) == {"segment_id", "segment"}
    rfm_raw = pd.DataFrame({"id": [f"Q{i}" for i in range(800)],
                            "recency": [str((i * 7) % 53) for i in range(800)],
                            "orders": [str(1 + (i * 3) % 11) for i in range(800)],
                            "spend": [f"{(i * 91) % 2000}.25" for i in range(800)]})  # fmt: skip
    whole = assign_partition(rfm_model, rfm_raw).set_index("id")["segment"]
    (tmp_path / "rfm").mkdir()
    for i, part in enumerate(split(rfm_raw, 3)):
        part.to_csv(tmp_path / "rfm" / f"p{i}.csv", index=False)
    assign_on_dask(rfm_model, open_dataset(str(tmp_path / "rfm")), str(tmp_path / "rfm_out"),
                   dask_cluster)  # fmt: skip
    got = pd.read_parquet(tmp_path / "rfm_out").set_index("id")["segment"]
    assert (got.reindex(whole.index) == whole).all()


def test_dask_and_duckdb_aggregate_orders_alike(dask_cluster, tmp_path):
    from segmentation.sharing.engines.orders import aggregate_on_dask, aggregate_with_duckdb

    raw = generated_orders(600, seed=17)
    expected = single_process(raw)
    (tmp_path / "lines").mkdir()
    for i, part in enumerate(split(raw, 3)):  # a customer's lines in several files
        part.to_csv(tmp_path / "lines" / f"lines-{i}.csv", index=False)
    dataset = open_dataset(str(tmp_path / "lines" / "*.csv"))
    on_dask = aggregate_on_dask(dataset, dask_cluster).summary
    on_duckdb = aggregate_with_duckdb(dataset, lines_per_partition=1_000).summary
    for summary in (on_dask, on_duckdb):
        pd.testing.assert_frame_equal(summary.customers, expected.customers)
        assert summary.exclusions == expected.exclusions
        assert summary.n_orders == expected.n_orders


def test_an_unreachable_scheduler_is_named_within_its_timeout():
    from tests.engine_servers import free_port

    address = f"tcp://127.0.0.1:{free_port()}"
    start = time.perf_counter()
    message = f"Cannot reach the Dask scheduler at {address} within 2 s"
    with pytest.raises(EngineError, match=message), dask_client(scheduler=address, timeout=2):
        pass
    assert time.perf_counter() - start < 6


# --- object storage ------------------------------------------------------------------------------


def test_s3_round_trip_against_a_local_s3_server(cluster_model, s3_env, tmp_path):
    import s3fs

    from segmentation.sharing.engines.orders import aggregate_with_duckdb

    fs = s3fs.S3FileSystem(client_kwargs={"endpoint_url": s3_env})
    new = generated_customers(1_500, seed=23, prefix="S")
    for i, part in enumerate(split(infer_schema(new).frame, 2)):
        with fs.open(f"segments/customers/part-{i}.parquet", "wb") as handle:
            part.to_parquet(handle)
    run = assign_in_batches(cluster_model, open_dataset("s3://segments/customers"),
                            "s3://segments/assigned", batch_rows=500)  # fmt: skip
    assert run.n_customers == 1_500
    with fs.open(fs.glob("segments/assigned/*.parquet")[0], "rb") as handle:
        first = pd.read_parquet(handle)
    expected = assign_segments(cluster_model, new)
    assert (first.set_index("customer_id")["segment"]
            == expected.reindex(first["customer_id"]).to_numpy()).all()  # fmt: skip
    assert not fs.glob("segments/.assigned.partial-*")
    fs.put(str(EXCERPT), "segments/orders/online_retail.csv.gz")
    summary = aggregate_with_duckdb(open_dataset("s3://segments/orders/*.csv.gz")).summary
    assert len(summary.customers) == 302
    assert summary.customers.loc["12347", "monetary"] == 4310.00


@pytest.mark.parametrize("text_keys", [True, False])
def test_duckdb_sql_gives_the_partition_functions_customers(tmp_path, text_keys):
    from segmentation.data.layouts import infer_with_layout, suggest_orders
    from segmentation.sharing.engines.orders import aggregate_with_duckdb

    raw = generated_orders(500, seed=37).drop(columns=["Country", "Product"])
    if not text_keys:  # integer keys, none blank: no lines to fill from their order
        raw = raw.loc[raw["Customer ID"] != ""]
        raw["Customer ID"] = raw["Customer ID"].str[1:]
    keys = raw["Customer ID"]
    keys = keys.replace("", None) if text_keys else keys.astype("int64")
    lines = pd.DataFrame(
        {
            "Customer ID": keys,
            "Order ID": raw["Order ID"],
            "Order Date": pd.to_datetime(raw["Order Date"]),
            "Quantity": raw["Quantity"].astype("int64"),
            "Unit Price": raw["Unit Price"].astype("float64"),
        }
    )
    for i, part in enumerate(split(lines, 2)):
        part.to_parquet(tmp_path / f"lines-{i}.parquet", index=False)
    typed, _ = infer_with_layout(lines)
    expected = aggregate_orders(typed, suggest_orders(typed))
    run = aggregate_with_duckdb(open_dataset(str(tmp_path / "*.parquet")))
    assert run.engine == "duckdb (SQL)"
    pd.testing.assert_frame_equal(run.summary.customers, expected.customers)
    assert run.summary.exclusions == expected.exclusions
    assert (run.summary.n_orders, run.summary.period_end) == (expected.n_orders,
                                                              expected.period_end)  # fmt: skip


@pytest.mark.parametrize("order_ids", [True, False])
def test_duckdb_sql_finds_every_exact_duplicate_the_data_page_finds(tmp_path, order_ids):
    from segmentation.data.layouts import infer_with_layout, suggest_orders
    from segmentation.sharing.engines.orders import aggregate_with_duckdb

    rng = np.random.default_rng(41)
    day = pd.Timestamp("2024-03-01")
    big = pd.DataFrame({"Customer ID": 7, "Order ID": "B1", "Order Date": day,
                        "Quantity": rng.integers(1, 4, 70), "Unit Price": 1.25})  # fmt: skip
    distinct = big.assign(**{"Order ID": "B2", "Quantity": np.arange(1, 71)})  # 70 lines, no copy
    undated = pd.DataFrame({"Customer ID": [8, 8, 8], "Order ID": "U1", "Order Date": pd.NaT,
                            "Quantity": [2, 2, 3], "Unit Price": 4.95})  # fmt: skip
    unpriced = pd.DataFrame({"Customer ID": 9, "Order ID": "P1", "Order Date": day,
                             "Quantity": 1, "Unit Price": [np.nan, np.nan, 2.1]})  # fmt: skip
    small = generated_orders(300, seed=43).drop(columns=["Country", "Product"])
    small = small.loc[small["Customer ID"] != ""].assign(
        **{"Customer ID": lambda f: f["Customer ID"].str[1:].astype("int64"),
           "Order Date": lambda f: pd.to_datetime(f["Order Date"]),
           "Quantity": lambda f: f["Quantity"].astype("int64"),
           "Unit Price": lambda f: f["Unit Price"].astype("float64")}
    )  # fmt: skip
    lines = pd.concat([small, big, distinct, undated, unpriced], ignore_index=True)
    if not order_ids:
        lines = lines.drop(columns="Order ID")
    lines.to_parquet(tmp_path / "lines.parquet", index=False)
    typed, _ = infer_with_layout(lines)
    expected = aggregate_orders(typed, suggest_orders(typed))
    run = aggregate_with_duckdb(open_dataset(str(tmp_path / "lines.parquet")))
    assert run.engine == "duckdb (SQL)"
    pd.testing.assert_frame_equal(run.summary.customers, expected.customers)
    assert run.summary.exclusions == expected.exclusions
    reasons = {e.reason for e in expected.exclusions}
    assert {"lines without a date", "lines without an amount"} <= reasons
    assert ("exact duplicate lines" in reasons) == order_ids


@pytest.mark.parametrize(
    ("limit", "duckdb_limit"),
    [("1.5GB", "1031MiB"), ("4GB", "3415MiB"), ("2GiB", "1648MiB"), ("500MB", "238MiB"),
     (" 3 gb ", "2461MiB")],
)  # fmt: skip
def test_a_runs_memory_limit_leaves_room_beside_duckdb(limit, duckdb_limit):
    from segmentation.sharing.engines.orders import duckdb_memory_limit

    assert duckdb_memory_limit(limit) == duckdb_limit  # all but 400 MiB, at least half
