"""The mirror reads the December 2026 shapes: bundle sub-items, on-hold orders without an
address, and webhook topics it has no handler for (stored and ignored, never rejected)."""

from __future__ import annotations

import itertools

import pytest
from django.utils import timezone

from fulfillment.mirror import return_refresh
from fulfillment.models import Return
from orders.mirror import orders_refresh
from orders.models import Order, OrderLine
from shops.models import WebhookEvent
from tests.mirror.conftest import control
from tests.mirror.helpers import signed_webhook

pytestmark = pytest.mark.django_db
_ids = itertools.count(1)


def event(shop, type_: int, data: dict) -> dict:
    return {
        "type": type_,
        "tts_notification_id": f"74{next(_ids):017d}",
        "shop_id": shop.tiktok_id,
        "timestamp": int(timezone.now().timestamp()),
        "data": data,
    }


def test_a_bundle_lines_parts_are_kept(connected):
    handle, shop = connected
    with control(handle) as http:
        created = http.post(
            "/_sandbox/orders", json={"status": "AWAITING_SHIPMENT", "items": 2, "bundle": True}
        ).json()["order"]
    assert orders_refresh(shop=shop, order_ids=[created["id"]]) == 1
    bundle, plain = OrderLine.objects.filter(order__tiktok_id=created["id"]).order_by("tiktok_id")
    sent = created["line_items"][0]["sub_item_info"]
    assert bundle.tiktok_id == created["line_items"][0]["id"]
    assert bundle.sub_items == sent and len(sent) == 2
    assert [p["sku_id"] for p in bundle.sub_items] == [p["sku_id"] for p in sent]
    assert plain.sub_items == []
    # stored again (a refresh replaces the lines), the parts stay
    orders_refresh(shop=shop, order_ids=[created["id"]])
    assert OrderLine.objects.get(tiktok_id=bundle.tiktok_id).sub_items == sent


def test_exchanges_and_a_bundle_returns_parts_are_mirrored(connected):
    handle, shop = connected
    with control(handle) as http:
        bundle = http.post(
            "/_sandbox/orders", json={"status": "DELIVERED", "items": 2, "bundle": True}
        ).json()["order"]
        plain = http.post("/_sandbox/orders", json={"status": "DELIVERED"}).json()["order"]
        returned = http.post("/_sandbox/returns", json={"order_id": bundle["id"]}).json()
        exchange = http.post(
            "/_sandbox/returns", json={"order_id": plain["id"], "type": "EXCHANGE"}
        ).json()
    return_id, exchange_id = returned["return"]["return_id"], exchange["return"]["return_id"]
    assert return_refresh(shop=shop, return_id=return_id) == 1
    assert return_refresh(shop=shop, return_id=exchange_id) == 1
    stored = Return.objects.get(shop=shop, tiktok_id=return_id)
    first = next(
        li for li in stored.lines if li["order_line_item_id"] == bundle["line_items"][0]["id"]
    )
    parts = [p["sku_id"] for p in bundle["line_items"][0]["sub_item_info"]]
    assert [s["id"] for s in first["sub_lines"]] == [f"{first['id']}1", f"{first['id']}2"]
    assert [s["sku_id"] for s in first["sub_lines"]] == parts
    assert all(s["refund_total"] for s in first["sub_lines"])
    swapped = Return.objects.get(shop=shop, tiktok_id=exchange_id)
    assert (swapped.type, swapped.status) == ("EXCHANGE", "EXCHANGE_REQUEST_PENDING")


def test_an_on_hold_order_has_no_address_until_the_hold_ends(
    connected, client, settings, django_capture_on_commit_callbacks
):
    handle, shop = connected
    with control(handle) as http:
        for _ in range(40):
            created = http.post("/_sandbox/orders", json={"status": "ON_HOLD"}).json()["order"]
            if created["status"] == "ON_HOLD":
                break
        orders_refresh(shop=shop, order_ids=[created["id"]])
        held = Order.objects.get(shop=shop, tiktok_id=created["id"])
        assert held.status == "ON_HOLD"
        assert (held.recipient_name, held.recipient_city, held.recipient_postal_code) == (
            "",
            "",
            "",
        )
        http.post("/_sandbox/lifecycle", json={"order_id": created["id"]})
    payload = event(shop, 1, {"order_id": created["id"], "order_status": "AWAITING_SHIPMENT"})
    with django_capture_on_commit_callbacks(execute=True):
        assert signed_webhook(client, settings, payload).status_code == 200
    held.refresh_from_db()
    assert held.status == "AWAITING_SHIPMENT"
    assert held.recipient_name and held.recipient_city and held.recipient_postal_code


def test_newer_and_unknown_topics_are_stored_and_ignored(
    connected, client, settings, django_capture_on_commit_callbacks
):
    _handle, shop = connected
    for type_ in (71, 67, 64, 50, 65, 99):
        payload = event(shop, type_, {"event_id": "1", "idempotency_key": "k", "sku_id": "17"})
        with django_capture_on_commit_callbacks(execute=True):
            assert signed_webhook(client, settings, payload).status_code == 200
        stored = WebhookEvent.objects.get(notification_id=payload["tts_notification_id"])
        assert stored.type == type_ and stored.shop == shop
        assert stored.status == WebhookEvent.Status.IGNORED and stored.payload == payload
