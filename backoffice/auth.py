"""Login throttling with django-axes: who the client is behind a proxy, and the lockout answer."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class LoginView(auth_views.LoginView):
    """Django's login; django-axes counts its failures (see settings.AXES_*)."""

    redirect_authenticated_user = True


def _networks(values: list[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(value.strip(), strict=False) for value in values if value.strip()]


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or behind a trusted proxy the forwarded one.

    X-Forwarded-For is read right to left and the first hop that is not one of our proxies is
    the client; anything left of it was written by the client and proves nothing.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    trusted = _networks(settings.TRUSTED_PROXIES)
    remote_ip = _address(remote)
    if remote_ip is None or not any(remote_ip in network for network in trusted):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed(forwarded.split(",")):
        hop_ip = _address(hop)
        if hop_ip is None:
            break  # a malformed hop: trust nothing further left
        if not any(hop_ip in network for network in trusted):
            return str(hop_ip)
    return remote


def attempted_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str:
    """The username tried, folded so 'Olivia ' and 'olivia' share one counter."""
    source = credentials or request.POST
    username = str(source.get("username") or "")
    return username.replace("\x00", "").strip().lower()[:150]


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The login page again, saying when this username may try again from this address."""
    minutes = max(1, round(settings.LOGIN_LOCKOUT_SECONDS / 60))
    form = AuthenticationForm(request, data=request.POST or None)
    form.errors.clear()
    form.add_error(
        None,
        f"Too many failed attempts for this username. Try again in {minutes} minute"
        f"{'s' if minutes != 1 else ''}.",
    )
    return render(
        request,
        "registration/login.html",
        {"form": form, "next": request.POST.get("next", "")},
        status=429,
    )
