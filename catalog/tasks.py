"""Background jobs of the catalog: each takes ids and calls one service."""

from __future__ import annotations

from catalog import mirror
from shops.models import Shop, SyncRun
from shops.sync import sync_request


def product_refresh(shop_id: int, product_id: str) -> str:
    """Read one product again from TikTok (staff's re-sync); skipped for a disconnected shop."""
    shop = Shop.objects.get(pk=shop_id)
    if not shop.is_connected:
        return "skipped: shop not connected"
    return mirror.product_refresh(shop=shop, product_id=product_id)


def warehouses_resync(shop_id: int) -> int:
    """Read the shop's warehouses again: they come first in a full products run."""
    run = sync_request(shop_id=shop_id, resource="products", kind=SyncRun.Kind.FULL)
    return run.pk
