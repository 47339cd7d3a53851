"""Webhooks refresh exactly what changed: once per change, coalesced, unknown orders fetched."""

from __future__ import annotations

import itertools

import pytest
from django.utils import timezone

from catalog.models import Product
from fulfillment.models import Cancellation, Package, Return
from orders.models import Order
from shops.models import WebhookEvent
from shops.sync import sync_shop
from shops.webhooks import webhook_process
from tests.mirror.conftest import control
from tests.mirror.helpers import signed_webhook

pytestmark = pytest.mark.django_db
_ids = itertools.count(1)


def event(shop, type_: int, data: dict, notification_id: str | None = None) -> dict:
    return {
        "type": type_,
        "tts_notification_id": notification_id or f"73{next(_ids):017d}",
        "shop_id": shop.tiktok_id,
        "timestamp": int(timezone.now().timestamp()),
        "data": data,
    }


def api_requests(handle) -> int:
    return handle.app.requests


@pytest.fixture
def mirrored(connected):
    handle, shop = connected
    sync_shop(shop_id=shop.pk)
    return handle, shop


def test_a_duplicated_webhook_triggers_one_refresh(
    mirrored, client, settings, django_capture_on_commit_callbacks
):
    handle, shop = mirrored
    order = Order.objects.filter(shop=shop, status="AWAITING_SHIPMENT").first()
    with control(handle) as http:
        moved = http.post("/_sandbox/lifecycle", json={"order_id": order.tiktok_id}).json()
    payload = event(shop, 1, {"order_id": order.tiktok_id, "order_status": moved["status"]})
    before = api_requests(handle)
    with django_capture_on_commit_callbacks(execute=True):
        assert signed_webhook(client, settings, payload).status_code == 200
        assert signed_webhook(client, settings, payload).status_code == 200
    assert api_requests(handle) - before == 1
    order.refresh_from_db()
    assert order.status == moved["status"]
    assert WebhookEvent.objects.get().status == WebhookEvent.Status.PROCESSED


def test_a_webhook_for_an_unknown_order_fetches_it(
    mirrored, client, settings, django_capture_on_commit_callbacks
):
    handle, shop = mirrored
    with control(handle) as http:
        created = http.post("/_sandbox/orders", json={"status": "ON_HOLD"}).json()["order"]
    assert not Order.objects.filter(tiktok_id=created["id"]).exists()
    payload = event(shop, 1, {"order_id": created["id"], "order_status": "ON_HOLD"})
    with django_capture_on_commit_callbacks(execute=True):
        signed_webhook(client, settings, payload)
    mirrored_order = Order.objects.get(shop=shop, tiktok_id=created["id"])
    assert mirrored_order.status == created["status"]
    assert mirrored_order.in_buyer_cancel_window == (created["status"] == "ON_HOLD")
    assert mirrored_order.lines.count() == len(created["line_items"])


def test_waiting_order_events_are_coalesced_into_one_call(mirrored):
    handle, shop = mirrored
    with control(handle) as http:
        ids = [http.post("/_sandbox/orders", json={}).json()["order"]["id"] for _ in range(3)]
    events = [
        WebhookEvent.objects.create(
            notification_id=f"c{n}",
            type=1,
            shop=shop,
            shop_tiktok_id=shop.tiktok_id,
            payload=event(shop, 1, {"order_id": order_id}),
        )
        for n, order_id in enumerate(ids)
    ]
    before = api_requests(handle)
    assert webhook_process(event_id=events[0].pk) == "processed"
    assert api_requests(handle) - before == 1
    assert Order.objects.filter(shop=shop, tiktok_id__in=ids).count() == 3
    for other in events[1:]:
        assert webhook_process(event_id=other.pk) == "processed"
    assert api_requests(handle) - before == 1


def test_package_return_cancellation_and_product_webhooks_refresh_them(
    mirrored, client, settings, django_capture_on_commit_callbacks
):
    handle, shop = mirrored
    shipped = Package.objects.filter(shop=shop).first()
    delivered = Order.objects.filter(shop=shop, status__in=["DELIVERED", "COMPLETED"]).first()
    waiting = Order.objects.filter(
        shop=shop, status="AWAITING_SHIPMENT", is_buyer_request_cancel=False
    ).last()
    product = Product.objects.filter(shop=shop).first()
    with control(handle) as http:
        returned = http.post("/_sandbox/returns", json={"order_id": delivered.tiktok_id}).json()
        cancel = http.post("/_sandbox/cancellations", json={"order_id": waiting.tiktok_id}).json()
    with handle.state.lock:
        world_shop = next(s for s in handle.state.world.shops if s.id == shop.tiktok_id)
        world_shop.products[product.tiktok_id].title = "Renamed on TikTok"
        handle.state.touch_product(world_shop.products[product.tiktok_id])
    return_id = returned["return"]["return_id"]
    cancel_id = cancel["cancellation"]["cancel_id"]
    events = [
        event(shop, 4, {"package_list": [{"package_id": shipped.tiktok_id}]}),
        event(shop, 12, {"order_id": delivered.tiktok_id, "return_id": return_id}),
        event(shop, 11, {"order_id": waiting.tiktok_id, "cancel_id": cancel_id}),
        event(shop, 15, {"product_id": int(product.tiktok_id), "changed_fields": ["title"]}),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        for payload in events:
            assert signed_webhook(client, settings, payload).status_code == 200
    assert set(WebhookEvent.objects.values_list("status", flat=True)) == {"processed"}
    shipped.refresh_from_db()
    assert shipped.handover_method in ("PICKUP", "DROP_OFF")  # from Get Package Detail
    assert Return.objects.get(shop=shop, tiktok_id=return_id).order == delivered
    pending = Cancellation.objects.get(shop=shop, tiktok_id=cancel_id)
    assert pending.status == "CANCELLATION_REQUEST_PENDING" and pending.deadline is not None
    product.refresh_from_db()
    assert product.title == "Renamed on TikTok" and product.category_id
