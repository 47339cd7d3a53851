"""The API tokens page, and the /mcp endpoint that hands MCP requests to the SDK."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from api import mcp_server
from api.auth import bearer_key, token_caller
from api.forms import TokenForm
from api.models import ApiToken
from api.services import token_create, token_revoke
from shops.access import AuthenticatedHttpRequest
from shops.htmx import render_page

# Headers of the SDK's answer that describe the body we pass on as it is.
PASSED_HEADERS = {"content-type", "mcp-session-id", "mcp-protocol-version", "allow"}


@require_http_methods(["GET", "POST"])
def tokens(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The person's API tokens: make one (its key shown once, here), see them, revoke them."""
    form = TokenForm(request.POST or None)
    new_key = ""
    status = 200
    if request.method == "POST" and form.is_valid():
        _, new_key = token_create(user=request.user, name=form.cleaned_data["name"])
        form = TokenForm()
        status = 201
    context = {
        "form": form,
        "new_key": new_key,
        "tokens": ApiToken.objects.of(request.user),
        "api_base": request.build_absolute_uri("/api/v1/"),
        "mcp_url": request.build_absolute_uri("/mcp"),
        "rate_limit": settings.API_RATE_LIMIT,
        "rate_window": settings.API_RATE_WINDOW_SECONDS,
    }
    # The key is in this answer only: never cache it, never store it.
    response = render_page(request, "api/tokens.html", context, partial="tokens", status=status)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def token_revoke_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Revoke one of the person's tokens; anyone else's token is a 404."""
    try:
        token = token_revoke(user=request.user, token_id=pk)
    except ApiToken.DoesNotExist as exc:
        raise Http404 from exc
    messages.success(request, f"Revoked “{token.name}”: it no longer opens anything.")
    return redirect("api-tokens")


def _unauthorized() -> JsonResponse:
    response = JsonResponse(
        {"detail": "A valid API token is needed (Authorization: Bearer …)."}, status=401
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@csrf_exempt
@login_not_required
@require_POST
def mcp(request: HttpRequest) -> HttpResponse:
    """MCP over streamable HTTP (stateless, JSON answers), for a personal API token.

    POST only: the stream a GET would open (server-initiated messages) is not offered, which
    the transport allows (405), and it would hold a web thread for as long as it stayed open.
    """
    caller = token_caller(bearer_key(request.headers.get("Authorization", "")))
    if caller is None:
        return _unauthorized()
    response: HttpResponse
    if caller.retry_after is not None:
        response = JsonResponse(
            {"detail": f"Too many requests for this token; retry in {caller.retry_after} s."},
            status=429,
        )
        response["Retry-After"] = str(caller.retry_after)
        return response
    try:
        body = request.body
    except RequestDataTooBig:
        return JsonResponse({"detail": "The request is too large."}, status=413)
    status, headers, content = mcp_server.serve(request.META, body, caller.user.pk)
    response = HttpResponse(content, status=status)
    for name, value in headers:
        if name.lower() in PASSED_HEADERS:
            response[name] = value
    return response
