"""Filters of the products list (the page, its CSV export, and later the API)."""

from __future__ import annotations

from typing import ClassVar

import django_filters
from django.db.models import QuerySet

from catalog.models import Product
from shops.filters import ListFilterSet, SearchFilter


class ProductFilterSet(ListFilterSet):
    """Shop, status (deleted ones only when asked for), title or seller-SKU search, sort."""

    SORTS: ClassVar[dict[str, tuple[str, ...]]] = {
        "updated": ("update_time", "id"),
        "title": ("title", "id"),
        "stock": ("stock_total", "id"),
        "price": ("price_min", "id"),
    }
    DEFAULT_SORT = "-updated"

    status = django_filters.ChoiceFilter(
        choices=Product.Status.choices, empty_label="Any status", method="filter_status"
    )
    q = SearchFilter(method="filter_search", label="Title, or seller SKU (starts with)")

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == Product.Status.DELETED:
            return queryset.filter(deleted_at__isnull=False)
        return queryset.filter(status=value)

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.search(value)

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        deleted = self.form.is_valid() and self.form.cleaned_data.get("status") == "DELETED"
        return super().filter_queryset(queryset if deleted else queryset.live())
