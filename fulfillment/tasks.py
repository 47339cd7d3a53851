"""Background jobs of fulfillment: each takes ids and calls one service."""

from __future__ import annotations

from shops.models import SyncRun
from shops.sync import sync_request_all


def sync_packages() -> int:
    return sync_request_all(resource="packages", kind=SyncRun.Kind.INCREMENTAL)


def sync_returns() -> int:
    return sync_request_all(resource="returns", kind=SyncRun.Kind.INCREMENTAL)


def sync_cancellations() -> int:
    return sync_request_all(resource="cancellations", kind=SyncRun.Kind.INCREMENTAL)
