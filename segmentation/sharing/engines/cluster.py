"""A Dask cluster to run on: a local one with N worker processes, or a scheduler's address."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from segmentation.sharing.engines.sources import EngineError

CONNECT_SECONDS = 10


@contextmanager
def dask_client(
    workers: int | None = None, scheduler: str | None = None, timeout: float = CONNECT_SECONDS
) -> Iterator[Any]:
    """A ``distributed.Client``: to ``scheduler`` (within :data:`CONNECT_SECONDS`, else a clear
    error naming the address), or to a new local cluster of ``workers`` single-threaded
    processes, closed afterwards."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as err:
        raise EngineError(
            f"Dask is not installed ({err}). Install the optional packages with: "
            "pip install -r requirements-large.txt"
        ) from None
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=f"{timeout}s")
        except (OSError, TimeoutError, ValueError) as err:
            raise EngineError(
                f"Cannot reach the Dask scheduler at {scheduler} within {timeout:g} s "
                f"({type(err).__name__}). Check the address (tcp://HOST:8786) and that the "
                "scheduler is running and reachable from this machine."
            ) from None
        with client:
            yield client
        return
    if workers is not None and workers < 1:
        raise EngineError(f"--workers={workers} must be at least 1.")
    # a local cluster's routine notices (shuffles ending, workers closing) are not news
    logging.getLogger("distributed").setLevel(logging.ERROR)
    cluster = LocalCluster(
        n_workers=workers or 1, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    with cluster, Client(cluster) as client:
        yield client


def run_errors() -> tuple[type[BaseException], ...]:
    """The errors a cluster raises when a worker dies or the connection drops mid-run."""
    from distributed.comm.core import CommClosedError
    from distributed.scheduler import KilledWorker

    return (KilledWorker, CommClosedError, OSError, TimeoutError)
