"""Tables written for people to open: every CSV and Excel file the app or its command line
writes goes through :func:`safe_for_spreadsheets`, so no text cell can run as a formula.

A cell such as ``=HYPERLINK("http://evil", "click")`` or ``-2+3+cmd|' /C calc'!A0`` in a
customer name is data to this app but a formula to Excel, LibreOffice and Google Sheets once the
export is opened (CSV injection, OWASP). Text cells starting with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return get a leading apostrophe; numbers, dates, and text that is only a
number (``"-5"``, ``"+44"`` is not one) stay as they are.
"""

from __future__ import annotations

import io
import math
import re
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# RFC 4180's line end: Python's CSV writer then quotes a cell holding a bare carriage return,
# which with "\n" alone it writes as is, and a spreadsheet would split the row there
CRLF = "\r\n"
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def neutralise(value: object) -> object:
    """A text cell a spreadsheet cannot run as a formula (OWASP CSV injection advice).

    >>> neutralise("=HYPERLINK(\\"http://x\\")"), neutralise("@SUM(A1)"), neutralise(-5)
    ('\\'=HYPERLINK("http://x")', "'@SUM(A1)", -5)
    >>> neutralise("-5"), neutralise("-5+A1")
    ('-5', "'-5+A1")
    """
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_PREFIXES)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def safe_for_spreadsheets(table: pd.DataFrame) -> pd.DataFrame:
    """Every text cell (and column name) neutralised; numbers and dates stay as they are."""
    out = table.copy()
    for column in out.columns:
        if not (
            pd.api.types.is_numeric_dtype(out[column])
            or pd.api.types.is_datetime64_any_dtype(out[column])
        ):
            out[column] = out[column].astype("object").map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def write_csv(table: pd.DataFrame, target: str | Path | IO[str], *, header: bool = True) -> None:
    """Write ``table`` as CSV (no index) to a path or an open text file, formulas defused."""
    safe_for_spreadsheets(table).to_csv(target, index=False, header=header, lineterminator=CRLF)


def to_csv_bytes(table: pd.DataFrame) -> bytes:
    """The table as UTF-8 CSV (with a byte-order mark so Excel reads accents), formulas defused."""
    text = safe_for_spreadsheets(table).to_csv(index=False, lineterminator=CRLF)
    return text.encode("utf-8-sig")


def to_excel_bytes(table: pd.DataFrame, sheet_name: str = "Targets") -> bytes:
    """The table as an .xlsx workbook whose text cells are stored as text, never as formulas."""
    from openpyxl import Workbook

    safe = safe_for_spreadsheets(table)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_name)
    sheet.append(list(safe.columns))
    for row in safe.itertuples(index=False):
        sheet.append([_excel_cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _excel_cell(value: object) -> object:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        return value.item()
    return value
