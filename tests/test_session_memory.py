"""Memory per session is bounded (issue 16): idle sessions give their data back, a server-wide
budget refuses an upload it has no room for, large reads wait for each other, and an orders file
waiting for consent keeps only its typed table."""

from __future__ import annotations

import gc
import gzip
import threading

import pytest

from segmentation import SegmentationError
from tests.hostile_files import MB, gzip_bomb
from tests.test_app import EXCERPT, open_app, texts, upload
from ui import memory, sessions
from ui.memory import MemoryGate, ServerBusyError, read_estimate_mb
from ui.sessions import SessionHandle, SessionRegistry

CUSTOMERS_CSV = "customer_id;age;spend\n" + "".join(f"c{i};{20 + i};{i * 10}\n" for i in range(40))


class Clock:
    """A clock the test moves by hand (seconds)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def registry_with(clock: Clock, idle_s: float = 60.0) -> tuple[SessionRegistry, list[str]]:
    released: list[str] = []
    return SessionRegistry(lambda: idle_s, lambda h: released.append(h.session_id), clock), released


# --- the registry ------------------------------------------------------------------------------


def test_sweep_releases_only_sessions_idle_longer_than_the_limit() -> None:
    clock = Clock()
    registry, released = registry_with(clock)
    old, recent, me = (SessionHandle({}, name) for name in ("old", "recent", "me"))
    registry.touch(old)
    clock.now += 30
    registry.touch(recent)
    clock.now += 31  # old: idle 61 s, recent: 31 s
    registry.touch(me)
    assert registry.sweep(current=me) == 1
    assert released == ["old"]
    assert len(registry) == 2  # a released session leaves the registry until it is active again


def test_the_sweeping_session_never_releases_itself() -> None:
    clock = Clock()
    registry, released = registry_with(clock)
    me = SessionHandle({}, "me")
    registry.touch(me)
    clock.now += 3600
    assert registry.sweep(current=me) == 0
    assert released == []


def test_activity_before_the_sweep_keeps_the_data() -> None:
    clock = Clock()
    registry, released = registry_with(clock)
    away = SessionHandle({}, "away")
    registry.touch(away)
    clock.now += 120
    registry.touch(away)  # the user came back just before another session's run
    assert registry.sweep() == 0
    assert released == []


def test_a_closed_session_leaves_the_registry() -> None:
    registry, _ = registry_with(Clock())
    closed = SessionHandle({}, "closed")
    registry.touch(closed)
    del closed
    gc.collect()
    assert len(registry) == 0


def test_release_clears_the_state_and_leaves_the_reason() -> None:
    state = {"active_data": object(), "segments": [1, 2]}
    sessions.release_session(SessionHandle(state, "gone"))
    assert state == {sessions.RELEASED: 60.0}


def test_sweeps_and_touches_from_many_threads_release_each_idle_session_once() -> None:
    clock = Clock()
    registry, released = registry_with(clock)
    idle = [SessionHandle({}, f"idle{i}") for i in range(50)]
    for handle in idle:
        registry.touch(handle)
    clock.now += 61
    active = [SessionHandle({}, f"active{i}") for i in range(8)]

    def run(handle: SessionHandle) -> None:
        registry.touch(handle)
        registry.sweep(current=handle)

    threads = [threading.Thread(target=run, args=(h,)) for h in active]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(released) == sorted(h.session_id for h in idle)


@pytest.mark.parametrize(
    ("value", "minutes"), [(None, 60.0), ("5", 5.0), ("0.5", 0.5), ("soon", 60.0), ("-3", 60.0)]
)
def test_idle_minutes_come_from_the_environment(monkeypatch, value, minutes) -> None:
    if value is None:
        monkeypatch.delenv(sessions.IDLE_ENV, raising=False)
    else:
        monkeypatch.setenv(sessions.IDLE_ENV, value)
    assert sessions.idle_minutes() == minutes


# --- the budget and the gate -------------------------------------------------------------------


def test_a_read_over_the_budget_is_refused_with_the_figures() -> None:
    gate = MemoryGate(budget_mb=lambda: 1000.0, rss_mb=lambda: 700.0)
    with (
        pytest.raises(
            ServerBusyError,
            match=r"The server is busy: it uses 700 MB of its 1,000 MB memory budget, and reading "
            r"orders\.csv needs about 400 MB more\. Try again in a few minutes",
        ),
        gate.admit(400.0, "orders.csv"),
    ):
        pass
    with gate.admit(250.0, "small.csv"):  # what fits is admitted
        assert gate.reserved_mb == 250.0
    assert gate.reserved_mb == 0.0


def test_reads_in_progress_count_against_the_budget() -> None:
    gate = MemoryGate(budget_mb=lambda: 1000.0, rss_mb=lambda: 100.0, slots=2)
    with (
        gate.admit(500.0, "first.csv"),
        pytest.raises(ServerBusyError, match="uses 600 MB of its 1,000 MB"),
        gate.admit(500.0, "second.csv"),
    ):
        pass


def test_large_reads_wait_for_each_other_and_a_stuck_queue_is_refused() -> None:
    gate = MemoryGate(budget_mb=lambda: 10_000.0, rss_mb=lambda: 0.0, queue_timeout_s=0.05)
    waited: list[str] = []
    with gate.admit(memory.SMALL_READ_MB, "first.csv"):
        with gate.admit(1.0, "small.csv"):  # small reads do not queue
            pass
        with (
            pytest.raises(ServerBusyError, match=r"before second\.csv could start"),
            gate.admit(memory.SMALL_READ_MB, "second.csv", lambda: waited.append("told")),
        ):
            pass
    assert waited == ["told"]
    with gate.admit(memory.SMALL_READ_MB, "third.csv"):  # the slot is free again
        pass


class ReadFailed(RuntimeError):
    """A bug while reading (not the package's error family): it must not keep the slot either."""


def _refused_bomb(gate: MemoryGate) -> None:
    from ui import state  # the app's own read path: the refusal is raised while decompressing

    state.read_upload(gzip_bomb(8 * MB, member=MB), "bomb.csv.gz", max_mb=1)


def _failing_read(gate: MemoryGate) -> None:
    with gate.admit(memory.SMALL_READ_MB, "orders.csv"):
        raise ReadFailed("the reader crashed")


def _over_the_budget(gate: MemoryGate) -> None:
    with gate.admit(10_000.0, "huge.csv"):
        pass


def _told_to_wait_then_stopped(gate: MemoryGate) -> None:
    def stop() -> None:  # Streamlit stops a script at its next st.* call (the waiting toast)
        raise ReadFailed("script stopped while waiting")

    with (
        gate.admit(memory.SMALL_READ_MB, "first.csv"),
        gate.admit(memory.SMALL_READ_MB, "second.csv", stop),
    ):
        pass


def _stuck_queue(gate: MemoryGate) -> None:
    with (
        gate.admit(memory.SMALL_READ_MB, "first.csv"),
        gate.admit(memory.SMALL_READ_MB, "second.csv"),
    ):
        pass


# how a large read can fail, and what it raises
FAILED_READS = [
    ("gzip bomb refused while decompressing", _refused_bomb, SegmentationError, "expands to"),
    ("bug inside the read", _failing_read, ReadFailed, "crashed"),
    ("over the budget", _over_the_budget, ServerBusyError, "memory budget"),
    ("stopped while told to wait", _told_to_wait_then_stopped, ReadFailed, "stopped"),
    ("queue does not move", _stuck_queue, ServerBusyError, "could start"),
]


@pytest.mark.parametrize(
    ("fail", "error", "message"),
    [case[1:] for case in FAILED_READS],
    ids=[c[0] for c in FAILED_READS],
)
def test_a_failed_large_read_gives_its_slot_and_reservation_back(
    monkeypatch, fail, error, message
) -> None:
    gate = MemoryGate(budget_mb=lambda: 1000.0, rss_mb=lambda: 0.0, queue_timeout_s=0.05)
    monkeypatch.setattr(memory, "memory_gate", lambda: gate)
    monkeypatch.setattr(memory, "SMALL_READ_MB", 1.0)  # the small bomb's read queues too
    with pytest.raises(error, match=message):
        fail(gate)
    assert (gate.reserved_mb, gate.waiting) == (0.0, 0)
    for _ in range(2):  # a leaked slot would make the next large read wait, then be refused
        with gate.admit(memory.SMALL_READ_MB, "next.csv", lambda: pytest.fail("had to wait")):
            assert gate.reserved_mb == memory.SMALL_READ_MB


def test_the_budget_comes_from_the_environment_or_the_machine(monkeypatch) -> None:
    monkeypatch.setenv(memory.BUDGET_ENV, "1500")
    assert memory.memory_budget_mb() == 1500.0
    monkeypatch.delenv(memory.BUDGET_ENV)
    assert memory.memory_budget_mb() == pytest.approx(0.8 * memory.machine_memory_mb())
    assert memory.process_rss_mb() > 10


def test_read_estimate_uses_the_content_size() -> None:
    text = b"a,b\n" + b"1,2\n" * 300_000  # 1.1 MB of text
    assert read_estimate_mb(text, "x.csv") == pytest.approx(6 * len(text) / 2**20)
    packed = gzip.compress(text)  # the gzip trailer declares the content's size
    assert read_estimate_mb(packed, "x.csv.gz") == pytest.approx(6 * len(text) / 2**20)
    assert read_estimate_mb(text, "x.parquet") > read_estimate_mb(text, "x.csv")


# --- in the app --------------------------------------------------------------------------------


def test_an_idle_session_is_released_and_its_user_told(monkeypatch) -> None:
    clock = Clock()
    registry = SessionRegistry(lambda: 60.0, sessions.release_session, clock)
    monkeypatch.setattr(sessions, "session_registry", lambda: registry)
    away = upload(open_app(), "crm.csv", CUSTOMERS_CSV.encode())
    assert "Active data: **crm.csv**" in texts(away)
    clock.now += 61
    open_app()  # another user's run sweeps
    # the release dropped the file from the server's upload manager, so a browser's uploader
    # now reads as empty; AppTest registers its file again at every run unless cleared
    away.file_uploader(key="upload").set_value(None)
    away.run()
    assert not away.exception, away.exception
    shown = texts(away)
    assert (
        "Your data was released after 60 minutes without activity to free memory for other "
        "users — upload it again or open the sample." in shown
    )
    assert "built-in Pet Dynamics sample" in shown
    assert [b.label for b in away.button if b.label in ("Upload it again", "Open the sample")] == [
        "Upload it again",
        "Open the sample",
    ]
    away.run()  # told once
    assert "Your data was released" not in texts(away)


def test_an_active_session_keeps_its_data(monkeypatch) -> None:
    clock = Clock()
    registry = SessionRegistry(lambda: 60.0, sessions.release_session, clock)
    monkeypatch.setattr(sessions, "session_registry", lambda: registry)
    user = upload(open_app(), "crm.csv", CUSTOMERS_CSV.encode())
    for _ in range(3):
        clock.now += 45
        open_app()
        user.run()
    assert "Active data: **crm.csv**" in texts(user)
    assert "Your data was released" not in texts(user)


def test_an_upload_over_the_memory_budget_is_refused_and_the_data_kept(monkeypatch) -> None:
    monkeypatch.setenv(memory.BUDGET_ENV, "1")  # smaller than the server itself
    app = upload(open_app(), "crm.csv", CUSTOMERS_CSV.encode())
    shown = "\n".join(e.value for e in app.error)
    assert "The server is busy: it uses" in shown
    assert "Try again in a few minutes" in shown
    assert "The data you had before is still active." in shown
    assert "built-in Pet Dynamics sample" in texts(app)


def test_pending_orders_keep_the_typed_table_but_not_the_raw_one() -> None:
    from ui import state

    app = upload(open_app(), EXCERPT.name, EXCERPT.read_bytes())
    pending = app.session_state[state.PENDING_ORDERS]
    assert pending.table.frame.shape == (len(pending.typed.frame), 0)
    assert f"{len(pending.typed.frame):,} rows" in texts(app)
