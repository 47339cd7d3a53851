"""Fulfillment writes: ship one package with TikTok shipping (handover method and pickup slot).

Shipping arranges a carrier and can buy a label, so it is never sent twice: after an ambiguous
failure the check reads the package back and only a package still to fulfil is shipped again.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from fulfillment.models import Package
from shops.commands import Checked, CommandKind, Outcome, Verdict, command_create
from shops.models import Command
from tiktok.client import TikTokClient

SHIP_PACKAGE = "fulfillment.ship_package"
HANDOVER_METHODS = ("PICKUP", "DROP_OFF")
# A package in any of these has been handed to (or arranged with) the carrier.
SHIPPED_STATUSES = frozenset({"PROCESSING", "FULFILLING", "COMPLETED"})
TO_SHIP_STATUSES = frozenset({"TO_FULFILL", "AWAITING_SHIPMENT", "UNPAID", ""})


class ShipError(ValueError):
    """The package cannot be shipped as asked; the message says why."""


class ShipPackage(CommandKind):
    """desired: {package_id, handover_method, pickup_slot: {start_time, end_time} | None}."""

    name = SHIP_PACKAGE
    label = "Ship package"
    repeatable = False

    def send(self, command: Command, client: TikTokClient) -> Outcome:
        desired = command.desired
        slot = desired.get("pickup_slot") or {}
        result = client.ship_package(
            desired["package_id"],
            handover_method=desired["handover_method"],
            pickup_start=slot.get("start_time"),
            pickup_end=slot.get("end_time"),
            idempotency_key=command.idempotency_key,
        )
        return Outcome(request_id=result.request_id)

    def check(self, command: Command, client: TikTokClient) -> Checked:
        package = client.get_package(command.desired["package_id"])
        status = package.status or ""
        if status in SHIPPED_STATUSES:
            return Checked(Verdict.DONE, note=f"TikTok shows the package {status}.", data=package)
        if status in TO_SHIP_STATUSES:
            return Checked(Verdict.NOT_DONE, note="TikTok shows it still to ship.", data=package)
        return Checked(Verdict.UNKNOWN, note=f"TikTok shows the package {status}.", data=package)

    def apply(self, command: Command, outcome: Outcome | None, checked: Checked | None) -> None:
        read = checked.data if checked is not None else None
        status = (read.status if read is not None else None) or "PROCESSING"
        fields = {"status": status, "handover_method": command.desired["handover_method"]}
        if read is not None and read.tracking_number:
            fields["tracking_number"] = read.tracking_number[:100]
        Package.objects.filter(
            shop_id=command.shop_id, tiktok_id=command.desired["package_id"]
        ).update(**fields)

    def target_url(self, command: Command) -> str | None:
        return f"{reverse('fulfillment')}?{urlencode({'shop': command.shop_id})}"

    def summary(self, command: Command) -> str:
        desired = command.desired
        method = "pickup" if desired.get("handover_method") == "PICKUP" else "drop-off"
        slot = desired.get("pickup_slot") or {}
        if slot.get("start_time"):
            start = datetime.fromtimestamp(int(slot["start_time"]), tz=UTC)
            return f"TikTok shipping, {method} from {start:%Y-%m-%d %H:%M} UTC"
        return f"TikTok shipping, {method}"


def package_ship(
    *,
    package: Package,
    handover_method: str,
    actor: User | None,
    reason: str,
    pickup_start: datetime | None = None,
    pickup_end: datetime | None = None,
) -> Command:
    """Ask TikTok to ship one package with its own carrier (pickup in a slot, or drop-off)."""
    if handover_method not in HANDOVER_METHODS:
        raise ShipError("The handover method must be pickup or drop-off.")
    shipping_type = package.shipping_type or (package.order.shipping_type if package.order else "")
    if shipping_type and shipping_type != "TIKTOK":
        raise ShipError("This package is shipped by the seller: add its tracking instead.")
    if package.status in SHIPPED_STATUSES:
        raise ShipError("This package has already been shipped.")
    slot = None
    if handover_method == "PICKUP" and pickup_start is not None:
        if pickup_end is None or pickup_end <= pickup_start:
            raise ShipError("A pickup slot needs an end after its start.")
        if pickup_end <= timezone.now():
            raise ShipError("That pickup slot is over.")
        slot = {
            "start_time": int(pickup_start.timestamp()),
            "end_time": int(pickup_end.timestamp()),
        }
    return command_create(
        shop=package.shop,
        kind=SHIP_PACKAGE,
        target=f"package:{package.tiktok_id}",
        target_label=f"Package {package.tiktok_id}",
        desired={
            "package_id": package.tiktok_id,
            "handover_method": handover_method,
            "pickup_slot": slot,
        },
        actor=actor,
        reason=reason,
    )
