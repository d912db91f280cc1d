"""Python's cyclic garbage collector paused while a table is typed.

Typing a wide table makes tens of thousands of short-lived pandas objects; each time their count
passes the collector's threshold it walks every object alive, the whole table included. On a
3,000-column file that was about a fifth of the time (6.5 s with the collector, 5.3 s without).
Reference counting still frees every object as soon as it is unused; only cycles wait until the
collector runs again, once the last typing in the process has finished.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_state = {"pausing": 0, "was_enabled": False}


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic collector off inside the block; safe when several threads (sessions) enter at
    once: it is turned back on when the last one leaves, and only if it was on before.

    >>> with collector_paused():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    with _lock:
        if _state["pausing"] == 0:
            _state["was_enabled"] = gc.isenabled()
            gc.disable()
        _state["pausing"] += 1
    try:
        yield
    finally:
        with _lock:
            _state["pausing"] -= 1
            if _state["pausing"] == 0 and _state["was_enabled"]:
                gc.enable()
