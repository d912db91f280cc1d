"""From files to one customer table, the way the Data page does it with its suggestions accepted.

Each input is read (:func:`read_input`: format, columns, platform layout, whether its rows are
orders and the mapping suggested for them), orders are aggregated with the suggested mapping
(:func:`input_customers`), and several inputs are joined on the customer key
(:func:`segmentation.data.join.join_customers`). :func:`build_customers` does all three for the
command line (``python -m segmentation customers``), which writes :func:`customer_file_table`
and the JSON of :func:`customers_report`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from segmentation.data.dataset import CustomerData, customers_from_orders, customers_from_table
from segmentation.data.join import MatchReport, join_customers, join_sides
from segmentation.data.layouts import Layout, infer_with_layout, suggest_orders
from segmentation.data.loading import MAX_FILE_MB, LoadedTable, load_table
from segmentation.data.orders import OrderColumns
from segmentation.data.schema import TypedTable
from segmentation.errors import DataLoadError

# the order measures as the customer file names them (the others keep their names)
FILE_NAMES = {"frequency": "order_count", "monetary": "net_spend"}
FILE_MEANINGS = {"order_count": "order_count", "net_spend": "customer_value"}


@dataclass(frozen=True)
class InputFile:
    """One input read and understood: its raw and typed table, the platform layout its headers
    match (or ``None``), and for an orders file the suggested column mapping (``None``: its rows
    are customers)."""

    table: LoadedTable
    typed: TypedTable
    layout: Layout | None
    suggested: OrderColumns | None

    @property
    def rows(self) -> str:
        """'orders' or 'customers': what one row of the file is."""
        return "customers" if self.suggested is None else "orders"


@dataclass(frozen=True)
class BuiltCustomers:
    """The customer table made from one or more files, the files as read and how they matched
    (one report per join)."""

    data: CustomerData
    inputs: tuple[InputFile, ...]
    matches: tuple[MatchReport, ...] = ()


def read_input(data: bytes, file_name: str, max_mb: float = MAX_FILE_MB) -> InputFile:
    """Read a file's bytes: its typed columns, layout and, for orders, the suggested mapping."""
    table = load_table(data, file_name, max_mb=max_mb)
    typed, layout = infer_with_layout(table.frame)
    return InputFile(table, typed, layout, suggest_orders(typed))


def input_customers(read: InputFile, columns: OrderColumns | None = None) -> CustomerData:
    """The customer table of one input: its rows, or its orders aggregated with ``columns``
    (default: the suggested mapping)."""
    columns = columns or read.suggested
    if columns is None:
        return customers_from_table(read.table, read.typed)
    return customers_from_orders(read.table, read.typed, columns)


def join_all(tables: Sequence[CustomerData]) -> tuple[CustomerData, tuple[MatchReport, ...]]:
    """The tables joined one after the other on their suggested keys (a profile table on the
    left, the orders on the right), with each join's match report."""
    joined, matches = tables[0], []
    for table in tables[1:]:
        result = join_customers(*join_sides(joined, table))
        joined = result.data
        matches.append(result.match)
    return joined, tuple(matches)


def build_customers(paths: Sequence[str | Path], max_mb: float = MAX_FILE_MB) -> BuiltCustomers:
    """One customer table from the files at ``paths``, suggestions accepted.

    Raises the package's :class:`~segmentation.errors.SegmentationError` family: a missing or
    unreadable file, orders that cannot be aggregated, files without a common key.
    """
    inputs = tuple(read_input(_file_bytes(path), Path(path).name, max_mb) for path in paths)
    data, matches = join_all([input_customers(read) for read in inputs])
    return BuiltCustomers(data, inputs, matches)


def _file_bytes(path: str | Path) -> bytes:
    path = Path(path)
    if not path.is_file():
        raise DataLoadError(f"There is no file at '{path}'. Check the path and the file name.")
    return path.read_bytes()


def customer_file_table(data: CustomerData) -> pd.DataFrame:
    """The customer table as the command line writes it: the customer key first, the order
    measures named ``order_count``, ``net_spend``, ``first_order``, ``last_order``."""
    key = data.id_column
    frame = data.customers[[key, *(c for c in data.customers.columns if c != key)]]
    return frame.rename(columns=_file_names(frame.columns))


def _file_names(columns: pd.Index) -> dict[str, str]:
    return {old: new for old, new in FILE_NAMES.items() if old in columns and new not in columns}


def customers_report(built: BuiltCustomers) -> dict[str, object]:
    """The JSON report of :func:`build_customers`: each file's layout, each output column's
    meaning, the currency, every exclusion with its count, the match report and the count."""
    data = built.data
    renamed = _file_names(data.customers.columns)
    meanings = {c.name: c.meaning for c in data.schema.columns}
    columns = {
        renamed.get(name, name): FILE_MEANINGS.get(renamed.get(name, ""), meanings[name])
        for name in customer_file_table(data).columns.map(lambda c: _old_name(c, renamed))
    }
    matches = [m.to_dict() for m in built.matches]
    return {
        "layouts": [_layout_entry(read) for read in built.inputs],
        "columns": columns,
        "currency": _currency(built),
        "exclusions": [{"reason": e.reason, "count": e.rows} for e in data.report.exclusions],
        "match": matches[0] if len(matches) == 1 else (matches or None),
        "customers": int(data.report.n_customers),
    }


def _old_name(name: str, renamed: dict[str, str]) -> str:
    return next((old for old, new in renamed.items() if new == name), name)


def _layout_entry(read: InputFile) -> dict[str, object]:
    layout = None if read.layout is None else {"key": read.layout.key, "name": read.layout.name}
    return {"file": read.table.file_name, "layout": layout, "rows": read.rows}


def _currency(built: BuiltCustomers) -> str | None:
    """The currency of the money columns (``None`` when the orders name none)."""
    summary = built.data.orders
    return None if summary is None else summary.currency
