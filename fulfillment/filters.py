"""Filters of the packages list and of the API's returns list (the returns inbox, which mixes
returns and cancellations, filters with returns_forms.InboxFilterForm)."""

from __future__ import annotations

from typing import ClassVar

import django_filters
from django.db.models import Q, QuerySet

from fulfillment.models import RETURN_STATUSES
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


class ReturnFilterSet(ListFilterSet):
    """Returns and refund requests by shop, status and "waiting for me" (the next step is ours)."""

    SORTS: ClassVar[dict[str, tuple[str, ...]]] = {
        "created": ("create_time", "id"),
        "deadline": ("deadline", "id"),
    }
    DEFAULT_SORT = "-created"

    status = django_filters.ChoiceFilter(choices=RETURN_STATUSES, empty_label="Any status")
    due = django_filters.BooleanFilter(label="Waiting for me", method="filter_due")

    def filter_due(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        if not value:
            return queryset
        return queryset.filter(deadline__isnull=False).exclude(next_action="")
