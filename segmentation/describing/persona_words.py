"""The words a persona name is made of: each trait as a describing word ("older",
"high-income"), a kind of customer ("big wine spenders", "deal hunters") or a phrase that follows
"with" ("high monthly charges", "kids at home").

Words come from the columns' plain-words labels and meanings (:mod:`segmentation.data.words`,
:mod:`segmentation.data.meanings`), never from raw column names, and a trait the segment has
*less* of names nothing unless a word for it exists ("lapsed", "new"), so a name never reads
"No low-monthly-charges customers".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from segmentation.data.words import name_words
from segmentation.describing.persona_types import Trait

ADJECTIVE, NOUN, PHRASE = "adjective", "noun", "phrase"


@dataclass(frozen=True)
class Descriptor:
    """A trait in a name: ``kind`` says where the words go (before the noun, as the noun, or
    after "with")."""

    kind: str
    text: str


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
    "month-to-month": ("month-to-month", None),
    "two year": ("two-year-contract", None),
    "one year": ("one-year-contract", None),
}
# (pattern on the label's words, describing word when higher, when lower); the first match
# wins, so the specific patterns come first. A word may be a noun ("+noun") or a phrase
# ("+with") instead of a describing word.
NUMBER_WORDS: tuple[tuple[str, str | None, str | None], ...] = (
    (r"\bpredicted clv\b|\btotal value\b", "high-value", "low-value"),
    (r"\bchurn risk\b", "at-risk", "low-risk"),
    (r"\bexpected orders\b", "likely-to-buy", "fading"),
    (r"\bexpected spend per order\b", "big-basket", "small-basket"),
    (r"\b(birth year|year of birth|year born|birth date|date of birth)\b", "younger", "older"),
    (r"\brecency\b|\bdays since the last (order|purchase)\b", "lapsed", "recent"),
    (r"\bdays between\b", "slow-repeat", "quick-repeat"),
    (r"\b(frequency|number of orders|order count|transactions)\b", "frequent", "infrequent"),
    (r"\b(order value|aov|basket)\b", "big-basket", "small-basket"),
    (r"\b(monetary|revenue|total spend|spend|spent|sales|lifetime value)\b", "high-spending",
     "low-spending"),
    (r"\btenure\b|\bdays as a customer\b", "long-standing", "new"),
    (r"\breturn", "returns-prone", None),
    (r"\bage\b", "older", "younger"),
    (r"\b(income|salary|earnings)\b", "high-income", "lower-income"),
    (r"\b(open|click)", "email-engaged", "email-quiet"),
    (r"\bprice sensitiv", "price-sensitive", None),
    (r"\bquality\b", "premium", None),
    (r"\bsustainab", "eco-minded", None),
    (r"\bis family\b", "devoted", None),
    (r"\b(signup|sign up|first order|joined|since)\b", "newly joined", "long-time"),
    (r"\blast order\b", "recently active", "lapsed"),
)  # fmt: skip
# the words of a meaning when the label names none of the above ("Orders count", "Total spent")
MEANING_WORDS = {
    "customer_value": ("high-spending", "low-spending"),
    "order_total": ("big-basket", "small-basket"),
    "order_count": ("frequent", "infrequent"),
}
# purchases by channel (the campaign file's NumWebPurchases …): the kind of shopper
CHANNEL_NOUNS = {
    "web": "online shoppers",
    "online": "online shoppers",
    "internet": "online shoppers",
    "store": "in-store shoppers",
    "in store": "in-store shoppers",
    "catalog": "catalog shoppers",
    "catalogue": "catalog shoppers",
    "deals": "deal hunters",
    "deal": "deal hunters",
    "discount": "deal hunters",
    "app": "app shoppers",
    "mobile": "app shoppers",
    "phone": "phone shoppers",
}
_CHANNEL = re.compile(r"^(?:number of )?(" + "|".join(CHANNEL_NOUNS) + r") purchases?$")
_SPEND_ON = re.compile(r"^(?:spend on|amount spent on|spent on) (.+)$")
_VISITS = re.compile(r"^(web|website|site|app|store) visits\b")
# yes/no columns: (pattern on the label's words, descriptor when yes, when no)
FLAG_WORDS: tuple[tuple[str, Descriptor | None, Descriptor | None], ...] = (
    (r"\bchurn", Descriptor(ADJECTIVE, "churned"), Descriptor(ADJECTIVE, "retained")),
    (r"\b(response|responded|accepted campaign|converted)\b",
     Descriptor(NOUN, "campaign responders"), None),
    (r"\b(kids?|children|child) (at home|in household)\b|\bkidhome\b",
     Descriptor(PHRASE, "kids at home"), None),
    (r"\bteens? (at home|in household)\b|\bteenhome\b", Descriptor(PHRASE, "teens at home"), None),
    (r"\bsenior\b", Descriptor(NOUN, "seniors"), None),
    (r"\bdependents?\b", Descriptor(PHRASE, "dependents"), None),
    (r"\bcomplain", Descriptor(ADJECTIVE, "complaining"), None),
)  # fmt: skip
CONSENT_WORDS = (Descriptor(ADJECTIVE, "opted-in"), None)
NOT_A_WORD = frozenset(
    {"yes", "no", "true", "false", "y", "n", "none", "other", "others", "unknown", "n/a", "na",
     "missing", "not recorded", "-", "–", "0", "1"}
)  # fmt: skip
GEOGRAPHIC = frozenset({"country", "region", "city", "postcode"})


def descriptor(trait: Trait) -> Descriptor | None:
    """How a trait shows in a persona name, or None when it should not."""
    words = trait.words or name_words(trait.column)
    if trait.level is not None:
        return _level_descriptor(trait, words)
    higher = trait.direction == "higher"
    spend = _SPEND_ON.match(words)
    if spend:
        return Descriptor(NOUN, f"big {_singular(spend.group(1))} spenders") if higher else None
    channel = _CHANNEL.match(words)
    if channel:
        return Descriptor(NOUN, CHANNEL_NOUNS[channel.group(1)]) if higher else None
    visits = _VISITS.match(words)
    if visits:
        place = "web" if visits.group(1) in ("website", "site") else visits.group(1)
        return Descriptor(NOUN, f"frequent {place} visitors") if higher else None
    for pattern, high, low in NUMBER_WORDS:
        if re.search(pattern, words):
            word = high if higher else low
            return Descriptor(ADJECTIVE, word) if word else None
    if trait.meaning in MEANING_WORDS:
        return Descriptor(ADJECTIVE, MEANING_WORDS[trait.meaning][0 if higher else 1])
    return _generic(trait, words, higher)


def _generic(trait: Trait, words: str, higher: bool) -> Descriptor | None:
    """ "high monthly charges", "many web visits per month" for columns no table knows."""
    if trait.level is not None or len(words.split()) > 4 or re.search(r"\d", words):
        return None
    if trait.meaning in ("order_count", "quantity") or words.startswith("number of "):
        counted = words.removeprefix("number of ")
        return Descriptor(PHRASE, f"{'many' if higher else 'few'} {counted}")
    if trait.meaning in ("other", "customer_value", "order_total", "unit_price", ""):
        if "date" in words.split():
            return None
        return Descriptor(PHRASE, f"{'high' if higher else 'low'} {words}")
    return None


def _level_descriptor(trait: Trait, words: str) -> Descriptor | None:
    level = (trait.level or "").strip()
    more = trait.direction == "more"
    if trait.label.endswith((": yes", ": no")) or level.lower() in NOT_A_WORD:
        if level.lower() in ("yes", "true", "y", "1"):
            return _flag_descriptor(trait, words, yes=more)
        if level.lower() in ("no", "false", "n", "0"):
            return _flag_descriptor(trait, words, yes=not more)
        return None
    if not more:
        return None
    if words.startswith("churn risk"):
        word = {"high": "at-risk", "low": "low-risk"}.get(level.lower())
        return Descriptor(ADJECTIVE, word) if word else None
    known = LEVEL_WORDS.get(level.lower())
    if known:
        adjective, noun = known
        return Descriptor(NOUN, noun) if noun else Descriptor(ADJECTIVE, adjective or "")
    short = len(level) <= 18 and len(level.split()) <= 2
    if not short or level[:1].isdigit() or level.lower().startswith(("no ", "not ", "non ")):
        return None
    keep_case = trait.meaning in GEOGRAPHIC or not level[1:].islower()
    return Descriptor(ADJECTIVE, level if keep_case else level.lower())


def _flag_descriptor(trait: Trait, words: str, yes: bool) -> Descriptor | None:
    if trait.meaning == "consent":
        return CONSENT_WORDS[0] if yes else CONSENT_WORDS[1]
    for pattern, when_yes, when_no in FLAG_WORDS:
        if re.search(pattern, words):
            return when_yes if yes else when_no
    return None


def _singular(words: str) -> str:
    """ "wines" → "wine", "meat products" → "meat", "gold prods" → "gold"."""
    words = re.sub(r"\s+(products?|prods?|items?|goods)$", "", words.strip())
    if words.endswith("ies"):
        return words[:-3] + "y"
    if words.endswith("s") and not words.endswith(("ss", "us")):
        return words[:-1]
    return words
