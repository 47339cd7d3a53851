"""Background jobs of fulfillment: each takes ids and calls one service."""

from __future__ import annotations

from fulfillment import mirror
from shops.models import Shop


def _connected(shop_id: int) -> Shop | None:
    shop = Shop.objects.get(pk=shop_id)
    return shop if shop.is_connected else None


def packages_refresh(shop_id: int, package_ids: list[str]) -> int:
    """Read some packages again from TikTok (staff's re-sync)."""
    shop = _connected(shop_id)
    return mirror.packages_refresh(shop=shop, package_ids=package_ids) if shop else 0


def return_refresh(shop_id: int, return_id: str) -> int:
    """Read one return again from TikTok (staff's re-sync)."""
    shop = _connected(shop_id)
    return mirror.return_refresh(shop=shop, return_id=return_id) if shop else 0


def cancellation_refresh(shop_id: int, cancel_id: str) -> int:
    """Read one cancellation again from TikTok (staff's re-sync)."""
    shop = _connected(shop_id)
    return mirror.cancellation_refresh(shop=shop, cancel_id=cancel_id) if shop else 0
