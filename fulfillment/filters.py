"""Filters of the packages list (the returns inbox filters with returns_forms.InboxFilterForm)."""

from __future__ import annotations

from typing import ClassVar

import django_filters
from django.db.models import Q, QuerySet

from shops.filters import ListFilterSet, SearchFilter

PACKAGE_STATUSES = [
    ("TO_FULFILL", "To fulfill"),
    ("PROCESSING", "Processing"),
    ("FULFILLING", "Fulfilling"),
    ("COMPLETED", "Completed"),
    ("CANCELLED", "Cancelled"),
]


class PackageFilterSet(ListFilterSet):
    """Shop, status, and a package id or tracking number (exact)."""

    SORTS: ClassVar[dict[str, tuple[str, ...]]] = {"created": ("create_time", "id")}
    DEFAULT_SORT = "-created"

    status = django_filters.ChoiceFilter(choices=PACKAGE_STATUSES, empty_label="Any status")
    q = SearchFilter(method="filter_search", label="Package id or tracking number (exact)")

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(tracking_number=value) | Q(tiktok_id=value))
