"""A 200-package batch survives SIGKILL: workers killed mid-run, none shipped twice, none lost."""

from __future__ import annotations

import random
import signal
import time

import pytest

from fulfillment.models import Package
from fulfillment.shipping import batch_progress, ship_batch_create, ship_batch_send
from shops.models import Command
from tests.commands.conftest import ctl, mirror_packages
from tests.commands.test_kill import start_worker, unfinished
from tests.factories import make_user
from tests.mirror.conftest import connect_shop, point_settings_at, small_config
from tiktok.sandbox import start_in_thread

pytestmark = pytest.mark.django_db(transaction=True)
PACKAGES = 200


@pytest.fixture
def sandbox():
    handle = start_in_thread(small_config(products=10, orders=20, seed=29))
    yield handle
    handle.stop()


def test_a_batch_killed_four_times_ships_each_package_once(settings, sandbox, monkeypatch):
    point_settings_at(settings, sandbox)
    settings.SHOP_CONNECTED_JOBS = []
    settings.SHIP_BATCH_CHUNK = 10
    monkeypatch.setattr("shops.commands._enqueue_run", lambda shop_id: None)  # workers run them
    shop = connect_shop(sandbox)
    ids: list[str] = []
    while len(ids) < PACKAGES:
        order = ctl(sandbox, "POST", "orders", status="AWAITING_SHIPMENT")["order"]
        if order.get("shipping_type") == "TIKTOK" and len(order.get("packages") or [0]) == 1:
            ids.append(order["id"])
    mirror_packages(shop)
    packages = Package.objects.filter(shop=shop, order_tiktok_id__in=ids)
    assert packages.count() == PACKAGES
    user = make_user()
    batch = ship_batch_create(packages=packages, actor=user)
    commands = ship_batch_send(
        batch=batch, actor=user, confirmed_count=PACKAGES, handover_method="DROP_OFF"
    )
    assert len(commands) == 20

    # Slow calls so the kills land mid-call; dropped connections after TikTok acted on them.
    ctl(sandbox, "POST", "faults", latency_ms=150, drop_rate=0.1, error_rate=0.05, seed=3)
    worker_settings = {
        "TIKTOK_API_BASE": sandbox.url,
        "TIKTOK_AUTH_BASE": sandbox.url,
        "TIKTOK_APP_KEY": sandbox.config.app_key,
        "TIKTOK_APP_SECRET": sandbox.config.app_secret,
        "TIKTOK_RATE_LIMIT": 0,
        "COMMAND_LEASE_SECONDS": 2,
        "COMMAND_MAX_ATTEMPTS": 8,
        "SHIP_BATCH_CHUNK": 10,
    }
    rng = random.Random(7)
    killed_while_running = 0
    for _ in range(4):
        worker = start_worker(worker_settings)
        time.sleep(rng.uniform(0.5, 1.5))
        killed_while_running += Command.objects.filter(status=Command.Status.RUNNING).count()
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    ctl(sandbox, "POST", "faults", latency_ms=0, drop_rate=0, error_rate=0, clear=True)
    worker = start_worker(worker_settings)
    try:
        deadline = time.monotonic() + 120
        while unfinished() and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()

    assert unfinished() == 0
    assert killed_while_running >= 1
    shipped: dict[str, int] = {}
    for change in ctl(sandbox, "GET", "changes?limit=100000")["changes"]:
        if change["kind"] == "ship_package":
            package_id = change["detail"]["package_id"]
            shipped[package_id] = shipped.get(package_id, 0) + 1
    wanted = set(packages.values_list("tiktok_id", flat=True))
    assert max(shipped.values()) == 1
    # None lost: every package is shipped on TikTok and shown shipped in the batch, or shown
    # refused with a reason and still to ship on TikTok.
    progress = batch_progress(batch)
    states = {row["entry"].package.tiktok_id: row for row in progress["rows"]}
    assert set(states) == wanted
    for package_id, row in states.items():
        if row["state"] == "shipped":
            assert shipped.get(package_id) == 1, package_id
        else:
            assert row["state"] == "failed" and row["message"], (package_id, row["state"])
            assert package_id not in shipped
    assert progress["counts"]["shipped"] >= PACKAGES * 0.9
