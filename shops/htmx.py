"""Small helpers every app's htmx views share: one way to render a page or its partial."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django_htmx.http import trigger_client_event

LEVELS = {"success", "info", "warning", "danger"}


def wants_partial(request: HttpRequest) -> bool:
    """An htmx swap, not a history restore (which needs the whole page to put back)."""
    htmx = getattr(request, "htmx", None)
    if not htmx:
        return False
    return not htmx.history_restore_request


def render_page(
    request: HttpRequest,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    partial: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """The page, or only its named partial for an htmx swap; both vary on HX-Request.

    Without the Vary header a browser's cache may answer Back with the fragment it fetched for
    the same URL; with it, the full page and the fragment are cached apart.
    """
    name = f"{template}#{partial}" if partial and wants_partial(request) else template
    response = render(request, name, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


def with_toast(response: HttpResponse, message: str, level: str = "success") -> HttpResponse:
    """Ask the page to show a toast once htmx has swapped the response in (via HX-Trigger)."""
    if level not in LEVELS:
        raise ValueError(f"unknown toast level {level!r}")
    return trigger_client_event(response, "toast", {"message": message, "level": level})
