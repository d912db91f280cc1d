"""AppTest of the Predictions page: predictions and the hold-out check on the sample, the
progress shown while they are fitted in the background, the messages for data that cannot be
predicted, and using the predictions in segments.

The page fits in a worker thread and polls it; AppTest does not run the polling fragment, so
the tests run the page again (as the fragment does) until what they wait for is shown, within
a generous deadline, never for a fixed time."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from segmentation.predicting.columns import PREDICTED_NOTE
from segmentation.predicting.predictions import CHURN_LEVELS, PREDICTION_STEPS
from segmentation.segmenting.value_risk import VALUE_RISK_TITLE, value_risk_rules
from tests.test_app import CUSTOMERS_CSV, EXCERPT, texts, upload

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 180


def wait_until(app: AppTest, shown: Callable[[AppTest], bool], what: str) -> AppTest:
    """Run the page again until ``shown(app)`` (the background work is done), or fail."""
    deadline = time.monotonic() + TIMEOUT
    while not shown(app):
        assert time.monotonic() < deadline, f"{what} never appeared"
        app.run()
        assert not app.exception, app.exception
    return app


def finished(app: AppTest) -> bool:
    """Predictions and the hold-out check are drawn, or a message says why not."""
    checked = len(app.get("plotly_chart")) == 2 or any(
        "hold-out check could not run" in w.value for w in app.warning
    )
    return bool(app.error) or (bool(app.metric) and checked) or "need an orders" in texts(app)


def progress_text(app: AppTest) -> str:
    return " ".join(bar.proto.text for bar in app.get("progress"))


def open_predictions(app: AppTest | None = None) -> AppTest:
    if app is None:
        app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
        app.run()
    app.switch_page("pages/predict.py")
    app.run()
    assert not app.exception, app.exception
    return wait_until(app, finished, "the predictions")


@pytest.fixture(scope="module")
def first_visit() -> AppTest:
    return open_predictions()


def metrics(app: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def test_first_visit_on_the_sample_shows_predictions_and_the_check(first_visit):
    app = first_visit
    assert app.title[0].value == "Predictions"
    shown = metrics(app)
    assert shown["Customers scored"] == "6,000"
    assert "Predicted CLV, next 365 days" in shown
    levels = [int(shown[f"{level} churn risk"].replace(",", "")) for level in CHURN_LEVELS]
    assert sum(levels) == 6000
    assert "Low below 33%, Medium from 33% to below 67%, High from 67%" in "\n".join(
        c.value for c in app.caption
    )
    assert {"Total error", "Churn risk ranking (AUC)"} <= set(shown)
    assert "How good is it, on this data?" in [h.value for h in app.subheader]
    assert "repeat orders" in texts(app) and "AUC" in texts(app)
    assert len(app.get("plotly_chart")) == 2
    assert not app.error


def test_the_table_shows_readable_labels_never_raw_names(first_visit):
    table = first_visit.dataframe[0].value
    assert len(table) == 6000
    assert "predicted CLV over the next 365 days" in table.columns
    assert "churn risk level" in table.columns
    assert not {"predicted_clv", "churn_risk", "expected_orders"} & set(table.columns)


def test_every_widget_has_help(first_visit):
    app = first_visit
    main = app.main  # the sidebar's share controls are tested with the share pages
    widgets = [*main.button, *main.slider, *main.number_input, *main.date_input]
    assert len(widgets) == 5 and all(w.help for w in widgets)
    assert all(w.help for w in [*app.sidebar.button, *app.sidebar.number_input])
    assert app.slider(key="pred_horizon").value == 365
    assert app.slider(key="pred_holdout").value == 25
    assert app.number_input(key="pred_discount").value == 0


def test_a_shorter_horizon_lowers_the_predicted_orders(first_visit):
    app = open_predictions()
    before = float(metrics(app)["Predicted orders, next 365 days"].replace(",", ""))
    app.slider(key="pred_horizon").set_value(90).run()
    wait_until(app, lambda a: "Predicted orders, next 90 days" in metrics(a), "90-day predictions")
    after = float(metrics(app)["Predicted orders, next 90 days"].replace(",", ""))
    assert 0 < after < before


def test_a_customer_table_is_told_predictions_need_orders():
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    app.run()
    upload(app, "crm export.csv", CUSTOMERS_CSV.encode("cp1252"))
    open_predictions(app)
    assert "Predictions need an orders file" in texts(app)
    assert not app.metric and not app.error


def test_too_few_customers_get_a_clear_message():
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    app.run()
    upload(app, EXCERPT.name, EXCERPT.read_bytes())
    next(b for b in app.button if b.label == "Turn orders into customers").click().run()
    open_predictions(app)
    message = app.error[0].value
    assert "298 customers have orders up to" in message and "at least 500" in message
    assert "No predictions were made." in message


def test_use_predictions_adds_columns_and_the_value_risk_segments():
    app = open_predictions()
    app.button(key="pred_use").click().run()
    assert not app.exception, app.exception
    assert "made **Value × risk** active" in texts(app)
    data = app.session_state["active_data"]
    added = [c for c in data.schema.columns if c.note == PREDICTED_NOTE]
    assert {c.name for c in added} >= {"predicted_clv", "churn_risk", "churn_risk_level"}
    assert all(c.base == "behavioral" and c.label != c.name for c in added)
    assert data.schema.column("predicted_clv").role == "feature"
    assert data.source.kind == "sample" and len(data.customers) == 6000
    assert app.session_state["active_segmentation"] == VALUE_RISK_TITLE
    segmentation = app.session_state["segmentations"][VALUE_RISK_TITLE]
    assert set(segmentation.sizes().index) == {rule.name for rule in value_risk_rules()}
    # pressing again replaces the columns instead of adding them twice
    app.button(key="pred_use").click().run()
    again = app.session_state["active_data"]
    assert list(again.customers.columns) == list(data.customers.columns)


def test_the_value_risk_rules_are_editable_on_the_segments_page():
    app = open_predictions()
    app.button(key="pred_use").click().run()
    app.switch_page("pages/segments.py")
    app.session_state["seg_tab"] = "Rules"
    app.run()
    assert not app.exception, app.exception
    names = [t.value for t in app.text_input if t.key and t.key.endswith("_name")]
    assert [rule.name for rule in value_risk_rules()] == names[:4]
    at_risk = app.session_state["segmentations"][VALUE_RISK_TITLE].sizes()["High value at risk"]
    assert f"**{at_risk:,} customers (" in texts(app)  # the rule's live count


def test_the_page_shows_its_steps_while_fitting_and_the_app_stays_usable(monkeypatch):
    from ui import predict_state

    go, real = threading.Event(), predict_state.predict_customers

    def held_back(history, config, progress=None):
        progress(0.0, PREDICTION_STEPS[0])
        go.wait(TIMEOUT)  # the fit takes as long as the test wants
        return real(history, config, progress=progress)

    monkeypatch.setattr(predict_state, "predict_customers", held_back)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    app.run()
    app.session_state["pred_horizon"] = 415  # settings no earlier test has fitted or checked
    app.session_state["pred_holdout"] = 35
    app.switch_page("pages/predict.py")
    app.run()
    wait_until(app, lambda a: f"{PREDICTION_STEPS[0]}…" in progress_text(a), "the progress")
    steps = texts(app) + "\n".join(c.value for c in app.caption)
    for step in (*PREDICTION_STEPS, predict_state.HOLDOUT_STEP):
        assert step in steps
    assert "you can keep working on other pages meanwhile" in steps
    assert not app.metric and not app.error
    app.switch_page("pages/data.py")  # another page opens while the fit runs
    app.run()
    assert not app.exception and app.title[0].value != "Predictions"
    app.switch_page("pages/predict.py")
    app.run()
    assert app.get("progress"), "coming back joins the same fit"
    go.set()
    wait_until(app, finished, "the predictions")
    assert metrics(app)["Predicted CLV, next 415 days"] and not app.error
    assert not app.get("progress")
