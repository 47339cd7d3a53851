"""Seller authorization: consent link, token exchange and refresh, and token providers (§2)."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import Protocol, runtime_checkable
from urllib.parse import urlencode

import httpx

from tiktok.config import (
    CONSENT_BASE_URL,
    CONSENT_BASE_URL_US,
    DEFAULT_TIMEOUT,
    TOKEN_BASE_URL,
    AppCredentials,
)
from tiktok.errors import ApiError, NeedsReauthorizationError, TikTokError
from tiktok.transport import (
    RetryPolicy,
    log_exchange,
    read_envelope,
    should_retry,
    transport_error,
)
from tiktok.types import Token

TOKEN_GET_PATH = "/api/v2/token/get"
TOKEN_REFRESH_PATH = "/api/v2/token/refresh"
CONSENT_PATH = "/open/authorize"

__all__ = [
    "CONSENT_BASE_URL",
    "CONSENT_BASE_URL_US",
    "OAuthClient",
    "RefreshingTokenProvider",
    "StaticToken",
    "TokenProvider",
    "consent_url",
]


@runtime_checkable
class TokenProvider(Protocol):
    """Where a client gets a shop's access token, and a fresh one when TikTok says it expired."""

    def access_token(self) -> str:
        """The current access token."""
        ...

    def refresh(self, stale_token: str) -> str:
        """A token newer than `stale_token`; raises NeedsReauthorizationError if none can be had.

        Implementations compare with `stale_token` under a lock so concurrent callers refresh once.
        """
        ...


class StaticToken:
    """A fixed access token for scripts and tests; it cannot be refreshed."""

    def __init__(self, token: str) -> None:
        if not token:
            raise ValueError("access token is empty")
        self._token = token

    def __repr__(self) -> str:
        return "StaticToken(***)"

    def access_token(self) -> str:
        """The fixed token."""
        return self._token

    def refresh(self, stale_token: str) -> str:
        """Refuse: a static token has no refresh token behind it."""
        raise NeedsReauthorizationError(
            "the access token expired and a static token cannot refresh"
        )


def consent_url(
    service_id: str, state: str | None = None, *, base_url: str = CONSENT_BASE_URL
) -> str:
    """The seller consent link; pass CONSENT_BASE_URL_US (UNVERIFIED host) for US sellers."""
    if not service_id:
        raise ValueError("service_id is required for the consent link")
    query = {"service_id": service_id}
    if state:
        query["state"] = state
    return f"{base_url.rstrip('/')}{CONSENT_PATH}?{urlencode(query)}"


class OAuthClient:
    """Token host calls of one app: exchange an auth code, refresh a token."""

    def __init__(
        self,
        http: httpx.Client,
        credentials: AppCredentials,
        *,
        token_base_url: str = TOKEN_BASE_URL,
        consent_base_url: str = CONSENT_BASE_URL,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] | None = None,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self._http = http
        self._credentials = credentials
        self._token_base_url = token_base_url.rstrip("/")
        self._consent_base_url = consent_base_url
        self._timeout = timeout
        self._retry = retry or RetryPolicy()
        self._sleep = sleep if sleep is not None else time.sleep
        self._rand = rand

    def __repr__(self) -> str:
        return f"OAuthClient(app_key={self._credentials.app_key!r})"

    def consent_url(self, state: str | None = None) -> str:
        """The consent link of this app's service id with our CSRF `state`."""
        if not self._credentials.service_id:
            raise ValueError("AppCredentials.service_id is required for the consent link")
        return consent_url(self._credentials.service_id, state, base_url=self._consent_base_url)

    def exchange_code(self, auth_code: str) -> Token:
        """Trade the redirect's single-use `code` for tokens (36004004: code invalid or used)."""
        if not auth_code:
            raise NeedsReauthorizationError("no auth code in the redirect")
        return self._token_call(
            TOKEN_GET_PATH, {"auth_code": auth_code, "grant_type": "authorized_code"}
        )

    def refresh(self, refresh_token: str) -> Token:
        """A new access token and a new refresh token (keep both); 36004xxx: consent again."""
        if not refresh_token:
            raise NeedsReauthorizationError("no refresh token stored")
        return self._token_call(
            TOKEN_REFRESH_PATH, {"refresh_token": refresh_token, "grant_type": "refresh_token"}
        )

    def _token_call(self, path: str, params: dict[str, str]) -> Token:
        query = {
            "app_key": self._credentials.app_key,
            "app_secret": self._credentials.app_secret,
            **params,
        }
        retries = 0
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._token_attempt(path, query, attempt)
            except TikTokError as error:
                # An auth code is single-use and an old refresh token may die once a refresh
                # went through, so only what TikTok provably never processed is repeated.
                if retries >= self._retry.max_retries or not should_retry(error, repeatable=False):
                    raise
                retries += 1
                self._sleep(self._retry.delay(retries, error, self._rand()))

    def _token_attempt(self, path: str, query: dict[str, str], attempt: int) -> Token:
        started = time.perf_counter()
        try:
            response = self._http.get(
                self._token_base_url + path, params=query, timeout=self._timeout
            )
        except httpx.HTTPError as exc:
            error = transport_error(exc, path=path)
            log_exchange(method="GET", path=path, attempt=attempt, started=started, error=error)
            raise error from exc
        try:
            envelope, data = read_envelope(response, path=path)
        except TikTokError as error:
            log_exchange(
                method="GET",
                path=path,
                attempt=attempt,
                started=started,
                response=response,
                error=error,
            )
            raise
        log_exchange(
            method="GET",
            path=path,
            attempt=attempt,
            started=started,
            response=response,
            envelope=envelope,
        )
        token = Token.from_api(data)
        if not token.access_token or not token.refresh_token:
            raise ApiError(
                "token response without tokens",
                code=0,
                request_id=envelope.get("request_id"),
                http_status=response.status_code,
                path=path,
            )
        return token


class RefreshingTokenProvider:
    """An in-process token holder that refreshes through the token host (scripts, demos).

    The back office uses its own provider that refreshes under a database row lock instead.
    """

    def __init__(
        self,
        oauth: OAuthClient,
        token: Token,
        *,
        on_refresh: Callable[[Token], None] | None = None,
    ) -> None:
        self._oauth = oauth
        self._token = token
        self._on_refresh = on_refresh
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return "RefreshingTokenProvider(***)"

    @property
    def token(self) -> Token:
        """The latest token pair."""
        return self._token

    def access_token(self) -> str:
        """The current access token."""
        return self._token.access_token

    def refresh(self, stale_token: str) -> str:
        """Refresh unless another thread already replaced `stale_token`."""
        with self._lock:
            if self._token.access_token != stale_token:
                return self._token.access_token
            self._token = self._oauth.refresh(self._token.refresh_token)
            if self._on_refresh is not None:
                self._on_refresh(self._token)
            return self._token.access_token
