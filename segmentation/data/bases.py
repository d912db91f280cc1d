"""The segmentation base a column belongs to (demographic, geographic, behavioral,
psychographic), suggested from the words of its name and, for places, from its values."""

from __future__ import annotations

import re

import pandas as pd

from segmentation.data.distinct_values import first_values, values_array
from segmentation.data.words import normalise_name

_BASE_WORDS: dict[str, tuple[str, ...]] = {
    "demographic": (
        "age",
        "gender",
        "sex",
        "genre",
        "income",
        "salary",
        "occupation",
        "job",
        "profession",
        "education",
        "marital",
        "household",
        "children",
        "kids",
        "family",
        "lifecycle",
        "life stage",
        "birth",
        "born",
        "generation",
        "ethnicity",
        "religion",
    ),
    "geographic": (
        "region",
        "country",
        "state",
        "city",
        "town",
        "zip",
        "postcode",
        "postal",
        "density",
        "urban",
        "rural",
        "language",
        "timezone",
        "time zone",
        "county",
        "province",
        "territory",
        "location",
        "address",
        "area",
        "market",
        "latitude",
        "longitude",
        "lat",
        "lon",
        "continent",
        "district",
    ),
    "behavioral": (
        "loyalty",
        "tier",
        "status",
        "channel",
        "email",
        "open",
        "click",
        "benefit",
        "benefits",
        "pet",
        "recency",
        "frequency",
        "monetary",
        "order",
        "orders",
        "spend",
        "spending",
        "amount",
        "revenue",
        "sales",
        "purchase",
        "quantity",
        "qty",
        "price",
        "tenure",
        "visit",
        "session",
        "basket",
        "return",
        "usage",
        "plan",
        "subscription",
        "opt",
        "product",
        "category",
        "value",
        "aov",
        "days",
        "transactions",
        "invoice",
        "stock",
        "items",
        "cds",
        "dollar",
        "churn",
        "score",
        "points",
        "redemption",
        "coupon",
        "discount",
    ),
    "psychographic": (
        "lifestyle",
        "values",
        "attitude",
        "interest",
        "interests",
        "hobby",
        "hobbies",
        "personality",
        "opinion",
        "belief",
        "motivation",
        "cares",
        "sensitive",
        "prefers",
        "identity",
        "passion",
        "pays more",
        "is family",
        "environment",
        "sustainab",
        "social",
        "trend",
    ),
}
_GEO_VALUES = frozenset(
    {
        "urban",
        "suburban",
        "rural",
        "exurban",
        "north",
        "south",
        "east",
        "west",
        "midwest",
        "northeast",
        "united kingdom",
        "germany",
        "france",
    }
)


def suggest_base(
    name: str, present: pd.Series | pd.api.extensions.ExtensionArray | None = None
) -> str:
    """The segmentation base a column most likely belongs to, from its name and values."""
    words = f" {normalise_name(name)} "
    for base in ("psychographic", "demographic", "geographic", "behavioral"):
        if _BASE_PATTERNS[base].search(words):
            return base
    if present is not None and present.dtype == "string":
        lowered = {str(v).lower() for v in first_values(values_array(present), 200)}
        if lowered and len(lowered & _GEO_VALUES) >= max(1, len(lowered) // 2):
            return "geographic"
    return "other"


def _base_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern finding any of the words as a word of a name padded with spaces (a stem
    such as "sustainab" at the start of a word): a wide file's thousands of names cost one
    search each, not one test per word."""
    spelled = (f" {word}" if word.endswith("ab") else f" {word} " for word in words)
    return re.compile("|".join(re.escape(text) for text in spelled))


_BASE_PATTERNS = {base: _base_pattern(words) for base, words in _BASE_WORDS.items()}
