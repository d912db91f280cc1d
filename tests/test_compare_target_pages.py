"""AppTest of the Compare and Target pages: first visits, main interactions, bad inputs."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from segmentation.targeting.config import SegmentPlan, TargetingConfig
from tests.browser.screenshots import pages_from_app

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 180
KEEPING = "The results below still use your last valid settings."


def open_page(page: str) -> AppTest:
    """A new session opened straight on ``page`` (its first visit makes default segments)."""
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    app.run()
    app.switch_page(page)
    app.run()
    assert not app.exception, app.exception
    return app


def rerun(app: AppTest) -> AppTest:
    app.run()
    assert not app.exception, app.exception
    return app


def markdown(app: AppTest) -> str:
    return "\n".join(m.value for m in app.markdown)


def errors(app: AppTest) -> list[str]:
    return [e.value for e in app.error]


def table(app: AppTest, column: str):
    """The first table showing ``column`` (AppTest does not expose a dataframe's key)."""
    for frame in app.dataframe:
        value = frame.value
        if column in value.columns or column in value.index:
            return value
    raise KeyError(column)


def config(app: AppTest) -> TargetingConfig:
    return app.session_state["target_config"]


def test_compare_and_target_come_after_segments() -> None:
    scripts = [p.script for p in pages_from_app(ROOT / "app.py")]
    assert scripts.index("pages/segments.py") < scripts.index("pages/compare.py")
    assert scripts.index("pages/compare.py") + 1 == scripts.index("pages/target.py")


# --- Compare -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compare_app() -> AppTest:
    return open_page("pages/compare.py")


def test_compare_first_visit_shows_two_segments_side_by_side(compare_app: AppTest) -> None:
    app = compare_app
    assert not app.error
    names = app.session_state["segmentations"][app.session_state["active_segmentation"]]
    first, second = (names.segment_names[i] for i in names.segment_ids[:2])
    kpis = table(app, "Customers")
    assert list(kpis.columns) == [first, second]  # persona names head the columns
    assert {"Customers", "Revenue", "Value per customer", "Average order value"} <= set(kpis.index)
    assert f"features differ for real** between **{first}** and **{second}**" in markdown(app)
    differences = table(app, "Verdict")
    assert {"Real difference", "Could be chance (not real)"} & set(differences["Verdict"])
    assert len(app.get("plotly_chart")) >= 3  # two distributions and the radar


def test_compare_one_segment_against_all_others(compare_app: AppTest) -> None:
    app = compare_app
    app.session_state["cmp_mode"] = "One segment against all others"
    rerun(app)
    kpis = table(app, "Customers")
    assert kpis.columns[-1] == "All other customers"
    assert kpis.loc["Customers"].map(lambda v: int(v.replace(",", ""))).sum() == 6000
    app.session_state["cmp_mode"] = "Segments side by side"
    rerun(app)


def test_compare_needs_two_segments_and_keeps_the_pick(compare_app: AppTest) -> None:
    app = compare_app
    picked = app.multiselect(key="cmp_segments").value
    app.multiselect(key="cmp_segments").set_value(picked[:1])
    rerun(app)
    assert "1 segment chosen: pick at least two segments" in app.warning[0].value
    assert not app.error
    app.multiselect(key="cmp_segments").set_value(picked)
    rerun(app)
    assert table(app, "Customers").shape[1] == 2


def test_compare_four_segments_and_the_mean_test(compare_app: AppTest) -> None:
    app = compare_app
    picked = app.multiselect(key="cmp_segments").value
    app.multiselect(key="cmp_segments").set_value(picked + _more(app, 2))
    app.radio(key="cmp_test").set_value("mean")
    rerun(app)
    assert table(app, "Customers").shape[1] == 4
    tests = set(table(app, "Verdict")["Test"])
    assert tests <= {"Welch's ANOVA F", "chi-square"}


def _more(app: AppTest, n: int) -> list[str]:
    """Option values of segments not yet picked (AppTest's options are the display labels)."""
    segmentation = app.session_state["segmentations"][app.session_state["active_segmentation"]]
    picked = set(app.multiselect(key="cmp_segments").value)
    values = [json.dumps([segmentation.title, i]) for i in segmentation.segment_ids]
    return [v for v in values if v not in picked][:n]


def test_compare_overlap_with_rfm_segments(compare_app: AppTest) -> None:
    app = compare_app
    assert (
        app.selectbox(key="cmp_overlap_columns").value == "RFM segments (computed now, not saved)"
    )
    assert "Agreement (adjusted Rand index)" in "\n".join(c.value for c in app.caption)
    charts = app.get("plotly_chart")
    assert any("Where the customers" in c.proto.spec for c in charts)


# --- Target ------------------------------------------------------------------------------------


@pytest.fixture
def target_app() -> AppTest:
    return open_page("pages/target.py")


def test_target_first_visit_scores_picks_targets_and_splits_a_budget(target_app: AppTest) -> None:
    app = target_app
    assert not app.error
    current = config(app)
    assert len(current.targets) == 2
    json.dumps(current.to_dict())  # one serialisable value for links and project files
    ranked = table(app, "Zone")
    assert ranked["Score"].is_monotonic_decreasing
    assert set(ranked["Zone"]) <= {"Invest", "Selective", "Harvest"}
    assert {m.label for m in app.metric} >= {"Expected revenue", "Cost", "ROI"}
    budget = table(app, "Proportional split")
    assert budget["Budget"].sum() == pytest.approx(current.budget, abs=1)
    assert "customers** in the target list" in markdown(app)
    labels = {b.label for b in app.get("download_button")}
    assert "Download target list (CSV)" in labels
    assert "Download summary (HTML)" in labels


def test_changing_targets_updates_roi_and_the_list(target_app: AppTest) -> None:
    app = target_app
    first = config(app).targets[0]
    app.multiselect(key="tgt_targets").set_value([first])
    rerun(app)
    assert config(app).targets == (first,)
    assert len(table(app, "Rate from")) == 1


def test_all_weights_zero_is_refused_and_scores_kept(target_app: AppTest) -> None:
    app = target_app
    before = dict(config(app).weights)
    for key in before:
        app.slider(key=f"tgt_w_{key}").set_value(0.0)
    rerun(app)
    assert any("All criterion weights are 0" in e and KEEPING in e for e in errors(app))
    assert dict(config(app).weights) == before
    assert not table(app, "Zone").empty


def test_response_rate_outside_0_to_100_is_refused(target_app: AppTest) -> None:
    app = target_app
    app.number_input(key="tgt_rate").set_value(150.0)
    rerun(app)
    assert any("response rate is 150 %" in e and "from 0 to 100" in e for e in errors(app))
    assert config(app).response_rate == 2.0
    assert table(app, "Rate from")["Response rate, %"].tolist() == [2.0, 2.0]


def test_no_target_chosen_explains_what_to_do(target_app: AppTest) -> None:
    app = target_app
    app.multiselect(key="tgt_targets").set_value([])
    rerun(app)
    assert "No target segment is chosen: choose at least one above" in app.warning[0].value
    assert not app.error
    assert config(app).targets == ()
    infos = "\n".join(i.value for i in app.info)
    assert "Choose at least one target segment above to export a target list." in infos


def test_budget_below_the_minimums_is_refused(target_app: AppTest) -> None:
    app = target_app
    current = config(app)
    plans = {
        i: replace(p, min_budget=1000.0) if i in current.targets else p
        for i, p in current.segments.items()
    }
    app.session_state["target_config"] = replace(current, segments=plans, budget=5000.0)
    app.session_state["tgt_budget"] = 5000.0
    rerun(app)
    app.number_input(key="tgt_budget").set_value(1500.0)
    rerun(app)
    assert any(
        "The budget 1,500 is less than the minimums of the targets, which add up to 2,000" in e
        for e in errors(app)
    )
    assert config(app).budget == 5000.0
    assert table(app, "Proportional split")["Budget"].sum() == pytest.approx(5000)


def test_maximum_below_minimum_is_refused(target_app: AppTest) -> None:
    app = target_app
    current = config(app)
    target = current.targets[0]
    bad = {**current.segments, target: SegmentPlan(min_budget=500.0, max_budget=100.0)}
    app.session_state["target_config"] = replace(current, segments=bad)
    rerun(app)
    assert any("is below its minimum (500)" in e for e in errors(app))


CRM_CSV = "Customer ID;Age;Region;Visits\n" + "".join(
    f"{i:04d};{20 + i % 50};{['North', 'South'][i % 2]};{1 + i % 7}\n" for i in range(60)
)


def test_data_without_a_value_column() -> None:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    app.run()
    app.file_uploader(key="upload").set_value(("crm.csv", CRM_CSV.encode(), "text/csv"))
    rerun(app)
    app.switch_page("pages/target.py")
    rerun(app)
    # never an error: the page asks which column is the value, and works meanwhile
    assert not errors(app) and not app.exception
    assert app.selectbox(key="tgt_value").value is None
    infos = "\n".join(i.value for i in app.info)
    assert "Which column says what a customer is worth?" in infos
    assert not table(app, "Zone").empty


def test_new_data_after_a_visit_starts_targeting_afresh() -> None:
    app = open_page("pages/target.py")
    assert config(app).key_columns == ("name", "email", "email_opt_in")
    app.switch_page("pages/data.py")
    rerun(app)
    app.file_uploader(key="upload").set_value(("crm.csv", CRM_CSV.encode(), "text/csv"))
    rerun(app)
    for page in ("pages/compare.py", "pages/target.py"):
        app.switch_page(page)
        rerun(app)
    assert config(app).key_columns == ()
    assert not table(app, "Zone").empty
    app.switch_page("pages/compare.py")
    rerun(app)
    assert not app.exception


def test_a_config_loaded_from_a_link_is_kept(target_app: AppTest) -> None:
    app = target_app
    current = config(app)
    first = next(iter(current.segments))
    segments = {**current.segments, first: SegmentPlan(brand_fit=5, margin=1)}
    loaded = replace(current, segments=segments)
    # what ui.target_state.load_config leaves behind: the config, and no data key yet
    app.session_state["target_config"] = TargetingConfig.from_dict(
        json.loads(json.dumps(loaded.to_dict()))
    )
    del app.session_state["target_config_data"]
    rerun(app)
    assert config(app).plan(first) == SegmentPlan(brand_fit=5, margin=1)
