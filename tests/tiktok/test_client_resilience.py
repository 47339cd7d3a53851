"""Retries, backoff, token refresh, rate limiting and logging of the client."""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.tiktok import samples
from tests.tiktok.fakes import (
    ACCESS_TOKEN,
    APP_KEY,
    APP_SECRET,
    SHOP_CIPHER,
    FakeTikTok,
    Sleeps,
    assert_signed,
    fail,
    ok,
    query_of,
)
from tiktok.client import TikTokClient
from tiktok.errors import (
    ApiError,
    ClockSkewError,
    ErrorKind,
    MissingScopeError,
    NeedsReauthorizationError,
    RateLimitedError,
    RetryableError,
    ServiceUnavailableError,
    TokenExpiredError,
    TransportError,
)
from tiktok.transport import RetryPolicy
from tiktok.types import PriceUpdate

PRODUCT_ID = "1729592969712203232"
PACKAGE_ID = "1152321127278713123"
ORDER_ID = "576461413038785752"
PRICE = [PriceUpdate("1729592969712207012", Decimal("19.99"), "USD")]


class RecordingProvider:
    """A token provider that hands out a new token on each refresh."""

    def __init__(self, fail_refresh: bool = False) -> None:
        self.token = "TTP_old"
        self.refreshes: list[str] = []
        self.fail_refresh = fail_refresh

    def access_token(self) -> str:
        return self.token

    def refresh(self, stale_token: str) -> str:
        self.refreshes.append(stale_token)
        if self.fail_refresh:
            raise NeedsReauthorizationError("refresh token expired", code=36004001)
        self.token = f"TTP_new{len(self.refreshes)}"
        return self.token


class RecordingLimiter:
    def __init__(self, fake: FakeTikTok) -> None:
        self.fake = fake
        self.keys: list[tuple[str, int]] = []

    def acquire(self, key: str) -> None:
        # Record how many requests had gone out when the limiter was asked.
        self.keys.append((key, len(self.fake.requests)))


# --- rate limits and backoff ---------------------------------------------------------------------


def test_429_then_success_honours_retry_after(
    fake: FakeTikTok, client: TikTokClient, sleeps: Sleeps
) -> None:
    fake.reply(
        fail(36009002, "Too many requests", status=429, headers={"Retry-After": "3"}),
        ok(samples.WAREHOUSES),
    )
    warehouses = client.get_warehouses()
    assert warehouses[0].id == "7068517275539719942"
    assert sleeps == [3.0]
    assert len(fake.requests) == 2
    # Each attempt is signed afresh.
    for request in fake.requests:
        assert_signed(request)


def test_rate_limit_code_without_429_status_is_retried(
    fake: FakeTikTok, client: TikTokClient, sleeps: Sleeps
) -> None:
    fake.reply(fail(36009002, "Too many requests"), ok(samples.WAREHOUSES))
    client.get_warehouses()
    assert len(sleeps) == 1 and len(fake.requests) == 2


def test_backoff_is_exponential_with_full_jitter_and_bounded(
    fake: FakeTikTok, make_client: Callable[..., TikTokClient], sleeps: Sleeps
) -> None:
    client = make_client(retry=RetryPolicy(max_retries=3, base_delay=1.0, max_delay=3.0))
    fake.default = fail(36009003, "Internal error, retry", status=500)
    with pytest.raises(RetryableError) as caught:
        client.get_warehouses()
    assert caught.value.kind is ErrorKind.RETRYABLE and caught.value.http_status == 500
    assert len(fake.requests) == 4  # 1 try + 3 retries
    # rand() is 0.5: half of 1, 2, then the 3-second cap.
    assert sleeps == [0.5, 1.0, 1.5]


def test_rate_limited_error_surfaces_after_retries(
    fake: FakeTikTok, make_client: Callable[..., TikTokClient], sleeps: Sleeps
) -> None:
    client = make_client(retry=RetryPolicy(max_retries=2, max_retry_after=5))
    fake.default = fail(36009002, "Too many requests", status=429, headers={"Retry-After": "600"})
    with pytest.raises(RateLimitedError) as caught:
        client.get_warehouses()
    assert caught.value.retry_after == 600 and caught.value.retryable
    assert sleeps == [5, 5]  # capped


def test_503_without_envelope_is_retried(
    fake: FakeTikTok, client: TikTokClient, sleeps: Sleeps
) -> None:
    fake.reply(httpx.Response(503, text="<html>Service Unavailable</html>"), ok({}))
    client.ship_package(PACKAGE_ID, handover_method="DROP_OFF")  # refused before processing
    assert len(fake.requests) == 2


# --- what may be sent twice ----------------------------------------------------------------------


def test_ship_is_not_retried_after_a_read_timeout(
    fake: FakeTikTok, client: TikTokClient, sleeps: Sleeps
) -> None:
    fake.reply(httpx.ReadTimeout("timed out"), ok({}))
    with pytest.raises(TransportError) as caught:
        client.ship_package(PACKAGE_ID, handover_method="PICKUP")
    assert caught.value.retryable and caught.value.request_sent
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)
    assert len(fake.requests) == 1 and sleeps == []


def test_mark_shipped_is_not_retried_after_a_dropped_connection(
    fake: FakeTikTok, client: TikTokClient
) -> None:
    fake.reply(httpx.RemoteProtocolError("Server disconnected"), ok(samples.MARK_SHIPPED))
    with pytest.raises(TransportError):
        client.mark_package_shipped(ORDER_ID, tracking_number="1Z", shipping_provider_id="66")
    assert len(fake.requests) == 1


def test_seller_cancel_is_not_retried_after_a_read_timeout(
    fake: FakeTikTok, client: TikTokClient, sleeps: Sleeps
) -> None:
    # Whether Cancel Order honours its idempotency_key is UNVERIFIED: read the order back instead.
    fake.reply(httpx.ReadTimeout("timed out"), ok({"cancel_id": "1"}))
    with pytest.raises(TransportError):
        client.cancel_order(ORDER_ID, cancel_reason="out_of_stock", idempotency_key="cancel-1")
    assert len(fake.requests) == 1 and sleeps == []


def test_a_refund_calculation_is_retried_after_a_read_timeout(
    fake: FakeTikTok, client: TikTokClient
) -> None:
    fake.reply(httpx.ReadTimeout("timed out"), ok(samples.REFUND_CALCULATION))
    amount = client.calculate_refund(ORDER_ID, request_type="CANCEL", reason_name="out_of_stock")
    assert amount.refund_total == Decimal("30.78") and len(fake.requests) == 2


def test_ship_is_not_retried_after_an_internal_error(
    fake: FakeTikTok, client: TikTokClient
) -> None:
    fake.reply(fail(36009003, "Internal error"), ok({}))
    with pytest.raises(RetryableError):
        client.ship_package(PACKAGE_ID)
    assert len(fake.requests) == 1


def test_ship_is_retried_after_a_connect_error(fake: FakeTikTok, client: TikTokClient) -> None:
    # A refused connection means TikTok never saw the request.
    fake.reply(httpx.ConnectError("refused"), ok({}))
    client.ship_package(PACKAGE_ID)
    assert len(fake.requests) == 2


def test_price_update_is_retried_after_a_read_timeout(
    fake: FakeTikTok, client: TikTokClient, sleeps: Sleeps
) -> None:
    fake.reply(httpx.ReadTimeout("timed out"), ok({}))
    client.update_prices(PRODUCT_ID, PRICE)
    assert len(fake.requests) == 2 and len(sleeps) == 1
    assert fake.requests[0].content == fake.requests[1].content  # same bytes, re-signed
    for request in fake.requests:
        assert_signed(request)


def test_keyed_decision_is_retried_with_the_same_key(
    fake: FakeTikTok, client: TikTokClient
) -> None:
    fake.reply(httpx.ReadTimeout("timed out"), ok({}))
    client.approve_cancellation("4035318504086524999", idempotency_key="cmd-9")
    keys = [query_of(r)["idempotency_key"] for r in fake.requests]
    assert keys == ["cmd-9", "cmd-9"]


def test_terminal_error_is_not_retried(fake: FakeTikTok, client: TikTokClient) -> None:
    fake.reply(fail(12019045, "price locked"))
    with pytest.raises(ApiError) as caught:
        client.update_prices(PRODUCT_ID, PRICE)
    assert caught.value.kind is ErrorKind.TERMINAL
    assert len(fake.requests) == 1


def test_timeout_is_explicit_on_every_request(
    fake: FakeTikTok, make_client: Callable[..., TikTokClient]
) -> None:
    seen: list[dict[str, Any]] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        return ok(samples.WAREHOUSES)

    fake.reply(record)
    make_client(timeout=httpx.Timeout(7.0, connect=2.0)).get_warehouses()
    assert seen == [{"connect": 2.0, "read": 7.0, "write": 7.0, "pool": 7.0}]


# --- tokens --------------------------------------------------------------------------------------


def test_expired_token_is_refreshed_once_and_the_call_succeeds(
    fake: FakeTikTok, make_client: Callable[..., TikTokClient], sleeps: Sleeps
) -> None:
    provider = RecordingProvider()
    client = make_client(token=provider)
    fake.reply(fail(105002, "Expired credentials", status=401), ok(samples.WAREHOUSES))
    client.get_warehouses()
    assert provider.refreshes == ["TTP_old"]
    assert [r.headers["x-tts-access-token"] for r in fake.requests] == ["TTP_old", "TTP_new1"]
    assert sleeps == []


def test_expired_token_refresh_applies_to_ship_too(
    fake: FakeTikTok, make_client: Callable[..., TikTokClient]
) -> None:
    # 105002 is answered before the package is touched, so re-sending is safe.
    provider = RecordingProvider()
    fake.reply(fail(105002, "Expired credentials"), ok({}))
    make_client(token=provider).ship_package(PACKAGE_ID)
    assert len(fake.requests) == 2


def test_second_expired_token_after_refresh_needs_reauthorization(
    fake: FakeTikTok, make_client: Callable[..., TikTokClient]
) -> None:
    provider = RecordingProvider()
    client = make_client(token=provider)
    fake.reply(fail(105002, "Expired credentials"), fail(105002, "Expired credentials"))
    with pytest.raises(NeedsReauthorizationError) as caught:
        client.get_warehouses()
    assert caught.value.kind is ErrorKind.NEEDS_REAUTHORIZATION
    assert isinstance(caught.value.__cause__, TokenExpiredError)
    assert provider.refreshes == ["TTP_old"]
    assert len(fake.requests) == 2


def test_failed_refresh_surfaces_needs_reauthorization(
    fake: FakeTikTok, make_client: Callable[..., TikTokClient]
) -> None:
    client = make_client(token=RecordingProvider(fail_refresh=True))
    fake.reply(fail(105002, "Expired credentials"))
    with pytest.raises(NeedsReauthorizationError) as caught:
        client.get_warehouses()
    assert caught.value.code == 36004001


def test_invalid_token_header_gets_one_refresh(
    fake: FakeTikTok, make_client: Callable[..., TikTokClient]
) -> None:
    provider = RecordingProvider()
    message = "Invalid credentials. The x-tts-access-token header is invalid."
    fake.reply(fail(36009004, message), ok(samples.WAREHOUSES))
    make_client(token=provider).get_warehouses()
    assert len(provider.refreshes) == 1


def test_static_token_cannot_refresh(fake: FakeTikTok, client: TikTokClient) -> None:
    fake.reply(fail(105002, "Expired credentials"))
    with pytest.raises(NeedsReauthorizationError):
        client.get_warehouses()


def test_missing_scope_names_the_scope(fake: FakeTikTok, client: TikTokClient) -> None:
    fake.reply(fail(105005, "Access denied. Missing scope: seller.finance.info"))
    with pytest.raises(MissingScopeError) as caught:
        client.get_statements()
    assert caught.value.scope == "seller.finance.info"
    assert caught.value.kind is ErrorKind.MISSING_SCOPE
    assert len(fake.requests) == 1


def test_clock_skew_is_not_retried(fake: FakeTikTok, client: TikTokClient) -> None:
    message = "Invalid timestamp. The timestamp must not exceed the current time by 30 seconds."
    fake.reply(fail(36009004, message, status=401))
    with pytest.raises(ClockSkewError):
        client.get_warehouses()
    assert len(fake.requests) == 1


def test_non_envelope_answer_is_an_api_error(fake: FakeTikTok, client: TikTokClient) -> None:
    fake.reply(httpx.Response(404, text="not found"))
    with pytest.raises(ApiError) as caught:
        client.get_warehouses()
    assert caught.value.http_status == 404 and caught.value.code is None


def test_service_unavailable_is_classified(fake: FakeTikTok, client: TikTokClient) -> None:
    fake.default = httpx.Response(503, text="busy")
    with pytest.raises(ServiceUnavailableError):
        client.get_warehouses()


# --- rate limiter --------------------------------------------------------------------------------


def test_rate_limiter_is_asked_before_every_request_with_the_path_template(
    fake: FakeTikTok, make_client: Callable[..., TikTokClient]
) -> None:
    limiter = RecordingLimiter(fake)
    client = make_client(rate_limiter=limiter)
    fake.reply(fail(36009002, "Too many", status=429), ok({}), ok(samples.AUTHORIZED_SHOPS))
    client.update_prices(PRODUCT_ID, PRICE)
    client.get_authorized_shops()
    template = "/product/202309/products/{product_id}/prices/update"
    assert limiter.keys == [
        (f"{APP_KEY}:{SHOP_CIPHER}:{template}", 0),
        (f"{APP_KEY}:{SHOP_CIPHER}:{template}", 1),
        (f"{APP_KEY}:-:/authorization/202309/shops", 2),
    ]


# --- logging -------------------------------------------------------------------------------------


def test_logs_say_what_happened_and_never_leak_secrets(
    fake: FakeTikTok,
    make_client: Callable[..., TikTokClient],
    caplog: pytest.LogCaptureFixture,
) -> None:
    provider = RecordingProvider()
    provider.token = ACCESS_TOKEN
    client = make_client(token=provider)
    fake.reply(
        fail(105002, "Expired credentials", status=401),
        fail(36009002, "Too many", status=429),
        httpx.ReadTimeout("timed out"),
        ok(samples.WAREHOUSES),
    )
    with caplog.at_level(logging.DEBUG):
        client.get_warehouses()
        fake.reply(ok({}))
        client.update_prices(PRODUCT_ID, PRICE)

    text = "\n".join(r.getMessage() for r in caplog.records) + repr(
        [getattr(r, "tiktok", None) for r in caplog.records]
    )
    signs = [query_of(r)["sign"] for r in fake.requests]
    for secret in (APP_SECRET, ACCESS_TOKEN, "TTP_new1", *signs):
        assert secret not in text
    tiktok_records = [r for r in caplog.records if r.name == "tiktok"]
    assert [r.tiktok["attempt"] for r in tiktok_records] == [1, 2, 3, 4, 1]
    last = tiktok_records[3].tiktok
    assert last["method"] == "GET" and last["path"] == "/logistics/202309/warehouses"
    assert last["status"] == 200 and last["code"] == 0
    assert last["request_id"] == "202203070749000101890810281E8C70B7"
    assert isinstance(last["duration_ms"], float)
    assert tiktok_records[0].levelno == logging.WARNING
    assert tiktok_records[0].tiktok["code"] == 105002
    # httpx logs every URL at INFO; its records are redacted too.
    assert "sign=***" in text and any(r.name == "httpx" for r in caplog.records)
