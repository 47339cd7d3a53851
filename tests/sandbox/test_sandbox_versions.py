"""API versions per endpoint (served, retired, counted), the newer webhook topics, and the
sandbox's fidelity fixes: package ids on US/UK lines, type-4 `sc_type`, buyer address changes,
and deliveries that do not wait on each other."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from .conftest import Signer, authorize

STATEMENTS_TX = "/finance/{v}/statements/{statement_id}/statement_transactions"


class Receiver(http.server.ThreadingHTTPServer):
    """Records posts; waits `delay` seconds before answering each."""

    def __init__(self, delay: float = 0.0) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.delay = delay
        self.posts: list[dict[str, Any]] = []
        self.times: list[float] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}/hook"

    def types(self) -> list[int]:
        return [p["type"] for p in self.posts]


class Handler(http.server.BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        time.sleep(self.server.delay)
        self.server.posts.append(json.loads(body))
        self.server.times.append(time.monotonic())
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def _serve(server: Receiver) -> Iterator[Receiver]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from _serve(Receiver())


@pytest.fixture
def slow_receiver() -> Iterator[Receiver]:
    yield from _serve(Receiver(delay=0.6))


def _wait(predicate: Any, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def us(sandbox: Any, control: httpx.Client) -> tuple[Signer, str]:
    """A signer for the local US seller and its shop's cipher."""
    signer = Signer(sandbox.url)
    signer.token = authorize(sandbox.url, control, "seller1")["access_token"]
    return signer, signer.ok("GET", "/authorization/202309/shops")["shops"][0]["cipher"]


# --- versions ----------------------------------------------------------------------------------


def test_versions_are_listed_retired_and_restored(api: Signer, cipher: str, control: httpx.Client):
    listed = control.get("/_sandbox/versions").json()["endpoints"]
    assert listed[STATEMENTS_TX]["served"] == ["202501"]
    assert listed[STATEMENTS_TX]["retired"] == ["202309"]
    assert listed["/finance/{v}/payments"]["served"] == ["202605"]
    assert listed["/order/{v}/orders"]["served"] == ["202309", "202507"]
    query = {"sort_field": "create_time"}
    assert api.call("GET", "/finance/202309/payments", cipher=cipher, query=query).json()[
        "code"
    ] == (36009014)
    control.post("/_sandbox/versions", json={"restore": {"/finance/{v}/payments": ["202309"]}})
    old = api.ok("GET", "/finance/202309/payments", cipher=cipher, query=query)["payments"]
    new = api.ok("GET", "/finance/202605/payments", cipher=cipher, query=query)["payments"]
    assert old and all("reserve_amount" in p for p in old)
    assert all("reserve_amount" not in p for p in new)
    control.post("/_sandbox/versions", json={"retire": {"/order/{v}/orders": "202309"}})
    try:
        refused = api.call("GET", "/order/202309/orders", cipher=cipher, query={"ids": "1"})
        assert refused.status_code == 404 and refused.json()["code"] == 36009014
        assert api.ok("GET", "/order/202507/orders", cipher=cipher, query={"ids": "1"}) == {
            "orders": []
        }
    finally:
        control.post(
            "/_sandbox/versions",
            json={
                "restore": {"/order/{v}/orders": ["202309"]},
                "retire": {"/finance/{v}/payments": ["202309"]},
            },
        )
    counts = control.get("/_sandbox/versions").json()
    assert counts["retired_calls"]["GET /order/202309/orders"] >= 1
    assert counts["calls"]["GET /order/202507/orders"] >= 1
    bad = control.post("/_sandbox/versions", json={"retire": {"/nope/{v}/x": ["202309"]}})
    assert bad.status_code == 400 and "unknown endpoint" in bad.json()["error"]


def test_newest_shapes_are_refused_at_the_old_version(
    api: Signer, cipher: str, control: httpx.Client
) -> None:
    """202610 takes lists, 202309 the flat fields; each refuses the other's shape."""
    lists = {"shipping_info_list": [{"tracking_number": "1Z", "shipping_provider_id": "1"}]}
    flat = {"tracking_number": "1Z", "shipping_provider_id": "1"}
    order_id = _new_order(control, cipher, "AWAITING_SHIPMENT")["id"]
    path = "/fulfillment/{v}/orders/" + order_id + "/packages"
    new_with_flat = api.call("POST", path.format(v="202610"), cipher=cipher, body=flat).json()
    assert new_with_flat["code"] == 36009004 and "shipping_info_list" in new_with_flat["message"]
    old_with_lists = api.call("POST", path.format(v="202309"), cipher=cipher, body=lists).json()
    assert old_with_lists["code"] == 36009004 and "tracking_number" in old_with_lists["message"]


# --- newer webhook topics ----------------------------------------------------------------------


def test_newer_webhook_topics_follow_the_life_cycle(
    api: Signer, cipher: str, shops: list[dict[str, Any]], control: httpx.Client, receiver: Receiver
) -> None:
    shop_id = shops[0]["id"]
    control.post("/_sandbox/webhooks", json={"address": receiver.url, "shop_id": shop_id})
    order = control.post(
        "/_sandbox/orders", json={"shop_cipher": cipher, "status": "DELIVERED"}
    ).json()["order"]
    _wait(lambda: 71 in receiver.types())
    placed = next(p for p in receiver.posts if p["type"] == 71)["data"]
    assert placed["change_reason"] == "ORDER_PLACED" and placed["event_id"]
    assert placed["idempotency_key"].endswith(placed["event_id"])
    assert placed["sku_id"] in {li["sku_id"] for li in order["line_items"]}
    returned = control.post(
        "/_sandbox/returns", json={"order_id": order["id"], "type": "REFUND"}
    ).json()["return"]
    _wait(lambda: 64 in receiver.types())
    request = next(p for p in receiver.posts if p["type"] == 64)["data"]
    assert request == {
        "order_id": order["id"],
        "aftersale_id": returned["return_id"],
        "request_type": "REFUND",
        "role": "BUYER",
        "create_time": request["create_time"],
    }
    api.ok(
        "POST",
        f"/return_refund/202309/returns/{returned['return_id']}/approve",
        cipher=cipher,
        body={"decision": "DIRECT_REFUND"},
    )
    _wait(lambda: 67 in receiver.types())
    refund = next(p for p in receiver.posts if p["type"] == 67)["data"]
    assert refund["return_id"] == returned["return_id"] and refund["refund_status"] == "SUCCESS"
    assert all(p["shop_id"] == shop_id and p["tts_notification_id"] for p in receiver.posts)


def test_inventory_and_sku_status_webhooks(
    api: Signer, cipher: str, shops: list[dict[str, Any]], control: httpx.Client, receiver: Receiver
) -> None:
    control.post(
        "/_sandbox/webhooks",
        json={"address": receiver.url, "shop_id": shops[0]["id"], "event_types": ["71", "50"]},
    )
    product = api.ok(
        "POST",
        "/product/202502/products/search",
        cipher=cipher,
        query={"page_size": 1},
        body={"status": "ACTIVATE"},
    )["products"][0]
    sku = product["skus"][0]
    stock = [{"warehouse_id": w["warehouse_id"], "quantity": 321} for w in sku["inventory"]]
    api.ok(
        "POST",
        f"/product/202309/products/{product['id']}/inventory/update",
        cipher=cipher,
        body={"skus": [{"id": sku["id"], "inventory": stock}]},
    )
    _wait(lambda: 71 in receiver.types())
    change = next(p for p in receiver.posts if p["type"] == 71)["data"]
    assert change["sku_id"] == sku["id"] and change["change_reason"] == "SELLER_UPDATE"
    assert change["inventory"]["total_quantity"] == 321
    assert change["idempotency_key"].endswith(change["event_id"])
    api.ok(
        "POST",
        "/product/202309/products/deactivate",
        cipher=cipher,
        body={"product_ids": [product["id"]]},
    )

    def statuses() -> dict[str, str]:
        return {
            p["data"]["sku_id"]: p["data"]["sku_status"] for p in receiver.posts if p["type"] == 50
        }

    # One webhook per SKU, each delivered on its own: wait for as many as the product has.
    _wait(lambda: len(statuses()) >= len(product["skus"]))
    assert statuses() == {s["id"]: "DEACTIVATED" for s in product["skus"]}
    api.ok(
        "POST",
        "/product/202309/products/activate",
        cipher=cipher,
        body={"product_ids": [product["id"]]},
    )


# --- fidelity fixes (known defects) ------------------------------------------------------------


def _new_order(control: httpx.Client, cipher: str, status: str) -> dict[str, Any]:
    return control.post("/_sandbox/orders", json={"shop_cipher": cipher, "status": status}).json()[
        "order"
    ]


def test_us_local_lines_name_their_package_only_once_shipped(
    us: tuple[Signer, str], api: Signer, cipher: str, control: httpx.Client
) -> None:
    signer, us_cipher = us
    waiting = _new_order(control, us_cipher, "AWAITING_SHIPMENT")
    assert waiting["packages"]  # the package exists ...
    assert all(
        "package_id" not in li and "package_status" not in li for li in waiting["line_items"]
    )
    shipped = _new_order(control, us_cipher, "IN_TRANSIT")
    assert all(li["package_id"] and li["package_status"] for li in shipped["line_items"])
    # a cross-border shop's unshipped lines do carry theirs
    cross_border = _new_order(control, cipher, "AWAITING_SHIPMENT")
    assert all(li["package_status"] == "TO_FULFILL" for li in cross_border["line_items"])
    (detail,) = signer.ok(
        "GET", "/order/202507/orders", cipher=us_cipher, query={"ids": waiting["id"]}
    )["orders"]
    assert all("package_id" not in li for li in detail["line_items"])


def test_shipping_webhook_has_no_empty_sc_type(
    api: Signer, cipher: str, shops: list[dict[str, Any]], control: httpx.Client, receiver: Receiver
) -> None:
    control.post(
        "/_sandbox/webhooks",
        json={
            "address": receiver.url,
            "shop_id": shops[0]["id"],
            "event_types": ["PACKAGE_UPDATE"],
        },
    )
    order = _new_order(control, cipher, "AWAITING_SHIPMENT")
    control.post("/_sandbox/lifecycle", json={"order_id": order["id"]})
    _wait(lambda: 4 in receiver.types())
    data = next(p for p in receiver.posts if p["type"] == 4)["data"]
    assert "sc_type" not in data and data["role_type"] == "ROLE_SELLER"
    assert data["package_list"][0]["order_id_list"] == [order["id"]]


def test_a_buyer_address_change_keeps_city_state_and_postal_code(
    control: httpx.Client, cipher: str
) -> None:
    order = _new_order(control, cipher, "AWAITING_SHIPMENT")
    before = order["recipient_address"]
    after = control.post("/_sandbox/address", json={"order_id": order["id"]}).json()["order"][
        "recipient_address"
    ]
    assert after["address_line1"] != before["address_line1"]
    assert after["postal_code"] == before["postal_code"]
    assert after["district_info"] == before["district_info"]
    city = next(d["address_name"] for d in before["district_info"] if d["address_level"] == "L3")
    assert after["full_address"].startswith(after["address_line1"] + ", ")
    assert city in after["full_address"] and before["postal_code"] in after["full_address"]
    assert "(updated by buyer)" not in after["full_address"]
    # the same full address the order had, with only the street line changed
    assert after["full_address"].replace(after["address_line1"], "") == before[
        "full_address"
    ].replace(before["address_line1"], "")


def test_a_slow_receiver_does_not_delay_another_address(
    cipher: str,
    shops: list[dict[str, Any]],
    control: httpx.Client,
    receiver: Receiver,
    slow_receiver: Receiver,
) -> None:
    slow, fast = shops[0]["id"], shops[1]["id"]
    control.post(
        "/_sandbox/webhooks",
        json={
            "address": slow_receiver.url,
            "shop_id": slow,
            "event_types": ["ORDER_STATUS_CHANGE"],
        },
    )
    control.post(
        "/_sandbox/webhooks",
        json={"address": receiver.url, "shop_id": fast, "event_types": ["ORDER_STATUS_CHANGE"]},
    )
    for _ in range(2):
        control.post("/_sandbox/orders", json={"shop_id": slow})
    control.post("/_sandbox/orders", json={"shop_id": fast})
    _wait(lambda: 1 in receiver.types())
    _wait(lambda: len(slow_receiver.posts) >= 2, timeout=20)
    # the fast address got its post while the slow one was still answering its first
    assert receiver.times[0] < slow_receiver.times[0]
    assert [p["shop_id"] for p in slow_receiver.posts] == [slow] * len(slow_receiver.posts)


def test_the_command_line_retires_and_serves_versions() -> None:
    from tiktok.sandbox.__main__ import parse_args
    from tiktok.sandbox.app import SandboxApp
    from tiktok.sandbox.config import RETIRED_VERSIONS, SandboxConfig

    cfg = parse_args(
        ["--retire", "/order/{v}/orders=202309", "--retire", STATEMENTS_TX + "=202312"]
    )
    assert cfg.retired["/order/{v}/orders"] == ("202309",)
    assert cfg.retired[STATEMENTS_TX] == ("202309", "202312")
    assert cfg.retired["/finance/{v}/payments"] == RETIRED_VERSIONS["/finance/{v}/payments"]
    assert parse_args(["--serve-retired"]).retired == {}
    with pytest.raises(SystemExit):
        parse_args(["--retire", "/order/{v}/orders"])
    with pytest.raises(ValueError, match="unknown endpoints"):
        SandboxApp(SandboxConfig(orders=10, retired={"/order/{v}/typo": ("202309",)}))
