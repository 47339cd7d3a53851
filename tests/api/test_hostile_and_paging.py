"""Hostile query values on every endpoint (a 4xx naming the field, never a 5xx), and the cursor:
a walk to the end while the sync writes returns every order that existed at the start once."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from api import reads
from catalog.models import Product
from orders.models import Order
from tests.api.conftest import get
from tests.factories import make_order

pytestmark = pytest.mark.django_db

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
DATES_THAT_EXIST = {"9999-12-31", "0001-01-01"}


def _fields(name: str) -> dict[str, forms.Field]:
    resource = reads.RESOURCES[name]
    filterset = resource.filterset(None, queryset=resource.rows().none(), user=AnonymousUser())
    fields = {f: filterset.form.fields[f] for f in reads.filter_names(resource)}
    return {**fields, **reads.PageForm().fields}


def expected_status(param: str, field: forms.Field, value: str) -> int:
    """What each kind of field makes of a hostile value: refused (400) or a valid filter."""
    if param == "cursor":
        return 400  # text, but only one we signed is a cursor
    if isinstance(field, forms.NullBooleanField):
        return 200  # a checkbox: any value sent means "on"
    if isinstance(field, forms.DateField):
        return 200 if value in DATES_THAT_EXIST else 400
    if isinstance(field, forms.ChoiceField | forms.ModelChoiceField | forms.IntegerField):
        return 400
    assert isinstance(field, forms.CharField), field
    too_long = field.max_length is not None and len(value) > field.max_length
    return 400 if "\x00" in value or too_long else 200


CASES = [(name, param) for name in reads.RESOURCES for param in _fields(name)]


@pytest.mark.parametrize(("name", "param"), CASES, ids=[f"{n}-{p}" for n, p in CASES])
def test_hostile_values_in_every_parameter_of_every_list(world, name, param):
    field = _fields(name)[param]
    for value in HOSTILE:
        response = get(f"/api/v1/{name}", world.operator_key, **{param: value})
        want = expected_status(param, field, value)
        assert response.status_code == want, (param, value[:20], response.content[:300])
        body = response.json()
        if want == 400:
            assert list(body["errors"]) == [param]
            assert all(message.strip() for message in body["errors"][param])
            assert value not in response.content.decode()
        else:
            assert isinstance(body["items"], list)


@pytest.mark.parametrize("name", ["products", "orders"])
def test_hostile_ids_are_404(world, name):
    for value in [*HOSTILE, "%00", "-1", "1" * 33]:
        response = get(f"/api/v1/{name}/{value}", world.operator_key)
        assert response.status_code == 404, (value[:20], response.content[:200])


def test_a_cursor_of_another_list_or_tampered_with_is_refused(world):
    for _ in range(3):
        make_order(world.mine)
    orders = get("/api/v1/orders", world.operator_key, limit=1).json()["next_cursor"]
    products_cursor = reads.cursor_for(reads.RESOURCES["products"], Product.objects.first())
    for cursor in (products_cursor, orders[:-2] + "xx", orders + "x"):
        response = get("/api/v1/orders", world.operator_key, cursor=cursor)
        assert response.status_code == 400
        assert response.json()["errors"] == {"cursor": [reads.BAD_CURSOR]}


def test_walking_the_orders_while_the_sync_writes_returns_each_existing_order_once(world):
    shop = world.mine
    start = timezone.now() - timedelta(days=5)
    # Ties on the creation time (three orders a minute) and orders TikTok sent without one.
    for i in range(60):
        make_order(shop, created=start + timedelta(minutes=i // 3))
    for _ in range(3):
        make_order(shop, create_time=None)
    existing = set(Order.objects.filter(shop=shop).values_list("tiktok_id", flat=True))
    rng = random.Random(17)

    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 7, **({"cursor": cursor} if cursor else {})}
        page = get("/api/v1/orders", world.operator_key, **params).json()
        seen += [item["id"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
        # The sync, between two pages: new orders newer, older and as old as the ones here,
        # and updates to orders already mirrored (status and update time change).
        last = Order.objects.get(tiktok_id=seen[-1])
        make_order(shop, created=timezone.now())
        make_order(shop, created=start - timedelta(days=rng.randint(1, 30)))
        make_order(shop, created=last.create_time or start)
        changed = rng.sample(sorted(existing), 5)
        Order.objects.filter(tiktok_id__in=changed).update(
            status=Order.Status.IN_TRANSIT, update_time=timezone.now()
        )
    assert pages > 9
    assert len(seen) == len(set(seen)), "an order came twice"
    assert existing <= set(seen), f"missed {sorted(existing - set(seen))}"
