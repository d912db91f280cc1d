"""AppTest of the Predictions page: predictions and the hold-out check on the sample, the
messages for data that cannot be predicted, and using the predictions in segments."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from segmentation.predicting.columns import PREDICTED_NOTE
from segmentation.predicting.predictions import CHURN_LEVELS
from segmentation.segmenting.value_risk import VALUE_RISK_TITLE, value_risk_rules
from tests.test_app import CUSTOMERS_CSV, EXCERPT, texts, upload

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 180


def open_predictions(app: AppTest | None = None) -> AppTest:
    if app is None:
        app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
        app.run()
    app.switch_page("pages/predict.py")
    app.run()
    assert not app.exception, app.exception
    return app


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
    widgets = [*app.button, *app.slider, *app.number_input, *app.date_input]
    assert len(widgets) == 5 and all(w.help for w in widgets)
    assert app.slider(key="pred_horizon").value == 365
    assert app.slider(key="pred_holdout").value == 25
    assert app.number_input(key="pred_discount").value == 0


def test_a_shorter_horizon_lowers_the_predicted_orders(first_visit):
    app = open_predictions()
    before = float(metrics(app)["Predicted orders, next 365 days"].replace(",", ""))
    app.slider(key="pred_horizon").set_value(90).run()
    assert not app.exception, app.exception
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
