"""The data classes of the persona cards: settings, traits, profile blocks, the example customer,
marketing-mix suggestions, the cards themselves, and :class:`PersonaError`.

They hold no logic beyond checking the settings, so every persona module can import them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from segmentation.data.words import column_words
from segmentation.errors import SegmentationError


class PersonaError(SegmentationError):
    """A segmentation and data that cannot be described as personas."""


@dataclass(frozen=True)
class PersonaConfig:
    """How strict the cards are about what they claim.

    Attributes
    ----------
    alpha : false-discovery rate (or family-wise error for Holm) over every test of a card set.
    min_effect : smallest effect size, on Cohen's scale, worth calling a trait (0.3: between
        small and medium, a difference a marketer would notice).
    min_customers : segments (and the rest) smaller than this get no traits.
    highlights : traits shown on a card in the grid, taken in turn from each base so a card
        is not all spend and order counts (the detail view lists every trait).
    correction : "bh" (Benjamini–Hochberg) or "holm".
    """

    alpha: float = 0.05
    min_effect: float = 0.3
    min_customers: int = 5
    highlights: int = 5
    correction: str = "bh"

    def __post_init__(self) -> None:
        if self.correction not in ("bh", "holm"):
            raise PersonaError(
                f"correction='{self.correction}' is not a correction method; use 'bh' "
                "(Benjamini–Hochberg) or 'holm'."
            )
        if not 0 < self.alpha < 1:
            raise PersonaError(f"alpha={self.alpha} must be between 0 and 1, e.g. 0.05.")

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return asdict(self)


@dataclass(frozen=True)
class Trait:
    """One tested difference between a segment and everyone else.

    ``level`` is the category level for categories and ``None`` for numbers and dates;
    ``direction`` is "more"/"less" for levels and "higher"/"lower" for numbers and dates.
    ``segment_value`` / ``overall_value`` are shares (levels), medians, or means (1–5 style
    scales), in the column's units (dates as days since 1970). ``words`` is the column's label
    as it reads in a sentence and ``meaning`` its meaning (what names and the marketing mix read).
    """

    column: str
    base: str
    level: str | None
    direction: str
    segment_value: float
    overall_value: float
    effect: float
    test: str
    statistic: str
    p_value: float
    p_adjusted: float
    label: str
    sentence: str
    phrase: str
    versus: str = ""
    words: str = ""
    meaning: str = "other"


@dataclass(frozen=True)
class ProfileLine:
    """One column of a profile block: typical value in the segment and for all customers."""

    column: str
    typical: str
    overall: str
    comparison: str
    distinct: bool
    words: str = ""


@dataclass(frozen=True)
class ProfileBlock:
    """The columns of one segmentation base."""

    base: str
    lines: tuple[ProfileLine, ...]


@dataclass(frozen=True)
class ExampleCustomer:
    """The real customer closest to the segment's centre, as a short profile.

    ``shown_as`` is how cards name the customer: the key, or "Customer #n" (their row in the
    table) when the key is personal data such as an e-mail address or a name. ``words`` holds
    each detail's column label as it reads in a sentence.
    """

    customer_id: str
    details: tuple[tuple[str, str], ...]
    shown_as: str = ""
    words: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """How a card names this customer."""
        return self.shown_as or f"Customer {self.customer_id}"

    def labelled_details(self) -> tuple[tuple[str, str], ...]:
        """(label words, value) of each detail."""
        if len(self.words) == len(self.details):
            return tuple((w, v) for w, (_, v) in zip(self.words, self.details, strict=True))
        return tuple((column_words(c), v) for c, v in self.details)


@dataclass(frozen=True)
class MixSuggestion:
    """A suggestion for one element of the marketing mix and the trait that triggered it."""

    element: str
    suggestion: str
    trigger: str
    rule: str


@dataclass(frozen=True)
class Persona:
    """Everything a persona card shows for one segment."""

    segment_id: int
    name: str
    generated_name: str
    customers: int
    share: float
    revenue_share: float | None
    value_per_customer: float | None
    value_index: float | None
    traits: tuple[Trait, ...]
    highlights: tuple[Trait, ...]
    blocks: tuple[ProfileBlock, ...]
    example: ExampleCustomer | None
    mix: tuple[MixSuggestion, ...]
    caveats: tuple[str, ...]
    summary: str = ""


@dataclass(frozen=True)
class PersonaSet:
    """The persona cards of one segmentation and how they were tested.

    ``monetary`` is the one money column revenue comes from (none when it is a sum of
    columns), ``revenue_from`` says where revenue comes from in the user's words, and
    ``currency`` is the money's currency code or symbol, when known.
    """

    title: str
    method: str
    personas: tuple[Persona, ...]
    n_customers: int
    monetary: str | None
    average_value: float | None
    n_tests: int
    config: PersonaConfig = field(default_factory=PersonaConfig)
    revenue_from: str = ""
    currency: str | None = None

    def persona(self, segment_id: int) -> Persona:
        """The persona of one segment."""
        for persona in self.personas:
            if persona.segment_id == segment_id:
                return persona
        raise PersonaError(
            f"There is no persona for segment id {segment_id}; ids are "
            f"{', '.join(str(p.segment_id) for p in self.personas)}."
        )
