"""Session-state keys and the cached loaders: the only place pages get their data from.

Everything a user uploads lives in their own ``st.session_state`` (memory only, never on disk);
the shared cache holds only the bundled sample, which is the same for everyone. Reading an upload
goes through the server's memory gate (:mod:`ui.memory`), and its bytes are released once read.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd
import streamlit as st

from segmentation import (
    MAX_FILE_MB,
    CustomerData,
    LoadedTable,
    OrderColumns,
    TypedTable,
    customers_from_orders,
    customers_from_table,
    load_sample,
)
from segmentation.data.build import read_input
from segmentation.data.dataset import SAMPLE_DIR
from segmentation.data.layouts import Layout, detect_layout
from ui import memory, sessions
from ui.segments_state import forget_segmentations

EXAMPLE_ORDERS = SAMPLE_DIR / "examples" / "online_retail_excerpt.csv.gz"
ACTIVE_DATA = "active_data"
PENDING_ORDERS = "pending_orders"
LAST_UPLOAD = "last_upload_id"
AGGREGATE_FACTOR = 1.5  # peak memory of aggregating orders, per MB of the typed orders


@dataclass(frozen=True)
class PendingOrders:
    """An uploaded orders file waiting for the user's go-ahead to become customers.

    ``table`` keeps how the file was read but not its raw text frame (only its row count):
    the typed frame is all the mapping and the aggregation read, and the raw one is as large.
    """

    table: LoadedTable
    typed: TypedTable
    suggested: OrderColumns
    layout: Layout | None = None  # the platform layout the mapping was pre-filled from


# cache_resource, not cache_data: one object shared by every session (read-only), where
# cache_data would unpickle a copy for each session at each call
@st.cache_resource(max_entries=1, show_spinner="Loading the Pet Dynamics sample…")
def cached_sample() -> CustomerData:
    """The bundled sample, computed once per server process and shared (it holds no user data)."""
    return load_sample()


@st.cache_resource(max_entries=1, show_spinner="Reading the example orders…")
def example_orders() -> PendingOrders:
    """The bundled Online Retail excerpt, read as an orders upload would be."""
    return read_upload(EXAMPLE_ORDERS.read_bytes(), EXAMPLE_ORDERS.name, max_mb=MAX_FILE_MB)


def active_data() -> CustomerData:
    """The customer table this session works on; the bundled sample until the user uploads.

    Every page starts with it, so it also notes the session's activity (:mod:`ui.sessions`).
    """
    sessions.note_activity()
    if ACTIVE_DATA not in st.session_state:
        st.session_state[ACTIVE_DATA] = cached_sample()
    return st.session_state[ACTIVE_DATA]


def set_active_data(data: CustomerData) -> None:
    """Make ``data`` the table every page works on, dropping any pending orders file.

    Segmentations label the customers of the data they were made on, so new data drops them;
    edits to column roles of the same data keep them.
    """
    previous = st.session_state.get(ACTIVE_DATA)
    st.session_state[ACTIVE_DATA] = data
    dropped = st.session_state.pop(PENDING_ORDERS, None)
    if previous is None or previous.source.content_sha256 != data.source.content_sha256:
        forget_segmentations()
    if dropped is not None:
        del dropped, previous
        memory.release_free_memory()  # the orders' typed table can be large


def pending_orders() -> PendingOrders | None:
    """The orders file awaiting aggregation, if any."""
    return st.session_state.get(PENDING_ORDERS)


def upload_limit_mb() -> float:
    """The upload limit configured for the server (``server.maxUploadSize``), in MB."""
    return float(st.get_option("server.maxUploadSize"))


def read_upload(data: bytes, file_name: str, max_mb: float) -> CustomerData | PendingOrders:
    """Read an upload: customer files become data at once, orders files wait for consent.

    Raises the package's ``SegmentationError`` family for files that cannot be used, and
    ``ServerBusyError`` (of that family) when the server's memory budget has no room for it;
    the caller shows the message and the active data stays as it was. The upload's bytes are
    released from the session once read, whatever the outcome.
    """
    estimate_mb = memory.read_estimate_mb(data, file_name)
    try:
        with memory.memory_gate().admit(estimate_mb, file_name, on_wait=_toast_waiting):
            outcome = _read(data, file_name, max_mb)  # its raw table is freed inside the gate
    finally:
        memory.release_upload(data)
    return outcome


def _read(data: bytes, file_name: str, max_mb: float) -> CustomerData | PendingOrders:
    read = read_input(data, file_name, max_mb)  # the command line reads files the same way
    if read.suggested is None:
        return customers_from_table(read.table, read.typed)
    rows = pd.DataFrame(index=pd.RangeIndex(len(read.table.frame)))
    return PendingOrders(replace(read.table, frame=rows), read.typed, read.suggested, read.layout)


def _toast_waiting() -> None:
    st.toast(
        "Other large files are being read; yours is next in line.", icon=":material/hourglass_top:"
    )


def customer_layout(data: CustomerData) -> Layout | None:
    """The platform layout of an uploaded file of customers (a Klaviyo profiles export …)."""
    if data.source.kind != "upload" or data.source.from_orders:
        return None
    return detect_layout(data.schema.names)


def aggregate_pending(pending: PendingOrders, columns: OrderColumns) -> CustomerData:
    """Turn the pending orders file into customers with the user's column mapping."""
    typed_mb = float(pending.typed.frame.memory_usage(deep=False).sum()) / 2**20
    # aggregating needs about as much again as the typed orders (measured on Online Retail)
    large = typed_mb * AGGREGATE_FACTOR >= memory.SMALL_READ_MB / 4
    gate = memory.memory_gate()
    with gate.admit(typed_mb * AGGREGATE_FACTOR, pending.table.file_name, _toast_waiting, large):
        return customers_from_orders(pending.table, pending.typed, columns)
