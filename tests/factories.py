"""Factories for the rows tests need."""

from __future__ import annotations

import itertools

from django.contrib.auth import get_user_model

from shops.roles import ADMINS, OPERATORS, group

PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)


def make_user(*, username: str | None = None, role: str = "operator", password: str = PASSWORD):
    """A user in the Admins or Operators group (role 'staff': Django staff without a role)."""
    username = username or f"user{next(_counter)}"
    user = get_user_model().objects.create_user(
        username=username, password=password, is_staff=role in ("admin", "staff")
    )
    if role in ("admin", "operator"):
        user.groups.add(group(ADMINS if role == "admin" else OPERATORS))
    return user
