"""Persona cards as files to take into a meeting: Markdown, and one self-contained HTML page.

The HTML needs nothing but a browser: styles are inline, there are no scripts, fonts or
images to fetch, and a print stylesheet keeps each card on one page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from html import escape

from segmentation.data.words import column_words
from segmentation.describing.persona_types import Persona, PersonaSet, ProfileLine

BASE_TITLES = {
    "demographic": "Demographic",
    "geographic": "Geographic",
    "behavioral": "Behavioral",
    "psychographic": "Psychographic",
}


def line_words(line: ProfileLine) -> str:
    """A profile line's column in plain words."""
    return line.words or column_words(line.column)


def _size_line(persona: Persona) -> str:
    parts = [f"{persona.customers:,} customers", f"{persona.share:.0%} of customers"]
    if persona.revenue_share is not None:
        parts.append(f"{persona.revenue_share:.0%} of revenue")
    if persona.value_index is not None:
        parts.append(f"{persona.value_index:.1f}× the average value per customer")
    return " · ".join(parts)


def _p_text(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _method_line(cards: PersonaSet) -> str:
    config = cards.config
    correction = "Benjamini–Hochberg" if config.correction == "bh" else "Holm"
    return (
        f"Each trait passed a test against the other customers ({cards.n_tests:,} tests, "
        f"{correction} correction at {config.alpha:.0%}) and has an effect size of at least "
        f"{config.min_effect:g} on Cohen's scale."
    )


def personas_markdown(cards: PersonaSet, notes: Mapping[int, str] | None = None) -> str:
    """Every card as Markdown, with the user's notes, ready to paste into a document."""
    notes = notes or {}
    lines = [
        f"# Personas — {cards.title}",
        "",
        f"{cards.n_customers:,} customers, {len(cards.personas)} segments. "
        f"Written {dt.date.today():%d %b %Y} by Segment Studio. {_method_line(cards)}",
        "",
    ]
    for persona in cards.personas:
        lines += _persona_markdown(persona, notes.get(persona.segment_id, ""))
    return "\n".join(lines).rstrip() + "\n"


def _persona_markdown(persona: Persona, note: str) -> list[str]:
    lines = [f"## {persona.name}", "", f"*{_size_line(persona)}*", "", persona.summary, ""]
    lines += [f"> {caveat}" for caveat in persona.caveats] + ([""] if persona.caveats else [])
    if persona.traits:
        lines += ["### What sets them apart", ""]
        lines += [
            f"- {t.sentence} ({t.test}, {t.statistic}, adjusted {_p_text(t.p_adjusted)})"
            for t in persona.traits
        ]
        lines.append("")
    lines += ["### Profile", "", "| base | column | this segment | all customers | compared |"]
    lines.append("|---|---|---|---|---|")
    for block in persona.blocks:
        for line in block.lines:
            lines.append(
                f"| {block.base} | {line_words(line)} | {line.typical} | {line.overall} | "
                f"{line.comparison} |"
            )
    lines.append("")
    if persona.example is not None:
        details = ", ".join(f"{w}: {v}" for w, v in persona.example.labelled_details())
        lines += [f"**Example customer** {persona.example.name}: {details}", ""]
    lines += ["### Suggested marketing mix", ""]
    for item in persona.mix:
        because = f" *(because: {item.trigger})*" if item.trigger else ""
        lines.append(f"- **{item.element.capitalize()}**: {item.suggestion}{because}")
    lines.append("")
    if note.strip():
        lines += ["### Notes", "", note.strip(), ""]
    return lines


_CSS = """
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       color: #1f2430; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
.lead { color: #555; margin-top: 0; }
.card { border: 1px solid #d6d9e0; border-radius: 10px; padding: 1.2rem 1.4rem;
        margin: 1.4rem 0; break-inside: avoid; page-break-inside: avoid; }
.card h2 { margin: 0 0 .2rem 0; font-size: 1.35rem; color: #2b3a67; }
.size { color: #555; margin: 0 0 .8rem 0; font-size: .95rem; }
.summary { background: #f5f7fb; border-radius: 8px; padding: .7rem .9rem; }
.caveat { color: #8a5a00; font-size: .9rem; }
h3 { font-size: 1rem; margin: 1rem 0 .4rem 0; color: #2b3a67; }
ul { margin: .2rem 0; padding-left: 1.2rem; }
.stat { color: #777; font-size: .82rem; }
.blocks { display: grid; grid-template-columns: repeat(2, 1fr); gap: .6rem 1.2rem; }
table { border-collapse: collapse; width: 100%; font-size: .86rem; }
td, th { text-align: left; padding: .15rem .4rem; border-bottom: 1px solid #eceef3;
         vertical-align: top; }
th { color: #555; font-weight: 600; }
.distinct td { font-weight: 600; }
.mix { display: grid; grid-template-columns: repeat(4, 1fr); gap: .6rem; }
.mix div { background: #f5f7fb; border-radius: 8px; padding: .5rem .6rem; font-size: .9rem; }
.mix b { display: block; color: #2b3a67; }
.note { border-left: 3px solid #2b3a67; padding-left: .7rem; white-space: pre-wrap; }
footer { color: #777; font-size: .8rem; margin-top: 2rem; }
@media print {
  body { margin: 0; max-width: none; font-size: 10.5pt; }
  .card { page-break-after: always; border: none; padding: 0; margin: 0; }
  .card:last-of-type { page-break-after: auto; }
  .summary, .mix div { background: none; border: 1px solid #ccc; }
}
@page { size: A4; margin: 14mm; }
"""


def personas_html(cards: PersonaSet, notes: Mapping[int, str] | None = None) -> str:
    """Every card as one self-contained HTML page (inline styles, no scripts, prints well)."""
    notes = notes or {}
    body = "\n".join(_persona_html(p, notes.get(p.segment_id, "")) for p in cards.personas)
    title = escape(f"Personas — {cards.title}")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{_CSS}</style></head><body>"
        f'<h1>{title}</h1><p class="lead">{cards.n_customers:,} customers, '
        f"{len(cards.personas)} segments. Written {dt.date.today():%d %b %Y} by Segment "
        f"Studio.</p>\n{body}\n<footer>{escape(_method_line(cards))}</footer></body></html>\n"
    )


def _persona_html(persona: Persona, note: str) -> str:
    parts = [
        f'<section class="card"><h2>{escape(persona.name)}</h2>',
        f'<p class="size">{escape(_size_line(persona))}</p>',
        f'<p class="summary">{_bold(persona.summary)}</p>',
        *(f'<p class="caveat">{escape(c)}</p>' for c in persona.caveats),
    ]
    if persona.traits:
        items = "".join(
            f'<li>{escape(t.sentence)} <span class="stat">{escape(t.test)}, '
            f"{escape(t.statistic)}, adjusted {_p_text(t.p_adjusted)}</span></li>"
            for t in persona.traits
        )
        parts.append(f"<h3>What sets them apart</h3><ul>{items}</ul>")
    parts.append('<h3>Profile</h3><div class="blocks">')
    parts += [_block_html(block.base, block.lines) for block in persona.blocks]
    parts.append("</div>")
    if persona.example is not None:
        details = ", ".join(f"{w}: {v}" for w, v in persona.example.labelled_details())
        parts.append(
            f"<h3>Example customer</h3><p>{escape(persona.example.name)}: {escape(details)}</p>"
        )
    mix = "".join(
        f"<div><b>{escape(m.element.capitalize())}</b>{escape(m.suggestion)}"
        + (f'<br><span class="stat">because: {escape(m.trigger)}</span>' if m.trigger else "")
        + "</div>"
        for m in persona.mix
    )
    parts.append(f'<h3>Suggested marketing mix</h3><div class="mix">{mix}</div>')
    if note.strip():
        parts.append(f'<h3>Notes</h3><p class="note">{escape(note.strip())}</p>')
    parts.append("</section>")
    return "\n".join(parts)


def _block_html(base: str, lines: tuple) -> str:
    rows = "".join(
        f'<tr class="{"distinct" if line.distinct else ""}">'
        f"<td>{escape(line_words(line))}</td>"
        f"<td>{escape(line.typical)}</td><td>{escape(line.overall)}</td>"
        f"<td>{escape(line.comparison)}</td></tr>"
        for line in lines
    )
    if not rows:
        rows = '<tr><td colspan="4">No columns of this base in the data.</td></tr>'
    return (
        f"<div><h3>{escape(BASE_TITLES.get(base, base.capitalize()))}</h3><table>"
        "<tr><th>column</th><th>this segment</th><th>all customers</th><th>compared</th></tr>"
        f"{rows}</table></div>"
    )


def _bold(text: str) -> str:
    """Escape text and turn its **bold** spans into <b> (the summary bolds the name)."""
    pieces = escape(text).split("**")
    return "".join(f"<b>{p}</b>" if i % 2 else p for i, p in enumerate(pieces))
