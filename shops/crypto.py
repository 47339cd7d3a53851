"""Tokens at rest: Fernet with rotatable keys (TOKEN_ENCRYPTION_KEYS, newest first)."""

from __future__ import annotations

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("TOKEN_ENCRYPTION_KEYS is empty: run `make run` once, or set it")
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "TOKEN_ENCRYPTION_KEYS must be url-safe base64 Fernet keys (32 bytes each)"
        ) from exc


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.TOKEN_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    """Ciphertext for a secret (empty stays empty)."""
    return fernet().encrypt(value.encode()).decode() if value else ""


def decrypt(value: str) -> str:
    """The secret behind ciphertext made with any of the configured keys."""
    if not value:
        return ""
    try:
        return fernet().decrypt(value.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "a stored token cannot be decrypted with TOKEN_ENCRYPTION_KEYS (was a key removed?)"
        ) from exc


def rotate(value: str) -> str:
    """The same secret re-encrypted with the newest key."""
    return fernet().rotate(value.encode()).decode() if value else ""


def new_key() -> str:
    return Fernet.generate_key().decode()
