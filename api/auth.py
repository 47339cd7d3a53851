"""Who is calling with a token, and whether that token is over its rate limit."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection

from api.models import ApiToken
from api.services import KEY_PREFIX, key_hash

KEY_MAX_LENGTH = 200

# One statement per request: find the live token of an active person, count the request in
# the token's window (a new window when the last one ended) and note when it was last used.
# Every process counts on the same row, so the limit holds across gunicorn workers. (Only the
# table names are formatted in, from the models; every value is a parameter.)
_USE_TOKEN = f"""
UPDATE {ApiToken._meta.db_table} AS t SET
    window_start = CASE WHEN t.window_start IS NULL
        OR t.window_start <= statement_timestamp() - make_interval(secs => %(window)s)
        THEN statement_timestamp() ELSE t.window_start END,
    window_count = CASE WHEN t.window_start IS NULL
        OR t.window_start <= statement_timestamp() - make_interval(secs => %(window)s)
        THEN 1 ELSE t.window_count + 1 END,
    last_used_at = statement_timestamp()
FROM {User._meta.db_table} AS u
WHERE t.key_hash = %(hash)s AND t.revoked_at IS NULL AND u.id = t.user_id AND u.is_active
RETURNING t.id, t.user_id, t.window_count,
    EXTRACT(EPOCH FROM t.window_start + make_interval(secs => %(window)s) - statement_timestamp())
"""  # noqa: S608


@dataclass(frozen=True)
class Caller:
    """A request's token and person; `retry_after` is set when the token is over its limit."""

    token_id: int
    user: User
    retry_after: int | None


def token_caller(key: str) -> Caller | None:
    """The caller a key stands for, or None for a missing, unknown or revoked key."""
    if not key.startswith(KEY_PREFIX) or len(key) > KEY_MAX_LENGTH or not key.isascii():
        return None
    window = settings.API_RATE_WINDOW_SECONDS
    with connection.cursor() as cursor:
        cursor.execute(_USE_TOKEN, {"hash": key_hash(key), "window": window})
        row = cursor.fetchone()
    if row is None:
        return None
    token_id, user_id, count, left = row
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return None
    limit = settings.API_RATE_LIMIT
    retry_after = max(1, math.ceil(float(left))) if limit and count > limit else None
    return Caller(token_id=token_id, user=user, retry_after=retry_after)


def bearer_key(authorization: str) -> str:
    """The key of an `Authorization: Bearer <key>` header ('' when there is none)."""
    scheme, _, key = authorization.partition(" ")
    return key.strip() if scheme.lower() == "bearer" else ""
