"""The status-filtered and searched lists read indexes, never the whole mirror: each query a
list page runs is EXPLAINed on seeded data with sequential scans off."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import Product, Sku
from orders.models import OrderLine
from tests.factories import make_catalog_and_orders, make_product, make_shop, make_user

pytestmark = pytest.mark.django_db

# An index on the status, or one whose predicate is on it (orders to ship, by ship-by).
ORDER_STATUS_INDEXES = ("order_status_created", "order_shop_status_created", "order_to_ship_by")
PRODUCT_STATUS_INDEXES = ("product_status_updated", "product_shop_status")
MIRROR = {
    "orders": ("orders_order", "orders_orderline"),
    "products": ("catalog_product", "catalog_sku"),
}
LISTED = {"orders": '"orders_order"', "products": '"catalog_product"'}


def _reads_whole(plan: str, name: str) -> bool:
    """Whether a plan reads a mirror table whole (the small shop tables joined in may be)."""
    return any(f"Seq Scan on {table} " in plan for table in MIRROR[name])


def _plans(
    client, name: str, params: dict[str, str], off: tuple[str, ...]
) -> list[tuple[str, str]]:
    """(query, plan) of each query on the listed table the list page runs, with the planner's
    `off` strategies disabled (a disabled node still shows where nothing else can serve)."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(name), params).status_code == 200
    plans = []
    with connection.cursor() as cursor:
        # Statistics of a small test table favour a sequential scan (or a bitmap scan and a
        # sort) whatever the indexes; with those off, only a fitting index avoids them.
        for strategy in off:
            cursor.execute(f"set local enable_{strategy} = off")
        try:
            for query in queries.captured_queries:
                sql = query["sql"]
                if (
                    not sql.startswith("SELECT")
                    or f"FROM {LISTED[name]}" not in sql.split(" WHERE ")[0]
                ):
                    continue
                cursor.execute(f"explain {sql}")
                plans.append((sql, "\n".join(row[0] for row in cursor.fetchall())))
        finally:
            for strategy in off:  # the rest of the test's transaction plans as usual
                cursor.execute(f"reset enable_{strategy}")
    return plans


@pytest.fixture
def operator_client(client):
    user = make_user()
    shop = make_shop(members=(user,))
    make_catalog_and_orders(shop, products=6, orders=90)
    # Live products are a few of many, as in a real catalog, so the status filter is selective.
    for i in range(30):
        statuses = [s for s in Product.Status.values if s != Product.Status.ACTIVATE]
        make_product(shop, status=statuses[i % len(statuses)])
    # Statistics of these rows, not whatever earlier tests' rows left behind (ANALYZE counts this
    # transaction's own rows, and its statistics roll back with it).
    with connection.cursor() as cursor:
        cursor.execute("analyze catalog_product, catalog_sku, orders_order, orders_orderline")
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("path", "params", "indexes"),
    [
        ("orders", {"status": "AWAITING_SHIPMENT"}, ORDER_STATUS_INDEXES),
        ("orders", {"status": "CANCELLED", "sort": "-created"}, ORDER_STATUS_INDEXES),
        ("products", {"status": "ACTIVATE"}, PRODUCT_STATUS_INDEXES),
    ],
)
def test_a_status_filtered_list_reads_its_index_in_order(operator_client, path, params, indexes):
    # Only an index whose condition is the status can serve the filter as a bitmap scan.
    plans = _plans(operator_client, path, params, ("seqscan", "indexscan"))
    assert len(plans) >= 2  # the capped count and the page
    for _sql, plan in plans:
        assert not _reads_whole(plan, path), plan
        assert any(index in plan for index in indexes), plan
    # And the page comes off an index already in the list's order: no sort of every match.
    plans = _plans(operator_client, path, params, ("seqscan", "bitmapscan", "sort"))
    listed = [plan for sql, plan in plans if "LIMIT" in sql and "COUNT(" not in sql.upper()]
    assert listed and "Sort" not in listed[0], listed[0]


@pytest.mark.parametrize(
    ("path", "params", "indexes"),
    [
        ("orders", {"q": "Buyer"}, ("order_recipient_trgm", "order_nickname_trgm")),
        ("orders", {"q": "SKU-"}, ("order_line_seller_sku_prefix",)),
        ("products", {"q": "Product"}, ("product_title_trgm",)),
    ],
)
def test_a_searched_list_reads_its_search_indexes(operator_client, path, params, indexes):
    # As for the status: only an index whose condition is the search can serve a bitmap scan.
    plans = _plans(operator_client, path, params, ("seqscan", "indexscan"))
    searched = [plan for sql, plan in plans if "LIKE" in sql]
    assert searched
    for plan in searched:
        # The small tables joined in (shops, members) may be read whole; the mirror never.
        assert not _reads_whole(plan, path), plan
        for index in indexes:
            assert index in plan, plan


@pytest.mark.parametrize(
    ("ids", "index"),
    [
        (lambda: OrderLine.objects.values("order_id"), "order_line_seller_sku_prefix"),
        (lambda: Sku.objects.values("product_id"), "sku_seller_sku_prefix"),
    ],
)
def test_the_seller_sku_prefix_index_alone_gives_the_ids_a_search_needs(
    operator_client, ids, index
):
    # It carries the order's (the product's) id: the search's SKU branch never visits the
    # lines' rows to learn which orders match.
    sql, params = ids().filter(seller_sku__startswith="SKU-").order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        for strategy in ("seqscan", "bitmapscan"):
            cursor.execute(f"set local enable_{strategy} = off")
        cursor.execute(f"explain {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert f"Index Only Scan using {index}" in plan, plan


@pytest.mark.parametrize(("path", "branches"), [("orders", 2), ("products", 2)])
def test_a_searched_list_stops_each_way_of_matching_at_its_page_and_its_count(
    operator_client, path, branches
):
    # A broad term matches thousands of rows: each branch of the union takes only the rows the
    # page (or the capped count) uses, whichever index PostgreSQL reads it from.
    plans = _plans(operator_client, path, {"q": "SKU-"}, ())
    searched = [plan for sql, plan in plans if "LIKE" in sql]
    assert len(searched) == 2  # the capped count and the page
    for plan in searched:
        append = plan.split("->  Append", 1)[1]
        assert append.count("->  Limit") == branches, plan
