"""Split shipments: an order's lines grouped into several packages before it ships.

TikTok says per order whether it may be split (Get Order Split Attributes); the split is a
`fulfillment.split_order` command, never sent twice: after an ambiguous failure the check
reads the order's first package back and sees whether it already holds only its group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django import forms
from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from fulfillment.models import Package
from orders.models import Order
from shops.commands import Checked, CommandKind, Outcome, Verdict, command_create
from shops.gateway import client_for_shop
from shops.models import Command
from tiktok.client import TikTokClient

SPLIT_ORDER = "fulfillment.split_order"
MAX_PACKAGES = 9  # UNVERIFIED: TikTok's own limit per order is not documented


class SplitError(ValueError):
    """The split cannot be made as asked; the message says why."""


def split_state(order: Order) -> tuple[bool, str]:
    """Whether TikTok lets this order be split now, and why not (one call to TikTok)."""
    rows = client_for_shop(order.shop).get_split_attributes([order.tiktok_id])
    row = next((r for r in rows if r.order_id in (order.tiktok_id, None)), None)
    if row is None:
        return False, "TikTok says nothing about splitting this order."
    return row.can_split, row.reason or ("" if row.can_split else "TikTok does not allow it.")


def order_split(
    *, order: Order, groups: Mapping[int, Sequence[str]], actor: User | None
) -> Command:
    """Ask TikTok to put the order's lines into these packages (package number → line ids)."""
    lines = list(order.lines.order_by("id").values_list("tiktok_id", flat=True))
    packages = list(Package.objects.filter(order=order))
    if len(packages) != 1 or packages[0].status not in ("TO_FULFILL", ""):
        raise SplitError("Only an order in one package that has not shipped can be split.")
    chosen = {n: list(ids) for n, ids in sorted(groups.items()) if ids}
    if len(chosen) < 2:
        raise SplitError("Put the lines in at least two packages.")
    if sorted(i for ids in chosen.values() for i in ids) != sorted(lines):
        raise SplitError("Put every line of the order in exactly one package.")
    return command_create(
        shop=order.shop,
        kind=SPLIT_ORDER,
        target=f"order:{order.tiktok_id}",
        target_label=f"Order {order.tiktok_id}",
        desired={
            "order_id": order.tiktok_id,
            "package_id": packages[0].tiktok_id,
            "groups": {str(n): ids for n, ids in chosen.items()},
        },
        actor=actor,
        reason=f"Split into {len(chosen)} packages",
    )


class SplitOrder(CommandKind):
    """desired: {order_id, package_id (before the split), groups: {number: [line ids]}}."""

    name = SPLIT_ORDER
    label = "Split into packages"
    repeatable = False

    def send(self, command: Command, client: TikTokClient) -> Outcome:
        desired = command.desired
        result = client.split_order(
            desired["order_id"], groups=desired["groups"], idempotency_key=command.idempotency_key
        )
        return Outcome(request_id=result.request_id, data={"packages": list(result.packages)})

    def check(self, command: Command, client: TikTokClient) -> Checked:
        desired = command.desired
        first = sorted(desired["groups"].items(), key=lambda item: int(item[0]))[0][1]
        held = set(client.get_package(desired["package_id"]).order_line_item_ids)
        if held == set(first):
            return Checked(Verdict.DONE, note="TikTok shows the order split.")
        if held == {i for ids in desired["groups"].values() for i in ids}:
            return Checked(Verdict.NOT_DONE, note="TikTok shows the order still in one package.")
        return Checked(Verdict.UNKNOWN, note="TikTok shows the package with other lines.")

    def apply(self, command: Command, outcome: Outcome | None, checked: Checked | None) -> None:
        if outcome is None:
            return  # known only from the check: the next package sync brings the new ids
        desired = command.desired
        old = Package.objects.filter(shop_id=command.shop_id, tiktok_id=desired["package_id"])
        template = old.first()
        made = dict((group, package) for package, group in outcome.data.get("packages") or ())
        with transaction.atomic():
            for number, lines in desired["groups"].items():
                package_id = made.get(number)
                if not package_id:
                    continue  # TikTok did not say (tolerated: the sync reconciles)
                Package.objects.update_or_create(
                    shop_id=command.shop_id,
                    tiktok_id=package_id,
                    defaults={
                        "order_id": template.order_id if template else None,
                        "order_tiktok_id": desired["order_id"],
                        "order_tiktok_ids": [desired["order_id"]],
                        "line_item_ids": list(lines),
                        "status": "TO_FULFILL",
                        "shipping_type": template.shipping_type if template else "",
                        "synced_at": timezone.now(),
                    },
                )
            if template is not None and template.tiktok_id not in made.values():
                old.delete()  # TikTok replaced it with new packages

    def target_url(self, command: Command) -> str | None:
        order = Order.objects.filter(
            shop_id=command.shop_id, tiktok_id=command.desired["order_id"]
        ).first()
        return reverse("order-detail", args=[order.pk]) if order else None

    def summary(self, command: Command) -> str:
        groups = command.desired.get("groups") or {}
        sizes = ", ".join(str(len(v)) for _k, v in sorted(groups.items()))
        return f"{len(groups)} packages ({sizes} lines)"


class SplitForm(forms.Form):
    """Each line's package number (1 to the number of lines, at most MAX_PACKAGES)."""

    def __init__(self, *args: object, lines: Sequence[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        count = min(MAX_PACKAGES, max(2, len(lines)))
        choices = [(str(n), f"Package {n}") for n in range(1, count + 1)]
        for n, (line_id, label) in enumerate(lines):
            self.fields[f"line_{line_id}"] = forms.ChoiceField(
                choices=choices,
                initial="1" if n < (len(lines) + 1) // 2 else "2",
                label=label,
                error_messages={"invalid_choice": "Choose one of the packages."},
            )

    def groups(self) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {}
        for name, value in self.cleaned_data.items():
            out.setdefault(int(value), []).append(name.removeprefix("line_"))
        return out
