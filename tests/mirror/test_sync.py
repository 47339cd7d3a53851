"""The mirror against a real sandbox socket: equal after a run, after faults, kills and reruns."""

from __future__ import annotations

import pytest
from django.db import connection

from catalog.models import Product
from orders.models import Order
from shops.models import Authorization, SyncRun, SyncState
from shops.sync import resources, sync_request, sync_retry, sync_run, sync_shop
from tests.mirror.conftest import connect_shop, control, point_settings_at, small_config
from tests.mirror.helpers import assert_mirrored

pytestmark = pytest.mark.django_db


def run(shop, resource: str, kind: str = SyncRun.Kind.INCREMENTAL, **kwargs) -> SyncRun:
    requested = sync_request(shop_id=shop.pk, resource=resource, kind=kind, enqueue=False)
    return sync_run(run_id=requested.pk, **kwargs)


def test_a_full_mirror_equals_the_sandbox(connected):
    handle, shop = connected
    runs = sync_shop(shop_id=shop.pk)
    assert [r.status for r in runs] == ["succeeded"] * len(resources())
    assert_mirrored(handle, shop)
    orders = next(r for r in runs if r.resource == "orders")
    assert orders.kind == "full" and orders.done == orders.total == 400
    assert orders.pages == 4 and orders.requests == 4
    state = SyncState.objects.get(shop=shop, resource="orders")
    assert state.watermark is not None and state.page_token == ""
    line = Order.objects.filter(shop=shop).first().lines.first()
    assert line.sku is not None and line.sku.seller_sku == line.seller_sku


def test_running_twice_changes_nothing_and_costs_a_request_per_resource(connected):
    handle, shop = connected
    sync_shop(shop_id=shop.pk)
    again = sync_shop(shop_id=shop.pk, kind=SyncRun.Kind.INCREMENTAL)
    assert all(r.status == "succeeded" and r.kind == "incremental" for r in again)
    assert all(r.requests <= 2 for r in again), [(r.resource, r.requests) for r in again]
    assert_mirrored(handle, shop)
    before = _row_versions()
    full_again = sync_shop(shop_id=shop.pk, kind=SyncRun.Kind.FULL)
    assert all(r.status == "succeeded" for r in full_again)
    assert_mirrored(handle, shop)
    # Nothing changed on TikTok, so a full re-read rewrote none of the big tables' rows.
    assert _row_versions() == before


def _row_versions() -> dict[str, set[str]]:
    """Where each row's version lies, per big mirror table (every UPDATE writes a new one)."""
    versions = {}
    with connection.cursor() as cursor:
        for table in (
            "orders_order",
            "orders_orderline",
            "fulfillment_package",
            "fulfillment_return",
            "fulfillment_cancellation",
        ):
            cursor.execute(f"select ctid::text from {table}")
            versions[table] = {row[0] for row in cursor.fetchall()}
            assert versions[table], table
    return versions


def test_faults_on_the_wire_do_not_change_the_result(db, settings, sandbox_factory):
    handle = sandbox_factory(small_config(orders=600))
    point_settings_at(settings, handle)
    shop = connect_shop(handle)
    with control(handle) as http:
        http.post(
            "/_sandbox/faults",
            json={
                "error_rate": 0.05,
                "unavailable_rate": 0.02,
                "rate_429": 0.03,
                "burst_length": 3,
                "drop_rate": 0.03,
                "seed": 5,
            },
        )

    def expire_tokens_once(current: SyncRun) -> None:
        if current.resource == "orders" and current.pages == 1:
            with control(handle) as http:
                burst = ["429", "429", "429", "error", "drop", "unavailable"]
                http.post("/_sandbox/faults", json={"next": burst})
        if current.resource == "orders" and current.pages == 3:
            with control(handle) as http:
                http.post("/_sandbox/expire_tokens")

    for resource in ("products", "orders", "packages", "returns", "cancellations"):
        done = run(shop, resource, SyncRun.Kind.FULL, after_page=expire_tokens_once)
        assert done.status == "succeeded", done.error
    with control(handle) as http:
        counts = http.get("/_sandbox/faults").json()["counts"]
    assert {"error", "429", "drop", "unavailable"} <= set(counts), counts
    authorization = Authorization.objects.get(pk=shop.authorization_id)
    assert authorization.last_refreshed_at is not None  # refreshed after the expiry
    assert_mirrored(handle, shop)


def test_a_killed_run_resumes_from_its_cursor(connected):
    handle, shop = connected
    run(shop, "products", SyncRun.Kind.FULL)

    class Killed(Exception):
        pass

    def kill_after_two(current: SyncRun) -> None:
        if current.pages == 2:
            raise Killed

    first = run(shop, "orders", SyncRun.Kind.FULL, after_page=kill_after_two)
    assert first.status == "failed" and "Killed" in first.error
    state = SyncState.objects.get(shop=shop, resource="orders")
    assert state.page_token and state.watermark is None
    assert Order.objects.filter(shop=shop).count() == 200

    retried = sync_retry(shop_id=shop.pk, resource="orders")
    resumed = sync_run(run_id=retried.pk)
    assert resumed.status == "succeeded" and resumed.kind == "full"
    assert resumed.pages == 2  # only what was left
    assert resumed.done == resumed.total == 400  # the bar continues where it stopped
    for resource in ("packages", "returns", "cancellations"):
        run(shop, resource, SyncRun.Kind.FULL)
    assert_mirrored(handle, shop)


def test_a_run_left_running_by_a_dead_worker_is_picked_up_again(connected):
    _handle, shop = connected

    class WorkerDied(BaseException):
        pass

    def die(current: SyncRun) -> None:
        raise WorkerDied

    requested = sync_request(shop_id=shop.pk, resource="products", kind="full", enqueue=False)
    with pytest.raises(WorkerDied):
        sync_run(run_id=requested.pk, after_page=die)
    assert SyncRun.objects.get(pk=requested.pk).status == "running"
    # One run at a time: asking again returns the same run, and working it resumes it.
    again = sync_request(shop_id=shop.pk, resource="products", enqueue=False)
    assert again.pk == requested.pk
    assert sync_run(run_id=again.pk).status == "succeeded"
    assert Product.objects.filter(shop=shop).count() == 12


def test_incremental_sync_reads_only_what_changed(connected):
    handle, shop = connected
    sync_shop(shop_id=shop.pk)
    with control(handle) as http:
        created = http.post("/_sandbox/orders", json={"status": "AWAITING_SHIPMENT"}).json()
    new_id = created["order"]["id"]
    incremental = run(shop, "orders")
    assert incremental.kind == "incremental" and incremental.requests == 1
    assert Order.objects.get(shop=shop, tiktok_id=new_id).status == "AWAITING_SHIPMENT"
    run(shop, "packages")
    assert_mirrored(handle, shop)


def test_products_gone_from_tiktok_are_marked_not_dropped(connected):
    handle, shop = connected
    run(shop, "products", SyncRun.Kind.FULL)
    with handle.state.lock:
        world_shop = next(s for s in handle.state.world.shops if s.id == shop.tiktok_id)
        gone_id = next(iter(world_shop.products))
        del world_shop.products[gone_id]
    run(shop, "products", SyncRun.Kind.FULL)
    gone = Product.objects.get(shop=shop, tiktok_id=gone_id)
    assert gone.deleted_at is not None and gone.status == "DELETED"
    assert Product.objects.filter(shop=shop).live().count() == 11


def test_a_missing_permission_fails_the_run_and_is_shown(db, settings, sandbox):
    point_settings_at(settings, sandbox)
    from shops.services import connect_complete
    from tests.factories import make_user

    with control(sandbox) as http:
        scopes = ["seller.authorization.info", "seller.shop.info", "seller.product.basic"]
        code = http.post("/_sandbox/auth_code", json={"scopes": scopes}).json()["code"]
    shop = connect_complete(code=code, user=make_user(role="admin")).shops[0]
    failed = run(shop, "orders")
    assert failed.status == "failed" and "lacks the permission" in failed.error
    assert Authorization.objects.get(pk=shop.authorization_id).missing_scope


def test_a_revoked_authorization_fails_the_run_as_needing_reauthorization(connected):
    handle, shop = connected
    with control(handle) as http:
        http.post("/_sandbox/revoke", json={})
        http.post("/_sandbox/expire_tokens")
    failed = run(shop, "orders")
    assert failed.status == "failed" and "re-authorization" in failed.error
