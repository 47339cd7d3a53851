"""An operator finds a failed price change on /activity/, retries it and watches it succeed."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from catalog.commands import product_prices_set
from shops.models import Command
from tests.commands.conftest import ctl, live_product, mirror_products
from tests.factories import PASSWORD, make_user
from tests.mirror.conftest import connect_shop, point_settings_at
from tests.shops.helpers import make_shop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(base + "/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_retry_a_failed_change_and_watch_it_succeed(live_server, page: Page, settings, sandbox):
    point_settings_at(settings, sandbox)
    settings.SHOP_CONNECTED_JOBS = []
    settings.COMMAND_MAX_ATTEMPTS = 1
    shop = connect_shop(sandbox)
    mirror_products(shop)
    olivia = make_user(username="olivia")
    shop.members.add(olivia)
    product = live_product(shop)
    sku = product.skus.order_by("tiktok_id").first()

    ctl(sandbox, "POST", "faults", next=["429"])
    command = product_prices_set(
        product=product, prices={sku.tiktok_id: Decimal("21.50")}, actor=olivia, reason="promo"
    )
    command.refresh_from_db()
    assert command.status == Command.Status.FAILED  # ran at once (jobs run inline in tests)

    log_in(page, live_server.url, "olivia")
    page.get_by_role("link", name="Activity").click()
    row = page.locator(f"#command-{command.pk}")
    expect(row.get_by_test_id("command-status")).to_have_text("Failed")
    expect(row.get_by_test_id("command-error")).to_contain_text(
        "Gave up after 1 attempt: Too many requests"
    )
    expect(row).to_contain_text("promo")
    page.get_by_label("Status").select_option("failed")
    expect(page).to_have_url(re.compile(r"/activity/\?.*status=failed"))
    page.screenshot(path="/tmp/activity-failed.png", full_page=True)

    row.get_by_test_id("retry").click()
    expect(row.get_by_test_id("command-status")).to_have_text("Succeeded")
    expect(page.locator("#toasts")).to_contain_text("will be sent again")
    expect(row.get_by_test_id("retry")).to_have_count(0)
    expect(row).to_contain_text("2 ")  # two attempts, each with its request id
    page.screenshot(path="/tmp/activity-succeeded.png", full_page=True)
    sku.refresh_from_db()
    assert sku.price == Decimal("21.50")

    # An operator of another shop: the command's row and actions are a 404.
    stranger = make_user(username="sam")
    make_shop(name="Elsewhere").members.add(stranger)
    page.context.clear_cookies()
    log_in(page, live_server.url, "sam")
    response = page.goto(f"{live_server.url}/activity/{command.pk}/row")
    assert response.status == 404
    page.goto(f"{live_server.url}/activity/")
    expect(page.locator(f"#command-{command.pk}")).to_have_count(0)
