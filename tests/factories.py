"""Factories for the rows tests need: people, shops and every mirrored model.

View tests build their rows here instead of connecting through OAuth and running a sync.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from catalog.models import Inventory, Product, Sku, Warehouse
from fulfillment.models import Cancellation, Package, Return
from orders.models import Order, OrderLine
from shops.commands import command_create
from shops.models import Command, Shop
from shops.roles import ADMINS, OPERATORS, group

PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)


def _n() -> int:
    return next(_counter)


def make_user(*, username: str | None = None, role: str = "operator", password: str = PASSWORD):
    """A user in the Admins or Operators group (role 'staff': Django staff without a role)."""
    username = username or f"user{_n()}"
    user = get_user_model().objects.create_user(
        username=username, password=password, is_staff=role in ("admin", "staff")
    )
    if role in ("admin", "operator"):
        user.groups.add(group(ADMINS if role == "admin" else OPERATORS))
    return user


def make_shop(
    *, name: str | None = None, region: str = "US", members: tuple = (), **fields
) -> Shop:
    """A connected shop (no authorization: nothing calls TikTok in view tests)."""
    n = _n()
    shop = Shop.objects.create(
        tiktok_id=fields.pop("tiktok_id", f"7494{n:012d}"),
        cipher=f"ROW_cipher{n}",
        name=name or f"Shop {n}",
        region=region,
        seller_type="LOCAL",
        **fields,
    )
    if members:
        shop.members.add(*members)
    return shop


def make_warehouse(shop: Shop, **fields) -> Warehouse:
    n = _n()
    values: dict[str, Any] = {
        "tiktok_id": f"7000{n:012d}",
        "name": f"Warehouse {n}",
        "type": "SALES_WAREHOUSE",
        "effect_status": "ENABLED",
    }
    values.update(fields)
    return Warehouse.objects.create(shop=shop, **values)


def make_product(
    shop: Shop,
    *,
    skus: int = 1,
    price: Decimal = Decimal("19.99"),
    stock: int = 10,
    warehouse: Warehouse | None = None,
    **fields,
) -> Product:
    """A product with `skus` SKUs, each with `stock` units in one warehouse."""
    n = _n()
    now = timezone.now()
    values: dict[str, Any] = {
        "tiktok_id": f"1729{n:015d}",
        "title": f"Product {n}",
        "status": Product.Status.ACTIVATE,
        "create_time": now - timedelta(days=30),
        "update_time": now - timedelta(hours=n % 48),
        "sku_count": skus,
        "stock_total": stock * skus,
        "price_min": price,
        "price_max": price,
        "currency": "USD",
        "synced_at": now,
    }
    values.update(fields)
    product = Product.objects.create(shop=shop, **values)
    warehouse = warehouse or make_warehouse(shop)
    for i in range(skus):
        sku = make_sku(product, seller_sku=f"SKU-{n}-{i}", price=price, stock_total=stock)
        make_inventory(sku, warehouse, quantity=stock)
    return product


def make_sku(product: Product, **fields) -> Sku:
    n = _n()
    values: dict[str, Any] = {
        "tiktok_id": f"1730{n:015d}",
        "seller_sku": f"SKU-{n}",
        "name": f"Variant {n}",
        "price": Decimal("19.99"),
        "list_price": Decimal("24.99"),
        "currency": product.currency or "USD",
        "status": "NORMAL",
        "stock_total": 10,
    }
    values.update(fields)
    return Sku.objects.create(shop=product.shop, product=product, **values)


def make_inventory(sku: Sku, warehouse: Warehouse, *, quantity: int = 10) -> Inventory:
    return Inventory.objects.create(sku=sku, warehouse=warehouse, quantity=quantity)


def make_order(
    shop: Shop,
    *,
    lines: int = 1,
    sku: Sku | None = None,
    created: datetime | None = None,
    **fields,
) -> Order:
    """An order with `lines` lines (one unit each, as TikTok sends them)."""
    n = _n()
    created = created or timezone.now() - timedelta(hours=n % 240)
    values: dict[str, Any] = {
        "tiktok_id": f"5769{n:014d}",
        "status": Order.Status.AWAITING_SHIPMENT,
        "create_time": created,
        "update_time": created + timedelta(minutes=5),
        "paid_time": created + timedelta(minutes=1),
        "ship_by": created + timedelta(days=2),
        "currency": "USD",
        "sub_total": Decimal("19.99") * lines,
        "total_amount": Decimal("19.99") * lines,
        "recipient_name": f"Buyer {n}",
        "shipping_type": "TIKTOK",
        "line_count": lines,
        "synced_at": timezone.now(),
    }
    values.update(fields)
    order = Order.objects.create(shop=shop, **values)
    for _ in range(lines):
        make_line(order, sku=sku)
    return order


def make_line(order: Order, *, sku: Sku | None = None, **fields) -> OrderLine:
    n = _n()
    values: dict[str, Any] = {
        "tiktok_id": f"5770{n:014d}",
        "sku": sku,
        "sku_tiktok_id": sku.tiktok_id if sku else f"1730{n:015d}",
        "product_tiktok_id": sku.product.tiktok_id if sku else "",
        "product_name": sku.product.title if sku else f"Product of line {n}",
        "seller_sku": sku.seller_sku if sku else f"LINE-SKU-{n}",
        "currency": order.currency,
        "original_price": Decimal("24.99"),
        "sale_price": Decimal("19.99"),
        "display_status": order.status,
    }
    values.update(fields)
    return OrderLine.objects.create(shop=order.shop, order=order, **values)


def make_package(order: Order, **fields) -> Package:
    n = _n()
    values: dict[str, Any] = {
        "tiktok_id": f"1152{n:014d}",
        "order_tiktok_id": order.tiktok_id,
        "order_tiktok_ids": [order.tiktok_id],
        "line_item_ids": list(order.lines.values_list("tiktok_id", flat=True)),
        "status": "PROCESSING",
        "create_time": order.create_time,
        "update_time": order.update_time,
        "shipping_provider_name": "USPS",
        "tracking_number": f"9400{n:018d}",
        "synced_at": timezone.now(),
    }
    values.update(fields)
    return Package.objects.create(shop=order.shop, order=order, **values)


def _aftersale(order: Order, prefix: str, **fields) -> dict[str, Any]:
    n = _n()
    values: dict[str, Any] = {
        "tiktok_id": f"{prefix}{n:014d}",
        "order_tiktok_id": order.tiktok_id,
        "currency": order.currency,
        "refund_total": order.total_amount,
        "create_time": order.create_time + timedelta(days=1),
        "update_time": order.create_time + timedelta(days=1),
        "synced_at": timezone.now(),
    }
    values.update(fields)
    return values


def make_return(order: Order, **fields) -> Return:
    fields.setdefault("type", "RETURN_AND_REFUND")
    fields.setdefault("status", "RETURN_OR_REFUND_REQUEST_PENDING")
    values = _aftersale(order, "4035", **fields)
    return Return.objects.create(shop=order.shop, order=order, **values)


def make_cancellation(order: Order, **fields) -> Cancellation:
    fields.setdefault("type", "BUYER_CANCEL")
    fields.setdefault("status", "CANCELLATION_REQUEST_PENDING")
    values = _aftersale(order, "4036", **fields)
    return Cancellation.objects.create(shop=order.shop, order=order, **values)


def make_command(shop: Shop, *, status: str = "queued", **fields) -> Command:
    """A price set for one product of the shop, in the given state (never sent)."""
    n = _n()
    command = command_create(
        shop=shop,
        kind=fields.pop("kind", "catalog.set_prices"),
        target=fields.pop("target", f"product:{n}"),
        target_label=fields.pop("target_label", f"Product {n}"),
        desired=fields.pop(
            "desired",
            {
                "product_id": str(n),
                "currency": "USD",
                "skus": [{"sku_id": str(n), "price": "9.99"}],
            },
        ),
        enqueue=False,
        **fields,
    )
    Command.objects.filter(pk=command.pk).update(status=status)
    command.status = status
    return command


def make_catalog_and_orders(shop: Shop, *, products: int = 3, orders: int = 60) -> list[Order]:
    """A small mirrored shop: products with SKUs and stock, orders on them, some packages,
    a return and a cancellation."""
    skus = [make_product(shop).skus.get() for _ in range(products)]
    statuses = list(Order.Status.values)
    made = []
    for i in range(orders):
        order = make_order(shop, sku=skus[i % len(skus)], status=statuses[i % len(statuses)])
        if i % 3 == 0:
            make_package(order)
        made.append(order)
    make_return(made[0], deadline=timezone.now() + timedelta(days=1), next_action="SELLER_REVIEW")
    make_cancellation(made[1], deadline=timezone.now() + timedelta(hours=5), next_action="REVIEW")
    return made
