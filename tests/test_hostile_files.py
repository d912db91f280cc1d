"""Hostile files (issue 16): each is refused with its own message, or read with a note, and
the app keeps what it had; every export neutralises cells that would run as formulas.

The inputs are small copies of the bench's (``bench/hostile.py``), read with a 1 MB upload limit
so every cap is small too: the limits scale with the upload limit. A separate test measures
the real 4 GB gzip bomb's peak memory in a fresh process.
"""

from __future__ import annotations

import ast
import bz2
import gzip
import io
import json
import lzma
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from segmentation import DataLoadError, load_table
from segmentation.data.limits import gunzip
from segmentation.targeting.spreadsheets import (
    neutralise,
    to_csv_bytes,
    to_excel_bytes,
    write_csv,
)
from tests.hostile_files import (
    FORMULA_CELLS,
    MB,
    formula_table,
    gzip_bomb,
    long_line_csv,
    nul_csv,
    parquet_bomb,
    wide_header_csv,
    workbook,
    workbook_with_lying_directory,
)
from tests.test_app import metric, open_app, texts, upload

# case, file name, bytes, upload limit in MB, the message (a regex) that must be shown
REFUSED = [
    (
        "gzip bomb",
        "bomb.csv.gz",
        lambda: gzip_bomb(50 * MB, member=MB),
        1,
        r"'bomb\.csv\.gz' expands to more than 2\.0 MB once decompressed, over the limit of "
        r"2\.0 MB \(2 times the 1 MB upload limit\), so it was not read\. .*export fewer rows",
    ),
    (
        "xlsx bomb",
        "bomb.xlsx",
        lambda: workbook(1_000_000),
        1,
        r"'bomb\.xlsx' expands to \d+ MB or more once unzipped, over the limit of 5\.0 MB for a "
        r"workbook .*save the sheet as CSV",
    ),
    (
        "xlsx compressed over 100 to 1",
        "ratio.xlsx",
        lambda: workbook(1_000_000),
        10,
        r"'ratio\.xlsx' holds a part \('xl/worksheets/sheet1\.xml'\) compressed [\d,]+ to 1 "
        r".*refuses more than 100 to 1",
    ),
    (
        "xlsx with a lying directory",
        "lying.xlsx",
        lambda: workbook_with_lying_directory(1_000_000),
        1,
        r"'lying\.xlsx' is a damaged or deliberately misleading workbook: its archive says "
        r"'xl/worksheets/sheet1\.xml' holds 1,000 bytes, but it unzips to [\d,]+ bytes or more",
    ),
    (
        "parquet bomb",
        "bomb.parquet",
        lambda: parquet_bomb(300_000),
        1,
        r"'bomb\.parquet' declares 300,000 rows × 2 columns \(600,000 cells, .*\); this app "
        r"reads at most 250,000 cells .*Export fewer rows",
    ),
    (
        "100 MB line",
        "long_line.csv",
        lambda: long_line_csv(100 * MB),
        200,
        r"'long_line\.csv' has a line of more than 10 MB \(line 22\); .*quote may be left open",
    ),
    (
        "1,000,000 columns",
        "wide.csv",
        lambda: wide_header_csv(1_000_000),
        200,
        r"'wide\.csv' has 1,000,000 columns in its header row \(separated by commas\); this app "
        r"reads at most 10,000\. Export only the columns you need",
    ),
    (
        "NUL bytes everywhere",
        "binary.csv",
        lambda: b"customer_id,name\n" + b"C1,Ann\n" * 2000 + b"C2,\x00\x00\x00\x00\n" * 3000,
        200,
        r"'binary\.csv' holds 12,000 NUL bytes \(\d+% of the file\): it is binary data, or text "
        r"saved as UTF-16 without its byte-order mark",
    ),
]


REFUSED += [
    (
        "bzip2",
        "customers.csv.bz2",
        lambda: bz2.compress(b"id,spend\n" + b"C1,2\n" * 50),
        200,
        r"'customers\.csv\.bz2' holds bzip2-compressed data \(only gzip is read here",
    ),
    (
        "xz",
        "customers.csv.xz",
        lambda: lzma.compress(b"id,spend\n" + b"C1,2\n" * 50),
        200,
        r"'customers\.csv\.xz' holds xz-compressed data \(only gzip is read here",
    ),
]


@pytest.mark.parametrize(
    ("case", "name", "make", "max_mb", "message"), REFUSED, ids=[c[0] for c in REFUSED]
)
def test_a_hostile_file_is_refused_with_its_message(case, name, make, max_mb, message) -> None:
    with pytest.raises(DataLoadError, match=message):
        load_table(make(), name, max_mb=max_mb)


def test_nul_bytes_in_a_few_cells_are_removed_with_a_note() -> None:
    table = load_table(nul_csv(), "crm.csv")
    assert table.frame.shape == (30, 3)
    assert table.frame.loc[2, "name"] == "Name 2"  # the NULs gone, the rest of the cell kept
    assert table.frame.loc[7, "city"] == "City 3"
    assert "3 cells held NUL bytes (invisible control characters); removed them" in table.notes[0]


def test_a_gzip_file_over_64_mb_is_counted_then_inflated_whole() -> None:
    text = b"id,spend\n" + b"".join(b"C%07d,%d\n" % (i, i % 97) for i in range(1000)) * 6000
    assert len(text) > 64 * MB  # more than is kept while counting
    assert gunzip(gzip.compress(text, 1), "big.csv.gz", max_mb=100) == text


def test_a_real_workbook_passes_the_archive_checks() -> None:
    table = load_table(workbook(50), "small.xlsx", max_mb=1)
    assert table.frame.shape == (50, 2)


def test_the_4_gb_gzip_bomb_is_refused_holding_under_500_mb() -> None:
    """In a fresh process: peak memory (ru_maxrss) above idle while the real bomb is refused."""
    script = textwrap.dedent(
        """
        import json, resource
        import pandas, pyarrow.csv
        from segmentation import DataLoadError, load_table
        from tests.hostile_files import gzip_bomb, MB
        data = gzip_bomb(4 * 1024 * MB)
        idle = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        try:
            load_table(data, "bomb.csv.gz")
            message = ""
        except DataLoadError as err:
            message = str(err)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({"above_idle_mb": peak - idle, "message": message, "size": len(data)}))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=600
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["size"] < 6 * MB
    assert "expands to more than 400 MB once decompressed" in result["message"]
    assert result["above_idle_mb"] <= 500, result


# --- nothing lost: the Data page keeps the active data and says why ---------------------------

ON_THE_PAGE = [
    ("bomb.csv.gz", lambda: gzip_bomb(600 * MB), "once decompressed"),
    ("wide.csv", lambda: wide_header_csv(20_000), "has 20,000 columns in its header row"),
    ("long_line.csv", lambda: long_line_csv(12 * MB), "has a line of more than 10 MB"),
]


@pytest.mark.parametrize(("name", "make", "message"), ON_THE_PAGE, ids=[c[0] for c in ON_THE_PAGE])
def test_the_data_page_shows_the_message_and_keeps_the_data(name, make, message) -> None:
    app = upload(open_app(), name, make())
    assert message in texts(app)
    assert "The data you had before is still active." in texts(app)
    assert metric(app, "Customers") == "6,000"  # the sample is still the active data


def test_nul_bytes_upload_loads_with_its_note_on_the_data_page() -> None:
    app = upload(open_app(), "crm.csv", nul_csv())
    assert not app.error
    assert "3 cells held NUL bytes" in texts(app)


# --- exports: every format neutralises formulas ---------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\tTAB", "'\tTAB"),
        ("\rCR", "'\rCR"),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-5", "-5"),  # text that is only a number cannot run
        ("-1.5e3", "-1.5e3"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        (-5, -5),
        (-3.5, -3.5),
    ],
)
def test_a_cell_that_could_run_as_a_formula_is_neutralised(cell, expected) -> None:
    assert neutralise(cell) == expected


def _read_csv(data: bytes) -> pd.DataFrame:
    # from bytes: a text reader would turn the quoted carriage return into a line feed
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False)


def _check(table: pd.DataFrame, line_end: str = "\r") -> None:
    assert list(table.columns)[3] == "'=total"
    expected = ["'" + cell.replace("\r", line_end) for cell in FORMULA_CELLS]
    assert table["name"].tolist() == expected
    assert table["balance"].tolist() == [-5.5, -1.0, 0.0, 2.5, -3.0, 4.0]  # numbers stay numbers


def test_csv_and_excel_exports_neutralise_text_and_keep_numbers() -> None:
    _check(_read_csv(to_csv_bytes(formula_table())))
    sheet = load_workbook(io.BytesIO(to_excel_bytes(formula_table()))).active
    rows = list(sheet.iter_rows(values_only=True))
    _check(pd.DataFrame(rows[1:], columns=rows[0]), line_end="\n")  # XML reads CR as LF
    assert all(sheet.cell(row=r, column=2).data_type == "s" for r in range(2, 8))
    assert sheet.cell(row=2, column=3).data_type == "n"


def test_command_line_csv_writer_neutralises_text(tmp_path) -> None:
    write_csv(formula_table(), tmp_path / "out.csv")
    _check(_read_csv((tmp_path / "out.csv").read_bytes()))


# every CSV or Excel file is written by segmentation/targeting/spreadsheets.py
EXPORTERS = ("to_csv", "to_excel")
KNOWN_GAPS: set[str] = set()  # files allowed to write CSV/Excel themselves: none


def test_every_csv_and_excel_export_goes_through_the_one_function() -> None:
    root = Path(__file__).resolve().parents[1]
    writers = []
    for path in sorted([*root.glob("segmentation/**/*.py"), *root.glob("ui/*.py")]):
        name = path.relative_to(root).as_posix()
        if name == "segmentation/targeting/spreadsheets.py" or name in KNOWN_GAPS:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in EXPORTERS:
                writers.append(f"{name}:{node.lineno} calls .{node.attr}")
    assert not writers, "write through segmentation.targeting.spreadsheets instead: " + str(writers)
