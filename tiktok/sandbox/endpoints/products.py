"""Products: search, detail, prices, inventory, activation and inventory search."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..app import Ctx, api
from ..data import Product, Shop, Sku
from ..pagination import filter_hash
from ..state import SandboxError, decimal_or_none
from ..views import product_summary, product_view

PRODUCT_STATUSES = (
    "ALL",
    "DRAFT",
    "PENDING",
    "FAILED",
    "ACTIVATE",
    "SELLER_DEACTIVATED",
    "PLATFORM_DEACTIVATED",
    "FREEZE",
    "DELETED",
)
MAX_PRODUCT_IDS = 20
AUDIT_STATUSES = ("NONE", "AUDITING", "FAILED", "PRE_APPROVED", "APPROVED")
SEARCH_CAP = 10000


def find_product(ctx: Ctx, shop: Shop, product_id: str) -> Product:
    """A product of this shop, or the contract's not-found / not-yours error."""
    product = shop.products.get(product_id)
    if product is not None:
        return product
    if any(product_id in s.products for s in ctx.store.world.shops):
        raise SandboxError(12052048, "The product does not belong to this shop.")
    raise SandboxError(12052032, "The product does not exist.")


@api(
    "POST",
    "/product/{v}/products/search",
    versions=("202309", "202312", "202502"),
    scope="seller.product.basic",
)
def search_products(ctx: Ctx) -> dict[str, Any]:
    """Search Products: newest first, keyset on (create_time, id), filters in the body."""
    shop = ctx.require_shop()
    size = ctx.page_size(1, 100)
    body = ctx.body
    # 202502 moved `category_version` from the query into the body
    if ctx.version >= "202502" and "category_version" in ctx.q:
        raise SandboxError(
            36009004,
            "Invalid parameter. `category_version` is a body field in this version.",
        )
    version_field = (
        body.get("category_version") if ctx.version >= "202502" else ctx.q.get("category_version")
    )
    if version_field not in (None, "", "v1", "v2"):
        raise SandboxError(36009004, "Invalid parameter. `category_version` must be v1 or v2.")
    audit = body.get("audit_status") if ctx.version >= "202502" else None
    if audit is not None and (
        not isinstance(audit, list) or any(a not in AUDIT_STATUSES for a in audit)
    ):
        raise SandboxError(
            36009004, f"Invalid parameter. `audit_status` values: {', '.join(AUDIT_STATUSES)}."
        )
    status = body.get("status") or "ALL"
    if status not in PRODUCT_STATUSES:
        raise SandboxError(36009004, f"Invalid parameter. Unknown product `status` {status!r}.")
    seller_skus = set(
        ctx.str_list(
            "seller_skus", 10, 12019027, "The number of seller_skus exceeds the limit of 10."
        )
    )
    sku_ids = set(
        ctx.str_list("sku_ids", 10, 12019087, "The number of sku_ids exceeds the limit of 10.")
    )
    bounds: dict[str, int | None] = {}
    for name in ("create_time_ge", "create_time_le", "update_time_ge", "update_time_le"):
        bounds[name] = ctx.int_field(body, name)
    for ge, le, code in (
        ("create_time_ge", "create_time_le", 12019118),
        ("update_time_ge", "update_time_le", 12019119),
    ):
        lower, upper = bounds[ge], bounds[le]
        if lower is not None and upper is not None and lower > upper:
            raise SandboxError(code, f"Invalid time filter: `{ge}` is later than `{le}`.")

    def keep(p: Product) -> bool:
        if status != "ALL" and p.status != status:
            return False
        if audit and ("APPROVED" if p.status == "ACTIVATE" else "NONE") not in audit:
            return False
        if seller_skus and not any(s.seller_sku in seller_skus for s in p.skus):
            return False
        if sku_ids and not any(s.id in sku_ids for s in p.skus):
            return False
        for field, value in (("create_time", p.create_time), ("update_time", p.update_time)):
            lo, hi = bounds[f"{field}_ge"], bounds[f"{field}_le"]
            if (lo is not None and value < lo) or (hi is not None and value > hi):
                return False
        return True

    fingerprint = filter_hash(
        [status, sorted(seller_skus), sorted(sku_ids), bounds, sorted(audit or []), shop.no]
    )
    after, total = ctx.cursor(fingerprint)
    # creation time never changes, so a walk is stable while prices and stock change
    ordered = sorted(
        (p for p in shop.products.values() if keep(p)),
        key=lambda p: (p.create_time, p.id),
        reverse=True,
    )
    if total is None:
        total = len(ordered)
    start = 0
    if after is not None:
        key = tuple(after)
        start = next(
            (n for n, p in enumerate(ordered) if (p.create_time, p.id) < key), len(ordered)
        )
    if start >= SEARCH_CAP:
        raise SandboxError(
            12052180, "Search results are capped at 10000 products; narrow the filters."
        )
    page = ordered[start : start + size]
    more = start + size < len(ordered)
    token = (
        ctx.next_token((page[-1].create_time, page[-1].id), total, fingerprint, more)
        if page
        else ""
    )
    return {
        "products": [product_summary(p, shop.currency) for p in page],
        "next_page_token": token,
        "total_count": total,
    }


@api("GET", "/product/{v}/products/{product_id}", scope="seller.product.basic")
def get_product(ctx: Ctx) -> dict[str, Any]:
    """Get Product: the full product with SKUs, prices and per-warehouse stock."""
    shop = ctx.require_shop()
    product = find_product(ctx, shop, ctx.params["product_id"])
    if product.status in ("FREEZE", "DELETED"):
        raise SandboxError(12052901, "The product status does not allow this operation.")
    return product_view(product, shop)


def _sku_list(ctx: Ctx, product: Product) -> list[tuple[dict[str, Any], Sku]]:
    entries = ctx.body.get("skus")
    if not isinstance(entries, list) or not entries:
        raise SandboxError(36009004, "Invalid parameter. The `skus` field is required.")
    by_id = {s.id: s for s in product.skus}
    seen: set[str] = set()
    result = []
    for entry in entries:
        if not isinstance(entry, dict) or not entry.get("id"):
            raise SandboxError(36009004, "Invalid parameter. The `skus[].id` field is required.")
        sku_id = str(entry["id"])
        if sku_id in seen:
            raise SandboxError(12052553, f"Duplicate SKU id {sku_id}.")
        seen.add(sku_id)
        sku = by_id.get(sku_id)
        if sku is None:
            raise SandboxError(
                12052557, f"The SKU {sku_id} does not belong to product {product.id}."
            )
        result.append((entry, sku))
    return result


@api("POST", "/product/{v}/products/{product_id}/prices/update", scope="seller.product.write")
def update_prices(ctx: Ctx) -> dict[str, Any]:
    """Update Price: absolute prices per SKU; the product's update_time moves."""
    shop = ctx.require_shop()
    product = find_product(ctx, shop, ctx.params["product_id"])
    entries = _sku_list(ctx, product)
    if product.status != "ACTIVATE":
        raise SandboxError(12052901, "The product status does not allow this operation.")
    if product.promotion_until > ctx.store.now():
        raise SandboxError(12052038, "The price is locked by an ongoing promotion.")
    changes: list[tuple[Sku, Decimal, Decimal | None, bool]] = []
    for entry, sku in entries:
        price = entry.get("price")
        if not isinstance(price, dict) or not price.get("currency"):
            raise SandboxError(36009004, "Invalid parameter. `skus[].price.currency` is required.")
        if price["currency"] != shop.currency:
            raise SandboxError(
                12052012, f"Incorrect price format: the currency must be {shop.currency}."
            )
        # local sellers send `amount`, cross-border sellers `sale_price`; either is accepted
        raw = price.get("amount", price.get("sale_price"))
        value = decimal_or_none(raw) if raw is not None else None
        if value is None or value <= 0:
            raise SandboxError(12052073, "Invalid product price.")
        list_value: Decimal | None = None
        clear = False
        if isinstance(entry.get("list_price"), dict):
            parsed = decimal_or_none(entry["list_price"].get("amount"))
            # A list price of 0 removes it (UNVERIFIED: the contract documents no way to clear
            # one; this is what the product sends, see tiktok.types.PriceUpdate).
            clear = parsed == 0
            list_value = None if clear else parsed
            if list_value is None and not clear:
                raise SandboxError(12052012, "Incorrect price format for `list_price`.")
        changes.append((sku, value, list_value, clear))
    for sku, value, list_value, clear in changes:
        before = str(sku.price)
        sku.price = value
        if clear:
            sku.list_price = None
        elif list_value is not None:
            sku.list_price = list_value
        ctx.store.record(
            "price_update",
            shop,
            product_id=product.id,
            sku_id=sku.id,
            before=before,
            after=str(value),
            request_id=ctx.request_id,
        )
    ctx.store.touch_product(product)
    return {}


@api("POST", "/product/{v}/products/{product_id}/inventory/update", scope="seller.product.write")
def update_inventory(ctx: Ctx) -> dict[str, Any]:
    """Update Inventory: absolute quantities; per-SKU problems come back in `errors`."""
    shop = ctx.require_shop()
    product = find_product(ctx, shop, ctx.params["product_id"])
    entries = _sku_list(ctx, product)
    own = {w.id for w in shop.sales_warehouses}
    elsewhere = {w.id for s in ctx.store.world.shops if s is not shop for w in s.warehouses}
    errors: list[dict[str, Any]] = []
    changed = False
    for entry, sku in entries:
        rows = entry.get("inventory")
        if not isinstance(rows, list) or not rows:
            raise SandboxError(
                36009004, "Invalid parameter. The `skus[].inventory` field is required."
            )
        extra_errors: list[dict[str, Any]] = []
        skipped = False  # the SKU already has its error
        updates: dict[str, int] = {}
        for row in rows:
            wid = str(row.get("warehouse_id") or "") if isinstance(row, dict) else ""
            qty = row.get("quantity") if isinstance(row, dict) else None
            if not wid:
                if len(sku.inventory) > 1:
                    errors.append(
                        _sku_error(
                            sku,
                            12019028,
                            "The SKU has multiple warehouses: include every warehouse ID.",
                        )
                    )
                    skipped = True
                    break
                wid = next(iter(sku.inventory))
            if wid in elsewhere:
                extra_errors.append(
                    {
                        "code": 12052530,
                        "message": "The warehouse does not belong to this shop.",
                        "warehouse_id": wid,
                    }
                )
                continue
            if wid not in own:
                extra_errors.append(
                    {
                        "code": 12052097,
                        "message": "The warehouse does not exist.",
                        "warehouse_id": wid,
                    }
                )
                continue
            # UNVERIFIED whether 0 is allowed (the range says 1-99999); zeroing stock is accepted
            if isinstance(qty, bool) or not isinstance(qty, int) or not 0 <= qty <= 99999:
                extra_errors.append(
                    {"code": 12019024, "message": "Invalid stock count.", "warehouse_id": wid}
                )
                continue
            updates[wid] = qty
        if skipped:
            continue
        if extra_errors:
            errors.append(_sku_error(sku, 12052990, "Check failed", extra_errors))
            continue
        if len(sku.inventory) > 1 and not set(sku.inventory) <= set(updates):
            errors.append(
                _sku_error(
                    sku, 12019028, "The SKU has multiple warehouses: include every warehouse ID."
                )
            )
            continue
        for wid, qty in updates.items():
            before = sku.inventory.get(wid)
            sku.inventory[wid] = qty
            ctx.store.record(
                "inventory_update",
                shop,
                product_id=product.id,
                sku_id=sku.id,
                warehouse_id=wid,
                before=before,
                after=qty,
                request_id=ctx.request_id,
            )
            if before != qty:
                ctx.store.emit_inventory(shop, sku, wid, "SELLER_UPDATE")
        changed = True
    if changed:
        ctx.store.touch_product(product)
    return {"errors": errors}


def _sku_error(
    sku: Sku, code: int, message: str, extra: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "detail": {"sku_id": sku.id, "extra_errors": extra or []},
    }


def _toggle(ctx: Ctx, allowed_from: tuple[str, ...], target: str) -> dict[str, Any]:
    shop = ctx.require_shop()
    ids = ctx.str_list(
        "product_ids",
        MAX_PRODUCT_IDS,
        12019120,
        "The number of product IDs exceeds the limit of 20.",
    )
    if not ids:
        raise SandboxError(36009004, "Invalid parameter. The `product_ids` field is required.")
    errors = []
    for product_id in ids:
        product = shop.products.get(product_id)
        if product is None:
            errors.append(
                {
                    "code": 12019150,
                    "message": "The product ID does not exist.",
                    "detail": {"product_id": product_id, "extra_errors": []},
                }
            )
            continue
        if product.status not in allowed_from:
            errors.append(
                {
                    "code": 12052901,
                    "message": "The product status does not allow this operation.",
                    "detail": {"product_id": product_id, "extra_errors": []},
                }
            )
            continue
        product.status = target
        ctx.store.touch_product(product)
        ctx.store.record(
            "product_status", shop, product_id=product_id, status=target, request_id=ctx.request_id
        )
        ctx.store.emit(
            shop,
            5,
            {
                "product_id": int(product_id),
                "status": "PRODUCT_STATUS_CHANGED",
                "suspended_reason": "",
                "update_time": product.update_time,
            },
        )
        for sku in product.skus:
            # SKU status change (UNVERIFIED fields): a product's SKUs follow it on and off sale
            ctx.store.emit(
                shop,
                50,
                {
                    "product_id": product_id,
                    "sku_id": sku.id,
                    "sku_status": "NORMAL" if target == "ACTIVATE" else "DEACTIVATED",
                    "update_time": product.update_time,
                },
            )
    return {"errors": errors}


@api("POST", "/product/{v}/products/activate", scope="seller.product.write")
def activate_products(ctx: Ctx) -> dict[str, Any]:
    """Activate Products: deactivated products go live again (the audit passes at once)."""
    return _toggle(ctx, ("SELLER_DEACTIVATED", "PLATFORM_DEACTIVATED", "ACTIVATE"), "ACTIVATE")


@api("POST", "/product/{v}/products/deactivate", scope="seller.product.write")
def deactivate_products(ctx: Ctx) -> dict[str, Any]:
    """Deactivate Products: live products stop selling."""
    return _toggle(ctx, ("ACTIVATE", "SELLER_DEACTIVATED"), "SELLER_DEACTIVATED")


@api("POST", "/product/{v}/inventory/search", scope="seller.product.basic")
def search_inventory(ctx: Ctx) -> dict[str, Any]:
    """Inventory Search: stock per SKU and warehouse for up to 100 products or 600 SKUs."""
    shop = ctx.require_shop()
    product_ids = ctx.str_list("product_ids", 100)
    sku_ids = set(ctx.str_list("sku_ids", 600))
    if not product_ids and not sku_ids:
        raise SandboxError(
            36009004, "Invalid parameter. Either `product_ids` or `sku_ids` is required."
        )
    result = []
    if sku_ids:
        # sku_ids win when both are sent
        wanted: dict[str, list[Sku]] = {}
        for sku in shop.skus:
            if sku.id in sku_ids:
                wanted.setdefault(sku.product_id, []).append(sku)
        groups = list(wanted.items())
    else:
        groups = [(pid, shop.products[pid].skus) for pid in product_ids if pid in shop.products]
    for product_id, skus in groups:
        result.append(
            {
                "product_id": product_id,
                "skus": [
                    {
                        "id": s.id,
                        "seller_sku": s.seller_sku,
                        "total_available_quantity": sum(s.inventory.values()),
                        "total_committed_quantity": sum(s.committed.values()),
                        "warehouse_inventory": [
                            {
                                "warehouse_id": w,
                                "available_quantity": q,
                                "committed_quantity": s.committed.get(w, 0),
                            }
                            for w, q in s.inventory.items()
                        ],
                    }
                    for s in skus
                ],
            }
        )
    return {"inventory": result}
