"""Files made to hurt an upload: bombs, liars, giant lines and headers, NUL bytes, formulas.

Each generator streams what it writes, so a bomb that expands to gigabytes is made holding a
megabyte at a time. Used by ``tests/test_hostile_files.py`` (small sizes, with a small
``max_mb``) and ``bench/hostile.py`` (the sizes of issue 16, at the server's upload limit).
"""

from __future__ import annotations

import gzip
import io
import struct
import zipfile

import numpy as np
import pandas as pd

MB = 1024**2
_ROW = b"0,0\n"  # the cheapest CSV row: a bomb of these compresses about 1,000 to 1

# the smallest parts Excel and calamine accept as a workbook with one sheet
_WORKBOOK_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
        '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
        '"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target='
        '"xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.'
        'org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships"><sheets><sheet name="Customers" sheetId="1" '
        'r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        'schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target='
        '"worksheets/sheet1.xml"/></Relationships>'
    ),
}
_SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
    b'spreadsheetml/2006/main"><sheetData><row><c t="inlineStr"><is><t>customer_id</t></is></c>'
    b'<c t="inlineStr"><is><t>spend</t></is></c></row>'
)
_SHEET_ROW = b"<row><c><v>1</v></c><c><v>2</v></c></row>"
_SHEET_TAIL = b"</sheetData></worksheet>"
SHEET_PART = "xl/worksheets/sheet1.xml"


def gzip_bomb(expanded: int, member: int = 16 * MB) -> bytes:
    """A gzip CSV (``customer_id,spend`` then ``0,0`` rows) that inflates to ``expanded`` bytes.

    Made of gzip members of ``member`` bytes each (a reader inflates them one after the other,
    as ``cat a.gz b.gz`` would): one member is compressed, then repeated, so a 4 GB bomb takes
    a second to make.
    """
    member = min(member, expanded)
    rows = _ROW * (member // len(_ROW))
    first = gzip.compress(b"customer_id,spend\n" + rows, 9)
    return first + gzip.compress(rows, 9) * (expanded // len(rows) - 1)


def workbook(sheet_rows: int = 0, rows: pd.DataFrame | None = None) -> bytes:
    """A minimal .xlsx: ``sheet_rows`` rows of two numbers (a bomb when large), streamed."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in _WORKBOOK_PARTS.items():
            archive.writestr(name, text)
        with archive.open(SHEET_PART, "w", force_zip64=True) as sheet:
            sheet.write(_SHEET_HEAD)
            block = _SHEET_ROW * 25_000
            for _ in range(sheet_rows // 25_000):
                sheet.write(block)
            sheet.write(_SHEET_ROW * (sheet_rows % 25_000))
            sheet.write(_SHEET_TAIL)
    return buffer.getvalue()


def workbook_with_lying_directory(sheet_rows: int, declared: int = 1_000) -> bytes:
    """A workbook bomb whose archive says its sheet holds ``declared`` bytes (local header and
    central directory both lie); the sheet really inflates to about 40 bytes per row."""
    data = bytearray(workbook(sheet_rows))
    name = SHEET_PART.encode()
    # central directory entry: signature, 42 bytes, name; its zip64 extra field holds the sizes
    central = _central_entry(data, name)
    extra_length = struct.unpack("<H", data[central + 30 : central + 32])[0]
    extra = central + 46 + len(name)
    _patch_zip64_sizes(data, extra, extra_length, declared)
    struct.pack_into("<I", data, central + 24, min(declared, 0xFFFFFFFF - 1))
    local = struct.unpack("<I", data[central + 42 : central + 46])[0]
    if local != 0xFFFFFFFF:
        local_extra_length = struct.unpack("<H", data[local + 28 : local + 30])[0]
        _patch_zip64_sizes(data, local + 30 + len(name), local_extra_length, declared)
        struct.pack_into("<I", data, local + 22, min(declared, 0xFFFFFFFF - 1))
    return bytes(data)


def _central_entry(data: bytearray, name: bytes) -> int:
    position = data.find(b"PK\x01\x02")
    while position >= 0:
        name_length = struct.unpack("<H", data[position + 28 : position + 30])[0]
        if data[position + 46 : position + 46 + name_length] == name:
            return position
        position = data.find(b"PK\x01\x02", position + 4)
    raise ValueError(f"{name!r} is not in the archive")


def _patch_zip64_sizes(data: bytearray, start: int, length: int, declared: int) -> None:
    """Set the uncompressed size in a zip64 extra field (id 1), if the field holds one."""
    position = start
    while position + 4 <= start + length:
        field_id, size = struct.unpack("<HH", data[position : position + 4])
        if field_id == 1 and size >= 8:
            struct.pack_into("<Q", data, position + 4, declared)
        position += 4 + size


def parquet_bomb(rows: int, row_group: int = 10_000_000) -> bytes:
    """A Parquet file of ``rows`` rows of two constant columns: a few KB that declare (and
    would expand to) 16 bytes a row."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    group = min(rows, row_group)
    table = pa.table({"customer_id": np.zeros(group, "int64"), "spend": np.ones(group, "int64")})
    with pq.ParquetWriter(buffer, table.schema, compression="zstd") as writer:
        for start in range(0, rows, group):
            writer.write_table(table.slice(0, min(group, rows - start)))
    return buffer.getvalue()


def long_line_csv(line_bytes: int, rows: int = 20) -> bytes:
    """A CSV with ``rows`` ordinary rows, one row whose note is ``line_bytes`` long, and more
    ordinary rows."""
    ordinary = b"".join(b"C%04d,%d,ok\n" % (i, i) for i in range(rows))
    return (
        b"customer_id,spend,note\n" + ordinary + b"C9999,1," + b"x" * line_bytes + b"\n" + ordinary
    )


def wide_header_csv(columns: int, rows: int = 12) -> bytes:
    """A CSV whose header names ``columns`` columns (its rows hold only the first three)."""
    header = b",".join(b"c%d" % i for i in range(columns))
    return header + b"\n" + b"".join(b"%d,1,2\n" % i for i in range(rows))


def nul_csv(rows: int = 30, nul_cells: tuple[tuple[int, int], ...] = ((2, 1), (7, 2), (19, 1))):
    """A CSV of ``rows`` customers where the cells at ``nul_cells`` (row, column) hold NULs."""
    lines = [b"customer_id,name,city"]
    for i in range(rows):
        cells = [b"C%03d" % i, b"Name %d" % i, b"City %d" % (i % 4)]
        for row, column in nul_cells:
            if row == i:
                cells[column] = cells[column][:3] + b"\x00\x00" + cells[column][3:]
        lines.append(b",".join(cells))
    return b"\n".join(lines) + b"\n"


FORMULA_CELLS = ("=HYPERLINK(\"http://evil\")", "+1+2", "-3+cmd|' /C calc'!A0", "@SUM(A1)",
                 "\t=1+1", "\r=1+1")  # fmt: skip


def formula_table() -> pd.DataFrame:
    """Customers whose text cells would run as formulas in a spreadsheet, beside numbers."""
    n = len(FORMULA_CELLS)
    return pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(n)],
            "name": list(FORMULA_CELLS),
            "balance": [-5.5, -1.0, 0.0, 2.5, -3.0, 4.0],
            "=total": range(n),
        }
    )
