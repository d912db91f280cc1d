"""RFM: recency, frequency and monetary scores 1–5 and the named segments marketers know.

Each measure is scored 1–5 by quintile (5 = best: fewest days since the last order, most orders,
most spend). The named segments come from an editable table of score ranges in which the first
matching row wins; customers no row matches are "Other".

The columns and scores are in :mod:`.rfm_scoring`, the named-segment table in :mod:`.rfm_table`;
this module puts them together with notes on ties, missing values and empty segments.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from segmentation.segmenting.rfm_scoring import (
    MEASURES,
    N_SCORES,
    RfmColumns,
    RfmError,
    rfm_scores,
    score_counts,
)
from segmentation.segmenting.rfm_table import (
    DEFAULT_RFM_TABLE,
    OTHER,
    RfmRule,
    and_list,
    assign_rfm_segments,
    rfm_table_from_records,
    rfm_table_to_records,
    shadowed_rules,
    validate_rfm_table,
)
from segmentation.segmenting.segments import UNASSIGNED, Segmentation, make_segmentation


@dataclass(frozen=True)
class RfmResult:
    """RFM segments with the scores behind them.

    Attributes
    ----------
    segmentation : the named segments (method "rfm"); settings hold the columns and the table.
    scores : integer R, F and M scores 1–5 per customer, indexed by customer id.
    score_counts : customers per score (rows 1–5) for each of R, F and M (columns).
    missing : customers without a value per letter; they get score 1 for that measure.
    notes : plain-English remarks on ties, missing values and empty segments.
    """

    segmentation: Segmentation
    scores: pd.DataFrame
    score_counts: pd.DataFrame
    missing: Mapping[str, int]
    notes: tuple[str, ...]


def rfm_segment(
    frame: pd.DataFrame,
    id_column: str,
    columns: RfmColumns,
    table: Sequence[RfmRule] = DEFAULT_RFM_TABLE,
    title: str = "RFM",
) -> RfmResult:
    """Score customers on recency, frequency and monetary value and name their segments.

    Parameters
    ----------
    frame : one row per customer.
    id_column : the column identifying customers; labels and scores are indexed by it.
    columns : which columns hold recency (days), frequency and monetary value.
    table : the named-segment rules in order; the first matching row wins, the rest are "Other".
    title : the user's name for this segmentation.

    Returns
    -------
    RfmResult
        The segmentation (segment id = row of the table, ``UNASSIGNED`` = "Other"), the R, F and
        M scores, customers per score, missing-value counts and notes. See :func:`rfm_scores`
        for how ties are scored.

    Examples
    --------
    >>> frame = pd.DataFrame({
    ...     "customer": list("abcdefghij"),
    ...     "days": [3, 5, 12, 30, 40, 60, 90, 150, 200, 365],
    ...     "orders": [12, 8, 6, 4, 3, 2, 2, 1, 1, 1],
    ...     "spend": [950.0, 610, 400, 210, 120, 95, 80, 40, 35, 20],
    ... })
    >>> result = rfm_segment(frame, "customer", RfmColumns("days", "orders", "spend"))
    >>> result.scores.loc[["a", "e", "j"]].to_dict("index")
    {'a': {'R': 5, 'F': 5, 'M': 5}, 'e': {'R': 3, 'F': 3, 'M': 3}, 'j': {'R': 1, 'F': 1, 'M': 1}}
    >>> result.segmentation.sizes().to_dict()  # doctest: +NORMALIZE_WHITESPACE
    {'Champions': 4, 'Loyal': 1, 'Potential Loyalist': 1, 'Need Attention': 1,
     'About to Sleep': 1, 'Hibernating': 2}
    >>> result.score_counts["F"].tolist()  # three customers ordered once: all get F = 1
    [3, 2, 1, 2, 2]
    >>> result.notes[0][:61]
    "'orders' has heavy ties: 30% of customers share the value 1, "
    """
    validate_rfm_table(table)
    ids = _customer_ids(frame, id_column)
    scores = rfm_scores(frame, columns).set_axis(ids)
    labels = assign_rfm_segments(scores, table)
    settings = {"columns": columns.to_dict(), "table": rfm_table_to_records(table)}
    names = {i: rule.name.strip() for i, rule in enumerate(table)}
    segmentation = make_segmentation(title, "rfm", labels, names, settings, unassigned_name=OTHER)
    missing = {
        letter: int(frame[getattr(columns, measure)].isna().sum())
        for letter, measure, _, _ in MEASURES
    }
    counts = score_counts(scores)
    notes = _score_notes(frame, columns, counts, missing) + _segment_notes(labels, table)
    return RfmResult(segmentation, scores, counts, missing, notes)


def rfm_segmentation(
    frame: pd.DataFrame,
    id_column: str,
    columns: RfmColumns,
    table: Sequence[RfmRule] = DEFAULT_RFM_TABLE,
    title: str = "RFM",
) -> Segmentation:
    """The named RFM segments alone (see :func:`rfm_segment` for the scores and notes)."""
    return rfm_segment(frame, id_column, columns, table, title).segmentation


def rfm_from_settings(settings: Mapping[str, Any]) -> tuple[RfmColumns, tuple[RfmRule, ...]]:
    """The columns and table stored in an RFM segmentation's settings (a shared link's form)."""
    if "columns" not in settings or "table" not in settings:
        raise RfmError(
            "These RFM settings have no 'columns' or 'table'; they do not come from an RFM "
            "segmentation. Choose the RFM columns and table again."
        )
    return RfmColumns.from_dict(settings["columns"]), rfm_table_from_records(settings["table"])


def _customer_ids(frame: pd.DataFrame, id_column: str) -> pd.Index:
    if id_column not in frame.columns:
        raise RfmError(
            f"The customer id column '{id_column}' is not in the data. Columns are: "
            f"{', '.join(map(str, frame.columns))}. Choose the column that identifies customers."
        )
    ids = frame[id_column]
    problems = int(ids.isna().sum()), int(ids.dropna().duplicated().sum())
    if any(problems):
        raise RfmError(
            f"The customer id column '{id_column}' has {problems[0]:,} empty and {problems[1]:,} "
            "repeated ids; RFM needs one row per customer with an id. Turn orders into customers "
            "on the Data page, or choose the column that identifies customers."
        )
    return pd.Index(ids, name=id_column)


def _score_notes(
    frame: pd.DataFrame, columns: RfmColumns, counts: pd.DataFrame, missing: Mapping[str, int]
) -> tuple[str, ...]:
    notes = []
    for letter, measure, _, _ in MEASURES:
        column = getattr(columns, measure)
        note = _tie_note(frame[column].dropna(), column, letter, counts[letter])
        if note:
            notes.append(note)
        if missing[letter]:
            notes.append(
                f"{missing[letter]:,} customer{'s have' if missing[letter] > 1 else ' has'} no "
                f"{measure} value ('{column}'), so {letter} = 1 for them."
            )
    return tuple(notes)


def _tie_note(values: pd.Series, column: str, letter: str, counts: pd.Series) -> str:
    used = [int(score) for score, count in counts.items() if count]
    if len(used) < N_SCORES:
        return (
            f"'{column}' has only {len(used)} different values, so {letter} uses only the "
            f"scores {and_list(used)} (the worst value gets 1, the best 5)."
        )
    shares = counts / counts.sum()
    if (shares - 1 / N_SCORES).abs().max() <= 0.05:
        return ""
    tied = values.value_counts()
    return (
        f"'{column}' has heavy ties: {tied.iloc[0] / len(values):.0%} of customers share the "
        f"value {float(tied.index[0]):g}, so the {letter} scores 1–5 hold "
        f"{and_list([f'{share:.0%}' for share in shares])} of customers instead of 20% each."
    )


def _segment_notes(labels: pd.Series, rules: Sequence[RfmRule]) -> tuple[str, ...]:
    notes = []
    shadowed = shadowed_rules(rules)
    if shadowed:
        notes.append(
            f"No customer can be in {_quoted(shadowed)}: earlier rows take every score combination "
            f"{'they cover' if len(shadowed) > 1 else 'it covers'} (the first matching row wins). "
            "Move a row up or change its ranges to use it."
        )
    present = set(labels.unique())
    empty = [r.name for i, r in enumerate(rules) if i not in present and r.name not in shadowed]
    if empty:
        notes.append(f"No customer is in {_quoted(empty)} with these data.")
    other = int((labels == UNASSIGNED).sum())
    if other:
        who = (
            f"{other:,} customers ({other / len(labels):.1%}) match"
            if other > 1
            else "1 customer matches"
        )
        notes.append(f"{who} no row of the table and {'are' if other > 1 else 'is'} in '{OTHER}'.")
    return tuple(notes)


def _quoted(names: Iterable[str]) -> str:
    return and_list([f"'{name}'" for name in names], "or")
