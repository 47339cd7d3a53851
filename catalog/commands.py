"""Catalog writes: set the prices, or the stock per warehouse, of one product's SKUs.

Each is a command kind (registered in COMMAND_KINDS) plus the operator action that creates it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils.http import urlencode

from catalog.models import ChangeRow, ChangeSet, Inventory, Product, Sku, Warehouse
from shops.commands import Checked, CommandKind, Outcome, Verdict, command_create
from shops.models import Command, Shop
from tiktok.client import TikTokClient
from tiktok.types import MAX_STOCK_QUANTITY, InventoryUpdate, PriceUpdate, WarehouseQuantity

SET_PRICES = "catalog.set_prices"
SET_STOCK = "catalog.set_stock"


class CatalogCommandError(ValueError):
    """The change cannot be sent as asked; the message says why."""


def _product_url(command: Command) -> str:
    query = urlencode({"shop": str(command.shop_id), "q": command.target_label or ""})
    return f"{reverse('products')}?{query}"


_TOTALS = """
    update catalog_product p
       set price_min = t.low, price_max = t.high, stock_total = coalesce(t.stock, 0)
      from (select product_id, min(price) low, max(price) high, sum(stock_total) stock
              from catalog_sku
             where deleted_at is null
               and product_id = (select id from catalog_product
                                  where shop_id = %s and tiktok_id = %s)
             group by product_id) t
     where p.id = t.product_id
"""


_SKU_PRICES = """
    update catalog_sku s
       set price = v.price,
           list_price = case when v.clear then null else coalesce(v.list_price, s.list_price) end
      from (values {values}) as v(tiktok_id, price, list_price, clear)
     where s.shop_id = %s and s.tiktok_id = v.tiktok_id
"""


def _refresh_product_totals(command: Command) -> None:
    """Keep the list's price range and stock totals in step with the SKUs just changed."""
    with connection.cursor() as cursor:
        cursor.execute(_TOTALS, [command.shop_id, command.desired["product_id"]])


def _removes_list_price(entry: Mapping[str, Any]) -> bool:
    """Whether a desired SKU entry removes its list price (null given; absent keeps it)."""
    return "list_price" in entry and entry["list_price"] is None


class SetPrices(CommandKind):
    """desired: {product_id, currency, skus: [{sku_id, price, list_price?}]} (decimal strings;
    a list_price of null removes it, none given keeps it)."""

    name = SET_PRICES
    label = "Set prices"
    repeatable = True  # an absolute price set twice is the same price

    def _updates(self, command: Command) -> list[PriceUpdate]:
        desired = command.desired
        cross_border = command.shop.seller_type == "CROSS_BORDER"
        return [
            PriceUpdate(
                sku_id=s["sku_id"],
                amount=Decimal(s["price"]),
                currency=desired["currency"],
                list_price=Decimal(s["list_price"]) if s.get("list_price") else None,
                clear_list_price=_removes_list_price(s),
                cross_border=cross_border,
            )
            for s in desired["skus"]
        ]

    def send(self, command: Command, client: TikTokClient) -> Outcome:
        updates = self._updates(command)
        result = client.update_prices(
            command.desired["product_id"], updates, idempotency_key=command.idempotency_key
        )
        return Outcome.from_batch(result, [u.sku_id for u in updates])

    def check(self, command: Command, client: TikTokClient) -> Checked:
        product = client.get_product(command.desired["product_id"])
        prices = {s.id: s.price for s in product.skus}
        wanted = {s["sku_id"]: Decimal(s["price"]) for s in command.desired["skus"]}
        if all(prices.get(sku_id) == price for sku_id, price in wanted.items()):
            return Checked(Verdict.DONE, data=prices)
        return Checked(Verdict.NOT_DONE, data=prices)

    def apply(self, command: Command, outcome: Outcome | None, checked: Checked | None) -> None:
        took = outcome.succeeded_ids if outcome is not None else None
        rows = [
            (
                entry["sku_id"],
                Decimal(entry["price"]),
                entry.get("list_price"),
                _removes_list_price(entry),
            )
            for entry in command.desired["skus"]
            if took is None or entry["sku_id"] in took
        ]
        if rows:
            values = ", ".join(["(%s, %s::numeric, %s::numeric, %s::boolean)"] * len(rows))
            sql = _SKU_PRICES.replace("{values}", values)  # only placeholders go in
            with connection.cursor() as cursor:
                cursor.execute(sql, [v for row in rows for v in row] + [command.shop_id])
        _refresh_product_totals(command)

    def finished(self, command: Command) -> None:
        change_rows_settle(command=command)

    def retried(self, command: Command) -> None:
        change_rows_resend(command=command)

    def target_url(self, command: Command) -> str | None:
        return _product_url(command)

    def summary(self, command: Command) -> str:
        currency = command.desired.get("currency", "")

        def one(s: Mapping[str, Any]) -> str:
            text = f"{s.get('seller_sku') or s['sku_id']} → {s['price']} {currency}"
            if "list_price" in s:
                listed = s["list_price"]
                text += f" (list price {listed} {currency})" if listed else " (list price removed)"
            return text

        return ", ".join(one(s) for s in command.desired.get("skus", []))


class SetStock(CommandKind):
    """desired: {product_id, skus: [{sku_id, inventory: [{warehouse_id, quantity}]}]}."""

    name = SET_STOCK
    label = "Set stock"
    repeatable = True  # absolute quantities, never deltas

    def _updates(self, command: Command) -> list[InventoryUpdate]:
        return [
            InventoryUpdate(
                sku_id=s["sku_id"],
                inventory=[
                    WarehouseQuantity(w["warehouse_id"], int(w["quantity"])) for w in s["inventory"]
                ],
            )
            for s in command.desired["skus"]
        ]

    def send(self, command: Command, client: TikTokClient) -> Outcome:
        updates = self._updates(command)
        result = client.update_inventory(
            command.desired["product_id"], updates, idempotency_key=command.idempotency_key
        )
        return Outcome.from_batch(result, [u.sku_id for u in updates])

    def check(self, command: Command, client: TikTokClient) -> Checked:
        product = client.get_product(command.desired["product_id"])
        stock = {(s.id, i.warehouse_id): i.quantity for s in product.skus for i in s.inventory}
        for entry in command.desired["skus"]:
            for w in entry["inventory"]:
                if stock.get((entry["sku_id"], w["warehouse_id"])) != int(w["quantity"]):
                    return Checked(Verdict.NOT_DONE)
        return Checked(Verdict.DONE)

    def apply(self, command: Command, outcome: Outcome | None, checked: Checked | None) -> None:
        took = outcome.succeeded_ids if outcome is not None else None
        warehouses = dict(
            Warehouse.objects.filter(shop_id=command.shop_id).values_list("tiktok_id", "pk")
        )
        skus = dict(
            Sku.objects.filter(
                shop_id=command.shop_id,
                tiktok_id__in=[s["sku_id"] for s in command.desired["skus"]],
            ).values_list("tiktok_id", "pk")
        )
        for entry in command.desired["skus"]:
            sku_pk = skus.get(entry["sku_id"])
            if sku_pk is None or (took is not None and entry["sku_id"] not in took):
                continue
            for w in entry["inventory"]:
                warehouse_pk = warehouses.get(w["warehouse_id"])
                if warehouse_pk is not None:
                    Inventory.objects.update_or_create(
                        sku_id=sku_pk,
                        warehouse_id=warehouse_pk,
                        defaults={"quantity": int(w["quantity"])},
                    )
            total = Inventory.objects.filter(sku_id=sku_pk).aggregate(n=Sum("quantity"))["n"]
            Sku.objects.filter(pk=sku_pk).update(stock_total=total or 0)
        _refresh_product_totals(command)

    def finished(self, command: Command) -> None:
        change_rows_settle(command=command)

    def retried(self, command: Command) -> None:
        change_rows_resend(command=command)

    def target_url(self, command: Command) -> str | None:
        return _product_url(command)

    def summary(self, command: Command) -> str:
        return ", ".join(
            f"{s.get('seller_sku') or s['sku_id']} → "
            + " + ".join(str(w["quantity"]) for w in s["inventory"])
            for s in command.desired.get("skus", [])
        )


# --- change-set rows carried by a command ------------------------------------------------------

# One statement for every row the command carried: TikTok's verdict on its SKU (a CommandItem),
# else the command's own outcome. Hot path: it runs in every record transaction of an apply.
_SETTLE_ROWS = """
    update catalog_changerow r
       set outcome = case
             when %(cancelled)s then 'skipped'
             when i.ok is false then 'failed'
             when %(failed)s and i.id is null then 'failed'
             else 'applied' end,
           message = left(case
             when %(cancelled)s then 'Its command was cancelled before it was sent.'
             when i.ok is false then coalesce(
               nullif(i.message, ''), 'TikTok refused (' || coalesce(i.code::text, '?') || ')')
             when %(failed)s and i.id is null then %(error)s
             else '' end, 2000)
      from catalog_sku s
      left join shops_commanditem i on i.command_id = %(command)s and i.item_id = s.tiktok_id
     where r.command_id = %(command)s and s.id = r.sku_id
 returning r.change_set_id
"""

# A change set waiting for its rows' outcomes; the retry of a failed command brings it back here.
SETTLING = (
    ChangeSet.State.APPLYING,
    ChangeSet.State.PARTLY_APPLIED,
    ChangeSet.State.FAILED,
)


def change_rows_settle(*, command: Command) -> None:
    """Write a finished command's outcome on each change-set row it carried, then their sets."""
    with connection.cursor() as cursor:
        cursor.execute(
            _SETTLE_ROWS,
            {
                "command": command.pk,
                "cancelled": command.status == Command.Status.CANCELLED,
                "failed": command.status == Command.Status.FAILED,
                "error": command.error_message or "TikTok refused it.",
            },
        )
        ids = {change_set_id for (change_set_id,) in cursor.fetchall()}
    if not ids:
        return
    # Settling takes the set's row lock until commit; taken by every command it would queue the
    # workers of one apply behind each other. So it is taken only when no other row still waits
    # (as this transaction sees it), and otherwise looked at again once this one has committed:
    # the last command to commit then sees every other outcome.
    if ChangeRow.objects.filter(change_set__in=ids, excluded=False, outcome__in=WAITING).exists():
        # Robust: the command is recorded by then; a failure here must not look like the
        # runner's (the page settles a finished set it finds still applying).
        transaction.on_commit(lambda: change_sets_settle(ids=ids, unless_waiting=True), robust=True)
    else:
        change_sets_settle(ids=ids)


WAITING = (ChangeRow.Outcome.PENDING, ChangeRow.Outcome.SENT)


def change_sets_settle(*, ids: set[int], unless_waiting: bool = False) -> None:
    """Move change sets whose rows all have an outcome to applied, partly applied or failed."""
    if (
        unless_waiting
        and ChangeRow.objects.filter(
            change_set__in=ids, excluded=False, outcome__in=WAITING
        ).exists()
    ):
        return
    with transaction.atomic():
        for change_set in ChangeSet.objects.select_for_update().filter(
            pk__in=ids, state__in=SETTLING
        ):
            counts = change_set.rows.filter(excluded=False).aggregate(
                waiting=Count("pk", filter=Q(outcome__in=WAITING)),
                applied=Count("pk", filter=Q(outcome=ChangeRow.Outcome.APPLIED)),
                failed=Count("pk", filter=Q(outcome=ChangeRow.Outcome.FAILED)),
            )
            if counts["waiting"]:
                state = ChangeSet.State.APPLYING
            elif counts["failed"] == 0:
                state = ChangeSet.State.APPLIED
            elif counts["applied"] == 0:
                state = ChangeSet.State.FAILED
            else:
                state = ChangeSet.State.PARTLY_APPLIED
            if state != change_set.state:
                change_set.state = state
                change_set.save(update_fields=["state"])
            if state != ChangeSet.State.APPLYING and change_set.reverts_id and counts["applied"]:
                ChangeSet.objects.filter(pk=change_set.reverts_id).update(
                    state=ChangeSet.State.REVERTED
                )


def change_rows_resend(*, command: Command) -> None:
    """A failed command retried from Activity: its rows and their sets wait for it again."""
    ids = set(ChangeRow.objects.filter(command=command).values_list("change_set_id", flat=True))
    if not ids:
        return
    ChangeRow.objects.filter(command=command).update(outcome=ChangeRow.Outcome.SENT, message="")
    ChangeSet.objects.filter(
        pk__in=ids, state__in=(ChangeSet.State.PARTLY_APPLIED, ChangeSet.State.FAILED)
    ).update(state=ChangeSet.State.APPLYING)


# --- operator actions ---------------------------------------------------------------------------


def _skus_of(product: Product, sku_ids: list[str]) -> dict[str, Sku]:
    skus = {s.tiktok_id: s for s in product.skus.filter(tiktok_id__in=sku_ids)}
    unknown = sorted(set(sku_ids) - set(skus))
    if unknown:
        raise CatalogCommandError(f"SKUs not in this product: {', '.join(unknown)}")
    return skus


def _price(value: Any, what: str) -> Decimal:
    try:
        price = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise CatalogCommandError(f"{what} is not a price: {value!r}") from None
    exponent = price.as_tuple().exponent
    if not isinstance(exponent, int) or price <= 0 or exponent < -2:
        raise CatalogCommandError(f"{what} must be positive with at most 2 decimals")
    return price


def _about(product: Product, actor: User | None, reason: str) -> dict[str, Any]:
    """The fields every catalog command of one product has: its target, who and why."""
    return {
        "shop_id": product.shop_id,
        "target": f"product:{product.tiktok_id}",
        "target_label": product.title or product.tiktok_id,
        "actor": actor if actor is not None and actor.is_authenticated else None,
        "reason": reason,
    }


def prices_command(
    *,
    product: Product,
    skus: Mapping[str, Sku],
    prices: Mapping[str, Decimal],
    actor: User | None,
    reason: str,
    list_prices: Mapping[str, Decimal | None] | None = None,
) -> Command:
    """The (unsaved) command setting these prices; `skus` are the product's, by TikTok id.
    `list_prices` sets a SKU's list price, or removes it where the value is None."""
    if not prices:
        raise CatalogCommandError("no prices given")
    entries = []
    for sku_id, value in prices.items():
        entry: dict[str, str | None] = {
            "sku_id": sku_id,
            "seller_sku": skus[sku_id].seller_sku,
            "price": format(_price(value, f"Price of {sku_id}"), "f"),
        }
        if list_prices and sku_id in list_prices:
            list_price = list_prices[sku_id]
            entry["list_price"] = (
                None if list_price is None else format(_price(list_price, "List price"), "f")
            )
        entries.append(entry)
    currency = product.currency or next((s.currency for s in skus.values() if s.currency), "")
    return Command(
        kind=SET_PRICES,
        desired={"product_id": product.tiktok_id, "currency": currency, "skus": entries},
        **_about(product, actor, reason),
    )


def product_prices_set(
    *,
    product: Product,
    prices: Mapping[str, Decimal],
    actor: User | None,
    reason: str,
    list_prices: Mapping[str, Decimal | None] | None = None,
    enqueue: bool = True,
) -> Command:
    """Ask TikTok to set these absolute prices (SKU id → price) on one product's SKUs."""
    if not prices:
        raise CatalogCommandError("no prices given")
    command = prices_command(
        product=product,
        skus=_skus_of(product, list(prices)),
        prices=prices,
        actor=actor,
        reason=reason,
        list_prices=list_prices,
    )
    return _create(command, shop=product.shop, enqueue=enqueue)


def _create(command: Command, *, shop: Shop, enqueue: bool) -> Command:
    return command_create(
        shop=shop,
        kind=command.kind,
        target=command.target,
        target_label=command.target_label,
        desired=command.desired,
        actor=command.actor,
        reason=command.reason,
        enqueue=enqueue,
    )


def stock_command(
    *,
    product: Product,
    skus: Mapping[str, Sku],
    stock: Mapping[str, Mapping[str, int]],
    current: Mapping[int, Mapping[str, int]],
    actor: User | None,
    reason: str,
) -> Command:
    """The (unsaved) command setting this stock; `current`: SKU pk → warehouse id → mirrored."""
    if not stock:
        raise CatalogCommandError("no stock given")
    entries = []
    for sku_id, levels in stock.items():
        merged = {**current.get(skus[sku_id].pk, {}), **levels}
        if not merged:
            raise CatalogCommandError(f"SKU {sku_id} has no warehouse to stock")
        for quantity in merged.values():
            if isinstance(quantity, bool) or not isinstance(quantity, int):
                raise CatalogCommandError(f"Stock of {sku_id} must be a whole number")
            if not 0 <= quantity <= MAX_STOCK_QUANTITY:
                raise CatalogCommandError(f"Stock of {sku_id} must be 0-{MAX_STOCK_QUANTITY}")
        entries.append(
            {
                "sku_id": sku_id,
                "seller_sku": skus[sku_id].seller_sku,
                "inventory": [
                    {"warehouse_id": w, "quantity": q} for w, q in sorted(merged.items())
                ],
            }
        )
    return Command(
        kind=SET_STOCK,
        desired={"product_id": product.tiktok_id, "skus": entries},
        **_about(product, actor, reason),
    )


def stock_levels(sku_pks: Iterable[int]) -> dict[int, dict[str, int]]:
    """The mirrored stock of these SKUs: SKU pk → TikTok warehouse id → quantity."""
    current: dict[int, dict[str, int]] = {}
    for sku_pk, warehouse_id, quantity in Inventory.objects.filter(
        sku__in=list(sku_pks)
    ).values_list("sku_id", "warehouse__tiktok_id", "quantity"):
        current.setdefault(sku_pk, {})[warehouse_id] = quantity
    return current


def product_stock_set(
    *,
    product: Product,
    stock: Mapping[str, Mapping[str, int]],
    actor: User | None,
    reason: str,
    enqueue: bool = True,
) -> Command:
    """Ask TikTok to set absolute stock (SKU id → warehouse id → quantity) on one product.

    TikTok wants every warehouse of a SKU in each update: the ones not given are sent with the
    quantity the mirror holds.
    """
    if not stock:
        raise CatalogCommandError("no stock given")
    skus = _skus_of(product, list(stock))
    command = stock_command(
        product=product,
        skus=skus,
        stock=stock,
        current=stock_levels(s.pk for s in skus.values()),
        actor=actor,
        reason=reason,
    )
    return _create(command, shop=product.shop, enqueue=enqueue)
