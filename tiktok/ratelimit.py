"""Client-side pacing so calls stay under TikTok's per-(app, shop, API) quota (§14)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

# TikTok's documented default; the real quota is dynamic (§14), so treat it as a ceiling.
DEFAULT_RATE_PER_SECOND = 50.0


@runtime_checkable
class RateLimiter(Protocol):
    """Blocks until one more request under `key` is allowed."""

    def acquire(self, key: str) -> None: ...


def rate_limit_key(app_key: str, shop_cipher: str | None, path_template: str) -> str:
    """The quota bucket of one API for one (app, shop) pair."""
    return f"{app_key}:{shop_cipher or '-'}:{path_template}"


class NoRateLimit:
    """Never waits; for tests and one-off scripts."""

    def acquire(self, key: str) -> None:
        """Allow at once."""


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBucketRateLimiter:
    """In-process token bucket per key; thread-safe, but not shared between processes."""

    def __init__(
        self,
        rate: float = DEFAULT_RATE_PER_SECOND,
        burst: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = burst if burst is not None else rate
        if self.burst < 1:
            raise ValueError("burst must allow at least one request")
        self._clock = clock
        self._sleep = sleep if sleep is not None else time.sleep
        self._lock = threading.Lock()
        self._buckets: dict[str, _Bucket] = {}

    def reserve(self, key: str) -> float:
        """Take one token for `key` now and return how many seconds to wait before using it."""
        with self._lock:
            now = self._clock()
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(tokens=self.burst, updated=now)
            elapsed = max(0.0, now - bucket.updated)
            bucket.tokens = min(self.burst, bucket.tokens + elapsed * self.rate)
            bucket.updated = now
            # Tokens may go negative: each waiter reserves its own future slot, so concurrent
            # callers queue up fairly instead of all waking at once.
            bucket.tokens -= 1.0
            return 0.0 if bucket.tokens >= 0 else -bucket.tokens / self.rate

    def acquire(self, key: str) -> None:
        """Wait (outside the lock) until the reserved slot for `key` comes up."""
        wait = self.reserve(key)
        if wait > 0:
            self._sleep(wait)
