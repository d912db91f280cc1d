"""Sessions idle for too long give their data back: a server-wide registry of each session's
last activity, swept at every script run of any session.

A session idle for longer than ``SEGMENT_STUDIO_IDLE_MINUTES`` (default 60) has its session
state cleared and its uploaded files dropped by the next script run of another session; nothing
was ever on disk, so its data is gone. When its user comes back, a dialog says so and offers to
upload the file again or to carry on with the sample. The session whose run sweeps is active,
so it never releases itself.

There is no background thread: a server nobody uses keeps the idle data until somebody uses it,
which is when memory is needed.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

IDLE_ENV = "SEGMENT_STUDIO_IDLE_MINUTES"
DEFAULT_IDLE_MINUTES = 60.0
RELEASED = "released_after_idle_minutes"  # set in a released session's state: the idle limit
STREAMLIT_KEYS = "$$"  # widget values ("$$ID-…") and Streamlit's own keys: kept on release
HANDLE = "_session_handle"  # the session's entry in the registry (see SessionHandle)


def idle_minutes() -> float:
    """Minutes without activity after which a session's data is released (env, default 60)."""
    try:
        minutes = float(os.environ.get(IDLE_ENV, "").strip() or DEFAULT_IDLE_MINUTES)
    except ValueError:
        return DEFAULT_IDLE_MINUTES
    return minutes if minutes > 0 else DEFAULT_IDLE_MINUTES


def released_message(minutes: float) -> str:
    """What a user whose data was released is told."""
    return (
        f"Your data was released after {minutes:g} minutes without activity to free memory for "
        "other users — upload it again or open the sample."
    )


@dataclass(eq=False)
class SessionHandle:
    """What the registry knows of one session: its state, its id and its last activity.

    Kept in the session's own state and held weakly by the registry, so a closed session (its
    state and this handle, a cycle the garbage collector frees) drops out of the registry.
    """

    state: Any
    session_id: str
    last_active: float = 0.0


Release = Callable[[SessionHandle], None]


class SessionRegistry:
    """Last activity of every live session, and the sweep that releases the idle ones.

    Sessions are held weakly (a closed session drops out by itself). ``clock`` returns seconds
    (monotonic); ``release(handle)`` frees one session's data. The lock makes a sweep and a
    session's own activity mutually exclusive: a session touched during a sweep is either
    released before its run reads its state, or not released at all. Activity is the start of
    a script run, so the limit must stay well above the longest run (minutes, not seconds).
    """

    def __init__(
        self,
        idle_s: Callable[[], float],
        release: Release,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.idle_s, self.release, self.clock = idle_s, release, clock
        self._handles: weakref.WeakSet[SessionHandle] = weakref.WeakSet()
        self._lock = threading.Lock()

    def touch(self, handle: SessionHandle) -> None:
        """Note that the session of ``handle`` is active now."""
        with self._lock:
            handle.last_active = self.clock()
            self._handles.add(handle)

    def sweep(self, current: SessionHandle | None = None) -> int:
        """Release every session (but ``current``) idle for longer than the limit; how many."""
        with self._lock:
            limit, now = self.idle_s(), self.clock()
            idle = [
                handle
                for handle in list(self._handles)
                if handle is not current and now - handle.last_active > limit
            ]
            for handle in idle:
                self._handles.discard(handle)
                self.release(handle)
        return len(idle)

    def __len__(self) -> int:
        return len(self._handles)


def release_session(handle: SessionHandle) -> None:
    """Clear a session's state (its data, segmentations, settings) and drop its uploaded files,
    leaving only the mark that tells its user why. Widgets keep their values (small, and the
    browser sends them again anyway); an uploader's value is empty at the next run."""
    state = handle.state
    for key in [k for k in list(state) if not str(k).startswith(STREAMLIT_KEYS)]:
        del state[key]
    state[RELEASED] = idle_minutes()
    ctx = get_script_run_ctx()
    if ctx is not None:
        ctx.uploaded_file_mgr.remove_session_files(handle.session_id)


@st.cache_resource(show_spinner=False)
def session_registry() -> SessionRegistry:
    """The server's one registry of sessions' activity."""
    return SessionRegistry(lambda: idle_minutes() * 60, release_session)


def note_activity() -> None:
    """Call at every script run: mark this session active, release the idle ones, and tell this
    session's user if it was released while they were away."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return
    handle = st.session_state.get(HANDLE)
    if handle is None:
        state = getattr(ctx.session_state, "_state", None)  # the session's SessionState itself
        if state is None:
            return
        handle = st.session_state[HANDLE] = SessionHandle(state, ctx.session_id)
    registry = session_registry()
    registry.touch(handle)
    registry.sweep(current=handle)
    minutes = st.session_state.pop(RELEASED, None)
    if minutes is not None:
        _released_dialog(minutes)


@st.dialog("Your data was released")
def _released_dialog(minutes: float) -> None:
    st.write(released_message(minutes))
    upload, sample = st.columns(2)
    if upload.button("Upload it again", type="primary", width="stretch"):
        st.switch_page("pages/data.py")
    if sample.button("Open the sample", width="stretch"):
        st.rerun()
