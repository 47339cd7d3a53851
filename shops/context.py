"""The re-authorization banner admins see on every page (computed only if a page shows it)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from shops.models import Authorization
from shops.roles import is_admin

ATTENTION = [
    Authorization.Status.NEEDS_REAUTHORIZATION,
    Authorization.Status.REVOKED,
    Authorization.Status.EXPIRING,
]


def _alerts(request: HttpRequest) -> list[Authorization]:
    if not is_admin(request.user):
        return []
    return list(
        Authorization.objects.filter(status__in=ATTENTION).prefetch_related("shops")
    ) + list(Authorization.objects.exclude(missing_scope="").exclude(status__in=ATTENTION))


def authorization_alerts(request: HttpRequest) -> dict[str, Any]:
    return {"authorization_alerts": SimpleLazyObject(lambda: _alerts(request))}
