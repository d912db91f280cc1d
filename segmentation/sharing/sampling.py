"""A reproducible sample of a customer dataset too large for memory.

``python -m segmentation sample DATASET OUT.parquet --rows 100000 [--seed S] [--strata COL…]``
reads DATASET (a CSV or Parquet file, a folder of them or a glob) in batches and keeps the
``n`` rows with the smallest seeded keys (:mod:`.sample_design`): a uniform sample, or with
strata a proportionally stratified one (a first pass counts the strata). Memory holds the
sample and one batch, whatever the size of the dataset. CSV values are kept as text, exactly as
the Data page reads them; Parquet columns keep their types.

>>> import tempfile, pathlib, pandas as pd
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> pd.DataFrame({"id": range(100), "region": ["N", "S"] * 50}).to_csv(folder / "c.csv",
...                                                                    index=False)
>>> sample = draw_sample(str(folder / "c.csv"), 10, seed=1, strata=("region",))
>>> sample.table.num_rows, [s.size for s in sample.design.strata]
(10, [5, 5])
"""

from __future__ import annotations

import glob
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from segmentation.sharing.sample_design import (
    DESIGN_KEY,
    STRATIFIED,
    BottomKeys,
    SampleDesign,
    SampleError,
    Stratum,
    proportional_allocation,
    row_keys,
)

BATCH_ROWS = 100_000
PARQUET_SUFFIXES = (".parquet", ".pq")
TEXT_SUFFIXES = (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz", ".txt.gz")
MISSING_STRATUM = "(missing)"
_GLOB_CHARACTERS = set("*?[")


@dataclass(frozen=True)
class Sample:
    """The sampled rows (an Arrow table, in the dataset's order) and how they were drawn."""

    table: pa.Table
    design: SampleDesign
    notes: tuple[str, ...] = ()


def dataset_files(dataset: str) -> tuple[Path, ...]:
    """The files of a dataset given as a file, a folder (CSV/Parquet files inside, sorted) or a
    glob; raises :class:`SampleError` when there are none."""
    if _GLOB_CHARACTERS & set(dataset):
        matches = sorted(Path(p) for p in glob.glob(dataset, recursive=True) if Path(p).is_file())
        if not matches:
            raise SampleError(f"The pattern '{dataset}' matches no files. Check the folder and "
                              "the pattern (e.g. 'customers/*.parquet').")  # fmt: skip
        return _one_kind(dataset, matches)
    path = Path(dataset)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and _data_file(p))
        if not files:
            raise SampleError(f"The folder '{dataset}' holds no CSV or Parquet files "
                              f"({', '.join(TEXT_SUFFIXES + PARQUET_SUFFIXES)}).")  # fmt: skip
        return _one_kind(dataset, files)
    if not path.is_file():
        raise SampleError(f"There is no file or folder at '{dataset}'. Check the path.")
    return (path,)


def _data_file(path: Path) -> bool:
    name = path.name.lower()
    hidden = name.startswith((".", "_"))  # _SUCCESS, _metadata, .crc files of Spark/Dask output
    return not hidden and name.endswith(TEXT_SUFFIXES + PARQUET_SUFFIXES)


def _is_parquet(path: Path) -> bool:
    return path.name.lower().endswith(PARQUET_SUFFIXES)


def _one_kind(dataset: str, files: list[Path]) -> tuple[Path, ...]:
    kinds = {_is_parquet(f) for f in files}
    if len(kinds) > 1:
        raise SampleError(f"'{dataset}' mixes CSV and Parquet files; give one kind at a time.")
    return tuple(files)


def read_batches(
    files: Sequence[Path], columns: Sequence[str] | None = None, batch_rows: int = BATCH_ROWS
) -> Iterator[pa.Table]:
    """The dataset's rows a batch at a time (only ``columns`` when given), checking that
    every file has the first file's columns."""
    expected: list[str] | None = None
    for path in files:
        names = _column_names(path)
        if expected is None:
            expected = names
            _check_columns(path, names, columns)
        elif names != expected:
            raise SampleError(_mismatch(path, files[0], names, expected))
        reader = _parquet_batches if _is_parquet(path) else _text_batches
        yield from reader(path, columns, batch_rows)


def _column_names(path: Path) -> list[str]:
    if path.stat().st_size == 0:
        raise SampleError(f"'{path}' is empty (0 bytes). Choose a dataset with customers.")
    try:
        if _is_parquet(path):
            return list(pq.read_schema(path).names)
        return [str(c).strip() for c in _read_text(path, nrows=0).columns]
    except (OSError, ValueError, pa.ArrowException, pd.errors.ParserError) as err:
        raise SampleError(f"'{path}' cannot be read ({err}). Check that it is a CSV or "
                          "Parquet file.") from None  # fmt: skip


def _check_columns(path: Path, names: list[str], columns: Sequence[str] | None) -> None:
    missing = [c for c in columns or () if c not in names]
    if missing:
        raise SampleError(
            f"The column(s) {', '.join(map(repr, missing))} are not in '{path}'. Its columns: "
            f"{', '.join(names)}. Choose strata columns from these."
        )


def _mismatch(path: Path, first: Path, names: list[str], expected: list[str]) -> str:
    lacks = [c for c in expected if c not in names]
    extra = [c for c in names if c not in expected]
    return (
        f"'{path}' does not have the columns of '{first}' (lacks: {', '.join(lacks) or 'none'}; "
        f"extra: {', '.join(extra) or 'none'}; or another order). Every file of a dataset needs "
        "the same columns."
    )


def _parquet_batches(path: Path, columns: Sequence[str] | None, rows: int) -> Iterator[pa.Table]:
    parquet = pq.ParquetFile(path)
    for batch in parquet.iter_batches(batch_size=rows, columns=list(columns) if columns else None):
        yield pa.Table.from_batches([batch]).replace_schema_metadata(None)


def _text_batches(path: Path, columns: Sequence[str] | None, rows: int) -> Iterator[pa.Table]:
    try:
        for chunk in _read_text(path, chunksize=rows):
            chunk.columns = [str(c).strip() for c in chunk.columns]
            chunk = chunk[list(columns)] if columns else chunk
            table = pa.Table.from_pandas(chunk, preserve_index=False)
            yield table.replace_schema_metadata(None)
    except (ValueError, pd.errors.ParserError) as err:
        raise SampleError(f"'{path}' could not be split into columns ({err}). Check that every "
                          "row has the same number of fields.") from None  # fmt: skip


def _read_text(path: Path, **options: object) -> pd.DataFrame | Iterator[pd.DataFrame]:
    """Text as the Data page reads it: every value as text, blanks as empty text."""
    return pd.read_csv(path, sep=_delimiter(path), dtype=str, keep_default_na=False,
                       encoding="utf-8-sig", **options)  # fmt: skip


def _delimiter(path: Path) -> str:
    import gzip

    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8-sig", errors="replace") as handle:
        header = handle.readline()
    counts = {sep: header.count(sep) for sep in (",", ";", "\t", "|")}
    return max(counts, key=counts.get) if max(counts.values()) else ","


def stratum_labels(table: pa.Table, strata: Sequence[str]) -> pd.Series:
    """Each row's stratum as one text (the strata columns' values joined)."""
    frame = table.select(list(strata)).to_pandas()
    parts = [frame[c].astype("string").fillna(MISSING_STRATUM) for c in strata]
    label = parts[0]
    for part in parts[1:]:
        label = label + "\x1f" + part
    return label.astype(object)


def count_strata(files: Sequence[Path], strata: Sequence[str], batch_rows: int) -> pd.Series:
    """Rows per stratum (index: the stratum label), in sorted order; one pass, strata only."""
    counts: dict[str, int] = {}
    for table in read_batches(files, strata, batch_rows):
        for label, count in stratum_labels(table, strata).value_counts().items():
            counts[label] = counts.get(label, 0) + int(count)
    return pd.Series(counts, dtype="int64").sort_index()


def draw_sample(
    dataset: str,
    rows: int,
    seed: int = 0,
    strata: Sequence[str] = (),
    batch_rows: int = BATCH_ROWS,
    progress: Callable[[int], None] | None = None,
) -> Sample:
    """Draw ``rows`` rows of ``dataset`` (uniform, or proportionally stratified by ``strata``).

    Raises :class:`SampleError` for a missing dataset, a glob matching nothing, a strata column
    the dataset lacks, files with different columns and an empty dataset.
    """
    if rows < 1:
        raise SampleError(f"--rows={rows} must be at least 1. Ask for the customers to sample.")
    files = dataset_files(dataset)
    strata = tuple(strata)
    counts = count_strata(files, strata, batch_rows) if strata else None
    quotas = np.array([rows]) if counts is None else proportional_allocation(counts, rows)
    codes_of = None if counts is None else {label: code for code, label in enumerate(counts.index)}
    keeper, kept, seen = BottomKeys(quotas), None, 0
    for table in read_batches(files, None, batch_rows):
        positions = np.arange(seen, seen + table.num_rows, dtype=np.int64)
        codes = np.zeros(table.num_rows, dtype=np.int64)
        if codes_of is not None:
            codes = stratum_labels(table, strata).map(codes_of).to_numpy(dtype=np.int64)
        old, new = keeper.offer(row_keys(seed, positions), codes, positions)
        joined = table.take(pa.array(new))
        kept = joined if kept is None else pa.concat_tables([kept.take(pa.array(old)), joined])
        seen += table.num_rows
        if progress is not None:
            progress(seen)
    if seen == 0 or kept is None:
        raise SampleError(f"'{dataset}' has no rows ({len(files)} file(s) read). Choose a "
                          "dataset with customers.")  # fmt: skip
    order = np.argsort(keeper.rows, kind="stable")
    design = _design(dataset, len(files), seen, rows, seed, strata, counts, quotas)
    return Sample(kept.take(pa.array(order)), design, _notes(design))


def _design(
    dataset: str,
    n_files: int,
    population: int,
    requested: int,
    seed: int,
    strata: tuple[str, ...],
    counts: pd.Series | None,
    quotas: np.ndarray,
) -> SampleDesign:
    size = min(requested, population)
    if counts is None:
        return SampleDesign(dataset, n_files, population, size, requested, seed)
    listed = tuple(
        Stratum(dict(zip(strata, str(label).split("\x1f"), strict=True)), int(n), int(q))
        for label, n, q in zip(counts.index, counts.to_numpy(), quotas, strict=True)
    )
    return SampleDesign(
        dataset, n_files, population, size, requested, seed, STRATIFIED, strata, listed
    )


def _notes(design: SampleDesign) -> tuple[str, ...]:
    notes = []
    if design.requested > design.population:
        notes.append(
            f"--rows={design.requested:,} is more than the {design.population:,} rows of "
            f"'{design.source}', so the sample is the whole dataset."
        )
    empty = [s for s in design.strata if s.size == 0]
    if empty:
        notes.append(
            f"{len(empty)} of {len(design.strata)} strata got no row: the sample "
            f"({design.size:,} rows) is smaller than the number of strata. Ask for more rows."
        )
    return tuple(notes)


def write_sample(sample: Sample, path: str | Path) -> None:
    """Write the sample as Parquet with its design in the key-value metadata."""
    metadata = dict(sample.table.schema.metadata or {})
    metadata[DESIGN_KEY] = sample.design.to_json().encode()
    try:
        pq.write_table(sample.table.replace_schema_metadata(metadata), path)
    except OSError as err:
        raise SampleError(f"Cannot write '{path}' ({err}). Check the folder.") from None


def read_design(path: str | Path) -> SampleDesign | None:
    """The design stored in a Parquet sample (``None`` for any other file)."""
    if not str(path).lower().endswith(PARQUET_SUFFIXES):
        return None
    try:
        metadata = pq.read_schema(path).metadata or {}
    except (OSError, pa.ArrowException):
        return None
    raw = metadata.get(DESIGN_KEY)
    return None if raw is None else SampleDesign.from_dict(json.loads(raw))
