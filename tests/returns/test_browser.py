"""An operator decides a cancellation, a rejection, a partial refund and three refunds in bulk."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from fulfillment.models import Cancellation, Return
from shops.models import Command
from tests.commands.conftest import ctl, writes
from tests.commands.test_activity_browser import log_in
from tests.factories import make_user
from tests.mirror.conftest import connect_shop, point_settings_at
from tests.returns.conftest import sandbox_cancellation, sandbox_return

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_operator_decides_in_the_inbox(live_server, page: Page, settings, sandbox):
    point_settings_at(settings, sandbox)
    settings.SHOP_CONNECTED_JOBS = []
    shop = connect_shop(sandbox)
    olivia = make_user(username="olivia")
    shop.members.add(olivia)
    cancellation = sandbox_cancellation(sandbox, shop)
    to_reject = sandbox_return(sandbox, shop, "RETURN_AND_REFUND")
    to_offer = sandbox_return(sandbox, shop, "RETURN_AND_REFUND")
    refunds = [sandbox_return(sandbox, shop, "REFUND") for _ in range(3)]

    log_in(page, live_server.url, "olivia")
    page.goto(live_server.url + "/returns/")
    expect(page.get_by_test_id("inbox-row")).to_have_count(6)
    page.screenshot(path="/tmp/returns-inbox.png", full_page=True)

    # approve the cancellation
    page.locator(f'[data-id="{cancellation.tiktok_id}"]').get_by_test_id("decide").click()
    page.get_by_label("Approve cancellation").check()
    page.get_by_test_id("decide-submit").click()
    expect(page.get_by_test_id("inbox-row")).to_have_count(5)

    # reject a return with a reason from TikTok's list and a comment
    page.locator(f'[data-id="{to_reject.tiktok_id}"]').get_by_test_id("decide").click()
    page.get_by_label("Reject return").check()
    page.locator('select[name="reject_reason"]').select_option(index=1)
    page.locator('textarea[name="comment"]').fill("The item was worn.")
    page.screenshot(path="/tmp/returns-reject.png", full_page=True)
    page.get_by_test_id("decide-submit").click()
    expect(page.get_by_test_id("inbox-row")).to_have_count(4)

    # a partial refund above the refundable amount is refused beside its field; then a fair one
    page.locator(f'[data-id="{to_offer.tiktok_id}"]').get_by_test_id("decide").click()
    page.get_by_label("Offer a partial refund").check()
    amount = page.locator('input[name="amount"]')
    amount.fill(str(to_offer.refund_total + 1))
    page.get_by_test_id("decide-submit").click()
    expect(page.get_by_test_id("form-error")).to_contain_text("can be refunded")
    page.screenshot(path="/tmp/returns-partial-refused.png", full_page=True)
    page.locator('input[name="amount"]').fill("1.50")
    page.get_by_test_id("decide-submit").click()
    expect(page.get_by_test_id("inbox-row")).to_have_count(3)

    # bulk-approve the three refund-only requests
    for r in refunds:
        page.get_by_label(f"Select {r.tiktok_id}").check()
    expect(page.get_by_test_id("selected-count")).to_have_text("3 selected")
    # a rejection offers the reasons TikTok has for all three
    page.get_by_label("Decision for the selected").select_option("REJECT_REFUND")
    expect(page.get_by_test_id("bulk-reason")).to_be_visible()
    assert page.get_by_test_id("bulk-reason").locator("option").count() > 1
    page.screenshot(path="/tmp/returns-bulk-reasons.png", full_page=True)
    page.get_by_label("Decision for the selected").select_option("APPROVE_REFUND")
    expect(page.get_by_test_id("bulk-reason")).to_have_count(0)
    page.get_by_test_id("bulk-apply").click()
    expect(page.get_by_test_id("bulk-outcome")).to_have_count(3)
    page.screenshot(path="/tmp/returns-bulk.png", full_page=True)
    page.goto(live_server.url + "/returns/")
    expect(page.get_by_test_id("inbox-row")).to_have_count(0)

    commands = list(Command.objects.order_by("id"))
    assert len(commands) == 6
    for command in commands:
        assert command.status == Command.Status.SUCCEEDED, command.error_message
        assert writes(sandbox, command) == (1, 1)
        assert command.actor == olivia
    assert Cancellation.objects.get(pk=cancellation.pk).status == "CANCELLATION_REQUEST_SUCCESS"
    assert Return.objects.get(pk=to_reject.pk).status == "REFUND_OR_RETURN_REQUEST_REJECT"
    assert Return.objects.get(pk=to_offer.pk).status == "AWAITING_BUYER_RESPONSE"
    theirs = ctl(sandbox, "GET", f"returns/{to_offer.tiktok_id}")["return"]
    assert theirs["return_status"] == "AWAITING_BUYER_RESPONSE"
    assert "worn" in commands[1].reason
