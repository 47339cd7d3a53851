"""The filters of the packages to ship: shop, ship-by, delivery option, warehouse and SKU."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import ClassVar

import django_filters
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from orders.models import OrderLine
from shops.filters import ListFilterSet, SearchFilter

SHIP_BY_CHOICES = [("late", "Late"), ("today", "Due today"), ("tomorrow", "Due tomorrow")]


def _day_start(offset: int) -> datetime:
    """Midnight of today + offset days in the display zone."""
    now = timezone.localtime()
    return now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=offset)


class ToShipFilterSet(ListFilterSet):
    """Packages awaiting shipment, narrowed the way a packer batches work."""

    SORTS: ClassVar[dict[str, tuple[str, ...]]] = {"ship_by": ("order__ship_by", "id")}
    DEFAULT_SORT = "ship_by"

    ship_by = django_filters.ChoiceFilter(
        choices=SHIP_BY_CHOICES, method="filter_ship_by", empty_label="Any ship-by", label="Ship by"
    )
    delivery = SearchFilter(
        field_name="order__delivery_option_name", label="Delivery option (exact)"
    )
    warehouse = SearchFilter(field_name="order__warehouse_tiktok_id", label="Warehouse id")
    sku = SearchFilter(method="filter_sku", label="Seller SKU (exact)")

    def filter_ship_by(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        now = timezone.now()
        if value == "late":
            return queryset.filter(order__ship_by__lt=now)
        offset = 0 if value == "today" else 1
        start = max(_day_start(offset), now) if value == "today" else _day_start(offset)
        return queryset.filter(order__ship_by__gte=start, order__ship_by__lt=_day_start(offset + 1))

    def filter_sku(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        lines = OrderLine.objects.filter(order_id=OuterRef("order_id"), seller_sku=value)
        return queryset.filter(Exists(lines))
