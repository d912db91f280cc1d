"""Columns' names in plain words, for every page and export that names a column."""

from __future__ import annotations

from functools import lru_cache

from segmentation.data.schema import normalise_name

COLUMN_WORDS = {  # the measures the app derives from orders, in plain words
    "recency days": "days since the last order",
    "frequency": "number of orders",
    "monetary": "total spend",
    "avg order value": "average order value",
    "tenure days": "days as a customer",
    "return rate": "return rate",
}


@lru_cache(maxsize=4096)
def name_words(name: str) -> str:
    """A column's name split into lower-case words: 'MntWines' → 'mnt wines'."""
    return normalise_name(name)


def column_words(name: str) -> str:
    """A column's name in plain words: 'recency_days' → 'days since the last order'.

    >>> column_words("recency_days"), column_words("pet_type")
    ('days since the last order', 'pet type')
    """
    return COLUMN_WORDS.get(name_words(name), name_words(name))
