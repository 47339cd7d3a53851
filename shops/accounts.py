"""Creating the people who use the back office."""

from __future__ import annotations

import secrets

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
