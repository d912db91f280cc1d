"""The customer table every page works on, how it was made, and its data quality report."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from segmentation.data.dates import read_dates
from segmentation.data.derived import Enrichment, enrich_customers
from segmentation.data.loading import LoadedTable, load_table
from segmentation.data.meanings import DATE_MEANINGS, MEANING_KEYS, meaning_of
from segmentation.data.orders import (
    CUSTOMER_COLUMNS,
    Exclusion,
    OrderColumns,
    OrdersSummary,
    aggregate_orders,
)
from segmentation.data.schema import BASES, ROLES, Schema, TypedTable, infer_schema
from segmentation.errors import SchemaError

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "data"
SAMPLE_CUSTOMERS = "pet_dynamics_customers.csv"
SAMPLE_ORDERS = "pet_dynamics_orders.csv.gz"
SAMPLE_NAME = "Pet Dynamics sample (built in)"
GENERATED_ID = "customer_id"


@dataclass(frozen=True)
class DataSource:
    """Where the customer table came from: the bundled sample or an uploaded file."""

    kind: str
    name: str
    file_name: str
    content_sha256: str
    from_orders: bool = False
    # the column mapping an orders file was aggregated with (links and projects remember it)
    order_columns: OrderColumns | None = None


@dataclass(frozen=True)
class QualityReport:
    """What was read, what was left out and why, and what deserves a look."""

    n_rows: int
    n_customers: int
    n_columns: int
    read_notes: tuple[str, ...]
    exclusions: tuple[Exclusion, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class CustomerData:
    """One row per customer with typed columns, the schema, the quality report and the source."""

    customers: pd.DataFrame
    schema: Schema
    report: QualityReport
    source: DataSource
    orders: OrdersSummary | None = None

    @property
    def id_column(self) -> str:
        """The column holding customer ids."""
        return self.schema.id_column or GENERATED_ID


def customers_from_table(
    table: LoadedTable, typed: TypedTable | None = None, enrich: bool = True
) -> CustomerData:
    """The customer table of a file that already has one row per customer; ``enrich``: with the
    blanks, tags and derived features its meanings imply (:mod:`segmentation.data.derived`)."""
    typed = typed or infer_schema(table.frame, one_row_per_customer=True)
    frame, schema, exclusions, warnings, stale = _one_row_per_customer(typed)
    enriched = enrich_customers(frame, schema) if enrich else Enrichment(frame, schema)
    frame, schema, warnings = _enriched_warnings(enriched, frame, schema, warnings, stale)
    source = DataSource("upload", table.file_name, table.file_name, table.content_sha256)
    notes = table.notes + typed.notes + enriched.notes
    report = _report(len(table.frame), frame, schema, notes, exclusions, warnings)
    return CustomerData(frame, schema, report, source)


def customers_from_orders(
    table: LoadedTable, typed: TypedTable, columns: OrderColumns
) -> CustomerData:
    """The customer table aggregated from an orders file with the given column mapping."""
    summary = aggregate_orders(typed, columns)
    customers = summary.customers.reset_index()
    retyped = infer_schema(customers, one_row_per_customer=True)
    schema = _force_id(retyped.schema, columns.customer_id)
    enriched = enrich_customers(retyped.frame, schema, summary.period_end, columns.carried)
    retyped, schema = replace(retyped, frame=enriched.frame), enriched.schema
    notes = (
        *table.notes,
        *typed.notes,
        *summary.notes,
        f"Aggregated {summary.n_lines:,} order lines into {len(customers):,} customers "
        f"({summary.n_orders:,} orders from {summary.period_start:%d %b %Y} to "
        f"{summary.period_end:%d %b %Y}).",
        *enriched.notes,
    )
    source = DataSource(
        "upload", table.file_name, table.file_name, table.content_sha256, True, columns
    )
    report = _report(
        summary.n_lines,
        retyped.frame,
        schema,
        notes,
        summary.exclusions,
        _column_warnings(retyped.frame, schema),
    )
    return CustomerData(retyped.frame, schema, report, source, summary)


def load_sample(data_dir: Path = SAMPLE_DIR) -> CustomerData:
    """The bundled Pet Dynamics customers, with RFM measures computed from its orders file."""
    customers_bytes = (data_dir / SAMPLE_CUSTOMERS).read_bytes()
    orders_bytes = (data_dir / SAMPLE_ORDERS).read_bytes()
    # not enriched: the shipped k diagnostics and shared links depend on the sample's columns
    customers = customers_from_table(load_table(customers_bytes, SAMPLE_CUSTOMERS), enrich=False)
    orders_table = load_table(orders_bytes, SAMPLE_ORDERS)
    orders_typed = infer_schema(orders_table.frame, one_row_per_customer=False)
    columns = OrderColumns("customer_id", "order_date", amount="amount", order_id="order_id")
    summary = aggregate_orders(orders_typed, columns)
    rfm = summary.customers[list(CUSTOMER_COLUMNS)]
    merged = customers.customers.merge(
        rfm, left_on=customers.id_column, right_index=True, how="left"
    )
    # text columns are already typed and re-reading them is most of the cost: type the rest
    # (the order measures and numbers) and keep the text as read; the result is the same as
    # re-inferring every column (tests/test_sample_data.py)
    text = [c for c in merged.columns if pd.api.types.is_string_dtype(merged[c])]
    rest = infer_schema(merged.drop(columns=text), one_row_per_customer=True)
    profiles = {c.name: c for c in customers.schema.columns if c.name in text}
    profiles |= {c.name: c for c in rest.schema.columns}
    retyped = replace(rest, frame=pd.concat([merged[text], rest.frame], axis=1)[merged.columns])
    schema = _force_id(Schema(tuple(profiles[c] for c in merged.columns)), customers.id_column)
    digest = _combined_hash(customers.source.content_sha256, orders_table.content_sha256)
    source = DataSource("sample", SAMPLE_NAME, f"{SAMPLE_CUSTOMERS} + {SAMPLE_ORDERS}", digest)
    notes = (
        f"Recency, frequency and monetary come from {summary.n_orders:,} orders "
        f"({summary.period_start:%d %b %Y} – {summary.period_end:%d %b %Y}).",
    )
    report = replace(
        customers.report,
        n_columns=len(schema.columns),
        read_notes=notes,
        warnings=_column_warnings(retyped.frame, schema),
    )
    return CustomerData(retyped.frame, schema, report, source, summary)


def _enriched_warnings(
    enriched: Enrichment,
    frame: pd.DataFrame,
    schema: Schema,
    warnings: tuple[str, ...],
    stale: tuple[str, ...],
) -> tuple[pd.DataFrame, Schema, tuple[str, ...]]:
    """The enriched table, schema and warnings: the column warnings (``stale``: those of the
    table before) are those of the enriched columns (a filled blank is no longer missing)."""
    if not (enriched.blanks or enriched.tags or enriched.derived):
        return frame, schema, warnings
    kept = tuple(w for w in warnings if w not in set(stale))
    return enriched.frame, enriched.schema, kept + _column_warnings(enriched.frame, enriched.schema)


def _combined_hash(*digests: str) -> str:
    return hashlib.sha256("".join(digests).encode()).hexdigest()


def with_schema(data: CustomerData, schema: Schema) -> CustomerData:
    """The same data with the user's edits to column meanings, roles and bases, after checking
    them; a column given a date meaning is read as dates (any format the app can read)."""
    _check_schema_edit(data, schema)
    customers, schema = _dates_for_meanings(data.customers, schema)
    report = replace(data.report, warnings=_column_warnings(customers, schema))
    return replace(data, customers=customers, schema=schema, report=report)


def _dates_for_meanings(frame: pd.DataFrame, schema: Schema) -> tuple[pd.DataFrame, Schema]:
    """Columns whose meaning is a date but whose values are not yet dates, read as dates."""
    for column in schema.columns:
        if column.meaning not in DATE_MEANINGS or column.kind == "datetime":
            continue
        reading = read_dates(frame[column.name], column.name)
        if reading is None:
            examples = ", ".join(repr(e) for e in column.examples) or "no values"
            raise SchemaError(
                f"Column '{column.name}' cannot be the {meaning_of(column.meaning).label}: its "
                f"values are not dates in a format the app reads (e.g. {examples}). Choose "
                "another meaning, or export the column as dates such as 2024-03-15."
            )
        frame = frame.assign(**{column.name: reading.values})
        schema = schema.with_column(column.name, kind="datetime")
    return frame, schema


def _check_schema_edit(data: CustomerData, schema: Schema) -> None:
    for column in schema.columns:
        if column.role not in ROLES or column.base not in BASES:
            raise SchemaError(
                f"Column '{column.name}' has role '{column.role}' and base '{column.base}'; roles "
                f"are {', '.join(ROLES)} and bases are {', '.join(BASES)}."
            )
        if column.meaning not in MEANING_KEYS:
            raise SchemaError(
                f"Column '{column.name}' has the meaning '{column.meaning}', which is not in the "
                f"vocabulary: {', '.join(MEANING_KEYS)}. Choose one of those."
            )
    ids = [c.name for c in schema.columns if c.role == "id"]
    if len(ids) != 1:
        raise SchemaError(
            f"Exactly one column must have the role 'id' (it identifies customers); now "
            f"{len(ids)} do{': ' + ', '.join(ids) if ids else ''}. Set one column to 'id'."
        )
    repeated = data.customers[ids[0]].dropna().duplicated()
    if repeated.any():
        examples = ", ".join(map(str, data.customers[ids[0]].dropna()[repeated].unique()[:3]))
        raise SchemaError(
            f"Column '{ids[0]}' cannot identify customers: {int(repeated.sum()):,} values repeat "
            f"(e.g. {examples}). Choose a column with one value per customer."
        )


def column_table(schema: Schema) -> pd.DataFrame:
    """The schema as a table for display and editing: one row per column."""
    return pd.DataFrame(
        {
            "column": [c.name for c in schema.columns],
            "label": [c.label for c in schema.columns],
            "type": [c.kind for c in schema.columns],
            "meaning": [c.meaning for c in schema.columns],
            "role": [c.role for c in schema.columns],
            "base": [c.base for c in schema.columns],
            "missing": [c.missing_share for c in schema.columns],
            "distinct": [c.n_unique for c in schema.columns],
            "examples": [", ".join(c.examples) for c in schema.columns],
            "meaning_reason": [c.meaning_reason for c in schema.columns],
            "note": [c.note for c in schema.columns],
        }
    )


def schema_from_table(schema: Schema, edited: pd.DataFrame) -> Schema:
    """Apply the meaning, role and base columns of an edited :func:`column_table` to the
    schema; a changed meaning is set by hand and may take the column out of the features."""
    roles = dict(zip(edited["column"], edited["role"], strict=True))
    bases = dict(zip(edited["column"], edited["base"], strict=True))
    columns = tuple(
        replace(c, role=str(roles.get(c.name, c.role)), base=str(bases.get(c.name, c.base)))
        for c in schema.columns
    )
    edited_schema = Schema(columns)
    if "meaning" in edited:
        for name, meaning in zip(edited["column"], edited["meaning"], strict=True):
            if name in schema.names and meaning != schema.column(name).meaning:
                edited_schema = edited_schema.with_column_meaning(name, str(meaning))
    return edited_schema


def customer_key_sentence(data: CustomerData) -> str:
    """One line saying which column identifies customers and why.

    >>> print(customer_key_sentence(load_sample()))  # doctest: +ELLIPSIS
    Customers are identified by 'customer_id' (customer key): name 'customer_id' reads as ...
    """
    id_column = data.schema.id_column
    if id_column is None or id_column not in data.schema.names:
        return "No column identifies customers, so they are numbered by row."
    column = data.schema.column(id_column)
    meaning = meaning_of(column.meaning).label
    why = column.meaning_reason or column.note
    return (
        f"Customers are identified by '{column.name}' ({meaning}): {why}; "
        f"{data.report.n_customers:,} customers, one row each."
    )


def _one_row_per_customer(
    typed: TypedTable,
) -> tuple[pd.DataFrame, Schema, tuple[Exclusion, ...], tuple[str, ...], tuple[str, ...]]:
    """The rows kept as customers, their schema, what was left out, the warnings and, among
    them, the column warnings (:func:`_column_warnings`)."""
    frame, schema = typed.frame, typed.schema
    exclusions: list[Exclusion] = []
    warnings: list[str] = []
    id_column = schema.id_column
    if id_column is None:
        numbers = pd.DataFrame({GENERATED_ID: [f"{i + 1}" for i in range(len(frame))]})
        # one join (an insert into a wide table copies it and pandas warns it is fragmented)
        frame = pd.concat([numbers.set_axis(frame.index), frame], axis=1)
        if typed.customers:  # only the numbers are new: typing typed values again would lose
            # how the file wrote them (and take seconds on a wide file)
            numbered = infer_schema(numbers, one_row_per_customer=True).schema.columns
            schema = Schema(numbered + schema.columns)
        else:  # profiled as orders (or unknown): profiled again as customers
            schema = infer_schema(frame, one_row_per_customer=True).schema
        schema = _force_id(schema, GENERATED_ID).with_column(
            GENERATED_ID, meaning_reason="no column of the file identifies customers, so the "
            "rows are numbered"
        )  # fmt: skip
        warnings.append(
            "No customer id column was found, so customers are numbered by row. If "
            "a column identifies customers, set its role to 'id' below."
        )
        column_warnings = _column_warnings(frame, schema)
        return frame, schema, (), tuple(warnings) + column_warnings, column_warnings
    missing = frame[id_column].isna()
    if missing.any():
        exclusions.append(Exclusion("rows without a customer id", int(missing.sum())))
        frame = frame.loc[~missing]
    repeated = frame[id_column].duplicated()
    if repeated.any():
        exclusions.append(
            Exclusion("repeated customer ids (the first row of each was kept)", int(repeated.sum()))
        )
        frame = frame.loc[~repeated]
    frame = frame.reset_index(drop=True)
    column_warnings = _column_warnings(frame, schema)
    return frame, schema, tuple(exclusions), tuple(warnings) + column_warnings, column_warnings


def _force_id(schema: Schema, id_column: str) -> Schema:
    columns = []
    for column in schema.columns:
        if column.name == id_column:
            column = replace(column, role="id", base="other", note="identifies each customer")
            if column.meaning in ("other", "internal_id"):
                why = "the column chosen as customer id"
                column = replace(column, meaning="customer_key", meaning_reason=why)
        elif column.role == "id":
            column = replace(column, role="ignore", note="an identifier, not a customer trait")
        columns.append(column)
    return Schema(tuple(columns))


def _report(
    n_rows: int,
    frame: pd.DataFrame,
    schema: Schema,
    notes: tuple[str, ...],
    exclusions: tuple[Exclusion, ...],
    warnings: tuple[str, ...],
) -> QualityReport:
    return QualityReport(
        n_rows, len(frame), len(schema.columns), tuple(notes), exclusions, warnings
    )


def _column_warnings(frame: pd.DataFrame, schema: Schema) -> tuple[str, ...]:
    warnings = []
    for column in schema.columns:
        if column.role != "feature":
            continue
        if column.missing_share >= 0.2:
            warnings.append(
                f"'{column.name}' is missing for {column.missing_share:.0%} of "
                "customers; segments will lean on the other columns."
            )
        if column.kind == "numeric":
            outliers = _outlier_text(frame[column.name], column.name)
            if outliers:
                warnings.append(outliers)
    features = schema.features()
    if not features:
        warnings.append(
            "No column is set as a feature, so there is nothing to segment by. Set "
            "the role of the traits you want to use to 'feature'."
        )
    return tuple(warnings)


def _outlier_text(values: pd.Series, name: str) -> str:
    # numpy, not pandas: a wide file has thousands of numeric columns
    present = values.to_numpy(dtype="float64", na_value=np.nan)[~values.isna().to_numpy(bool)]
    if len(present) < 20:
        return ""
    q1, q3 = np.percentile(present, [25, 75])
    spread = q3 - q1
    if spread <= 0:
        return ""
    far = present[(present > q3 + 5 * spread) | (present < q1 - 5 * spread)]
    if not len(far) or len(far) > 0.01 * len(present):
        return ""
    shown = ", ".join(f"{v:,.0f}" if abs(v) >= 10 else f"{v:,.2f}" for v in np.sort(far)[-3:])
    return (
        f"'{name}' has {len(far):,} value{'s' * (len(far) != 1)} far outside the usual range "
        f"({q1:,.0f}–{q3:,.0f} for the middle half), e.g. {shown}: check whether they are real "
        "or errors."
    )
