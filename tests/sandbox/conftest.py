"""Fixtures: a sandbox on a loopback socket and a tiny signing client (not the real client)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tiktok.sandbox import SandboxConfig, start_in_thread
from tiktok.sandbox.server import SandboxHandle
from tiktok.signing import request_signature

ANCHOR = 1_760_000_400  # a fixed "now" for the generated data, so runs compare equal


class Signer:
    """Signs and sends API calls the way the contract describes; just enough for these tests."""

    def __init__(
        self,
        base_url: str,
        *,
        app_key: str = "sandboxappkey",
        app_secret: str = "sandboxappsecret",
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.app_key = app_key
        self.app_secret = app_secret
        self.token: str | None = None
        self.http = httpx.Client(
            base_url=base_url, timeout=30, trust_env=False, transport=transport
        )

    def call(
        self,
        method: str,
        path: str,
        *,
        cipher: str | None = None,
        query: dict[str, Any] | None = None,
        body: Any = None,
        raw_body: str | None = None,
        timestamp: int | None = None,
        sign: str | None = None,
        token: str | None = "default",
        patient: bool = True,
    ) -> httpx.Response:
        """One signed call; `raw_body` is sent and signed exactly as given. A patient call waits
        out the sandbox's 50 requests/s limit, as a polite client does."""
        q = {
            "app_key": self.app_key,
            "timestamp": str(timestamp if timestamp is not None else int(time.time())),
        }
        if cipher is not None:
            q["shop_cipher"] = cipher
        q.update({k: str(v) for k, v in (query or {}).items()})
        content = (
            raw_body
            if raw_body is not None
            else (json.dumps(body, separators=(",", ":")) if body is not None else None)
        )
        q["sign"] = (
            sign if sign is not None else request_signature(self.app_secret, path, q, content)
        )
        headers = {"content-type": "application/json"}
        value = self.token if token == "default" else token
        if value:
            headers["x-tts-access-token"] = value
        response = self.http.request(method, path, params=q, content=content, headers=headers)
        for _ in range(30):
            if not patient or response.status_code != 429:
                break
            time.sleep(0.1)
            response = self.http.request(method, path, params=q, content=content, headers=headers)
        return response

    def ok(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """A call that must succeed; returns `data`."""
        response = self.call(method, path, **kwargs)
        payload = response.json()
        assert response.status_code == 200 and payload["code"] == 0, payload
        return payload["data"]


def authorize(base_url: str, http: httpx.Client, seller: str = "seller2") -> dict[str, Any]:
    """Token response for a seller via the control API's auth code and the real token endpoint."""
    code = http.post(f"{base_url}/_sandbox/auth_code", json={"seller": seller}).json()["code"]
    response = http.get(
        f"{base_url}/api/v2/token/get",
        params={
            "app_key": "sandboxappkey",
            "app_secret": "sandboxappsecret",
            "auth_code": code,
            "grant_type": "authorized_code",
        },
    )
    payload = response.json()
    assert payload["code"] == 0, payload
    return payload["data"]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    """A small sandbox on a free loopback port."""
    handle = start_in_thread(
        SandboxConfig(
            seed=7,
            orders=3000,
            products=12,
            anchor=ANCHOR,
            webhook_time_scale=0.002,
            webhook_duplicate_share=0.0,
        )
    )
    yield handle
    handle.stop()


@pytest.fixture(scope="module")
def control(sandbox: SandboxHandle) -> Iterator[httpx.Client]:
    """A plain HTTP client for the control API."""
    with httpx.Client(base_url=sandbox.url, timeout=30, trust_env=False) as client:
        yield client


@pytest.fixture(scope="module")
def api(sandbox: SandboxHandle, control: httpx.Client) -> Signer:
    """A signing client holding a token for the cross-border seller (several shops)."""
    signer = Signer(sandbox.url)
    signer.token = authorize(sandbox.url, control)["access_token"]
    return signer


@pytest.fixture(scope="module")
def shops(api: Signer) -> list[dict[str, Any]]:
    """The shops the token covers."""
    return api.ok("GET", "/authorization/202309/shops")["shops"]


@pytest.fixture(scope="module")
def cipher(shops: list[dict[str, Any]]) -> str:
    """The first authorized shop's cipher."""
    return shops[0]["cipher"]
