"""Writing the order mirror: pages of orders upserted in bulk, orders refreshed by id."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson
from django.db import connection, models, transaction
from django.utils import timezone
from psycopg.types.json import Json

from catalog.models import Sku
from orders.models import Order, OrderLine
from shops.fields import lz4_available
from shops.gateway import client_for_shop
from shops.models import Shop
from shops.sync import Syncer
from tiktok.pagination import Page
from tiktok.types import as_bool, as_decimal, as_id, as_time, order_status, package_status

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


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _line_items(raw: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [li for li in raw.get("line_items") or () if isinstance(li, Mapping)]


def order_values(shop_id: int, raw: Mapping[str, Any], now: datetime) -> tuple[Any, ...]:
    """One TikTok order as a mirror row, in COPY order: shop_id, tiktok_id, *ORDER_FIELDS.

    Read straight from the order as TikTok sent it (the typed client objects cost more than
    the rest of a page's work), through the same tolerant readers the client uses.
    """
    address = _mapping(raw.get("recipient_address"))
    payment = _mapping(raw.get("payment"))
    return (
        shop_id,
        as_id(raw.get("id")),
        order_status(raw.get("status")) or "",
        as_time(raw.get("create_time")),
        as_time(raw.get("update_time")),
        as_time(raw.get("paid_time")),
        as_time(raw.get("rts_time")),
        as_time(raw.get("rts_sla_time")) or as_time(raw.get("shipping_due_time")),
        as_time(raw.get("collection_time")),
        as_time(raw.get("delivery_time")),
        as_time(raw.get("cancel_time")),
        as_time(raw.get("request_cancel_time")),
        _text(payment.get("currency"), 8),
        _money(payment, "sub_total"),
        _money(payment, "shipping_fee"),
        _money(payment, "seller_discount"),
        _money(payment, "platform_discount"),
        _money(payment, "tax"),
        _money(payment, "total_amount"),
        _money(payment, "original_total_product_price"),
        _money(payment, "original_shipping_fee"),
        _text(raw.get("shipping_type"), 16),
        _text(raw.get("fulfillment_type"), 40),
        _text(raw.get("delivery_option_name"), 255),
        _text(raw.get("shipping_provider"), 255),
        _text(raw.get("tracking_number"), 100),
        _text(as_id(raw.get("warehouse_id")), 32),
        _text(as_id(raw.get("user_id")), 64),
        _text(raw.get("buyer_nickname"), 255),
        str(raw.get("buyer_message") or ""),
        _text(address.get("name"), 255),
        _text(address.get("phone_number"), 64),
        _text(address.get("region_code"), 8),
        _city(address),
        _text(address.get("postal_code"), 32),
        bool(as_bool(raw.get("is_on_hold_order"))),
        bool(as_bool(raw.get("is_buyer_request_cancel"))),
        bool(as_bool(raw.get("is_cod"))),
        _text(raw.get("cancel_reason"), 255),
        _text(raw.get("cancellation_initiator"), 16),
        len(_line_items(raw)),
        Json(raw, dumps=_dumps),
        now,
    )


def line_values(shop_id: int, order_pk: int, sku_pk: int | None, li: Mapping[str, Any]) -> tuple:
    """One line item as a mirror row, in COPY order (LINE_FIELDS)."""
    return (
        shop_id,
        order_pk,
        as_id(li.get("id")) or "",
        sku_pk,
        _text(as_id(li.get("sku_id")), 32),
        _text(as_id(li.get("product_id")), 32),
        _text(li.get("product_name"), 500),
        _text(li.get("sku_name"), 255),
        _text(li.get("seller_sku"), 100),
        _text(li.get("sku_image"), 1000),
        _text(li.get("currency"), 8),
        as_decimal(li.get("original_price")),
        as_decimal(li.get("sale_price")),
        as_decimal(li.get("seller_discount")),
        as_decimal(li.get("platform_discount")),
        _text(order_status(li.get("display_status")), 32),
        _text(as_id(li.get("package_id")), 32),
        _text(package_status(li.get("package_status")), 32),
        _text(li.get("tracking_number"), 100),
        _text(li.get("shipping_provider_name"), 255),
        bool(as_bool(li.get("is_gift"))),
        _text(li.get("cancel_reason"), 255),
        Json([p for p in li.get("sub_item_info") or () if isinstance(p, Mapping)], dumps=_dumps),
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
    "sub_items",
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


def orders_store(*, shop: Shop, orders: Sequence[Mapping[str, Any]]) -> int:
    """Upsert a page of orders (as TikTok sent them) and replace their lines in bulk."""
    now = timezone.now()
    latest = {i: o for o in orders if (i := as_id(o.get("id")))}
    if not latest:
        return 0
    lines = {i: _line_items(o) for i, o in latest.items()}
    sku_ids = {as_id(li.get("sku_id")) for items in lines.values() for li in items} - {None}
    sku_pk = dict(
        Sku.objects.filter(shop=shop, tiktok_id__in=sku_ids).values_list("tiktok_id", "pk")
    )
    order_pk = _upsert_orders([order_values(shop.pk, o, now) for o in latest.values()])
    OrderLine.objects.filter(order_id__in=order_pk.values()).delete()
    with connection.cursor() as cursor:
        table = OrderLine._meta.db_table
        with cursor.cursor.copy(f"copy {table} ({', '.join(LINE_FIELDS)}) from stdin") as copy:
            for tiktok_id, items in lines.items():
                for li in items:
                    sku = sku_pk.get(as_id(li.get("sku_id")) or "")
                    copy.write_row(line_values(shop.pk, order_pk[tiktok_id], sku, li))
    return len(latest)


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
