"""What the wire shows: orders, packages, products and after-sales materialised as API JSON."""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from . import names
from .data import (
    AWAITING_COLLECTION,
    AWAITING_SHIPMENT,
    CANCELLED,
    COMPLETED,
    DELIVERED,
    IN_TRANSIT,
    ON_HOLD,
    ORDER_STATUSES,
    PARTIALLY_SHIPPING,
    UNPAID,
    AfterSale,
    Product,
    Shop,
    Sku,
    Timeline,
    Warehouse,
    timeline,
)

CENT = Decimal("0.01")
TAX_RATES = {"US": Decimal("0.08"), "GB": Decimal("0"), "DE": Decimal("0"), "FR": Decimal("0")}
PACKAGE_STATUS_OF_ORDER = {
    AWAITING_SHIPMENT: "TO_FULFILL",
    PARTIALLY_SHIPPING: "TO_FULFILL",
    AWAITING_COLLECTION: "PROCESSING",
    IN_TRANSIT: "FULFILLING",
    DELIVERED: "COMPLETED",
    COMPLETED: "COMPLETED",
    CANCELLED: "CANCELLED",
}
SHIPPED_PACKAGE_STATUSES = ("PROCESSING", "FULFILLING", "COMPLETED")
# line-item display_status has no ON_HOLD / PARTIALLY_SHIPPING
DISPLAY_STATUS = {ON_HOLD: AWAITING_SHIPMENT, PARTIALLY_SHIPPING: AWAITING_SHIPMENT}


def money(value: Decimal) -> str:
    """A decimal amount as TikTok sends it: a string with two decimals."""
    return str(value.quantize(CENT))


@dataclass(slots=True)
class Package:
    """One package of an order as it stands now."""

    id: str
    k: int
    status: str
    line_positions: list[int]
    tracking_number: str
    provider_id: str
    provider_name: str
    rts_time: int | None
    handover_method: str
    pickup_slot: dict[str, Any] | None


@dataclass(slots=True)
class OrderFacts:
    """Everything needed to show one order, derived once per request."""

    shop: Shop
    idx: int
    id: str
    bits: int
    t: Timeline
    status: int
    update_time: int
    extra: dict[str, Any]
    lines: list[tuple[Sku, Decimal]]
    warehouse: Warehouse
    delivery_option_id: str
    shipping_type: str


def facts(shop: Shop, idx: int) -> OrderFacts:
    """Gather an order's compact state, overrides and derived lines."""
    table = shop.orders
    x = table.bits[idx]
    extra = table.extra.get(idx, {})
    t = timeline(table.create[idx], x)
    if "n_items" in extra:
        t.n_items = extra["n_items"]
    sales = shop.sales_warehouses
    warehouse = sales[x % len(sales)]
    seller_shipping = extra.get("seller_shipping", t.seller_shipping)
    options = [shop.delivery_options[o] for o in warehouse.delivery_option_ids]
    option = next(o for o in options if (o.type == "SEND_BY_SELLER") == seller_shipping)
    return OrderFacts(
        shop=shop,
        idx=idx,
        id=shop.order_id(idx),
        bits=x,
        t=t,
        status=table.status[idx],
        update_time=table.update[idx],
        extra=extra,
        lines=order_lines(shop, idx, x, t.n_items, extra),
        warehouse=warehouse,
        delivery_option_id=option.id,
        shipping_type="SELLER" if seller_shipping else "TIKTOK",
    )


def order_lines(
    shop: Shop, idx: int, x: int, n_items: int, extra: dict[str, Any]
) -> list[tuple[Sku, Decimal]]:
    """The order's units, one per line item (TikTok has no quantity field), with their prices."""
    skus = shop.skus
    if not skus:
        return []
    rng = random.Random(x ^ 0x5EED5EED)
    prices = extra.get("prices", {})
    lines: list[tuple[Sku, Decimal]] = []
    while len(lines) < n_items:
        sku = skus[rng.randrange(len(skus))]
        units = 1 if rng.random() < 0.7 else min(2, n_items - len(lines))
        price = prices.get(sku.id, sku.base_price)
        lines.extend([(sku, price)] * units)
    return lines


def _time(f: OrderFacts, key: str) -> int | None:
    """A life-cycle time: an override if set, else the generated time if the order got there."""
    override: dict[str, int] = f.extra.get("t", {})
    if key in override:
        return override[key]
    if f.extra.get("live"):
        return None
    value = {
        "paid": f.t.paid,
        "avail": f.t.avail,
        "rts": f.t.rts,
        "rts_first": f.t.rts_first,
        "collect": f.t.collect,
        "deliver": f.t.deliver,
        "complete": f.t.complete,
        "cancel": f.t.cancel,
        "cancel_request": f.t.cancel_request,
    }[key]
    reached = {
        "paid": ON_HOLD,
        "avail": AWAITING_SHIPMENT,
        "rts_first": PARTIALLY_SHIPPING,
        "rts": AWAITING_COLLECTION,
        "collect": IN_TRANSIT,
        "deliver": DELIVERED,
        "complete": COMPLETED,
    }.get(key)
    status = f.status
    if key == "cancel":
        return value if status == CANCELLED and value else None
    if key == "cancel_request":
        return value or None
    if status == CANCELLED:
        # a cancelled order only got as far as its steps before the cancellation
        return value if value and f.t.cancel and value <= f.t.cancel else None
    if reached is not None and status >= reached and status != CANCELLED:
        return value
    return None


def _tracking(f: OrderFacts, k: int) -> str:
    x = f.bits >> (k * 3)
    carrier = _provider(f, k)[1]
    if carrier == "UPS":
        return f"1Z{x % 1000000:06d}{(x >> 20) % 10**10:010d}"
    if carrier == "USPS":
        return f"9400{x % 10**18:018d}"
    return f"TT{x % 10**14:014d}{f.shop.region}"


def _provider(f: OrderFacts, k: int) -> tuple[str, str]:
    option = f.shop.delivery_options[f.delivery_option_id]
    pid = option.provider_ids[(f.bits >> (7 + k)) % len(option.provider_ids)]
    return pid, f.shop.providers[pid]


def package_statuses(shop: Shop, idx: int) -> list[str]:
    """The statuses of an order's packages, cheaply (no buyer, no lines); [] before shipment."""
    table = shop.orders
    status = table.status[idx]
    if status in (UNPAID, ON_HOLD):
        return []
    extra = table.extra.get(idx, {})
    t = timeline(table.create[idx], table.bits[idx])
    if status == CANCELLED:
        times = extra.get("t", {})
        # an order cancelled before it awaited shipment never had packages
        if "avail" not in times and (extra.get("live") or not (t.cancel and t.avail <= t.cancel)):
            return []
    n_items = extra.get("n_items", t.n_items) if shop.skus else 0
    count = 2 if t.split and n_items >= 2 else 1
    if extra.get("split_groups"):
        count = len(extra["split_groups"])  # split by the seller (Split Orders)
    overrides = extra.get("pkgs", {})
    result = []
    for k in range(count):
        value = PACKAGE_STATUS_OF_ORDER[status]
        # a generated partial shipment shipped package 0; one shipped through the API says which
        if status == PARTIALLY_SHIPPING and k == 0 and not overrides:
            value = "PROCESSING"
        result.append(overrides.get(k, {}).get("status", value))
    return result


def packages(f: OrderFacts) -> list[Package]:
    """The order's packages now; none before it awaits shipment."""
    statuses = package_statuses(f.shop, f.idx)
    n_lines = len(f.lines)
    groups = (
        [list(range(n_lines // 2)), list(range(n_lines // 2, n_lines))]
        if len(statuses) == 2
        else [list(range(n_lines))]
    )
    if f.extra.get("split_groups"):
        groups = [list(g) for g in f.extra["split_groups"]]
    overrides = f.extra.get("pkgs", {})
    cancelled = set(f.extra.get("cancelled_lines", ()))
    result = []
    for k, (status, group) in enumerate(zip(statuses, groups, strict=False)):
        ov = overrides.get(k, {})
        # lines the seller cancelled leave their package; a package left empty is cancelled
        positions = [pos for pos in group if pos not in cancelled]
        if group and not positions:
            status = "CANCELLED"
        shipped = status in SHIPPED_PACKAGE_STATUSES
        pid, pname = _provider(f, k)
        pid = ov.get("shipping_provider_id", pid)
        rts = ov.get("rts_time")
        if rts is None and shipped:
            rts = _time(f, "rts_first" if k == 0 else "rts") or _time(f, "rts")
        has_tracking = shipped or "tracking_number" in ov
        result.append(
            Package(
                id=f.shop.package_id(f.idx, k),
                k=k,
                status=status,
                line_positions=positions,
                tracking_number=ov.get("tracking_number", _tracking(f, k) if shipped else ""),
                provider_id=pid if has_tracking else "",
                provider_name=f.shop.providers.get(pid, pname) if has_tracking else "",
                rts_time=rts if shipped else None,
                handover_method=ov.get("handover_method", "DROP_OFF" if f.bits & 16 else "PICKUP"),
                pickup_slot=ov.get("pickup_slot"),
            )
        )
    return result


def buyer(f: OrderFacts) -> dict[str, Any]:
    """The buyer's masked identity and address, stable per order."""
    rng = random.Random(f.bits ^ 0xB0B)
    region = f.shop.region
    currency, dial, cities = names.REGIONS[region]
    first, last = rng.choice(names.FIRST_NAMES), rng.choice(names.LAST_NAMES)
    city, state, state_code, postal = rng.choice(cities)
    line1 = f"{rng.randrange(1, 9999)} {rng.choice(names.STREETS)}"
    line2 = f"Apt {rng.randrange(1, 40)}" if rng.random() < 0.3 else ""
    postal_code = postal + f"{rng.randrange(100):02d}"
    user_id = str(rng.randrange(7494 * 10**15, 7495 * 10**15))
    address = {
        "name": f"{first} {last}",
        "first_name": first,
        "last_name": last,
        "first_name_local_script": "",
        "last_name_local_script": "",
        "phone_number": f"(+{dial}){rng.randrange(200, 999)}-***-{rng.randrange(10000):04d}",
        "address_detail": line2,
        "address_line1": line1,
        "address_line2": line2,
        "address_line3": "",
        "address_line4": "",
        "postal_code": postal_code,
        "region_code": region,
        "post_town": city if region == "GB" else "",
        "full_address": ", ".join(p for p in (line1, line2, city, state, postal_code, region) if p),
        "district_info": [
            {
                "address_level": "L0",
                "address_level_name": "Country",
                "address_name": region,
                "iso_code": region,
            },
            {
                "address_level": "L1",
                "address_level_name": "State",
                "address_name": state,
                "iso_code": f"{region}-{state_code}",
            },
            {
                "address_level": "L3",
                "address_level_name": "City",
                "address_name": city,
                "iso_code": "",
            },
        ],
        "delivery_preferences": {"drop_off_location": ""},
    }
    address.update(f.extra.get("address", {}))
    return {
        "user_id": user_id,
        "buyer_email": f"v{rng.getrandbits(40):010x}@scs.tiktokw.{region.lower()}",
        "buyer_nickname": f"{first.lower()}_{rng.randrange(100, 999)}",
        "buyer_message": rng.choice(
            ("", "", "", "Please gift wrap, thank you!", "Leave at the front door")
        ),
        "recipient_address": address,
        "currency": currency,
    }


def _original(sku: Sku, price: Decimal) -> Decimal:
    """A line's price before discounts: the SKU's list price, or its price when it has none."""
    return sku.list_price if sku.list_price is not None else price


def _list_price(sku: Sku, currency: str) -> dict[str, Any]:
    """The `list_price` of a SKU view: left out once Update Price removed it."""
    if sku.list_price is None:
        return {}
    return {"list_price": {"amount": money(sku.list_price), "currency": currency}}


def order_totals(f: OrderFacts) -> dict[str, Decimal]:
    """Sub-total, shipping, tax and total of an order."""
    sub_total = sum((price for _sku, price in f.lines), Decimal(0))
    original = sum((_original(sku, price) for sku, price in f.lines), Decimal(0))
    shipping = Decimal("0") if sub_total >= 35 else Decimal("5.99")
    tax = (sub_total * TAX_RATES.get(f.shop.region, Decimal(0))).quantize(CENT)
    return {
        "sub_total": sub_total,
        "original_total_product_price": original,
        "shipping_fee": shipping,
        "tax": tax,
        "total_amount": sub_total + shipping + tax,
    }


def order_view(f: OrderFacts) -> dict[str, Any]:
    """The full 202309 order object."""
    shop = f.shop
    who = buyer(f)
    totals = order_totals(f)
    pkgs = packages(f)
    pkg_of_line = {pos: p for p in pkgs for pos in p.line_positions}
    status = f.status
    avail = _time(f, "avail") or f.t.avail
    rts_sla = avail + 2 * 86400
    extra = f.extra
    order: dict[str, Any] = {
        "id": f.id,
        "status": ORDER_STATUSES[status],
        "create_time": shop.orders.create[f.idx],
        "update_time": f.update_time,
        "user_id": who["user_id"],
        "buyer_email": who["buyer_email"],
        "buyer_message": who["buyer_message"],
        "buyer_nickname": who["buyer_nickname"],
        "shipping_type": f.shipping_type,
        "delivery_option_id": f.delivery_option_id,
        "delivery_option_name": shop.delivery_options[f.delivery_option_id].name,
        "delivery_type": "HOME_DELIVERY",
        "fulfillment_type": "FULFILLMENT_BY_SELLER",
        "warehouse_id": f.warehouse.id,
        "recipient_address": who["recipient_address"],
        "has_updated_recipient_address": bool(extra.get("address")),
        "is_cod": False,
        "is_sample_order": False,
        "is_on_hold_order": f.t.on_hold,
        "is_replacement_order": False,
        "is_exchange_order": False,
        "is_buyer_request_cancel": _buyer_requested_cancel(f),
        "order_type": "NORMAL",
        "commerce_platform": "TIKTOK_SHOP",
        "payment_method_name": ("Credit card", "PayPal", "Apple Pay", "Klarna")[f.bits % 4],
        "seller_note": extra.get("seller_note", ""),
        "need_upload_invoice": "NO_NEED",
        "split_or_combine_tag": "SPLIT" if len(pkgs) > 1 else "",
        "packages": [{"id": p.id} for p in pkgs],
        "rts_sla_time": rts_sla,
        "tts_sla_time": rts_sla + 3 * 86400,
        "shipping_due_time": rts_sla,
        "collection_due_time": rts_sla + 86400,
        "delivery_due_time": rts_sla + 7 * 86400,
        "cancel_order_sla_time": avail + 86400,
        "payment": {
            "currency": who["currency"],
            "sub_total": money(totals["sub_total"]),
            "shipping_fee": money(totals["shipping_fee"]),
            "seller_discount": "0.00",
            "platform_discount": "0.00",
            "total_amount": money(totals["total_amount"]),
            "original_total_product_price": money(totals["original_total_product_price"]),
            "original_shipping_fee": money(totals["shipping_fee"]),
            "shipping_fee_seller_discount": "0.00",
            "shipping_fee_platform_discount": "0.00",
            "shipping_fee_cofunded_discount": "0.00",
            "tax": money(totals["tax"]),
            "product_tax": money(totals["tax"]),
            "shipping_fee_tax": "0.00",
            "small_order_fee": "0.00",
            "retail_delivery_fee": "0.00",
            "buyer_service_fee": "0.00",
            "handling_fee": "0.00",
            "shipping_insurance_fee": "0.00",
            "item_insurance_fee": "0.00",
            "item_insurance_tax": "0.00",
        },
    }
    for field_name, key in (
        ("paid_time", "paid"),
        ("rts_time", "rts"),
        ("collection_time", "collect"),
        ("delivery_time", "deliver"),
        ("cancel_time", "cancel"),
    ):
        value = _time(f, key)
        if value is not None:
            order[field_name] = value
    if order["is_buyer_request_cancel"]:
        order["request_cancel_time"] = _time(f, "cancel_request") or f.update_time
    if status == CANCELLED:
        order["cancellation_initiator"] = extra.get(
            "cancel_initiator", "BUYER" if f.t.cancel_request else "SELLER"
        )
        order["cancel_reason"] = extra.get("cancel_reason", names.CANCEL_REASONS[(f.bits >> 3) % 4])
    first_shipped = next((p for p in pkgs if p.tracking_number), None)
    if first_shipped is not None:
        order["tracking_number"] = first_shipped.tracking_number
        order["shipping_provider"] = first_shipped.provider_name
        order["shipping_provider_id"] = first_shipped.provider_id
    display = ORDER_STATUSES[DISPLAY_STATUS.get(status, status)]
    items = []
    for pos, (sku, price) in enumerate(f.lines):
        product = shop.products[sku.product_id]
        item: dict[str, Any] = {
            "id": shop.line_item_id(f.idx, pos),
            "sku_id": sku.id,
            "product_id": sku.product_id,
            "product_name": product.title,
            "sku_name": ", ".join(v for v in (sku.color, sku.size) if v),
            "sku_image": f"https://p16-oec-va.ibyteimg.com/tos-maliva-i-o3syd03w52-us/{sku.id}~tplv-o3syd03w52-origin-jpeg.jpeg",
            "seller_sku": sku.seller_sku,
            "sku_type": "NORMAL",
            "currency": who["currency"],
            "original_price": money(_original(sku, price)),
            "sale_price": money(price),
            "platform_discount": "0.00",
            "seller_discount": "0.00",
            "display_status": display,
            "is_gift": False,
            "is_dangerous_good": False,
            "item_tax": [
                {
                    "tax_type": "SALES_TAX",
                    "tax_amount": money(price * TAX_RATES.get(shop.region, Decimal(0))),
                    "tax_rate": str(TAX_RATES.get(shop.region, Decimal(0))),
                }
            ],
        }
        pkg = pkg_of_line.get(pos)
        # §8.4: US and UK local sellers' lines name their package only once it has shipped
        if pkg is not None and (
            pkg.status in SHIPPED_PACKAGE_STATUSES or not packages_hidden_until_shipped(shop)
        ):
            item["package_id"] = pkg.id
            item["package_status"] = pkg.status
            if pkg.status in SHIPPED_PACKAGE_STATUSES:
                item["display_status"] = (
                    "AWAITING_COLLECTION" if pkg.status == "PROCESSING" else display
                )
                item["tracking_number"] = pkg.tracking_number
                item["shipping_provider_id"] = pkg.provider_id
                item["shipping_provider_name"] = pkg.provider_name
                if pkg.rts_time:
                    item["rts_time"] = pkg.rts_time
        if status == CANCELLED:
            item["cancel_user"] = order["cancellation_initiator"]
            item["cancel_reason"] = order["cancel_reason"]
        elif pos in f.extra.get("cancelled_lines", ()):
            initiator, why = f.extra.get("cancelled_line_reasons", {}).get(pos, ("SELLER", ""))
            item["display_status"] = ORDER_STATUSES[CANCELLED]
            item["cancel_user"] = initiator
            item["cancel_reason"] = why
        parts = bundle_parts(f, pos)
        if parts:
            item["sub_item_info"] = [
                {
                    "sub_item_id": part_id,
                    "sku_id": part.id,
                    "product_id": part.product_id,
                    "product_name": shop.products[part.product_id].title,
                    "sku_name": ", ".join(v for v in (part.color, part.size) if v),
                    "seller_sku": part.seller_sku,
                    "quantity": 1,
                    "sale_price": money(share),
                }
                for part_id, part, share in parts
            ]
        items.append(item)
    order["line_items"] = items
    if status == ON_HOLD:
        # TikTok sends the address only once the hold ends (§18): the fields stay, empty
        order["recipient_address"] = _blank(order["recipient_address"])
    return order


def packages_hidden_until_shipped(shop: Shop) -> bool:
    """True for US and UK local shops, whose unshipped lines carry no package (§8.4)."""
    return shop.seller_type == "LOCAL" and shop.region in ("US", "GB")


def _blank(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _blank(v) for k, v in value.items()}
    if isinstance(value, list):
        return []
    return "" if isinstance(value, str) else value


# One generated order in this many has a bundle as its first line (two SKUs sold as one).
BUNDLE_EVERY = 25


def bundle_parts(f: OrderFacts, pos: int) -> list[tuple[str, Sku, Decimal]]:
    """A bundle line's parts (sub item id, SKU, price share); [] for an ordinary line.

    Field names inside `sub_item_info[]` are UNVERIFIED; the sandbox uses `sub_item_id`, the
    name Mark Package As Shipped (202610) takes in `order_line_list[]`.
    """
    bundled = f.extra.get("bundle_positions")
    if bundled is None:
        bundled = [0] if (f.bits >> 40) % BUNDLE_EVERY == 0 and f.lines else []
    if pos not in bundled or len(f.shop.skus) < 2:
        return []
    sku, price = f.lines[pos]
    skus = f.shop.skus
    other = skus[(skus.index(sku) + 1 + (f.bits >> 45) % (len(skus) - 1)) % len(skus)]
    line_id = f.shop.line_item_id(f.idx, pos)
    first = (price * Decimal("0.6")).quantize(CENT)
    return [(line_id + "1", sku, first), (line_id + "2", other, price - first)]


def _buyer_requested_cancel(f: OrderFacts) -> bool:
    if "buyer_cancel_pending" in f.extra:
        return bool(f.extra["buyer_cancel_pending"])
    return bool(f.t.cancel_request) and f.status == AWAITING_SHIPMENT and not f.extra.get("live")


def package_summary(f: OrderFacts, p: Package) -> dict[str, Any]:
    """A package as Search Packages lists it."""
    return {
        "id": p.id,
        "status": p.status,
        "create_time": f.shop.orders.create[f.idx],
        "update_time": f.update_time,
        "order_line_item_ids": [f.shop.line_item_id(f.idx, pos) for pos in p.line_positions],
        "orders": [{"id": f.id, "skus": _package_skus(f, p)}],
        "shipping_provider_id": p.provider_id,
        "shipping_provider_name": p.provider_name,
        "tracking_number": p.tracking_number,
    }


def _package_skus(f: OrderFacts, p: Package) -> list[dict[str, Any]]:
    counts: dict[str, int] = {}
    for pos in p.line_positions:
        sku = f.lines[pos][0]
        counts[sku.id] = counts.get(sku.id, 0) + 1
    return [{"id": sku_id, "quantity": n} for sku_id, n in counts.items()]


def package_detail(f: OrderFacts, p: Package) -> dict[str, Any]:
    """A package as Get Package Detail shows it."""
    who = buyer(f)
    wh = f.warehouse.address
    return {
        "package_id": p.id,
        "package_status": p.status,
        "package_sub_status": "",
        "create_time": f.shop.orders.create[f.idx],
        "update_time": f.update_time,
        "orders": [{"id": f.id, "skus": _package_skus(f, p)}],
        "order_line_item_ids": [f.shop.line_item_id(f.idx, pos) for pos in p.line_positions],
        "shipping_type": f.shipping_type,
        "handover_method": p.handover_method,
        "pickup_slot": p.pickup_slot or {},
        "delivery_option_id": f.delivery_option_id,
        "delivery_option_name": f.shop.delivery_options[f.delivery_option_id].name,
        "shipping_provider_id": p.provider_id,
        "shipping_provider_name": p.provider_name,
        "tracking_number": p.tracking_number,
        "last_mile_tracking_number": "",
        "split_and_combine_tag": "SPLIT" if f.t.split and len(f.lines) >= 2 else "DEFAULT",
        "has_multi_skus": len({sku.id for sku, _p in f.lines}) > 1,
        "note_tag": "",
        "dimension": {"length": "30", "width": "20", "height": "10", "unit": "CM"},
        "weight": {"value": str(250 * len(p.line_positions)), "unit": "GRAM"},
        "recipient_address": who["recipient_address"],
        "sender_address": warehouse_address(f.warehouse),
        "ship_exception_reason": "",
        "biz_extension_tags": [],
        "warehouse_contact": wh.contact,
    }


def warehouse_address(w: Warehouse) -> dict[str, Any]:
    """A warehouse address in the logistics shape (with TikTok's `distict` spelling)."""
    a = w.address
    first, _, last = a.contact.partition(" ")
    return {
        "region": a.region,
        "region_code": a.region,
        "state": a.state,
        "city": a.city,
        "distict": "",
        "town": "",
        "address_line1": a.line1,
        "address_line2": "",
        "address_line3": "",
        "address_line4": "",
        "full_address": f"{a.line1}, {a.city}, {a.state} {a.postal_code}, {a.region}",
        "postal_code": a.postal_code,
        "phone_number": a.phone,
        "contact_person": a.contact,
        "first_name": first,
        "last_name": last,
    }


def warehouse_view(w: Warehouse) -> dict[str, Any]:
    """A warehouse as Get Warehouse List shows it."""
    return {
        "id": w.id,
        "name": w.name,
        "effect_status": "ENABLED",
        "type": w.type,
        "sub_type": "DOMESTIC_WAREHOUSE",
        "is_default": w.is_default,
        "entity_id": "",
        "address": warehouse_address(w),
    }


def _sku_price(sku: Sku, currency: str) -> dict[str, str]:
    # both price fields are filled: which one a local seller gets is UNVERIFIED
    return {
        "currency": currency,
        "sale_price": money(sku.price),
        "tax_exclusive_price": money(sku.price),
    }


def sku_search_view(sku: Sku, currency: str) -> dict[str, Any]:
    """A SKU as Search Products lists it."""
    return {
        "id": sku.id,
        "seller_sku": sku.seller_sku,
        "price": _sku_price(sku, currency),
        "inventory": [{"warehouse_id": w, "quantity": q} for w, q in sku.inventory.items()],
        **_list_price(sku, currency),
        "status_info": {"status": "NORMAL"},
    }


def product_summary(p: Product, currency: str) -> dict[str, Any]:
    """A product as Search Products lists it."""
    return {
        "id": p.id,
        "title": p.title,
        "status": p.status,
        "create_time": p.create_time,
        "update_time": p.update_time,
        "sales_regions": ["US"],
        "skus": [sku_search_view(s, currency) for s in p.skus],
        "product_sync_fail_reasons": [],
        "recommended_categories": [],
        "is_not_for_sale": False,
        "listing_quality_tier": "GOOD",
        "integrated_platform_statuses": [{"platform": "TIKTOK_SHOP", "status": p.status}],
        "audit": {"status": "APPROVED" if p.status == "ACTIVATE" else "NONE"},
        "has_draft": False,
    }


def product_view(p: Product, shop: Shop) -> dict[str, Any]:
    """A product as Get Product shows it."""
    currency = shop.currency
    chain_ids: list[tuple[str, str, str, bool]] = []
    by_id = {c[0]: c for c in names.CATEGORIES}
    cat: tuple[str, str, str, bool] | None = p.category
    while cat:
        chain_ids.insert(0, cat)
        cat = by_id.get(cat[1])
    image = f"https://p16-oec-va.ibyteimg.com/tos-maliva-i-o3syd03w52-us/{p.id}~tplv-o3syd03w52-origin-jpeg.jpeg"
    skus: list[dict[str, Any]] = []
    for s in p.skus:
        attrs = [
            {
                "id": "100000",
                "name": "Color",
                "value_id": str(names.COLORS.index(s.color) + 6000),
                "value_name": s.color,
            }
        ]
        if s.size:
            attrs.append(
                {
                    "id": "100007",
                    "name": "Size",
                    "value_id": str(names.SIZES.index(s.size) + 7000),
                    "value_name": s.size,
                }
            )
        skus.append(
            {
                "id": s.id,
                "seller_sku": s.seller_sku,
                "price": {**_sku_price(s, currency), "unit_price": money(s.price)},
                "inventory": [{"warehouse_id": w, "quantity": q} for w, q in s.inventory.items()],
                "sales_attributes": attrs,
                "identifier_code": {"code": "0" + s.id[-12:], "type": "UPC"},
                "external_sku_id": "",
                **_list_price(s, currency),
                "status_info": {"status": "NORMAL"},
            }
        )
    return {
        "id": p.id,
        "status": p.status,
        "product_status": p.status,
        "title": p.title,
        "description": p.description,
        "category_chains": [
            {"id": c[0], "parent_id": c[1], "local_name": c[2], "is_leaf": c[3]} for c in chain_ids
        ],
        "brand": {"id": "7" + p.id[-18:], "name": p.brand},
        "main_images": [
            {
                "uri": f"tos-maliva-i-o3syd03w52-us/{p.id}",
                "urls": [image],
                "thumb_urls": [image],
                "width": 800,
                "height": 800,
            }
        ],
        "package_dimensions": {"length": "30", "width": "20", "height": "10", "unit": "CENTIMETER"},
        "package_weight": {"value": "0.5", "unit": "KILOGRAM"},
        "skus": skus,
        "certifications": [],
        "product_attributes": [],
        "audit_failed_reasons": [],
        "create_time": p.create_time,
        "update_time": p.update_time,
        "delivery_options": [
            {"id": o.id, "name": o.name, "is_available": True}
            for o in shop.delivery_options.values()
        ][:3],
        "external_product_id": "",
        "product_types": [],
        "is_cod_allowed": False,
        "is_not_for_sale": False,
        "is_pre_owned": False,
        "recommended_categories": [],
        "listing_quality_tier": "GOOD",
        "integrated_platform_statuses": [{"platform": "TIKTOK_SHOP", "status": p.status}],
        "audit": {"status": "APPROVED" if p.status == "ACTIVATE" else "NONE"},
        "has_draft": False,
    }


def _refund(f: OrderFacts, positions: list[int]) -> dict[str, str]:
    subtotal = sum((f.lines[p][1] for p in positions), Decimal(0))
    tax = (subtotal * TAX_RATES.get(f.shop.region, Decimal(0))).quantize(CENT)
    return {
        "currency": f.shop.currency,
        "refund_total": money(subtotal + tax),
        "refund_subtotal": money(subtotal),
        "refund_shipping_fee": "0.00",
        "refund_tax": money(tax),
        "retail_delivery_fee": "0.00",
        "buyer_service_fee": "0.00",
    }


def _aftersale_lines(
    f: OrderFacts, rec: AfterSale, prefix: str, version: str = "202309"
) -> tuple[list[int], list[dict[str, Any]]]:
    all_ids = [f.shop.line_item_id(f.idx, pos) for pos in range(len(f.lines))]
    wanted = set(rec.line_item_ids) if rec.line_item_ids else set(all_ids)
    positions = [pos for pos, lid in enumerate(all_ids) if lid in wanted]
    rows: list[dict[str, Any]] = []
    for n, pos in enumerate(positions):
        sku, _price = f.lines[pos]
        rows.append(
            {
                f"{prefix}_line_item_id": f"{rec.id[:-3]}{n:03d}",
                "order_line_item_id": all_ids[pos],
                "sku_id": sku.id,
                "sku_name": ", ".join(v for v in (sku.color, sku.size) if v),
                "seller_sku": sku.seller_sku,
                "product_name": f.shop.products[sku.product_id].title,
                "product_image": {
                    "url": f"https://p16-oec-va.ibyteimg.com/{sku.id}.jpeg",
                    "width": 200,
                    "height": 200,
                },
                "refund_amount": _refund(f, [pos]),
            }
        )
        parts = bundle_parts(f, pos) if version >= AFTERSALE_SUB_LINES_VERSION else []
        if parts:
            line = rows[-1]
            line_total = Decimal(_refund(f, [pos])["refund_total"])
            line[f"{prefix}_sub_line_items"] = [
                {
                    f"{prefix}_sub_line_item_id": f"{line[f'{prefix}_line_item_id']}{m}",
                    "order_line_item_id": all_ids[pos],
                    "sub_order_line_item_id": part_id,
                    "sku_id": part.id,
                    "seller_sku": part.seller_sku,
                    "product_name": f.shop.products[part.product_id].title,
                    "refund_amount": {
                        "currency": f.shop.currency,
                        "refund_total": money(line_total * share / f.lines[pos][1]),
                    },
                }
                for m, (part_id, part, share) in enumerate(parts, start=1)
            ]
    return positions, rows


# Returns and cancellations show bundle parts, quick refunds and exchanges from this version.
AFTERSALE_SUB_LINES_VERSION = "202602"


def is_quick_refund(rec: AfterSale) -> bool:
    """A refund-only request TikTok fast-tracks: the seller cannot reject the package later."""
    return rec.type == "REFUND" and int(rec.id[-1]) % 3 == 0


def next_action(rec: AfterSale) -> list[dict[str, Any]]:
    """What the seller is expected to do next, with its deadline."""
    deadline = rec.update_time + 2 * 86400
    if rec.status == "CANCELLATION_REQUEST_PENDING":
        return [{"action": "SELLER_RESPOND_CANCEL", "deadline": deadline}]
    if rec.status == "RETURN_OR_REFUND_REQUEST_PENDING":
        action = "SELLER_RESPOND_REFUND" if rec.type == "REFUND" else "SELLER_RESPOND_RETURN"
        return [{"action": action, "deadline": deadline}]
    if rec.status == "BUYER_SHIPPED_ITEM":
        return [{"action": "SELLER_RESPOND_RECEIVE_PACKAGE", "deadline": deadline}]
    return []


def return_view(
    f: OrderFacts, rec: AfterSale, return_warehouse: Warehouse | None, version: str = "202602"
) -> dict[str, Any]:
    """A return as Search Returns lists it (at `version`)."""
    positions, rows = _aftersale_lines(f, rec, "return", version)
    data: dict[str, Any] = {
        "return_id": rec.id,
        "order_id": f.id,
        "return_type": rec.type,
        "return_status": rec.status,
        "role": rec.role,
        "create_time": rec.create_time,
        "update_time": rec.update_time,
        "return_reason": rec.reason,
        "return_reason_text": rec.reason_text,
        "return_method": "BUYER_SHIPPED" if rec.type == "RETURN_AND_REFUND" else "",
        "shipment_type": "PLATFORM" if rec.type == "RETURN_AND_REFUND" else "",
        "handover_method": "DROP_OFF" if rec.type == "RETURN_AND_REFUND" else "",
        "return_tracking_number": (rec.decision or {}).get("return_tracking_number", ""),
        "return_warehouse_address": {
            "full_address": warehouse_address(return_warehouse)["full_address"]
            if return_warehouse
            else ""
        },
        "refund_amount": _refund(f, positions),
        "return_line_items": rows,
        "seller_next_action_response": next_action(rec),
        "arbitration_status": "",
        "can_buyer_keep_item": rec.type == "REFUND",
        "is_combined_return": False,
        "is_quick_refund": is_quick_refund(rec),
        "seller_proposed_return_type": "",
    }
    if rec.decision and rec.decision.get("partial_refund"):
        data["partial_refund"] = rec.decision["partial_refund"]
    return data


def cancellation_view(f: OrderFacts, rec: AfterSale, version: str = "202602") -> dict[str, Any]:
    """A cancellation as Search Cancellations lists it (at `version`)."""
    positions, rows = _aftersale_lines(f, rec, "cancel", version)
    return {
        "cancel_id": rec.id,
        "order_id": f.id,
        "cancel_type": rec.type,
        "cancel_status": rec.status,
        "role": rec.role,
        "cancel_reason": rec.reason,
        "cancel_reason_text": rec.reason_text,
        "create_time": rec.create_time,
        "update_time": rec.update_time,
        "refund_amount": _refund(f, positions),
        "cancel_line_items": rows,
        "seller_next_action_response": next_action(rec),
        "should_replenish_stock": rec.status == "CANCELLATION_REQUEST_SUCCESS",
    }
