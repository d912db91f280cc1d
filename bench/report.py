"""What a benchmark's run came to (:class:`Outcome`) and the report made of them:
``bench/RESULTS.md`` and stdout. Runs in the parent process (no pandas here).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import os
import platform
import statistics
import sys
from dataclasses import dataclass

from bench.harness import Benchmark


@dataclass
class Outcome:
    bench: Benchmark
    status: str  # "ran", "skipped" or "error"
    reason: str = ""
    result: dict | None = None
    wall_s: float = 0.0
    load: str = ""  # load averages before → after the child
    other_cores: float | None = None  # CPU used by other processes meanwhile, in cores

    def stats(self, measure: str) -> tuple[float, float, float]:
        values = self.result["samples"][measure]
        return statistics.median(values), min(values), max(values)

    def cpu_median(self, measure: str) -> float:
        return statistics.median(self.result["cpu"][measure])

    @property
    def median(self) -> float | None:
        if self.status != "ran":
            return None
        return self.stats(self.result["main"])[0]

    @property
    def passed(self) -> bool | None:
        if self.status == "skipped":
            return None
        return self.status == "ran" and self.median <= self.bench.target_s

    @property
    def verdict(self) -> str:
        if self.status == "skipped":
            return "skipped"
        if self.status == "error":
            return "ERROR"
        return "PASS" if self.passed else "FAIL"

    @property
    def failed_checks(self) -> list[str]:
        if self.result is None:
            return []
        return [message for ok, message in self.result["checks"] if not ok]


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def load_average() -> str:
    try:
        return ", ".join(f"{value:.2f}" for value in os.getloadavg())
    except (OSError, AttributeError):
        return "unknown"


def busy_note(outcomes: list[Outcome]) -> str | None:
    """A warning when other processes used more than a quarter of a core on average while a
    benchmark ran (from /proc/stat minus the benchmark process's own CPU time)."""
    busy = [o for o in outcomes if o.other_cores is not None and o.other_cores > 0.25]
    if not busy:
        return None
    shown = ", ".join(f"{o.bench.name} {o.other_cores:.2f}" for o in busy)
    return (
        f"Other processes kept the machine busy during some benchmarks (cores in use by them "
        f"on average: {shown}; {os.cpu_count()} cores in all). Their wall-clock times are "
        "inflated, and their CPU seconds too when the cores share caches or are hyper-threads "
        "of one core. Rerun on a quiet machine before comparing with the targets."
    )


def machine_lines(load_at_start: str) -> list[str]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next(
                (line.split(":", 1)[1].strip() for line in info if line.startswith("model name")),
                cpu,
            )
    except OSError:
        pass
    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
        ram_text = f"{ram:,.1f} GiB"
    except (ValueError, OSError, AttributeError):
        ram_text = "unknown"
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    packages = ", ".join(
        f"{name} {_version(name)}"
        for name in ("pandas", "numpy", "pyarrow", "python-calamine", "openpyxl", "scikit-learn")
    )
    return [
        f"- CPU: {cpu}; {os.cpu_count()} logical cores ({usable} usable by this process)",
        f"- Load average (1, 5, 15 min): {load_at_start} at the start, {load_average()} at "
        "the end (other work on the machine makes the times noisier)",
        f"- RAM: {ram_text}",
        f"- OS: {platform.platform()}",
        f"- Python {platform.python_version()} ({sys.executable})",
        f"- Packages: {packages}",
    ]


def _seconds(value: float) -> str:
    return f"{value:.3f}"


def _cores(value: float | None) -> str:
    return "an unknown share of the CPU" if value is None else f"{value:.2f} cores"


def _mb(value: float) -> str:
    return f"{value:,.0f}"


def summary_table(outcomes: list[Outcome]) -> list[str]:
    lines = [
        "| benchmark | input | median s | min s | max s | median CPU s | peak mem Δ MB "
        "| peak RSS MB | target | result |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for o in outcomes:
        target = f"≤ {o.bench.target_s:g} s"
        if o.status != "ran":
            lines.append(
                f"| {o.bench.name} | — | — | — | — | — | — | — | {target} | "
                f"{o.verdict}: {o.reason} |"
            )
            continue
        r = o.result
        median, low, high = o.stats(r["main"])
        lines.append(
            f"| {o.bench.name} | {r['input']} | {_seconds(median)} | {_seconds(low)} | "
            f"{_seconds(high)} | {_seconds(o.cpu_median(r['main']))} | "
            f"{_mb(r['peak_mb'] - r['baseline_mb'])} | "
            f"{_mb(r['peak_mb'])} | {target} | {o.verdict} |"
        )
    return lines


def detail_section(o: Outcome) -> list[str]:
    lines = [f"### {o.bench.name}", "", f"{o.bench.what}. Target: median ≤ {o.bench.target_s:g} s."]
    if o.status != "ran":
        return [*lines, "", f"**{o.verdict}**: {o.reason}", ""]
    r = o.result
    n = len(r["samples"][r["main"]])
    lines += [
        "",
        f"Input: {r['input']}. {n} repeat{'s' * (n != 1)} in one fresh process "
        f"({o.wall_s:.1f} s wall time including start-up and input preparation). "
        f"Meanwhile other processes used {_cores(o.other_cores)} on average; load average "
        f"{o.load}.",
        "",
        "| measure | input | median s | min s | max s | median CPU s | peak mem Δ MB "
        "| peak RSS MB | target | result |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for measure in r["samples"]:
        median, low, high = o.stats(measure)
        name = measure.replace("  ", "&nbsp;&nbsp;↳ ", 1) if measure.startswith("  ") else measure
        if measure == r["main"]:
            memory = f"{_mb(r['peak_mb'] - r['baseline_mb'])} | {_mb(r['peak_mb'])}"
            verdict = f"≤ {o.bench.target_s:g} s | **{o.verdict}**"
            shown_input = r["input"]
        else:
            memory, verdict, shown_input = "″ | ″", "— | —", "″"
        lines.append(
            f"| {name} | {shown_input} | {_seconds(median)} | {_seconds(low)} | "
            f"{_seconds(high)} | {_seconds(o.cpu_median(measure))} | {memory} | {verdict} |"
        )
    lines += [
        "",
        f"Memory: {_mb(r['baseline_mb'])} MB after imports, {_mb(r['after_input_mb'])} MB with "
        f"the input in memory, {_mb(r['peak_mb'])} MB peak; Δ = peak − after imports (it "
        "includes the input bytes, which the app also holds).",
        "",
    ]
    for ok, message in r["checks"]:
        lines.append(f"- {'✓' if ok else '⚠ WARNING:'} {message}")
    lines += [f"- {note}" for note in r["info"]]
    lines.append("")
    return lines


def report(
    outcomes: list[Outcome],
    args: argparse.Namespace,
    started: dt.datetime,
    total_s: float,
    notes: list[str],
    load_at_start: str,
) -> str:
    command = "python bench/run.py " + " ".join(sys.argv[1:])
    lines = [
        "# Benchmark results",
        "",
        f"Generated {started:%Y-%m-%d %H:%M} (local time) by `{command.strip()}` in "
        f"{total_s:.0f} s; {args.repeat} repeat{'s' * (args.repeat != 1)} per benchmark, each "
        "in a fresh process. Times are medians of `time.perf_counter` (wall clock; CPU s: "
        "`time.process_time`, every thread of the process); peak memory is `ru_maxrss` of that "
        "process (Δ: above the level after imports). Rerun with `python bench/run.py`; see "
        "`bench/README.md`.",
        "",
        "## Machine",
        "",
        *machine_lines(load_at_start),
        "",
        "## Summary",
        "",
        *summary_table(outcomes),
        "",
    ]
    if notes:
        lines += [*(f"- {note}" for note in notes), ""]
    lines += ["## Details", ""]
    for o in outcomes:
        lines += detail_section(o)
    return "\n".join(lines).rstrip() + "\n"
