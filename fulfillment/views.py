"""Packages, returns and cancellations lists, over the mirror only."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from fulfillment.models import Cancellation, Package, Return
from shops.access import for_visible_shops, visible_shops
from shops.listing import page_number, paginate, query_without

PACKAGE_STATUSES = ["TO_FULFILL", "PROCESSING", "FULFILLING", "COMPLETED", "CANCELLED"]
KINDS = {"returns": Return, "cancellations": Cancellation}


def _shop_filter(request: HttpRequest, queryset):
    shop = request.GET.get("shop", "")
    return queryset.filter(shop_id=int(shop)) if shop.isdigit() else queryset


@require_GET
def package_list(request: HttpRequest) -> HttpResponse:
    """Packages of every visible shop, newest first."""
    filters = {
        "shop": request.GET.get("shop", ""),
        "status": request.GET.get("status", ""),
        "q": request.GET.get("q", "").strip(),
    }
    packages = _shop_filter(request, for_visible_shops(Package.objects.all(), request.user))
    if filters["status"] in PACKAGE_STATUSES:
        packages = packages.filter(status=filters["status"])
    if filters["q"]:
        packages = packages.filter(tracking_number=filters["q"]) | packages.filter(
            tiktok_id=filters["q"]
        )
    listing = paginate(
        packages.select_related("shop", "order")
        .defer("raw", "order__raw")
        .order_by("-create_time", "-id"),
        page_number(request),
    )
    context = {
        "shops": visible_shops(request.user),
        "filters": filters,
        "listing": listing,
        "statuses": PACKAGE_STATUSES,
        "query": query_without(request, "page"),
    }
    template = (
        "fulfillment/packages.html#package-table" if request.htmx else "fulfillment/packages.html"
    )
    return render(request, template, context)


@require_GET
def aftersale_list(request: HttpRequest) -> HttpResponse:
    """Returns or cancellations of every visible shop; those awaiting the seller by deadline."""
    kind = request.GET.get("kind", "returns")
    if kind not in KINDS:
        kind = "returns"
    filters = {
        "shop": request.GET.get("shop", ""),
        "status": request.GET.get("status", ""),
        "due": request.GET.get("due", ""),
    }
    records = _shop_filter(request, for_visible_shops(KINDS[kind].objects.all(), request.user))
    if filters["status"]:
        records = records.filter(status=filters["status"])
    if filters["due"]:
        records = records.filter(deadline__isnull=False).exclude(next_action="")
        records = records.order_by("deadline", "id")
    else:
        records = records.order_by("-create_time", "-id")
    listing = paginate(
        records.select_related("shop", "order").defer("raw", "order__raw"), page_number(request)
    )
    context = {
        "kind": kind,
        "shops": visible_shops(request.user),
        "filters": filters,
        "listing": listing,
        "now": timezone.now(),
        "query": query_without(request, "page"),
    }
    template = (
        "fulfillment/returns.html#aftersale-table" if request.htmx else "fulfillment/returns.html"
    )
    return render(request, template, context)
