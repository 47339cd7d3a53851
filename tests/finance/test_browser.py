"""An operator opens Finance, filters statements, opens one, follows a difference to its order."""

from __future__ import annotations

import os
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from finance.models import OrderSettlement, Statement
from shops.models import SyncRun
from tests.factories import PASSWORD, make_user
from tests.finance.conftest import FINANCE, MIRROR, run
from tests.mirror.conftest import connect_shop, point_settings_at, small_config

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("FINANCE_SCREENSHOTS", "")


def shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def htmx_idle(page: Page) -> None:
    """No htmx request in flight and no swap settling: the form on the page is the last one."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )
    page.wait_for_load_state("networkidle")


def test_filter_statements_open_one_and_follow_a_difference(
    live_server, page: Page, settings, sandbox_factory
):
    handle = sandbox_factory(small_config(orders=240, days=60, anchor=None))
    point_settings_at(settings, handle)
    shop = connect_shop(handle)
    for resource in MIRROR + FINANCE:
        assert run(shop, resource).status == SyncRun.Status.SUCCEEDED
    operator = make_user(username="fiona", role="operator")
    shop.members.add(operator)
    differing = OrderSettlement.objects.filter(shop=shop).with_difference().first()
    statement = Statement.objects.get(transactions__order=differing)
    day = timezone.localdate(statement.statement_time).isoformat()

    page.goto(live_server.url + "/finance/")
    page.get_by_label("Username").fill("fiona")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Finance")).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Finance")).to_have_attribute("aria-current", "page")
    shot(page, "1-statements")

    # The statements whose transactions do not add up (htmx swaps the list).
    page.get_by_label("Transactions").select_option("off")
    expect(page).to_have_url(re.compile(r"sums=off"))
    expect(page.get_by_test_id("statement-row").first).to_be_visible()
    expect(page.get_by_test_id("adds-up")).to_have_count(0)
    expect(page.get_by_test_id("not-adding-up")).to_have_count(
        Statement.objects.filter(shop=shop).not_adding_up().count()
    )
    shot(page, "2-not-adding-up")

    # The day of a statement that settled an order with a difference.
    page.get_by_label("Transactions").select_option("")
    expect(page).not_to_have_url(re.compile(r"sums=off"))
    htmx_idle(page)
    page.get_by_label("From", exact=True).fill(day)
    expect(page).to_have_url(re.compile(rf"date_from={day}"))
    htmx_idle(page)  # the swapped-in form, before typing into it
    page.get_by_label("To", exact=True).fill(day)
    expect(page).to_have_url(re.compile(rf"date_to={day}"))
    expect(page.get_by_test_id("statement-row")).to_have_count(1)
    page.get_by_test_id("statement-link").click()
    expect(page.get_by_role("heading", name=re.compile("Statement of"))).to_be_visible()
    expect(page.get_by_test_id("statement-checks")).to_be_visible()
    shot(page, "3-statement")

    badge = page.get_by_test_id("transaction-difference")
    expect(badge).to_have_count(
        OrderSettlement.objects.filter(settlements__statement=statement).with_difference().count()
    )
    page.locator(f'a[data-testid=transaction-difference][href="/orders/{differing.pk}/"]').click()
    expect(page).to_have_title(re.compile(f"Order {differing.tiktok_id}"))
    card = page.get_by_test_id("order-settlement")
    expect(card.get_by_test_id("settlement-state")).to_have_text("Settled with a difference")
    expect(card.locator("tr.table-danger")).to_have_count(1)
    shot(page, "4-order")

    # The differences list links back to the same order.
    page.goto(live_server.url + "/finance/differences/")
    expect(page.get_by_test_id("difference-row").first).to_be_visible()
    shot(page, "5-differences")
    for path in ("payments/", "withdrawals/", "unsettled/", "analytics/"):
        page.goto(live_server.url + "/finance/" + path)
        shot(page, "6-" + path.strip("/"))
    page.goto(live_server.url + "/")
    shot(page, "7-dashboard")
