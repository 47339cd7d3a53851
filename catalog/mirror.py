"""The catalog mirror: pages of products upserted in bulk, one product refreshed, the syncer."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from catalog.models import Inventory, Product, Sku, Warehouse
from shops.gateway import client_for_shop
from shops.models import Shop, SyncRun
from shops.sync import Syncer, sync_request
from tiktok.errors import ApiError
from tiktok.pagination import Page
from tiktok.types import Product as ApiProduct
from tiktok.types import Warehouse as ApiWarehouse

# Get Product: the product does not exist / is another shop's / its status (FREEZE, DELETED)
# forbids reading it (§7.3).
PRODUCT_GONE_CODES = frozenset({12052032, 12052048})
PRODUCT_UNREADABLE_CODE = 12052901

PRODUCT_FIELDS = [
    "title",
    "status",
    "audit_status",
    "create_time",
    "update_time",
    "sku_count",
    "stock_total",
    "price_min",
    "price_max",
    "currency",
    "deleted_at",
    "raw",
    "synced_at",
]
DETAIL_FIELDS = ["category_id", "main_image_url"]
SKU_FIELDS = [
    "product",
    "seller_sku",
    "name",
    "price",
    "tax_exclusive_price",
    "list_price",
    "currency",
    "status",
    "stock_total",
    "deleted_at",
    "raw",
    "synced_at",
]


def warehouses_store(*, shop: Shop, warehouses: Sequence[ApiWarehouse]) -> int:
    """Upsert the shop's warehouses."""
    rows = {
        w.id: Warehouse(
            shop=shop,
            tiktok_id=w.id,
            name=(w.name or "")[:255],
            type=w.type or "",
            effect_status=w.effect_status or "",
            is_default=w.is_default,
            region_code=w.region_code or "",
            raw=dict(w.raw),
        )
        for w in warehouses
        if w.id
    }
    Warehouse.objects.bulk_create(
        rows.values(),
        update_conflicts=True,
        unique_fields=["shop", "tiktok_id"],
        update_fields=[
            "name",
            "type",
            "effect_status",
            "is_default",
            "region_code",
            "raw",
            "synced_at",
        ],
    )
    return len(rows)


def _warehouse_pks(shop: Shop, tiktok_ids: Iterable[str], known: dict[str, int]) -> dict[str, int]:
    """Warehouse pks by TikTok id; stock in a warehouse we have not listed yet gets a stub."""
    missing = {i for i in tiktok_ids if i and i not in known}
    if missing:
        Warehouse.objects.bulk_create(
            [Warehouse(shop=shop, tiktok_id=i) for i in missing], ignore_conflicts=True
        )
        known.update(
            Warehouse.objects.filter(shop=shop, tiktok_id__in=missing).values_list(
                "tiktok_id", "pk"
            )
        )
    return known


def products_store(
    *,
    shop: Shop,
    products: Sequence[ApiProduct],
    detailed: bool = False,
    warehouse_pks: dict[str, int] | None = None,
) -> int:
    """Upsert a page of products with their SKUs and stock in a fixed number of statements."""
    now = timezone.now()
    latest = {p.id: p for p in products if p.id}
    if not latest:
        return 0
    known = _warehouse_pks(
        shop,
        {
            s.warehouse_id
            for p in latest.values()
            for sku in p.skus
            for s in sku.inventory
            if s.warehouse_id
        },
        warehouse_pks if warehouse_pks is not None else {},
    )
    rows = []
    for p in latest.values():
        prices = [s.price for s in p.skus if s.price is not None]
        deleted = p.status == Product.Status.DELETED
        rows.append(
            Product(
                shop=shop,
                tiktok_id=p.id,
                title=(p.title or "")[:500],
                status=p.status or "",
                audit_status=p.audit_status or "",
                category_id=p.category_id or "",
                main_image_url=(p.main_image_url or "")[:1000],
                create_time=p.create_time,
                update_time=p.update_time,
                sku_count=len(p.skus),
                stock_total=sum(s.total_quantity for s in p.skus),
                price_min=min(prices) if prices else None,
                price_max=max(prices) if prices else None,
                currency=next((s.currency for s in p.skus if s.currency), "") or "",
                deleted_at=(p.update_time or now) if deleted else None,
                raw=dict(p.raw),
                synced_at=now,
            )
        )
    Product.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["shop", "tiktok_id"],
        update_fields=PRODUCT_FIELDS + (DETAIL_FIELDS if detailed else []),
    )
    product_pk = {row.tiktok_id: row.pk for row in rows}
    skus = {}
    for p in latest.values():
        for s in p.skus:
            if not s.id:
                continue
            attributes = s.raw.get("sales_attributes") or ()
            skus[s.id] = (
                Sku(
                    shop=shop,
                    product_id=product_pk[p.id],
                    tiktok_id=s.id,
                    seller_sku=(s.seller_sku or "")[:100],
                    name=", ".join(
                        str(a.get("value_name")) for a in attributes if a.get("value_name")
                    )[:255],
                    price=s.price,
                    tax_exclusive_price=s.tax_exclusive_price,
                    list_price=s.list_price,
                    currency=s.currency or "",
                    status=s.status or "",
                    stock_total=s.total_quantity,
                    deleted_at=None,
                    raw=dict(s.raw),
                ),
                s.inventory,
            )
    sku_rows = [row for row, _ in skus.values()]
    Sku.objects.bulk_create(
        sku_rows,
        update_conflicts=True,
        unique_fields=["shop", "tiktok_id"],
        update_fields=SKU_FIELDS if detailed else [f for f in SKU_FIELDS if f != "name"],
    )
    sku_pks = [row.pk for row in sku_rows]
    # SKUs a product no longer lists are kept for the order lines that point at them.
    Sku.objects.filter(product_id__in=product_pk.values(), deleted_at__isnull=True).exclude(
        pk__in=sku_pks
    ).update(deleted_at=now, stock_total=0)
    Inventory.objects.filter(sku_id__in=sku_pks).delete()
    stock: dict[tuple[int, int], Inventory] = {}
    for row, inventory in skus.values():
        for entry in inventory:
            if entry.warehouse_id:
                key = (row.pk, known[entry.warehouse_id])
                stock[key] = Inventory(
                    sku_id=row.pk, warehouse_id=key[1], quantity=entry.quantity or 0
                )
    Inventory.objects.bulk_create(stock.values())
    return len(rows)


def products_mark_vanished(*, shop: Shop, before: datetime) -> int:
    """Products a complete full walk did not see are gone from TikTok: mark them deleted."""
    return (
        Product.objects.filter(shop=shop, synced_at__lt=before, deleted_at__isnull=True)
        .exclude(status=Product.Status.DELETED)
        .update(deleted_at=timezone.now(), status=Product.Status.DELETED)
    )


def product_refresh(*, shop: Shop, product_id: str) -> str:
    """Fetch one product again after TikTok said it changed; return what happened."""
    client = client_for_shop(shop)
    try:
        product = client.get_product(product_id)
    except ApiError as error:
        if error.code in PRODUCT_GONE_CODES:
            with transaction.atomic():
                Product.objects.filter(
                    shop=shop, tiktok_id=product_id, deleted_at__isnull=True
                ).update(deleted_at=timezone.now(), status=Product.Status.DELETED)
            return "deleted"
        if error.code == PRODUCT_UNREADABLE_CODE:
            # Frozen or deleted products cannot be read one by one; the search still lists them.
            sync_request(shop_id=shop.pk, resource="products", kind=SyncRun.Kind.INCREMENTAL)
            return "queued"
        raise
    with transaction.atomic():
        products_store(shop=shop, products=[product], detailed=True)
    return "refreshed"


class ProductSyncer(Syncer):
    """Products (search lists each with its SKUs, prices and stock: no detail call needed)."""

    resource = "products"
    page_size = 100
    store_side_by_side = True  # a page writes its products, their SKUs and their stock only

    def item_keys(self, item: Any) -> Iterable[Hashable] | None:
        return [("product", item.id), *(("sku", s.id) for s in item.skus if s.id)]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.warehouse_pks: dict[str, int] = {}

    def pages(self, *, page_token: str | None, updated_since: datetime | None) -> Iterator[Page]:
        filters = {"update_time_ge": updated_since} if updated_since else {}
        return self.client.iter_product_pages(
            page_token=page_token, page_size=self.page_size, **filters
        )

    def before_full(self) -> None:
        warehouses_store(shop=self.shop, warehouses=self.client.get_warehouses())

    def store(self, items: Sequence[Any]) -> int:
        return products_store(shop=self.shop, products=items, warehouse_pks=self.warehouse_pks)

    def after_full(self, *, started: datetime) -> None:
        products_mark_vanished(shop=self.shop, before=started)
