"""Rendering helpers of the Data page: source, upload, orders mapping, columns, report."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from segmentation import (
    BASES,
    ROLES,
    CustomerData,
    SegmentationError,
    column_table,
    schema_from_table,
    with_schema,
)
from segmentation.data.dataset import customer_key_sentence
from segmentation.data.meanings import MEANING_KEYS, MEANINGS, meaning_of
from segmentation.segmenting.features import cap_features
from ui import state
from ui.messages import flash
from ui.orders_views import render_orders_mapping  # noqa: F401  (the page calls it here)

BASE_HELP = {
    "demographic": "who they are: age, gender, household, occupation, income",
    "geographic": "where they are: region, state, density, language",
    "behavioral": "how they buy: loyalty, channel, engagement, recency, frequency, spend",
    "psychographic": "what they value: lifestyle, attitudes, interests",
    "other": "not assigned to a base",
}
MEANING_HELP = (
    "What the column holds, from one vocabulary (customer key, e-mail, order date, customer "
    "value, consent, country …), detected from its name and values. Personal data (e-mail, "
    "phone, name, street, platform ids) is never a feature. Change it when the app got it "
    "wrong: a date meaning reads the column as dates."
)
EDITABLE = ["meaning", "role", "base"]
WARNINGS_SHOWN = 10  # warnings (and read notes) one by one; the rest of a long list in a table
LABELS_SHOWN = 12  # feature labels listed per base; a wide file's others are counted
COLUMNS_PER_PAGE = 50  # rows of the column table at once: a 3,000-column file stays usable
# the meaning and its reason side by side, where a first look at the table reaches
COLUMN_ORDER = (
    "column",
    "label",
    "meaning",
    "meaning_reason",
    "type",
    "role",
    "base",
    "missing",
    "distinct",
    "examples",
    "note",
)
KIND_WORDS = {
    "id": "identifier",
    "numeric": "number",
    "categorical": "category",
    "boolean": "yes / no",
    "datetime": "date",
    "text": "free text",
    "empty": "empty",
}


def render_source_banner(data: CustomerData) -> None:
    """Say which data is active and how many customers it holds."""
    report = data.report
    if data.source.kind == "sample":
        orders = data.orders.n_orders if data.orders else 0
        st.info(
            f"You are looking at the **built-in Pet Dynamics sample**: {report.n_customers:,} "
            f"customers of a pet-supplies retailer with {orders:,} orders over two years. "
            "Upload your own customer or orders export below to analyse it instead.",
            icon=":material/pets:",
        )
        return
    made = (
        f"aggregated from {report.n_rows:,} order lines"
        if data.source.from_orders
        else f"from {report.n_rows:,} rows"
    )
    layout = state.customer_layout(data)
    looks = f" Looks like **{layout.title}**." if layout else ""
    left, right = st.columns([4, 1], vertical_alignment="center")
    left.success(
        f"Active data: **{data.source.name}**, {report.n_customers:,} customers ({made}).{looks}",
        icon=":material/check_circle:",
    )
    if right.button(
        "Back to the sample",
        help="Replace the uploaded data with the built-in "
        "Pet Dynamics sample. Your upload is forgotten.",
        width="stretch",
    ):
        state.set_active_data(state.cached_sample())
        st.rerun()


def render_upload() -> None:
    """The file uploader; a new file is read once and either replaces the data or waits."""
    upload = st.file_uploader(
        "Upload a customer or orders file: CSV, TSV or TXT (any separator, .gz too), Excel or "
        "Parquet",
        key="upload",
        help=(
            "One row per customer (CRM export) or one row per order / order line (shop export). "
            f"CSV, TSV or TXT with any separator and encoding, .gz compressed text, Excel or "
            f"Parquet, up to {state.upload_limit_mb():g} MB. The file stays in this browser "
            "session's memory and is never saved on the server."
        ),
    )
    if upload is None or st.session_state.get(state.LAST_UPLOAD) == upload.file_id:
        return
    st.session_state[state.LAST_UPLOAD] = upload.file_id
    try:
        with st.spinner(f"Reading {upload.name}…"):
            outcome = state.read_upload(upload.getvalue(), upload.name, state.upload_limit_mb())
    except SegmentationError as err:
        st.error(f"{err}\n\nThe data you had before is still active.", icon=":material/error:")
        return
    if isinstance(outcome, state.PendingOrders):
        st.session_state[state.PENDING_ORDERS] = outcome
        return
    state.set_active_data(outcome)
    flash("success", f"Loaded **{upload.name}**: {outcome.report.n_customers:,} customers.")
    st.rerun()


def render_example_button() -> None:
    """Offer a real orders export to try the orders-to-customers step without a file."""
    if st.button(
        "Try a real orders export",
        icon=":material/receipt_long:",
        help="Loads line items of 302 customers from the public UCI Online Retail data "
        "set (CC BY 4.0), with its cancellations, duplicates and missing ids, so you can "
        "see how orders become one row per customer.",
    ):
        st.session_state[state.PENDING_ORDERS] = state.example_orders()
        st.rerun()


def render_quality_summary(data: CustomerData) -> None:
    """Headline numbers: rows, customers, columns, and features per segmentation base."""
    report, schema = data.report, data.schema
    cells = st.columns(4)
    joined = data.source.kind == "upload" and " + " in data.source.file_name
    cells[0].metric(
        "Rows in the files" if joined else "Rows in the file",
        f"{report.n_rows:,}",
        help="Rows read from both files together (profile rows plus order lines)."
        if joined
        else "Rows read from the file (order lines for an orders file).",
    )
    cells[1].metric("Customers", f"{report.n_customers:,}", help="One row per customer.")
    cells[2].metric("Columns", f"{report.n_columns:,}", help="Columns of the customer table.")
    cells[3].metric(
        "Features",
        f"{len(schema.features()):,}",
        help="Columns with the role 'feature': the traits segments are built from.",
    )
    bases = st.columns(4)
    labels_of = {c.name: c.label for c in schema.columns}
    for cell, base in zip(bases, BASES[:4], strict=True):
        labels = [labels_of[name] for name in schema.features(base)]
        cell.markdown(f"**{base.capitalize()}** · {len(labels):,}")
        cell.caption(_label_list(labels) if labels else f"none yet ({BASE_HELP[base]})")


def _label_list(labels: list[str]) -> str:
    """Labels joined by commas, the first :data:`LABELS_SHOWN` of a long list."""
    more = len(labels) - LABELS_SHOWN
    shown = ", ".join(labels[:LABELS_SHOWN])
    return f"{shown} … and {more:,} more" if more > 0 else shown


def render_report_details(data: CustomerData) -> None:
    """How the file was read, rows left out and why, and warnings."""
    report = data.report
    if report.warnings:
        count = len(report.warnings)
        with st.expander(
            f":material/warning: {count} thing{'s' * (count != 1)} to check",
            expanded=data.source.kind != "sample",
        ):
            for warning in report.warnings[:WARNINGS_SHOWN]:
                st.warning(warning)
            if count > WARNINGS_SHOWN:  # a wide file's hundreds stay one scrollable table
                st.caption(f"The other {count - WARNINGS_SHOWN:,}, one a line:")
                rest = pd.DataFrame({"To check": report.warnings[WARNINGS_SHOWN:]})
                st.dataframe(rest, hide_index=True, width="stretch", height=320)
    if report.exclusions:
        st.markdown("**Rows left out**")
        excluded = pd.DataFrame(
            {
                "Why": [e.reason for e in report.exclusions],
                "Rows": [f"{e.rows:,}" for e in report.exclusions],
            }
        )
        st.table(excluded.set_index("Why"))
    if report.read_notes:
        st.markdown("**How the data was read**")
        notes = report.read_notes
        st.markdown("\n".join(f"- {note}" for note in notes[:WARNINGS_SHOWN]))
        if len(notes) > WARNINGS_SHOWN:
            st.caption(f"The other {len(notes) - WARNINGS_SHOWN:,}, one a line:")
            rest = pd.DataFrame({"How it was read": notes[WARNINGS_SHOWN:]})
            st.dataframe(rest, hide_index=True, width="stretch", height=320)


def render_customer_key(data: CustomerData) -> None:
    """One line: which column identifies customers, and why."""
    st.markdown(f":material/badge: {customer_key_sentence(data)}")


def render_feature_cap(data: CustomerData) -> None:
    """Say how many candidate features clustering leaves out by default, and how to choose."""
    message = cap_features(data.schema).message
    if message:
        st.info(message, icon=":material/filter_alt:")


def matching_columns(table: pd.DataFrame, query: str) -> pd.DataFrame:
    """The rows of a :func:`column_table` whose name, plain-words label or meaning contains
    ``query`` (any case); all rows for an empty query.

    >>> table = pd.DataFrame({"column": ["email", "spend_2024"], "label": ["Email", "Spend 2024"],
    ...                       "meaning": ["email", "customer_value"]})
    >>> matching_columns(table, "VALUE")["column"].tolist()
    ['spend_2024']
    """
    words = query.strip().lower()
    if not words:
        return table
    meanings = table["meaning"].map(lambda key: meaning_of(key).label)
    texts = table["column"] + "\n" + table["label"] + "\n" + table["meaning"] + "\n" + meanings
    return table[texts.str.lower().str.contains(words, regex=False)]


def _column_page(table: pd.DataFrame, n_columns: int) -> tuple[pd.DataFrame, str]:
    """The search box and page picker over the column table: the rows to show and a caption."""
    query = st.text_input(
        "Find columns",
        key="column_search",
        placeholder="Name, plain-words label or meaning, e.g. spend, email, date",
        help="Shows only the columns whose name, label or meaning contains these letters "
        "(any case). Clear the box to see every column.",
    )
    found = matching_columns(table, query)
    n_pages = max(1, -(-len(found) // COLUMNS_PER_PAGE))
    if st.session_state.get("column_page", 1) > n_pages:
        st.session_state["column_page"] = 1
    page = 1
    if n_pages > 1:
        page = st.number_input(
            f"Page (of {n_pages:,})",
            min_value=1,
            max_value=n_pages,
            step=1,
            key="column_page",
            help=f"The table shows {COLUMNS_PER_PAGE} columns at a time; change the page to see "
            "the others, or narrow them down with 'Find columns'.",
        )
    start = (int(page) - 1) * COLUMNS_PER_PAGE
    shown = found.iloc[start : start + COLUMNS_PER_PAGE]
    if found.empty:
        return shown, f"No column matches '{query.strip()}' ({n_columns:,} columns in all)."
    matching = f" matching '{query.strip()}'" if len(found) < n_columns else ""
    total = f" ({n_columns:,} in all)" if matching else ""
    caption = f"Columns {start + 1:,}–{start + len(shown):,} of {len(found):,}{matching}{total}."
    return shown, caption


def render_column_editor(data: CustomerData) -> None:
    """The per-column report with editable meaning, role and base, a search box and pages for
    wide files; edits are checked before they apply."""
    full = column_table(data.schema)
    full["type"] = full["type"].map(KIND_WORDS)
    table, caption = _column_page(full, len(full))
    st.caption(caption)
    version = st.session_state.setdefault("column_editor_version", 0)
    view = hashlib.sha256(f"{table['column'].tolist()}".encode()).hexdigest()[:8]
    edited = st.data_editor(
        table,
        height=min(36 * (len(table) + 1) + 3, 720),
        key=f"columns_{data.source.content_sha256[:12]}_{version}_{view}",
        hide_index=True,
        width="stretch",
        disabled=[c for c in table.columns if c not in EDITABLE],
        column_order=COLUMN_ORDER,
        column_config=_editor_columns(),
    )
    changed = edited[EDITABLE].ne(table[EDITABLE]).any(axis=None)
    if not changed:
        return
    try:
        state.set_active_data(with_schema(data, schema_from_table(data.schema, edited)))
    except SegmentationError as err:
        flash("error", f"{err} The previous column settings are kept.")
        st.session_state["column_editor_version"] = version + 1
    st.rerun()


def _editor_columns() -> dict[str, object]:
    config = st.column_config
    return {
        "column": config.TextColumn("Column", help="Column name in your file.", pinned=True),
        "label": config.TextColumn(
            "In plain words", help="How every page names this column.", width=150
        ),
        "type": config.TextColumn("Type", help="Detected from the values.", width=80),
        "meaning": config.SelectboxColumn(
            "Meaning",
            options=list(MEANING_KEYS),
            format_func=lambda key: meaning_of(key).label,
            required=True,
            help=MEANING_HELP,
            width=140,
        ),
        "role": config.SelectboxColumn(
            "Role",
            options=list(ROLES),
            required=True,
            help="id: identifies customers (exactly one column). feature: a trait to segment by. "
            "ignore: left out of segmentation.",
            width=75,
        ),
        "base": config.SelectboxColumn(
            "Base",
            options=list(BASES),
            required=True,
            help="Segmentation base: " + "; ".join(f"{b}: {h}" for b, h in BASE_HELP.items()),
            width=105,
        ),
        "missing": config.ProgressColumn(
            "Missing",
            format="percent",
            min_value=0.0,
            max_value=1.0,
            help="Share of customers with no value.",
            width=90,
        ),
        "distinct": config.NumberColumn(
            "Distinct", format="localized", help="Number of different values.", width=75
        ),
        "examples": config.TextColumn("Examples", help="A few values from the column."),
        "meaning_reason": config.TextColumn(
            "Why this meaning",
            help="What in the column's name or values gave its meaning ('set by hand' after an "
            "edit).",
            width=290,
        ),
        "note": config.TextColumn(
            "Why this role",
            help="The reason for a suggested role, when it needs a check (e.g. why a column is "
            "ignored).",
        ),
    }


def render_meaning_glossary() -> None:
    """The vocabulary of column meanings, each with its plain description."""
    with st.expander(":material/menu_book: What the meanings mean"):
        st.markdown("\n".join(f"- **{m.label}**: {m.description}" for m in MEANINGS))


def render_preview(data: CustomerData) -> None:
    """The first rows of the customer table."""
    st.dataframe(data.customers.head(200), hide_index=True, width="stretch", height=320)
    st.caption(f"First {min(200, len(data.customers)):,} of {len(data.customers):,} customers.")
