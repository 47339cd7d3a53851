"""Generated data: deterministic per seed, keyset pages that stay complete while data changes,
and 200,000 orders that start in seconds."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tiktok.sandbox import SandboxApp, SandboxConfig

from .conftest import ANCHOR, Signer

SEARCH = "/order/202309/orders/search"


def _in_process(cfg: SandboxConfig) -> tuple[SandboxApp, Signer, str]:
    """A sandbox mounted in-process (no socket), a signer with a token, and the first cipher."""
    cfg.rate_limit = 0
    app = SandboxApp(cfg)
    with app.store.lock:
        token = app.store.exchange_code(app.store.issue_code(app.store.world.sellers[0]))[
            "access_token"
        ]
    signer = Signer("http://sandbox.test", transport=httpx.WSGITransport(app=app))
    signer.token = token
    cipher = signer.ok("GET", "/authorization/202309/shops")["shops"][0]["cipher"]
    return app, signer, cipher


def _walk(
    signer: Signer, cipher: str, query: dict[str, Any], body: dict[str, Any], between: Any = None
) -> tuple[list[str], int]:
    ids: list[str] = []
    token = ""
    total = -1
    while True:
        data = signer.ok(
            "POST",
            SEARCH,
            cipher=cipher,
            query={**query, **({"page_token": token} if token else {})},
            body=body,
        )
        ids += [o["id"] for o in data["orders"]]
        total = data["total_count"]
        token = data["next_page_token"]
        if between is not None:
            between(len(ids))
        if not token:
            return ids, total


def test_same_seed_same_data() -> None:
    cfg = dict(seed=11, orders=800, products=6, anchor=ANCHOR)
    runs = []
    for _ in range(2):
        _app, signer, cipher = _in_process(SandboxConfig(**cfg))
        shops = signer.ok("GET", "/authorization/202309/shops")["shops"]
        oldest = signer.ok(
            "POST", SEARCH, cipher=cipher, query={"page_size": 50, "sort_order": "ASC"}, body={}
        )["orders"]
        products = signer.ok(
            "POST",
            "/product/202309/products/search",
            cipher=cipher,
            query={"page_size": 100},
            body={},
        )["products"]
        runs.append((shops, oldest, products))
    assert runs[0] == runs[1]
    _app, other, _other_cipher = _in_process(SandboxConfig(**{**cfg, "seed": 12}))
    assert other.ok("GET", "/authorization/202309/shops")["shops"] != runs[0][0]


def test_walks_are_complete_and_stable_while_orders_change(
    sandbox: Any, api: Signer, cipher: str, control: httpx.Client
) -> None:
    first = api.ok("POST", SEARCH, cipher=cipher, query={"page_size": 1}, body={})
    victims = [
        o["id"]
        for o in api.ok(
            "POST",
            SEARCH,
            cipher=cipher,
            query={"page_size": 100, "sort_order": "ASC"},
            body={"order_status": "DELIVERED"},
        )["orders"][:3]
    ]

    def change(seen: int) -> None:
        if seen in (40, 80, 120):
            control.post("/_sandbox/address", json={"order_id": victims[seen // 40 - 1]})

    ids, total = _walk(api, cipher, {"page_size": 40}, {}, change)
    assert len(ids) == len(set(ids)) == total >= first["total_count"]
    # an incremental sync: update_time ascending; a changed order moves behind the cursor
    start = int(time.time()) - 400 * 86400
    ids, total = _walk(
        api,
        cipher,
        {"page_size": 40, "sort_field": "update_time", "sort_order": "ASC"},
        {"update_time_ge": start},
        change,
    )
    assert set(ids) >= set(victims) and len(set(ids)) == total
    # a filtered walk
    ids, total = _walk(api, cipher, {"page_size": 7}, {"order_status": "COMPLETED"})
    assert len(ids) == len(set(ids)) == total > 0
    bad = api.call(
        "POST", SEARCH, cipher=cipher, query={"page_size": 7, "page_token": "bm90IG91cnM="}, body={}
    )
    assert bad.json()["code"] == 36009004


def test_200k_orders_start_fast_and_page_through() -> None:
    started = time.perf_counter()
    app, signer, cipher = _in_process(
        SandboxConfig(seed=3, orders=200_000, sellers=1, anchor=ANCHOR)
    )
    assert time.perf_counter() - started < 6
    shop = app.store.world.shops[0]
    assert len(shop.orders) == 200_000
    # the full walk of the one shop is in `python -m tiktok.sandbox.bench`; here a slice of it
    since = shop.orders.create[200_000 - 2_000]
    ids, total = _walk(
        signer, cipher, {"page_size": 100, "sort_order": "ASC"}, {"create_time_ge": since}
    )
    assert len(ids) == len(set(ids)) == total >= 2_000
    everything = signer.ok("POST", SEARCH, cipher=cipher, query={"page_size": 100}, body={})
    assert everything["total_count"] == 200_000


def test_20k_orders_walk_completely_in_process() -> None:
    _app, signer, cipher = _in_process(
        SandboxConfig(seed=5, orders=20_000, sellers=1, anchor=ANCHOR)
    )
    ids, total = _walk(
        signer, cipher, {"page_size": 100, "sort_field": "update_time", "sort_order": "ASC"}, {}
    )
    assert len(ids) == len(set(ids)) == total == 20_000
