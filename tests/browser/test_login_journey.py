"""An operator logs in, sees the dashboard, and logs out, in a real Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_operator_logs_in_sees_dashboard_and_logs_out(live_server, page: Page):
    make_user(username="olivia", role="operator")

    page.goto(live_server.url + "/orders/")
    expect(page).to_have_url(live_server.url + "/login/?next=/orders/")
    page.get_by_label("Username").fill("olivia")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("Please enter a correct username")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(live_server.url + "/orders/")
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_test_id("empty-dashboard")).to_contain_text("not a member of any shop")
    expect(page.get_by_test_id("worker-status")).to_contain_text("Worker")
    expect(page.get_by_test_id("user-menu")).to_contain_text("Operator")

    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(live_server.url + "/login/")
    page.goto(live_server.url + "/")
    expect(page).to_have_url(live_server.url + "/login/?next=/")
