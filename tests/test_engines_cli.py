"""``python -m segmentation assign`` (datasets, Parquet, Dask) and ``aggregate-orders``, with
each bad input of issue 15: missing columns, an unreachable scheduler, an empty dataset, a glob
matching nothing, a worker dying mid-run. Most calls run ``main`` in this process (fast); one
of each command runs as a real subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from segmentation.__main__ import main
from segmentation.sharing.engines.assign import assign_on_dask
from segmentation.sharing.engines.sources import EngineError, open_dataset
from segmentation.sharing.reuse import assign_segments, save_model
from tests.test_engines import EXCERPT, fitted_cluster_model, generated_orders, split
from tests.test_reuse import generated_customers

pytest.importorskip("dask")
pytest.importorskip("duckdb")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def cluster_model():
    return fitted_cluster_model()


@pytest.fixture
def model_file(cluster_model, tmp_path):
    path = tmp_path / "model.joblib"
    save_model(cluster_model, path)
    return path


@pytest.fixture
def customers_folder(tmp_path):
    new = generated_customers(2_000, seed=29, prefix="F")
    folder = tmp_path / "customers"
    folder.mkdir()
    for i, part in enumerate(split(new, 2)):
        part.to_csv(folder / f"part-{i}.csv", index=False)
    return new, folder


def test_assign_writes_a_parquet_dataset_and_prints_segment_sizes(
    cluster_model,
    model_file,
    customers_folder,
    tmp_path,
):
    new, folder = customers_folder
    out = tmp_path / "segments"
    done = subprocess.run(
        [sys.executable, "-m", "segmentation", "assign", str(model_file), str(folder / "*.csv"),
         str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    written = pd.read_parquet(out)
    assert list(written.columns) == ["customer_id", "segment_id", "segment"]
    expected = assign_segments(cluster_model, new)
    assert (written.set_index("customer_id")["segment"].reindex(expected.index) == expected).all()
    for name, count in expected.value_counts().items():
        assert f"  {name}: {count:,}" in done.stdout


def test_assign_on_a_dask_scheduler(
    cluster_model,
    model_file,
    customers_folder,
    dask_cluster,
    tmp_path,
    capsys,
):
    new, folder = customers_folder
    address = dask_cluster.scheduler.address
    code = main(["assign", str(model_file), str(folder), str(tmp_path / "out"),
                 "--scheduler", address])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert "dask (2 workers)" in capsys.readouterr().out
    written = pd.read_parquet(tmp_path / "out").set_index("customer_id")["segment"]
    expected = assign_segments(cluster_model, new)
    assert (written.reindex(expected.index) == expected).all()


def test_missing_columns_are_named_before_any_work(model_file, customers_folder, tmp_path, capsys):
    new, _ = customers_folder
    new.drop(columns=["age", "spend"]).to_csv(tmp_path / "short.csv", index=False)
    start = time.perf_counter()
    # the scheduler does not exist: the columns are checked before connecting to it
    code = main(["assign", str(model_file), str(tmp_path / "short.csv"), str(tmp_path / "o"),
                 "--scheduler", "tcp://127.0.0.1:9"])  # fmt: skip
    assert code == 2
    assert "lacks 2 column(s)" in capsys.readouterr().err
    assert time.perf_counter() - start < 5
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("make_input", "message"),
    [
        (lambda d: d / "nothing-*.csv", "matches no file"),
        (lambda d: _header_only(d), "has no customers"),
        (lambda d: d / "absent.parquet", "There is no file or folder"),
    ],
)
def test_empty_and_missing_datasets_exit_with_code_2(model_file, tmp_path, capsys, make_input,
                                                      message):  # fmt: skip
    code = main(["assign", str(model_file), str(make_input(tmp_path)), str(tmp_path / "out")])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    assert not [p for p in os.listdir(tmp_path) if ".partial" in p]


def _header_only(folder: Path) -> Path:
    columns = generated_customers(1, seed=0).columns
    (folder / "empty.csv").write_text(",".join(columns) + "\n")
    return folder / "empty.csv"


def test_an_unreachable_scheduler_exits_with_its_address_within_ten_seconds(
    model_file, customers_folder, tmp_path, capsys
):
    from tests.engine_servers import free_port

    _, folder = customers_folder
    address = f"tcp://127.0.0.1:{free_port()}"
    start = time.perf_counter()
    code = main(["assign", str(model_file), str(folder), str(tmp_path / "o"),
                 "--scheduler", address])  # fmt: skip
    assert code == 2
    assert f"Cannot reach the Dask scheduler at {address} within 10 s" in capsys.readouterr().err
    assert time.perf_counter() - start < 12


def test_aggregate_orders_with_duckdb_writes_the_data_pages_customers(tmp_path):
    shutil.copy(EXCERPT, tmp_path / EXCERPT.name)
    done = subprocess.run(
        [sys.executable, "-m", "segmentation", "aggregate-orders", str(tmp_path / EXCERPT.name),
         str(tmp_path / "customers"), "--memory-limit", "1GB"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "into 302 customers" in done.stdout
    assert "left out: 1,500 lines without a customer id" in done.stdout
    customers = pd.read_parquet(tmp_path / "customers").set_index("CustomerID")
    assert customers.loc["12347", ["order_count", "net_spend"]].tolist() == [7, 4310.00]


def test_aggregate_orders_on_dask_equals_duckdb(dask_cluster, tmp_path, capsys):
    raw = generated_orders(300, seed=31)
    (tmp_path / "lines").mkdir()
    for i, part in enumerate(split(raw, 2)):
        part.to_csv(tmp_path / "lines" / f"l{i}.csv", index=False)
    source = str(tmp_path / "lines")
    address = dask_cluster.scheduler.address
    assert main(["aggregate-orders", source, str(tmp_path / "a.csv")]) == 0
    assert main(["aggregate-orders", source, str(tmp_path / "b.csv"), "--engine", "dask",
                 "--scheduler", address]) == 0  # fmt: skip
    capsys.readouterr()
    first, second = pd.read_csv(tmp_path / "a.csv"), pd.read_csv(tmp_path / "b.csv")
    pd.testing.assert_frame_equal(first, second)


@pytest.mark.parametrize(
    ("argv_tail", "message"),
    [
        (["nothing-*.csv"], "matches no file"),
        (["empty.csv"], "has no order lines"),
        (["lines.csv", "--engine", "duckdb", "--workers", "2"], "use --engine dask"),
        (["lines.csv", "--memory-limit", "lots"], "'lots' is not a size"),
        (["lines.csv", "--memory-limit", "20MB"], "give at least 100MB"),
    ],
)
def test_aggregate_orders_bad_input_exits_with_code_2(tmp_path, capsys, argv_tail, message):
    (tmp_path / "empty.csv").write_text("Customer ID,Order Date,Amount\n")
    generated_orders(5, seed=1).to_csv(tmp_path / "lines.csv", index=False)
    source, *options = argv_tail
    code = main(["aggregate-orders", str(tmp_path / source), str(tmp_path / "out"), *options])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


# Last in the module: the killed worker is restarted by its nanny while the session ends.
def test_a_worker_dying_mid_run_fails_the_run_and_leaves_no_output(
    cluster_model,
    dask_cluster,
    tmp_path,
):
    new = generated_customers(400, seed=19, prefix="W")
    new.to_csv(tmp_path / "in.csv", index=False)
    with pytest.raises(EngineError, match="a worker died"):
        assign_on_dask(cluster_model, open_dataset(str(tmp_path / "in.csv")),
                       str(tmp_path / "out"), dask_cluster, assign=_die)  # fmt: skip
    assert os.listdir(tmp_path) == ["in.csv"]


def _die(model, frame, population):
    os._exit(1)
