"""Personas: who are these people?"""

import streamlit as st

from segmentation import SegmentationError
from ui import (
    cluster_views,
    messages,
    overview_views,
    persona_state,
    persona_views,
    state,
)
from ui import segments_state as seg
from ui.share_views import render_share_controls

render_share_controls()
st.title("Personas")
st.caption(
    "A card per segment, written from your data: who they are across the four bases, what "
    "sets them apart (each claim tested), an example customer and a suggested marketing mix. "
    "Rename a persona to rename its segment everywhere."
)
messages.show_flash()
data = state.active_data()
cluster_views.ensure_segments(data)

active = overview_views.render_picker()
if active is None:
    persona_views.render_no_segmentation()
else:
    try:
        active = seg.ensure_persona_names(data, active)
        cards = persona_state.personas(data, active)
    except SegmentationError as err:
        st.error(
            f"{err}\n\nThe cards cannot be written for this segmentation.", icon=":material/error:"
        )
    else:
        persona_views.render_intro(cards)
        persona_views.render_grid(cards)
        persona_views.render_detail(active, cards)
