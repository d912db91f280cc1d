"""Datasets to read (a CSV/Parquet file, a folder, a glob or an ``s3://`` URL) and results to
write without ever leaving a partial one that looks complete.

Object storage goes through s3fs with the credentials of the environment (``AWS_ACCESS_KEY_ID``
…, or a profile); ``AWS_ENDPOINT_URL`` points it at an S3-compatible server instead of AWS.
"""

from __future__ import annotations

import gzip
import io
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from segmentation.errors import SegmentationError

PARQUET_SUFFIXES = (".parquet", ".pq")
CSV_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".tsv.gz", ".txt", ".txt.gz")
GLOB_CHARACTERS = "*?["
BATCH_ROWS = 250_000


class EngineError(SegmentationError):
    """A dataset, cluster or output the engines cannot work with."""


@dataclass(frozen=True)
class Dataset:
    """The files of a dataset, their format ("parquet" or "csv") and how to reach them."""

    location: str
    paths: tuple[str, ...]
    format: str
    storage_options: dict[str, Any] = field(default_factory=dict)
    delimiter: str = ","

    @property
    def urls(self) -> list[str]:
        """The files as URLs Dask and fsspec read (``s3://`` kept)."""
        return list(self.paths)


def storage_options(location: str) -> dict[str, Any]:
    """s3fs options for a location: an endpoint override from ``AWS_ENDPOINT_URL``."""
    if not location.startswith("s3://"):
        return {}
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    return {"client_kwargs": {"endpoint_url": endpoint}} if endpoint else {}


def filesystem(location: str) -> tuple[Any, str]:
    """The fsspec filesystem of a location and the path inside it."""
    from fsspec.core import url_to_fs

    try:
        return url_to_fs(location, **storage_options(location))
    except ImportError as err:
        raise EngineError(
            f"Reading '{location}' needs the optional packages of requirements-large.txt "
            f"({err}). Install them with: pip install -r requirements-large.txt"
        ) from None


def open_dataset(location: str) -> Dataset:
    """The dataset at ``location``: one file, every data file of a folder, or a glob's matches.

    Raises :class:`EngineError` for nothing there, a glob matching nothing, no data files, or
    CSV and Parquet files mixed.
    """
    fs, path = filesystem(location)
    prefix = "s3://" if location.startswith("s3://") else ""
    try:
        if any(c in path for c in GLOB_CHARACTERS):
            found = sorted(p for p in fs.glob(path) if fs.isfile(p))
            if not found:
                raise EngineError(
                    f"The pattern '{location}' matches no file. Check the folder and the "
                    "pattern (e.g. data/orders-*.parquet)."
                )
        elif fs.isdir(path):
            found = sorted(p for p in fs.find(path) if _is_data_file(p))
            if not found:
                raise EngineError(
                    f"The folder '{location}' holds no CSV or Parquet file. Choose the folder "
                    "of the dataset."
                )
        elif fs.isfile(path):
            found = [path]
        else:
            raise EngineError(f"There is no file or folder at '{location}'. Check the path.")
    except (PermissionError, OSError) as err:
        if isinstance(err, EngineError):
            raise
        raise EngineError(f"'{location}' cannot be read ({err}). Check the path and the "
                          "credentials in the environment.") from None  # fmt: skip
    formats = {_format_of(p) for p in found}
    if None in formats or len(formats) > 1:
        odd = [os.path.basename(p) for p in found if _format_of(p) is None][:3]
        raise EngineError(
            f"'{location}' must hold CSV files or Parquet files, not a mix"
            + (f" (e.g. {', '.join(odd)})" if odd else "")
            + ". Put one kind of file in the dataset's folder."
        )
    paths = tuple(p if p.startswith(prefix) or not prefix else prefix + p for p in found)
    file_format = formats.pop()
    options = storage_options(location)
    delimiter = _csv_delimiter(fs, found[0]) if file_format == "csv" else ","
    return Dataset(location, paths, file_format, options, delimiter)


def _is_data_file(path: str) -> bool:
    name = os.path.basename(path)
    return not name.startswith(("_", ".")) and _format_of(path) is not None


def _format_of(path: str) -> str | None:
    lower = path.lower()
    if lower.endswith(PARQUET_SUFFIXES):
        return "parquet"
    if lower.endswith(CSV_SUFFIXES):
        return "csv"
    return None


def _open_text(fs: Any, path: str) -> io.TextIOBase:
    raw = fs.open(path, "rb")
    binary = gzip.GzipFile(fileobj=raw) if path.endswith(".gz") else raw
    return io.TextIOWrapper(binary, encoding="utf-8-sig", errors="replace")


def _csv_delimiter(fs: Any, path: str) -> str:
    with _open_text(fs, path) as handle:
        header = handle.readline()
    counts = {sep: header.count(sep) for sep in (",", ";", "\t", "|")}
    return max(counts, key=counts.get) if max(counts.values()) else ","


def dataset_columns(dataset: Dataset) -> list[str]:
    """The column names of a dataset's first file (read without reading the data)."""
    fs, _ = filesystem(dataset.location)
    path = _inner(dataset.paths[0])
    if dataset.format == "parquet":
        import pyarrow.parquet as pq

        return list(pq.read_schema(fs.open(path, "rb")).names)
    with _open_text(fs, path) as handle:
        header = handle.readline().rstrip("\r\n")
    return [name.strip().strip('"') for name in header.split(dataset.delimiter)] if header else []


def _inner(path: str) -> str:
    return path.removeprefix("s3://")


def pandas_batches(
    dataset: Dataset, columns: list[str] | None = None, batch_rows: int = BATCH_ROWS
) -> Iterator[pd.DataFrame]:
    """The dataset as pandas frames of at most ``batch_rows`` rows (CSV as text)."""
    fs, _ = filesystem(dataset.location)
    for path in dataset.paths:
        if dataset.format == "parquet":
            import pyarrow.parquet as pq

            parquet = pq.ParquetFile(fs.open(_inner(path), "rb"))
            for batch in parquet.iter_batches(batch_size=batch_rows, columns=columns):
                yield batch.to_pandas()
            continue
        with _open_text(fs, _inner(path)) as handle:
            yield from pd.read_csv(
                handle,
                sep=dataset.delimiter,
                dtype=str,
                keep_default_na=False,
                usecols=columns,
                chunksize=batch_rows,
            )


@dataclass(frozen=True)
class StagedOutput:
    """A result written under a temporary name and renamed into place only when complete."""

    target: str
    staging: str

    def commit(self) -> None:
        """Move the finished result into place (replacing an older one)."""
        fs, target = filesystem(self.target)
        _, staging = filesystem(self.staging)
        if fs.exists(target):
            fs.rm(target, recursive=True)
        if "file" in _protocols(fs):
            fs.mv(staging, target, recursive=True)  # a rename: all at once
            return
        for path in fs.find(staging):  # object storage has no folders to rename
            fs.mv(path, target + path[len(staging) :])
        fs.rm(staging, recursive=True) if fs.exists(staging) else None

    def discard(self) -> None:
        """Remove what a failed run wrote."""
        fs, staging = filesystem(self.staging)
        if fs.exists(staging):
            fs.rm(staging, recursive=True)


def _protocols(fs: Any) -> tuple[str, ...]:
    protocol = fs.protocol
    return (protocol,) if isinstance(protocol, str) else tuple(protocol)


def staged_output(target: str) -> StagedOutput:
    """A staging folder beside ``target`` (same filesystem, so the final move is a rename)."""
    target = target.rstrip("/")
    head, name = os.path.split(target)
    staging = os.path.join(head, f".{name}.partial-{uuid.uuid4().hex[:8]}")
    fs, path = filesystem(staging)
    fs.makedirs(path, exist_ok=True)
    return StagedOutput(target, staging)
