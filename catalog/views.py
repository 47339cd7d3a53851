"""The products list: filters, sort, pages and a CSV export, over the mirror only."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from catalog.models import Product
from shops.access import for_visible_shops, visible_shops
from shops.listing import csv_response, page_number, paginate, query_without

SORTS = {
    "updated": ("-update_time", "-id"),
    "title": ("title", "id"),
    "stock": ("stock_total", "id"),
    "-stock": ("-stock_total", "-id"),
    "price": ("price_min", "id"),
    "-price": ("-price_max", "-id"),
}


def _filtered(request: HttpRequest):
    """The visible products matching the request's filters, and the filters as given."""
    shops = visible_shops(request.user)
    filters = {
        "shop": request.GET.get("shop", ""),
        "status": request.GET.get("status", ""),
        "q": request.GET.get("q", "").strip(),
        "sort": request.GET.get("sort", "updated"),
    }
    products = for_visible_shops(Product.objects.all(), request.user)
    if filters["shop"].isdigit():
        products = products.filter(shop_id=int(filters["shop"]))
    if filters["status"] == Product.Status.DELETED:
        products = products.filter(deleted_at__isnull=False)
    else:
        products = products.live()
        if filters["status"] in Product.Status.values:
            products = products.filter(status=filters["status"])
    products = products.search(filters["q"])
    if filters["sort"] not in SORTS:
        filters["sort"] = "updated"
    return shops, filters, products.order_by(*SORTS[filters["sort"]])


@require_GET
def product_list(request: HttpRequest) -> HttpResponse:
    """Every visible shop's products, newest change first."""
    shops, filters, products = _filtered(request)
    listing = paginate(
        products.select_related("shop").prefetch_related("skus"), page_number(request)
    )
    context = {
        "shops": shops,
        "filters": filters,
        "listing": listing,
        "statuses": Product.Status.choices,
        "query": query_without(request, "page"),
        "sort_query": query_without(request, "page", "sort"),
    }
    template = "catalog/products.html#product-table" if request.htmx else "catalog/products.html"
    return render(request, template, context)


@require_GET
def product_export(request: HttpRequest) -> HttpResponse:
    """The filtered products as CSV, one row per SKU."""
    _, _, products = _filtered(request)
    rows = (
        (product, sku)
        for product in products.select_related("shop")
        .prefetch_related("skus")
        .iterator(chunk_size=500)
        for sku in product.skus.all()
    )
    return csv_response(
        "products.csv",
        [
            "shop",
            "product_id",
            "title",
            "status",
            "sku_id",
            "seller_sku",
            "price",
            "list_price",
            "currency",
            "stock",
        ],
        rows,
        lambda r: [
            r[0].shop.name,
            r[0].tiktok_id,
            r[0].title,
            r[0].status,
            r[1].tiktok_id,
            r[1].seller_sku,
            r[1].price,
            r[1].list_price,
            r[1].currency,
            r[1].stock_total,
        ],
    )
