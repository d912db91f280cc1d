"""Reading a customer or orders file (CSV-like text, Excel, Parquet, gzip) into a raw table.

Text files are read with every column as text, so identifiers keep their leading zeros and the
type of each column is decided later, from its values, by :mod:`segmentation.data.schema`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zlib
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from segmentation.data import limits
from segmentation.errors import DataLoadError

MAX_FILE_MB = 200
MIN_ROWS = 10
TEXT_EXTENSIONS = (".csv", ".tsv", ".txt", ".tab", ".dat")
EXCEL_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
PARQUET_EXTENSIONS = (".parquet", ".pq")
SUPPORTED_EXTENSIONS = TEXT_EXTENSIONS + EXCEL_EXTENSIONS + PARQUET_EXTENSIONS
SUPPORTED_HELP = "CSV, TSV or TXT text (optionally .gz), Excel (.xlsx, .xls) or Parquet"
WHITESPACE = r"\s+"
_DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {
    ",": "commas",
    ";": "semicolons",
    "\t": "tabs",
    "|": "pipes",
    WHITESPACE: "spaces",
}
# Arrow reads text in blocks and keeps one chunk of every column per block: its default 1 MB
# block turns a 57 MB export into 57 chunks per column (171,000 for 3,000 columns), and joining
# them later costs seconds; a few large blocks still let both cores parse
_BLOCK_BYTES = (4 * 1024**2, 64 * 1024**2)
_MAGIC = {b"PK\x03\x04": "excel", b"\xd0\xcf\x11\xe0": "excel", b"PAR1": "parquet"}
_ONLY_GZIP = "(only gzip is read here: decompress it, or compress it as .gz)"
_BINARY_SIGNATURES = {
    b"\x89PNG": "a PNG image",
    b"%PDF": "a PDF document",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"7z\xbc\xaf": "a 7-Zip archive",
    b"Rar!": "a RAR archive",
    b"SQLite format": "an SQLite database",
    # never decompressed (no bomb can go off): only gzip is read
    b"BZh": f"bzip2-compressed data {_ONLY_GZIP}",
    b"\xfd7zXZ\x00": f"xz-compressed data {_ONLY_GZIP}",
}


@dataclass(frozen=True)
class LoadedTable:
    """A file read into a raw table, with how it was read.

    Attributes
    ----------
    frame : every row of the file; text formats hold text in every column.
    file_name : the name the user gave the file.
    file_format : ``"text"``, ``"excel"`` or ``"parquet"``.
    encoding, delimiter : how a text file was decoded and split (``None`` otherwise).
    content_sha256 : hash of the uploaded bytes, the key for every cache of this data.
    notes : plain-English remarks on how the file was read, for the data quality report.
    """

    frame: pd.DataFrame
    file_name: str
    file_format: str
    encoding: str | None
    delimiter: str | None
    content_sha256: str
    notes: tuple[str, ...] = ()

    @property
    def delimiter_name(self) -> str | None:
        """The delimiter in words ("comma", "tab", ...)."""
        return _DELIMITER_NAMES.get(self.delimiter, self.delimiter) if self.delimiter else None


def load_table(data: bytes, file_name: str, max_mb: float = MAX_FILE_MB) -> LoadedTable:
    """Read an uploaded file into a raw table, detecting format, encoding and delimiter.

    Parameters
    ----------
    data : the file's bytes, as uploaded (nothing is written to disk).
    file_name : the file's name; its extension is checked, but the content decides the format.
    max_mb : the largest file accepted, in megabytes.

    Raises
    ------
    DataLoadError
        With a message saying what is wrong and what to do, for an empty, oversized, binary,
        header-only, single-column or one-row file, duplicate column names, or a wrong extension.

    Examples
    --------
    >>> table = load_table(b"id;age\\n" + b"".join(b"%d;%d\\n" % (i, 20 + i) for i in range(12)),
    ...                    "people.csv")
    >>> table.delimiter_name, table.frame.shape
    ('semicolons', (12, 2))
    """
    _check_size(data, file_name, max_mb)
    notes: list[str] = []
    stem, data = _decompress(data, file_name, max_mb, notes)
    file_format = _detect_format(data, stem, notes)
    if file_format == "excel":
        limits.check_workbook(data, file_name, max_mb)
        frame, encoding, delimiter = _read_excel(data, file_name, notes), None, None
    elif file_format == "parquet":
        frame, encoding, delimiter = _read_parquet(data, file_name, max_mb), None, None
    else:
        frame, encoding, delimiter = _read_text(data, file_name, notes)
    frame = _tidy_frame(frame, file_name, notes)
    digest = hashlib.sha256(data).hexdigest()
    return LoadedTable(frame, file_name, file_format, encoding, delimiter, digest, tuple(notes))


def _check_size(data: bytes, file_name: str, max_mb: float) -> None:
    if len(data) == 0:
        raise DataLoadError(
            f"'{file_name}' is empty (0 bytes). Export the data again from your CRM or shop "
            "and upload the new file."
        )
    size_mb = len(data) / 1024**2
    if size_mb > max_mb:
        raise DataLoadError(
            f"'{file_name}' is {size_mb:,.1f} MB, larger than the {max_mb:g} MB upload limit. "
            "Upload a compressed copy (.csv.gz or Parquet), or export fewer columns or rows."
        )


def _decompress(data: bytes, file_name: str, max_mb: float, notes: list[str]) -> tuple[str, bytes]:
    stem = file_name.lower()
    if data[:2] != b"\x1f\x8b":
        if stem.endswith(".gz"):
            raise DataLoadError(
                f"'{file_name}' is named .gz but is not gzip-compressed. Rename it without the "
                ".gz ending, or compress it again with gzip."
            )
        return stem, data
    try:
        inflated = limits.gunzip(data, file_name, max_mb)
    except (OSError, EOFError, zlib.error) as err:
        raise DataLoadError(
            f"'{file_name}' looks gzip-compressed but cannot be decompressed ({err}). "
            "The file may be truncated: download or export it again."
        ) from err
    notes.append(
        f"Decompressed gzip: {len(data) / 1024**2:,.1f} MB → {len(inflated) / 1024**2:,.1f} MB."
    )
    return stem.removesuffix(".gz"), inflated


def _detect_format(data: bytes, stem: str, notes: list[str]) -> str:
    extension = "." + stem.rsplit(".", 1)[-1] if "." in stem else ""
    by_content = next((kind for magic, kind in _MAGIC.items() if data.startswith(magic)), None)
    if by_content is None:
        _reject_binary(data, stem, extension)
        by_content = "text"
    if extension not in SUPPORTED_EXTENSIONS:
        shown = extension or "no extension"
        raise DataLoadError(
            f"'{stem}' has {shown!s}, which this app does not read. Upload {SUPPORTED_HELP}; "
            "if this is a table, save it in one of those formats first."
        )
    by_name = _format_of_extension(extension)
    if by_name != by_content:
        notes.append(
            f"The file is named {extension} but holds {by_content} data; read it as {by_content}."
        )
    return by_content


def _format_of_extension(extension: str) -> str:
    if extension in EXCEL_EXTENSIONS:
        return "excel"
    return "parquet" if extension in PARQUET_EXTENSIONS else "text"


def _reject_binary(data: bytes, stem: str, extension: str) -> None:
    head = data[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return  # UTF-16 text: decoded later
    what = next(
        (name for magic, name in _BINARY_SIGNATURES.items() if head.startswith(magic)), None
    )
    # a few NUL bytes in text (a CRM's stray padding) are removed later, with a note
    control = sum(0 < byte < 9 or 13 < byte < 32 for byte in head)
    nul = head.count(0)
    if what is None and control <= len(head) * 0.01 and nul <= len(head) * limits.NUL_SHARE:
        return
    found = what or "binary data, not text"
    raise DataLoadError(
        f"'{stem}' holds {found}, so it cannot be read as a table. Upload {SUPPORTED_HELP}: "
        "in Excel or your CRM choose “Save as / Export → CSV”."
    )


def _read_excel(data: bytes, file_name: str, notes: list[str]) -> pd.DataFrame:
    try:
        sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, header=None, engine="calamine")
    except Exception as err:  # calamine raises its own error types for broken workbooks
        raise DataLoadError(
            f"'{file_name}' could not be opened as an Excel workbook ({err}). Open it in Excel, "
            "save it again as .xlsx (or CSV) and upload that copy."
        ) from err
    for sheet in sheets.values():
        limits.check_column_count(sheet.shape[1], file_name, "columns in a sheet")
    filled = {name: sheet for name, sheet in sheets.items() if not sheet.dropna(how="all").empty}
    if not filled:
        raise DataLoadError(f"Every sheet of '{file_name}' is empty. Upload a workbook with data.")
    name, sheet = next(iter(filled.items()))
    if len(sheets) > 1:
        notes.append(f"Read sheet '{name}', the first with data of {len(sheets)} sheets.")
    sheet = sheet.dropna(how="all").dropna(axis=1, how="all")
    header = [_cell_text(value) for value in sheet.iloc[0]]
    frame = sheet.iloc[1:].reset_index(drop=True)
    frame.columns = _check_header(header, file_name)
    return frame.infer_objects()


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_parquet(data: bytes, file_name: str, max_mb: float) -> pd.DataFrame:
    try:
        limits.check_parquet(data, file_name, max_mb)  # the footer, before any column is read
        frame = pd.read_parquet(io.BytesIO(data))
    except DataLoadError:
        raise
    except Exception as err:  # pyarrow raises several unrelated types for corrupt files
        raise DataLoadError(
            f"'{file_name}' could not be read as Parquet ({err}). Export it again, or upload a CSV."
        ) from err
    frame.columns = _check_header([str(c) for c in frame.columns], file_name)
    return frame.reset_index(drop=True)


def _read_text(data: bytes, file_name: str, notes: list[str]) -> tuple[pd.DataFrame, str, str]:
    text_bytes, encoding = _decode(data, notes)
    limits.check_header_width(text_bytes, file_name)
    limits.check_line_lengths(text_bytes, file_name)
    lines = _sample_lines(text_bytes)
    if not lines:
        raise DataLoadError(f"'{file_name}' holds only blank lines. Upload a file with data.")
    delimiter = _sniff_delimiter(lines)
    text_bytes, nul_note = limits.remove_nul_bytes(text_bytes, delimiter, file_name)
    if nul_note:
        notes.append(nul_note)
    header = _parse_header(lines[0], delimiter)
    if len(header) < 2:
        raise DataLoadError(
            f"'{file_name}' has a single column ('{header[0][:40]}'): no comma, semicolon, tab or "
            "space separates the values. Segmenting needs a customer id and at least one trait; "
            "export the file as CSV with one column per field."
        )
    _check_header(header, file_name)
    frame = _parse_text(text_bytes, delimiter, file_name, notes)
    notes.append(f"Read as {encoding} text separated by {_DELIMITER_NAMES[delimiter]}.")
    return frame, encoding, delimiter


def _decode(data: bytes, notes: list[str]) -> tuple[bytes, str]:
    """Return UTF-8 bytes without a byte-order mark, and the encoding the file was in."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:], "UTF-8 (with BOM)"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16").encode("utf-8"), "UTF-16"
    if data.isascii():  # ASCII is UTF-8, and checking it costs far less than decoding
        return data, "UTF-8"
    try:
        data.decode("utf-8")
        return data, "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        text, encoding = data.decode("cp1252"), "Windows-1252 (Latin-1)"
    except UnicodeDecodeError:
        text, encoding = data.decode("latin-1"), "Latin-1"
    notes.append(f"The file is not UTF-8; decoded it as {encoding}.")
    return text.encode("utf-8"), encoding


def _sample_lines(text_bytes: bytes, n_lines: int = 60) -> list[str]:
    head = text_bytes[: 256 * 1024].decode("utf-8", errors="replace").replace("\x00", "")
    lines = [line for line in head.splitlines() if line.strip()]
    if len(lines) > 1 and len(text_bytes) > 256 * 1024:
        lines = lines[:-1]  # the last line of the sample may be cut in half
    return lines[:n_lines]


def _sniff_delimiter(lines: list[str]) -> str:
    """Pick the delimiter that splits the sample lines into the most consistent field counts."""
    best, best_score = WHITESPACE, (0.0, 0)
    for delimiter in _DELIMITERS:
        counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        mode, freq = Counter(counts).most_common(1)[0]
        score = (freq / len(counts), mode)
        if mode > 1 and score > best_score:
            best, best_score = delimiter, score
    if best_score[0] >= 0.9:
        return best
    counts = [len(line.split()) for line in lines]
    mode, freq = Counter(counts).most_common(1)[0]
    if mode > 1 and freq / len(counts) >= 0.9:
        return WHITESPACE
    return best if best_score[1] > 1 else ","


def _parse_header(line: str, delimiter: str) -> list[str]:
    if delimiter == WHITESPACE:
        return line.split()
    return [cell.strip() for cell in next(csv.reader([line], delimiter=delimiter))]


def _check_header(header: list[str], file_name: str) -> list[str]:
    """Return cleaned column names; reject duplicates, which would make columns ambiguous."""
    names = [name.strip().lstrip("\ufeff") or f"column_{i + 1}" for i, name in enumerate(header)]
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        key = name.casefold()
        if key in seen:
            raise DataLoadError(
                f"'{file_name}' has two columns named '{name}' (columns {seen[key]} and "
                f"{position}). Rename one of them so every column name is unique, then upload "
                "the file again."
            )
        seen[key] = position
    return names


def _parse_text(
    text_bytes: bytes, delimiter: str, file_name: str, notes: list[str]
) -> pd.DataFrame:
    options = {"dtype": str, "keep_default_na": False, "skip_blank_lines": True}
    if delimiter != WHITESPACE:
        try:
            return _read_arrow_text(text_bytes, delimiter)
        except Exception:  # ragged rows or odd quoting: fall back to the tolerant parser below
            pass
    bad_lines: list[list[str]] = []
    try:
        frame = pd.read_csv(
            io.BytesIO(text_bytes),
            sep=delimiter,
            engine="python",
            on_bad_lines=lambda line: bad_lines.append(line) and None,
            **options,
        )
    except (pd.errors.ParserError, csv.Error, ValueError) as err:
        raise DataLoadError(
            f"'{file_name}' could not be split into columns ({err}). Check that every row has "
            "the same number of fields and that quotes are closed, or export it again as CSV."
        ) from err
    if bad_lines:
        notes.append(f"Skipped {len(bad_lines):,} malformed lines with the wrong number of fields.")
    return frame


def _read_arrow_text(text_bytes: bytes, delimiter: str) -> pd.DataFrame:
    """What ``pd.read_csv(..., dtype=str, keep_default_na=False, engine="pyarrow")`` reads, in
    a few large blocks (pandas cannot set Arrow's block size)."""
    low, high = _BLOCK_BYTES
    table = pacsv.read_csv(
        io.BytesIO(text_bytes),
        read_options=pacsv.ReadOptions(block_size=min(max(len(text_bytes) // 4, low), high)),
        parse_options=pacsv.ParseOptions(delimiter=delimiter),
        convert_options=pacsv.ConvertOptions(
            default_column_type=pa.large_string(), null_values=[], strings_can_be_null=False
        ),
    )
    names = table.column_names
    if len(set(names)) != len(names):  # pandas renames repeated names ("a", "a.1")
        raise ValueError("repeated column names")
    text = pd.StringDtype("pyarrow", na_value=np.nan)
    frame = table.to_pandas(types_mapper={pa.large_string(): text}.get)
    return frame


def _tidy_frame(frame: pd.DataFrame, file_name: str, notes: list[str]) -> pd.DataFrame:
    frame.columns = [str(c).strip() for c in frame.columns]
    empty_rows = _blank_rows(frame)
    if empty_rows.any():
        frame = frame.loc[~empty_rows].reset_index(drop=True)
        notes.append(f"Dropped {int(empty_rows.sum()):,} empty rows.")
    if frame.shape[1] < 2:
        raise DataLoadError(
            f"'{file_name}' has a single column. Segmenting needs a customer id and at least one "
            "trait: export the file with one column per field."
        )
    if len(frame) == 0:
        raise DataLoadError(
            f"'{file_name}' has column names ({', '.join(map(str, frame.columns[:5]))}…) but no "
            "rows. Export the data again with its rows."
        )
    if len(frame) < MIN_ROWS:
        raise DataLoadError(
            f"'{file_name}' has only {len(frame)} data row{'s' * (len(frame) != 1)}; segmenting "
            f"needs at least {MIN_ROWS} customers. Export the full customer list."
        )
    return frame


def _blank_rows(frame: pd.DataFrame) -> pd.Series:
    """Rows with no value in any column (checked column by column on the remaining candidates)."""
    candidates = np.arange(len(frame))
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        values = column if len(candidates) == len(frame) else column.take(candidates)
        if pd.api.types.is_string_dtype(values) or values.dtype == object:
            empty = values.isna() | values.astype("string").str.strip().eq("").fillna(False)
        else:
            empty = values.isna()
        candidates = candidates[empty.to_numpy(dtype=bool)]
        if not len(candidates):
            break
    blank = np.zeros(len(frame), dtype=bool)
    blank[candidates] = True
    return pd.Series(blank, index=frame.index)
