"""What counts as a purchase: the status vocabulary, test orders, refunds, and the fields an
order gives once for all its lines.

The status vocabulary (:data:`STATUS_VOCABULARY`) is data: each lower-cased status word of the
platforms' exports (Shopify's financial status, WooCommerce's ``wc-completed``/"Completed",
Stripe's "Succeeded"/"Failed"/"Refunded" …) says whether an order with that status is a
purchase, a purchase (partly) refunded, or no purchase at all. Every excluded status is counted
in the report, per status and in orders.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from segmentation.data.order_columns import Exclusion

PURCHASE = "purchase"
REFUNDED = "refunded"
PARTLY_REFUNDED = "partially refunded"
NOT_PURCHASE = "not a purchase"
STATUS_VOCABULARY: dict[str, str] = {
    # paid (or paid and on its way): a purchase
    **dict.fromkeys(
        ("paid", "completed", "complete", "succeeded", "success", "successful", "fulfilled",
         "captured", "processing", "shipped", "delivered", "settled", "partially paid",
         "partially fulfilled", "unfulfilled", "partial", "closed", "approved"),
        PURCHASE,
    ),
    # paid, then refunded: a purchase with the refunded part subtracted
    "refunded": REFUNDED,
    "returned": REFUNDED,
    "partially refunded": PARTLY_REFUNDED,
    # never paid, or not for real: not a purchase
    **dict.fromkeys(
        ("pending", "failed", "payment failed", "voided", "void", "cancelled", "canceled",
         "authorized", "authorised", "authorization", "expired", "on hold", "draft",
         "checkout draft", "trash", "declined", "abandoned", "unpaid", "incomplete",
         "uncaptured", "requires payment method", "requires action", "requires capture",
         "blocked"),
        NOT_PURCHASE,
    ),
}  # fmt: skip
TEST_WORDS = frozenset({"true", "yes", "y", "t", "1", "test", "test mode", "testing"})
_SEPARATORS = re.compile(r"[_\-\s]+")


def status_word(value: str) -> str:
    """A status as the vocabulary spells it: lower case, no ``wc-`` prefix, single spaces.

    >>> status_word("wc-on-hold"), status_word(" Partially_Refunded "), status_word("Succeeded")
    ('on hold', 'partially refunded', 'succeeded')
    """
    return _SEPARATORS.sub(" ", value.strip().lower().removeprefix("wc-")).strip()


def status_words(values: pd.Series) -> pd.Series:
    """:func:`status_word` of every value (missing stays missing), worked out once per
    distinct value."""
    codes, uniques = pd.factorize(values.astype("string"), use_na_sentinel=True)
    words = np.array([status_word(str(v)) for v in uniques] + [None], dtype=object)
    return pd.Series(words[codes], index=values.index, dtype="string")


def flagged_as_test(values: pd.Series) -> pd.Series:
    """Whether each line is marked as a test (true, yes, 1, "test" …; blank is not a test)."""
    if pd.api.types.is_bool_dtype(values):
        return values.fillna(False).astype(bool)
    if pd.api.types.is_numeric_dtype(values):
        return values.fillna(0).astype("float64") != 0
    lowered = values.astype("string").str.strip().str.lower()
    return lowered.isin(TEST_WORDS).fillna(False).astype(bool)


def order_firsts(values: pd.Series, groups: np.ndarray, blanks_only: bool) -> pd.Series:
    """Each order's first non-blank value, on every line of the order (Shopify writes order
    fields on an order's first line only); with ``blanks_only``, only blank lines take it.

    ``groups`` are the lines' order codes (0, 1, … in any order).
    """
    blank = values.isna().to_numpy()
    if blanks_only and not blank.any():
        return values
    source = _first_filled(blank, groups)[groups]
    firsts = values.take(np.maximum(source, 0)).set_axis(values.index)
    firsts = firsts.mask(source < 0)
    return values.where(~blank, firsts) if blanks_only else firsts


def _first_filled(blank: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Per group, the position of its first non-blank line (-1: none), without a group-by:
    writing positions last to first leaves each group's first one."""
    first = np.full(int(groups.max(initial=-1)) + 1, -1, dtype=np.int64)
    filled = np.flatnonzero(~blank)[::-1]
    first[groups[filled]] = filled
    return first


def once_per_order(values: pd.Series, groups: np.ndarray) -> pd.Series:
    """An order-level amount counted once: the order's first non-blank value on its first line,
    0 on its other lines, missing on every line of an order that has no value at all."""
    firsts = order_firsts(values, groups, blanks_only=False)
    first_line = ~pd.Series(groups).duplicated().to_numpy()
    return firsts.where(first_line | firsts.isna().to_numpy(), 0.0)


def purchases_only(
    orders: pd.DataFrame, has_refund: bool
) -> tuple[pd.DataFrame, list[Exclusion], list[str]]:
    """Orders that are purchases, the excluded ones counted per reason (test orders, then each
    status), and notes; a refunded order without a refunded amount is refunded in full."""
    exclusions: list[Exclusion] = []
    if "test" in orders:
        test = orders["test"].to_numpy(dtype=bool)
        if test.any():
            exclusions.append(Exclusion("test orders", int(test.sum())))
            orders = orders.loc[~test]
    if "status" not in orders:
        return orders, exclusions, []
    kinds = orders["status"].map(STATUS_VOCABULARY)
    for word, n in _counts(orders["status"].loc[kinds.eq(NOT_PURCHASE).fillna(False)]):
        exclusions.append(Exclusion(f"orders with status '{word}'", n))
    notes = _unknown_status_notes(orders["status"].loc[kinds.isna() & orders["status"].notna()])
    orders = orders.loc[kinds.ne(NOT_PURCHASE).fillna(True).to_numpy(dtype=bool)]
    return _refund_in_full(orders, has_refund, notes), exclusions, notes


def _counts(words: pd.Series) -> list[tuple[str, int]]:
    counts = words.value_counts(sort=False)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [(str(word), int(n)) for word, n in ordered]


def _unknown_status_notes(words: pd.Series) -> list[str]:
    if words.empty:
        return []
    listed = ", ".join(f"'{word}' ({n:,} orders)" for word, n in _counts(words)[:5])
    return [
        f"Statuses the app does not know were counted as purchases: {listed}. If they are not "
        "purchases, choose another status column or none."
    ]


def _refund_in_full(orders: pd.DataFrame, has_refund: bool, notes: list[str]) -> pd.DataFrame:
    """Orders with status 'refunded' and no refunded amount: the whole amount went back."""
    full = orders["status"].map(STATUS_VOCABULARY).eq(REFUNDED).fillna(False)
    if has_refund:
        full &= orders["refund"].fillna(0) <= 0
    full &= orders["value"] > 0
    if not full.any():
        return orders
    where = "has no refunded amount" if has_refund else "has no refunded-amount column"
    notes.append(
        f"{int(full.sum()):,} orders have the status 'refunded' and {where}: their whole amount "
        "is taken as refunded."
    )
    value = orders["value"].where(~full, 0.0)
    returned = orders["returned"] + orders["value"].where(full, 0.0)
    return orders.assign(value=value, returned=returned)
