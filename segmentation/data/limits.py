"""How large a file may grow once read, and the checks that refuse a hostile one early.

Every check runs before the expensive step it protects and holds only a bounded piece of the
file in memory while it counts: a gzip stream is inflated in 16 MB pieces and counted, a
workbook's archive directory is checked and then its members are inflated again without
trusting the directory, a Parquet footer's row count and sizes are checked before any column is
read, and a text file's first line and line lengths are measured on its bytes before a table is
built. The limits scale with the upload limit (``max_mb``), so the command line, which reads
files from disk with a larger limit, gets proportionally larger ones.
"""

from __future__ import annotations

import csv
import gzip
import io
import struct
import zipfile
import zlib
from collections.abc import Iterator

from segmentation.errors import DataLoadError

MB = 1024**2
# decompressed text may be twice the upload limit: the parsed table needs several times that
TEXT_EXPANSION = 2
# a workbook's XML is about 4.4 times the same table as CSV (UCI Online Retail: 212 MB for 48)
WORKBOOK_EXPANSION = 5
# real workbook parts compress 2 to 10 times; a bomb's part, a thousand times
MAX_ZIP_RATIO = 100
MIN_RATIO_CHECKED_MB = 10  # small parts (styles, shared strings of a few cells) can be extreme
CELLS_PER_MB = 250_000  # Parquet: 50 million cells at the 200 MB upload limit
MAX_COLUMNS = 10_000
MAX_LINE_MB = 10
NUL_SHARE = 0.01  # more NUL bytes than this and the file is binary, not text with stray NULs
_PIECE = 16 * MB  # inflated at a time
_KEPT_WHILE_COUNTING = 64 * MB  # a stream larger than this is counted first, then inflated
_NUL_CELLS_COUNTED = 10_000  # NUL bytes beyond this are removed without finding their cells


def _mb(size: float) -> str:
    return f"{size / MB:,.{1 if size < 10 * MB else 0}f} MB"


# --- gzip --------------------------------------------------------------------------------------


def gunzip(data: bytes, file_name: str, max_mb: float) -> bytes:
    """The inflated bytes of a gzip file; refuses one that expands past its limit.

    A stream that stays under 64 MB is kept as it is inflated. A larger one is only counted
    (16 MB at a time) until it ends or passes the limit, and inflated again to be kept once it
    is known to fit, so a bomb is refused holding at most 80 MB.
    """
    limit = int(TEXT_EXPANSION * max_mb * MB)
    pieces, size = [], 0
    for piece in _gzip_pieces(data):
        size += len(piece)
        if size > limit:
            raise DataLoadError(
                f"'{file_name}' expands to more than {_mb(limit)} once decompressed, over the "
                f"limit of {_mb(limit)} ({TEXT_EXPANSION} times the {max_mb:g} MB upload "
                "limit), so it was not read. If it is a real export, export fewer rows or "
                "columns (for example one year of orders) and upload that."
            )
        if size <= _KEPT_WHILE_COUNTING:
            pieces.append(piece)
        elif pieces:
            pieces.clear()  # too large to keep while counting: inflated again below
    if size > _KEPT_WHILE_COUNTING:
        pieces = list(_gzip_pieces(data))
    return b"".join(pieces)


def _gzip_pieces(data: bytes) -> Iterator[bytes]:
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
        while piece := stream.read(_PIECE):
            yield piece


# --- workbooks (.xlsx, .xlsm, .xlsb, .ods are zip archives) -----------------------------------


def check_workbook(data: bytes, file_name: str, max_mb: float) -> None:
    """Refuse a workbook whose archive expands past its limit, declared or actual.

    The sizes the archive's directory declares are checked first (total and compression ratio);
    then every part is inflated and counted without trusting them, since a directory can lie.
    """
    if not data.startswith(b"PK"):
        return  # an old .xls is not an archive
    limit = int(WORKBOOK_EXPANSION * max_mb * MB)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
            _check_declared(parts, file_name, limit, max_mb)
            for part in parts:
                _check_inflated(data, archive, part, file_name)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, struct.error) as err:
        raise DataLoadError(
            f"'{file_name}' could not be opened as an Excel workbook (its archive is damaged: "
            f"{err}). Open it in Excel, save it again as .xlsx (or CSV) and upload that copy."
        ) from err


def _check_inflated(
    data: bytes, archive: zipfile.ZipFile, part: zipfile.ZipInfo, file_name: str
) -> None:
    size = _inflated_size(data, archive, part, part.file_size)
    if size > part.file_size:
        raise DataLoadError(
            f"'{file_name}' is a damaged or deliberately misleading workbook: its archive says "
            f"'{part.filename}' holds {part.file_size:,} bytes, but it unzips to {size:,} bytes "
            "or more, so it was not read. Open it in Excel and save it again, or export the "
            "data as CSV."
        )


def _check_declared(
    parts: list[zipfile.ZipInfo], file_name: str, limit: int, max_mb: float
) -> None:
    declared = sum(part.file_size for part in parts)
    if declared > limit:
        raise _workbook_too_large(file_name, declared, limit, max_mb)
    for part in parts:
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > MIN_RATIO_CHECKED_MB * MB and ratio > MAX_ZIP_RATIO:
            raise DataLoadError(
                f"'{file_name}' holds a part ('{part.filename}') compressed {ratio:,.0f} to 1 "
                f"({_mb(part.compress_size)} expanding to {_mb(part.file_size)}); real "
                f"workbooks compress at most about 10 to 1, and this app refuses more than "
                f"{MAX_ZIP_RATIO} to 1. Open the file in Excel and save it as CSV, or export "
                "it again."
            )


def _workbook_too_large(file_name: str, size: int, limit: int, max_mb: float) -> DataLoadError:
    return DataLoadError(
        f"'{file_name}' expands to {_mb(size)} or more once unzipped, over the limit of "
        f"{_mb(limit)} for a workbook ({WORKBOOK_EXPANSION} times the {max_mb:g} MB upload "
        "limit), so it was not read. Export fewer rows or columns, or save the sheet as CSV "
        "(.csv.gz) and upload that."
    )


def _inflated_size(data: bytes, archive: zipfile.ZipFile, part: zipfile.ZipInfo, limit: int) -> int:
    """The bytes ``part`` really inflates to, counted up to just past ``limit``."""
    if part.compress_type != zipfile.ZIP_DEFLATED:
        with archive.open(part) as stream:  # stored parts are their size; others are rare
            return sum(len(piece) for piece in iter(lambda: stream.read(_PIECE), b""))
    offset = part.header_offset
    name_length, extra_length = struct.unpack("<HH", data[offset + 26 : offset + 30])
    raw = memoryview(data)[offset + 30 + name_length + extra_length :]
    inflater, size, position = zlib.decompressobj(-zlib.MAX_WBITS), 0, 0
    while not inflater.eof and size <= limit:
        if inflater.unconsumed_tail:
            piece = inflater.decompress(inflater.unconsumed_tail, _PIECE)
        elif position < len(raw):
            piece = inflater.decompress(raw[position : position + MB], _PIECE)
            position += MB
        else:
            raise zipfile.BadZipFile(f"'{part.filename}' ends before its data does")
        size += len(piece)
    return size


# --- Parquet -----------------------------------------------------------------------------------


def check_parquet(data: bytes, file_name: str, max_mb: float) -> None:
    """Refuse a Parquet file whose footer declares more columns, cells or bytes than fit.

    Raises ``OSError``/``ValueError`` from pyarrow for a footer that cannot be read; the caller
    reports those as a damaged file.
    """
    import pyarrow.parquet as pq

    metadata = pq.ParquetFile(io.BytesIO(data)).metadata
    rows, columns = metadata.num_rows, metadata.num_columns
    check_column_count(columns, file_name, "columns")
    max_cells = int(CELLS_PER_MB * max_mb)
    declared = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
    limit = int(TEXT_EXPANSION * max_mb * MB)
    if rows * columns > max_cells or declared > limit:
        raise DataLoadError(
            f"'{file_name}' declares {rows:,} rows × {columns:,} columns ({rows * columns:,} "
            f"cells, {_mb(declared)} uncompressed); this app reads at most {max_cells:,} cells "
            f"and {_mb(limit)} at the {max_mb:g} MB upload limit, so it was not read. Export "
            "fewer rows (for example one year of orders) or only the columns you segment on."
        )


# --- text ----------------------------------------------------------------------------------------


def check_column_count(count: int, file_name: str, where: str = "columns") -> None:
    """Refuse a table with more than :data:`MAX_COLUMNS` columns."""
    if count > MAX_COLUMNS:
        raise DataLoadError(
            f"'{file_name}' has {count:,} {where}; this app reads at most {MAX_COLUMNS:,}. "
            "Export only the columns you need for segmenting (the customer id and traits such "
            "as spend, orders or region), or transpose the file if its customers are columns."
        )


def check_header_width(text: bytes, file_name: str) -> None:
    """Refuse a text file whose first line has more than :data:`MAX_COLUMNS` fields, counting
    its separators before any table is built."""
    end = text.find(b"\n")
    end = len(text) if end < 0 else end
    carriage_return = text.find(b"\r", 0, end)  # old Mac files end lines with it alone
    header = text[: end if carriage_return < 0 else carriage_return]
    delimiter, count = max(((d, header.count(d)) for d in b",;\t|"), key=lambda pair: pair[1])
    if count < MAX_COLUMNS:
        return
    line = header.decode("utf-8", errors="replace")
    fields = len(next(csv.reader([line], delimiter=chr(delimiter))))  # quotes may hide some
    separated = {ord(","): "commas", ord(";"): "semicolons", ord("\t"): "tabs", ord("|"): "pipes"}
    check_column_count(
        fields, file_name, f"columns in its header row (separated by {separated[delimiter]})"
    )


def check_line_lengths(text: bytes, file_name: str) -> None:
    """Refuse a text file with a line longer than :data:`MAX_LINE_MB`.

    Jumps from the start of a line to just after the last line break within the next 10 MB,
    so it looks at the file about once per 10 MB rather than once per line.
    """
    window, start = MAX_LINE_MB * MB, 0
    while len(text) - start > window:
        end = start + window + 1
        last_break = max(text.rfind(b"\n", start, end), text.rfind(b"\r", start, end))
        if last_break < 0:
            line = text.count(b"\n", 0, start) + 1
            raise DataLoadError(
                f"'{file_name}' has a line of more than {MAX_LINE_MB} MB (line {line:,}); a "
                "row of a customer or orders table is a few kilobytes at most. The file may not "
                "be a table, or a quote may be left open: check it in a text editor or export "
                "it again as CSV."
            )
        start = last_break + 1


def remove_nul_bytes(text: bytes, delimiter: str, file_name: str) -> tuple[bytes, str | None]:
    """The text without NUL bytes, and a note saying how many cells held them (``None``: none).

    Refuses a file where NUL bytes are more than 1 % of the bytes: that is binary data.
    """
    total = text.count(b"\x00")
    if total == 0:
        return text, None
    if total > NUL_SHARE * len(text):
        raise DataLoadError(
            f"'{file_name}' holds {total:,} NUL bytes ({total / len(text):.0%} of the file): it "
            "is binary data, or text saved as UTF-16 without its byte-order mark. Open it in "
            "a spreadsheet or text editor and save it as CSV (UTF-8)."
        )
    if total > _NUL_CELLS_COUNTED:
        note = f"The file held {total:,} NUL bytes (invisible control characters); removed them."
        return text.replace(b"\x00", b""), note
    cells = _nul_cells(text, delimiter)
    note = (
        f"{cells:,} cell{'s' * (cells != 1)} held NUL bytes (invisible control characters); "
        "removed them and kept the rest of each cell."
    )
    return text.replace(b"\x00", b""), note


def _nul_cells(text: bytes, delimiter: str) -> int:
    """How many cells hold NUL bytes: a cell is its line and the separators before it."""
    separator = delimiter.encode() if len(delimiter) == 1 else b" "
    cells, position = set(), text.find(b"\x00")
    while position >= 0:
        line_start = text.rfind(b"\n", 0, position) + 1
        cells.add((line_start, text.count(separator, line_start, position)))
        position = text.find(b"\x00", position + 1)
    return len(cells)
