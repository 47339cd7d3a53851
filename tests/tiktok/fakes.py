"""A scripted TikTok for client tests: a MockTransport that records what went over the wire."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from tiktok.signing import verify_request

APP_KEY = "68xu9ks5p4i8"
APP_SECRET = "e59af819cc"
ACCESS_TOKEN = "TTP_access_secret_value"
SHOP_CIPHER = "ROW_xkMbgAAAeVAQra0eZWebFQq5aIK"
NOW = 1_700_000_000
REQUEST_ID = "202203070749000101890810281E8C70B7"

Reply = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


def ok(
    data: Any = None, *, status: int = 200, headers: dict[str, str] | None = None
) -> httpx.Response:
    """A success envelope."""
    body = {"code": 0, "message": "Success", "request_id": REQUEST_ID, "data": data or {}}
    return httpx.Response(status, json=body, headers=headers)


def fail(
    code: int, message: str = "failed", *, status: int = 200, headers: dict[str, str] | None = None
) -> httpx.Response:
    """A failure envelope (TikTok answers most business errors with HTTP 200)."""
    body = {"code": code, "message": message, "request_id": REQUEST_ID, "data": None}
    return httpx.Response(status, json=body, headers=headers)


class FakeTikTok:
    """Answers requests from a script, in order, and keeps every request it saw."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.script: list[Reply] = []
        self.default: Reply | None = None

    def reply(self, *replies: Reply) -> FakeTikTok:
        self.script.extend(replies)
        return self

    def handler(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        if self.script:
            reply = self.script.pop(0)
        elif self.default is not None:
            reply = self.default
        else:
            raise AssertionError(f"unexpected request {request.method} {request.url.path}")
        if isinstance(reply, Exception):
            raise reply
        if isinstance(reply, httpx.Response):
            return reply
        return reply(request)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]


def query_of(request: httpx.Request) -> dict[str, str]:
    """The decoded query the server sees."""
    return dict(request.url.params.multi_items())


def body_of(request: httpx.Request) -> Any:
    """The decoded JSON body, or None when nothing was sent."""
    return json.loads(request.content) if request.content else None


def assert_signed(request: httpx.Request, secret: str = APP_SECRET) -> None:
    """Recompute the signature from what went over the wire (method, path, query, raw body)."""
    query = query_of(request)
    assert query["sign"] == query["sign"].lower() and len(query["sign"]) == 64
    body = request.content if request.content else None
    if request.method == "GET":
        assert body is None
    assert verify_request(secret, request.url.path, query, body, query["sign"])


class Sleeps(list[float]):
    """Records requested sleeps instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
