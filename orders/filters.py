"""Filters of the orders list (the page, its CSV export, the dashboard's links, later the API)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import ClassVar

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from orders.models import OrderQuerySet, OrderStatus
from shops.filters import ListFilterSet, SearchFilter, day_start, filter_days

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

SHIP_BY = [
    ("late", "Late to ship"),
    ("today", "Ship by today"),
    ("tomorrow", "Ship by tomorrow"),
]


def ship_by_window(queryset: OrderQuerySet, value: str) -> OrderQuerySet:
    """Orders still to ship whose deadline is passed, today or tomorrow (display zone)."""
    queryset = queryset.awaiting_shipment()
    now = timezone.now()
    today = timezone.localdate(now)
    if value == "late":
        return queryset.filter(ship_by__lt=now)
    day = today if value == "today" else today + timedelta(days=1)
    start = max(now, day_start(day)) if value == "today" else day_start(day)
    return queryset.filter(ship_by__gte=start, ship_by__lt=day_start(day + timedelta(days=1)))


class OrderFilterSet(ListFilterSet):
    """Shop, status, creation days, ship-by window, buyer-cancel requests, search, sort."""

    SORTS: ClassVar[dict[str, tuple[str, ...]]] = {
        "created": ("create_time", "id"),
        "ship_by": ("ship_by", "id"),
        "updated": ("update_time", "id"),
    }
    DEFAULT_SORT = "-created"
    TEXT_SEARCH = "q"

    status = django_filters.ChoiceFilter(choices=OrderStatus.choices, empty_label="Any status")
    date_from = django_filters.DateFilter(
        method="filter_from", label="Created from", widget=DATE_INPUT
    )
    date_to = django_filters.DateFilter(method="filter_to", label="Created to", widget=DATE_INPUT)
    ship = django_filters.ChoiceFilter(
        choices=SHIP_BY, empty_label="Any ship-by", method="filter_ship", label="Ship by"
    )
    cancel_requested = django_filters.BooleanFilter(
        field_name="is_buyer_request_cancel",
        widget=forms.CheckboxInput,
        label="Buyer asks to cancel",
        method="filter_cancel_requested",
    )
    q = SearchFilter(method="filter_search", label="Order id, seller SKU or buyer")

    def filter_from(self, queryset: QuerySet, name: str, value: date) -> QuerySet:
        return filter_days(queryset, "create_time", value, None)

    def filter_to(self, queryset: QuerySet, name: str, value: date) -> QuerySet:
        return filter_days(queryset, "create_time", None, value)

    def filter_ship(self, queryset: OrderQuerySet, name: str, value: str) -> QuerySet:
        return ship_by_window(queryset, value)

    def filter_cancel_requested(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset.filter(is_buyer_request_cancel=True) if value else queryset

    def filter_search(self, queryset: OrderQuerySet, name: str, value: str) -> QuerySet:
        return queryset.search(value)
