"""Writing the order mirror: pages of orders upserted in bulk, orders refreshed by id."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from catalog.models import Sku
from orders.models import Order, OrderLine
from shops import jsonsql as sql
from shops.gateway import client_for_shop
from shops.models import Shop
from shops.sync import Syncer
from tiktok.pagination import Page

ORDER_STATUS_ALIASES = {"CANCEL": "CANCELLED", "CANCELED": "CANCELLED"}


def _order_columns() -> dict[str, str]:
    """Each order column and how it is read from `o`, the order as TikTok sent it (jsonb)."""
    pay = "o->'payment'"
    address = "o->'recipient_address'"
    due, later = "o->'rts_sla_time'", "o->'shipping_due_time'"
    city = (  # noqa: S608
        "coalesce((select coalesce({name}, '') from {levels} as d(level, n) "
        "where level->>'address_level_name' in ('City', 'Town') order by n limit 1), {town})"
    ).format(
        name=sql.text("level->'address_name'", 255),
        levels=sql.objects(f"{address}->'district_info'"),
        town=sql.text(f"{address}->'post_town'", 255),
    )
    return {
        "status": sql.status_text("o->'status'", 32, ORDER_STATUS_ALIASES),
        "create_time": sql.time("o->'create_time'"),
        "update_time": sql.time("o->'update_time'"),
        "paid_time": sql.time("o->'paid_time'"),
        "rts_time": sql.time("o->'rts_time'"),
        "ship_by": f"coalesce({sql.time(due)}, {sql.time(later)})",
        "collection_time": sql.time("o->'collection_time'"),
        "delivery_time": sql.time("o->'delivery_time'"),
        "cancel_time": sql.time("o->'cancel_time'"),
        "request_cancel_time": sql.time("o->'request_cancel_time'"),
        "currency": sql.text(f"{pay}->'currency'", 8),
        "sub_total": sql.money(f"{pay}->'sub_total'"),
        "shipping_fee": sql.money(f"{pay}->'shipping_fee'"),
        "seller_discount": sql.money(f"{pay}->'seller_discount'"),
        "platform_discount": sql.money(f"{pay}->'platform_discount'"),
        "tax": sql.money(f"{pay}->'tax'"),
        "total_amount": sql.money(f"{pay}->'total_amount'"),
        "original_product_price": sql.money(f"{pay}->'original_total_product_price'"),
        "original_shipping_fee": sql.money(f"{pay}->'original_shipping_fee'"),
        "shipping_type": sql.text("o->'shipping_type'", 16),
        "fulfillment_type": sql.text("o->'fulfillment_type'", 40),
        "delivery_option_name": sql.text("o->'delivery_option_name'", 255),
        "shipping_provider": sql.text("o->'shipping_provider'", 255),
        "tracking_number": sql.text("o->'tracking_number'", 100),
        "warehouse_tiktok_id": sql.id_text("o->'warehouse_id'", 32),
        "buyer_user_id": sql.id_text("o->'user_id'", 64),
        "buyer_nickname": sql.text("o->'buyer_nickname'", 255),
        "buyer_message": sql.text("o->'buyer_message'"),
        "recipient_name": sql.text(f"{address}->'name'", 255),
        "recipient_phone": sql.text(f"{address}->'phone_number'", 64),
        "recipient_region_code": sql.text(f"{address}->'region_code'", 8),
        "recipient_city": city,
        "recipient_postal_code": sql.text(f"{address}->'postal_code'", 32),
        "is_on_hold_order": sql.flag("o->'is_on_hold_order'"),
        "is_buyer_request_cancel": sql.flag("o->'is_buyer_request_cancel'"),
        "is_cod": sql.flag("o->'is_cod'"),
        "cancel_reason": sql.text("o->'cancel_reason'", 255),
        "cancellation_initiator": sql.text("o->'cancellation_initiator'", 16),
        "line_count": sql.object_count("o->'line_items'"),
        "raw": "raw",
        "synced_at": "%(now)s",
    }


def _line_columns() -> dict[str, str]:
    """Each order line column and how it is read from `li`, one line item (jsonb)."""
    return {
        "shop_id": "%(shop)s",
        "order_id": "up.id",
        "tiktok_id": sql.id_text("li->'id'", 32),
        "sku_id": "sku.id",
        "sku_tiktok_id": sql.id_text("li->'sku_id'", 32),
        "product_tiktok_id": sql.id_text("li->'product_id'", 32),
        "product_name": sql.text("li->'product_name'", 500),
        "sku_name": sql.text("li->'sku_name'", 255),
        "seller_sku": sql.text("li->'seller_sku'", 100),
        "sku_image": sql.text("li->'sku_image'", 1000),
        "currency": sql.text("li->'currency'", 8),
        "original_price": sql.money("li->'original_price'"),
        "sale_price": sql.money("li->'sale_price'"),
        "seller_discount": sql.money("li->'seller_discount'"),
        "platform_discount": sql.money("li->'platform_discount'"),
        "display_status": sql.status_text("li->'display_status'", 32, ORDER_STATUS_ALIASES),
        "package_tiktok_id": sql.id_text("li->'package_id'", 32),
        "package_status": sql.status_text("li->'package_status'"),
        "tracking_number": sql.text("li->'tracking_number'", 100),
        "shipping_provider_name": sql.text("li->'shipping_provider_name'", 255),
        "is_gift": sql.flag("li->'is_gift'"),
        "cancel_reason": sql.text("li->'cancel_reason'", 255),
        "sub_items": sql.object_list("li->'sub_item_info'"),
    }


def _store_statement() -> str:
    """One statement per page: read the orders, upsert the changed ones, replace their lines.

    The order rows keep each order's JSON text as sent (`raw`); an order whose JSON is the
    same as the stored one is left alone (no write, no index churn, its lines kept).
    """
    orders = _order_columns()
    lines = _line_columns()
    order_table = Order._meta.db_table
    line_table = OrderLine._meta.db_table
    changed = f"{order_table}.raw::text is distinct from excluded.raw::text"
    updates = ", ".join(f"{c} = excluded.{c}" for c in orders)
    # Only our own table, column names and reader expressions are spliced; values are params.
    return f"""
        with page as (
            select e as raw, e::jsonb as o, n
              from json_array_elements(%(orders)s::json) with ordinality as p(e, n)
             where json_typeof(e) = 'object'
        ), latest as (
            select distinct on (tiktok_id) *
              from (select {sql.ident("o->'id'")} as tiktok_id, * from page) identified
             where tiktok_id is not null
             order by tiktok_id, n desc
        ), up as (
            insert into {order_table} (shop_id, tiktok_id, {", ".join(orders)})
            select %(shop)s, tiktok_id, {", ".join(orders.values())} from latest
            on conflict (shop_id, tiktok_id) do update set {updates} where {changed}
            returning id, tiktok_id
        ), gone as (
            delete from {line_table} where order_id in (select id from up)
        ), added as (
            insert into {line_table} ({", ".join(lines)})
            select {", ".join(lines.values())}
              from up
              join latest using (tiktok_id)
             cross join lateral {sql.objects("latest.o->'line_items'")} as l(li, n)
              left join {Sku._meta.db_table} sku
                on sku.shop_id = %(shop)s and sku.tiktok_id = {sql.ident("li->'sku_id'")}
             where jsonb_typeof(li) = 'object'
             order by up.id, l.n
        )
        select count(*) from latest
    """  # noqa: S608


_STORE: str | None = None


def orders_store(*, shop: Shop, orders: Sequence[Mapping[str, Any]]) -> int:
    """Upsert a page of orders (as TikTok sent them) and replace their lines, in one statement."""
    global _STORE
    if not orders:
        return 0
    if _STORE is None:
        _STORE = _store_statement()
    with connection.cursor() as cursor:
        cursor.execute(
            _STORE,
            {"shop": shop.pk, "orders": sql.page_document(list(orders)), "now": timezone.now()},
        )
        return int(cursor.fetchone()[0])


def order_lines_link_skus(*, shop: Shop) -> int:
    """Link order lines mirrored before their SKUs arrived; return how many were linked."""
    matching = Sku.objects.filter(shop=shop, tiktok_id=models.OuterRef("sku_tiktok_id"))
    return (
        OrderLine.objects.filter(shop=shop, sku__isnull=True)
        .filter(models.Exists(matching))
        .update(sku=models.Subquery(matching.values("pk")[:1]))
    )


def orders_refresh(*, shop: Shop, order_ids: Iterable[str]) -> int:
    """Fetch orders by id again (50 a call) and store what TikTok returns; return how many."""
    ids = sorted({i for i in order_ids if i})
    if not ids:
        return 0
    fetched = client_for_shop(shop).get_orders(ids)
    with transaction.atomic():
        return orders_store(shop=shop, orders=[order.raw for order in fetched])


class OrderSyncer(Syncer):
    """Orders with their lines (Search Orders returns full orders: no detail calls)."""

    resource = "orders"
    page_size = 100

    def pages(self, *, page_token: str | None, updated_since: datetime | None) -> Iterator[Page]:
        # Oldest change first: an order that changes during the walk moves behind the cursor's
        # end and is read again, never skipped.
        filters = {"update_time_ge": updated_since} if updated_since else {}
        return self.client.iter_order_pages(
            page_token=page_token,
            page_size=self.page_size,
            sort_field="update_time",
            sort_order="ASC",
            raw=True,  # the store reads the raw orders; typed objects would be built for nothing
            **filters,
        )

    def store(self, items: Sequence[Any]) -> int:
        return orders_store(shop=self.shop, orders=items)
