"""Comparing the mirror with the sandbox's own state, and signing webhooks for it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from catalog.models import Product
from fulfillment.models import Cancellation, Package, Return
from orders.models import Order, OrderLine
from shops.models import Shop
from tiktok.sandbox.data import ORDER_STATUSES
from tiktok.sandbox.server import SandboxHandle
from tiktok.sandbox.views import facts, packages
from tiktok.signing import webhook_signature
from tiktok.types import cancel_status, package_status, return_status


def _when(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def sandbox_snapshot(handle: SandboxHandle, shop_tiktok_id: str) -> dict[str, Any]:
    """What the sandbox holds for one shop, in the mirror's terms."""
    store = handle.state
    with store.lock:
        shop = next(s for s in store.world.shops if s.id == shop_tiktok_id)
        table = shop.orders
        orders = {
            shop.order_id(i): (ORDER_STATUSES[table.status[i]], _when(table.update[i]))
            for i in range(len(table))
        }
        lines = sum(len(facts(shop, i).lines) for i in range(len(table)))
        pkgs = {
            p.id: package_status(p.status)
            for i in range(len(table))
            for p in packages(facts(shop, i))
        }
        return {
            "orders": orders,
            "lines": lines,
            "products": {p.id: (p.status, _when(p.update_time)) for p in shop.products.values()},
            "packages": pkgs,
            "returns": {r.id: return_status(r.status) for r in shop.returns.values()},
            "cancellations": {c.id: cancel_status(c.status) for c in shop.cancellations.values()},
        }


def mirror_snapshot(shop: Shop) -> dict[str, Any]:
    """What the database holds for one shop, in the same shape."""
    return {
        "orders": {
            tiktok_id: (status, update)
            for tiktok_id, status, update in Order.objects.filter(shop=shop).values_list(
                "tiktok_id", "status", "update_time"
            )
        },
        "lines": OrderLine.objects.filter(shop=shop).count(),
        "products": {
            tiktok_id: (status, update)
            for tiktok_id, status, update in Product.objects.filter(shop=shop).values_list(
                "tiktok_id", "status", "update_time"
            )
        },
        "packages": dict(Package.objects.filter(shop=shop).values_list("tiktok_id", "status")),
        "returns": dict(Return.objects.filter(shop=shop).values_list("tiktok_id", "status")),
        "cancellations": dict(
            Cancellation.objects.filter(shop=shop).values_list("tiktok_id", "status")
        ),
    }


def assert_mirrored(handle: SandboxHandle, shop: Shop) -> None:
    """The database equals the sandbox: counts, and every order's status and update time."""
    expected = sandbox_snapshot(handle, shop.tiktok_id)
    actual = mirror_snapshot(shop)
    for key in expected:
        if isinstance(expected[key], dict):
            assert len(actual[key]) == len(expected[key]), key
            differing = {
                k: (v, actual[key].get(k))
                for k, v in expected[key].items()
                if actual[key].get(k) != v
            }
            assert not differing, (key, list(differing.items())[:5])
        else:
            assert actual[key] == expected[key], key


def signed_webhook(client, settings, payload: dict) -> Any:
    """POST a webhook to our endpoint, signed the way TikTok signs it."""
    from django.urls import reverse

    body = json.dumps(payload)
    signature = webhook_signature(settings.TIKTOK_APP_KEY, settings.TIKTOK_APP_SECRET, body)
    return client.post(
        reverse("tiktok-webhook"),
        data=body,
        content_type="application/json",
        headers={"Authorization": signature},
    )
