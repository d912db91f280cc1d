"""AppTest of the Segments page: default segments, changing k, rules, RFM and bad settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from segmentation.segmenting.rfm_table import DEFAULT_RFM_TABLE, rfm_table_to_records
from ui.rfm_views import RECORDS as RFM_RECORDS

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 180  # seconds per script run: generous for a busy 2-core machine


def fresh() -> AppTest:
    """A new session on the Segments page after its first visit (default segments made)."""
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    app.run()
    app.switch_page("pages/segments.py")
    app.run()
    assert not app.exception, app.exception
    return app


@pytest.fixture(scope="module")
def base_app() -> AppTest:
    """One first visit shared by the read-only tests of this module."""
    return fresh()


def open_tab(app: AppTest, tab: str) -> AppTest:
    app.session_state["seg_tab"] = tab
    app.run()
    assert not app.exception, app.exception
    return app


def active_title(app: AppTest) -> str:
    return app.session_state["active_segmentation"]


def markdown(app: AppTest) -> str:
    return "\n".join(m.value for m in app.markdown)


def button(app: AppTest, label: str):
    return next(b for b in app.button if b.label == label)


def test_first_visit_shows_recommended_segments(base_app: AppTest) -> None:
    assert active_title(base_app) == "k-means, 6 segments"
    assert not base_app.error
    names = base_app.session_state["segmentations"]["k-means, 6 segments"].segment_names
    assert not any(name.startswith("Segment ") for name in names.values())  # persona names
    assert all(name in markdown(base_app) for name in names.values())  # rule explanations
    assert len(base_app.get("plotly_chart")) >= 2  # sizes and profile heatmap


def test_changing_k_and_saving_makes_a_new_active_segmentation() -> None:
    app = open_tab(fresh(), "Clusters")
    app.slider(key="seg_k").set_value(4).run()
    assert "These settings give **4 segments**" in markdown(app)
    button(app, "Use these segments").click().run()
    assert not app.exception
    assert active_title(app) == "k-means, 4 segments"
    assert app.session_state["seg_tab"] == "Overview"
    assert "Saved **k-means, 4 segments**" in app.success[0].value
    assert set(app.session_state["segmentations"]) == {"k-means, 6 segments", "k-means, 4 segments"}


def test_no_features_gives_a_message_and_keeps_the_segments() -> None:
    app = open_tab(fresh(), "Clusters")
    for base in ("demographic", "geographic", "behavioral", "psychographic"):
        app.multiselect(key=f"seg_features_{base}").set_value([])
    app.run()
    assert "No features are selected" in app.error[0].value
    assert "The active segmentation is unchanged." in app.error[0].value
    assert active_title(app) == "k-means, 6 segments"


def test_hdbscan_settings_show_instead_of_k() -> None:
    app = open_tab(fresh(), "Clusters")
    app.selectbox(key="seg_method").set_value("hdbscan").run()
    assert not app.exception
    assert any("HDBSCAN chooses the number of segments itself" in i.value for i in app.info)
    assert app.slider(key="seg_min_size").value == 50


def test_a_two_condition_rule_counts_live_and_becomes_a_segmentation() -> None:
    app = open_tab(fresh(), "Rules")
    button(app, "Add condition").click().run()
    columns = [s for s in app.selectbox if s.label == "Column"]
    columns[1].set_value("density").run()
    value = next(s for s in app.selectbox if s.label == "Value")
    value.set_value("Suburban").run()
    text = markdown(app)
    assert "customers aged 18–99 living in suburban areas" in text
    assert "customers (" in text
    name = next(t for t in app.text_input if t.label.startswith("Rule name"))
    name.set_value("Suburban adults").run()
    button(app, "Create segments from these rules").click().run()
    assert not app.exception
    assert active_title(app) == "Rules"
    names = app.session_state["segmentations"]["Rules"].segment_names
    assert set(names.values()) == {"Suburban adults", "Other"}


def test_a_rule_matching_nobody_is_refused_and_the_segments_stay() -> None:
    app = open_tab(fresh(), "Rules")
    next(s for s in app.selectbox if s.label == "Condition").set_value("gt").run()
    next(n for n in app.number_input if n.label == "Value").set_value(500).run()
    assert any("matches nobody" in w.value for w in app.warning)
    button(app, "Create segments from these rules").click().run()
    assert "None of the rules matches any customer" in app.error[0].value
    assert active_title(app) == "k-means, 6 segments"


def test_rfm_segments_can_be_created() -> None:
    app = open_tab(fresh(), "RFM")
    assert app.selectbox(key="rfm_recency").value == "recency_days"
    button(app, "Create RFM segments").click().run()
    assert not app.exception
    assert active_title(app) == "RFM"
    names = set(app.session_state["segmentations"]["RFM"].segment_names.values())
    assert {"Champions", "Loyal", "At Risk", "Hibernating"} <= names


def test_switching_the_active_segmentation(base_app: AppTest) -> None:
    app = open_tab(fresh(), "RFM")
    button(app, "Create RFM segments").click().run()
    picker = next(s for s in app.selectbox if s.label == "Active segmentation")
    picker.set_value("k-means, 6 segments").run()
    assert active_title(app) == "k-means, 6 segments"


def test_cluster_rule_becomes_a_rule_segment() -> None:
    app = fresh()
    button(app, "Make it a rule segment").click().run()
    assert not app.exception
    names = app.session_state["segmentations"]["k-means, 6 segments"].segment_names.values()
    assert active_title(app).removeprefix("Rule: ") in names
    open_tab(app, "Rules")
    assert sum(1 for t in app.text_input if t.label.startswith("Rule name")) == 2


def test_clustering_only_the_customers_a_rule_keeps() -> None:
    app = open_tab(fresh(), "Rules")
    next(s for s in app.selectbox if s.label == "Column").set_value("density").run()
    next(s for s in app.selectbox if s.label == "Value").set_value("Rural").run()
    open_tab(app, "Clusters")
    app.selectbox(key="seg_population").set_value("Rule 1").run()
    assert not app.exception
    assert any("Clustering" in c.value and "of 6,000 customers" in c.value for c in app.caption)
    button(app, "Use these segments").click().run()
    active = app.session_state["segmentations"][active_title(app)]
    assert len(active.labels) < 6000


def test_a_rule_on_a_column_the_new_data_lacks_says_so() -> None:
    app = open_tab(fresh(), "Rules")
    next(s for s in app.selectbox if s.label == "Column").set_value("density").run()
    app.switch_page("pages/data.py")
    app.run()
    csv = "customer_id,age,spend\n" + "".join(f"c{i},{20 + i},{i * 3}\n" for i in range(30))
    app.file_uploader(key="upload").set_value(("new.csv", csv.encode(), "text/csv")).run()
    app.switch_page("pages/segments.py")
    app.run()
    open_tab(app, "Rules")
    assert any(
        "used the column 'density', which the current data does not have" in w.value
        for w in app.warning
    )
    assert not app.exception


def test_rfm_rows_can_be_reordered_and_the_order_decides() -> None:
    app = open_tab(fresh(), "RFM")
    assert RFM_RECORDS not in app.session_state  # the standard table until the user edits it
    table = rfm_table_to_records(DEFAULT_RFM_TABLE)
    app.session_state[RFM_RECORDS] = [table[3], *table[:3], *table[4:]]  # "New" first
    app.run()
    button(app, "Create RFM segments").click().run()
    names = set(app.session_state["segmentations"]["RFM"].segment_names.values())
    assert "New" in names  # reachable once it comes before Potential Loyalist
