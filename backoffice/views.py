"""The home dashboard and the health check."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from shops.roles import is_admin
from shops.worker import seconds_since, worker_status


def dashboard(request: HttpRequest) -> HttpResponse:
    """What needs attention today, or how to start when no shop is connected."""
    return render(request, "dashboard.html", {"can_connect": is_admin(request.user)})


def worker_badge(request: HttpRequest) -> HttpResponse:
    """The worker heartbeat shown in the footer (polled by htmx)."""
    status = worker_status()
    return render(
        request,
        "partials/worker_badge.html",
        {"worker": status, "age": seconds_since(status.last_seen)},
    )


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers and a worker's heartbeat is fresh, 503 otherwise."""
    checks: dict[str, dict] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("select 1")
        checks["database"] = {"ok": True}
    except Exception as exc:
        checks["database"] = {"ok": False, "error": type(exc).__name__}
    if checks["database"]["ok"]:
        status = worker_status()
        checks["worker"] = {
            "ok": status.running,
            "clusters": status.clusters,
            "workers": status.workers,
            "last_seen_seconds_ago": seconds_since(status.last_seen),
            "queued": status.queued,
        }
    else:
        checks["worker"] = {"ok": False, "error": "database unavailable"}
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "degraded", **checks}, status=200 if healthy else 503
    )
