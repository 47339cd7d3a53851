"""Pages stored on two connections side by side: the mirror still equals the sandbox, and a run
stopped at any page keeps exactly the pages before it, so it resumes from its cursor."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from orders.mirror import OrderSyncer
from orders.models import Order
from shops.models import SyncRun, SyncState
from shops.sync import sync_request, sync_retry, sync_run
from tests.mirror.conftest import connect_shop, point_settings_at, small_config
from tests.mirror.helpers import assert_mirrored

# The writers have their own connections: they must see what the test committed.
pytestmark = pytest.mark.django_db(transaction=True)

RESOURCES = ("products", "orders", "packages", "returns", "cancellations")


@pytest.fixture
def two_writers(settings, sandbox_factory):
    handle = sandbox_factory(small_config(orders=1000))
    point_settings_at(settings, handle)
    settings.SYNC_PREFETCH_PAGES = 2
    settings.SYNC_STORE_WRITERS = 2
    settings.SHOP_CONNECTED_JOBS = []
    return handle, connect_shop(handle)


def run(shop, resource: str, **kwargs) -> SyncRun:
    requested = sync_request(shop_id=shop.pk, resource=resource, kind="full", enqueue=False)
    return sync_run(run_id=requested.pk, **kwargs)


def test_stores_side_by_side_and_the_mirror_equals_the_sandbox(two_writers, monkeypatch):
    handle, shop = two_writers
    backends: set[int] = set()
    store = OrderSyncer.store
    lock = threading.Lock()
    calls = [0]
    both = threading.Event()

    def watched(self, items):
        with connection.cursor() as cursor:
            cursor.execute("select pg_backend_pid()")
            pid = cursor.fetchone()[0]
        with lock:
            calls[0] += 1
            call = calls[0]
            backends.add(pid)
            if len(backends) == 2:
                both.set()
        if call == 2:  # held until the next page is stored meanwhile, on the other connection
            both.wait(timeout=10)
        return store(self, items)

    monkeypatch.setattr(OrderSyncer, "store", watched)
    for resource in RESOURCES:
        done = run(shop, resource)
        assert done.status == "succeeded", done.error
    assert_mirrored(handle, shop)
    orders = SyncRun.objects.get(shop=shop, resource="orders")
    assert orders.done == orders.total == 1000 and orders.pages == orders.requests == 10
    assert len(backends) == 2  # two connections stored the pages


def test_a_run_killed_after_a_page_keeps_exactly_the_pages_before(two_writers):
    handle, shop = two_writers
    run(shop, "products")

    class Killed(Exception):
        pass

    def kill_after_three(current: SyncRun) -> None:
        if current.pages == 3:
            raise Killed

    first = run(shop, "orders", after_page=kill_after_three)
    assert first.status == "failed" and "Killed" in first.error
    # Page 4 may have been stored meanwhile; it was not committed.
    assert Order.objects.filter(shop=shop).count() == 300
    assert SyncState.objects.get(shop=shop, resource="orders").page_token
    assert SyncRun.objects.get(pk=first.pk).pages == 3

    resumed = sync_run(run_id=sync_retry(shop_id=shop.pk, resource="orders").pk)
    assert resumed.status == "succeeded" and resumed.pages == 7
    assert resumed.done == resumed.total == 1000
    for resource in ("packages", "returns", "cancellations"):
        assert run(shop, resource).status == "succeeded"
    assert_mirrored(handle, shop)


def test_a_page_that_fails_to_store_leaves_the_cursor_before_it(two_writers, monkeypatch):
    handle, shop = two_writers
    run(shop, "products")
    store, page_keys = OrderSyncer.store, OrderSyncer.page_keys
    position: dict[int, int] = {}  # each page's place in the walk (keys are read in order)

    def numbered(self, items):
        position[id(items)] = len(position) + 1
        return page_keys(self, items)

    def failing_fifth(self, items):
        if position[id(items)] == 5:
            raise RuntimeError("the database went away")
        return store(self, items)

    monkeypatch.setattr(OrderSyncer, "page_keys", numbered)
    monkeypatch.setattr(OrderSyncer, "store", failing_fifth)
    first = run(shop, "orders")
    assert first.status == "failed" and "went away" in first.error
    assert Order.objects.filter(shop=shop).count() == 400  # pages 1 to 4; none after
    assert SyncRun.objects.get(pk=first.pk).pages == 4

    monkeypatch.setattr(OrderSyncer, "store", store)
    monkeypatch.setattr(OrderSyncer, "page_keys", page_keys)
    resumed = sync_run(run_id=sync_retry(shop_id=shop.pk, resource="orders").pk)
    assert resumed.status == "succeeded" and resumed.done == 1000
    for resource in ("packages", "returns", "cancellations"):
        assert run(shop, resource).status == "succeeded"
    assert_mirrored(handle, shop)
