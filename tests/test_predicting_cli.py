"""``python -m segmentation predict INPUT OUTPUT.csv [--as-of DATE] [--horizon-days N]``."""

from __future__ import annotations

import json
import subprocess

import pandas as pd
import pytest

from segmentation.__main__ import main
from segmentation.predicting.simulation import simulate_orders
from tests.cli import ROOT, run_cli, run_process

CDNOW = ROOT / "data" / "cdnow_sample.txt"
ONLINE_RETAIL_EXCERPT = ROOT / "data" / "examples" / "online_retail_excerpt.csv.gz"
PARAMETERS = ["r", "alpha", "a", "b", "p", "q", "gamma"]
# the customer key (named as in the input file), then the predictions in this order
HEADER = (
    "{key},expected_orders,p_order_90d,churn_risk,expected_order_value,predicted_clv,"
    "historic_value,expected_next_order"
)


def predict(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("predict", *args)


def test_cdnow_calibration_gives_the_published_parameters_per_day(tmp_path):
    out = tmp_path / "cdnow.csv"
    done = run_process(  # the command's real-process test
        "predict", CDNOW, out, "--as-of", "1997-09-30", "--horizon-days", "273"
    )
    assert done.returncode == 0, done.stderr
    stdout = done.stdout.strip().splitlines()
    assert len(stdout) == 1  # only the JSON object; the human-readable lines go to stderr
    parameters = json.loads(stdout[0])
    assert list(parameters) == PARAMETERS
    assert round(parameters["r"], 3) == 0.243
    assert round(parameters["alpha"] / 7, 3) == 4.414  # α per day = α per week × 7
    assert (round(parameters["a"], 3), round(parameters["b"], 3)) == (0.793, 2.426)
    assert (round(parameters["p"], 2), round(parameters["q"], 2)) == (6.25, 3.74)
    assert round(parameters["gamma"], 2) == 15.44
    assert "Predicted 2,357 customers from their orders up to 1997-09-30" in done.stderr
    assert out.read_text().splitlines()[0] == HEADER.format(key="customer_id")
    table = pd.read_csv(out, dtype={"customer_id": str})
    assert len(table) == 2357
    first = table.set_index("customer_id").loc["00004"]
    assert round(first["expected_orders"], 3) == 1.226  # 273 days = the paper's 39 weeks
    assert first["historic_value"] == pytest.approx(29.33 + 29.73 + 14.96)


def test_generated_orders_with_the_default_as_of_and_horizon(tmp_path):
    history = simulate_orders(800, seed=21)
    source = tmp_path / "orders.csv"
    names = {"customer": "customer_id", "date": "order_date", "value": "amount"}
    history.orders.rename(columns=names).to_csv(source, index=False)
    out = tmp_path / "predictions.csv"
    done = predict(str(source), str(out))
    assert done.returncode == 0, done.stderr
    assert list(json.loads(done.stdout)) == PARAMETERS
    last_day = history.last_date.strftime("%Y-%m-%d")
    assert f"up to {last_day} over the next 365 days" in done.stderr
    assert out.read_text().splitlines()[0] == HEADER.format(key="customer_id")
    table = pd.read_csv(out)
    assert len(table) == 800
    assert table["expected_next_order"].dropna().min() > last_day


def test_missing_and_ineligible_files_exit_2_without_a_traceback(tmp_path):
    done = predict(str(tmp_path / "nowhere.csv"), str(tmp_path / "out.csv"))
    assert done.returncode == 2
    assert "error: There is no orders file at" in done.stderr
    done = predict(str(ONLINE_RETAIL_EXCERPT), str(tmp_path / "out.csv"))
    assert done.returncode == 2
    # 302 customers in the excerpt, 4 of whom only returned things
    assert "error: 298 customers have orders up to 09 Dec 2011; predictions need at least 500" in (
        done.stderr
    )
    assert "Traceback" not in done.stderr
    assert done.stdout == "" and not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--horizon-days", "20"], "horizon_days=20 must be from 30 to 730 days"),
        (["--as-of", "30/02/1997"], "as-of date '30/02/1997' is not a date"),
        (["--as-of", "1996-01-01"], "is before the first order (01 Jan 1997)"),
        (["--as-of", "1997-01-01"], "Every order up to 01 Jan 1997 is on that one day"),
    ],
)
def test_bad_settings_are_named(tmp_path, capsys, extra, message):
    assert main(["predict", str(CDNOW), str(tmp_path / "out.csv"), *extra]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""


def test_a_file_without_orders_is_named(tmp_path, capsys):
    customers = tmp_path / "customers.csv"
    rows = "\n".join(f"C{i},{20 + i},North" for i in range(30))
    customers.write_text("customer_id,age,region\n" + rows + "\n")
    assert main(["predict", str(customers), str(tmp_path / "out.csv")]) == 2
    assert "'customers.csv' does not look like orders" in capsys.readouterr().err


def test_an_unwritable_output_is_named(tmp_path, capsys):
    out = tmp_path / "no such folder" / "out.csv"
    assert main(["predict", str(CDNOW), str(out)]) == 2
    assert f"error: cannot write '{out}'" in capsys.readouterr().err
