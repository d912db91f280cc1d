"""Customer maps computed in the background, shared by all sessions and bounded.

A map takes seconds to minutes, so it never runs in a page's script: :func:`request` hands the
work to a small pool of worker threads and returns either the finished map or the running job,
whose progress the page shows while the rest of the app stays usable. The same work (same data
content, features and settings) is never started twice; a session that moves on to other
settings withdraws its interest in a queued job, which is then dropped before it starts.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import streamlit as st

from segmentation import CustomerData, SegmentationError
from segmentation.mapping.embedding import (
    Embedding,
    EmbeddingConfig,
    check_embedding_input,
    embed_customers,
    warm_up,
)
from segmentation.segmenting.features import FeatureConfig, FeatureMatrix, default_feature_config
from segmentation.segmenting.segments import Segmentation
from ui import segments_state as seg
from ui.background_jobs import session_id, withdraw
from ui.cache import BoundedCache

MAX_WORKERS = 2
SELECTION = "map_selection"  # {"map": map key, "ids": [customer ids]}
CURRENT_MAP = "map_current"  # key of the map the page shows (or is computing)
_EMBEDDINGS = BoundedCache(max_entries=6)
_JOBS: dict[str, MapJob] = {}
_LOCK = threading.Lock()
_THREAD_PREFIX = "customer-map"
_EXECUTOR = ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix=_THREAD_PREFIX)
_WARM_UP: list[Future] = []


@dataclass
class MapJob:
    """A map being computed: its progress, and the sessions waiting for it."""

    key: str
    share: float = 0.0
    text: str = "Waiting for a free worker…"
    started: float = field(default_factory=time.monotonic)
    sessions: set[str] = field(default_factory=set)
    future: Future | None = None

    def report(self, share: float, text: str) -> None:
        self.share, self.text = min(max(share, 0.0), 1.0), text

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started


class _QuietWorkers(logging.Filter):
    """Drop Streamlit's "missing ScriptRunContext" warning for this module's worker threads:
    they use the shared caches on purpose, outside any page run."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            record.threadName.startswith(_THREAD_PREFIX)
            and "missing ScriptRunContext" in record.getMessage()
        )


logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
    _QuietWorkers()
)


def start_warm_up() -> None:
    """Once per server process, in the background: start the map of the bundled sample with
    the default features and settings, the map most first visits open, which also loads
    UMAP's compiled code (see :func:`segmentation.mapping.embedding.warm_up`). The map then waits in
    the shared cache, or is still computing when the page asks and the page joins it."""
    with _LOCK:
        if not _WARM_UP:  # UMAP's code loads while the sample is read, on the other worker
            _WARM_UP.append(_EXECUTOR.submit(warm_up))
            _WARM_UP.append(_EXECUTOR.submit(_start_sample_map))


def _start_sample_map() -> None:
    from ui.state import cached_sample  # only this head start needs the sample loader

    try:
        start_default_map(cached_sample(), EmbeddingConfig())
    except Exception:  # a head start only: the page reports any real problem itself
        return


def start_default_map(data: CustomerData, config: EmbeddingConfig) -> None:
    """Start (or join) the map of the default features, which the default segments are made
    from too; a problem with the data is left for the page to explain once it is drawn."""
    try:
        matrix = map_features(data, None)
        check_embedding_input(matrix.X, config)
        request(map_key(data, matrix, config), matrix, config)
    except SegmentationError:
        return


def map_features(data: CustomerData, segmentation: Segmentation | None) -> FeatureMatrix:
    """The prepared features the segmentation was made from (default features for rules, RFM
    and map selections, which carry no feature settings), for every customer."""
    settings = (segmentation.settings if segmentation else {}).get("features")
    usable = settings and all(c in data.schema.names for c in settings.get("columns", ()))
    config = (
        FeatureConfig.from_dict(settings)
        if usable
        else default_feature_config(data.customers, data.schema)
    )
    return seg.features(data, config)


def map_key(data: CustomerData, matrix: FeatureMatrix, config: EmbeddingConfig) -> str:
    """Content key of a map: data content (and column roles), feature settings, map settings."""
    parts = [seg.data_key(data), _json(matrix.config.to_dict()), _json(config.to_dict())]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _json(value: object) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def request(key: str, matrix: FeatureMatrix, config: EmbeddingConfig) -> Embedding | MapJob:
    """The finished map for ``key``, or the job computing it (started if nobody has yet).

    Raises the job's :class:`SegmentationError` once, when it failed; asking again retries.
    """
    done = _EMBEDDINGS.peek(key)
    if done is not None:
        return done
    session = session_id()
    with _LOCK:
        withdraw(_JOBS, session, keep=key)
        job = _JOBS.get(key)
        if job is None:
            job = MapJob(key)
            job.future = _EXECUTOR.submit(_compute, job, matrix, config)
            _JOBS[key] = job
        job.sessions.add(session)
    if job.future.done():
        with _LOCK:
            _JOBS.pop(key, None)
        return job.future.result()  # raises the job's error, if any
    return job


def job(key: str) -> MapJob | None:
    """The running job for ``key``, if there is one."""
    with _LOCK:
        return _JOBS.get(key)


def finished(key: str) -> bool:
    """Whether the map for ``key`` is ready (or its job has ended, with an error)."""
    if _EMBEDDINGS.peek(key) is not None:
        return True
    running = job(key)
    return running is None or running.future.done()


def _compute(job: MapJob, matrix: FeatureMatrix, config: EmbeddingConfig) -> Embedding:
    job.started = time.monotonic()
    job.report(0.01, "Starting…")
    embedding = embed_customers(matrix.X, config, progress=job.report)
    _EMBEDDINGS.put(job.key, embedding)
    with _LOCK:  # a failed job stays listed, so the next request reports its error once
        if _JOBS.get(job.key) is job:
            del _JOBS[job.key]
    return embedding


def cached(key: str) -> Embedding | None:
    """The finished map for ``key`` without starting any work."""
    return _EMBEDDINGS.peek(key)


def clear_selection() -> None:
    """Forget the current map selection."""
    st.session_state.pop(SELECTION, None)
