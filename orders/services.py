"""Writing the order mirror: pages of orders upserted in bulk, orders refreshed by id."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson
from django.db import connection, transaction
from django.utils import timezone
from psycopg.types.json import Json

from catalog.fields import lz4_available
from catalog.models import Sku
from orders.models import Order, OrderLine
from shops.gateway import client_for_shop
from shops.models import Shop
from tiktok.types import Order as ApiOrder
from tiktok.types import as_decimal, as_time

ORDER_FIELDS = [
    "status",
    "create_time",
    "update_time",
    "paid_time",
    "rts_time",
    "ship_by",
    "collection_time",
    "delivery_time",
    "cancel_time",
    "request_cancel_time",
    "currency",
    "sub_total",
    "shipping_fee",
    "seller_discount",
    "platform_discount",
    "tax",
    "total_amount",
    "original_product_price",
    "original_shipping_fee",
    "shipping_type",
    "fulfillment_type",
    "delivery_option_name",
    "shipping_provider",
    "tracking_number",
    "warehouse_tiktok_id",
    "buyer_user_id",
    "buyer_nickname",
    "buyer_message",
    "recipient_name",
    "recipient_phone",
    "recipient_region_code",
    "recipient_city",
    "recipient_postal_code",
    "is_on_hold_order",
    "is_buyer_request_cancel",
    "is_cod",
    "cancel_reason",
    "cancellation_initiator",
    "line_count",
    "raw",
    "synced_at",
]


def _text(value: Any, limit: int) -> str:
    return str(value or "")[:limit]


def _city(address: Mapping[str, Any]) -> str:
    for level in address.get("district_info") or ():
        if isinstance(level, Mapping) and level.get("address_level_name") in ("City", "Town"):
            return _text(level.get("address_name"), 255)
    return _text(address.get("post_town"), 255)


def _money(payment: Mapping[str, Any], key: str) -> Decimal | None:
    return as_decimal(payment.get(key))


def order_values(shop_id: int, o: ApiOrder, now: datetime) -> tuple[Any, ...]:
    """One TikTok order as a mirror row, in COPY order: shop_id, tiktok_id, *ORDER_FIELDS."""
    raw = o.raw
    address = raw.get("recipient_address") or {}
    if not isinstance(address, Mapping):
        address = {}
    payment = raw.get("payment") or {}
    return (
        shop_id,
        o.id,
        o.status or "",
        o.create_time,
        o.update_time,
        o.paid_time,
        as_time(raw.get("rts_time")),
        o.rts_sla_time or o.shipping_due_time,
        as_time(raw.get("collection_time")),
        o.delivery_time,
        o.cancel_time,
        as_time(raw.get("request_cancel_time")),
        o.currency or "",
        o.sub_total,
        o.shipping_fee,
        o.seller_discount,
        o.platform_discount,
        o.tax,
        o.total_amount,
        _money(payment, "original_total_product_price"),
        _money(payment, "original_shipping_fee"),
        _text(o.shipping_type, 16),
        _text(o.fulfillment_type, 40),
        _text(o.delivery_option_name, 255),
        _text(o.shipping_provider, 255),
        _text(o.tracking_number, 100),
        _text(o.warehouse_id, 32),
        _text(o.buyer_user_id, 64),
        _text(raw.get("buyer_nickname"), 255),
        o.buyer_message or "",
        _text(o.recipient_name, 255),
        _text(address.get("phone_number"), 64),
        _text(o.recipient_region_code, 8),
        _city(address),
        _text(address.get("postal_code"), 32),
        o.is_on_hold_order,
        o.is_buyer_request_cancel,
        o.is_cod,
        _text(o.cancel_reason, 255),
        _text(o.cancellation_initiator, 16),
        len(o.line_items),
        Json(raw, dumps=_dumps),
        now,
    )


def _dumps(value: Any) -> str:
    # orjson: re-serialising each order's raw JSON is a large share of a page's store time.
    return orjson.dumps(value).decode()


LINE_FIELDS = [
    "shop_id",
    "order_id",
    "tiktok_id",
    "sku_id",
    "sku_tiktok_id",
    "product_tiktok_id",
    "product_name",
    "sku_name",
    "seller_sku",
    "sku_image",
    "currency",
    "original_price",
    "sale_price",
    "seller_discount",
    "platform_discount",
    "display_status",
    "package_tiktok_id",
    "package_status",
    "tracking_number",
    "shipping_provider_name",
    "is_gift",
    "cancel_reason",
]
_STAGE = "mirror_order_stage"


_server_has_lz4: bool | None = None


def _lz4(cursor: Any) -> bool:
    global _server_has_lz4
    if _server_has_lz4 is None:
        _server_has_lz4 = lz4_available(cursor)
    return _server_has_lz4


def _upsert_orders(rows: list[tuple[Any, ...]]) -> dict[str, int]:
    """Upsert order rows through COPY into a session temp table; return pks by TikTok id.

    COPY and one INSERT … ON CONFLICT cost a fraction of a parameterised multi-row INSERT
    (Django's bulk_create) for wide rows carrying their raw JSON.
    """
    # Only our own table and column names are spliced into the SQL; values go through COPY.
    columns = ["shop_id", "tiktok_id", *ORDER_FIELDS]
    names = ", ".join(columns)
    updates = ", ".join(f"{c} = excluded.{c}" for c in ORDER_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"create temp table if not exists {_STAGE} as "  # noqa: S608
            f"select {names} from {Order._meta.db_table} with no data"
        )
        cursor.execute(f"truncate {_STAGE}")
        if _lz4(cursor):
            # The staged copy of each raw document is compressed too; lz4 is far cheaper.
            cursor.execute("set local default_toast_compression = lz4")
        with cursor.cursor.copy(f"copy {_STAGE} ({names}) from stdin") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"insert into {Order._meta.db_table} ({names}) select {names} from {_STAGE} "  # noqa: S608
            f"on conflict (shop_id, tiktok_id) do update set {updates} returning tiktok_id, id"
        )
        return dict(cursor.fetchall())


def orders_store(*, shop: Shop, orders: Sequence[ApiOrder]) -> int:
    """Upsert a page of orders and replace their lines, in a fixed number of statements."""
    now = timezone.now()
    latest = {o.id: o for o in orders if o.id}
    if not latest:
        return 0
    sku_ids = {li.sku_id for o in latest.values() for li in o.line_items if li.sku_id}
    sku_pk = dict(
        Sku.objects.filter(shop=shop, tiktok_id__in=sku_ids).values_list("tiktok_id", "pk")
    )
    order_pk = _upsert_orders([order_values(shop.pk, o, now) for o in latest.values()])
    OrderLine.objects.filter(order_id__in=order_pk.values()).delete()
    with connection.cursor() as cursor:
        table = OrderLine._meta.db_table
        with cursor.cursor.copy(f"copy {table} ({', '.join(LINE_FIELDS)}) from stdin") as copy:
            for tiktok_id, o in latest.items():
                for li in o.line_items:
                    copy.write_row(
                        (
                            shop.pk,
                            order_pk[tiktok_id],
                            li.id,
                            sku_pk.get(li.sku_id or ""),
                            _text(li.sku_id, 32),
                            _text(li.product_id, 32),
                            _text(li.product_name, 500),
                            _text(li.sku_name, 255),
                            _text(li.seller_sku, 100),
                            _text(li.sku_image, 1000),
                            _text(li.currency, 8),
                            li.original_price,
                            li.sale_price,
                            li.seller_discount,
                            li.platform_discount,
                            _text(li.display_status, 32),
                            _text(li.package_id, 32),
                            _text(li.package_status, 32),
                            _text(li.tracking_number, 100),
                            _text(li.shipping_provider_name, 255),
                            li.is_gift,
                            _text(li.cancel_reason, 255),
                        )
                    )
    return len(latest)


def orders_refresh(*, shop: Shop, order_ids: Iterable[str]) -> int:
    """Fetch orders by id again (50 a call) and store what TikTok returns; return how many."""
    ids = sorted({i for i in order_ids if i})
    if not ids:
        return 0
    fetched = client_for_shop(shop).get_orders(ids)
    with transaction.atomic():
        return orders_store(shop=shop, orders=fetched)
