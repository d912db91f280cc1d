"""How often one session may share an analysis with data: a token bucket per session.

>>> seconds = [0.0]
>>> limiter = RateLimiter(max_snapshots=1, per_minutes=1, clock=lambda: seconds[0])
>>> limiter.acquire("session-a")
>>> limiter.allows("session-a"), limiter.allows("session-b")
(False, True)
>>> seconds[0] = 60.0
>>> limiter.allows("session-a")
True
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from segmentation.errors import SnapshotRateLimitError


class RateLimiter:
    """At most ``max_snapshots`` per ``per_minutes`` minutes for each session (token bucket).

    Thread-safe; keep one per process (``st.cache_resource``). ``clock`` returns seconds
    (``time.monotonic`` by default). Buckets that have refilled are forgotten, so memory stays
    bounded by the sessions active within the window.

    >>> limiter = RateLimiter(max_snapshots=1, per_minutes=10)
    >>> limiter.acquire("session-a")
    >>> limiter.allows("session-a"), limiter.allows("session-b")
    (False, True)
    """

    def __init__(
        self,
        max_snapshots: int = 5,
        per_minutes: float = 10,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_snapshots < 1 or per_minutes <= 0:
            raise ValueError("max_snapshots must be at least 1 and per_minutes positive")
        self.max_snapshots, self.per_minutes, self.clock = max_snapshots, per_minutes, clock
        self._rate = max_snapshots / (per_minutes * 60.0)  # tokens per second
        self._buckets: dict[str, tuple[float, float]] = {}  # session → (tokens, at)
        self._lock = threading.Lock()

    def _tokens(self, session_id: str, now: float) -> float:
        tokens, at = self._buckets.get(session_id, (float(self.max_snapshots), now))
        return min(float(self.max_snapshots), tokens + (now - at) * self._rate)

    def allows(self, session_id: str) -> bool:
        """Whether the session may create a snapshot now (takes nothing)."""
        with self._lock:
            return self._tokens(session_id, self.clock()) >= 1.0

    def acquire(self, session_id: str) -> None:
        """Take one snapshot from the session's allowance, or raise ``SnapshotRateLimitError``
        saying how long to wait."""
        with self._lock:
            now = self.clock()
            tokens = self._tokens(session_id, now)
            if tokens < 1.0:
                wait = (1.0 - tokens) / self._rate
                raise SnapshotRateLimitError(
                    f"This session has shared {self.max_snapshots} analyses with data in the last "
                    f"{self.per_minutes:g} minutes, the most allowed. Try again in "
                    f"{_duration(wait)}, or use 'Copy link' to share the settings only."
                )
            self._buckets[session_id] = (tokens - 1.0, now)
            self._forget_full(now)

    def _forget_full(self, now: float) -> None:
        full = [s for s in self._buckets if self._tokens(s, now) >= self.max_snapshots]
        for session_id in full:
            del self._buckets[session_id]


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{max(1, round(seconds))} seconds"
    minutes = round(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
