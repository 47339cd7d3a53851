"""The change-set CSV: export prices and stock per SKU and warehouse, import them back checked.

One line per SKU and warehouse (a SKU without stock rows gets one line with an empty
warehouse). Blank `new_price` / `new_stock` cells mean no change. Import checks the whole file
and reports each problem with its line and column; nothing is created until every line is valid.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Prefetch, QuerySet

from catalog.models import ChangeRow, ChangeSet, Inventory, Product, Sku, Warehouse
from catalog.services import RowEdit
from shops.listing import spreadsheet_safe
from tiktok.types import MAX_STOCK_QUANTITY

COLUMNS = [
    "shop",
    "product_id",
    "title",
    "sku_id",
    "seller_sku",
    "warehouse_id",
    "warehouse",
    "currency",
    "price",
    "new_price",
    "stock",
    "new_stock",
]
REQUIRED = ["sku_id", "warehouse_id", "price", "new_price", "stock", "new_stock"]
MAX_BYTES = 5_000_000
MAX_LINES = 50_000
MAX_CELL = 500
ID = re.compile(r"^\d{1,32}$")
MANGLED_ID = re.compile(r"^\d+(\.\d+)?[eE]\+?\d+$")
FORMULA = ("=", "+", "@", "\t", "\r")


def export_lines(products: QuerySet[Product]) -> Iterator[str]:
    """The CSV text, line by line, UTF-8 with a BOM so spreadsheets read it as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out)

    def flush() -> str:
        text = out.getvalue()
        out.seek(0)
        out.truncate()
        return text

    writer.writerow(COLUMNS)
    yield "\ufeff" + flush()
    skus = (
        Sku.objects.filter(product__in=products.values("pk"), deleted_at__isnull=True)
        .select_related("product", "shop")
        .prefetch_related(
            Prefetch(
                "inventory",
                queryset=Inventory.objects.select_related("warehouse").order_by("warehouse_id"),
            )
        )
        .order_by("product_id", "seller_sku", "id")
    )
    for sku in skus.iterator(chunk_size=1000):
        levels: list[Inventory | None] = [*sku.inventory.all()] or [None]
        for level in levels:
            cells: list[Any] = [
                sku.shop.name,
                sku.product.tiktok_id,
                sku.product.title,
                sku.tiktok_id,
                sku.seller_sku,
                level.warehouse.tiktok_id if level else "",
                level.warehouse.name if level else "",
                sku.currency,
                sku.price if sku.price is not None else "",
                "",
                level.quantity if level else "",
                "",
            ]
            writer.writerow([spreadsheet_safe(c) for c in cells])
            yield flush()


def failure_lines(change_set: ChangeSet) -> Iterator[str]:
    """The rows TikTok refused, as lines to import again, each with TikTok's error at the end.

    `price` and `stock` hold what the mirror has now; `new_price` / `new_stock` what was asked.
    """
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*COLUMNS, "error"])
    yield "\ufeff" + out.getvalue()
    rows = list(
        change_set.rows.filter(excluded=False, outcome=ChangeRow.Outcome.FAILED)
        .select_related("sku__product", "shop", "warehouse")
        .defer("sku__raw", "sku__product__raw", "warehouse__raw")
        .order_by("sku__product_id", "sku__seller_sku", "id")
    )
    levels: dict[tuple[int, int | None], int] = {
        (i.sku_id, i.warehouse_id): i.quantity
        for i in Inventory.objects.filter(sku__in={r.sku_id for r in rows if r.warehouse_id})
    }
    for r in rows:
        out.seek(0)
        out.truncate()
        stock = r.field == ChangeRow.Field.STOCK and r.warehouse is not None
        cells: list[Any] = [
            r.shop.name,
            r.sku.product.tiktok_id,
            r.sku.product.title,
            r.sku.tiktok_id,
            r.sku.seller_sku,
            r.warehouse.tiktok_id if stock and r.warehouse else "",
            r.warehouse.name if stock and r.warehouse else "",
            r.sku.currency,
            "" if stock or r.sku.price is None else r.sku.price,
            "" if stock else r.new_price,
            levels.get((r.sku_id, r.warehouse_id), "") if stock else "",
            r.new_quantity if stock else "",
            r.message,
        ]
        writer.writerow([spreadsheet_safe(c) for c in cells])
        yield out.getvalue()


@dataclass(frozen=True)
class LineError:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"Line {self.line}, column {self.column}: {self.message}"


@dataclass
class Imported:
    edits: list[RowEdit]
    errors: list[LineError]
    stale: int = 0  # lines whose current value changed since the export


def import_file(data: bytes, *, visible_skus: QuerySet[Sku]) -> Imported:
    """Every problem in the file (line, column, why), or the edits it asks for."""
    errors: list[LineError] = []
    if len(data) > MAX_BYTES:
        return Imported([], [LineError(0, "-", f"The file is over {MAX_BYTES // 1_000_000} MB.")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return Imported([], [LineError(line, "-", "The file is not UTF-8 (save it as CSV UTF-8).")])
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return Imported([], [LineError(line, "-", "The file contains a NUL byte.")])
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as error:
        return Imported([], [LineError(0, "-", f"Not a CSV file: {error}")])
    if not rows:
        return Imported([], [LineError(1, "-", "The file is empty.")])
    header = [h.strip() for h in rows[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        return Imported(
            [], [LineError(1, ", ".join(missing), "Missing column (export a file to start from).")]
        )
    if len(rows) > MAX_LINES + 1:
        return Imported([], [LineError(MAX_LINES + 2, "-", f"More than {MAX_LINES} lines.")])
    at = {name: header.index(name) for name in REQUIRED}
    parsed: list[tuple[int, str, str, Decimal | None, int | None, str, str]] = []
    seen: dict[tuple[str, str], int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue

        def cell(name: str, row: list[str] = row) -> str:
            i = at[name]
            return row[i].strip() if i < len(row) else ""

        bad = False
        for name in REQUIRED:
            value = cell(name)
            if len(value) > MAX_CELL:
                errors.append(LineError(number, name, "The cell is too long."))
                bad = True
            elif value.startswith(FORMULA):
                errors.append(LineError(number, name, "A formula is not a value."))
                bad = True
        if bad:
            continue
        sku_id, warehouse_id = cell("sku_id"), cell("warehouse_id")
        for name, value in (("sku_id", sku_id), ("warehouse_id", warehouse_id)):
            if name == "warehouse_id" and value == "":
                continue
            if MANGLED_ID.match(value):
                errors.append(
                    LineError(number, name, f"{value} is an id a spreadsheet turned into a number.")
                )
                bad = True
            elif not ID.match(value):
                errors.append(LineError(number, name, "An id is digits only."))
                bad = True
        new_price = _price(cell("new_price"), number, errors)
        new_stock = _stock(cell("new_stock"), number, errors)
        if new_price is _BAD or new_stock is _BAD or bad:
            continue
        key = (sku_id, warehouse_id)
        if key in seen:
            errors.append(
                LineError(number, "sku_id", f"Same SKU and warehouse as line {seen[key]}.")
            )
            continue
        seen[key] = number
        if new_stock is not None and not warehouse_id:
            errors.append(LineError(number, "warehouse_id", "New stock needs a warehouse."))
            continue
        parsed.append(
            (number, sku_id, warehouse_id, new_price, new_stock, cell("price"), cell("stock"))
        )
    wanted = [p for p in parsed if p[3] is not None or p[4] is not None]
    skus = {
        s.tiktok_id: s
        for s in visible_skus.filter(tiktok_id__in={p[1] for p in wanted}).select_related("product")
    }
    warehouses = {
        (w.shop_id, w.tiktok_id): w
        for w in Warehouse.objects.filter(tiktok_id__in={p[2] for p in wanted if p[2]})
    }
    levels = {
        (i.sku_id, i.warehouse_id): i.quantity
        for i in Inventory.objects.filter(sku__in=[s.pk for s in skus.values()])
    }
    edits: list[RowEdit] = []
    prices: dict[str, tuple[int, Decimal]] = {}
    stale = 0
    for number, sku_id, warehouse_id, new_price, new_stock, old_price, old_stock in wanted:
        sku = skus.get(sku_id)
        if sku is None:
            errors.append(
                LineError(number, "sku_id", "Unknown SKU (or of a shop you may not see).")
            )
            continue
        warehouse = warehouses.get((sku.shop_id, warehouse_id)) if warehouse_id else None
        if warehouse_id and warehouse is None:
            errors.append(LineError(number, "warehouse_id", "Not a warehouse of this SKU's shop."))
            continue
        if new_price is not None:
            if sku_id in prices and prices[sku_id][1] != new_price:
                errors.append(
                    LineError(
                        number,
                        "new_price",
                        f"Another new price for this SKU on line {prices[sku_id][0]}.",
                    )
                )
                continue
            if sku_id not in prices:
                prices[sku_id] = (number, new_price)
                moved = old_price != "" and _same_price(old_price, sku.price) is False
                edits.append(RowEdit(sku=sku, price=new_price, warnings=_stale(moved)))
                stale += moved
        if new_stock is not None and warehouse is not None:
            now = levels.get((sku.pk, warehouse.pk))
            moved = old_stock.isdigit() and now is not None and int(old_stock) != now
            edits.append(
                RowEdit(sku=sku, warehouse=warehouse, quantity=new_stock, warnings=_stale(moved))
            )
            stale += moved
    if not errors and not edits:
        errors.append(LineError(0, "new_price, new_stock", "No line has a new value."))
    return Imported(edits if not errors else [], errors, stale)


_BAD: Any = object()


def _stale(moved: bool) -> tuple[str, ...]:
    """The row's warning when the file's current value is not the mirror's any more."""
    return ("changed_since_export",) if moved else ()


def _same_price(text: str, price: Decimal | None) -> bool | None:
    try:
        return Decimal(text) == price
    except InvalidOperation:
        return None


def _price(value: str, number: int, errors: list[LineError]) -> Decimal | None:
    if value == "":
        return None
    try:
        price = Decimal(value)
    except InvalidOperation:
        errors.append(LineError(number, "new_price", "Not a number."))
        return _BAD
    exponent = price.as_tuple().exponent
    if not price.is_finite() or not isinstance(exponent, int):
        errors.append(LineError(number, "new_price", "Not a number."))
        return _BAD
    if price <= 0:
        errors.append(LineError(number, "new_price", "A price must be above 0."))
        return _BAD
    if exponent < -2 or price >= Decimal("1000000000"):
        errors.append(LineError(number, "new_price", "At most 2 decimals and 9 digits."))
        return _BAD
    return price


def _stock(value: str, number: int, errors: list[LineError]) -> int | None:
    if value == "":
        return None
    if not value.isascii() or not value.lstrip("-").isdigit():
        errors.append(LineError(number, "new_stock", "Not a whole number."))
        return _BAD
    quantity = int(value)
    if not 0 <= quantity <= MAX_STOCK_QUANTITY:
        errors.append(LineError(number, "new_stock", f"Stock is 0 to {MAX_STOCK_QUANTITY}."))
        return _BAD
    return quantity
