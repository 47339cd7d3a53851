"""Hostile values in every GET parameter of every list and export, and in every form.

Never a 5xx; a rejected POST changes nothing; nothing sent comes back unescaped.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog.filters import ProductFilterSet
from fulfillment.filters import PackageFilterSet
from fulfillment.returns_forms import InboxFilterForm
from orders.filters import OrderFilterSet
from shops.models import AuditEntry, Profile
from tests.factories import make_catalog_and_orders, make_shop, make_user

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}

HOSTILE = [
    "\x00",
    "a\x00b",
    "²",
    "9" * 5000,
    "x" * 5000,
    "'; drop table orders_order; --",
    '<script>alert("x")</script>',
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "NOPE",
    "\U0001f600",
]

# The htmx variant of each request takes the values most likely to differ by path.
HTMX_HOSTILE = ["a\x00b", "9" * 5000]

LISTS = [
    ("products", {}, ProductFilterSet),
    ("products-export", {}, ProductFilterSet),
    ("orders", {}, OrderFilterSet),
    ("orders-export", {}, OrderFilterSet),
    ("fulfillment", {}, PackageFilterSet),
    ("returns", {}, InboxFilterForm),  # the inbox: returns, refunds and cancellations together
    ("returns", {"type": "CANCEL"}, InboxFilterForm),
]


def params_of(filter_class) -> list[str]:
    fields = getattr(filter_class, "base_filters", None) or filter_class.base_fields
    return [*fields, "page", "kind"]


def body_of(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


@pytest.fixture
def member():
    user = make_user(role="operator")
    make_catalog_and_orders(make_shop(members=(user,)), products=2, orders=12)
    return user


@pytest.mark.parametrize(("name", "base", "filterset_class"), LISTS)
def test_no_get_parameter_of_any_list_or_export_answers_5xx(
    client, member, name, base, filterset_class
):
    client.force_login(member)
    url = reverse(name)
    for param in params_of(filterset_class):
        for value, headers in [(v, {}) for v in HOSTILE] + [(v, HTMX) for v in HTMX_HOSTILE]:
            response = client.get(url, {**base, param: value}, headers=headers)
            assert response.status_code < 500, (name, param, value[:20])
            assert b'<script>alert("x")' not in body_of(response), (name, param)
        # Arrays: repeated keys and PHP-style brackets.
        response = client.get(url, {**base, param: ["1", "\x00", "x" * 5000]})
        assert response.status_code < 500, (name, param, "array")
        response = client.get(f"{url}?{param}[]=1&{param}[]=2")
        assert response.status_code < 500, (name, param, "brackets")
        response = client.get(f"{url}?{param}=%ff%fe%00")  # not UTF-8 at all
        assert response.status_code < 500, (name, param, "bytes")


def test_bad_values_are_shown_beside_their_field(client, member):
    client.force_login(member)
    cases = {
        "q": ("a\x00b", "Null characters are not allowed."),
        "shop": ("²", "Pick one of the listed values."),
        "status": ("NOPE", "Pick one of the listed values."),
        "date_to": ("2026-02-30", "Enter a valid date."),
    }
    for param, (value, message) in cases.items():
        page = client.get(reverse("orders"), {param: value}, headers=HTMX).content.decode()
        assert 'data-testid="filter-error"' in page, param
        assert message in page, param
        assert f'id="id_{param}-error"' in page, param
        assert 'data-testid="order-row"' not in page, param
    huge = client.get(reverse("orders"), {"shop": "9" * 5000}).content.decode()
    assert "Pick one of the listed values." in huge


def test_rejected_member_posts_change_nothing(client):
    admin = make_user(role="admin")
    shop = make_shop()
    operator = make_user(role="operator")
    shop.members.add(operator)
    other_shop_member = make_user(role="operator")
    client.force_login(admin)
    url = reverse("shop-members", args=[shop.pk])
    before = (list(shop.members.values_list("pk", flat=True)), AuditEntry.objects.count())
    bad_posts = [
        {},
        {"user": "abc", "action": "add"},
        {"user": "", "action": "add"},
        {"user": "²", "action": "add"},
        {"user": "9" * 5000, "action": "add"},
        {"user": "\x00", "action": "remove"},
        {"user": str(other_shop_member.pk), "action": "remove"},  # not a member
        {"user": str(admin.pk), "action": "add"},  # admins see every shop already
        {"user": str(other_shop_member.pk), "action": "<b>nope</b>"},
        {"user": [str(other_shop_member.pk), "x"], "action": "add"},
    ]
    for data in bad_posts:
        for headers in ({}, HTMX):
            response = client.post(url, data, headers=headers)
            assert response.status_code < 500, data
    after = (list(shop.members.values_list("pk", flat=True)), AuditEntry.objects.count())
    assert after == before
    added = client.post(url, {"user": other_shop_member.pk, "action": "add"}, headers=HTMX)
    assert added.status_code == 200 and shop.members.filter(pk=other_shop_member.pk).exists()
    # The card's member list is swapped out of band, so the new member shows at once.
    text = added.content.decode()
    assert f'id="member-list-{shop.pk}"' in text and 'hx-swap-oob="true"' in text
    assert other_shop_member.username in text


def test_member_candidates_exclude_admins_and_members(client):
    admin = make_user(role="admin")
    shop = make_shop()
    member = make_user(role="operator")
    shop.members.add(member)
    candidate = make_user(role="operator")
    client.force_login(admin)
    page = client.get(reverse("shop-members", args=[shop.pk]), headers=HTMX).content.decode()
    options = page.split('name="user"', 2)[-1]
    assert f">{candidate.username}<" in options
    assert f">{admin.username}<" not in options and f">{member.username}<" not in options


def test_member_forms_work_without_javascript(client):
    admin = make_user(role="admin")
    shop = make_shop()
    person = make_user(role="operator")
    client.force_login(admin)
    url = reverse("shop-members", args=[shop.pk])
    page = client.get(url)
    assert page.status_code == 200 and "<html" in page.content.decode()
    assert f'method="post" action="{url}"' in page.content.decode()
    response = client.post(url, {"user": person.pk, "action": "add"}, follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert f"{person.username} added to {shop.name}." in response.content.decode()
    assert shop.members.filter(pk=person.pk).exists()


def test_rejected_profile_posts_change_nothing(client):
    user = make_user(role="operator")
    client.force_login(user)
    for value in ("Mars/Olympus", "\x00", "x" * 5000, "../../etc/passwd", ["UTC", "\x00"]):
        response = client.post(reverse("profile"), {"time_zone": value})
        assert response.status_code == 200
        assert "Select a valid choice." in response.content.decode()
    assert not Profile.objects.filter(user=user).exists()
    saved = client.post(reverse("profile"), {"time_zone": "Asia/Tokyo"})
    assert saved.status_code == 302
    assert Profile.objects.get(user=user).time_zone == "Asia/Tokyo"
    assert "Asia/Tokyo" in client.get(reverse("orders")).content.decode()
