"""Webhook processing on the command pattern: claim briefly, handle with no transaction, record."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from shops.models import WebhookEvent
from shops.webhooks import webhook_process
from tests.shops.helpers import make_shop

pytestmark = pytest.mark.django_db
handled: list[int] = []


def slow_handler(event: WebhookEvent) -> None:
    """Stands for a handler that calls TikTok: the transaction guard fails it inside atomic()."""
    time.sleep(0.001)
    handled.append(event.pk)


def failing_handler(event: WebhookEvent) -> None:
    raise RuntimeError("TikTok said no")


@pytest.fixture
def event(settings):
    settings.WEBHOOK_HANDLERS = {
        99: "tests.commands.test_webhook_processing.slow_handler",
        98: "tests.commands.test_webhook_processing.failing_handler",
    }
    handled.clear()
    shop = make_shop()
    return WebhookEvent.objects.create(
        notification_id="n-1", type=99, shop=shop, shop_tiktok_id=shop.tiktok_id, payload={}
    )


def test_the_handler_runs_with_no_transaction_open_and_once(event):
    assert webhook_process(event_id=event.pk) == "processed"
    assert webhook_process(event_id=event.pk) == "processed"
    assert handled == [event.pk]
    event.refresh_from_db()
    assert event.attempts == 1 and event.claimed_at is None and event.processed_at


def test_an_event_claimed_by_a_live_worker_is_left_alone_and_a_dead_ones_is_taken(event):
    WebhookEvent.objects.filter(pk=event.pk).update(claimed_at=timezone.now())
    assert webhook_process(event_id=event.pk) == "locked"
    assert handled == []
    WebhookEvent.objects.filter(pk=event.pk).update(
        claimed_at=timezone.now() - timedelta(minutes=11)
    )
    assert webhook_process(event_id=event.pk) == "processed"
    assert handled == [event.pk]


def test_a_failing_handler_is_recorded_and_can_run_again(event):
    WebhookEvent.objects.filter(pk=event.pk).update(type=98)
    assert webhook_process(event_id=event.pk) == "failed"
    event.refresh_from_db()
    assert event.status == "failed" and "TikTok said no" in event.error
    assert event.claimed_at is None
    assert webhook_process(event_id=event.pk) == "failed"
    event.refresh_from_db()
    assert event.attempts == 2


def test_only_the_gateway_builds_tiktok_clients():
    """shops/services.py used to build its own client; every client comes from shops.gateway."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    builders = [
        str(path.relative_to(root))
        for app in ("shops", "catalog", "orders", "fulfillment", "finance", "backoffice")
        for path in (root / app).rglob("*.py")
        if "TikTokClient(" in path.read_text()
    ]
    assert builders == ["shops/gateway.py"]
