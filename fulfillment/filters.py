"""Filters of the packages, returns and cancellations lists."""

from __future__ import annotations

from typing import ClassVar

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from fulfillment.models import CANCELLATION_STATUSES, RETURN_STATUSES
from shops.filters import ListFilterSet, SearchFilter

PACKAGE_STATUSES = [
    ("TO_FULFILL", "To fulfill"),
    ("PROCESSING", "Processing"),
    ("FULFILLING", "Fulfilling"),
    ("COMPLETED", "Completed"),
    ("CANCELLED", "Cancelled"),
]
KIND_CHOICES = [("returns", "Returns"), ("cancellations", "Cancellations")]


class KindForm(forms.Form):
    """Which after-sales list: returns (the default) or cancellations."""

    kind = forms.ChoiceField(choices=KIND_CHOICES, required=False)

    @property
    def chosen(self) -> str:
        return (self.is_valid() and self.cleaned_data["kind"]) or "returns"


class PackageFilterSet(ListFilterSet):
    """Shop, status, and a package id or tracking number (exact)."""

    SORTS: ClassVar[dict[str, tuple[str, ...]]] = {"created": ("create_time", "id")}
    DEFAULT_SORT = "-created"

    status = django_filters.ChoiceFilter(choices=PACKAGE_STATUSES, empty_label="Any status")
    q = SearchFilter(method="filter_search", label="Package id or tracking number (exact)")

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(tracking_number=value) | Q(tiktok_id=value))


class AfterSaleFilterSet(ListFilterSet):
    """Shop, status, and "waiting for me" (the seller's next step, nearest deadline first)."""

    SORTS: ClassVar[dict[str, tuple[str, ...]]] = {
        "created": ("create_time", "id"),
        "deadline": ("deadline", "id"),
    }
    DEFAULT_SORT = "-created"

    kind = django_filters.ChoiceFilter(
        choices=KIND_CHOICES, method="_no_filter", widget=forms.HiddenInput
    )
    due = django_filters.BooleanFilter(
        widget=forms.CheckboxInput, label="Waiting for me, by deadline", method="filter_due"
    )

    def context_params(self) -> tuple[str, ...]:
        return ("kind",)

    def filter_due(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        if not value:
            return queryset
        return queryset.filter(deadline__isnull=False).exclude(next_action="")

    @property
    def sort_key(self) -> str:
        explicit = self.is_bound and self.form.is_valid() and self.form.cleaned_data.get("sort")
        if (
            not explicit
            and self.is_bound
            and self.form.is_valid()
            and self.form.cleaned_data["due"]
        ):
            return "deadline"
        return super().sort_key


class ReturnFilterSet(AfterSaleFilterSet):
    status = django_filters.ChoiceFilter(choices=RETURN_STATUSES, empty_label="Any status")


class CancellationFilterSet(AfterSaleFilterSet):
    status = django_filters.ChoiceFilter(choices=CANCELLATION_STATUSES, empty_label="Any status")
