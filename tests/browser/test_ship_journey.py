"""An operator ships 20 packages due today across two shops with pickup, prints, reprints."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from fulfillment.models import Package, PackageDocument, PrintJob
from orders.models import Order
from shops.models import Shop, SyncRun
from shops.services import connect_complete
from shops.sync import sync_request, sync_run
from tests.conftest import sandbox_call
from tests.factories import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def mirror(shop: Shop) -> None:
    for resource in ("orders", "packages"):
        run = sync_request(
            shop_id=shop.pk, resource=resource, kind=SyncRun.Kind.FULL, enqueue=False
        )
        assert sync_run(run_id=run.pk).status == SyncRun.Status.SUCCEEDED


def due_today(sandbox, shop: Shop, count: int) -> list[str]:
    ids: list[str] = []
    while len(ids) < count:
        order = sandbox_call(
            sandbox, "POST", "orders", shop_id=shop.tiktok_id, status="AWAITING_SHIPMENT"
        )["order"]
        if order.get("shipping_type") == "TIKTOK" and len(order.get("packages") or [None]) == 1:
            ids.append(order["id"])
    return ids


def test_ship_twenty_due_today_across_two_shops_print_and_reprint(
    live_server, sandbox, settings, tmp_path, page: Page
):
    settings.MEDIA_ROOT = str(tmp_path)
    seller = next(
        s for s in sandbox_call(sandbox, "GET", "sellers")["sellers"] if len(s["shops"]) > 1
    )
    code = sandbox_call(sandbox, "POST", "auth_code", seller=seller["id"])["code"]
    operator = make_user(username="pia")
    shops = connect_complete(code=code, user=make_user(role="admin")).shops[:2]
    for shop in shops:
        shop.members.add(operator)
    order_ids = []
    for shop in shops:
        order_ids += due_today(sandbox, shop, 10)
        mirror(shop)
    now = timezone.localtime()
    end_of_today = now.replace(hour=23, minute=59, second=0, microsecond=0)
    ship_by = min(now + timedelta(minutes=30), end_of_today)
    assert ship_by > now
    # TikTok's deadline on the new orders is days ahead; make exactly these 20 due today.
    Order.objects.filter(ship_by__date=now.date()).update(ship_by=now + timedelta(days=5))
    assert Order.objects.filter(tiktok_id__in=order_ids).update(ship_by=ship_by) == 20

    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill("pia")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(live_server.url + "/fulfillment/ship/?ship_by=today")
    expect(page.get_by_role("status").first).to_contain_text("20 packages to ship match")
    page.get_by_test_id("all-matching").check()
    page.get_by_test_id("make-batch").click()

    expect(page.get_by_test_id("to-ship-count")).to_have_text("20")
    page.screenshot(path=str(tmp_path / "preflight.png"), full_page=True)
    page.get_by_label("Pickup by the carrier").check()
    slot = page.get_by_label("Pickup slot")
    slot.select_option(index=1)
    page.get_by_label("Packages to ship").fill("19")
    page.get_by_test_id("send-batch").click()
    expect(page.get_by_test_id("error-confirm_count")).to_contain_text(
        "20 packages can be shipped now, not 19"
    )
    page.get_by_label("Pickup slot").select_option(index=1)
    page.get_by_label("Packages to ship").fill("20")
    page.get_by_test_id("send-batch").click()
    expect(page.get_by_test_id("count-shipped")).to_have_text("20", timeout=30_000)

    page.get_by_label("Documents").select_option("SHIPPING_LABEL")
    page.get_by_label("Order", exact=True).select_option("order")
    page.get_by_test_id("build-pdf").click()
    expect(page.get_by_test_id("download")).to_be_visible(timeout=30_000)
    page.screenshot(path=str(tmp_path / "batch.png"), full_page=True)
    with page.expect_download() as info:
        page.get_by_test_id("download").click()
    reader = PdfReader(info.value.path())
    job = PrintJob.objects.get()
    assert len(reader.pages) == 20
    assert len(set(job.page_map)) == 20
    assert set(job.page_map) == set(
        Package.objects.filter(order_tiktok_id__in=order_ids).values_list("tiktok_id", flat=True)
    )
    tracking = dict(PackageDocument.objects.values_list("package__tiktok_id", "tracking_number"))
    for pdf_page, package_id in zip(reader.pages, job.page_map, strict=True):
        assert tracking[package_id] in pdf_page.extract_text()

    page.goto(live_server.url + "/fulfillment/batches/")
    with page.expect_download() as again:
        page.get_by_test_id("history-download").click()
    assert len(PdfReader(again.value.path()).pages) == 20
    job.refresh_from_db()
    assert job.downloads == 2
    page.goto(live_server.url + "/fulfillment/batches/")
    expect(page.get_by_test_id("history-download")).to_contain_text("printed 2×")
