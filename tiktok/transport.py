"""What every call to TikTok shares: envelope reading, retry policy, logging without secrets."""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import orjson

from tiktok.errors import (
    ApiError,
    TikTokError,
    TransportError,
    error_for,
    error_from_envelope,
)

logger = logging.getLogger("tiktok")

# Query parameters whose values must never reach a log line.
SECRET_QUERY_KEYS = frozenset(
    {"sign", "app_secret", "access_token", "refresh_token", "auth_code", "code"}
)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries with exponential backoff and full jitter."""

    max_retries: int = 3
    base_delay: float = 0.5
    max_delay: float = 20.0
    # A Retry-After longer than this is capped; the job layer can wait longer if it must.
    max_retry_after: float = 60.0

    def delay(self, retry: int, error: TikTokError, rand: float) -> float:
        """Seconds to wait before retry number `retry` (1-based); honours Retry-After."""
        backoff = rand * min(self.max_delay, self.base_delay * 2.0 ** (retry - 1))
        retry_after: float | None = getattr(error, "retry_after", None)
        if retry_after is not None:
            return max(min(retry_after, self.max_retry_after), backoff)
        return backoff


NO_RETRIES = RetryPolicy(max_retries=0)


def should_retry(error: TikTokError, *, repeatable: bool) -> bool:
    """Retry only what may succeed, and a write only if repeating it is harmless or never ran."""
    if not error.retryable:
        return False
    return repeatable or error.before_processing


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header (delta seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def redact_url(url: httpx.URL | str) -> str:
    """The URL with secret query values replaced by `***`."""
    parts = urlsplit(str(url))
    if not parts.query:
        return str(url)
    query = [
        (k, "***" if k.lower() in SECRET_QUERY_KEYS else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(query=urlencode(query, safe="*")))


class _RedactSecretsFilter(logging.Filter):
    """httpx logs every request URL at INFO; ours carry `sign`, and token calls the app secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(
                redact_url(a) if isinstance(a, httpx.URL) else a for a in record.args
            )
        return True


def install_httpx_redaction() -> None:
    """Make the `httpx` logger redact secret query values (idempotent)."""
    httpx_logger = logging.getLogger("httpx")
    if not any(isinstance(f, _RedactSecretsFilter) for f in httpx_logger.filters):
        httpx_logger.addFilter(_RedactSecretsFilter())


install_httpx_redaction()


def transport_error(exc: httpx.HTTPError, *, path: str) -> TransportError:
    """A TransportError for a network failure; connect failures mean TikTok never saw it."""
    never_sent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
    # Only the exception type: messages can carry URLs and those carry signatures.
    return TransportError(
        f"network failure: {type(exc).__name__}", request_sent=not never_sent, path=path
    )


def read_envelope(response: httpx.Response, *, path: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return (envelope, data) of a successful response, else raise the classified error."""
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    try:
        # orjson: a page of 100 full orders is ~400 KB and parsing it is on the hot path.
        envelope = orjson.loads(response.content)
    except ValueError:
        envelope = None
    if not isinstance(envelope, Mapping) or "code" not in envelope:
        raise error_for(
            code=None,
            message=f"unexpected response (HTTP {response.status_code}, not a TikTok envelope)",
            http_status=response.status_code,
            path=path,
            retry_after=retry_after,
        )
    code = envelope.get("code")
    if code not in (0, "0"):
        raise error_from_envelope(
            envelope, http_status=response.status_code, path=path, retry_after=retry_after
        )
    data = envelope.get("data")
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ApiError(
            "response `data` is not an object",
            code=0,
            http_status=response.status_code,
            path=path,
            request_id=envelope.get("request_id"),
        )
    return dict(envelope), dict(data)


def log_exchange(
    *,
    method: str,
    path: str,
    attempt: int,
    started: float,
    response: httpx.Response | None = None,
    envelope: Mapping[str, Any] | None = None,
    error: TikTokError | None = None,
) -> None:
    """One line per attempt: method, path, status, code, request_id, duration, attempt."""
    duration_ms = (time.perf_counter() - started) * 1000
    status = response.status_code if response is not None else None
    code = envelope.get("code") if envelope else (error.code if error else None)
    request_id = (envelope or {}).get("request_id") or (error.request_id if error else None)
    fields = {
        "method": method,
        "path": path,
        "status": status,
        "code": code,
        "request_id": request_id,
        "duration_ms": round(duration_ms, 1),
        "attempt": attempt,
    }
    if error is None:
        logger.info(
            "%s %s -> %s code=%s request_id=%s %.0fms attempt=%d",
            method,
            path,
            status,
            code,
            request_id,
            duration_ms,
            attempt,
            extra={"tiktok": fields},
        )
    else:
        fields["error"] = type(error).__name__
        fields["kind"] = str(error.kind)
        logger.warning(
            "%s %s -> %s code=%s request_id=%s %.0fms attempt=%d failed: %s (%s)",
            method,
            path,
            status,
            code,
            request_id,
            duration_ms,
            attempt,
            type(error).__name__,
            error.message,
            extra={"tiktok": fields},
        )
