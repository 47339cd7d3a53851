"""TikTok's per-(app, shop, API) request budget as a token bucket."""

from __future__ import annotations

import threading
import time


class RateLimiter:
    """`rate` requests per second per key, with bursts of up to `rate`; 0 turns it off."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str, str], tuple[float, float]] = {}

    def set_rate(self, rate: int) -> None:
        """Change the budget and start every bucket full."""
        with self._lock:
            self.rate = rate
            self._buckets.clear()

    def allow(self, key: tuple[str, str, str]) -> bool:
        """Spend one request from the key's bucket if it has one."""
        if self.rate <= 0:
            return True
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.rate), now))
            tokens = min(float(self.rate), tokens + (now - last) * self.rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                return False
            self._buckets[key] = (tokens - 1.0, now)
            return True
