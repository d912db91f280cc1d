"""What the pages' background work (the map's layout, the prediction fit) shares: which browser
session is asking, and withdrawing a session's interest in queued jobs it no longer waits for."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from streamlit.runtime.scriptrunner import get_script_run_ctx


def session_id() -> str:
    """The id of the browser session running this script ("no-session" outside a server)."""
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "no-session"


def withdraw(jobs: MutableMapping[str, Any], session: str, keep: str) -> None:
    """Forget ``session``'s interest in the queued ``jobs`` other than ``keep``; drop the ones
    nobody waits for any more (a job that already started runs to its end).

    The caller holds the lock guarding ``jobs``; each job has ``sessions`` (a set) and
    ``future`` (a ``concurrent.futures.Future`` or ``None``).
    """
    for key, other in list(jobs.items()):
        if key == keep or session not in other.sessions:
            continue
        other.sessions.discard(session)
        if not other.sessions and other.future is not None and other.future.cancel():
            del jobs[key]
