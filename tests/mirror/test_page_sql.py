"""The SQL field readers read TikTok's JSON exactly as the client's Python readers do, and one
page statement stores orders and lines equal to what TikTok sent."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from orders.mirror import _store_statement, orders_store
from orders.models import Order, OrderLine
from shops import jsonsql
from tests.factories import make_product, make_shop, make_sku
from tests.store_plans import assert_read_by_keys, grow_orders, plan_when_grown
from tests.tiktok import samples
from tiktok.types import (
    ORDER_STATUS_ALIASES,
    as_bool,
    as_decimal,
    as_id,
    as_int,
    as_time,
    order_status,
    package_status,
)

pytestmark = pytest.mark.django_db

HOSTILE = [
    None,
    "",
    " ",
    0,
    1,
    -3,
    "0",
    "1696800100",
    " 1696800100 ",
    1696800100,
    1696800100.7,
    "1696800100.7",
    1696800100123,
    "1696800100123",
    "1e3",
    "12.345",
    "-0.50",
    "abc",
    "²",
    True,
    False,
    "true",
    " TRUE ",
    "yes",
    "no",
    [],
    [1],
    [{"a": 1}, 2, None, {}, [{"b": 1}]],
    {},
    {"a": 1},
    "awaiting-shipment",
    " in  transit ",
    "TO FULFILL",
    "to__fulfill",
    "Cancel",
    "x" * 5000,
    10**40,
    "99999999999999999999",
    "253402300800",
]


def _read(expression: str, value: Any) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(
            f"select {expression} from (select %s::jsonb as j) v",
            [json.dumps({"v": value})],
        )
        return cursor.fetchone()[0]


def _safe(reader, value: Any) -> Any:
    try:
        return reader(value)
    except (OverflowError, ValueError, OSError):
        return None  # where Python's datetime gives up, the SQL reader reads "not set"


@pytest.mark.parametrize("value", HOSTILE, ids=repr)
def test_each_sql_reader_reads_what_the_python_reader_reads(value):
    j = "(j->'v')"
    assert _read(jsonsql.time(j), value) == _safe(as_time, value)
    assert _read(jsonsql.flag(j), value) is bool(as_bool(value))
    assert _read(jsonsql.truthy(j), value) is bool(value)
    integer = as_int(value)
    assert _read(jsonsql.integer(j), value) == (
        integer if integer is not None and abs(integer) < 2**31 else None
    )
    scalar = isinstance(value, str | int | float)  # bool is an int: as_str reads it "True"
    assert _read(jsonsql.ident(j), value) == (as_id(value) if scalar else None)
    assert _read(jsonsql.status(j, ORDER_STATUS_ALIASES), value) == (
        (order_status(value) or None) if scalar else None
    )
    assert _read(jsonsql.status(j), value) == ((package_status(value) or None) if scalar else None)
    money = as_decimal(value) if isinstance(value, str | int | float) else None
    if money is not None and (not money.is_finite() or abs(money) >= 10**12):
        money = None
    assert _read(jsonsql.money(j), value) == money
    if isinstance(value, str) or value is None:
        assert _read(jsonsql.text(j, 255), value) == str(value or "")[:255]
    kept = [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
    assert json.loads(_read(jsonsql.object_list(j), value)) == kept
    assert _read(jsonsql.object_count(j), value) == len(kept)


def _order(**changes: Any) -> dict[str, Any]:
    order = copy.deepcopy(samples.ORDER)
    order.update(changes)
    return order


def test_a_page_is_stored_as_sent_with_lines_linked_to_their_skus():
    shop = make_shop()
    sku = make_sku(make_product(shop=shop), tiktok_id="1729592969712207012")
    raw = _order(
        recipient_address={
            "name": "Łukasz Żółć",
            "district_info": [
                {"address_level_name": "State", "address_name": "Texas"},
                {"address_level_name": "City", "address_name": "Austin"},
            ],
            "post_town": "ignored",
            "postal_code": 78701,
        },
        buyer_message="nul \u0000 inside",
    )
    assert orders_store(shop=shop, orders=[raw, "not an order", {"id": ""}]) == 1
    order = Order.objects.get(shop=shop)
    assert order.tiktok_id == "576461413038785752" and order.status == "AWAITING_SHIPMENT"
    assert order.create_time == as_time(1696800100) and order.ship_by == as_time(1697059400)
    assert (order.currency, order.sub_total, order.total_amount) == (
        "USD",
        as_decimal("57.00"),
        as_decimal("62.49"),
    )
    assert (order.recipient_name, order.recipient_city, order.recipient_postal_code) == (
        "Łukasz Żółć",
        "Austin",
        "78701",
    )
    assert order.buyer_message == "nul \ufffd inside"
    assert order.line_count == 3 and order.raw["line_items"][2]["sku_type"] == "COMBINED_LISTING"
    lines = list(OrderLine.objects.filter(order=order).order_by("tiktok_id"))
    assert [line.tiktok_id for line in lines] == [li["id"] for li in raw["line_items"]]
    assert [line.sku_id for line in lines] == [sku.pk, sku.pk, None]
    assert [line.package_status for line in lines] == ["TO_FULFILL", "TO_FULFILL", ""]
    assert lines[0].sale_price == as_decimal("28.50") and lines[1].product_name == ""
    assert lines[2].sub_items == raw["line_items"][2]["sub_item_info"]


def _row_version(order: Order) -> str:
    """Where the order's row version lies: every UPDATE writes a new one (and moves it)."""
    with connection.cursor() as cursor:
        cursor.execute("select ctid::text from orders_order where id = %s", [order.pk])
        return cursor.fetchone()[0]


def test_the_last_copy_wins_an_unchanged_one_is_not_written_an_older_one_is_ignored():
    shop = make_shop()
    first = _order(status="AWAITING_SHIPMENT")
    later = _order(status="IN_TRANSIT", update_time=1696809700)
    assert orders_store(shop=shop, orders=[first, later]) == 1
    order = Order.objects.get(shop=shop)
    assert order.status == "IN_TRANSIT"
    lines = set(OrderLine.objects.filter(order=order).values_list("pk", flat=True))
    before = _row_version(order)
    orders_store(shop=shop, orders=[later])
    # The same JSON again is not written at all: the row is the same version, its lines untouched.
    assert _row_version(order) == before
    assert Order.objects.get(pk=order.pk).synced_at == order.synced_at
    assert set(OrderLine.objects.filter(order=order).values_list("pk", flat=True)) == lines
    orders_store(shop=shop, orders=[first])  # an older copy (read before a webhook's refresh)
    assert Order.objects.get(pk=order.pk).status == "IN_TRANSIT"
    orders_store(shop=shop, orders=[_order(status="Cancel", update_time=1696809800, line_items=[])])
    cancelled = Order.objects.get(pk=order.pk)
    assert cancelled.status == "CANCELLED" and cancelled.line_count == 0
    assert not OrderLine.objects.filter(order=order).exists()


def test_a_page_plan_on_a_grown_mirror_reads_stored_rows_by_their_keys_only():
    # Stored orders are reached only through the upsert's conflict index, their lines (to
    # replace) by the orders' ids, SKUs by their TikTok ids: never a hash of every stored row,
    # nor a walk of a whole index keeping the page's rows (`tests.store_plans`).
    shop = make_shop()
    tables = ["orders_order", "orders_orderline", "catalog_sku"]

    def grow() -> None:
        make_product(shop, skus=300)
        grow_orders(shop)

    params = {"shop": shop.pk, "orders": jsonsql.page_texts([_order()]), "now": timezone.now()}
    plan = plan_when_grown(_store_statement(), params, tables, grow)
    assert_read_by_keys(plan, tables)


def test_every_page_is_planned_afresh_on_the_tables_as_they_are():
    # A plan kept from a first page, on empty tables, would be kept as the mirror grows.
    shop = make_shop()
    orders_store(shop=shop, orders=[_order()])
    grow_orders(shop)
    orders_store(shop=shop, orders=[_order(id="576461413038785753")])
    with connection.cursor() as cursor:
        cursor.execute(
            "select generic_plans, custom_plans from pg_prepared_statements "
            "where statement like %s",
            ["%insert into orders_orderline%"],
        )
        generic, custom = cursor.fetchone()
    assert generic == 0 and custom >= 3


def test_lines_go_with_their_order_and_shop_and_let_go_of_a_deleted_sku():
    # The lines' links carry no constraint in PostgreSQL (`OrderLine`): the ORM keeps them.
    shop = make_shop()
    sku = make_sku(make_product(shop=shop), tiktok_id="1729592969712207012")
    orders_store(shop=shop, orders=[_order(), _order(id="576461413038785753")])
    first, second = Order.objects.filter(shop=shop).order_by("tiktok_id")
    assert first.lines.filter(sku=sku).exists()
    sku.delete()
    assert first.lines.exists() and not OrderLine.objects.filter(sku__isnull=False).exists()
    first.delete()
    assert not OrderLine.objects.filter(order_id=first.pk).exists() and second.lines.exists()
    shop.delete()
    assert not OrderLine.objects.exists()
