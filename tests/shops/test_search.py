"""A text search's branches stop where the query around them does, and the answer is the one a
plain OR would give: every page in every sort, the capped count, and any filter added later."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from catalog.filters import ProductFilterSet
from catalog.models import Product
from orders.filters import OrderFilterSet
from orders.models import Order
from shops.listing import paginate
from tests.factories import make_line, make_order, make_product, make_shop, make_sku, make_user

pytestmark = pytest.mark.django_db


def _orderings(filterset) -> list[tuple[str, ...]]:
    """Each sort of a list, both ways, as the filterset orders by it."""
    orderings = []
    for fields in filterset.SORTS.values():
        orderings.append(fields)
        orderings.append(tuple(f"-{field}" for field in fields))
    return orderings


def _pages(queryset, per_page: int, cap: int) -> list[tuple[list[int], int, bool, bool]]:
    pages = []
    for page in range(1, 8):
        listing = paginate(queryset, page, per_page=per_page, cap=cap)
        pages.append(
            (
                [row.pk for row in listing.rows],
                listing.count,
                listing.count_capped,
                listing.has_next,
            )
        )
    return pages


@pytest.fixture
def orders():
    """Orders that match "MOLE" one, two or three ways, between others that don't; the newest
    matches of the name branch are all completed (a later status filter drops them)."""
    shop = make_shop()
    start = timezone.now() - timedelta(days=3)
    for i in range(36):
        created = start + timedelta(hours=i // 3)  # ties on the creation time, broken by id
        way = i % 4
        order = make_order(
            shop,
            lines=0,
            created=created,
            status="COMPLETED" if way == 1 and i > 20 else "AWAITING_SHIPMENT",
            recipient_name=f"Ann Molesworth {i}" if way in (1, 3) else f"Ann Other {i}",
            buyer_nickname=f"mole{i}" if way == 3 else f"buyer{i}",
            ship_by=created + timedelta(hours=(i * 7) % 30),
        )
        make_line(order, seller_sku=f"MOLE-{i}" if way in (2, 3) else f"PLAIN-{i}")
        make_line(order, seller_sku=f"MOLE-{i}-B" if way == 3 else f"PLAIN-{i}-B")
    return shop


ORDER_MATCH = (
    Q(recipient_name__icontains="mole")
    | Q(buyer_nickname__icontains="mole")
    | Q(lines__seller_sku__startswith="MOLE")
)


@pytest.mark.parametrize("ordering", _orderings(OrderFilterSet))
def test_each_page_of_an_order_search_is_the_page_of_the_plain_or(orders, ordering):
    searched = Order.objects.search("MOLE").order_by(*ordering)
    plain = Order.objects.filter(pk__in=Order.objects.filter(ORDER_MATCH).values("pk"))
    assert _pages(searched, 4, cap=10) == _pages(plain.order_by(*ordering), 4, cap=10)
    # Filters before the search narrow every branch, so each stops at rows the page can use.
    waiting = Order.objects.filter(status="AWAITING_SHIPMENT")
    assert _pages(waiting.search("MOLE").order_by(*ordering), 3, cap=7) == _pages(
        plain.filter(status="AWAITING_SHIPMENT").order_by(*ordering), 3, cap=7
    )


def test_a_filter_added_after_the_search_reads_the_branches_whole(orders):
    # The name branch's newest matches are all completed: stopped at the page's LIMIT, it
    # would leave nothing for the status filter added after it.
    searched = Order.objects.search("Molesworth").filter(status="COMPLETED")
    plain = Order.objects.filter(recipient_name__icontains="Molesworth", status="COMPLETED")
    assert plain.count() > 3
    assert [o.pk for o in searched[:3]] == [o.pk for o in plain[:3]]
    assert str(searched[:3].query).count("LIMIT") == 1
    # Before the status, the same search stops each branch at the page.
    waiting = Order.objects.filter(status="COMPLETED").search("Molesworth")
    assert [o.pk for o in waiting[:3]] == [o.pk for o in plain[:3]]
    assert str(waiting[:3].query).count("LIMIT 3") == 3  # two branches and the page


def test_the_branches_stop_at_the_page_and_at_the_count_and_an_export_reads_them_whole(orders):
    searched = Order.objects.search("MOLE")
    assert str(searched[100:150].query).count("LIMIT 50 OFFSET 100") == 1
    assert str(searched[100:150].query).count("LIMIT 150") == 2
    count = str(searched.order_by().values("pk")[:1001].query)
    assert count.count("LIMIT 1001") == 3 and "ORDER BY" not in count
    assert "LIMIT" not in str(searched.query)  # the CSV export: every match


@pytest.fixture
def products():
    shop = make_shop()
    now = timezone.now()
    for i in range(24):
        way = i % 3
        product = make_product(
            shop,
            skus=0,
            title=f"Vole {'lamp' if i % 2 else 'mug'}" if way in (0, 2) else f"Plain {i}",
            update_time=now - timedelta(hours=i // 2),
            stock_total=(i * 5) % 7,
            price_min=Decimal(f"{(i * 3) % 11}.50"),
        )
        make_sku(product, seller_sku=f"VOLE-{i}" if way in (1, 2) else f"SKU-{i}")
    return shop


@pytest.mark.parametrize("ordering", _orderings(ProductFilterSet))
def test_each_page_of_a_product_search_is_the_page_of_the_plain_or(products, ordering):
    searched = Product.objects.search("vole").order_by(*ordering)
    match = Q(title__icontains="vole") | Q(skus__seller_sku__startswith="vole")
    plain = Product.objects.filter(pk__in=Product.objects.filter(match).values("pk"))
    assert _pages(searched, 5, cap=12) == _pages(plain.order_by(*ordering), 5, cap=12)


def test_a_searched_list_counts_to_the_search_cap_and_stops_its_pages_there(client, monkeypatch):
    monkeypatch.setattr("shops.filters.SEARCH_COUNT_CAP", 2)
    user = make_user()
    shop = make_shop(members=(user,))
    for i in range(4):
        make_order(shop, recipient_name=f"Cap Tester {i}")
    client.force_login(user)
    searched = client.get(reverse("orders"), {"q": "Cap Tester"}).content.decode()
    assert "1–4 of more than 2" in searched
    assert 'data-testid="pager-stop"' in searched  # the last page says why there is no Next
    unsearched = client.get(reverse("orders")).content.decode()
    assert "1–4 of 4" in unsearched and "pager-stop" not in unsearched
