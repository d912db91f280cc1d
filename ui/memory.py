"""The server's memory, shared by every session: a budget that refuses a new upload before it
could exhaust the machine, large files read one at a time, and uploaded bytes released once read.

Reading a file costs far more memory than the file while it runs (the Online Retail CSV, 45 MB,
peaks about 260 MB above the process), so several users uploading at once are what takes a
small server down. Large reads therefore wait for each other (one at a time by default: on a
small machine two reads at once are not faster), and each is admitted only when the process's
resident memory plus what the reads in progress reserved plus its own estimate fit the budget.

``SEGMENT_STUDIO_MEMORY_BUDGET_MB`` sets the budget; by default it is 80 % of the memory the
machine or its container (cgroup limit) allows.
"""

from __future__ import annotations

import ctypes
import gc
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.uploaded_file_manager import UploadedFile

from segmentation.errors import SegmentationError

BUDGET_ENV = "SEGMENT_STUDIO_MEMORY_BUDGET_MB"
READ_SLOTS_ENV = "SEGMENT_STUDIO_READ_SLOTS"
BUDGET_SHARE = 0.8  # of the machine's or container's memory, when the budget is not set
# Peak memory of a read above the process, per MB of the file's uncompressed content: measured
# 5.8 for the Online Retail CSV; spreadsheets and Parquet expand more than text.
READ_FACTORS = {".xlsx": 12.0, ".xls": 12.0, ".parquet": 10.0}
TEXT_READ_FACTOR = 6.0
GZIP_RATIO_GUESS = 8.0  # compressed → content, when the gzip trailer cannot be trusted
SMALL_READ_MB = 64.0  # reads estimated below this do not queue (they are still budgeted)
QUEUE_TIMEOUT_S = 600.0


class ServerBusyError(SegmentationError):
    """The server has no memory to spare for this file now; the user can try again later."""


def machine_memory_mb() -> float:
    """The memory this process may use: the container's cgroup limit, else the machine's RAM."""
    total = _meminfo_total_mb()
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(path).read_text().strip()
        except OSError:
            continue
        if text.isdigit():
            total = min(total, int(text) / 2**20)
    return total


def _meminfo_total_mb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")) / 2**20


def memory_budget_mb() -> float:
    """The server's memory budget in MB: ``SEGMENT_STUDIO_MEMORY_BUDGET_MB``, else 80 % of
    :func:`machine_memory_mb`."""
    configured = os.environ.get(BUDGET_ENV, "").strip()
    if configured:
        try:
            return float(configured)
        except ValueError:
            pass
    return BUDGET_SHARE * machine_memory_mb()


def process_rss_mb() -> float:
    """Resident memory of this server process now, in MB (from /proc; 0 where there is none)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def read_estimate_mb(data: bytes, file_name: str) -> float:
    """The memory reading ``data`` will need at its peak, in MB (an estimate, on the high side)."""
    name = file_name.lower()
    content_mb = len(data) / 2**20
    if name.endswith(".gz"):
        content_mb = _gzip_content_mb(data)
        name = name[:-3]
    factor = next((f for ext, f in READ_FACTORS.items() if name.endswith(ext)), TEXT_READ_FACTOR)
    return content_mb * factor


def _gzip_content_mb(data: bytes) -> float:
    """The uncompressed size a gzip file declares in its trailer (modulo 4 GB: checked)."""
    compressed_mb = len(data) / 2**20
    declared_mb = int.from_bytes(data[-4:], "little") / 2**20 if len(data) >= 18 else 0.0
    if declared_mb < compressed_mb:  # several members, or larger than 4 GB: not reliable
        return compressed_mb * GZIP_RATIO_GUESS
    return declared_mb


def release_free_memory() -> None:
    """Hand memory freed by a large read back to the system (Arrow's pool and glibc's heap
    keep it otherwise, and the process's peak grows with every session)."""
    gc.collect()
    pa.default_memory_pool().release_unused()
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _load_libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim  # noqa: B018  (glibc only)
    except (OSError, AttributeError):
        return None
    return libc


def _return_large_blocks_to_the_system() -> None:
    """Allocate large tables so that freeing them gives the memory back to the system.

    Arrow's default pool (mimalloc) and glibc's heap keep freed memory for reuse by the same
    thread, and Streamlit runs each session's script in its own thread: with ten sessions the
    server kept ~100 MB per session after their uploads were gone. Arrow's system pool with a
    fixed 4 MB mmap threshold (glibc) returns each large block when it is freed. Measured on ten
    Online Retail reads one after the other, then aggregated at once (in one process): peak
    1.64 GB instead of 1.86 GB, and 0.21 GB instead of 0.42 GB once done.
    """
    pa.set_memory_pool(pa.system_memory_pool())
    if _LIBC is not None:
        _LIBC.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)


M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
MMAP_THRESHOLD_BYTES = 4 * 2**20
_LIBC = _load_libc()
_return_large_blocks_to_the_system()


class MemoryGate:
    """Admits large reads one (or ``slots``) at a time, each only if it fits the budget."""

    def __init__(
        self,
        budget_mb: Callable[[], float] = memory_budget_mb,
        rss_mb: Callable[[], float] = process_rss_mb,
        slots: int = 1,
        queue_timeout_s: float = QUEUE_TIMEOUT_S,
    ) -> None:
        self.budget_mb, self.rss_mb, self.queue_timeout_s = budget_mb, rss_mb, queue_timeout_s
        self._slots = threading.BoundedSemaphore(slots)
        self._lock = threading.Lock()
        self.reserved_mb = 0.0
        self.waiting = 0

    @contextmanager
    def admit(
        self,
        estimate_mb: float,
        what: str,
        on_wait: Callable[[], object] | None = None,
        queue: bool | None = None,
    ) -> Iterator[None]:
        """Run the block once ``estimate_mb`` fits the budget; raise :class:`ServerBusyError`
        if it does not, or if the queue of large reads does not move for ``queue_timeout_s``.
        ``on_wait`` is called once when the read has to wait for another one; ``queue``: whether
        to wait for the other large reads (default: when the estimate is large)."""
        large = estimate_mb >= SMALL_READ_MB if queue is None else queue
        if large:
            self._wait_for_slot(what, on_wait)
        try:
            self._reserve(estimate_mb, what)
            try:
                yield
            finally:
                with self._lock:
                    self.reserved_mb -= estimate_mb
                if large:
                    release_free_memory()
        finally:
            if large:
                self._slots.release()

    def _wait_for_slot(self, what: str, on_wait: Callable[[], object] | None) -> None:
        if self._slots.acquire(blocking=False):
            return
        if on_wait is not None:
            on_wait()
        with self._lock:
            self.waiting += 1
        try:
            admitted = self._slots.acquire(timeout=self.queue_timeout_s)
        finally:
            with self._lock:
                self.waiting -= 1
        if not admitted:
            raise ServerBusyError(
                f"The server is busy: other large files have been read for "
                f"{self.queue_timeout_s / 60:g} minutes before {what} could start. Try again in "
                "a few minutes."
            )

    def _reserve(self, estimate_mb: float, what: str) -> None:
        with self._lock:
            used_mb, budget_mb = self.rss_mb() + self.reserved_mb, self.budget_mb()
            if used_mb + estimate_mb > budget_mb:
                raise ServerBusyError(
                    f"The server is busy: it uses {used_mb:,.0f} MB of its {budget_mb:,.0f} MB "
                    f"memory budget, and reading {what} needs about {estimate_mb:,.0f} MB more. "
                    "Try again in a few minutes, or upload a smaller file (fewer rows or "
                    "columns, or a customer export instead of order lines)."
                )
            self.reserved_mb += estimate_mb


def _read_slots() -> int:
    try:
        return max(1, int(os.environ.get(READ_SLOTS_ENV, "1")))
    except ValueError:
        return 1


@st.cache_resource(show_spinner=False)
def memory_gate() -> MemoryGate:
    """The server's one gate for large reads (``SEGMENT_STUDIO_READ_SLOTS`` at once, default 1)."""
    return MemoryGate(slots=_read_slots())


def release_upload(data: bytes) -> None:
    """Free this session's uploaded file whose content is ``data``, now that it was read.

    Streamlit keeps an upload for as long as its widget shows it: the bytes in its upload
    manager, shared by the widget's value in session state. The file leaves the manager (the
    widget's value is ``None`` from the user's next action on; it still shows the name) and the
    value's buffer is emptied now: only an ``st.rerun()`` before the user's next action sees
    that empty value, under the ``file_id`` the Data page and the join skip as already read.
    Measured with ten sessions reading Online Retail: 48 MB per session kept without the
    emptying, none with it.
    """
    ctx = get_script_run_ctx()
    remove = getattr(ctx.uploaded_file_mgr, "remove_file", None) if ctx else None
    if remove is None:
        return
    for key in list(st.session_state.keys()):
        value = st.session_state.get(key)
        if isinstance(value, UploadedFile) and value.getvalue() == data:
            remove(ctx.session_id, value.file_id)
            value.seek(0)
            value.truncate()
