"""Links and project files carry the Predictions page's settings and whether its columns were
in the table; opening them restores the settings and recomputes the columns (never stored)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from streamlit.testing.v1 import AppTest

from segmentation.predicting.columns import prediction_columns
from segmentation.predicting.eligibility import PredictionError
from segmentation.predicting.predictions import PredictionConfig
from segmentation.predicting.settings import PredictionSettings
from segmentation.segmenting.value_risk import VALUE_RISK_TITLE
from segmentation.sharing.projects import (
    DataInfo,
    Project,
    labels_digest,
    project_from_json,
    project_from_link,
    project_to_json,
    project_to_link,
)
from tests.test_predict_page import finished, metrics, open_predictions, wait_until
from tests.test_share_page import fresh, messages

SETTINGS = PredictionSettings(
    PredictionConfig(180, 0.05, "2026-06-30"), 0.3, PredictionConfig(180, 0.05, "2026-06-30")
)


def test_settings_travel_in_links_and_project_files():
    project = Project(DataInfo("sample", "s", "a1" * 32, 6000), predictions=SETTINGS.to_dict())
    for opened in (
        project_from_link(project_to_link(project)),
        project_from_json(project_to_json(project)),
    ):
        assert PredictionSettings.from_dict(opened.predictions) == SETTINGS


def test_files_made_before_predictions_open_without_them():
    document = Project(DataInfo("sample", "s", "a1" * 32)).to_dict()
    del document["predictions"]
    assert project_from_json(json.dumps(document)).predictions is None
    assert PredictionSettings.from_dict({}) == PredictionSettings()


@pytest.mark.parametrize(
    ("values", "match"),
    [
        ({"page": {"horizon_days": 5}}, "horizon_days=5 must be from 30 to 730"),
        ({"holdout_share": 0.9}, "share=0.9 must be from 0.1 to 0.5"),
        ({"table": {"discount_rate": 1.5}}, "discount_rate=1.5 must be at least 0"),
    ],
)
def test_settings_out_of_range_get_the_configs_own_message(values, match):
    with pytest.raises(PredictionError, match=match):
        PredictionSettings.from_dict(values)


@pytest.fixture(scope="module")
def shared() -> tuple[AppTest, str]:
    """A session that set the page's settings, used the predictions in its segments, and its
    link."""
    app = open_predictions()
    app.slider(key="pred_horizon").set_value(180)
    app.number_input(key="pred_discount").set_value(5.0)
    app.slider(key="pred_holdout").set_value(30)
    last = app.session_state["active_data"].orders.period_end.date()
    app.date_input(key="pred_as_of").set_value(last - timedelta(days=61)).run()
    wait_until(app, lambda a: "Predicted CLV, next 180 days" in metrics(a) and finished(a), "180")
    app.button(key="pred_use").click().run()
    app.run()  # the link is rewritten at the top of each run
    assert not app.exception, app.exception
    token = app.query_params["view"]
    return app, token[0] if isinstance(token, list) else token


def test_the_link_carries_the_settings_not_the_predictions(shared):
    app, token = shared
    carried = PredictionSettings.from_dict(project_from_link(token).predictions)
    last = app.session_state["active_data"].orders.period_end.date()
    as_of = (last - timedelta(days=61)).isoformat()
    config = PredictionConfig(180, 0.05, as_of)
    assert carried == PredictionSettings(config, 0.3, config)
    ids = app.session_state["active_data"].customers["customer_id"].astype(str)
    assert not any(i in project_to_json(project_from_link(token)) for i in ids.head(50))


def test_opening_the_link_restores_the_settings_and_recomputes_the_columns(shared):
    app, token = shared
    restored = fresh("pages/segments.py", link=token)
    assert "Opened the shared link" in messages(restored)
    assert "not added back" not in messages(restored) and not restored.error
    data = restored.session_state["active_data"]
    original = app.session_state["active_data"]
    assert set(prediction_columns(data)) == set(prediction_columns(original))
    assert data.schema.column("predicted_clv").label == "predicted CLV over the next 180 days"
    assert data.customers["predicted_clv"].equals(original.customers["predicted_clv"])
    rebuilt = restored.session_state["segmentations"][VALUE_RISK_TITLE]
    before = app.session_state["segmentations"][VALUE_RISK_TITLE]
    assert labels_digest(rebuilt.labels) == labels_digest(before.labels)
    # the Predictions page opens with the link's settings
    page = open_predictions(restored)
    assert page.slider(key="pred_horizon").value == 180
    assert page.slider(key="pred_holdout").value == 30
    assert page.number_input(key="pred_discount").value == 5.0
    last = data.orders.period_end.date()
    assert page.date_input(key="pred_as_of").value == last - timedelta(days=61)
    assert "Predicted CLV, next 180 days" in metrics(page)


def test_a_link_made_before_predictions_still_opens(shared):
    _, token = shared
    project = project_from_link(token)
    old = Project(project.data, project.columns, (), None, {}, None, {})
    restored = fresh("pages/data.py", link=project_to_link(old))
    assert "Opened the shared link" in messages(restored) and not restored.error
    assert not prediction_columns(restored.session_state["active_data"])
