"""An analysis together with its data: what "Share with data" seals and what a project file
saved "with the customer table" carries.

A copy holds the customer table as the app holds it (after joins, orders → customers, edits to
meanings and roles, prediction columns), the per-order table when the customers were made from
orders (the Predictions page fits its models on it and links recompute prediction columns from
it; it is three columns, customer key, date and net value, not the raw upload), and a JSON
state: the source description, the schema, the quality report, the orders' summary and the
whole :class:`~segmentation.sharing.projects.Project` (segment labels included, so segments
open exactly as they were instead of being re-clustered).

>>> from segmentation.data.dataset import load_sample
>>> from segmentation.sharing.projects import DataInfo, Project
>>> sample = load_sample()
>>> info = DataInfo("sample", sample.source.name, sample.source.content_sha256, 6000)
>>> opened = analysis_from_snapshot(analysis_snapshot(sample, Project(info)))
>>> opened.data.source == sample.source, len(opened.data.customers), opened.project.data == info
(True, 6000, True)
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

import pandas as pd
import pyarrow as pa

from segmentation.data.dataset import CustomerData, DataSource, QualityReport
from segmentation.data.order_columns import Exclusion, OrderColumns
from segmentation.data.orders import OrdersSummary
from segmentation.data.schema import ColumnProfile, Schema
from segmentation.errors import SnapshotError
from segmentation.sharing.projects import (
    Project,
    ProjectError,
    project_from_json,
    record_segmentation,
)
from segmentation.sharing.snapshots import Snapshot, table_from_bytes, table_to_bytes

FORMAT = "segment-studio-analysis"
VERSION = 1
ORDERS_TABLE = "orders"
PROJECT_DATA_KEY = "customer_table"  # the project file's optional offline copy of the data


@dataclass(frozen=True)
class OpenedAnalysis:
    """An analysis read back from a copy: the customer data and the project to apply to it."""

    data: CustomerData
    project: Project


# --- the data's description as JSON ---------------------------------------------------------


def data_state(data: CustomerData) -> dict[str, Any]:
    """Everything of ``data`` except its tables, JSON-able: source, schema, report, orders'
    summary (without its tables)."""
    source = data.source
    return {
        "source": {
            **{k: v for k, v in asdict(source).items() if k != "order_columns"},
            "order_columns": None
            if source.order_columns is None
            else source.order_columns.to_dict(),
        },
        "schema": [_column_state(c) for c in data.schema.columns],
        "report": _report_state(data.report),
        "orders": None if data.orders is None else _orders_state(data.orders),
    }


def _column_state(column: ColumnProfile) -> dict[str, Any]:
    values = asdict(column)
    values["examples"] = [str(e) for e in column.examples]
    values["missing_share"] = float(column.missing_share)
    values["n_unique"] = int(column.n_unique)
    return values


def _exclusions(items: tuple[Exclusion, ...]) -> list[list[Any]]:
    return [[e.reason, int(e.rows)] for e in items]


def _report_state(report: QualityReport) -> dict[str, Any]:
    return {
        "n_rows": int(report.n_rows),
        "n_customers": int(report.n_customers),
        "n_columns": int(report.n_columns),
        "read_notes": list(report.read_notes),
        "exclusions": _exclusions(report.exclusions),
        "warnings": list(report.warnings),
    }


def _orders_state(summary: OrdersSummary) -> dict[str, Any]:
    return {
        "n_lines": int(summary.n_lines),
        "n_orders": int(summary.n_orders),
        "exclusions": _exclusions(summary.exclusions),
        "period_start": summary.period_start.isoformat(),
        "period_end": summary.period_end.isoformat(),
        "notes": list(summary.notes),
        "currency": summary.currency,
        "currency_shares": [[code, float(share)] for code, share in summary.currency_shares],
    }


def customer_data(
    customers: pd.DataFrame, state: Mapping[str, Any], orders: pd.DataFrame | None = None
) -> CustomerData:
    """The :class:`CustomerData` that :func:`data_state` described, on its tables."""
    source_state = dict(state["source"])
    order_columns = source_state.pop("order_columns", None)
    source = DataSource(
        **source_state,
        order_columns=None if order_columns is None else OrderColumns.from_dict(order_columns),
    )
    schema = Schema(
        tuple(
            ColumnProfile(**{**column, "examples": tuple(column["examples"])})
            for column in state["schema"]
        )
    )
    report_state = dict(state["report"])
    report = QualityReport(
        **{
            k: v
            for k, v in report_state.items()
            if k not in ("read_notes", "exclusions", "warnings")
        },
        read_notes=tuple(report_state["read_notes"]),
        exclusions=tuple(Exclusion(str(r), int(n)) for r, n in report_state["exclusions"]),
        warnings=tuple(report_state["warnings"]),
    )
    summary = None
    if state.get("orders") is not None:
        summary = _orders_summary(state["orders"], customers, schema, orders)
    return CustomerData(customers, schema, report, source, summary)


def _orders_summary(
    values: Mapping[str, Any], customers: pd.DataFrame, schema: Schema, orders: pd.DataFrame | None
) -> OrdersSummary:
    id_column = schema.id_column
    by_customer = customers.set_index(id_column) if id_column in customers else customers
    return OrdersSummary(
        customers=by_customer,
        n_lines=int(values["n_lines"]),
        n_orders=int(values["n_orders"]),
        exclusions=tuple(Exclusion(str(r), int(n)) for r, n in values["exclusions"]),
        period_start=pd.Timestamp(values["period_start"]),
        period_end=pd.Timestamp(values["period_end"]),
        notes=tuple(values["notes"]),
        orders=orders,
        currency=values["currency"],
        currency_shares=tuple((str(c), float(s)) for c, s in values["currency_shares"]),
    )


def _orders_table(data: CustomerData) -> pd.DataFrame | None:
    return None if data.orders is None else data.orders.orders


# --- snapshots ------------------------------------------------------------------------------


def analysis_snapshot(data: CustomerData, project: Project) -> Snapshot:
    """The :class:`Snapshot` that "Share with data" seals: the customer table, the per-order
    table when there is one, and the data's description with the project (labels included)."""
    state = {
        "format": FORMAT,
        "version": VERSION,
        "data": data_state(data),
        "project": project.to_dict(),
    }
    orders = _orders_table(data)
    tables = {} if orders is None else {ORDERS_TABLE: orders}
    return Snapshot(data.customers, state, tables)


def analysis_from_snapshot(snapshot: Snapshot) -> OpenedAnalysis:
    """The customer data and project a snapshot holds; ``SnapshotError`` when it is not an
    analysis this app version reads."""
    state = snapshot.state
    if not isinstance(state, Mapping) or state.get("format") != FORMAT:
        raise SnapshotError(
            "This data link holds something other than a Segment Studio analysis. Ask the "
            "sender to share it again with 'Share with data'."
        )
    version = state.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise SnapshotError(
            f"This shared analysis was made by a newer Segment Studio (format version "
            f"{version}; this app reads up to {VERSION}). Open it in the newer app."
        )
    orders = snapshot.tables.get(ORDERS_TABLE)
    try:
        data = customer_data(snapshot.customers, state["data"], orders)
        project = project_from_json(json.dumps(state["project"]), "The shared analysis")
    except (KeyError, TypeError, ValueError) as err:
        raise SnapshotError(
            f"The shared analysis cannot be read ({type(err).__name__}: {err}). Ask the sender "
            "to share it again."
        ) from None
    return OpenedAnalysis(data, project)


def with_labels(project: Project, segmentations: Mapping[str, Any]) -> Project:
    """``project`` whose records carry the labels of the given segmentations (title →
    :class:`~segmentation.segmenting.segments.Segmentation`)."""
    records = tuple(
        record_segmentation(segmentations[r.title], True, r.labels_sha256)
        if r.title in segmentations
        else r
        for r in project.segmentations
    )
    return replace(project, segmentations=records)


# --- project files with the customer table --------------------------------------------------


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def project_json_with_data(project: Project, data: CustomerData) -> str:
    """The project file's text with an offline copy of the data: the customer table (and the
    per-order table) as base64 Arrow streams and the data's description. Apps that predate the
    copy read the file as a plain project."""
    orders = _orders_table(data)
    document = project.to_dict()
    document[PROJECT_DATA_KEY] = {
        "format": FORMAT,
        "version": VERSION,
        "encoding": "arrow-ipc-zstd-base64",
        "data": data_state(data),
        "customers": _b64(table_to_bytes(data.customers)),
        "orders": None if orders is None else _b64(table_to_bytes(orders)),
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def project_from_file(
    text: str | bytes, file_name: str = "The project file"
) -> tuple[Project, CustomerData | None]:
    """A project file and, when it carries the customer table, that data (else ``None``).

    The data's content fingerprint is recomputed from the copy it holds, so a hand-edited file
    can never pass for another file's data (shared caches are keyed by it). Built-in data (the
    sample, the orders example) is taken from the app, not from the copy.
    """
    project = project_from_json(text, file_name)
    document = json.loads(text.decode("utf-8-sig") if isinstance(text, bytes) else text)
    copy = document.get(PROJECT_DATA_KEY)
    if copy is None or project.data.kind != "upload":
        return project, None
    try:
        customers = table_from_bytes(base64.b64decode(copy["customers"], validate=True))
        orders_text = copy.get("orders")
        orders = None
        if orders_text is not None:
            orders = table_from_bytes(base64.b64decode(orders_text, validate=True))
        data = customer_data(customers, copy["data"], orders)
    except (KeyError, TypeError, ValueError, binascii.Error, pa.ArrowException) as err:
        raise ProjectError(
            f"{file_name} carries a customer table that cannot be read ({type(err).__name__}: "
            f"{err}). It may be cut short or edited by hand; save the project again with the "
            "customer table, or save it without and upload the data file on the Data page."
        ) from None
    digest = hashlib.sha256(
        b"project-copy\x00" + copy["customers"].encode() + (orders_text or "").encode()
    ).hexdigest()
    return project, replace(data, source=replace(data.source, content_sha256=digest))
