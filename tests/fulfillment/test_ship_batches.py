"""Ship batches: held back with why, the count confirmed, shipped once through the pipeline."""

from __future__ import annotations

import httpx
import pytest

from fulfillment.commands import ShipError
from fulfillment.models import Package, ShipBatch
from fulfillment.shipping import ship_batch_create, ship_batch_send
from shops.commands import command_claim, command_execute
from shops.models import Command, CommandItem
from tests.commands.conftest import ctl, mirror_packages, run_until_settled
from tests.factories import make_order, make_package, make_shop, make_user

pytestmark = pytest.mark.django_db


def _draft(packages):
    return ship_batch_create(
        packages=Package.objects.filter(pk__in=[p.pk for p in packages]), actor=make_user()
    )


def test_on_hold_and_cancel_requested_orders_are_held_back_with_why():
    shop = make_shop()
    ready = make_package(make_order(shop), status="TO_FULFILL", shipping_type="TIKTOK")
    on_hold = make_package(
        make_order(shop, status="ON_HOLD"), status="TO_FULFILL", shipping_type="TIKTOK"
    )
    cancel = make_package(
        make_order(shop, is_buyer_request_cancel=True), status="TO_FULFILL", shipping_type="TIKTOK"
    )
    shipped = make_package(make_order(shop), status="PROCESSING", shipping_type="TIKTOK")
    seller = make_package(
        make_order(shop, shipping_type="SELLER"), status="TO_FULFILL", shipping_type="SELLER"
    )
    batch = _draft([ready, on_hold, cancel, shipped, seller])
    reasons = {e.package_id: e.held_reason for e in batch.entries.all()}
    assert reasons[ready.pk] == ""
    assert reasons[on_hold.pk].startswith("On hold")
    assert reasons[cancel.pk].startswith("The buyer asked to cancel")
    assert reasons[shipped.pk] == "Already shipped."
    assert reasons[seller.pk].startswith("Shipped by your own carrier")


def test_a_wrong_count_is_refused_and_nothing_is_sent():
    shop = make_shop()
    packages = [
        make_package(make_order(shop), status="TO_FULFILL", shipping_type="TIKTOK")
        for _ in range(3)
    ]
    batch = _draft(packages)
    with pytest.raises(ShipError, match="3 packages can be shipped now, not 4"):
        ship_batch_send(
            batch=batch, actor=make_user(), confirmed_count=4, handover_method="DROP_OFF"
        )
    batch.refresh_from_db()
    assert batch.status == ShipBatch.Status.DRAFT
    assert not Command.objects.exists()


def test_an_order_put_on_hold_after_the_draft_is_held_back_at_send():
    shop = make_shop()
    packages = [
        make_package(make_order(shop), status="TO_FULFILL", shipping_type="TIKTOK")
        for _ in range(2)
    ]
    batch = _draft(packages)
    packages[0].order.is_buyer_request_cancel = True
    packages[0].order.save()
    with pytest.raises(ShipError, match="1 package can be shipped now, not 2"):
        ship_batch_send(
            batch=batch, actor=make_user(), confirmed_count=2, handover_method="DROP_OFF"
        )
    commands = ship_batch_send(
        batch=batch, actor=make_user(), confirmed_count=1, handover_method="DROP_OFF"
    )
    assert [c.desired["package_ids"] for c in commands] == [[packages[1].tiktok_id]]


def test_a_package_in_a_batch_being_sent_is_held_back_from_another():
    shop = make_shop()
    package = make_package(make_order(shop), status="TO_FULFILL", shipping_type="TIKTOK")
    ship_batch_send(
        batch=_draft([package]), actor=make_user(), confirmed_count=1, handover_method="DROP_OFF"
    )
    second = _draft([package])
    assert second.entries.get().held_reason == "Already being shipped by another batch."


def test_too_many_packages_are_refused(settings):
    settings.SHIP_BATCH_MAX = 2
    shop = make_shop()
    packages = [make_package(make_order(shop), status="TO_FULFILL") for _ in range(3)]
    with pytest.raises(ShipError, match="at most 2 packages"):
        _draft(packages)
    assert not ShipBatch.objects.exists()


def test_a_pickup_slot_in_the_past_is_refused():
    from datetime import timedelta

    from django.utils import timezone

    shop = make_shop()
    batch = _draft([make_package(make_order(shop), status="TO_FULFILL")])
    start = timezone.now() - timedelta(hours=3)
    with pytest.raises(ShipError, match="over"):
        ship_batch_send(
            batch=batch,
            actor=make_user(),
            confirmed_count=1,
            handover_method="PICKUP",
            pickup_start=start,
            pickup_end=start + timedelta(hours=2),
        )


# --- against the sandbox ------------------------------------------------------------------------


def packages_to_ship(shop, handle, count: int) -> list[Package]:
    """New paid orders shipped by TikTok, mirrored with their packages still to fulfil."""
    ids = []
    while len(ids) < count:
        order = ctl(handle, "POST", "orders", status="AWAITING_SHIPMENT")["order"]
        if order.get("shipping_type") == "TIKTOK":
            ids.append(order["id"])
    mirror_packages(shop)
    packages = list(Package.objects.filter(shop=shop, order_tiktok_id__in=ids))
    assert [p.status for p in packages] == ["TO_FULFILL"] * count
    return packages


def shipments(handle) -> dict[str, int]:
    counts: dict[str, int] = {}
    for change in ctl(handle, "GET", "changes?limit=100000")["changes"]:
        if change["kind"] == "ship_package":
            pid = change["detail"]["package_id"]
            counts[pid] = counts.get(pid, 0) + 1
    return counts


def test_a_batch_ships_in_chunks_with_one_outcome_per_package(shop, sandbox, settings):
    settings.SHIP_BATCH_CHUNK = 2
    packages = packages_to_ship(shop, sandbox, 3)
    before = shipments(sandbox)
    commands = ship_batch_send(
        batch=_draft(packages), actor=make_user(), confirmed_count=3, handover_method="DROP_OFF"
    )
    assert [len(c.desired["package_ids"]) for c in commands] == [2, 1]
    run_until_settled(shop)
    assert set(
        Command.objects.filter(kind="fulfillment.ship_batch").values_list("status", flat=True)
    ) == {"succeeded"}
    assert CommandItem.objects.filter(ok=True).count() == 3
    after = shipments(sandbox)
    assert {
        p.tiktok_id: after.get(p.tiktok_id, 0) - before.get(p.tiktok_id, 0) for p in packages
    } == {p.tiktok_id: 1 for p in packages}
    assert set(
        Package.objects.filter(pk__in=[p.pk for p in packages]).values_list("status", flat=True)
    ) == {"PROCESSING"}


def test_a_package_shipped_on_tiktok_meanwhile_is_refused_not_shipped_again(shop, sandbox):
    packages = packages_to_ship(shop, sandbox, 2)
    batch = _draft(packages)
    # Shipped in Seller Center after the draft was built: our mirror does not know yet.
    from shops.gateway import client_for_shop

    client_for_shop(shop).ship_package(packages[0].tiktok_id, handover_method="DROP_OFF")
    ship_batch_send(batch=batch, actor=make_user(), confirmed_count=2, handover_method="DROP_OFF")
    (command,) = run_until_settled(shop)
    assert command.status == Command.Status.PARTLY_FAILED
    refused = CommandItem.objects.get(command=command, ok=False)
    assert refused.item_id == packages[0].tiktok_id
    assert "does not allow" in refused.message
    assert shipments(sandbox)[packages[0].tiktok_id] == 1


class TimeoutOnBatchShip(httpx.BaseTransport):
    """The network to TikTok, except that the batch ship times out after TikTok got it."""

    def __init__(self) -> None:
        self.real = httpx.HTTPTransport()
        self.armed = True

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.armed and request.url.path.endswith("/packages/ship"):
            self.armed = False
            self.real.handle_request(request).close()
            raise httpx.ReadTimeout("timed out", request=request)
        return self.real.handle_request(request)


def test_a_batch_that_timed_out_after_tiktok_shipped_it_is_checked_never_resent(
    shop, sandbox, monkeypatch
):
    packages = packages_to_ship(shop, sandbox, 2)
    http = httpx.Client(transport=TimeoutOnBatchShip())
    monkeypatch.setattr("shops.gateway.http_client", lambda: http)
    (command,) = ship_batch_send(
        batch=_draft(packages), actor=make_user(), confirmed_count=2, handover_method="DROP_OFF"
    )
    command_execute(command_claim(shop_id=shop.pk))
    command.refresh_from_db()
    assert command.status == Command.Status.NEEDS_CHECK
    run_until_settled(shop)
    command.refresh_from_db()
    assert command.status == Command.Status.SUCCEEDED
    assert command.result.get("confirmed_by_check") is True
    counts = shipments(sandbox)
    assert [counts[p.tiktok_id] for p in packages] == [1, 1]
