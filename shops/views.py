"""Shops page, the OAuth connect flow, members, and TikTok's webhook endpoint."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from shops import services, sync
from shops.access import (
    AuthenticatedHttpRequest,
    admin_required,
    get_shop_or_404,
    visible_shops,
)
from shops.forms import MemberForm, ProfileForm, member_candidates
from shops.htmx import render_page, wants_partial, with_toast
from shops.models import AuditEntry, Profile, Shop, SyncRun
from shops.roles import is_admin
from shops.templatetags.mirror import label
from shops.webhooks import WebhookRejected, webhook_receive
from shops.worker import worker_status
from shops.zones import remember_zone, zone_of


def shops_page(request: HttpRequest) -> HttpResponse:
    """A card per shop the user may see, with its connection state and members."""
    shops = list(
        visible_shops(request.user)
        .select_related("authorization")
        .prefetch_related(
            Prefetch("members", queryset=get_user_model().objects.order_by("username"))
        )
    )
    admin = is_admin(request.user)
    audit = AuditEntry.objects.select_related("actor", "shop")[:15] if admin else []
    _attach_sync(shops)
    return render(
        request,
        "shops/shops.html",
        {
            "shops": shops,
            "can_connect": admin,
            "audit": audit,
            "webhooks_on": bool(settings.TIKTOK_WEBHOOK_URL),
            "worker_problem": _worker_problem(),
        },
    )


def _worker_problem() -> str:
    """What is wrong with the background worker, in plain words ('' when it takes jobs)."""
    try:
        return worker_status().problem_text
    except DatabaseError:
        return "Cannot tell whether the worker runs: the database is not answering"


def _attach_sync(shops: list[Shop]) -> None:
    """Give each shop card its resources' sync state and latest run."""
    overview = sync.sync_overview(shops)
    for shop in shops:
        # Shown by the card's template only; not fields of the model.
        setattr(shop, "sync_rows", overview[shop.pk])  # noqa: B010
        setattr(shop, "sync_active", sync.any_active({shop.pk: overview[shop.pk]}))  # noqa: B010


@require_GET
def shop_sync(request: HttpRequest, shop_id: int) -> HttpResponse:
    """The mirror's state for one shop (htmx partial, polled while a run is active)."""
    shop = get_shop_or_404(request.user, pk=shop_id)
    if not wants_partial(request):
        return redirect("shops")
    _attach_sync([shop])
    return render_page(
        request,
        "shops/shops.html",
        {"shop": shop, "worker_problem": _worker_problem()},
        partial="sync",
    )


@require_GET
def shop_sync_history(request: HttpRequest, shop_id: int) -> HttpResponse:
    """The shop's latest sync runs with their counts, requests, duration and errors."""
    shop = get_shop_or_404(request.user, pk=shop_id)
    runs = SyncRun.objects.filter(shop=shop).order_by("-created_at")[:20]
    return render_page(
        request, "shops/sync_history.html", {"shop": shop, "runs": runs}, partial="sync-history"
    )


@require_POST
def shop_sync_retry(request: HttpRequest, shop_id: int, resource: str) -> HttpResponse:
    """Run a resource's mirror again; a stopped run resumes from its saved cursor."""
    shop = get_shop_or_404(request.user, pk=shop_id)
    if resource not in sync.resources():
        raise Http404("unknown resource")
    if not shop.is_connected:
        message, level = f"{shop.name} is not connected: reconnect it first.", "warning"
    else:
        sync.sync_retry(shop_id=shop.pk, resource=resource)
        message, level = f"{label(resource)} of {shop.name} will sync again.", "info"
    if not wants_partial(request):
        getattr(messages, level)(request, message)
        return redirect("shops")
    _attach_sync([shop])
    response = render_page(
        request,
        "shops/shops.html",
        {"shop": shop, "worker_problem": _worker_problem()},
        partial="sync",
    )
    return with_toast(response, message, level)


@require_POST
@admin_required
def connect_start(request: HttpRequest) -> HttpResponse:
    """Send the admin to TikTok's consent page with a fresh single-use state."""
    try:
        return redirect(services.connect_start(request=request))
    except services.ConnectError as error:
        messages.error(request, str(error))
        return redirect("shops")


@require_GET
@admin_required
def connect_callback(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Where TikTok sends the admin back: check state, exchange the code, store the shops."""
    state = request.GET.get("state")
    try:
        services.connect_check_state(request=request, state=state)
        if (
            request.GET.get("error")
            or not request.GET.get("code")
            or request.GET.get("code") == "null"
        ):
            raise services.ConnectError(
                "The seller declined the authorization on TikTok, so nothing was connected."
            )
        result = services.connect_complete(code=request.GET["code"], user=request.user)
    except services.ConnectError as error:
        messages.error(request, str(error))
        return redirect("shops")
    names = ", ".join(shop.name for shop in result.shops)
    verb = "Reconnected" if result.reconnected else "Connected"
    messages.success(request, f"{verb} {result.authorization}: {names}.")
    return redirect("shops")


@require_POST
@admin_required
def shop_disconnect(request: AuthenticatedHttpRequest, shop_id: int) -> HttpResponse:
    shop = get_shop_or_404(request.user, pk=shop_id)
    services.shop_disconnect(shop=shop, user=request.user)
    messages.success(request, f"Disconnected {shop.name}. Its data stays, read-only.")
    return redirect("shops")


@admin_required
def shop_members(request: AuthenticatedHttpRequest, shop_id: int) -> HttpResponse:
    """Add or remove members of one shop (a partial of the shop card, or a page without JS)."""
    shop = get_shop_or_404(request.user, pk=shop_id)
    form = MemberForm(request.POST if request.method == "POST" else None, shop=shop)
    toast = None
    if request.method == "POST":
        if form.is_valid():
            member, add = form.cleaned_data["user"], form.cleaned_data["action"] == "add"
            changed = services.shop_member_set(
                shop=shop, member=member, is_member=add, actor=request.user
            )
            verb = "added to" if add else "removed from"
            toast = (
                (f"{member.get_username()} {verb} {shop.name}.", "success")
                if changed
                else (f"No change for {member.get_username()}.", "info")
            )
            form = MemberForm(shop=shop)
        else:
            toast = ("Pick a person from the list.", "warning")
        if not wants_partial(request):
            getattr(messages, toast[1])(request, toast[0])
            return redirect("shop-members", shop_id=shop.pk)
    context = {
        "shop": shop,
        "members": shop.members.order_by("username"),
        "candidates": member_candidates(shop),
        "form": form,
    }
    response = render_page(request, "shops/members.html", context, partial="members")
    if toast:
        with_toast(response, *toast)
    return response


def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The person's own settings: the zone times are shown in."""
    initial = {"time_zone": zone_of(request.user.pk)}
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        Profile.objects.update_or_create(
            user=request.user, defaults={"time_zone": form.cleaned_data["time_zone"]}
        )
        remember_zone(request, form.cleaned_data["time_zone"])
        messages.success(request, "Saved. Times now show in your zone.")
        return redirect("profile")
    return render_page(request, "shops/profile.html", {"form": form})


@csrf_exempt
@login_not_required
@require_POST
def tiktok_webhook(request: HttpRequest) -> HttpResponse:
    """TikTok's push: 200 with an empty body fast; 401/400/413 for anything else, never a 5xx."""
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not declared.isascii() or not declared.isdigit():
        return HttpResponse(status=400)
    if len(declared) > 12 or int(declared) > settings.WEBHOOK_MAX_BYTES:
        return HttpResponse(status=413)
    body = request.body
    if len(body) > settings.WEBHOOK_MAX_BYTES:
        return HttpResponse(status=413)
    try:
        webhook_receive(raw_body=body, signature=request.headers.get("Authorization"))
    except WebhookRejected as rejected:
        return HttpResponse(status=rejected.status)
    return HttpResponse(status=200)
