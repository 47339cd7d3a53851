"""The orders list, an order's detail and the CSV export, over the mirror only."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.views.decorators.http import require_GET

from catalog.models import Product
from orders.filters import OrderFilterSet
from orders.models import Order, OrderLine
from shops.access import for_visible_shops, get_owned_or_404
from shops.htmx import render_page
from shops.listing import (
    csv_response,
    export_time,
    filter_errors_response,
    paginate,
    query_without,
    zone_name,
)


def _filterset(request: HttpRequest) -> OrderFilterSet:
    queryset = for_visible_shops(Order.objects.all(), request.user)
    return OrderFilterSet(request.GET, queryset=queryset, user=request.user, request=request)


@require_GET
def order_list(request: HttpRequest) -> HttpResponse:
    """Orders of every visible shop, newest first, with the ship-by clock."""
    filterset = _filterset(request)
    listing = paginate(
        filterset.qs.select_related("shop").defer("raw"), filterset.page, cap=filterset.count_cap
    )
    context = {
        "filter": filterset,
        "listing": listing,
        "action": reverse("orders"),
        "query": query_without(request, "page"),
    }
    return render_page(request, "orders/orders.html", context, partial="order-list")


@require_GET
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One order: lines, packages, payment, returns, cancellations and what happened when."""
    order = get_owned_or_404(
        Order.objects.select_related("shop").prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.select_related("sku").order_by("id")),
            "packages",
            "returns",
            "cancellations",
        ),
        request.user,
        pk=pk,
    )
    return render_page(request, "orders/order_detail.html", {"order": order}, partial="order-panel")


@require_GET
def order_export(request: HttpRequest) -> HttpResponseBase:
    """The filtered orders as CSV, one row per order, times in the display zone."""
    filterset = _filterset(request)
    if not filterset.is_valid():
        return filter_errors_response(filterset.errors)
    rows = filterset.qs.select_related("shop").defer("raw").iterator(chunk_size=2000)
    zone = zone_name()
    return csv_response(
        "orders.csv",
        [
            "shop",
            "order_id",
            "status",
            f"created ({zone})",
            f"paid ({zone})",
            f"ship_by ({zone})",
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
            export_time(o.create_time),
            export_time(o.paid_time),
            export_time(o.ship_by),
            o.recipient_name,
            o.line_count,
            o.total_amount,
            o.currency,
            o.shipping_type,
            o.tracking_number,
        ],
    )


RECENT_PRODUCT_LINES = 20


@require_GET
def product_orders(request: HttpRequest, product_pk: int) -> HttpResponse:
    """The latest order lines of one product's SKUs (a partial of the product page)."""
    product = get_owned_or_404(Product.objects.all(), request.user, pk=product_pk)
    lines = (
        OrderLine.objects.filter(sku__product=product)
        .select_related("order", "sku")
        .defer("order__raw")
        .order_by("-order__create_time", "-id")[:RECENT_PRODUCT_LINES]
    )
    return render_page(
        request,
        "orders/product_orders.html",
        {"product": product, "lines": lines},
        partial="product-orders",
    )
