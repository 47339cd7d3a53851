"""The only bridge from Django to the TikTok client: settings, tokens and the shared limiter."""

from __future__ import annotations

import threading

import httpx
from django.conf import settings

from shops.models import Authorization, Shop
from shops.ratelimit import shared_rate_limiter
from shops.tokens import DatabaseTokenProvider
from tiktok.auth import OAuthClient
from tiktok.client import TikTokClient
from tiktok.config import DEFAULT_TIMEOUT, AppCredentials
from tiktok.transport import RetryPolicy

_local = threading.local()


class ShopNotConnected(Exception):
    """The shop has no usable authorization: it needs reconnecting before we can call TikTok."""


def app_credentials() -> AppCredentials:
    return AppCredentials(
        app_key=settings.TIKTOK_APP_KEY,
        app_secret=settings.TIKTOK_APP_SECRET,
        service_id=settings.TIKTOK_SERVICE_ID or None,
    )


def _count_request(request: httpx.Request) -> None:
    _local.sent = getattr(_local, "sent", 0) + 1


def requests_sent() -> int:
    """HTTP requests this thread has sent to TikTok (retries and token refreshes included)."""
    return getattr(_local, "sent", 0)


def http_client() -> httpx.Client:
    """One pooled HTTP client per thread (keep-alive to TikTok; httpx clients are not shared)."""
    client = getattr(_local, "http", None)
    if client is None or client.is_closed:
        client = httpx.Client(
            timeout=DEFAULT_TIMEOUT,
            follow_redirects=False,
            event_hooks={"request": [_count_request], "response": []},
        )
        _local.http = client
    return client


def oauth_client() -> OAuthClient:
    return OAuthClient(
        http_client(),
        app_credentials(),
        token_base_url=settings.TIKTOK_AUTH_BASE,
        consent_base_url=settings.TIKTOK_CONSENT_BASE,
    )


def client_for_token(access_token: str) -> TikTokClient:
    """A client for seller-level calls with a token not stored yet (while connecting)."""
    return TikTokClient(
        http_client(),
        app_credentials(),
        access_token,
        base_url=settings.TIKTOK_API_BASE,
        rate_limiter=shared_rate_limiter(),
    )


def client_for_authorization(
    authorization: Authorization, *, retry: RetryPolicy | None = None
) -> TikTokClient:
    """A client for seller-level calls (authorized shops) of one authorization."""
    if not authorization.is_usable:
        raise ShopNotConnected(f"{authorization} needs re-authorization")
    return TikTokClient(
        http_client(),
        app_credentials(),
        DatabaseTokenProvider(authorization.pk),
        base_url=settings.TIKTOK_API_BASE,
        rate_limiter=shared_rate_limiter(),
        retry=retry,
    )


def client_for_shop(shop: Shop, *, retry: RetryPolicy | None = None) -> TikTokClient:
    """A client for one shop's calls: its cipher, its authorization's tokens, the shared limiter.

    The command runner passes `NO_RETRIES`: it retries itself, recording every attempt.
    """
    authorization = shop.authorization
    if authorization is None or not shop.is_connected or not shop.cipher:
        raise ShopNotConnected(f"{shop} is not connected")
    return client_for_authorization(authorization, retry=retry).for_shop(shop.cipher)
