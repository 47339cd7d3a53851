"""Shared test set-up: loopback-only network, Debian's Chromium for Playwright, user factories."""

from __future__ import annotations

import ipaddress
import os
import socket

import pytest

# Playwright's sync API runs an event loop in the main thread; Django's DB guard would refuse
# the live server's set-up without this.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _is_loopback(address) -> bool:
    if isinstance(address, (str, bytes)) and not isinstance(address, tuple):
        return True  # a unix socket path
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _guarded_connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
        raise ConnectionRefusedError(f"tests may only reach loopback, not {address!r}")
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
        raise ConnectionRefusedError(f"tests may only reach loopback, not {address!r}")
    return _real_connect_ex(self, address)


socket.socket.connect = _guarded_connect
socket.socket.connect_ex = _guarded_connect_ex


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Drive Debian's Chromium (Playwright's own download does not work here)."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(autouse=True)
def _release_rate_limiter_connection():
    """The shared limiter keeps a connection open; close it so test databases can be dropped."""
    yield
    from shops.ratelimit import close_shared_rate_limiter

    close_shared_rate_limiter()


@pytest.fixture
def operator(db):
    from tests.factories import make_user

    return make_user(username="olivia", role="operator")


@pytest.fixture
def shop_admin(db):
    from tests.factories import make_user

    return make_user(username="adam", role="admin")


@pytest.fixture(scope="session")
def sandbox_server():
    """One small sandbox for the session on a loopback port (rate limit off; tests reset it)."""
    from tiktok.sandbox.config import SandboxConfig
    from tiktok.sandbox.server import start_in_thread

    handle = start_in_thread(
        SandboxConfig(
            seed=7, sellers=2, shops_per_seller=2, products=8, orders=120, days=10, rate_limit=0
        )
    )
    yield handle
    handle.stop()


@pytest.fixture
def sandbox(sandbox_server, settings):
    """The sandbox, with the app's TikTok settings pointing at it."""
    cfg = sandbox_server.config
    settings.TIKTOK_API_BASE = sandbox_server.url
    settings.TIKTOK_AUTH_BASE = sandbox_server.url
    settings.TIKTOK_CONSENT_BASE = sandbox_server.url
    settings.TIKTOK_APP_KEY = cfg.app_key
    settings.TIKTOK_APP_SECRET = cfg.app_secret
    settings.TIKTOK_SERVICE_ID = cfg.service_id
    settings.TIKTOK_WEBHOOK_URL = ""
    settings.TIKTOK_RATE_LIMIT = 0
    return sandbox_server


def sandbox_call(handle, method: str, path: str, **body):
    """A control call to the sandbox (`/_sandbox/...`), returning its JSON."""
    import httpx

    response = httpx.request(method, f"{handle.url}/_sandbox/{path}", json=body or None, timeout=10)
    response.raise_for_status()
    return response.json()
