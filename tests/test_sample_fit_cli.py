"""``python -m segmentation sample``, ``fit`` and ``check-sample``, run as a user runs them.

Most tests call the command line's ``main(argv)`` in this process (:func:`tests.cli.run_cli`:
the same arguments, exit code, stdout and stderr without starting an interpreter); one test per
command runs it as a real ``python -m segmentation`` process.

The population is generated with known segments (four clusters of customers in age, yearly
spend and orders per year, plus a region unrelated to them) so that a large sample must pin the
segments down and a tiny one cannot know their shares.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from segmentation.sharing import sample_commands
from segmentation.sharing.reuse import assign_customers, fit_segment_model, load_model
from segmentation.sharing.sample_check import check_sample as sample_check
from segmentation.sharing.sample_design import (
    DESIGN_KEY,
    SampleDesign,
    proportional_allocation,
    row_keys,
)
from segmentation.sharing.sampling import read_design
from tests.cli import ROOT, run_cli, run_process

CENTRES = np.array([[22, 180, 2], [46, 1500, 12], [67, 600, 30], [35, 60, 1]])
SHARES = (0.4, 0.3, 0.2, 0.1)
REGIONS = (("North", 0.5), ("South", 0.3), ("East", 0.19), ("Islands", 0.01))


def population(n: int, seed: int = 1) -> pd.DataFrame:
    """Customers in four clusters, one row each, with a rare region (1 %)."""
    rng = np.random.default_rng(seed)
    segment = rng.choice(len(CENTRES), n, p=SHARES)
    values = CENTRES[segment] * np.exp(rng.normal(0, 0.15, (n, 3)))
    names, weights = zip(*REGIONS, strict=True)
    return pd.DataFrame(
        {
            "customer_id": [f"C{i:06d}" for i in range(n)],
            "age": values[:, 0].round(),
            "annual_spend": values[:, 1].round(2),
            "orders_per_year": values[:, 2].round(1),
            "region": rng.choice(names, n, p=weights),
        }
    )


def sample(
    *args: str, command: Callable[..., subprocess.CompletedProcess[str]] = run_cli
) -> tuple[SampleDesign, subprocess.CompletedProcess[str]]:
    done = command("sample", *args)
    assert done.returncode == 0, done.stderr
    return SampleDesign.from_dict(json.loads(done.stdout)), done


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The population as one CSV, and split in three Parquet files in a folder."""
    path = tmp_path_factory.mktemp("population")
    frame = population(30_000)
    frame.to_csv(path / "customers.csv", index=False)
    (path / "parts").mkdir()
    for number, start in enumerate(range(0, len(frame), 10_000)):
        frame.iloc[start : start + 10_000].to_parquet(
            path / "parts" / f"part-{number}.parquet", index=False
        )
    return path


# --- the design, pure functions --------------------------------------------------------------


@pytest.mark.parametrize(
    ("populations", "size", "expected"),
    [
        ([50, 30, 20], 10, [5, 3, 2]),
        ([97, 2, 1], 10, [8, 1, 1]),  # every stratum gets a row, taken from the largest
        ([45, 35, 20], 7, [3, 3, 1]),  # 3.15, 2.45, 1.4: remainders .45 and .4 win the last two
        ([5, 5], 100, [5, 5]),  # more than the population: everything
        ([98, 1, 1], 2, [2, 0, 0]),  # fewer rows than strata: proportional only
    ],
)
def test_largest_remainder_allocation(populations, size, expected) -> None:
    assert proportional_allocation(populations, size).tolist() == expected


def test_row_keys_depend_on_seed_and_position_only() -> None:
    keys = row_keys(7, np.arange(100_000))
    assert len(np.unique(keys)) == 100_000
    assert (row_keys(7, np.arange(50_000, 100_000)) == keys[50_000:]).all()
    assert not (row_keys(8, np.arange(10)) == keys[:10]).any()


# --- sample --------------------------------------------------------------------------------


def test_same_seed_same_rows_whatever_the_files_and_batches(folder: Path, tmp_path: Path) -> None:
    csv_design, _ = sample(folder / "customers.csv", tmp_path / "a.parquet", "--rows", "1000",
                           "--seed", "5")  # fmt: skip
    sample(folder / "parts", tmp_path / "b.parquet", "--rows", "1000", "--seed", "5",
           "--batch-rows", "777")  # fmt: skip
    sample(str(folder / "parts" / "*.parquet"), tmp_path / "c.parquet", "--rows", "1000",
           "--seed", "5")  # fmt: skip
    sample(folder / "customers.csv", tmp_path / "d.parquet", "--rows", "1000", "--seed", "6")
    ids = {name: pd.read_parquet(tmp_path / f"{name}.parquet")["customer_id"] for name in "abcd"}
    assert len(ids["a"]) == 1000 and ids["a"].is_unique
    assert ids["a"].tolist() == ids["b"].tolist() == ids["c"].tolist()
    assert len(set(ids["a"]) & set(ids["d"])) < 100  # another seed: another sample (~33 shared)
    assert (csv_design.population, csv_design.size, csv_design.seed) == (30_000, 1000, 5)
    assert (csv_design.method, csv_design.strata) == ("uniform", ())


def test_csv_values_stay_text_and_parquet_types_stay(folder: Path, tmp_path: Path) -> None:
    sample(folder / "customers.csv", tmp_path / "text.parquet", "--rows", "50")
    sample(folder / "parts", tmp_path / "typed.parquet", "--rows", "50")
    text, typed = (
        pd.read_parquet(tmp_path / "text.parquet"),
        pd.read_parquet(tmp_path / "typed.parquet"),
    )
    assert pd.api.types.is_string_dtype(text["age"])
    assert pd.api.types.is_float_dtype(typed["age"])
    original = population(30_000).set_index("customer_id")
    assert typed.set_index("customer_id")["annual_spend"].equals(
        original.loc[typed["customer_id"], "annual_spend"]
    )


def test_stratified_sample_is_proportional_and_keeps_rare_strata(
    folder: Path, tmp_path: Path
) -> None:
    out = tmp_path / "strata.parquet"
    design, _ = sample(folder / "parts", out, "--rows", "500", "--strata", "region", "--seed", "3")
    counts = population(30_000)["region"].value_counts()
    sizes = {s.values["region"]: s.size for s in design.strata}
    expected = proportional_allocation(counts.sort_index().to_numpy(), 500)
    assert sizes == dict(zip(counts.sort_index().index, expected.tolist(), strict=True))
    assert sizes["Islands"] >= 1 and sum(sizes.values()) == 500
    drawn = pd.read_parquet(out)["region"].value_counts().to_dict()
    assert drawn == {k: v for k, v in sizes.items() if v}
    assert {s.values["region"]: s.population for s in design.strata} == counts.to_dict()


def test_the_design_travels_in_the_parquet_metadata(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "s.parquet"
    design, _ = sample(folder / "customers.csv", out, "--rows", "300", "--strata", "region",
                       command=run_process)  # fmt: skip  # sample, as a process
    assert read_design(out) == design
    stored = json.loads(pq.read_schema(out).metadata[DESIGN_KEY])
    assert stored["population"] == 30_000 and stored["size"] == 300
    assert stored["strata_columns"] == ["region"] and stored["source"].endswith("customers.csv")
    assert SampleDesign.from_dict(stored).to_dict() == stored


def test_more_rows_than_the_dataset_takes_all_and_says_so(folder: Path, tmp_path: Path) -> None:
    design, done = sample(folder / "parts", tmp_path / "all.parquet", "--rows", "50000")
    assert "is more than the 30,000 rows" in done.stderr and "whole dataset" in done.stderr
    assert (design.size, design.requested) == (30_000, 50_000)
    assert len(pd.read_parquet(tmp_path / "all.parquet")) == 30_000


@pytest.fixture
def empty_files(tmp_path: Path) -> dict[str, Path]:
    header_only = tmp_path / "header.csv"
    header_only.write_text("customer_id,age\n")
    no_bytes = tmp_path / "nothing.csv"
    no_bytes.write_bytes(b"")
    no_rows = tmp_path / "none.parquet"
    pd.DataFrame({"customer_id": pd.Series([], dtype=str)}).to_parquet(no_rows)
    (tmp_path / "no_data").mkdir()
    (tmp_path / "no_data" / "notes.md").write_text("nothing here")
    return {"header": header_only, "bytes": no_bytes, "parquet": no_rows,
            "folder": tmp_path / "no_data"}  # fmt: skip


@pytest.mark.parametrize(
    ("dataset", "extra", "message"),
    [
        ("missing.csv", (), "There is no file or folder at '.*missing.csv'. Check the path."),
        ("*.nothing", (), r"The pattern '.*\*.nothing' matches no files"),
        (
            "customers.csv",
            ("--strata", "regio"),
            r"'regio'.* are not in .*customer_id, age, "
            r"annual_spend, orders_per_year, region\. Choose strata columns",
        ),
        ("customers.csv", ("--rows", "0"), "--rows=0 must be at least 1"),
        ("header", (), "has no rows"),
        ("bytes", (), r"is empty \(0 bytes\)"),
        ("parquet", (), "has no rows"),
        ("folder", (), "holds no CSV or Parquet files"),
    ],
)
def test_bad_sample_input_gets_a_message_and_exit_code_2(
    folder: Path, empty_files: dict[str, Path], tmp_path: Path, dataset, extra, message
) -> None:
    path = empty_files.get(dataset, folder / dataset)
    rows = () if "--rows" in extra else ("--rows", "10")
    done = run_cli("sample", path, tmp_path / "out.parquet", *rows, *extra)
    assert done.returncode == 2
    assert done.stderr.startswith("error: ")
    assert re.search(message, done.stderr), done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out.parquet").exists()


def test_files_with_different_columns_are_named(folder: Path, tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("id,spend\n1,2\n")
    (tmp_path / "b.csv").write_text("id,income\n3,4\n")
    done = run_cli("sample", tmp_path, tmp_path / "out.parquet", "--rows", "1")
    assert done.returncode == 2
    assert "lacks: spend; extra: income" in done.stderr


# --- fit -----------------------------------------------------------------------------------


def first_visit_in_the_app(path: Path):
    """Upload ``path`` on the Data page and open the Segments page: the app's data and its
    first-visit segmentation."""
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    app.run()
    app.file_uploader(key="upload").set_value((path.name, path.read_bytes(), "text/csv"))
    app.run()
    assert not app.exception, app.exception
    app.switch_page("pages/segments.py")
    app.run()
    assert not app.exception, app.exception
    segmentation = app.session_state["segmentations"][app.session_state["active_segmentation"]]
    return app.session_state["active_data"], segmentation


def test_fit_makes_the_apps_first_visit_segmentation(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    population(3000, seed=4).to_csv(path, index=False)
    done = run_cli("fit", path, tmp_path / "model.joblib")
    assert done.returncode == 0, done.stderr
    model = load_model(tmp_path / "model.joblib")
    data, segmentation = first_visit_in_the_app(path)
    assert model.title == segmentation.title
    assert dict(model.segment_names) == dict(segmentation.segment_names)  # persona names too
    from_cli = assign_customers(model, data.customers)
    from_app = assign_customers(fit_segment_model(data.customers, data.schema, segmentation),
                                data.customers)  # fmt: skip  # the app's "Download model"
    assert from_cli.equals(from_app)
    assert from_cli.to_numpy().tolist() == segmentation.named_labels().to_numpy().tolist()
    assert f"k = {segmentation.n_segments} (" in done.stdout
    for name, count in segmentation.sizes().items():
        assert f"  {name}: {count:,} (" in done.stdout
    assert model.settings["training"] == {
        "source": str(path), "customers": 3000, "k": "recommended", "sample": None
    }  # fmt: skip


def test_fit_with_k_on_a_sample_records_its_design(folder: Path, tmp_path: Path) -> None:
    design, _ = sample(folder / "parts", tmp_path / "s.parquet", "--rows", "2000", "--seed", "9")
    # fit, as a process
    done = run_process("fit", tmp_path / "s.parquet", tmp_path / "m.joblib", "--k", "5")
    assert done.returncode == 0, done.stderr
    assert "k = 5 (given with --k)" in done.stdout
    training = load_model(tmp_path / "m.joblib").settings["training"]
    assert training["k"] == "given" and training["customers"] == 2000
    assert SampleDesign.from_dict(training["sample"]) == design


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("missing.csv", "m.joblib"), "There is no file at 'missing.csv'"),
        (("customers.csv", "m.joblib", "--k", "1"), "n_segments=1 must be between 2 and"),
        (("customers.csv", "no/such/m.joblib"), "the folder 'no/such' does not exist"),
    ],
)
def test_bad_fit_input_gets_a_message_and_exit_code_2(folder: Path, args, message) -> None:
    args = [str(folder / a) if a == "customers.csv" else a for a in args]
    done = run_cli("fit", *args)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


# --- check-sample --------------------------------------------------------------------------


def fitted(folder: Path, tmp_path: Path, rows: int, *options: str) -> Path:
    sample(folder / "parts", tmp_path / "s.parquet", "--rows", str(rows), "--seed", "11")
    done = run_cli("fit", tmp_path / "s.parquet", tmp_path / "m.joblib", *options)
    assert done.returncode == 0, done.stderr
    return tmp_path / "m.joblib"


@pytest.fixture
def check_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """``check-sample`` computes its check once in a test: the ``--json`` run and the report
    run of one model (same dataset, rows, seed and evaluation rows) print the same result."""
    checks = []

    def check_sample(*args, **kwargs):
        if not checks:
            checks.append((args[1:], kwargs, sample_check(*args, **kwargs)))
        assert checks[0][:2] == (args[1:], kwargs)
        return checks[0][2]

    monkeypatch.setattr(sample_commands, "check_sample", check_sample)


@pytest.mark.usefixtures("check_once")
def test_a_large_sample_is_big_enough(folder: Path, tmp_path: Path) -> None:
    model = fitted(folder, tmp_path, 5000, "--k", "4")  # the refit keeps a given k
    done = run_cli("check-sample", model, folder / "parts", "--json", "--eval-rows", "10000")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["big_enough"] and result["reasons"] == []
    assert result["ari"] >= 0.8 and result["refit_k"] == result["model_k"]
    assert result["sample_size"] == 5000 and result["refit_seed"] == 12
    assert result["evaluated"] == 10_000
    assert max(s["share_points"] for s in result["segments"]) <= 2
    assert result["thresholds"] == {"ari_min": 0.8, "share_points_max": 2.0, "drift_max": 0.25,
                                    "margin_points_max": 2.0}  # fmt: skip
    report = run_cli("check-sample", model, folder / "parts", "--eval-rows", "10000")
    assert "The sample of 5,000 customers was big enough" in report.stdout
    assert "Agreement (adjusted Rand index): " in report.stdout
    assert "Thresholds: ARI ≥ 0.8, segment shares within 2 points" in report.stdout


@pytest.mark.usefixtures("check_once")
def test_a_tiny_sample_is_too_small(folder: Path, tmp_path: Path) -> None:
    model = fitted(folder, tmp_path, 60)
    done = run_cli("check-sample", model, folder / "parts", "--eval-rows", "5000", "--json")
    result = json.loads(done.stdout)
    assert not result["big_enough"] and result["margin_points"] > 2
    done = run_cli("check-sample", model, folder / "parts", "--eval-rows", "5000")
    assert done.returncode == 0, done.stderr
    assert "The sample of 60 customers was too small" in done.stdout
    assert "a segment's share is only known within ±" in done.stdout
    assert "Draw a larger sample (at least 2," in done.stdout  # ~2,300 for a 40 % segment


@pytest.fixture(scope="module")
def small_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model fitted with ``fit`` on 500 customers (for the bad-input tests)."""
    path = tmp_path_factory.mktemp("small")
    population(500).to_csv(path / "small.csv", index=False)
    assert run_cli("fit", path / "small.csv", path / "m.joblib", "--k", "3").returncode == 0
    return path / "m.joblib"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("missing.joblib", "parts"), "There is no model file at 'missing.joblib'"),
        (("model", "nowhere"), "There is no file or folder at 'nowhere'"),
        (("model", "*.nothing"), "matches no files"),
        (("model", "parts", "--rows", "0"), "--rows=0 must be at least 1"),
    ],
)
def test_bad_check_input_gets_a_message_and_exit_code_2(
    folder: Path, small_model: Path, args, message
) -> None:
    paths = {"model": small_model, "parts": folder / "parts"}
    command = run_process if args[0] == "missing.joblib" else run_cli  # check-sample's process
    done = command("check-sample", *(paths.get(a, a) for a in args))
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
