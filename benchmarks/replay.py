"""Record the sandbox's answers once and replay them from memory, and time a mirror's stages.

The replayed figure is the mirror's own cost: no emulator builds the pages, no socket carries
them. Requests are matched on what selects a page (method, path, page token, body), never on
the timestamp and signature that change with every request.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx

Key = tuple[str, str, str, bytes]


def _key(request: httpx.Request) -> Key:
    page_token = request.url.params.get("page_token", "")
    return (request.method, request.url.path, page_token, request.content)


class Stages:
    """Seconds spent per stage (summed over threads) and how many items went through."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._lock = threading.Lock()

    def add(self, stage: str, seconds: float) -> None:
        with self._lock:
            self.seconds[stage] += seconds

    def reset(self) -> None:
        with self._lock:
            self.seconds.clear()

    def per_thousand(self, items: int) -> dict[str, float]:
        """Milliseconds per 1,000 items, per stage."""
        scale = 1000 * 1000 / items if items else 0.0
        return {stage: seconds * scale for stage, seconds in self.seconds.items()}


class RecordingTransport(httpx.BaseTransport):
    """Passes requests to the real transport and keeps each answer in memory."""

    def __init__(self, stages: Stages) -> None:
        self.inner = httpx.HTTPTransport()
        self.answers: dict[Key, tuple[int, list[tuple[bytes, bytes]], bytes]] = {}
        self.stages = stages

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        response = self.inner.handle_request(request)
        content = response.read()
        self.stages.add("fetch", time.perf_counter() - started)
        self.answers[_key(request)] = (response.status_code, response.headers.raw, content)
        return httpx.Response(response.status_code, headers=response.headers.raw, content=content)

    def close(self) -> None:
        self.inner.close()


class ReplayTransport(httpx.BaseTransport):
    """Answers from what a RecordingTransport kept; a request it never saw is an error."""

    def __init__(self, recording: RecordingTransport, stages: Stages) -> None:
        self.answers = recording.answers
        self.stages = stages

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        try:
            status, headers, content = self.answers[_key(request)]
        except KeyError:
            raise httpx.ConnectError(f"not recorded: {request.url.path}") from None
        response = httpx.Response(status, headers=headers, content=content, request=request)
        self.stages.add("fetch", time.perf_counter() - started)
        return response


def _timed(stages: Stages, stage: str, func: Callable[..., Any]) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            stages.add(stage, time.perf_counter() - started)

    return timed


@contextmanager
def product_transport(transport: httpx.BaseTransport) -> Iterator[None]:
    """Make the product's HTTP clients (every thread's) send through `transport`."""
    from shops import gateway

    original = gateway.http_client
    clients: dict[int, httpx.Client] = {}

    def http_client() -> httpx.Client:
        client = clients.get(threading.get_ident())
        if client is None:
            client = httpx.Client(
                transport=transport,
                timeout=gateway.DEFAULT_TIMEOUT,
                event_hooks={"request": [gateway._count_request], "response": []},
            )
            clients[threading.get_ident()] = client
        return client

    gateway.http_client = http_client  # type: ignore[assignment]
    try:
        yield
    finally:
        gateway.http_client = original  # type: ignore[assignment]
        for client in clients.values():
            client.close()


@contextmanager
def profiled(stages: Stages) -> Iterator[None]:
    """Time parse (envelope and page), transform (the page's parameter) and write (the store).

    Write is the store call less the transform inside it: for the orders mirror that is the
    one statement in which PostgreSQL reads the fields and upserts the rows.
    """
    from catalog.mirror import ProductSyncer
    from fulfillment.mirror import CancellationSyncer, PackageSyncer, ReturnSyncer
    from orders.mirror import OrderSyncer
    from shops import jsonsql
    from tiktok import client

    patched: list[tuple[Any, str, Any]] = []

    def patch(owner: Any, name: str, replacement: Any) -> None:
        patched.append((owner, name, getattr(owner, name)))
        setattr(owner, name, replacement)

    patch(client, "read_envelope", _timed(stages, "parse", client.read_envelope))
    patch(client, "page_from_data", _timed(stages, "parse", client.page_from_data))
    patch(jsonsql, "page_texts", _timed(stages, "transform", jsonsql.page_texts))
    for syncer in (ProductSyncer, OrderSyncer, PackageSyncer, ReturnSyncer, CancellationSyncer):
        patch(syncer, "store", _timed(stages, "store", syncer.store))
    try:
        yield
    finally:
        for owner, name, original in reversed(patched):
            setattr(owner, name, original)


def stage_line(stages: Stages, items: int, wall: float) -> str:
    """`fetch a, parse b, transform c, write d, other e ms per 1,000` (other: bookkeeping)."""
    per = stages.per_thousand(items)
    write = per.get("store", 0.0) - per.get("transform", 0.0)
    named = per.get("fetch", 0.0) + per.get("parse", 0.0) + per.get("store", 0.0)
    wall_per = wall * 1000 * 1000 / items if items else 0.0
    return (
        f"per 1,000: fetch {per.get('fetch', 0.0):.1f} ms, parse {per.get('parse', 0.0):.1f} ms, "
        f"transform {per.get('transform', 0.0):.1f} ms, write {write:.1f} ms "
        f"(stages summed over threads {named:.1f} ms; wall {wall_per:.1f} ms)"
    )
