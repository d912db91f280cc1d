"""AppTest of the Monitor page: a second snapshot of the sample, movements, drift and flags."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from segmentation import load_sample
from tests.test_app import texts

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 180


def open_monitor() -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    app.switch_page("pages/monitor.py")
    app.run()
    assert not app.exception, app.exception
    return app


@pytest.fixture(scope="module")
def next_month() -> bytes:
    """The sample a month on: the most valuable tenth of customers lapse (recency +200 days,
    no new orders), a few customers leave and new ones arrive."""
    customers = load_sample().customers.copy()
    rng = np.random.default_rng(0)
    top = customers["monetary"] >= customers["monetary"].quantile(0.9)
    customers.loc[top, "recency_days"] = customers.loc[top, "recency_days"] + 200
    customers = customers.drop(index=customers.index[rng.choice(len(customers), 50, replace=False)])
    newcomers = customers.head(30).copy()
    newcomers["customer_id"] = [f"NEW{i:03d}" for i in range(30)]
    return pd.concat([customers, newcomers]).to_csv(index=False).encode()


def test_without_a_second_snapshot_the_page_asks_for_one():
    app = open_monitor()
    assert "Upload a second snapshot with the same columns" in texts(app)


def test_second_snapshot_shows_movements_drift_and_flags(next_month):
    app = open_monitor()
    app.file_uploader(key="mon_upload").set_value(("next_month.csv", next_month, "text/csv"))
    app.run()
    assert not app.exception, app.exception
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Customers, first snapshot"] == "6,000"
    assert metrics["In both"] == "5,950"
    assert metrics["Customers, second snapshot"] == "5,980"
    assert len(app.get("plotly_chart")) == 2
    flags = [w.value for w in app.warning]
    assert flags, "lapsing the top tenth must flag at least one segment"
    assert any("recency_days" in f for f in flags)
    assert [b.label for b in app.get("download_button") if "model" in b.label.lower()]
    app.slider(key="mon_size_threshold").set_value(30.0).run()
    app.slider(key="mon_profile_threshold").set_value(2.0).run()
    assert not app.exception, app.exception
    assert "No segment changed beyond the thresholds." in texts(app)


def test_a_snapshot_without_the_segment_columns_gets_a_clear_message():
    app = open_monitor()
    thin = "customer_id,age\n" + "".join(f"X{i},{30 + i % 20}\n" for i in range(40))
    app.file_uploader(key="mon_upload").set_value(("thin.csv", thin.encode(), "text/csv"))
    app.run()
    assert not app.exception, app.exception
    assert "The new file lacks" in texts(app) and "Nothing was compared." in texts(app)


def test_the_sample_split_by_a_date_shows_new_customers_and_drift():
    app = open_monitor()
    app.radio(key="mon_source").set_value("The sample at an earlier date").run()
    assert not app.exception, app.exception
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Customers, second snapshot"] == "6,000"
    earlier = int(metrics["Customers, first snapshot"].replace(",", ""))
    assert 3_000 < earlier < 6_000  # a year before the last order, not everyone had ordered
    assert metrics["In both"] == f"{earlier:,}"
    assert any("earlier snapshot's segments" in b.label for b in app.get("download_button"))
    assert app.get("plotly_chart")[0].proto.spec  # the Sankey is drawn
    assert "New customers" in app.get("plotly_chart")[0].proto.spec
