"""Integer codes for the lines of an orders file: which lines are exact copies of each other,
which order each line belongs to, and each customer's most frequent value of a column.

A million-line export makes per-row Python and repeated hashing of text the cost of loading,
so these work on factorize codes (integers) with numpy, each text column hashed once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def row_classes(frame: pd.DataFrame) -> np.ndarray:
    """A number per row, the same for rows equal in every column (the first such row's position).

    Columns are compared one at a time, numbers first, and only on the rows still equal to
    another row: exact copies are rare, so after a few columns almost no row is left to compare.

    >>> frame = pd.DataFrame({"order": ["1", "1", "1", "2"], "sku": ["a", "b", "a", "a"]})
    >>> row_classes(frame).tolist()
    [0, 1, 0, 3]
    """
    classes = np.arange(len(frame), dtype=np.int64)
    rows, group = classes, np.zeros(len(frame), dtype=np.int64)
    for position in _numbers_first(frame):
        if not len(rows):
            break
        column = frame.iloc[:, position]
        values = column if len(rows) == len(frame) else column.take(rows)
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        group = pd.factorize(group * (len(uniques) + 1) + codes + 1)[0]
        repeated = np.bincount(group)[group] > 1
        rows, group = rows[repeated], group[repeated]
    classes[rows] = rows[first_positions(group)[group]]
    return classes


def first_positions(codes: np.ndarray) -> np.ndarray:
    """Per code (0, 1, …), the position of its first occurrence in ``codes`` (-1: none; negative
    codes are left out)."""
    first = np.full(int(codes.max(initial=-1)) + 1, -1, dtype=np.int64)
    present = np.flatnonzero(codes >= 0)[::-1]
    first[codes[present]] = present  # written last to first: each code's first position stays
    return first


def _numbers_first(frame: pd.DataFrame) -> list[int]:
    """Column positions, those of numbers and dates first: they cost least to compare and tell
    the lines of an order apart (prices, quantities)."""
    dtypes = frame.dtypes.tolist()
    wordy = [pd.api.types.is_string_dtype(d) or pd.api.types.is_object_dtype(d) for d in dtypes]
    return sorted(range(len(dtypes)), key=lambda position: wordy[position])


def line_orders(customer: pd.Series, order: pd.Series) -> np.ndarray:
    """Each line's order number by customer and order key (0, 1, … in order of first
    appearance, as a group-by without sorting numbers them); -1 for a line missing either.

    >>> line_orders(pd.Series(["a", "a", "b", None]), pd.Series(["1", "2", "1", "1"])).tolist()
    [0, 1, 2, -1]
    """
    customers = pd.factorize(customer, use_na_sentinel=True)[0]
    orders, order_keys = pd.factorize(order, use_na_sentinel=True)
    known = (customers >= 0) & (orders >= 0)
    numbers = np.full(len(customer), -1, dtype=np.int64)
    pairs = customers[known].astype(np.int64) * (len(order_keys) + 1) + orders[known]
    numbers[known] = pd.factorize(pairs)[0]
    return numbers


def most_frequent(customer: pd.Series, columns: dict[str, pd.Series]) -> pd.DataFrame:
    """Each customer's most frequent present value of each column (ties: the first in sort
    order), indexed by customer in sorted order; missing where a customer has no value.

    Customers are numbered, so the columns are put side by side by number, without aligning
    text labels.

    >>> values = pd.Series(["x", "y", "z", "y", "x"])
    >>> most_frequent(pd.Series(["b", "a", "a", "b", "b"]), {"v": values}).to_dict()
    {'v': {'a': 'y', 'b': 'x'}}
    """
    customer_codes, customers = sorted_codes(customer)
    modes = {
        name: _modes(customer_codes, len(customers), values) for name, values in columns.items()
    }
    return pd.DataFrame(modes).set_axis(pd.Index(customers, name="customer"))


def sorted_codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """``pd.factorize(values, sort=True)``, sorting the distinct values only (pandas' own sorted
    factorize sorts text far more slowly).

    >>> codes, uniques = sorted_codes(pd.Series(["b", None, "a", "b"]))
    >>> codes.tolist(), uniques.tolist()
    ([1, -1, 0, 1], ['a', 'b'])
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    order = uniques.argsort()
    rank = np.empty(len(order) + 1, dtype=np.intp)
    rank[order] = np.arange(len(order))
    rank[-1] = -1  # a missing value's code -1 stays -1
    return rank[codes], uniques.take(order)


def _modes(customer_codes: np.ndarray, n_customers: int, values: pd.Series) -> pd.Series:
    """Each customer's most frequent value, indexed by customer number (0 … n_customers - 1)."""
    value_codes, uniques = sorted_codes(values)
    both = np.flatnonzero((customer_codes >= 0) & (value_codes >= 0))
    n_values = max(len(uniques), 1)
    pairs = customer_codes[both].astype(np.int64) * n_values + value_codes[both]
    keys, first, counts = np.unique(pairs, return_index=True, return_counts=True)
    owner, value = keys // n_values, keys % n_values
    ranked = np.lexsort((value, -counts, owner))
    if len(ranked):
        ranked = ranked[np.r_[True, owner[ranked][1:] != owner[ranked][:-1]]]
    chosen = values.iloc[both[first[ranked]]].set_axis(owner[ranked])
    return chosen.reindex(pd.RangeIndex(n_customers))
