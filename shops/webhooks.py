"""TikTok's webhooks: verify and store each event once, then let a job route it to its handler."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from shops.jobs import enqueue_after_commit
from shops.models import AuditEntry, Authorization, Shop, WebhookEvent
from shops.tokens import authorization_mark_needs_reauthorization
from tiktok.signing import verify_webhook
from tiktok.types import WebhookPayloadError, parse_webhook

logger = logging.getLogger(__name__)


class WebhookRejected(Exception):
    """The request is not a webhook we accept; `status` is the HTTP answer."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Intake:
    event: WebhookEvent
    duplicate: bool


def webhook_receive(*, raw_body: bytes, signature: str | None) -> Intake:
    """Check the signature on the raw body, store the event once, and queue its processing."""
    if not signature or not verify_webhook(
        settings.TIKTOK_APP_KEY, settings.TIKTOK_APP_SECRET, raw_body, signature
    ):
        raise WebhookRejected("invalid signature", 401)
    try:
        parsed = parse_webhook(raw_body)
    except WebhookPayloadError as error:
        raise WebhookRejected(f"not a TikTok Shop event: {error}", 400) from error
    # Some topics omit tts_notification_id; the body itself then identifies a redelivery.
    notification_id = parsed.tts_notification_id or (
        "sha256:" + hashlib.sha256(raw_body).hexdigest()[:56]
    )
    shop = Shop.objects.filter(tiktok_id=parsed.shop_id).first() if parsed.shop_id else None
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.create(
                notification_id=notification_id,
                type=parsed.type,
                shop_tiktok_id=parsed.shop_id or "",
                shop=shop,
                payload=parsed.raw,
                sent_at=parsed.timestamp,
            )
            if shop is not None:
                Shop.objects.filter(pk=shop.pk).update(last_webhook_at=event.received_at)
            enqueue_after_commit("shops.tasks.process_webhook", event.pk, group="webhooks")
    except IntegrityError:
        return Intake(
            event=WebhookEvent.objects.get(notification_id=notification_id), duplicate=True
        )
    return Intake(event=event, duplicate=False)


# A claim older than this belongs to a worker that died: the event is taken again.
CLAIM_LEASE = timedelta(minutes=10)
DONE = (WebhookEvent.Status.PROCESSED, WebhookEvent.Status.IGNORED)


def webhook_process(*, event_id: int) -> str:
    """Run the handler for one stored event, once; return the event's resulting status.

    Claimed in one short transaction, handled with none open (handlers call TikTok, which can
    back off and refresh tokens), recorded in a second.
    """
    now = timezone.now()
    with transaction.atomic():
        event = WebhookEvent.objects.select_for_update(skip_locked=True).filter(pk=event_id).first()
        if event is None:
            return "locked"
        if event.status in DONE:
            return event.status
        if event.claimed_at is not None and event.claimed_at > now - CLAIM_LEASE:
            return "locked"  # another worker is handling it now
        event.attempts += 1
        event.claimed_at = now
        event.save(update_fields=["attempts", "claimed_at"])
    handler_path = settings.WEBHOOK_HANDLERS.get(event.type)
    status, error_text = WebhookEvent.Status.PROCESSED, ""
    if handler_path is None:
        status = WebhookEvent.Status.IGNORED
    else:
        try:
            import_string(handler_path)(event)
        except Exception as error:
            logger.exception("webhook %s (type %s) failed", event.notification_id, event.type)
            status = WebhookEvent.Status.FAILED
            error_text = f"{type(error).__name__}: {error}"[:2000]
    with transaction.atomic():
        WebhookEvent.objects.filter(pk=event.pk).update(
            status=status, error=error_text, processed_at=timezone.now(), claimed_at=None
        )
    return status


def _authorization_of(event: WebhookEvent) -> Authorization | None:
    shop = event.shop or Shop.objects.filter(tiktok_id=event.shop_tiktok_id).first()
    return shop.authorization if shop else None


def handle_deauthorization(event: WebhookEvent) -> None:
    """Type 6: the seller removed our app; stop calling TikTok and ask an admin to reconnect."""
    authorization = _authorization_of(event)
    if authorization is None:
        return
    message = (event.payload.get("data") or {}).get("message") or "The seller deauthorized the app."
    authorization_mark_needs_reauthorization(
        authorization_id=authorization.pk, reason=str(message), revoked=True
    )


def handle_upcoming_expiration(event: WebhookEvent) -> None:
    """Type 7: the seller's authorization expires soon; show the date until they re-authorize."""
    authorization = _authorization_of(event)
    if authorization is None:
        return
    data = event.payload.get("data") or {}
    expires = data.get("expiration_time")
    when = _as_datetime(expires)
    Authorization.objects.filter(pk=authorization.pk).exclude(
        status__in=[Authorization.Status.REVOKED, Authorization.Status.NEEDS_REAUTHORIZATION]
    ).update(
        status=Authorization.Status.EXPIRING,
        expires_notice_at=when,
        status_reason=str(data.get("message") or "The seller's authorization expires soon."),
    )
    AuditEntry.objects.get_or_create(
        action=AuditEntry.Action.REAUTHORIZATION_NEEDED,
        authorization=authorization,
        detail={"expires": expires, "notice": "upcoming expiration"},
    )


def _as_datetime(value: object) -> datetime | None:
    """`expiration_time` arrives as a string of epoch seconds (sometimes a number)."""
    try:
        return datetime.fromtimestamp(int(float(value)), tz=UTC)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
