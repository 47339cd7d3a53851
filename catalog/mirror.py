"""The catalog mirror: pages of products upserted in bulk, one product refreshed, the syncer."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from django.db import transaction
from django.utils import timezone

from catalog.models import Inventory, Product, Sku, Warehouse
from shops import jsonsql as sql
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

# The fields read from each product, each of its SKUs and each SKU's price (`jsonsql.fields`).
PRODUCT_KEYS = [
    "status",
    "product_status",
    "create_time",
    "update_time",
    "audit",
    "category_chains",
    "main_images",
]
PRODUCT_TEXTS = ["title"]
SKU_KEYS = ["id", "price", "list_price", "inventory", "status_info", "sales_attributes"]
SKU_TEXTS = ["seller_sku"]
PRICE_KEYS = ["sale_price", "tax_exclusive_price", "amount"]
CURRENCY_TEXTS = ["currency"]


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


def _add_warehouse_stubs(shop: Shop, products: Sequence[ApiProduct]) -> None:
    """Stock in a warehouse we have not listed yet gets a stub warehouse.

    A statement of its own, before the page's: that one finds warehouses by TikTok id as they
    were when it began, and this insert waits for a stub another writer is adding meanwhile.
    """
    ids = {
        stock.warehouse_id
        for product in products
        for sku in product.skus
        for stock in sku.inventory
        if stock.warehouse_id
    }
    if ids:
        Warehouse.objects.bulk_create(
            # In order: two writers adding the same stubs take their locks in the same order.
            [Warehouse(shop=shop, tiktok_id=i) for i in sorted(ids)],
            ignore_conflicts=True,
        )


def _sku_columns() -> dict[str, str]:
    """How each SKU's values are read from its fields (`si`), its price (`pr`) and list price
    (`lp`), as Sku.from_api reads them."""
    quantity = sql.integer("i.entry->'quantity'")
    stock = (
        f"(select coalesce(sum(coalesce({quantity}, 0)), 0) "  # noqa: S608
        f"from {sql.objects('si.inventory')} as i(entry, n) "
        "where jsonb_typeof(i.entry) = 'object')"
    )
    value_name = "a.attribute->'value_name'"
    name = (
        f"coalesce((select string_agg({sql.text(value_name)}, ', ' order by a.n) "  # noqa: S608
        f"from {sql.objects('si.sales_attributes')} as a(attribute, n) "
        f"where jsonb_typeof(a.attribute) = 'object' and {sql.truthy(value_name)}), '')"
    )
    price = (
        f"coalesce({sql.money('pr.sale_price')}, {sql.money('pr.tax_exclusive_price')}, "
        f"{sql.money('pr.amount')})"
    )
    return {
        "tiktok_id": sql.ident("si.id"),
        "seller_sku": sql.plain("si.seller_sku", 100),
        "name": f"left({name}, 255)",
        "price": price,
        "tax_exclusive_price": sql.money("pr.tax_exclusive_price"),
        # A list price of 0 (or an empty one) is none: how a cleared one reads back.
        "list_price": f"nullif({sql.money('lp.amount')}, 0)",
        "currency": "left(coalesce(nullif(pr.currency, ''), nullif(lp.currency, ''), ''), 8)",
        "status": sql.text("si.status_info->'status'", 32),
        "stock_total": f"least({stock}, 2147483647)",
    }


def _product_columns() -> dict[str, str]:
    """How each product column is read from its fields (`r`) and its SKUs' totals (`t`)."""
    status = sql.status_text(
        f"(case when {sql.truthy('r.status')} then r.status else r.product_status end)", 32
    )
    update_time = sql.time("r.update_time")
    # Get Product's leaf category (the last of the chain when none is marked a leaf).
    leaf = sql.truthy("c.chain->'is_leaf'")
    category = (
        f"coalesce((select {sql.id_text('c.chain->' + repr('id'), 32)} "  # noqa: S608
        f"from {sql.objects('r.category_chains')} as c(chain, n) "
        "where jsonb_typeof(c.chain) = 'object' "
        f"order by {leaf} desc, case when {leaf} then c.n else -c.n end limit 1), '')"
    )
    # The first image's first URL (its thumbnail's when it has no URLs).
    has_urls = sql.truthy("m.image->'urls'")
    urls = f"(case when {has_urls} then m.image->'urls' else m.image->'thumb_urls' end)"
    image = (
        f"coalesce((select {sql.text(urls + '->0', 1000)} "  # noqa: S608
        f"from {sql.objects('r.main_images')} as m(image, n) "
        f"where jsonb_typeof(m.image) = 'object' and {sql.truthy(urls)} "
        "order by m.n limit 1), '')"
    )
    return {
        "title": sql.plain("r.title", 500),
        "status": status,
        "audit_status": sql.text("r.audit->'status'", 32),
        "category_id": category,
        "main_image_url": image,
        "create_time": sql.time("r.create_time"),
        "update_time": update_time,
        "sku_count": "coalesce(t.sku_count, 0)",
        "stock_total": "least(coalesce(t.stock_total, 0), 2147483647)",
        "price_min": "t.price_min",
        "price_max": "t.price_max",
        "currency": "coalesce(t.currency, '')",
        "deleted_at": f"case when {status} = 'DELETED' then coalesce({update_time}, %(now)s) end",
        "raw": "page.raw",
        "synced_at": "%(now)s",
    }


# Only a Get Product answer carries these: a search page leaves the stored ones as they are.
PRODUCT_DETAIL_COLUMNS = {"category_id", "main_image_url"}
SKU_DETAIL_COLUMNS = {"name"}


@cache
def _store_statement() -> str:
    """One statement per page: upsert the products, their SKUs and their stock per warehouse.

    Every product of the page is written (its `synced_at` is what marks a product a complete
    walk did not see as vanished). A SKU its product no longer lists is kept, marked deleted,
    for the order lines that point at it. Every sub-statement sees the rows as they were
    before, so each one writes rows no other one touches. The SKUs to retire and the stock to
    drop are looked up by their products' and SKUs' ids (`= any (array(...))`; `in (select
    ...)` may be planned as a semi join that reads every live SKU or stock row for each page).
    """
    products = _product_columns()
    skus = _sku_columns()
    product_table = Product._meta.db_table
    sku_table = Sku._meta.db_table
    stock_table = Inventory._meta.db_table
    sku_fields = sql.fields("listed.item", "si", SKU_KEYS, SKU_TEXTS)
    price = sql.fields("si.price", "pr", PRICE_KEYS, CURRENCY_TEXTS)
    list_price = sql.fields("si.list_price", "lp", ["amount"], CURRENCY_TEXTS)
    # The SKU columns as `listed` read them, and the ones every SKU of the page gets.
    sku_values = {c: f"l.{c}" for c in skus if c != "tiktok_id"}
    sku_values.update(deleted_at="null", raw="l.item::json", synced_at="%(now)s")
    # Only our own table, column names and reader expressions are spliced; values are params.
    return f"""
        with page as materialized ({sql.page_items("products", "o->'id'")}
        ), listed as materialized (
            select page.tiktok_id as product, page.n as product_n, listed.n, listed.item,
                   {", ".join(f"{v} as {c}" for c, v in skus.items())}
              from page
             cross join lateral {sql.objects("page.o->'skus'")} as listed(item, n)
             cross join lateral {sku_fields}
             cross join lateral {price}
             cross join lateral {list_price}
             where jsonb_typeof(listed.item) = 'object'
        ), totals as (
            select product, count(*) as sku_count, sum(stock_total) as stock_total,
                   min(price) as price_min, max(price) as price_max,
                   (array_agg(currency order by n) filter (where currency <> ''))[1] as currency
              from listed
             group by product
        ), product_up as (
            insert into {product_table} (shop_id, tiktok_id, {", ".join(products)})
            select %(shop)s, page.tiktok_id, {", ".join(products.values())}
              from page
             cross join lateral {sql.fields("page.o", "r", PRODUCT_KEYS, PRODUCT_TEXTS)}
              left join totals t on t.product = page.tiktok_id
            on conflict (shop_id, tiktok_id)
            do update set {sql.updates(product_table, products, PRODUCT_DETAIL_COLUMNS)}
            returning id, tiktok_id
        ), latest_sku as (
            select distinct on (tiktok_id) *
              from listed
             where tiktok_id is not null
             order by tiktok_id, product_n desc, n desc
        ), sku_up as (
            insert into {sku_table} (shop_id, product_id, tiktok_id, {", ".join(sku_values)})
            select %(shop)s, up.id, l.tiktok_id, {", ".join(sku_values.values())}
              from latest_sku l
              join product_up up on up.tiktok_id = l.product
            on conflict (shop_id, tiktok_id)
            do update set product_id = excluded.product_id,
                          {sql.updates(sku_table, sku_values, SKU_DETAIL_COLUMNS)}
            returning id, tiktok_id
        ), retired as (
            update {sku_table} set deleted_at = %(now)s, stock_total = 0
             where product_id = any (array(select id from product_up))
               and deleted_at is null
               and id not in (select id from sku_up)
        ), stock as (
            select distinct on (up.id, wh.id)
                   up.id as sku_id, wh.id as warehouse_id,
                   coalesce({sql.integer("i.entry->'quantity'")}, 0) as quantity
              from latest_sku l
              join sku_up up using (tiktok_id)
             cross join lateral {sql.objects("l.item->'inventory'")} as i(entry, n)
              join {Warehouse._meta.db_table} wh
                on wh.shop_id = %(shop)s and wh.tiktok_id = {sql.ident("i.entry->'warehouse_id'")}
             where jsonb_typeof(i.entry) = 'object'
             order by up.id, wh.id, i.n desc
        ), stock_gone as (
            delete from {stock_table} held
             where held.sku_id = any (array(select id from sku_up))
               and not exists (
                 select from stock
                  where stock.sku_id = held.sku_id and stock.warehouse_id = held.warehouse_id
               )
        ), stock_set as (
            insert into {stock_table} (sku_id, warehouse_id, quantity)
            select sku_id, warehouse_id, quantity from stock
            on conflict (sku_id, warehouse_id) do update set quantity = excluded.quantity
             where {stock_table}.quantity <> excluded.quantity
        )
        select count(*) from page
    """  # noqa: S608


def products_store(*, shop: Shop, products: Sequence[ApiProduct], detailed: bool = False) -> int:
    """Upsert a page of products with their SKUs and stock (TikTok's JSON read by PostgreSQL,
    in one statement after the warehouse stubs); `detailed`: Get Product answers, whose
    category, image and SKU names a search page does not carry. Returns how many products."""
    if not products:
        return 0
    _add_warehouse_stubs(shop, products)
    raws = [p.raw for p in products]
    return sql.store_page(_store_statement(), shop.pk, "products", raws, detailed=detailed)


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

    def pages(self, *, page_token: str | None, updated_since: datetime | None) -> Iterator[Page]:
        filters = {"update_time_ge": updated_since} if updated_since else {}
        return self.client.iter_product_pages(
            page_token=page_token, page_size=self.page_size, **filters
        )

    def before_full(self) -> None:
        warehouses_store(shop=self.shop, warehouses=self.client.get_warehouses())

    def store(self, items: Sequence[Any]) -> int:
        return products_store(shop=self.shop, products=items)

    def after_full(self, *, started: datetime) -> None:
        products_mark_vanished(shop=self.shop, before=started)
