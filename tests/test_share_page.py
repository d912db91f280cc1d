"""AppTest of sharing: links that reopen the analysis, project files saved and loaded back."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from segmentation.sharing.projects import project_from_link, project_to_json
from tests.test_app import CUSTOMERS_CSV, texts, upload

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 180  # seconds per script run: generous for a busy 2-core machine


def fresh(page: str = "pages/data.py", link: str | None = None) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    if link is not None:
        app.query_params["view"] = link
    app.switch_page(page)
    app.run()
    assert not app.exception, app.exception
    return app


def messages(app: AppTest) -> str:
    return texts(app) + "\n".join(str(e.value) for e in app.sidebar.info)


@pytest.fixture(scope="module")
def shared():
    """A session that saved 3 k-means segments and changed settings; its link and state."""
    app = fresh("pages/segments.py")
    app.session_state["seg_tab"] = "Clusters"
    app.run()
    app.slider(key="seg_k").set_value(3).run()
    app.radio(key="seg_scaling").set_value("robust").run()
    app.button(key="seg_save_clusters").click().run()
    assert not app.exception, app.exception
    app.switch_page("pages/personas.py")
    app.run()  # moving to another page keeps the link in the URL
    token = app.query_params["view"]
    return app, token[0] if isinstance(token, list) else token


def test_every_page_shows_a_copy_link_with_the_view(shared):
    app, token = shared
    codes = [c.value for c in app.sidebar.code]
    assert any(code.endswith(f"?view={token}") for code in codes)
    assert any(b.label == "Save project" for b in app.sidebar.get("download_button"))


def test_link_reopens_the_same_segments_and_settings_in_a_new_session(shared):
    app, token = shared
    restored = fresh("pages/segments.py", link=token)
    assert list(restored.session_state["segmentations"]) == list(app.session_state["segmentations"])
    title = restored.session_state["active_segmentation"]
    assert title == app.session_state["active_segmentation"]
    before = app.session_state["segmentations"][title]
    after = restored.session_state["segmentations"][title]
    assert after.labels.sort_index().equals(before.labels.sort_index())
    assert dict(after.segment_names) == dict(before.segment_names)
    assert restored.session_state["seg_k"] == 3
    assert restored.session_state["seg_scaling"] == "robust"
    assert "Opened the shared link: 2 segmentation(s) restored" in messages(restored)


def test_a_broken_link_opens_a_new_analysis_with_a_message():
    app = fresh("pages/data.py", link="v1.not-a-real-view")
    assert "This link is damaged" in messages(app)
    assert "The app opened as a new analysis" in messages(app)


def test_project_file_loads_back_and_a_foreign_file_is_refused(shared):
    app, token = shared
    project_json = project_to_json(project_from_link(token))
    other = fresh("pages/data.py")
    other.sidebar.file_uploader(key="share_upload").set_value(
        ("notes.json", b'{"title": "my notes"}', "application/json")
    ).run()
    assert "'notes.json' is not a Segment Studio project" in messages(other)
    assert "Your current analysis is unchanged" in messages(other)
    other.sidebar.file_uploader(key="share_upload").set_value(
        ("project.json", project_json.encode(), "application/json")
    ).run()
    assert not other.exception, other.exception
    assert list(other.session_state["segmentations"]) == list(app.session_state["segmentations"])
    assert "Opened the shared project" in messages(other)


def test_link_made_on_an_upload_asks_for_the_file_then_restores():
    maker = fresh("pages/data.py")
    upload(maker, "crm.csv", CUSTOMERS_CSV.encode())
    maker.switch_page("pages/segments.py")
    maker.run()  # makes the default segments
    maker.run()  # the link is written at the top of each run
    token = maker.query_params["view"]
    token = token[0] if isinstance(token, list) else token
    assert "Spend" not in token and "North" not in token  # no customer data in the URL
    opened = fresh("pages/data.py", link=token)
    assert "This link was made on **crm.csv** (40 customers)" in messages(opened)
    assert "segmentations" not in opened.session_state or not opened.session_state["segmentations"]
    upload(opened, "crm-copy.csv", CUSTOMERS_CSV.encode())
    opened.run()
    assert list(opened.session_state["segmentations"]) == list(maker.session_state["segmentations"])


def test_link_restores_the_targeting_inputs():
    app = fresh("pages/target.py")
    app.number_input(key="tgt_budget").set_value(25_000.0).run()
    app.run()  # the link is written at the top of each run
    token = app.query_params["view"]
    other = fresh("pages/target.py", link=token[0] if isinstance(token, list) else token)
    assert other.session_state["target_config"].budget == 25_000.0
    assert other.number_input(key="tgt_budget").value == 25_000.0


def test_link_on_the_bundled_orders_example_loads_it_again():
    app = fresh("pages/data.py")
    next(b for b in app.button if b.label == "Try a real orders export").click().run()
    next(b for b in app.button if b.label == "Turn orders into customers").click().run()
    app.switch_page("pages/segments.py")
    app.run()  # makes the default segments
    app.run()
    token = app.query_params["view"]
    other = fresh("pages/segments.py", link=token[0] if isinstance(token, list) else token)
    source = other.session_state["active_data"].source
    assert source.file_name == "online_retail_excerpt.csv.gz" and source.from_orders
    assert list(other.session_state["segmentations"]) == list(app.session_state["segmentations"])
    assert "restored on **online_retail_excerpt.csv.gz**" in messages(other)
