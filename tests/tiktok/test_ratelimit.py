"""The in-process token bucket: burst, steady rate, independent keys, thread safety."""

from __future__ import annotations

import threading

import pytest

from tiktok.ratelimit import (
    NoRateLimit,
    RateLimiter,
    TokenBucketRateLimiter,
    rate_limit_key,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_key_format() -> None:
    key = rate_limit_key("app", "ROW_c", "/product/202309/products/{product_id}/prices/update")
    assert key == "app:ROW_c:/product/202309/products/{product_id}/prices/update"
    assert rate_limit_key("app", None, "/authorization/202309/shops") == (
        "app:-:/authorization/202309/shops"
    )


def test_protocol_is_satisfied() -> None:
    assert isinstance(TokenBucketRateLimiter(), RateLimiter)
    assert isinstance(NoRateLimit(), RateLimiter)
    NoRateLimit().acquire("k")


def test_burst_passes_then_requests_are_spaced_at_the_rate() -> None:
    clock = FakeClock()
    limiter = TokenBucketRateLimiter(rate=10, burst=3, clock=clock, sleep=clock.sleep)
    for _ in range(3):
        limiter.acquire("k")
    assert clock.sleeps == []
    limiter.acquire("k")
    limiter.acquire("k")
    assert clock.sleeps == pytest.approx([0.1, 0.1])


def test_tokens_refill_with_time() -> None:
    clock = FakeClock()
    limiter = TokenBucketRateLimiter(rate=50, clock=clock, sleep=clock.sleep)
    for _ in range(50):
        limiter.acquire("k")
    clock.now += 1.0
    for _ in range(50):
        limiter.acquire("k")
    assert clock.sleeps == []
    limiter.acquire("k")
    assert clock.sleeps == pytest.approx([0.02])


def test_keys_do_not_share_a_bucket() -> None:
    clock = FakeClock()
    limiter = TokenBucketRateLimiter(rate=1, burst=1, clock=clock, sleep=clock.sleep)
    limiter.acquire("app:shop-a:/x")
    limiter.acquire("app:shop-b:/x")
    limiter.acquire("app:shop-a:/y")
    assert clock.sleeps == []


def test_waiters_queue_instead_of_stampeding() -> None:
    clock = FakeClock()
    limiter = TokenBucketRateLimiter(rate=2, burst=1, clock=clock, sleep=clock.sleep)
    # Without time passing, each reservation waits one slot longer than the previous.
    waits = [limiter.reserve("k") for _ in range(4)]
    assert waits == pytest.approx([0.0, 0.5, 1.0, 1.5])


def test_thread_safe_under_contention() -> None:
    clock_lock = threading.Lock()
    state = {"now": 0.0}

    def clock() -> float:
        with clock_lock:
            return state["now"]

    limiter = TokenBucketRateLimiter(rate=100, burst=100, clock=clock, sleep=lambda s: None)
    waits: list[float] = []
    waits_lock = threading.Lock()

    def worker() -> None:
        for _ in range(50):
            wait = limiter.reserve("k")
            with waits_lock:
                waits.append(wait)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # 400 reservations at a frozen clock: 100 free, then one slot every 10 ms, none lost.
    assert len(waits) == 400
    assert sorted(waits) == pytest.approx([0.0] * 100 + [i / 100 for i in range(1, 301)])


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        TokenBucketRateLimiter(rate=0)
    with pytest.raises(ValueError):
        TokenBucketRateLimiter(rate=10, burst=0.5)
