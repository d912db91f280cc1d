"""Tag columns split into yes/no features: "VIP, wholesale", "vip|new", '["vip", "new"]'.

A tag column holds several labels per customer. Its separator (comma, semicolon or pipe) is the
one found in most of its cells; a cell written as a JSON list (or a Python-style list with single
quotes) is read as that list. Tags are trimmed and compared case-insensitively, and shown as most
customers write them. The most common tags become yes/no columns; a customer with a blank cell
has none of the tags.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

SEPARATORS = (",", ";", "|")
MAX_TAG_FEATURES = 12  # more yes/no columns would outweigh the other traits in a segmentation
MIN_TAG_SHARE = 0.01  # a tag on fewer customers describes too few of them to group by
MIN_TAG_CUSTOMERS = 2
SEPARATOR_SAMPLE = 500  # distinct cells the separator is decided on
_ANY_SEPARATOR = re.compile(r"[,;|]")
_QUOTES = "\"'` "


@dataclass(frozen=True)
class TagFeature:
    """One tag that became a yes/no column: the tag as most customers write it, the new
    column's name and how many customers carry the tag."""

    tag: str
    column: str
    n_customers: int


@dataclass(frozen=True)
class TagSplit:
    """What became of one tag column: the separator read, the tags that became yes/no columns
    (``indicators``, one boolean column each, on the table's index), how many different tags
    there are and how many of them were left out."""

    source: str
    separator: str
    features: tuple[TagFeature, ...]
    n_tags: int
    n_left_out: int
    indicators: pd.DataFrame = field(compare=False, repr=False)


def column_separator(cells: Iterable[str]) -> str:
    """The separator a tag column uses: the one of , ; | found in most cells (',' when none).

    >>> column_separator(["vip|new", "vip", "a, b|c"])
    '|'
    """
    found = Counter(
        sep for cell in cells if not _is_list(cell) for sep in SEPARATORS if sep in cell
    )
    return max(SEPARATORS, key=lambda sep: (found[sep], sep == ",")) if found else ","


def written_tags(cell: object, separator: str | None = None) -> tuple[str, ...]:
    """The tags of one cell as written (trimmed, empty ones dropped), in order; ``separator``
    ``None`` splits on any of , ; |.

    >>> written_tags(' VIP ; new;; ')
    ('VIP', 'new')
    >>> written_tags('["VIP", "new"]'), written_tags("['vip', 'new']")
    (('VIP', 'new'), ('vip', 'new'))
    """
    if cell is None or cell is pd.NA or (isinstance(cell, float) and math.isnan(cell)):
        return ()
    text = str(cell).strip()
    if _is_list(text):
        items = _list_items(text)
    elif separator is None:
        items = _ANY_SEPARATOR.split(text)
    else:
        items = text.split(separator)
    return tuple(tag for tag in (item.strip().strip(_QUOTES).strip() for item in items) if tag)


def split_tags(cell: object, separator: str | None = None) -> tuple[str, ...]:
    """The tags of one cell, trimmed and lower-case, each once, in order of first appearance.

    >>> split_tags("VIP; new ;vip "), split_tags('["Wholesale","VIP"]'), split_tags(None)
    (('vip', 'new'), ('wholesale', 'vip'), ())
    """
    return tuple(dict.fromkeys(tag.casefold() for tag in written_tags(cell, separator)))


def split_tag_column(
    values: pd.Series,
    source: str,
    taken: Iterable[str] = (),
    max_features: int = MAX_TAG_FEATURES,
    min_share: float = MIN_TAG_SHARE,
) -> TagSplit:
    """The most common tags of a tag column as yes/no columns (at most ``max_features``, each on
    at least ``min_share`` of the rows and on two of them), named ``tag_<tag>`` and never one of
    the names in ``taken``.

    Examples
    --------
    >>> cells = pd.Series(["VIP, new", "vip", None, "new", "Wholesale"])
    >>> split = split_tag_column(cells, "Tags", min_share=0.3)
    >>> [(f.tag, f.column, f.n_customers) for f in split.features], split.n_left_out
    ([('new', 'tag_new', 2), ('VIP', 'tag_vip', 2)], 1)
    >>> split.indicators["tag_vip"].tolist()
    [True, True, False, False, False]
    """
    codes, cells = pd.factorize(values, use_na_sentinel=True)
    rows_per_cell = np.bincount(codes[codes >= 0], minlength=len(cells))
    texts = [str(cell) for cell in cells]
    separator = column_separator(texts[:SEPARATOR_SAMPLE])
    cell_tags, counts, spellings = [], Counter(), defaultdict(Counter)
    for text, n_rows in zip(texts, rows_per_cell.tolist(), strict=True):
        tags = {}
        for tag in written_tags(text, separator):
            tags.setdefault(tag.casefold(), tag)
        cell_tags.append(frozenset(tags))
        for key, tag in tags.items():
            counts[key] += n_rows
            spellings[key][tag] += n_rows
    needed = max(MIN_TAG_CUSTOMERS, math.ceil(min_share * len(values)))
    ranked = sorted(counts, key=lambda key: (-counts[key], key))
    kept = [key for key in ranked if counts[key] >= needed][:max_features]
    names = _column_names(kept, set(taken))
    indicators = pd.DataFrame(index=values.index)
    features = []
    for key in kept:
        in_cell = np.array([key in tags for tags in cell_tags] + [False])
        indicators[names[key]] = pd.array(in_cell[codes], dtype="boolean")  # -1 → False
        tag = spellings[key].most_common(1)[0][0]
        features.append(TagFeature(tag, names[key], counts[key]))
    return TagSplit(
        source, separator, tuple(features), len(counts), len(counts) - len(kept), indicators
    )


def _is_list(text: str) -> bool:
    return text.startswith("[") and text.endswith("]")


def _list_items(text: str) -> list[str]:
    try:
        items = json.loads(text)
    except ValueError:  # a Python-style list ['vip', 'new'] or a loose [vip, new]
        return text[1:-1].split(",")
    if not isinstance(items, list):
        return [text]
    return [str(item) for item in items if item is not None]


def _column_names(keys: list[str], taken: set[str]) -> dict[str, str]:
    """``tag_<tag>`` per tag in lower-case words joined by _, made unique."""
    names = {}
    for key in keys:
        stem = "tag_" + ("_".join(re.findall(r"[^\W_]+", key)) or "tag")
        name, n = stem, 1
        while name in taken:
            n += 1
            name = f"{stem}_{n}"
        taken.add(name)
        names[key] = name
    return names
