"""AppTest of the Target page's customer value picker: real-shaped files without a value column,
a column, a sum of columns, none, a meaning edited on the data, and the predicted CLV."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from segmentation import load_sample, with_schema
from segmentation.predicting.columns import with_predictions
from segmentation.predicting.predictions import predict_from_data
from segmentation.targeting.config import ValueChoice
from segmentation.targeting.value import WITHOUT_VALUE
from tests.test_target_value import FILES, SPENDS, SPENDS_LABEL

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 180
PICKER = "tgt_value"


def rerun(app: AppTest) -> AppTest:
    app.run()
    assert not app.exception, app.exception
    return app


def open_target(file_name: str | None = None) -> AppTest:
    """A new session on the Target page, with ``file_name`` uploaded first (else the sample)."""
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    rerun(app)
    if file_name is not None:
        upload = (file_name, FILES[file_name](), "text/csv")
        app.file_uploader(key="upload").set_value(upload)
        rerun(app)
    app.switch_page("pages/target.py")
    return rerun(app)


def table(app: AppTest, column: str):
    for frame in app.dataframe:
        if column in frame.value.columns:
            return frame.value
    raise KeyError(column)


def texts(elements) -> str:
    return "\n".join(e.value for e in elements)


def metric(app: AppTest, label: str) -> str:
    return next(m.value for m in app.metric if m.label == label)


def choice(app: AppTest) -> ValueChoice:
    return app.session_state["target_config"].value


def no_errors(app: AppTest) -> None:
    assert not app.error, texts(app.error)
    assert not app.exception


def test_no_value_column_asks_and_the_page_works() -> None:
    app = open_target("wholesale.csv")
    no_errors(app)
    picker = app.selectbox(key=PICKER)
    assert picker.value is None and picker.help
    assert "Which column says what a customer is worth?" in texts(app.info)
    assert "Sum of several columns" in picker.options and "None: no value column" in picker.options
    assert not any("_" in option for option in picker.options)  # plain words, never raw names
    assert not table(app, "Zone").empty  # scores without the value criteria
    assert metric(app, "Expected revenue") == "not known"
    assert metric(app, "Cost") != "not known"


def test_choosing_a_column_gives_value_scores_and_the_roi() -> None:
    app = open_target("wholesale.csv")
    app.selectbox(key=PICKER).set_value("Fresh")
    rerun(app)
    no_errors(app)
    assert choice(app) == ValueChoice("column", ("Fresh",))
    assert "Value per customer score" in table(app, "Zone").columns
    assert set(table(app, "Value from")["Value from"]) == {"Fresh per customer (data)"}
    assert metric(app, "ROI").endswith("%")
    assert table(app, "Proportional split")["Budget"].sum() > 0
    assert "Customer value: **Fresh**" in texts(app.caption)
    # the choice is remembered while the user visits other pages
    app.switch_page("pages/data.py")
    rerun(app)
    app.switch_page("pages/target.py")
    rerun(app)
    assert app.selectbox(key=PICKER).value == "Fresh"


def test_choosing_a_sum_of_spend_columns() -> None:
    app = open_target("campaign.csv")
    no_errors(app)
    # the Data page added the spend columns up: that total is offered first
    assert app.selectbox(key=PICKER).value == "total_spend"
    assert "Total spend adds up the 6 spend columns" in texts(app.caption)
    app.selectbox(key=PICKER).set_value("__sum__")
    rerun(app)
    no_errors(app)
    assert choice(app) == ValueChoice("sum", SPENDS)  # every spend column to start with
    assert app.multiselect(key="tgt_value_sum").value == list(SPENDS)
    assert app.multiselect(key="tgt_value_sum").help
    assert set(table(app, "Value from")["Value from"]) == {f"{SPENDS_LABEL} per customer (data)"}
    app.multiselect(key="tgt_value_sum").set_value(list(SPENDS[:2]))
    rerun(app)
    assert choice(app) == ValueChoice("sum", SPENDS[:2])
    assert "Customer value: **Spend on wines and fruits**" in texts(app.caption)


def test_choosing_none_explains_what_is_left_out() -> None:
    app = open_target("telecom.csv")
    assert app.selectbox(key=PICKER).value == "TotalCharges"  # its meaning: customer value
    assert "Total charges has the meaning customer value" in texts(app.caption)
    app.selectbox(key=PICKER).set_value("__none__")
    rerun(app)
    no_errors(app)
    assert choice(app) == ValueChoice("none")
    assert WITHOUT_VALUE in texts(app.info)
    assert "Value per customer score" not in table(app, "Zone").columns
    assert metric(app, "ROI") == "not known"
    assert "budget split follows each target's expected return" in texts(app.info)


def test_the_default_follows_a_meaning_edited_on_the_data_page() -> None:
    app = open_target()
    assert app.selectbox(key=PICKER).value == "monetary"
    data = app.session_state["active_data"]
    schema = data.schema.with_column_meaning("monetary", "other")
    schema = schema.with_column_meaning("avg_order_value", "customer_value")
    app.session_state["active_data"] = with_schema(data, schema)
    rerun(app)
    no_errors(app)
    assert app.selectbox(key=PICKER).value == "avg_order_value"
    assert "Average order value has the meaning customer value" in texts(app.caption)
    assert choice(app) == ValueChoice()  # still following the data


def test_predicted_clv_as_the_value() -> None:
    app = open_target()
    sample = load_sample()
    app.session_state["active_data"] = with_predictions(sample, predict_from_data(sample))
    rerun(app)
    picker = app.selectbox(key=PICKER)
    assert picker.value == "monetary"  # predictions are offered, never a silent default
    assert "Predicted CLV (next 365 days)" in picker.options
    picker.set_value("predicted_clv")
    rerun(app)
    no_errors(app)
    assert choice(app) == ValueChoice("column", ("predicted_clv",))
    sources = set(table(app, "Value from")["Value from"])
    assert sources == {"Predicted CLV (next 365 days), per customer (data)"}
    assert table(app, "Proportional split")["Expected revenue"].sum() > 0
    preview = table(app, "segment_id")
    assert {"predicted_clv", "churn_risk"} <= set(preview.columns)
    assert app.session_state["target_config"].to_dict()["value"] == {
        "mode": "column",
        "columns": ["predicted_clv"],
    }
