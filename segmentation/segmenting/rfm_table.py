"""The RFM named-segment table: rows of R, F and M score ranges (Champions, Loyal, …).

The default table, its checks, its text form for editing and links, and the matching of scores
to rows: the first matching row wins; customers no row matches are "Other".
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from segmentation.segmenting.rfm_scoring import RfmError
from segmentation.segmenting.segments import UNASSIGNED

OTHER = "Other"
_RANGE = re.compile(r"^(\d+)\s*(?:-|–|—|−|to|\.\.)\s*(\d+)$")
_RANGE_HINT = "write it like 2-5 or 3"


@dataclass(frozen=True)
class RfmRule:
    """One row of the named-segment table: a name and the R, F and M score ranges (inclusive)."""

    name: str
    r: tuple[int, int]
    f: tuple[int, int]
    m: tuple[int, int]

    def ranges(self) -> dict[str, tuple[int, int]]:
        """The score ranges by letter: {"R": (low, high), "F": ..., "M": ...}."""
        return {"R": self.r, "F": self.f, "M": self.m}


DEFAULT_RFM_TABLE: tuple[RfmRule, ...] = (
    RfmRule("Champions", (4, 5), (4, 5), (4, 5)),
    RfmRule("Loyal", (2, 5), (3, 5), (3, 5)),
    RfmRule("Potential Loyalist", (3, 5), (1, 3), (1, 3)),
    RfmRule("New", (4, 5), (1, 1), (1, 1)),
    RfmRule("Promising", (3, 4), (1, 1), (1, 1)),
    RfmRule("Need Attention", (2, 3), (2, 3), (2, 3)),
    RfmRule("About to Sleep", (2, 3), (1, 2), (1, 2)),
    RfmRule("At Risk", (1, 2), (2, 5), (2, 5)),
    RfmRule("Can't Lose", (1, 1), (4, 5), (4, 5)),
    RfmRule("Hibernating", (1, 2), (1, 2), (1, 2)),
    RfmRule("Lost", (1, 2), (1, 2), (1, 2)),
)


def validate_rfm_table(rules: Sequence[RfmRule]) -> None:
    """Check a named-segment table; raise one :class:`RfmError` listing every problem."""
    if not rules:
        raise RfmError(
            "The RFM table has no rows; add at least one segment, for example Champions with "
            "R 4-5, F 4-5, M 4-5."
        )
    problems = _name_problems(rules)
    for rule in rules:
        problems.extend(_range_problems(rule))
    if problems:
        raise RfmError(" ".join(problems))


def _name_problems(rules: Sequence[RfmRule]) -> list[str]:
    problems: list[str] = []
    rows_by_name: dict[str, tuple[str, list[int]]] = {}
    for row, rule in enumerate(rules, start=1):
        name = rule.name.strip() if isinstance(rule.name, str) else ""
        if not name:
            problems.append(f"Row {row} of the RFM table has no segment name; type a name for it.")
            continue
        if name.casefold() == OTHER.casefold():
            problems.append(
                f"'{name}' (row {row}) is the name for customers no row matches; choose a "
                "different name."
            )
        rows_by_name.setdefault(name.casefold(), (name, []))[1].append(row)
    for name, rows in rows_by_name.values():
        if len(rows) > 1:
            problems.append(
                f"'{name}' is the name of rows {and_list(rows)} of the RFM table; segment names "
                "must be unique, so rename all but one."
            )
    return problems


def _range_problems(rule: RfmRule) -> list[str]:
    problems = []
    for letter, bounds in rule.ranges().items():
        if not _is_pair_of_ints(bounds):
            problems.append(
                f"{letter} range {bounds!r} for '{rule.name}' is not a range; {_RANGE_HINT}."
            )
            continue
        low, high = bounds
        shown = _range_text(bounds)
        if not (1 <= low <= 5 and 1 <= high <= 5):
            problems.append(
                f"{letter} range {shown} for '{rule.name}' goes outside 1-5; scores run from 1 "
                "(worst) to 5 (best), so write it like 4-5."
            )
        elif low > high:
            problems.append(
                f"{letter} range {shown} for '{rule.name}' runs backwards; write the low score "
                f"first: {high}-{low}."
            )
    return problems


def _is_pair_of_ints(bounds: object) -> bool:
    return (
        isinstance(bounds, tuple)
        and len(bounds) == 2
        and all(isinstance(b, int | np.integer) and not isinstance(b, bool) for b in bounds)
    )


def and_list(items: Sequence[object], conjunction: str = "and") -> str:
    """Items as words in a sentence: "a", "a and b", "a, b and c" (or another conjunction)."""
    words = [str(item) for item in items]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def rfm_table_to_records(rules: Sequence[RfmRule]) -> list[dict[str, str]]:
    """The table as rows of text for editing and for JSON: {"segment", "R", "F", "M"}."""
    return [
        {"segment": rule.name, **{k: _range_text(v) for k, v in rule.ranges().items()}}
        for rule in rules
    ]


def _range_text(bounds: tuple[int, int]) -> str:
    low, high = bounds
    return str(low) if low == high else f"{low}-{high}"


def rfm_table_from_records(records: Sequence[Mapping[str, Any]]) -> tuple[RfmRule, ...]:
    """Rules from edited rows such as {"segment": "Loyal", "R": "2–5", "F": "3-5", "M": "3"}."""
    rules = []
    for row, record in enumerate(records, start=1):
        absent = [key for key in ("segment", "R", "F", "M") if key not in record]
        if absent:
            raise RfmError(
                f"Row {row} of the RFM table has no {' or '.join(absent)} column; every row "
                "needs segment, R, F and M."
            )
        name = "" if record["segment"] is None else str(record["segment"]).strip()
        label = f"'{name}'" if name else f"row {row}"
        ranges = [_parse_range(record[letter], letter, label) for letter in ("R", "F", "M")]
        rules.append(RfmRule(name, *ranges))
    rules_tuple = tuple(rules)
    validate_rfm_table(rules_tuple)
    return rules_tuple


def _parse_range(text: object, letter: str, label: str) -> tuple[int, int]:
    """(low, high) from "2-5", "2–5", "2 to 5", "3" or a whole number."""
    if text is None or (pd.api.types.is_scalar(text) and pd.isna(text)) or not str(text).strip():
        raise RfmError(f"{letter} range for {label} is empty; {_RANGE_HINT} (1-5 means any score).")
    whole = isinstance(text, int | float | np.integer | np.floating) and not isinstance(text, bool)
    if whole and float(text).is_integer():
        return int(text), int(text)
    cleaned = str(text).strip()
    if cleaned.isdigit():
        return int(cleaned), int(cleaned)
    match = _RANGE.match(cleaned)
    if match is None:
        raise RfmError(f"{letter} range '{cleaned}' for {label} is not a range; {_RANGE_HINT}.")
    return int(match.group(1)), int(match.group(2))


def shadowed_rules(rules: Sequence[RfmRule]) -> dict[str, tuple[str, ...]]:
    """Rules no customer can reach because earlier rows take all their score combinations.

    Maps each such rule's name to the earlier rules that cover it (first match wins).
    """
    taken: dict[tuple[int, int, int], str] = {}
    shadowed = {}
    for rule in rules:
        cells = list(itertools.product(*(range(lo, hi + 1) for lo, hi in rule.ranges().values())))
        if cells and all(cell in taken for cell in cells):
            shadowed[rule.name] = tuple(dict.fromkeys(taken[cell] for cell in cells))
        for cell in cells:
            taken.setdefault(cell, rule.name)
    return shadowed


def assign_rfm_segments(scores: pd.DataFrame, rules: Sequence[RfmRule]) -> pd.Series:
    """Segment id per customer: the position of the first matching rule, else ``UNASSIGNED``."""
    values = scores[["R", "F", "M"]].to_numpy()
    labels = np.full(len(scores), UNASSIGNED, dtype=np.int64)
    for segment_id, rule in enumerate(rules):
        low, high = np.array([rule.r, rule.f, rule.m]).T
        match = (labels == UNASSIGNED) & ((values >= low) & (values <= high)).all(axis=1)
        labels[match] = segment_id
    return pd.Series(labels, index=scores.index, name="segment")
