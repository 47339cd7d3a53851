"""The §16 validation order: each bad request gets the contract's code, message and status."""

from __future__ import annotations

import time

import httpx

from tiktok.sandbox.server import SandboxHandle

from .conftest import Signer, authorize

SEARCH = "/order/202309/orders/search"


def test_wrong_signature_is_106001(api: Signer, cipher: str) -> None:
    r = api.call("POST", SEARCH, cipher=cipher, query={"page_size": 5}, body={}, sign="0" * 64)
    assert r.status_code == 401
    assert r.json()["code"] == 106001
    assert r.json()["data"] is None


def test_body_is_signed_byte_for_byte(api: Signer, cipher: str) -> None:
    spaced = '{    "order_status": "AWAITING_SHIPMENT"}'
    assert (
        api.call("POST", SEARCH, cipher=cipher, query={"page_size": 5}, raw_body=spaced).json()[
            "code"
        ]
        == 0
    )
    from tiktok.signing import request_signature

    q = {
        "app_key": "sandboxappkey",
        "timestamp": str(int(time.time())),
        "shop_cipher": cipher,
        "page_size": "5",
    }
    compact_sign = request_signature(
        "sandboxappsecret", SEARCH, q, '{"order_status":"AWAITING_SHIPMENT"}'
    )
    r = api.call(
        "POST",
        SEARCH,
        cipher=cipher,
        query={"page_size": 5},
        raw_body=spaced,
        timestamp=int(q["timestamp"]),
        sign=compact_sign,
    )
    assert r.json()["code"] == 106001


def test_empty_object_body_signed_as_empty_is_accepted(api: Signer, cipher: str) -> None:
    from tiktok.signing import request_signature

    now = int(time.time())
    q = {"app_key": "sandboxappkey", "timestamp": str(now), "shop_cipher": cipher, "page_size": "5"}
    sign = request_signature("sandboxappsecret", SEARCH, q, None)
    r = api.call(
        "POST",
        SEARCH,
        cipher=cipher,
        query={"page_size": 5},
        raw_body="{}",
        timestamp=now,
        sign=sign,
    )
    assert r.json()["code"] == 0


def test_stale_and_future_timestamps(api: Signer, cipher: str) -> None:
    stale = api.call(
        "POST",
        SEARCH,
        cipher=cipher,
        query={"page_size": 5},
        body={},
        timestamp=int(time.time()) - 301,
    )
    assert stale.json()["code"] == 36009004
    assert "5 minutes" in stale.json()["message"]
    future = api.call(
        "POST",
        SEARCH,
        cipher=cipher,
        query={"page_size": 5},
        body={},
        timestamp=int(time.time()) + 60,
    )
    assert "30 seconds" in future.json()["message"]


def test_unknown_app_key_and_missing_token(
    api: Signer, cipher: str, sandbox: SandboxHandle
) -> None:
    other = Signer(sandbox.url, app_key="nope")
    assert other.call("GET", "/authorization/202309/shops").json()["code"] == 36009004
    r = api.call("GET", "/authorization/202309/shops", token=None)
    assert (r.status_code, r.json()["code"]) == (401, 36009004)
    assert "x-tts-access-token" in r.json()["message"]


def test_shop_cipher_missing_and_forbidden(api: Signer, cipher: str) -> None:
    missing = api.call("POST", SEARCH, query={"page_size": 5}, body={})
    assert missing.json()["code"] == 106013
    forbidden = api.call("GET", "/authorization/202309/shops", cipher=cipher)
    assert forbidden.json()["code"] == 36009004
    assert "`shop_cipher` query parameter is not required" in forbidden.json()["message"]


def test_token_of_another_seller_is_101000(
    api: Signer, sandbox: SandboxHandle, control: httpx.Client
) -> None:
    local = Signer(sandbox.url)
    local.token = authorize(sandbox.url, control, "seller1")["access_token"]
    foreign = api.ok("GET", "/authorization/202309/shops")["shops"][0]["cipher"]
    assert (
        local.call("POST", SEARCH, cipher=foreign, query={"page_size": 5}, body={}).json()["code"]
        == 101000
    )


def test_missing_scope_is_105005(sandbox: SandboxHandle, control: httpx.Client) -> None:
    code = control.post(
        "/_sandbox/auth_code", json={"seller": "seller1", "scopes": ["seller.authorization.info"]}
    ).json()["code"]
    tokens = control.get(
        "/api/v2/token/get",
        params={
            "app_key": "sandboxappkey",
            "app_secret": "sandboxappsecret",
            "auth_code": code,
            "grant_type": "authorized_code",
        },
    ).json()["data"]
    limited = Signer(sandbox.url)
    limited.token = tokens["access_token"]
    cipher = limited.ok("GET", "/authorization/202309/shops")["shops"][0]["cipher"]
    r = limited.call("POST", SEARCH, cipher=cipher, query={"page_size": 5}, body={})
    assert r.json()["code"] == 105005
    assert "seller.order.info" in r.json()["message"]


def test_page_size_limits(api: Signer, cipher: str) -> None:
    for size in (0, 101):
        r = api.call("POST", SEARCH, cipher=cipher, query={"page_size": size}, body={})
        assert r.json()["code"] == 36009004
        assert "between 1 and 100" in r.json()["message"]
    assert "required" in api.call("POST", SEARCH, cipher=cipher, body={}).json()["message"]
    r = api.call(
        "POST",
        "/fulfillment/202309/packages/search",
        cipher=cipher,
        query={"page_size": 51},
        body={},
    )
    assert "between 1 and 50" in r.json()["message"]
    r = api.call(
        "POST",
        "/return_refund/202309/returns/search",
        cipher=cipher,
        query={"page_size": 9},
        body={},
    )
    assert "between 10 and 50" in r.json()["message"]


def test_too_many_ids(api: Signer, cipher: str) -> None:
    ids = ",".join(str(576000000000000000 + n) for n in range(51))
    r = api.call("GET", "/order/202309/orders", cipher=cipher, query={"ids": ids})
    assert r.json()["code"] == 36009004
    assert "at most 50" in r.json()["message"]
    r = api.call(
        "POST",
        "/product/202309/products/activate",
        cipher=cipher,
        body={"product_ids": [str(n) for n in range(21)]},
    )
    assert r.json()["code"] == 12019120


def test_unknown_path_method_and_version(api: Signer, cipher: str) -> None:
    r = api.call("GET", "/order/202309/nothing_here", cipher=cipher)
    assert (r.status_code, r.json()["code"]) == (404, 36009009)
    r = api.call("GET", SEARCH, cipher=cipher, query={"page_size": 5})
    assert r.json()["code"] == 36009010
    r = api.call(
        "POST", "/order/209912/orders/search", cipher=cipher, query={"page_size": 5}, body={}
    )
    assert r.json()["code"] == 36009014
    assert r.json()["message"] == "The version name is invalid, please check and retry."


def test_expired_token_then_refresh(api: Signer, cipher: str, control: httpx.Client) -> None:
    tokens = authorize(str(control.base_url), control)
    api.token = tokens["access_token"]
    control.post("/_sandbox/expire_tokens")
    r = api.call("POST", SEARCH, cipher=cipher, query={"page_size": 5}, body={})
    assert (r.status_code, r.json()["code"]) == (401, 105002)
    refreshed = control.get(
        "/api/v2/token/refresh",
        params={
            "app_key": "sandboxappkey",
            "app_secret": "sandboxappsecret",
            "refresh_token": tokens["refresh_token"],
            "grant_type": "refresh_token",
        },
    ).json()
    assert refreshed["code"] == 0
    data = refreshed["data"]
    assert (
        data["access_token"].startswith("TTP_") and data["refresh_token"] != tokens["refresh_token"]
    )
    assert data["access_token_expire_in"] > time.time() + 6 * 86400
    api.token = data["access_token"]
    assert (
        api.call("POST", SEARCH, cipher=cipher, query={"page_size": 5}, body={}).json()["code"] == 0
    )
    wrong = control.get(
        "/api/v2/token/refresh",
        params={
            "app_key": "sandboxappkey",
            "app_secret": "sandboxappsecret",
            "refresh_token": "TTP_x",
            "grant_type": "authorized_code",
        },
    ).json()
    assert wrong["code"] == 36009004


def test_rate_limit_answers_429(api: Signer, cipher: str, control: httpx.Client) -> None:
    control.post("/_sandbox/faults", json={"rate_limit": 5})
    try:
        codes = [
            api.call("GET", "/logistics/202309/warehouses", cipher=cipher, patient=False)
            for _ in range(15)
        ]
    finally:
        control.post("/_sandbox/faults", json={"rate_limit": 50})
    limited = [r for r in codes if r.status_code == 429]
    assert limited, [r.status_code for r in codes]
    assert limited[0].json()["code"] == 36009002
    assert limited[0].json()["message"].startswith("Too many requests")


def test_faults_error_malformed_and_dropped_connection(
    api: Signer, cipher: str, control: httpx.Client
) -> None:
    control.post("/_sandbox/faults", json={"next": ["error", "malformed", "unavailable", "drop"]})
    r = api.call("GET", "/logistics/202309/warehouses", cipher=cipher)
    assert (r.status_code, r.json()["code"]) == (500, 36009003)
    r = api.call("GET", "/logistics/202309/warehouses", cipher=cipher)
    assert r.status_code == 200
    try:
        r.json()
        raise AssertionError("the body should not be JSON")
    except ValueError:
        pass
    assert api.call("GET", "/logistics/202309/warehouses", cipher=cipher).status_code == 503
    try:
        api.call("GET", "/logistics/202309/warehouses", cipher=cipher)
        raise AssertionError("the connection should have been dropped")
    except (httpx.RemoteProtocolError, httpx.ReadError):
        pass
    assert api.call("GET", "/logistics/202309/warehouses", cipher=cipher).json()["code"] == 0
