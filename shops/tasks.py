"""Background jobs of the shops app: each takes ids and calls one service."""

from __future__ import annotations

from shops import commands, services, sync, tokens, webhooks
from shops.models import SyncRun


def process_webhook(event_id: int) -> str:
    return webhooks.webhook_process(event_id=event_id)


def register_webhooks(shop_id: int) -> list[str]:
    return services.webhooks_register(shop_id=shop_id)


def refresh_expiring_tokens() -> int:
    return tokens.refresh_expiring_tokens()


def run_sync(run_id: int) -> str:
    return sync.sync_run(run_id=run_id).status


def sync_connected_shop(shop_id: int) -> list[str]:
    return [run.status for run in sync.sync_shop(shop_id=shop_id, kind=SyncRun.Kind.FULL)]


def run_commands(shop_id: int | None = None) -> int:
    return commands.commands_work(shop_id=shop_id)


def run_due_commands() -> int:
    return commands.commands_enqueue_due()
