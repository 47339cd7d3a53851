"""Writing the order mirror: pages of orders upserted in bulk, orders refreshed by id."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

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


def order_row(shop: Shop, o: ApiOrder, now: datetime) -> Order:
    """The mirror row of one TikTok order."""
    raw = o.raw
    address = raw.get("recipient_address") or {}
    payment = raw.get("payment") or {}
    return Order(
        shop=shop,
        tiktok_id=o.id,
        status=o.status or "",
        create_time=o.create_time,
        update_time=o.update_time,
        paid_time=o.paid_time,
        rts_time=as_time(raw.get("rts_time")),
        ship_by=o.rts_sla_time or o.shipping_due_time,
        collection_time=as_time(raw.get("collection_time")),
        delivery_time=o.delivery_time,
        cancel_time=o.cancel_time,
        request_cancel_time=as_time(raw.get("request_cancel_time")),
        currency=o.currency or "",
        sub_total=o.sub_total,
        shipping_fee=o.shipping_fee,
        seller_discount=o.seller_discount,
        platform_discount=o.platform_discount,
        tax=o.tax,
        total_amount=o.total_amount,
        original_product_price=_money(payment, "original_total_product_price"),
        original_shipping_fee=_money(payment, "original_shipping_fee"),
        shipping_type=_text(o.shipping_type, 16),
        fulfillment_type=_text(o.fulfillment_type, 40),
        delivery_option_name=_text(o.delivery_option_name, 255),
        shipping_provider=_text(o.shipping_provider, 255),
        tracking_number=_text(o.tracking_number, 100),
        warehouse_tiktok_id=_text(o.warehouse_id, 32),
        buyer_user_id=_text(o.buyer_user_id, 64),
        buyer_nickname=_text(raw.get("buyer_nickname"), 255),
        buyer_message=o.buyer_message or "",
        recipient_name=_text(o.recipient_name, 255),
        recipient_phone=_text(address.get("phone_number"), 64),
        recipient_region_code=_text(o.recipient_region_code, 8),
        recipient_city=_city(address) if isinstance(address, Mapping) else "",
        recipient_postal_code=_text(address.get("postal_code"), 32),
        is_on_hold_order=o.is_on_hold_order,
        is_buyer_request_cancel=o.is_buyer_request_cancel,
        is_cod=o.is_cod,
        cancel_reason=_text(o.cancel_reason, 255),
        cancellation_initiator=_text(o.cancellation_initiator, 16),
        line_count=len(o.line_items),
        raw=dict(raw),
        synced_at=now,
    )


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


def _upsert_orders(rows: list[Order]) -> dict[str, int]:
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
        raw_cursor = cursor.cursor
        raw_at = columns.index("raw")
        with raw_cursor.copy(f"copy {_STAGE} ({names}) from stdin") as copy:
            for row in rows:
                values = [getattr(row, c) for c in columns]
                values[raw_at] = Jsonb(row.raw)
                copy.write_row(values)
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
    order_pk = _upsert_orders([order_row(shop, o, now) for o in latest.values()])
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
