"""What every benchmark shares: paths, how a case declares itself and its target, and what a
case measures with (runs in the child process, which :mod:`bench.run` starts per benchmark).

An area module (``bench/loading.py``, ``bench/segments.py``, …) keeps its cases in a
:class:`Registry` and declares each one, with its target, on the function that measures it::

    BENCHMARKS = Registry()

    @BENCHMARKS.case("sample_load", 2.0, "load_sample(): the bundled Pet Dynamics customers")
    def case_sample_load(case: Case) -> None: ...

The runner lists the areas in the report's order; within an area the cases keep the order in
which they are declared. Nothing here imports pandas: the parent process imports this module.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
RUNNER = BENCH_DIR / "run.py"  # started again, with --child or --prepare-xlsx, in a fresh process
OUT_DIR = BENCH_DIR / "out"
RESULTS_FILE = BENCH_DIR / "RESULTS.md"
DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"
CHILD_TIMEOUT_S = 1800
SYNTHETIC_SEED = 20240601  # every generated input (orders, customers) starts from this seed


# --- declaring cases ------------------------------------------------------------------------


@dataclass(frozen=True)
class Benchmark:
    name: str
    target_s: float  # the median of the case's main measure must be at most this
    what: str
    run: Callable[[Case], None] = field(repr=False)
    needs_shared_data: bool = False
    heavy: bool = False  # left out by --quick
    # run by the parent before the child starts: makes a cached input, returns an error or None
    prepare: Callable[[Path], str | None] | None = field(default=None, repr=False)


class Registry:
    """The benchmarks of one area, in the order in which they are declared."""

    def __init__(self) -> None:
        self.benchmarks: list[Benchmark] = []

    def case(
        self,
        name: str,
        target_s: float,
        what: str,
        *,
        needs_shared_data: bool = False,
        heavy: bool = False,
        prepare: Callable[[Path], str | None] | None = None,
    ) -> Callable[[Callable[[Case], None]], Callable[[Case], None]]:
        """Decorator: the function measures benchmark ``name``, whose target is ``target_s``."""

        def register(run: Callable[[Case], None]) -> Callable[[Case], None]:
            self.benchmarks.append(
                Benchmark(name, target_s, what, run, needs_shared_data, heavy, prepare)
            )
            return run

        return register


# --- measuring (runs in the child process) ------------------------------------------------


def maxrss_mb() -> float:
    """Peak resident set size of this process so far, in MB (ru_maxrss is KB on Linux)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024**2 if sys.platform == "darwin" else peak / 1024


class Case:
    """What a child measures: named timing samples, checks and notes."""

    def __init__(self, name: str, repeat: int, data_dir: Path) -> None:
        self.name, self.repeat, self.data_dir = name, repeat, data_dir
        self.input = ""
        self.samples: dict[str, list[float]] = {}  # wall-clock seconds per repeat
        self.cpu: dict[str, list[float]] = {}  # CPU seconds (all threads) per repeat
        self.main = ""
        self.checks: list[tuple[bool, str]] = []
        self.info: list[str] = []
        self.after_input_mb = 0.0

    def input_ready(self, description: str) -> None:
        self.input = description
        self.after_input_mb = maxrss_mb()

    def add(self, measure: str, wall: float, cpu: float) -> None:
        self.samples.setdefault(measure, []).append(wall)
        self.cpu.setdefault(measure, []).append(cpu)

    def check(self, ok: bool, message: str) -> None:
        self.checks.append((bool(ok), message))


def clock() -> tuple[float, float]:
    """Wall-clock and CPU time (of every thread of this process) now."""
    return time.perf_counter(), time.process_time()


def since(
    start: tuple[float, float], end: tuple[float, float] | None = None
) -> tuple[float, float]:
    """Wall-clock and CPU seconds from ``start`` to ``end`` (default: now)."""
    end = end or clock()
    return end[0] - start[0], end[1] - start[1]


def size_text(data: bytes) -> str:
    return f"{len(data) / 1024**2:,.1f} MB"


# --- another process (a streamlit server), read from /proc ------------------------------------


def process_cpu_s(pid: int) -> float:
    """CPU seconds (user + system, all threads) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _status_mb(pid: int, key: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def server_peak_mb(pid: int) -> float:
    """Peak resident memory of a process so far (VmHWM), in MB."""
    return _status_mb(pid, "VmHWM")


def server_rss_mb(pid: int) -> float:
    """Resident memory of a process now (VmRSS), in MB."""
    return _status_mb(pid, "VmRSS")
