"""Deterministic generation of the sandbox world from a seed: sellers, shops, catalog, orders."""

from __future__ import annotations

import random
import time
from array import array
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from . import names
from .config import SandboxConfig

ORDER_STATUSES = (
    "UNPAID",
    "ON_HOLD",
    "AWAITING_SHIPMENT",
    "PARTIALLY_SHIPPING",
    "AWAITING_COLLECTION",
    "IN_TRANSIT",
    "DELIVERED",
    "COMPLETED",
    "CANCELLED",
)
(
    UNPAID,
    ON_HOLD,
    AWAITING_SHIPMENT,
    PARTIALLY_SHIPPING,
    AWAITING_COLLECTION,
    IN_TRANSIT,
    DELIVERED,
    COMPLETED,
    CANCELLED,
) = range(9)
STATUS_CODE = {name: code for code, name in enumerate(ORDER_STATUSES)}

ITEM_COUNTS = (1, 1, 1, 1, 2, 2, 3, 4)
FATE_NORMAL, FATE_CANCEL, FATE_BUYER_CANCEL, FATE_RETURN = range(4)
DAY = 86400
CANCEL_AUTO_APPROVE = 48 * 3600

ALL_SCOPES = (
    "seller.authorization.info",
    "seller.shop.info",
    "seller.product.basic",
    "seller.product.write",
    "seller.order.info",
    "seller.fulfillment.basic",
    "seller.logistics",
    "seller.return_refund.basic",
    "seller.finance.info",
    "seller.webhook",
)


def _id19(rng: random.Random, first: int = 7) -> str:
    """A 19-digit id string starting with `first`."""
    return str(first) + "".join(str(rng.randrange(10)) for _ in range(18))


@dataclass(slots=True)
class Timeline:
    """When an order's life-cycle steps happen, derived from its creation time and its bits."""

    create: int
    paid: int
    avail: int
    rts_first: int
    rts: int
    collect: int
    deliver: int
    complete: int
    cancel: int
    cancel_request: int
    return_time: int
    on_hold: bool
    seller_shipping: bool
    split: bool
    n_items: int
    fate: int


def timeline(create: int, x: int) -> Timeline:
    """Derive an order's would-be life cycle from its 64 random bits (cheap: no Random object)."""
    on_hold = ((x >> 60) & 3) != 0
    seller_shipping = ((x >> 62) & 3) == 3
    n_items = ITEM_COUNTS[(x >> 5) & 7]
    split = n_items >= 2 and ((x >> 20) & 7) == 0
    paid = create + 30 + (x & 0x3FF) % 570
    avail = paid + 3600 if on_hold else paid
    delay = 7200 + ((x >> 10) & 0x3FFFF) % (38 * 3600)
    rts = avail + delay
    rts_first = avail + delay // 2 if split else rts
    collect = rts if seller_shipping else rts + 1800 + ((x >> 28) & 0xFFFF) % (20 * 3600)
    deliver = collect + DAY + ((x >> 44) & 0x1FF) * 400
    complete = deliver + 10 * DAY
    roll = (x >> 53) & 0x7F
    fate = (
        FATE_CANCEL
        if roll < 5
        else FATE_BUYER_CANCEL
        if roll < 9
        else FATE_RETURN
        if roll < 15
        else FATE_NORMAL
    )
    cancel_request = avail + delay // 4 if fate == FATE_BUYER_CANCEL else 0
    if fate == FATE_CANCEL:
        cancel = paid + delay // 3
    elif fate == FATE_BUYER_CANCEL:
        cancel = cancel_request + CANCEL_AUTO_APPROVE
    else:
        cancel = 0
    return_time = deliver + DAY + delay % (2 * DAY) if fate == FATE_RETURN else 0
    return Timeline(
        create,
        paid,
        avail,
        rts_first,
        rts,
        collect,
        deliver,
        complete,
        cancel,
        cancel_request,
        return_time,
        on_hold,
        seller_shipping,
        split,
        n_items,
        fate,
    )


def status_at(t: Timeline, now: int) -> tuple[int, int]:
    """The order's (status, update_time) at `now` had nobody touched it."""
    if now < t.paid:
        return UNPAID, t.create
    if t.cancel and now >= t.cancel:
        return CANCELLED, t.cancel
    if now < t.avail:
        return ON_HOLD, t.paid
    if t.fate == FATE_BUYER_CANCEL and now >= t.cancel_request:
        return AWAITING_SHIPMENT, t.cancel_request
    if now < t.rts_first:
        return AWAITING_SHIPMENT, t.avail
    if now < t.rts:
        return PARTIALLY_SHIPPING, t.rts_first
    if now < t.collect:
        return AWAITING_COLLECTION, t.rts
    if now < t.deliver:
        return IN_TRANSIT, t.collect
    if now < t.complete:
        return DELIVERED, t.deliver
    return COMPLETED, t.complete


@dataclass(slots=True)
class Address:
    """A warehouse or seller address."""

    region: str
    state: str
    city: str
    line1: str
    postal_code: str
    contact: str
    phone: str


@dataclass(slots=True)
class Warehouse:
    """A sales or return warehouse of a shop."""

    id: str
    name: str
    type: str
    is_default: bool
    address: Address
    delivery_option_ids: list[str] = field(default_factory=list)


@dataclass(slots=True)
class DeliveryOption:
    """A way to ship from a warehouse, with the carriers it allows."""

    id: str
    name: str
    type: str
    provider_ids: list[str]


@dataclass(slots=True)
class Sku:
    """A sellable variant with a price and stock per warehouse."""

    id: str
    product_id: str
    seller_sku: str
    color: str
    size: str | None
    base_price: Decimal
    price: Decimal
    list_price: Decimal | None  # None: removed by Update Price
    inventory: dict[str, int]
    committed: dict[str, int]


@dataclass(slots=True)
class Product:
    """A listed product with its variant SKUs."""

    id: str
    shop_no: int
    title: str
    description: str
    category: tuple[str, str, str, bool]
    status: str
    create_time: int
    update_time: int
    skus: list[Sku]
    brand: str
    # An ongoing promotion locks the prices until this sandbox time (0: none). Get Product does
    # not show promotions (the contract documents no field for them); Update Price refuses.
    promotion_until: int = 0


@dataclass(slots=True)
class AfterSale:
    """A return or a cancellation of (part of) an order."""

    id: str
    kind: str  # "return" or "cancel"
    shop_no: int
    order_idx: int
    type: str
    status: str
    role: str
    reason: str
    reason_text: str
    create_time: int
    update_time: int
    line_item_ids: list[str] | None = None  # None: every line of the order
    decision: dict[str, Any] | None = None


class OrderTable:
    """One shop's orders as compact parallel arrays; full JSON is built per page on demand."""

    def __init__(self) -> None:
        self.create = array("q")
        self.bits = array("Q")
        self.status = bytearray()
        self.base_update = array("q")
        self.update = array("q")
        self.mutated = bytearray()
        # positions of unmutated orders sorted by (base_update, idx)
        self.by_update: array[int] = array("l")
        # (update_time, idx) of mutated orders, kept sorted
        self.mutated_keys: list[tuple[int, int]] = []
        self.extra: dict[int, dict[str, Any]] = {}

    def __len__(self) -> int:
        return len(self.create)


@dataclass
class Shop:
    """A shop: its identity, warehouses, catalog, orders and after-sales."""

    no: int
    id: str
    name: str
    region: str
    currency: str
    seller_type: str
    cipher: str
    code: str
    seller_id: str
    salt: int
    warehouses: list[Warehouse]
    delivery_options: dict[str, DeliveryOption]
    providers: dict[str, str]  # provider id -> name
    products: dict[str, Product]
    skus: list[Sku]
    orders: OrderTable
    returns: dict[str, AfterSale] = field(default_factory=dict)
    cancellations: dict[str, AfterSale] = field(default_factory=dict)
    order_aftersales: dict[int, list[str]] = field(default_factory=dict)  # idx -> ids

    @property
    def sales_warehouses(self) -> list[Warehouse]:
        """Warehouses stock is sold from."""
        return [w for w in self.warehouses if w.type == "SALES_WAREHOUSE"]

    def order_id(self, idx: int) -> str:
        """The 18-digit order id of position `idx`."""
        return f"57{self.no:03d}{idx:08d}{(idx * 2654435761 + self.salt) % 100000:05d}"

    def order_idx(self, order_id: str) -> int | None:
        """The position of an order id of this shop, or None."""
        if len(order_id) != 18 or not order_id.isdigit() or order_id[:5] != f"57{self.no:03d}":
            return None
        idx = int(order_id[5:13])
        if idx >= len(self.orders) or self.order_id(idx) != order_id:
            return None
        return idx

    def package_id(self, idx: int, k: int) -> str:
        """The 18-digit id of package `k` of the order at `idx`."""
        return f"11{self.no:03d}{idx:08d}{k}{(idx * 40503 + self.salt) % 10000:04d}"

    def package_ref(self, package_id: str) -> tuple[int, int] | None:
        """(order position, package number) of a package id of this shop, or None."""
        if (
            len(package_id) != 18
            or not package_id.isdigit()
            or package_id[:5] != f"11{self.no:03d}"
        ):
            return None
        idx, k = int(package_id[5:13]), int(package_id[13])
        if idx >= len(self.orders) or self.package_id(idx, k) != package_id:
            return None
        return idx, k

    def line_item_id(self, idx: int, item: int) -> str:
        """The 19-digit id of line item `item` of the order at `idx`."""
        return f"57{self.no:03d}{idx:08d}{item:03d}{(idx * 7919 + self.salt + item) % 1000:03d}"


@dataclass
class Seller:
    """A seller account that can log in on the consent page and authorize shops."""

    id: str  # open_id
    login: str
    name: str
    base_region: str
    seller_type: str
    shop_nos: list[int]


@dataclass
class World:
    """Everything generated from one seed."""

    seed: int
    anchor: int
    sellers: list[Seller]
    shops: list[Shop]

    def shop_by_id(self, shop_id: str) -> Shop | None:
        """The shop with this id."""
        return next((s for s in self.shops if s.id == shop_id), None)

    def shop_by_cipher(self, cipher: str) -> Shop | None:
        """The shop with this cipher."""
        return next((s for s in self.shops if s.cipher == cipher), None)

    def seller(self, key: str) -> Seller | None:
        """A seller by open_id or demo login."""
        return next((s for s in self.sellers if key in (s.id, s.login)), None)


def _address(rng: random.Random, region: str, contact: str) -> Address:
    _currency, dial, cities = names.REGIONS[region]
    city, state, _code, postal = rng.choice(cities)
    postal_code = (
        postal + f"{rng.randrange(100):02d}"
        if region in ("US", "DE", "FR", "ES", "IT")
        else postal + f" {rng.randrange(1, 9)}AB"
    )
    return Address(
        region=region,
        state=state,
        city=city,
        line1=f"{rng.randrange(1, 999)} {rng.choice(names.STREETS)}",
        postal_code=postal_code,
        contact=contact,
        phone=f"(+{dial}){rng.randrange(200, 999)}-***-{rng.randrange(10000):04d}",
    )


def _money(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")


def _make_shop(
    rng: random.Random, cfg: SandboxConfig, no: int, seller: Seller, region: str
) -> Shop:
    currency = names.REGIONS[region][0]
    shop_name = f"{rng.choice(names.SHOP_WORDS)} {rng.choice(names.SHOP_KINDS)} {region}"
    shop_id = _id19(rng)
    prefix = "ROW_" if region != "US" else "GCP_"
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    cipher = prefix + "".join(rng.choice(alphabet) for _ in range(27))
    code = region + "LC" + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(8))
    providers: dict[str, str] = {}
    for carrier in names.CARRIERS[region]:
        providers[_id19(rng)] = carrier
    provider_ids = list(providers)
    warehouses: list[Warehouse] = []
    delivery_options: dict[str, DeliveryOption] = {}
    n_sales = 1 + (no % 3)
    for w in range(n_sales + 1):
        kind = "SALES_WAREHOUSE" if w < n_sales else "RETURN_WAREHOUSE"
        label = f"Warehouse {w + 1}" if kind == "SALES_WAREHOUSE" else "Returns"
        wh = Warehouse(
            id=_id19(rng),
            name=f"{shop_name.split()[0]} {label}",
            type=kind,
            is_default=w == 0,
            address=_address(
                rng, region, f"{rng.choice(names.FIRST_NAMES)} {rng.choice(names.LAST_NAMES)}"
            ),
        )
        if kind == "SALES_WAREHOUSE":
            for opt_name, opt_type, chosen in (
                ("Standard shipping", "STANDARD", provider_ids[:2]),
                ("Express shipping", "EXPRESS", provider_ids[-1:]),
                ("Shipped by seller", "SEND_BY_SELLER", provider_ids),
            ):
                opt = DeliveryOption(_id19(rng), opt_name, opt_type, list(chosen))
                delivery_options[opt.id] = opt
                wh.delivery_option_ids.append(opt.id)
        warehouses.append(wh)
    shop = Shop(
        no=no,
        id=shop_id,
        name=shop_name,
        region=region,
        currency=currency,
        seller_type=seller.seller_type,
        cipher=cipher,
        code=code,
        seller_id=seller.id,
        salt=rng.randrange(100000),
        warehouses=warehouses,
        delivery_options=delivery_options,
        providers=providers,
        products={},
        skus=[],
        orders=OrderTable(),
    )
    _make_products(rng, cfg, shop)
    return shop


def _make_products(rng: random.Random, cfg: SandboxConfig, shop: Shop) -> None:
    anchor = cfg.resolved_anchor()
    sales = shop.sales_warehouses
    for p in range(cfg.products):
        words = (rng.choice(names.ADJECTIVES), rng.choice(names.MATERIALS), rng.choice(names.NOUNS))
        title = " ".join(words)
        product_id = "17" + "".join(str(rng.randrange(10)) for _ in range(17))
        create = anchor - (cfg.days + 60) * DAY + p * 3600 + rng.randrange(3600)
        update = create + rng.randrange(30 * DAY)
        base = rng.choice((9.99, 12.5, 14.99, 19.99, 24.0, 29.95, 34.99, 49.0, 59.99, 89.0))
        colors = rng.sample(names.COLORS, rng.randrange(1, 3))
        sizes: list[str | None] = (
            list(names.SIZES[: rng.randrange(2, 5)]) if rng.random() < 0.35 else [None]
        )
        product = Product(
            id=product_id,
            shop_no=shop.no,
            title=title,
            description=f"<p>{title}. Carefully made and shipped from our own warehouse.</p>",
            category=rng.choice(names.LEAF_CATEGORIES),
            status="ACTIVATE"
            if rng.random() < 0.9
            else rng.choice(("SELLER_DEACTIVATED", "PENDING", "DRAFT")),
            create_time=create,
            update_time=update,
            skus=[],
            brand=shop.name.split()[0],
        )
        for color in colors:
            for size in sizes:
                if len(product.skus) >= 6:
                    break
                price = _money(base + (1.0 if size in ("L", "XL") else 0.0))
                multi = len(sales) > 1 and rng.random() < 0.5
                chosen = sales if multi else [sales[0]]
                sku = Sku(
                    id="17" + "".join(str(rng.randrange(10)) for _ in range(17)),
                    product_id=product_id,
                    seller_sku="-".join(
                        v for v in (words[2][:4].upper(), color[:3].upper(), size, f"{p:03d}") if v
                    ),
                    color=color,
                    size=size,
                    base_price=price,
                    price=price,
                    list_price=_money(float(price) * 1.3),
                    inventory={w.id: rng.randrange(0, 400) for w in chosen},
                    committed={w.id: rng.randrange(0, 12) for w in chosen},
                )
                product.skus.append(sku)
                shop.skus.append(sku)
        shop.products[product_id] = product


def _make_orders(
    rng: random.Random, cfg: SandboxConfig, shop: Shop, count: int, anchor: int
) -> None:
    """Fill the shop's order table and its after-sales; compact and fast enough for 10^5+ orders."""
    table = shop.orders
    span = cfg.days * DAY
    start = anchor - span
    step = span / max(count, 1)
    create_a = table.create
    bits_a = table.bits
    status_a = table.status
    update_a = table.base_update
    getbits = rng.getrandbits
    for i in range(count):
        x = getbits(64)
        create = start + int(i * step)
        t = timeline(create, x)
        status, update = status_at(t, anchor)
        create_a.append(create)
        bits_a.append(x)
        status_a.append(status)
        update_a.append(update)
        if t.fate and status >= AWAITING_SHIPMENT:
            _aftersales_for(shop, i, t, x, anchor)
    table.update = array("q", update_a)
    table.mutated = bytearray(count)
    table.by_update = array("l", sorted(range(count), key=lambda i: (update_a[i], i)))


def _aftersales_for(shop: Shop, idx: int, t: Timeline, x: int, now: int) -> None:
    """The return or cancellation an order's fate gives it, as of `now`."""
    salt = (idx * 31 + shop.salt) % 10000
    if t.fate in (FATE_CANCEL, FATE_BUYER_CANCEL):
        buyer = t.fate == FATE_BUYER_CANCEL
        created = t.cancel_request if buyer else t.cancel
        if not created or now < created:
            return
        pending = buyer and now < t.cancel
        rec = AfterSale(
            id=f"41{shop.no:03d}{idx:08d}0{salt:04d}",
            kind="cancel",
            shop_no=shop.no,
            order_idx=idx,
            type="BUYER_CANCEL" if buyer else "CANCEL",
            status="CANCELLATION_REQUEST_PENDING" if pending else "CANCELLATION_REQUEST_SUCCESS",
            role="BUYER" if buyer else ("SELLER" if x & 1 else "SYSTEM"),
            reason="ecom_order_to_ship_canceled_reason_"
            + str((x >> 3) % len(names.CANCEL_REASONS)),
            reason_text=names.CANCEL_REASONS[(x >> 3) % len(names.CANCEL_REASONS)],
            create_time=created,
            update_time=created if pending else t.cancel,
        )
        shop.cancellations[rec.id] = rec
        shop.order_aftersales.setdefault(idx, []).append(rec.id)
    elif t.fate == FATE_RETURN and now >= t.return_time:
        age = now - t.return_time
        rtype = "REFUND" if ((x >> 47) & 3) == 0 else "RETURN_AND_REFUND"
        if age < 2 * DAY:
            status, update = "RETURN_OR_REFUND_REQUEST_PENDING", t.return_time
        elif ((x >> 40) & 7) == 7:
            status, update = "REFUND_OR_RETURN_REQUEST_REJECT", t.return_time + DAY
        else:
            status, update = "RETURN_OR_REFUND_REQUEST_COMPLETE", t.return_time + 2 * DAY
        code, text = names.RETURN_REASONS[(x >> 5) % len(names.RETURN_REASONS)]
        rec = AfterSale(
            id=f"40{shop.no:03d}{idx:08d}0{salt:04d}",
            kind="return",
            shop_no=shop.no,
            order_idx=idx,
            type=rtype,
            status=status,
            role="BUYER",
            reason=code,
            reason_text=text,
            create_time=t.return_time,
            update_time=update,
        )
        shop.returns[rec.id] = rec
        shop.order_aftersales.setdefault(idx, []).append(rec.id)


def generate(cfg: SandboxConfig) -> World:
    """Build the whole world for `cfg.seed`; the same config always gives the same world."""
    rng = random.Random(cfg.seed)
    anchor = cfg.resolved_anchor()
    sellers: list[Seller] = []
    shops: list[Shop] = []
    for s in range(max(cfg.sellers, 1)):
        local = s == 0
        first, last = rng.choice(names.FIRST_NAMES), rng.choice(names.LAST_NAMES)
        seller = Seller(
            id="70" + "".join(str(rng.randrange(10)) for _ in range(17)),
            login=f"seller{s + 1}",
            name=f"{first} {last} Trading" if not local else f"{first}'s Shop",
            base_region="US" if local else "CN",
            seller_type="LOCAL" if local else "CROSS_BORDER",
            shop_nos=[],
        )
        regions = (
            ["US"] if local else list(names.CROSS_BORDER_REGIONS[: max(cfg.shops_per_seller, 1)])
        )
        for region in regions:
            shop = _make_shop(rng, cfg, len(shops), seller, region)
            seller.shop_nos.append(shop.no)
            shops.append(shop)
        sellers.append(seller)
    per_shop, extra = divmod(max(cfg.orders, 0), len(shops))
    for shop in shops:
        count = per_shop + (1 if shop.no < extra else 0)
        _make_orders(random.Random(f"{cfg.seed}/orders/{shop.no}"), cfg, shop, count, anchor)
    return World(seed=cfg.seed, anchor=anchor, sellers=sellers, shops=shops)


if __name__ == "__main__":  # pragma: no cover - quick timing aid
    started = time.perf_counter()
    world = generate(SandboxConfig(orders=200_000))
    print(f"{time.perf_counter() - started:.2f}s", sum(len(s.orders) for s in world.shops))
