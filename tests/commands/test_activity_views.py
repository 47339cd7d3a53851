"""/activity/: every command, filters validated, per-shop access, Retry and Cancel as forms."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shops.commands import command_create
from shops.models import Command
from tests.factories import make_user
from tests.shops.helpers import make_shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    mine, theirs = make_shop(name="Lumen Home"), make_shop(name="Other Shop")
    alice = make_user(username="alice")
    bob = make_user(username="bob")
    mine.members.add(alice, bob)
    theirs.members.add(make_user(username="carol"))
    desired = {"product_id": "1", "currency": "USD", "skus": [{"sku_id": "9", "price": "4.00"}]}
    failed = command_create(
        shop=mine,
        kind="catalog.set_prices",
        target="product:1",
        target_label="Blue mug",
        desired=desired,
        actor=alice,
        reason="price war",
        enqueue=False,
    )
    Command.objects.filter(pk=failed.pk).update(
        status=Command.Status.FAILED,
        error_message="The product status does not allow this.",
        request_ids=["2026120100000000000000000000000001"],
        attempts=1,
    )
    queued = command_create(
        shop=mine,
        kind="fulfillment.ship_package",
        target="package:7",
        target_label="Package 7",
        desired={"package_id": "7", "handover_method": "PICKUP", "pickup_slot": None},
        actor=bob,
        reason="",
        enqueue=False,
    )
    other = command_create(
        shop=theirs,
        kind="catalog.set_prices",
        target="product:2",
        target_label="Secret thing",
        desired=desired,
        actor=None,
        reason="",
        enqueue=False,
    )
    return {
        "mine": mine,
        "theirs": theirs,
        "alice": alice,
        "bob": bob,
        "failed": failed,
        "queued": queued,
        "other": other,
    }


def test_the_page_lists_the_visible_commands_newest_first(client, setup, django_assert_num_queries):
    client.force_login(setup["alice"])
    client.get(reverse("activity"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("activity"))
    for n in range(20):  # the query count does not grow with the rows
        command_create(
            shop=setup["mine"],
            kind="catalog.set_prices",
            target=f"product:x{n}",
            desired={"product_id": "1", "currency": "USD", "skus": []},
            actor=setup["bob"],
            enqueue=False,
        )
    with django_assert_num_queries(len(few)):
        client.get(reverse("activity"))
    Command.objects.filter(target__startswith="product:x").delete()
    response = client.get(reverse("activity"))
    body = response.content.decode()
    assert response.status_code == 200
    assert body.index("Package 7") < body.index("Blue mug")  # newest first
    assert "Secret thing" not in body
    assert "price war" in body and "2026120100000000000000000000000001" in body
    assert "does not allow" in body and reverse("activity") in body
    assert 'hx-trigger="every 2s"' in body  # the queued one polls


def test_filters_narrow_the_list(client, setup):
    client.force_login(setup["alice"])
    body = client.get(reverse("activity"), {"status": "failed"}).content.decode()
    assert "Blue mug" in body and "Package 7" not in body
    body = client.get(reverse("activity"), {"kind": "fulfillment.ship_package"}).content.decode()
    assert "Package 7" in body and "Blue mug" not in body
    body = client.get(reverse("activity"), {"person": setup["bob"].pk}).content.decode()
    assert "Package 7" in body and "Blue mug" not in body
    body = client.get(reverse("activity"), {"shop": setup["mine"].pk}).content.decode()
    assert "Package 7" in body and "Blue mug" in body


@pytest.mark.parametrize(
    "params",
    [
        {"shop": "\x00"},
        {"shop": "²"},
        {"shop": "9" * 5000},
        {"status": "a\x00b"},
        {"status": "x" * 5000},
        {"kind": "²"},
        {"person": "abc"},
        {"kind": "k" * 5000},
    ],
)
def test_hostile_filter_values_get_a_message_beside_the_field(client, setup, params):
    client.force_login(setup["alice"])
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = client.get(reverse("activity"), params, **headers)
        assert response.status_code == 200
        body = response.content.decode()
        assert 'data-testid="filter-error"' in body
        assert "Blue mug" not in body  # like every list: nothing shown while a filter is wrong


@pytest.mark.parametrize("page", ["²", "9" * 5000, "0", "-1"])
def test_a_bad_page_number_shows_the_first_page(client, setup, page):
    client.force_login(setup["alice"])
    response = client.get(reverse("activity"), {"page": page})
    assert response.status_code == 200
    assert "Blue mug" in response.content.decode()


def test_another_shops_filter_value_is_refused(client, setup):
    client.force_login(setup["alice"])
    body = client.get(reverse("activity"), {"shop": setup["theirs"].pk}).content.decode()
    assert 'data-testid="filter-error"' in body and "Secret thing" not in body


def test_another_shops_command_is_a_404_on_row_and_actions(client, setup):
    client.force_login(setup["alice"])
    other = setup["other"]
    assert client.get(reverse("activity-row", args=[other.pk])).status_code == 404
    for action in ("retry", "cancel"):
        response = client.post(reverse("activity-action", args=[other.pk, action]))
        assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == Command.Status.QUEUED


def test_the_author_retries_a_failed_command_with_htmx(client, setup):
    client.force_login(setup["alice"])
    failed = setup["failed"]
    response = client.post(
        reverse("activity-action", args=[failed.pk, "retry"]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "will be sent again" in response.headers["HX-Trigger"]
    assert f'id="command-{failed.pk}"' in response.content.decode()
    failed.refresh_from_db()
    assert failed.status == Command.Status.QUEUED


def test_without_htmx_an_action_redirects_with_a_message(client, setup):
    client.force_login(setup["bob"])
    queued = setup["queued"]
    response = client.post(reverse("activity-action", args=[queued.pk, "cancel"]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("activity")
    assert "was cancelled" in response.content.decode()
    queued.refresh_from_db()
    assert queued.status == Command.Status.CANCELLED


def test_someone_else_cannot_retry_and_nothing_changes(client, setup):
    client.force_login(setup["bob"])
    failed = setup["failed"]
    response = client.post(reverse("activity-action", args=[failed.pk, "retry"]), follow=True)
    assert "Only admins and the person who asked" in response.content.decode()
    failed.refresh_from_db()
    assert failed.status == Command.Status.FAILED


def test_an_admin_may_act_and_a_wrong_state_or_action_is_refused(client, setup):
    client.force_login(make_user(role="admin"))
    queued, failed = setup["queued"], setup["failed"]
    response = client.post(reverse("activity-action", args=[queued.pk, "retry"]), follow=True)
    assert "cannot be retried" in response.content.decode()
    response = client.post(reverse("activity-action", args=[failed.pk, "explode"]), follow=True)
    assert "Unknown action" in response.content.decode()
    assert client.get(reverse("activity-action", args=[failed.pk, "retry"])).status_code == 405
    failed.refresh_from_db()
    assert failed.status == Command.Status.FAILED


def test_a_held_shop_is_named_at_the_top(client, setup):
    shop = setup["mine"]
    shop.status = shop.Status.NEEDS_REAUTHORIZATION
    shop.save()
    client.force_login(setup["alice"])
    body = client.get(reverse("activity")).content.decode()
    assert "Changes for <strong>Lumen Home</strong> are on hold" in body
    assert "needs re-authorization" in body


def test_staff_can_read_commands_in_the_admin_but_not_edit_them(client, setup):
    from django.contrib.auth import get_user_model

    staff = get_user_model().objects.create_superuser("root", password="x-very-long-pass")
    client.force_login(staff)
    listing = client.get("/admin/shops/command/", {"q": "Blue"})
    assert listing.status_code == 200 and "Blue mug" in listing.content.decode()
    detail = client.get(f"/admin/shops/command/{setup['failed'].pk}/change/")
    assert detail.status_code == 200 and "Save" not in detail.content.decode()
    assert client.get("/admin/shops/command/add/").status_code == 403


def test_a_command_waiting_for_a_check_can_be_cancelled_by_its_author(client, setup):
    queued = setup["queued"]
    Command.objects.filter(pk=queued.pk).update(status=Command.Status.NEEDS_CHECK)
    client.force_login(setup["bob"])
    body = client.get(reverse("activity")).content.decode()
    assert "reading its state back" in body
    response = client.post(reverse("activity-action", args=[queued.pk, "cancel"]), follow=True)
    assert "was cancelled" in response.content.decode()
    queued.refresh_from_db()
    assert queued.status == Command.Status.CANCELLED
