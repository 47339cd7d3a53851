"""Signed webhooks to a local receiver, retried on failure on the (time-scaled) schedule."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tiktok.signing import verify_webhook

from .conftest import Signer


class Receiver(http.server.ThreadingHTTPServer):
    """Records posts; answers 500 to the first `fail` of them."""

    def __init__(self, fail: int = 0) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.fail = fail
        self.posts: list[tuple[dict[str, str], bytes]] = []


class Handler(http.server.BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.posts.append((dict(self.headers), body))
        status = 500 if len(self.server.posts) <= self.server.fail else 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver(fail=1)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _wait(predicate: Any, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_webhook_signed_delivered_and_retried(
    api: Signer, cipher: str, shops: list[dict[str, Any]], control: httpx.Client, receiver: Receiver
) -> None:
    address = f"http://127.0.0.1:{receiver.server_port}/webhooks/tiktok"
    api.ok(
        "PUT",
        "/event/202309/webhooks",
        cipher=cipher,
        body={"address": address, "event_type": "ORDER_STATUS_CHANGE"},
    )
    order = control.post("/_sandbox/orders", json={"shop_cipher": cipher}).json()["order"]
    # the first post fails (500); the retry after 120 s x time-scale 0.002 succeeds
    _wait(lambda: len(receiver.posts) >= 2)
    (_h1, b1), (_h2, b2) = receiver.posts[:2]
    assert b1 == b2
    for headers, body in receiver.posts[:2]:
        assert verify_webhook("sandboxappkey", "sandboxappsecret", body, headers["Authorization"])
    payload = json.loads(b1)
    assert payload["type"] == 1 and payload["shop_id"] == shops[0]["id"]
    assert payload["data"] == {
        "order_id": order["id"],
        "order_status": "UNPAID",
        "is_on_hold_order": payload["data"]["is_on_hold_order"],
        "update_time": payload["data"]["update_time"],
    }
    assert payload["tts_notification_id"].isdigit()
    deliveries = control.get("/_sandbox/webhooks", params={"shop_id": shops[0]["id"]}).json()[
        "deliveries"
    ]
    mine = next(d for d in deliveries if d["tts_notification_id"] == payload["tts_notification_id"])
    _wait(
        lambda: (
            control.get("/_sandbox/webhooks").json()["deliveries"][mine["id"] - 1]["state"]
            == "delivered"
        )
    )
    api.ok(
        "DELETE",
        "/event/202309/webhooks",
        cipher=cipher,
        body={"event_type": "ORDER_STATUS_CHANGE"},
    )


def test_deauthorization_webhook(control: httpx.Client, receiver: Receiver, sandbox: Any) -> None:
    receiver.fail = 0
    address = f"http://127.0.0.1:{receiver.server_port}/hook"
    seller = control.get("/_sandbox/sellers").json()["sellers"][0]
    control.post(
        "/_sandbox/webhooks",
        json={
            "address": address,
            "event_types": ["SELLER_DEAUTHORIZATION", "UPCOMING_AUTHORIZATION_EXPIRATION"],
            "shop_id": seller["shops"][0]["id"],
        },
    )
    token = control.post("/_sandbox/token", json={"seller": seller["login"]}).json()["access_token"]
    control.post("/_sandbox/expiring", json={"seller": seller["login"]})
    control.post("/_sandbox/revoke", json={"seller": seller["login"]})
    _wait(lambda: len(receiver.posts) >= 2)
    types = sorted(json.loads(b)["type"] for _h, b in receiver.posts)
    assert types == [6, 7]
    signer = Signer(sandbox.url)
    signer.token = token
    assert signer.call("GET", "/authorization/202309/shops").json()["code"] == 36009004
