"""Parsing TikTok's JSON into typed values: money, ids, times, spelling variants, webhooks."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from tests.tiktok import samples
from tiktok.errors import InvalidRequestError
from tiktok.types import (
    BatchResult,
    Cancellation,
    HandoverTimeSlots,
    InventoryUpdate,
    Order,
    Package,
    PackageShipment,
    Payment,
    PriceUpdate,
    Product,
    Return,
    Shop,
    Sku,
    Statement,
    Token,
    TrackingEvent,
    WarehouseQuantity,
    WebhookPayloadError,
    as_decimal,
    as_id,
    as_time,
    cancel_status,
    epoch_seconds,
    order_status,
    package_status,
    parse_webhook,
    return_status,
)


def test_ids_are_strings_even_when_sent_as_numbers() -> None:
    assert as_id(1729592969712203232) == "1729592969712203232"
    assert as_id("576461413038785752") == "576461413038785752"
    assert as_id(" 42 ") == "42"
    assert as_id("") is None and as_id(None) is None and as_id(True) is None


def test_money_is_decimal_from_decimal_strings() -> None:
    assert as_decimal("121.11") == Decimal("121.11")
    assert as_decimal("0") == Decimal("0")
    assert as_decimal(5) == Decimal(5)
    assert as_decimal(0.1) == Decimal("0.1")  # never the binary float expansion
    assert as_decimal("") is None and as_decimal(None) is None and as_decimal("n/a") is None


def test_times_are_aware_utc_and_zero_means_unset() -> None:
    assert as_time(1696800100) == datetime(2023, 10, 8, 21, 21, 40, tzinfo=UTC)
    assert as_time("1696800100") == as_time(1696800100)
    assert as_time(0) is None and as_time("") is None and as_time(None) is None
    assert as_time(1697100000123, millis=True) == datetime(2023, 10, 12, 8, 40, 0, 123000, UTC)
    # A millisecond value in a seconds field is recognised, not read as the year 55000.
    assert as_time(1697100000123) == as_time(1697100000123, millis=True)


def test_epoch_seconds_refuses_naive_datetimes() -> None:
    assert epoch_seconds(datetime(2024, 1, 1, tzinfo=UTC)) == 1704067200
    assert epoch_seconds(datetime(2024, 1, 1, 2, tzinfo=timezone(timedelta(hours=2)))) == 1704067200
    assert epoch_seconds(1704067200) == 1704067200 and epoch_seconds(None) is None
    with pytest.raises(InvalidRequestError):
        epoch_seconds(datetime(2024, 1, 1))
    with pytest.raises(InvalidRequestError):
        epoch_seconds("1704067200")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("reader", "value", "expected"),
    [
        (package_status, "TO FULFILL", "TO_FULFILL"),
        (package_status, "TO_FULFILL", "TO_FULFILL"),
        (package_status, "to fulfill", "TO_FULFILL"),
        (order_status, "CANCEL", "CANCELLED"),
        (order_status, "CANCELLED", "CANCELLED"),
        (order_status, "AWAITING_SHIPMENT", "AWAITING_SHIPMENT"),
        (cancel_status, "CANCELLATION_REQUEST_CANCEL", "CANCELLATION_REQUEST_CANCELLED"),
        (cancel_status, "CANCELLATION_REQUEST_CANCELLED", "CANCELLATION_REQUEST_CANCELLED"),
        (cancel_status, "CANCELLATION_REQUEST_PENDING", "CANCELLATION_REQUEST_PENDING"),
        (return_status, "RETURN_OR_REFUND__REQUEST_CANCELLED", "RETURN_OR_REFUND_REQUEST_CANCEL"),
        (return_status, "RETURN_OR_REFUND_REQUEST_CANCEL", "RETURN_OR_REFUND_REQUEST_CANCEL"),
        (order_status, None, None),
        (order_status, "", None),
    ],
)
def test_status_spellings_are_made_one(reader, value, expected) -> None:  # type: ignore[no-untyped-def]
    assert reader(value) == expected


def test_sku_price_prefers_sale_price_and_falls_back() -> None:
    both = Sku.from_api(samples.SEARCH_SKU)
    assert both.price == Decimal("121.11") and both.tax_exclusive_price == Decimal("111.01")
    only_tax_exclusive = Sku.from_api({"id": "1", "price": {"tax_exclusive_price": "9.50"}})
    assert only_tax_exclusive.price == Decimal("9.50")
    write_shape = Sku.from_api({"id": "1", "price": {"amount": "3.00", "currency": "GBP"}})
    assert write_shape.price == Decimal("3.00") and write_shape.currency == "GBP"
    assert Sku.from_api({"id": 5}).price is None and Sku.from_api({"id": 5}).id == "5"


def test_values_are_frozen_and_keep_the_raw_json() -> None:
    product = Product.from_api(samples.SEARCH_PRODUCTS["products"][0])
    assert product.raw["some_future_field"] == {"x": 1}
    assert product.raw["sales_regions"] == ["US"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        product.title = "x"  # type: ignore[misc]
    assert "some_future_field" not in repr(product)


def test_order_and_line_items() -> None:
    order = Order.from_api(samples.ORDER)
    assert order.status == "AWAITING_SHIPMENT"
    assert order.create_time == datetime.fromtimestamp(1696800100, UTC)
    assert order.sub_total == Decimal("57.00") and order.shipping_fee == Decimal("5.99")
    assert order.currency == "USD" and order.package_ids == ("1152321127278713123",)
    assert order.buyer_user_id == "7021436810468230477"
    assert order.recipient_name == "Jane Doe"
    assert len(order.line_items) == 3  # one line per unit (a bundle is one line), no quantity
    assert order.line_items[0].display_status == "AWAITING_SHIPMENT"
    assert order.line_items[1].product_name is None


def test_order_tolerates_the_bare_minimum_and_webhook_cancel() -> None:
    order = Order.from_api({"id": 576461413038785752, "status": "CANCEL"})
    assert order.id == "576461413038785752" and order.status == "CANCELLED"
    assert order.line_items == () and order.total_amount is None and order.paid_time is None


def test_package_from_search_and_from_detail() -> None:
    summary = Package.from_api(samples.PACKAGE_SEARCH["packages"][0])
    detail = Package.from_api(samples.PACKAGE_DETAIL)
    assert summary.id == detail.id == "1152321127278713123"
    assert detail.status == "TO_FULFILL" and summary.status == "PROCESSING"
    assert summary.tracking_number == "9400111899223100000000"


def test_handover_slots_read_the_misspelled_flag() -> None:
    slots = HandoverTimeSlots.from_api(
        {"pickup_slots": [{"start_time": 1, "end_time": 2, "available": False}, {"start_time": 3}]}
    )
    assert [s.available for s in slots.pickup_slots] == [False, True]


def test_tracking_time_is_in_milliseconds() -> None:
    event = TrackingEvent.from_api(
        {"description": "Picked up", "update_time_millis": 1697000000000}
    )
    assert event.time == datetime.fromtimestamp(1697000000, UTC)


def test_return_and_cancellation() -> None:
    ret = Return.from_api(samples.RETURN)
    assert ret.id == "4035318504086524123" and ret.type == "RETURN_AND_REFUND"
    assert ret.line_items[0].id == "4035318504086524200"
    assert ret.seller_next_actions[0].action == "SELLER_RESPOND_RETURN"
    assert ret.seller_next_actions[0].deadline == datetime.fromtimestamp(1697400000, UTC)
    cancel = Cancellation.from_api(samples.CANCELLATION)
    assert cancel.status == "CANCELLATION_REQUEST_CANCELLED" and cancel.type == "BUYER_CANCEL"
    assert cancel.line_items[0].order_line_item_id == "577086512123755123"


def test_statement_and_payment_money() -> None:
    statement = Statement.from_api(samples.STATEMENTS["statements"][0])
    assert statement.settlement_amount == Decimal("1033.41")
    assert statement.payment_time == datetime.fromtimestamp(1697155200, UTC)
    payment = Payment.from_api(samples.PAYMENTS["payments"][0])
    assert payment.amount is not None and payment.amount.amount == Decimal("1033.41")
    assert payment.exchange_rate == Decimal("1") and payment.bank_account == "****1234"


def test_token_keeps_tokens_out_of_raw_and_repr() -> None:
    token = Token.from_api(samples.TOKEN)
    assert token.raw["access_token"] == "***" and token.raw["refresh_token"] == "***"
    assert token.raw["open_id"] == "7010736057180325637"
    assert "TTP_" not in repr(token)


def test_shop() -> None:
    shop = Shop.from_api(samples.AUTHORIZED_SHOPS["shops"][0])
    assert shop.cipher == "GCP_XF90igAAAABh00qsWgtvOiGFNqyubMt3" and shop.region == "GB"


def test_batch_result_reads_item_errors() -> None:
    result = BatchResult.from_api(samples.INVENTORY_UPDATE_PARTIAL)
    assert not result.ok and result.failed_ids == {"1729592969712207012"}
    assert result.errors[0].extra_errors[0].message == "The warehouse does not exist"
    assert BatchResult.from_api({}).ok and BatchResult.from_api({"errors": None}).ok
    assert result.error_for("unknown") is None


# --- webhooks ------------------------------------------------------------------------------------


def test_webhook_order_status_change() -> None:
    body = (
        b'{"type":1,"tts_notification_id":"7327112393057371910","shop_id":"7494049642642441621",'
        b'"timestamp":1644412885,"data":{"order_id":"576486316948490001","order_status":"UNPAID",'
        b'"is_on_hold_order":false,"update_time":1644412885}}'
    )
    event = parse_webhook(body)
    assert event.type == 1 and event.event_type == "ORDER_STATUS_CHANGE"
    assert event.tts_notification_id == "7327112393057371910"
    assert event.shop_id == "7494049642642441621"
    assert event.timestamp == datetime.fromtimestamp(1644412885, UTC)
    assert event.order_id == "576486316948490001" and event.status == "UNPAID"
    assert event.order_ids == ("576486316948490001",)
    assert event.update_time == datetime.fromtimestamp(1644412885, UTC)


def test_webhook_cancel_spelling_and_missing_notification_id() -> None:
    event = parse_webhook(
        {
            "type": 1,
            "shop_id": 7494049642642441621,
            "timestamp": 1,
            "data": {"order_status": "CANCEL"},
        }
    )
    assert event.status == "CANCELLED" and event.tts_notification_id is None
    assert event.shop_id == "7494049642642441621"


def test_webhook_numeric_product_id_becomes_a_string() -> None:
    body = json.dumps(
        {
            "type": 5,
            "tts_notification_id": 7327112393057371911,
            "shop_id": "1",
            "timestamp": 1644412885,
            "data": {"product_id": 1729592969712203232, "status": "PRODUCT_STATUS_CHANGED"},
        }
    )
    event = parse_webhook(body)
    assert event.product_id == "1729592969712203232"
    assert event.tts_notification_id == "7327112393057371911"
    assert event.status == "PRODUCT_STATUS_CHANGED"


def test_webhook_package_update_and_cancellation() -> None:
    package = parse_webhook(
        {
            "type": 4,
            "shop_id": "1",
            "timestamp": 2,
            "data": {
                "sc_type": "SPLIT",
                "package_list": [
                    {"package_id": 1152321127278713123, "order_id_list": ["5", 6]},
                    {"package_id": "1152321127278713124", "order_id_list": ["5"]},
                ],
                "update_time": 3,
            },
        }
    )
    assert package.package_ids == ("1152321127278713123", "1152321127278713124")
    assert package.order_ids == ("5", "6")
    cancel = parse_webhook(
        {
            "type": 11,
            "shop_id": "1",
            "timestamp": 2,
            "data": {
                "order_id": "9",
                "cancel_id": "8",
                "cancel_status": "CANCELLATION_REQUEST_CANCEL",
            },
        }
    )
    assert cancel.status == "CANCELLATION_REQUEST_CANCELLED" and cancel.data_id("cancel_id") == "8"
    assert cancel.update_time == datetime.fromtimestamp(2, UTC)  # falls back to push time
    unknown = parse_webhook({"type": 99, "timestamp": 1, "data": {}, "extra": True})
    assert unknown.event_type is None and unknown.raw["extra"] is True


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1, 2]", b'{"shop_id": "1"}', b'{"type": "x"}', "\xff".encode("latin-1")],
)
def test_webhook_garbage_is_refused(body: bytes) -> None:
    with pytest.raises(WebhookPayloadError):
        parse_webhook(body)


# --- write shapes --------------------------------------------------------------------------------


def test_price_update_sends_decimal_strings() -> None:
    entry = PriceUpdate("1", Decimal("19.90"), "USD", list_price=Decimal("25")).to_api()
    assert entry == {
        "id": "1",
        "price": {"amount": "19.90", "currency": "USD"},
        "list_price": {"amount": "25", "currency": "USD"},
    }
    # Removing the list price sends one of 0 (UNVERIFIED), which reads back as none.
    cleared = PriceUpdate("1", Decimal("19.90"), "USD", clear_list_price=True).to_api()
    assert cleared["list_price"] == {"amount": "0", "currency": "USD"}
    for listed in ({"amount": "0.00", "currency": "USD"}, {"amount": ""}, None):
        assert Sku.from_api({"id": "1", "list_price": listed}).list_price is None
    with pytest.raises(InvalidRequestError):
        PriceUpdate("1", 19.9, "USD").to_api()  # type: ignore[arg-type]
    with pytest.raises(InvalidRequestError):
        PriceUpdate("1", Decimal("-1"), "USD").to_api()


def test_inventory_update_lists_every_warehouse() -> None:
    update = InventoryUpdate("1", [WarehouseQuantity("a", 5), WarehouseQuantity("b", 0)])
    assert update.to_api() == {
        "id": "1",
        "inventory": [{"quantity": 5, "warehouse_id": "a"}, {"quantity": 0, "warehouse_id": "b"}],
    }
    with pytest.raises(InvalidRequestError):
        InventoryUpdate("1", []).to_api()
    with pytest.raises(InvalidRequestError):
        InventoryUpdate("1", [WarehouseQuantity("a", True)]).to_api()


def test_package_shipment_shapes() -> None:
    start = datetime(2023, 10, 11, 5, 0, tzinfo=UTC)
    shipment = PackageShipment(
        "p1", handover_method="PICKUP", pickup_start=start, pickup_end=1697007200
    )
    assert shipment.to_api() == {
        "id": "p1",
        "handover_method": "PICKUP",
        "pickup_slot": {"start_time": 1697000400, "end_time": 1697007200},
    }
    assert PackageShipment("p1").to_api(with_id=False) == {}
