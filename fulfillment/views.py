"""The packages list, over the mirror only (returns and cancellations: returns_views)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from fulfillment.commands import SHIPPED_STATUSES
from fulfillment.filters import PackageFilterSet
from fulfillment.models import Package
from fulfillment.shipping_forms import DocumentForm
from shops.access import for_visible_shops
from shops.htmx import render_page
from shops.listing import paginate, query_without


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
