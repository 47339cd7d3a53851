"""Signed webhook delivery in a background thread, with TikTok's retry schedule and duplicates."""

from __future__ import annotations

import heapq
import itertools
import json
import random
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from tiktok.signing import webhook_signature

from .config import SandboxConfig

if TYPE_CHECKING:
    from .data import Shop
    from .state import Store

RETRY_SCHEDULE = (120, 1800, 3 * 3600, 12 * 3600)  # after the first failure, then each next one
KEEP = 10000
# Addresses posted to at the same time; each address gets one post at a time, in order.
ADDRESSES_IN_PARALLEL = 16


@dataclass
class Delivery:
    """One notification on its way to one address."""

    id: int
    url: str
    shop_id: str
    event_type: str
    type: int
    notification_id: str
    body: bytes
    duplicate: bool = False
    state: str = "pending"  # pending, delivered, rejected (401), failed (retries exhausted)
    attempts: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The delivery as the control API lists it."""
        return {
            "id": self.id,
            "url": self.url,
            "shop_id": self.shop_id,
            "event_type": self.event_type,
            "type": self.type,
            "tts_notification_id": self.notification_id,
            "duplicate": self.duplicate,
            "state": self.state,
            "attempts": self.attempts,
            "payload": json.loads(self.body),
        }


class Dispatcher:
    """Queues notifications and posts them in the background; API requests never wait on it.

    One scheduling thread hands due deliveries to a pool, one in flight per address, so a slow
    receiver delays only its own deliveries, never another address's.
    """

    def __init__(self, store: Store, cfg: SandboxConfig) -> None:
        self.store = store
        self.cfg = cfg
        self._cond = threading.Condition()
        self._queue: list[tuple[float, int, Delivery]] = []
        self._ids = itertools.count(1)
        self._order = itertools.count()
        self._rng = random.Random(f"{cfg.seed}/webhooks")
        self.deliveries: list[Delivery] = []
        self.unrouted = 0
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._pool: ThreadPoolExecutor | None = None
        self._busy: set[str] = set()  # addresses with a post in flight
        self._waiting: dict[str, deque[Delivery]] = {}  # due, behind that post

    def start(self) -> None:
        """Start the delivery thread (idempotent)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="sandbox-webhooks", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the delivery thread; pending deliveries are dropped."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    def clear(self) -> None:
        """Forget queued and past deliveries (on reset)."""
        with self._cond:
            self._queue.clear()
            self._waiting.clear()
            self.deliveries.clear()
            self.unrouted = 0

    def address_for(self, shop: Shop | None, event_type: str) -> str | None:
        """The shop's subscription for the event type, else the app-level address."""
        if shop is not None:
            sub = self.store.subscriptions.get((shop.no, event_type))
            if sub:
                return str(sub["address"])
        return self.cfg.webhook_url

    def enqueue(self, shop: Shop | None, event_type: str, payload: dict[str, Any]) -> None:
        """Queue a notification (called with the store lock held, so it must not block)."""
        url = self.address_for(shop, event_type)
        if not url:
            self.unrouted += 1
            return
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        with self._cond:
            copies = 2 if self._rng.random() < self.cfg.webhook_duplicate_share else 1
            for n in range(copies):
                delivery = Delivery(
                    id=next(self._ids),
                    url=url,
                    shop_id=payload.get("shop_id", ""),
                    event_type=event_type,
                    type=int(payload["type"]),
                    notification_id=str(payload.get("tts_notification_id", "")),
                    body=body,
                    duplicate=n > 0,
                )
                self.deliveries.append(delivery)
                # the on-purpose duplicate follows shortly after, as at-least-once delivery does
                heapq.heappush(
                    self._queue, (time.monotonic() + 0.05 * n, next(self._order), delivery)
                )
            if len(self.deliveries) > KEEP:
                del self.deliveries[: len(self.deliveries) - KEEP]
            self._cond.notify_all()
        self.start()

    def _run(self) -> None:
        client = httpx.Client(
            timeout=self.cfg.webhook_timeout,
            trust_env=False,
            limits=httpx.Limits(max_connections=ADDRESSES_IN_PARALLEL),
        )
        self._pool = ThreadPoolExecutor(ADDRESSES_IN_PARALLEL, thread_name_prefix="sandbox-post")
        try:
            while True:
                with self._cond:
                    while not self._stopping and (
                        not self._queue or self._queue[0][0] > time.monotonic()
                    ):
                        wait = self._queue[0][0] - time.monotonic() if self._queue else None
                        self._cond.wait(timeout=wait)
                    if self._stopping:
                        return
                    _due, _n, delivery = heapq.heappop(self._queue)
                    if delivery.url in self._busy:
                        self._waiting.setdefault(delivery.url, deque()).append(delivery)
                        continue
                    self._busy.add(delivery.url)
                self._pool.submit(self._post_in_turn, client, delivery)
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)
            client.close()

    def _post_in_turn(self, client: httpx.Client, delivery: Delivery) -> None:
        """Post one delivery, then whatever became due for the same address meanwhile."""
        current: Delivery | None = delivery
        while current is not None:
            self._attempt(client, current)
            with self._cond:
                waiting = self._waiting.get(current.url)
                if waiting and not self._stopping:
                    current = waiting.popleft()
                else:
                    self._busy.discard(current.url)
                    self._waiting.pop(current.url, None)
                    current = None

    def _attempt(self, client: httpx.Client, delivery: Delivery) -> None:
        signature = webhook_signature(self.cfg.app_key, self.cfg.app_secret, delivery.body)
        started = time.time()
        outcome: dict[str, Any] = {"at": int(started)}
        try:
            response = client.post(
                delivery.url,
                content=delivery.body,
                headers={"Content-Type": "application/json", "Authorization": signature},
            )
            outcome["status"] = response.status_code
        except httpx.HTTPError as exc:
            outcome["error"] = type(exc).__name__
        outcome["ms"] = int((time.time() - started) * 1000)
        with self._cond:
            delivery.attempts.append(outcome)
            status = outcome.get("status")
            if status == 200:
                delivery.state = "delivered"
            elif status == 401:
                # the receiver rejected the signature: TikTok does not retry that
                delivery.state = "rejected"
            elif len(delivery.attempts) > len(RETRY_SCHEDULE):
                delivery.state = "failed"
            else:
                delay = RETRY_SCHEDULE[len(delivery.attempts) - 1] * self.cfg.webhook_time_scale
                heapq.heappush(self._queue, (time.monotonic() + delay, next(self._order), delivery))
                self._cond.notify_all()  # the scheduling thread may be asleep on an empty queue
