"""Every endpoint method: the request on the wire (signed, cipher rules) and the parsed answer."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.tiktok import fakes, samples
from tests.tiktok.fakes import (
    ACCESS_TOKEN,
    APP_KEY,
    NOW,
    SHOP_CIPHER,
    FakeTikTok,
    assert_signed,
    body_of,
    fail,
    ok,
    query_of,
)
from tiktok.client import TikTokClient
from tiktok.config import AppCredentials
from tiktok.errors import ApiError, InvalidRequestError
from tiktok.pagination import Page
from tiktok.types import (
    AfterSaleLineRef,
    BatchResult,
    InventoryUpdate,
    Money,
    OrderLineRef,
    PackageShipment,
    PriceUpdate,
    ShippingInfo,
    WarehouseQuantity,
)

PRODUCT_ID = "1729592969712203232"
SKU_ID = "1729592969712207012"
WAREHOUSE_ID = "7068517275539719942"
ORDER_ID = "576461413038785752"
PACKAGE_ID = "1152321127278713123"
RETURN_ID = "4035318504086524123"
CANCEL_ID = "4035318504086524999"
STATEMENT_ID = "7212341234123412345"


@dataclass
class Case:
    """One endpoint method, what it must send, and what it must make of the answer."""

    id: str
    call: Callable[[TikTokClient], Any]
    method: str
    path: str
    response: dict[str, Any]
    query: dict[str, str] = field(default_factory=dict)
    body: Any = None
    shop_scoped: bool = True
    check: Callable[[Any], None] = lambda result: None


def _check_shops(shops: Any) -> None:
    assert shops[0].id == "7000714532876273420"
    assert shops[0].cipher == "GCP_XF90igAAAABh00qsWgtvOiGFNqyubMt3"
    assert shops[0].seller_type == "CROSS_BORDER"
    assert shops[0].code == "CNGBCBA4LLU8"


def _check_product_page(page: Any) -> None:
    assert isinstance(page, Page)
    assert page.total_count == 3 and page.next_page_token == "b2Zmc2V0PTAK/+x="
    product = page.items[0]
    assert product.status == "ACTIVATE" and product.audit_status == "APPROVED"
    assert product.skus[0].price == Decimal("121.11")
    assert product.skus[0].inventory[0].quantity == 999
    assert product.raw["some_future_field"] == {"x": 1}


def _check_product(product: Any) -> None:
    sku = product.skus[0]
    assert sku.price == Decimal("19.99")  # no sale_price: tax_exclusive_price
    assert sku.list_price == Decimal("29.99")
    assert sku.total_quantity == 50
    assert product.category_id == "600002"
    assert product.main_image_url == "https://p16.example/abc"


def _check_inventory_errors(result: Any) -> None:
    assert isinstance(result, BatchResult) and not result.ok
    error = result.error_for(SKU_ID)
    assert error is not None and error.code == 12052990
    assert error.extra_errors[0].code == 12052097
    assert error.extra_errors[0].warehouse_id == "7068517275539719999"


def _check_activate(result: Any) -> None:
    assert result.failed_ids == {"1729592969712203233"}
    assert result.errors[0].code == 12052901


def _check_orders(orders: Any) -> None:
    order = orders[0]
    assert order.id == ORDER_ID and order.total_amount == Decimal("62.49")
    assert [li.package_status for li in order.line_items] == ["TO_FULFILL", "TO_FULFILL", None]
    bundle = order.line_items[2]
    assert [s.id for s in bundle.sub_items] == ["5770865121237551251", "5770865121237551252"]
    assert bundle.sub_items[0].quantity == 2 and bundle.sub_items[0].sale_price == Decimal("30")
    assert bundle.sub_items[1].quantity == 1 and bundle.sub_items[1].sale_price is None
    assert order.line_items[0].sub_items == ()
    assert bundle.raw["sku_type"] == "COMBINED_LISTING"


def _check_order_page(page: Any) -> None:
    assert page.next_page_token == "aDU2dHlwMT" and page.total_count == 1
    assert page.items[0].line_items[0].sale_price == Decimal("28.50")


def _check_package_page(page: Any) -> None:
    assert page.is_last and page.next_page_token is None
    assert page.items[0].status == "PROCESSING"
    assert page.items[0].order_ids == (ORDER_ID,)


def _check_package(package: Any) -> None:
    assert package.id == PACKAGE_ID and package.status == "TO_FULFILL"
    assert package.sub_status is None
    assert package.order_line_item_ids == ("577086512123755123", "577086512123755124")


def _check_slots(slots: Any) -> None:
    assert slots.can_pickup and slots.can_drop_off
    assert [s.available for s in slots.pickup_slots] == [True, False]
    assert slots.pickup_slots[0].start_time == datetime.fromtimestamp(1697000000, UTC)


def _check_tracking(events: Any) -> None:
    assert events[0].time == datetime(2023, 10, 12, 8, 40, 0, 123000, tzinfo=UTC)
    assert events[0].description == "Delivered"


def _check_cancellations(page: Any) -> None:
    assert page.items[0].status == "CANCELLATION_REQUEST_CANCELLED"
    assert page.items[0].refund_total == Decimal("62.49")
    assert page.items[0].should_replenish_stock is True


def _check_returns(page: Any) -> None:
    ret, exchange = page.items
    assert ret.refund_total == Decimal("28.50") and ret.is_quick_refund
    (sub,) = ret.line_items[0].sub_line_items
    assert sub.id == "4035318504086524201" and sub.refund_total == Decimal("10.00")
    assert exchange.type == "EXCHANGE" and exchange.status == "EXCHANGE_REQUEST_PENDING"
    assert exchange.line_items == () and not exchange.is_quick_refund


def _check_statements(page: Any) -> None:
    assert page.total_count is None
    assert page.items[0].fee_amount == Decimal("-166.59")


def _check_payments(page: Any) -> None:
    paid, processing = page.items
    assert paid.amount == Money(Decimal("1033.41"), "USD") and paid.reserve_amount is None
    assert paid.paid_time == datetime.fromtimestamp(1697241600, UTC)
    assert processing.status == "PROCESSING" and processing.paid_time is None


def _check_statement_transactions(page: Any) -> None:
    assert page.total_count == 2 and page.is_last
    statement = page.statement
    assert statement.id == STATEMENT_ID and statement.status == "PAID"
    assert statement.settlement_amount == Decimal("1033.41")
    assert statement.fee_tax_amount == Decimal("-116.59")
    order, reimbursement = page.items
    assert order.currency == "USD" and order.fee_tax_amount == Decimal("-7.37")
    assert order.revenue_breakdown == {"subtotal_before_discount_amount": Decimal("62.49")}
    assert order.shipping_cost_breakdown == {"actual_shipping_fee_amount": Decimal("-5.99")}
    assert order.fee_breakdown == {
        "platform_commission_amount": Decimal("-5.00"),
        "transaction_fee_amount": Decimal("-2.37"),
    }
    assert order.tax_breakdown == {"sales_tax_amount": Decimal("0")}
    assert order.raw["supplementary_component"] == {"some_new_part": {"x": "1"}}
    assert reimbursement.type == "LOGISTICS_REIMBURSEMENT" and reimbursement.order_id is None
    assert reimbursement.associated_order_id == ORDER_ID
    assert reimbursement.adjustment_amount == Decimal("1.50")
    assert reimbursement.estimated_release_time == datetime.fromtimestamp(1697500000, UTC)


def _check_decision_eligibility(result: Any) -> None:
    reject, offer = result
    assert reject.eligible and [r.name for r in reject.reject_reasons] == [
        "reverse_reject_request_reason_1"
    ]
    assert not offer.eligible and offer.ineligible_reason == "Not allowed yet."


def _check_order_statement_transactions(result: Any) -> None:
    assert result.order_id == ORDER_ID and result.currency == "USD"
    assert result.fee_tax_amount == Decimal("-7.37") and result.total_count == 1
    (sku,) = result.sku_transactions
    assert sku.statement_id == STATEMENT_ID and sku.quantity == 2 and sku.currency == "USD"
    assert sku.settlement_amount == Decimal("55.12")
    assert sku.fee_breakdown == {"platform_commission_amount": Decimal("-7.37")}


def _check_unsettled(page: Any) -> None:
    assert page.total_count == 3 and page.next_page_token == "bmV4dA=="
    order = page.items[0]
    assert order.order_id == ORDER_ID and order.est_settlement_amount == Decimal("55.12")
    assert order.estimates["est_fee_tax_amount"] == Decimal("-7.37")
    assert "est_settlement_time" in order.estimates  # numbers count; the time is in raw too


CASES = [
    Case(
        "authorized_shops",
        lambda c: c.get_authorized_shops(),
        "GET",
        "/authorization/202309/shops",
        samples.AUTHORIZED_SHOPS,
        shop_scoped=False,
        check=_check_shops,
    ),
    Case(
        "seller_shops",
        lambda c: c.get_seller_shops(),
        "GET",
        "/seller/202309/shops",
        samples.SELLER_SHOPS,
        shop_scoped=False,
        check=lambda shops: shops[0].region == "GB" and shops[0].cipher is None,
    ),
    Case(
        "search_products",
        lambda c: c.search_products(
            page_size=20,
            status="ACTIVATE",
            update_time_ge=datetime(2023, 10, 1, tzinfo=UTC),
            update_time_le=1696809600,
            sku_ids=[SKU_ID],
            category_version="v2",
        ),
        "POST",
        "/product/202502/products/search",
        samples.SEARCH_PRODUCTS,
        query={"page_size": "20"},
        body={
            "status": "ACTIVATE",
            "sku_ids": [SKU_ID],
            "category_version": "v2",
            "update_time_ge": 1696118400,
            "update_time_le": 1696809600,
        },
        check=_check_product_page,
    ),
    Case(
        "get_product",
        lambda c: c.get_product(PRODUCT_ID),
        "GET",
        f"/product/202309/products/{PRODUCT_ID}",
        samples.PRODUCT,
        check=_check_product,
    ),
    Case(
        "update_prices",
        lambda c: c.update_prices(
            PRODUCT_ID,
            [PriceUpdate(SKU_ID, Decimal("19.99"), "USD", list_price=Decimal("29.99"))],
        ),
        "POST",
        f"/product/202309/products/{PRODUCT_ID}/prices/update",
        {},
        body={
            "skus": [
                {
                    "id": SKU_ID,
                    "price": {"amount": "19.99", "currency": "USD"},
                    "list_price": {"amount": "29.99", "currency": "USD"},
                }
            ]
        },
        check=lambda result: result.ok and result.request_id == fakes.REQUEST_ID,
    ),
    Case(
        "update_inventory",
        lambda c: c.update_inventory(
            PRODUCT_ID,
            [InventoryUpdate(SKU_ID, [WarehouseQuantity(WAREHOUSE_ID, 50)])],
        ),
        "POST",
        f"/product/202309/products/{PRODUCT_ID}/inventory/update",
        samples.INVENTORY_UPDATE_PARTIAL,
        body={
            "skus": [{"id": SKU_ID, "inventory": [{"quantity": 50, "warehouse_id": WAREHOUSE_ID}]}]
        },
        check=_check_inventory_errors,
    ),
    Case(
        "activate_products",
        lambda c: c.activate_products([PRODUCT_ID, "1729592969712203233"]),
        "POST",
        "/product/202309/products/activate",
        samples.ACTIVATE_PARTIAL,
        body={"product_ids": [PRODUCT_ID, "1729592969712203233"]},
        check=_check_activate,
    ),
    Case(
        "deactivate_products",
        lambda c: c.deactivate_products([PRODUCT_ID], listing_platforms=["TIKTOK_SHOP"]),
        "POST",
        "/product/202309/products/deactivate",
        {},
        body={"product_ids": [PRODUCT_ID], "listing_platforms": ["TIKTOK_SHOP"]},
        check=lambda result: result.ok,
    ),
    Case(
        "search_inventory",
        lambda c: c.search_inventory(product_ids=[PRODUCT_ID]),
        "POST",
        "/product/202309/inventory/search",
        samples.INVENTORY_SEARCH,
        body={"product_ids": [PRODUCT_ID]},
        check=lambda inv: inv[0].skus[0].warehouses[0].committed_quantity == 2,
    ),
    Case(
        "warehouses",
        lambda c: c.get_warehouses(),
        "GET",
        "/logistics/202309/warehouses",
        samples.WAREHOUSES,
        check=lambda ws: ws[0].is_default and ws[0].type == "SALES_WAREHOUSE",
    ),
    Case(
        "delivery_options",
        lambda c: c.get_delivery_options(WAREHOUSE_ID),
        "GET",
        f"/logistics/202309/warehouses/{WAREHOUSE_ID}/delivery_options",
        samples.DELIVERY_OPTIONS,
        check=lambda opts: opts[0].type == "STANDARD",
    ),
    Case(
        "shipping_providers",
        lambda c: c.get_shipping_providers("7091146663229654785", buyer_region="US"),
        "GET",
        "/logistics/202309/delivery_options/7091146663229654785/shipping_providers",
        samples.SHIPPING_PROVIDERS,
        query={"buyer_region": "US"},
        check=lambda providers: providers[0].name == "USPS",
    ),
    Case(
        "search_orders",
        lambda c: c.search_orders(
            page_size=20,
            sort_field="create_time",
            sort_order="DESC",
            order_status="AWAITING_SHIPMENT",
            create_time_ge=1696800000,
            create_time_lt=1696909600,
        ),
        "POST",
        "/order/202309/orders/search",
        samples.ORDER_SEARCH,
        query={"page_size": "20", "sort_field": "create_time", "sort_order": "DESC"},
        body={
            "order_status": "AWAITING_SHIPMENT",
            "create_time_ge": 1696800000,
            "create_time_lt": 1696909600,
        },
        check=_check_order_page,
    ),
    Case(
        "get_orders",
        lambda c: c.get_orders([ORDER_ID, "576461413038785753"]),
        "GET",
        "/order/202507/orders",
        {"orders": [samples.ORDER]},
        query={"ids": f"{ORDER_ID},576461413038785753"},
        check=_check_orders,
    ),
    Case(
        "search_packages",
        lambda c: c.search_packages(package_status="PROCESSING", sort_field="update_time"),
        "POST",
        "/fulfillment/202309/packages/search",
        samples.PACKAGE_SEARCH,
        query={"page_size": "50", "sort_field": "update_time"},
        body={"package_status": "PROCESSING"},
        check=_check_package_page,
    ),
    Case(
        "get_package",
        lambda c: c.get_package(PACKAGE_ID),
        "GET",
        f"/fulfillment/202309/packages/{PACKAGE_ID}",
        samples.PACKAGE_DETAIL,
        check=_check_package,
    ),
    Case(
        "ship_package",
        lambda c: c.ship_package(
            PACKAGE_ID, handover_method="PICKUP", pickup_start=1697000000, pickup_end=1697007200
        ),
        "POST",
        f"/fulfillment/202309/packages/{PACKAGE_ID}/ship",
        {},
        body={
            "handover_method": "PICKUP",
            "pickup_slot": {"start_time": 1697000000, "end_time": 1697007200},
        },
    ),
    Case(
        "ship_packages",
        lambda c: c.ship_packages(
            [
                PackageShipment(PACKAGE_ID, handover_method="DROP_OFF"),
                PackageShipment(
                    "1152321127278713124",
                    tracking_number="1Z999",
                    shipping_provider_id="6617675021119438849",
                ),
            ]
        ),
        "POST",
        "/fulfillment/202309/packages/ship",
        samples.BATCH_SHIP_PARTIAL,
        body={
            "packages": [
                {"id": PACKAGE_ID, "handover_method": "DROP_OFF"},
                {
                    "id": "1152321127278713124",
                    "self_shipment": {
                        "tracking_number": "1Z999",
                        "shipping_provider_id": "6617675021119438849",
                    },
                },
            ]
        },
        check=lambda result: result.failed_ids == {"1152321127278713124"},
    ),
    Case(
        "handover_time_slots",
        lambda c: c.get_handover_time_slots(PACKAGE_ID),
        "GET",
        f"/fulfillment/202309/packages/{PACKAGE_ID}/handover_time_slots",
        samples.HANDOVER_TIME_SLOTS,
        check=_check_slots,
    ),
    Case(
        "shipping_document",
        lambda c: c.get_shipping_document(
            PACKAGE_ID, document_type="SHIPPING_LABEL", document_size="A6"
        ),
        "GET",
        f"/fulfillment/202309/packages/{PACKAGE_ID}/shipping_documents",
        samples.SHIPPING_DOCUMENT,
        query={"document_type": "SHIPPING_LABEL", "document_size": "A6"},
        check=lambda doc: doc.doc_url.endswith("sig=abc"),
    ),
    Case(
        "mark_package_shipped",
        lambda c: c.mark_package_shipped(
            ORDER_ID,
            tracking_number="1Z999",
            shipping_provider_id="6617675021119438849",
            order_lines=[
                OrderLineRef("577086512123755123"),
                OrderLineRef("577086512123755125", sub_item_id="5770865121237551251"),
            ],
        ),
        "POST",
        f"/fulfillment/202610/orders/{ORDER_ID}/packages",
        samples.MARK_SHIPPED,
        body={
            "shipping_info_list": [
                {"tracking_number": "1Z999", "shipping_provider_id": "6617675021119438849"}
            ],
            "order_line_list": [
                {"order_line_id": "577086512123755123"},
                {"order_line_id": "577086512123755125", "sub_item_id": "5770865121237551251"},
            ],
        },
        check=lambda r: r.package_id == "1152321127278713125" and r.warning,
    ),
    Case(
        "update_order_shipping_info",
        lambda c: c.update_order_shipping_info(
            ORDER_ID, tracking_number="1Z998", shipping_provider_id="6617675021119438849"
        ),
        "POST",
        f"/fulfillment/202309/orders/{ORDER_ID}/shipping_info/update",
        {},
        body={"tracking_number": "1Z998", "shipping_provider_id": "6617675021119438849"},
    ),
    Case(
        "update_package_shipping_info",
        lambda c: c.update_package_shipping_info(
            PACKAGE_ID,
            tracking_number="1Z998",
            shipping_provider_id="6617675021119438849",
            note="relabelled",
        ),
        "POST",
        f"/fulfillment/202610/packages/{PACKAGE_ID}/shipping_info/update",
        {},
        body={
            "shipping_info_list": [
                {
                    "tracking_number": "1Z998",
                    "shipping_provider_id": "6617675021119438849",
                    "note": "relabelled",
                }
            ]
        },
    ),
    Case(
        "order_tracking",
        lambda c: c.get_order_tracking(ORDER_ID),
        "GET",
        f"/fulfillment/202309/orders/{ORDER_ID}/tracking",
        samples.TRACKING,
        check=_check_tracking,
    ),
    Case(
        "search_returns",
        lambda c: c.search_returns(
            page_size=10, order_ids=[ORDER_ID], return_status=["RETURN_OR_REFUND_REQUEST_PENDING"]
        ),
        "POST",
        "/return_refund/202602/returns/search",
        samples.RETURN_SEARCH,
        query={"page_size": "10"},
        body={"order_ids": [ORDER_ID], "return_status": ["RETURN_OR_REFUND_REQUEST_PENDING"]},
        check=_check_returns,
    ),
    Case(
        "search_cancellations",
        lambda c: c.search_cancellations(update_time_ge=1697000000, sort_order="ASC"),
        "POST",
        "/return_refund/202602/cancellations/search",
        samples.CANCELLATION_SEARCH,
        query={"page_size": "50", "sort_order": "ASC"},
        body={"update_time_ge": 1697000000},
        check=_check_cancellations,
    ),
    Case(
        "approve_return",
        lambda c: c.approve_return(RETURN_ID, decision="APPROVE_RETURN", idempotency_key="cs-41"),
        "POST",
        f"/return_refund/202309/returns/{RETURN_ID}/approve",
        {},
        query={"idempotency_key": "cs-41"},
        body={"decision": "APPROVE_RETURN"},
    ),
    Case(
        "reject_return",
        lambda c: c.reject_return(
            RETURN_ID,
            decision="REJECT_RETURN",
            reject_reason="seller_reject_apply_product_damaged",
            comment="Used item",
            idempotency_key="cs-42",
        ),
        "POST",
        f"/return_refund/202606/returns/{RETURN_ID}/reject",
        {},
        query={"idempotency_key": "cs-42"},
        body={
            "decision": "REJECT_RETURN",
            "reject_reason": "seller_reject_apply_product_damaged",
            "comment": "Used item",
        },
    ),
    Case(
        "approve_cancellation",
        lambda c: c.approve_cancellation(CANCEL_ID, idempotency_key="cs-43"),
        "POST",
        f"/return_refund/202309/cancellations/{CANCEL_ID}/approve",
        {},
        query={"idempotency_key": "cs-43"},
        body={},
    ),
    Case(
        "reject_cancellation",
        lambda c: c.reject_cancellation(
            CANCEL_ID, reject_reason="seller_reject_apply_product_damaged", idempotency_key="cs-44"
        ),
        "POST",
        f"/return_refund/202309/cancellations/{CANCEL_ID}/reject",
        {},
        query={"idempotency_key": "cs-44"},
        body={"reject_reason": "seller_reject_apply_product_damaged"},
    ),
    Case(
        "reject_reasons",
        lambda c: c.get_reject_reasons(return_or_cancel_id=RETURN_ID, locale="en-US"),
        "GET",
        "/return_refund/202309/reject_reasons",
        samples.REJECT_REASONS,
        query={"return_or_cancel_id": RETURN_ID, "locale": "en-US"},
        check=lambda reasons: reasons[0].name == "seller_reject_apply_product_damaged",
    ),
    Case(
        "offer_partial_refund_after_receiving",
        lambda c: c.reject_return(
            RETURN_ID,
            decision="OFFER_PARTIAL_REFUND_AFTER_RECEIVING_PKG",
            partial_refund=Money(Decimal("5.50"), "USD"),
            comment="Box was opened",
            idempotency_key="cs-45",
        ),
        "POST",
        f"/return_refund/202606/returns/{RETURN_ID}/reject",
        {},
        query={"idempotency_key": "cs-45"},
        body={
            "decision": "OFFER_PARTIAL_REFUND_AFTER_RECEIVING_PKG",
            "partial_refund_amount": {"partial_refund_total": "5.50", "currency": "USD"},
            "comment": "Box was opened",
        },
    ),
    Case(
        "direct_refund",
        lambda c: c.approve_return(RETURN_ID, decision="DIRECT_REFUND", idempotency_key="cs-46"),
        "POST",
        f"/return_refund/202309/returns/{RETURN_ID}/approve",
        {},
        query={"idempotency_key": "cs-46"},
        body={"decision": "DIRECT_REFUND"},
    ),
    Case(
        "decision_eligibility",
        lambda c: c.get_decision_eligibility(
            RETURN_ID,
            check_decisions=["REJECT_RETURN", "OFFER_PARTIAL_REFUND_AFTER_RECEIVING_PKG"],
        ),
        "GET",
        "/return_refund/202601/decision_eligibility",
        samples.DECISION_ELIGIBILITY,
        query={
            "return_or_cancel_id": RETURN_ID,
            "check_decisions": "REJECT_RETURN,OFFER_PARTIAL_REFUND_AFTER_RECEIVING_PKG",
        },
        check=_check_decision_eligibility,
    ),
    Case(
        "aftersale_eligibility",
        lambda c: c.get_aftersale_eligibility(ORDER_ID),
        "GET",
        f"/return_refund/202602/orders/{ORDER_ID}/aftersale_eligibility",
        samples.AFTERSALE_ELIGIBILITY,
        query={"initiate_aftersale_user": "SELLER", "request_types": "CANCEL"},
        check=lambda result: (
            result[0].eligible and result[0].reason_names == ("seller_cancel_reason_out_of_stock",)
        ),
    ),
    Case(
        "cancel_order",
        lambda c: c.cancel_order(
            ORDER_ID,
            cancel_reason="seller_cancel_reason_out_of_stock",
            order_lines=[AfterSaleLineRef("577086512123755125", "5770865121237551251")],
            idempotency_key="cs-47",
        ),
        "POST",
        "/return_refund/202602/cancellations",
        {"cancel_id": CANCEL_ID, "cancel_status": "CANCELLATION_REQUEST_CANCEL"},
        query={"idempotency_key": "cs-47"},
        body={
            "order_id": ORDER_ID,
            "cancel_reason": "seller_cancel_reason_out_of_stock",
            "order_line_list": [
                {
                    "order_line_item_id": "577086512123755125",
                    "sub_order_line_item_id": "5770865121237551251",
                }
            ],
        },
        check=lambda result: (
            result.cancel_id == CANCEL_ID
            and result.cancel_status == "CANCELLATION_REQUEST_CANCELLED"
        ),
    ),
    Case(
        "calculate_refund",
        lambda c: c.calculate_refund(
            ORDER_ID,
            request_type="CANCEL",
            reason_name="seller_cancel_reason_out_of_stock",
            order_line_item_ids=["577086512123755123"],
        ),
        "POST",
        "/return_refund/202602/refunds/calculate",
        samples.REFUND_CALCULATION,
        body={
            "order_id": ORDER_ID,
            "request_type": "CANCEL",
            "reason_name": "seller_cancel_reason_out_of_stock",
            "order_line_item_ids": ["577086512123755123"],
        },
        check=lambda amount: (
            amount.refund_total == Decimal("30.78")
            and amount.refund_tax == Decimal("2.28")
            and amount.currency == "USD"
        ),
    ),
    Case(
        "statements",
        lambda c: c.get_statements(
            page_size=20, statement_time_ge=1696118400, payment_status="PAID"
        ),
        "GET",
        "/finance/202309/statements",
        samples.STATEMENTS,
        query={
            "sort_field": "statement_time",
            "page_size": "20",
            "statement_time_ge": "1696118400",
            "payment_status": "PAID",
        },
        check=_check_statements,
    ),
    Case(
        "payments",
        lambda c: c.get_payments(create_time_ge=1696118400, sort_order="ASC"),
        "GET",
        "/finance/202605/payments",
        samples.PAYMENTS,
        query={
            "sort_field": "create_time",
            "sort_order": "ASC",
            "page_size": "100",
            "create_time_ge": "1696118400",
        },
        check=_check_payments,
    ),
    Case(
        "statement_transactions",
        lambda c: c.get_statement_transactions(STATEMENT_ID, page_size=50),
        "GET",
        f"/finance/202501/statements/{STATEMENT_ID}/statement_transactions",
        samples.STATEMENT_TRANSACTIONS,
        query={"sort_field": "order_create_time", "page_size": "50"},
        check=_check_statement_transactions,
    ),
    Case(
        "order_statement_transactions",
        lambda c: c.get_order_statement_transactions(ORDER_ID),
        "GET",
        f"/finance/202501/orders/{ORDER_ID}/statement_transactions",
        samples.ORDER_STATEMENT_TRANSACTIONS,
        check=_check_order_statement_transactions,
    ),
    Case(
        "unsettled_orders",
        lambda c: c.get_unsettled_orders(page_size=50),
        "GET",
        "/finance/202507/orders/unsettled",
        samples.UNSETTLED_ORDERS,
        query={"sort_field": "order_create_time", "page_size": "50"},
        check=_check_unsettled,
    ),
    Case(
        "get_webhooks",
        lambda c: c.get_webhooks(),
        "GET",
        "/event/202309/webhooks",
        samples.WEBHOOKS,
        check=lambda hooks: hooks[0].event_type == "ORDER_STATUS_CHANGE",
    ),
    Case(
        "update_webhook",
        lambda c: c.update_webhook("PACKAGE_UPDATE", "https://partner.tiktokshop.com"),
        "PUT",
        "/event/202309/webhooks",
        {},
        body={"address": "https://partner.tiktokshop.com", "event_type": "PACKAGE_UPDATE"},
    ),
    Case(
        "delete_webhook",
        lambda c: c.delete_webhook("PACKAGE_UPDATE"),
        "DELETE",
        "/event/202309/webhooks",
        {},
        body={"event_type": "PACKAGE_UPDATE"},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_endpoint_request_and_response(case: Case, fake: FakeTikTok, client: TikTokClient) -> None:
    fake.reply(ok(case.response))
    result = case.call(client)

    assert len(fake.requests) == 1
    request = fake.last
    assert request.method == case.method
    assert request.url.path == case.path
    assert request.url.host == "open-api.tiktokglobalshop.com"
    assert_signed(request)
    query = query_of(request)
    assert query["app_key"] == APP_KEY
    assert query["timestamp"] == str(NOW)
    assert ("shop_cipher" in query) is case.shop_scoped
    if case.shop_scoped:
        assert query["shop_cipher"] == SHOP_CIPHER
    assert "access_token" not in query and "version" not in query and "shop_id" not in query
    business = {
        k: v for k, v in query.items() if k not in ("app_key", "timestamp", "sign", "shop_cipher")
    }
    assert business == case.query
    assert request.headers["x-tts-access-token"] == ACCESS_TOKEN
    assert request.headers["content-type"] == "application/json"
    assert body_of(request) == case.body
    if case.method == "POST":
        assert request.content  # never a POST without a body: `{}` at least
    result_check = case.check(result)
    assert result_check is None or result_check


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_endpoint_business_error_with_http_200_raises(
    case: Case, fake: FakeTikTok, client: TikTokClient
) -> None:
    fake.reply(fail(12052910, "invalid input parameters"))
    with pytest.raises(ApiError) as caught:
        case.call(client)
    error = caught.value
    assert error.code == 12052910 and error.http_status == 200
    assert error.request_id == "202203070749000101890810281E8C70B7"
    assert error.path == case.path and not error.retryable
    assert len(fake.requests) == 1  # terminal: not retried


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_endpoint_rate_limited_then_succeeds(
    case: Case, fake: FakeTikTok, client: TikTokClient, sleeps: list[float]
) -> None:
    # A 429 is refused before processing, so even ship / mark shipped may be sent again.
    fake.reply(fail(36009002, "Too many requests", status=429), ok(case.response))
    case.call(client)
    assert len(fake.requests) == 2 and len(sleeps) == 1
    for request in fake.requests:
        assert_signed(request)


def test_post_without_filters_sends_and_signs_empty_object(
    fake: FakeTikTok, client: TikTokClient
) -> None:
    fake.reply(ok(samples.ORDER_SEARCH))
    client.search_orders()
    assert fake.last.content == b"{}"
    assert_signed(fake.last)


def test_body_is_signed_byte_for_byte_including_unicode(
    fake: FakeTikTok, client: TikTokClient
) -> None:
    fake.reply(ok({}))
    client.reject_cancellation(
        CANCEL_ID, reject_reason="r", comment="Déjà vu — 返品", idempotency_key="k"
    )
    assert "Déjà vu — 返品".encode() in fake.last.content
    assert_signed(fake.last)


def test_page_token_with_reserved_characters_is_signed_decoded(
    fake: FakeTikTok, client: TikTokClient
) -> None:
    fake.reply(ok(samples.ORDER_SEARCH))
    client.search_orders(page_token="b2Zm/c2V0+PTA=")
    assert query_of(fake.last)["page_token"] == "b2Zm/c2V0+PTA="
    assert_signed(fake.last)


@pytest.mark.parametrize(
    "decide",
    [
        lambda c, key: c.approve_cancellation(CANCEL_ID, idempotency_key=key),
        lambda c, key: c.reject_cancellation(CANCEL_ID, reject_reason="r", idempotency_key=key),
        lambda c, key: c.approve_return(RETURN_ID, decision="APPROVE_RETURN", idempotency_key=key),
        lambda c, key: c.reject_return(
            RETURN_ID, decision="REJECT_RETURN", reject_reason="r", idempotency_key=key
        ),
    ],
    ids=["approve_cancellation", "reject_cancellation", "approve_return", "reject_return"],
)
def test_decisions_send_the_callers_key_every_time_and_never_invent_one(
    decide, fake: FakeTikTok, client: TikTokClient
) -> None:
    fake.reply(ok({}), ok({}))
    first = decide(client, "cmd-7f3a")
    decide(client, "cmd-7f3a")
    assert [query_of(r)["idempotency_key"] for r in fake.requests] == ["cmd-7f3a", "cmd-7f3a"]
    assert first.request_id == "202203070749000101890810281E8C70B7"
    with pytest.raises(InvalidRequestError, match="idempotency_key is required"):
        decide(client, "")
    with pytest.raises(InvalidRequestError, match="idempotency_key is required"):
        decide(client, None)
    assert len(fake.requests) == 2


def test_a_decision_without_a_key_is_a_type_error(client: TikTokClient) -> None:
    with pytest.raises(TypeError, match="idempotency_key"):
        client.approve_cancellation(CANCEL_ID)  # type: ignore[call-arg]


def test_write_results_carry_request_ids_and_per_sku_outcomes(
    fake: FakeTikTok, client: TikTokClient
) -> None:
    refused = {
        "errors": [{"code": 12052038, "message": "price locked", "detail": {"sku_id": SKU_ID}}]
    }
    fake.reply(ok(refused), ok({}), ok({}))
    prices = client.update_prices(
        PRODUCT_ID, [PriceUpdate(SKU_ID, Decimal("5"), "USD")], idempotency_key="cmd-1"
    )
    assert prices.request_id == "202203070749000101890810281E8C70B7"
    assert prices.failed_ids == frozenset({SKU_ID})
    assert prices.error_for(SKU_ID).code == 12052038
    # The command's key rides along as a header on writes without a documented key.
    assert fake.last.headers["x-idempotency-key"] == "cmd-1"
    stock = client.update_inventory(
        PRODUCT_ID, [InventoryUpdate(SKU_ID, [WarehouseQuantity(WAREHOUSE_ID, 3)])]
    )
    assert stock.ok and stock.request_id == "202203070749000101890810281E8C70B7"
    assert "x-idempotency-key" not in fake.last.headers
    shipped = client.ship_package(PACKAGE_ID, handover_method="PICKUP", idempotency_key="cmd-2")
    assert shipped.request_id == "202203070749000101890810281E8C70B7"
    assert fake.last.headers["x-idempotency-key"] == "cmd-2"


def test_partial_refund_and_cross_border_price_shapes(
    fake: FakeTikTok, client: TikTokClient
) -> None:
    fake.reply(ok({}), ok({}))
    client.approve_return(
        RETURN_ID,
        decision="OFFER_PARTIAL_REFUND",
        partial_refund=Money(Decimal("5.00"), "USD"),
        buyer_keep_item=True,
        idempotency_key="k1",
    )
    assert body_of(fake.last) == {
        "decision": "OFFER_PARTIAL_REFUND",
        "buyer_keep_item": True,
        "partial_refund": {"amount": "5.00", "currency": "USD"},
    }
    client.update_prices(PRODUCT_ID, [PriceUpdate(SKU_ID, Decimal("7"), "GBP", cross_border=True)])
    assert body_of(fake.last) == {
        "skus": [{"id": SKU_ID, "price": {"sale_price": "7", "currency": "GBP"}}]
    }


def test_single_warehouse_stock_omits_warehouse_id_and_zero_is_allowed(
    fake: FakeTikTok, client: TikTokClient
) -> None:
    fake.reply(ok({}))
    result = client.update_inventory(
        PRODUCT_ID, [InventoryUpdate(SKU_ID, [WarehouseQuantity(None, 0)])]
    )
    assert result.ok
    assert body_of(fake.last) == {"skus": [{"id": SKU_ID, "inventory": [{"quantity": 0}]}]}


def test_for_shop_switches_cipher_but_keeps_the_rest(
    fake: FakeTikTok, client: TikTokClient
) -> None:
    fake.reply(ok(samples.WAREHOUSES))
    other = client.for_shop("GCP_other")
    other.get_warehouses()
    assert query_of(fake.last)["shop_cipher"] == "GCP_other"
    assert_signed(fake.last)


def test_base_url_is_configurable(
    fake: FakeTikTok, make_client: Callable[..., TikTokClient]
) -> None:
    fake.reply(ok(samples.SELLER_SHOPS))
    make_client(base_url="http://127.0.0.1:8765/").get_seller_shops()
    assert str(fake.last.url).startswith("http://127.0.0.1:8765/seller/202309/shops?")
    assert_signed(fake.last)


def test_shop_scoped_call_without_cipher_is_refused_before_sending(
    fake: FakeTikTok, make_client: Callable[..., TikTokClient]
) -> None:
    client = make_client(shop_cipher=None)
    with pytest.raises(InvalidRequestError):
        client.get_warehouses()
    assert fake.requests == []


def test_cipher_is_never_sent_where_forbidden(fake: FakeTikTok, client: TikTokClient) -> None:
    fake.reply(ok(samples.AUTHORIZED_SHOPS), ok(samples.SELLER_SHOPS))
    client.get_authorized_shops()
    client.get_seller_shops()
    assert all("shop_cipher" not in query_of(r) for r in fake.requests)


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.activate_products([str(i) for i in range(21)]),
        lambda c: c.deactivate_products([]),
        lambda c: c.search_inventory(product_ids=[str(i) for i in range(101)]),
        lambda c: c.search_inventory(sku_ids=[str(i) for i in range(601)]),
        lambda c: c.search_inventory(),
        lambda c: c.search_products(seller_skus=[f"s{i}" for i in range(11)]),
        lambda c: c.search_orders(warehouse_ids=[str(i) for i in range(101)]),
        lambda c: c.search_orders(sort_order="down"),
        lambda c: c.search_orders(sort_field="paid_time"),
        lambda c: c.search_orders(create_time_ge=datetime(2024, 1, 1)),  # naive
        lambda c: c.get_product("../products"),
        lambda c: c.get_product(""),
        lambda c: c.update_prices(PRODUCT_ID, []),
        lambda c: c.update_inventory(
            PRODUCT_ID, [InventoryUpdate(SKU_ID, [WarehouseQuantity("1", 100000)])]
        ),
        lambda c: c.update_inventory(
            PRODUCT_ID, [InventoryUpdate(SKU_ID, [WarehouseQuantity("1", -1)])]
        ),
        lambda c: c.ship_package(PACKAGE_ID, tracking_number="1Z"),
        lambda c: c.ship_packages([PackageShipment("1"), PackageShipment("1")]),
        lambda c: c.mark_package_shipped(ORDER_ID, tracking_number="", shipping_provider_id="1"),
        lambda c: c.approve_return(RETURN_ID, decision="APPROVE_RETURN", idempotency_key="k" * 256),
        lambda c: c.reject_return(
            RETURN_ID, decision="REJECT_RETURN", reject_reason="", idempotency_key="k"
        ),
        lambda c: c.reject_return(
            RETURN_ID, decision="OFFER_PARTIAL_REFUND_AFTER_RECEIVING_PKG", idempotency_key="k"
        ),
        lambda c: c.reject_return(
            RETURN_ID,
            decision="REJECT_RETURN",
            reject_reason="r",
            comment="c" * 501,
            idempotency_key="k",
        ),
        lambda c: c.reject_return(
            RETURN_ID,
            decision="REJECT_RETURN",
            reject_reason="r",
            images=[{"image_id": str(i)} for i in range(7)],
            idempotency_key="k",
        ),
        lambda c: c.approve_return(RETURN_ID, decision="DIRECT_REFUND", idempotency_key=""),
        lambda c: c.cancel_order(ORDER_ID, cancel_reason="", idempotency_key="k"),
        lambda c: c.cancel_order(
            ORDER_ID,
            cancel_reason="r",
            idempotency_key="k",
            order_lines=[AfterSaleLineRef("1")],
            order_line_item_ids=["1"],
        ),
        lambda c: c.calculate_refund("../x", request_type="CANCEL", reason_name="r"),
        lambda c: c.get_decision_eligibility(RETURN_ID, check_decisions=[]),
        lambda c: c.search_products(sku_ids=[str(i) for i in range(11)]),
        lambda c: c.mark_package_shipped(
            ORDER_ID,
            tracking_number="1Z",
            shipping_provider_id="1",
            shipping_info=[ShippingInfo("1Z", "1")],
        ),
        lambda c: c.mark_package_shipped(
            ORDER_ID,
            order_line_item_ids=["1"],
            order_lines=[OrderLineRef("1")],
            tracking_number="1Z",
            shipping_provider_id="1",
        ),
        lambda c: c.update_package_shipping_info(PACKAGE_ID, shipping_info=[]),
        lambda c: c.reject_cancellation(
            CANCEL_ID, reject_reason="r", images=[{"mime_type": "x"}], idempotency_key="k"
        ),
        lambda c: c.update_webhook("ORDER_STATUS_CHANGE", "https://x.example/" + "a" * 255),
        lambda c: c.get_orders("576461413038785752"),
    ],
)
def test_invalid_requests_are_refused_before_sending(
    call: Callable[[TikTokClient], Any], fake: FakeTikTok, client: TikTokClient
) -> None:
    with pytest.raises(InvalidRequestError):
        call(client)
    assert fake.requests == []
    assert issubclass(InvalidRequestError, ValueError)


def test_order_pages_can_come_raw_for_bulk_mirrors():
    order = {"id": 576461413038785752, "status": "AWAITING_SHIPMENT"}

    def handler(request: httpx.Request) -> httpx.Response:
        data = {"orders": [order], "total_count": 1}
        return httpx.Response(200, json={"code": 0, "message": "", "request_id": "r", "data": data})

    client = TikTokClient(
        httpx.Client(transport=httpx.MockTransport(handler)),
        AppCredentials("key", "secret"),
        "TTP_token",
        shop_cipher="ROW_x",
        base_url="https://api.test",
    )
    typed = client.search_orders(page_size=10).items[0]
    raw = client.search_orders(page_size=10, raw=True).items[0]
    assert typed.id == "576461413038785752" and typed.raw == order
    assert raw == order


@pytest.mark.parametrize("method", ["approve_return", "reject_return", "cancel_order"])
def test_decisions_take_a_required_keyword_only_idempotency_key(method: str) -> None:
    parameter = inspect.signature(getattr(TikTokClient, method)).parameters["idempotency_key"]
    assert parameter.kind is inspect.Parameter.KEYWORD_ONLY
    assert parameter.default is inspect.Parameter.empty and parameter.annotation == "str"
