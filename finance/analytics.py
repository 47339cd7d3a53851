"""The numbers a seller watches, per shop and currency and per day, week or month.

Two grouped queries whatever the number of orders: one over the orders (GMV, orders, AOV,
refund, cancellation and late-shipment rates, by the day the order was placed) and one over
the mirrored settlements (net revenue after fees and the fee rate, by statement day). Amounts
in different currencies are never added: each (shop, currency) is its own series.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import TruncDate, TruncMonth, TruncWeek
from django.utils import timezone

from finance.models import StatementTransaction
from orders.models import TO_SHIP, Order, OrderStatus
from shops.filters import day_start
from shops.models import Shop

PERIODS = {"day": ("Day", 30), "week": ("Week", 12), "month": ("Month", 12)}
# Orders that never became a sale: not in GMV, AOV or the refund rate (as on the dashboard).
NOT_SALES = (OrderStatus.UNPAID, OrderStatus.CANCELLED)
REFUNDED = "RETURN_OR_REFUND_REQUEST_COMPLETE"
FIGURES = [
    ("gmv", "GMV", "money"),
    ("net_revenue", "Net revenue after fees", "money"),
    ("aov", "Average order value", "money"),
    ("fee_rate", "Fee rate", "rate"),
    ("refund_rate", "Refund rate", "rate"),
    ("cancellation_rate", "Cancellation rate", "rate"),
    ("late_rate", "Late-shipment rate", "rate"),
]


class AnalyticsForm(forms.Form):
    """Which shop (among the visible ones) and per day, week or month."""

    shop = forms.ModelChoiceField(
        queryset=Shop.objects.none(), required=False, empty_label="All shops"
    )
    period = forms.ChoiceField(
        choices=[(k, v[0]) for k, v in PERIODS.items()], required=False, label="Per"
    )

    def __init__(self, *args: Any, shops: list[Shop], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["shop"].queryset = Shop.objects.filter(pk__in=[s.pk for s in shops])  # type: ignore[attr-defined]
        for f in self.fields.values():
            f.error_messages["invalid_choice"] = "Pick one of the listed values."


@dataclass
class Cell:
    orders: int = 0
    gmv: Decimal = Decimal(0)
    placed: int = 0  # paid or cancelled (not still unpaid): the cancellation rate's base
    cancelled: int = 0
    refunded: int = 0
    with_deadline: int = 0
    late: int = 0
    revenue: Decimal = Decimal(0)
    fees: Decimal = Decimal(0)

    @property
    def aov(self) -> Decimal | None:
        return (self.gmv / self.orders).quantize(Decimal("0.01")) if self.orders else None

    @property
    def net_revenue(self) -> Decimal:
        return self.revenue + self.fees

    @property
    def fee_rate(self) -> Decimal | None:
        return _rate(-self.fees, self.revenue)

    @property
    def refund_rate(self) -> Decimal | None:
        return _rate(self.refunded, self.orders)

    @property
    def cancellation_rate(self) -> Decimal | None:
        return _rate(self.cancelled, self.placed)

    @property
    def late_rate(self) -> Decimal | None:
        return _rate(self.late, self.with_deadline)


def _rate(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """A share in percent with one decimal; None when there is nothing to divide."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


@dataclass
class Series:
    """One shop in one currency, a cell per period."""

    shop: Shop
    currency: str
    cells: list[Cell] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.shop.name} ({self.currency})" if self.currency else self.shop.name


@dataclass
class Report:
    period: str
    starts: list[date]
    series: list[Series]

    def chart_data(self) -> dict[str, Any]:
        """The charts' input for static/js/finance.js (read from a JSON script element)."""
        return {
            "periods": [d.isoformat() for d in self.starts],
            "charts": [
                {
                    "id": key,
                    "title": title,
                    "unit": unit,
                    "series": [
                        {
                            "label": s.label,
                            "currency": s.currency,
                            "values": [_plain(getattr(c, key)) for c in s.cells],
                        }
                        for s in self.series
                    ],
                }
                for key, title, unit in FIGURES
            ],
        }

    def rows(self) -> list[tuple[date, list[tuple[Series, Cell]]]]:
        """The table: a row per period, a group of cells per series."""
        return [(d, [(s, s.cells[i]) for s in self.series]) for i, d in enumerate(self.starts)]


def _plain(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _starts(period: str, today: date) -> list[date]:
    count = PERIODS[period][1]
    if period == "day":
        return [today - timedelta(days=n) for n in range(count - 1, -1, -1)]
    if period == "week":
        monday = today - timedelta(days=today.weekday())
        return [monday - timedelta(weeks=n) for n in range(count - 1, -1, -1)]
    months = []
    year, month = today.year, today.month
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def _trunc(period: str, field_name: str) -> Any:
    zone = timezone.get_current_timezone()
    kind = {"day": TruncDate, "week": TruncWeek, "month": TruncMonth}[period]
    return kind(field_name, tzinfo=zone)


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def analytics(shops: list[Shop], *, period: str = "day", now: datetime | None = None) -> Report:
    """Every figure per (shop, currency) and period, over the last few periods."""
    now = now or timezone.now()
    starts = _starts(period, timezone.localdate(now))
    since = day_start(starts[0])
    # Through the reverse relation fulfillment declares, so finance imports only orders.
    refunded = Order.objects.filter(pk=OuterRef("pk"), returns__status=REFUNDED)
    sales = ~Q(status__in=NOT_SALES)
    late = Q(rts_time__isnull=False, rts_time__gt=F("ship_by")) | Q(
        rts_time__isnull=True, status__in=TO_SHIP, ship_by__lt=now
    )
    order_rows = (
        Order.objects.filter(shop__in=shops, create_time__gte=since)
        .annotate(start=_trunc(period, "create_time"), was_refunded=Exists(refunded))
        .values("shop_id", "currency", "start")
        .annotate(
            orders=Count("pk", filter=sales),
            gmv=Sum("total_amount", filter=sales),
            placed=Count("pk", filter=~Q(status=OrderStatus.UNPAID)),
            cancelled=Count("pk", filter=Q(status=OrderStatus.CANCELLED)),
            refunded=Count("pk", filter=sales & Q(was_refunded=True)),
            with_deadline=Count("pk", filter=sales & Q(ship_by__isnull=False)),
            late=Count("pk", filter=sales & Q(ship_by__isnull=False) & late),
        )
        .order_by()
    )
    cells: dict[tuple[int, str], dict[date, Cell]] = defaultdict(dict)
    for row in order_rows:
        cell = cells[(row["shop_id"], row["currency"])].setdefault(_as_date(row["start"]), Cell())
        cell.orders = row["orders"]
        cell.gmv = row["gmv"] or Decimal(0)
        cell.placed = row["placed"]
        cell.cancelled = row["cancelled"]
        cell.refunded = row["refunded"]
        cell.with_deadline = row["with_deadline"]
        cell.late = row["late"]
    settled = (
        StatementTransaction.objects.filter(shop__in=shops, statement__statement_time__gte=since)
        .annotate(start=_trunc(period, "statement__statement_time"))
        .values("shop_id", "currency", "start")
        .annotate(revenue=Sum("revenue_amount"), fees=Sum("fee_tax_amount"))
        .order_by()
    )
    for row in settled:
        cell = cells[(row["shop_id"], row["currency"])].setdefault(_as_date(row["start"]), Cell())
        cell.revenue = row["revenue"] or Decimal(0)
        cell.fees = row["fees"] or Decimal(0)
    by_id = {s.pk: s for s in shops}
    series = []
    for (shop_id, currency), by_start in sorted(
        cells.items(), key=lambda item: (by_id[item[0][0]].name, item[0][1])
    ):
        series.append(Series(by_id[shop_id], currency, [by_start.get(d, Cell()) for d in starts]))
    return Report(period=period, starts=starts, series=series)
