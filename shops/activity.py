"""The activity page: every write to TikTok, its progress and outcome, with Retry and Cancel.

Views live here rather than in shops/views.py so this page stays one file to review.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from shops import commands
from shops.access import for_visible_shops, get_owned_or_404, visible_shops
from shops.filters import CommandFilterSet
from shops.forms import CommandActionForm
from shops.htmx import render_page, wants_partial, with_toast
from shops.listing import paginate, query_without
from shops.models import Command
from shops.roles import is_admin

PER_PAGE = 50


def _decorate(rows: list[Command], user: Any) -> list[dict[str, Any]]:
    """What each row shows beyond its fields: the kind's words, the target link, the actions."""
    admin = is_admin(user)
    decorated = []
    for command in rows:
        try:
            kind = commands.kind_for(command.kind)
        except ValueError:
            label, summary, url = command.kind, "", None
        else:
            label, summary, url = kind.label, kind.summary(command), kind.target_url(command)
        decorated.append(
            {
                "command": command,
                "kind_label": label,
                "summary": summary,
                "target_url": url,
                "may_act": admin or (command.actor_id is not None and command.actor_id == user.pk),
            }
        )
    return decorated


def _row_context(request: HttpRequest, command: Command) -> dict[str, Any]:
    return {"row": _decorate([command], request.user)[0]}


@require_GET
def activity(request: HttpRequest) -> HttpResponse:
    """Every command of the shops this person may see, newest first, filterable."""
    queryset = for_visible_shops(Command.objects.all(), request.user)
    filterset = CommandFilterSet(request.GET, queryset=queryset, user=request.user, request=request)
    listing = paginate(
        filterset.qs.select_related("shop", "actor").prefetch_related("items"),
        filterset.page,
        per_page=PER_PAGE,
    )
    rows = _decorate(listing.rows, request.user)
    shops = list(visible_shops(request.user).select_related("authorization"))
    context = {
        "filter": filterset,
        "listing": listing,
        "rows": rows,
        "action": reverse("activity"),
        "query": query_without(request, "page"),
        "held": commands.held_shops(shops),
        "polling": any(not row["command"].is_finished for row in rows),
    }
    return render_page(request, "shops/activity.html", context, partial="table")


@require_GET
def activity_row(request: HttpRequest, command_id: int) -> HttpResponse:
    """One command's row (polled while it runs); another shop's command is a 404."""
    command = get_owned_or_404(
        Command.objects.select_related("shop", "actor").prefetch_related("items"),
        request.user,
        pk=command_id,
    )
    return render(request, "shops/activity.html#row", _row_context(request, command))


@require_POST
def activity_action(request: HttpRequest, command_id: int, action: str) -> HttpResponse:
    """Retry a failed command or cancel a queued one; htmx gets the row, others a redirect."""
    command = get_owned_or_404(
        Command.objects.select_related("shop", "actor"), request.user, pk=command_id
    )
    user = request.user
    assert isinstance(user, User)  # LoginRequiredMiddleware: only people reach this view
    form = CommandActionForm(request.POST, command=command, user=user, action=action)
    if form.is_valid():
        try:
            command = form.save()
        except commands.CommandActionError:
            ok = False
        else:
            ok = True
    else:
        ok = False
    if ok:
        verb = "will be sent again" if action == "retry" else "was cancelled"
        text, level = f"{command.target_label or command.target}: the change {verb}.", "success"
    else:
        text = " ".join(str(e) for e in form.non_field_errors()) or "That did not work."
        level = "warning"
    if not wants_partial(request):
        (messages.success if ok else messages.warning)(request, text)
        return redirect("activity")
    command = (
        Command.objects.select_related("shop", "actor").prefetch_related("items").get(pk=command.pk)
    )
    response = render(request, "shops/activity.html#row", _row_context(request, command))
    return with_toast(response, text, level)
