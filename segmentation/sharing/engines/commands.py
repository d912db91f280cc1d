"""The command line of the engines: ``assign`` (extended) and ``aggregate-orders``.

``assign MODEL INPUT OUTPUT [--workers N | --scheduler tcp://HOST:8786]`` puts every customer of
a dataset (a CSV/Parquet file, a folder, a glob or an ``s3://`` URL) into a model's segments and
writes a Parquet dataset (customer key, segment id, segment name), then prints the segment
sizes. With an OUTPUT ending in ``.csv`` and neither option, a CSV file is read in chunks and
written as CSV, as before.

``aggregate-orders INPUT OUTPUT [--engine duckdb|dask] [--workers N | --scheduler …]
[--memory-limit 4GB]`` turns order lines into one row per customer with the Data page's measures,
exclusions and rules (its suggested mapping), on DuckDB (one machine) or Dask.

Bad input (missing columns, an unreachable scheduler, a worker lost mid-run, an empty dataset,
a glob matching nothing) is one line on stderr and exit code 2; no partial output is left.
"""

from __future__ import annotations

import argparse
import sys

from segmentation.sharing.command_line import Command, fail, reports_bad_input, too_small
from segmentation.sharing.engines.orders import ENGINES

__all__ = ["COMMANDS", "add_assign_options", "add_commands", "assign_main"]


def add_assign_options(assign: argparse.ArgumentParser) -> None:
    """The cluster options of ``assign``."""
    _add_cluster_options(assign)


def _add_cluster_options(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--workers", type=int, help="run on a local Dask cluster of N worker processes"
    )
    where.add_argument(
        "--scheduler", metavar="ADDRESS", help="run on the Dask cluster at tcp://HOST:8786"
    )


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Add ``aggregate-orders`` to the command line."""
    aggregate = commands.add_parser(
        "aggregate-orders",
        help="order lines → one row per customer, on DuckDB or Dask",
        description="Turn the order lines of INPUT (a CSV/Parquet file, folder, glob or s3:// "
        "URL) into one row per customer with the Data page's measures, exclusions and rules, "
        "and write OUTPUT (a Parquet dataset folder, or a CSV file when it ends with .csv).",
    )
    aggregate.add_argument("input", help="order lines: file, folder, glob or s3:// URL")
    aggregate.add_argument("output", help="Parquet dataset folder (or a .csv file) to write")
    aggregate.add_argument(
        "--engine", choices=ENGINES, help="duckdb (one machine, default) or dask (a cluster)"
    )
    _add_cluster_options(aggregate)
    aggregate.add_argument(
        "--memory-limit",
        metavar="SIZE",
        help="memory for the whole DuckDB run, e.g. 4GB: DuckDB gets all of it but 400 MB kept "
        "for the customer table, and spills to disk beyond",
    )


@reports_bad_input
def assign_main(args: argparse.Namespace) -> int:
    """``assign``: a Parquet dataset (or CSV) of segments, the sizes on stdout."""
    from segmentation.sharing.reuse import load_model

    if message := too_small(args, "chunk_rows"):
        return fail(message)
    model = load_model(args.model)
    if args.output.endswith(".csv") and args.workers is None and args.scheduler is None:
        summary = _assign_csv(model, args)
        how = f"({summary.n_chunks} chunk(s))"
    else:
        summary = _assign_dataset(model, args)
        how = f"on {summary.engine} ({summary.n_partitions} partition(s))"
    print(
        f"Assigned {summary.n_customers:,} customers to the segments of '{model.title}' in "
        f"{summary.seconds:.1f} s {how}; wrote {args.output}."
    )
    _print_sizes(summary.sizes, summary.ignored_columns)
    return 0


def _assign_dataset(model, args: argparse.Namespace):
    from segmentation.sharing.engines.assign import (
        assign_in_batches,
        assign_on_dask,
        check_dataset,
    )
    from segmentation.sharing.engines.cluster import dask_client
    from segmentation.sharing.engines.sources import open_dataset

    dataset = open_dataset(args.input)
    check_dataset(model, dataset)  # names the missing columns before a cluster starts
    if args.workers is None and args.scheduler is None:
        return assign_in_batches(model, dataset, args.output, batch_rows=args.chunk_rows)
    with dask_client(args.workers, args.scheduler) as client:
        return assign_on_dask(model, dataset, args.output, client)


def _assign_csv(model, args: argparse.Namespace):
    from segmentation.sharing.reuse import assign_file

    return assign_file(
        model,
        args.input,
        args.output,
        args.chunk_rows,
        progress=lambda n: print(f"  {n:,} customers assigned", file=sys.stderr),
    )


def _print_sizes(sizes: dict[str, int], ignored: tuple[str, ...]) -> None:
    for name, count in sorted(sizes.items(), key=lambda item: -item[1]):
        print(f"  {name}: {count:,}")
    if ignored:
        print(f"Ignored {len(ignored)} column(s) the segmentation does not use: "
              f"{', '.join(ignored)}.")  # fmt: skip


@reports_bad_input
def aggregate_main(args: argparse.Namespace) -> int:
    """``aggregate-orders``: the customer table to OUTPUT, a report on stdout."""
    from segmentation.sharing.engines.cluster import dask_client
    from segmentation.sharing.engines.orders import (
        aggregate_on_dask,
        aggregate_with_duckdb,
        write_customers,
    )
    from segmentation.sharing.engines.sources import open_dataset

    on_cluster = args.workers is not None or args.scheduler is not None
    engine = args.engine or ("dask" if on_cluster else "duckdb")
    if engine == "duckdb" and on_cluster:
        return fail("--workers and --scheduler run on Dask; use --engine dask with them.")
    try:
        dataset = open_dataset(args.input)
        if engine == "duckdb":
            run = aggregate_with_duckdb(dataset, memory_limit=args.memory_limit)
        else:
            with dask_client(args.workers, args.scheduler) as client:
                run = aggregate_on_dask(dataset, client)
        write_customers(run.summary, args.output)
    except OSError as err:
        return fail(f"cannot write '{args.output}' ({err}). Check the folder.")
    summary = run.summary
    print(
        f"Aggregated {summary.n_lines:,} order lines into {len(summary.customers):,} customers "
        f"({summary.n_orders:,} orders from {summary.period_start:%d %b %Y} to "
        f"{summary.period_end:%d %b %Y}) in {run.seconds:.1f} s on {run.engine} "
        f"({run.n_partitions} partition(s)); wrote {args.output}."
    )
    for exclusion in summary.exclusions:
        print(f"  left out: {exclusion.rows:,} {exclusion.reason}")
    for note in summary.notes:
        print(note, file=sys.stderr)
    return 0


COMMANDS: dict[str, Command] = {"aggregate-orders": aggregate_main}
