"""One call per item (order settlements) runs several calls in flight under the shared limit,
in order, and sequentially in the calling thread when the limit is off."""

from __future__ import annotations

import threading

import pytest

from shops.sync import fetch_each


def test_with_the_limit_on_calls_overlap_and_results_keep_their_order(settings):
    settings.TIKTOK_RATE_LIMIT = 50
    settings.SYNC_WINDOWS_IN_FLIGHT = 3
    # Two calls must be in flight together, or the barrier breaks.
    together = threading.Barrier(2, timeout=5)
    threads: set[str] = set()

    def fetch(key: int) -> int:
        threads.add(threading.current_thread().name)
        if key < 2:
            together.wait()
        return key * 10

    assert fetch_each(fetch, list(range(9))) == [k * 10 for k in range(9)]
    assert len(threads) == 3 and threading.current_thread().name not in threads


def test_with_the_limit_off_calls_run_in_turn_in_the_calling_thread(settings):
    settings.TIKTOK_RATE_LIMIT = 0
    settings.SYNC_WINDOWS_IN_FLIGHT = 3
    threads: set[str] = set()

    def fetch(key: str) -> str:
        threads.add(threading.current_thread().name)
        return key.upper()

    assert fetch_each(fetch, ["a", "b", "c"]) == ["A", "B", "C"]
    assert threads == {threading.current_thread().name}


def test_a_failing_call_is_raised_and_the_rest_stop(settings):
    settings.TIKTOK_RATE_LIMIT = 50
    settings.SYNC_WINDOWS_IN_FLIGHT = 2
    called: list[int] = []

    def fetch(key: int) -> int:
        called.append(key)
        if key == 1:
            raise LookupError("order 1 unknown")
        return key

    with pytest.raises(LookupError, match="order 1 unknown"):
        fetch_each(fetch, list(range(40)))
    assert len(called) < 40
