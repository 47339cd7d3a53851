"""Split shipments: TikTok's split attributes, the split sent once, packages per order."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fulfillment.models import Package
from fulfillment.split import SplitError, order_split
from orders.models import Order
from shops.gateway import client_for_shop
from shops.models import Command
from tests.commands.conftest import ctl, mirror_packages, run_until_settled, writes
from tests.factories import make_order, make_package, make_shop, make_user
from tiktok.errors import ApiError

pytestmark = pytest.mark.django_db
HOSTILE = ["\x00", "²", "x" * 5000, "0", "10", "-1"]


def _order(shop, sandbox, *, lines: int = 2) -> Order:
    from shops.models import SyncRun
    from shops.sync import sync_request, sync_run

    while True:
        made = ctl(sandbox, "POST", "orders", shop_id=shop.tiktok_id, status="AWAITING_SHIPMENT")[
            "order"
        ]
        if len(made["line_items"]) >= lines and len(made.get("packages") or [None]) == 1:
            break
    run = sync_request(shop_id=shop.pk, resource="orders", kind=SyncRun.Kind.FULL, enqueue=False)
    sync_run(run_id=run.pk)
    mirror_packages(shop)
    return Order.objects.get(shop=shop, tiktok_id=made["id"])


def test_the_sandbox_splits_an_order_and_refuses_what_does_not_fit(shop, sandbox):
    order = _order(shop, sandbox)
    client = client_for_shop(shop)
    lines = list(order.lines.order_by("id").values_list("tiktok_id", flat=True))
    [attributes] = client.get_split_attributes([order.tiktok_id])
    assert attributes.can_split and not attributes.must_split
    with pytest.raises(ApiError, match="exactly one group"):
        client.split_order(order.tiktok_id, groups={"a": lines[:1], "b": lines[:1]})
    result = client.split_order(order.tiktok_id, groups={"a": lines[:1], "b": lines[1:]})
    assert [group for _id, group in result.packages] == ["a", "b"]
    on_tiktok = ctl(sandbox, "GET", f"orders/{order.tiktok_id}")["order"]
    assert len(on_tiktok["packages"]) == 2
    [again] = client.get_split_attributes([order.tiktok_id])
    assert not again.can_split and "several packages" in (again.reason or "")


def test_a_split_goes_through_the_pipeline_once_and_the_mirror_shows_both_packages(shop, sandbox):
    order = _order(shop, sandbox)
    lines = list(order.lines.order_by("id").values_list("tiktok_id", flat=True))
    command = order_split(order=order, groups={1: lines[:1], 2: lines[1:]}, actor=make_user())
    run_until_settled(shop)
    command.refresh_from_db()
    assert command.status == Command.Status.SUCCEEDED, command.error_message
    assert writes(sandbox, command) == (1, 1)
    packages = {tuple(p.line_item_ids) for p in Package.objects.filter(order=order)}
    assert packages == {tuple(lines[:1]), tuple(lines[1:])}
    mirror_packages(shop)  # the sync agrees
    assert Package.objects.filter(order=order).count() == 2


def test_a_split_that_leaves_a_line_out_is_refused():
    shop = make_shop()
    order = make_order(shop, lines=3)
    make_package(order, status="TO_FULFILL")
    lines = list(order.lines.values_list("tiktok_id", flat=True))
    with pytest.raises(SplitError, match="exactly one package"):
        order_split(order=order, groups={1: lines[:1], 2: lines[1:2]}, actor=None)
    with pytest.raises(SplitError, match="at least two"):
        order_split(order=order, groups={1: lines}, actor=None)
    assert not Command.objects.exists()


def test_the_split_page_from_the_order_page(client, shop, sandbox):
    user = make_user()
    shop.members.add(user)
    client.force_login(user)
    order = _order(shop, sandbox, lines=3)
    detail = client.get(reverse("order-detail", args=[order.pk])).content.decode()
    assert reverse("order-split", args=[order.pk]) in detail
    url = reverse("order-split", args=[order.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'data-testid="split-form"' in page.content.decode()
    lines = list(order.lines.order_by("id").values_list("tiktok_id", flat=True))
    one = client.post(url, {f"line_{i}": "1" for i in lines})
    assert one.status_code == 400 and "at least two packages" in one.content.decode()
    for value in HOSTILE:
        bad = client.post(url, {**{f"line_{i}": "1" for i in lines}, f"line_{lines[0]}": value})
        assert bad.status_code == 400, value
    assert not Command.objects.exists()
    done = client.post(url, {f"line_{i}": ("1" if n else "2") for n, i in enumerate(lines)})
    assert done.status_code == 302
    run_until_settled(shop)
    assert Package.objects.filter(order=order).count() == 2


def test_another_shops_order_split_page_is_a_404(client):
    user = make_user()
    client.force_login(user)
    stranger = make_order(make_shop(), lines=2)
    assert client.get(reverse("order-split", args=[stranger.pk])).status_code == 404
    assert client.post(reverse("order-split", args=[stranger.pk])).status_code == 404
