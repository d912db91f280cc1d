#!/usr/bin/env python
"""Benchmarks of the upload path (read → infer types → detect orders → aggregate customers).

Run from the repository root::

    python bench/run.py                 # every benchmark, 5 repeats each
    python bench/run.py --quick         # 1 repeat, without the 2-million-line case
    python bench/run.py --only cdnow_pipeline --repeat 10

Every benchmark runs in a fresh Python process (``bench/run.py --child NAME``), which times
its repeats with ``time.perf_counter`` and reads its peak memory from
``resource.getrusage(RUSAGE_SELF).ru_maxrss``. This parent process never imports pandas, so the
children start small. The report goes to ``bench/RESULTS.md`` (overwritten) and to stdout.
Generated inputs (the .xlsx copy of Online Retail) are cached in ``bench/out/`` (git-ignored).

The cases live in one module per area (``bench/loading.py``, ``segments.py``, ``personas.py``,
``compare.py``, ``target.py``, ``sessions.py``, ``map.py``, ``engines.py``, ``hostile.py``), each
declaring its name and target on the function that measures it (see ``bench/harness.py``);
:data:`AREAS` gives the order of the report. The timing and memory machinery is in
``harness.py``, the report in ``report.py``.

Exit status: 0 when every benchmark that ran met its target, 1 when one missed its target or
crashed, 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from importlib.util import find_spec
from pathlib import Path

# `python bench/run.py` puts bench/, not the root, on the path: put the root there instead, so
# that the area modules are the package `bench` (and cannot shadow any top-level module).
_BENCH_DIR = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0] or ".").resolve() == _BENCH_DIR:
    sys.path[0] = str(_BENCH_DIR.parent)
elif str(_BENCH_DIR.parent) not in sys.path:
    sys.path.insert(0, str(_BENCH_DIR.parent))

from bench.harness import (  # noqa: E402
    CHILD_TIMEOUT_S,
    DEFAULT_DATA_DIR,
    REPO_ROOT,
    RESULTS_FILE,
    RUNNER,
    Benchmark,
    Case,
    maxrss_mb,
)
from bench.loading import CDNOW, ONLINE_RETAIL, write_online_retail_xlsx  # noqa: E402
from bench.report import Outcome, busy_note, load_average, report  # noqa: E402

# The areas, in the order of the report; within an area, the order in which cases are declared.
AREAS = (
    "loading", "predicting", "segments", "personas", "compare", "target", "sessions", "map",
    "engines", "hostile",
)  # fmt: skip
BENCHMARKS: tuple[Benchmark, ...] = tuple(
    bench
    for area in AREAS
    for bench in importlib.import_module(f"bench.{area}").BENCHMARKS.benchmarks
)
BY_NAME = {b.name: b for b in BENCHMARKS}


# --- the child process: one benchmark ---------------------------------------------------------


def child_main(name: str, repeat: int, data_dir: Path, result_file: Path) -> None:
    """Measure one benchmark in this (fresh) process and write its result as JSON."""
    # Everything the cases import lazily is imported here, before the baseline, so the
    # baseline holds the libraries and the peak above it is the work itself.
    import numpy  # noqa: F401
    import pandas  # noqa: F401
    import pyarrow.csv  # noqa: F401
    import python_calamine  # noqa: F401

    import segmentation  # noqa: F401

    baseline = maxrss_mb()
    case = Case(name, repeat, data_dir)
    BY_NAME[name].run(case)
    peak = maxrss_mb()
    result = {
        "name": name,
        "input": case.input,
        "main": case.main,
        "samples": case.samples,
        "cpu": case.cpu,
        "checks": case.checks,
        "info": case.info,
        "baseline_mb": baseline,
        "after_input_mb": case.after_input_mb,
        "peak_mb": peak,
    }
    result_file.write_text(json.dumps(result), encoding="utf-8")


# --- the runner (parent process: no pandas here) ----------------------------------------------


def run_child(bench: Benchmark, repeat: int, data_dir: Path) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        result_file = Path(tmp) / "result.json"
        command = [
            sys.executable,
            str(RUNNER),
            "--child",
            bench.name,
            "--repeat",
            str(repeat),
            "--data-dir",
            str(data_dir),
            "--result-file",
            str(result_file),
        ]
        t0, load_before = time.perf_counter(), load_average()
        machine_before, children_before = machine_busy_s(), children_cpu_s()
        try:
            done = subprocess.run(command, cwd=REPO_ROOT, timeout=CHILD_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            return Outcome(bench, "error", f"timed out after {CHILD_TIMEOUT_S} s")
        wall = time.perf_counter() - t0
        if done.returncode != 0 or not result_file.exists():
            return Outcome(
                bench,
                "error",
                f"the child process failed (exit status {done.returncode}); see its output above",
                wall_s=wall,
            )
        result = json.loads(result_file.read_text(encoding="utf-8"))
    load = f"{load_before} → {load_average()}"
    machine_after, other = machine_busy_s(), None
    if machine_before is not None and machine_after is not None:
        own = children_cpu_s() - children_before
        other = max(0.0, (machine_after - machine_before - own) / wall)
    return Outcome(bench, "ran", result=result, wall_s=wall, load=load, other_cores=other)


def machine_busy_s() -> float | None:
    """CPU seconds every core of the machine has spent busy since boot (Linux /proc/stat)."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(v) for v in stat.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def children_cpu_s() -> float:
    """CPU seconds used by this process's finished children (the benchmark processes)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark the upload path of segmentation/.")
    parser.add_argument(
        "--repeat", type=int, default=None, help="repeats per benchmark (default 5; 1 with --quick)"
    )
    parser.add_argument(
        "--only",
        metavar="NAME",
        action="append",
        help=f"run only this benchmark (may be given more than once; names: {', '.join(BY_NAME)})",
    )
    parser.add_argument(
        "--quick", action="store_true", help="1 repeat and skip the 2-million-line case"
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help="the shared real-data folder (default: ../shared/data)",
    )
    parser.add_argument(
        "--results",
        type=Path,
        default=RESULTS_FILE,
        help="where to write the report (default: bench/RESULTS.md; use another file for "
        "partial runs you do not want to publish)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--result-file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--prepare-xlsx", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeat is None:
        args.repeat = 1 if args.quick else 5
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    unknown = [name for name in args.only or () if name not in BY_NAME]
    if unknown or (args.child and args.child not in BY_NAME):
        parser.error(
            f"unknown benchmark {', '.join(unknown or [args.child])}; "
            f"choose from {', '.join(BY_NAME)}"
        )
    args.data_dir = args.data_dir.resolve()
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.prepare_xlsx:
        write_online_retail_xlsx(args.data_dir)
        return 0
    if args.child:
        child_main(args.child, args.repeat, args.data_dir, args.result_file)
        return 0
    missing = [m for m in ("pandas", "pyarrow", "python_calamine") if not find_spec(m)]
    if missing:
        venv_python = REPO_ROOT / ".venv" / "bin" / "python"
        if venv_python.exists() and Path(sys.executable) != venv_python:
            print(f"{sys.executable} has no {', '.join(missing)}; rerunning with {venv_python}.")
            sys.stdout.flush()
            os.execv(venv_python, [str(venv_python), str(RUNNER), *sys.argv[1:]])
        print(
            f"ERROR: {sys.executable} has no {', '.join(missing)}. Run `make bench`, or install "
            "requirements.txt and run `python bench/run.py` with that interpreter.",
            file=sys.stderr,
        )
        return 2

    started, t0, load_at_start = dt.datetime.now(), time.perf_counter(), load_average()
    have_data = all((args.data_dir / f).is_file() for f in (ONLINE_RETAIL, CDNOW))
    notes = []
    if not have_data:
        notes.append(
            f"{args.data_dir} (with {ONLINE_RETAIL} and {CDNOW}) was not found, so the "
            "real-data benchmarks were skipped; the synthetic ones ran."
        )
    if args.only:
        notes.append(f"Partial run: only {', '.join(args.only)}.")
    outcomes: list[Outcome] = []
    for bench in BENCHMARKS:
        if args.only and bench.name not in args.only:
            continue
        if bench.needs_shared_data and not have_data:
            print(
                f"SKIP {bench.name}: {args.data_dir} not found (real data sets are not part "
                "of a clone)",
                flush=True,
            )
            outcomes.append(Outcome(bench, "skipped", "no ../shared/data"))
            continue
        if bench.heavy and args.quick and not args.only:
            print(f"SKIP {bench.name}: --quick", flush=True)
            outcomes.append(Outcome(bench, "skipped", "--quick"))
            continue
        if bench.prepare is not None:
            problem = bench.prepare(args.data_dir)
            if problem:
                outcomes.append(Outcome(bench, "error", problem))
                continue
        print(f"RUN  {bench.name} ({args.repeat} repeat{'s' * (args.repeat != 1)})…", flush=True)
        outcome = run_child(bench, args.repeat, args.data_dir)
        outcomes.append(outcome)
        shown = f"median {outcome.median:.3f} s" if outcome.status == "ran" else outcome.reason
        print(
            f"     {outcome.verdict}: {shown} (target ≤ {bench.target_s:g} s, "
            f"{outcome.wall_s:.1f} s wall)",
            flush=True,
        )
        for message in outcome.failed_checks:
            print(f"WARNING: {bench.name}: {message}", flush=True)

    busy = busy_note(outcomes)
    if busy:
        print(f"WARNING: {busy}", flush=True)
        notes.append(f"**Warning**: {busy}")
    text = report(outcomes, args, started, time.perf_counter() - t0, notes, load_at_start)
    args.results.write_text(text, encoding="utf-8")
    print()
    print(text)
    print(f"Written to {args.results}")
    return 0 if all(o.passed is not False for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
