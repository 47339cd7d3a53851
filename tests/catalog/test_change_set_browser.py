"""An operator cuts prices across two shops, reads the warnings, applies, watches, reverts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from catalog.models import ChangeSet, Product
from shops.services import connect_complete
from tests.commands.conftest import ctl, mirror_products
from tests.factories import PASSWORD, make_user
from tests.mirror.conftest import point_settings_at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(base + "/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def sandbox_price(sandbox, product: Product, sku_id: str) -> Decimal:
    remote = ctl(sandbox, "GET", f"products/{product.tiktok_id}")["product"]
    sku = next(s for s in remote["skus"] if s["id"] == sku_id)
    return Decimal(str(sku["price"].get("sale_price") or sku["price"].get("amount")))


def test_cut_prices_across_two_shops_apply_and_revert(
    live_server, page: Page, settings, eu_sandbox
):
    sandbox = eu_sandbox
    point_settings_at(settings, sandbox)
    settings.SHOP_CONNECTED_JOBS = []
    code = ctl(sandbox, "POST", "auth_code", seller="seller2")["code"]
    shops = connect_complete(code=code, user=make_user(role="admin")).shops
    euro = [s for s in shops if s.region in ("DE", "FR")]
    assert len(euro) == 2
    olivia = make_user(username="olivia")
    for shop in euro:
        mirror_products(shop)
        shop.members.add(olivia)
    chosen = [
        Product.objects.filter(shop=shop, status="ACTIVATE", currency="EUR")
        .order_by("tiktok_id")
        .first()
        for shop in euro
    ]
    # One SKU near the floor, so "-10 %" stops there and the preview must warn about it.
    chosen[0].skus.filter(pk=chosen[0].skus.order_by("pk").first().pk).update(price=Decimal("5.20"))
    old = {s.tiktok_id: s.price for p in chosen for s in p.skus.all()}

    log_in(page, live_server.url, "olivia")
    page.goto(f"{live_server.url}/products/?status=ACTIVATE")
    for product in chosen:
        page.get_by_label(f"Choose {product.title}").check()
    page.get_by_test_id("change-selected").click()
    expect(page.get_by_test_id("selection-count")).to_contain_text("2 products chosen")
    page.get_by_label("Name").fill("Weekend sale")
    page.get_by_label("Reason").fill("EU promo")
    page.get_by_label("Price", exact=True).select_option("lower_pct")
    page.get_by_label("Amount or %").fill("10")
    page.get_by_label("Round to").select_option("0.99")
    page.get_by_label("Never below").fill("5.00")
    page.get_by_label("Currency").fill("EUR")
    page.get_by_test_id("make-preview").click()

    expect(page.get_by_test_id("state")).to_have_text("Previewed")
    for shop in euro:
        expect(page.get_by_test_id("by-shop")).to_contain_text(shop.name)
    page.screenshot(path="/tmp/change-preview.png", full_page=True)
    expect(page.get_by_test_id("warning-at_floor")).to_contain_text("New price is at the floor")
    page.get_by_test_id("apply").click()  # nothing ticked yet: refused while warnings wait
    expect(page.locator("#toasts")).to_contain_text("Acknowledge every warning first")
    change_set = ChangeSet.objects.get()
    assert change_set.rows.filter(command__isnull=False).count() == 0
    for box in page.locator("[name=acknowledged]").all():
        box.check()
    page.get_by_test_id("apply").click()
    expect(page.get_by_test_id("progress-state")).to_have_text("Applied", timeout=20_000)
    rows = page.get_by_test_id("change-row")
    for i in range(rows.count()):
        expect(rows.nth(i).get_by_test_id("outcome")).to_have_text("Applied")
    page.screenshot(path="/tmp/change-applied.png", full_page=True)
    for row in change_set.rows.select_related("sku__product"):
        assert row.new_price < row.old_price or row.new_price == Decimal("5.00")
        assert sandbox_price(sandbox, row.sku.product, row.sku.tiktok_id) == row.new_price

    page.get_by_test_id("revert").click()
    expect(page.get_by_test_id("state")).to_have_text("Previewed")
    for box in page.locator("[name=acknowledged]").all():
        box.check()
    page.get_by_test_id("apply").click()
    expect(page.get_by_test_id("progress-state")).to_have_text("Applied", timeout=20_000)
    change_set.refresh_from_db()
    assert change_set.state == ChangeSet.State.REVERTED
    for row in change_set.rows.select_related("sku__product"):
        assert sandbox_price(sandbox, row.sku.product, row.sku.tiktok_id) == old[row.sku.tiktok_id]
    page.goto(f"{live_server.url}/products/changes/")
    expect(page.get_by_test_id("change-row")).to_have_count(2)
