"""AppTest of "Share with data": the sidebar control, opening a data link in a fresh session,
the messages for links that no longer open, revoke links, the rate limit, and project files
that carry the customer table."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
import streamlit as st
from streamlit.testing.v1 import AppTest

from segmentation.sharing.analysis_copies import project_json_with_data
from segmentation.sharing.projects import project_from_link
from segmentation.sharing.snapshot_store import snapshots_table
from segmentation.sharing.snapshots import parse_link, parse_revoke_link
from tests.test_app import CUSTOMERS_CSV, texts, upload
from ui import share_views, snapshot_views

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 120
PERSONA = "Northern regulars"


@pytest.fixture(autouse=True)
def snapshot_dir(tmp_path, monkeypatch):
    """Every test on its own SQLite store in a temporary data directory."""
    monkeypatch.setenv("SEGMENT_STUDIO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SEGMENT_STUDIO_DATABASE_URL", raising=False)
    st.cache_resource.clear()
    yield tmp_path / "data"
    st.cache_resource.clear()


def fresh(page: str = "pages/data.py", **query: str) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    for key, value in query.items():
        app.query_params[key] = value
    app.switch_page(page)
    app.run()
    assert not app.exception, app.exception
    return app


def messages(app: AppTest) -> str:
    return texts(app) + "\n".join(str(e.value) for e in [*app.sidebar.info, *app.sidebar.error])


def share(app: AppTest, days: int | None = None) -> AppTest:
    if days is not None:
        app.sidebar.number_input(key="share_data_days").set_value(days)
    app.sidebar.button(key="share_data_create").click().run()
    assert not app.exception, app.exception
    return app


def shared_links(app: AppTest) -> tuple[str, str]:
    """The data link and the revoke link the sidebar shows after sharing."""
    codes = [c.value for c in app.sidebar.code]
    link = next(c for c in codes if "?data=d1." in c)
    revoke = next(c for c in codes if "?revoke=r1." in c)
    return link, revoke


def query_value(url: str, key: str) -> str:
    return url.split(f"{key}=", 1)[1]


def analysis_on_upload() -> AppTest:
    """A session on an uploaded file with the default clusters, a persona renamed."""
    app = fresh("pages/data.py")
    upload(app, "crm.csv", CUSTOMERS_CSV.encode())
    app.switch_page("pages/segments.py")
    app.run()  # makes the default segments
    app.switch_page("pages/personas.py")
    app.run()
    app.text_input[0].set_value(PERSONA).run()
    assert not app.exception, app.exception
    return app


@pytest.fixture
def maker() -> AppTest:
    return analysis_on_upload()


def active_names(app: AppTest) -> dict:
    segmentation = app.session_state["segmentations"][app.session_state["active_segmentation"]]
    return dict(segmentation.segment_names)


def test_share_with_data_shows_the_link_and_the_revoke_link_once(maker):
    sidebar = "\n".join(m.value for m in maker.sidebar.markdown)
    assert "**Copy link** carries the settings only" in sidebar
    assert maker.sidebar.number_input(key="share_data_days").value == 30
    share(maker, days=7)
    link, revoke = shared_links(maker)
    assert parse_link(link).snapshot_id == parse_revoke_link(revoke).snapshot_id
    shown = "\n".join(str(s.value) for s in maker.sidebar.success)
    assert "Shared until" in shown
    assert "it is shown only once" in "\n".join(str(w.value) for w in maker.sidebar.warning)
    maker.sidebar.button(key="share_data_saved_revoke").click().run()
    codes = [c.value for c in maker.sidebar.code]
    assert any("?data=d1." in c for c in codes)
    assert not any("?revoke=" in c for c in codes)


def test_a_data_link_opens_the_same_analysis_in_a_fresh_session(maker):
    share(maker)
    link, _ = shared_links(maker)
    opened = fresh("pages/personas.py", data=query_value(link, "data"))
    made, got = maker.session_state["active_data"], opened.session_state["active_data"]
    assert got.source == made.source
    assert got.report.n_customers == made.report.n_customers == 40
    assert list(opened.session_state["segmentations"]) == list(maker.session_state["segmentations"])
    for title, before in maker.session_state["segmentations"].items():
        after = opened.session_state["segmentations"][title]
        assert after.labels.sort_index().equals(before.labels.sort_index())
        assert dict(after.segment_names) == dict(before.segment_names)
    assert PERSONA in active_names(opened).values()
    assert "Opened the shared analysis with its data: **crm.csv**, 40 customers" in messages(opened)
    opened.switch_page("pages/data.py")
    opened.run()
    assert "Active data: **crm.csv**, 40 customers" in texts(opened)


def test_two_sessions_on_one_link_are_independent_and_never_change_the_copy(maker):
    share(maker)
    token = query_value(shared_links(maker)[0], "data")
    first = fresh("pages/personas.py", data=token)
    first.text_input[0].set_value("Renamed by the first reader").run()
    assert "Renamed by the first reader" in active_names(first).values()
    second = fresh("pages/personas.py", data=token)
    assert "Renamed by the first reader" not in active_names(second).values()
    assert PERSONA in active_names(second).values()


def _expire(data_dir: Path, snapshot_id: str) -> None:
    engine = sa.create_engine(f"sqlite:///{data_dir / 'snapshots.sqlite3'}")
    with engine.begin() as connection:
        connection.execute(
            sa.update(snapshots_table)
            .where(snapshots_table.c.id == snapshot_id)
            .values(expires_at=sa.func.datetime("now", "-1 day"))
        )
    engine.dispose()


def _edit(text: str, index: int) -> str:
    return text[:index] + ("A" if text[index] != "A" else "B") + text[index + 1 :]


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("expired", "This shared analysis expired on"),
        ("revoked", "The sender withdrew this shared analysis"),
        ("unknown", "No shared analysis has this link"),
        ("tampered", "does not open its shared analysis"),
        ("malformed", "key is damaged"),
    ],
)
def test_links_that_no_longer_open_say_why_and_keep_the_analysis(
    maker, snapshot_dir, case, message
):
    share(maker)
    link, revoke = shared_links(maker)
    token = query_value(link, "data")
    snapshot_id = parse_link(token).snapshot_id
    if case == "expired":
        _expire(snapshot_dir, snapshot_id)
    elif case == "revoked":
        snapshot_views.revoke_snapshot(snapshot_views.snapshot_store(), revoke)
    elif case == "unknown":
        token = token.replace(snapshot_id, _edit(snapshot_id, 3))
    elif case == "tampered":
        token = _edit(token, len(token) - 5)
    else:
        token = token[:-6]
    opened = fresh("pages/segments.py", data=token)
    assert message in messages(opened)
    assert "Your current analysis is unchanged" in messages(opened)
    assert opened.session_state["active_data"].source.kind == "sample"
    assert not any(PERSONA in n for n in active_names(opened).values())


def test_a_revoke_link_asks_before_withdrawing(maker):
    share(maker)
    link, revoke = shared_links(maker)
    page = fresh("pages/data.py", revoke=query_value(revoke, "revoke"))
    assert "Withdraw a shared analysis?" in messages(page)
    page.button(key="share_revoke_confirm").click().run()
    assert not page.exception, page.exception
    assert "was withdrawn and its data deleted" in messages(page)
    assert "revoke" not in page.query_params
    opened = fresh("pages/data.py", data=query_value(link, "data"))
    assert "The sender withdrew this shared analysis" in messages(opened)


def test_sharing_too_often_is_refused_with_a_message(maker):
    maker.session_state[snapshot_views.SESSION_ID] = "busy-session"
    limiter = snapshot_views.rate_limiter()
    for _ in range(limiter.max_snapshots):
        limiter.acquire("busy-session")
    share(maker)
    errors = "\n".join(str(e.value) for e in maker.sidebar.error)
    assert "the most allowed. Try again in" in errors
    assert "Your current analysis is unchanged" in errors
    assert not any("?data=" in c.value for c in maker.sidebar.code)
    assert maker.session_state["active_data"].source.name == "crm.csv"


def test_a_project_file_with_the_customer_table_restores_without_uploading(maker):
    maker.run()  # the link is written at the top of each run
    token = maker.query_params["view"]
    project = project_from_link(token[0] if isinstance(token, list) else token)
    text = project_json_with_data(project, maker.session_state["active_data"])
    other = fresh("pages/segments.py")
    other.sidebar.file_uploader(key="share_upload").set_value(
        ("project.json", text.encode(), "application/json")
    ).run()
    assert not other.exception, other.exception
    assert "Opened the project with its data: **crm.csv**, 40 customers" in messages(other)
    data = other.session_state["active_data"]
    assert data.source.name == "crm.csv" and data.report.n_customers == 40
    assert list(other.session_state["segmentations"]) == list(maker.session_state["segmentations"])


def test_the_project_checkbox_saves_a_full_offline_copy(maker, monkeypatch):
    saved = []

    def spy(project, data):
        saved.append((project, data))
        return project_json_with_data(project, data)

    monkeypatch.setattr(share_views, "project_json_with_data", spy)
    maker.run()
    assert not saved  # unticked: the plain project file
    box = maker.sidebar.checkbox(key="share_include_data")
    assert box.label == "Include the customer table (a full offline copy)" and box.help
    box.check().run()
    assert not maker.exception, maker.exception
    project, data = saved[-1]
    assert data.source.name == "crm.csv" and project.includes_labels
