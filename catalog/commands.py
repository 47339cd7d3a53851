"""Catalog writes: set the prices, or the stock per warehouse, of one product's SKUs.

Each is a command kind (registered in COMMAND_KINDS) plus the operator action that creates it.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils.http import urlencode

from catalog.models import ChangeRow, ChangeSet, Inventory, Product, Sku, Warehouse
from shops.commands import Checked, CommandKind, Outcome, Verdict, command_create
from shops.models import Command, CommandItem
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
       set price = v.price, list_price = coalesce(v.list_price, s.list_price)
      from (values {values}) as v(tiktok_id, price, list_price)
     where s.shop_id = %s and s.tiktok_id = v.tiktok_id
"""


def _refresh_product_totals(command: Command) -> None:
    """Keep the list's price range and stock totals in step with the SKUs just changed."""
    with connection.cursor() as cursor:
        cursor.execute(_TOTALS, [command.shop_id, command.desired["product_id"]])


class SetPrices(CommandKind):
    """desired: {product_id, currency, skus: [{sku_id, price, list_price?}]} (decimal strings)."""

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
            (entry["sku_id"], Decimal(entry["price"]), entry.get("list_price"))
            for entry in command.desired["skus"]
            if took is None or entry["sku_id"] in took
        ]
        if rows:
            values = ", ".join(["(%s, %s::numeric, %s::numeric)"] * len(rows))
            sql = _SKU_PRICES.replace("{values}", values)  # only placeholders go in
            with connection.cursor() as cursor:
                cursor.execute(sql, [v for row in rows for v in row] + [command.shop_id])
        _refresh_product_totals(command)

    def finished(self, command: Command) -> None:
        change_rows_settle(command=command)

    def target_url(self, command: Command) -> str | None:
        return _product_url(command)

    def summary(self, command: Command) -> str:
        currency = command.desired.get("currency", "")
        return ", ".join(
            f"{s.get('seller_sku') or s['sku_id']} → {s['price']} {currency}"
            for s in command.desired.get("skus", [])
        )


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

    def target_url(self, command: Command) -> str | None:
        return _product_url(command)

    def summary(self, command: Command) -> str:
        return ", ".join(
            f"{s.get('seller_sku') or s['sku_id']} → "
            + " + ".join(str(w["quantity"]) for w in s["inventory"])
            for s in command.desired.get("skus", [])
        )


# --- change-set rows carried by a command ------------------------------------------------------


def change_rows_settle(*, command: Command) -> None:
    """Write a finished command's outcome on each change-set row it carried, then their sets."""
    rows = list(ChangeRow.objects.filter(command=command).values_list("pk", "sku__tiktok_id"))
    if not rows:
        return
    items = {i.item_id: i for i in CommandItem.objects.filter(command=command)}
    updates: dict[tuple[str, str], list[int]] = {}
    for pk, sku_id in rows:
        item = items.get(sku_id)
        if command.status == Command.Status.CANCELLED:
            verdict = (ChangeRow.Outcome.SKIPPED, "Its command was cancelled before it was sent.")
        elif item is not None and not item.ok:
            verdict = (ChangeRow.Outcome.FAILED, item.message or f"TikTok refused ({item.code})")
        elif command.status == Command.Status.FAILED and item is None:
            verdict = (ChangeRow.Outcome.FAILED, command.error_message or "TikTok refused it.")
        else:
            verdict = (ChangeRow.Outcome.APPLIED, "")
        updates.setdefault(verdict, []).append(pk)
    for (outcome, message), pks in updates.items():
        ChangeRow.objects.filter(pk__in=pks).update(outcome=outcome, message=message[:2000])
    change_sets_settle(
        ids=set(ChangeRow.objects.filter(command=command).values_list("change_set_id", flat=True))
    )


def change_sets_settle(*, ids: set[int]) -> None:
    """Move change sets whose rows all have an outcome to applied, partly applied or failed."""
    from django.db.models import Count, Q

    with transaction.atomic():
        for change_set in ChangeSet.objects.select_for_update().filter(
            pk__in=ids, state=ChangeSet.State.APPLYING
        ):
            counts = change_set.rows.filter(excluded=False).aggregate(
                waiting=Count("pk", filter=Q(outcome__in=["pending", "sent"])),
                applied=Count("pk", filter=Q(outcome="applied")),
                failed=Count("pk", filter=Q(outcome="failed")),
            )
            if counts["waiting"]:
                continue
            if counts["failed"] == 0:
                change_set.state = ChangeSet.State.APPLIED
            elif counts["applied"] == 0:
                change_set.state = ChangeSet.State.FAILED
            else:
                change_set.state = ChangeSet.State.PARTLY_APPLIED
            change_set.save(update_fields=["state"])
            if change_set.reverts_id and counts["applied"]:
                ChangeSet.objects.filter(pk=change_set.reverts_id).update(
                    state=ChangeSet.State.REVERTED
                )


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


def product_prices_set(
    *,
    product: Product,
    prices: Mapping[str, Decimal],
    actor: User | None,
    reason: str,
    list_prices: Mapping[str, Decimal] | None = None,
    enqueue: bool = True,
) -> Command:
    """Ask TikTok to set these absolute prices (SKU id → price) on one product's SKUs."""
    if not prices:
        raise CatalogCommandError("no prices given")
    skus = _skus_of(product, list(prices))
    entries = []
    for sku_id, value in prices.items():
        entry = {
            "sku_id": sku_id,
            "seller_sku": skus[sku_id].seller_sku,
            "price": format(_price(value, f"Price of {sku_id}"), "f"),
        }
        if list_prices and list_prices.get(sku_id) is not None:
            entry["list_price"] = format(_price(list_prices[sku_id], "List price"), "f")
        entries.append(entry)
    currency = product.currency or next((s.currency for s in skus.values() if s.currency), "")
    return command_create(
        shop=product.shop,
        kind=SET_PRICES,
        target=f"product:{product.tiktok_id}",
        target_label=product.title or product.tiktok_id,
        desired={"product_id": product.tiktok_id, "currency": currency, "skus": entries},
        actor=actor,
        reason=reason,
        enqueue=enqueue,
    )


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
    current: dict[int, dict[str, int]] = {}
    for row in Inventory.objects.filter(sku__in=skus.values()).select_related("warehouse"):
        current.setdefault(row.sku_id, {})[row.warehouse.tiktok_id] = row.quantity
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
    return command_create(
        shop=product.shop,
        kind=SET_STOCK,
        target=f"product:{product.tiktok_id}",
        target_label=product.title or product.tiktok_id,
        desired={"product_id": product.tiktok_id, "skus": entries},
        actor=actor,
        reason=reason,
        enqueue=enqueue,
    )
