"""Background jobs of the orders: each takes ids and calls one service."""

from __future__ import annotations

from shops.models import SyncRun
from shops.sync import sync_request_all


def sync_orders() -> int:
    return sync_request_all(resource="orders", kind=SyncRun.Kind.INCREMENTAL)
