"""The Personas page's pieces: the grid of cards, the detail view, renaming, notes, exports."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from segmentation import SegmentationError
from segmentation.describing.marketing_mix import MIX_RULES
from segmentation.describing.persona_report import (
    BASE_TITLES,
    line_words,
    personas_html,
    personas_markdown,
)
from segmentation.describing.persona_types import Persona, PersonaSet
from segmentation.describing.value_format import format_number
from segmentation.segmenting.segments import Segmentation
from ui import persona_state
from ui import segments_state as seg
from ui.messages import flash

MAX_COLUMNS = 3
SHORT_TESTS = {"Mann–Whitney U": "Mann–Whitney", "two-proportion z-test": "z-test"}
ELEMENT_TITLES = {
    "product": ":material/inventory_2: Product",
    "price": ":material/sell: Price",
    "channel": ":material/campaign: Channel",
    "message": ":material/chat: Message",
}


def render_no_segmentation() -> None:
    """What the page says when there is nothing to describe yet."""
    st.info(
        "There is no active segmentation yet, so there are no personas to show. Create "
        "segments on the Segments page (clusters, rules or RFM); each segment then gets a card "
        "here.",
        icon=":material/info:",
    )
    st.page_link("pages/segments.py", label="Go to Segments", icon=":material/donut_small:")


def render_intro(cards: PersonaSet) -> None:
    """One line on what the cards are based on, and the export buttons."""
    left, middle, right = st.columns([4, 1.3, 1.3], vertical_alignment="bottom")
    money = (
        f" Revenue comes from {_revenue_words(cards)} (the customer-value meaning on the Data "
        "page)."
        if cards.revenue_from
        else " No column has the customer-value meaning, so revenue shares are not shown (set "
        "one on the Data page)."
    )
    left.caption(
        f"{len(cards.personas)} personas from **{cards.title}**, {cards.n_customers:,} customers."
        f"{money} A trait appears only if it passed a significance test (corrected for "
        f"{cards.n_tests:,} comparisons) and is big enough to matter."
    )
    notes = dict(persona_state.notes_for(cards.title))
    stem = _slug(cards.title)
    middle.download_button(
        "All cards (.md)",
        data=lambda: personas_markdown(cards, notes),
        file_name=f"personas-{stem}.md",
        mime="text/markdown",
        on_click="ignore",
        icon=":material/download:",
        key="persona_download_md",
        help="Every card, with your notes, as a Markdown file for documents and wikis.",
    )
    right.download_button(
        "All cards (.html)",
        data=lambda: personas_html(cards, notes),
        file_name=f"personas-{stem}.html",
        mime="text/html",
        on_click="ignore",
        icon=":material/download:",
        key="persona_download_html",
        help="Every card, with your notes, as one web page that opens offline and prints one "
        "card per page.",
    )


def _revenue_words(cards: PersonaSet) -> str:
    return (
        f"'{cards.revenue_from}'"
        if cards.monetary
        else cards.revenue_from[:1].lower() + (cards.revenue_from[1:])
    )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "segments"


def render_grid(cards: PersonaSet) -> None:
    """A card per segment, in rows of up to three."""
    notes = persona_state.notes_for(cards.title)
    personas = list(cards.personas)
    for start in range(0, len(personas), MAX_COLUMNS):
        cells = st.columns(MAX_COLUMNS)
        for cell, persona in zip(cells, personas[start : start + MAX_COLUMNS], strict=False):
            with cell, st.container(border=True, height="stretch"):
                _card(persona, bool(notes.get(persona.segment_id)))


def _card(persona: Persona, has_note: bool) -> None:
    st.markdown(f"#### {_plain(persona.name)}")
    st.caption(_size_text(persona))
    if persona.highlights:
        st.caption("What sets them apart — this segment vs all customers")
        st.markdown("\n".join(f"- **{_plain(t.label)}** · {t.versus}" for t in persona.highlights))
    else:
        st.caption(persona.caveats[0] if persona.caveats else "No traits to show.")
    reach = {m.element: m for m in persona.mix}
    st.markdown(
        f"**Reach:** {reach['channel'].suggestion}  \n**Say:** {reach['message'].suggestion}"
    )
    if has_note:
        st.caption(":material/edit_note: Has notes")
    st.button(
        "Open card",
        key=f"persona_open_{persona.segment_id}",
        icon=":material/open_in_full:",
        on_click=_open,
        args=(persona.segment_id,),
        help="Show this persona's full card below: profile in four blocks, example customer, "
        "marketing mix, renaming and notes.",
    )


def _open(segment_id: int) -> None:
    st.session_state[persona_state.DETAIL] = segment_id


def _plain(text: str) -> str:
    """Text shown as is in Markdown (segment names may hold * or _)."""
    return re.sub(r"([\\`*_\[\]#<>|~$])", r"\\\1", text)


def _size_text(persona: Persona) -> str:
    parts = [f"{persona.customers:,} customers ({persona.share:.0%})"]
    if persona.revenue_share is not None:
        parts.append(f"{persona.revenue_share:.0%} of revenue")
    if persona.value_index is not None:
        parts.append(f"{persona.value_index:.1f}× average value")
    return " · ".join(parts)


def render_detail(segmentation: Segmentation, cards: PersonaSet) -> None:
    """The chosen persona in full, with renaming and notes."""
    st.subheader("Persona in detail", anchor="detail")
    ids = [p.segment_id for p in cards.personas]
    if st.session_state.get(persona_state.DETAIL) not in ids:
        st.session_state[persona_state.DETAIL] = ids[0]
    segment_id = st.selectbox(
        "Persona",
        ids,
        format_func=lambda i: cards.persona(i).name,
        key=persona_state.DETAIL,
        help="The persona to show in full. 'Open card' on a card above picks it too.",
    )
    persona = cards.persona(segment_id)
    _rename(segmentation, persona)
    with st.container(border=True):
        st.markdown(persona.summary)
    for caveat in persona.caveats:
        st.info(caveat, icon=":material/info:")
    _metrics(persona, cards)
    _traits_table(persona)
    _profile(persona)
    _example(persona)
    _mix(persona)
    _notes(cards.title, persona)


def _rename(segmentation: Segmentation, persona: Persona) -> None:
    key = f"persona_name_{segmentation.title}_{persona.segment_id}_{persona.name}"
    new_name = st.text_input(
        "Persona name",
        persona.name,
        key=key,
        help="Renaming a persona renames its segment on every page. Names must be unique "
        f"within the segmentation. Suggested from the data: “{persona.generated_name}”.",
    )
    if new_name == persona.name:
        return
    try:
        seg.rename_persona(segmentation, persona.segment_id, new_name)
    except SegmentationError as err:
        st.error(f"{err} The name stays “{persona.name}”.", icon=":material/error:")
        return
    flash("success", f"Renamed “{persona.name}” to “{new_name.strip()}” on every page.")
    st.rerun()


def _metrics(persona: Persona, cards: PersonaSet) -> None:
    cells = st.columns(4)
    cells[0].metric("Customers", f"{persona.customers:,}", help="Customers in this segment.")
    cells[1].metric(
        "Share of customers", f"{persona.share:.0%}", help="This segment's share of customers."
    )
    if persona.revenue_share is None or persona.value_per_customer is None:
        cells[2].metric(
            "Share of revenue",
            "–",
            help="No column has the customer-value meaning (set one on the Data page).",
        )
        return
    source = _revenue_words(cards)
    cells[2].metric(
        "Share of revenue",
        f"{persona.revenue_share:.0%}",
        help=f"This segment's share of the total of {source}.",
    )
    delta = (persona.value_index - 1) if persona.value_index is not None else None
    average = format_number(cards.average_value, "money", cards.currency)
    cells[3].metric(
        "Value per customer",
        format_number(persona.value_per_customer, "money", cards.currency),
        delta=f"{delta:+.0%} vs average" if delta is not None else None,
        help=f"Average of {source} per customer in this segment; the average customer is "
        f"worth {average}.",
    )


def _traits_table(persona: Persona) -> None:
    st.markdown("**What sets them apart** — largest differences first")
    if not persona.traits:
        st.caption("No trait passed the tests, so none is claimed.")
        return
    table = pd.DataFrame(
        {
            "trait": [t.label for t in persona.traits],
            "versus": [t.versus for t in persona.traits],
            "base": [t.base for t in persona.traits],
            "effect": [abs(t.effect) for t in persona.traits],
            "test": [SHORT_TESTS.get(t.test, t.test) for t in persona.traits],
            "statistic": [
                t.statistic.replace("rank-biserial ", "").split(" (")[0].replace("Cohen's ", "")
                for t in persona.traits
            ],
            "p": [
                "< 0.001" if t.p_adjusted < 0.001 else f"{t.p_adjusted:.3f}" for t in persona.traits
            ],
        }
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=min(36 * (len(table) + 1) + 2, 400),
        column_config={
            "trait": st.column_config.TextColumn(
                "Trait", help="How this segment differs.", width="medium"
            ),
            "versus": st.column_config.TextColumn(
                "This segment vs all customers",
                help="Share (for categories), median, or average (for 1–5 style scales).",
            ),
            "base": st.column_config.TextColumn(
                "Base", help="The segmentation base.", width="small"
            ),
            "effect": st.column_config.ProgressColumn(
                "Effect size",
                min_value=0.0,
                max_value=2.0,
                format="%.2f",
                help="Size of the difference on Cohen's scale: 0.2 small, 0.5 medium, 0.8 "
                "large. Traits need at least 0.3.",
            ),
            "test": st.column_config.TextColumn(
                "Test", help="The test against the other customers.", width="small"
            ),
            "statistic": st.column_config.TextColumn(
                "Statistic",
                help="r: rank-biserial correlation for numbers and dates (−1 … 1); h: Cohen's "
                "h for shares.",
                width="small",
            ),
            "p": st.column_config.TextColumn(
                "Adjusted p",
                help="Chance of a difference this large if the segment were a random draw, "
                "corrected for the number of comparisons (Benjamini–Hochberg). Below 0.05.",
            ),
        },
    )


def _profile(persona: Persona) -> None:
    st.markdown("**Profile** — this segment compared with all customers")
    main = [b for b in persona.blocks if b.base in BASE_TITLES]
    cells = st.columns(len(main))
    for cell, block in zip(cells, main, strict=True):
        with cell:
            st.markdown(f"**{BASE_TITLES[block.base]}**")
            if not block.lines:
                st.caption("No columns of this base in the data.")
            for line in block.lines:
                st.markdown(_profile_line(line))
    others = [b for b in persona.blocks if b.base not in BASE_TITLES]
    for block in others:
        with st.expander(f"Other columns ({len(block.lines)})"):
            for line in block.lines:
                st.markdown(_profile_line(line))


def _profile_line(line) -> str:
    comparison = f":blue[**{line.comparison}**]" if line.distinct else f":gray[{line.comparison}]"
    return (
        f"{_plain(line_words(line))}: {_plain(line.typical)}  \n"
        f":gray[all customers: {_plain(line.overall)}] · {comparison}"
    )


def _example(persona: Persona) -> None:
    if persona.example is None:
        return
    st.markdown("**Example customer** — the real customer closest to the segment's centre")
    details = " · ".join(
        f"{_plain(w)}: **{_plain(v)}**" for w, v in persona.example.labelled_details()
    )
    st.markdown(f":material/person: **{_plain(persona.example.name)}** — {details}")


def _mix(persona: Persona) -> None:
    st.markdown("**Suggested marketing mix** — from the rule table, each with its trigger")
    cells = st.columns(len(persona.mix))
    for cell, item in zip(cells, persona.mix, strict=True):
        with cell, st.container(border=True, height="stretch"):
            st.markdown(f"**{ELEMENT_TITLES[item.element]}**")
            st.markdown(item.suggestion)
            st.caption(f"Because: {item.trigger}" if item.trigger else "No rule fired.")
    with st.expander("The rule table behind these suggestions"):
        st.dataframe(
            pd.DataFrame(
                {
                    "element": [r.element for r in MIX_RULES],
                    "when the segment has": [r.when for r in MIX_RULES],
                    "suggestion": [r.suggestion for r in MIX_RULES],
                }
            ),
            hide_index=True,
            width="stretch",
        )
        st.caption(
            "For each element, the rule triggered by the segment's strongest trait wins. "
            "An element no rule fires for says so instead of guessing."
        )


def _notes(title: str, persona: Persona) -> None:
    key = f"persona_note_{title}_{persona.segment_id}"
    st.text_area(
        "Notes",
        persona_state.notes_for(title).get(persona.segment_id, ""),
        key=key,
        on_change=_save_note,
        args=(title, persona.segment_id, key),
        placeholder="Ideas, campaign plans, what the team said about this persona…",
        help="Your notes on this persona. They are kept for this session, go into the "
        "Markdown and HTML exports, and travel with a saved project.",
    )


def _save_note(title: str, segment_id: int, key: str) -> None:
    persona_state.set_note(title, segment_id, st.session_state.get(key) or "")
