"""A person makes a token in the browser, copies it once, uses it, revokes it; the API docs load."""

from __future__ import annotations

import os
import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, make_shop, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("SCREENSHOT_DIR")


def shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_make_use_and_revoke_a_token(live_server, page: Page):
    make_shop(name="Corner shop", members=(make_user(username="tina"),))
    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill("tina")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_test_id("user-menu").click()
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", name="API tokens")).to_be_visible()

    # A wrong value first: a name that is only spaces.
    page.get_by_label("Name").fill("   ")
    page.get_by_role("button", name="Create token").click()
    expect(page.locator("#id_name-error")).to_have_text("This field is required.")
    shot(page, "tokens-error")

    page.get_by_label("Name").fill("Sales spreadsheet")
    page.get_by_role("button", name="Create token").click()
    key = page.get_by_test_id("new-key-value").input_value()
    assert key.startswith("tbo_")
    # The form is fresh again, the earlier error gone.
    expect(page.get_by_label("Name")).not_to_have_class(re.compile("is-invalid"))
    expect(page.locator("#id_name-error")).to_have_count(0)
    shot(page, "tokens-new")
    api = live_server.url + "/api/v1/shops"
    answer = httpx.get(api, headers={"Authorization": f"Bearer {key}"}, timeout=30)
    assert [shop["name"] for shop in answer.json()["items"]] == ["Corner shop"]

    page.reload()
    expect(page.get_by_test_id("new-key")).to_have_count(0)
    expect(page.get_by_test_id("token-table")).not_to_contain_text("never")
    page.get_by_test_id("revoke").click()
    expect(page.get_by_test_id("token-table")).to_contain_text("revoked")
    shot(page, "tokens-revoked")
    assert httpx.get(api, headers={"Authorization": f"Bearer {key}"}, timeout=30).status_code == 401


def test_the_api_docs_render_without_a_cdn(live_server, page: Page):
    outside: list[str] = []
    page.on(
        "request",
        lambda request: (
            outside.append(request.url) if not request.url.startswith(live_server.url) else None
        ),
    )
    page.goto(live_server.url + "/api/v1/docs")
    expect(page.get_by_text("/api/v1/orders/{order_id}")).to_be_visible()
    shot(page, "api-docs")
    assert outside == []
