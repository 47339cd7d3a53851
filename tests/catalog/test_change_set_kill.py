"""Killing the worker mid-apply loses no change-set row and applies none twice."""

from __future__ import annotations

import random
import signal
import time
from decimal import Decimal

import pytest

from catalog.models import ChangeRow, ChangeSet, Inventory, Product, Sku
from catalog.services import (
    PriceRule,
    StockRule,
    change_set_apply,
    change_set_create,
    change_set_preview,
)
from tests.commands.conftest import ctl, mirror_products
from tests.commands.test_kill import start_worker, unfinished
from tests.factories import make_user
from tests.mirror.conftest import connect_shop, point_settings_at, small_config
from tiktok.sandbox import start_in_thread
from tiktok.types import Product as ApiProduct

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def kill_sandbox():
    handle = start_in_thread(small_config(products=40, orders=20, seed=29))
    yield handle
    handle.stop()


def test_a_change_set_survives_its_worker_being_killed(settings, kill_sandbox, monkeypatch):
    sandbox = kill_sandbox
    point_settings_at(settings, sandbox)
    settings.SHOP_CONNECTED_JOBS = []
    monkeypatch.setattr("catalog.services.enqueue_after_commit", lambda *a, **k: None)
    shop = connect_shop(sandbox)
    mirror_products(shop)
    user = make_user(role="admin")
    change_set = change_set_create(
        name="Kill",
        reason="kill test",
        actor=user,
        products=Product.objects.filter(shop=shop, status="ACTIVATE"),
        price_rule=PriceRule(mode="raise_pct", amount=Decimal("7")),
        stock_rule=StockRule(mode="add", quantity=3),
    )
    preview = change_set_preview(change_set=change_set)
    commands = change_set_apply(
        change_set=change_set, actor=user, acknowledged=preview.to_acknowledge
    )
    assert commands >= 20
    ctl(sandbox, "POST", "faults", error_rate=0.1, rate_429=0.03, drop_rate=0.03, seed=7)
    worker_settings = {
        "TIKTOK_API_BASE": sandbox.url,
        "TIKTOK_AUTH_BASE": sandbox.url,
        "TIKTOK_APP_KEY": sandbox.config.app_key,
        "TIKTOK_APP_SECRET": sandbox.config.app_secret,
        "TIKTOK_RATE_LIMIT": 0,
        "COMMAND_LEASE_SECONDS": 2,
        "COMMAND_MAX_ATTEMPTS": 8,
    }
    rng = random.Random(3)
    for _ in range(3):
        worker = start_worker(worker_settings)
        time.sleep(rng.uniform(0.3, 1.0))
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    worker = start_worker(worker_settings)
    try:
        deadline = time.monotonic() + 90
        while unfinished() and time.monotonic() < deadline:
            time.sleep(0.3)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    ctl(sandbox, "POST", "faults", error_rate=0, rate_429=0, drop_rate=0, clear=True)

    assert unfinished() == 0
    change_set.refresh_from_db()
    assert change_set.state in (ChangeSet.State.APPLIED, ChangeSet.State.PARTLY_APPLIED)
    rows = change_set.rows.filter(excluded=False)
    assert not rows.filter(outcome__in=["pending", "sent"]).exists()  # no row lost
    for row in rows.filter(outcome="failed"):
        assert row.message, row.pk  # TikTok's reason, or why the pipeline gave up
    writes = ctl(sandbox, "GET", "writes")["writes"]
    assert not [w for w in writes if w["key"] and w["applied"] > 1]  # none applied twice
    applied = rows.filter(outcome=ChangeRow.Outcome.APPLIED).select_related(
        "sku__product", "warehouse"
    )
    assert applied.count() >= rows.count() * 0.8
    remote: dict[str, ApiProduct] = {}
    for row in applied:
        product_id = row.sku.product.tiktok_id
        if product_id not in remote:
            remote[product_id] = ApiProduct.from_api(
                ctl(sandbox, "GET", f"products/{product_id}")["product"]
            )
        sku = next(s for s in remote[product_id].skus if s.id == row.sku.tiktok_id)
        local = Sku.objects.get(pk=row.sku_id)
        if row.field == "price":
            assert sku.price == row.new_price == local.price
        else:
            there = {i.warehouse_id: i.quantity for i in sku.inventory}
            assert there[row.warehouse.tiktok_id] == row.new_quantity
            assert (
                Inventory.objects.get(sku=local, warehouse=row.warehouse).quantity
                == row.new_quantity
            )
