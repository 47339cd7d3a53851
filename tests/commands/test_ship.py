"""Shipping is never sent twice: an ambiguous failure goes to needs check, the check decides."""

from __future__ import annotations

import httpx
import pytest

from fulfillment.commands import ShipError, package_ship
from fulfillment.models import Package
from shops.commands import Mode, command_claim, command_execute
from shops.models import Command
from tests.commands.conftest import ctl, mirror_packages, writes
from tests.factories import make_user

pytestmark = pytest.mark.django_db


class TimeoutOnShip(httpx.BaseTransport):
    """The network to TikTok, except that a ship call times out: after TikTok got it, or before."""

    def __init__(self, *, reaches_tiktok: bool) -> None:
        self.real = httpx.HTTPTransport()
        self.reaches_tiktok = reaches_tiktok
        self.armed = True

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.armed and request.url.path.endswith("/ship"):
            self.armed = False
            if self.reaches_tiktok:
                self.real.handle_request(request).close()
            raise httpx.ReadTimeout("timed out", request=request)
        return self.real.handle_request(request)


def package_to_ship(shop, handle) -> Package:
    """A new paid order shipped by TikTok, mirrored with its package still to fulfil."""
    for _ in range(20):
        order = ctl(handle, "POST", "orders", status="AWAITING_SHIPMENT")["order"]
        if order.get("shipping_type") == "TIKTOK":
            break
    mirror_packages(shop)
    package = Package.objects.get(shop=shop, order_tiktok_id=order["id"])
    assert package.status == "TO_FULFILL"
    return package


def shipments(handle, package: Package) -> int:
    changes = ctl(handle, "GET", "changes?limit=100000")["changes"]
    return sum(
        1
        for c in changes
        if c["kind"] == "ship_package" and c["detail"]["package_id"] == package.tiktok_id
    )


@pytest.fixture
def flaky(monkeypatch):
    def install(*, reaches_tiktok: bool) -> TimeoutOnShip:
        transport = TimeoutOnShip(reaches_tiktok=reaches_tiktok)
        http = httpx.Client(transport=transport)
        monkeypatch.setattr("shops.gateway.http_client", lambda: http)
        return transport

    return install


def test_a_ship_that_timed_out_after_tiktok_shipped_it_is_never_sent_again(shop, sandbox, flaky):
    package = package_to_ship(shop, sandbox)
    command = package_ship(
        package=package, handover_method="DROP_OFF", actor=make_user(), reason=""
    )
    flaky(reaches_tiktok=True)
    command_execute(command_claim(shop_id=shop.pk))
    command.refresh_from_db()
    assert command.status == Command.Status.NEEDS_CHECK
    assert "may have received it" in command.error_message
    assert shipments(sandbox, package) == 1

    Command.objects.filter(pk=command.pk).update(next_attempt_at=command.created_at)
    claimed = command_claim(shop_id=shop.pk)
    assert claimed.mode == Mode.CHECK  # reading back, not sending
    command_execute(claimed)
    command.refresh_from_db()
    assert command.status == Command.Status.SUCCEEDED and command.result["confirmed_by_check"]
    assert command.attempts == 1 and command.checks == 1
    assert shipments(sandbox, package) == 1  # read back, never re-sent
    received, applied = writes(sandbox, command)
    assert (received, applied) == (1, 1)
    package.refresh_from_db()
    assert package.status == "PROCESSING" and package.handover_method == "DROP_OFF"


def test_a_ship_that_timed_out_before_tiktok_got_it_is_sent_after_the_check(shop, sandbox, flaky):
    package = package_to_ship(shop, sandbox)
    command = package_ship(package=package, handover_method="PICKUP", actor=make_user(), reason="")
    flaky(reaches_tiktok=False)
    command_execute(command_claim(shop_id=shop.pk))
    command.refresh_from_db()
    assert command.status == Command.Status.NEEDS_CHECK
    assert shipments(sandbox, package) == 0

    Command.objects.filter(pk=command.pk).update(next_attempt_at=command.created_at)
    claimed = command_claim(shop_id=shop.pk)
    assert claimed.mode == Mode.CHECK
    command_execute(claimed)
    command.refresh_from_db()
    assert command.status == Command.Status.SUCCEEDED
    assert command.attempts == 2 and command.checks == 1
    assert shipments(sandbox, package) == 1
    assert writes(sandbox, command) == (1, 1)


def test_a_worker_that_died_mid_ship_leads_to_a_check_not_a_resend(shop, sandbox):
    from datetime import timedelta

    from django.utils import timezone

    package = package_to_ship(shop, sandbox)
    command = package_ship(package=package, handover_method="DROP_OFF", actor=None, reason="")
    claimed = command_claim(shop_id=shop.pk)
    claimed.command.shop.refresh_from_db()
    from fulfillment.commands import ShipPackage
    from shops.gateway import client_for_shop

    ShipPackage().send(claimed.command, client_for_shop(shop))  # sent; then the worker dies
    Command.objects.filter(pk=command.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    reclaimed = command_claim(shop_id=shop.pk)
    assert reclaimed.mode == Mode.CHECK
    command_execute(reclaimed)
    command.refresh_from_db()
    assert command.status == Command.Status.SUCCEEDED
    assert shipments(sandbox, package) == 1


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"handover_method": "TELEPORT"}, "pickup or drop-off"),
        ({"handover_method": ""}, "pickup or drop-off"),
    ],
)
def test_bad_ship_requests_create_no_command(shop, kwargs, message):
    package = Package(shop=shop, tiktok_id="1", status="TO_FULFILL")
    with pytest.raises(ShipError, match=message):
        package_ship(package=package, actor=None, reason="", **kwargs)
    assert not Command.objects.exists()
