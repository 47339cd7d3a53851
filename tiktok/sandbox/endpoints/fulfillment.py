"""Packages, shipping, documents, tracking, and the logistics lookups shipping needs."""

from __future__ import annotations

from typing import Any

from ..app import Ctx, api
from ..data import AWAITING_SHIPMENT, PARTIALLY_SHIPPING, Shop
from ..pagination import filter_hash
from ..state import SandboxError
from ..views import (
    SHIPPED_PACKAGE_STATUSES,
    Package,
    facts,
    order_view,
    package_detail,
    package_statuses,
    package_summary,
    packages,
    warehouse_view,
)
from .orders import order_positions, sort_key

PACKAGE_STATUSES = ("TO_FULFILL", "PROCESSING", "FULFILLING", "COMPLETED", "CANCELLED")
DOCUMENT_TYPES = ("SHIPPING_LABEL", "PACKING_SLIP", "SHIPPING_LABEL_AND_PACKING_SLIP")
NOT_YOURS = (21008111, "The order or package does not belong to the current seller.")
# fulfillment failure codes the contract does not pin down; chosen from its 21xxxxxx family
BAD_PACKAGE_STATE = 21011006
NOT_SHIPPED = 21011003
TRACKING_EDIT_CLOSED = 21011049  # US: tracking can be changed only within 72 h of shipping
TRACKING_EDIT_HOURS = 72
SHIPPING_INFO_VERSION = "202610"  # shipping_info_list[] / order_line_list[] replace flat fields


def _shipping_info(ctx: Ctx) -> dict[str, str]:
    """The tracking a request carries: flat fields before 202610, `shipping_info_list[]` since."""
    if ctx.version < SHIPPING_INFO_VERSION:
        return {
            "tracking_number": str(ctx.required(ctx.body, "tracking_number")),
            "shipping_provider_id": str(ctx.required(ctx.body, "shipping_provider_id")),
        }
    for flat in ("tracking_number", "shipping_provider_id"):
        if flat in ctx.body:
            raise SandboxError(
                36009004,
                f"Invalid parameter. `{flat}` is not accepted in this version; send "
                "`shipping_info_list`.",
            )
    entries = ctx.required(ctx.body, "shipping_info_list")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise SandboxError(36009004, "Invalid parameter. `shipping_info_list` must be an array.")
    if len(entries) > 1:
        # several parcels per call are for allowlisted sellers only; none is here
        raise SandboxError(
            36009004,
            "Invalid parameter. `shipping_info_list` accepts one entry for this seller.",
        )
    entry = entries[0]
    info = {
        "tracking_number": str(ctx.required(entry, "tracking_number")),
        "shipping_provider_id": str(ctx.required(entry, "shipping_provider_id")),
    }
    if entry.get("note"):
        info["note"] = str(entry["note"])[:255]
    return info


def _package(ctx: Ctx, shop: Shop) -> tuple[int, int, Package]:
    ref = shop.package_ref(ctx.params["package_id"])
    if ref is None:
        raise SandboxError(*NOT_YOURS)
    idx, k = ref
    found = [p for p in packages(facts(shop, idx)) if p.k == k]
    if not found:
        raise SandboxError(*NOT_YOURS)
    return idx, k, found[0]


def _order(ctx: Ctx, shop: Shop) -> int:
    idx = shop.order_idx(ctx.params["order_id"])
    if idx is None:
        raise SandboxError(*NOT_YOURS)
    return idx


@api("POST", "/fulfillment/{v}/packages/search", scope="seller.fulfillment.basic")
def search_packages(ctx: Ctx) -> dict[str, Any]:
    """Search Packages: keyset pages of packages in their orders' creation or update order."""
    shop = ctx.require_shop()
    size = ctx.page_size(1, 50)
    sort_field, desc = ctx.sort(("create_time", "update_time", "order_pay_time"), "DESC")
    # packages are created with their orders here, so pay-time order is creation order
    walk_field = "update_time" if sort_field == "update_time" else "create_time"
    body = ctx.body
    bounds = {
        n: ctx.int_field(body, n)
        for n in ("create_time_ge", "create_time_lt", "update_time_ge", "update_time_lt")
    }
    wanted = body.get("package_status")
    if wanted is not None and wanted not in PACKAGE_STATUSES:
        raise SandboxError(36009004, f"Invalid parameter. Unknown `package_status` {wanted!r}.")
    fingerprint = filter_hash([bounds, wanted, walk_field, desc, shop.no])
    after, total = ctx.cursor(fingerprint)
    table = shop.orders
    other = "update_time" if walk_field == "create_time" else "create_time"
    column = table.update if other == "update_time" else table.create
    lo, hi = bounds[f"{other}_ge"], bounds[f"{other}_lt"]

    def candidates(cursor: Any) -> Any:
        resume, last_k = None, -1
        if cursor is not None:
            *key, last_k = cursor
            if walk_field == "create_time":
                resume = key[0] + 1 if desc else key[0] - 1
            else:
                resume = (key[0], key[1] + 1) if desc else (key[0], key[1] - 1)
            first = key[-1]
        for i in order_positions(shop, walk_field, desc, resume, bounds):
            if (lo is not None and column[i] < lo) or (hi is not None and column[i] >= hi):
                continue
            for k, status in enumerate(package_statuses(shop, i)):
                if cursor is not None and i == first and k <= last_k:
                    continue
                if wanted is None or status == wanted:
                    yield i, k

    page: list[tuple[int, int]] = []
    more = False
    for item in candidates(after):
        if len(page) == size:
            more = True
            break
        page.append(item)
    if total is None:
        total = sum(1 for _ in candidates(None))
    token = ""
    if page:
        i, k = page[-1]
        key = sort_key(shop, walk_field, i)
        token = ctx.next_token(
            (*(key if isinstance(key, tuple) else (key,)), k), total, fingerprint, more
        )
    result = []
    cache: dict[int, Any] = {}
    for i, k in page:
        if i not in cache:
            f = facts(shop, i)
            cache[i] = (f, {p.k: p for p in packages(f)})
        f, by_k = cache[i]
        result.append(package_summary(f, by_k[k]))
    return {"packages": result, "next_page_token": token, "total_count": total}


@api("GET", "/fulfillment/{v}/packages/{package_id}", scope="seller.fulfillment.basic")
def get_package(ctx: Ctx) -> dict[str, Any]:
    """Get Package Detail."""
    shop = ctx.require_shop()
    idx, _k, pkg = _package(ctx, shop)
    return package_detail(facts(shop, idx), pkg)


def _validate_ship(
    ctx: Ctx, shop: Shop, idx: int, pkg: Package, spec: dict[str, Any]
) -> dict[str, Any]:
    """Check one ship request and return the package override it will apply."""
    f = facts(shop, idx)
    if f.status not in (AWAITING_SHIPMENT, PARTIALLY_SHIPPING) or pkg.status != "TO_FULFILL":
        raise SandboxError(BAD_PACKAGE_STATE, "The package status does not allow this operation.")
    if f.extra.get("buyer_cancel_pending"):
        raise SandboxError(
            BAD_PACKAGE_STATE, "The buyer requested a cancellation; respond to it before shipping."
        )
    override: dict[str, Any] = {}
    handover = spec.get("handover_method")
    if handover is not None:
        if handover not in ("PICKUP", "DROP_OFF"):
            raise SandboxError(
                36009004, "Invalid parameter. `handover_method` must be PICKUP or DROP_OFF."
            )
        override["handover_method"] = handover
    slot = spec.get("pickup_slot")
    if isinstance(slot, dict) and slot:
        override["pickup_slot"] = {
            "start_time": int(slot.get("start_time") or 0),
            "end_time": int(slot.get("end_time") or 0),
        }
    self_shipment = spec.get("self_shipment")
    if f.shipping_type == "SELLER" or self_shipment:
        if (
            not isinstance(self_shipment, dict)
            or not self_shipment.get("tracking_number")
            or not self_shipment.get("shipping_provider_id")
        ):
            raise SandboxError(
                36009004,
                "Invalid parameter. `self_shipment.tracking_number` and "
                "`self_shipment.shipping_provider_id` are required for seller-shipped packages.",
            )
        _check_provider(shop, str(self_shipment["shipping_provider_id"]))
        override["tracking_number"] = str(self_shipment["tracking_number"])
        override["shipping_provider_id"] = str(self_shipment["shipping_provider_id"])
    return override


def _check_provider(shop: Shop, provider_id: str) -> None:
    if provider_id not in shop.providers:
        raise SandboxError(36009004, "Invalid parameter. Unknown `shipping_provider_id`.")


@api("POST", "/fulfillment/{v}/packages/{package_id}/ship", scope="seller.fulfillment.basic")
def ship_package(ctx: Ctx) -> dict[str, Any]:
    """Ship Package: arrange pickup/drop-off, or hand in the seller's own tracking number."""
    shop = ctx.require_shop()
    idx, k, pkg = _package(ctx, shop)
    override = _validate_ship(ctx, shop, idx, pkg, ctx.body)
    ctx.store.ship(shop, idx, k, override)
    ctx.store.record(
        "ship_package",
        shop,
        package_id=pkg.id,
        order_id=shop.order_id(idx),
        request_id=ctx.request_id,
    )
    return {}


@api("POST", "/fulfillment/{v}/packages/ship", scope="seller.fulfillment.basic")
def batch_ship(ctx: Ctx) -> dict[str, Any]:
    """Batch Ship Packages: per-package failures come back in `errors`."""
    shop = ctx.require_shop()
    specs = ctx.body.get("packages")
    if not isinstance(specs, list) or not specs:
        raise SandboxError(36009004, "Invalid parameter. The `packages` field is required.")
    errors = []
    for spec in specs:
        package_id = str(spec.get("id", "")) if isinstance(spec, dict) else ""
        try:
            ref = shop.package_ref(package_id)
            found = [p for p in packages(facts(shop, ref[0])) if p.k == ref[1]] if ref else []
            if not found or ref is None:
                raise SandboxError(*NOT_YOURS)
            override = _validate_ship(ctx, shop, ref[0], found[0], spec)
            ctx.store.ship(shop, ref[0], ref[1], override)
            ctx.store.record(
                "ship_package",
                shop,
                package_id=package_id,
                order_id=shop.order_id(ref[0]),
                request_id=ctx.request_id,
            )
        except SandboxError as err:
            errors.append(
                {"code": err.code, "message": err.message, "detail": {"package_id": package_id}}
            )
    return {"errors": errors}


@api(
    "GET",
    "/fulfillment/{v}/packages/{package_id}/handover_time_slots",
    scope="seller.fulfillment.basic",
)
def handover_slots(ctx: Ctx) -> dict[str, Any]:
    """Get Package Handover Time Slots: two-hour pickup windows over the next three days."""
    shop = ctx.require_shop()
    _package(ctx, shop)
    day = ctx.store.now() // 86400 * 86400
    slots = [
        {
            "start_time": day + d * 86400 + h * 3600,
            "end_time": day + d * 86400 + (h + 2) * 3600,
            "avaliable": True,
        }
        for d in (1, 2, 3)
        for h in (9, 13, 16)
    ]
    return {
        "can_pickup": True,
        "can_drop_off": True,
        "can_van_collection": False,
        "drop_off_point_url": "https://www.tiktok.com/drop-off-points",
        "pickup_slots": slots,
    }


@api(
    "GET",
    "/fulfillment/{v}/packages/{package_id}/shipping_documents",
    scope="seller.fulfillment.basic",
)
def shipping_documents(ctx: Ctx) -> dict[str, Any]:
    """Get Package Shipping Document: a URL to a PDF the sandbox serves for 24 hours."""
    shop = ctx.require_shop()
    idx, k, pkg = _package(ctx, shop)
    doc_type = ctx.q.get("document_type")
    if not doc_type:
        raise SandboxError(
            36009004, "Invalid parameter. The `document_type` query parameter is required."
        )
    if doc_type not in (*DOCUMENT_TYPES, "SHIPPING_LABEL_PICTURE", "HAZMAT_LABEL", "INVOICE_LABEL"):
        raise SandboxError(36009004, f"Invalid parameter. Unknown `document_type` {doc_type!r}.")
    if doc_type not in DOCUMENT_TYPES:
        raise SandboxError(
            36009004, f"The document type {doc_type} is not available in this region."
        )
    size = ctx.q.get("document_size") or "A6"
    if size not in ("A6", "A5"):
        raise SandboxError(36009004, "Invalid parameter. `document_size` must be A6 or A5.")
    if (ctx.q.get("document_format") or "PDF") != "PDF":
        raise SandboxError(36009004, "Only PDF documents are available in this region.")
    f = facts(shop, idx)
    if f.shipping_type != "TIKTOK":
        raise SandboxError(
            NOT_SHIPPED,
            "Shipping documents are only available for packages shipped with TikTok Shipping.",
        )
    if pkg.status not in SHIPPED_PACKAGE_STATUSES:
        raise SandboxError(
            NOT_SHIPPED, "The package has not been shipped yet; call Ship Package first."
        )
    token = ctx.app.docs.issue(shop.no, idx, k, doc_type, ctx.store.now(), size)
    return {
        "doc_url": f"{ctx.req.base_url()}/_sandbox/docs/{token}.pdf",
        "tracking_number": pkg.tracking_number,
    }


@api(
    "POST",
    "/fulfillment/{v}/orders/{order_id}/packages",
    versions=("202309", SHIPPING_INFO_VERSION),
    scope="seller.fulfillment.basic",
)
def mark_shipped(ctx: Ctx) -> dict[str, Any]:
    """Mark Package As Shipped: the seller's own carrier took the order (or some of its lines)."""
    shop = ctx.require_shop()
    idx = _order(ctx, shop)
    info = _shipping_info(ctx)
    tracking, provider = info["tracking_number"], info["shipping_provider_id"]
    _check_provider(shop, provider)
    f = facts(shop, idx)
    if f.status not in (AWAITING_SHIPMENT, PARTIALLY_SHIPPING):
        raise SandboxError(BAD_PACKAGE_STATE, "The order status does not allow this operation.")
    if ctx.version >= SHIPPING_INFO_VERSION and "order_line_item_ids" in ctx.body:
        raise SandboxError(
            36009004,
            "Invalid parameter. `order_line_item_ids` is not accepted in this version; send "
            "`order_line_list`.",
        )
    line_ids = [str(i) for i in ctx.body.get("order_line_item_ids") or []]
    if not line_ids and isinstance(ctx.body.get("order_line_list"), list):
        line_ids = [
            str(r.get("order_line_id")) for r in ctx.body["order_line_list"] if isinstance(r, dict)
        ]
    all_ids = [shop.line_item_id(idx, pos) for pos in range(len(f.lines))]
    unknown = [i for i in line_ids if i not in all_ids]
    if unknown:
        raise SandboxError(
            36009004, f"Invalid parameter. Line items {', '.join(unknown)} are not in this order."
        )
    chosen = [
        p
        for p in packages(f)
        if p.status == "TO_FULFILL"
        and (not line_ids or any(all_ids[pos] in line_ids for pos in p.line_positions))
    ]
    if not chosen:
        raise SandboxError(BAD_PACKAGE_STATE, "There is nothing left to ship in this order.")
    shipped_lines: list[str] = []
    for p in chosen:
        ctx.store.ship(
            shop,
            idx,
            p.k,
            {"tracking_number": tracking, "shipping_provider_id": provider, "seller_shipped": True},
        )
        shipped_lines += [all_ids[pos] for pos in p.line_positions]
    ctx.store.record(
        "mark_shipped",
        shop,
        order_id=f.id,
        package_ids=[p.id for p in chosen],
        tracking_number=tracking,
        request_id=ctx.request_id,
    )
    return {
        "order_id": f.id,
        "package_id": chosen[0].id,
        "order_line_item_ids": shipped_lines,
        "warning": {"message": ""},
    }


def _update_tracking(ctx: Ctx, shop: Shop, idx: int, ks: list[int]) -> None:
    info = _shipping_info(ctx)
    tracking, provider = info["tracking_number"], info["shipping_provider_id"]
    _check_provider(shop, provider)
    extra = shop.orders.extra.setdefault(idx, {})
    for k in ks:
        ov = extra.setdefault("pkgs", {}).setdefault(k, {})
        ov["tracking_number"] = tracking
        ov["shipping_provider_id"] = provider
    ctx.store.touch(shop, idx)
    ctx.store.record(
        "tracking_update",
        shop,
        order_id=shop.order_id(idx),
        packages=[shop.package_id(idx, k) for k in ks],
        tracking_number=tracking,
        request_id=ctx.request_id,
    )


@api(
    "POST",
    "/fulfillment/{v}/orders/{order_id}/shipping_info/update",
    scope="seller.fulfillment.basic",
)
def update_order_shipping_info(ctx: Ctx) -> dict[str, Any]:
    """Update Shipping Info: fix the tracking number of a shipped, seller-shipped order."""
    shop = ctx.require_shop()
    idx = _order(ctx, shop)
    shipped = [p.k for p in packages(facts(shop, idx)) if p.status in SHIPPED_PACKAGE_STATUSES]
    if not shipped:
        raise SandboxError(NOT_SHIPPED, "The order has not been shipped yet.")
    _update_tracking(ctx, shop, idx, shipped)
    return {}


@api(
    "POST",
    "/fulfillment/{v}/packages/{package_id}/shipping_info/update",
    versions=("202309", SHIPPING_INFO_VERSION),
    scope="seller.fulfillment.basic",
)
def update_package_shipping_info(ctx: Ctx) -> dict[str, Any]:
    """Update Package Shipping Info: fix one shipped package's tracking (US: within 72 h)."""
    shop = ctx.require_shop()
    idx, k, pkg = _package(ctx, shop)
    if pkg.status not in SHIPPED_PACKAGE_STATUSES:
        raise SandboxError(NOT_SHIPPED, "The package has not been shipped yet.")
    if (
        shop.region == "US"
        and pkg.rts_time
        and ctx.store.now() - pkg.rts_time > TRACKING_EDIT_HOURS * 3600
    ):
        raise SandboxError(
            TRACKING_EDIT_CLOSED,
            f"The shipping info can only be updated within {TRACKING_EDIT_HOURS} hours of "
            "shipping.",
        )
    _update_tracking(ctx, shop, idx, [k])
    return {}


@api("GET", "/fulfillment/{v}/orders/{order_id}/tracking", scope="seller.fulfillment.basic")
def order_tracking(ctx: Ctx) -> dict[str, Any]:
    """Get Tracking: carrier events of the order, newest first, in milliseconds."""
    shop = ctx.require_shop()
    idx = _order(ctx, shop)
    order = order_view(facts(shop, idx))
    events = []
    for key, text in (
        ("rts_time", "Shipping label created, the seller is preparing the parcel"),
        ("collection_time", "Parcel picked up by the carrier"),
        ("delivery_time", "Delivered"),
    ):
        if key in order:
            events.append({"description": text, "update_time_millis": order[key] * 1000})
    if "collection_time" in order and "delivery_time" not in order:
        events.append(
            {
                "description": "In transit to the destination facility",
                "update_time_millis": (order["collection_time"] + 6 * 3600) * 1000,
            }
        )
    events.sort(key=lambda e: -e["update_time_millis"])
    return {"tracking": events}


@api("GET", "/logistics/{v}/warehouses", scope="seller.logistics")
def warehouses(ctx: Ctx) -> dict[str, Any]:
    """Get Warehouse List: sales and return warehouses."""
    return {"warehouses": [warehouse_view(w) for w in ctx.require_shop().warehouses]}


@api("GET", "/logistics/{v}/warehouses/{warehouse_id}/delivery_options", scope="seller.logistics")
def delivery_options(ctx: Ctx) -> dict[str, Any]:
    """Get Warehouse Delivery Options."""
    shop = ctx.require_shop()
    wh = next((w for w in shop.warehouses if w.id == ctx.params["warehouse_id"]), None)
    if wh is None:
        raise SandboxError(12052097, "The warehouse does not exist.")
    result = []
    for oid in wh.delivery_option_ids:
        o = shop.delivery_options[oid]
        result.append(
            {
                "id": o.id,
                "name": o.name,
                "type": o.type,
                "description": f"{o.name} from {wh.name}",
                "platform": ["TIKTOK_SHOP"],
                "dimension_limit": {
                    "max_length": 120,
                    "max_width": 80,
                    "max_height": 80,
                    "unit": "cm",
                },
                "weight_limit": {"max_weight": 30000, "min_weight": 1, "unit": "GRAM"},
            }
        )
    return {"delivery_options": result}


@api(
    "GET",
    "/logistics/{v}/delivery_options/{delivery_option_id}/shipping_providers",
    scope="seller.logistics",
)
def shipping_providers(ctx: Ctx) -> dict[str, Any]:
    """Get Shipping Providers of a delivery option."""
    shop = ctx.require_shop()
    option = shop.delivery_options.get(ctx.params["delivery_option_id"])
    if option is None:
        raise SandboxError(36009004, "Invalid parameter. Unknown `delivery_option_id`.")
    return {
        "shipping_providers": [
            {"id": pid, "name": shop.providers[pid]} for pid in option.provider_ids
        ]
    }


MAX_SPLIT_PACKAGES = 9  # package numbers are one digit (UNVERIFIED: TikTok's own limit)


def _split_state(shop: Shop, idx: int) -> tuple[bool, str]:
    """Whether the order's lines may be split into packages now, and why not."""
    f = facts(shop, idx)
    if shop.orders.status[idx] != AWAITING_SHIPMENT:
        return False, "Only orders awaiting shipment can be split."
    pkgs = packages(f)
    if any(p.status != "TO_FULFILL" for p in pkgs):
        return False, "A package of this order has already shipped."
    if len(pkgs) != 1:
        return False, "The order is already in several packages."
    if len(pkgs[0].line_positions) < 2:
        return False, "A single line cannot be split."
    return True, ""


@api("GET", "/fulfillment/{v}/orders/split_attributes", scope="seller.fulfillment.basic")
def split_attributes(ctx: Ctx) -> dict[str, Any]:
    """Get Order Split Attributes: may each order be split into packages, and why not."""
    shop = ctx.require_shop()
    ids = [i for i in (ctx.q.get("order_ids") or "").split(",") if i]
    if not ids or len(ids) > 50:
        raise SandboxError(36009004, "Invalid parameter. `order_ids` takes 1 to 50 order ids.")
    rows = []
    for order_id in ids:
        idx = shop.order_idx(order_id)
        if idx is None:
            raise SandboxError(*NOT_YOURS)
        can, why = _split_state(shop, idx)
        rows.append(
            {
                "order_id": order_id,
                "can_split": can,
                "reason": why,
                "must_split": False,
                "must_split_reasons": [],
            }
        )
    return {"split_attributes": rows}


@api("POST", "/fulfillment/{v}/orders/{order_id}/split", scope="seller.fulfillment.basic")
def split_order(ctx: Ctx) -> dict[str, Any]:
    """Split Orders: the order's lines go into the packages the seller groups them in.

    The first group keeps the order's package id; the others get new ones (UNVERIFIED whether
    TikTok keeps the original id). Every line must be in exactly one group.
    """
    shop = ctx.require_shop()
    idx = _order(ctx, shop)
    groups = ctx.body.get("splittable_groups")
    if not isinstance(groups, list) or not all(isinstance(g, dict) for g in groups):
        raise SandboxError(36009004, "Invalid parameter. `splittable_groups` is required.")
    can, why = _split_state(shop, idx)
    if not can:
        raise SandboxError(BAD_PACKAGE_STATE, why)
    f = facts(shop, idx)
    all_ids = [shop.line_item_id(idx, pos) for pos in range(len(f.lines))]
    if not 2 <= len(groups) <= MAX_SPLIT_PACKAGES:
        raise SandboxError(
            36009004, f"Invalid parameter. Split into 2 to {MAX_SPLIT_PACKAGES} packages."
        )
    seen: list[str] = []
    positions: list[list[int]] = []
    group_ids: list[str] = []
    for group in groups:
        lines = [str(i) for i in group.get("order_line_item_ids") or []]
        if not lines:
            raise SandboxError(36009004, "Invalid parameter. Every group needs line items.")
        unknown = [i for i in lines if i not in all_ids]
        if unknown:
            raise SandboxError(
                36009004,
                f"Invalid parameter. Line items {', '.join(unknown)} are not in this order.",
            )
        seen += lines
        positions.append(sorted(all_ids.index(i) for i in lines))
        group_ids.append(str(group.get("id") or len(group_ids)))
    if sorted(seen) != sorted(all_ids):
        raise SandboxError(
            36009004, "Invalid parameter. Put every line of the order in exactly one group."
        )
    extra = shop.orders.extra.setdefault(idx, {})
    extra["split_groups"] = positions
    ctx.store.touch(shop, idx)
    ctx.store.record("split_order", shop, order_id=shop.order_id(idx), request_id=ctx.request_id)
    return {
        "packages": [
            {"id": shop.package_id(idx, k), "splittable_group_id": gid}
            for k, gid in enumerate(group_ids)
        ]
    }
