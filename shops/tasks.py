"""Background jobs of the shops app: each takes ids and calls one service."""

from __future__ import annotations

from shops import commands, services, sync, tokens, webhooks, worker
from shops.models import SyncRun


def process_webhook(event_id: int) -> str:
    return webhooks.webhook_process(event_id=event_id)


def register_webhooks(shop_id: int) -> list[str]:
    return services.webhooks_register(shop_id=shop_id)


def refresh_expiring_tokens() -> int:
    return tokens.refresh_expiring_tokens()


def run_sync(run_id: int) -> list[str]:
    """Work the run (after the shop's runs that come before it); a finished run is a no-op."""
    shop_id = SyncRun.objects.filter(pk=run_id).values_list("shop_id", flat=True).first()
    if shop_id is None:
        return []
    return [run.status for run in sync.sync_shop_pending(shop_id=shop_id)]


def sync_connected_shop(shop_id: int) -> list[str]:
    """Work the runs queued when the shop was connected; redelivered, it finds none left."""
    return [run.status for run in sync.sync_shop_pending(shop_id=shop_id)]


def worker_canary() -> str:
    return worker.canary_record()


def run_commands(shop_id: int | None = None) -> int:
    return commands.commands_work(shop_id=shop_id)


def run_due_commands() -> int:
    return commands.commands_enqueue_due()
