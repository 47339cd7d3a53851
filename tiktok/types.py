"""What TikTok Shop sends, as frozen values: money as Decimal, ids as str, times as UTC datetimes.

Every value keeps the JSON it came from in `raw`, so fields not modelled here stay reachable.
Parsers tolerate missing and unknown fields and the spelling variants the contract lists.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from tiktok.errors import InvalidRequestError
from tiktok.events import WEBHOOK_EVENT_TYPES
from tiktok.pagination import Page, page_from_data

Raw = Mapping[str, Any]
_EMPTY: Raw = {}


# --- scalar readers -----------------------------------------------------------------------------


def as_id(value: Any) -> str | None:
    """An id as a string: TikTok ids are 64-bit and some webhooks send them as JSON numbers."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Only reachable when a sender wrote an id with a fraction/exponent; keep what is there.
        return str(int(value)) if value.is_integer() else str(value)
    text = str(value).strip()
    return text or None


def as_decimal(value: Any) -> Decimal | None:
    """A money amount from TikTok's decimal string (numbers tolerated, floats via their repr)."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        value = repr(value)
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        return None


def as_int(value: Any) -> int | None:
    """An integer that may arrive as a number or a numeric string."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        try:
            return int(Decimal(str(value)))
        except (InvalidOperation, ValueError):
            return None


def as_bool(value: Any) -> bool | None:
    """A flag that may arrive as bool, 0/1 or "true"/"false"."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    return str(value).strip().lower() in ("true", "1", "yes")


# Seconds above this are really milliseconds (year 33658 in seconds; 2001 in ms).
_MILLIS_THRESHOLD = 10**12


def as_time(value: Any, *, millis: bool = False) -> datetime | None:
    """An aware UTC datetime from Unix seconds (or ms); 0 and empty mean "not set"."""
    number = as_int(value)
    if not number:
        return None
    if millis or number >= _MILLIS_THRESHOLD:
        return datetime.fromtimestamp(number / 1000, tz=UTC)
    return datetime.fromtimestamp(number, tz=UTC)


def as_str(value: Any) -> str | None:
    """A text field; empty strings become None."""
    if value is None:
        return None
    text = str(value)
    return text or None


def as_ids(values: Any) -> tuple[str, ...]:
    """A list of ids as strings, skipping blanks."""
    if not isinstance(values, list | tuple):
        return ()
    return tuple(i for i in (as_id(v) for v in values) if i)


def _dicts(values: Any) -> list[Raw]:
    if not isinstance(values, list | tuple):
        return []
    return [v for v in values if isinstance(v, Mapping)]


def _obj(value: Any) -> Raw:
    return value if isinstance(value, Mapping) else _EMPTY


def epoch_seconds(value: datetime | int | None, name: str = "time") -> int | None:
    """Unix seconds for a filter; naive datetimes are refused so no zone is ever guessed."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidRequestError(f"{name} must be timezone-aware")
        return int(value.timestamp())
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidRequestError(f"{name} must be an aware datetime or Unix seconds")
    return value


# --- status spellings ---------------------------------------------------------------------------


def _canonical(value: Any) -> str | None:
    text = as_str(value)
    if text is None:
        return None
    text = "_".join(text.strip().upper().replace("-", " ").split())
    while "__" in text:
        text = text.replace("__", "_")
    return text


ORDER_STATUS_ALIASES = {"CANCEL": "CANCELLED", "CANCELED": "CANCELLED"}
CANCEL_STATUS_ALIASES = {"CANCELLATION_REQUEST_CANCEL": "CANCELLATION_REQUEST_CANCELLED"}
RETURN_STATUS_ALIASES = {"RETURN_OR_REFUND_REQUEST_CANCELLED": "RETURN_OR_REFUND_REQUEST_CANCEL"}


def order_status(value: Any) -> str | None:
    """Order status with the webhook's `CANCEL` read as `CANCELLED`."""
    text = _canonical(value)
    return ORDER_STATUS_ALIASES.get(text, text) if text else None


def package_status(value: Any) -> str | None:
    """Package/line status with `TO FULFILL` (detail) and `TO_FULFILL` (lines) made one."""
    return _canonical(value)


def cancel_status(value: Any) -> str | None:
    """Cancellation status with `…_CANCEL` and `…_CANCELLED` made one (`…_CANCELLED`)."""
    text = _canonical(value)
    return CANCEL_STATUS_ALIASES.get(text, text) if text else None


def return_status(value: Any) -> str | None:
    """Return status with the webhook prose's `…__REQUEST_CANCELLED` read as `…_REQUEST_CANCEL`."""
    text = _canonical(value)
    return RETURN_STATUS_ALIASES.get(text, text) if text else None


# --- shared shapes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Money:
    """An amount in one currency."""

    amount: Decimal
    currency: str | None = None

    @classmethod
    def from_api(cls, raw: Any, *, amount_key: str = "amount") -> Money | None:
        """Read `{amount|value, currency}`; None when there is no amount."""
        data = _obj(raw)
        amount = as_decimal(data.get(amount_key, data.get("value")))
        if amount is None:
            return None
        return cls(amount=amount, currency=as_str(data.get("currency")))

    def to_api(self, amount_key: str = "amount") -> dict[str, str]:
        """The `{amount, currency}` shape TikTok takes on writes."""
        out = {amount_key: format(self.amount, "f")}
        if self.currency:
            out["currency"] = self.currency
        return out


@dataclass(frozen=True)
class ItemError:
    """One failed item of a batch call that otherwise succeeded (`data.errors[]`)."""

    code: int | None
    message: str
    item_id: str | None
    detail: Raw = field(default_factory=dict, repr=False, compare=False)
    extra_errors: tuple[ItemError, ...] = ()
    warehouse_id: str | None = None
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, raw: Raw) -> ItemError:
        """Read one `{code, message, detail{product_id|sku_id|package_id, extra_errors[]}}`."""
        detail = _obj(raw.get("detail"))
        item_id = None
        for key in ("product_id", "sku_id", "package_id", "order_id", "id"):
            item_id = as_id(detail.get(key)) or as_id(raw.get(key))
            if item_id:
                break
        extra = detail.get("extra_errors", raw.get("extra_errors"))
        return cls(
            code=as_int(raw.get("code")),
            message=str(raw.get("message") or ""),
            item_id=item_id,
            detail=detail,
            extra_errors=tuple(cls.from_api(e) for e in _dicts(extra)),
            warehouse_id=as_id(raw.get("warehouse_id")),
            raw=raw,
        )


@dataclass(frozen=True)
class BatchResult:
    """A batch call's outcome: TikTok accepted the call, these items failed."""

    errors: tuple[ItemError, ...] = ()
    raw: Raw = field(default_factory=dict, repr=False, compare=False)
    request_id: str | None = None

    @classmethod
    def from_api(cls, data: Raw, *, request_id: str | None = None) -> BatchResult:
        """Read `data.errors[]` (absent or empty: every item succeeded)."""
        return cls(
            errors=tuple(ItemError.from_api(e) for e in _dicts(data.get("errors"))),
            raw=data,
            request_id=request_id,
        )

    @property
    def ok(self) -> bool:
        """True when no item failed."""
        return not self.errors

    @property
    def failed_ids(self) -> frozenset[str]:
        """Ids of the items that failed."""
        return frozenset(e.item_id for e in self.errors if e.item_id)

    def error_for(self, item_id: str) -> ItemError | None:
        """The failure of one item, or None if it went through."""
        return next((e for e in self.errors if e.item_id == item_id), None)


@dataclass(frozen=True)
class WriteResult:
    """A write TikTok accepted with an empty `data`: only its request_id to keep on record."""

    request_id: str | None = None


# --- auth ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    """A seller authorization's tokens; the repr never shows either token."""

    access_token: str = field(repr=False)
    access_token_expires_at: datetime | None
    refresh_token: str = field(repr=False)
    refresh_token_expires_at: datetime | None
    open_id: str | None = None
    seller_name: str | None = None
    seller_base_region: str | None = None
    user_type: int | None = None
    granted_scopes: tuple[str, ...] = ()
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, data: Raw) -> Token:
        """Read a token response; `*_expire_in` are absolute epoch seconds despite the name."""
        scopes = data.get("granted_scopes")
        if scopes is None:
            scopes = data.get("granted_permissions")  # the .NET client's name for it
        return cls(
            access_token=str(data.get("access_token") or ""),
            access_token_expires_at=as_time(data.get("access_token_expire_in")),
            refresh_token=str(data.get("refresh_token") or ""),
            refresh_token_expires_at=as_time(data.get("refresh_token_expire_in")),
            open_id=as_id(data.get("open_id")),
            seller_name=as_str(data.get("seller_name")),
            seller_base_region=as_str(data.get("seller_base_region")),
            user_type=as_int(data.get("user_type")),
            granted_scopes=tuple(str(s) for s in scopes or () if s),
            raw=_redacted_token_raw(data),
        )


def _redacted_token_raw(data: Raw) -> dict[str, Any]:
    # `raw` ends up in reprs, logs and admin dumps; the tokens themselves live in the fields only.
    return {k: ("***" if k in ("access_token", "refresh_token") else v) for k, v in data.items()}


@dataclass(frozen=True)
class Shop:
    """A shop an authorization covers (`cipher` only from Get Authorized Shops)."""

    id: str
    name: str | None = None
    region: str | None = None
    seller_type: str | None = None
    cipher: str | None = None
    code: str | None = None
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, raw: Raw) -> Shop:
        """Read one `shops[]` entry."""
        return cls(
            id=as_id(raw.get("id")) or "",
            name=as_str(raw.get("name")),
            region=as_str(raw.get("region")),
            seller_type=as_str(raw.get("seller_type")),
            cipher=as_str(raw.get("cipher")),
            code=as_str(raw.get("code")),
            raw=raw,
        )


# --- catalog ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WarehouseStock:
    """A SKU's stock in one warehouse as the product shows it."""

    warehouse_id: str | None
    quantity: int | None
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, raw: Raw) -> WarehouseStock:
        """Read one `skus[].inventory[]` entry."""
        return cls(
            warehouse_id=as_id(raw.get("warehouse_id")),
            quantity=as_int(raw.get("quantity")),
            raw=raw,
        )


@dataclass(frozen=True)
class Sku:
    """A sellable variant of a product with its price and stock."""

    id: str
    seller_sku: str | None
    price: Decimal | None
    currency: str | None
    tax_exclusive_price: Decimal | None
    list_price: Decimal | None
    inventory: tuple[WarehouseStock, ...]
    status: str | None
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @property
    def total_quantity(self) -> int:
        """Stock summed over warehouses."""
        return sum(s.quantity or 0 for s in self.inventory)

    @classmethod
    def from_api(cls, raw: Raw) -> Sku:
        """Read a SKU; price is `sale_price`, falling back to `tax_exclusive_price` (§7.3)."""
        price = _obj(raw.get("price"))
        tax_exclusive = as_decimal(price.get("tax_exclusive_price"))
        sale = as_decimal(price.get("sale_price"))
        if sale is None:
            sale = tax_exclusive if tax_exclusive is not None else as_decimal(price.get("amount"))
        list_price = _obj(raw.get("list_price"))
        list_amount = as_decimal(list_price.get("amount"))
        return cls(
            id=as_id(raw.get("id")) or "",
            seller_sku=as_str(raw.get("seller_sku")),
            price=sale,
            currency=as_str(price.get("currency")) or as_str(list_price.get("currency")),
            tax_exclusive_price=tax_exclusive,
            # A list price of 0 (or an empty one) is none: how a cleared one reads back.
            list_price=list_amount if list_amount else None,
            inventory=tuple(WarehouseStock.from_api(i) for i in _dicts(raw.get("inventory"))),
            status=as_str(_obj(raw.get("status_info")).get("status")),
            raw=raw,
        )


@dataclass(frozen=True)
class Product:
    """A listing with its SKUs (search gives a summary, Get Product the full object)."""

    id: str
    title: str | None
    status: str | None
    create_time: datetime | None
    update_time: datetime | None
    skus: tuple[Sku, ...]
    audit_status: str | None = None
    category_id: str | None = None
    main_image_url: str | None = None
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, raw: Raw) -> Product:
        """Read a product from Search Products or Get Product."""
        chains = _dicts(raw.get("category_chains"))
        leaf = next((c for c in chains if c.get("is_leaf")), chains[-1] if chains else _EMPTY)
        image_url = None
        for image in _dicts(raw.get("main_images")):
            urls = image.get("urls") or image.get("thumb_urls") or ()
            if urls:
                image_url = as_str(urls[0])
                break
        return cls(
            id=as_id(raw.get("id")) or "",
            title=as_str(raw.get("title")),
            status=_canonical(raw.get("status") or raw.get("product_status")),
            create_time=as_time(raw.get("create_time")),
            update_time=as_time(raw.get("update_time")),
            skus=tuple(Sku.from_api(s) for s in _dicts(raw.get("skus"))),
            audit_status=as_str(_obj(raw.get("audit")).get("status")),
            category_id=as_id(leaf.get("id")),
            main_image_url=image_url,
            raw=raw,
        )


@dataclass(frozen=True)
class WarehouseInventory:
    """A SKU's available and committed stock in one warehouse (Inventory Search)."""

    warehouse_id: str | None
    available_quantity: int | None
    committed_quantity: int | None
    raw: Raw = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class SkuInventory:
    """One SKU's stock as Inventory Search reports it."""

    id: str
    seller_sku: str | None
    total_available_quantity: int | None
    total_committed_quantity: int | None
    warehouses: tuple[WarehouseInventory, ...]
    raw: Raw = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class ProductInventory:
    """A product's stock per SKU and warehouse (Inventory Search)."""

    product_id: str
    skus: tuple[SkuInventory, ...]
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, raw: Raw) -> ProductInventory:
        """Read one `data.inventory[]` entry."""
        skus = []
        for sku in _dicts(raw.get("skus")):
            warehouses = tuple(
                WarehouseInventory(
                    warehouse_id=as_id(w.get("warehouse_id")),
                    available_quantity=as_int(w.get("available_quantity")),
                    committed_quantity=as_int(w.get("committed_quantity")),
                    raw=w,
                )
                for w in _dicts(sku.get("warehouse_inventory"))
            )
            skus.append(
                SkuInventory(
                    id=as_id(sku.get("id")) or "",
                    seller_sku=as_str(sku.get("seller_sku")),
                    total_available_quantity=as_int(sku.get("total_available_quantity")),
                    total_committed_quantity=as_int(sku.get("total_committed_quantity")),
                    warehouses=warehouses,
                    raw=sku,
                )
            )
        return cls(product_id=as_id(raw.get("product_id")) or "", skus=tuple(skus), raw=raw)


@dataclass(frozen=True)
class Warehouse:
    """A seller warehouse; SALES warehouses hold stock, RETURN ones take returns."""

    id: str
    name: str | None
    effect_status: str | None
    type: str | None
    sub_type: str | None
    is_default: bool
    region_code: str | None
    full_address: str | None
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, raw: Raw) -> Warehouse:
        """Read one `data.warehouses[]` entry."""
        address = _obj(raw.get("address"))
        return cls(
            id=as_id(raw.get("id")) or "",
            name=as_str(raw.get("name")),
            effect_status=as_str(raw.get("effect_status")),
            type=as_str(raw.get("type")),
            sub_type=as_str(raw.get("sub_type")),
            is_default=bool(as_bool(raw.get("is_default"))),
            region_code=as_str(address.get("region_code")),
            full_address=as_str(address.get("full_address")),
            raw=raw,
        )


@dataclass(frozen=True)
class DeliveryOption:
    """A way a warehouse's parcels travel (STANDARD, EXPRESS, ECONOMY, SEND_BY_SELLER)."""

    id: str
    name: str | None
    type: str | None
    description: str | None
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, raw: Raw) -> DeliveryOption:
        """Read one `data.delivery_options[]` entry."""
        return cls(
            id=as_id(raw.get("id")) or "",
            name=as_str(raw.get("name")),
            type=as_str(raw.get("type")),
            description=as_str(raw.get("description")),
            raw=raw,
        )


@dataclass(frozen=True)
class ShippingProvider:
    """A carrier usable for a delivery option; its id goes with the tracking number."""

    id: str
    name: str | None
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, raw: Raw) -> ShippingProvider:
        """Read one `data.shipping_providers[]` entry."""
        return cls(id=as_id(raw.get("id")) or "", name=as_str(raw.get("name")), raw=raw)


# --- orders -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineItem:
    """One unit of one SKU in an order (TikTok has no quantity: three units are three lines)."""

    id: str
    sku_id: str | None
    product_id: str | None
    product_name: str | None
    sku_name: str | None
    seller_sku: str | None
    sku_image: str | None
    currency: str | None
    original_price: Decimal | None
    sale_price: Decimal | None
    seller_discount: Decimal | None
    platform_discount: Decimal | None
    display_status: str | None
    package_id: str | None
    package_status: str | None
    tracking_number: str | None
    shipping_provider_id: str | None
    shipping_provider_name: str | None
    is_gift: bool
    cancel_reason: str | None
    # A bundle's parts (`sub_item_info[]`); empty for an ordinary line.
    sub_items: tuple[SubItem, ...] = ()
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, raw: Raw) -> LineItem:
        """Read one `orders[].line_items[]` entry."""
        return cls(
            id=as_id(raw.get("id")) or "",
            sku_id=as_id(raw.get("sku_id")),
            product_id=as_id(raw.get("product_id")),
            product_name=as_str(raw.get("product_name")),
            sku_name=as_str(raw.get("sku_name")),
            seller_sku=as_str(raw.get("seller_sku")),
            sku_image=as_str(raw.get("sku_image")),
            currency=as_str(raw.get("currency")),
            original_price=as_decimal(raw.get("original_price")),
            sale_price=as_decimal(raw.get("sale_price")),
            seller_discount=as_decimal(raw.get("seller_discount")),
            platform_discount=as_decimal(raw.get("platform_discount")),
            display_status=order_status(raw.get("display_status")),
            package_id=as_id(raw.get("package_id")),
            package_status=package_status(raw.get("package_status")),
            tracking_number=as_str(raw.get("tracking_number")),
            shipping_provider_id=as_id(raw.get("shipping_provider_id")),
            shipping_provider_name=as_str(raw.get("shipping_provider_name")),
            is_gift=bool(as_bool(raw.get("is_gift"))),
            cancel_reason=as_str(raw.get("cancel_reason")),
            sub_items=tuple(SubItem.from_api(i) for i in _dicts(raw.get("sub_item_info"))),
            raw=raw,
        )


@dataclass(frozen=True)
class SubItem:
    """One part of a bundle line (`line_items[].sub_item_info[]`)."""

    id: str | None
    sku_id: str | None
    product_id: str | None
    product_name: str | None
    sku_name: str | None
    seller_sku: str | None
    quantity: int
    sale_price: Decimal | None
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, raw: Raw) -> SubItem:
        """Read one sub item; the field names beyond the list's name are UNVERIFIED (§8.4)."""
        return cls(
            id=as_id(raw.get("sub_item_id", raw.get("id"))),
            sku_id=as_id(raw.get("sku_id")),
            product_id=as_id(raw.get("product_id")),
            product_name=as_str(raw.get("product_name")),
            sku_name=as_str(raw.get("sku_name")),
            seller_sku=as_str(raw.get("seller_sku")),
            quantity=as_int(raw.get("quantity")) or 1,
            sale_price=as_decimal(raw.get("sale_price")),
            raw=raw,
        )


@dataclass(frozen=True)
class Order:
    """A buyer's order with its payment, address summary, packages and line items."""

    id: str
    status: str | None
    create_time: datetime | None
    update_time: datetime | None
    paid_time: datetime | None
    rts_sla_time: datetime | None
    shipping_due_time: datetime | None
    delivery_time: datetime | None
    cancel_time: datetime | None
    currency: str | None
    sub_total: Decimal | None
    shipping_fee: Decimal | None
    seller_discount: Decimal | None
    platform_discount: Decimal | None
    tax: Decimal | None
    total_amount: Decimal | None
    shipping_type: str | None
    fulfillment_type: str | None
    delivery_option_id: str | None
    delivery_option_name: str | None
    shipping_provider: str | None
    shipping_provider_id: str | None
    tracking_number: str | None
    warehouse_id: str | None
    buyer_user_id: str | None
    buyer_message: str | None
    recipient_name: str | None
    recipient_region_code: str | None
    is_cod: bool
    is_on_hold_order: bool
    is_buyer_request_cancel: bool
    cancel_reason: str | None
    cancellation_initiator: str | None
    package_ids: tuple[str, ...]
    line_items: tuple[LineItem, ...]
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, raw: Raw) -> Order:
        """Read a full order object (Search Orders and Get Order Detail return the same)."""
        payment = _obj(raw.get("payment"))
        address = _obj(raw.get("recipient_address"))
        return cls(
            id=as_id(raw.get("id")) or "",
            status=order_status(raw.get("status")),
            create_time=as_time(raw.get("create_time")),
            update_time=as_time(raw.get("update_time")),
            paid_time=as_time(raw.get("paid_time")),
            rts_sla_time=as_time(raw.get("rts_sla_time")),
            shipping_due_time=as_time(raw.get("shipping_due_time")),
            delivery_time=as_time(raw.get("delivery_time")),
            cancel_time=as_time(raw.get("cancel_time")),
            currency=as_str(payment.get("currency")),
            sub_total=as_decimal(payment.get("sub_total")),
            shipping_fee=as_decimal(payment.get("shipping_fee")),
            seller_discount=as_decimal(payment.get("seller_discount")),
            platform_discount=as_decimal(payment.get("platform_discount")),
            tax=as_decimal(payment.get("tax")),
            total_amount=as_decimal(payment.get("total_amount")),
            shipping_type=as_str(raw.get("shipping_type")),
            fulfillment_type=as_str(raw.get("fulfillment_type")),
            delivery_option_id=as_id(raw.get("delivery_option_id")),
            delivery_option_name=as_str(raw.get("delivery_option_name")),
            shipping_provider=as_str(raw.get("shipping_provider")),
            shipping_provider_id=as_id(raw.get("shipping_provider_id")),
            tracking_number=as_str(raw.get("tracking_number")),
            warehouse_id=as_id(raw.get("warehouse_id")),
            buyer_user_id=as_id(raw.get("user_id")),
            buyer_message=as_str(raw.get("buyer_message")),
            recipient_name=as_str(address.get("name")),
            recipient_region_code=as_str(address.get("region_code")),
            is_cod=bool(as_bool(raw.get("is_cod"))),
            is_on_hold_order=bool(as_bool(raw.get("is_on_hold_order"))),
            is_buyer_request_cancel=bool(as_bool(raw.get("is_buyer_request_cancel"))),
            cancel_reason=as_str(raw.get("cancel_reason")),
            cancellation_initiator=as_str(raw.get("cancellation_initiator")),
            package_ids=tuple(
                i for i in (as_id(p.get("id")) for p in _dicts(raw.get("packages"))) if i
            ),
            line_items=tuple(LineItem.from_api(li) for li in _dicts(raw.get("line_items"))),
            raw=raw,
        )


# --- fulfillment --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Package:
    """A parcel of one or more orders' line items (search gives a summary, detail the rest)."""

    id: str
    status: str | None
    sub_status: str | None
    create_time: datetime | None
    update_time: datetime | None
    order_ids: tuple[str, ...]
    order_line_item_ids: tuple[str, ...]
    shipping_type: str | None
    handover_method: str | None
    delivery_option_id: str | None
    shipping_provider_id: str | None
    shipping_provider_name: str | None
    tracking_number: str | None
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, raw: Raw) -> Package:
        """Read from search (`id`, `status`) or detail (`package_id`, `package_status`)."""
        return cls(
            id=as_id(raw.get("package_id", raw.get("id"))) or "",
            status=package_status(raw.get("package_status", raw.get("status"))),
            sub_status=as_str(raw.get("package_sub_status")),
            create_time=as_time(raw.get("create_time")),
            update_time=as_time(raw.get("update_time")),
            order_ids=tuple(
                i for i in (as_id(o.get("id")) for o in _dicts(raw.get("orders"))) if i
            ),
            order_line_item_ids=as_ids(raw.get("order_line_item_ids")),
            shipping_type=as_str(raw.get("shipping_type")),
            handover_method=as_str(raw.get("handover_method")),
            delivery_option_id=as_id(raw.get("delivery_option_id")),
            shipping_provider_id=as_id(raw.get("shipping_provider_id")),
            shipping_provider_name=as_str(raw.get("shipping_provider_name")),
            tracking_number=as_str(raw.get("tracking_number")),
            raw=raw,
        )


@dataclass(frozen=True)
class PickupSlot:
    """A carrier pickup window offered for a package."""

    start_time: datetime | None
    end_time: datetime | None
    available: bool
    raw: Raw = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class SplitAttributes:
    """Get Order Split Attributes, one order: may it be split, must it, and why."""

    order_id: str | None
    can_split: bool
    must_split: bool
    reason: str | None
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, raw: Raw) -> SplitAttributes:
        """Read one `split_attributes[]` entry (missing flags read as False)."""
        return cls(
            order_id=as_id(raw.get("order_id")),
            can_split=bool(as_bool(raw.get("can_split"))),
            must_split=bool(as_bool(raw.get("must_split"))),
            reason=as_str(raw.get("reason")),
            raw=raw,
        )


@dataclass(frozen=True)
class SplitResult:
    """Split Orders: the packages made, each with the group id the seller gave it."""

    packages: tuple[tuple[str, str], ...]  # (package id, splittable group id)
    request_id: str | None = None
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, data: Raw, *, request_id: str | None = None) -> SplitResult:
        """Read `data.packages[] {id, splittable_group_id}` (entries without an id are dropped)."""
        rows = []
        for row in _dicts(data.get("packages")):
            package_id = as_id(row.get("id"))
            if package_id:
                rows.append((package_id, as_id(row.get("splittable_group_id")) or ""))
        return cls(packages=tuple(rows), request_id=request_id, raw=data)


@dataclass(frozen=True)
class HandoverTimeSlots:
    """How and when a package can be handed to the carrier."""

    can_pickup: bool
    can_drop_off: bool
    drop_off_point_url: str | None
    pickup_slots: tuple[PickupSlot, ...]
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, data: Raw) -> HandoverTimeSlots:
        """Read Get Handover Time Slots; `avaliable` is TikTok's spelling."""
        slots = []
        for slot in _dicts(data.get("pickup_slots")):
            flag = slot.get("avaliable", slot.get("available"))
            slots.append(
                PickupSlot(
                    start_time=as_time(slot.get("start_time")),
                    end_time=as_time(slot.get("end_time")),
                    available=True if flag is None else bool(as_bool(flag)),
                    raw=slot,
                )
            )
        return cls(
            can_pickup=bool(as_bool(data.get("can_pickup"))),
            can_drop_off=bool(as_bool(data.get("can_drop_off"))),
            drop_off_point_url=as_str(data.get("drop_off_point_url")),
            pickup_slots=tuple(slots),
            raw=data,
        )


@dataclass(frozen=True)
class ShippingDocument:
    """A label or packing slip to download (the URL lives 24 hours)."""

    doc_url: str
    tracking_number: str | None
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, data: Raw) -> ShippingDocument:
        """Read Get Package Shipping Document."""
        return cls(
            doc_url=str(data.get("doc_url") or ""),
            tracking_number=as_str(data.get("tracking_number")),
            raw=data,
        )


@dataclass(frozen=True)
class MarkShippedResult:
    """The package TikTok made when a seller-shipped order was marked shipped."""

    order_id: str | None
    package_id: str | None
    order_line_item_ids: tuple[str, ...]
    warning: str | None
    raw: Raw = field(default_factory=dict, repr=False, compare=False)
    request_id: str | None = None

    @classmethod
    def from_api(cls, data: Raw, *, request_id: str | None = None) -> MarkShippedResult:
        """Read Mark Package As Shipped."""
        return cls(
            order_id=as_id(data.get("order_id")),
            package_id=as_id(data.get("package_id")),
            order_line_item_ids=as_ids(data.get("order_line_item_ids")),
            warning=as_str(_obj(data.get("warning")).get("message")),
            raw=data,
            request_id=request_id,
        )


@dataclass(frozen=True)
class TrackingEvent:
    """One carrier scan of an order's parcel."""

    description: str | None
    time: datetime | None
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, raw: Raw) -> TrackingEvent:
        """Read one `data.tracking[]` entry; its time is in milliseconds."""
        return cls(
            description=as_str(raw.get("description")),
            time=as_time(raw.get("update_time_millis"), millis=True),
            raw=raw,
        )


# --- returns and cancellations ------------------------------------------------------------------


@dataclass(frozen=True)
class AfterSaleLineItem:
    """A line item a return or cancellation covers, with its refund."""

    id: str | None
    order_line_item_id: str | None
    sku_id: str | None
    seller_sku: str | None
    product_name: str | None
    sku_name: str | None
    refund_total: Decimal | None
    # Bundle parts the line covers (202602: `return_sub_line_items[]`/`cancel_sub_line_items[]`).
    sub_line_items: tuple[AfterSaleLineItem, ...] = ()
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, raw: Raw, id_key: str) -> AfterSaleLineItem:
        """Read a `return_line_items[]` / `cancel_line_items[]` entry (or one of its sub lines)."""
        prefix = id_key.removesuffix("_line_item_id")
        subs = raw.get(f"{prefix}_sub_line_items")
        return cls(
            id=as_id(raw.get(id_key, raw.get(f"{prefix}_sub_line_item_id"))),
            order_line_item_id=as_id(raw.get("order_line_item_id")),
            sku_id=as_id(raw.get("sku_id")),
            seller_sku=as_str(raw.get("seller_sku")),
            product_name=as_str(raw.get("product_name")),
            sku_name=as_str(raw.get("sku_name")),
            refund_total=as_decimal(_obj(raw.get("refund_amount")).get("refund_total")),
            sub_line_items=tuple(cls.from_api(sub, id_key) for sub in _dicts(subs)),
            raw=raw,
        )


@dataclass(frozen=True)
class SellerAction:
    """What the seller must do next on a return or cancellation, and by when."""

    action: str
    deadline: datetime | None


def _seller_actions(values: Any) -> tuple[SellerAction, ...]:
    return tuple(
        SellerAction(action=str(a.get("action") or ""), deadline=as_time(a.get("deadline")))
        for a in _dicts(values)
    )


@dataclass(frozen=True)
class Return:
    """A buyer's return or refund request."""

    id: str
    order_id: str | None
    type: str | None
    status: str | None
    role: str | None
    create_time: datetime | None
    update_time: datetime | None
    reason: str | None
    reason_text: str | None
    currency: str | None
    refund_total: Decimal | None
    arbitration_status: str | None
    return_tracking_number: str | None
    line_items: tuple[AfterSaleLineItem, ...]
    seller_next_actions: tuple[SellerAction, ...]
    # The seller cannot reject the received package of a quick refund (202602).
    is_quick_refund: bool = False
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, raw: Raw) -> Return:
        """Read one `data.return_orders[]` entry."""
        refund = _obj(raw.get("refund_amount"))
        return cls(
            id=as_id(raw.get("return_id", raw.get("id"))) or "",
            order_id=as_id(raw.get("order_id")),
            type=as_str(raw.get("return_type")),
            status=return_status(raw.get("return_status")),
            role=as_str(raw.get("role")),
            create_time=as_time(raw.get("create_time")),
            update_time=as_time(raw.get("update_time")),
            reason=as_str(raw.get("return_reason")),
            reason_text=as_str(raw.get("return_reason_text")),
            currency=as_str(refund.get("currency")),
            refund_total=as_decimal(refund.get("refund_total")),
            arbitration_status=as_str(raw.get("arbitration_status")),
            return_tracking_number=as_str(raw.get("return_tracking_number")),
            line_items=tuple(
                AfterSaleLineItem.from_api(li, "return_line_item_id")
                for li in _dicts(raw.get("return_line_items"))
            ),
            seller_next_actions=_seller_actions(raw.get("seller_next_action_response")),
            is_quick_refund=bool(as_bool(raw.get("is_quick_refund"))),
            raw=raw,
        )


@dataclass(frozen=True)
class Cancellation:
    """A request to cancel (part of) an order."""

    id: str
    order_id: str | None
    type: str | None
    status: str | None
    role: str | None
    create_time: datetime | None
    update_time: datetime | None
    reason: str | None
    reason_text: str | None
    currency: str | None
    refund_total: Decimal | None
    line_items: tuple[AfterSaleLineItem, ...]
    seller_next_actions: tuple[SellerAction, ...]
    # Whether the cancelled units go back into sellable stock (202602).
    should_replenish_stock: bool = False
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, raw: Raw) -> Cancellation:
        """Read one `data.cancellations[]` entry."""
        refund = _obj(raw.get("refund_amount"))
        return cls(
            id=as_id(raw.get("cancel_id", raw.get("id"))) or "",
            order_id=as_id(raw.get("order_id")),
            type=as_str(raw.get("cancel_type")),
            status=cancel_status(raw.get("cancel_status")),
            role=as_str(raw.get("role")),
            create_time=as_time(raw.get("create_time")),
            update_time=as_time(raw.get("update_time")),
            reason=as_str(raw.get("cancel_reason")),
            reason_text=as_str(raw.get("cancel_reason_text")),
            currency=as_str(refund.get("currency")),
            refund_total=as_decimal(refund.get("refund_total")),
            line_items=tuple(
                AfterSaleLineItem.from_api(li, "cancel_line_item_id")
                for li in _dicts(raw.get("cancel_line_items"))
            ),
            seller_next_actions=_seller_actions(raw.get("seller_next_action_response")),
            should_replenish_stock=bool(as_bool(raw.get("should_replenish_stock"))),
            raw=raw,
        )


@dataclass(frozen=True)
class RejectReason:
    """A reason a seller may give when rejecting a return or cancellation."""

    name: str
    text: str | None
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, raw: Raw) -> RejectReason:
        """Read one `data.reasons[]` entry."""
        return cls(name=str(raw.get("name") or ""), text=as_str(raw.get("text")), raw=raw)


@dataclass(frozen=True)
class DecisionEligibility:
    """Whether the seller may take one decision on a return or cancellation, and with which reasons.

    Read from Get Decision Eligibility (202601); its response tree beyond the query is
    UNVERIFIED, so both `decisions[]` entries and a flat `reasons[]` are read.
    """

    decision: str
    eligible: bool
    reject_reasons: tuple[RejectReason, ...]
    ineligible_reason: str | None = None
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, raw: Raw) -> DecisionEligibility:
        """Read one `data.decisions[]` entry."""
        flag = raw.get("is_eligible", raw.get("eligible"))
        reasons = raw.get("reject_reasons", raw.get("reasons"))
        return cls(
            decision=str(raw.get("decision") or ""),
            eligible=True if flag is None else bool(as_bool(flag)),
            reject_reasons=tuple(RejectReason.from_api(r) for r in _dicts(reasons)),
            ineligible_reason=as_str(raw.get("ineligible_reason")),
            raw=raw,
        )


@dataclass(frozen=True)
class AftersaleEligibility:
    """Whether the seller may start one kind of after-sale on an order, and the reasons allowed.

    Read from Get Aftersale Eligibility (202602); `available_reason_names` is the contract's
    name, the rest of the tree is UNVERIFIED and read tolerantly.
    """

    request_type: str | None
    eligible: bool
    reason_names: tuple[str, ...]
    ineligible_reason: str | None = None
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, raw: Raw) -> AftersaleEligibility:
        """Read one eligibility entry."""
        flag = raw.get("is_eligible", raw.get("eligible"))
        names = raw.get("available_reason_names")
        return cls(
            request_type=as_str(raw.get("request_type")),
            eligible=True if flag is None else bool(as_bool(flag)),
            reason_names=tuple(str(n) for n in names if n) if isinstance(names, list) else (),
            ineligible_reason=as_str(raw.get("ineligible_reason")),
            raw=raw,
        )


@dataclass(frozen=True)
class RefundAmount:
    """What a buyer would get back (Calculate Refund's `order_refund_amount`)."""

    currency: str | None
    refund_total: Decimal | None
    refund_subtotal: Decimal | None
    refund_shipping_fee: Decimal | None
    refund_tax: Decimal | None
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, data: Raw) -> RefundAmount:
        """Read Calculate Refund's `data` (or the amount object itself)."""
        amount = _obj(data.get("order_refund_amount")) or data
        return cls(
            currency=as_str(amount.get("currency")),
            refund_total=as_decimal(amount.get("refund_total")),
            refund_subtotal=as_decimal(amount.get("refund_subtotal")),
            refund_shipping_fee=as_decimal(amount.get("refund_shipping_fee")),
            refund_tax=as_decimal(amount.get("refund_tax")),
            raw=data,
        )


@dataclass(frozen=True)
class SellerCancellation:
    """The cancellation a seller's Cancel Order created."""

    cancel_id: str
    cancel_status: str | None
    raw: Raw = field(default_factory=dict, repr=False, compare=False)
    request_id: str | None = None

    @classmethod
    def from_api(cls, data: Raw, *, request_id: str | None = None) -> SellerCancellation:
        """Read Cancel Order's `data {cancel_id, cancel_status}`."""
        return cls(
            cancel_id=as_id(data.get("cancel_id")) or "",
            cancel_status=cancel_status(data.get("cancel_status")),
            raw=data,
            request_id=request_id,
        )


# --- finance ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Statement:
    """A daily settlement statement of a shop."""

    id: str
    statement_time: datetime | None
    currency: str | None
    settlement_amount: Decimal | None
    revenue_amount: Decimal | None
    fee_amount: Decimal | None
    adjustment_amount: Decimal | None
    net_sales_amount: Decimal | None
    shipping_cost_amount: Decimal | None
    payment_status: str | None
    payment_id: str | None
    payment_time: datetime | None
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, raw: Raw) -> Statement:
        """Read one `data.statements[]` entry."""
        return cls(
            id=as_id(raw.get("id")) or "",
            statement_time=as_time(raw.get("statement_time")),
            currency=as_str(raw.get("currency")),
            settlement_amount=as_decimal(raw.get("settlement_amount")),
            revenue_amount=as_decimal(raw.get("revenue_amount")),
            fee_amount=as_decimal(raw.get("fee_amount")),
            adjustment_amount=as_decimal(raw.get("adjustment_amount")),
            net_sales_amount=as_decimal(raw.get("net_sales_amount")),
            shipping_cost_amount=as_decimal(raw.get("shipping_cost_amount")),
            payment_status=as_str(raw.get("payment_status")),
            payment_id=as_id(raw.get("payment_id")),
            payment_time=as_time(raw.get("payment_time")),
            raw=raw,
        )


@dataclass(frozen=True)
class Payment:
    """A payout of settled money to the seller's bank account."""

    id: str
    create_time: datetime | None
    paid_time: datetime | None
    status: str | None
    amount: Money | None
    settlement_amount: Money | None
    reserve_amount: Money | None
    amount_before_exchange: Money | None
    exchange_rate: Decimal | None
    bank_account: str | None
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, raw: Raw) -> Payment:
        """Read one `data.payments[]` entry (amounts are `{value, currency}`).

        202605 dropped `reserve_amount` (None then) and sends `paid_time` 0 while unpaid (None).
        """
        return cls(
            id=as_id(raw.get("id")) or "",
            create_time=as_time(raw.get("create_time")),
            paid_time=as_time(raw.get("paid_time")),
            status=as_str(raw.get("status")),
            amount=Money.from_api(raw.get("amount"), amount_key="value"),
            settlement_amount=Money.from_api(raw.get("settlement_amount"), amount_key="value"),
            reserve_amount=Money.from_api(raw.get("reserve_amount"), amount_key="value"),
            amount_before_exchange=Money.from_api(
                raw.get("payment_amount_before_exchange"), amount_key="value"
            ),
            exchange_rate=as_decimal(raw.get("exchange_rate")),
            bank_account=as_str(raw.get("bank_account")),
            raw=raw,
        )


def _amounts(value: Any) -> dict[str, Decimal]:
    """The money amounts of a breakdown object (`{name: "1.23"}`), nested objects skipped."""
    out: dict[str, Decimal] = {}
    for key, item in _obj(value).items():
        if isinstance(item, Mapping | list | tuple):
            continue
        amount = as_decimal(item)
        if amount is not None:
            out[str(key)] = amount
    return out


@dataclass(frozen=True)
class StatementTransaction:
    """One order or adjustment a statement settled (202501 `transactions[]`)."""

    id: str
    type: str | None
    order_id: str | None
    order_create_time: datetime | None
    associated_order_id: str | None
    adjustment_id: str | None
    currency: str | None
    settlement_amount: Decimal | None
    revenue_amount: Decimal | None
    shipping_cost_amount: Decimal | None
    fee_tax_amount: Decimal | None
    adjustment_amount: Decimal | None
    reserve_amount: Decimal | None
    estimated_release_time: datetime | None
    revenue_breakdown: Mapping[str, Decimal] = field(default_factory=dict)
    shipping_cost_breakdown: Mapping[str, Decimal] = field(default_factory=dict)
    fee_breakdown: Mapping[str, Decimal] = field(default_factory=dict)
    tax_breakdown: Mapping[str, Decimal] = field(default_factory=dict)
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, raw: Raw, *, currency: str | None = None) -> StatementTransaction:
        """Read one row; 202501 states the currency once at the root, so it is passed in."""
        fee_tax = _obj(raw.get("fee_tax_breakdown"))
        fee_tax_amount = raw.get("fee_tax_amount", raw.get("fee_amount"))
        return cls(
            id=as_id(raw.get("id")) or "",
            type=as_str(raw.get("type")),
            order_id=as_id(raw.get("order_id")),
            order_create_time=as_time(raw.get("order_create_time")),
            associated_order_id=as_id(raw.get("associated_order_id")),
            adjustment_id=as_id(raw.get("adjustment_id")),
            currency=as_str(raw.get("currency")) or currency,
            settlement_amount=as_decimal(raw.get("settlement_amount")),
            revenue_amount=as_decimal(raw.get("revenue_amount")),
            shipping_cost_amount=as_decimal(raw.get("shipping_cost_amount")),
            fee_tax_amount=as_decimal(fee_tax_amount),
            adjustment_amount=as_decimal(raw.get("adjustment_amount")),
            reserve_amount=as_decimal(raw.get("reserve_amount")),
            estimated_release_time=as_time(raw.get("estimated_release_time")),
            revenue_breakdown=_amounts(raw.get("revenue_breakdown")),
            shipping_cost_breakdown=_amounts(raw.get("shipping_cost_breakdown")),
            fee_breakdown=_amounts(fee_tax.get("fee")),
            tax_breakdown=_amounts(fee_tax.get("tax")),
            raw=raw,
        )


@dataclass(frozen=True)
class StatementTotals:
    """A statement's header in 202501 Get Transactions by Statement."""

    id: str
    create_time: datetime | None
    status: str | None
    currency: str | None
    payable_amount: Decimal | None
    settlement_amount: Decimal | None
    reserve_amount: Decimal | None
    revenue_amount: Decimal | None
    shipping_cost_amount: Decimal | None
    fee_tax_amount: Decimal | None
    adjustment_amount: Decimal | None
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, data: Raw) -> StatementTotals:
        """Read the root of the response (`total_settlement_breakdown` flattened)."""
        breakdown = _obj(data.get("total_settlement_breakdown"))
        return cls(
            id=as_id(data.get("id")) or "",
            create_time=as_time(data.get("create_time")),
            status=as_str(data.get("status")),
            currency=as_str(data.get("currency")),
            payable_amount=as_decimal(data.get("payable_amount")),
            settlement_amount=as_decimal(data.get("total_settlement_amount")),
            reserve_amount=as_decimal(data.get("total_reserve_amount")),
            revenue_amount=as_decimal(breakdown.get("total_revenue_amount")),
            shipping_cost_amount=as_decimal(breakdown.get("total_shipping_cost_amount")),
            fee_tax_amount=as_decimal(breakdown.get("total_fee_tax_amount")),
            adjustment_amount=as_decimal(breakdown.get("total_adjustment_amount")),
            raw=data,
        )


@dataclass(frozen=True)
class StatementTransactionPage(Page[StatementTransaction]):
    """One page of a statement's transactions, with the statement's totals."""

    statement: StatementTotals | None = None

    @classmethod
    def from_api(cls, data: Raw, page_token: str | None) -> StatementTransactionPage:
        """Read 202501 Get Transactions by Statement."""
        currency = as_str(data.get("currency"))
        page = page_from_data(
            data,
            "transactions",
            lambda row: StatementTransaction.from_api(row, currency=currency),
            page_token,
        )
        return cls(
            items=page.items,
            next_page_token=page.next_page_token,
            total_count=page.total_count,
            page_token=page_token,
            raw=data,
            statement=StatementTotals.from_api(data),
        )


@dataclass(frozen=True)
class SkuTransaction:
    """How one SKU of an order settled in one statement (202501 `sku_transactions[]`)."""

    statement_id: str | None
    sku_id: str | None
    sku_name: str | None
    product_name: str | None
    quantity: int | None
    currency: str | None
    settlement_amount: Decimal | None
    revenue_amount: Decimal | None
    shipping_cost_amount: Decimal | None
    fee_tax_amount: Decimal | None
    revenue_breakdown: Mapping[str, Decimal] = field(default_factory=dict)
    shipping_cost_breakdown: Mapping[str, Decimal] = field(default_factory=dict)
    fee_breakdown: Mapping[str, Decimal] = field(default_factory=dict)
    tax_breakdown: Mapping[str, Decimal] = field(default_factory=dict)
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, raw: Raw, *, currency: str | None = None) -> SkuTransaction:
        """Read one `sku_transactions[]` entry."""
        fee_tax = _obj(raw.get("fee_tax_breakdown"))
        return cls(
            statement_id=as_id(raw.get("statement_id")),
            sku_id=as_id(raw.get("sku_id")),
            sku_name=as_str(raw.get("sku_name")),
            product_name=as_str(raw.get("product_name")),
            quantity=as_int(raw.get("quantity")),
            currency=as_str(raw.get("currency")) or currency,
            settlement_amount=as_decimal(raw.get("settlement_amount")),
            revenue_amount=as_decimal(raw.get("revenue_amount")),
            shipping_cost_amount=as_decimal(raw.get("shipping_cost_amount")),
            fee_tax_amount=as_decimal(raw.get("fee_tax_amount")),
            revenue_breakdown=_amounts(raw.get("revenue_breakdown")),
            shipping_cost_breakdown=_amounts(raw.get("shipping_cost_breakdown")),
            fee_breakdown=_amounts(fee_tax.get("fee")),
            tax_breakdown=_amounts(fee_tax.get("tax")),
            raw=raw,
        )


@dataclass(frozen=True)
class OrderStatementTransactions:
    """How one order settled, SKU by SKU (202501 Get Transactions by Order)."""

    order_id: str
    order_create_time: datetime | None
    currency: str | None
    settlement_amount: Decimal | None
    revenue_amount: Decimal | None
    shipping_cost_amount: Decimal | None
    fee_tax_amount: Decimal | None
    sku_transactions: tuple[SkuTransaction, ...]
    total_count: int | None = None
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, data: Raw) -> OrderStatementTransactions:
        """Read the response; the root says `fee_and_tax_amount`, the rows `fee_tax_amount`."""
        currency = as_str(data.get("currency"))
        return cls(
            order_id=as_id(data.get("order_id")) or "",
            order_create_time=as_time(data.get("order_create_time")),
            currency=currency,
            settlement_amount=as_decimal(data.get("settlement_amount")),
            revenue_amount=as_decimal(data.get("revenue_amount")),
            shipping_cost_amount=as_decimal(data.get("shipping_cost_amount")),
            fee_tax_amount=as_decimal(data.get("fee_and_tax_amount", data.get("fee_tax_amount"))),
            sku_transactions=tuple(
                SkuTransaction.from_api(t, currency=currency)
                for t in _dicts(data.get("sku_transactions"))
            ),
            total_count=as_int(data.get("total_count")),
            raw=data,
        )


@dataclass(frozen=True)
class UnsettledOrder:
    """An order not settled yet, with TikTok's estimates (`est_*`) of what it will settle."""

    order_id: str
    order_create_time: datetime | None
    currency: str | None
    est_settlement_amount: Decimal | None
    estimates: Mapping[str, Decimal] = field(default_factory=dict)
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, raw: Raw) -> UnsettledOrder:
        """Read one unsettled order; every `est_*` amount lands in `estimates` (UNVERIFIED list)."""
        estimates = {k: v for k, v in _amounts(raw).items() if k.startswith("est_")}
        return cls(
            order_id=as_id(raw.get("order_id", raw.get("id"))) or "",
            order_create_time=as_time(raw.get("order_create_time")),
            currency=as_str(raw.get("currency")),
            est_settlement_amount=estimates.get("est_settlement_amount"),
            estimates=estimates,
            raw=raw,
        )


@dataclass(frozen=True)
class Withdrawal:
    """A movement of the seller's balance (withdraw, settle, transfer, reverse, ...)."""

    id: str
    type: str | None
    amount: Decimal | None
    currency: str | None
    status: str | None
    create_time: datetime | None
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, raw: Raw) -> Withdrawal:
        """Read one `data.withdrawals[]` entry (amount a decimal string, or `{value, currency}`)."""
        amount = raw.get("amount")
        money = Money.from_api(amount, amount_key="value") if isinstance(amount, Mapping) else None
        return cls(
            id=as_id(raw.get("id")) or "",
            type=as_str(raw.get("type")),
            amount=money.amount if money else as_decimal(amount),
            currency=(money.currency if money else None) or as_str(raw.get("currency")),
            status=as_str(raw.get("status")),
            create_time=as_time(raw.get("create_time")),
            raw=raw,
        )


# --- webhooks -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookSubscription:
    """A shop's webhook address for one event type."""

    event_type: str
    address: str | None
    create_time: datetime | None
    update_time: datetime | None
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, raw: Raw) -> WebhookSubscription:
        """Read one `data.webhooks[]` entry."""
        return cls(
            event_type=str(raw.get("event_type") or ""),
            address=as_str(raw.get("address")),
            create_time=as_time(raw.get("create_time")),
            update_time=as_time(raw.get("update_time")),
            raw=raw,
        )


class WebhookPayloadError(ValueError):
    """A webhook body that is not a TikTok Shop event envelope."""


@dataclass(frozen=True)
class WebhookEvent:
    """One pushed event: the envelope, with ids as strings and statuses in one spelling."""

    type: int
    tts_notification_id: str | None
    shop_id: str | None
    timestamp: datetime | None
    data: Raw
    creator_open_id: str | None = None
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @property
    def event_type(self) -> str | None:
        """The Event API name of this topic (None for topics without a confirmed name)."""
        return WEBHOOK_EVENT_TYPES.get(self.type)

    def data_id(self, key: str) -> str | None:
        """An id inside `data` as a string (types 5 and 37 send `product_id` as a number)."""
        return as_id(self.data.get(key))

    @property
    def order_id(self) -> str | None:
        """The order this event is about, if any."""
        return self.data_id("order_id")

    @property
    def product_id(self) -> str | None:
        """The product this event is about, if any."""
        return self.data_id("product_id")

    @property
    def package_ids(self) -> tuple[str, ...]:
        """Packages a PACKAGE_UPDATE names."""
        return tuple(
            i
            for i in (as_id(p.get("package_id")) for p in _dicts(self.data.get("package_list")))
            if i
        )

    @property
    def order_ids(self) -> tuple[str, ...]:
        """Every order id the event names (`order_id`, `order_ids`, package order lists)."""
        ids: list[str] = []
        if self.order_id:
            ids.append(self.order_id)
        ids.extend(as_ids(self.data.get("order_ids")))
        for package in _dicts(self.data.get("package_list")):
            ids.extend(as_ids(package.get("order_id_list")))
        return tuple(dict.fromkeys(ids))

    @property
    def status(self) -> str | None:
        """Status in one spelling (`CANCEL` → `CANCELLED`, `…_CANCEL` → `…_CANCELLED`)."""
        if "order_status" in self.data:
            return order_status(self.data.get("order_status"))
        if "cancel_status" in self.data:
            return cancel_status(self.data.get("cancel_status"))
        if "return_status" in self.data:
            return return_status(self.data.get("return_status"))
        return as_str(self.data.get("status"))

    @property
    def update_time(self) -> datetime | None:
        """When the change happened at TikTok (falls back to the push time)."""
        return (
            as_time(self.data.get("update_time"))
            or as_time(self.data.get("create_time"))
            or self.timestamp
        )


def parse_webhook(body: str | bytes | Mapping[str, Any]) -> WebhookEvent:
    """Read a webhook body (raw bytes as received, or already-decoded JSON) into an event."""
    if isinstance(body, Mapping):
        payload: Any = body
    else:
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise WebhookPayloadError("webhook body is not JSON") from exc
    if not isinstance(payload, Mapping):
        raise WebhookPayloadError("webhook body is not a JSON object")
    event_type = as_int(payload.get("type"))
    if event_type is None:
        raise WebhookPayloadError("webhook body has no numeric `type`")
    data = payload.get("data")
    if isinstance(data, str):
        # Tolerate a topic that nests its data as a JSON string.
        try:
            data = json.loads(data)
        except ValueError:
            data = {"value": data}
    return WebhookEvent(
        type=event_type,
        tts_notification_id=as_id(payload.get("tts_notification_id")),
        shop_id=as_id(payload.get("shop_id")),
        timestamp=as_time(payload.get("timestamp")),
        data=data if isinstance(data, Mapping) else {},
        creator_open_id=as_id(payload.get("creator_open_id")),
        raw=payload,
    )


# --- write requests -----------------------------------------------------------------------------


# The list price that asks TikTok to remove one (UNVERIFIED: see PriceUpdate.clear_list_price).
LIST_PRICE_CLEARED = Decimal("0")


@dataclass(frozen=True)
class PriceUpdate:
    """A SKU's new absolute price (and optional US list price)."""

    sku_id: str
    amount: Decimal
    currency: str
    list_price: Decimal | None = None
    # Remove the list price. UNVERIFIED: the contract documents no way to clear one, so this
    # sends a list price of 0 (`LIST_PRICE_CLEARED`); if TikTok refuses it, that SKU's outcome
    # says so and nothing else changes.
    clear_list_price: bool = False
    # Cross-border ("global") sellers send `price.sale_price` instead of `price.amount` (§7.7).
    cross_border: bool = False

    def to_api(self) -> dict[str, Any]:
        """The `skus[]` entry of Update Price."""
        if not isinstance(self.amount, Decimal) or self.amount < 0:
            raise InvalidRequestError(f"price of SKU {self.sku_id} must be a non-negative Decimal")
        key = "sale_price" if self.cross_border else "amount"
        entry: dict[str, Any] = {
            "id": self.sku_id,
            "price": Money(self.amount, self.currency).to_api(key),
        }
        if self.clear_list_price:
            entry["list_price"] = Money(LIST_PRICE_CLEARED, self.currency).to_api()
        elif self.list_price is not None:
            entry["list_price"] = Money(self.list_price, self.currency).to_api()
        return entry


@dataclass(frozen=True)
class WarehouseQuantity:
    """An absolute stock level in one warehouse (None: the SKU's only warehouse)."""

    warehouse_id: str | None
    quantity: int


# DOC says 1-99 999; 0 is allowed here because zeroing stock is routine (UNVERIFIED upstream).
MAX_STOCK_QUANTITY = 99_999


@dataclass(frozen=True)
class InventoryUpdate:
    """A SKU's new absolute stock, listing every warehouse it is stocked in."""

    sku_id: str
    inventory: Sequence[WarehouseQuantity]

    def to_api(self) -> dict[str, Any]:
        """The `skus[]` entry of Update Inventory."""
        if not self.inventory:
            raise InvalidRequestError(f"SKU {self.sku_id} needs at least one warehouse quantity")
        entries = []
        for stock in self.inventory:
            if isinstance(stock.quantity, bool) or not isinstance(stock.quantity, int):
                raise InvalidRequestError(f"stock of SKU {self.sku_id} must be an integer")
            if not 0 <= stock.quantity <= MAX_STOCK_QUANTITY:
                raise InvalidRequestError(
                    f"stock of SKU {self.sku_id} must be 0-{MAX_STOCK_QUANTITY}, "
                    f"got {stock.quantity}"
                )
            entry: dict[str, Any] = {"quantity": stock.quantity}
            if stock.warehouse_id:
                entry["warehouse_id"] = stock.warehouse_id
            entries.append(entry)
        return {"id": self.sku_id, "inventory": entries}


@dataclass(frozen=True)
class PackageShipment:
    """How one package is handed over in a batch ship (pickup slot or seller's own tracking)."""

    package_id: str
    handover_method: str | None = None
    pickup_start: datetime | int | None = None
    pickup_end: datetime | int | None = None
    tracking_number: str | None = None
    shipping_provider_id: str | None = None

    def to_api(self, *, with_id: bool = True) -> dict[str, Any]:
        """The body of Ship Package (or one `packages[]` entry of the batch)."""
        body: dict[str, Any] = {"id": self.package_id} if with_id else {}
        if self.handover_method:
            body["handover_method"] = self.handover_method
        if self.pickup_start is not None or self.pickup_end is not None:
            body["pickup_slot"] = {
                "start_time": epoch_seconds(self.pickup_start, "pickup_start"),
                "end_time": epoch_seconds(self.pickup_end, "pickup_end"),
            }
        if self.tracking_number or self.shipping_provider_id:
            if not (self.tracking_number and self.shipping_provider_id):
                raise InvalidRequestError(
                    "self shipment needs both tracking_number and shipping_provider_id"
                )
            body["self_shipment"] = {
                "tracking_number": self.tracking_number,
                "shipping_provider_id": self.shipping_provider_id,
            }
        return body


@dataclass(frozen=True)
class ShippingInfo:
    """One `shipping_info_list[]` entry of the 202610 mark-shipped and tracking updates."""

    tracking_number: str
    shipping_provider_id: str
    note: str | None = None

    def to_api(self) -> dict[str, str]:
        """The entry as TikTok takes it."""
        if not self.tracking_number or not self.shipping_provider_id:
            raise InvalidRequestError("tracking_number and shipping_provider_id are required")
        entry = {
            "tracking_number": self.tracking_number,
            "shipping_provider_id": self.shipping_provider_id,
        }
        if self.note:
            entry["note"] = self.note
        return entry


@dataclass(frozen=True)
class OrderLineRef:
    """A line (or one part of a bundle line) to ship: an `order_line_list[]` entry (202610)."""

    order_line_id: str
    sub_item_id: str | None = None

    def to_api(self) -> dict[str, str]:
        """The entry as Mark Package As Shipped takes it."""
        if not self.order_line_id:
            raise InvalidRequestError("order_line_id is required")
        entry = {"order_line_id": self.order_line_id}
        if self.sub_item_id:
            entry["sub_item_id"] = self.sub_item_id
        return entry


@dataclass(frozen=True)
class AfterSaleLineRef:
    """A line (or bundle part) to cancel or refund: an `order_line_list[]` entry (202602)."""

    order_line_item_id: str
    sub_order_line_item_id: str | None = None

    def to_api(self) -> dict[str, str]:
        """The entry as Cancel Order and Calculate Refund take it."""
        if not self.order_line_item_id:
            raise InvalidRequestError("order_line_item_id is required")
        entry = {"order_line_item_id": self.order_line_item_id}
        if self.sub_order_line_item_id:
            entry["sub_order_line_item_id"] = self.sub_order_line_item_id
        return entry


def dedupe_ids(ids: Iterable[Any]) -> list[str]:
    """Ids as strings, blanks dropped, first occurrence kept."""
    return list(dict.fromkeys(i for i in (as_id(v) for v in ids) if i))
