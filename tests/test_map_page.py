"""AppTest of the Map page: the first map, selections injected through session state (AppTest
cannot drag a lasso; the browser test does), saving them, and every bad input."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from segmentation.segmenting.features import FeatureConfig
from segmentation.segmenting.segments import make_segmentation
from ui.map_state import CURRENT_MAP, SELECTION
from ui.segments_state import ACTIVE_SEGMENTATION, SEGMENTATIONS

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 300  # the first map in a test process may compile UMAP's code


def open_map(app: AppTest | None = None) -> AppTest:
    if app is None:
        app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
        app.run()
    app.switch_page("pages/map.py")
    app.run()
    assert not app.exception, app.exception
    return app


def maps(app: AppTest) -> list:
    """The customer map charts on the page (not the quick preview shown while one computes)."""
    return [c for c in app.get("plotly_chart") if "-map_chart_" in c.proto.id]


def preview(app: AppTest) -> list:
    return [c for c in app.get("plotly_chart") if c.proto.id.endswith("-map_preview")]


def wait_for_map(app: AppTest, seconds: float = TIMEOUT) -> AppTest:
    """Rerun (as the page's progress fragment does) until the map is drawn."""
    deadline = time.monotonic() + seconds
    while not maps(app):
        assert time.monotonic() < deadline, "the map never appeared"
        assert not app.error, [e.value for e in app.error]
        time.sleep(0.5)
        app.run()
        assert not app.exception, app.exception
    return app


def texts(app: AppTest) -> str:
    parts = [*app.markdown, *app.info, *app.success, *app.warning, *app.error, *app.caption]
    return "\n".join(str(p.value) for p in parts)


def upload_then_map(name: str, csv: str) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    app.run()
    app.file_uploader(key="upload").set_value((name, csv.encode(), "text/csv"))
    app.run()
    assert not app.exception, app.exception
    return open_map(app)


@pytest.fixture(scope="module")
def drawn() -> AppTest:
    return wait_for_map(open_map())


def active(app: AppTest):
    return app.session_state[SEGMENTATIONS][app.session_state[ACTIVE_SEGMENTATION]]


def select(app: AppTest, ids: list[str], key: str | None = None) -> AppTest:
    app.session_state[SELECTION] = {"map": key or app.session_state[CURRENT_MAP], "ids": ids}
    app.run()
    assert not app.exception, app.exception
    return app


def test_first_visit_draws_every_customer_coloured_by_segment(drawn: AppTest) -> None:
    figure = maps(drawn)[0].proto.spec
    assert "Your customers, coloured by segment" in figure
    assert "scattergl" in figure
    segmentation = active(drawn)
    assert all(name in figure for name in segmentation.segment_names.values())
    assert "Nearby points are similar customers" in texts(drawn)
    assert not drawn.error and not drawn.warning


def test_selected_customers_are_described_and_saved_as_a_new_segmentation(
    drawn: AppTest,
) -> None:
    base = active(drawn)
    first = base.labels.index[base.labels == base.labels.iloc[0]][:40].tolist()
    app = select(drawn, first)
    assert "**40 customers** selected" in texts(app)
    assert app.dataframe, "the differences table is shown"
    app.text_input[0].set_value("Lasso group")
    app.button[0].click()  # the form's submit button comes first
    app.run()
    assert not app.exception, app.exception
    saved = active(app)
    assert saved.title == "Map selection: Lasso group" and saved.method == "selection"
    assert saved.sizes()["Lasso group"] == 40
    assert "Saved **40 customers**" in texts(app)
    assert SELECTION not in app.session_state
    assert base.title in app.session_state[SEGMENTATIONS], "the old segmentation is kept"


def test_a_selection_can_become_a_segment_of_the_active_segmentation() -> None:
    app = wait_for_map(open_map())
    base = active(app)
    ids = base.labels.index[:25].tolist()
    app = select(app, ids)
    app.text_input[0].set_value("Hand-picked")
    radio = next(r for r in app.radio if r.label == "Save as")
    radio.set_value("add")
    app.button[0].click()
    app.run()
    saved = active(app)
    assert saved.title == f"{base.title} + Hand-picked" and saved.method == base.method
    assert saved.sizes()["Hand-picked"] == 25
    assert saved.n_segments == base.n_segments + 1


def test_an_empty_selection_says_so(drawn: AppTest) -> None:
    app = select(drawn, [])
    assert "Your selection contains no customers" in texts(app)


def test_a_selection_from_another_map_is_cleared_with_a_message(drawn: AppTest) -> None:
    app = select(drawn, ["PD-000001"], key="an older map")
    assert "made on a map with other settings" in texts(app)
    assert SELECTION not in app.session_state


def test_a_selection_made_before_the_map_finished_waits_for_the_map() -> None:
    app = wait_for_map(open_map())
    previous = app.session_state[CURRENT_MAP]
    app.slider(key="map_neighbours").set_value(23)
    app.session_state[SELECTION] = {"map": previous, "ids": ["PD-000001"]}
    app.run()
    assert "The map is still being drawn" in texts(app)
    assert app.session_state[CURRENT_MAP] != previous
    wait_for_map(app)


def test_colour_by_a_number_and_show_only_some_segments(drawn: AppTest) -> None:
    drawn.selectbox(key="map_colour").set_value("monetary")
    drawn.run()
    figure = maps(drawn)[0].proto.spec
    title = json.loads(figure)["layout"]["title"]
    assert "coloured by total spend" in str(title) and "colorbar" in figure, title
    shown = next(m for m in drawn.multiselect if m.label == "Show segments")
    first = shown.options[0]
    shown.set_value([])
    drawn.run()
    assert "Choose at least one segment" in texts(drawn)
    next(m for m in drawn.multiselect if m.label == "Show segments").set_value([first])
    drawn.run()
    figure = maps(drawn)[0].proto.spec
    assert first in figure


def test_too_few_customers_for_the_neighbours_setting() -> None:
    csv = "customer_id,age,spend\n" + "".join(f"C{i},{20 + i},{i * 13 % 7}\n" for i in range(12))
    app = upload_then_map("tiny.csv", csv)
    assert "only 12 customers. Lower 'Neighbours' to at most 11" in texts(app)


def test_identical_customers_cannot_be_mapped() -> None:
    # Identical in every column: the columns are constant, so nothing is a feature.
    csv = "customer_id,age,spend\n" + "".join(f"C{i},40,100\n" for i in range(30))
    app = upload_then_map("same.csv", csv)
    assert "No features are selected" in texts(app)
    assert not app.get("plotly_chart")
    # All but one identical: two distinct profiles, fewer than the neighbours compared.
    csv += "C99,70,900\n"
    app = upload_then_map("almost the same.csv", csv)
    assert "Only 2 different customer profiles" in texts(app)
    assert not app.get("plotly_chart")


def test_a_single_feature_segmentation_explains_why_there_is_no_map(drawn: AppTest) -> None:
    base = active(drawn)
    config = FeatureConfig(columns=("age",))
    single = make_segmentation(
        "Age only", "kmeans", base.labels, dict(base.segment_names), {"features": config.to_dict()}
    )
    drawn.session_state[SEGMENTATIONS] = {**drawn.session_state[SEGMENTATIONS], "Age only": single}
    drawn.session_state[ACTIVE_SEGMENTATION] = "Age only"
    drawn.run()
    assert "at least 2 prepared features; this segmentation has 1 ('age')" in texts(drawn)


def test_the_app_stays_usable_while_a_map_is_computed(monkeypatch) -> None:
    from ui import map_state

    app = wait_for_map(open_map())
    go, real = threading.Event(), map_state.embed_customers

    def held_back(X, config, progress=None):
        go.wait(60)  # the map takes as long as the test wants
        return real(X, config, progress=progress)

    monkeypatch.setattr(map_state, "embed_customers", held_back)
    app.slider(key="map_neighbours").set_value(37)
    app.run()
    assert "You can keep working on other pages meanwhile" in texts(app)
    assert not maps(app)
    # meanwhile a quick straight-line projection of the same customers is drawn, unselectable
    (quick,) = preview(app)
    assert "Quick preview while the map is computed (6,000 customers)" in quick.proto.spec
    assert quick.proto.selection_mode == [] or "lasso" not in str(quick.proto.selection_mode)
    key = app.session_state[CURRENT_MAP]
    app.switch_page("pages/data.py")
    app.run()
    assert not app.exception and "6,000" in texts(app) + str([m.value for m in app.metric])
    assert not map_state.finished(key), "the Data page opened while the map was computing"
    app.switch_page("pages/map.py")
    app.run()
    assert map_state.job(key) is not None, "coming back joins the same job"
    go.set()
    wait_for_map(app)


def test_three_d_view_rotates_and_explains_that_selecting_needs_two_d() -> None:
    drawn = wait_for_map(open_map())
    drawn.radio(key="map_dims").set_value("3-D")
    drawn.run()
    wait_for_map(drawn)
    figure = maps(drawn)[0].proto.spec
    assert "scatter3d" in figure and "Map axis 3" in figure
    assert "switch to 2-D under Map settings to select customers" in texts(drawn)
    drawn.radio(key="map_dims").set_value("2-D")
    drawn.run()
