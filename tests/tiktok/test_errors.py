"""Classification of TikTok failures (contract §5): code first, then HTTP status, then message."""

from __future__ import annotations

import pickle

import httpx
import pytest

from tiktok.errors import (
    ApiError,
    ClockSkewError,
    ErrorKind,
    InvalidAccessTokenError,
    InvalidRequestError,
    MissingScopeError,
    NeedsReauthorizationError,
    RateLimitedError,
    RetryableError,
    ServiceUnavailableError,
    TikTokError,
    TokenExpiredError,
    TransportError,
    error_for,
    error_from_envelope,
    scope_from_message,
)
from tiktok.transport import parse_retry_after, redact_url, should_retry, transport_error


@pytest.mark.parametrize(
    ("code", "status", "message", "cls", "kind"),
    [
        (36009002, 429, "Too many requests", RateLimitedError, ErrorKind.RATE_LIMITED),
        (36009002, 200, "Too many requests", RateLimitedError, ErrorKind.RATE_LIMITED),
        (None, 429, "", RateLimitedError, ErrorKind.RATE_LIMITED),
        (
            12052109,
            200,
            "merchant request count over limit",
            RateLimitedError,
            ErrorKind.RATE_LIMITED,
        ),
        (36009003, 200, "Internal error", RetryableError, ErrorKind.RETRYABLE),
        (36009007, 200, "Request timeout", RetryableError, ErrorKind.RETRYABLE),
        (10002014, 200, "Failed to get orders, retry", RetryableError, ErrorKind.RETRYABLE),
        (None, 503, "", ServiceUnavailableError, ErrorKind.RETRYABLE),
        (None, 502, "", RetryableError, ErrorKind.RETRYABLE),
        (105002, 401, "Expired credentials", TokenExpiredError, ErrorKind.TOKEN_EXPIRED),
        (105005, 200, "Access denied", MissingScopeError, ErrorKind.MISSING_SCOPE),
        (
            36004004,
            200,
            "Invalid auth code.",
            NeedsReauthorizationError,
            ErrorKind.NEEDS_REAUTHORIZATION,
        ),
        (
            36004001,
            200,
            "rt has expired",
            NeedsReauthorizationError,
            ErrorKind.NEEDS_REAUTHORIZATION,
        ),
        (
            36004005,
            200,
            "can not find related auth record",
            NeedsReauthorizationError,
            ErrorKind.NEEDS_REAUTHORIZATION,
        ),
        (
            101000,
            200,
            "Invalid x-tts-access-token",
            NeedsReauthorizationError,
            ErrorKind.NEEDS_REAUTHORIZATION,
        ),
        (
            36009004,
            401,
            "Invalid credentials. The `x-tts-access-token` header is invalid.",
            InvalidAccessTokenError,
            ErrorKind.NEEDS_REAUTHORIZATION,
        ),
        (
            36009004,
            401,
            "Invalid credentials. The access_token header is invalid",
            InvalidAccessTokenError,
            ErrorKind.NEEDS_REAUTHORIZATION,
        ),
        (
            36009004,
            200,
            "Invalid timestamp. The timestamp must not be earlier than 5 minutes before now",
            ClockSkewError,
            ErrorKind.TERMINAL,
        ),
        (
            36009004,
            200,
            "Unexpected identifier. The `shop_cipher` query parameter is not required.",
            ApiError,
            ErrorKind.TERMINAL,
        ),
        (
            36009004,
            200,
            "Missing credentials. The signature is missing",
            ApiError,
            ErrorKind.TERMINAL,
        ),
        (
            36009004,
            400,
            "Invalid credentials. Invalid `app_key` query parameter",
            ApiError,
            ErrorKind.TERMINAL,
        ),
        (106001, 401, "Invalid sign", ApiError, ErrorKind.TERMINAL),
        (106013, 200, "Missing shop_cipher", ApiError, ErrorKind.TERMINAL),
        (36009009, 404, "Invalid path", ApiError, ErrorKind.TERMINAL),
        (36009014, 200, "The version name is invalid", ApiError, ErrorKind.TERMINAL),
        (12019045, 200, "price locked", ApiError, ErrorKind.TERMINAL),
        (21008111, 200, "not owned", ApiError, ErrorKind.TERMINAL),
        (99999999, 500, "unknown", RetryableError, ErrorKind.RETRYABLE),
    ],
)
def test_classification(
    code: int | None, status: int, message: str, cls: type[ApiError], kind: ErrorKind
) -> None:
    error = error_for(code=code, message=message, http_status=status, path="/x", request_id="r")
    assert type(error) is cls
    assert error.kind is kind
    assert error.retryable == (kind in (ErrorKind.RETRYABLE, ErrorKind.RATE_LIMITED))
    assert isinstance(error, TikTokError)
    assert (error.code, error.http_status, error.path, error.request_id) == (
        code,
        status,
        "/x",
        "r",
    )


def test_classified_code_wins_over_a_5xx_status() -> None:
    # An unclassified code on a 5xx is a server hiccup; a classified one keeps its meaning.
    assert type(error_for(code=105002, http_status=500)) is TokenExpiredError
    assert type(error_for(code=105005, http_status=503)) is MissingScopeError
    assert type(error_for(code=21008111, http_status=500)) is RetryableError


def test_envelope_reading_tolerates_string_codes() -> None:
    error = error_from_envelope(
        {"code": "105002", "message": "Expired", "request_id": "abc"}, http_status=401, path="/p"
    )
    assert isinstance(error, TokenExpiredError) and error.code == 105002
    assert error.request_id == "abc"


def test_error_text_has_code_status_path_and_request_id() -> None:
    error = error_for(
        code=12019045, message="price locked", http_status=200, path="/p", request_id="r1"
    )
    assert str(error) == "price locked code=12019045 http=200 path=/p request_id=r1"
    assert repr(error).startswith("ApiError(")


@pytest.mark.parametrize(
    ("message", "scope"),
    [
        ("Access denied. Missing scope: seller.finance.info", "seller.finance.info"),
        ("The app lacks the seller.order.info scope", "seller.order.info"),
        ("Access denied, required permission [Finance Information]", "Finance Information"),
        ("scope: Fulfillment Basic.", "Fulfillment Basic"),
        ("Access denied.", None),
        ("", None),
    ],
)
def test_missing_scope_reads_the_scope_from_the_message(message: str, scope: str | None) -> None:
    assert scope_from_message(message) == scope
    error = error_for(code=105005, message=message)
    assert isinstance(error, MissingScopeError) and error.scope == scope


def test_errors_raised_without_a_response() -> None:
    error = NeedsReauthorizationError("refresh failed")
    assert error.code is None and error.kind is ErrorKind.NEEDS_REAUTHORIZATION
    assert str(error) == "refresh failed"


def test_invalid_request_is_a_value_error() -> None:
    error = InvalidRequestError("page_size out of range")
    assert isinstance(error, ValueError) and isinstance(error, TikTokError)
    assert not error.retryable


@pytest.mark.parametrize(
    ("exc", "sent"),
    [
        (httpx.ConnectError("refused"), False),
        (httpx.ConnectTimeout("slow"), False),
        (httpx.PoolTimeout("busy"), False),
        (httpx.ReadTimeout("slow"), True),
        (httpx.WriteTimeout("slow"), True),
        (httpx.RemoteProtocolError("dropped"), True),
        (httpx.ReadError("reset"), True),
    ],
)
def test_transport_errors_know_whether_tiktok_saw_the_request(
    exc: httpx.HTTPError, sent: bool
) -> None:
    error = transport_error(exc, path="/p")
    assert isinstance(error, TransportError) and error.retryable
    assert error.request_sent is sent and error.before_processing is not sent
    assert should_retry(error, repeatable=False) is not sent
    assert should_retry(error, repeatable=True)


def test_only_pre_processing_refusals_repeat_unsafe_writes() -> None:
    assert should_retry(error_for(code=36009002, http_status=429), repeatable=False)
    assert should_retry(error_for(code=None, http_status=503), repeatable=False)
    assert not should_retry(error_for(code=36009003, http_status=200), repeatable=False)
    assert should_retry(error_for(code=36009003, http_status=200), repeatable=True)
    assert not should_retry(error_for(code=12019045), repeatable=True)


def test_retry_after_header_forms() -> None:
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after("1.5") == 1.5
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:05 GMT", now=1445412480.0) == 5.0


def test_redact_url_hides_secret_query_values() -> None:
    url = (
        "https://auth.tiktok-shops.com/api/v2/token/get?app_key=k&app_secret=s3&auth_code=c&sign=ab"
    )
    redacted = redact_url(url)
    assert "s3" not in redacted and "auth_code=***" in redacted and "app_key=k" in redacted
    assert redact_url("https://x.example/p") == "https://x.example/p"


@pytest.mark.parametrize(
    "error",
    [
        error_for(code=36009002, http_status=429, path="/p", retry_after=2.0, request_id="r"),
        error_for(code=105005, message="Missing scope: seller.order.info", path="/p"),
        transport_error(httpx.ReadTimeout("slow"), path="/p"),
        NeedsReauthorizationError("refresh failed", code=36004001),
    ],
)
def test_errors_survive_pickling_for_job_queues(error: TikTokError) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error) and vars(copy) == vars(error)
    assert (copy.kind, copy.retryable, copy.before_processing) == (
        error.kind,
        error.retryable,
        error.before_processing,
    )
