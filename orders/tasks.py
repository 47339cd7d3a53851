"""Background jobs of the orders: each takes ids and calls one service."""

from __future__ import annotations

from orders import mirror
from shops.models import Shop


def orders_refresh(shop_id: int, order_ids: list[str]) -> int:
    """Read some orders again from TikTok (staff's re-sync); skipped for a disconnected shop."""
    shop = Shop.objects.get(pk=shop_id)
    if not shop.is_connected:
        return 0
    return mirror.orders_refresh(shop=shop, order_ids=order_ids)
