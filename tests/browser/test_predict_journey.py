"""The Predictions page in a real Chromium: predictions and the hold-out check, then the
predictions used in segments and a rule on churn risk counted on the Segments page."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from segmentation import load_sample
from segmentation.predicting.predictions import predict_from_data
from segmentation.segmenting.value_risk import value_risk_rules
from tests.browser.helpers import APP_IDLE_SELECTOR, app_reruns, assert_no_exception, wait_for_app
from tests.browser.test_segments_journey import SLOW, choose


def test_predictions_then_a_rule_on_churn_risk(page: Page, streamlit_server: str) -> None:
    levels = predict_from_data(load_sample()).customers["churn_risk_level"]
    high = int((levels == "High").sum())

    page.goto(f"{streamlit_server}/predict")
    wait_for_app(page, timeout=SLOW)
    expect(page.get_by_text("How good is it, on this data?")).to_be_visible(timeout=SLOW)
    expect(page.get_by_text("Customers scored")).to_be_visible()
    expect(page.locator(".js-plotly-plot")).to_have_count(2, timeout=SLOW)
    assert_no_exception(page)

    with app_reruns(page, timeout=SLOW):
        page.get_by_role("button", name="Use predictions in my segments").click()
    expect(page.get_by_text("made Value × risk active")).to_be_visible(timeout=SLOW)

    with app_reruns(page, timeout=SLOW):
        page.get_by_role("link", name="Segments", exact=True).click()  # keeps the session
    expect(page).to_have_url(re.compile(r"/segments\b"), timeout=SLOW)
    # a tab may switch in the browser without a rerun: wait for what it shows
    page.locator(APP_IDLE_SELECTOR).wait_for(state="attached", timeout=SLOW)
    page.get_by_role("tab", name="Rules").click()
    columns = page.get_by_test_id("stSelectbox").filter(has_text="Column")
    n_conditions = sum(len(rule.group.items) for rule in value_risk_rules())
    expect(columns).to_have_count(n_conditions, timeout=SLOW)  # the Value × risk rules
    with app_reruns(page, timeout=SLOW):
        page.get_by_role("button", name="Add a rule").click()
    expect(columns).to_have_count(n_conditions + 1, timeout=SLOW)
    choose(page, columns.last, "churn_risk_level")
    operators = page.get_by_test_id("stSelectbox").filter(has_text="Condition")
    choose(page, operators.last, "is")
    values = page.get_by_test_id("stSelectbox").filter(has_text="Value")
    choose(page, values.last, "High")
    expect(page.get_by_text(f"{high:,} customers (").first).to_be_visible(timeout=SLOW)
    assert_no_exception(page)
