"""A sandbox shop whose catalog is mirrored (products only: fast), and helpers to run commands."""

from __future__ import annotations

import pytest
from django.utils import timezone

from catalog.models import Product
from shops.commands import command_claim, command_execute
from shops.models import Command, Shop, SyncRun
from shops.sync import sync_request, sync_run
from tests.conftest import sandbox_call as ctl  # the tests here import it from here
from tests.mirror.conftest import connect_shop, point_settings_at, small_config
from tiktok.sandbox import start_in_thread
from tiktok.sandbox.server import SandboxHandle


@pytest.fixture(scope="session")
def commands_sandbox():
    handle = start_in_thread(small_config(orders=60))
    yield handle
    handle.stop()


@pytest.fixture
def sandbox(commands_sandbox):
    """The session's sandbox, regenerated from its seed with no faults and no tokens."""
    ctl(commands_sandbox, "POST", "reset")
    ctl(
        commands_sandbox,
        "POST",
        "faults",
        error_rate=0,
        unavailable_rate=0,
        rate_429=0,
        drop_rate=0,
        malformed_rate=0,
        latency_ms=0,
        clear=True,
    )
    return commands_sandbox


def mirror_products(shop: Shop) -> None:
    run = sync_request(shop_id=shop.pk, resource="products", kind=SyncRun.Kind.FULL, enqueue=False)
    assert sync_run(run_id=run.pk).status == SyncRun.Status.SUCCEEDED


def mirror_packages(shop: Shop) -> None:
    for resource in ("orders", "packages"):
        run = sync_request(
            shop_id=shop.pk, resource=resource, kind=SyncRun.Kind.FULL, enqueue=False
        )
        assert sync_run(run_id=run.pk).status == SyncRun.Status.SUCCEEDED


@pytest.fixture
def shop(db, settings, sandbox) -> Shop:
    point_settings_at(settings, sandbox)
    shop = connect_shop(sandbox)
    mirror_products(shop)
    return shop


def writes(handle: SandboxHandle, command: Command) -> tuple[int, int]:
    """(received, applied) by the sandbox for this command's idempotency key."""
    data = ctl(handle, "GET", f"writes?key={command.idempotency_key}")
    return data["received"], data["applied"]


def run_once(shop: Shop | None = None) -> Command | None:
    """Claim and run one due command, as one worker step."""
    claimed = command_claim(shop_id=shop.pk if shop else None)
    return command_execute(claimed) if claimed else None


def run_until_settled(shop: Shop, limit: int = 30) -> list[Command]:
    """Run due commands (making retries due at once) until none is left to do."""
    done = []
    for _ in range(limit):
        Command.objects.filter(
            shop=shop, status__in=[Command.Status.QUEUED, Command.Status.NEEDS_CHECK]
        ).update(next_attempt_at=timezone.now())
        command = run_once(shop)
        if command is None:
            break
        done.append(command)
    return done


def live_product(shop: Shop, skus: int = 1) -> Product:
    return (
        Product.objects.filter(shop=shop, status="ACTIVATE", sku_count__gte=skus)
        .order_by("tiktok_id")
        .first()
    )
