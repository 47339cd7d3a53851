"""Back and Forward after htmx filtering restore a full page whose filter form and table agree,
from htmx's history cache and after a cache miss alike."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from orders.models import Order
from tests.factories import PASSWORD, make_order, make_shop, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def status_texts(page: Page) -> set[str]:
    return set(page.get_by_test_id("order-table").get_by_test_id("order-status").all_inner_texts())


def assert_in_step(page: Page, value: str, label: str) -> None:
    """A full page (one navbar), the status select showing `value`, every row of that status."""
    expect(page).to_have_url(re.compile(rf"status={value}"))
    expect(page.get_by_label("Status")).to_have_value(value)
    expect(page.get_by_test_id("order-row").first).to_be_visible()
    assert status_texts(page) == {label}
    expect(page.locator("nav.navbar")).to_have_count(1)
    expect(page.get_by_test_id("filter-form")).to_have_count(1)


def test_back_restores_filter_form_and_table_in_step(live_server, page: Page):
    operator = make_user(username="olivia", role="operator")
    shop = make_shop(members=(operator,))
    for status in ("COMPLETED", "CANCELLED", "DELIVERED", "AWAITING_SHIPMENT") * 3:
        make_order(shop, status=status)

    page.goto(live_server.url + "/orders/")
    page.get_by_label("Username").fill("olivia")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("order-row")).to_have_count(12)
    # The rows can be there before htmx has bound the form (a loaded machine): wait for load.
    page.wait_for_load_state("load")

    # Filter with htmx, open an order (a real navigation), press Back.
    page.get_by_label("Status").select_option("COMPLETED")
    assert_in_step(page, "COMPLETED", "Completed")
    order_link = page.get_by_test_id("order-link").first
    order_id = order_link.inner_text()
    order_link.click()
    expect(page).to_have_title(re.compile(f"Order {order_id}"))
    assert Order.objects.get(tiktok_id=order_id).status == "COMPLETED"
    page.go_back()
    assert_in_step(page, "COMPLETED", "Completed")

    # Two more htmx filters, then Back inside the same document: htmx's history cache.
    page.get_by_label("Status").select_option("CANCELLED")
    assert_in_step(page, "CANCELLED", "Cancelled")
    page.get_by_label("Status").select_option("DELIVERED")
    assert_in_step(page, "DELIVERED", "Delivered")
    page.go_back()
    assert_in_step(page, "CANCELLED", "Cancelled")

    # A history-cache miss: htmx asks the server, which must answer the whole page.
    page.evaluate("sessionStorage.removeItem('htmx-history-cache')")
    page.go_back()
    assert_in_step(page, "COMPLETED", "Completed")
    page.go_forward()
    assert_in_step(page, "CANCELLED", "Cancelled")
