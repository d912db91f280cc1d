"""The background map jobs: the same work is never started twice, errors reach the page once,
and finished maps are kept in a bounded cache."""

from __future__ import annotations

import threading
import time
from concurrent import futures

import pandas as pd
import pytest

from segmentation.mapping.embedding import Embedding, EmbeddingConfig, EmbeddingError
from ui import map_state


class FakeMatrix:
    X = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]})


@pytest.fixture(autouse=True)
def own_session(monkeypatch):
    """The tests' maps, apart from the app's head start (the bundled sample's map, started on
    the same workers by another test's app run): that head start asks for maps outside a
    session too, and a request withdraws its session's other queued jobs, so it could cancel
    a test's job; on a busy machine it may also still be running, and it would call a test's
    fake map. Wait for it to end, and ask as a session of the tests' own."""
    with map_state._LOCK:
        started = list(map_state._WARM_UP) + [job.future for job in map_state._JOBS.values()]
    futures.wait([f for f in started if f is not None], timeout=600)
    monkeypatch.setattr(map_state, "session_id", lambda: "map-state-tests")


@pytest.fixture
def slow_embedding(monkeypatch):
    """Replace UMAP with a fake that waits for the test's go-ahead and counts its calls."""
    calls, go = [], threading.Event()

    def fake(X, config, progress=None):
        calls.append(config)
        progress(0.5, "Half way")
        go.wait(120)  # released by the test; the bound only keeps a failed test from hanging
        return Embedding(X.assign(x=0.0, y=0.0)[["x", "y"]], config, X.index)

    monkeypatch.setattr(map_state, "embed_customers", fake)
    return calls, go


def wait_until(condition, seconds: float = 60) -> None:
    """Poll ``condition`` until it holds; fail after ``seconds`` (generous for a busy machine)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.02)


def test_the_same_map_is_computed_once_however_often_it_is_asked_for(slow_embedding):
    calls, go = slow_embedding
    key = f"same-{time.time()}"
    first = map_state.request(key, FakeMatrix(), EmbeddingConfig())
    second = map_state.request(key, FakeMatrix(), EmbeddingConfig())
    assert isinstance(first, map_state.MapJob) and second is first
    wait_until(lambda: first.share == 0.5)
    assert first.text == "Half way" and not map_state.finished(key)
    go.set()
    wait_until(lambda: map_state.finished(key))
    result = map_state.request(key, FakeMatrix(), EmbeddingConfig())
    assert isinstance(result, Embedding) and len(calls) == 1
    assert map_state.cached(key) is result and map_state.job(key) is None


def test_a_failed_map_reports_its_error_once_and_can_be_retried(monkeypatch):
    attempts, go = [], threading.Event()

    def failing(X, config, progress=None):
        attempts.append(1)
        # held until the test has its job: a job that fails before request() looks at it
        # raises at once (right for the app, but then there is no job to watch)
        go.wait(120)
        raise EmbeddingError("Only 2 different customer profiles")

    monkeypatch.setattr(map_state, "embed_customers", failing)
    key = f"failing-{time.time()}"
    assert isinstance(map_state.request(key, FakeMatrix(), EmbeddingConfig()), map_state.MapJob)
    go.set()
    wait_until(lambda: map_state.finished(key))
    with pytest.raises(EmbeddingError, match="Only 2 different"):
        map_state.request(key, FakeMatrix(), EmbeddingConfig())
    assert map_state.job(key) is None
    go.clear()
    retry = map_state.request(key, FakeMatrix(), EmbeddingConfig())  # asking again retries
    assert isinstance(retry, map_state.MapJob)
    go.set()
    wait_until(lambda: len(attempts) == 2 and map_state.finished(key))


def test_finished_maps_are_kept_in_a_bounded_cache(slow_embedding):
    _, go = slow_embedding
    go.set()
    keys = [f"bounded-{time.time()}-{i}" for i in range(map_state._EMBEDDINGS.max_entries + 2)]
    for key in keys:
        map_state.request(key, FakeMatrix(), EmbeddingConfig())
        wait_until(lambda key=key: map_state.finished(key))
    assert len(map_state._EMBEDDINGS) == map_state._EMBEDDINGS.max_entries
    assert map_state.cached(keys[0]) is None and map_state.cached(keys[-1]) is not None
