"""A rate limiter shared by every process: one PostgreSQL row per key, advanced in one statement.

Each caller reserves the next free slot (slots are 1/rate seconds apart) and sleeps until it,
so however many workers call TikTok for one (app, shop, API), they stay under the limit
together. The statement runs on its own autocommit connection, so the row is never held by a
caller's transaction. (Redis would do as well; PostgreSQL is what every deployment has.)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import psycopg
from django.conf import settings
from django.db import connections

_RESERVE = """
    insert into shops_ratelimitslot (key, next_slot)
    values (%(key)s, extract(epoch from clock_timestamp()) + %(interval)s)
    on conflict (key) do update
       set next_slot = greatest(shops_ratelimitslot.next_slot,
                                extract(epoch from clock_timestamp())) + %(interval)s
    returning next_slot - %(interval)s, extract(epoch from clock_timestamp())
"""


class PostgresRateLimiter:
    """Spaces requests per key at `rate` per second across processes (tiktok RateLimiter)."""

    def __init__(
        self,
        rate: float,
        *,
        alias: str = "default",
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = 1.0 / rate
        self.alias = alias
        self._sleep = sleep if sleep is not None else time.sleep
        # One connection per process, shared by its threads: the statement takes well under a
        # millisecond, so a lock costs nothing next to the requests it spaces out.
        self._lock = threading.Lock()
        self._conn: psycopg.Connection | None = None

    def _connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed:
            params = connections[self.alias].get_connection_params()
            params.pop("cursor_factory", None)
            params.pop("context", None)
            self._conn = psycopg.connect(**params, autocommit=True)
        return self._conn

    def reserve(self, key: str) -> float:
        """Take the next slot for `key`; return how many seconds to wait for it."""
        slot, now = self.reserve_slot(key)
        return max(0.0, slot - now)

    def reserve_slot(self, key: str) -> tuple[float, float]:
        """Take the next slot for `key`: its start and the database's time now (epoch s)."""
        params = {"key": key, "interval": self.interval}
        with self._lock:
            try:
                row = self._connection().execute(_RESERVE, params).fetchone()
            except psycopg.OperationalError:
                self.close_unlocked()  # a dropped connection: reconnect once
                row = self._connection().execute(_RESERVE, params).fetchone()
        assert row is not None  # an upsert … returning always answers one row
        slot, now = row
        return float(slot), float(now)

    def acquire(self, key: str) -> None:
        """Block until this process may send one request for `key`."""
        wait = self.reserve(key)
        if wait > 0:
            self._sleep(wait)

    def close(self) -> None:
        with self._lock:
            self.close_unlocked()

    def close_unlocked(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


_shared: PostgresRateLimiter | None = None


def close_shared_rate_limiter() -> None:
    """Release the process-wide limiter's connection (tests, process shutdown)."""
    if _shared is not None:
        _shared.close()


def shared_rate_limiter() -> PostgresRateLimiter | None:
    """The process-wide limiter at TIKTOK_RATE_LIMIT requests/s (None when set to 0: off)."""
    global _shared
    rate = float(settings.TIKTOK_RATE_LIMIT)
    if rate <= 0:
        return None
    if _shared is None or _shared.interval != 1.0 / rate:
        _shared = PostgresRateLimiter(rate)
    return _shared
