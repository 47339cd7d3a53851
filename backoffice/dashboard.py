"""What needs attention today across the user's shops, and the last 30 days of sales.

Each figure is one query over an index, so the page costs the same at 100k orders as at 1k.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, Min, OuterRef, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from catalog.models import Sku
from fulfillment.models import Cancellation, Return
from orders.models import TO_SHIP, Order, OrderStatus
from shops.filters import day_start
from shops.models import Command, Shop, SyncRun

CHART_DAYS = 30
# Failed writes older than this are history (the Activity page keeps them), not today's work.
FAILED_WRITES_DAYS = 7
# Orders that never became a sale do not count towards GMV.
NOT_SALES = (OrderStatus.UNPAID, OrderStatus.CANCELLED)


@dataclass
class ShipCounts:
    shop: Shop
    late: int = 0
    today: int = 0
    tomorrow: int = 0


@dataclass
class Waiting:
    """Requests awaiting the seller's decision, and the nearest deadline among them."""

    count: int
    nearest: datetime | None


@dataclass
class Series:
    """Orders and GMV per day of one shop in one currency."""

    shop: Shop
    currency: str
    orders: list[int] = field(default_factory=list)
    gmv: list[Decimal] = field(default_factory=list)


def ship_counts(shops: list[Shop], now: datetime) -> list[ShipCounts]:
    """Per shop: orders to ship that are late, due by the end of today, due tomorrow."""
    today = timezone.localdate(now)
    tomorrow_start = day_start(today + timedelta(days=1))
    after_tomorrow = day_start(today + timedelta(days=2))
    rows = (
        Order.objects.filter(shop__in=shops, status__in=TO_SHIP, ship_by__lt=after_tomorrow)
        .values("shop_id")
        .annotate(
            late=Count("pk", filter=Q(ship_by__lt=now)),
            today=Count("pk", filter=Q(ship_by__gte=now, ship_by__lt=tomorrow_start)),
            tomorrow=Count("pk", filter=Q(ship_by__gte=tomorrow_start)),
        )
        .order_by()
    )
    by_shop = {row["shop_id"]: row for row in rows}
    counts = []
    for shop in shops:
        row = by_shop.get(shop.pk, {})
        counts.append(
            ShipCounts(shop, row.get("late", 0), row.get("today", 0), row.get("tomorrow", 0))
        )
    return counts


def waiting(model: type[Return] | type[Cancellation], shops: list[Shop]) -> Waiting:
    """Returns or cancellations whose next step is the seller's (the list's "waiting for me")."""
    row = (
        model.objects.filter(shop__in=shops, deadline__isnull=False)
        .exclude(next_action="")
        .aggregate(count=Count("pk"), nearest=Min("deadline"))
    )
    return Waiting(row["count"], row["nearest"])


def stock_counts(shops: list[Shop]) -> dict[str, int]:
    """Live SKUs with no stock, and with stock under the threshold."""
    threshold = settings.LOW_STOCK_THRESHOLD
    return Sku.objects.filter(
        shop__in=shops, deleted_at__isnull=True, product__deleted_at__isnull=True
    ).aggregate(
        out=Count("pk", filter=Q(stock_total__lte=0)),
        low=Count("pk", filter=Q(stock_total__gt=0, stock_total__lt=threshold)),
    )


def failed_writes(shops: list[Shop], now: datetime) -> dict[str, int]:
    """Recent writes to TikTok that failed (wholly or for some items) or wait for a check."""
    return Command.objects.filter(
        shop__in=shops,
        status__in=[
            Command.Status.FAILED,
            Command.Status.PARTLY_FAILED,
            Command.Status.NEEDS_CHECK,
        ],
        created_at__gte=now - timedelta(days=FAILED_WRITES_DAYS),
    ).aggregate(
        failed=Count("pk", filter=Q(status=Command.Status.FAILED)),
        partly_failed=Count("pk", filter=Q(status=Command.Status.PARTLY_FAILED)),
        needs_check=Count("pk", filter=Q(status=Command.Status.NEEDS_CHECK)),
    )


def shops_needing_attention(shops: list[Shop]) -> tuple[list[Shop], list[Shop]]:
    """Shops to re-authorize, and shops whose latest run of some resource failed."""
    reauthorize = [s for s in shops if s.status == Shop.Status.NEEDS_REAUTHORIZATION]
    later = SyncRun.objects.filter(
        shop=OuterRef("shop"), resource=OuterRef("resource"), created_at__gt=OuterRef("created_at")
    )
    failing_ids = set(
        SyncRun.objects.filter(shop__in=shops, status=SyncRun.Status.FAILED)
        .filter(~Exists(later))
        .values_list("shop_id", flat=True)
    )
    return reauthorize, [s for s in shops if s.pk in failing_ids]


def sales_series(shops: list[Shop], today: date) -> tuple[list[date], list[Series]]:
    """Orders and GMV per day for the last CHART_DAYS days (display zone), per shop and currency."""
    days = [today - timedelta(days=n) for n in range(CHART_DAYS - 1, -1, -1)]
    rows = (
        Order.objects.filter(shop__in=shops, create_time__gte=day_start(days[0]))
        .exclude(status__in=NOT_SALES)
        .annotate(day=TruncDate("create_time", tzinfo=timezone.get_current_timezone()))
        .values("shop_id", "currency", "day")
        .annotate(orders=Count("pk"), gmv=Sum("total_amount"))
        .order_by()
    )
    cells: dict[tuple[int, str], dict[date, tuple[int, Decimal]]] = defaultdict(dict)
    for row in rows:
        cells[(row["shop_id"], row["currency"])][row["day"]] = (
            row["orders"],
            row["gmv"] or Decimal("0"),
        )
    shop_by_id = {s.pk: s for s in shops}
    series = []
    for (shop_id, currency), by_day in sorted(
        cells.items(), key=lambda item: (shop_by_id[item[0][0]].name, item[0][1])
    ):
        one = Series(shop_by_id[shop_id], currency)
        for day in days:
            count, gmv = by_day.get(day, (0, Decimal("0")))
            one.orders.append(count)
            one.gmv.append(gmv)
        series.append(one)
    return days, series


def chart_data(days: list[date], series: list[Series]) -> dict[str, Any]:
    """The charts' input for static/js/dashboard.js (read from a JSON script element)."""
    return {
        "days": [d.isoformat() for d in days],
        "series": [
            {
                "label": f"{s.shop.name} ({s.currency})" if s.currency else s.shop.name,
                "currency": s.currency,
                "orders": s.orders,
                "gmv": [str(v) for v in s.gmv],
            }
            for s in series
        ],
    }


def attention(visible: list[Shop]) -> dict[str, Any]:
    """Everything the dashboard shows, for the shops given (the ones the user may see)."""
    now = timezone.now()
    days, series = sales_series(visible, timezone.localdate(now))
    reauthorize, failing = shops_needing_attention(visible)
    ship = ship_counts(visible, now)
    return {
        "shops": visible,
        "ship": ship,
        "ship_total": {
            "late": sum(c.late for c in ship),
            "today": sum(c.today for c in ship),
            "tomorrow": sum(c.tomorrow for c in ship),
        },
        "returns": waiting(Return, visible),
        "cancellations": waiting(Cancellation, visible),
        "stock": stock_counts(visible),
        "low_stock_threshold": settings.LOW_STOCK_THRESHOLD,
        "reauthorize": reauthorize,
        "failing": failing,
        "writes": failed_writes(visible, now),
        "failed_writes_days": FAILED_WRITES_DAYS,
        "days": days,
        "series": series,
        "chart": chart_data(days, series),
        "table": [
            (day, [(s.orders[i], s.gmv[i], s.currency) for s in series])
            for i, day in enumerate(days)
        ],
    }
