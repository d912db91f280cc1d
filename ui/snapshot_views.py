"""Share with data: the sidebar's "Share with data" control, opening a ``?data=`` link and
confirming a ``?revoke=`` link.

"Copy link" carries settings only; "Share with data" seals the whole analysis with its
customer table (:mod:`segmentation.sharing.analysis_copies`) under a key that exists only in
the link, stores the ciphertext in the snapshot database for the days the sender chose and shows
the link and, once, its revoke link. Opening a data link decrypts the copy in this session's
memory; the session then works on its own copy, so edits never reach the stored snapshot or
anyone else who opened the link.

The store and the rate limiter are one per server process (``st.cache_resource``); the rate
limit is per session, keyed by a random id kept in the session's state.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime

import streamlit as st

from segmentation import SegmentationError
from segmentation.sharing.analysis_copies import (
    OpenedAnalysis,
    analysis_from_snapshot,
    analysis_snapshot,
)
from segmentation.sharing.projects import Project
from segmentation.sharing.rate_limits import RateLimiter
from segmentation.sharing.snapshot_store import (
    DEFAULT_DAYS,
    MAX_DAYS,
    MIN_DAYS,
    SnapshotStore,
    database_url,
    open_snapshot,
    open_store,
    revoke_snapshot,
    share_snapshot,
)
from segmentation.sharing.snapshots import (
    LINK_QUERY_KEY,
    REVOKE_QUERY_KEY,
    RevokeLink,
    link_from_query,
    parse_revoke_link,
)
from ui import state
from ui.messages import flash

SESSION_ID = "share_data_session_id"  # random per session: the rate limiter's key
RESULT = "share_data_result"  # the last share of this session: links and expiry
REVOKE_PENDING = "share_revoke_pending"  # a revoke link waiting for the user's confirmation
DAYS = "share_data_days"
DIFFERENCE = (
    "**Copy link** carries the settings only: whoever opens it needs the same data file. "
    "**Share with data** stores an encrypted copy of this analysis with its customer table for "
    "the days you choose, so anyone with the link opens it without uploading anything."
)
UNCHANGED = "Your current analysis is unchanged."


@st.cache_resource(show_spinner=False, max_entries=4)
def _store_for(url: str) -> SnapshotStore:
    return open_store(url=url)


def snapshot_store() -> SnapshotStore:
    """The configured snapshot store (one per database URL and server process)."""
    return _store_for(database_url(st.secrets))


@st.cache_resource(show_spinner=False)
def rate_limiter() -> RateLimiter:
    """How often each session may share with data (one limiter per server process)."""
    return RateLimiter()


def session_key() -> str:
    """This session's random id for the rate limiter (not Streamlit's session id)."""
    return st.session_state.setdefault(SESSION_ID, secrets.token_urlsafe(16))


# --- opening links --------------------------------------------------------------------------


def data_link_in_url() -> bool:
    """Whether the page was opened with a ``?data=`` link."""
    return bool(st.query_params.get(LINK_QUERY_KEY))


def open_data_link() -> OpenedAnalysis | None:
    """The analysis the page's ``?data=`` link holds, decrypted in memory; ``None`` (with a
    message, the current analysis kept) when the link is malformed, unknown, expired, revoked or
    tampered with, or when there is none."""
    try:
        link = link_from_query(st.query_params)
        if link is None:
            return None
        with st.spinner("Opening the shared analysis…"):
            return analysis_from_snapshot(open_snapshot(snapshot_store(), link))
    except SegmentationError as err:
        st.error(f"{err}\n\n{UNCHANGED}", icon=":material/link_off:")
        return None


def check_revoke_link() -> None:
    """Note a ``?revoke=`` link for :func:`render_revoke_confirm` (or say why it is broken)."""
    text = st.query_params.get(REVOKE_QUERY_KEY)
    if not text:
        return
    try:
        st.session_state[REVOKE_PENDING] = parse_revoke_link(str(text))
    except SegmentationError as err:
        st.error(f"{err}\n\nNothing was withdrawn.", icon=":material/link_off:")


def render_revoke_confirm() -> None:
    """Ask before withdrawing the analysis a revoke link points to."""
    revoke: RevokeLink | None = st.session_state.get(REVOKE_PENDING)
    if revoke is None:
        return
    with st.container(border=True):
        st.warning(
            "**Withdraw a shared analysis?** This is the revoke link of an analysis shared with "
            "data. Withdrawing deletes its stored copy for good: its link stops working for "
            "everyone who has it. Your own analysis in this window is not affected.",
            icon=":material/delete_forever:",
        )
        left, right = st.columns(2)
        confirm = left.button(
            "Withdraw the shared analysis",
            key="share_revoke_confirm",
            type="primary",
            icon=":material/delete_forever:",
            help="Deletes the encrypted copy now; the data link then says it was withdrawn.",
        )
        keep = right.button(
            "Keep it", key="share_revoke_keep", help="Leave the shared analysis as it is."
        )
    if confirm:
        _revoke(revoke)
    elif keep:
        _forget_revoke()
        flash("info", "The shared analysis was kept; its link still works.")
        st.rerun()


def _revoke(revoke: RevokeLink) -> None:
    try:
        revoked = revoke_snapshot(snapshot_store(), revoke)
    except SegmentationError as err:
        st.error(f"{err}\n\nNothing was withdrawn.", icon=":material/error:")
        return
    _forget_revoke()
    if revoked:
        flash("success", "The shared analysis was withdrawn and its data deleted. Its link now "
              "says so to anyone who opens it.")  # fmt: skip
    else:
        flash("info", "This shared analysis had already been withdrawn or had expired; its data "
              "was deleted then.")  # fmt: skip
    st.rerun()


def _forget_revoke() -> None:
    st.session_state.pop(REVOKE_PENDING, None)
    if REVOKE_QUERY_KEY in st.query_params:
        del st.query_params[REVOKE_QUERY_KEY]


# --- the sidebar control --------------------------------------------------------------------


def render_share_with_data(project: Callable[[], Project], waiting: bool) -> None:
    """The "Share with data" popover. ``project`` makes the session's project (with labels);
    ``waiting``: a shared link is still waiting for its data file, so there is nothing to share."""
    with st.popover(
        "Share with data",
        icon=":material/cloud_upload:",
        width="stretch",
        help="A link that opens this analysis with its customer table, for the days you choose, "
        "without uploading anything.",
    ):
        st.markdown(DIFFERENCE)
        if waiting:
            st.caption("Load the data file the opened link asks for first; then share it.")
            return
        days = st.number_input(
            "Link works for (days)",
            min_value=MIN_DAYS,
            max_value=MAX_DAYS,
            value=DEFAULT_DAYS,
            step=1,
            key=DAYS,
            help=f"From {MIN_DAYS} to {MAX_DAYS} days (default {DEFAULT_DAYS}). After that the "
            "stored copy is deleted and the link says it expired. You can withdraw it earlier "
            "with the revoke link.",
        )
        if st.button(
            "Create link with data",
            key="share_data_create",
            type="primary",
            icon=":material/lock:",
            width="stretch",
            help="Encrypts this analysis and its customer table under a key that exists only in "
            "the link, and stores the encrypted copy on the server.",
        ):
            _share(project, int(days))
        _render_result()


def _share(project: Callable[[], Project], days: int) -> None:
    try:
        rate_limiter().acquire(session_key())
        snapshot = analysis_snapshot(state.active_data(), project())
        with st.spinner("Encrypting and storing the analysis…"):
            shared = share_snapshot(snapshot_store(), snapshot, days=days)
    except SegmentationError as err:
        st.error(f"{err}\n\n{UNCHANGED}", icon=":material/error:")
        return
    base = st.context.url or ""
    st.session_state[RESULT] = {
        "link": f"{base}?{shared.link.query}",
        "revoke": f"{base}?{shared.revoke.query}",
        "expires_at": shared.expires_at,
        "size": shared.size,
    }


def _size_text(size: int) -> str:
    kb = size / 1024
    return f"{kb:,.0f} KB" if kb < 1024 else f"{kb / 1024:,.1f} MB"


def _render_result() -> None:
    result = st.session_state.get(RESULT)
    if result is None:
        return
    expires: datetime = result["expires_at"]
    st.success(
        f"Shared until **{expires:%d %B %Y}** ({_size_text(result['size'])} encrypted). "
        "Anyone with this link opens the analysis with its data; point at it and "
        "click the copy icon at its right.",
        icon=":material/check_circle:",
    )
    st.code(result["link"], language=None, wrap_lines=False)
    if result.get("revoke") is None:
        return
    st.warning(
        "**Keep this revoke link now: it is shown only once.** It withdraws the shared analysis "
        "before it expires; the server keeps no copy of it. Do not send it with the link.",
        icon=":material/key:",
    )
    st.code(result["revoke"], language=None, wrap_lines=False)
    if st.button(
        "I have saved the revoke link",
        key="share_data_saved_revoke",
        help="Hides the revoke link; it cannot be shown again.",
    ):
        st.session_state[RESULT] = {**result, "revoke": None}
        st.rerun()
