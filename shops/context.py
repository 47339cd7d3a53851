"""The re-authorization banner admins see on every page."""

from __future__ import annotations

from django.http import HttpRequest

from shops.models import Authorization
from shops.roles import is_admin

ATTENTION = [
    Authorization.Status.NEEDS_REAUTHORIZATION,
    Authorization.Status.REVOKED,
    Authorization.Status.EXPIRING,
]


def authorization_alerts(request: HttpRequest) -> dict:
    if not is_admin(request.user):
        return {}
    alerts = list(
        Authorization.objects.filter(status__in=ATTENTION).prefetch_related("shops")
    ) + list(Authorization.objects.exclude(missing_scope="").exclude(status__in=ATTENTION))
    return {"authorization_alerts": alerts}
