"""Packages, returns and cancellations lists, over the mirror only."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from fulfillment.commands import SHIPPED_STATUSES
from fulfillment.filters import (
    AfterSaleFilterSet,
    CancellationFilterSet,
    KindForm,
    PackageFilterSet,
    ReturnFilterSet,
)
from fulfillment.models import Cancellation, Package, Return
from fulfillment.shipping_forms import DocumentForm
from shops.access import for_visible_shops
from shops.htmx import render_page
from shops.listing import paginate, query_without

KINDS: dict[str, tuple[type[Return] | type[Cancellation], type[AfterSaleFilterSet]]] = {
    "returns": (Return, ReturnFilterSet),
    "cancellations": (Cancellation, CancellationFilterSet),
}


@require_GET
def package_list(request: HttpRequest) -> HttpResponse:
    """Packages of every visible shop, newest first."""
    queryset = for_visible_shops(Package.objects.all(), request.user)
    filterset = PackageFilterSet(request.GET, queryset=queryset, user=request.user)
    listing = paginate(
        filterset.qs.select_related("shop", "order").defer("raw", "order__raw"), filterset.page
    )
    context = {
        "filter": filterset,
        "listing": listing,
        "action": reverse("fulfillment"),
        "query": query_without(request, "page"),
        "document_form": DocumentForm(auto_id="id_documents_%s"),
        "shipped_statuses": sorted(SHIPPED_STATUSES),
    }
    return render_page(request, "fulfillment/packages.html", context, partial="package-list")


@require_GET
def aftersale_list(request: HttpRequest) -> HttpResponse:
    """Returns or cancellations of every visible shop; those awaiting the seller by deadline."""
    kind = KindForm(request.GET).chosen
    model, filterset_class = KINDS[kind]
    queryset = for_visible_shops(model.objects.all(), request.user)
    filterset = filterset_class(request.GET, queryset=queryset, user=request.user)
    listing = paginate(
        filterset.qs.select_related("shop", "order").defer("raw", "order__raw"), filterset.page
    )
    context = {
        "kind": kind,
        "filter": filterset,
        "listing": listing,
        "now": timezone.now(),
        "action": reverse("returns"),
        "reset_query": f"?kind={kind}",
        "query": query_without(request, "page"),
    }
    return render_page(request, "fulfillment/returns.html", context, partial="aftersale-list")
