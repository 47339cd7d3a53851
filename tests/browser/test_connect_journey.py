"""An admin connects a sandbox seller in a real Chromium; a non-member operator sees none."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import sandbox_call
from tests.factories import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(base + "/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


@pytest.fixture
def consent_redirects_here(sandbox, live_server):
    cfg = sandbox.config
    previous = cfg.redirect_url
    cfg.redirect_url = live_server.url + "/shops/connect/callback"
    yield sandbox
    cfg.redirect_url = previous


def test_admin_connects_a_seller_and_an_outsider_sees_nothing(
    live_server, consent_redirects_here, page: Page
):
    sandbox = consent_redirects_here
    seller = next(
        s for s in sandbox_call(sandbox, "GET", "sellers")["sellers"] if len(s["shops"]) > 1
    )
    make_user(username="ada", role="admin")
    make_user(username="otto", role="operator")

    log_in(page, live_server.url, "ada")
    page.get_by_role("link", name="Shops").click()
    expect(page.get_by_test_id("shops-empty")).to_be_visible()
    page.get_by_role("button", name="Connect a shop").first.click()

    # TikTok's (the sandbox's) consent page: pick the seller, then Authorize.
    expect(page.get_by_role("heading", name="Log in to TikTok Shop Seller Center")).to_be_visible()
    page.locator(f"input[value='{seller['login']}']").check()
    page.get_by_role("button", name="Continue").click()
    for shop in seller["shops"]:
        expect(page.get_by_text(shop["name"]).first).to_be_visible()
    page.get_by_role("button", name="Authorize").click()

    expect(page).to_have_url(live_server.url + "/shops/")
    cards = page.get_by_test_id("shop-card")
    expect(cards).to_have_count(len(seller["shops"]))
    for shop in seller["shops"]:
        expect(page.get_by_test_id("shop-cards")).to_contain_text(shop["name"])
    expect(page.locator("#toasts")).to_contain_text("Connected")
    expect(page.get_by_test_id("audit-log")).to_contain_text("Connected")

    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Log out").click()
    log_in(page, live_server.url, "otto")
    page.goto(live_server.url + "/shops/")
    expect(page.get_by_test_id("shops-empty")).to_contain_text("not a member")
    expect(page.get_by_test_id("shop-card")).to_have_count(0)


def test_denying_consent_connects_nothing(live_server, consent_redirects_here, page: Page):
    make_user(username="ada", role="admin")
    log_in(page, live_server.url, "ada")
    page.goto(live_server.url + "/shops/")
    page.get_by_role("button", name="Connect a shop").first.click()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Deny").click()
    expect(page).to_have_url(live_server.url + "/shops/")
    expect(page.locator("#toasts")).to_contain_text("declined the authorization")
    expect(page.get_by_test_id("shops-empty")).to_be_visible()
