"""The products list, a product's page and a CSV export, over the mirror only."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from catalog.filters import ProductFilterSet
from catalog.forms import EditingForm, SkuEditForm
from catalog.models import ChangeSet, Inventory, Product, Sku
from catalog.services import INLINE, RowEdit, change_set_add_edit, change_set_preview
from shops.access import for_visible_shops, get_owned_or_404
from shops.htmx import render_page, with_toast
from shops.listing import csv_response, filter_errors_response, paginate, query_without


def _filterset(request: HttpRequest) -> ProductFilterSet:
    queryset = for_visible_shops(Product.objects.all(), request.user)
    return ProductFilterSet(request.GET, queryset=queryset, user=request.user, request=request)


@require_GET
def product_list(request: HttpRequest) -> HttpResponse:
    """Every visible shop's products, newest change first."""
    filterset = _filterset(request)
    listing = paginate(
        filterset.qs.select_related("shop").prefetch_related("skus"),
        filterset.page,
        cap=filterset.count_cap,
    )
    context = {
        "filter": filterset,
        "listing": listing,
        "action": reverse("products"),
        "query": query_without(request, "page"),
    }
    return render_page(request, "catalog/products.html", context, partial="product-list")


def _product(request: HttpRequest, pk: int) -> Product:
    """The product with its SKUs and their stock per warehouse, if the user may see its shop."""
    return get_owned_or_404(
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


def _product_context(
    request: HttpRequest,
    product: Product,
    *,
    editing: int | None = None,
    form: SkuEditForm | None = None,
) -> dict[str, Any]:
    """The product page's SKU rows, each with what the person's draft would change in it."""
    draft = (
        ChangeSet.objects.filter(
            created_by=request.user.pk,
            rule__source=INLINE,
            state__in=[ChangeSet.State.DRAFT, ChangeSet.State.PREVIEWED],
        )
        .annotate(n=Count("rows", filter=Q(rows__excluded=False)))
        .order_by("-id")
        .first()
    )
    pending = {}
    if draft is not None:
        pending = {
            (r.sku_id, r.field, r.warehouse_id): r
            for r in draft.rows.filter(sku__product=product, excluded=False)
        }
    # The rows' pending values ride on the prefetched SKUs and stock levels, for the template.
    skus: list[Any] = list(product.skus.all())
    for sku in skus:
        row = pending.get((sku.pk, "price", None))
        sku.pending_price = row.new_price if row else None
        warnings = set(row.warning_labels) if row else set()
        for stock in sku.inventory.all():
            row = pending.get((sku.pk, "stock", stock.warehouse_id))
            stock.pending = row.new_quantity if row else None
            warnings.update(row.warning_labels if row else [])
            if form is not None and sku.pk == editing:
                stock.field = form[f"stock_{stock.warehouse_id}"]  # what was typed, its errors
        sku.pending_warnings = sorted(warnings)
    # The cursor goes to the first field to mend (to the price when there is none).
    focus = (
        next((name for name in form.errors if name in form.fields), "price") if form else "price"
    )
    return {"product": product, "draft": draft, "editing": editing, "form": form, "focus": focus}


@require_GET
def product_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One product: its SKUs with prices and stock per warehouse (recent orders load beside)."""
    product = _product(request, pk)
    form = EditingForm(request.GET)
    editing = form.cleaned_data["edit"] if form.is_valid() else None
    context = _product_context(request, product, editing=editing)
    return render_page(request, "catalog/product_detail.html", context)


def _sku_or_404(product: Product, sku_pk: int) -> Sku:
    for sku in product.skus.all():
        if sku.pk == sku_pk and sku.deleted_at is None:
            return sku
    raise Http404


@require_http_methods(["GET", "POST"])
def sku_edit(request: HttpRequest, pk: int, sku_pk: int) -> HttpResponse:
    """A SKU's row on the product page: in edit mode (GET), or its typed values put into the
    person's draft change set (POST), previewed by the same rules as every change set."""
    product = _product(request, pk)
    sku = _sku_or_404(product, sku_pk)
    warehouses = [stock.warehouse for stock in sku.inventory.all()]
    htmx = bool(request.headers.get("HX-Request"))
    if request.method == "GET":
        if not htmx:
            return redirect(f"{reverse('product-detail', args=[product.pk])}?edit={sku.pk}")
        mode = EditingForm(request.GET)
        editing = None if mode.is_valid() and mode.cleaned_data["mode"] == "show" else sku.pk
        context = {**_product_context(request, product, editing=editing), "sku": sku}
        return render_page(request, "catalog/product_detail.html#sku-row", context)
    form = SkuEditForm(request.POST, warehouses=warehouses)
    if not form.is_valid():
        if htmx:
            context = {
                **_product_context(request, product, editing=sku.pk, form=form),
                "sku": sku,
            }
            return render_page(request, "catalog/product_detail.html#sku-row", context)
        errors = "; ".join(str(e) for es in form.errors.values() for e in es)
        messages.error(request, f"Not saved: {errors}")
        return redirect("product-detail", pk=product.pk)
    edits = (
        [RowEdit(sku=sku, price=form.cleaned_data["price"])]
        if form.cleaned_data["price"] is not None
        else []
    )
    edits += [RowEdit(sku=sku, warehouse=w, quantity=q) for w, q in form.stock()]
    draft = None
    for edit in edits:
        draft = change_set_add_edit(actor=request.user, edit=edit)  # type: ignore[arg-type]
    assert draft is not None
    change_set_preview(change_set=draft)
    message = f"Saved to the draft “{draft.name}”: nothing is sent before Apply."
    if not htmx:
        messages.success(request, message)
        return redirect("product-detail", pk=product.pk)
    product = _product(request, pk)
    context = _product_context(request, product)
    response = render_page(request, "catalog/product_detail.html#skus", context)
    # The row asked for itself; the saved state is the whole table with the draft's bar.
    response["HX-Retarget"] = "#skus"
    response["HX-Reswap"] = "outerHTML"
    return with_toast(response, message)


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
