"""The runner survives SIGKILL: 300 commands under faults, the worker killed five times.

Afterwards every command is succeeded or failed with a reason, TikTok (the sandbox) applied each
idempotency key at most once, no package was shipped twice, and the mirror equals the sandbox
for every SKU and package touched.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Count

from catalog.commands import product_prices_set, product_stock_set
from catalog.models import Inventory, Product, Sku
from fulfillment.commands import package_ship
from fulfillment.models import Package
from shops.commands import command_create
from shops.models import Command
from tests.commands.conftest import ctl, mirror_packages, mirror_products
from tests.factories import make_user
from tests.mirror.conftest import connect_shop, point_settings_at, small_config
from tiktok.sandbox import start_in_thread
from tiktok.types import Product as ApiProduct

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]
PRICES, STOCK, SHIPS = 120, 80, 100


def database_url() -> str:
    db = connection.settings_dict
    return f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def start_worker(settings_for_worker: dict) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url(), "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.commands.kill_worker", json.dumps(settings_for_worker)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout.readline().strip() == "ready"
    return process


def unfinished() -> int:
    return Command.objects.filter(status__in=Command.UNFINISHED).count()


@pytest.fixture
def sandbox():
    handle = start_in_thread(small_config(products=40, orders=60, seed=23))
    yield handle
    handle.stop()


def test_killed_five_times_nothing_lost_nothing_twice(settings, sandbox, monkeypatch):
    point_settings_at(settings, sandbox)
    settings.SHOP_CONNECTED_JOBS = []
    monkeypatch.setattr("shops.commands._enqueue_run", lambda shop_id: None)  # workers run them
    shop = connect_shop(sandbox)
    mirror_products(shop)
    for _ in range(SHIPS * 2):
        order = ctl(sandbox, "POST", "orders", status="AWAITING_SHIPMENT")["order"]
        if order.get("shipping_type") != "TIKTOK":
            continue
    mirror_packages(shop)

    rng = random.Random(11)
    user = make_user()
    products = list(
        Product.objects.filter(shop=shop, status="ACTIVATE").prefetch_related(
            "skus__inventory__warehouse"
        )
    )[:25]
    for n in range(PRICES):
        product = products[n % len(products)]
        sku = rng.choice(list(product.skus.all()))
        product_prices_set(
            product=product,
            prices={sku.tiktok_id: Decimal(rng.randrange(500, 9000)) / 100},
            actor=user,
            reason="kill test",
        )
    for n in range(STOCK):
        product = products[n % len(products)]
        sku = rng.choice(list(product.skus.all()))
        warehouse = rng.choice(list(sku.inventory.all())).warehouse.tiktok_id
        product_stock_set(
            product=product,
            stock={sku.tiktok_id: {warehouse: rng.randrange(0, 500)}},
            actor=user,
            reason="kill test",
        )
    to_ship = list(
        Package.objects.filter(shop=shop, status="TO_FULFILL", order__shipping_type="TIKTOK")[
            :SHIPS
        ]
    )
    for package in to_ship:
        package_ship(package=package, handover_method="DROP_OFF", actor=user, reason="kill test")
    # Asked before the order said it ships with the seller's own carrier: TikTok refuses these.
    refused = list(
        Package.objects.filter(shop=shop, status="TO_FULFILL", order__shipping_type="SELLER")[:5]
    )
    for package in refused:
        command_create(
            shop=shop,
            kind="fulfillment.ship_package",
            target=f"package:{package.tiktok_id}",
            desired={"package_id": package.tiktok_id, "handover_method": "DROP_OFF"},
            actor=user,
            reason="kill test",
        )
    total = Command.objects.count()
    assert total == PRICES + STOCK + len(to_ship) + len(refused) and len(to_ship) >= 60

    ctl(
        sandbox,
        "POST",
        "faults",
        error_rate=0.10,
        rate_429=0.03,
        burst_length=3,
        drop_rate=0.03,
        seed=5,
    )
    worker_settings = {
        "TIKTOK_API_BASE": sandbox.url,
        "TIKTOK_AUTH_BASE": sandbox.url,
        "TIKTOK_APP_KEY": sandbox.config.app_key,
        "TIKTOK_APP_SECRET": sandbox.config.app_secret,
        "TIKTOK_RATE_LIMIT": 0,
        "COMMAND_LEASE_SECONDS": 2,
        "COMMAND_MAX_ATTEMPTS": 8,
    }
    killed_while_running = 0
    for kill in range(5):
        worker = start_worker(worker_settings)
        time.sleep(rng.uniform(0.4, 2.0))
        if kill == 2:
            ctl(sandbox, "POST", "expire_tokens")  # one token expiry mid-run
        killed_while_running += Command.objects.filter(status=Command.Status.RUNNING).count()
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    worker = start_worker(worker_settings)
    try:
        deadline = time.monotonic() + 120
        while unfinished() and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    ctl(sandbox, "POST", "faults", error_rate=0, rate_429=0, drop_rate=0, clear=True)

    # Every command finished, with a reason when it failed.
    statuses = dict(Command.objects.values_list("status").annotate(n=Count("id")))
    assert unfinished() == 0, statuses
    for command in Command.objects.filter(status=Command.Status.FAILED):
        assert command.error_message, command.pk
    for package in refused:
        command = Command.objects.get(target=f"package:{package.tiktok_id}")
        assert command.status == Command.Status.FAILED and "self_shipment" in command.error_message
    assert statuses.get(Command.Status.SUCCEEDED, 0) >= total * 0.9, statuses
    assert killed_while_running >= 1  # the kills did land on commands in flight

    # TikTok applied each idempotency key at most once.
    writes = ctl(sandbox, "GET", "writes")["writes"]
    twice = [w for w in writes if w["key"] and w["applied"] > 1]
    assert not twice, twice[:3]
    keys = set(Command.objects.values_list("idempotency_key", flat=True))
    assert {w["key"] for w in writes} <= keys | {""}

    # No package was shipped twice, and every succeeded ship is shipped on TikTok and here.
    shipped: dict[str, int] = {}
    for change in ctl(sandbox, "GET", "changes?limit=100000")["changes"]:
        if change["kind"] == "ship_package":
            shipped[change["detail"]["package_id"]] = (
                shipped.get(change["detail"]["package_id"], 0) + 1
            )
    assert max(shipped.values()) == 1
    for command in Command.objects.filter(kind="fulfillment.ship_package"):
        package_id = command.desired["package_id"]
        detail = ctl(sandbox, "GET", f"packages/{package_id}")["package"]
        mirrored = Package.objects.get(shop=shop, tiktok_id=package_id)
        if command.status == Command.Status.SUCCEEDED:
            assert shipped.get(package_id) == 1, package_id
            assert mirrored.status == detail["package_status"] == "PROCESSING"
        else:
            state = (command.status, command.error_message, command.attempts, command.checks)
            assert package_id not in shipped and mirrored.status == "TO_FULFILL", state

    # The mirror equals the sandbox for every touched SKU: price and stock per warehouse.
    touched = {
        s["sku_id"]
        for desired in Command.objects.filter(kind__startswith="catalog.").values_list(
            "desired", flat=True
        )
        for s in desired["skus"]
    }
    checked = 0
    for product in products:
        remote = ApiProduct.from_api(
            ctl(sandbox, "GET", f"products/{product.tiktok_id}")["product"]
        )
        for sku in remote.skus:
            if sku.id not in touched:
                continue
            local = Sku.objects.get(shop=shop, tiktok_id=sku.id)
            assert local.price == sku.price, sku.id
            stock = dict(
                Inventory.objects.filter(sku=local).values_list("warehouse__tiktok_id", "quantity")
            )
            assert stock == {i.warehouse_id: i.quantity for i in sku.inventory}, sku.id
            checked += 1
    assert checked >= 30
