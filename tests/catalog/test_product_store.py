"""One page statement stores products, SKUs and stock exactly as the client's typed readers
(`tiktok.types.Product`) read TikTok's JSON, hostile shapes included."""

from __future__ import annotations

import copy
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from catalog.mirror import _store_statement, products_store
from catalog.models import Inventory, Product, Sku, Warehouse
from shops import jsonsql
from tests.factories import make_order, make_shop
from tests.store_plans import assert_read_by_keys, plan_when_grown
from tests.tiktok import samples
from tiktok.types import Product as ApiProduct

pytestmark = pytest.mark.django_db


PRODUCT_COLUMNS = [
    "title",
    "status",
    "audit_status",
    "category_id",
    "main_image_url",
    "create_time",
    "update_time",
    "sku_count",
    "stock_total",
    "price_min",
    "price_max",
    "currency",
    "deleted_at",
    "raw",
]
SKU_COLUMNS = [
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
]


def _expected(products: list[ApiProduct], now: datetime) -> dict[str, Any]:
    """What the store must write for a page on an empty mirror, read by the typed readers: the
    last copy of a product (and of a SKU) wins; SKUs and stock without an id are left out."""
    latest = {p.id: p for p in products if p.id}
    rows, skus = {}, {}
    for p in latest.values():
        prices = [s.price for s in p.skus if s.price is not None]
        rows[p.id] = {
            "title": (p.title or "")[:500],
            "status": p.status or "",
            "audit_status": p.audit_status or "",
            "category_id": p.category_id or "",
            "main_image_url": (p.main_image_url or "")[:1000],
            "create_time": p.create_time,
            "update_time": p.update_time,
            "sku_count": len(p.skus),
            "stock_total": sum(s.total_quantity for s in p.skus),
            "price_min": min(prices) if prices else None,
            "price_max": max(prices) if prices else None,
            "currency": next((s.currency for s in p.skus if s.currency), ""),
            "deleted_at": (p.update_time or now) if p.status == "DELETED" else None,
            "raw": p.raw,
        }
        for s in p.skus:
            if s.id:
                skus[s.id] = (p.id, s)
    sku_rows, stock = {}, {}
    for sku_id, (product_id, s) in skus.items():
        attributes = s.raw.get("sales_attributes") or ()
        name = ", ".join(
            str(a["value_name"]) for a in attributes if isinstance(a, dict) and a.get("value_name")
        )
        sku_rows[sku_id] = {
            "product": product_id,
            "seller_sku": (s.seller_sku or "")[:100],
            "name": name[:255],
            "price": s.price,
            "tax_exclusive_price": s.tax_exclusive_price,
            "list_price": s.list_price,
            "currency": s.currency or "",
            "status": s.status or "",
            "stock_total": s.total_quantity,
            "deleted_at": None,
            "raw": s.raw,
        }
        for entry in s.inventory:
            if entry.warehouse_id:
                stock[(sku_id, entry.warehouse_id)] = entry.quantity or 0
    return {"products": rows, "skus": sku_rows, "stock": stock}


def _stored(shop) -> dict[str, Any]:
    rows = {
        values.pop("tiktok_id"): values
        for values in Product.objects.filter(shop=shop).values("tiktok_id", *PRODUCT_COLUMNS)
    }
    skus = {}
    for values in Sku.objects.filter(shop=shop).values(
        "tiktok_id", "product__tiktok_id", *SKU_COLUMNS
    ):
        sku_id = values.pop("tiktok_id")
        skus[sku_id] = {"product": values.pop("product__tiktok_id"), **values}
    stock = {
        (sku, warehouse): quantity
        for sku, warehouse, quantity in Inventory.objects.filter(sku__shop=shop).values_list(
            "sku__tiktok_id", "warehouse__tiktok_id", "quantity"
        )
    }
    return {"products": rows, "skus": skus, "stock": stock}


def _typed(raws: list[Any]) -> list[ApiProduct]:
    return [ApiProduct.from_api(r) for r in raws]


def _search_product(**changes: Any) -> dict[str, Any]:
    product = copy.deepcopy(samples.SEARCH_PRODUCTS["products"][0])
    product.update(changes)
    return product


def _sku(sku_id: str, **changes: Any) -> dict[str, Any]:
    sku = copy.deepcopy(samples.SEARCH_SKU)
    sku.update(id=sku_id, **changes)
    return sku


def _hostile_page() -> list[dict[str, Any]]:
    detail = copy.deepcopy(samples.PRODUCT)
    detail["skus"][0]["sales_attributes"] = [
        {"name": "Color", "value_name": "Red"},
        {"name": "Size", "value_name": ""},
        {"name": "Pack", "value_name": 3},
        "not an attribute",
    ]
    return [
        detail,
        _search_product(
            id="1729000000000000001",
            title="x" * 5000,
            status=None,
            product_status="seller-deactivated",
            audit="not an object",
            skus=[
                _sku("1729000000000000101", price={"currency": "", "amount": 7}),
                _sku(
                    "1729000000000000102",
                    seller_sku="S" * 300,
                    price={"sale_price": "abc", "tax_exclusive_price": "12.345"},
                    list_price={"amount": "0", "currency": "EUR"},
                    inventory=[
                        {"warehouse_id": 7068517275539719942, "quantity": "12"},
                        {"warehouse_id": "7068517275539719944", "quantity": 3.7},
                        {"warehouse_id": "", "quantity": 5},
                        {"quantity": 9},
                        {"warehouse_id": "7068517275539719945", "quantity": None},
                        {"warehouse_id": "7068517275539719946", "quantity": "²"},
                        "not stock",
                        {"warehouse_id": " 7068517275539719944 ", "quantity": 1},  # the later one
                    ],
                    status_info={"status": "FREEZE"},
                ),
                _sku("", seller_sku="no id", inventory=[{"warehouse_id": "1", "quantity": 4}]),
                "not a sku",
                _sku("1729000000000000101", seller_sku="the later copy"),
            ],
        ),
        _search_product(
            id=" 1729000000000000002 ",
            title="nul \u0000 and ² inside",
            status="Deleted",
            update_time=None,
            skus="not a list",
        ),
        _search_product(
            id="1729000000000000003", status="DELETED", update_time=1695217000, skus=[]
        ),
        {"id": "", "title": "no id"},
        _search_product(
            id="1729000000000000004", title="first copy", skus=[_sku("1729000000000000402")]
        ),
        _search_product(
            id="1729000000000000004",
            title="last copy",
            category_chains=[{"id": "1"}, {"id": "2", "is_leaf": False}],
            main_images=[{"urls": []}, {"thumb_urls": ["https://p16.example/thumb"]}],
            skus=[_sku("1729000000000000401", price={"sale_price": 1e13})],
        ),
    ]


@pytest.mark.parametrize("detailed", [False, True], ids=["search", "detail"])
def test_a_page_is_stored_as_the_typed_readers_read_it(detailed):
    shop = make_shop()
    typed = _typed(_hostile_page())
    assert products_store(shop=shop, products=typed, detailed=detailed) == 5
    now = Product.objects.filter(shop=shop).first().synced_at
    expected = _expected(typed, now)
    # PostgreSQL's text cannot hold U+0000: it is stored as U+FFFD (as in orders).
    nul = expected["products"]["1729000000000000002"]
    nul["title"] = nul["raw"]["title"] = "nul \ufffd and ² inside"
    # An amount numeric(14, 2) cannot hold reads as none (the Python row would not insert).
    expected["products"]["1729000000000000004"].update(price_min=None, price_max=None)
    expected["skus"]["1729000000000000401"]["price"] = None
    assert expected["skus"]["1729000000000000102"]["price"] == Decimal("12.345")
    stored = _stored(shop)
    # The column keeps cents, as it always did.
    assert stored["skus"]["1729000000000000102"]["price"] == Decimal("12.35")
    for sku in (stored, expected):
        sku["skus"]["1729000000000000102"].update(price=None, tax_exclusive_price=None)
    assert stored["products"] == expected["products"]
    assert stored["skus"] == expected["skus"]
    assert stored["stock"] == expected["stock"]
    # Stock in a warehouse the shop's list did not name gets a stub warehouse.
    assert Warehouse.objects.filter(shop=shop, tiktok_id="7068517275539719944").exists()
    assert set(Product.objects.filter(shop=shop).values_list("synced_at", flat=True)) == {now}


def test_a_search_page_keeps_what_only_the_detail_has_and_retires_skus_no_longer_listed():
    shop = make_shop()
    detail = copy.deepcopy(samples.PRODUCT)
    detail["skus"][0]["sales_attributes"] = [{"value_name": "Red"}, {"value_name": "M"}]
    detail["skus"].append(_sku("1729592969712207013", seller_sku="Blue"))
    products_store(shop=shop, products=_typed([detail]), detailed=True)
    product = Product.objects.get(shop=shop)
    red = Sku.objects.get(shop=shop, tiktok_id="1729592969712207012")
    assert (product.category_id, product.main_image_url) == ("600002", "https://p16.example/abc")
    assert (product.sku_count, product.stock_total, red.name) == (2, 1049, "Red, M")
    assert red.inventory.count() == 2
    held = Inventory.objects.get(sku=red, warehouse__tiktok_id="7068517275539719942")
    order = make_order(shop)
    blue = Sku.objects.get(shop=shop, tiktok_id="1729592969712207013")
    line = order.lines.create(shop=shop, tiktok_id="1", sku=blue, seller_sku="Blue")

    # The search lists Red alone, with its stock in one warehouse changed and one gone.
    search = _search_product(
        id=detail["id"],
        update_time=1695218000,
        skus=[
            _sku(
                red.tiktok_id, inventory=[{"warehouse_id": held.warehouse.tiktok_id, "quantity": 7}]
            )
        ],
    )
    assert products_store(shop=shop, products=_typed([search])) == 1
    product.refresh_from_db()
    red.refresh_from_db()
    blue.refresh_from_db()
    assert (product.category_id, product.main_image_url) == ("600002", "https://p16.example/abc")
    assert (product.title, product.sku_count, product.stock_total) == (search["title"], 1, 7)
    assert (red.name, red.seller_sku, red.price, red.deleted_at) == (
        "Red, M",
        "Color-Red-XM01",
        Decimal("121.11"),
        None,
    )
    # The stock row is the same one, its quantity changed; the other warehouse's is gone.
    assert list(red.inventory.values_list("pk", "quantity")) == [(held.pk, 7)]
    # Blue is kept for the order line that points at it, marked deleted with no stock.
    assert blue.deleted_at == product.synced_at and blue.stock_total == 0
    line.refresh_from_db()
    assert line.sku == blue

    # Get Product again: the name follows TikTok; a SKU another product now lists moves there.
    detail["skus"][0]["sales_attributes"] = [{"value_name": "Crimson"}]
    other = _search_product(id="1729000000000000009", skus=[_sku(blue.tiktok_id)])
    products_store(shop=shop, products=_typed([detail, other]), detailed=True)
    red.refresh_from_db()
    blue.refresh_from_db()
    assert red.name == "Crimson"
    assert blue.product.tiktok_id == "1729000000000000009" and blue.deleted_at is None


def test_a_page_plan_on_a_grown_mirror_reads_stored_rows_by_their_keys_only():
    # As for orders (`tests.store_plans`): SKUs to retire are found by their products' ids,
    # stock rows to drop by their SKUs' ids. The shop's warehouses, a handful, may be read
    # whole.
    shop = make_shop()
    tables = ["catalog_product", "catalog_sku", "catalog_inventory"]

    def grow() -> None:
        products = []
        for n in range(150):
            product = copy.deepcopy(samples.PRODUCT)
            product["id"] = f"17{n:017d}"
            for k, sku in enumerate(product["skus"]):
                sku["id"] = f"18{n:015d}{k:02d}"
            products.append(product)
        products_store(shop=shop, products=_typed(products), detailed=True)

    params = {
        "shop": shop.pk,
        "products": jsonsql.page_texts(_hostile_page()),
        "detailed": False,
        "now": timezone.now(),
    }
    plan = plan_when_grown(_store_statement(), params, [*tables, "catalog_warehouse"], grow)
    assert_read_by_keys(plan, tables)
