"""Pages stored side by side still commit in page order: a prefix of the walk, always."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from shops.writers import Writers


class Spy:
    """A store whose calls can be held back, and a log of what happened in which order."""

    def __init__(self, slow: dict[int, float] | None = None, fail: set[int] = frozenset()):
        self.slow = slow or {}
        self.fail = fail
        self.log: list[tuple[str, int]] = []
        self.lock = threading.Lock()
        self.running = 0
        self.most = 0
        self.threads: set[str] = set()

    def store(self, page: int) -> int:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
            self.log.append(("store", page))
            self.threads.add(threading.current_thread().name)
        try:
            # A slow statement (not a sleep: the transaction guard forbids those).
            threading.Event().wait(self.slow.get(page, 0.01))
            if page in self.fail:
                raise RuntimeError(f"page {page} failed")
            return 10
        finally:
            with self.lock:
                self.running -= 1
                self.log.append(("stored", page))

    def turn(self, page: int):
        def turn(stored: int) -> None:
            assert connection.in_atomic_block  # in the page's own transaction
            self.log.append(("turn", page))

        return turn

    def events(self, kind: str) -> list[int]:
        return [page for what, page in self.log if what == kind]


@pytest.mark.django_db(transaction=True)
def test_pages_are_stored_side_by_side_and_committed_in_page_order():
    spy = Spy(slow={0: 0.5, 3: 0.2})
    writers = Writers(spy.store, 2)
    for page in range(6):
        writers.put(page, {page}, spy.turn(page))
    writers.drain()
    writers.close()
    assert spy.events("turn") == [0, 1, 2, 3, 4, 5]
    assert spy.most == 2 and len(spy.threads) == 2
    # Page 1 was stored while page 0 still ran, but its turn came after page 0's.
    assert spy.log.index(("stored", 1)) < spy.log.index(("stored", 0))
    assert spy.log.index(("turn", 0)) < spy.log.index(("turn", 1))


@pytest.mark.django_db(transaction=True)
def test_a_page_sharing_an_item_waits_for_the_earlier_one():
    spy = Spy(slow={0: 0.2})
    writers = Writers(spy.store, 2)
    writers.put(0, {"a", "b"}, spy.turn(0))
    writers.put(1, {"b", "c"}, spy.turn(1))  # "b" again: not stored until page 0 committed
    writers.put(2, None, spy.turn(2))  # unknown items: waits for every earlier page
    writers.drain()
    writers.close()
    assert spy.most == 1
    assert spy.log.index(("turn", 0)) < spy.log.index(("store", 1))
    assert spy.log.index(("turn", 1)) < spy.log.index(("store", 2))


@pytest.mark.django_db(transaction=True)
def test_a_failed_page_commits_what_came_before_and_nothing_after():
    spy = Spy(slow={0: 0.2}, fail={2})
    writers = Writers(spy.store, 2)
    with pytest.raises(RuntimeError, match="page 2 failed"):
        for page in range(10):
            writers.put(page, {page}, spy.turn(page))
        writers.drain()
    writers.close()
    assert spy.events("turn") == [0, 1]  # page 3, stored meanwhile, never had its turn
    assert max(spy.events("store")) <= 3  # and no page was handed over after the failure


@pytest.mark.django_db(transaction=True)
def test_a_failing_callback_stops_the_walk_after_its_page_committed():
    spy = Spy()
    calls: list[int] = []

    def after() -> None:
        calls.append(len(spy.events("turn")))
        if len(calls) == 2:
            raise KeyboardInterrupt  # a worker being stopped, say

    writers = Writers(spy.store, 2, after_commit=after)
    with pytest.raises(KeyboardInterrupt):
        for page in range(10):
            writers.put(page, {page}, spy.turn(page))
        writers.drain()
    writers.close()
    assert spy.events("turn") == [0, 1] and calls == [1, 2]


@pytest.mark.django_db
def test_inside_a_transaction_pages_are_stored_here_one_at_a_time():
    # Other connections could not see the caller's uncommitted rows.
    spy = Spy()
    writers = Writers(spy.store, 4)
    for page in range(3):
        writers.put(page, {page}, spy.turn(page))
    writers.drain()
    writers.close()
    assert spy.events("turn") == [0, 1, 2]
    assert spy.threads == {threading.current_thread().name} and spy.most == 1
