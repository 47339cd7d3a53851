"""Background jobs of the shops app: each takes ids, calls one service and is named after it."""

from __future__ import annotations

from shops import commands, services, sync, tokens, webhooks, worker
from shops.models import SyncRun


def webhook_process(event_id: int) -> str:
    return webhooks.webhook_process(event_id=event_id)


def webhooks_register(shop_id: int) -> list[str]:
    return services.webhooks_register(shop_id=shop_id)


def refresh_expiring_tokens() -> int:
    return tokens.refresh_expiring_tokens()


def sync_shop_pending(shop_id: int) -> list[str]:
    """Work the shop's unfinished runs in order; redelivered, it finds none left."""
    return [run.status for run in sync.sync_shop_pending(shop_id=shop_id)]


def sync_request_all(resource: str) -> int:
    """The scheduled incremental sync of one resource for every connected shop."""
    return sync.sync_request_all(resource=resource, kind=SyncRun.Kind.INCREMENTAL)


def canary_record() -> str:
    return worker.canary_record()


def commands_work(shop_id: int | None = None) -> int:
    return commands.commands_work(shop_id=shop_id)


def commands_enqueue_due() -> int:
    return commands.commands_enqueue_due()
