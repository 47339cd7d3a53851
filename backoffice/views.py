"""The home dashboard and the health check."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from backoffice.dashboard import attention
from finance.analytics import FIGURES, analytics
from shops.access import visible_shops
from shops.htmx import render_page
from shops.roles import is_admin
from shops.worker import seconds_since, worker_status


def dashboard(request: HttpRequest) -> HttpResponse:
    """What needs attention today across the user's shops, or how to start without one."""
    shops = list(visible_shops(request.user))
    context: dict = {"can_connect": is_admin(request.user)}
    if shops:
        context.update(attention(shops))
        report = analytics(shops, period="day")
        context.update(report=report, finance_chart=report.chart_data(), figures=FIGURES)
    return render_page(request, "dashboard.html", context)


def worker_badge(request: HttpRequest) -> HttpResponse:
    """The worker's state shown in the footer (polled by htmx): running, down or stalled."""
    try:
        status = worker_status()
    except DatabaseError:
        status = None
    return render(
        request,
        "partials/worker_badge.html",
        {"worker": status, "age": seconds_since(status.last_seen) if status else None},
    )


def _database_check() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("select 1")
    except DatabaseError as exc:
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True}


def _worker_check() -> dict:
    try:
        status = worker_status()
    except DatabaseError as exc:  # e.g. the cache table is missing: degraded, not a 500
        return {"ok": False, "problems": ["worker down"], "error": type(exc).__name__}
    return {
        "ok": status.healthy,
        "problems": status.problems,
        "clusters": status.clusters,
        "workers": status.workers,
        "last_seen_seconds_ago": seconds_since(status.last_seen),
        "last_job_seconds_ago": seconds_since(status.canary_done),
        "oldest_due_job_seconds_ago": seconds_since(status.oldest_due),
        "queued": status.queued,
    }


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers and the worker is taking jobs; 503 naming what is wrong."""
    database = _database_check()
    if database["ok"]:
        worker = _worker_check()
        problems = worker["problems"]
    else:
        worker = {"ok": False, "error": "database unavailable"}
        problems = ["database"]
    healthy = not problems
    return JsonResponse(
        {
            "status": "ok" if healthy else "degraded",
            "problems": problems,
            "database": database,
            "worker": worker,
        },
        status=200 if healthy else 503,
    )
