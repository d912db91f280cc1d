"""Benchmarks of the engines for large customer bases (issue 15).

* ``assign_5m_dask``: a k-means model (fitted on 20,000 generated customers) applied to a
  generated 5,000,000-customer Parquet dataset (10 files) on a local Dask cluster of 1 and of
  2 single-threaded worker processes: customers per second, the speed-up, and each worker's
  peak memory. Cluster start-up is not timed (a warm-up task runs first).
* ``aggregate_20m_duckdb``: 20,000,000 generated order lines (Parquet, 1,000,000 customers)
  into customers with the DuckDB driver.
* ``aggregate_100m_duckdb`` (heavy): 100,000,000 lines with a 1 GB memory limit for the run.

Inputs are generated once into ``bench/out/engines/`` (git-ignored) from the shared seed.
Needs the optional packages of ``requirements-large.txt``.
"""

from __future__ import annotations

import gc
import resource
import shutil

from bench.harness import OUT_DIR, SYNTHETIC_SEED, Case, Registry, clock, since

ENGINE_DIR = OUT_DIR / "engines"
ASSIGN_CUSTOMERS = 5_000_000
ORDER_CUSTOMERS = 1_000_000
FILES = 10

BENCHMARKS = Registry()


# --- inputs -------------------------------------------------------------------------------------


def _customers(n: int, seed: int, prefix: str = "C"):
    """Typed customers with three planted groups (as tests/test_reuse.py's generator, typed)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    group = rng.integers(0, 3, n)
    return pd.DataFrame(
        {
            "customer_id": pd.Series(np.char.add(prefix, np.arange(n).astype("U8")), dtype="str"),
            "age": (np.array([25, 45, 68])[group] + rng.normal(0, 3, n)).round(),
            "region": pd.Series(np.array(["North", "South", "West"])[group], dtype="str"),
            "spend": (np.array([80, 600, 2500])[group] * rng.uniform(0.8, 1.2, n)).round(2),
            "orders": (np.array([2, 8, 20])[group] + rng.integers(0, 2, n)).astype("float64"),
        }
    )


def _assign_inputs() -> tuple[object, str]:
    """The model and the 5M-customer dataset (cached)."""
    from segmentation.data.schema import infer_schema
    from segmentation.segmenting.clustering import ClusterConfig, cluster_customers
    from segmentation.segmenting.features import FeatureConfig, prepare_features
    from segmentation.sharing.reuse import fit_segment_model

    folder = ENGINE_DIR / f"customers_{ASSIGN_CUSTOMERS // 1_000_000}m"
    if not (folder / "_complete").exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        per_file = ASSIGN_CUSTOMERS // FILES
        for i in range(FILES):
            part = _customers(per_file, SYNTHETIC_SEED + i)
            part["customer_id"] = f"F{i}-" + part["customer_id"]
            part.to_parquet(folder / f"part-{i:02d}.parquet", index=False)
        (folder / "_complete").write_text("ok")
    sample = _customers(20_000, SYNTHETIC_SEED - 1, prefix="S")
    typed = infer_schema(sample.astype({c: "str" for c in sample.columns}))
    config = FeatureConfig(("age", "region", "spend", "orders"), log_columns=("spend",))
    matrix = prepare_features(typed.frame, typed.schema, config)
    segmentation = cluster_customers(matrix, ClusterConfig(n_segments=4)).segmentation
    return fit_segment_model(typed.frame, typed.schema, segmentation), str(folder)


def _order_lines(n_lines: int, part: int):
    """One file's order lines: ~3 lines per order, 5 % returns, customers drawn from 1M (an
    order's lines all in one file, order ids distinct across files)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(SYNTHETIC_SEED + part)
    n_orders = n_lines // 3
    order = np.sort(rng.integers(0, n_orders, n_lines)) + part * n_orders
    customer = (order * 7_919 + 13) % ORDER_CUSTOMERS  # one customer per order
    start = np.datetime64("2023-01-01T00:00")
    minutes = (order * 7_919) % (2 * 365 * 24 * 60)
    returned = (order % 20) == 0
    quantity = rng.integers(1, 6, n_lines) * np.where(returned, -1, 1)
    return pd.DataFrame(
        {
            "customer_id": customer.astype("int64"),
            "order_id": order.astype("int64"),
            "order_date": start + minutes.astype("timedelta64[m]"),
            "quantity": quantity.astype("int64"),
            "unit_price": rng.choice([0.29, 0.85, 1.25, 2.1, 4.95, 12.75], n_lines),
        }
    )


def _lines_dataset(n_lines: int) -> str:
    folder = ENGINE_DIR / f"lines_{n_lines // 1_000_000}m"
    if not (folder / "_complete").exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        per_file = min(n_lines, 5_000_000)
        for i in range(n_lines // per_file):
            _order_lines(per_file, i).to_parquet(folder / f"lines-{i:03d}.parquet", index=False)
            gc.collect()
        (folder / "_complete").write_text("ok")
    return str(folder / "*.parquet")


# --- cases --------------------------------------------------------------------------------------


def _worker_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _worker_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _workers_cpu_s(client) -> float:
    """CPU seconds used so far by every worker process (the client's own CPU is not in it)."""
    return sum(client.run(_worker_cpu_s).values())


@BENCHMARKS.case(
    "assign_5m_dask",
    5.0,
    f"assign: {ASSIGN_CUSTOMERS:,} generated customers (Parquet, {FILES} files) into 4 k-means "
    "segments on a local Dask cluster of 2 single-threaded workers (and of 1 for the speed-up)",
)
def case_assign_5m_dask(case: Case) -> None:
    from distributed import Client, LocalCluster

    from segmentation.sharing.engines.assign import assign_on_dask
    from segmentation.sharing.engines.sources import open_dataset

    model, folder = _assign_inputs()
    dataset = open_dataset(folder)
    case.input_ready(f"{ASSIGN_CUSTOMERS:,} customers in {len(dataset.paths)} Parquet files")
    case.main = "2 workers: assign_on_dask, read → assign → write Parquet"
    rates = {}
    for workers in (1, 2):
        measure = case.main if workers == 2 else "1 worker: assign_on_dask"
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
        )
        with cluster, Client(cluster) as client:
            client.run(lambda: __import__("segmentation.sharing.reuse"))  # warm-up imports
            worker_cpu = []
            for _ in range(case.repeat):
                out = ENGINE_DIR / f"assigned_{workers}w"
                before = _workers_cpu_s(client)
                t0 = clock()
                run = assign_on_dask(model, dataset, str(out), client)
                wall, cpu = since(t0)
                worker_cpu.append(_workers_cpu_s(client) - before)
                case.add(measure, wall, cpu)
                rates.setdefault(workers, []).append(run.n_customers / wall)
            peaks = client.run(_worker_peak_mb)
        case.info.append(
            f"{workers} worker(s): peak memory per worker "
            + ", ".join(f"{mb:,.0f} MB" for mb in peaks.values())
            + "; workers' CPU per run "
            + ", ".join(f"{s:.1f} s" for s in worker_cpu)
            + " (the CPU column is the client's own)"
        )
        case.check(run.n_customers == ASSIGN_CUSTOMERS, f"{workers} worker(s): every customer")
    best = {w: max(r) for w, r in rates.items()}
    case.info.append(
        f"customers/s: 1 worker {best[1]:,.0f}, 2 workers {best[2]:,.0f}; speed-up "
        f"{best[2] / best[1]:.2f}× (targets: ≥ 1,000,000/s and ≥ 1.5×)"
    )
    case.check(best[2] >= 1_000_000, "2 workers assign at least 1,000,000 customers/s")
    case.check(best[2] / best[1] >= 1.5, "2 workers are at least 1.5× faster than 1")


def _aggregate_case(case: Case, n_lines: int, memory_limit: str | None) -> None:
    from segmentation.sharing.engines.orders import aggregate_with_duckdb
    from segmentation.sharing.engines.sources import open_dataset

    dataset = open_dataset(_lines_dataset(n_lines))
    gc.collect()
    case.input_ready(f"{n_lines:,} order lines in {len(dataset.paths)} Parquet files")
    case.main = f"aggregate_with_duckdb (memory_limit={memory_limit})"
    run = None
    for _ in range(case.repeat):
        run = None
        gc.collect()
        t0 = clock()
        run = aggregate_with_duckdb(dataset, memory_limit=memory_limit)
        case.add(case.main, *since(t0))
    summary = run.summary
    case.info.append(
        f"{len(summary.customers):,} customers, {summary.n_orders:,} orders, "
        f"engine {run.engine}, {run.n_partitions} partition(s) (SQL: one pass; otherwise "
        "DuckDB partitions by customer key, then pandas per partition)"
    )
    case.check(summary.n_lines == n_lines, "every line read")
    case.check(0 < len(summary.customers) <= ORDER_CUSTOMERS, "customers made")


@BENCHMARKS.case(
    "aggregate_20m_duckdb",
    3.0,
    "aggregate-orders: 20,000,000 generated order lines (Parquet) → ~1,000,000 customers with "
    "DuckDB (target also ≤ 1.5 GB peak)",
)
def case_aggregate_20m_duckdb(case: Case) -> None:
    _aggregate_case(case, 20_000_000, "1.5GB")


@BENCHMARKS.case(
    "aggregate_100m_duckdb",
    600.0,
    "aggregate-orders: 100,000,000 generated order lines with a 1 GB memory limit for the run "
    "(completes, spilling to disk)",
    heavy=True,
)
def case_aggregate_100m_duckdb(case: Case) -> None:
    _aggregate_case(case, 100_000_000, "1GB")
