"""The batch ship write: up to a chunk of one shop's packages in one Batch Ship Packages call.

Shipping is never sent twice. After an ambiguous failure the check reads every package back;
a resend after the check reads them again and sends only those TikTok still shows to fulfil,
recording the others as shipped by the earlier call.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.urls import reverse

from fulfillment.commands import SHIPPED_STATUSES, TO_SHIP_STATUSES
from fulfillment.models import Package
from shops.commands import Checked, CommandKind, ItemOutcome, Outcome, Verdict
from shops.models import Command
from tiktok.client import TikTokClient
from tiktok.types import PackageShipment

SHIP_BATCH = "fulfillment.ship_batch"


def _status(value: str | None) -> str:
    # TikTok writes "TO FULFILL" with a space in package detail (contract §9.1, UNVERIFIED).
    return (value or "").replace(" ", "_")


class ShipBatch(CommandKind):
    """desired: {batch_id, package_ids[], handover_method, pickup_slot: {start_time, end_time}}."""

    name = SHIP_BATCH
    label = "Ship packages (batch)"
    repeatable = False

    def send(self, command: Command, client: TikTokClient) -> Outcome:
        desired = command.desired
        ids: list[str] = list(desired["package_ids"])
        known: list[ItemOutcome] = []
        if command.checks > 0:
            # A check came first: a package TikTok already shows shipped is not sent again.
            ids, known = self._still_to_ship(client, ids)
        if not ids:
            return Outcome(request_id=None, items=tuple(known))
        slot = desired.get("pickup_slot") or {}
        result = client.ship_packages(
            [
                PackageShipment(
                    package_id=package_id,
                    handover_method=desired["handover_method"],
                    pickup_start=slot.get("start_time"),
                    pickup_end=slot.get("end_time"),
                )
                for package_id in ids
            ]
        )
        sent = Outcome.from_batch(result, ids)
        return Outcome(request_id=sent.request_id, items=(*known, *sent.items))

    @staticmethod
    def _still_to_ship(client: TikTokClient, ids: list[str]) -> tuple[list[str], list[ItemOutcome]]:
        to_send, known = [], []
        for package_id in ids:
            status = _status(client.get_package(package_id).status)
            if status in SHIPPED_STATUSES:
                known.append(
                    ItemOutcome(
                        item_id=package_id,
                        ok=True,
                        message=f"Shipped by an earlier attempt (TikTok shows {status}).",
                    )
                )
            elif status in TO_SHIP_STATUSES:
                to_send.append(package_id)
            else:
                known.append(
                    ItemOutcome(
                        item_id=package_id,
                        ok=False,
                        message=f"Not sent: TikTok shows the package {status}.",
                    )
                )
        return to_send, known

    def check(self, command: Command, client: TikTokClient) -> Checked:
        statuses = {
            package_id: _status(client.get_package(package_id).status)
            for package_id in command.desired["package_ids"]
        }
        shipped = [p for p, s in statuses.items() if s in SHIPPED_STATUSES]
        unclear = [p for p, s in statuses.items() if s not in SHIPPED_STATUSES | TO_SHIP_STATUSES]
        if len(shipped) == len(statuses):
            return Checked(Verdict.DONE, note="TikTok shows every package shipped.")
        if unclear:
            return Checked(
                Verdict.UNKNOWN,
                note=f"TikTok shows {len(unclear)} package(s) neither shipped nor to ship.",
            )
        # The resend reads again and sends only what is still to ship.
        return Checked(
            Verdict.NOT_DONE,
            note=f"TikTok shows {len(statuses) - len(shipped)} package(s) still to ship.",
        )

    def apply(self, command: Command, outcome: Outcome | None, checked: Checked | None) -> None:
        ids = list(outcome.succeeded_ids) if outcome is not None else command.desired["package_ids"]
        Package.objects.filter(shop_id=command.shop_id, tiktok_id__in=ids).exclude(
            status__in=SHIPPED_STATUSES
        ).update(status="PROCESSING", handover_method=command.desired["handover_method"])

    def target_url(self, command: Command) -> str | None:
        return reverse("ship-batch", args=[command.desired["batch_id"]])

    def summary(self, command: Command) -> str:
        desired = command.desired
        count = len(desired.get("package_ids") or ())
        method = "pickup" if desired.get("handover_method") == "PICKUP" else "drop-off"
        slot = desired.get("pickup_slot") or {}
        text = f"{count} package{'s' if count != 1 else ''}, TikTok shipping, {method}"
        if slot.get("start_time"):
            start = datetime.fromtimestamp(int(slot["start_time"]), tz=UTC)
            text += f" from {start:%Y-%m-%d %H:%M} UTC"
        return text


MARK_SHIPPED = "fulfillment.mark_shipped"
UPDATE_TRACKING = "fulfillment.update_tracking"


class _SellerTracking(CommandKind):
    """What both seller-shipping writes share: never sent twice, the tracking read back."""

    repeatable = False

    def check(self, command: Command, client: TikTokClient) -> Checked:
        package = client.get_package(command.desired["package_id"])
        status = _status(package.status)
        wanted = command.desired["tracking_number"]
        if status in SHIPPED_STATUSES and (package.tracking_number or "") == wanted:
            return Checked(Verdict.DONE, note=f"TikTok shows tracking {wanted}.", data=package)
        if self.name == MARK_SHIPPED and status in TO_SHIP_STATUSES:
            return Checked(Verdict.NOT_DONE, note="TikTok shows it still to ship.", data=package)
        if self.name == UPDATE_TRACKING and status in SHIPPED_STATUSES:
            return Checked(
                Verdict.NOT_DONE,
                note=f"TikTok still shows tracking {package.tracking_number}.",
                data=package,
            )
        return Checked(Verdict.UNKNOWN, note=f"TikTok shows the package {status}.", data=package)

    def apply(self, command: Command, outcome: Outcome | None, checked: Checked | None) -> None:
        desired = command.desired
        fields = {
            "tracking_number": desired["tracking_number"][:100],
            "shipping_provider_name": desired.get("shipping_provider_name", "")[:255],
        }
        if self.name == MARK_SHIPPED:
            fields["status"] = "PROCESSING"
        Package.objects.filter(shop_id=command.shop_id, tiktok_id=desired["package_id"]).update(
            **fields
        )

    def target_url(self, command: Command) -> str | None:
        return reverse("seller-shipping")

    def summary(self, command: Command) -> str:
        desired = command.desired
        provider = desired.get("shipping_provider_name") or desired["shipping_provider_id"]
        return f"Tracking {desired['tracking_number']} with {provider}"


class MarkShipped(_SellerTracking):
    """desired: {order_id, package_id, line_item_ids[], tracking_number, shipping_provider_id}."""

    name = MARK_SHIPPED
    label = "Mark shipped (own carrier)"

    def send(self, command: Command, client: TikTokClient) -> Outcome:
        desired = command.desired
        result = client.mark_package_shipped(
            desired["order_id"],
            tracking_number=desired["tracking_number"],
            shipping_provider_id=desired["shipping_provider_id"],
            order_line_item_ids=desired.get("line_item_ids") or None,
        )
        return Outcome(request_id=result.request_id)


class UpdateTracking(_SellerTracking):
    """desired: {package_id, tracking_number, shipping_provider_id} for a shipped package."""

    name = UPDATE_TRACKING
    label = "Fix tracking"

    def send(self, command: Command, client: TikTokClient) -> Outcome:
        desired = command.desired
        result = client.update_package_shipping_info(
            desired["package_id"],
            tracking_number=desired["tracking_number"],
            shipping_provider_id=desired["shipping_provider_id"],
        )
        return Outcome(request_id=result.request_id)
