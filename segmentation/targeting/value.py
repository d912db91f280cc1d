"""What a customer is worth: the column (or sum of columns) behind every money figure of Target.

The customer value feeds the value criteria of the scores (value per customer, total value), the
ROI what-if's value per conversion and so the budget split. The user says which column holds it
(:class:`ValueChoice`: follow the data, one column, a sum of columns, or none); by default it
follows the columns' meanings (:func:`default_value`), so a meaning changed on the Data page
changes it too:

1. the one column whose meaning is *customer value* (predictions left aside: the user opts in to
   those), or the total spend the Data page added up from several spend columns; several such
   columns without a total (a campaign file's ``MntWines``, ``MntFruits`` … when the total is
   not wanted) are a question for the user, never a silent guess;
2. else the spend the app worked out from orders (``monetary``, ``net_spend``), unless its
   meaning was set by hand to something else;
3. else the one column whose meaning is *order total*.

Otherwise the page asks. :func:`resolve_value` turns a choice into the :class:`CustomerValue`
used, with its label in plain words and the reason for it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from segmentation.data.derived import TOTAL_SPEND
from segmentation.data.schema import SET_BY_HAND, ColumnProfile, Schema
from segmentation.data.words import normalise_name
from segmentation.predicting.columns import PREDICTED_NOTE
from segmentation.targeting.config import ValueChoice

FEW_VALUES = 12
ORDER_MEASURES = ("monetary", "net spend")  # the spend the app derives from an orders file
# meanings a money column never has
NOT_MONEY = frozenset(
    {
        "customer_key",
        "order_key",
        "order_count",
        "quantity",
        "latitude",
        "longitude",
        "postcode",
        "phone",
        "internal_id",
        "campaign_response",
        "test_order",
        "consent",
        "country",
        "region",
        "city",
    }
)
WITHOUT_VALUE = (
    "Without a customer value, the value per customer and total value criteria are left out "
    "of the scores, and the ROI what-if and budget split need a value per conversion that you "
    "enter for each target; everything else works as usual."
)
_PREDICTED_CLV = re.compile(r"(?i)^predicted CLV over the next (\d+) days$")


@dataclass(frozen=True)
class CustomerValue:
    """The customer value the Target page uses, and why.

    Attributes
    ----------
    columns : the columns added up per customer (empty: no value).
    label : the value in plain words ("Total spend", "Predicted CLV (next 365 days)").
    reason : one sentence saying where it comes from.
    status : ``"meaning"`` (follows the Data page), ``"chosen"`` (the user's pick), ``"ask"``
        (no default: the user must say) or ``"none"`` (the user said there is none).
    predicted : whether it is a prediction of future value (a converted customer is then worth
        the value itself, not an order's worth).
    choice : the choice it was resolved from.
    candidates : columns the user may pick, most likely first.
    """

    columns: tuple[str, ...]
    label: str
    reason: str
    status: str
    predicted: bool = False
    choice: ValueChoice = field(default_factory=ValueChoice)
    candidates: tuple[str, ...] = ()

    @property
    def known(self) -> bool:
        """Whether there is a customer value."""
        return bool(self.columns)

    def per_customer(self, frame: pd.DataFrame) -> np.ndarray | None:
        """Each customer's value (the columns added up; missing when all are missing)."""
        if not self.columns:
            return None
        values = frame[list(self.columns)].apply(_numbers)
        return values.sum(axis=1, min_count=1).to_numpy(dtype="float64", na_value=np.nan)


def _numbers(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="coerce").astype("float64")


# --- which columns ----------------------------------------------------------------------------


def is_predicted(profile: ColumnProfile) -> bool:
    """Whether a column is a prediction the Predictions page joined to the table."""
    return profile.note == PREDICTED_NOTE


def is_derived_total(profile: ColumnProfile) -> bool:
    """Whether a column is the total spend the Data page derived from several spend columns."""
    return profile.name == TOTAL_SPEND and profile.meaning_reason.startswith("derived")


def value_candidates(schema: Schema) -> tuple[str, ...]:
    """Numeric columns that could hold customer value, most likely first: customer value,
    order totals and spend, predicted value, then the other numbers in the table's order (those
    with a handful of values, codes or counts, last)."""
    money = [
        c
        for c in schema.columns
        if c.kind == "numeric"
        and c.role != "id"
        and c.meaning not in NOT_MONEY
        and not (is_predicted(c) and c.meaning != "customer_value")
    ]

    def rank(c: ColumnProfile) -> int:
        if is_derived_total(c):
            return -1
        if is_predicted(c):
            return 3 if c.name == "predicted_clv" else 4
        if c.meaning == "customer_value":
            return 0
        if c.meaning in ("order_total", "line_amount") or normalise_name(c.name) in ORDER_MEASURES:
            return 1
        return 5 if c.n_unique > FEW_VALUES else 6  # a handful of values: a code or a count

    return tuple(c.name for c in sorted(money, key=rank))


def default_value(schema: Schema) -> CustomerValue:
    """The customer value that follows the columns' meanings, or a question when none or
    several columns could be it (see the module docstring for the order)."""
    candidates = value_candidates(schema)
    by_meaning = [
        c.name
        for c in schema.columns
        if c.meaning == "customer_value" and c.kind == "numeric" and not is_predicted(c)
    ]
    if len(by_meaning) == 1:
        return _from_meaning(schema, by_meaning[0], "has the meaning customer value", candidates)
    totals = [c for c in by_meaning if is_derived_total(schema.column(c))]
    if len(totals) == 1:  # the Data page added the spend columns up: their total is the value
        why = f"adds up the {len(by_meaning) - 1} spend columns"
        return _from_meaning(schema, totals[0], why, candidates)
    if len(by_meaning) > 1:
        return _ask(schema, by_meaning, candidates)
    measures = [
        c.name
        for c in schema.columns
        if normalise_name(c.name) in ORDER_MEASURES
        and c.kind == "numeric"
        and not (c.meaning != "customer_value" and c.meaning_reason == SET_BY_HAND)
    ]
    if measures:
        return _from_meaning(
            schema, measures[0], "is the spend worked out from the orders", candidates
        )
    totals = [c.name for c in schema.columns if c.meaning == "order_total" and c.kind == "numeric"]
    if len(totals) == 1:
        return _from_meaning(schema, totals[0], "has the meaning order total", candidates)
    return _ask(schema, totals, candidates)


def resolve_value(schema: Schema, choice: ValueChoice | None = None) -> CustomerValue:
    """The customer value for ``choice`` on this data (its default when ``choice`` follows the
    data or names columns the data does not have).

    Examples
    --------
    >>> from segmentation.data.schema import infer_schema
    >>> frame = pd.DataFrame({"id": ["a", "b"], "MntWines": [5, 7], "MntFruits": [1, 2]})
    >>> schema = infer_schema(frame).schema
    >>> resolve_value(schema).status
    'ask'
    >>> summed = resolve_value(schema, ValueChoice("sum", ("MntWines", "MntFruits")))
    >>> summed.label, summed.per_customer(frame).tolist()
    ('Spend on wines and fruits', [6.0, 9.0])
    """
    choice = choice or ValueChoice()
    default = default_value(schema)
    if choice.mode == "auto":
        return default
    if choice.mode == "none":
        return CustomerValue(
            (), "No customer value", WITHOUT_VALUE, "none", False, choice, default.candidates
        )
    usable = [c for c in choice.columns if c in default.candidates]
    lost = [c for c in choice.columns if c not in usable]
    if lost and not usable:
        return default
    if not usable:
        return CustomerValue(
            (),
            "Not chosen yet",
            "Pick the columns to add up.",
            "ask",
            choice=choice,
            candidates=default.candidates,
        )
    columns = tuple(usable)
    reason = "Your choice."
    if lost:
        reason += f" {_listed([repr(c) for c in lost])} {'is' if len(lost) == 1 else 'are'} "
        reason += "not in this data and left out."
    return CustomerValue(
        columns,
        value_label(schema, columns),
        reason,
        "chosen",
        any(is_predicted(schema.column(c)) for c in columns),
        choice,
        default.candidates,
    )


def value_label(schema: Schema, columns: Sequence[str]) -> str:
    """Plain words for a value made of ``columns``: 'Total spend', 'Spend on wines and fruits',
    'Predicted CLV (next 365 days)'."""
    labels = [column_title(schema.column(c)) for c in columns]
    if len(labels) == 1:
        return labels[0]
    prefix = _common_prefix(labels)
    if prefix:
        rest = [label[len(prefix) :] for label in labels]
        return prefix + _listed(rest)
    return "Sum of " + _listed([_lower_first(x) for x in labels])


def column_title(profile: ColumnProfile) -> str:
    """A column's label, capitalised; the predicted CLV as 'Predicted CLV (next N days)'."""
    label = profile.label
    found = _PREDICTED_CLV.match(label)
    if found:
        return f"Predicted CLV (next {found.group(1)} days)"
    return label[:1].upper() + label[1:]


def _from_meaning(
    schema: Schema, column: str, why: str, candidates: tuple[str, ...]
) -> CustomerValue:
    label = value_label(schema, [column])
    reason = f"{label} {why} (on the Data page), so it is the value per customer."
    return CustomerValue((column,), label, reason, "meaning", candidates=candidates)


def _ask(schema: Schema, columns: Sequence[str], candidates: tuple[str, ...]) -> CustomerValue:
    if columns:
        named = _listed([value_label(schema, [c]) for c in columns])
        reason = (
            f"Several columns could be the customer value ({named}): choose one, add them up, "
            "or say there is none."
        )
    else:
        reason = (
            "No column's meaning is customer value (lifetime spend, total charges, revenue): "
            "choose the column, or sum of columns, that says what a customer is worth, or say "
            "there is none."
        )
    ordered = tuple(dict.fromkeys([*columns, *candidates]))
    return CustomerValue((), "Not chosen yet", reason, "ask", candidates=ordered)


def _common_prefix(labels: Sequence[str]) -> str:
    """The words all labels start with, ending in a space ('Spend on '), or ''."""
    first = labels[0].split(" ")
    n = 0
    while n < len(first) - 1 and all(
        label.split(" ")[: n + 1] == first[: n + 1] and len(label.split(" ")) > n + 1
        for label in labels
    ):
        n += 1
    return " ".join(first[:n]) + " " if n else ""


def _listed(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _lower_first(label: str) -> str:
    words = label.split(" ", 1)
    if words[0].isupper() or words[0][1:2].isupper():  # CLV, ID: acronyms stay
        return label
    return label[:1].lower() + label[1:]
