"""AppTest of the Monitor page on segments that read prediction columns (Value × risk): the
other snapshot's predictions are recomputed from its own orders, never copied, and a snapshot
without orders is told which columns it lacks."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from segmentation import load_sample
from segmentation.data.dataset import SAMPLE_DIR, SAMPLE_ORDERS
from segmentation.segmenting.value_risk import VALUE_RISK_TITLE
from tests.test_app import texts
from tests.test_predict_page import open_predictions

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def value_risk_on_monitor() -> AppTest:
    app = open_predictions()
    app.button(key="pred_use").click().run()
    assert app.session_state["active_segmentation"] == VALUE_RISK_TITLE
    app.switch_page("pages/monitor.py")
    app.run()
    assert not app.exception, app.exception
    return app


def metrics(app: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def test_the_sample_at_an_earlier_date_is_predicted_as_of_that_date(monkeypatch):
    from ui import predict_state

    asked, real = [], predict_state.predictions_now

    def spy(history, config):
        asked.append(config)
        return real(history, config)

    monkeypatch.setattr(predict_state, "predictions_now", spy)
    app = value_risk_on_monitor()
    app.radio(key="mon_source").set_value("The sample at an earlier date").run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    cut = app.date_input(key="mon_cut").value
    assert [c.as_of for c in asked] == [cut.isoformat()]
    assert asked[0].horizon_days == 365  # the table's own settings
    shown = metrics(app)
    assert shown["Kept their segment"] != "100%"  # a year earlier, predictions differ
    assert "Where customers went" in texts(app)


def test_an_orders_snapshot_gets_its_own_predictions():
    app = value_risk_on_monitor()
    orders = (SAMPLE_DIR / SAMPLE_ORDERS).read_bytes()
    app.file_uploader(key="mon_upload").set_value((SAMPLE_ORDERS, orders, "application/gzip"))
    app.run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    # the same orders give the same predictions, so every customer keeps their segment
    assert metrics(app)["Kept their segment"] == "100%"


def test_a_customer_export_without_prediction_columns_is_told_what_is_missing():
    app = value_risk_on_monitor()
    export = load_sample().customers.to_csv(index=False).encode()
    app.file_uploader(key="mon_upload").set_value(("export.csv", export, "text/csv"))
    app.run()
    assert not app.exception, app.exception
    message = app.error[0].value
    assert "prediction columns the second snapshot does not have" in message
    assert "churn_risk_level" in message
    assert "upload the later snapshot as an orders file" in message
