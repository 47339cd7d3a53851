"""The products list, a product's page and a CSV export, over the mirror only."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from catalog.filters import ProductFilterSet
from catalog.forms import PriceEditForm, StockEditForm
from catalog.models import ChangeSet, Inventory, Product, Sku, Warehouse
from catalog.services import INLINE, RowEdit, change_set_add_edit
from shops.access import for_visible_shops, get_owned_or_404
from shops.htmx import render_page
from shops.listing import csv_response, filter_errors_response, paginate, query_without


def _filterset(request: HttpRequest) -> ProductFilterSet:
    queryset = for_visible_shops(Product.objects.all(), request.user)
    return ProductFilterSet(request.GET, queryset=queryset, user=request.user, request=request)


@require_GET
def product_list(request: HttpRequest) -> HttpResponse:
    """Every visible shop's products, newest change first."""
    filterset = _filterset(request)
    listing = paginate(filterset.qs.select_related("shop").prefetch_related("skus"), filterset.page)
    context = {
        "filter": filterset,
        "listing": listing,
        "action": reverse("products"),
        "query": query_without(request, "page"),
    }
    return render_page(request, "catalog/products.html", context, partial="product-list")


@require_GET
def product_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One product: its SKUs with prices and stock per warehouse (recent orders load beside)."""
    product = get_owned_or_404(
        Product.objects.select_related("shop").prefetch_related(
            Prefetch(
                "skus",
                queryset=Sku.objects.order_by("seller_sku", "id").prefetch_related(
                    Prefetch(
                        "inventory",
                        queryset=Inventory.objects.select_related("warehouse").order_by(
                            "warehouse__name", "id"
                        ),
                    )
                ),
            )
        ),
        request.user,
        pk=pk,
    )
    draft = (
        ChangeSet.objects.filter(
            created_by=request.user.pk,
            rule__source=INLINE,
            state__in=[ChangeSet.State.DRAFT, ChangeSet.State.PREVIEWED],
        )
        .annotate(n=Count("rows"))
        .order_by("-id")
        .first()
    )
    pending = {}
    if draft is not None:
        pending = {
            (r.sku_id, r.field, r.warehouse_id): r for r in draft.rows.filter(sku__product=product)
        }
    for sku in product.skus.all():
        row = pending.get((sku.pk, "price", None))
        sku.pending_price = row.new_price if row else None
        for stock in sku.inventory.all():
            row = pending.get((sku.pk, "stock", stock.warehouse_id))
            stock.pending = row.new_quantity if row else None
    return render_page(request, "catalog/product_detail.html", {"product": product, "draft": draft})


@require_POST
def sku_edit(request: HttpRequest, pk: int, sku_pk: int) -> HttpResponse:
    """Put a typed price, or one warehouse's stock, into the person's draft change set."""
    product = get_owned_or_404(Product.objects.select_related("shop"), request.user, pk=pk)
    sku = get_object_or_404(Sku.objects.filter(product=product), pk=sku_pk)
    warehouse = None
    if "quantity" in request.POST:
        form: PriceEditForm | StockEditForm = StockEditForm(request.POST)
        warehouse = Warehouse.objects.filter(
            shop=product.shop_id,
            pk=request.POST.get("warehouse", "")
            if str(request.POST.get("warehouse", "")).isdigit()
            else 0,
        ).first()
        if warehouse is None:
            form.add_error(None, "Unknown warehouse.")
    else:
        form = PriceEditForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(str(e) for es in form.errors.values() for e in es)
        messages.error(request, f"Not saved: {errors}")
        return redirect("product-detail", pk=product.pk)
    edit = RowEdit(
        sku=sku,
        price=form.cleaned_data.get("price"),
        warehouse=warehouse,
        quantity=form.cleaned_data.get("quantity"),
    )
    draft = change_set_add_edit(actor=request.user, edit=edit)  # type: ignore[arg-type]
    messages.success(request, f"Saved to the draft “{draft.name}”: nothing is sent before Apply.")
    return redirect("product-detail", pk=product.pk)


@require_GET
def product_export(request: HttpRequest) -> HttpResponseBase:
    """The filtered products as CSV, one row per SKU."""
    filterset = _filterset(request)
    if not filterset.is_valid():
        return filter_errors_response(filterset.errors)
    rows = (
        (product, sku)
        for product in filterset.qs.select_related("shop")
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
