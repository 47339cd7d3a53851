"""Background jobs of the shops app: each takes ids and calls one service."""

from __future__ import annotations

from shops import services, tokens, webhooks


def process_webhook(event_id: int) -> str:
    return webhooks.webhook_process(event_id=event_id)


def register_webhooks(shop_id: int) -> list[str]:
    return services.webhooks_register(shop_id=shop_id)


def refresh_expiring_tokens() -> int:
    return tokens.refresh_expiring_tokens()
