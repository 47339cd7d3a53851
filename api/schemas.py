"""The shapes the REST API and the MCP tools return, and the one function per shape that fills it.

Ids are strings (TikTok's 64-bit ids), money is a decimal string with its currency, times are
ISO 8601 in UTC ("2026-12-01T09:30:00Z").
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from ninja import Schema
from pydantic import Field, PlainSerializer

from catalog.models import Product, Sku
from finance.models import Payment, Statement
from fulfillment.models import Package, Return
from orders.models import Order, OrderLine
from shops.models import Shop


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


UtcTime = Annotated[datetime, PlainSerializer(_utc, return_type=str)]


class Money(Schema):
    """An amount as a decimal string, with its currency (never added across currencies)."""

    amount: str = Field(examples=["19.99"])
    currency: str = Field(examples=["USD"])


def money(amount: Decimal | None, currency: str) -> Money | None:
    return None if amount is None else Money(amount=str(amount), currency=currency)


T = TypeVar("T")


class Page(Schema, Generic[T]):
    """One page of a list, and the cursor of the next one (null on the last page)."""

    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null when this is the last page."
    )


# --- shops ----------------------------------------------------------------------------------


class ShopOut(Schema):
    id: str = Field(description="TikTok's shop id.")
    name: str
    region: str
    seller_type: str
    status: str = Field(description="active, needs_reauthorization or disconnected.")
    connected_at: UtcTime


def shop_out(shop: Shop) -> ShopOut:
    return ShopOut(
        id=shop.tiktok_id,
        name=shop.name,
        region=shop.region,
        seller_type=shop.seller_type,
        status=shop.status,
        connected_at=shop.connected_at,
    )


# --- products -------------------------------------------------------------------------------


class ProductOut(Schema):
    id: str
    shop_id: str
    title: str
    status: str = Field(description="TikTok's status (ACTIVATE, DRAFT, ...), DELETED if gone.")
    category_id: str
    create_time: UtcTime | None
    update_time: UtcTime | None
    sku_count: int
    stock_total: int = Field(description="Units in stock over every SKU and warehouse.")
    price_min: Money | None
    price_max: Money | None
    synced_at: UtcTime


class StockOut(Schema):
    warehouse_id: str
    warehouse_name: str
    quantity: int


class SkuOut(Schema):
    id: str
    seller_sku: str
    name: str
    status: str
    price: Money | None
    list_price: Money | None
    stock_total: int
    stock: list[StockOut]


class ProductDetailOut(ProductOut):
    skus: list[SkuOut]


def _product_fields(product: Product) -> dict[str, Any]:
    return {
        "id": product.tiktok_id,
        "shop_id": product.shop.tiktok_id,
        "title": product.title,
        "status": "DELETED" if product.deleted_at else product.status,
        "category_id": product.category_id,
        "create_time": product.create_time,
        "update_time": product.update_time,
        "sku_count": product.sku_count,
        "stock_total": product.stock_total,
        "price_min": money(product.price_min, product.currency),
        "price_max": money(product.price_max, product.currency),
        "synced_at": product.synced_at,
    }


def product_out(product: Product) -> ProductOut:
    return ProductOut(**_product_fields(product))


def sku_out(sku: Sku) -> SkuOut:
    return SkuOut(
        id=sku.tiktok_id,
        seller_sku=sku.seller_sku,
        name=sku.name,
        status=sku.status,
        price=money(sku.price, sku.currency),
        list_price=money(sku.list_price, sku.currency),
        stock_total=sku.stock_total,
        stock=[
            StockOut(
                warehouse_id=row.warehouse.tiktok_id,
                warehouse_name=row.warehouse.name,
                quantity=row.quantity,
            )
            for row in sku.inventory.all()
        ],
    )


def product_detail_out(product: Product) -> ProductDetailOut:
    skus = [sku_out(sku) for sku in product.skus.all() if sku.deleted_at is None]
    return ProductDetailOut(**_product_fields(product), skus=skus)


# --- orders ---------------------------------------------------------------------------------


class OrderOut(Schema):
    id: str
    shop_id: str
    status: str
    create_time: UtcTime | None
    update_time: UtcTime | None
    paid_time: UtcTime | None
    ship_by: UtcTime | None = Field(description="TikTok's deadline to ship.")
    shipped_time: UtcTime | None
    delivery_time: UtcTime | None
    cancel_time: UtcTime | None
    total: Money | None = Field(description="What the buyer paid.")
    sub_total: Money | None
    shipping_fee: Money | None
    seller_discount: Money | None
    platform_discount: Money | None
    tax: Money | None
    shipping_type: str
    fulfillment_type: str
    shipping_provider: str
    tracking_number: str
    recipient_name: str = Field(description="As TikTok sends it (masked).")
    recipient_region_code: str
    is_on_hold: bool
    buyer_requested_cancel: bool
    is_cod: bool
    line_count: int
    synced_at: UtcTime


class OrderLineOut(Schema):
    id: str
    product_id: str
    sku_id: str
    product_name: str
    sku_name: str
    seller_sku: str
    sale_price: Money | None
    original_price: Money | None
    status: str
    package_id: str
    tracking_number: str


class OrderDetailOut(OrderOut):
    lines: list[OrderLineOut]
    package_ids: list[str]


def _order_fields(order: Order) -> dict[str, Any]:
    currency = order.currency
    return {
        "id": order.tiktok_id,
        "shop_id": order.shop.tiktok_id,
        "status": order.status,
        "create_time": order.create_time,
        "update_time": order.update_time,
        "paid_time": order.paid_time,
        "ship_by": order.ship_by,
        "shipped_time": order.rts_time,
        "delivery_time": order.delivery_time,
        "cancel_time": order.cancel_time,
        "total": money(order.total_amount, currency),
        "sub_total": money(order.sub_total, currency),
        "shipping_fee": money(order.shipping_fee, currency),
        "seller_discount": money(order.seller_discount, currency),
        "platform_discount": money(order.platform_discount, currency),
        "tax": money(order.tax, currency),
        "shipping_type": order.shipping_type,
        "fulfillment_type": order.fulfillment_type,
        "shipping_provider": order.shipping_provider,
        "tracking_number": order.tracking_number,
        "recipient_name": order.recipient_name,
        "recipient_region_code": order.recipient_region_code,
        "is_on_hold": order.is_on_hold_order,
        "buyer_requested_cancel": order.is_buyer_request_cancel,
        "is_cod": order.is_cod,
        "line_count": order.line_count,
        "synced_at": order.synced_at,
    }


def order_out(order: Order) -> OrderOut:
    return OrderOut(**_order_fields(order))


def order_line_out(line: OrderLine) -> OrderLineOut:
    return OrderLineOut(
        id=line.tiktok_id,
        product_id=line.product_tiktok_id,
        sku_id=line.sku_tiktok_id,
        product_name=line.product_name,
        sku_name=line.sku_name,
        seller_sku=line.seller_sku,
        sale_price=money(line.sale_price, line.currency),
        original_price=money(line.original_price, line.currency),
        status=line.display_status,
        package_id=line.package_tiktok_id,
        tracking_number=line.tracking_number,
    )


def order_detail_out(order: Order) -> OrderDetailOut:
    return OrderDetailOut(
        **_order_fields(order),
        lines=[order_line_out(line) for line in order.lines.all()],
        package_ids=[package.tiktok_id for package in order.packages.all()],
    )


# --- packages and returns --------------------------------------------------------------------


class PackageOut(Schema):
    id: str
    shop_id: str
    order_ids: list[str]
    status: str
    sub_status: str
    create_time: UtcTime | None
    update_time: UtcTime | None
    shipping_type: str
    shipping_provider: str
    tracking_number: str


def package_out(package: Package) -> PackageOut:
    order_ids = [str(i) for i in package.order_tiktok_ids or []] or (
        [package.order_tiktok_id] if package.order_tiktok_id else []
    )
    return PackageOut(
        id=package.tiktok_id,
        shop_id=package.shop.tiktok_id,
        order_ids=order_ids,
        status=package.status,
        sub_status=package.sub_status,
        create_time=package.create_time,
        update_time=package.update_time,
        shipping_type=package.shipping_type,
        shipping_provider=package.shipping_provider_name,
        tracking_number=package.tracking_number,
    )


class ReturnOut(Schema):
    id: str
    shop_id: str
    order_id: str
    type: str
    status: str
    status_label: str = Field(description="The status in the seller's words.")
    reason: str
    refund_total: Money | None
    next_action: str = Field(description="The seller's next step; empty when none is due.")
    deadline: UtcTime | None
    create_time: UtcTime | None
    update_time: UtcTime | None
    return_tracking_number: str


def return_out(item: Return) -> ReturnOut:
    return ReturnOut(
        id=item.tiktok_id,
        shop_id=item.shop.tiktok_id,
        order_id=item.order_tiktok_id,
        type=item.type,
        status=item.status,
        status_label=item.status_label,
        reason=item.reason_text or item.reason,
        refund_total=money(item.refund_total, item.currency),
        next_action=item.next_action,
        deadline=item.deadline,
        create_time=item.create_time,
        update_time=item.update_time,
        return_tracking_number=item.return_tracking_number,
    )


# --- finance --------------------------------------------------------------------------------


class PaymentOut(Schema):
    id: str
    shop_id: str
    status: str
    create_time: UtcTime | None
    paid_time: UtcTime | None
    amount: Money | None = Field(description="What reached the bank account.")
    settlement_amount: Money | None
    amount_before_exchange: Money | None
    exchange_rate: str | None
    bank_account: str = Field(description="As TikTok sends it (masked).")


def payment_out(payment: Payment) -> PaymentOut:
    return PaymentOut(
        id=payment.tiktok_id,
        shop_id=payment.shop.tiktok_id,
        status=payment.status,
        create_time=payment.create_time,
        paid_time=payment.paid_time,
        amount=money(payment.amount, payment.currency),
        settlement_amount=money(payment.settlement_amount, payment.currency),
        amount_before_exchange=money(
            payment.amount_before_exchange, payment.currency_before_exchange
        ),
        exchange_rate=None if payment.exchange_rate is None else str(payment.exchange_rate),
        bank_account=payment.bank_account,
    )


class StatementOut(Schema):
    id: str
    shop_id: str
    statement_time: UtcTime | None
    payment_status: str
    payment_id: str
    settlement: Money | None = Field(description="revenue + fees + shipping cost + adjustments.")
    revenue: Money | None
    fees_and_taxes: Money | None = Field(description="Negative when it reduces the settlement.")
    shipping_cost: Money | None
    adjustments: Money | None
    net_sales: Money | None
    adds_up: bool | None = Field(
        description="Whether the statement's transactions sum to it; null until all are mirrored."
    )


def statement_out(statement: Statement) -> StatementOut:
    currency = statement.currency
    adds_up = getattr(statement, "adds_up", None) if statement.transactions_synced else None
    return StatementOut(
        id=statement.tiktok_id,
        shop_id=statement.shop.tiktok_id,
        statement_time=statement.statement_time,
        payment_status=statement.payment_status,
        payment_id=statement.payment_tiktok_id,
        settlement=money(statement.settlement_amount, currency),
        revenue=money(statement.revenue_amount, currency),
        fees_and_taxes=money(statement.fee_amount, currency),
        shipping_cost=money(statement.shipping_cost_amount, currency),
        adjustments=money(statement.adjustment_amount, currency),
        net_sales=money(statement.net_sales_amount, currency),
        adds_up=adds_up,
    )


Dump = Callable[[Any], Schema]
