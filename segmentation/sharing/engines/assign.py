"""``assign`` past one machine: every customer of a dataset put into a model's segments, on a
Dask cluster or in batches in this process, written as a Parquet dataset.

Models whose segments rank customers against all the others (RFM quintiles, top/bottom-percent
rules, 'within the last N days' without a reference day) first get their cut points from the
whole dataset (:func:`population_summary` per partition, added up, then
:func:`population_of`); every partition is then assigned with them, so the labels are those of
the single-process path for every customer.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from segmentation.sharing.engines.sources import (
    Dataset,
    EngineError,
    dataset_columns,
    filesystem,
    pandas_batches,
    staged_output,
)
from segmentation.sharing.reuse import (
    ASSIGNED_COLUMNS,
    Population,
    SegmentModel,
    assign_partition,
    check_columns,
    typed_partition,
)

Summary = dict[str, Any]


@dataclass(frozen=True)
class DatasetAssignment:
    """What an assignment of a dataset did: customers per segment, where it wrote, how."""

    n_customers: int
    sizes: Mapping[str, int]
    ignored_columns: tuple[str, ...]
    n_partitions: int
    seconds: float
    engine: str


# --- whole-population cut points ------------------------------------------------------------


def _rank_conditions(model: SegmentModel) -> list[Any]:
    if model.method != "rules":
        return []
    from segmentation.segmenting.rule_conditions import iter_conditions, rule_from_dict

    rules = [rule_from_dict(r) for r in model.settings["rules"]]
    return [c for r in rules for c in iter_conditions(r)]


def needs_population(model: SegmentModel) -> bool:
    """Whether the model's segments depend on the whole dataset (see the module docstring)."""
    return not model.chunkable or any(
        c.operator == "within_last_days" and not model.settings.get("reference_date")
        for c in _rank_conditions(model)
    )


def population_summary(model: SegmentModel, frame: pd.DataFrame) -> Summary:
    """A partition's share of the whole population: value counts and latest dates that add up
    over partitions (:func:`merge_summaries`)."""
    typed = typed_partition(model, frame)
    if model.method == "rfm":
        from segmentation.segmenting.rfm import rfm_from_settings
        from segmentation.segmenting.rfm_scoring import rfm_value_counts

        columns, _ = rfm_from_settings(model.settings)
        return {f"rfm:{k}": v for k, v in rfm_value_counts(typed, columns).items()}
    from segmentation.segmenting.rule_operators import number_counts

    summary: Summary = {}
    for condition in _rank_conditions(model):
        values = typed[condition.column]
        if condition.operator in ("top_pct", "bottom_pct"):
            summary[f"rank:{condition.column}"] = number_counts(values)
        elif condition.operator == "within_last_days":
            summary[f"latest:{condition.column}"] = values.max()
    return summary


def merge_summaries(summaries: Iterable[Summary]) -> Summary:
    """Partition summaries added up: counts summed, the latest of the latest dates."""
    from segmentation.segmenting.rfm_scoring import merge_value_counts

    summaries = list(summaries)
    counts = merge_value_counts(
        {k: v for k, v in s.items() if not k.startswith("latest:")} for s in summaries
    )
    latest: Summary = {}
    for summary in summaries:
        for key, value in summary.items():
            if key.startswith("latest:") and not pd.isna(value):
                latest[key] = value if pd.isna(latest.get(key, pd.NaT)) else max(latest[key], value)
    return {**counts, **latest}


def population_of(model: SegmentModel, summary: Summary) -> Population:
    """The cut points of the whole dataset whose summaries were merged into ``summary``."""
    if model.method == "rfm":
        from segmentation.segmenting.rfm import rfm_from_settings
        from segmentation.segmenting.rfm_scoring import rfm_cuts

        columns, _ = rfm_from_settings(model.settings)
        counts = {k.split(":", 1)[1]: v for k, v in summary.items() if k.startswith("rfm:")}
        return Population(rfm=rfm_cuts(counts, columns))
    from segmentation.segmenting.rule_operators import PopulationCuts, rank_cut_of_counts

    cuts, latest = {}, {}
    for condition in _rank_conditions(model):
        column, operator = condition.column, condition.operator
        if operator in ("top_pct", "bottom_pct"):
            counts = summary.get(f"rank:{column}", pd.Series(dtype="int64"))
            top = operator == "top_pct"
            cuts[(column, operator, float(condition.value))] = rank_cut_of_counts(
                counts, float(condition.value), top
            )
        elif operator == "within_last_days":
            latest[column] = summary.get(f"latest:{column}", pd.NaT)
    return Population(rules=PopulationCuts(cuts, latest))


# --- drivers --------------------------------------------------------------------------------


def check_dataset(model: SegmentModel, dataset: Dataset) -> tuple[str, ...]:
    """The columns the model ignores; raises naming every missing one before any work."""
    return check_columns(model, dataset_columns(dataset))


def assign_in_batches(
    model: SegmentModel,
    dataset: Dataset,
    output: str,
    batch_rows: int = 250_000,
    assign: Callable[..., pd.DataFrame] = assign_partition,
) -> DatasetAssignment:
    """Assign a dataset in this process, ``batch_rows`` customers at a time, into a Parquet
    dataset at ``output`` (one file per batch; renamed into place when complete)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    start = time.perf_counter()
    ignored = check_dataset(model, dataset)
    needed = [model.id_column, *model.columns]
    population = None
    if needs_population(model):
        population = population_of(
            model,
            merge_summaries(
                population_summary(model, b) for b in pandas_batches(dataset, needed, batch_rows)
            ),
        )
    staged = staged_output(output)
    fs, staging = filesystem(staged.staging)
    sizes: dict[str, int] = {}
    n_customers = n_parts = 0
    try:
        for batch in pandas_batches(dataset, needed, batch_rows):
            if batch.empty:
                continue
            assigned = assign(model, batch, population)
            with fs.open(f"{staging}/part-{n_parts:05d}.parquet", "wb") as handle:
                pq.write_table(pa.Table.from_pandas(assigned, preserve_index=False), handle)
            _add_sizes(sizes, assigned)
            n_customers, n_parts = n_customers + len(assigned), n_parts + 1
        _check_not_empty(n_customers, dataset)
        staged.commit()
    except BaseException:
        staged.discard()
        raise
    seconds = time.perf_counter() - start
    return DatasetAssignment(n_customers, sizes, ignored, n_parts, seconds, "batches")


def assign_on_dask(
    model: SegmentModel,
    dataset: Dataset,
    output: str,
    client: Any,
    assign: Callable[..., pd.DataFrame] = assign_partition,
) -> DatasetAssignment:
    """Assign a dataset on the Dask cluster of ``client`` (``map_partitions``), into a Parquet
    dataset at ``output``; a worker lost mid-run fails the run and leaves no output."""
    from segmentation.sharing.engines.cluster import run_errors

    start = time.perf_counter()
    ignored = check_dataset(model, dataset)
    frame = _dask_frame(dataset, [model.id_column, *model.columns])
    staged = staged_output(output)
    try:
        population = None
        if needs_population(model):
            summarise = _PartitionTask(_summary_series, model, None)
            parts = frame.map_partitions(summarise, meta=(None, "object"))
            population = population_of(model, merge_summaries(parts.compute().tolist()))
        meta = _assigned_meta(model, frame)
        # the model travels inside the function: dask would unpack a dataclass argument
        assigned = frame.map_partitions(_PartitionTask(assign, model, population), meta=meta)
        assigned.to_parquet(
            staged.staging,
            write_index=False,
            storage_options=dataset.storage_options if output.startswith("s3://") else None,
        )
        sizes = _written_sizes(staged.staging)
        _check_not_empty(sum(sizes.values()), dataset)
        staged.commit()
    except run_errors() as err:
        staged.discard()
        raise EngineError(
            f"The run failed on the cluster ({type(err).__name__}: {err}); a worker died or the "
            f"connection dropped. Nothing was written to '{output}'. Check the workers' memory "
            "(fewer customers per partition, more workers) and run again."
        ) from None
    except BaseException:
        staged.discard()
        raise
    seconds = time.perf_counter() - start
    n_customers = sum(sizes.values())
    return DatasetAssignment(
        n_customers, sizes, ignored, frame.npartitions, seconds, f"dask ({_n_workers(client)})"
    )


@dataclass(frozen=True)
class _PartitionTask:
    """A partition function with the model (and cut points) it needs, shipped to workers."""

    function: Callable[..., Any]
    model: SegmentModel
    population: Population | None

    def __call__(self, part: pd.DataFrame) -> Any:
        return self.function(self.model, part, self.population)

    @property
    def __name__(self) -> str:
        """What Dask names the tasks after (otherwise it prints the model's whole pipeline)."""
        return getattr(self.function, "__name__", "partition")


def _summary_series(model: SegmentModel, part: pd.DataFrame, _: Any) -> pd.Series:
    return pd.Series([population_summary(model, part)])


def _dask_frame(dataset: Dataset, columns: list[str]) -> Any:
    import dask.dataframe as dd

    if dataset.format == "parquet":
        return dd.read_parquet(
            dataset.urls, columns=columns, storage_options=dataset.storage_options or None
        )
    compressed = any(p.endswith(".gz") for p in dataset.paths)
    return dd.read_csv(
        dataset.urls,
        sep=dataset.delimiter,
        dtype=str,
        keep_default_na=False,
        usecols=columns,
        blocksize=None if compressed else "64MB",
        storage_options=dataset.storage_options or None,
    )


def _assigned_meta(model: SegmentModel, frame: Any) -> pd.DataFrame:
    key_dtype = frame.dtypes[model.id_column]
    if pd.api.types.is_string_dtype(key_dtype) or pd.api.types.is_object_dtype(key_dtype):
        key_dtype = "str"
    return pd.DataFrame(
        {
            model.id_column: pd.Series(dtype=key_dtype),
            ASSIGNED_COLUMNS[0]: pd.Series(dtype="int64"),
            ASSIGNED_COLUMNS[1]: pd.Series(dtype="str"),
        }
    )


def _written_sizes(location: str) -> dict[str, int]:
    """Customers per segment name in the written dataset (the names read as the dictionary
    Parquet stores them in, not as one string per customer)."""
    import pyarrow.dataset as ds

    fs, path = filesystem(location)
    names = ds.ParquetFileFormat(read_options={"dictionary_columns": ["segment"]})
    table = ds.dataset(path, filesystem=fs, format=names).to_table(columns=["segment"])
    counts = table.column("segment").value_counts().to_pylist()
    return {str(item["values"]): int(item["counts"]) for item in counts}


def _add_sizes(sizes: dict[str, int], assigned: pd.DataFrame) -> None:
    for name, count in assigned["segment"].value_counts().items():
        sizes[str(name)] = sizes.get(str(name), 0) + int(count)


def _check_not_empty(n_customers: int, dataset: Dataset) -> None:
    if n_customers == 0:
        raise EngineError(
            f"'{dataset.location}' has no customers to assign (its files hold no rows). "
            "Choose a dataset with customers."
        )


def _n_workers(client: Any) -> str:
    n = len(client.scheduler_info().get("workers", {}))
    return f"{n} worker{'s' * (n != 1)}"
