"""Request and webhook signatures of the TikTok Shop Open API (contract §4.3 and §13.4)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

# Never part of the request signature, wherever they appear in the query.
EXCLUDED_QUERY_KEYS = frozenset({"sign", "access_token"})


def _as_bytes(value: str | bytes | None) -> bytes:
    if value is None:
        return b""
    return value if isinstance(value, bytes) else value.encode()


def is_multipart(content_type: str | None) -> bool:
    """True when the media type (parameters ignored) is multipart/form-data."""
    if not content_type:
        return False
    return content_type.split(";", 1)[0].strip().lower() == "multipart/form-data"


def request_signature(
    app_secret: str,
    path: str,
    query: Mapping[str, str],
    body: str | bytes | None = None,
    *,
    multipart: bool = False,
) -> str:
    """Lowercase hex HMAC-SHA256 of secret + path + sorted key/values + raw body + secret.

    `query` holds the decoded values the server sees; `body` is the exact string sent (None
    for no body). Multipart bodies are never signed.
    """
    pairs = "".join(f"{k}{query[k]}" for k in sorted(query) if k not in EXCLUDED_QUERY_KEYS)
    secret = app_secret.encode()
    message = secret + path.encode() + pairs.encode()
    if not multipart:
        message += _as_bytes(body)
    message += secret
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def verify_request(
    app_secret: str,
    path: str,
    query: Mapping[str, str],
    body: str | bytes | None,
    signature: str,
    *,
    multipart: bool = False,
) -> bool:
    """Constant-time check of a request's `sign` (case-sensitive: TikTok signs lowercase)."""
    expected = request_signature(app_secret, path, query, body, multipart=multipart)
    return hmac.compare_digest(expected, signature or "")


def webhook_signature(app_key: str, app_secret: str, raw_body: str | bytes) -> str:
    """The `Authorization` header TikTok sends: hex HMAC-SHA256(app_secret, app_key + raw body)."""
    message = app_key.encode() + _as_bytes(raw_body)
    return hmac.new(app_secret.encode(), message, hashlib.sha256).hexdigest()


def verify_webhook(app_key: str, app_secret: str, raw_body: str | bytes, signature: str) -> bool:
    """Constant-time check of a webhook's `Authorization` header against its raw body."""
    expected = webhook_signature(app_key, app_secret, raw_body)
    return hmac.compare_digest(expected, (signature or "").strip())
