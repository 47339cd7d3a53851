"""The orders list, an order's detail and the CSV export, over the mirror only."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from orders.models import Order, OrderLine, OrderStatus
from shops.access import for_visible_shops, get_owned_or_404, visible_shops
from shops.listing import (
    csv_response,
    day_start,
    page_number,
    paginate,
    parse_day,
    query_without,
)

SORTS = {
    "created": ("-create_time", "-id"),
    "oldest": ("create_time", "id"),
    "ship_by": ("ship_by", "id"),
    "updated": ("-update_time", "-id"),
}


def _filtered(request: HttpRequest):
    """The visible orders matching the request's filters, and the filters as given."""
    filters = {
        "shop": request.GET.get("shop", ""),
        "status": request.GET.get("status", ""),
        "q": request.GET.get("q", "").strip(),
        "from": request.GET.get("from", ""),
        "to": request.GET.get("to", ""),
        "sort": request.GET.get("sort", "created"),
    }
    orders = for_visible_shops(Order.objects.all(), request.user)
    if filters["shop"].isdigit():
        orders = orders.filter(shop_id=int(filters["shop"]))
    if filters["status"] in OrderStatus.values:
        orders = orders.filter(status=filters["status"])
    start, end = parse_day(filters["from"]), parse_day(filters["to"])
    orders = orders.created_between(
        day_start(start), day_start(end + timedelta(days=1)) if end else None
    )
    orders = orders.search(filters["q"])
    if filters["sort"] not in SORTS:
        filters["sort"] = "created"
    return filters, orders.order_by(*SORTS[filters["sort"]])


@require_GET
def order_list(request: HttpRequest) -> HttpResponse:
    """Orders of every visible shop, newest first, with the ship-by clock."""
    filters, orders = _filtered(request)
    listing = paginate(orders.select_related("shop").defer("raw"), page_number(request))
    context = {
        "shops": visible_shops(request.user),
        "filters": filters,
        "listing": listing,
        "statuses": OrderStatus.choices,
        "query": query_without(request, "page"),
        "sort_query": query_without(request, "page", "sort"),
    }
    template = "orders/orders.html#order-table" if request.htmx else "orders/orders.html"
    return render(request, template, context)


@require_GET
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One order: lines, packages, payment, returns, cancellations and what happened when."""
    order = get_owned_or_404(
        Order.objects.select_related("shop").prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.order_by("id")),
            "packages",
            "returns",
            "cancellations",
        ),
        request.user,
        pk=pk,
    )
    template = (
        "orders/order_detail.html#order-panel" if request.htmx else "orders/order_detail.html"
    )
    return render(request, template, {"order": order})


@require_GET
def order_export(request: HttpRequest) -> HttpResponse:
    """The filtered orders as CSV, one row per order."""
    _, orders = _filtered(request)
    rows = orders.select_related("shop").defer("raw").iterator(chunk_size=2000)
    return csv_response(
        "orders.csv",
        [
            "shop",
            "order_id",
            "status",
            "created",
            "paid",
            "ship_by",
            "buyer",
            "lines",
            "total",
            "currency",
            "shipping_type",
            "tracking_number",
        ],
        rows,
        lambda o: [
            o.shop.name,
            o.tiktok_id,
            o.status,
            o.create_time.isoformat() if o.create_time else "",
            o.paid_time.isoformat() if o.paid_time else "",
            o.ship_by.isoformat() if o.ship_by else "",
            o.recipient_name,
            o.line_count,
            o.total_amount,
            o.currency,
            o.shipping_type,
            o.tracking_number,
        ],
    )
