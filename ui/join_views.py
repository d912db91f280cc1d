"""Data page: a second file joined to the active one, a profile export and an orders export of
the same customers becoming one customer table.

The second file is read like the first (an orders file goes through the same mapping form), the
key column of each side is suggested from the columns' meanings and can be changed, the match
report shows how the two files found each other, and the joined table becomes the active data.
Every join made in the session is remembered by the joined table's content hash (which files,
with which mapping and keys), so links and project files can ask for both files again; a link
being restored pre-fills the orders mapping and joins on its keys as soon as both files are in.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd
import streamlit as st

from segmentation import CustomerData, OrderColumns, SegmentationError
from segmentation.data.join import (
    JoinedCustomers,
    JoinKeys,
    MatchReport,
    join_customers,
    join_sides,
    key_candidates,
    suggest_keys,
)
from segmentation.sharing.projects import DataFile, DataInfo
from ui import orders_views, state
from ui.messages import flash

SECOND_UPLOAD = "join_upload"
SECOND_SEEN = "join_last_upload_id"
SECOND = "join_second"  # (hash of the active data, the second file's customers, its mapping)
SECOND_ORDERS = "join_second_orders"  # (hash of the active data, PendingOrders of the 2nd file)
RECORDS = "join_records"  # joined table's content hash → JoinRecord
PREVIEW = "join_preview"  # (hashes and keys, JoinedCustomers): the join shown before it is made
MAX_RECORDS = 3  # joins remembered per session (for links and undo)
SHARE_PENDING = "share_pending"  # ui.share_views' key (read here: share_views imports this module)
SECOND_HELP = (
    "A profile export (CRM, e-mail tool: demographics, consent, tags; one row per person) and an "
    "orders export of the same customers join into one customer table: who they are from the "
    "profiles, how they buy from the orders. They are matched on a key both files have, usually "
    "the e-mail address (compared ignoring upper/lower case and spaces) or the customer id. "
    "Same formats as above, up to {limit:g} MB; the file stays in this session's memory."
)
KEY_HELP = (
    "The column that identifies a customer in this file: the e-mail address or the customer id. "
    "Suggested from the columns' meanings and from which pair of columns shares most values."
)


@dataclass(frozen=True)
class JoinRecord:
    """How a joined table was made: its match report, the files (profiles first) with their
    order mappings, and the data that was active before the join."""

    match: MatchReport
    files: tuple[DataFile, ...]
    before: CustomerData


def joined_info(data: CustomerData, info: DataInfo) -> DataInfo:
    """``info`` with the two files and the join keys when ``data`` was joined in this session."""
    record = st.session_state.get(RECORDS, {}).get(data.source.content_sha256)
    if record is None:
        return info
    return replace(info, files=record.files, join=record.match.keys.to_dict())


def render_join(data: CustomerData) -> None:
    """The second-file section of the Data page (nothing while an orders file of the main
    upload waits for its mapping)."""
    _prefill_shared_mapping()
    if state.pending_orders() is not None:
        return
    record = st.session_state.get(RECORDS, {}).get(data.source.content_sha256)
    if record is not None:
        _render_joined(record)
        return
    if data.source.kind != "upload":
        return
    with st.container(border=True):
        st.markdown(":material/join_inner: **Add a second file** (optional)")
        _render_second_upload(data)
        waiting = _for_active(SECOND_ORDERS, data)
        if waiting is not None:
            _render_second_mapping(data, waiting[1])
        second = _for_active(SECOND, data)
        if second is not None:
            _render_keys(data, second[1], second[2])


def _for_active(key: str, data: CustomerData) -> tuple | None:
    """A stored second file, if it belongs to the active data (else it is dropped)."""
    stored = st.session_state.get(key)
    if stored is not None and stored[0] != data.source.content_sha256:
        st.session_state.pop(key, None)
        return None
    return stored


def _render_second_upload(data: CustomerData) -> None:
    upload = st.file_uploader(
        f"Join a second file to **{data.source.name}**: a profile or orders export of the same "
        "customers",
        key=SECOND_UPLOAD,
        help=SECOND_HELP.format(limit=state.upload_limit_mb()),
    )
    if upload is None or st.session_state.get(SECOND_SEEN) == upload.file_id:
        return
    st.session_state[SECOND_SEEN] = upload.file_id
    st.session_state.pop(SECOND, None)
    st.session_state.pop(SECOND_ORDERS, None)
    try:
        with st.spinner(f"Reading {upload.name}…"):
            outcome = state.read_upload(upload.getvalue(), upload.name, state.upload_limit_mb())
    except SegmentationError as err:
        st.error(f"{err}\n\nThe data you had before is still active.", icon=":material/error:")
        return
    if isinstance(outcome, state.PendingOrders):
        mapping = _shared_mapping(outcome)
        if mapping is None:
            st.session_state[SECOND_ORDERS] = (data.source.content_sha256, outcome)
            return
        _aggregate_second(data, outcome, mapping)
        return
    _keep_second(data, outcome, None)


def _render_second_mapping(data: CustomerData, pending: state.PendingOrders) -> None:
    what = f"**{pending.layout.title}**" if pending.layout else "an **orders file**"
    st.info(
        f"**{pending.table.file_name}** looks like {what}: {len(pending.table.frame):,} order "
        "rows. Check which column holds what, then turn its orders into customers to join "
        "them to the active data.",
        icon=":material/receipt_long:",
    )
    with st.container(key="join_orders_mapping"):
        columns, problem = orders_views._mapping_inputs(pending)  # the Data page's own inputs
        go, cancel = st.columns(2)
        submitted = go.button(
            "Turn orders into customers", type="primary", width="stretch", key="join_orders_go"
        )
        dropped = cancel.button("Cancel the second file", width="stretch", key="join_orders_no")
    if dropped:
        st.session_state.pop(SECOND_ORDERS, None)
        st.rerun()
    if submitted and problem:
        st.error(problem, icon=":material/error:")
    elif submitted:
        _aggregate_second(data, pending, columns)


def _aggregate_second(
    data: CustomerData, pending: state.PendingOrders, columns: OrderColumns
) -> None:
    try:
        with st.spinner("Turning orders into customers…"):
            second = state.aggregate_pending(pending, columns)
    except SegmentationError as err:
        st.error(f"{err}\n\nThe data you had before is still active.", icon=":material/error:")
        return
    st.session_state.pop(SECOND_ORDERS, None)
    _keep_second(data, second, columns)


def _keep_second(data: CustomerData, second: CustomerData, columns: OrderColumns | None) -> None:
    """Keep the second file's customers; join at once on a shared link's keys."""
    st.session_state[SECOND] = (data.source.content_sha256, second, columns)
    keys = _shared_keys(data, second)
    if keys is not None:
        try:
            _activate(data, join_customers(*join_sides(data, second), keys), second, columns)
        except SegmentationError as err:
            st.error(f"{err}\n\nThe data you had before is still active.", icon=":material/error:")
            return
    st.rerun()


def _render_keys(data: CustomerData, second: CustomerData, columns: OrderColumns | None) -> None:
    profiles, orders = join_sides(data, second)
    try:
        suggested = suggest_keys(profiles, orders)
    except SegmentationError as err:
        st.error(f"{err}\n\nThe data you had before is still active.", icon=":material/error:")
        _cancel_button()
        return
    left, right = st.columns(2)
    keys = JoinKeys(
        _key_select(left, profiles, suggested.profiles, "profiles"),
        _key_select(right, orders, suggested.orders, "orders"),
    )
    try:
        joined = _preview(profiles, orders, keys)
    except SegmentationError as err:
        st.error(f"{err}\n\nThe data you had before is still active.", icon=":material/error:")
        _cancel_button()
        return
    render_match_report(joined.match)
    go, cancel = st.columns(2)
    if go.button(
        "Join into one customer table",
        type="primary",
        width="stretch",
        key="join_go",
        help="Makes the joined table the data every page works on. Customers found in one file "
        "only are kept: profiles without orders with 0 orders and 0 spend, buyers without a "
        "profile with blank profile fields.",
    ):
        _activate(data, joined, second, columns)
        st.rerun()
    _cancel_button(cancel)


def _key_select(column: st.delta_generator.DeltaGenerator, data: CustomerData, value: str,
                side: str) -> str:  # fmt: skip
    options = list(key_candidates(data)) or list(data.schema.names)
    return column.selectbox(
        f"Customer key in {data.source.name}",
        options,
        index=options.index(value) if value in options else 0,
        key=f"join_key_{side}_{data.source.content_sha256[:12]}",
        help=KEY_HELP,
    )


def _cancel_button(column: st.delta_generator.DeltaGenerator | None = None) -> None:
    if (column or st).button("Cancel, keep the current data", width="stretch", key="join_cancel"):
        st.session_state.pop(SECOND, None)
        st.rerun()


def _preview(profiles: CustomerData, orders: CustomerData, keys: JoinKeys) -> JoinedCustomers:
    """The join for the chosen keys, computed once per choice."""
    ident = (profiles.source.content_sha256, orders.source.content_sha256, keys)
    stored = st.session_state.get(PREVIEW)
    if stored is not None and stored[0] == ident:
        return stored[1]
    with st.spinner("Matching the customers of the two files…"):
        joined = join_customers(profiles, orders, keys)
    st.session_state[PREVIEW] = (ident, joined)
    return joined


def _mapping_dict(columns: OrderColumns | None) -> dict[str, object] | None:
    return None if columns is None else columns.to_dict()


def _activate(
    before: CustomerData,
    joined: JoinedCustomers,
    second: CustomerData,
    columns: OrderColumns | None,
) -> None:
    """Make the joined table the active data and remember how it was made."""
    mappings = {second.source.content_sha256: columns}
    files = tuple(
        DataFile(
            side.source.file_name,
            side.source.content_sha256,
            _mapping_dict(mappings.get(side.source.content_sha256) or side.source.order_columns),
        )
        for side in join_sides(before, second)
    )  # fmt: skip
    records = st.session_state.setdefault(RECORDS, {})
    records[joined.data.source.content_sha256] = JoinRecord(joined.match, files, before)
    for old in list(records)[:-MAX_RECORDS]:  # each holds the data before its join
        del records[old]
    st.session_state.pop(SECOND, None)
    st.session_state.pop(PREVIEW, None)
    state.set_active_data(joined.data)
    match = joined.match
    flash(
        "success",
        f"Joined **{match.profiles_name}** and **{match.orders_name}**: "
        f"{joined.data.report.n_customers:,} customers ({match.matched.count:,} in both files).",
    )


def render_match_report(match: MatchReport) -> None:
    """How the two files matched: counts and up to five example keys per outcome."""
    cells = st.columns(4)
    cells[0].metric("Matched", f"{match.matched.count:,}", help="Customers in both files.")
    cells[1].metric(
        "Only in profiles",
        f"{match.only_profiles.count:,}",
        help=f"Customers of {match.profiles_name} without orders: kept, with 0 orders and 0 "
        "spend, and no recency.",
    )
    cells[2].metric(
        "Only in orders",
        f"{match.only_orders.count:,}",
        help=f"Buyers of {match.orders_name} without a profile: kept, with blank profile fields.",
    )
    cells[3].metric(
        "Repeated keys",
        f"{match.duplicate_profiles.count + match.duplicate_orders.count:,}",
        help="Rows whose key another row of the same file already has (e.g. one e-mail in two "
        "spellings): one row per key is kept.",
    )
    st.dataframe(match_table(match), hide_index=True, width="stretch")
    how = "e-mails compared ignoring case and spaces" if match.fold_case else "ids compared as text"
    st.caption(
        f"Keys: '{match.keys.profiles}' in {match.profiles_name} and '{match.keys.orders}' in "
        f"{match.orders_name} ({how})."
    )


def match_table(match: MatchReport) -> pd.DataFrame:
    """One row per outcome of the join: what, how many, and examples."""
    rows = (
        ("In both files", match.matched),
        (f"Only in {match.profiles_name}", match.only_profiles),
        (f"Only in {match.orders_name}", match.only_orders),
        (f"Repeated in {match.profiles_name}", match.duplicate_profiles),
        (f"Repeated in {match.orders_name}", match.duplicate_orders),
        (f"No key in {match.profiles_name}", match.no_key_profiles),
    )
    return pd.DataFrame(
        {
            "Customers": [label for label, _ in rows],
            "Count": [count.count for _, count in rows],
            "Examples": [", ".join(count.examples) for _, count in rows],
        }
    )


def _render_joined(record: JoinRecord) -> None:
    match = record.match
    with st.expander(
        f":material/join_inner: How {match.profiles_name} and {match.orders_name} were joined",
        expanded=True,
    ):
        render_match_report(match)
        if st.button(
            f"Undo the join (back to {record.before.source.name})",
            key="join_undo",
            help="Makes the data active before the join the data every page works on again.",
        ):
            state.set_active_data(record.before)
            st.rerun()


# --- restoring a link or project made on two files --------------------------------------------


def _shared_files() -> DataInfo | None:
    """The data of a link or project waiting for its files, when it was made on two."""
    pending = st.session_state.get(SHARE_PENDING)
    if pending is None or not pending[0].data.files:
        return None
    return pending[0].data


def _shared_mapping(pending: state.PendingOrders) -> OrderColumns | None:
    """The mapping a shared link used for this orders file, if it fits the file."""
    info = _shared_files()
    if info is None:
        return None
    for shared in info.files:
        if shared.content_sha256 == pending.table.content_sha256 and shared.orders:
            mapping = OrderColumns.from_dict(dict(shared.orders))
            used = (mapping.customer_id, mapping.order_date, mapping.amount, *mapping.carried)
            if all(c is None or c in pending.typed.frame.columns for c in used):
                return mapping
    return None


def _shared_keys(data: CustomerData, second: CustomerData) -> JoinKeys | None:
    """A shared link's join keys, when the two files are the link's files."""
    info = _shared_files()
    if info is None or info.join is None:
        return None
    shared = {f.content_sha256 for f in info.files}
    if {data.source.content_sha256, second.source.content_sha256} != shared:
        return None
    return JoinKeys.from_dict(dict(info.join))


def _prefill_shared_mapping() -> None:
    """Pre-fill the main orders form with a shared link's mapping for the same file."""
    pending = state.pending_orders()
    if pending is None:
        return
    mapping = _shared_mapping(pending)
    if mapping is not None and mapping != pending.suggested:
        st.session_state[state.PENDING_ORDERS] = replace(pending, suggested=mapping)
