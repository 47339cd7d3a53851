"""Operator actions on the catalog: change sets of prices and stock, from draft to revert.

Nothing reaches TikTok until *Apply* on a previewed change set: rows are chosen (products list,
product page, CSV), rules make their new values, the preview flags what an operator must see,
and applying creates one command per product and kind through the pipeline. Each command's
outcome lands on its rows (`catalog.commands.change_rows_settle`).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from catalog.commands import (
    SET_PRICES,
    CatalogCommandError,
    change_sets_settle,
    prices_command,
    stock_command,
    stock_levels,
)
from catalog.models import ChangeRow, ChangeSet, Inventory, Product, Sku, Warehouse
from shops.commands import commands_create
from shops.jobs import enqueue_after_commit
from shops.models import Command, CommandItem, Shop
from tiktok.types import MAX_STOCK_QUANTITY

CENT = Decimal("0.01")
MAX_PRICE = Decimal("999999999.99")
# Order statuses whose units are still to ship (the orders app's TO_SHIP, by value: catalog
# may not import orders).
OPEN_ORDER_STATUSES = ("AWAITING_SHIPMENT", "PARTIALLY_SHIPPING", "ON_HOLD")


class ChangeSetError(ValueError):
    """The change set cannot be made or moved on as asked; the message says why."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# --- rules --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PriceRule:
    """How new prices are made from the mirrored ones."""

    mode: str = "keep"  # keep | set | add | subtract | raise_pct | lower_pct
    amount: Decimal | None = None
    currency: str = ""  # the currency of every amount below (set/add/subtract, floor, ceiling)
    ending: str = ""  # "" | "0.99" | "0.95" | "0.00"
    direction: str = "auto"  # auto (follows the change) | nearest | down | up
    floor: Decimal | None = None
    ceiling: Decimal | None = None
    list_price: str = "keep"  # keep | set | clear
    list_price_amount: Decimal | None = None

    AMOUNT_MODES = ("set", "add", "subtract")

    @property
    def changes_price(self) -> bool:
        return (
            self.mode != "keep"
            or bool(self.ending)
            or self.floor is not None
            or (self.ceiling is not None)
            or self.list_price != "keep"
        )

    @property
    def in_amounts(self) -> bool:
        return (
            self.mode in self.AMOUNT_MODES
            or self.floor is not None
            or self.ceiling is not None
            or self.list_price == "set"
        )

    def as_json(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in self.__dict__.items()}

    def new_price(self, old: Decimal) -> tuple[Decimal, list[str]]:
        """The new price for an old one, with the warnings the rule itself raises."""
        warnings: list[str] = []
        value = old
        amount = self.amount or Decimal(0)
        if self.mode == "set":
            value = amount
        elif self.mode == "add":
            value = old + amount
        elif self.mode == "subtract":
            value = old - amount
        elif self.mode == "raise_pct":
            value = old * (1 + amount / 100)
        elif self.mode == "lower_pct":
            value = old * (1 - amount / 100)
        unrounded = value
        if self.ending:
            value = round_to_ending(value, self.ending, self._direction(old, unrounded))
        else:
            value = value.quantize(CENT, rounding=ROUND_HALF_UP)
        if unrounded != old and self.ending:
            if (value - old) * (unrounded - old) < 0:
                warnings.append("rounding_reversed")
            elif value == old:
                warnings.append("rounding_unchanged")
        if self.floor is not None and value <= self.floor:
            value = self.floor
            warnings.append("at_floor")
        if self.ceiling is not None and value >= self.ceiling:
            value = self.ceiling
            warnings.append("at_ceiling")
        return value, warnings

    def _direction(self, old: Decimal, new: Decimal) -> str:
        if self.direction != "auto":
            return self.direction
        if new < old:
            return "down"
        if new > old:
            return "up"
        return "nearest"


def round_to_ending(value: Decimal, ending: str, direction: str) -> Decimal:
    """The price ending in `ending` (.99, .95, .00) at or below, at or above, or nearest."""
    cents = Decimal(ending)
    base = value.to_integral_value(rounding=ROUND_FLOOR)
    below = base + cents if base + cents <= value else base - 1 + cents
    above = below if below == value else below + 1
    if direction == "down":
        return below
    if direction == "up":
        return above
    return below if value - below < above - value else above


@dataclass(frozen=True)
class StockRule:
    """How new quantities are made: set, add or subtract, in one warehouse or in every one."""

    mode: str = "keep"  # keep | set | add | subtract
    quantity: int = 0
    warehouse_id: str = ""  # a TikTok warehouse id; empty: every warehouse of the SKU

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def new_quantity(self, old: int) -> tuple[int, list[str]]:
        value = {"set": self.quantity, "add": old + self.quantity, "subtract": old - self.quantity}
        new = value.get(self.mode, old)
        if new < 0:
            return 0, ["stock_at_zero"]
        if new > MAX_STOCK_QUANTITY:
            return MAX_STOCK_QUANTITY, ["stock_at_max"]
        return new, []


# --- making a change set ------------------------------------------------------------------------


def _skus_for(products: QuerySet[Product] | Iterable[Product]) -> QuerySet[Sku]:
    ids = products.values("pk") if isinstance(products, QuerySet) else [p.pk for p in products]
    return Sku.objects.filter(product__in=ids, deleted_at__isnull=True).select_related("product")


def _check_currencies(rule: PriceRule, skus: list[Sku]) -> None:
    if not rule.in_amounts:
        return
    if not rule.currency:
        raise ChangeSetError("Say which currency the amounts are in.", field="currency")
    others = Counter(s.currency or "?" for s in skus if (s.currency or "") != rule.currency)
    if others:
        listed = ", ".join(f"{n} in {c}" for c, n in sorted(others.items()))
        raise ChangeSetError(
            f"The rule's amounts are in {rule.currency}, but chosen SKUs are not ({listed}). "
            "Choose SKUs of one currency, or make one change set per currency.",
            field="currency",
        )


def change_set_create(
    *,
    name: str,
    reason: str,
    actor: User | None,
    products: QuerySet[Product] | Iterable[Product],
    price_rule: PriceRule | None = None,
    stock_rule: StockRule | None = None,
    selection: Mapping[str, Any] | None = None,
) -> ChangeSet:
    """A draft change set over every live SKU of the products, with the rules' new values.

    `selection`: the products list's filter and the ids it matched, for "all N matching".
    """
    price_rule = price_rule if price_rule and price_rule.changes_price else None
    if price_rule is None and (stock_rule is None or stock_rule.mode == "keep"):
        raise ChangeSetError("Choose a price or a stock change.", field="price_mode")
    skus = list(_skus_for(products))
    if not skus:
        raise ChangeSetError("No SKU is chosen.")
    if price_rule is not None:
        _check_currencies(price_rule, skus)
    rows: list[ChangeRow] = []
    if price_rule is not None:
        for sku in skus:
            if sku.price is None:
                continue
            new, warnings = price_rule.new_price(sku.price)
            new_list = sku.list_price
            if price_rule.list_price == "set":
                new_list = price_rule.list_price_amount
            elif price_rule.list_price == "clear":
                new_list = None
            rows.append(
                ChangeRow(
                    shop_id=sku.shop_id,
                    sku=sku,
                    field=ChangeRow.Field.PRICE,
                    currency=sku.currency,
                    old_price=sku.price,
                    new_price=new,
                    old_list_price=sku.list_price,
                    new_list_price=new_list,
                    warnings=warnings,
                )
            )
    if stock_rule is not None and stock_rule.mode != "keep":
        inventory = Inventory.objects.filter(sku__in=[s.pk for s in skus]).select_related(
            "warehouse"
        )
        if stock_rule.warehouse_id:
            inventory = inventory.filter(warehouse__tiktok_id=stock_rule.warehouse_id)
        by_pk = {s.pk: s for s in skus}
        for level in inventory:
            new_quantity, warnings = stock_rule.new_quantity(level.quantity)
            rows.append(
                ChangeRow(
                    shop_id=level.warehouse.shop_id,
                    sku=by_pk[level.sku_id],
                    warehouse=level.warehouse,
                    field=ChangeRow.Field.STOCK,
                    old_quantity=level.quantity,
                    new_quantity=new_quantity,
                    warnings=warnings,
                )
            )
    if not rows:
        raise ChangeSetError("None of the chosen SKUs has a value this rule can change.")
    rule = {
        "price": price_rule.as_json() if price_rule else None,
        "stock": stock_rule.as_json() if stock_rule else None,
    }
    if selection is not None:
        rule["selection"] = dict(selection)
    return _create(name=name, reason=reason, actor=actor, rows=rows, rule=rule)


def _create(
    *,
    name: str,
    reason: str,
    actor: User | None,
    rows: list[ChangeRow],
    rule: Mapping[str, Any],
    reverts: ChangeSet | None = None,
) -> ChangeSet:
    with transaction.atomic():
        change_set = ChangeSet.objects.create(
            name=name[:200],
            reason=reason[:500],
            created_by=actor if actor is not None and actor.is_authenticated else None,
            rule=dict(rule),
            reverts=reverts,
        )
        for row in rows:
            row.change_set = change_set
        ChangeRow.objects.bulk_create(rows, batch_size=1000)
    return change_set


@dataclass(frozen=True)
class RowEdit:
    """One value typed or imported for one SKU (and warehouse, for stock)."""

    sku: Sku
    price: Decimal | None = None
    list_price: Decimal | None = None
    warehouse: Warehouse | None = None
    quantity: int | None = None
    warnings: tuple[str, ...] = ()  # known when the value was typed (e.g. stale in the CSV)


def change_set_create_from_edits(
    *, name: str, reason: str, actor: User | None, edits: Iterable[RowEdit], rule: Mapping[str, Any]
) -> ChangeSet:
    """A draft change set of absolute values (the product page's inline edits, a CSV import)."""
    edits = list(edits)
    levels = {
        (i.sku_id, i.warehouse_id): i.quantity
        for i in Inventory.objects.filter(
            sku__in=[e.sku.pk for e in edits if e.quantity is not None]
        )
    }
    rows = []
    for edit in edits:
        sku = edit.sku
        if edit.price is not None:
            rows.append(
                ChangeRow(
                    shop_id=sku.shop_id,
                    sku=sku,
                    field=ChangeRow.Field.PRICE,
                    currency=sku.currency,
                    old_price=sku.price,
                    new_price=edit.price,
                    old_list_price=sku.list_price,
                    new_list_price=edit.list_price
                    if edit.list_price is not None
                    else sku.list_price,
                    warnings=list(edit.warnings),
                )
            )
        if edit.quantity is not None and edit.warehouse is not None:
            rows.append(
                ChangeRow(
                    shop_id=sku.shop_id,
                    sku=sku,
                    warehouse=edit.warehouse,
                    field=ChangeRow.Field.STOCK,
                    old_quantity=levels.get((sku.pk, edit.warehouse.pk), 0),
                    new_quantity=edit.quantity,
                    warnings=list(edit.warnings),
                )
            )
    if not rows:
        raise ChangeSetError("No value changes.")
    return _create(name=name, reason=reason, actor=actor, rows=rows, rule=rule)


INLINE = "inline"


def change_set_add_edit(*, actor: User, edit: RowEdit) -> ChangeSet:
    """Put a value typed on the product page into the person's open draft (made if none)."""
    with transaction.atomic():
        change_set = (
            ChangeSet.objects.select_for_update()
            .filter(
                created_by=actor,
                rule__source=INLINE,
                state__in=[ChangeSet.State.DRAFT, ChangeSet.State.PREVIEWED],
            )
            .order_by("-id")
            .first()
        )
        if change_set is None:
            change_set = ChangeSet.objects.create(
                name="Edits on product pages",
                reason="Typed on the product page",
                created_by=actor,
                rule={"source": INLINE},
            )
        sku = edit.sku
        if edit.price is not None:
            ChangeRow.objects.update_or_create(
                change_set=change_set,
                sku=sku,
                field=ChangeRow.Field.PRICE,
                warehouse=None,
                defaults={
                    "shop_id": sku.shop_id,
                    "currency": sku.currency,
                    "old_price": sku.price,
                    "new_price": edit.price,
                    "old_list_price": sku.list_price,
                    "new_list_price": sku.list_price,
                    "warnings": [],
                },
            )
        if edit.quantity is not None and edit.warehouse is not None:
            level = Inventory.objects.filter(sku=sku, warehouse=edit.warehouse).first()
            ChangeRow.objects.update_or_create(
                change_set=change_set,
                sku=sku,
                field=ChangeRow.Field.STOCK,
                warehouse=edit.warehouse,
                defaults={
                    "shop_id": sku.shop_id,
                    "old_quantity": level.quantity if level else 0,
                    "new_quantity": edit.quantity,
                    "warnings": [],
                },
            )
        if change_set.state != ChangeSet.State.DRAFT:
            change_set.state = ChangeSet.State.DRAFT
            change_set.save(update_fields=["state"])
    return change_set


def change_set_create_restock(
    *,
    shop: Shop,
    warehouse_id: str,
    quantities: Mapping[str, int],
    actor: User | None,
    reason: str,
) -> ChangeSet:
    """A draft that adds these units (TikTok SKU id → units) to one warehouse of the shop."""
    warehouse = Warehouse.objects.filter(shop=shop, tiktok_id=warehouse_id).first()
    if warehouse is None:
        raise ChangeSetError(f"Warehouse {warehouse_id} is not one of {shop.name}'s.")
    if not quantities:
        raise ChangeSetError("No units to restock.")
    for sku_id, units in quantities.items():
        if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
            raise ChangeSetError(f"Units for SKU {sku_id} must be a positive whole number.")
    skus = {s.tiktok_id: s for s in Sku.objects.filter(shop=shop, tiktok_id__in=list(quantities))}
    unknown = sorted(set(quantities) - set(skus))
    if unknown:
        raise ChangeSetError(f"SKUs not in {shop.name}: {', '.join(unknown)}")
    levels = dict(
        Inventory.objects.filter(
            sku__in=[s.pk for s in skus.values()], warehouse=warehouse
        ).values_list("sku_id", "quantity")
    )
    edits = [
        RowEdit(
            sku=skus[sku_id],
            warehouse=warehouse,
            quantity=min(MAX_STOCK_QUANTITY, levels.get(skus[sku_id].pk, 0) + units),
        )
        for sku_id, units in quantities.items()
    ]
    return change_set_create_from_edits(
        name=f"Restock {warehouse.name or warehouse.tiktok_id}",
        reason=reason,
        actor=actor,
        edits=edits,
        rule={"restock": {"warehouse_id": warehouse_id, "units": dict(quantities)}},
    )


# --- preview ------------------------------------------------------------------------------------

WARNINGS: dict[str, str] = {
    "big_change": "Price changes by more than 50 %",
    "at_floor": "New price is at the floor",
    "at_ceiling": "New price is at the ceiling",
    "changed_since": "Changed on TikTok since the rows were chosen",
    "changed_since_export": "Changed on TikTok between the CSV export and its import",
    "overwrites_later_change": "Changed since it was applied: reverting overwrites that change",
    "not_live": "Product is deleted, frozen or not live (TikTok will refuse it)",
    "below_open_orders": "Stock goes below the units of open orders",
    "rounding_reversed": "Rounding reversed the change",
    "rounding_unchanged": "Rounding left the price unchanged",
    "at_or_above_list_price": "New price is at or above the list price",
    "price_locked": "Price locked: TikTok refused its last change (a promotion)",
    "stock_at_zero": "Stock would go below 0: set to 0",
    "stock_at_max": f"Stock capped at {MAX_STOCK_QUANTITY}",
    "invalid_price": "New price is 0 or less: the row is skipped",
    "no_change": "No change: the row is skipped",
    "other_warehouses": "Other warehouses of the SKU are re-sent with their current stock",
}
# Warnings that the rule already raised when the rows were made (kept by every preview).
RULE_WARNINGS = {
    "at_floor",
    "at_ceiling",
    "rounding_reversed",
    "rounding_unchanged",
    "stock_at_zero",
    "stock_at_max",
    "overwrites_later_change",
    "changed_since_export",
}
# Rows with these are not sent; the others only need acknowledging.
SKIPPING = {"invalid_price", "no_change"}


@dataclass
class Preview:
    """What the preview shows: counts by shop and by warning, and the warnings to acknowledge."""

    change_set: ChangeSet
    rows: int = 0
    by_shop: list[tuple[str, int]] = field(default_factory=list)
    by_warning: list[tuple[str, str, int]] = field(default_factory=list)
    excluded: int = 0

    @property
    def to_acknowledge(self) -> list[str]:
        return [code for code, _label, _n in self.by_warning if code not in SKIPPING]


# One JSON document of [id, warnings] pairs: psycopg quotes a single string at once, where
# two lists of 5,000 values went element by element in Python.
_SET_WARNINGS = """
    update catalog_changerow r set warnings = v.pair -> 1
      from jsonb_array_elements(%s::jsonb) v(pair)
     where r.id = (v.pair ->> 0)::bigint
"""


# TikTok's "price locked" and "price locked by ongoing promotion". Neither the API contract nor
# the mirror knows which products are in a promotion, so the preview warns from TikTok's own
# refusal of the last price change, while it is recent enough for the promotion to still run.
PRICE_LOCK_CODES = (12019045, 12052038)
PRICE_LOCK_RECENT = timedelta(days=14)


def _price_locked(rows: list[ChangeRow]) -> set[int]:
    """The SKUs (ids) among the price rows whose product's last price change TikTok refused as
    locked (the whole change, or that SKU in it), within PRICE_LOCK_RECENT. Two queries."""
    targets = {f"product:{r.sku.product.tiktok_id}" for r in rows}
    if not targets:
        return set()
    latest = {
        c["id"]: c
        for c in Command.objects.filter(
            kind=SET_PRICES,
            shop__in={r.shop_id for r in rows},
            target__in=list(targets),
            status__in=[
                Command.Status.SUCCEEDED,
                Command.Status.PARTLY_FAILED,
                Command.Status.FAILED,
            ],
            finished_at__gte=timezone.now() - PRICE_LOCK_RECENT,
        )
        .order_by("shop_id", "target", "-finished_at", "-id")
        .distinct("shop_id", "target")
        .values("id", "shop_id", "target", "error_code")
    }
    locked_products = {
        (c["shop_id"], c["target"]) for c in latest.values() if c["error_code"] in PRICE_LOCK_CODES
    }
    locked_skus = {
        (latest[command_id]["shop_id"], sku_tiktok_id)
        for command_id, sku_tiktok_id in CommandItem.objects.filter(
            command__in=list(latest), ok=False, code__in=PRICE_LOCK_CODES
        ).values_list("command_id", "item_id")
    }
    return {
        r.sku_id
        for r in rows
        if (r.shop_id, f"product:{r.sku.product.tiktok_id}") in locked_products
        or (r.shop_id, r.sku.tiktok_id) in locked_skus
    }


def change_set_preview(*, change_set: ChangeSet) -> Preview:
    """Compare every row with the mirror now, store its warnings, and count them (fixed queries)."""
    if not change_set.is_editable:
        raise ChangeSetError("Only a draft change set can be previewed.")
    rows = list(
        ChangeRow.objects.filter(change_set=change_set, excluded=False)
        .select_related("sku__product", "shop")
        # Only what the warnings read: the mirrored rows' raw JSON would dominate the time.
        .only(
            *[f.name for f in ChangeRow._meta.concrete_fields],
            "sku__price",
            "sku__tiktok_id",
            "sku__deleted_at",
            "sku__stock_total",
            "sku__product__status",
            "sku__product__tiktok_id",
            "sku__product__deleted_at",
            "shop__name",
        )
        .order_by("id")
    )
    stock_rows = [r for r in rows if r.field == ChangeRow.Field.STOCK]
    locked = _price_locked([r for r in rows if r.field == ChangeRow.Field.PRICE])
    current: dict[tuple[int, int], int] = {}
    warehouses_per_sku: Counter[int] = Counter()
    if stock_rows:
        for sku_id, warehouse_id, quantity in Inventory.objects.filter(
            sku__in={r.sku_id for r in stock_rows}
        ).values_list("sku_id", "warehouse_id", "quantity"):
            current[(sku_id, warehouse_id)] = quantity
            warehouses_per_sku[sku_id] += 1
    open_units: dict[int, int] = {}
    if stock_rows:
        open_units = dict(
            Sku.objects.filter(pk__in={r.sku_id for r in stock_rows})
            .annotate(
                units=Count(
                    "order_lines",
                    filter=Q(order_lines__order__status__in=OPEN_ORDER_STATUSES),
                )
            )
            .filter(units__gt=0)
            .values_list("pk", "units")
        )
    touched: Counter[int] = Counter(r.sku_id for r in stock_rows)
    new_totals: dict[int, int] = {}
    for r in stock_rows:
        assert r.warehouse_id is not None
        delta = (r.new_quantity or 0) - current.get((r.sku_id, r.warehouse_id), 0)
        new_totals[r.sku_id] = new_totals.get(r.sku_id, r.sku.stock_total) + delta
    changed: list[tuple[int, list[str]]] = []
    by_shop: Counter[str] = Counter()
    by_warning: Counter[str] = Counter()
    for r in rows:
        sku, product = r.sku, r.sku.product
        warnings = [w for w in r.warnings if w in RULE_WARNINGS]
        if product.is_deleted or product.status != Product.Status.ACTIVATE or sku.deleted_at:
            warnings.append("not_live")
        if r.field == ChangeRow.Field.PRICE:
            old, new = r.old_price, r.new_price
            if sku.price != old:
                warnings.append("changed_since")
            if new is None or new <= 0:
                warnings.append("invalid_price")
            elif old is not None and new == old and r.new_list_price == r.old_list_price:
                warnings.append("no_change")
            elif old and abs(new - old) > old / 2:
                warnings.append("big_change")
            if new is not None and r.new_list_price is not None and new >= r.new_list_price:
                warnings.append("at_or_above_list_price")
            if r.sku_id in locked:
                warnings.append("price_locked")
        else:
            assert r.warehouse_id is not None
            now = current.get((r.sku_id, r.warehouse_id))
            if now != r.old_quantity:
                warnings.append("changed_since")
            if r.new_quantity == r.old_quantity:
                warnings.append("no_change")
            elif (r.new_quantity or 0) < (r.old_quantity or 0) and new_totals.get(
                r.sku_id, 0
            ) < open_units.get(r.sku_id, 0):
                warnings.append("below_open_orders")
            if warehouses_per_sku[r.sku_id] > touched[r.sku_id]:
                warnings.append("other_warehouses")
        warnings = sorted(set(warnings))
        by_shop[r.shop.name] += 1
        by_warning.update(warnings)
        if warnings != r.warnings:
            changed.append((r.pk, warnings))
    with transaction.atomic():
        if changed:
            with connection.cursor() as cursor:
                cursor.execute(_SET_WARNINGS, [json.dumps(changed)])
        ChangeSet.objects.filter(pk=change_set.pk).update(
            state=ChangeSet.State.PREVIEWED, previewed_at=timezone.now(), acknowledged=[]
        )
    change_set.state = ChangeSet.State.PREVIEWED
    return Preview(
        change_set=change_set,
        rows=len(rows),
        by_shop=sorted(by_shop.items()),
        by_warning=[
            (code, WARNINGS[code], by_warning[code]) for code in WARNINGS if by_warning[code]
        ],
    )


def change_set_counts(*, change_set: ChangeSet) -> Preview:
    """The stored preview's counts (by shop and warning), without recomputing it."""
    rows = ChangeRow.objects.filter(change_set=change_set, excluded=False)
    by_shop = list(rows.values_list("shop__name").annotate(n=Count("pk")).order_by("shop__name"))
    with connection.cursor() as cursor:
        cursor.execute(
            "select w, count(*) from catalog_changerow, jsonb_array_elements_text(warnings) w "
            "where change_set_id = %s and not excluded group by w",
            [change_set.pk],
        )
        by_warning = dict(cursor.fetchall())
    return Preview(
        change_set=change_set,
        rows=sum(n for _s, n in by_shop),
        by_shop=[(s, n) for s, n in by_shop],
        by_warning=[(c, WARNINGS[c], by_warning[c]) for c in WARNINGS if by_warning.get(c)],
        excluded=ChangeRow.objects.filter(change_set=change_set, excluded=True).count(),
    )


def change_row_exclude(*, change_set: ChangeSet, row_ids: Iterable[int], excluded: bool) -> int:
    """Leave rows out of (or put them back in) a draft; its preview must be made again."""
    if not change_set.is_editable:
        raise ChangeSetError("Rows can only be excluded before the change set is applied.")
    with transaction.atomic():
        n = ChangeRow.objects.filter(change_set=change_set, pk__in=list(row_ids)).update(
            excluded=excluded
        )
        ChangeSet.objects.filter(pk=change_set.pk).update(state=ChangeSet.State.DRAFT)
    change_set.state = ChangeSet.State.DRAFT
    return n


# --- apply --------------------------------------------------------------------------------------


def change_set_apply(
    *,
    change_set: ChangeSet,
    actor: User | None,
    acknowledged: Iterable[str] = (),
    failed_only: bool = False,
    error: str | None = None,
) -> int:
    """Send the previewed rows: one command per product and kind; return how many commands.

    `failed_only` sends again just the rows TikTok refused (after the set was applied), or of
    those only the ones refused with `error`.
    """
    with transaction.atomic():
        change_set = ChangeSet.objects.select_for_update().get(pk=change_set.pk)
        if failed_only:
            if change_set.state not in (ChangeSet.State.PARTLY_APPLIED, ChangeSet.State.FAILED):
                raise ChangeSetError(
                    "Only a partly applied or failed change set has rows to retry."
                )
            chosen = change_set.rows.filter(excluded=False, outcome=ChangeRow.Outcome.FAILED)
            if error is not None:
                chosen = chosen.filter(message=error)
            if not chosen.exists():
                raise ChangeSetError("No failed row matches: nothing to send again.")
        else:
            if change_set.state != ChangeSet.State.PREVIEWED:
                raise ChangeSetError("Preview the change set before applying it.")
            preview = change_set_counts(change_set=change_set)
            missing = [c for c in preview.to_acknowledge if c not in set(acknowledged)]
            if missing:
                raise ChangeSetError(
                    "Acknowledge every warning first: " + "; ".join(WARNINGS[c] for c in missing),
                    field="acknowledged",
                )
            change_set.acknowledged = sorted(set(acknowledged))
            chosen = change_set.rows.filter(excluded=False, outcome=ChangeRow.Outcome.PENDING)
        rows = list(
            chosen.select_related("sku__product", "warehouse")
            # The mirrored rows' raw JSON is not needed to make a command, and is the bulk.
            .defer("sku__raw", "sku__product__raw", "warehouse__raw")
            .order_by("id")
        )
        skipped = [r for r in rows if SKIPPING & set(r.warnings)]
        for r in skipped:
            r.outcome = ChangeRow.Outcome.SKIPPED
            r.message = "; ".join(WARNINGS[w] for w in r.warnings if w in SKIPPING)
        ChangeRow.objects.bulk_update(skipped, ["outcome", "message"], batch_size=1000)
        groups: dict[tuple[int, str], list[ChangeRow]] = defaultdict(list)
        for r in rows:
            if r.outcome != ChangeRow.Outcome.SKIPPED:
                groups[(r.sku.product_id, r.field)].append(r)
        commands, carried = _commands_for(groups, actor, f"{change_set.name}: {change_set.reason}")
        made = commands_create(commands=commands, enqueue=False)
        pairs = [(r.pk, c.pk) for c, group in zip(made, carried, strict=True) for r in group]
        with connection.cursor() as cursor:
            cursor.execute(
                _SET_COMMANDS,
                [",".join(str(r) for r, _c in pairs), ",".join(str(c) for _r, c in pairs)],
            )
        change_set.state = ChangeSet.State.APPLYING
        change_set.applied_at = timezone.now()
        change_set.applied_by = actor if actor is not None and actor.is_authenticated else None
        change_set.save(update_fields=["state", "applied_at", "applied_by", "acknowledged"])
        for shop_id in sorted({c.shop_id for c in made}):
            enqueue_after_commit("shops.tasks.commands_work", shop_id, group=f"commands-{shop_id}")
    change_sets_settle(ids={change_set.pk})  # nothing sent (all skipped) settles at once
    return len(made)


# The ids go as two comma-separated strings: psycopg quotes a list of 1,000 ints element by
# element in Python, a string at once.
_SET_COMMANDS = """
    update catalog_changerow r set command_id = v.command_id, outcome = 'sent', message = ''
      from (select unnest(string_to_array(%s, ',')::bigint[]) id,
                   unnest(string_to_array(%s, ',')::bigint[]) command_id) v
     where r.id = v.id
"""


def _commands_for(
    groups: Mapping[tuple[int, str], list[ChangeRow]], actor: User | None, reason: str
) -> tuple[list[Command], list[list[ChangeRow]]]:
    """One unsaved command per product and kind with the rows it carries; unsendable: skipped."""
    # No query per product: the SKUs come with the rows, the mirrored stock in one query.
    current = stock_levels(
        r.sku_id for (_p, kind), group in groups.items() if kind == "stock" for r in group
    )
    commands: list[Command] = []
    carried: list[list[ChangeRow]] = []
    for (_product_id, kind), group in groups.items():
        product = group[0].sku.product
        skus = {r.sku.tiktok_id: r.sku for r in group}
        try:
            if kind == ChangeRow.Field.PRICE:
                command = prices_command(
                    product=product,
                    skus=skus,
                    prices={r.sku.tiktok_id: r.new_price for r in group if r.new_price},
                    list_prices={
                        r.sku.tiktok_id: r.new_list_price
                        for r in group
                        if r.new_list_price != r.old_list_price  # None removes it
                    },
                    actor=actor,
                    reason=reason,
                )
            else:
                stock: dict[str, dict[str, int]] = defaultdict(dict)
                for r in group:
                    assert r.warehouse is not None and r.new_quantity is not None
                    stock[r.sku.tiktok_id][r.warehouse.tiktok_id] = r.new_quantity
                command = stock_command(
                    product=product,
                    skus=skus,
                    stock=stock,
                    current=current,
                    actor=actor,
                    reason=reason,
                )
        except CatalogCommandError as error:
            ChangeRow.objects.filter(pk__in=[r.pk for r in group]).update(
                outcome=ChangeRow.Outcome.SKIPPED, message=str(error)[:2000]
            )
            continue
        commands.append(command)
        carried.append(group)
    return commands, carried


@dataclass(frozen=True)
class Progress:
    """How far an apply is: rows by outcome."""

    total: int
    pending: int
    sent: int
    applied: int
    failed: int
    skipped: int

    @property
    def done(self) -> int:
        return self.applied + self.failed + self.skipped

    @property
    def waiting(self) -> int:
        return self.pending + self.sent

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100


def change_set_progress(*, change_set: ChangeSet) -> Progress:
    """Rows by outcome, in one query."""
    counts = ChangeRow.objects.filter(change_set=change_set, excluded=False).aggregate(
        total=Count("pk"),
        **{o: Count("pk", filter=Q(outcome=o)) for o in ChangeRow.Outcome.values},
    )
    return Progress(**counts)


def change_set_failures(*, change_set: ChangeSet) -> list[tuple[str, int]]:
    """The rows TikTok refused, grouped by its error: (message, rows), most rows first."""
    return list(
        change_set.rows.filter(excluded=False, outcome=ChangeRow.Outcome.FAILED)
        .values_list("message")
        .annotate(n=Count("pk"))
        .order_by("-n", "message")
    )


# --- revert -------------------------------------------------------------------------------------


def change_set_revert(
    *, change_set: ChangeSet, actor: User | None, exact_stock: bool = False
) -> ChangeSet:
    """A draft restoring every applied row's old value (stock: undo the change, or exactly)."""
    if change_set.state not in (ChangeSet.State.APPLIED, ChangeSet.State.PARTLY_APPLIED):
        raise ChangeSetError("Only an applied change set can be reverted.")
    applied = list(
        change_set.rows.filter(outcome=ChangeRow.Outcome.APPLIED).select_related("sku", "warehouse")
    )
    if not applied:
        raise ChangeSetError("No row of this change set was applied.")
    levels: dict[tuple[int, int | None], int] = {
        (i.sku_id, i.warehouse_id): i.quantity
        for i in Inventory.objects.filter(
            sku__in={r.sku_id for r in applied if r.field == ChangeRow.Field.STOCK}
        )
    }
    rows = []
    for r in applied:
        if r.field == ChangeRow.Field.PRICE:
            warnings = ["overwrites_later_change"] if r.sku.price != r.new_price else []
            rows.append(
                ChangeRow(
                    shop_id=r.shop_id,
                    sku=r.sku,
                    field=r.field,
                    currency=r.currency,
                    old_price=r.sku.price,
                    new_price=r.old_price,
                    old_list_price=r.sku.list_price,
                    new_list_price=r.old_list_price,
                    warnings=warnings,
                )
            )
        else:
            now = levels.get((r.sku_id, r.warehouse_id), 0)
            warnings = ["overwrites_later_change"] if now != r.new_quantity else []
            if exact_stock:
                target = r.old_quantity or 0
            else:
                target = now - ((r.new_quantity or 0) - (r.old_quantity or 0))
            rows.append(
                ChangeRow(
                    shop_id=r.shop_id,
                    sku=r.sku,
                    warehouse=r.warehouse,
                    field=r.field,
                    old_quantity=now,
                    new_quantity=min(MAX_STOCK_QUANTITY, max(0, target)),
                    warnings=warnings + (["stock_at_zero"] if target < 0 else []),
                )
            )
    return _create(
        name=f"Revert {change_set.name}"[:200],
        reason=f"Revert of change set #{change_set.pk}",
        actor=actor,
        rows=rows,
        rule={"revert": change_set.pk, "exact_stock": exact_stock},
        reverts=change_set,
    )
