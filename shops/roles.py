"""The two roles people have in the back office, as Django groups."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, Group, User

ADMINS = "Admins"
OPERATORS = "Operators"


def is_admin(user: User | AnonymousUser) -> bool:
    """Admins connect and disconnect shops and manage members; superusers count as admins."""
    if not user.is_authenticated:
        return False
    # Asked by the view, the layout and the access helpers: one query per request's user.
    cached: bool | None = getattr(user, "_is_admin", None)
    if cached is None:
        cached = user.is_superuser or user.groups.filter(name=ADMINS).exists()
        setattr(user, "_is_admin", cached)  # noqa: B010 - not a declared field
    return cached


def role_name(user: User) -> str:
    """What to call the user's role in the interface."""
    if is_admin(user):
        return "Admin"
    return "Operator" if user.groups.filter(name=OPERATORS).exists() else "Staff"


def group(name: str) -> Group:
    """The role's group (a data migration creates both; recreated if someone deleted it)."""
    return Group.objects.get_or_create(name=name)[0]
