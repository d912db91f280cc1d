"""Benchmarks of hostile uploads (issue 16): each file is read by ``load_table`` at the server's
upload limit, timed, and its peak memory above the input in memory checked against 500 MB.

Every case but the NUL bytes one must be refused with its message; the NUL bytes one must load,
with a note. The inputs are made by ``tests/hostile_files.py`` once, in a separate process
before the first case, and cached in ``bench/out/hostile/`` (git-ignored), so making them
(a minute, mostly the billion-row Parquet file) is not part of any case's time or memory.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

from bench.harness import OUT_DIR, REPO_ROOT, Case, Registry, clock, maxrss_mb, since, size_text

BENCHMARKS = Registry()
MB = 1024**2
PEAK_LIMIT_MB = 500  # issue 16: a bomb is refused holding at most 500 MB above idle
INPUTS_DIR = OUT_DIR / "hostile"
INPUTS_VERSION = 1  # bump to make the inputs again
INPUTS = {
    "bomb.csv.gz": "gzip_bomb(4 * 1024 * MB)",
    "bomb.xlsx": "workbook(50_000_000)",
    "lying.xlsx": "workbook_with_lying_directory(50_000_000)",
    "bomb.parquet": "parquet_bomb(1_000_000_000)",
    "long_line.csv": "long_line_csv(100 * MB)",
    "wide.csv": "wide_header_csv(1_000_000)",
    "nul.csv": "nul_csv(100_000, ((2, 1), (5_000, 2), (99_000, 1)))",
}
_WRITE = """
import sys
from pathlib import Path
from tests.hostile_files import *
Path(sys.argv[1]).write_bytes({call})
"""


def prepare_inputs(data_dir: Path) -> str | None:
    """Make the hostile inputs that are missing or out of date (in a child process)."""
    stamp = INPUTS_DIR / "version.json"
    current = {"version": INPUTS_VERSION, "inputs": INPUTS}
    if stamp.exists() and json.loads(stamp.read_text()) == current:
        return None
    INPUTS_DIR.mkdir(parents=True, exist_ok=True)
    for name, call in INPUTS.items():
        print(f"     making bench/out/hostile/{name} = {call}…", flush=True)
        done = subprocess.run(
            [sys.executable, "-c", _WRITE.format(call=call), str(INPUTS_DIR / name)],
            cwd=REPO_ROOT,
            check=False,
        )
        if done.returncode != 0:
            return f"making {name} failed (exit status {done.returncode})"
    stamp.write_text(json.dumps(current))
    return None


def _input(name: str) -> bytes:
    return (INPUTS_DIR / name).read_bytes()


def _measure(
    case: Case, data: bytes, file_name: str, what: str, expected: str, *, refused: bool = True
) -> None:
    """Load ``data`` ``case.repeat`` times; check it is refused (or read, when ``refused`` is
    False), that the message or note holds ``expected``, and the peak memory."""
    from segmentation import DataLoadError, load_table

    case.input_ready(f"{file_name}: {what}, {size_text(data)}")
    case.main = f"load_table('{file_name}') → {'refused' if refused else 'read, with a note'}"
    outcome, was_refused = "", False
    for _ in range(case.repeat):
        gc.collect()
        t0 = clock()
        try:
            outcome, was_refused = " ".join(load_table(data, file_name).notes), False
        except DataLoadError as err:
            outcome, was_refused = str(err), True
        case.add(case.main, *since(t0))
    above = maxrss_mb() - case.after_input_mb
    case.check(
        was_refused == refused,
        f"the file was {'refused' if was_refused else 'read'}"
        f" (expected: {'refused' if refused else 'read'})",
    )
    case.check(expected in outcome, f"the outcome says {expected!r}: {outcome[:160]}")
    case.check(
        above <= PEAK_LIMIT_MB,
        f"peak memory {above:,.0f} MB above the input in memory (limit {PEAK_LIMIT_MB} MB)",
    )
    case.info.append(f"Message: {outcome}")


@BENCHMARKS.case(
    "hostile_gzip_bomb",
    5.0,
    "a 4 MB gzip CSV that expands to 4 GB → load_table at the 200 MB upload limit: refused "
    "once 400 MB have inflated, holding at most 80 MB of it",
    prepare=prepare_inputs,
)
def case_gzip_bomb(case: Case) -> None:
    data = _input("bomb.csv.gz")
    _measure(case, data, "bomb.csv.gz", "gzip expanding to 4 GB", "once decompressed")


@BENCHMARKS.case(
    "hostile_xlsx_bomb",
    1.0,
    "a 6 MB .xlsx whose sheet expands to 2 GB (its archive says so) → refused from the "
    "archive's directory, before anything is unzipped",
    prepare=prepare_inputs,
)
def case_xlsx_bomb(case: Case) -> None:
    data = _input("bomb.xlsx")
    _measure(case, data, "bomb.xlsx", "workbook with a 2 GB sheet", "once unzipped")


@BENCHMARKS.case(
    "hostile_xlsx_lying_directory",
    1.0,
    "the same 2 GB-sheet workbook, its directory claiming the sheet is 1,000 bytes → refused "
    "when the sheet, inflated and counted, passes its declared size",
    prepare=prepare_inputs,
)
def case_xlsx_lying(case: Case) -> None:
    data = _input("lying.xlsx")
    _measure(case, data, "lying.xlsx", "workbook lying about its sheet", "misleading workbook")


@BENCHMARKS.case(
    "hostile_parquet_bomb",
    1.0,
    "a Parquet file declaring 1,000,000,000 rows of two constant columns (a few hundred KB) → "
    "refused from its footer, before any column is read",
    prepare=prepare_inputs,
)
def case_parquet_bomb(case: Case) -> None:
    import pyarrow.parquet  # noqa: F401  (imported before the input: not part of the peak)

    data = _input("bomb.parquet")
    _measure(case, data, "bomb.parquet", "1 billion declared rows", "declares 1,000,000,000 rows")


@BENCHMARKS.case(
    "hostile_long_line",
    1.0,
    "a 100 MB CSV whose 21st row holds a 100 MB cell → refused from its line lengths, before "
    "any table is built",
    prepare=prepare_inputs,
)
def case_long_line(case: Case) -> None:
    data = _input("long_line.csv")
    _measure(case, data, "long_line.csv", "one 100 MB line", "has a line of more than 10 MB")


@BENCHMARKS.case(
    "hostile_wide_header",
    2.0,
    "a CSV whose header names 1,000,000 columns (7.5 MB) → refused from its first line, "
    "without building a 1,000,000-column table",
    prepare=prepare_inputs,
)
def case_wide_header(case: Case) -> None:
    data = _input("wide.csv")
    _measure(case, data, "wide.csv", "1,000,000 columns in the header", "has 1,000,000 columns")


@BENCHMARKS.case(
    "hostile_nul_bytes",
    3.0,
    "a 100,000-row CSV with NUL bytes in 3 cells → read, the NULs removed, a note says so",
    prepare=prepare_inputs,
)
def case_nul_bytes(case: Case) -> None:
    data = _input("nul.csv")
    _measure(
        case,
        data,
        "nul.csv",
        "100,000 rows, 3 cells with NULs",
        "3 cells held NUL bytes",
        refused=False,
    )
