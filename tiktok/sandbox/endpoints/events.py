"""Shop webhooks through the Event API: list, subscribe, unsubscribe."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from tiktok.events import EVENT_TYPE_NUMBERS

from ..app import Ctx, api
from ..state import SandboxError

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def _check_address(address: str) -> None:
    if len(address) > 255:
        raise SandboxError(36009004, "Invalid parameter. `address` must be at most 255 characters.")
    parts = urlsplit(address)
    # TikTok wants https, a domain and no port; loopback receivers are accepted because the
    # sandbox runs next to them
    if parts.hostname in LOCAL_HOSTS and parts.scheme in ("http", "https"):
        return
    if (
        parts.scheme != "https"
        or not parts.hostname
        or parts.port
        or parts.hostname.replace(".", "").isdigit()
    ):
        raise SandboxError(
            36009004,
            "Invalid parameter. `address` must be an https URL with a domain name and no port.",
        )


@api("GET", "/event/{v}/webhooks", scope="seller.webhook")
def list_webhooks(ctx: Ctx) -> dict[str, Any]:
    """Get Shop Webhooks."""
    shop = ctx.require_shop()
    hooks = [
        {
            "event_type": event_type,
            "address": sub["address"],
            "create_time": sub["create_time"],
            "update_time": sub["update_time"],
        }
        for (no, event_type), sub in sorted(ctx.store.subscriptions.items())
        if no == shop.no
    ]
    return {"webhooks": hooks, "total_count": len(hooks)}


@api("PUT", "/event/{v}/webhooks", scope="seller.webhook")
def update_webhook(ctx: Ctx) -> dict[str, Any]:
    """Update Shop Webhook: subscribe an address to one event type."""
    shop = ctx.require_shop()
    address = str(ctx.required(ctx.body, "address"))
    event_type = str(ctx.required(ctx.body, "event_type"))
    if event_type not in EVENT_TYPE_NUMBERS:
        raise SandboxError(36009004, f"Invalid parameter. Unknown `event_type` {event_type!r}.")
    _check_address(address)
    ctx.store.subscribe(shop, event_type, address)
    ctx.store.record(
        "webhook_update", shop, event_type=event_type, address=address, request_id=ctx.request_id
    )
    return {}


@api("DELETE", "/event/{v}/webhooks", scope="seller.webhook")
def delete_webhook(ctx: Ctx) -> dict[str, Any]:
    """Delete Shop Webhook: succeeds even when nothing was subscribed."""
    shop = ctx.require_shop()
    event_type = str(ctx.required(ctx.body, "event_type"))
    if event_type not in EVENT_TYPE_NUMBERS:
        raise SandboxError(36009004, f"Invalid parameter. Unknown `event_type` {event_type!r}.")
    ctx.store.subscriptions.pop((shop.no, event_type), None)
    ctx.store.record("webhook_delete", shop, event_type=event_type, request_id=ctx.request_id)
    return {}
