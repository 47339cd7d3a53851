"""Ship batches: choose packages to ship, hold back what must wait (and say why), send them.

A batch is a draft first: the chosen packages are frozen into its entries with what holds each
back. Sending it re-reads the mirror, asks the operator to confirm the count, and makes one
`fulfillment.ship_batch` command per shop and chunk (TikTok's Batch Ship Packages).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from fulfillment.commands import SHIPPED_STATUSES, ShipError
from fulfillment.models import Package, ShipBatch, ShipBatchPackage
from fulfillment.shipping_commands import SHIP_BATCH
from orders.models import OrderStatus
from shops.access import visible_shops
from shops.commands import command_cancel, command_create
from shops.models import Command
from shops.roles import is_admin


def awaiting_shipment(queryset: QuerySet[Package]) -> QuerySet[Package]:
    """Packages still to ship with TikTok shipping (the batch page's rows)."""
    return queryset.filter(status__in=["TO_FULFILL", ""]).exclude(shipping_type="SELLER")


def hold_reason(package: Package) -> str:
    """Why this package must not be shipped now, in the seller's words ("" if it may)."""
    order = package.order
    if package.status in SHIPPED_STATUSES:
        return "Already shipped."
    if package.status == "CANCELLED":
        return "The package is cancelled."
    shipping_type = package.shipping_type or (order.shipping_type if order else "")
    if shipping_type == "SELLER":
        return "Shipped by your own carrier: add its tracking instead."
    if order is None:
        return "Its order is not in the mirror yet: sync orders first."
    if order.status == OrderStatus.ON_HOLD:
        return "On hold: the buyer may still cancel within the first hour."
    if order.is_buyer_request_cancel:
        return "The buyer asked to cancel: answer the request first."
    if order.status == OrderStatus.CANCELLED:
        return "The order is cancelled."
    if order.status not in (OrderStatus.AWAITING_SHIPMENT, OrderStatus.PARTIALLY_SHIPPING):
        return f"The order is {order.get_status_display().lower() or 'in an unknown state'}."
    return ""


def _in_flight(package_ids: list[int]) -> set[int]:
    """Those of these packages already in a sent batch whose command has not finished."""
    return set(
        ShipBatchPackage.objects.filter(
            package_id__in=package_ids,
            held_reason="",
            batch__status=ShipBatch.Status.SENT,
            command__status__in=Command.UNFINISHED,
        ).values_list("package_id", flat=True)
    )


def ship_batch_create(
    *, packages: QuerySet[Package], actor: User, selection: str = ""
) -> ShipBatch:
    """A draft batch of these packages (frozen now), each held back or not with why."""
    rows = list(packages.select_related("order", "shop").defer("raw", "order__raw").order_by("pk"))
    if not rows:
        raise ShipError("Choose at least one package.")
    if len(rows) > settings.SHIP_BATCH_MAX:
        raise ShipError(
            f"A batch holds at most {settings.SHIP_BATCH_MAX:,} packages; {len(rows):,} were "
            "chosen. Narrow the filter."
        )
    flight = _in_flight([p.pk for p in rows])
    with transaction.atomic():
        batch = ShipBatch.objects.create(created_by=actor, selection=selection[:2000])
        ShipBatchPackage.objects.bulk_create(
            ShipBatchPackage(
                batch=batch,
                shop_id=p.shop_id,
                package=p,
                position=n,
                held_reason=(
                    "Already being shipped by another batch." if p.pk in flight else hold_reason(p)
                ),
            )
            for n, p in enumerate(rows)
        )
    return batch


def _slot(
    handover_method: str, pickup_start: datetime | None, pickup_end: datetime | None
) -> dict[str, int] | None:
    if handover_method not in ShipBatch.Handover.values:
        raise ShipError("The handover method must be pickup or drop-off.")
    if handover_method != ShipBatch.Handover.PICKUP or pickup_start is None:
        return None
    if pickup_end is None or pickup_end <= pickup_start:
        raise ShipError("A pickup slot needs an end after its start.")
    if pickup_end <= timezone.now():
        raise ShipError("That pickup slot is over: choose another.")
    return {"start_time": int(pickup_start.timestamp()), "end_time": int(pickup_end.timestamp())}


def ship_batch_send(
    *,
    batch: ShipBatch,
    actor: User,
    confirmed_count: int,
    handover_method: str,
    pickup_start: datetime | None = None,
    pickup_end: datetime | None = None,
) -> list[Command]:
    """Send a draft batch: re-check every package, confirm the count, one command per chunk."""
    slot = _slot(handover_method, pickup_start, pickup_end)
    with transaction.atomic():
        batch = ShipBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status != ShipBatch.Status.DRAFT:
            raise ShipError("This batch has already been sent.")
        entries = list(
            batch.entries.select_related("package__order", "package__shop", "shop")
            .defer("package__raw", "package__order__raw")
            .order_by("position")
        )
        flight = _in_flight([e.package_id for e in entries])
        for entry in entries:
            reason = (
                "Already being shipped by another batch."
                if entry.package_id in flight
                else hold_reason(entry.package)
            )
            if reason != entry.held_reason:
                entry.held_reason = reason
                entry.save(update_fields=["held_reason"])
        to_ship = [e for e in entries if not e.held_reason]
        if confirmed_count != len(to_ship):
            raise ShipError(
                f"{len(to_ship)} package{'s' if len(to_ship) != 1 else ''} can be shipped now, "
                f"not {confirmed_count}: something changed. Check the list and confirm again."
            )
        if not to_ship:
            raise ShipError("Nothing in this batch can be shipped now.")
        by_shop: dict[int, list[ShipBatchPackage]] = defaultdict(list)
        for entry in to_ship:
            by_shop[entry.shop_id].append(entry)
        size = max(1, int(settings.SHIP_BATCH_CHUNK))
        commands = []
        for shop_entries in by_shop.values():
            for start in range(0, len(shop_entries), size):
                chunk = shop_entries[start : start + size]
                shop = chunk[0].shop
                command = command_create(
                    shop=shop,
                    kind=SHIP_BATCH,
                    target=f"ship_batch:{batch.pk}:{start // size}",
                    target_label=f"Ship batch {batch.pk}, {len(chunk)} packages of {shop.name}",
                    desired={
                        "batch_id": batch.pk,
                        "package_ids": [e.package.tiktok_id for e in chunk],
                        "handover_method": handover_method,
                        "pickup_slot": slot,
                    },
                    actor=actor,
                    reason=f"Ship batch {batch.pk}",
                )
                ShipBatchPackage.objects.filter(pk__in=[e.pk for e in chunk]).update(
                    command=command
                )
                commands.append(command)
        hold = undo_window([e.package for e in to_ship])
        if hold:
            Command.objects.filter(pk__in=[c.pk for c in commands]).update(
                next_attempt_at=timezone.now() + hold
            )
        batch.status = ShipBatch.Status.SENT
        batch.handover_method = handover_method
        batch.pickup_start = pickup_start if slot else None
        batch.pickup_end = pickup_end if slot else None
        batch.sent_by = actor
        batch.sent_at = timezone.now()
        batch.save()
    return commands


def undo_window(packages: list[Package]) -> timedelta | None:
    """How long the send waits for an Undo: SEND_UNDO_SECONDS, none when a ship-by is that close."""
    hold = timedelta(seconds=max(0, int(settings.SEND_UNDO_SECONDS)))
    if not hold:
        return None
    now = timezone.now()
    soon = now + hold + timedelta(minutes=1)
    if any(p.order and p.order.ship_by and now <= p.order.ship_by <= soon for p in packages):
        return None
    return hold


def batch_undo_until(batch: ShipBatch) -> datetime | None:
    """Until when the sent batch can still be undone (its commands wait, none tried yet)."""
    if batch.status != ShipBatch.Status.SENT:
        return None
    commands = list(
        Command.objects.filter(pk__in=batch.entries.values("command_id")).values_list(
            "status", "attempts", "next_attempt_at"
        )
    )
    if not commands or any(s != Command.Status.QUEUED or a for s, a, _n in commands):
        return None
    until = min(n for _s, _a, n in commands)
    return until if until > timezone.now() else None


def ship_batch_undo(*, batch: ShipBatch, actor: User) -> ShipBatch:
    """Take a sent batch back to its draft while none of its commands has gone to TikTok."""
    with transaction.atomic():
        batch = ShipBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status != ShipBatch.Status.SENT:
            raise ShipError("This batch has not been sent.")
        # Locked here, a command cannot be claimed by a worker meanwhile (SKIP LOCKED).
        commands = list(
            Command.objects.select_for_update().filter(pk__in=batch.entries.values("command_id"))
        )
        if not commands or any(c.status != Command.Status.QUEUED or c.attempts for c in commands):
            raise ShipError("Too late to undo: the packages are already going to TikTok.")
        for command in commands:
            command_cancel(command=command, actor=actor)
        batch.entries.update(command=None)
        batch.status = ShipBatch.Status.DRAFT
        batch.handover_method = ""
        batch.pickup_start = batch.pickup_end = None
        batch.sent_by = None
        batch.sent_at = None
        batch.save()
    return batch


def visible_batches(user: User) -> QuerySet[ShipBatch]:
    """Batches every package of which is in a shop the user may see (others are a 404)."""
    batches = ShipBatch.objects.all()
    if is_admin(user):
        return batches
    hidden = ShipBatchPackage.objects.filter(batch=OuterRef("pk")).exclude(
        shop__in=visible_shops(user)
    )
    return batches.exclude(Exists(hidden))


def batch_pickup_slots(batch: ShipBatch) -> tuple[list[tuple[int, int]], str]:
    """TikTok's pickup slots for the batch (read for its first package to ship), or why none.

    Slots are per package on TikTok; a batch offers those of its first package (UNVERIFIED that
    they hold for every package of the same warehouse and carrier: TikTok refuses per package).
    """
    from shops.gateway import ShopNotConnected, client_for_shop
    from tiktok.errors import TikTokError

    entry = (
        batch.entries.filter(held_reason="").select_related("package", "shop").order_by("position")
    ).first()
    if entry is None:
        return [], ""
    try:
        slots = client_for_shop(entry.shop).get_handover_time_slots(entry.package.tiktok_id)
    except (TikTokError, ShopNotConnected) as error:
        return [], f"TikTok's pickup slots could not be read ({error}); drop-off still works."
    now = int(timezone.now().timestamp())
    found = [
        (int(s.start_time.timestamp()), int(s.end_time.timestamp()))
        for s in slots.pickup_slots
        if s.available and s.start_time and s.end_time and s.end_time.timestamp() > now
    ]
    return found, "" if found else "TikTok offers no pickup slot for this batch."


def batch_progress(batch: ShipBatch) -> dict[str, object]:
    """Counts and one outcome per package (waiting, shipped, refused with TikTok's reason)."""
    from shops.models import CommandItem

    entries = list(batch.entries.select_related("package", "shop", "command").order_by("position"))
    command_ids = {e.command_id for e in entries if e.command_id}
    verdicts = {
        (i.command_id, i.item_id): i for i in CommandItem.objects.filter(command_id__in=command_ids)
    }
    rows = []
    counts = {"held": 0, "waiting": 0, "shipped": 0, "failed": 0, "check": 0}
    for entry in entries:
        command = entry.command
        message = ""
        if entry.held_reason:
            state, message = "held", entry.held_reason
        elif command is None:
            state = "waiting"
        else:
            item = verdicts.get((command.pk, entry.package.tiktok_id))
            if item is not None:
                state, message = ("shipped", item.message) if item.ok else ("failed", item.message)
            elif command.status == Command.Status.SUCCEEDED:
                state = "shipped"
            elif command.status == Command.Status.NEEDS_CHECK:
                state, message = "check", command.error_message
            elif command.status in (Command.Status.FAILED, Command.Status.CANCELLED):
                state, message = "failed", command.error_message or command.get_status_display()
            else:
                state = "waiting"
        counts[state] += 1
        rows.append({"entry": entry, "state": state, "message": message})
    finished = batch.status == ShipBatch.Status.SENT and counts["waiting"] == 0
    return {
        "rows": rows,
        "counts": counts,
        "finished": finished,
        "to_ship": len(entries) - counts["held"],
    }
