"""Idle sessions end, the Staff group works in the admin, exported cells never run as formulas."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from shops.accounts import SESSION_TOUCH_KEY
from shops.listing import spreadsheet_safe
from shops.models import WebhookEvent
from tests.factories import make_user
from tests.shops.helpers import make_authorization, make_shop

pytestmark = pytest.mark.django_db


def test_sessions_end_after_eight_idle_hours_and_each_request_extends_them(client, settings):
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    client.force_login(make_user())
    assert client.get(reverse("dashboard")).status_code == 200
    session = Session.objects.get()
    left = session.expire_date - timezone.now()
    assert timedelta(hours=7, minutes=59) < left <= timedelta(hours=8)
    # A minute later the next request moves the deadline (not on every request: no write).
    session = client.session
    session[SESSION_TOUCH_KEY] -= 61
    session.save()
    Session.objects.update(expire_date=timezone.now() + timedelta(minutes=1))
    client.get(reverse("dashboard"))
    assert Session.objects.get().expire_date > timezone.now() + timedelta(hours=7)
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))  # idle too long
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def _staff(client):
    # The group as its migration makes it (transactional tests elsewhere flush migration rows).
    importlib.import_module("shops.migrations.0006_rejected_webhooks_and_staff").create_staff(
        apps, None
    )
    importlib.import_module("finance.migrations.0002_staff_view").grant(apps, None)
    user = make_user(role="staff")
    user.groups.add(Group.objects.get(name="Staff"))
    client.force_login(user)
    return user


@pytest.mark.parametrize(
    "model",
    [
        "shops/shop",
        "shops/webhookevent",
        "shops/syncrun",
        "shops/auditentry",
        "shops/authorization",
        "shops/command",
        "catalog/warehouse",
        "catalog/product",
        "catalog/sku",
        "catalog/inventory",
        "orders/order",
        "orders/orderline",
        "fulfillment/package",
        "fulfillment/return",
        "fulfillment/cancellation",
        "finance/statement",
        "finance/payment",
        "finance/withdrawal",
        "finance/statementtransaction",
        "finance/skutransaction",
        "finance/unsettledorder",
    ],
)
def test_staff_who_are_not_superusers_can_use_the_admin(client, model):
    _staff(client)
    assert client.get("/admin/").status_code == 200
    assert client.get(f"/admin/{model}/").status_code == 200


def test_staff_may_view_and_fix_the_mirror_but_not_add_or_delete(client):
    user = _staff(client)
    for perm in ("catalog.change_product", "orders.view_order", "fulfillment.change_package"):
        assert user.has_perm(perm), perm
    assert user.has_perm("finance.view_statement")
    for perm in (
        "catalog.add_product",
        "orders.delete_order",
        "shops.change_authorization",
        "finance.change_payment",
    ):
        assert not user.has_perm(perm), perm


def test_staff_change_what_they_fix_but_never_add_delete_or_see_tokens(client):
    _staff(client)
    shop = make_shop(authorization=make_authorization(access="TTP_secret_access"))
    event = WebhookEvent.objects.create(notification_id="n1", type=1, payload={})
    assert client.get(f"/admin/shops/shop/{shop.pk}/change/").status_code == 200
    assert client.get(f"/admin/shops/webhookevent/{event.pk}/change/").status_code == 200
    assert client.get("/admin/shops/shop/add/").status_code == 403
    assert client.get(f"/admin/shops/shop/{shop.pk}/delete/").status_code == 403
    authorization = client.get(f"/admin/shops/authorization/{shop.authorization_id}/change/")
    assert authorization.status_code == 200
    assert "TTP_secret_access" not in authorization.content.decode()
    assert "access_token_encrypted" not in authorization.content.decode()


@pytest.mark.parametrize(
    "text",
    ["=1+1", " =1+1", "  +1", " -1", " @SUM(A1)", "|calc", " |calc", "\t=1", "\r=1", "\n=1"],
)
def test_cells_that_a_spreadsheet_would_run_are_quoted(text):
    assert spreadsheet_safe(text) == "'" + text


@pytest.mark.parametrize("value", ["Blue mug", "a=b", "", " ", "mug | cup", 7, None])
def test_ordinary_cells_are_left_as_they_are(value):
    assert spreadsheet_safe(value) == value
