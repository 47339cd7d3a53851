"""Writing the order mirror: pages of orders upserted in bulk, orders refreshed by id."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from django.db import models, transaction

from catalog.models import Sku
from orders.models import Order, OrderLine
from shops import jsonsql as sql
from shops.gateway import client_for_shop
from shops.models import Shop
from shops.sync import Syncer
from tiktok.pagination import Page
from tiktok.types import ORDER_STATUS_ALIASES, as_id, as_time

# The fields read from each order, its payment, its address and each line item.
ORDER_KEYS = [
    "status",
    "create_time",
    "update_time",
    "paid_time",
    "rts_time",
    "rts_sla_time",
    "shipping_due_time",
    "collection_time",
    "delivery_time",
    "cancel_time",
    "request_cancel_time",
    "warehouse_id",
    "user_id",
    "is_on_hold_order",
    "is_buyer_request_cancel",
    "is_cod",
    "payment",
    "recipient_address",
    "line_items",
]
PAYMENT_KEYS = [
    "sub_total",
    "shipping_fee",
    "seller_discount",
    "platform_discount",
    "tax",
    "total_amount",
    "original_total_product_price",
    "original_shipping_fee",
]
ADDRESS_KEYS = ["district_info"]
# The order's times, read once each as numbers (`rn`); every payment field is an amount (`pn`).
ORDER_TIMES = [key for key in ORDER_KEYS if key.endswith("_time")]
LINE_KEYS = [
    "id",
    "sku_id",
    "product_id",
    "original_price",
    "sale_price",
    "seller_discount",
    "platform_discount",
    "display_status",
    "package_id",
    "package_status",
    "is_gift",
    "sub_item_info",
]
LINE_AMOUNTS = ["original_price", "sale_price", "seller_discount", "platform_discount"]


ORDER_TEXTS = [
    "shipping_type",
    "fulfillment_type",
    "delivery_option_name",
    "shipping_provider",
    "tracking_number",
    "buyer_nickname",
    "buyer_message",
    "cancel_reason",
    "cancellation_initiator",
]
PAYMENT_TEXTS = [
    "currency",
]
ADDRESS_TEXTS = [
    "name",
    "phone_number",
    "region_code",
    "post_town",
    "postal_code",
]
LINE_TEXTS = [
    "product_name",
    "sku_name",
    "seller_sku",
    "sku_image",
    "currency",
    "tracking_number",
    "shipping_provider_name",
    "cancel_reason",
]


def _order_columns() -> dict[str, str]:
    """Each order column and how it is read from the order's fields (`r`, `pay`, `addr`) and
    numbers (`rn`, `pn`)."""
    city = (  # noqa: S608
        "coalesce((select coalesce({name}, '') from {levels} as d(level, n) "
        "where level->>'address_level_name' in ('City', 'Town') order by n limit 1), {town})"
    ).format(
        name=sql.text("level->'address_name'", 255),
        levels=sql.objects("addr.district_info"),
        town=sql.plain("addr.post_town", 255),
    )
    return {
        "status": sql.status_text("r.status", 32, ORDER_STATUS_ALIASES),
        "create_time": sql.moment("rn.create_time"),
        "update_time": sql.moment("rn.update_time"),
        "paid_time": sql.moment("rn.paid_time"),
        "rts_time": sql.moment("rn.rts_time"),
        "ship_by": (
            f"coalesce({sql.moment('rn.rts_sla_time')}, {sql.moment('rn.shipping_due_time')})"
        ),
        "collection_time": sql.moment("rn.collection_time"),
        "delivery_time": sql.moment("rn.delivery_time"),
        "cancel_time": sql.moment("rn.cancel_time"),
        "request_cancel_time": sql.moment("rn.request_cancel_time"),
        "currency": sql.plain("pay.currency", 8),
        "sub_total": sql.amount("pn.sub_total"),
        "shipping_fee": sql.amount("pn.shipping_fee"),
        "seller_discount": sql.amount("pn.seller_discount"),
        "platform_discount": sql.amount("pn.platform_discount"),
        "tax": sql.amount("pn.tax"),
        "total_amount": sql.amount("pn.total_amount"),
        "original_product_price": sql.amount("pn.original_total_product_price"),
        "original_shipping_fee": sql.amount("pn.original_shipping_fee"),
        "shipping_type": sql.plain("r.shipping_type", 16),
        "fulfillment_type": sql.plain("r.fulfillment_type", 40),
        "delivery_option_name": sql.plain("r.delivery_option_name", 255),
        "shipping_provider": sql.plain("r.shipping_provider", 255),
        "tracking_number": sql.plain("r.tracking_number", 100),
        "warehouse_tiktok_id": sql.id_text("r.warehouse_id", 32),
        "buyer_user_id": sql.id_text("r.user_id", 64),
        "buyer_nickname": sql.plain("r.buyer_nickname", 255),
        "buyer_message": sql.plain("r.buyer_message"),
        "recipient_name": sql.plain("addr.name", 255),
        "recipient_phone": sql.plain("addr.phone_number", 64),
        "recipient_region_code": sql.plain("addr.region_code", 8),
        "recipient_city": city,
        "recipient_postal_code": sql.plain("addr.postal_code", 32),
        "is_on_hold_order": sql.flag("r.is_on_hold_order"),
        "is_buyer_request_cancel": sql.flag("r.is_buyer_request_cancel"),
        "is_cod": sql.flag("r.is_cod"),
        "cancel_reason": sql.plain("r.cancel_reason", 255),
        "cancellation_initiator": sql.plain("r.cancellation_initiator", 16),
        "line_count": sql.object_count("r.line_items"),
        "raw": "latest.raw",
        "synced_at": "%(now)s",
    }


def _line_columns() -> dict[str, str]:
    """Each order line column and how it is read from the line item's fields (`li`) and
    amounts (`ln`)."""
    return {
        "shop_id": "%(shop)s",
        "order_id": "up.id",
        "tiktok_id": sql.id_text("li.id", 32),
        "sku_id": "sku.id",
        "sku_tiktok_id": sql.id_text("li.sku_id", 32),
        "product_tiktok_id": sql.id_text("li.product_id", 32),
        "product_name": sql.plain("li.product_name", 500),
        "sku_name": sql.plain("li.sku_name", 255),
        "seller_sku": sql.plain("li.seller_sku", 100),
        "sku_image": sql.plain("li.sku_image", 1000),
        "currency": sql.plain("li.currency", 8),
        "original_price": sql.amount("ln.original_price"),
        "sale_price": sql.amount("ln.sale_price"),
        "seller_discount": sql.amount("ln.seller_discount"),
        "platform_discount": sql.amount("ln.platform_discount"),
        "display_status": sql.status_text("li.display_status", 32, ORDER_STATUS_ALIASES),
        "package_tiktok_id": sql.id_text("li.package_id", 32),
        "package_status": sql.status_text("li.package_status"),
        "tracking_number": sql.plain("li.tracking_number", 100),
        "shipping_provider_name": sql.plain("li.shipping_provider_name", 255),
        "is_gift": sql.flag("li.is_gift"),
        "cancel_reason": sql.plain("li.cancel_reason", 255),
        "sub_items": sql.object_list("li.sub_item_info"),
    }


@cache
def _store_statement() -> str:
    """One statement per page: read the orders, upsert the changed ones, replace their lines.

    The order rows keep each order's JSON text as sent (`raw`). An order whose JSON is the
    same as the stored one is not written at all (a full re-sync of an unchanged shop writes
    nothing, so it hardly disturbs the pages), so `synced_at` is when TikTok last sent a change;
    one whose stored copy is newer is left alone (a webhook's refresh landed while this page
    was read). Every sub-statement sees the rows as they were before. The lines replaced are
    looked up by their orders' ids (`= any (array(...))`; `in (select ...)` may be planned as
    a semi join that reads the index of every stored line for each page).
    """
    orders = _order_columns()
    lines = _line_columns()
    order_table = Order._meta.db_table
    line_table = OrderLine._meta.db_table
    newer = f"not coalesce(excluded.update_time < {order_table}.update_time, false)"
    changed = f"{order_table}.raw::text is distinct from excluded.raw::text"
    address = sql.fields("r.recipient_address", "addr", ADDRESS_KEYS, ADDRESS_TEXTS)
    # Only our own table, column names and reader expressions are spliced; values are params.
    return f"""
        with latest as materialized ({sql.page_items("orders", "o->'id'")}
        ), up as (
            insert into {order_table} (shop_id, tiktok_id, {", ".join(orders)})
            select %(shop)s, latest.tiktok_id, {", ".join(orders.values())}
              from latest
             cross join lateral {sql.fields("latest.o", "r", ORDER_KEYS, ORDER_TEXTS)}
             cross join lateral {sql.fields("r.payment", "pay", PAYMENT_KEYS, PAYMENT_TEXTS)}
             cross join lateral {address}
             cross join lateral {sql.numbers("rn", "r", ORDER_TIMES)}
             cross join lateral {sql.numbers("pn", "pay", PAYMENT_KEYS)}
            on conflict (shop_id, tiktok_id) do update set {sql.updates(order_table, orders)}
             where {newer} and {changed}
            returning id, tiktok_id
        ), gone as (
            delete from {line_table} where order_id = any (array(select id from up))
        ), added as (
            insert into {line_table} ({", ".join(lines)})
            select {", ".join(lines.values())}
              from up
              join latest using (tiktok_id)
             cross join lateral {sql.objects("latest.o->'line_items'")} as l(item, n)
             cross join lateral {sql.fields("l.item", "li", LINE_KEYS, LINE_TEXTS)}
             cross join lateral {sql.numbers("ln", "li", LINE_AMOUNTS)}
              left join {Sku._meta.db_table} sku
                on sku.shop_id = %(shop)s and sku.tiktok_id = {sql.ident("li.sku_id")}
             where jsonb_typeof(l.item) = 'object'
             order by up.id, l.n
        )
        select count(*) from latest
    """  # noqa: S608


def orders_store(*, shop: Shop, orders: Sequence[Mapping[str, Any]]) -> int:
    """Upsert a page of orders (as TikTok sent them) and replace their lines, in one statement."""
    if not orders:
        return 0
    return sql.store_page(_store_statement(), shop.pk, "orders", orders)


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
    windowed = True
    store_side_by_side = True  # a page writes its orders and their lines only

    def item_keys(self, item: Any) -> Iterable[Hashable] | None:
        # The id as the store reads it (`jsonsql.ident` is `as_id`); what is not an object
        # with an id is not written at all.
        if not isinstance(item, Mapping):
            return ()
        order_id = as_id(item.get("id"))
        return (order_id,) if order_id else ()

    def pages(self, *, page_token: str | None, updated_since: datetime | None) -> Iterator[Page]:
        return self.window_pages(page_token=page_token, since=updated_since, before=None)

    def window_pages(
        self, *, page_token: str | None, since: datetime | None, before: datetime | None
    ) -> Iterator[Page]:
        # Oldest change first: an order that changes during the walk moves behind the cursor's
        # end and is read again, never skipped.
        filters: dict[str, Any] = {}
        if since is not None:
            filters["update_time_ge"] = since
        if before is not None:
            filters["update_time_lt"] = before
        return self.client.iter_order_pages(
            page_token=page_token,
            page_size=self.page_size,
            sort_field="update_time",
            sort_order="ASC",
            raw=True,  # the store reads the raw orders; typed objects would be built for nothing
            **filters,
        )

    def item_time(self, item: Any) -> datetime | None:
        return as_time(item.get("update_time")) if isinstance(item, Mapping) else None

    def store(self, items: Sequence[Any]) -> int:
        return orders_store(shop=self.shop, orders=items)
