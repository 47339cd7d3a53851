"""Typed failures of the TikTok Shop Open API, classified the way callers must react (§5)."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from typing import Any


class ErrorKind(enum.StrEnum):
    """How a caller should react to a failure."""

    RETRYABLE = "retryable"
    RATE_LIMITED = "rate_limited"
    TOKEN_EXPIRED = "token_expired"
    NEEDS_REAUTHORIZATION = "needs_reauthorization"
    MISSING_SCOPE = "missing_scope"
    TERMINAL = "terminal"


# Codes whose meaning is "try again later" (§5.1, §5.2 "Failed to get orders, retry").
RETRYABLE_CODES = frozenset({36009003, 36009007, 10002014, 10002015, 10037002, 10037003, 10037004})
RATE_LIMIT_CODES = frozenset({36009002, 12052109})
TOKEN_EXPIRED_CODE = 105002
MISSING_SCOPE_CODE = 105005
# 105001/105003/105004 are "token-related" with UNVERIFIED meanings; none is fixed by retrying, and
# a fresh consent is the only remedy that covers all of them. 101000 is a token that does not
# cover the shop_cipher sent (the shop left the authorization).
REAUTHORIZATION_CODES = frozenset({101000, 105001, 105003, 105004})
# 36004xxx are token-host errors: 36004001 "rt has expired", 36004004 invalid auth code,
# 36004005 "can not find related auth record"; all of them need the seller's consent again.
TOKEN_HOST_PREFIX = "36004"
OVERLOADED_CODE = 36009004


class TikTokError(Exception):
    """Any failure talking to TikTok Shop; `kind` says how to react."""

    kind: ErrorKind = ErrorKind.TERMINAL
    # True when TikTok provably did not act on the request, so even a non-idempotent write
    # (ship a package) may be sent again.
    before_processing: bool = False
    # True when a token refresh followed by one more try may succeed.
    refreshable: bool = False

    def __init__(
        self,
        message: str = "",
        *,
        code: int | None = None,
        request_id: str | None = None,
        http_status: int | None = None,
        path: str | None = None,
    ) -> None:
        self.code = code
        self.message = message
        self.request_id = request_id
        self.http_status = http_status
        self.path = path
        super().__init__(message)

    @property
    def retryable(self) -> bool:
        """True when the same request may succeed later (network, 5xx, rate limit)."""
        return self.kind in (ErrorKind.RETRYABLE, ErrorKind.RATE_LIMITED)

    def __str__(self) -> str:
        parts = [self.message or type(self).__name__]
        if self.code is not None:
            parts.append(f"code={self.code}")
        if self.http_status is not None:
            parts.append(f"http={self.http_status}")
        if self.path:
            parts.append(f"path={self.path}")
        if self.request_id:
            parts.append(f"request_id={self.request_id}")
        return " ".join(parts)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self!s})"


class ApiError(TikTokError):
    """TikTok answered with a non-zero `code` (or an unusable response); terminal by default."""


class RetryableError(ApiError):
    """A server-side hiccup (36009003, 36009007, HTTP 5xx) worth repeating later."""

    kind = ErrorKind.RETRYABLE


class ServiceUnavailableError(RetryableError):
    """HTTP 503 overload protection: the gateway refused the request before acting on it."""

    before_processing = True


class RateLimitedError(RetryableError):
    """HTTP 429 / 36009002: too many requests; `retry_after` seconds when TikTok says."""

    kind = ErrorKind.RATE_LIMITED
    before_processing = True

    def __init__(self, message: str = "", *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class TokenExpiredError(ApiError):
    """105002: the access token expired; refresh it and try once more."""

    kind = ErrorKind.TOKEN_EXPIRED
    before_processing = True
    refreshable = True


class NeedsReauthorizationError(ApiError):
    """The seller must consent again (refresh token expired or revoked, invalid auth code)."""

    kind = ErrorKind.NEEDS_REAUTHORIZATION
    before_processing = True


class InvalidAccessTokenError(NeedsReauthorizationError):
    """36009004 "x-tts-access-token header is invalid": refresh once, else consent again.

    A token another process just rotated looks exactly like this, so one refresh is worth a try.
    """

    refreshable = True


class MissingScopeError(ApiError):
    """105005: the app or token lacks the scope the endpoint needs; `scope` when TikTok names it."""

    kind = ErrorKind.MISSING_SCOPE
    before_processing = True

    def __init__(self, message: str = "", *, scope: str | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.scope = scope


class ClockSkewError(ApiError):
    """36009004 about `timestamp`: the host clock is off; terminal until the clock is fixed.

    The client signs every attempt with a fresh timestamp, so repeating at once cannot help.
    """

    before_processing = True


class TransportError(TikTokError):
    """The network failed (connect error, timeout, dropped connection): no answer from TikTok."""

    kind = ErrorKind.RETRYABLE

    def __init__(self, message: str = "", *, request_sent: bool = True, **kw: Any) -> None:
        super().__init__(message, **kw)
        # A connect failure means TikTok never saw the request; a read timeout means it may have.
        self.request_sent = request_sent
        self.before_processing = not request_sent


class InvalidRequestError(TikTokError, ValueError):
    """The caller asked for something the API forbids (too many ids, page size out of range)."""


class PaginationError(ApiError):
    """A page walk cannot continue (TikTok returned the same cursor again)."""


_SCOPE_PATTERNS = (
    # Scope keys look like "seller.order.info" or "seller.affiliate_collaboration.read".
    re.compile(r"\b((?:seller|creator|partner)\.[a-z0-9_]+(?:\.[a-z0-9_]+)*)\b", re.IGNORECASE),
    # Or a quoted / bracketed name after the word "scope" or "permission".
    re.compile(r"(?:scope|permission)s?\W{0,3}[\[\"'`]([^\]\"'`]+)[\]\"'`]", re.IGNORECASE),
    re.compile(r"(?:scope|permission)s?\s*[:=]\s*([A-Za-z0-9_. ]+?)(?:[,.;)]|$)", re.IGNORECASE),
)


def scope_from_message(message: str) -> str | None:
    """The scope a 105005 message names, if any (the exact wording is undocumented)."""
    for pattern in _SCOPE_PATTERNS:
        match = pattern.search(message or "")
        if match:
            return match.group(1).strip()
    return None


def _classify_overloaded(message: str) -> type[ApiError]:
    """36009004 means many things; the message says which (§5.1)."""
    text = (message or "").lower()
    if "access_token" in text or "access-token" in text:
        return InvalidAccessTokenError
    if "timestamp" in text:
        return ClockSkewError
    # Missing/invalid signature, invalid app_key, unexpected shop_cipher, bad version/shop_id,
    # field validation: all are bugs or misconfiguration that repeating cannot fix.
    return ApiError


def error_for(
    *,
    code: int | None,
    message: str = "",
    request_id: str | None = None,
    http_status: int | None = None,
    path: str | None = None,
    retry_after: float | None = None,
) -> ApiError:
    """The typed exception for a failed API or token response, classified by code then status."""
    kw: dict[str, Any] = {
        "code": code,
        "request_id": request_id,
        "http_status": http_status,
        "path": path,
    }
    if http_status == 429 or code in RATE_LIMIT_CODES:
        return RateLimitedError(message, retry_after=retry_after, **kw)
    if code == TOKEN_EXPIRED_CODE:
        return TokenExpiredError(message, **kw)
    if code == MISSING_SCOPE_CODE:
        return MissingScopeError(message, scope=scope_from_message(message), **kw)
    if code in REAUTHORIZATION_CODES or (
        code is not None and str(code).startswith(TOKEN_HOST_PREFIX)
    ):
        return NeedsReauthorizationError(message, **kw)
    if code == OVERLOADED_CODE:
        return _classify_overloaded(message)(message, **kw)
    if code in RETRYABLE_CODES:
        return RetryableError(message, **kw)
    if http_status == 503:
        return ServiceUnavailableError(message, **kw)
    if http_status is not None and http_status >= 500:
        return RetryableError(message, **kw)
    return ApiError(message, **kw)


def error_from_envelope(
    envelope: Mapping[str, Any],
    *,
    http_status: int | None,
    path: str | None,
    retry_after: float | None = None,
) -> ApiError:
    """The typed exception for a `{code, message, request_id}` envelope whose code is not 0."""
    raw_code = envelope.get("code")
    try:
        code: int | None = int(raw_code) if raw_code is not None else None
    except (TypeError, ValueError):
        code = None
    return error_for(
        code=code,
        message=str(envelope.get("message") or ""),
        request_id=str(envelope["request_id"]) if envelope.get("request_id") else None,
        http_status=http_status,
        path=path,
        retry_after=retry_after,
    )


__all__ = [
    "ApiError",
    "ClockSkewError",
    "ErrorKind",
    "InvalidAccessTokenError",
    "InvalidRequestError",
    "MissingScopeError",
    "NeedsReauthorizationError",
    "PaginationError",
    "RateLimitedError",
    "RetryableError",
    "ServiceUnavailableError",
    "TikTokError",
    "TokenExpiredError",
    "TransportError",
    "error_for",
    "error_from_envelope",
    "scope_from_message",
]
