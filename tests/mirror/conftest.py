"""A sandbox on a loopback socket, and a shop connected to it through the real OAuth code path."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from shops.models import Shop
from shops.services import connect_complete
from tests.factories import make_user
from tiktok.sandbox import SandboxConfig, start_in_thread
from tiktok.sandbox.server import SandboxHandle

ANCHOR = 1_760_000_400  # a fixed "now" for the generated data, so runs compare equal


def small_config(**overrides) -> SandboxConfig:
    """One US seller with one shop, a few hundred orders, no rate limit, no faults."""
    values = {
        "seed": 11,
        "sellers": 1,
        "products": 12,
        "orders": 400,
        "anchor": ANCHOR,
        "rate_limit": 0,
        "webhook_duplicate_share": 0.0,
        "webhook_time_scale": 0.002,
    }
    values.update(overrides)
    return SandboxConfig(**values)


@pytest.fixture
def sandbox_factory() -> Iterator:
    started: list[SandboxHandle] = []

    def start(config: SandboxConfig | None = None) -> SandboxHandle:
        handle = start_in_thread(config or small_config())
        started.append(handle)
        return handle

    yield start
    for handle in started:
        handle.stop()


@pytest.fixture
def sandbox(sandbox_factory) -> SandboxHandle:
    return sandbox_factory()


def point_settings_at(settings, handle: SandboxHandle) -> None:
    """Make the product talk to this sandbox, as `make run` does with the demo one."""
    settings.TIKTOK_API_BASE = handle.url
    settings.TIKTOK_AUTH_BASE = handle.url
    settings.TIKTOK_CONSENT_BASE = handle.url
    settings.TIKTOK_APP_KEY = handle.config.app_key
    settings.TIKTOK_APP_SECRET = handle.config.app_secret
    settings.TIKTOK_SERVICE_ID = handle.config.service_id
    settings.TIKTOK_RATE_LIMIT = 0
    settings.TIKTOK_WEBHOOK_URL = ""
    # The fetching thread has its own connection, which cannot see a test's open transaction.
    settings.SYNC_PREFETCH_PAGES = 0


def control(handle: SandboxHandle) -> httpx.Client:
    # Plain HTTP on loopback: not loading the CA bundle saves about 50 ms per client.
    return httpx.Client(base_url=handle.url, timeout=30, trust_env=False, verify=False)


def connect_shop(handle: SandboxHandle, *, seller: str = "seller1") -> Shop:
    """Issue an auth code on the sandbox and complete the connect flow with it."""
    with control(handle) as http:
        code = http.post("/_sandbox/auth_code", json={"seller": seller}).json()["code"]
    result = connect_complete(code=code, user=make_user(role="admin"))
    return result.shops[0]


@pytest.fixture
def connected(db, settings, sandbox) -> tuple[SandboxHandle, Shop]:
    point_settings_at(settings, sandbox)
    return sandbox, connect_shop(sandbox)
