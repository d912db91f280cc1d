"""The marketing mix of a persona card: :data:`MIX_RULES`, an explicit table in which each rule
names the trait that triggers it, and :func:`suggest_mix`, which picks a product, price, channel
and message suggestion from a segment's traits.

Rules read a trait's column by its plain-words label and its meaning as well as its name, so a
campaign file's ``NumWebPurchases`` ("web purchases"), a Shopify ``Accepts Marketing`` (consent
meaning) or a ``Response`` flag (campaign-response meaning) trigger them like the sample's words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from segmentation.data.words import name_words
from segmentation.describing.persona_types import MixSuggestion, Trait

MIX_ELEMENTS = ("product", "price", "channel", "message")


@dataclass(frozen=True)
class MixRule:
    """A marketing-mix suggestion and the trait that triggers it.

    A trait triggers the rule when its direction is ``direction``, its column's name or label
    contains one of ``columns`` (any column when empty), its level contains one of ``levels``
    (numbers, or any level, when empty) and its meaning is one of ``meanings`` (any when
    empty). ``{level}`` in the suggestion is replaced by the trait's level and ``{what}`` by
    what a "spend on …" column is spent on.
    """

    element: str
    when: str
    direction: str
    suggestion: str
    columns: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    meanings: tuple[str, ...] = ()

    def matches(self, trait: Trait) -> bool:
        """Whether ``trait`` triggers this rule."""
        words = f"{name_words(trait.column)} | {trait.words.lower()}"
        level = (trait.level or "").lower()
        return (
            trait.direction == self.direction
            and (not self.columns or any(w in words for w in self.columns))
            and (not self.levels or any(w in level for w in self.levels))
            and (not self.meanings or trait.meaning in self.meanings)
        )


_QUALITY = ("quality", "premium", "luxury")
_VALUE = ("price", "value", "budget", "discount", "deal", "bargain", "cheap")
_ECO = ("eco", "natural", "organic", "sustainab", "green")
_YES = ("yes", "true")
_SPEND_ON = ("spend on", "amount spent on", "spent on")
_DEALS = ("deals purchases", "deal purchases", "discount purchases", "coupon", "promo")
_WEB = ("web purchases", "online purchases", "internet purchases")
_STORE = ("store purchases", "in store purchases", "in-store purchases")
_CATALOG = ("catalog purchases", "catalogue purchases", "mail purchases")
_VISITS = ("web visits", "website visits", "site visits", "sessions")
_VALUE_WORDS = (
    "monetary",
    "revenue",
    "spend",
    "sales",
    "predicted clv",
    "lifetime value",
    "total charges",
    "total value",
)
_RESPONSE = ("campaign_response",)
MIX_RULES: tuple[MixRule, ...] = (
    # product
    MixRule("product", "quality or premium benefits", "more",
            "Premium lines: the best-quality products first, not the cheapest.", (), _QUALITY),
    MixRule("product", "pays more for quality", "higher",
            "Premium lines: the best-quality products first, not the cheapest.", ("quality",)),
    MixRule("product", "natural or eco-minded", "more",
            "Natural, organic and sustainable ranges.", (), _ECO),
    MixRule("product", "cares about sustainability", "higher",
            "Natural, organic and sustainable ranges.", ("sustainab", "eco")),
    MixRule("product", "price or value benefits", "more",
            "Value packs, multi-buys and own-brand essentials.", (), _VALUE),
    MixRule("product", "health or care benefits", "more",
            "Health and care products, with expert advice alongside.", (), ("health", "vet")),
    MixRule("product", "convenience benefits", "more",
            "Subscriptions and auto-replenishment so they never run out.", (), ("convenien",)),
    MixRule("product", "a product, pet or interest over-represented", "more",
            "Lead with the {level} range.", ("pet", "product", "category", "interest")),
    MixRule("product", "big baskets", "higher",
            "Bundles and higher-end items: they already buy big baskets.",
            ("order value", "aov", "basket")),
    MixRule("product", "many returns", "higher",
            "Clearer product details and sizing to cut returns.", ("return",)),
    MixRule("product", "spends more on one range", "higher",
            "Lead with {what}: they spend far more on it than most.", _SPEND_ON),
    MixRule("product", "deal purchases", "higher",
            "Promotional packs and bundles: they buy on deals.", _DEALS),
    MixRule("product", "kids at home", "more",
            "Family packs and products for children.", ("kid", "children", "teen"), _YES),
    # price
    MixRule("price", "quality or premium benefits", "more",
            "Premium price tier; sell on quality, not on discounts.", (), _QUALITY),
    MixRule("price", "pays more for quality", "higher",
            "Premium price tier; sell on quality, not on discounts.", ("quality",)),
    MixRule("price", "price-sensitive", "higher",
            "Value bundles, multi-buy and loyalty discounts.", ("price sensitiv", "budget")),
    MixRule("price", "price or value benefits", "more",
            "Value bundles, multi-buy and loyalty discounts.", (), _VALUE),
    MixRule("price", "buys on deals", "higher",
            "Coupons, deals and multi-buy: they buy when there is an offer.", _DEALS),
    MixRule("price", "high spend", "higher",
            "Full price with VIP perks; do not train them to wait for discounts.",
            _VALUE_WORDS),
    MixRule("price", "high spend", "higher",
            "Full price with VIP perks; do not train them to wait for discounts.",
            meanings=("customer_value",)),
    MixRule("price", "high income", "higher",
            "Premium price tier; sell on quality, not on discounts.", ("income", "salary")),
    MixRule("price", "lower income", "lower",
            "Entry-price lines and value bundles.", ("income", "salary")),
    MixRule("price", "high churn risk", "higher",
            "A loyalty offer before they lapse.", ("churn risk",)),
    MixRule("price", "likely to churn", "more",
            "A loyalty offer before they lapse.", ("churn",), (*_YES, "high")),
    MixRule("price", "long since the last order", "higher",
            "A time-limited win-back offer.", ("recency",)),
    MixRule("price", "first-time or new buyers", "more",
            "An introductory offer on the second order.", (), ("first", "new")),
    MixRule("price", "short tenure", "lower",
            "An introductory offer on the second order.", ("tenure",)),
    MixRule("price", "frequent orders", "higher",
            "Subscription or volume pricing that rewards how often they buy.",
            ("frequency", "number of orders", "order count", "transactions")),
    # channel
    MixRule("channel", "opens or clicks more emails", "higher",
            "Email first: they open more of your emails than most.", ("open", "click")),
    MixRule("channel", "agreed to marketing", "more",
            "E-mail and SMS: more of them agreed to hear from you than most.", (), _YES,
            ("consent",)),
    MixRule("channel", "opted in to email", "more",
            "Email: more of them have opted in than most.", ("opt",), ("yes",)),
    MixRule("channel", "web purchases", "higher",
            "Online first: the web shop, e-mail and retargeting ads.", _WEB),
    MixRule("channel", "store purchases", "higher",
            "In store: displays, events and staff recommendations.", _STORE),
    MixRule("channel", "catalog purchases", "higher",
            "Direct mail and catalogs: they order from them more than most.", _CATALOG),
    MixRule("channel", "many web visits", "higher",
            "On-site offers and retargeting: they visit the website often.", _VISITS),
    MixRule("channel", "answers campaigns", "more",
            "Your campaigns: they answer them more often than most.", (), _YES, _RESPONSE),
    MixRule("channel", "opens fewer emails", "lower",
            "Not email: use paid social, direct mail or the shop floor.", ("open", "click")),
    MixRule("channel", "fewer agreed to marketing", "less",
            "Few agreed to marketing messages: use paid social, direct mail or the shop "
            "floor.", (), _YES, ("consent",)),
    MixRule("channel", "not opted in to email", "less",
            "Not email: use paid social, direct mail or the shop floor.", ("opt",), ("yes",)),
    MixRule("channel", "few web purchases", "lower",
            "Offline: the shop floor, direct mail and the phone.", _WEB),
    MixRule("channel", "a preferred channel over-represented", "more",
            "Reach them through {level}.", ("channel",)),
    MixRule("channel", "social-media interest", "more",
            "Social media and creator content.", (), ("social",)),
    MixRule("channel", "a place over-represented", "more",
            "Geo-target ads and offers to {level}.",
            ("country", "region", "state", "city", "density")),
    # message
    MixRule("message", "long since the last order", "higher",
            "Win back: 'we miss you', and what is new since their last order.", ("recency",)),
    MixRule("message", "lapsed buyers", "more",
            "Win back: 'we miss you', and what is new since their last order.", (), ("lapsed",)),
    MixRule("message", "switchers", "more",
            "Give them a reason to stay: price promise and loyalty points.", (),
            ("switch", "shifting")),
    MixRule("message", "hard-core loyal or top tier", "more",
            "Thank and reward: loyalty perks, early access, referral asks.", (),
            ("hard-core", "platinum", "gold")),
    MixRule("message", "frequent orders", "higher",
            "Thank and reward: loyalty perks, early access, referral asks.",
            ("frequency", "number of orders", "order count", "transactions")),
    MixRule("message", "buys on deals", "higher",
            "Smart savings: this week's deals and limited-time offers.", _DEALS),
    MixRule("message", "answers campaigns", "more",
            "More of what worked: offers like the campaign they answered.", (), _YES,
            _RESPONSE),
    MixRule("message", "high churn risk", "higher",
            "Give them a reason to stay: what they would miss, and a loyalty offer.",
            ("churn risk",)),
    MixRule("message", "likely to churn", "more",
            "Give them a reason to stay: what they would miss, and a loyalty offer.",
            ("churn",), (*_YES, "high")),
    MixRule("message", "spends more on one range", "higher",
            "Expertise in {what}: new arrivals, pairings and tips.", _SPEND_ON),
    MixRule("message", "high spend", "higher",
            "Thank and reward: loyalty perks, early access, referral asks.", _VALUE_WORDS),
    MixRule("message", "web purchases", "higher",
            "Convenience online: fast delivery and one-click reorder.", _WEB),
    MixRule("message", "store purchases", "higher",
            "Come and see: in-store events and what is new on the shelves.", _STORE),
    MixRule("message", "kids at home", "more",
            "Family life: products and offers for the whole household.",
            ("kid", "children", "teen"), _YES),
    MixRule("message", "first-time or new buyers", "more",
            "Welcome them: how-to guides and a nudge towards the second order.", (),
            ("first", "new")),
    MixRule("message", "short tenure", "lower",
            "Welcome them: how-to guides and a nudge towards the second order.", ("tenure",)),
    MixRule("message", "outdoor, active lifestyle", "more",
            "Show the products in outdoor, active moments.", (),
            ("outdoor", "active", "hiking", "sport", "fitness")),
    MixRule("message", "eco-minded", "more",
            "Tell the sustainability story: sourcing, packaging, impact.", (), _ECO),
    MixRule("message", "quality or premium benefits", "more",
            "Quality and care: why it is worth paying for.", (), _QUALITY),
    MixRule("message", "health or care benefits", "more",
            "Expert care advice from vets and specialists.", (), ("health", "vet")),
    MixRule("message", "price or value benefits", "more",
            "Smart savings: more for the money, for the whole household.", (), _VALUE),
    MixRule("message", "convenience or busy lives", "more",
            "Save them time: fast delivery, one-click reorder.", (), ("convenien", "busy")),
    MixRule("message", "social and trendy", "more",
            "Shareable, trend-led content.", (), ("social", "trend")),
    MixRule("message", "homebodies", "more",
            "Comfort at home: cosy, easy, reliable.", (), ("home",)),
)  # fmt: skip


def suggest_mix(traits: Sequence[Trait]) -> tuple[MixSuggestion, ...]:
    """Product, price, channel and message from :data:`MIX_RULES`, each with its trigger.

    For each element the rule triggered by the strongest trait wins (ties: table order). An
    element no rule fires for says so instead of guessing.
    """
    suggestions = []
    for element in MIX_ELEMENTS:
        best = None
        for trait in sorted(traits, key=lambda t: -abs(t.effect)):
            rule = next((r for r in MIX_RULES if r.element == element and r.matches(trait)), None)
            if rule is not None:
                best = (rule, trait)
                break
        if best is None:
            suggestions.append(
                MixSuggestion(
                    element, "No clear signal in the data: test your standard offer.", "", ""
                )
            )
            continue
        rule, trait = best
        text = rule.suggestion.replace("{level}", trait.level or "")
        text = text.replace("{what}", _spent_on(trait.words))
        if text[:1].islower():
            text = text[0].upper() + text[1:]
        suggestions.append(MixSuggestion(element, text, trait.label, rule.when))
    return tuple(suggestions)


def _spent_on(words: str) -> str:
    """ "spend on wines" → "wines"."""
    for prefix in _SPEND_ON:
        if words.lower().startswith(prefix + " "):
            return words[len(prefix) + 1 :]
    return words
