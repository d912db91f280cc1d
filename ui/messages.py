"""Messages kept across a rerun, shown once on the next run."""

from __future__ import annotations

import streamlit as st

FLASH = "flash_message"


def flash(kind: str, message: str) -> None:
    """Keep a message to show once after the next rerun ("success", "error" or "info")."""
    st.session_state[FLASH] = (kind, message)


def show_flash() -> None:
    """Show and forget the message kept by :func:`flash`."""
    kind, message = st.session_state.pop(FLASH, (None, None))
    if kind == "error":
        st.error(message, icon=":material/error:")
    elif kind == "success":
        st.success(message, icon=":material/check_circle:")
    elif kind == "info":
        st.info(message, icon=":material/info:")
