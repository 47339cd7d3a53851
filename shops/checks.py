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
    app = [
        (1, "TIKTOK_APP_KEY", settings.TIKTOK_APP_KEY, DEMO_APP_KEYS, "key"),
        (3, "TIKTOK_APP_SECRET", settings.TIKTOK_APP_SECRET, DEMO_APP_SECRETS, "secret"),
    ]
    for code, name, value, published, what in app:
        if not value:
            errors.append(
                _error(code, f"{name} is not set.", f"Set your TikTok Shop app's {what} (.env).")
            )
        elif value in published and not demo:
            errors.append(
                _error(code + 1, f"{name} is the sandbox's demo {what}.", f"Set your own {what}.")
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
