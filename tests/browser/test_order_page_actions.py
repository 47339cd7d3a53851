"""From the order page: ship one package (and undo it), print its labels, cancel some lines."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from fulfillment.models import Package, ShipBatch
from orders.models import Order
from shops.models import Command
from shops.services import connect_complete
from tests.browser.test_ship_journey import mirror
from tests.conftest import sandbox_call
from tests.factories import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_ship_undo_ship_print_and_cancel_some_lines_from_the_order_page(
    live_server, sandbox, settings, tmp_path, page: Page
):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.SEND_UNDO_SECONDS = 10
    seller = sandbox_call(sandbox, "GET", "sellers")["sellers"][0]
    code = sandbox_call(sandbox, "POST", "auth_code", seller=seller["id"])["code"]
    operator = make_user(username="ola")
    shop = connect_complete(code=code, user=make_user(role="admin")).shops[0]
    shop.members.add(operator)
    to_ship = to_cancel = None
    while to_ship is None or to_cancel is None:
        made = sandbox_call(
            sandbox, "POST", "orders", shop_id=shop.tiktok_id, status="AWAITING_SHIPMENT"
        )["order"]
        one_package = len(made.get("packages") or [None]) == 1
        if to_ship is None and made.get("shipping_type") == "TIKTOK" and one_package:
            to_ship = made["id"]
        elif to_cancel is None and len(made["line_items"]) >= 2:
            to_cancel = made["id"]
    mirror(shop)
    order = Order.objects.get(shop=shop, tiktok_id=to_ship)

    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill("ola")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    page.get_by_test_id("package-ship").click()
    expect(page.get_by_test_id("to-ship-count")).to_have_text("1")
    page.get_by_label("Drop-off at a carrier point").check()
    page.get_by_label("Packages to ship").fill("1")
    page.get_by_test_id("send-batch").click()
    expect(page.get_by_test_id("undo")).to_be_visible()
    page.screenshot(path="/tmp/i14-undo.png", full_page=True)
    page.get_by_test_id("undo").click()
    expect(page.get_by_test_id("send-form")).to_be_visible()
    assert ShipBatch.objects.get().status == ShipBatch.Status.DRAFT
    assert Command.objects.get().status == Command.Status.CANCELLED

    settings.SEND_UNDO_SECONDS = 0
    page.get_by_label("Drop-off at a carrier point").check()
    page.get_by_label("Packages to ship").fill("1")
    page.get_by_test_id("send-batch").click()
    expect(page.get_by_test_id("count-shipped")).to_have_text("1", timeout=30_000)

    page.goto(f"{live_server.url}/orders/{order.pk}/")
    documents = page.get_by_test_id("order-documents")
    documents.get_by_label("Documents").select_option("SHIPPING_LABEL_AND_PACKING_SLIP")
    documents.get_by_label("Size").select_option("A5")
    documents.get_by_test_id("build-pdf").click()
    expect(page.get_by_test_id("download")).to_be_visible(timeout=30_000)
    page.screenshot(path="/tmp/i14-print-job.png", full_page=True)
    with page.expect_download() as info:
        page.get_by_test_id("download").click()
    reader = PdfReader(info.value.path())
    assert len(reader.pages) == 2  # label and slip
    package = Package.objects.get(order=order)
    assert package.tracking_number in reader.pages[0].extract_text()

    cancel = Order.objects.get(shop=shop, tiktok_id=to_cancel)
    page.goto(f"{live_server.url}/orders/{cancel.pk}/cancel/")
    page.screenshot(path="/tmp/i14-cancel-before.png", full_page=True)
    page.locator('select[name="reason"]').select_option(index=1)
    first = cancel.lines.order_by("id").first()
    page.locator(f'input[name="lines"][value="{first.tiktok_id}"]').check()
    page.get_by_test_id("cancel-preview").click()
    expect(page.get_by_test_id("refund-preview")).to_contain_text("Cancelling 1 line")
    page.screenshot(path="/tmp/i14-cancel-lines.png", full_page=True)
    page.get_by_test_id("cancel-confirm").click()
    expect(page.get_by_text("sent to TikTok")).to_be_visible()
    on_tiktok = sandbox_call(sandbox, "GET", f"orders/{to_cancel}")["order"]
    assert on_tiktok["status"] == "AWAITING_SHIPMENT"
    cancelled = [li["id"] for li in on_tiktok["line_items"] if li["display_status"] == "CANCELLED"]
    assert cancelled == [first.tiktok_id]
