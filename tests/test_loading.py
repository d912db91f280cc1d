"""Reading files: formats, encodings, delimiters, and a clear message for every bad input."""

from __future__ import annotations

import gzip
import io
import struct

import pandas as pd
import pytest

from segmentation import DataLoadError, load_table
from segmentation.data.loading import MIN_ROWS

ROWS = [("C001", "Zoë", "34", "Suburban"), ("C002", "José", "51", "Urban")] * 6
HEADER = ("customer_id", "name", "age", "density")


def as_text(delimiter: str = ",", rows=ROWS, header=HEADER, newline: str = "\n") -> str:
    lines = [delimiter.join(header)] + [delimiter.join(row) for row in rows]
    return newline.join(lines) + newline


@pytest.mark.parametrize(
    ("delimiter", "name"),
    [(",", "commas"), (";", "semicolons"), ("\t", "tabs"), ("|", "pipes")],
)
def test_delimiter_is_sniffed(delimiter: str, name: str) -> None:
    table = load_table(as_text(delimiter).encode(), "customers.csv")
    assert table.delimiter_name == name
    assert list(table.frame.columns) == list(HEADER)
    assert table.frame.shape == (len(ROWS), 4)


def test_whitespace_separated_with_leading_spaces_and_crlf() -> None:
    text = " customer_id  date number_of_cds  dollar_value\r\n" + "".join(
        f" {i:05d} 19970101  1   11.77\r\n" for i in range(1, 13)
    )
    table = load_table(text.encode(), "cdnow.txt")
    assert table.delimiter_name == "spaces"
    assert table.frame["customer_id"].iloc[0] == "00001"  # leading zeros kept
    assert list(table.frame.columns) == ["customer_id", "date", "number_of_cds", "dollar_value"]


@pytest.mark.parametrize(
    ("encode", "encoding"),
    [
        (lambda text: text.encode("utf-8"), "UTF-8"),
        (lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"), "UTF-8 (with BOM)"),
        (lambda text: text.encode("cp1252"), "Windows-1252 (Latin-1)"),
        (lambda text: text.encode("utf-16"), "UTF-16"),
    ],
)
def test_encoding_is_detected(encode, encoding: str) -> None:
    table = load_table(encode(as_text()), "customers.csv")
    assert table.encoding == encoding
    assert table.frame.columns[0] == "customer_id"  # no BOM left in the first name
    assert table.frame["name"].iloc[0] == "Zoë"


def test_gzip_text_is_decompressed() -> None:
    table = load_table(gzip.compress(as_text(";").encode()), "customers.csv.gz")
    assert table.frame.shape == (len(ROWS), 4)
    assert any("gzip" in note for note in table.notes)


def test_parquet_keeps_types() -> None:
    frame = pd.DataFrame({"customer_id": [f"{i:04d}" for i in range(12)], "spend": range(12)})
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    table = load_table(buffer.getvalue(), "customers.parquet")
    assert table.file_format == "parquet"
    assert table.frame["customer_id"].iloc[1] == "0001"
    assert pd.api.types.is_integer_dtype(table.frame["spend"])


def test_excel_is_read_with_header_row() -> None:
    frame = pd.DataFrame(
        {
            "CustomerID": [1001 + i for i in range(12)],
            "Age": range(20, 32),
            "Region": ["North", "South"] * 6,
        }
    )
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    table = load_table(buffer.getvalue(), "export.xlsx")
    assert table.file_format == "excel"
    assert list(table.frame.columns) == ["CustomerID", "Age", "Region"]
    assert len(table.frame) == 12


def test_content_decides_format_over_extension() -> None:
    table = load_table(as_text().encode(), "customers.xlsx")
    assert table.file_format == "text"
    assert any("named .xlsx" in note for note in table.notes)


def test_blank_rows_are_dropped_and_reported() -> None:
    text = as_text() + ",,,\n" * 3
    table = load_table(text.encode(), "customers.csv")
    assert len(table.frame) == len(ROWS)
    assert any("3 empty rows" in note for note in table.notes)


def test_ragged_rows_are_skipped_and_counted() -> None:
    text = as_text() + "C999,Too,many,fields,here\n"
    table = load_table(text.encode(), "customers.csv")
    assert len(table.frame) == len(ROWS)
    assert any("1 malformed line" in note for note in table.notes)


def test_hash_depends_on_content() -> None:
    first = load_table(as_text().encode(), "a.csv")
    second = load_table(as_text(";").encode(), "a.csv")
    assert first.content_sha256 != second.content_sha256
    assert first.content_sha256 == load_table(as_text().encode(), "b.csv").content_sha256


def _png() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + b"\x00" * 40


BAD_FILES = [
    ("empty file", b"", "data.csv", r"is empty \(0 bytes\)\. Export the data again"),
    ("header only", b"customer_id,age,region\n", "data.csv", r"has column names .* but no rows"),
    ("binary junk", bytes(range(256)) * 8, "data.csv", r"holds binary data, not text"),
    ("image renamed", _png(), "data.csv", r"holds a PNG image, so it cannot be read as a table"),
    (
        "wrong extension",
        as_text().encode(),
        "data.docx",
        r"has \.docx, which this app does not read",
    ),
    ("no extension", as_text().encode(), "data", r"has no extension"),
    (
        "single column",
        b"email\n" + b"a@b.com\n" * 20,
        "data.csv",
        r"has a single column \('email'\)",
    ),
    (
        "one row",
        b"customer_id,age\nC1,30\n",
        "data.csv",
        rf"has only 1 data row; .*at least {MIN_ROWS}",
    ),
    (
        "duplicate names",
        b"id,age,Age\n" + b"1,2,3\n" * 12,
        "data.csv",
        r"has two columns named 'Age' \(columns 2 and 3\)\. Rename one",
    ),
    ("fake gzip", as_text().encode(), "data.csv.gz", r"is named \.gz but is not gzip-compressed"),
    (
        "broken excel",
        b"PK\x03\x04" + b"\x00" * 200,
        "data.xlsx",
        r"could not be opened as an Excel",
    ),
    ("broken parquet", b"PAR1" + b"\x00" * 200, "data.parquet", r"could not be read as Parquet"),
]


@pytest.mark.parametrize(
    ("case", "data", "name", "message"), BAD_FILES, ids=[c[0] for c in BAD_FILES]
)
def test_bad_file_gets_a_specific_message(case: str, data: bytes, name: str, message: str) -> None:
    with pytest.raises(DataLoadError, match=message):
        load_table(data, name)


def test_file_over_the_limit_is_refused_with_sizes() -> None:
    data = as_text().encode() * 2000
    with pytest.raises(DataLoadError, match=r"is 0\.\d MB, larger than the 0.1 MB upload limit"):
        load_table(data, "big.csv", max_mb=0.1)
