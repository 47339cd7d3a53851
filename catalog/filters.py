"""Filters of the products list (the page, its CSV export, and later the API)."""

from __future__ import annotations

from typing import ClassVar

import django_filters
from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet

from catalog.models import Product, ProductQuerySet, Sku
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
    stock = django_filters.ChoiceFilter(
        choices=[("out", "A SKU out of stock"), ("low", "A SKU low on stock")],
        empty_label="Any stock",
        method="filter_stock",
        label="Stock",
    )
    q = SearchFilter(method="filter_search", label="Title, or seller SKU (starts with)")

    def filter_stock(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        skus = Sku.objects.filter(product=OuterRef("pk"), deleted_at__isnull=True)
        if value == "out":
            skus = skus.filter(stock_total__lte=0)
        else:
            skus = skus.filter(stock_total__gt=0, stock_total__lt=settings.LOW_STOCK_THRESHOLD)
        return queryset.filter(Exists(skus))

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == Product.Status.DELETED:
            return queryset.filter(deleted_at__isnull=False)
        return queryset.filter(status=value)

    def filter_search(self, queryset: ProductQuerySet, name: str, value: str) -> QuerySet:
        return queryset.search(value)

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        deleted = self.form.is_valid() and self.form.cleaned_data.get("status") == "DELETED"
        assert isinstance(queryset, ProductQuerySet)
        return super().filter_queryset(queryset if deleted else queryset.live())
