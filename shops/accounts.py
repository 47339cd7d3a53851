"""Creating the people who use the back office, and how long their sessions last."""

from __future__ import annotations

import secrets
import time
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.db import transaction

from shops.roles import ADMINS, OPERATORS, group


@transaction.atomic
def user_create(
    *, username: str, password: str | None = None, email: str = "", admin: bool = False
) -> tuple[AbstractUser, str]:
    """Create an operator (or an admin) and return it with its password (generated if not given).

    Admins are also Django staff so they can reach /admin/.
    """
    User = get_user_model()
    if User.objects.filter(username__iexact=username).exists():
        raise ValueError(f"a user named {username!r} already exists")
    password = password or secrets.token_urlsafe(12)
    user = User.objects.create_user(
        username=username, email=email, password=password, is_staff=admin
    )
    user.groups.add(group(ADMINS if admin else OPERATORS))
    return user, password


# When the session last moved its idle deadline (SESSION_COOKIE_AGE after the last request).
SESSION_TOUCH_KEY = "_last_touch"
SESSION_TOUCH_SECONDS = 60


def session_touch(session: Any) -> None:
    """Move the session's idle deadline: a modified session is saved with a fresh expiry."""
    session[SESSION_TOUCH_KEY] = int(time.time())


def session_touch_on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Logging in saves the session anyway; note the time then, at no extra cost."""
    if request is not None and hasattr(request, "session"):
        session_touch(request.session)
