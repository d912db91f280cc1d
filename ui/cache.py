"""A small, bounded, thread-safe cache for work that reports progress while it runs.

Streamlit's caches replay the elements a cached function drew, which breaks a progress bar
created outside the function; this cache stores only the result, keyed by content hashes.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import pandas as pd

from segmentation import CustomerData


class BoundedCache:
    """Least-recently-used cache with at most ``max_entries`` results, shared by all sessions."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The cached result for ``key``, computing (outside the lock) and storing it if absent."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = compute()
        self.put(key, value)
        return value

    def peek(self, key: Hashable) -> Any | None:
        """The cached result for ``key`` (marked as recently used), or None."""
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: Hashable, value: Any) -> None:
        """Store a result, dropping the least recently used beyond ``max_entries``."""
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


def data_key(data: CustomerData) -> str:
    """A hash of the data's content and its column roles: the key of the caches of its results."""
    payload = data.source.content_sha256 + json.dumps(data.schema.to_records(), default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def content_key(values: pd.Series | pd.DataFrame, index: bool, extra: str = "") -> str:
    """A sha256 of a table's values (and its index when ``index``): a cache key that, unlike
    Streamlit's sampled DataFrame hash, changes with any cell."""
    hashed = pd.util.hash_pandas_object(values, index=index).to_numpy()
    return hashlib.sha256(hashed.tobytes() + extra.encode()).hexdigest()
