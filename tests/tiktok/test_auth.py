"""Consent link, token exchange and refresh against the token host, token providers."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.tiktok import samples
from tests.tiktok.fakes import APP_KEY, APP_SECRET, FakeTikTok, Sleeps, fail, ok, query_of
from tiktok.auth import (
    CONSENT_BASE_URL_US,
    OAuthClient,
    RefreshingTokenProvider,
    StaticToken,
    TokenProvider,
    consent_url,
)
from tiktok.config import CONSENT_BASE_URL_US_ALT, AppCredentials
from tiktok.errors import (
    ApiError,
    ErrorKind,
    NeedsReauthorizationError,
    RateLimitedError,
    TransportError,
)
from tiktok.types import Token


@pytest.fixture
def oauth(http: httpx.Client, credentials: AppCredentials, sleeps: Sleeps) -> OAuthClient:
    return OAuthClient(http, credentials, sleep=sleeps, rand=lambda: 0.5)


@pytest.fixture
def refreshed_token() -> Iterator[dict[str, object]]:
    yield dict(
        samples.TOKEN,
        access_token="TTP_second_access",
        refresh_token="TTP_second_refresh",
        access_token_expire_in=1700604800,
        refresh_token_expire_in=1731536000,
    )


def test_consent_url_for_rest_of_world() -> None:
    url = consent_url("7310000000000000001", "st-abc/123")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        "https://services.tiktokshop.com/open/authorize"
    )
    assert parse_qs(parts.query) == {"service_id": ["7310000000000000001"], "state": ["st-abc/123"]}


def test_consent_url_host_is_configurable_for_us() -> None:
    assert consent_url("1", "s", base_url=CONSENT_BASE_URL_US).startswith(
        "https://services.us.tiktokshop.com/open/authorize?service_id=1&state=s"
    )
    assert consent_url("1", base_url=CONSENT_BASE_URL_US_ALT + "/") == (
        "https://services.tiktokshops.us/open/authorize?service_id=1"
    )


def test_consent_url_from_the_app(oauth: OAuthClient, http: httpx.Client) -> None:
    assert "service_id=7310000000000000001&state=xyz" in oauth.consent_url("xyz")
    no_service = OAuthClient(http, AppCredentials(app_key="k", app_secret="s"))
    with pytest.raises(ValueError):
        no_service.consent_url("xyz")


def test_exchange_code_calls_the_token_host_unsigned(fake: FakeTikTok, oauth: OAuthClient) -> None:
    fake.reply(ok(samples.TOKEN))
    token = oauth.exchange_code("ROW_auth_code_123")

    request = fake.last
    assert request.method == "GET"
    assert request.url.host == "auth.tiktok-shops.com"
    assert request.url.path == "/api/v2/token/get"
    assert query_of(request) == {
        "app_key": APP_KEY,
        "app_secret": APP_SECRET,
        "auth_code": "ROW_auth_code_123",
        "grant_type": "authorized_code",
    }
    assert "x-tts-access-token" not in request.headers

    assert token.access_token == "TTP_pEYf0gAAAADxAccessSecret"
    assert token.refresh_token == "TTP_NTUxZRefreshSecret"
    # Absolute epoch seconds, not durations.
    assert token.access_token_expires_at == datetime(2022, 8, 15, 9, 46, 23, tzinfo=UTC)
    assert token.refresh_token_expires_at == datetime.fromtimestamp(1691487031, UTC)
    assert token.open_id == "7010736057180325637"
    assert token.seller_base_region == "ID" and token.user_type == 0
    assert token.granted_scopes == (
        "seller.affiliate_collaboration.read",
        "seller.affiliate_collaboration.write",
    )
    assert "TTP_" not in repr(token)


def test_refresh_keeps_the_new_refresh_token(
    fake: FakeTikTok, oauth: OAuthClient, refreshed_token: dict[str, object]
) -> None:
    fake.reply(ok(refreshed_token))
    token = oauth.refresh("TTP_NTUxZRefreshSecret")
    assert query_of(fake.last) == {
        "app_key": APP_KEY,
        "app_secret": APP_SECRET,
        "refresh_token": "TTP_NTUxZRefreshSecret",
        "grant_type": "refresh_token",
    }
    assert fake.last.url.path == "/api/v2/token/refresh"
    assert token.refresh_token == "TTP_second_refresh"
    assert token.access_token_expires_at == datetime.fromtimestamp(1700604800, UTC)


def test_token_host_is_configurable(
    fake: FakeTikTok, http: httpx.Client, credentials: AppCredentials
) -> None:
    fake.reply(ok(samples.TOKEN))
    OAuthClient(http, credentials, token_base_url="http://127.0.0.1:9000/").exchange_code("c")
    assert str(fake.last.url).startswith("http://127.0.0.1:9000/api/v2/token/get?")


def test_granted_permissions_spelling_is_read_too() -> None:
    data = dict(samples.TOKEN)
    data["granted_permissions"] = data.pop("granted_scopes")
    assert Token.from_api(data).granted_scopes[0] == "seller.affiliate_collaboration.read"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (36004004, "Invalid auth code."),
        (36004005, "can not find related auth record"),
        (36004001, "rt has expired"),
    ],
)
def test_token_errors_need_reauthorization(
    fake: FakeTikTok, oauth: OAuthClient, code: int, message: str
) -> None:
    fake.reply(fail(code, message))
    with pytest.raises(NeedsReauthorizationError) as caught:
        oauth.refresh("TTP_old_refresh")
    error = caught.value
    assert error.code == code and error.kind is ErrorKind.NEEDS_REAUTHORIZATION
    assert error.path == "/api/v2/token/refresh" and not error.retryable
    assert len(fake.requests) == 1


def test_empty_code_or_refresh_token_needs_reauthorization(
    fake: FakeTikTok, oauth: OAuthClient
) -> None:
    with pytest.raises(NeedsReauthorizationError):
        oauth.exchange_code("")
    with pytest.raises(NeedsReauthorizationError):
        oauth.refresh("")
    assert fake.requests == []


def test_token_call_is_not_repeated_after_a_timeout(fake: FakeTikTok, oauth: OAuthClient) -> None:
    # The code is single-use: a second exchange after a lost answer would fail anyway.
    fake.reply(httpx.ReadTimeout("timed out"), ok(samples.TOKEN))
    with pytest.raises(TransportError):
        oauth.exchange_code("c")
    assert len(fake.requests) == 1


def test_token_call_is_repeated_after_a_rate_limit(
    fake: FakeTikTok, oauth: OAuthClient, sleeps: Sleeps
) -> None:
    fake.reply(fail(36009002, "Too many", status=429, headers={"Retry-After": "1"}))
    fake.reply(ok(samples.TOKEN))
    assert oauth.exchange_code("c").access_token
    assert sleeps == [1.0]


def test_token_call_gives_up_on_persistent_rate_limit(fake: FakeTikTok, oauth: OAuthClient) -> None:
    fake.default = fail(36009002, "Too many", status=429)
    with pytest.raises(RateLimitedError):
        oauth.exchange_code("c")
    assert len(fake.requests) == 4


def test_token_response_without_tokens_is_an_error(fake: FakeTikTok, oauth: OAuthClient) -> None:
    fake.reply(ok({"open_id": "1"}))
    with pytest.raises(ApiError, match="without tokens"):
        oauth.exchange_code("c")


def test_token_calls_never_log_secrets(
    fake: FakeTikTok,
    oauth: OAuthClient,
    refreshed_token: dict[str, object],
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake.reply(ok(samples.TOKEN), ok(refreshed_token), fail(36004001, "rt has expired"))
    with caplog.at_level(logging.DEBUG):
        token = oauth.exchange_code("ROW_secret_code")
        oauth.refresh(token.refresh_token)
        with pytest.raises(NeedsReauthorizationError):
            oauth.refresh("TTP_second_refresh")
    text = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (
        APP_SECRET,
        "ROW_secret_code",
        "TTP_pEYf0gAAAADxAccessSecret",
        "TTP_NTUxZRefreshSecret",
        "TTP_second_access",
        "TTP_second_refresh",
    ):
        assert secret not in text
    assert "/api/v2/token/get" in text and "app_secret=***" in text


def test_static_token() -> None:
    token = StaticToken("TTP_x")
    assert isinstance(token, TokenProvider)
    assert token.access_token() == "TTP_x"
    assert "TTP_x" not in repr(token)
    with pytest.raises(NeedsReauthorizationError):
        token.refresh("TTP_x")
    with pytest.raises(ValueError):
        StaticToken("")


def test_refreshing_provider_refreshes_once_and_reports_the_new_pair(
    fake: FakeTikTok, oauth: OAuthClient, refreshed_token: dict[str, object]
) -> None:
    saved: list[Token] = []
    provider = RefreshingTokenProvider(
        oauth, Token.from_api(samples.TOKEN), on_refresh=saved.append
    )
    assert isinstance(provider, TokenProvider)
    fake.reply(ok(refreshed_token))
    assert provider.refresh("TTP_pEYf0gAAAADxAccessSecret") == "TTP_second_access"
    # A caller still holding the old token gets the already refreshed one, no second call.
    assert provider.refresh("TTP_pEYf0gAAAADxAccessSecret") == "TTP_second_access"
    assert len(fake.requests) == 1
    assert query_of(fake.last)["refresh_token"] == "TTP_NTUxZRefreshSecret"
    assert [t.refresh_token for t in saved] == ["TTP_second_refresh"]
    assert provider.token.refresh_token == "TTP_second_refresh"
