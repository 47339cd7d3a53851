"""Fixtures for client tests: a scripted TikTok, recorded sleeps, a client wired to both."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.tiktok.fakes import (
    ACCESS_TOKEN,
    APP_KEY,
    APP_SECRET,
    NOW,
    SHOP_CIPHER,
    FakeTikTok,
    Sleeps,
)
from tiktok.client import TikTokClient
from tiktok.config import AppCredentials


@pytest.fixture
def fake() -> FakeTikTok:
    return FakeTikTok()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def credentials() -> AppCredentials:
    return AppCredentials(app_key=APP_KEY, app_secret=APP_SECRET, service_id="7310000000000000001")


@pytest.fixture
def http(fake: FakeTikTok) -> Iterator[httpx.Client]:
    with httpx.Client(transport=httpx.MockTransport(fake.handler)) as client:
        yield client


@pytest.fixture
def make_client(
    http: httpx.Client, credentials: AppCredentials, sleeps: Sleeps
) -> Callable[..., TikTokClient]:
    def build(**kw: Any) -> TikTokClient:
        kw.setdefault("shop_cipher", SHOP_CIPHER)
        kw.setdefault("sleep", sleeps)
        kw.setdefault("clock", lambda: NOW + 0.75)
        kw.setdefault("rand", lambda: 0.5)
        token = kw.pop("token", ACCESS_TOKEN)
        return TikTokClient(http, credentials, token, **kw)

    return build


@pytest.fixture
def client(make_client: Callable[..., TikTokClient]) -> TikTokClient:
    return make_client()
