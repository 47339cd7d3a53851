"""Fulfillment webhooks: a package (4), a cancellation (11) or a return (12) changed."""

from __future__ import annotations

from collections.abc import Mapping

from fulfillment import mirror
from shops.models import WebhookEvent
from tiktok.types import as_id


def _data(event: WebhookEvent) -> Mapping:
    return event.payload.get("data") or {}


def handle_package_event(event: WebhookEvent) -> None:
    """Type 4: packages were split, combined or changed; read each again."""
    shop = event.connected_shop
    listed = _data(event).get("package_list") or ()
    ids = [as_id(p.get("package_id")) for p in listed if isinstance(p, Mapping)]
    if shop is not None and any(ids):
        mirror.packages_refresh(shop=shop, package_ids=[i for i in ids if i])


def handle_cancellation_event(event: WebhookEvent) -> None:
    """Type 11: a cancellation request changed status; read it again."""
    shop = event.connected_shop
    cancel_id = as_id(_data(event).get("cancel_id"))
    if shop is not None and cancel_id:
        mirror.cancellation_refresh(shop=shop, cancel_id=cancel_id)


def handle_return_event(event: WebhookEvent) -> None:
    """Type 12: a return or refund request changed status; read it again."""
    shop = event.connected_shop
    return_id = as_id(_data(event).get("return_id"))
    if shop is not None and return_id:
        mirror.return_refresh(shop=shop, return_id=return_id)
