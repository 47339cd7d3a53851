"""Redelivered sync jobs are no-ops, catalog runs first, and order lines find late SKUs."""

from __future__ import annotations

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from catalog.models import Sku
from orders.models import OrderLine
from shops import tasks
from shops.gateway import http_client, requests_sent
from shops.models import SyncRun
from shops.sync import sync_request, sync_resume_orphaned, sync_run
from tests.mirror.helpers import assert_mirrored

pytestmark = pytest.mark.django_db


def _runs(shop) -> dict[str, SyncRun]:
    return {run.resource: run for run in SyncRun.objects.filter(shop=shop)}


def test_a_redelivered_connect_job_after_the_sync_finished_is_a_no_op(connected):
    handle, shop = connected
    resources = len(settings.SYNC_RESOURCES)
    assert len(_runs(shop)) == resources  # queued with the connection
    assert tasks.sync_shop_pending(shop.pk) == ["succeeded"] * resources
    assert_mirrored(handle, shop)
    before = requests_sent()
    # The broker hands the same jobs out again (a worker died before acknowledging them).
    assert tasks.sync_shop_pending(shop.pk) == []
    assert requests_sent() == before
    assert SyncRun.objects.filter(shop=shop).count() == resources


def test_an_orders_job_run_before_the_catalog_works_the_catalog_first(connected):
    _handle, shop = connected
    runs = _runs(shop)
    # The schedule re-enqueued the orders run: its job mirrors products, then orders.
    tasks.sync_shop_pending(shop.pk)
    runs = _runs(shop)
    assert runs["products"].finished_at <= runs["orders"].started_at
    lines = OrderLine.objects.filter(shop=shop)
    assert lines.exists() and not lines.filter(sku__isnull=True).exists()


def test_order_lines_mirrored_before_their_products_are_linked_when_products_arrive(connected):
    _handle, shop = connected
    tasks.sync_shop_pending(shop.pk)
    lines = OrderLine.objects.filter(shop=shop)
    total = lines.count()
    # As if orders had been mirrored before products: lines without their SKUs.
    Sku.objects.filter(shop=shop).delete()
    assert lines.filter(sku__isnull=True).count() == total
    products = sync_request(shop_id=shop.pk, resource="products", kind="full", enqueue=False)
    assert sync_run(run_id=products.pk).status == "succeeded"
    assert lines.filter(sku__isnull=False).count() == total
    line = lines.select_related("sku").first()
    assert line.sku.tiktok_id == line.sku_tiktok_id


def test_a_run_its_worker_left_is_queued_again_and_one_held_is_not(connected, monkeypatch):
    _handle, shop = connected
    queued: list[tuple] = []
    monkeypatch.setattr(
        "shops.sync.enqueue_after_commit", lambda func, *args, **kw: queued.append((func, args))
    )
    runs = _runs(shop)
    # Queued runs are waiting for their job: left alone unless the worker was just restarted.
    assert sync_resume_orphaned() == 0
    assert sync_resume_orphaned(queued_too=True) == 1
    assert queued == [("shops.tasks.sync_shop_pending", (shop.pk,))]
    queued.clear()
    SyncRun.objects.filter(pk=runs["products"].pk).update(status="running")
    assert sync_resume_orphaned() == 1  # running, but nobody holds its lock
    queued.clear()
    settings_dict = connection.settings_dict
    other = psycopg.connect(
        host=settings_dict["HOST"],
        port=settings_dict["PORT"],
        user=settings_dict["USER"],
        dbname=settings_dict["NAME"],
        autocommit=True,
    )
    try:
        other.execute(
            "select pg_advisory_lock(hashtextextended(%s, 0))", [f"sync:{shop.pk}:products"]
        )
        assert sync_resume_orphaned() == 0  # a live worker holds it
    finally:
        other.close()
    assert queued == []


def test_reading_the_request_count_changes_nothing(connected):
    handle, _shop = connected
    hooks = list(http_client().event_hooks["request"])
    before = requests_sent()
    requests_sent()
    assert http_client().event_hooks["request"] == hooks
    http_client().get(f"{handle.url}/_sandbox/health")
    assert requests_sent() == before + 1
