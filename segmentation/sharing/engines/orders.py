"""``aggregate-orders`` past one machine: order lines → one row per customer, with DuckDB on one
node (lines partitioned by customer key on disk, spilling under a memory limit) or on Dask
(lines shuffled by customer key), each partition aggregated by
:func:`segmentation.data.order_partitions.order_partition` and the parts combined with the
whole dataset's period end (:func:`~segmentation.data.order_partitions.combine_partitions`).

The mapping is the one the Data page suggests (:func:`segmentation.data.layouts.suggest_orders`
on the first lines, as ``read_input`` does), and every partition's columns are typed as those
first lines were (the same date format, numbers, text keys).
"""

from __future__ import annotations

import math
import os
import re
import tempfile
import time
from dataclasses import dataclass
from typing import Any

import pandas as pd

from segmentation.data.customer_keys import is_email_key
from segmentation.data.dates import dates_in_format, read_dates
from segmentation.data.layouts import Layout, infer_with_layout, suggest_orders
from segmentation.data.order_columns import OrderColumns
from segmentation.data.order_partitions import OrderPartition, combine_partitions, order_partition
from segmentation.data.orders import OrdersSummary
from segmentation.sharing.engines.orders_sql import aggregate_sql, sql_supported
from segmentation.sharing.engines.sources import (
    Dataset,
    EngineError,
    filesystem,
    pandas_batches,
    staged_output,
)

SAMPLE_LINES = 100_000
LINES_PER_PARTITION = 1_000_000
ENGINES = ("duckdb", "dask")
# of a run's memory limit, what this process keeps beside DuckDB (the customer table, the
# report): measured 20M lines → 1M customers, 1.5GB: 1.24-1.29 GB peak with DuckDB at 1.1GB
HEADROOM_BYTES = 400 * 2**20
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)?\s*", re.IGNORECASE)
_UNITS = {"B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
          "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}  # fmt: skip


@dataclass(frozen=True)
class OrderReading:
    """How every partition of an orders dataset is read: the suggested mapping, whether the key
    is an e-mail address, the layout, and each mapped column's kind and date format as the
    first lines were typed."""

    columns: OrderColumns
    email_key: bool
    layout: Layout | None
    kinds: dict[str, str]
    date_format: str | None
    date_dtypes: dict[str, str]

    @property
    def needed(self) -> list[str]:
        """The columns the aggregation reads."""
        return list(dict.fromkeys((*self.columns.mapped(), *self.columns.carried)))


@dataclass(frozen=True)
class OrdersRun:
    """What an aggregation of a dataset did: the customers and report, partitions, engine."""

    summary: OrdersSummary
    n_partitions: int
    seconds: float
    engine: str


def order_reading(dataset: Dataset) -> OrderReading:
    """The mapping and typing of an orders dataset, from its first lines (the Data page's
    suggestion); raises when the rows are customers or no mapping fits."""
    first = next(pandas_batches(dataset, batch_rows=SAMPLE_LINES), None)
    if first is None or first.empty:
        raise EngineError(
            f"'{dataset.location}' has no order lines (its files hold no rows). Choose a "
            "dataset with orders."
        )
    first = first.head(SAMPLE_LINES)
    raw = _blank_as_missing(first)
    typed, layout = infer_with_layout(raw)
    columns = suggest_orders(typed)
    if columns is None:
        raise EngineError(
            f"The rows of '{dataset.location}' are customers, not orders (layout "
            f"'{layout.name if layout else 'none'}'). aggregate-orders needs one row per order "
            "or order line."
        )
    email_key = is_email_key(typed.frame, columns.customer_id, typed.schema)
    needed = dict.fromkeys((*columns.mapped(), *columns.carried))
    kinds = {name: _kind(typed.frame[name]) for name in needed}
    date_format = None
    if kinds[columns.order_date] != "datetime" or _is_text(raw[columns.order_date]):
        reading = read_dates(raw[columns.order_date], columns.order_date)
        date_format = None if reading is None else reading.format
    date_dtypes = {n: str(typed.frame[n].dtype) for n, k in kinds.items() if k == "datetime"}
    return OrderReading(columns, email_key, layout, kinds, date_format, date_dtypes)


def _blank_as_missing(frame: pd.DataFrame) -> pd.DataFrame:
    text = [c for c in frame.columns if _is_text(frame[c])]
    return frame.replace({c: {"": None} for c in text}) if text else frame


def _is_text(values: pd.Series) -> bool:
    return pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)


def _kind(values: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(values):
        return "boolean"
    if pd.api.types.is_datetime64_any_dtype(values):
        return "datetime"
    if pd.api.types.is_numeric_dtype(values):
        return "numeric"
    return "text"


def typed_lines(raw: pd.DataFrame, reading: OrderReading) -> pd.DataFrame:
    """A partition's lines typed as the first lines were (every column: exact duplicate lines
    are whole rows)."""
    raw = _blank_as_missing(raw.reset_index(drop=True))  # lines from several files
    typed = infer_with_layout(raw)[0].frame if len(raw) else raw
    fixed = {}
    for name, kind in reading.kinds.items():
        values = typed[name]
        if kind == "datetime" and reading.date_format and _is_text(raw[name]):
            values = dates_in_format(raw[name], reading.date_format)
        elif kind == "numeric" and _kind(values) != "numeric":
            values = pd.to_numeric(values, errors="coerce").astype("float64")
        elif kind == "text" and _kind(values) != "text":
            values = raw[name].astype("string").str.strip()
        if kind == "datetime" and str(values.dtype) != reading.date_dtypes[name]:
            values = values.astype(reading.date_dtypes[name])  # e.g. DuckDB's µs → the file's ms
        fixed[name] = values
    return typed.assign(**fixed)


def aggregate_partition(raw: pd.DataFrame, reading: OrderReading) -> OrderPartition:
    """:func:`order_partition` of raw lines (as read from the files) of a set of customers."""
    return order_partition(typed_lines(raw, reading), reading.columns, reading.email_key)


# --- DuckDB: one node ------------------------------------------------------------------------


def aggregate_with_duckdb(
    dataset: Dataset,
    memory_limit: str | None = None,
    threads: int | None = None,
    lines_per_partition: int = LINES_PER_PARTITION,
) -> OrdersRun:
    """Aggregate a dataset on this machine: by SQL when the mapping allows it, else DuckDB
    writes the lines into partitions by customer key on disk, each partition is aggregated in
    pandas and the parts combined. ``memory_limit`` (e.g. "4GB") is the whole run's: DuckDB
    gets it but the headroom this process needs (:func:`duckdb_memory_limit`) and spills to a
    temporary folder beyond."""
    import duckdb

    start = time.perf_counter()
    duckdb_limit = duckdb_memory_limit(memory_limit) if memory_limit else None
    reading = order_reading(dataset)
    with tempfile.TemporaryDirectory(prefix="segment-studio-orders-") as scratch:
        con = duckdb.connect(config=_duckdb_config(scratch, duckdb_limit, threads))
        try:
            source = _duckdb_source(con, dataset, reading)
            n_lines = con.execute(f"SELECT count(*) FROM {source}").fetchall()[0][0]
            if not n_lines:
                raise EngineError(f"'{dataset.location}' has no order lines. Choose a dataset "
                                  "with orders.")  # fmt: skip
            described = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
            types = {str(row[0]): str(row[1]) for row in described}
            if sql_supported(reading, types):
                summary = aggregate_sql(con, source, reading, n_lines, types)
                return OrdersRun(summary, 1, time.perf_counter() - start, "duckdb (SQL)")
            n_parts = max(1, math.ceil(n_lines / lines_per_partition))
            key = _duckdb_key(reading)
            target = os.path.join(scratch, "parts")
            con.execute(
                f"COPY (SELECT *, CAST(hash({key}) % {n_parts} AS INTEGER) AS _part "
                f"FROM {source}) TO '{target}' (FORMAT parquet, PARTITION_BY (_part))"
            )
        except duckdb.OutOfMemoryException as err:
            raise EngineError(
                f"DuckDB ran out of memory with memory_limit={memory_limit} ({err}). Raise "
                "--memory-limit or free disk space for spilling."
            ) from None
        finally:
            con.close()
        parts = [
            aggregate_partition(pd.read_parquet(f).drop(columns="_part", errors="ignore"), reading)
            for f in _part_folders(target)
        ]
    summary = combine_partitions(parts, reading.columns, reading.email_key)
    return OrdersRun(summary, len(parts), time.perf_counter() - start, "duckdb")


def duckdb_memory_limit(limit: str) -> str:
    """DuckDB's share of a run's memory ``limit`` ("4GB", "1.5 GB", "500MiB"): all of it but
    the headroom this process needs beside DuckDB, and at least half of it."""
    match = _SIZE.fullmatch(limit)
    if match is None:
        raise EngineError(
            f"--memory-limit '{limit}' is not a size. Write a number and a unit, e.g. 4GB or 500MB."
        )
    total = float(match.group(1)) * _UNITS[(match.group(2) or "B").upper()]
    if total < 100 * 2**20:
        raise EngineError(
            f"--memory-limit {limit} is too small to aggregate orders: give at least 100MB "
            "(DuckDB spills to disk beyond it, so a small limit is slower, not refused)."
        )
    return f"{max(total / 2, total - HEADROOM_BYTES) / 2**20:.0f}MiB"


def _duckdb_config(scratch: str, memory_limit: str | None, threads: int | None) -> dict:
    config: dict[str, Any] = {"temp_directory": os.path.join(scratch, "spill")}
    if memory_limit:
        config["memory_limit"] = memory_limit
    if threads:
        config["threads"] = threads
    config["preserve_insertion_order"] = False
    return config


def _duckdb_source(con: Any, dataset: Dataset, reading: OrderReading) -> str:
    if dataset.location.startswith("s3://"):
        fs, _ = filesystem(dataset.location)
        con.register_filesystem(fs)
    files = "[" + ", ".join(_sql_text(p) for p in dataset.paths) + "]"
    if dataset.format == "parquet":
        return f"read_parquet({files})"
    delimiter = _sql_text(dataset.delimiter)
    return f"read_csv({files}, all_varchar=true, header=true, delim={delimiter})"


def _duckdb_key(reading: OrderReading) -> str:
    """The customer key lines are partitioned by: every line of a customer in one partition
    (blank keys take their order's key, as the aggregation fills them)."""
    columns = reading.columns
    key = f"nullif(trim(CAST({_sql_name(columns.customer_id)} AS VARCHAR)), '')"
    if reading.email_key:
        key = f"lower({key})"
    if columns.order_id is None:
        return key
    order = _sql_name(columns.order_id)
    return f"coalesce({key}, max({key}) OVER (PARTITION BY {order}))"


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sql_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _part_folders(target: str) -> list[str]:
    if not os.path.isdir(target):
        return []
    return sorted(os.path.join(target, d) for d in os.listdir(target) if d.startswith("_part="))


# --- Dask: a cluster ------------------------------------------------------------------------


def aggregate_on_dask(
    dataset: Dataset, client: Any, lines_per_partition: int = LINES_PER_PARTITION
) -> OrdersRun:
    """Aggregate a dataset on the Dask cluster of ``client``: lines shuffled by customer key,
    each partition aggregated where it lies, the parts combined here."""
    from segmentation.sharing.engines.cluster import run_errors

    start = time.perf_counter()
    reading = order_reading(dataset)
    frame = _dask_lines(dataset, reading)
    n_parts = max(1, frame.npartitions)
    keyed = frame.assign(_key=frame.map_partitions(_partition_key, reading, meta=("_key", "str")))
    shuffled = _with_order_keys(keyed, reading).shuffle(on="_key", npartitions=n_parts)
    task = _AggregateTask(reading)
    try:
        parts = shuffled.map_partitions(task, meta=(None, "object")).compute().tolist()
    except run_errors() as err:
        raise EngineError(
            f"The run failed on the cluster ({type(err).__name__}: {err}); a worker died or the "
            "connection dropped. Nothing was written. Check the workers' memory and run again."
        ) from None
    summary = combine_partitions(parts, reading.columns, reading.email_key)
    return OrdersRun(summary, len(parts), time.perf_counter() - start, "dask")


@dataclass(frozen=True)
class _AggregateTask:
    reading: OrderReading

    def __call__(self, part: pd.DataFrame) -> pd.Series:
        return pd.Series([aggregate_partition(part.drop(columns="_key"), self.reading)])


def _with_order_keys(keyed: Any, reading: OrderReading) -> Any:
    """Lines without a customer key take their order's key (as the aggregation fills them), so
    they land in their customer's partition."""
    order = reading.columns.order_id
    if order is None:
        return keyed
    known = keyed[keyed["_key"] != ""]
    order_keys = known.groupby(order)["_key"].max().rename("_order_key").to_frame()
    joined = keyed.merge(order_keys, left_on=order, right_index=True, how="left")
    filled = joined["_key"].mask(joined["_key"] == "", joined["_order_key"].fillna(""))
    return joined.assign(_key=filled).drop(columns="_order_key")


def _partition_key(part: pd.DataFrame, reading: OrderReading) -> pd.Series:
    key = part[reading.columns.customer_id].astype("string").str.strip()
    key = key.mask(key == "")
    return (key.str.lower() if reading.email_key else key).fillna("").astype("str")


def _dask_lines(dataset: Dataset, reading: OrderReading) -> Any:
    import dask.dataframe as dd

    options = dataset.storage_options or None
    if dataset.format == "parquet":
        return dd.read_parquet(dataset.urls, storage_options=options)
    compressed = any(p.endswith(".gz") for p in dataset.paths)
    return dd.read_csv(
        dataset.urls,
        sep=dataset.delimiter,
        dtype=str,
        keep_default_na=False,
        blocksize=None if compressed else "64MB",
        storage_options=options,
    )


# --- output -----------------------------------------------------------------------------------


def write_customers(summary: OrdersSummary, output: str) -> None:
    """The customer table (key first) to ``output``: a CSV file when it ends with .csv, else a
    Parquet dataset folder; written aside and moved into place only when complete."""
    from segmentation.data.build import FILE_NAMES
    from segmentation.targeting.spreadsheets import write_csv

    table = summary.customers.reset_index()
    table = table.rename(columns={k: v for k, v in FILE_NAMES.items() if v not in table})
    if output.endswith(".csv"):
        staged = output + ".partial"
        fs, path = filesystem(staged)
        with fs.open(path, "w") as handle:
            write_csv(table, handle)
        fs.mv(path, filesystem(output)[1])
        return
    staged = staged_output(output)
    try:
        fs, path = filesystem(staged.staging)
        with fs.open(f"{path}/part-00000.parquet", "wb") as handle:
            table.to_parquet(handle, index=False)
        staged.commit()
    except BaseException:
        staged.discard()
        raise
