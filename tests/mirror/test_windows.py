"""With the rate limit on, a long walk is split into update-time windows walked side by side:
the mirror still equals the sandbox, the limit is never broken, and a killed run resumes each
window from its own cursor."""

from __future__ import annotations

import pytest

from orders.models import Order
from shops.models import SyncRun, SyncState
from shops.sync import sync_request, sync_retry, sync_run
from tests.mirror.conftest import connect_shop, point_settings_at, small_config
from tests.mirror.helpers import assert_mirrored

# The walking threads have their own connections: they must see what the test committed.
pytestmark = pytest.mark.django_db(transaction=True)

RATE = 50


@pytest.fixture
def limited(settings, sandbox_factory):
    handle = sandbox_factory(small_config(orders=1500, rate_limit=RATE))
    point_settings_at(settings, handle)
    settings.TIKTOK_RATE_LIMIT = RATE
    settings.SYNC_WINDOWS_IN_FLIGHT = 3
    settings.SYNC_WINDOW_MIN_PAGES = 4
    settings.SHOP_CONNECTED_JOBS = []  # no initial sync: each test runs the ones it needs
    refused: list[tuple] = []
    allow = handle.app.limiter.allow

    def counting(key):
        allowed = allow(key)
        if not allowed:
            refused.append(key)
        return allowed

    handle.app.limiter.allow = counting
    return handle, connect_shop(handle), refused


def _windows(shop) -> list[dict]:
    return SyncState.objects.get(shop=shop, resource="orders").windows


def test_a_split_walk_equals_the_sandbox_and_never_breaks_the_limit(limited):
    handle, shop, refused = limited
    seen: list[list[dict]] = []

    def watch(run: SyncRun) -> None:
        if run.resource == "orders":
            seen.append(_windows(shop))

    runs = {}
    for resource in ("products", "orders", "packages", "returns", "cancellations"):
        requested = sync_request(shop_id=shop.pk, resource=resource, kind="full", enqueue=False)
        runs[resource] = sync_run(run_id=requested.pk, after_page=watch)
        assert runs[resource].status == "succeeded", runs[resource].error
    assert_mirrored(handle, shop)
    assert refused == []  # not one request over TikTok's limit, from any of the threads
    orders = runs["orders"]
    assert orders.done == orders.total == 1500
    # Split after the first page into 3 x 4 windows, then walked several at a time.
    assert len(seen[0]) == 12 and seen[0][0]["since"] is None and seen[0][-1]["before"] is None
    started = [sum(bool(w["token"]) or w["done"] for w in windows) for windows in seen]
    assert max(started) >= 2
    assert runs["packages"].pages > -(-runs["packages"].total // 50)  # packages split too
    assert orders.requests == orders.pages  # one request a page, the first one included
    assert _windows(shop) == [] and Order.objects.filter(shop=shop).count() == 1500
    assert refused == []


def test_a_killed_split_run_resumes_every_window_from_its_cursor(limited):
    handle, shop, refused = limited
    sync_run(run_id=sync_request(shop_id=shop.pk, resource="products", enqueue=False).pk)

    class Killed(Exception):
        pass

    def kill_after_six(current: SyncRun) -> None:
        if current.pages == 6:
            raise Killed

    requested = sync_request(shop_id=shop.pk, resource="orders", kind="full", enqueue=False)
    first = sync_run(run_id=requested.pk, after_page=kill_after_six)
    assert first.status == "failed" and "Killed" in first.error
    windows = _windows(shop)
    assert len(windows) == 12 and any(w["token"] or w["done"] for w in windows)
    stored = Order.objects.filter(shop=shop).count()
    assert 0 < stored < 1500

    resumed = sync_run(run_id=sync_retry(shop_id=shop.pk, resource="orders").pk)
    assert resumed.status == "succeeded" and resumed.kind == "full"
    assert resumed.pages <= 15 + 12 - (first.pages - 1)  # what was left, not the walk again
    assert Order.objects.filter(shop=shop).count() == 1500
    for resource in ("packages", "returns", "cancellations"):
        run = sync_run(run_id=sync_request(shop_id=shop.pk, resource=resource, enqueue=False).pk)
        assert run.status == "succeeded", run.error
    assert_mirrored(handle, shop)
    assert refused == []
