"""Names and summaries of the persona cards: a readable name from the strongest traits, unique
within a segmentation, the segmentation's own names on the cards, and a one-paragraph summary.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from segmentation.describing.persona_types import Persona, PersonaSet, Trait
from segmentation.describing.persona_words import ADJECTIVE, NOUN, PHRASE, Descriptor, descriptor
from segmentation.segmenting.segments import UNASSIGNED, Segmentation

DEFAULT_NAME = "Segment {}"
SUMMARY_TRAITS = 3

NO_TRAITS_NAME = "Mainstream customers"
NAME_LOOKAHEAD = 8  # the second word comes from another base only among the strongest traits


def persona_name(traits: Sequence[Trait], extra: int = 0) -> str:
    """A readable name from the most distinctive traits, in the columns' plain words.

    The noun comes from the strongest trait that names a kind of customer ("dog lovers",
    "big wine spenders"), else "customers"; two more traits describe them, the second from
    another base so a name is not two ways of saying the same thing: describing words go
    before the noun ("Older, high-income customers"), phrases after "with" ("Older customers
    with high monthly charges"). ``extra`` adds traits (to tell apart segments that would
    share a name).

    >>> t = Trait("pet", "behavioral", "Dog", "more", .9, .4, 1.0, "", "", 0, 0, "", "", "")
    >>> persona_name([t])
    'Dog lovers'
    """
    noun, noun_trait = "customers", None
    for trait in traits[:NAME_LOOKAHEAD]:
        found = descriptor(trait)
        if found is not None and found.kind == NOUN:
            noun, noun_trait = found.text, trait
            break
    described = [(t, descriptor(t)) for t in traits if t is not noun_trait]
    usable = [(t, d) for t, d in described if d is not None and d.kind != NOUN]
    chosen: list[tuple[Trait, Descriptor]] = []
    for wanted in range(2 + extra):
        other_base = wanted == 1 and chosen
        for trait, found in usable[:NAME_LOOKAHEAD]:
            if _said(found.text, [d.text for _, d in chosen]) or _stem(found.text) in noun:
                continue
            if other_base and trait.base == chosen[0][0].base:
                continue
            chosen.append((trait, found))
            break
        else:
            if other_base:  # no other base to draw from: take the next word of any base
                for trait, found in usable:
                    if not _said(found.text, [d.text for _, d in chosen]):
                        chosen.append((trait, found))
                        break
    if not chosen and noun_trait is None:
        return NO_TRAITS_NAME
    return _compose([d for _, d in chosen], noun)


def _compose(chosen: Sequence[Descriptor], noun: str) -> str:
    adjectives = [d.text for d in chosen if d.kind == ADJECTIVE]
    phrases = [d.text for d in chosen if d.kind == PHRASE]
    if not adjectives and noun == "customers" and len(phrases) > 1:
        name = ", ".join(phrases)  # "High monthly charges, short tenure"
    else:
        name = " ".join([", ".join(adjectives), noun]).strip()
        if phrases:
            name += " with " + _join(phrases)
    return name[0].upper() + name[1:]


def _said(word: str, chosen: list[str]) -> bool:
    """Whether a word repeats one already in the name ("new" and "newly joined")."""
    root = _stem(word)
    return any(root.startswith(_stem(w)) or _stem(w).startswith(root) for w in chosen)


def _stem(word: str) -> str:
    return word.lower().replace("-", " ").split()[0][:5]


def with_generated_names(personas: list[Persona], segmentation: Segmentation) -> list[Persona]:
    """Give every persona a generated name, unique within the segmentation."""
    taken = (
        {segmentation.segment_names[UNASSIGNED]}
        if UNASSIGNED in segmentation.segment_names
        else set()
    )
    named = []
    for persona in personas:
        if persona.segment_id == UNASSIGNED:
            named.append(replace(persona, generated_name=persona.name))
            continue
        name = _base_name(persona)
        for extra in (1, 2):
            if name not in taken:
                break
            name = persona_name(persona.traits, extra) if persona.traits else name
        number = 2
        unique = name
        while unique in taken:
            unique, number = f"{name} ({number})", number + 1
        taken.add(unique)
        named.append(replace(persona, generated_name=unique))
    return named


def _base_name(persona: Persona) -> str:
    if persona.customers == 0:
        return "Empty segment"
    if persona.customers == 1:
        return "A single customer"
    if persona.customers < 5 and not persona.traits:
        return f"Small group of {persona.customers}"
    return persona_name(persona.traits)


def with_names(cards: PersonaSet, names: Mapping[int, str]) -> PersonaSet:
    """The cards with the segmentation's current names, summaries rewritten to match."""
    personas = []
    for persona in cards.personas:
        named = replace(persona, name=names.get(persona.segment_id, persona.name))
        personas.append(replace(named, summary=write_summary(named, cards.monetary)))
    return replace(cards, personas=tuple(personas))


def generated_names(cards: PersonaSet) -> dict[int, str]:
    """The generated name of every segment (Unassigned / Other keep theirs)."""
    return {p.segment_id: p.generated_name for p in cards.personas}


def has_default_names(segmentation: Segmentation) -> bool:
    """Whether every segment still has its automatic name ("Segment 1", "Segment 2", ...)."""
    regular = sorted(i for i in segmentation.segment_names if i != UNASSIGNED)
    return bool(regular) and all(
        segmentation.segment_names[i] == DEFAULT_NAME.format(n)
        for n, i in enumerate(regular, start=1)
    )


def with_persona_names(segmentation: Segmentation, cards: PersonaSet) -> Segmentation:
    """The segmentation with its segments named after their personas."""
    names = {**segmentation.segment_names, **generated_names(cards)}
    return replace(segmentation, segment_names=names)


def _join(parts: Sequence[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _detail_text(words: str, value: str) -> str:
    """ "total spend $1,775" for numbers and dates, "churn: yes" for yes/no, the value alone for
    categories."""
    if value in ("yes", "no"):
        return f"{words}: {value}"
    if value[:1].isdigit() or value[:1] in "-–$€£¥₹" or value[:2].isupper():
        return f"{words} {value}"
    return value


def write_summary(persona: Persona, monetary: str | None = None) -> str:
    """A one-paragraph plain-English summary of a persona, from templates."""
    people = "customer" if persona.customers == 1 else "customers"
    verb = "is" if persona.customers == 1 else "are"
    opening = f"**{persona.name}** {verb} {persona.share:.0%} of customers "
    opening += f"({persona.customers:,} {people})"
    if persona.revenue_share is not None and persona.value_index is not None:
        opening += (
            f" and bring {persona.revenue_share:.0%} of revenue: each is worth "
            f"{persona.value_index:.1f}× the average customer"
        )
    sentences = [opening + "."]
    if persona.highlights:
        phrases = [t.phrase for t in persona.highlights[:SUMMARY_TRAITS]]
        sentences.append(f"Compared with all customers they {_join(phrases)}.")
    elif persona.caveats:
        sentences.append(persona.caveats[0])
    if persona.example is not None and persona.example.details:
        details = persona.example.labelled_details()[:4]
        shown = ", ".join(_detail_text(w, v) for w, v in details)
        who = persona.example.name
        sentences.append(f"A typical member is {who[:1].lower()}{who[1:]} ({shown}).")
    chosen = [m for m in persona.mix if m.trigger]
    if chosen:
        advice = " ".join(m.suggestion for m in chosen[:2])
        sentences.append(f"What to do: {advice}")
    return " ".join(sentences)
