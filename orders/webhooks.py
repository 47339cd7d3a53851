"""Order webhooks (types 1 and 3): fetch what changed, coalescing events that wait together."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from orders import mirror
from orders.models import Order
from shops.models import WebhookEvent
from tiktok.client import ORDER_IDS_PER_CALL
from tiktok.types import as_id

ORDER_EVENT_TYPES = (1, 3)
# Older unprocessed events are left to their own jobs (and to the scheduled sync).
COALESCE_WINDOW = timedelta(minutes=10)


def _order_id(event: WebhookEvent) -> str | None:
    return as_id((event.payload.get("data") or {}).get("order_id"))


def handle_order_event(event: WebhookEvent) -> None:
    """Fetch the event's order again, together with orders of other events still waiting.

    An order already fetched after an event arrived needs nothing more, so a burst of events
    (or one redelivered under a new id) costs one Get Order Detail call per 50 orders.
    """
    shop = event.connected_shop
    order_id = _order_id(event)
    if shop is None or not order_id:
        return
    waiting: dict[str, datetime] = {order_id: event.received_at}
    others = (
        WebhookEvent.objects.filter(
            shop=shop,
            type__in=ORDER_EVENT_TYPES,
            status=WebhookEvent.Status.RECEIVED,
            received_at__gte=timezone.now() - COALESCE_WINDOW,
        )
        .exclude(pk=event.pk)
        .order_by("received_at")
        .values_list("payload", "received_at")[: ORDER_IDS_PER_CALL * 4]
    )
    for payload, received_at in others:
        other_id = as_id((payload.get("data") or {}).get("order_id"))
        if other_id and len(waiting) < ORDER_IDS_PER_CALL:
            waiting[other_id] = max(received_at, waiting.get(other_id, received_at))
    synced = dict(
        Order.objects.filter(shop=shop, tiktok_id__in=waiting).values_list("tiktok_id", "synced_at")
    )
    due = [i for i, received in waiting.items() if i not in synced or synced[i] < received]
    if order_id in due:
        mirror.orders_refresh(shop=shop, order_ids=due)
