"""Session keys and the bounded cache of the Personas page.

Persona names *are* segment names: renaming a persona renames the segment in the stored
segmentation, so every page shows the same name. Notes are plain JSON (segmentation title →
segment id as text → note) so a saved project can carry them.
"""

from __future__ import annotations

import json

import streamlit as st

from segmentation import CustomerData, SegmentationError
from segmentation.describing.persona_names import (
    has_default_names,
    with_names,
    with_persona_names,
)
from segmentation.describing.persona_types import PersonaConfig, PersonaSet
from segmentation.describing.personas import build_personas
from segmentation.describing.value_format import data_currency
from segmentation.segmenting.segments import Segmentation
from ui.cache import BoundedCache, content_key, data_key

NOTES = "persona_notes"
DETAIL = "persona_detail"
ACTIVE_DATA = "active_data"  # ui.state's key; read here without importing ui.state (a cycle)
CONFIG = PersonaConfig()

_PERSONAS = BoundedCache(max_entries=8)


def labels_key(segmentation: Segmentation) -> str:
    """A hash of who is in which segment (customer ids and labels), not of the names."""
    return content_key(segmentation.labels, index=True)


def personas(data: CustomerData, segmentation: Segmentation) -> PersonaSet:
    """The persona cards of a segmentation, with its current names.

    Cached per data content, labels, settings and card settings (shared by all sessions,
    bounded); names are applied afterwards, so renaming never recomputes the statistics.
    """
    key = (
        data_key(data),
        labels_key(segmentation),
        json.dumps(dict(segmentation.settings), sort_keys=True, default=str),
        json.dumps(CONFIG.to_dict(), sort_keys=True),
    )
    currency = data_currency(data)
    key = (*key, currency)  # data_key holds the meanings: a meaning edit gives new cards
    cards = _PERSONAS.get_or_compute(
        key,
        lambda: build_personas(
            data.customers, data.schema, segmentation, config=CONFIG, currency=currency
        ),
    )
    return with_names(cards, segmentation.segment_names)


def named_after_personas(data: CustomerData, segmentation: Segmentation) -> Segmentation:
    """The segmentation with persona names if its segments still have automatic names
    ("Segment 1", ...); otherwise unchanged (user and rule names are kept)."""
    if not has_default_names(segmentation):
        return segmentation
    return with_persona_names(segmentation, personas(data, segmentation))


def named_for_session(segmentation: Segmentation) -> Segmentation:
    """:func:`named_after_personas` with the session's active data (unchanged without data)."""
    data = st.session_state.get(ACTIVE_DATA)
    if data is None or not has_default_names(segmentation):
        return segmentation
    try:
        return named_after_personas(data, segmentation)
    except SegmentationError:  # labels from other data: keep the automatic names
        return segmentation


def all_notes() -> dict[str, dict[str, str]]:
    """Every note of the session: segmentation title → segment id (text) → note."""
    return st.session_state.setdefault(NOTES, {})


def notes_for(title: str) -> dict[int, str]:
    """The notes of one segmentation by segment id."""
    return {int(k): v for k, v in all_notes().get(title, {}).items()}


def set_note(title: str, segment_id: int, text: str) -> None:
    """Keep (or, when empty, drop) the note of one segment."""
    notes = all_notes().setdefault(title, {})
    if text.strip():
        notes[str(segment_id)] = text
    else:
        notes.pop(str(segment_id), None)
