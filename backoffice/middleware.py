"""Response headers the framework does not set by itself."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from shops.accounts import SESSION_TOUCH_KEY, SESSION_TOUCH_SECONDS, session_touch


def content_security_policy() -> str:
    """The policy from settings, with TikTok's consent host allowed as a form target.

    Connect a shop is a POST whose redirect leads to the consent page, and browsers apply
    form-action to that redirect too.
    """
    policy = settings.CONTENT_SECURITY_POLICY
    consent_origin = "/".join(settings.TIKTOK_CONSENT_BASE.split("/")[:3])
    if "form-action" in policy and consent_origin not in policy:
        policy = policy.replace("form-action", f"form-action {consent_origin}", 1)
    return policy


class ContentSecurityPolicyMiddleware:
    """Send the Content-Security-Policy (scripts only from our own static files)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.CONTENT_SECURITY_POLICY and not request.path.startswith("/admin/"):
            response.headers.setdefault("Content-Security-Policy", content_security_policy())
        return response


class IdleSessionMiddleware:
    """Keep an active session alive; one left idle for SESSION_COOKIE_AGE ends."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        # The deadline moves at most once a minute, so most requests write no session.
        if (
            session is not None
            and session.session_key
            and time.time() - session.get(SESSION_TOUCH_KEY, 0) > SESSION_TOUCH_SECONDS
        ):
            session_touch(session)
        return self.get_response(request)
