"""Consent, tokens, and writes that later reads see (prices, stock, shipping, decisions)."""

from __future__ import annotations

import io
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from pypdf import PdfReader

from tiktok.sandbox.server import SandboxHandle

from .conftest import Signer

TOKEN_QUERY = {
    "app_key": "sandboxappkey",
    "app_secret": "sandboxappsecret",
    "grant_type": "authorized_code",
}


def test_consent_page_code_token_and_authorized_shops(
    sandbox: SandboxHandle, control: httpx.Client
) -> None:
    login = control.get(
        "/open/authorize", params={"service_id": "7000000000000000001", "state": "xyz"}
    )
    assert login.status_code == 200 and "seller2" in login.text
    shops_page = control.get(
        "/open/authorize",
        params={"service_id": "7000000000000000001", "state": "xyz", "seller": "seller2"},
    )
    assert "Authorize" in shops_page.text and "Deny" in shops_page.text
    seller = next(
        s for s in control.get("/_sandbox/sellers").json()["sellers"] if s["login"] == "seller2"
    )
    for shop in seller["shops"]:
        assert shop["name"] in shops_page.text
    form = {
        "service_id": "7000000000000000001",
        "state": "xyz",
        "seller": "seller2",
        "decision": "authorize",
    }
    answer = control.post("/open/authorize", data=form)
    assert answer.status_code == 302
    location = urlsplit(answer.headers["location"])
    params = parse_qs(location.query)
    assert params["state"] == ["xyz"] and location.path == "/shops/connect/callback"
    code = params["code"][0]
    first = control.get("/api/v2/token/get", params={**TOKEN_QUERY, "auth_code": code}).json()
    assert first["code"] == 0 and first["message"] == "success"
    data = first["data"]
    assert data["open_id"] == seller["id"] and data["user_type"] == 0 and data["granted_scopes"]
    again = control.get("/api/v2/token/get", params={**TOKEN_QUERY, "auth_code": code}).json()
    assert again["code"] == 36004004
    signer = Signer(sandbox.url)
    signer.token = data["access_token"]
    shops = signer.ok("GET", "/authorization/202309/shops")["shops"]
    assert {s["id"] for s in shops} == {s["id"] for s in seller["shops"]}
    assert all(s["seller_type"] == "CROSS_BORDER" and s["cipher"] for s in shops)
    denied = control.post("/open/authorize", data={**form, "decision": "deny"})
    assert parse_qs(urlsplit(denied.headers["location"]).query) == {
        "code": ["null"],
        "error": ["auth_denied"],
        "state": ["xyz"],
    }
    bad_grant = control.get(
        "/api/v2/token/get",
        params={**TOKEN_QUERY, "auth_code": "x", "grant_type": "authorization_code"},
    )
    assert bad_grant.json()["code"] == 36009004


def _active_product(api: Signer, cipher: str, multi: bool) -> dict[str, Any]:
    products = api.ok(
        "POST",
        "/product/202309/products/search",
        cipher=cipher,
        query={"page_size": 100},
        body={"status": "ACTIVATE"},
    )["products"]
    return next(p for p in products if (len(p["skus"][0]["inventory"]) > 1) == multi)


def test_price_update_is_read_back(api: Signer, cipher: str, control: httpx.Client) -> None:
    product = _active_product(api, cipher, multi=False)
    sku = product["skus"][0]
    currency = sku["price"]["currency"]
    path = f"/product/202309/products/{product['id']}/prices/update"
    assert (
        api.ok(
            "POST",
            path,
            cipher=cipher,
            body={"skus": [{"id": sku["id"], "price": {"amount": "17.25", "currency": currency}}]},
        )
        == {}
    )
    after = api.ok("GET", f"/product/202309/products/{product['id']}", cipher=cipher)
    assert after["skus"][0]["price"]["sale_price"] == "17.25"
    assert after["update_time"] > product["update_time"]
    wrong = api.call(
        "POST",
        path,
        cipher=cipher,
        body={"skus": [{"id": "1", "price": {"amount": "1.00", "currency": currency}}]},
    )
    assert wrong.json()["code"] == 12052557
    recent = api.ok(
        "POST",
        "/product/202309/products/search",
        cipher=cipher,
        query={"page_size": 100},
        body={"update_time_ge": after["update_time"]},
    )["products"]
    assert product["id"] in [p["id"] for p in recent]
    # The control API's change log records the write (what tests read back to check a push).
    changes = control.get("/_sandbox/changes", params={"since": 0}).json()["changes"]
    assert any(c["kind"] == "price_update" for c in changes)


def test_inventory_update_and_its_errors(
    api: Signer, cipher: str, shops: list[dict[str, Any]]
) -> None:
    product = _active_product(api, cipher, multi=True)
    sku = product["skus"][0]
    warehouses = [row["warehouse_id"] for row in sku["inventory"]]
    path = f"/product/202309/products/{product['id']}/inventory/update"
    rows = [{"warehouse_id": w, "quantity": 40 + n} for n, w in enumerate(warehouses)]
    assert api.ok(
        "POST", path, cipher=cipher, body={"skus": [{"id": sku["id"], "inventory": rows}]}
    ) == {"errors": []}
    stock = api.ok(
        "POST", "/product/202309/inventory/search", cipher=cipher, body={"sku_ids": [sku["id"]]}
    )["inventory"][0]["skus"][0]
    assert {w["warehouse_id"]: w["available_quantity"] for w in stock["warehouse_inventory"]} == {
        r["warehouse_id"]: r["quantity"] for r in rows
    }
    one = api.ok(
        "POST", path, cipher=cipher, body={"skus": [{"id": sku["id"], "inventory": rows[:1]}]}
    )
    assert one["errors"][0]["code"] == 12019028
    ghost = api.ok(
        "POST",
        path,
        cipher=cipher,
        body={
            "skus": [
                {
                    "id": sku["id"],
                    "inventory": [*rows, {"warehouse_id": "7000000000000000000", "quantity": 1}],
                }
            ]
        },
    )
    assert ghost["errors"][0]["code"] == 12052990
    assert ghost["errors"][0]["detail"]["extra_errors"][0]["code"] == 12052097
    other_shop = shops[1]["cipher"]
    foreign_wh = api.ok("GET", "/logistics/202309/warehouses", cipher=other_shop)["warehouses"][0][
        "id"
    ]
    foreign = api.ok(
        "POST",
        path,
        cipher=cipher,
        body={
            "skus": [
                {"id": sku["id"], "inventory": [*rows, {"warehouse_id": foreign_wh, "quantity": 1}]}
            ]
        },
    )
    assert foreign["errors"][0]["detail"]["extra_errors"][0]["code"] == 12052530


def _order_in(control: httpx.Client, cipher: str, status: str) -> dict[str, Any]:
    return control.post(
        "/_sandbox/orders", json={"shop_cipher": cipher, "status": status, "items": 2}
    ).json()["order"]


def test_ship_package_moves_statuses_and_serves_a_label(
    api: Signer, cipher: str, control: httpx.Client
) -> None:
    order = _order_in(control, cipher, "AWAITING_SHIPMENT")
    for _ in range(20):
        if order["shipping_type"] == "TIKTOK":
            break
        order = _order_in(control, cipher, "AWAITING_SHIPMENT")
    package_id = order["packages"][0]["id"]
    early = api.call(
        "GET",
        f"/fulfillment/202309/packages/{package_id}/shipping_documents",
        cipher=cipher,
        query={"document_type": "SHIPPING_LABEL"},
    )
    assert early.json()["code"] != 0
    slots = api.ok(
        "GET", f"/fulfillment/202309/packages/{package_id}/handover_time_slots", cipher=cipher
    )["pickup_slots"]
    for pkg in order["packages"]:
        api.ok(
            "POST",
            f"/fulfillment/202309/packages/{pkg['id']}/ship",
            cipher=cipher,
            body={
                "handover_method": "PICKUP",
                "pickup_slot": {k: slots[0][k] for k in ("start_time", "end_time")},
            },
        )
    detail = api.ok("GET", f"/fulfillment/202309/packages/{package_id}", cipher=cipher)
    assert detail["package_status"] == "PROCESSING" and detail["tracking_number"]
    again = api.ok("GET", "/order/202309/orders", cipher=cipher, query={"ids": order["id"]})[
        "orders"
    ][0]
    assert again["status"] == "AWAITING_COLLECTION" and again["update_time"] >= order["update_time"]
    twice = api.call(
        "POST", f"/fulfillment/202309/packages/{package_id}/ship", cipher=cipher, body={}
    )
    assert twice.json()["code"] != 0
    doc = api.ok(
        "GET",
        f"/fulfillment/202309/packages/{package_id}/shipping_documents",
        cipher=cipher,
        query={"document_type": "SHIPPING_LABEL_AND_PACKING_SLIP"},
    )
    assert doc["tracking_number"] == detail["tracking_number"]
    pdf = httpx.get(doc["doc_url"], trust_env=False)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf.content))
    assert len(reader.pages) == 2
    for page in reader.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == (288.0, 432.0)
    assert detail["tracking_number"] in reader.pages[0].extract_text()


def test_mark_shipped_and_tracking_update_stick(
    api: Signer, cipher: str, control: httpx.Client
) -> None:
    order = _order_in(control, cipher, "AWAITING_SHIPMENT")
    option = order["delivery_option_id"]
    provider = api.ok(
        "GET", f"/logistics/202309/delivery_options/{option}/shipping_providers", cipher=cipher
    )["shipping_providers"][0]["id"]
    shipped = api.ok(
        "POST",
        f"/fulfillment/202309/orders/{order['id']}/packages",
        cipher=cipher,
        body={"tracking_number": "1ZTEST0001", "shipping_provider_id": provider},
    )
    assert shipped["order_id"] == order["id"] and shipped["package_id"]
    api.ok(
        "POST",
        f"/fulfillment/202309/orders/{order['id']}/shipping_info/update",
        cipher=cipher,
        body={"tracking_number": "1ZTEST0002", "shipping_provider_id": provider},
    )
    after = api.ok("GET", "/order/202309/orders", cipher=cipher, query={"ids": order["id"]})[
        "orders"
    ][0]
    assert after["status"] in ("IN_TRANSIT", "PARTIALLY_SHIPPING")
    assert {li["tracking_number"] for li in after["line_items"] if "tracking_number" in li} == {
        "1ZTEST0002"
    }
    tracking = api.ok("GET", f"/fulfillment/202309/orders/{order['id']}/tracking", cipher=cipher)[
        "tracking"
    ]
    assert tracking and all(e["update_time_millis"] > 10**12 for e in tracking)


def test_cancellation_approve_and_return_reject(
    api: Signer, cipher: str, control: httpx.Client
) -> None:
    order = _order_in(control, cipher, "AWAITING_SHIPMENT")
    cancel_id = control.post("/_sandbox/cancellations", json={"order_id": order["id"]}).json()[
        "cancellation"
    ]["cancel_id"]
    found = api.ok(
        "POST",
        "/return_refund/202309/cancellations/search",
        cipher=cipher,
        body={"cancel_ids": [cancel_id]},
    )["cancellations"]
    assert found[0]["cancel_status"] == "CANCELLATION_REQUEST_PENDING"
    assert api.ok("GET", "/order/202309/orders", cipher=cipher, query={"ids": order["id"]})[
        "orders"
    ][0]["is_buyer_request_cancel"]
    api.ok(
        "POST", f"/return_refund/202309/cancellations/{cancel_id}/approve", cipher=cipher, body={}
    )
    found = api.ok(
        "POST",
        "/return_refund/202309/cancellations/search",
        cipher=cipher,
        body={"cancel_ids": [cancel_id]},
    )["cancellations"]
    assert found[0]["cancel_status"] == "CANCELLATION_REQUEST_SUCCESS"
    assert (
        api.ok("GET", "/order/202309/orders", cipher=cipher, query={"ids": order["id"]})["orders"][
            0
        ]["status"]
        == "CANCELLED"
    )

    delivered = _order_in(control, cipher, "DELIVERED")
    return_id = control.post("/_sandbox/returns", json={"order_id": delivered["id"]}).json()[
        "return"
    ]["return_id"]
    reasons = api.ok(
        "GET",
        "/return_refund/202309/reject_reasons",
        cipher=cipher,
        query={"return_or_cancel_id": return_id},
    )["reasons"]
    bad = api.call(
        "POST",
        f"/return_refund/202309/returns/{return_id}/reject",
        cipher=cipher,
        body={"decision": "REJECT_RETURN"},
    )
    assert bad.json()["code"] == 36009004
    api.ok(
        "POST",
        f"/return_refund/202309/returns/{return_id}/reject",
        cipher=cipher,
        body={"decision": "REJECT_RETURN", "reject_reason": reasons[0]["name"]},
    )
    found = api.ok(
        "POST",
        "/return_refund/202309/returns/search",
        cipher=cipher,
        body={"return_ids": [return_id]},
    )["return_orders"]
    assert found[0]["return_status"] == "REFUND_OR_RETURN_REQUEST_REJECT"

    second = _order_in(control, cipher, "DELIVERED")
    rid = control.post("/_sandbox/returns", json={"order_id": second["id"]}).json()["return"][
        "return_id"
    ]
    api.ok(
        "POST",
        f"/return_refund/202309/returns/{rid}/approve",
        cipher=cipher,
        body={"decision": "APPROVE_RETURN"},
    )
    assert (
        api.ok(
            "POST",
            "/return_refund/202309/returns/search",
            cipher=cipher,
            body={"return_ids": [rid]},
        )["return_orders"][0]["return_status"]
        == "AWAITING_BUYER_SHIP"
    )


def test_finance_and_events(api: Signer, cipher: str) -> None:
    statements = api.ok(
        "GET",
        "/finance/202309/statements",
        cipher=cipher,
        query={"sort_field": "statement_time", "page_size": 5},
    )["statements"]
    assert statements and all(re.fullmatch(r"\d{18}", s["id"]) for s in statements)
    statement_id = statements[0]["id"]
    path = f"/finance/{{v}}/statements/{statement_id}/statement_transactions"
    tx = api.ok(
        "GET",
        path.format(v="202501"),
        cipher=cipher,
        query={"sort_field": "order_create_time", "page_size": 100},
    )
    assert tx["id"] == statement_id and tx["currency"]
    assert tx["total_count"] == len(tx["transactions"]) and tx["next_page_token"] == ""
    retired = api.call(
        "GET", path.format(v="202309"), cipher=cipher, query={"sort_field": "order_create_time"}
    ).json()
    assert retired["code"] == 36009014 and retired["data"] is None
    assert api.call("GET", "/finance/202309/statements", cipher=cipher).json()["code"] == 36009004
    api.ok(
        "PUT",
        "/event/202309/webhooks",
        cipher=cipher,
        body={"address": "https://example.com/hook", "event_type": "ORDER_STATUS_CHANGE"},
    )
    hooks = api.ok("GET", "/event/202309/webhooks", cipher=cipher)["webhooks"]
    assert [h["event_type"] for h in hooks] == ["ORDER_STATUS_CHANGE"]
    api.ok(
        "DELETE",
        "/event/202309/webhooks",
        cipher=cipher,
        body={"event_type": "ORDER_STATUS_CHANGE"},
    )
    assert api.ok("GET", "/event/202309/webhooks", cipher=cipher)["total_count"] == 0
    bad = api.call(
        "PUT",
        "/event/202309/webhooks",
        cipher=cipher,
        body={"address": "http://10.0.0.1:9/x", "event_type": "ORDER_STATUS_CHANGE"},
    )
    assert bad.json()["code"] == 36009004


def test_live_events_and_clock(api: Signer, cipher: str, control: httpx.Client) -> None:
    before = control.get("/_sandbox/").json()["orders"]
    events = control.post("/_sandbox/lifecycle", json={"steps": 150}).json()["events"]
    kinds = {e["event"] for e in events}
    assert "new_order" in kinds and len(kinds) >= 3
    assert control.get("/_sandbox/").json()["orders"] > before
    order = _order_in(control, cipher, "UNPAID")
    control.post("/_sandbox/clock", json={"advance": 2 * 3600})
    after = api.ok("GET", "/order/202309/orders", cipher=cipher, query={"ids": order["id"]})[
        "orders"
    ][0]
    assert after["status"] == "AWAITING_SHIPMENT" and "paid_time" in after
