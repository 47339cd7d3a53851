"""Storing a sync walk's pages on several database connections side by side.

One page's statement is most of a mirror's cost (PostgreSQL reads the fields and upserts the
rows), and it runs in one server process: with one writer, a shop's walk uses one core however
fast TikTok answers. `Writers` runs the heavy part of several pages at once, each in its own
transaction on its own connection, and keeps everything else in page order: a page's turn (the
run's counters and the cursor, written in the page's transaction), its commit and the
after-page callback happen strictly one page after another. What is committed is therefore
always a prefix of the walk, exactly as with one writer, and a killed run resumes from the last
committed cursor.

Pages in flight never share an item (`Syncer.item_keys`): a page that does waits until the
earlier one is committed. So no writer waits on rows another holds while that one waits for its
turn, which PostgreSQL could not see as a deadlock.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from django.db import connection, connections, transaction

Turn = Callable[[int], None]  # the page's bookkeeping, given how many items it stored


class _Abandoned(Exception):
    """An earlier page failed: this one must not commit."""


class Writers:
    """Store pages with up to `count` writers; `put` hands one over, `drain` waits for all.

    With one writer (or when the caller's connection holds an open transaction, which other
    connections cannot see), every page is stored here and now in the calling thread.
    """

    def __init__(
        self,
        store: Callable[[Any], int],
        count: int,
        after_commit: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self.after_commit = after_commit
        self.count = 1 if connection.in_atomic_block else max(1, count)
        self.lock = threading.Condition()
        self.sent = 0  # pages handed over
        self.turn = 0  # the page whose turn it is (all before it are committed)
        self.failed_at: int | None = None  # the first page that failed
        self.errors: dict[int, BaseException] = {}
        self.in_flight: dict[int, frozenset[Hashable] | None] = {}
        self.jobs: queue.SimpleQueue[tuple[int, Any, Turn] | None] = queue.SimpleQueue()
        self.threads: list[threading.Thread] = []

    # --- the walking thread's side --------------------------------------------------------

    def put(self, items: Any, keys: Iterable[Hashable] | None, turn: Turn) -> None:
        """Store one page's items; `turn(stored)` runs in page order inside its transaction.

        `keys` are the page's items (None: unknown, so the page waits for all earlier ones).
        Raises the failure of an earlier page instead of taking a new one.
        """
        if self.count == 1:
            with transaction.atomic():
                turn(self.store(items))
            if self.after_commit is not None:
                self.after_commit()
            return
        page_keys = frozenset(keys) if keys is not None else None
        with self.lock:
            self.lock.wait_for(lambda: self._may_send(page_keys))
            self._raise_failure()
            seq = self.sent
            self.sent += 1
            self.in_flight[seq] = page_keys
        if len(self.threads) < min(self.count, self.sent):
            name = f"sync-writer-{len(self.threads)}"
            thread = threading.Thread(target=self._work, name=name, daemon=True)
            self.threads.append(thread)
            thread.start()
        self.jobs.put((seq, items, turn))

    def drain(self) -> None:
        """Wait until every page handed over is committed (or abandoned); raise a failure."""
        with self.lock:
            self.lock.wait_for(lambda: not self.in_flight)
            self._raise_failure()

    def close(self) -> None:
        """Wait for the pages in flight and stop the writers (their connections close)."""
        with self.lock:
            self.lock.wait_for(lambda: not self.in_flight)
        for _ in self.threads:
            self.jobs.put(None)
        for thread in self.threads:
            thread.join()
        self.threads = []

    def _may_send(self, keys: frozenset[Hashable] | None) -> bool:
        if self.failed_at is not None:
            return True  # to raise it
        if len(self.in_flight) >= self.count:
            return False
        if keys is None:
            return not self.in_flight
        return not any(other is None or other & keys for other in self.in_flight.values())

    def _raise_failure(self) -> None:
        if self.failed_at is not None:
            raise self.errors[self.failed_at]

    # --- the writers' side ------------------------------------------------------------------

    def _work(self) -> None:
        try:
            while (job := self.jobs.get()) is not None:
                self._write(*job)
        finally:
            connections.close_all()

    def _write(self, seq: int, items: Any, turn: Turn) -> None:
        try:
            with transaction.atomic():
                stored = self.store(items)
                with self.lock:
                    self.lock.wait_for(lambda: self.turn == seq or self._behind_failure(seq))
                    if self._behind_failure(seq):
                        raise _Abandoned
                # Only this page's turn runs now: the next one waits for `self.turn` to move.
                turn(stored)
            if self.after_commit is not None:
                self.after_commit()
            with self.lock:
                self.turn = seq + 1
        except _Abandoned:
            pass
        except BaseException as error:
            # A failed callback comes after its page's commit; either way the pages after
            # this one are abandoned, so the committed pages stay a prefix of the walk.
            with self.lock:
                self.errors[seq] = error
                if self.failed_at is None or seq < self.failed_at:
                    self.failed_at = seq
        finally:
            with self.lock:
                del self.in_flight[seq]
                self.lock.notify_all()

    def _behind_failure(self, seq: int) -> bool:
        return self.failed_at is not None and seq > self.failed_at
