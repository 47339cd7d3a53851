"""The display zone: each person's own (their profile), else the site's TIME_ZONE."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from shops.models import Profile

SESSION_KEY = "display_zone"


def zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(available_timezones())]


def zone_of(user_id: int) -> str:
    """The user's chosen zone name, or "" for the site's."""
    return Profile.objects.filter(user_id=user_id).values_list("time_zone", flat=True).first() or ""


def remember_zone(request: HttpRequest, name: str) -> None:
    """Keep the zone in the session, so a request reads no profile row."""
    request.session[SESSION_KEY] = name


class DisplayZoneMiddleware:
    """Activate the user's display zone for the request (times shown, dates read)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        name = ""
        if request.user.is_authenticated:
            remembered = request.session.get(SESSION_KEY)
            if remembered is None:
                remembered = zone_of(request.user.pk)
                remember_zone(request, remembered)
            name = str(remembered)
        try:
            if name:
                timezone.activate(ZoneInfo(name))
            else:
                timezone.deactivate()
        except (ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
