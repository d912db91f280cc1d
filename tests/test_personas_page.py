"""AppTest of the Personas page: first visit, cards, detail view, renaming and notes."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 180
TITLE = "k-means, 6 segments"


def fresh() -> AppTest:
    """A new session opened straight on the Personas page (its first visit segments the data)."""
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    app.run()
    app.switch_page("pages/personas.py")
    app.run()
    assert not app.exception, app.exception
    return app


@pytest.fixture(scope="module")
def base_app() -> AppTest:
    return fresh()


def names(app: AppTest) -> dict[int, str]:
    return dict(app.session_state["segmentations"][TITLE].segment_names)


def card_titles(app: AppTest) -> list[str]:
    return [m.value.removeprefix("#### ") for m in app.markdown if m.value.startswith("#### ")]


def test_first_visit_shows_a_card_per_segment(base_app: AppTest) -> None:
    assert base_app.title[0].value == "Personas"
    assert not base_app.error
    assert base_app.session_state["active_segmentation"] == TITLE
    assert card_titles(base_app) == list(names(base_app).values())
    assert not any(name.startswith("Segment ") for name in names(base_app).values())
    assert sum(1 for b in base_app.button if b.label == "Open card") == 6
    exports = [b for b in base_app.get("download_button") if "cards" in b.proto.label]
    assert len(exports) == 2  # Markdown and HTML (the sidebar also offers the project file)


def test_the_detail_view_shows_every_part_of_the_card(base_app: AppTest) -> None:
    text = "\n".join(m.value for m in base_app.markdown)
    for heading in (
        "What sets them apart",
        "Profile",
        "Demographic",
        "Geographic",
        "Behavioral",
        "Psychographic",
        "Example customer",
        "Suggested marketing mix",
    ):
        assert heading in text
    assert any(c.value.startswith("Because: ") for c in base_app.caption)
    assert [m.label for m in base_app.metric] == [
        "Customers",
        "Share of customers",
        "Share of revenue",
        "Value per customer",
    ]


def test_every_widget_has_help(base_app: AppTest) -> None:
    widgets = [*base_app.button, *base_app.text_input, *base_app.text_area, *base_app.selectbox]
    assert widgets and all(w.help for w in widgets)


def test_open_card_picks_the_persona_for_the_detail_view() -> None:
    app = fresh()
    [b for b in app.button if b.label == "Open card"][3].click().run()
    assert not app.exception
    assert app.selectbox(key="persona_detail").value == 3
    assert app.text_input[0].value == names(app)[3]


def test_renaming_a_persona_renames_the_segment_everywhere() -> None:
    app = fresh()
    app.text_input[0].set_value("Dog-lover Dinas").run()
    assert not app.exception
    assert names(app)[0] == "Dog-lover Dinas"
    assert "on every page" in app.success[0].value
    assert card_titles(app)[0] == "Dog-lover Dinas"
    app.switch_page("pages/segments.py")
    app.run()
    assert not app.exception
    assert any("Dog-lover Dinas" in m.value for m in app.markdown)  # the rule explanations


def test_a_taken_name_is_refused_and_nothing_changes() -> None:
    app = fresh()
    before = names(app)
    app.text_input[0].set_value(before[1]).run()
    assert "is already the name of another segment" in app.error[0].value
    assert names(app) == before


def test_notes_stay_when_leaving_the_page() -> None:
    app = fresh()
    app.text_area[0].set_value("Invite to the VIP evening").run()
    assert app.session_state["persona_notes"] == {TITLE: {"0": "Invite to the VIP evening"}}
    app.switch_page("pages/segments.py")
    app.run()
    app.switch_page("pages/personas.py")
    app.run()
    assert app.text_area[0].value == "Invite to the VIP evening"
    assert any("Has notes" in c.value for c in app.caption)
