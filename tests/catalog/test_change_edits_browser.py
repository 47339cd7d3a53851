"""An operator edits a SKU's row in place on the product page, then leaves a row out of the
draft's preview: both swapped in by htmx, nothing sent."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from catalog.models import ChangeSet
from shops.models import Command
from tests.catalog.test_change_set_browser import log_in
from tests.factories import make_product, make_shop, make_user, make_warehouse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_edit_a_row_in_place_then_leave_it_out_of_the_preview(live_server, page: Page):
    user = make_user(username="olivia")
    shop = make_shop(members=(user,))
    leeds = make_warehouse(shop, name="Leeds")
    product = make_product(shop, skus=2, price=Decimal("20.00"))
    for sku in product.skus.all():
        sku.inventory.create(warehouse=leeds, quantity=7)
    log_in(page, live_server.url, "olivia")
    page.goto(f"{live_server.url}/products/{product.pk}/")

    page.get_by_test_id("edit-row").first.click()
    expect(page.locator("[data-editing]")).to_have_count(1)
    page.get_by_test_id("edit-price").press("Escape")  # leaves the row as it was
    expect(page.locator("[data-editing]")).to_have_count(0)
    page.get_by_test_id("edit-row").first.click()
    page.get_by_test_id("edit-price").fill("abc")
    page.get_by_test_id("save-row").click()
    expect(page.get_by_test_id("error-price")).to_be_visible()
    # The cursor is in the field to mend.
    expect(page.get_by_test_id("edit-price")).to_be_focused()
    assert not ChangeSet.objects.exists()
    page.get_by_test_id("edit-price").fill("8.00")
    page.get_by_label("New stock of", exact=False).first.fill("3")
    page.get_by_test_id("save-row").click()
    expect(page.get_by_test_id("draft-bar")).to_contain_text("2 unsent changes")
    expect(page.get_by_test_id("pending-price")).to_contain_text("8.00")
    expect(page.get_by_test_id("pending-warning").first).to_be_visible()

    page.get_by_test_id("draft-preview").click()
    expect(page.get_by_test_id("state")).to_have_text("Previewed")
    expect(page.get_by_test_id("apply")).to_have_text("Apply 2 rows")
    page.get_by_test_id("exclude-row").first.click()
    expect(page.get_by_test_id("excluded-count")).to_contain_text("1 row left out")
    expect(page.get_by_test_id("apply")).to_have_text("Apply 1 row")
    page.get_by_test_id("include-row").click()
    expect(page.get_by_test_id("apply")).to_have_text("Apply 2 rows")
    assert not Command.objects.exists()
