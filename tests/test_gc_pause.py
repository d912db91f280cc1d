"""The garbage collector paused while tables are typed: back on when the last typing ends."""

from __future__ import annotations

import gc
import threading

import pandas as pd
import pytest

from segmentation.data.gc_pause import collector_paused
from segmentation.data.schema import infer_schema


def test_overlapping_pauses_turn_the_collector_back_on_only_at_the_end() -> None:
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, bool] = {}

    def first() -> None:
        with collector_paused():
            first_in.set()
            second_in.wait(timeout=60)
        first_out.set()

    def second() -> None:
        first_in.wait(timeout=60)
        with collector_paused():
            second_in.set()
            first_out.wait(timeout=60)
            seen["after the first left"] = gc.isenabled()
        seen["after both left"] = gc.isenabled()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert seen == {"after the first left": False, "after both left": True}


def test_a_collector_turned_off_before_stays_off() -> None:
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_typing_a_table_leaves_the_collector_on_even_when_it_fails() -> None:
    infer_schema(pd.DataFrame({"spend": ["1", "2"], "region": ["North", "South"]}))
    assert gc.isenabled()
    with pytest.raises(AttributeError):  # not a table: it fails inside the pause
        infer_schema("not a table")  # type: ignore[arg-type]
    assert gc.isenabled()
