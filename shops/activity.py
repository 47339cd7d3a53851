"""The activity page: every write to TikTok, its progress and outcome, with Retry and Cancel.

Views live here rather than in shops/views.py so this page stays one file to review.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from shops import commands
from shops.access import get_owned_or_404, visible_shops
from shops.forms import PAGE_SIZE, ActivityFilterForm, CommandActionForm
from shops.htmx import with_toast
from shops.models import Command
from shops.roles import is_admin


def _decorate(rows: list[Command], user) -> list[Command]:
    """What each row shows beyond its fields: the kind's words, the target link, the actions."""
    admin = is_admin(user)
    for command in rows:
        try:
            kind = commands.kind_for(command.kind)
        except ValueError:
            command.kind_label, command.summary, command.target_url = command.kind, "", None
        else:
            command.kind_label = kind.label
            command.summary = kind.summary(command)
            command.target_url = kind.target_url(command)
        command.may_act = admin or (command.actor_id is not None and command.actor_id == user.pk)
    return rows


def _row_context(request: HttpRequest, command: Command) -> dict[str, Any]:
    return {"c": _decorate([command], request.user)[0]}


@require_GET
def activity(request: HttpRequest) -> HttpResponse:
    """Every command of the shops this person may see, newest first, filterable."""
    form = ActivityFilterForm(request.GET or None, user=request.user)
    paginator = Paginator(form.commands(), PAGE_SIZE)
    page = paginator.get_page(form.page_number)
    rows = _decorate(list(page.object_list), request.user)
    valid = form.cleaned_data if form.is_bound and form.is_valid() else {}
    query = urlencode(
        {k: getattr(v, "pk", v) for k, v in valid.items() if k != "page" and v not in (None, "")}
    )
    shops = list(visible_shops(request.user).select_related("authorization"))
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "query": query,
        "held": commands.held_shops(shops),
        "polling": any(not c.is_finished for c in rows),
    }
    template = (
        "shops/activity.html#table"
        if request.htmx and not request.htmx.history_restore_request
        else "shops/activity.html"
    )
    response = render(request, template, context)
    response["Vary"] = "HX-Request"
    return response


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
    form = CommandActionForm(request.POST, command=command, user=request.user, action=action)
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
        text, level = " ".join(form.non_field_errors()) or "That did not work.", "warning"
    if not request.htmx:
        (messages.success if ok else messages.warning)(request, text)
        return redirect("activity")
    command = (
        Command.objects.select_related("shop", "actor").prefetch_related("items").get(pk=command.pk)
    )
    response = render(request, "shops/activity.html#row", _row_context(request, command))
    return with_toast(response, text, level)
