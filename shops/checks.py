"""Deploy checks (`manage.py check --deploy`): the secrets a real deployment cannot run without."""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import Error, Tags, register

# Published values: the sandbox's demo app (tiktok/sandbox/README.md) and the test settings.
DEMO_APP_KEYS = {"sandboxappkey", "testappkey"}
DEMO_APP_SECRETS = {"sandboxappsecret", "testappsecret"}
DEMO_SECRET_KEYS = {"test-only-secret-key-not-for-production-use-0123456789"}
DEMO_ENCRYPTION_KEYS = {"o2v0uJ0Z0rjzJ7sWkq5b2HmN8fYw1aCqL3tXyE6dPgA="}


def _error(code: int, message: str, hint: str) -> Error:
    return Error(message, hint=hint, id=f"shops.E{code:03d}")


@register(Tags.security, deploy=True)
def check_deploy_secrets(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Refuse a deployment whose TikTok app, SECRET_KEY or token keys are unset or the demo's."""
    errors: list[Error] = []
    demo = settings.DEMO
    if not settings.TIKTOK_APP_KEY:
        errors.append(
            _error(1, "TIKTOK_APP_KEY is not set.", "Set your TikTok Shop app's key (.env).")
        )
    elif settings.TIKTOK_APP_KEY in DEMO_APP_KEYS and not demo:
        errors.append(
            _error(2, "TIKTOK_APP_KEY is the sandbox's demo key.", "Set your own app's key.")
        )
    if not settings.TIKTOK_APP_SECRET:
        errors.append(
            _error(3, "TIKTOK_APP_SECRET is not set.", "Set your TikTok Shop app's secret (.env).")
        )
    elif settings.TIKTOK_APP_SECRET in DEMO_APP_SECRETS and not demo:
        errors.append(
            _error(4, "TIKTOK_APP_SECRET is the sandbox's demo secret.", "Set your own secret.")
        )
    if not settings.SECRET_KEY or (settings.SECRET_KEY in DEMO_SECRET_KEYS and not demo):
        errors.append(
            _error(5, "SECRET_KEY is unset or a published one.", "Set a long random SECRET_KEY.")
        )
    keys = [key for key in settings.TOKEN_ENCRYPTION_KEYS if key]
    if not keys:
        errors.append(
            _error(
                6,
                "TOKEN_ENCRYPTION_KEYS is not set.",
                "Generate one with `manage.py rotate_token_keys --new-key`.",
            )
        )
    elif any(key in DEMO_ENCRYPTION_KEYS for key in keys) and not demo:
        errors.append(
            _error(7, "TOKEN_ENCRYPTION_KEYS holds a published key.", "Generate your own key.")
        )
    else:
        for key in keys:
            try:
                Fernet(key.encode())
            except ValueError:
                errors.append(
                    _error(
                        8,
                        "TOKEN_ENCRYPTION_KEYS holds a value that is not a Fernet key.",
                        "Each key is 32 url-safe base64 bytes (rotate_token_keys --new-key).",
                    )
                )
                break
    return errors
