"""The analytics over 100k orders equal direct SQL over the mirror (GMV, AOV, refund rate per
day, per shop and currency), in a fixed number of queries, for the user's shops only."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from finance.models import Statement, StatementTransaction
from orders.models import Order
from tests.factories import make_order, make_return, make_shop, make_user

pytestmark = pytest.mark.django_db
ORDERS = 100_000


def seed_orders(template: Order, shops: list, count: int) -> None:
    """Copy one order `count` times in one INSERT … SELECT over generate_series; each shop
    sells in two currencies, so a sum across them would show."""
    columns = [f.column for f in Order._meta.concrete_fields if f.column != "id"]
    varied = {
        "tiktok_id": "'8' || lpad(g::text, 17, '0')",
        "shop_id": f"(array[{','.join(str(s.pk) for s in shops)}])[1 + g %% {len(shops)}]",
        "status": "(array['AWAITING_SHIPMENT','COMPLETED','IN_TRANSIT','CANCELLED','UNPAID',"
        "'DELIVERED','COMPLETED'])[1 + g %% 7]",
        "create_time": "now() - (g %% 40) * interval '1 day' - (g %% 23) * interval '1 hour'",
        "ship_by": "now() - (g %% 40) * interval '1 day' + interval '2 day'",
        "rts_time": "case when g %% 3 = 0 then now() - (g %% 40) * interval '1 day'"
        " + (g %% 5) * interval '1 day' end",
        "total_amount": "(g %% 90 + 10)::numeric + 0.99",
        "currency": "(array['USD','EUR'])[1 + (g / 5) %% 2]",
    }
    select = ", ".join(varied.get(c, f'o."{c}"') for c in columns)
    names = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"insert into orders_order ({names}) select {select} "
            f"from orders_order o, generate_series(1, %s) g where o.id = %s",
            [count, template.pk],
        )
        cursor.execute("analyze orders_order")


@pytest.fixture
def world():
    operator = make_user(role="operator")
    shops = [make_shop(name=f"Shop {c}", members=(operator,)) for c in "AB"]
    hidden = make_shop(name="Not theirs")
    template = make_order(shops[0], lines=0)
    seed_orders(template, [*shops, hidden], ORDERS)
    recent = Order.objects.filter(create_time__gte=timezone.now() - timedelta(days=20))
    for order in recent.exclude(status__in=("UNPAID", "CANCELLED")).order_by("pk")[:60]:
        make_return(order, status="RETURN_OR_REFUND_REQUEST_COMPLETE")
    for order in recent.order_by("pk")[60:70]:
        make_return(order)  # still pending: not a refund
    for shop in [*shops, hidden]:
        statement = Statement.objects.create(
            shop=shop,
            tiktok_id=f"s{shop.pk}",
            statement_time=timezone.now() - timedelta(days=2),
            currency="USD",
        )
        for n in range(3):
            StatementTransaction.objects.create(
                shop=shop,
                tiktok_id=f"t{shop.pk}-{n}",
                statement=statement,
                type="ORDER",
                currency="USD",
                revenue_amount=Decimal("100.00"),
                fee_tax_amount=Decimal("-8.30"),
                settlement_amount=Decimal("91.70"),
            )
    return operator, shops


def direct(shops: list, zone: str, since) -> dict:
    """GMV, orders and refunded orders per (shop, currency, day), straight from the tables."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            select o.shop_id, o.currency, (o.create_time at time zone %s)::date as day,
                   count(*) filter (where o.status not in ('UNPAID', 'CANCELLED')),
                   sum(o.total_amount) filter (where o.status not in ('UNPAID', 'CANCELLED')),
                   count(*) filter (where o.status not in ('UNPAID', 'CANCELLED') and exists (
                       select 1 from fulfillment_return r
                       where r.order_id = o.id and r.status = 'RETURN_OR_REFUND_REQUEST_COMPLETE'))
            from orders_order o
            where o.shop_id = any(%s) and o.create_time >= %s
            group by 1, 2, 3
            """,
            [zone, [s.pk for s in shops], since],
        )
        return {(r[0], r[1], r[2]): r[3:] for r in cursor.fetchall()}


def test_figures_equal_direct_sql_in_a_fixed_number_of_queries(
    client, world, django_assert_num_queries
):
    operator, shops = world
    client.force_login(operator)
    client.get(reverse("finance"))  # the session learns the display zone
    with django_assert_num_queries(8):
        page = client.get(reverse("finance-analytics"), {"period": "day"})
    assert page.status_code == 200
    report = page.context["report"]
    zone = timezone.get_current_timezone_name()
    since = timezone.make_aware(
        timezone.datetime.combine(report.starts[0], timezone.datetime.min.time())
    )
    expected = direct(shops, zone, since)
    assert {(s.shop.pk, s.currency) for s in report.series} == {
        (shop.pk, currency) for shop in shops for currency in ("USD", "EUR")
    }
    checked = refunds = 0
    for series in report.series:
        for start, cell in zip(report.starts, series.cells, strict=True):
            orders, gmv, refunded = expected.get(
                (series.shop.pk, series.currency, start), (0, 0, 0)
            )
            assert cell.orders == orders
            assert cell.gmv == (gmv or 0)
            if orders:
                assert cell.aov == (gmv / orders).quantize(Decimal("0.01"))
                assert cell.refund_rate == (Decimal(refunded) * 100 / orders).quantize(
                    Decimal("0.1")
                )
                checked += 1
                refunds += refunded
    assert checked > 50 and refunds > 0
    # Settlements: net revenue after fees and the fee rate, in USD only.
    usd = {s.shop.pk: s for s in report.series if s.currency == "USD"}
    for shop in shops:
        cells = [c for c in usd[shop.pk].cells if c.revenue]
        assert len(cells) == 1 and cells[0].net_revenue == Decimal("275.10")
        assert cells[0].fee_rate == Decimal("8.3")
    table = page.content.decode()
    assert "Not theirs" not in table and 'data-testid="finance-table"' in table


def test_weeks_and_months_and_the_dashboard_cost_the_same(client, world, django_assert_num_queries):
    operator, _shops = world
    client.force_login(operator)
    client.get(reverse("finance"))
    for period in ("week", "month"):
        with django_assert_num_queries(8):
            page = client.get(reverse("finance-analytics"), {"period": period})
        report = page.context["report"]
        weekly = sum(c.orders for s in report.series for c in s.cells)
        assert (
            weekly
            == Order.objects.filter(
                shop__in=[s.shop for s in report.series],
                create_time__gte=timezone.make_aware(
                    timezone.datetime.combine(report.starts[0], timezone.datetime.min.time())
                ),
            )
            .exclude(status__in=("UNPAID", "CANCELLED"))
            .count()
        )
    dashboard = client.get(reverse("dashboard"))
    assert b'id="finance-chart-gmv"' in dashboard.content
