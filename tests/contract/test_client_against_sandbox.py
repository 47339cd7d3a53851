"""Contract: the real client against a running sandbox (loopback socket), every endpoint.

Each call succeeds against the sandbox and shows its effect in later reads, and each documented
failure reaches the caller as the typed error the contract names.
"""

from __future__ import annotations

import time
from decimal import Decimal

import httpx
import pytest

from tests.conftest import sandbox_call
from tiktok.auth import OAuthClient, RefreshingTokenProvider
from tiktok.client import (
    AUTHORIZED_SHOPS,
    GET_ORDERS,
    GET_WAREHOUSES,
    SEARCH_ORDERS,
    Endpoint,
    TikTokClient,
)
from tiktok.config import AppCredentials
from tiktok.errors import (
    ApiError,
    ClockSkewError,
    MissingScopeError,
    NeedsReauthorizationError,
    RateLimitedError,
)
from tiktok.types import InventoryUpdate, PackageShipment, PriceUpdate, WarehouseQuantity

pytestmark = pytest.mark.sandbox


@pytest.fixture(scope="module")
def sandbox():
    from tiktok.sandbox.config import SandboxConfig
    from tiktok.sandbox.server import start_in_thread

    handle = start_in_thread(
        SandboxConfig(
            seed=11, sellers=2, shops_per_seller=2, products=12, orders=1500, days=20, rate_limit=0
        )
    )
    yield handle
    handle.stop()


@pytest.fixture(scope="module")
def http():
    with httpx.Client() as client:
        yield client


def make_client(
    sandbox, http, seller: str = "seller1", *, refreshing: bool = True, **kwargs
) -> TikTokClient:
    """A client with a fresh token for `seller` (refreshed through the token host if it expires)."""
    cfg = sandbox.config
    credentials = AppCredentials(cfg.app_key, cfg.app_secret)
    code = sandbox_call(sandbox, "POST", "auth_code", seller=seller)["code"]
    oauth = OAuthClient(http, credentials, token_base_url=sandbox.url, consent_base_url=sandbox.url)
    token = oauth.exchange_code(code)
    tokens = RefreshingTokenProvider(oauth, token) if refreshing else token.access_token
    return TikTokClient(
        http, credentials, tokens, base_url=sandbox.url, sleep=lambda _: None, **kwargs
    )


@pytest.fixture(scope="module")
def seller_client(sandbox, http):
    return make_client(sandbox, http)


@pytest.fixture(scope="module")
def shop_client(seller_client):
    shops = seller_client.get_authorized_shops()
    return seller_client.for_shop(shops[0].cipher)


# --- shops ------------------------------------------------------------------------------------


def test_authorized_and_seller_shops(seller_client):
    authorized = seller_client.get_authorized_shops()
    assert authorized and all(s.cipher and s.id and s.region for s in authorized)
    assert {s.id for s in seller_client.get_seller_shops()} == {s.id for s in authorized}


# --- catalog -----------------------------------------------------------------------------------


def test_product_pages_walk_to_the_end(shop_client):
    pages = list(shop_client.iter_product_pages(page_size=5))
    products = [p for page in pages for p in page.items]
    assert len(products) == pages[0].total_count
    assert pages[-1].is_last and not any(page.is_last for page in pages[:-1])
    assert len({p.id for p in products}) == len(products)


def active_product(shop_client):
    page = shop_client.search_products(page_size=20, status="ACTIVATE")
    return shop_client.get_product(page.items[0].id)


def test_price_update_is_visible_and_bumps_update_time(shop_client):
    product = active_product(shop_client)
    sku = product.skus[0]
    shop_client.update_prices(
        product.id, [PriceUpdate(sku_id=sku.id, amount=Decimal("12.34"), currency=sku.currency)]
    )
    after = shop_client.get_product(product.id)
    assert next(s for s in after.skus if s.id == sku.id).price == Decimal("12.34")
    assert after.update_time >= product.update_time


def test_a_sku_not_in_the_product_is_refused(shop_client):
    product = active_product(shop_client)
    with pytest.raises(ApiError) as error:
        shop_client.update_prices(
            product.id, [PriceUpdate(sku_id="1", amount=Decimal("1.00"), currency="USD")]
        )
    assert error.value.code == 12052557


def test_inventory_update_and_search(shop_client):
    product = active_product(shop_client)
    sku = product.skus[0]
    stock = [WarehouseQuantity(warehouse_id=w.warehouse_id, quantity=7) for w in sku.inventory]
    result = shop_client.update_inventory(
        product.id, [InventoryUpdate(sku_id=sku.id, inventory=stock)]
    )
    assert result.ok
    inventory = shop_client.search_inventory(product_ids=[product.id])
    levels = [w for p in inventory for s in p.skus if s.id == sku.id for w in s.warehouses]
    assert levels and all(w.available_quantity == 7 for w in levels)


def test_inventory_in_an_unknown_warehouse_is_a_per_item_error(shop_client):
    product = active_product(shop_client)
    sku = product.skus[0]
    bad = [WarehouseQuantity(warehouse_id="999", quantity=1)] + [
        WarehouseQuantity(warehouse_id=w.warehouse_id, quantity=1) for w in sku.inventory[1:]
    ]
    result = shop_client.update_inventory(
        product.id, [InventoryUpdate(sku_id=sku.id, inventory=bad)]
    )
    # the contract's sample: code 0, with a per-SKU "check failed" wrapping the warehouse error
    assert result.failed_ids == {sku.id}
    error = result.error_for(sku.id)
    assert error.code == 12052990
    assert [(e.code, e.warehouse_id) for e in error.extra_errors] == [(12052097, "999")]


def test_deactivate_then_activate(shop_client):
    product = active_product(shop_client)
    assert shop_client.deactivate_products([product.id]).ok
    assert shop_client.get_product(product.id).status == "SELLER_DEACTIVATED"
    assert shop_client.activate_products([product.id]).ok
    assert shop_client.get_product(product.id).status in ("PENDING", "ACTIVATE")


# --- logistics ---------------------------------------------------------------------------------


def test_warehouses_delivery_options_and_providers(shop_client):
    warehouses = shop_client.get_warehouses()
    assert warehouses
    options = shop_client.get_delivery_options(warehouses[0].id)
    assert options
    providers = shop_client.get_shipping_providers(options[0].id)
    assert all(p.id and p.name for p in providers)


# --- orders ------------------------------------------------------------------------------------


def test_order_pages_and_detail_in_chunks_of_fifty(shop_client):
    pages = list(
        shop_client.iter_order_pages(page_size=50, sort_field="update_time", sort_order="ASC")
    )
    orders = [o for page in pages for o in page.items]
    assert len(orders) == pages[0].total_count and len(orders) > 50
    ids = [o.id for o in orders[:120]]
    detailed = shop_client.get_orders(ids)
    assert sorted(o.id for o in detailed) == sorted(ids)
    assert all(o.line_items for o in detailed)


def test_incremental_filter_on_update_time(shop_client):
    newest = shop_client.search_orders(
        page_size=1, sort_field="update_time", sort_order="DESC"
    ).items[0]
    recent = shop_client.search_orders(page_size=100, update_time_ge=newest.update_time)
    assert recent.items and all(o.update_time >= newest.update_time for o in recent.items)


# --- fulfillment -------------------------------------------------------------------------------


def awaiting(shop_client, shipping_type: str):
    page = shop_client.search_orders(page_size=100, order_status="AWAITING_SHIPMENT")
    return next(o for o in page.items if o.shipping_type == shipping_type and o.package_ids)


def test_ship_a_tiktok_package_then_print_its_label(shop_client, http):
    order = awaiting(shop_client, "TIKTOK")
    package_id = order.package_ids[0]
    assert shop_client.get_package(package_id).id == package_id
    slots = shop_client.get_handover_time_slots(package_id)
    assert slots.raw is not None
    shop_client.ship_package(package_id, handover_method="DROP_OFF")
    assert shop_client.get_orders([order.id])[0].status in (
        "AWAITING_COLLECTION",
        "PARTIALLY_SHIPPING",
    )
    document = shop_client.get_shipping_document(package_id, document_type="SHIPPING_LABEL")
    pdf = http.get(document.doc_url)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_a_second_ship_of_the_same_package_is_refused(shop_client):
    order = awaiting(shop_client, "TIKTOK")
    package_id = order.package_ids[0]
    shop_client.ship_package(package_id, handover_method="DROP_OFF")
    with pytest.raises(ApiError):
        shop_client.ship_package(package_id, handover_method="DROP_OFF")


def test_batch_ship_reports_per_package(shop_client):
    order = awaiting(shop_client, "TIKTOK")
    result = shop_client.ship_packages(
        [
            PackageShipment(package_id=order.package_ids[0], handover_method="DROP_OFF"),
            PackageShipment(package_id="999999", handover_method="DROP_OFF"),
        ]
    )
    assert result.failed_ids == {"999999"}
    assert result.error_for("999999").code == 21008111
    assert result.error_for(order.package_ids[0]) is None
    assert shop_client.get_package(order.package_ids[0]).status == "PROCESSING"


def test_seller_shipping_mark_shipped_fix_tracking_and_track(shop_client):
    order = awaiting(shop_client, "SELLER")
    warehouses = shop_client.get_warehouses()
    option = shop_client.get_delivery_options(warehouses[0].id)[0]
    provider = shop_client.get_shipping_providers(option.id)[0]
    shipped = shop_client.mark_package_shipped(
        order.id, tracking_number="1Z999AA10123456784", shipping_provider_id=provider.id
    )
    assert shipped.package_id
    shop_client.update_order_shipping_info(
        order.id, tracking_number="1Z999AA10123456785", shipping_provider_id=provider.id
    )
    shop_client.update_package_shipping_info(
        shipped.package_id, tracking_number="1Z999AA10123456786", shipping_provider_id=provider.id
    )
    assert shop_client.get_package(shipped.package_id).tracking_number == "1Z999AA10123456786"
    assert isinstance(shop_client.get_order_tracking(order.id), list)


# --- returns and cancellations ----------------------------------------------------------------


def test_return_decisions_move_the_return(shop_client):
    pending = [
        r
        for page in shop_client.iter_return_pages(page_size=50)
        for r in page.items
        if r.status == "RETURN_OR_REFUND_REQUEST_PENDING"
    ]
    assert len(pending) >= 2
    reasons = shop_client.get_reject_reasons(return_or_cancel_id=pending[1].id)
    assert reasons
    first, second = pending[0], pending[1]
    decision = "APPROVE_REFUND" if first.type == "REFUND" else "APPROVE_RETURN"
    shop_client.approve_return(first.id, decision=decision, idempotency_key=f"approve-{first.id}")
    reject = "REJECT_REFUND" if second.type == "REFUND" else "REJECT_RETURN"
    shop_client.reject_return(
        second.id, decision=reject, reject_reason=reasons[0].name, idempotency_key=f"r-{second.id}"
    )
    after = {r.id: r for r in shop_client.search_returns(return_ids=[first.id, second.id]).items}
    assert after[first.id].status != "RETURN_OR_REFUND_REQUEST_PENDING"
    assert after[second.id].status == "REFUND_OR_RETURN_REQUEST_REJECT"


def test_cancellation_requests_are_approved_and_rejected(sandbox, shop_client):
    orders = shop_client.search_orders(page_size=50, order_status="AWAITING_SHIPMENT").items
    created = [sandbox_call(sandbox, "POST", "cancellations", order_id=o.id) for o in orders[:2]]
    ids = [c["cancellation"]["cancel_id"] for c in created]
    shop_client.approve_cancellation(ids[0], idempotency_key=f"a-{ids[0]}")
    reasons = shop_client.get_reject_reasons(return_or_cancel_id=ids[1])
    shop_client.reject_cancellation(
        ids[1], reject_reason=reasons[0].name, idempotency_key=f"r-{ids[1]}"
    )
    found = {c.id: c for c in shop_client.search_cancellations(cancel_ids=ids).items}
    assert found[ids[0]].status in ("CANCELLATION_REQUEST_SUCCESS", "CANCELLATION_REQUEST_COMPLETE")
    assert found[ids[1]].status in ("CANCELLATION_REQUEST_CANCELLED", "CANCELLATION_REQUEST_CANCEL")


# --- finance -----------------------------------------------------------------------------------


def test_statements_payments_and_transactions(shop_client):
    statements = shop_client.get_statements(page_size=20)
    assert statements.items
    payments = shop_client.get_payments(page_size=20)
    assert payments.items and payments.items[0].amount.currency
    transactions = shop_client.get_statement_transactions(statements.items[0].id, page_size=20)
    assert transactions.items
    order_id = next(t.order_id for t in transactions.items if t.order_id)
    assert shop_client.get_order_statement_transactions(order_id).raw


# --- events ------------------------------------------------------------------------------------


def test_webhook_subscriptions(shop_client):
    shop_client.update_webhook("ORDER_STATUS_CHANGE", "http://127.0.0.1:9/hooks")
    subscribed = {w.event_type: w.address for w in shop_client.get_webhooks()}
    assert subscribed["ORDER_STATUS_CHANGE"] == "http://127.0.0.1:9/hooks"
    shop_client.delete_webhook("ORDER_STATUS_CHANGE")
    assert "ORDER_STATUS_CHANGE" not in {w.event_type for w in shop_client.get_webhooks()}


# --- documented failures ---------------------------------------------------------------------


def test_a_wrong_signature_is_106001(sandbox, http):
    cfg = sandbox.config
    token = sandbox_call(sandbox, "POST", "token", seller="seller1")
    client = TikTokClient(
        http,
        AppCredentials(cfg.app_key, "wrong-secret"),
        token["access_token"],
        base_url=sandbox.url,
    )
    with pytest.raises(ApiError) as error:
        client.get_authorized_shops()
    assert error.value.code == 106001


def test_a_stale_timestamp_is_a_clock_skew_error(sandbox, http):
    client = make_client(sandbox, http, clock=lambda: time.time() - 3600)
    with pytest.raises(ClockSkewError) as error:
        client.get_authorized_shops()
    assert error.value.code == 36009004


def test_shop_cipher_forbidden_and_missing(shop_client, seller_client):
    forced = Endpoint(AUTHORIZED_SHOPS.method, AUTHORIZED_SHOPS.path, shop_scoped=True)
    with pytest.raises(ApiError) as forbidden:
        shop_client.call(forced)
    assert forbidden.value.code == 36009004 and "not required" in forbidden.value.message
    unscoped = Endpoint(GET_WAREHOUSES.method, GET_WAREHOUSES.path, shop_scoped=False)
    with pytest.raises(ApiError) as missing:
        seller_client.call(unscoped)
    assert missing.value.code == 106013


def test_another_sellers_shop_is_101000(sandbox, http):
    other = make_client(sandbox, http, seller="seller2")
    cipher = other.get_authorized_shops()[0].cipher
    mine = make_client(sandbox, http, seller="seller1").for_shop(cipher)
    with pytest.raises(NeedsReauthorizationError) as error:
        mine.get_warehouses()
    assert error.value.code == 101000


def test_an_expired_token_is_refreshed_once_or_needs_reauthorization(sandbox, http):
    static = make_client(sandbox, http, refreshing=False)
    refreshing = make_client(sandbox, http)
    sandbox_call(sandbox, "POST", "expire_tokens")
    with pytest.raises(NeedsReauthorizationError):
        static.get_authorized_shops()
    assert refreshing.get_authorized_shops()  # 105002 → refresh through the token host → retry


def test_too_many_ids_and_page_size_out_of_range(shop_client):
    ids = ",".join(str(576461413038785752 + n) for n in range(51))
    with pytest.raises(ApiError) as too_many:
        shop_client.call(GET_ORDERS, query={"ids": ids})
    assert too_many.value.code == 36009004
    with pytest.raises(ApiError) as page_size:
        shop_client.call(SEARCH_ORDERS, query={"page_size": 101}, body={})
    assert page_size.value.code == 36009004


def test_rate_limit_answers_429_and_the_client_surfaces_it(sandbox, http):
    client = make_client(sandbox, http)
    sandbox_call(sandbox, "POST", "faults", rate_limit=1)
    try:
        with pytest.raises(RateLimitedError) as error:
            for _ in range(10):
                client.get_authorized_shops()
        assert error.value.code == 36009002 and error.value.http_status == 429
    finally:
        sandbox_call(sandbox, "POST", "faults", rate_limit=0)


def test_missing_scope_names_the_permission(sandbox, http):
    token = sandbox_call(
        sandbox, "POST", "token", seller="seller1", scopes=["seller.authorization.info"]
    )
    cfg = sandbox.config
    client = TikTokClient(
        http,
        AppCredentials(cfg.app_key, cfg.app_secret),
        token["access_token"],
        base_url=sandbox.url,
    )
    cipher = client.get_authorized_shops()[0].cipher
    with pytest.raises(MissingScopeError) as error:
        client.for_shop(cipher).get_warehouses()
    assert error.value.code == 105005
