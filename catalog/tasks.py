"""Background jobs of the catalog: each takes ids and calls one service."""

from __future__ import annotations

from shops.models import SyncRun
from shops.sync import sync_request_all


def sync_products() -> int:
    return sync_request_all(resource="products", kind=SyncRun.Kind.INCREMENTAL)
