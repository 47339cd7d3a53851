"""The dashboard over 100k orders: each count equals a direct query, in a fixed number of
queries, scoped to the user's shops; the empty state only without a visible shop."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone

from backoffice.dashboard import FAILED_WRITES_DAYS, NOT_SALES, day_start
from catalog.models import Sku
from fulfillment.models import Cancellation, Return
from orders.models import TO_SHIP, Order
from shops.models import Command, Shop, SyncRun
from tests.factories import (
    make_cancellation,
    make_command,
    make_order,
    make_product,
    make_return,
    make_shop,
    make_user,
)

pytestmark = pytest.mark.django_db
ORDERS = 100_000


def seed_orders(template: Order, shops: list[Shop], count: int) -> None:
    """Copy one order `count` times in one INSERT … SELECT over generate_series."""
    columns = [f.column for f in Order._meta.concrete_fields if f.column != "id"]
    varied = {
        "tiktok_id": "'9' || lpad(g::text, 17, '0')",
        "shop_id": f"(array[{','.join(str(s.pk) for s in shops)}])[1 + g %% {len(shops)}]",
        "status": "(array['AWAITING_SHIPMENT','COMPLETED','IN_TRANSIT','CANCELLED','UNPAID',"
        "'PARTIALLY_SHIPPING'])[1 + g %% 6]",
        "create_time": "now() - (g %% 45) * interval '1 day' - (g %% 24) * interval '1 hour'",
        "ship_by": "now() + ((g %% 100) - 50) * interval '1 hour'",
        "total_amount": "(g %% 90 + 10)::numeric + 0.99",
        "currency": "(array['USD','GBP','EUR','EUR'])[1 + g %% 4]",
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
    shops = [make_shop(name=f"Shop {c}", members=(operator,)) for c in "ABC"]
    hidden = make_shop(name="Not theirs")
    template = make_order(shops[0], lines=0)
    seed_orders(template, [*shops, hidden], ORDERS)
    for shop in [*shops, hidden]:
        make_product(shop, stock=0)
        make_product(shop, stock=3)
        make_product(shop, stock=50)
        order = Order.objects.filter(shop=shop).first()
        make_return(order, deadline=timezone.now() + timedelta(hours=3), next_action="REVIEW")
        make_cancellation(order, deadline=timezone.now() + timedelta(hours=9), next_action="X")
        make_cancellation(order)  # nothing for the seller to do
    shops[1].status = Shop.Status.NEEDS_REAUTHORIZATION
    shops[1].save()
    SyncRun.objects.create(shop=shops[2], resource="orders", kind="full", status="failed")
    long_ago = timezone.now() - timedelta(days=FAILED_WRITES_DAYS + 1)
    for shop, status, created in [
        (shops[0], "failed", None),
        (shops[1], "failed", None),
        (shops[0], "partly_failed", None),
        (shops[2], "needs_check", None),
        (shops[0], "succeeded", None),
        (shops[0], "failed", long_ago),  # history, not today's work
        (hidden, "failed", None),  # another shop's
    ]:
        command = make_command(shop, status=status)
        if created:
            Command.objects.filter(pk=command.pk).update(created_at=created)
    return operator, shops


def test_dashboard_counts_match_direct_queries_and_link_to_their_lists(
    client, world, django_assert_num_queries, monkeypatch
):
    operator, shops = world
    client.force_login(operator)
    client.get(reverse("orders"))  # the session learns the display zone
    # The clock stands still at the last noon (site zone), so "due today" is never empty (at
    # 23:30 the seed's hourly steps hold nothing before midnight) and no boundary moves between
    # the page and the direct queries below. The seed spans 50 hours either side of the real
    # time, under a day after that noon; the session, touched by the real clock, stays alive.
    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    if noon > timezone.now():
        noon -= timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: noon)
    with django_assert_num_queries(14):  # main's 12 + the money figures (finance)
        page = client.get(reverse("dashboard"))
    assert page.status_code == 200
    ctx = page.context
    now = timezone.now()
    today = timezone.localdate(now)
    to_ship = Order.objects.filter(shop__in=shops, status__in=TO_SHIP)
    tomorrow = day_start(today + timedelta(days=1))
    expected = {
        "late": to_ship.filter(ship_by__lt=now).count(),
        "today": to_ship.filter(ship_by__gte=now, ship_by__lt=tomorrow).count(),
        "tomorrow": to_ship.filter(
            ship_by__gte=tomorrow, ship_by__lt=day_start(today + timedelta(days=2))
        ).count(),
    }
    assert ctx["ship_total"] == expected
    assert all(v > 0 for v in expected.values())
    per_shop = {c.shop.pk: c.late for c in ctx["ship"]}
    for shop in shops:
        assert per_shop[shop.pk] == to_ship.filter(shop=shop, ship_by__lt=now).count()
    assert (
        ctx["returns"].count
        == Return.objects.filter(shop__in=shops).exclude(next_action="").count()
        == 3
    )
    assert ctx["cancellations"].count == 3
    assert (
        ctx["cancellations"].nearest
        == Cancellation.objects.filter(shop__in=shops, next_action="X")
        .order_by("deadline")
        .values_list("deadline", flat=True)
        .first()
    )
    live = Sku.objects.filter(shop__in=shops)
    assert (
        ctx["stock"]
        == {
            "out": live.filter(stock_total=0).count(),
            "low": live.filter(stock_total__gt=0, stock_total__lt=5).count(),
        }
        == {"out": 3, "low": 3}
    )
    assert [s.pk for s in ctx["reauthorize"]] == [shops[1].pk]
    assert [s.pk for s in ctx["failing"]] == [shops[2].pk]
    recent = Command.objects.filter(
        shop__in=shops, created_at__gte=now - timedelta(days=FAILED_WRITES_DAYS)
    )
    assert (
        ctx["writes"]
        == {
            status: recent.filter(status=status).count()
            for status in ("failed", "partly_failed", "needs_check")
        }
        == {"failed": 2, "partly_failed": 1, "needs_check": 1}
    )
    body = page.content.decode()
    assert 'href="/activity/?status=failed"' in body
    assert 'href="/activity/?status=needs_check"' in body
    # Charts: per shop and currency per day, equal to a direct aggregate; never the hidden shop.
    start, end = day_start(ctx["days"][0]), day_start(ctx["days"][-1] + timedelta(days=1))
    sales = (
        Order.objects.filter(shop__in=shops, create_time__gte=start, create_time__lt=end)
        .exclude(status__in=NOT_SALES)
        .aggregate(n=Count("pk"), usd=Sum("total_amount", filter=Q(currency="USD")))
    )
    assert sum(sum(s.orders) for s in ctx["series"]) == sales["n"]
    usd = sum(sum(s.gmv) for s in ctx["series"] if s.currency == "USD")
    assert usd == sales["usd"] and isinstance(usd, Decimal)
    assert {s.shop.pk for s in ctx["series"]} <= {s.pk for s in shops}
    body = page.content.decode()
    assert 'id="dashboard-data"' in body and "chart.umd.min.js" in body
    assert f'href="{reverse("orders")}?ship=late"' in body
    assert "Connect your first shop" not in body
    # Each count links to a list showing the same number (seeded once: 100k rows cost seconds).
    page = client.get(reverse("orders"), {"ship": "late", "shop": shops[0].pk})
    assert page.context["listing"].count == min(ctx["ship"][0].late, 10_000)
    due = client.get(reverse("returns"), {"type": "CANCEL", "state": "waiting"})
    assert due.context["total"] == ctx["cancellations"].count
    out = client.get(reverse("products"), {"stock": "out"})
    assert out.context["listing"].count == ctx["stock"]["out"]


def test_empty_state_only_without_a_visible_shop(client):
    admin = make_user(role="admin")
    client.force_login(admin)
    assert "Connect your first shop" in client.get(reverse("dashboard")).content.decode()
    lonely = make_user(role="operator")
    make_shop()
    client.force_login(lonely)
    body = client.get(reverse("dashboard")).content.decode()
    assert "You are not a member of any shop yet" in body
    assert "Connect your first shop" not in body
    client.force_login(admin)
    body = client.get(reverse("dashboard")).content.decode()
    assert 'data-testid="attention"' in body and "empty-dashboard" not in body


def test_the_substring_searches_can_use_their_trigram_indexes(db):
    def plan(queryset) -> str:
        with connection.cursor() as cursor:
            # Table statistics left by other tests can make a full index scan with a filter
            # look cheapest; with both plain scans off, only an index that serves the
            # condition itself (a bitmap scan of the trigram index) remains.
            cursor.execute("set local enable_seqscan = off")
            cursor.execute("set local enable_indexscan = off")
            sql, params = queryset.query.sql_with_params()
            cursor.execute(f"explain {sql}", params)
            return "\n".join(row[0] for row in cursor.fetchall())

    from catalog.models import Product

    products = plan(Product.objects.search("mug"))
    assert "product_title_trgm" in products and "sku_seller_sku_prefix" in products
    orders = plan(Order.objects.search("smith"))
    assert "order_recipient_trgm" in orders and "order_nickname_trgm" in orders
