"""An admin connects a sandbox shop, sees the mirror finish, filters orders and opens one."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, make_user
from tests.mirror.conftest import point_settings_at, small_config

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_connect_a_shop_watch_the_mirror_then_find_an_order(
    live_server, page: Page, settings, sandbox_factory
):
    handle = sandbox_factory(
        small_config(orders=250, redirect_url=live_server.url + "/shops/connect/callback")
    )
    point_settings_at(settings, handle)
    settings.SYNC_PREFETCH_PAGES = 2  # a real server: the fetching thread sees committed rows
    make_user(username="adam", role="admin")

    page.goto(live_server.url + "/shops/")
    page.get_by_label("Username").fill("adam")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Connect a shop").click()

    # The sandbox's consent page: pick the seller, then authorize.
    expect(page.get_by_role("heading", name=re.compile("Log in to TikTok Shop"))).to_be_visible()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Authorize").click()

    expect(page).to_have_url(live_server.url + "/shops/")
    card = page.get_by_test_id("shop-card")
    expect(card).to_contain_text("Connected")
    for resource in ("products", "orders", "packages", "returns", "cancellations"):
        expect(page.get_by_test_id(f"sync-{resource}")).to_contain_text("Up to date")
    expect(page.get_by_test_id("sync-orders")).to_contain_text("250 in a full run")

    # Sync the orders again from the card: the bar runs, then shows the finished run.
    page.get_by_test_id("sync-orders-button").click()
    expect(page.get_by_test_id("sync-orders")).to_contain_text("incremental", timeout=10_000)
    expect(page.locator("[data-testid=sync-state][data-active]")).to_have_count(0)

    page.get_by_role("link", name="Orders").click()
    rows = page.get_by_test_id("order-row")
    expect(rows.first).to_be_visible()
    page.get_by_label("Status").select_option("COMPLETED")
    expect(page).to_have_url(re.compile(r"status=COMPLETED"))
    expect(page.get_by_test_id("order-status").first).to_have_text("Completed")
    statuses = page.get_by_test_id("order-status").all_inner_texts()
    assert statuses and set(statuses) == {"Completed"}

    first = rows.first.get_by_role("link")
    order_id = first.inner_text()
    first.click()
    detail = page.get_by_test_id("order-detail")
    expect(detail).to_contain_text(order_id)
    expect(page.get_by_test_id("order-lines")).to_be_visible()
    expect(page.get_by_test_id("order-payment")).to_contain_text("Total")
    expect(page.get_by_test_id("order-timeline")).to_contain_text("Delivered")
