"""`python -m tiktok.sandbox.bench`: time start-up and a full order walk at scale."""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import httpx

from tiktok.signing import request_signature

from .app import SandboxApp
from .config import SandboxConfig
from .server import start_in_thread

SEARCH = "/order/202309/orders/search"


def _signed(
    client: httpx.Client,
    cfg: SandboxConfig,
    token: str,
    path: str,
    query: dict[str, str],
    body: str,
) -> dict[str, Any]:
    q = {"app_key": cfg.app_key, "timestamp": str(int(time.time())), **query}
    q["sign"] = request_signature(cfg.app_secret, path, q, body)
    headers = {"x-tts-access-token": token, "content-type": "application/json"}
    payload = client.post(path, params=q, content=body, headers=headers).json()
    assert payload["code"] == 0, payload
    data: dict[str, Any] = payload["data"]
    return data


def walk(
    client: httpx.Client, cfg: SandboxConfig, token: str, cipher: str, page_size: int, sort: str
) -> tuple[int, int, int]:
    """Page through every order of one shop; (orders seen, distinct, pages)."""
    seen: list[str] = []
    page_token = ""
    pages = 0
    while True:
        query = {
            "shop_cipher": cipher,
            "page_size": str(page_size),
            "sort_field": sort,
            "sort_order": "ASC",
        }
        if page_token:
            query["page_token"] = page_token
        data = _signed(client, cfg, token, SEARCH, query, "{}")
        pages += 1
        seen += [o["id"] for o in data["orders"]]
        page_token = data["next_page_token"]
        if not page_token:
            return len(seen), len(set(seen)), pages


def main(argv: list[str] | None = None) -> None:
    """Measure and print JSON: start seconds, walk seconds, orders per second."""
    p = argparse.ArgumentParser(prog="python -m tiktok.sandbox.bench")
    p.add_argument("--orders", type=int, default=200_000)
    p.add_argument("--sellers", type=int, default=1, help="1 = one US shop holding every order")
    p.add_argument("--page-size", type=int, default=100)
    p.add_argument("--sort", default="create_time", choices=("create_time", "update_time"))
    p.add_argument(
        "--socket",
        action="store_true",
        help="walk over a real loopback socket instead of in-process WSGI",
    )
    a = p.parse_args(argv)
    cfg = SandboxConfig(seed=1, orders=a.orders, sellers=a.sellers, rate_limit=0)
    started = time.perf_counter()
    if a.socket:
        handle = start_in_thread(cfg)
        app, client = handle.app, httpx.Client(base_url=handle.url, trust_env=False, timeout=60)
    else:
        app = SandboxApp(cfg)
        client = httpx.Client(
            base_url="http://sandbox", transport=httpx.WSGITransport(app=app), timeout=60
        )
    start_s = time.perf_counter() - started
    with app.store.lock:
        seller = app.store.world.sellers[0]
        token = app.store.exchange_code(app.store.issue_code(seller))["access_token"]
        shop = app.store.world.shops[seller.shop_nos[0]]
    began = time.perf_counter()
    seen, distinct, pages = walk(client, cfg, token, shop.cipher, a.page_size, a.sort)
    walk_s = time.perf_counter() - began
    print(
        json.dumps(
            {
                "orders_total": a.orders,
                "orders_in_walked_shop": len(shop.orders),
                "start_seconds": round(start_s, 2),
                "walk_seconds": round(walk_s, 2),
                "pages": pages,
                "seen": seen,
                "distinct": distinct,
                "orders_per_second": round(seen / walk_s),
                "transport": "socket" if a.socket else "in-process WSGI",
            }
        )
    )
    if a.socket:
        handle.stop()


if __name__ == "__main__":
    main()
