"""What a person does with their API tokens: make one (seen once) and revoke one."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import User
from django.utils import timezone

from api.models import ApiToken

KEY_PREFIX = "tbo_"
PREFIX_LENGTH = 8


def key_hash(key: str) -> str:
    """SHA-256 of the key: enough for 256 random bits, and a lookup by an indexed column."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for the person; the key is returned once and never stored."""
    while True:
        prefix = secrets.token_hex(PREFIX_LENGTH // 2)
        if not ApiToken.objects.filter(prefix=prefix).exists():
            break
    key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(user=user, name=name, prefix=prefix, key_hash=key_hash(key))
    return token, key


def token_revoke(*, user: User, token_id: int) -> ApiToken:
    """Revoke one of the person's own tokens (ApiToken.DoesNotExist for anyone else's)."""
    token = ApiToken.objects.of(user).get(pk=token_id)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
