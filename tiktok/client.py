"""The TikTok Shop Open API client for one (app, shop): signed calls, retries, typed results.

Paths, methods, query-vs-body fields and limits follow shared/tiktok-shop-api.md (§§2-13).
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

import httpx

from tiktok.auth import StaticToken, TokenProvider
from tiktok.config import API_BASE_URL, DEFAULT_TIMEOUT, AppCredentials
from tiktok.errors import InvalidRequestError, NeedsReauthorizationError, TikTokError
from tiktok.pagination import Page, check_batch, check_page_size, chunked, page_from_data, paginate
from tiktok.ratelimit import NoRateLimit, RateLimiter, rate_limit_key
from tiktok.signing import request_signature
from tiktok.transport import RetryPolicy, log_exchange, read_envelope, should_retry, transport_error
from tiktok.types import (
    AftersaleEligibility,
    AfterSaleLineRef,
    BatchResult,
    Cancellation,
    DecisionEligibility,
    DeliveryOption,
    HandoverTimeSlots,
    InventoryUpdate,
    MarkShippedResult,
    Money,
    Order,
    OrderLineRef,
    OrderStatementTransactions,
    Package,
    PackageShipment,
    Payment,
    PriceUpdate,
    Product,
    ProductInventory,
    RefundAmount,
    RejectReason,
    Return,
    SellerCancellation,
    ShippingDocument,
    ShippingInfo,
    ShippingProvider,
    Shop,
    SplitAttributes,
    SplitResult,
    Statement,
    StatementTransactionPage,
    TrackingEvent,
    UnsettledOrder,
    Warehouse,
    WebhookSubscription,
    Withdrawal,
    WriteResult,
    dedupe_ids,
    epoch_seconds,
)

Time = datetime | int | None
SortOrder = Literal["ASC", "DESC"]
# The 202606 decision Reject Return takes to offer a partial refund instead of rejecting.
PARTIAL_REFUND_AFTER_RECEIVING = "OFFER_PARTIAL_REFUND_AFTER_RECEIVING_PKG"


@dataclass(frozen=True)
class Endpoint:
    """One API operation: method, path template, whether it takes `shop_cipher`, retry safety."""

    method: str
    path: str
    shop_scoped: bool = True
    # True when sending it twice does no harm: reads, absolute sets, keyed decisions.
    repeatable: bool = True


# --- API versions (contract §18) ---------------------------------------------------------------

# The one table of which version of each endpoint the client calls: the newest TikTok serves
# (December 2026). Moving an endpoint is one line here plus the shape its method sends and reads;
# tests/tiktok/test_api_versions.py fails when a line names a version TikTok has retired.
API_VERSIONS: Mapping[str, str] = {
    "authorized_shops": "202309",
    "seller_shops": "202309",
    "search_products": "202502",
    "get_product": "202309",
    "update_prices": "202309",
    "update_inventory": "202309",
    "activate_products": "202309",
    "deactivate_products": "202309",
    "search_inventory": "202309",
    "get_warehouses": "202309",
    "get_delivery_options": "202309",
    "get_shipping_providers": "202309",
    "search_orders": "202309",
    "get_orders": "202507",
    "search_packages": "202309",
    "get_package": "202309",
    "ship_package": "202309",
    "ship_packages": "202309",
    "get_handover_time_slots": "202309",
    "get_split_attributes": "202309",
    "split_order": "202309",
    "get_shipping_document": "202309",
    "mark_package_shipped": "202610",
    "update_order_shipping_info": "202309",
    "update_package_shipping_info": "202610",
    "get_order_tracking": "202309",
    "search_returns": "202602",
    "search_cancellations": "202602",
    "approve_return": "202309",
    "reject_return": "202606",
    "approve_cancellation": "202309",
    "reject_cancellation": "202309",
    "get_reject_reasons": "202309",
    "get_decision_eligibility": "202601",
    "get_aftersale_eligibility": "202602",
    "cancel_order": "202602",
    "calculate_refund": "202602",
    "get_statements": "202309",
    "get_payments": "202605",
    "get_statement_transactions": "202501",
    "get_order_statement_transactions": "202501",
    "get_unsettled_orders": "202507",
    "get_withdrawals": "202309",
    "get_webhooks": "202309",
    "update_webhook": "202309",
    "delete_webhook": "202309",
}


def _endpoint(
    name: str, method: str, template: str, *, shop_scoped: bool = True, repeatable: bool = True
) -> Endpoint:
    """An endpoint at the version API_VERSIONS gives it (`{version}` in the template)."""
    path = template.replace("{version}", API_VERSIONS[name])
    return Endpoint(method, path, shop_scoped=shop_scoped, repeatable=repeatable)


# --- the endpoints the product uses (§3, §18) ---------------------------------------------------

AUTHORIZED_SHOPS = _endpoint(
    "authorized_shops", "GET", "/authorization/{version}/shops", shop_scoped=False
)
SELLER_SHOPS = _endpoint("seller_shops", "GET", "/seller/{version}/shops", shop_scoped=False)

SEARCH_PRODUCTS = _endpoint("search_products", "POST", "/product/{version}/products/search")
GET_PRODUCT = _endpoint("get_product", "GET", "/product/{version}/products/{product_id}")
UPDATE_PRICES = _endpoint(
    "update_prices", "POST", "/product/{version}/products/{product_id}/prices/update"
)
UPDATE_INVENTORY = _endpoint(
    "update_inventory", "POST", "/product/{version}/products/{product_id}/inventory/update"
)
# Activation is a state set; a repeat at worst yields a per-item "status does not allow" error.
ACTIVATE_PRODUCTS = _endpoint("activate_products", "POST", "/product/{version}/products/activate")
DEACTIVATE_PRODUCTS = _endpoint(
    "deactivate_products", "POST", "/product/{version}/products/deactivate"
)
SEARCH_INVENTORY = _endpoint("search_inventory", "POST", "/product/{version}/inventory/search")

GET_WAREHOUSES = _endpoint("get_warehouses", "GET", "/logistics/{version}/warehouses")
GET_DELIVERY_OPTIONS = _endpoint(
    "get_delivery_options", "GET", "/logistics/{version}/warehouses/{warehouse_id}/delivery_options"
)
GET_SHIPPING_PROVIDERS = _endpoint(
    "get_shipping_providers",
    "GET",
    "/logistics/{version}/delivery_options/{delivery_option_id}/shipping_providers",
)

SEARCH_ORDERS = _endpoint("search_orders", "POST", "/order/{version}/orders/search")
GET_ORDERS = _endpoint("get_orders", "GET", "/order/{version}/orders")

SEARCH_PACKAGES = _endpoint("search_packages", "POST", "/fulfillment/{version}/packages/search")
GET_PACKAGE = _endpoint("get_package", "GET", "/fulfillment/{version}/packages/{package_id}")
# Shipping arranges a carrier and can buy a label: never sent twice on an ambiguous failure.
SHIP_PACKAGE = _endpoint(
    "ship_package", "POST", "/fulfillment/{version}/packages/{package_id}/ship", repeatable=False
)
SHIP_PACKAGES = _endpoint(
    "ship_packages", "POST", "/fulfillment/{version}/packages/ship", repeatable=False
)
GET_SPLIT_ATTRIBUTES = _endpoint(
    "get_split_attributes", "GET", "/fulfillment/{version}/orders/split_attributes"
)
SPLIT_ORDER = _endpoint(
    "split_order", "POST", "/fulfillment/{version}/orders/{order_id}/split", repeatable=False
)
GET_HANDOVER_TIME_SLOTS = _endpoint(
    "get_handover_time_slots",
    "GET",
    "/fulfillment/{version}/packages/{package_id}/handover_time_slots",
)
GET_SHIPPING_DOCUMENT = _endpoint(
    "get_shipping_document",
    "GET",
    "/fulfillment/{version}/packages/{package_id}/shipping_documents",
)
MARK_PACKAGE_SHIPPED = _endpoint(
    "mark_package_shipped",
    "POST",
    "/fulfillment/{version}/orders/{order_id}/packages",
    repeatable=False,
)
# Tracking edits may notify the buyer; repeat only what TikTok provably never processed.
UPDATE_ORDER_SHIPPING_INFO = _endpoint(
    "update_order_shipping_info",
    "POST",
    "/fulfillment/{version}/orders/{order_id}/shipping_info/update",
    repeatable=False,
)
UPDATE_PACKAGE_SHIPPING_INFO = _endpoint(
    "update_package_shipping_info",
    "POST",
    "/fulfillment/{version}/packages/{package_id}/shipping_info/update",
    repeatable=False,
)
GET_ORDER_TRACKING = _endpoint(
    "get_order_tracking", "GET", "/fulfillment/{version}/orders/{order_id}/tracking"
)

SEARCH_RETURNS = _endpoint("search_returns", "POST", "/return_refund/{version}/returns/search")
SEARCH_CANCELLATIONS = _endpoint(
    "search_cancellations", "POST", "/return_refund/{version}/cancellations/search"
)
# Decisions always carry an `idempotency_key`, which is what makes repeating them harmless.
APPROVE_RETURN = _endpoint(
    "approve_return", "POST", "/return_refund/{version}/returns/{return_id}/approve"
)
REJECT_RETURN = _endpoint(
    "reject_return", "POST", "/return_refund/{version}/returns/{return_id}/reject"
)
APPROVE_CANCELLATION = _endpoint(
    "approve_cancellation", "POST", "/return_refund/{version}/cancellations/{cancel_id}/approve"
)
REJECT_CANCELLATION = _endpoint(
    "reject_cancellation", "POST", "/return_refund/{version}/cancellations/{cancel_id}/reject"
)
GET_REJECT_REASONS = _endpoint(
    "get_reject_reasons", "GET", "/return_refund/{version}/reject_reasons"
)
GET_DECISION_ELIGIBILITY = _endpoint(
    "get_decision_eligibility", "GET", "/return_refund/{version}/decision_eligibility"
)
GET_AFTERSALE_ELIGIBILITY = _endpoint(
    "get_aftersale_eligibility",
    "GET",
    "/return_refund/{version}/orders/{order_id}/aftersale_eligibility",
)
# Whether Cancel Order honours an idempotency_key is UNVERIFIED: it carries one anyway, but is
# never re-sent after an ambiguous failure (read the order back instead).
CANCEL_ORDER = _endpoint(
    "cancel_order", "POST", "/return_refund/{version}/cancellations", repeatable=False
)
CALCULATE_REFUND = _endpoint(
    "calculate_refund", "POST", "/return_refund/{version}/refunds/calculate"
)

GET_STATEMENTS = _endpoint("get_statements", "GET", "/finance/{version}/statements")
GET_PAYMENTS = _endpoint("get_payments", "GET", "/finance/{version}/payments")
GET_STATEMENT_TRANSACTIONS = _endpoint(
    "get_statement_transactions",
    "GET",
    "/finance/{version}/statements/{statement_id}/statement_transactions",
)
GET_ORDER_STATEMENT_TRANSACTIONS = _endpoint(
    "get_order_statement_transactions",
    "GET",
    "/finance/{version}/orders/{order_id}/statement_transactions",
)
GET_UNSETTLED_ORDERS = _endpoint(
    "get_unsettled_orders", "GET", "/finance/{version}/orders/unsettled"
)
GET_WITHDRAWALS = _endpoint("get_withdrawals", "GET", "/finance/{version}/withdrawals")
# §18: 202309 withdrawals list PAYMENT and REFUND besides the four original types.
WITHDRAWAL_TYPES = ("WITHDRAW", "SETTLE", "TRANSFER", "REVERSE", "PAYMENT", "REFUND")

GET_WEBHOOKS = _endpoint("get_webhooks", "GET", "/event/{version}/webhooks")
UPDATE_WEBHOOK = _endpoint("update_webhook", "PUT", "/event/{version}/webhooks")
DELETE_WEBHOOK = _endpoint("delete_webhook", "DELETE", "/event/{version}/webhooks")

# --- limits (§6, §7, §8, §10) -------------------------------------------------------------------

ORDER_IDS_PER_CALL = 50
PRODUCT_IDS_PER_STATUS_CALL = 20
INVENTORY_SEARCH_MAX_PRODUCT_IDS = 100
INVENTORY_SEARCH_MAX_SKU_IDS = 600
SEARCH_MAX_SELLER_SKUS = 10
SEARCH_MAX_SKU_IDS = 10
REJECT_COMMENT_MAX_LENGTH = 500
REJECT_MAX_IMAGES = 6
ORDER_SEARCH_MAX_WAREHOUSE_IDS = 100
IDEMPOTENCY_KEY_MAX_LENGTH = 255
WEBHOOK_ADDRESS_MAX_LENGTH = 255

PAGE_SIZE_LIMITS: Mapping[str, tuple[int, int]] = {
    SEARCH_ORDERS.path: (1, 100),
    SEARCH_PRODUCTS.path: (1, 100),
    SEARCH_PACKAGES.path: (1, 50),
    SEARCH_RETURNS.path: (10, 50),
    SEARCH_CANCELLATIONS.path: (1, 50),
    GET_STATEMENTS.path: (1, 100),
    GET_PAYMENTS.path: (1, 100),
    GET_STATEMENT_TRANSACTIONS.path: (1, 100),
    GET_UNSETTLED_ORDERS.path: (1, 100),
    GET_WITHDRAWALS.path: (1, 100),
}

_PATH_ID = re.compile(r"^[A-Za-z0-9_\-]+$")
_TEMPLATE_FIELD = re.compile(r"\{(\w+)\}")


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple | set | frozenset):
        # Arrays go comma-joined; the signature uses this decoded value (§4.1).
        return ",".join(_query_value(v) for v in value)
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"cannot send {type(value).__name__} to TikTok")


def _compact(values: Mapping[str, Any]) -> dict[str, Any]:
    """Drop unset (None) fields so only what the caller chose is sent."""
    return {k: v for k, v in values.items() if v is not None}


def _sort_order(value: str | None) -> str | None:
    if value is None:
        return None
    upper = value.upper()
    if upper not in ("ASC", "DESC"):
        raise InvalidRequestError(f"sort_order must be ASC or DESC, got {value!r}")
    return upper


def _sort_field(value: str | None, allowed: Iterable[str]) -> str | None:
    if value is not None and value not in allowed:
        raise InvalidRequestError(f"sort_field must be one of {sorted(allowed)}, got {value!r}")
    return value


def _id_list(values: Iterable[Any] | None, limit: int | None, what: str) -> list[str] | None:
    if values is None:
        return None
    if isinstance(values, str):
        raise InvalidRequestError(f"{what} must be a list of ids, not one string")
    ids = dedupe_ids(values)
    if limit is not None:
        check_batch(ids, limit, what)
    return ids


def _times(**values: Time) -> dict[str, int | None]:
    return {name: epoch_seconds(value, name) for name, value in values.items()}


def _idempotency_key(value: str) -> str:
    """The caller's key, as given: a key made here would differ on every re-run of a command."""
    if not isinstance(value, str) or not value:
        raise InvalidRequestError("idempotency_key is required: pass the command's persisted key")
    if len(value) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise InvalidRequestError(
            f"idempotency_key is at most {IDEMPOTENCY_KEY_MAX_LENGTH} characters"
        )
    return value


@dataclass(frozen=True)
class Sent:
    """What one operation returned: its `data` and TikTok's `request_id` for it."""

    data: dict[str, Any]
    request_id: str | None


def _as_sent(item: Mapping[str, Any]) -> Mapping[str, Any]:
    return item


def _path_id(value: str, name: str) -> str:
    if not value or not _PATH_ID.match(value):
        raise InvalidRequestError(f"{name} must be a non-empty id, got {value!r}")
    return value


def _mappings(values: Any) -> list[Mapping[str, Any]]:
    if not isinstance(values, list | tuple):
        return []
    return [v for v in values if isinstance(v, Mapping)]


def _aftersale_lines(
    order_lines: Sequence[AfterSaleLineRef] | None, order_line_item_ids: Sequence[str] | None
) -> dict[str, Any]:
    # 202602: `order_line_list[]` and `order_line_item_ids` are never sent together.
    if order_lines is not None and order_line_item_ids is not None:
        raise InvalidRequestError("give order_lines or order_line_item_ids, not both")
    if order_lines:
        return {"order_line_list": [line.to_api() for line in order_lines]}
    return {"order_line_item_ids": _id_list(order_line_item_ids, None, "order_line_item_ids")}


def _reject_images(images: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]] | None:
    if images is None:
        return None
    out = []
    for image in images:
        if not image.get("image_id"):
            raise InvalidRequestError("every rejection image needs an image_id")
        out.append(dict(image))
    return out


class TikTokClient:
    """Signed calls to the TikTok Shop Open API for one app and (optionally) one shop."""

    def __init__(
        self,
        http: httpx.Client,
        credentials: AppCredentials,
        token: TokenProvider | str,
        *,
        shop_cipher: str | None = None,
        base_url: str = API_BASE_URL,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        rate_limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] = time.time,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self._http = http
        self._credentials = credentials
        self._tokens: TokenProvider = StaticToken(token) if isinstance(token, str) else token
        self.shop_cipher = shop_cipher or None
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout
        self._limiter: RateLimiter = rate_limiter or NoRateLimit()
        self._retry = retry or RetryPolicy()
        # Looked up per client, not bound at import, so a test guard on time.sleep sees back-offs.
        self._sleep = sleep if sleep is not None else time.sleep
        self._clock = clock
        self._rand = rand

    def __repr__(self) -> str:
        return (
            f"TikTokClient(app_key={self._credentials.app_key!r}, "
            f"shop_cipher={self.shop_cipher!r}, base_url={self._base_url!r})"
        )

    @property
    def app_key(self) -> str:
        """The app this client signs for."""
        return self._credentials.app_key

    def for_shop(self, shop_cipher: str) -> TikTokClient:
        """A client for another shop of the same authorization (shares HTTP, token, limiter)."""
        return TikTokClient(
            self._http,
            self._credentials,
            self._tokens,
            shop_cipher=shop_cipher,
            base_url=self._base_url,
            timeout=self._timeout,
            rate_limiter=self._limiter,
            retry=self._retry,
            sleep=self._sleep,
            clock=self._clock,
            rand=self._rand,
        )

    # --- the wire ------------------------------------------------------------------------------

    def call(
        self,
        endpoint: Endpoint,
        *,
        path_params: Mapping[str, str] | None = None,
        query: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Send one operation (with retries and one token refresh) and return its `data`."""
        return self.send(endpoint, path_params=path_params, query=query, body=body).data

    def send(
        self,
        endpoint: Endpoint,
        *,
        path_params: Mapping[str, str] | None = None,
        query: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> Sent:
        """Send one operation (with retries and one token refresh): its `data` and `request_id`.

        `idempotency_key` also travels as the `X-Idempotency-Key` header on every attempt, so
        each request can be tied to its command on both sides (UNVERIFIED whether TikTok reads
        it there; it documents the key only as a query parameter of decisions).
        """
        path = self._path(endpoint, path_params or {})
        if endpoint.shop_scoped and not self.shop_cipher:
            raise InvalidRequestError(f"{endpoint.path} needs a shop_cipher; use for_shop()")
        business_query = {k: _query_value(v) for k, v in (query or {}).items() if v is not None}
        content: bytes | None = None
        if endpoint.method != "GET":
            # Serialized once: these exact bytes are signed and sent on every attempt. A POST
            # without filters sends and signs `{}` (never "sent but unsigned", §4.3).
            content = json.dumps(
                dict(body or {}), separators=(",", ":"), ensure_ascii=False, default=_json_default
            ).encode()
        limiter_key = rate_limit_key(
            self._credentials.app_key,
            self.shop_cipher if endpoint.shop_scoped else None,
            endpoint.path,
        )

        token = self._tokens.access_token()
        refreshed = False
        attempt = 0
        retries = 0
        while True:
            attempt += 1
            try:
                return self._attempt(
                    endpoint,
                    path,
                    business_query,
                    content,
                    token,
                    limiter_key,
                    attempt,
                    idempotency_key,
                )
            except TikTokError as error:
                if error.refreshable:
                    if refreshed:
                        raise NeedsReauthorizationError(
                            "access token rejected again right after a refresh",
                            code=error.code,
                            request_id=error.request_id,
                            http_status=error.http_status,
                            path=path,
                        ) from error
                    token = self._tokens.refresh(token)
                    refreshed = True
                    continue
                if retries >= self._retry.max_retries or not should_retry(
                    error, repeatable=endpoint.repeatable
                ):
                    raise
                retries += 1
                self._sleep(self._retry.delay(retries, error, self._rand()))

    def _path(self, endpoint: Endpoint, params: Mapping[str, str]) -> str:
        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            value = str(params.get(name) or "")
            if not _PATH_ID.match(value):
                raise InvalidRequestError(f"{name} must be a non-empty id, got {value!r}")
            return value

        return _TEMPLATE_FIELD.sub(substitute, endpoint.path)

    def _attempt(
        self,
        endpoint: Endpoint,
        path: str,
        business_query: Mapping[str, str],
        content: bytes | None,
        token: str,
        limiter_key: str,
        attempt: int,
        idempotency_key: str | None = None,
    ) -> Sent:
        self._limiter.acquire(limiter_key)
        # Timestamp after the limiter: a long wait must not push it out of TikTok's window.
        query: dict[str, str] = {
            "app_key": self._credentials.app_key,
            "timestamp": str(int(self._clock())),
        }
        if endpoint.shop_scoped and self.shop_cipher:
            query["shop_cipher"] = self.shop_cipher
        query.update(business_query)
        query["sign"] = request_signature(self._credentials.app_secret, path, query, content)
        headers = {"content-type": "application/json", "x-tts-access-token": token}
        if idempotency_key:
            headers["x-idempotency-key"] = idempotency_key
        started = time.perf_counter()
        try:
            response = self._http.request(
                endpoint.method,
                self._base_url + path,
                params=query,
                content=content,
                headers=headers,
                timeout=self._timeout,
            )
        except httpx.HTTPError as exc:
            error = transport_error(exc, path=path)
            log_exchange(
                method=endpoint.method, path=path, attempt=attempt, started=started, error=error
            )
            raise error from exc
        try:
            envelope, data = read_envelope(response, path=path)
        except TikTokError as error:
            log_exchange(
                method=endpoint.method,
                path=path,
                attempt=attempt,
                started=started,
                response=response,
                error=error,
            )
            raise
        log_exchange(
            method=endpoint.method,
            path=path,
            attempt=attempt,
            started=started,
            response=response,
            envelope=envelope,
        )
        request_id = envelope.get("request_id")
        return Sent(data=data, request_id=str(request_id) if request_id else None)

    def _page_size(self, endpoint: Endpoint, page_size: int) -> int:
        low, high = PAGE_SIZE_LIMITS[endpoint.path]
        return check_page_size(page_size, low, high, endpoint.path)

    # --- shops ---------------------------------------------------------------------------------

    def get_authorized_shops(self) -> list[Shop]:
        """Shops this access token covers, with the ciphers shop calls need."""
        data = self.call(AUTHORIZED_SHOPS)
        return [Shop.from_api(s) for s in data.get("shops") or () if isinstance(s, Mapping)]

    def get_seller_shops(self) -> list[Shop]:
        """The seller's active shops (id and region only)."""
        data = self.call(SELLER_SHOPS)
        return [Shop.from_api(s) for s in data.get("shops") or () if isinstance(s, Mapping)]

    # --- products ------------------------------------------------------------------------------

    def search_products(
        self,
        *,
        page_size: int = 100,
        page_token: str | None = None,
        status: str | None = None,
        seller_skus: Sequence[str] | None = None,
        sku_ids: Sequence[str] | None = None,
        audit_status: Sequence[str] | None = None,
        category_version: str | None = None,
        create_time_ge: Time = None,
        create_time_le: Time = None,
        update_time_ge: Time = None,
        update_time_le: Time = None,
    ) -> Page[Product]:
        """One page of product summaries (upper time bounds are inclusive `_le` here)."""
        query = {"page_size": self._page_size(SEARCH_PRODUCTS, page_size), "page_token": page_token}
        # 202502: `category_version` is a body field now, no longer a query parameter.
        body = _compact(
            {
                "status": status,
                "seller_skus": _id_list(seller_skus, SEARCH_MAX_SELLER_SKUS, "seller_skus"),
                "sku_ids": _id_list(sku_ids, SEARCH_MAX_SKU_IDS, "sku_ids"),
                "audit_status": list(audit_status) if audit_status is not None else None,
                "category_version": category_version,
                **_times(
                    create_time_ge=create_time_ge,
                    create_time_le=create_time_le,
                    update_time_ge=update_time_ge,
                    update_time_le=update_time_le,
                ),
            }
        )
        data = self.call(SEARCH_PRODUCTS, query=query, body=body)
        return page_from_data(data, "products", Product.from_api, page_token)

    def iter_product_pages(
        self, *, page_token: str | None = None, **filters: Any
    ) -> Iterator[Page[Product]]:
        """Product pages from `page_token` to the end (filters as in search_products)."""
        return paginate(
            lambda t: self.search_products(page_token=t, **filters), page_token=page_token
        )

    def get_product(self, product_id: str) -> Product:
        """The full product with SKUs, prices and stock."""
        data = self.call(GET_PRODUCT, path_params={"product_id": product_id})
        return Product.from_api(data)

    def update_prices(
        self,
        product_id: str,
        prices: Sequence[PriceUpdate],
        *,
        idempotency_key: str | None = None,
    ) -> BatchResult:
        """Set absolute prices of SKUs of one product; failures come back per SKU.

        TikTok documents an empty `data`; an `errors[]` there is read the way Update Inventory's
        is, so a per-SKU refusal is never taken for success.
        """
        if not prices:
            raise InvalidRequestError("no prices to update")
        body = {"skus": [p.to_api() for p in prices]}
        sent = self.send(
            UPDATE_PRICES,
            path_params={"product_id": product_id},
            body=body,
            idempotency_key=idempotency_key,
        )
        return BatchResult.from_api(sent.data, request_id=sent.request_id)

    def update_inventory(
        self,
        product_id: str,
        updates: Sequence[InventoryUpdate],
        *,
        idempotency_key: str | None = None,
    ) -> BatchResult:
        """Set absolute stock of SKUs of one product; failures come back per SKU."""
        if not updates:
            raise InvalidRequestError("no stock to update")
        body = {"skus": [u.to_api() for u in updates]}
        sent = self.send(
            UPDATE_INVENTORY,
            path_params={"product_id": product_id},
            body=body,
            idempotency_key=idempotency_key,
        )
        return BatchResult.from_api(sent.data, request_id=sent.request_id)

    def activate_products(
        self, product_ids: Sequence[str], *, listing_platforms: Sequence[str] | None = None
    ) -> BatchResult:
        """Put up to 20 products back on sale (re-audit); failures come back per product."""
        return self._product_status_call(ACTIVATE_PRODUCTS, product_ids, listing_platforms)

    def deactivate_products(
        self, product_ids: Sequence[str], *, listing_platforms: Sequence[str] | None = None
    ) -> BatchResult:
        """Take up to 20 products off sale; failures come back per product."""
        return self._product_status_call(DEACTIVATE_PRODUCTS, product_ids, listing_platforms)

    def _product_status_call(
        self,
        endpoint: Endpoint,
        product_ids: Sequence[str],
        listing_platforms: Sequence[str] | None,
    ) -> BatchResult:
        ids = _id_list(product_ids, PRODUCT_IDS_PER_STATUS_CALL, "product_ids") or []
        if not ids:
            raise InvalidRequestError("no product ids given")
        body = _compact(
            {
                "product_ids": ids,
                "listing_platforms": list(listing_platforms) if listing_platforms else None,
            }
        )
        sent = self.send(endpoint, body=body)
        return BatchResult.from_api(sent.data, request_id=sent.request_id)

    def search_inventory(
        self,
        *,
        product_ids: Sequence[str] | None = None,
        sku_ids: Sequence[str] | None = None,
    ) -> list[ProductInventory]:
        """Available and committed stock per SKU and warehouse (sku_ids win if both given)."""
        products = _id_list(product_ids, INVENTORY_SEARCH_MAX_PRODUCT_IDS, "product_ids")
        skus = _id_list(sku_ids, INVENTORY_SEARCH_MAX_SKU_IDS, "sku_ids")
        if not products and not skus:
            raise InvalidRequestError("give product_ids or sku_ids")
        body = _compact({"product_ids": products or None, "sku_ids": skus or None})
        data = self.call(SEARCH_INVENTORY, body=body)
        return [
            ProductInventory.from_api(i)
            for i in data.get("inventory") or ()
            if isinstance(i, Mapping)
        ]

    # --- logistics -----------------------------------------------------------------------------

    def get_warehouses(self) -> list[Warehouse]:
        """The shop's sales and return warehouses."""
        data = self.call(GET_WAREHOUSES)
        return [
            Warehouse.from_api(w) for w in data.get("warehouses") or () if isinstance(w, Mapping)
        ]

    def get_delivery_options(
        self, warehouse_id: str, *, scope: str | None = None
    ) -> list[DeliveryOption]:
        """How parcels from one warehouse can travel."""
        data = self.call(
            GET_DELIVERY_OPTIONS, path_params={"warehouse_id": warehouse_id}, query={"scope": scope}
        )
        return [
            DeliveryOption.from_api(o)
            for o in data.get("delivery_options") or ()
            if isinstance(o, Mapping)
        ]

    def get_shipping_providers(
        self,
        delivery_option_id: str,
        *,
        warehouse_region: str | None = None,
        buyer_region: str | None = None,
    ) -> list[ShippingProvider]:
        """Carriers usable with a delivery option (their ids go with tracking numbers)."""
        data = self.call(
            GET_SHIPPING_PROVIDERS,
            path_params={"delivery_option_id": delivery_option_id},
            query={"warehouse_region": warehouse_region, "buyer_region": buyer_region},
        )
        return [
            ShippingProvider.from_api(p)
            for p in data.get("shipping_providers") or ()
            if isinstance(p, Mapping)
        ]

    # --- orders --------------------------------------------------------------------------------

    def search_orders(
        self,
        *,
        page_size: int = 100,
        page_token: str | None = None,
        sort_field: Literal["create_time", "update_time"] | None = None,
        sort_order: SortOrder | None = None,
        order_status: str | None = None,
        create_time_ge: Time = None,
        create_time_lt: Time = None,
        update_time_ge: Time = None,
        update_time_lt: Time = None,
        shipping_type: str | None = None,
        buyer_user_id: str | None = None,
        is_buyer_request_cancel: bool | None = None,
        warehouse_ids: Sequence[str] | None = None,
        raw: bool = False,
    ) -> Page[Order] | Page[Mapping[str, Any]]:
        """One page of full orders matching the filters.

        `raw=True` returns each order as TikTok sent it (a dict), skipping the typed objects: a
        bulk mirror that reads a few fields of 100 orders a page spends most of its time there.
        """
        query = {
            "page_size": self._page_size(SEARCH_ORDERS, page_size),
            "page_token": page_token,
            "sort_field": _sort_field(sort_field, ("create_time", "update_time")),
            "sort_order": _sort_order(sort_order),
        }
        body = _compact(
            {
                "order_status": order_status,
                **_times(
                    create_time_ge=create_time_ge,
                    create_time_lt=create_time_lt,
                    update_time_ge=update_time_ge,
                    update_time_lt=update_time_lt,
                ),
                "shipping_type": shipping_type,
                "buyer_user_id": buyer_user_id,
                "is_buyer_request_cancel": is_buyer_request_cancel,
                "warehouse_ids": _id_list(
                    warehouse_ids, ORDER_SEARCH_MAX_WAREHOUSE_IDS, "warehouse_ids"
                ),
            }
        )
        data = self.call(SEARCH_ORDERS, query=query, body=body)
        if raw:
            return page_from_data(data, "orders", _as_sent, page_token)
        return page_from_data(data, "orders", Order.from_api, page_token)

    def iter_order_pages(
        self, *, page_token: str | None = None, **filters: Any
    ) -> Iterator[Page[Any]]:
        """Order pages from `page_token` to the end (filters, `raw` too, as in search_orders)."""
        return paginate(
            lambda t: self.search_orders(page_token=t, **filters), page_token=page_token
        )

    def get_orders(self, order_ids: Iterable[str]) -> list[Order]:
        """Full orders by id, fetched 50 ids a call; unknown ids are simply absent."""
        ids = _id_list(order_ids, None, "order_ids") or []
        orders: list[Order] = []
        for chunk in chunked(ids, ORDER_IDS_PER_CALL):
            data = self.call(GET_ORDERS, query={"ids": list(chunk)})
            orders.extend(
                Order.from_api(o) for o in data.get("orders") or () if isinstance(o, Mapping)
            )
        return orders

    # --- fulfillment ---------------------------------------------------------------------------

    def search_packages(
        self,
        *,
        page_size: int = 50,
        page_token: str | None = None,
        sort_field: Literal["create_time", "update_time", "order_pay_time"] | None = None,
        sort_order: SortOrder | None = None,
        package_status: str | None = None,
        create_time_ge: Time = None,
        create_time_lt: Time = None,
        update_time_ge: Time = None,
        update_time_lt: Time = None,
    ) -> Page[Package]:
        """One page of package summaries."""
        query = {
            "page_size": self._page_size(SEARCH_PACKAGES, page_size),
            "page_token": page_token,
            "sort_field": _sort_field(sort_field, ("create_time", "update_time", "order_pay_time")),
            "sort_order": _sort_order(sort_order),
        }
        body = _compact(
            {
                "package_status": package_status,
                **_times(
                    create_time_ge=create_time_ge,
                    create_time_lt=create_time_lt,
                    update_time_ge=update_time_ge,
                    update_time_lt=update_time_lt,
                ),
            }
        )
        data = self.call(SEARCH_PACKAGES, query=query, body=body)
        return page_from_data(data, "packages", Package.from_api, page_token)

    def iter_package_pages(
        self, *, page_token: str | None = None, **filters: Any
    ) -> Iterator[Page[Package]]:
        """Package pages from `page_token` to the end (filters as in search_packages)."""
        return paginate(
            lambda t: self.search_packages(page_token=t, **filters), page_token=page_token
        )

    def get_package(self, package_id: str) -> Package:
        """A package's full detail."""
        data = self.call(GET_PACKAGE, path_params={"package_id": package_id})
        return Package.from_api(data)

    def ship_package(
        self,
        package_id: str,
        *,
        handover_method: Literal["PICKUP", "DROP_OFF"] | None = None,
        pickup_start: Time = None,
        pickup_end: Time = None,
        tracking_number: str | None = None,
        shipping_provider_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> WriteResult:
        """Arrange shipment of one package; never repeated after an ambiguous failure."""
        shipment = PackageShipment(
            package_id=package_id,
            handover_method=handover_method,
            pickup_start=pickup_start,
            pickup_end=pickup_end,
            tracking_number=tracking_number,
            shipping_provider_id=shipping_provider_id,
        )
        sent = self.send(
            SHIP_PACKAGE,
            path_params={"package_id": package_id},
            body=shipment.to_api(with_id=False),
            idempotency_key=idempotency_key,
        )
        return WriteResult(request_id=sent.request_id)

    def ship_packages(self, shipments: Sequence[PackageShipment]) -> BatchResult:
        """Arrange shipment of several packages; failures come back per package."""
        if not shipments:
            raise InvalidRequestError("no packages to ship")
        ids = [s.package_id for s in shipments]
        if len(set(ids)) != len(ids):
            raise InvalidRequestError("a package appears twice in one batch ship")
        sent = self.send(SHIP_PACKAGES, body={"packages": [s.to_api() for s in shipments]})
        return BatchResult.from_api(sent.data, request_id=sent.request_id)

    def get_split_attributes(self, order_ids: Sequence[str]) -> list[SplitAttributes]:
        """Whether each order can (or must) be split into several packages before shipping."""
        ids = _id_list(order_ids, 50, "order_ids") or []
        data = self.call(GET_SPLIT_ATTRIBUTES, query={"order_ids": ",".join(ids)})
        rows = data.get("split_attributes")
        return [SplitAttributes.from_api(r) for r in rows or () if isinstance(r, dict)]

    def split_order(
        self,
        order_id: str,
        *,
        groups: Mapping[str, Sequence[str]],
        idempotency_key: str | None = None,
    ) -> SplitResult:
        """Split an order's lines into packages: group id → its order line item ids."""
        if len(groups) < 2 or not all(groups.values()):
            raise InvalidRequestError("a split needs at least two groups, each with lines")
        body = {
            "splittable_groups": [
                {
                    "id": group_id,
                    "order_line_item_ids": [_path_id(i, "order_line_item_id") for i in lines],
                }
                for group_id, lines in groups.items()
            ]
        }
        sent = self.send(
            SPLIT_ORDER,
            path_params={"order_id": order_id},
            body=body,
            idempotency_key=idempotency_key,
        )
        return SplitResult.from_api(sent.data, request_id=sent.request_id)

    def get_handover_time_slots(self, package_id: str) -> HandoverTimeSlots:
        """When and how a package can be handed to the carrier."""
        data = self.call(GET_HANDOVER_TIME_SLOTS, path_params={"package_id": package_id})
        return HandoverTimeSlots.from_api(data)

    def get_shipping_document(
        self,
        package_id: str,
        *,
        document_type: str = "SHIPPING_LABEL",
        document_size: Literal["A6", "A5"] | None = None,
        document_format: Literal["PDF", "ZPL"] | None = None,
        shipping_period: Literal["DEFAULT", "LAST_MILE"] | None = None,
    ) -> ShippingDocument:
        """A download URL (valid 24 h) for a shipped package's label or packing slip."""
        data = self.call(
            GET_SHIPPING_DOCUMENT,
            path_params={"package_id": package_id},
            query={
                "document_type": document_type,
                "document_size": document_size,
                "document_format": document_format,
                "shipping_period": shipping_period,
            },
        )
        return ShippingDocument.from_api(data)

    def mark_package_shipped(
        self,
        order_id: str,
        *,
        tracking_number: str | None = None,
        shipping_provider_id: str | None = None,
        note: str | None = None,
        order_line_item_ids: Sequence[str] | None = None,
        order_lines: Sequence[OrderLineRef] | None = None,
        shipping_info: Sequence[ShippingInfo] | None = None,
    ) -> MarkShippedResult:
        """Record a seller-shipped order (or some of its lines) as shipped with its tracking.

        202610 body: `shipping_info_list[]` (one entry; several only for allowlisted sellers,
        through `shipping_info`) and `order_line_list[]` (line ids, plus `sub_item_id` for
        bundle parts). `order_line_item_ids` is the short way to name whole lines.
        """
        if order_line_item_ids is not None and order_lines is not None:
            raise InvalidRequestError("give order_line_item_ids or order_lines, not both")
        lines = list(order_lines or ())
        lines += [OrderLineRef(i) for i in _id_list(order_line_item_ids, None, "lines") or ()]
        body = _compact(
            {
                "shipping_info_list": self._shipping_info_list(
                    tracking_number, shipping_provider_id, note, shipping_info
                ),
                "order_line_list": [line.to_api() for line in lines] or None,
            }
        )
        sent = self.send(MARK_PACKAGE_SHIPPED, path_params={"order_id": order_id}, body=body)
        return MarkShippedResult.from_api(sent.data, request_id=sent.request_id)

    def update_order_shipping_info(
        self, order_id: str, *, tracking_number: str, shipping_provider_id: str
    ) -> WriteResult:
        """Correct the tracking of an already shipped, seller-shipped order."""
        return self._write(
            UPDATE_ORDER_SHIPPING_INFO,
            path_params={"order_id": order_id},
            body=self._tracking_body(tracking_number, shipping_provider_id),
        )

    def update_package_shipping_info(
        self,
        package_id: str,
        *,
        tracking_number: str | None = None,
        shipping_provider_id: str | None = None,
        note: str | None = None,
        shipping_info: Sequence[ShippingInfo] | None = None,
    ) -> WriteResult:
        """Correct the tracking of one shipped package (US: within 72 h of shipping)."""
        body = {
            "shipping_info_list": self._shipping_info_list(
                tracking_number, shipping_provider_id, note, shipping_info
            )
        }
        return self._write(
            UPDATE_PACKAGE_SHIPPING_INFO, path_params={"package_id": package_id}, body=body
        )

    @staticmethod
    def _shipping_info_list(
        tracking_number: str | None,
        shipping_provider_id: str | None,
        note: str | None,
        shipping_info: Sequence[ShippingInfo] | None,
    ) -> list[dict[str, str]]:
        if shipping_info is not None:
            if tracking_number or shipping_provider_id or note:
                raise InvalidRequestError("give the tracking fields or shipping_info, not both")
            if not shipping_info:
                raise InvalidRequestError("shipping_info needs at least one entry")
            return [entry.to_api() for entry in shipping_info]
        entry = ShippingInfo(tracking_number or "", shipping_provider_id or "", note)
        return [entry.to_api()]

    def _write(self, endpoint: Endpoint, **parts: Any) -> WriteResult:
        """Send a write whose `data` is empty; keep TikTok's request_id."""
        return WriteResult(request_id=self.send(endpoint, **parts).request_id)

    @staticmethod
    def _tracking_body(tracking_number: str, shipping_provider_id: str) -> dict[str, str]:
        if not tracking_number or not shipping_provider_id:
            raise InvalidRequestError("tracking_number and shipping_provider_id are required")
        return {"tracking_number": tracking_number, "shipping_provider_id": shipping_provider_id}

    def get_order_tracking(self, order_id: str) -> list[TrackingEvent]:
        """Carrier scans of an order's parcel."""
        data = self.call(GET_ORDER_TRACKING, path_params={"order_id": order_id})
        return [
            TrackingEvent.from_api(t) for t in data.get("tracking") or () if isinstance(t, Mapping)
        ]

    # --- returns and cancellations -------------------------------------------------------------

    def search_returns(
        self,
        *,
        page_size: int = 50,
        page_token: str | None = None,
        sort_field: Literal["create_time", "update_time"] | None = None,
        sort_order: SortOrder | None = None,
        return_ids: Sequence[str] | None = None,
        order_ids: Sequence[str] | None = None,
        buyer_user_ids: Sequence[str] | None = None,
        return_types: Sequence[str] | None = None,
        return_status: Sequence[str] | None = None,
        arbitration_status: Sequence[str] | None = None,
        create_time_ge: Time = None,
        create_time_lt: Time = None,
        update_time_ge: Time = None,
        update_time_lt: Time = None,
        locale: str | None = None,
    ) -> Page[Return]:
        """One page of returns and refund requests (TikTok sorts ASC by default here)."""
        query = {
            "page_size": self._page_size(SEARCH_RETURNS, page_size),
            "page_token": page_token,
            "sort_field": _sort_field(sort_field, ("create_time", "update_time")),
            "sort_order": _sort_order(sort_order),
        }
        body = _compact(
            {
                "return_ids": _id_list(return_ids, None, "return_ids"),
                "order_ids": _id_list(order_ids, None, "order_ids"),
                "buyer_user_ids": _id_list(buyer_user_ids, None, "buyer_user_ids"),
                "return_types": list(return_types) if return_types is not None else None,
                "return_status": list(return_status) if return_status is not None else None,
                "arbitration_status": (
                    list(arbitration_status) if arbitration_status is not None else None
                ),
                **_times(
                    create_time_ge=create_time_ge,
                    create_time_lt=create_time_lt,
                    update_time_ge=update_time_ge,
                    update_time_lt=update_time_lt,
                ),
                "locale": locale,
            }
        )
        data = self.call(SEARCH_RETURNS, query=query, body=body)
        return page_from_data(data, "return_orders", Return.from_api, page_token)

    def iter_return_pages(
        self, *, page_token: str | None = None, **filters: Any
    ) -> Iterator[Page[Return]]:
        """Return pages from `page_token` to the end (filters as in search_returns)."""
        return paginate(
            lambda t: self.search_returns(page_token=t, **filters), page_token=page_token
        )

    def search_cancellations(
        self,
        *,
        page_size: int = 50,
        page_token: str | None = None,
        sort_field: Literal["create_time", "update_time"] | None = None,
        sort_order: SortOrder | None = None,
        cancel_ids: Sequence[str] | None = None,
        order_ids: Sequence[str] | None = None,
        buyer_user_ids: Sequence[str] | None = None,
        cancel_types: Sequence[str] | None = None,
        cancel_status: Sequence[str] | None = None,
        create_time_ge: Time = None,
        create_time_lt: Time = None,
        update_time_ge: Time = None,
        update_time_lt: Time = None,
        locale: str | None = None,
    ) -> Page[Cancellation]:
        """One page of cancellation requests (TikTok sorts ASC by default here)."""
        query = {
            "page_size": self._page_size(SEARCH_CANCELLATIONS, page_size),
            "page_token": page_token,
            "sort_field": _sort_field(sort_field, ("create_time", "update_time")),
            "sort_order": _sort_order(sort_order),
        }
        body = _compact(
            {
                "cancel_ids": _id_list(cancel_ids, None, "cancel_ids"),
                "order_ids": _id_list(order_ids, None, "order_ids"),
                "buyer_user_ids": _id_list(buyer_user_ids, None, "buyer_user_ids"),
                "cancel_types": list(cancel_types) if cancel_types is not None else None,
                "cancel_status": list(cancel_status) if cancel_status is not None else None,
                **_times(
                    create_time_ge=create_time_ge,
                    create_time_lt=create_time_lt,
                    update_time_ge=update_time_ge,
                    update_time_lt=update_time_lt,
                ),
                "locale": locale,
            }
        )
        data = self.call(SEARCH_CANCELLATIONS, query=query, body=body)
        return page_from_data(data, "cancellations", Cancellation.from_api, page_token)

    def iter_cancellation_pages(
        self, *, page_token: str | None = None, **filters: Any
    ) -> Iterator[Page[Cancellation]]:
        """Cancellation pages from `page_token` to the end (filters as in search_cancellations)."""
        return paginate(
            lambda t: self.search_cancellations(page_token=t, **filters), page_token=page_token
        )

    def approve_return(
        self,
        return_id: str,
        *,
        decision: str,
        idempotency_key: str,
        buyer_keep_item: bool | None = None,
        partial_refund: Money | None = None,
    ) -> WriteResult:
        """Approve a return/refund step (`DIRECT_REFUND` included); the key survives re-runs."""
        if not decision:
            raise InvalidRequestError("decision is required")
        body = _compact(
            {
                "decision": decision,
                "buyer_keep_item": buyer_keep_item,
                "partial_refund": partial_refund.to_api() if partial_refund else None,
            }
        )
        return self._write(
            APPROVE_RETURN,
            path_params={"return_id": return_id},
            query={"idempotency_key": _idempotency_key(idempotency_key)},
            body=body,
        )

    def reject_return(
        self,
        return_id: str,
        *,
        decision: str,
        idempotency_key: str,
        reject_reason: str | None = None,
        partial_refund: Money | None = None,
        comment: str | None = None,
        images: Sequence[Mapping[str, Any]] | None = None,
    ) -> WriteResult:
        """Reject a return/refund step, or offer a partial refund once the package is back.

        A rejection names a reason from get_decision_eligibility; the 202606 decision
        `OFFER_PARTIAL_REFUND_AFTER_RECEIVING_PKG` carries `partial_refund` instead.
        """
        if not decision:
            raise InvalidRequestError("decision is required")
        offer = decision == PARTIAL_REFUND_AFTER_RECEIVING
        if offer and partial_refund is None:
            raise InvalidRequestError(f"{decision} needs a partial_refund")
        if not offer and not reject_reason:
            raise InvalidRequestError("reject_reason is required")
        if comment is not None and len(comment) > REJECT_COMMENT_MAX_LENGTH:
            raise InvalidRequestError(f"comment is at most {REJECT_COMMENT_MAX_LENGTH} characters")
        if images is not None and len(images) > REJECT_MAX_IMAGES:
            raise InvalidRequestError(f"at most {REJECT_MAX_IMAGES} images")
        amount = (
            {
                "partial_refund_total": format(partial_refund.amount, "f"),
                "currency": partial_refund.currency,
            }
            if partial_refund is not None
            else None
        )
        body = _compact(
            {
                "decision": decision,
                "reject_reason": reject_reason,
                "partial_refund_amount": _compact(amount) if amount else None,
                "comment": comment,
                "images": _reject_images(images),
            }
        )
        return self._write(
            REJECT_RETURN,
            path_params={"return_id": return_id},
            query={"idempotency_key": _idempotency_key(idempotency_key)},
            body=body,
        )

    def approve_cancellation(self, cancel_id: str, *, idempotency_key: str) -> WriteResult:
        """Accept a buyer's cancellation request."""
        return self._write(
            APPROVE_CANCELLATION,
            path_params={"cancel_id": cancel_id},
            query={"idempotency_key": _idempotency_key(idempotency_key)},
        )

    def reject_cancellation(
        self,
        cancel_id: str,
        *,
        reject_reason: str,
        comment: str | None = None,
        images: Sequence[Mapping[str, Any]] | None = None,
        idempotency_key: str,
    ) -> WriteResult:
        """Refuse a buyer's cancellation request with a reason name from get_reject_reasons."""
        if not reject_reason:
            raise InvalidRequestError("reject_reason is required")
        body = _compact(
            {"reject_reason": reject_reason, "comment": comment, "images": _reject_images(images)}
        )
        return self._write(
            REJECT_CANCELLATION,
            path_params={"cancel_id": cancel_id},
            query={"idempotency_key": _idempotency_key(idempotency_key)},
            body=body,
        )

    def get_reject_reasons(
        self, *, return_or_cancel_id: str | None = None, locale: str | None = None
    ) -> list[RejectReason]:
        """Reasons a seller may give when rejecting this return or cancellation."""
        data = self.call(
            GET_REJECT_REASONS,
            query={"return_or_cancel_id": return_or_cancel_id, "locale": locale},
        )
        return [
            RejectReason.from_api(r) for r in data.get("reasons") or () if isinstance(r, Mapping)
        ]

    def get_decision_eligibility(
        self, return_or_cancel_id: str, *, check_decisions: Sequence[str]
    ) -> list[DecisionEligibility]:
        """Which decisions the seller may take on a return or cancellation, with their reasons."""
        if not return_or_cancel_id or not check_decisions:
            raise InvalidRequestError("return_or_cancel_id and check_decisions are required")
        data = self.call(
            GET_DECISION_ELIGIBILITY,
            query={
                "return_or_cancel_id": return_or_cancel_id,
                "check_decisions": list(check_decisions),
            },
        )
        return [DecisionEligibility.from_api(d) for d in _mappings(data.get("decisions"))]

    def get_aftersale_eligibility(
        self,
        order_id: str,
        *,
        request_types: Sequence[str] = ("CANCEL",),
        initiate_aftersale_user: str = "SELLER",
    ) -> list[AftersaleEligibility]:
        """Whether the seller may cancel (or refund) an order, and the reason names allowed."""
        if not request_types:
            raise InvalidRequestError("request_types is required")
        data = self.call(
            GET_AFTERSALE_ELIGIBILITY,
            path_params={"order_id": order_id},
            query={
                "initiate_aftersale_user": initiate_aftersale_user,
                "request_types": list(request_types),
            },
        )
        entries = _mappings(data.get("eligibilities")) or [data]
        return [AftersaleEligibility.from_api(e) for e in entries]

    def cancel_order(
        self,
        order_id: str,
        *,
        cancel_reason: str,
        idempotency_key: str,
        order_lines: Sequence[AfterSaleLineRef] | None = None,
        order_line_item_ids: Sequence[str] | None = None,
    ) -> SellerCancellation:
        """The seller cancels an unshipped order (or some lines) with a reason from eligibility."""
        if not cancel_reason:
            raise InvalidRequestError("cancel_reason is required")
        body = _compact(
            {
                "order_id": _path_id(order_id, "order_id"),
                "cancel_reason": cancel_reason,
                **_aftersale_lines(order_lines, order_line_item_ids),
            }
        )
        sent = self.send(
            CANCEL_ORDER, query={"idempotency_key": _idempotency_key(idempotency_key)}, body=body
        )
        return SellerCancellation.from_api(sent.data, request_id=sent.request_id)

    def calculate_refund(
        self,
        order_id: str,
        *,
        request_type: Literal["CANCEL", "REFUND", "RETURN_AND_REFUND"],
        reason_name: str,
        order_lines: Sequence[AfterSaleLineRef] | None = None,
        order_line_item_ids: Sequence[str] | None = None,
        shipment_type: str | None = None,
        handover_method: str | None = None,
    ) -> RefundAmount:
        """What the buyer would get back for a cancellation or refund (nothing is changed)."""
        if not reason_name:
            raise InvalidRequestError("reason_name is required")
        body = _compact(
            {
                "order_id": _path_id(order_id, "order_id"),
                "request_type": request_type,
                "reason_name": reason_name,
                **_aftersale_lines(order_lines, order_line_item_ids),
                "shipment_type": shipment_type,
                "handover_method": handover_method,
            }
        )
        return RefundAmount.from_api(self.call(CALCULATE_REFUND, body=body))

    # --- finance -------------------------------------------------------------------------------

    def get_statements(
        self,
        *,
        page_size: int = 100,
        page_token: str | None = None,
        sort_order: SortOrder | None = None,
        statement_time_ge: Time = None,
        statement_time_lt: Time = None,
        payment_status: Literal["PAID", "FAILED", "PROCESSING"] | None = None,
    ) -> Page[Statement]:
        """One page of daily statements (no total count on this endpoint)."""
        query = {
            "sort_field": "statement_time",
            "sort_order": _sort_order(sort_order),
            "page_size": self._page_size(GET_STATEMENTS, page_size),
            "page_token": page_token,
            **_times(statement_time_ge=statement_time_ge, statement_time_lt=statement_time_lt),
            "payment_status": payment_status,
        }
        data = self.call(GET_STATEMENTS, query=query)
        return page_from_data(data, "statements", Statement.from_api, page_token)

    def iter_statement_pages(
        self, *, page_token: str | None = None, **filters: Any
    ) -> Iterator[Page[Statement]]:
        """Statement pages from `page_token` to the end (filters as in get_statements)."""
        return paginate(
            lambda t: self.get_statements(page_token=t, **filters), page_token=page_token
        )

    def get_payments(
        self,
        *,
        page_size: int = 100,
        page_token: str | None = None,
        sort_order: SortOrder | None = None,
        create_time_ge: Time = None,
        create_time_lt: Time = None,
    ) -> Page[Payment]:
        """One page of payouts to the seller's bank (not available in SEA)."""
        query = {
            "sort_field": "create_time",
            "sort_order": _sort_order(sort_order),
            "page_size": self._page_size(GET_PAYMENTS, page_size),
            "page_token": page_token,
            **_times(create_time_ge=create_time_ge, create_time_lt=create_time_lt),
        }
        data = self.call(GET_PAYMENTS, query=query)
        return page_from_data(data, "payments", Payment.from_api, page_token)

    def iter_payment_pages(
        self, *, page_token: str | None = None, **filters: Any
    ) -> Iterator[Page[Payment]]:
        """Payment pages from `page_token` to the end (filters as in get_payments)."""
        return paginate(lambda t: self.get_payments(page_token=t, **filters), page_token=page_token)

    def get_statement_transactions(
        self,
        statement_id: str,
        *,
        page_size: int = 100,
        page_token: str | None = None,
        sort_order: SortOrder | None = None,
    ) -> StatementTransactionPage:
        """One page of a statement's orders and adjustments, with the statement's totals."""
        query = {
            "sort_field": "order_create_time",
            "sort_order": _sort_order(sort_order),
            "page_size": self._page_size(GET_STATEMENT_TRANSACTIONS, page_size),
            "page_token": page_token,
        }
        data = self.call(
            GET_STATEMENT_TRANSACTIONS, path_params={"statement_id": statement_id}, query=query
        )
        return StatementTransactionPage.from_api(data, page_token)

    def iter_statement_transaction_pages(
        self, statement_id: str, *, page_token: str | None = None, **filters: Any
    ) -> Iterator[StatementTransactionPage]:
        """A statement's transaction pages from `page_token` to the end."""
        return paginate(
            lambda t: self.get_statement_transactions(statement_id, page_token=t, **filters),
            page_token=page_token,
        )

    def get_order_statement_transactions(self, order_id: str) -> OrderStatementTransactions:
        """How one order settled, SKU by SKU (DOC: US/UK only)."""
        data = self.call(GET_ORDER_STATEMENT_TRANSACTIONS, path_params={"order_id": order_id})
        return OrderStatementTransactions.from_api(data)

    def get_unsettled_orders(
        self,
        *,
        page_size: int = 100,
        page_token: str | None = None,
        sort_order: SortOrder | None = None,
    ) -> Page[UnsettledOrder]:
        """One page of orders not settled yet, with estimated amounts.

        The query beyond paging is UNVERIFIED; it is sorted like the transaction lists.
        """
        query = {
            "sort_field": "order_create_time",
            "sort_order": _sort_order(sort_order),
            "page_size": self._page_size(GET_UNSETTLED_ORDERS, page_size),
            "page_token": page_token,
        }
        data = self.call(GET_UNSETTLED_ORDERS, query=query)
        return page_from_data(data, "orders", UnsettledOrder.from_api, page_token)

    def iter_unsettled_order_pages(
        self, *, page_token: str | None = None, **filters: Any
    ) -> Iterator[Page[UnsettledOrder]]:
        """Unsettled-order pages from `page_token` to the end."""
        return paginate(
            lambda t: self.get_unsettled_orders(page_token=t, **filters), page_token=page_token
        )

    def get_withdrawals(
        self,
        *,
        types: Sequence[str] = WITHDRAWAL_TYPES,
        page_size: int = 100,
        page_token: str | None = None,
        create_time_ge: Time = None,
        create_time_lt: Time = None,
    ) -> Page[Withdrawal]:
        """One page of balance movements (`types` is required: a comma list)."""
        query = {
            "types": ",".join(types),
            "page_size": self._page_size(GET_WITHDRAWALS, page_size),
            "page_token": page_token,
            **_times(create_time_ge=create_time_ge, create_time_lt=create_time_lt),
        }
        data = self.call(GET_WITHDRAWALS, query=query)
        return page_from_data(data, "withdrawals", Withdrawal.from_api, page_token)

    def iter_withdrawal_pages(
        self, *, page_token: str | None = None, **filters: Any
    ) -> Iterator[Page[Withdrawal]]:
        """Withdrawal pages from `page_token` to the end (filters as in get_withdrawals)."""
        return paginate(
            lambda t: self.get_withdrawals(page_token=t, **filters), page_token=page_token
        )

    # --- webhooks ------------------------------------------------------------------------------

    def get_webhooks(self) -> list[WebhookSubscription]:
        """The shop's webhook subscriptions."""
        data = self.call(GET_WEBHOOKS)
        return [
            WebhookSubscription.from_api(w)
            for w in data.get("webhooks") or ()
            if isinstance(w, Mapping)
        ]

    def update_webhook(self, event_type: str, address: str) -> None:
        """Send one event type of this shop to `address` (https, domain name, no port)."""
        if not event_type:
            raise InvalidRequestError("event_type is required")
        # TikTok wants https with a domain and no port; not enforced here so the sandbox can
        # take loopback addresses, only the documented length is.
        if not address or len(address) > WEBHOOK_ADDRESS_MAX_LENGTH:
            raise InvalidRequestError(
                f"webhook address must be 1-{WEBHOOK_ADDRESS_MAX_LENGTH} characters"
            )
        self.call(UPDATE_WEBHOOK, body={"address": address, "event_type": event_type})

    def delete_webhook(self, event_type: str) -> None:
        """Stop sending one event type of this shop (fine if none was set)."""
        if not event_type:
            raise InvalidRequestError("event_type is required")
        self.call(DELETE_WEBHOOK, body={"event_type": event_type})
