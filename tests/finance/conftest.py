"""A sandbox shop mirrored completely, finance included (one full run per resource)."""

from __future__ import annotations

import pytest

from shops.models import SyncRun
from shops.sync import sync_request, sync_run
from tests.mirror.conftest import connect_shop, point_settings_at, sandbox_factory, small_config

__all__ = ["sandbox_factory"]
FINANCE = ("statements", "payments", "withdrawals", "order_settlements", "unsettled")
MIRROR = ("products", "orders", "packages", "returns", "cancellations")


def run(shop, resource: str, kind: str = SyncRun.Kind.FULL) -> SyncRun:
    requested = sync_request(shop_id=shop.pk, resource=resource, kind=kind, enqueue=False)
    return sync_run(run_id=requested.pk)


@pytest.fixture
def mirrored(db, settings, sandbox_factory):
    handle = sandbox_factory(small_config(orders=240, days=60, anchor=None))
    point_settings_at(settings, handle)
    shop = connect_shop(handle)
    for resource in MIRROR + FINANCE:
        finished = run(shop, resource)
        assert finished.status == SyncRun.Status.SUCCEEDED, (resource, finished.error)
    return handle, shop
