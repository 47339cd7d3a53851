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


# --- the transaction guard: no HTTP request, back-off sleep or token refresh inside a transaction
#
# Counted per thread (Django's connections are per thread) and only for transactions the code
# under test opened: the atomic blocks pytest-django's `db` fixture wraps each test in are marked
# `_from_testcase` by Django and do not count.

_guard = {"on": False, "violations": []}


def _open_transactions() -> int:
    from django.db import connections

    return sum(
        1
        for conn in connections.all(initialized_only=True)
        for block in getattr(conn, "atomic_blocks", ())
        if not getattr(block, "_from_testcase", False)
    )


def _check_no_transaction(what: str) -> None:
    if not _guard["on"]:
        return
    opened = _open_transactions()
    if opened:
        import traceback

        message = f"{what} inside {opened} open database transaction(s)"
        _guard["violations"].append(message + "\n" + "".join(traceback.format_stack(limit=12)))
        raise TransactionGuardError(message)


class TransactionGuardError(AssertionError):
    """Product code called TikTok, slept or refreshed a token with a transaction open."""


def _install_transaction_guard() -> None:
    import time

    import httpx

    real_send = httpx.Client.send
    real_sleep = time.sleep

    def guarded_send(self, request, *args, **kwargs):
        _check_no_transaction(f"HTTP {request.method} {request.url.path}")
        return real_send(self, request, *args, **kwargs)

    def guarded_sleep(seconds):
        if seconds > 0:
            _check_no_transaction(f"sleep({seconds:.3f})")
        return real_sleep(seconds)

    httpx.Client.send = guarded_send
    time.sleep = guarded_sleep


_install_transaction_guard()


@pytest.fixture(autouse=True)
def transaction_guard(monkeypatch):
    """Fail the test if the code under test called TikTok, slept or refreshed in a transaction.

    Violations also raise where they happen; recording them catches code that swallows errors.
    """
    import shops.tokens

    real_refresh = shops.tokens.authorization_refresh

    def guarded_refresh(**kwargs):
        _check_no_transaction("token refresh")
        return real_refresh(**kwargs)

    monkeypatch.setattr(shops.tokens, "authorization_refresh", guarded_refresh)
    _guard["violations"] = []
    _guard["on"] = True
    yield _guard
    _guard["on"] = False
    violations, _guard["violations"] = _guard["violations"], []
    if violations:
        pytest.fail("transaction guard:\n" + "\n".join(violations), pytrace=False)


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


_control_http = None


def sandbox_call(handle, method: str, path: str, **body):
    """A control call to the sandbox (`/_sandbox/...`), returning its JSON.

    One client serves every call: making an httpx client loads the CA bundle, about 50 ms here,
    which a test creating 200 orders paid 200 times.
    """
    global _control_http
    if _control_http is None:
        import httpx

        _control_http = httpx.Client(timeout=10, trust_env=False)
    response = _control_http.request(method, f"{handle.url}/_sandbox/{path}", json=body or None)
    response.raise_for_status()
    return response.json()
