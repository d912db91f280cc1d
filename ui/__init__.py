"""Streamlit glue: the only package that imports both streamlit and segmentation."""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def _leave_legacy_pages_mode() -> None:
    """Run the app through app.py's ``st.navigation`` even when a link opens a page first.

    Streamlit treats a ``pages/`` folder beside the entry script as the legacy multipage
    layout until ``st.navigation`` has run once in the server process, so on a fresh server a
    shared link to ``/data`` would run the page file alone (no page config, a folder-made
    sidebar). Importing ``ui`` from such a run switches the process to ``st.navigation`` and
    reruns, which then goes through app.py and lands on the same page.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def _warm_up_maps() -> None:
    """Start loading UMAP's compiled code in the background at the first run in this server
    process, so the Map page does not wait for it (see segmentation.mapping.embedding)."""
    from ui.map_state import start_warm_up

    start_warm_up()


_warm_up_maps()
_leave_legacy_pages_mode()
