"""Product webhooks (types 5, 15, 16): read the product again."""

from __future__ import annotations

from catalog import mirror
from shops.models import WebhookEvent
from tiktok.types import as_id


def handle_product_event(event: WebhookEvent) -> None:
    """A product changed status or content, or was created: fetch it again."""
    shop = event.connected_shop
    product_id = as_id((event.payload.get("data") or {}).get("product_id"))
    if shop is None or not product_id:
        return
    mirror.product_refresh(shop=shop, product_id=product_id)
