"""Small helpers every app's htmx views share."""

from __future__ import annotations

from django.http import HttpResponse
from django_htmx.http import trigger_client_event

LEVELS = {"success", "info", "warning", "danger"}


def with_toast(response: HttpResponse, message: str, level: str = "success") -> HttpResponse:
    """Ask the page to show a toast once htmx has swapped the response in (via HX-Trigger)."""
    if level not in LEVELS:
        raise ValueError(f"unknown toast level {level!r}")
    return trigger_client_event(response, "toast", {"message": message, "level": level})
