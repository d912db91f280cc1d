"""Names and summaries of the persona cards: a readable name from the strongest traits, unique
within a segmentation, the segmentation's own names on the cards, and a one-paragraph summary.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from segmentation.data.words import column_words, name_words
from segmentation.describing.persona_types import Persona, PersonaSet, Trait
from segmentation.segmenting.segments import UNASSIGNED, Segmentation

DEFAULT_NAME = "Segment {}"
SUMMARY_TRAITS = 3

LEVEL_WORDS: dict[str, tuple[str | None, str | None]] = {
    # level (lower case): (adjective, noun)
    "dog": ("dog-owning", "dog lovers"),
    "cat": ("cat-owning", "cat lovers"),
    "dog and cat": (None, "dog and cat lovers"),
    "small pet": (None, "small-pet owners"),
    "fish or bird": (None, "fish and bird keepers"),
    "retired": ("retired", "retirees"),
    "student": (None, "students"),
    "family with kids": (None, "families"),
    "single": (None, "singles"),
    "couple, no kids": (None, "couples"),
    "empty nester": (None, "empty nesters"),
    "executive": (None, "executives"),
    "professional": (None, "professionals"),
    "homemaker": (None, "homemakers"),
    "quality": ("premium", None),
    "price & value": ("bargain-hunting", "bargain hunters"),
    "convenience": ("convenience-seeking", None),
    "natural ingredients": ("natural-minded", None),
    "health & vet advice": ("health-minded", None),
    "hard-core loyal": ("loyal", None),
    "soft-core loyal": ("fairly loyal", None),
    "shifting loyal": ("wavering", None),
    "switcher": ("switching", "switchers"),
    "lapsed buyer": ("lapsed", None),
    "first-time buyer": ("first-time", None),
    "regular buyer": ("regular", None),
    "occasional buyer": ("occasional", None),
    "outdoor & active": ("outdoorsy", None),
    "homebody": ("home-loving", "homebodies"),
    "busy professional": ("busy", None),
    "eco-conscious": ("eco-conscious", None),
    "social & trendy": ("trendy", None),
    "budget-minded": ("budget-minded", None),
    "mobile app": ("app-first", None),
    "in store": ("in-store", None),
    "website": ("online", None),
    "phone": ("phone-ordering", None),
    "midwest": ("Midwestern", None),
    "northeast": ("Northeastern", None),
    "south": ("Southern", None),
    "west": ("Western", None),
}
NUMBER_WORDS: tuple[tuple[tuple[str, ...], str | None, str | None], ...] = (
    # words in the column name, word when higher, word when lower
    (("recency",), "lapsed", "recent"),
    (("days between",), "slow-repeat", "quick-repeat"),
    (("frequency", "number of orders", "order count", "transactions"), "frequent", "infrequent"),
    (("order value", "aov", "basket"), "big-basket", "small-basket"),
    (("monetary", "revenue", "spend", "sales"), "high-spending", "low-spending"),
    (("tenure",), "long-standing", "new"),
    (("return",), "returns-prone", None),
    (("age",), "older", "younger"),
    (("income", "salary"), "affluent", "lower-income"),
    (("open", "click"), "email-engaged", "email-quiet"),
    (("price sensitiv",), "price-sensitive", None),
    (("quality",), "premium", None),
    (("sustainab",), "eco-minded", None),
    (("is family",), "devoted", None),
    (("signup", "first order", "joined", "since"), "newly joined", "long-time"),
    (("last order",), "recently active", "lapsed"),
)
NO_TRAITS_NAME = "Mainstream customers"
NAME_LOOKAHEAD = 8  # the second word comes from another base only among the strongest traits


def _descriptor(trait: Trait) -> tuple[str | None, str | None]:
    """(adjective, noun) describing a trait in a name, or (None, None)."""
    if trait.level is not None:
        if trait.direction != "more" or trait.label.endswith((": yes", ": no")):
            return None, None
        known = LEVEL_WORDS.get(trait.level.lower())
        if known:
            return known
        short = len(trait.level) <= 18 and len(trait.level.split()) <= 2
        return (trait.level if short and not trait.level[:1].isdigit() else None), None
    words = name_words(trait.column)
    for keys, high, low in NUMBER_WORDS:
        if any(k in words for k in keys):
            return (high if trait.direction == "higher" else low), None
    if len(words.split()) <= 2:
        return f"{'high' if trait.direction == 'higher' else 'low'}-{words.replace(' ', '-')}", None
    return None, None


def persona_name(traits: Sequence[Trait], extra: int = 0) -> str:
    """A readable name from the most distinctive traits: two describing words and a noun.

    The noun comes from the strongest trait that names a kind of customer ("dog lovers",
    "families"), else "customers"; the first describing word from the strongest trait, the
    second from another base, so a name is not two ways of saying the same thing. ``extra``
    adds describing words (to tell apart segments that would share a name).

    >>> t = Trait("pet", "behavioral", "Dog", "more", .9, .4, 1.0, "", "", 0, 0, "", "", "")
    >>> persona_name([t])
    'Dog lovers'
    """
    noun, noun_trait = "customers", None
    for trait in traits:
        found = _descriptor(trait)[1]
        if found:
            noun, noun_trait = found, trait
            break
    described = [(t, _descriptor(t)[0]) for t in traits if t is not noun_trait]
    described = [(t, word) for t, word in described if word]
    chosen: list[tuple[Trait, str]] = []
    for wanted in range(2 + extra):
        other_base = wanted == 1 and chosen
        for trait, word in described[:NAME_LOOKAHEAD]:
            if _said(word, [w for _, w in chosen]) or _stem(word) in noun.lower():
                continue
            if other_base and trait.base == chosen[0][0].base:
                continue
            chosen.append((trait, word))
            break
        else:
            if other_base:  # no other base to draw from: take the next word of any base
                for trait, word in described:
                    if not _said(word, [w for _, w in chosen]):
                        chosen.append((trait, word))
                        break
    if not chosen and noun_trait is None:
        return NO_TRAITS_NAME
    name = " ".join([*(word for _, word in chosen), noun])
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


def _detail_text(column: str, value: str) -> str:
    """ "total spend 1,775" for numbers and dates, the value alone for categories."""
    if value[:1].isdigit() or value[:1] in "-–":
        return f"{column_words(column)} {value}"
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
        shown = ", ".join(_detail_text(c, v) for c, v in persona.example.details[:4])
        sentences.append(f"A typical member is customer {persona.example.customer_id} ({shown}).")
    chosen = [m for m in persona.mix if m.trigger]
    if chosen:
        advice = " ".join(m.suggestion for m in chosen[:2])
        sentences.append(f"What to do: {advice}")
    return " ".join(sentences)
