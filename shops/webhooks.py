"""TikTok's webhooks: verify and store each event once, then let a job route it to its handler."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
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


# What the columns hold (WebhookEvent): a positive smallint type, 64/32-character ids.
MAX_TYPE = 32767
MAX_NOTIFICATION_ID = 64
MAX_SHOP_ID = 32
# Epoch seconds up to the end of year 9999 (what a datetime holds), or TikTok's milliseconds
# (as_time reads 10**12 and above as milliseconds).
MAX_SECONDS = 253_402_300_799
MILLIS_FROM = 10**12
MAX_DEPTH = 32
RAW_BODY_KEPT = 10_000
_HEX = frozenset("0123456789abcdefABCDEF")


def _signature_valid(raw_body: bytes, signature: str | None) -> bool:
    """A 64-hex-digit HMAC that matches; missing app credentials match nothing."""
    if not settings.TIKTOK_APP_KEY or not settings.TIKTOK_APP_SECRET:
        return False
    signature = (signature or "").strip()
    if len(signature) != 64 or not set(signature) <= _HEX:
        return False
    return verify_webhook(settings.TIKTOK_APP_KEY, settings.TIKTOK_APP_SECRET, raw_body, signature)


def _check_storable(value: Any, depth: int = 0) -> None:
    """Refuse what PostgreSQL's jsonb cannot hold (NUL) and absurd nesting."""
    if depth > MAX_DEPTH:
        raise WebhookPayloadError(f"nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, str):
        if "\x00" in value:
            raise WebhookPayloadError("a text value holds a NUL character")
    elif isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                raise WebhookPayloadError("a key holds a NUL character")
            _check_storable(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_storable(item, depth + 1)


def _bounded_int(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise WebhookPayloadError(f"`{name}` is not a number")
    try:
        number = float(value)
    except ValueError as error:
        raise WebhookPayloadError(f"`{name}` is not a number") from error
    if not (low <= number <= high) or number != int(number):
        raise WebhookPayloadError(f"`{name}` is out of range")
    return int(number)


def _bounded_id(value: Any, name: str, longest: int) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise WebhookPayloadError(f"`{name}` is not an id")
    if len(str(value).strip()) > longest:
        raise WebhookPayloadError(f"`{name}` is longer than {longest} characters")


def _envelope(raw_body: bytes) -> dict[str, Any]:
    """The JSON object, once every value we store is known to fit its column."""
    try:
        payload = orjson.loads(raw_body)  # bounded depth: never a RecursionError
    except orjson.JSONDecodeError as error:
        raise WebhookPayloadError(f"not JSON ({error})") from error
    if not isinstance(payload, dict):
        raise WebhookPayloadError("not a JSON object")
    _check_storable(payload)
    _bounded_int(payload.get("type"), "type", 1, MAX_TYPE)
    _bounded_id(payload.get("tts_notification_id"), "tts_notification_id", MAX_NOTIFICATION_ID)
    _bounded_id(payload.get("shop_id"), "shop_id", MAX_SHOP_ID)
    timestamp = payload.get("timestamp")
    if timestamp not in (None, ""):
        number = _bounded_int(timestamp, "timestamp", 0, MAX_SECONDS * 1000)
        if MAX_SECONDS < number < MILLIS_FROM:
            raise WebhookPayloadError("`timestamp` is out of range")
    data = payload.get("data")
    if data is not None and not isinstance(data, dict | str):
        raise WebhookPayloadError("`data` is not an object")
    return payload


def _record_rejection(raw_body: bytes, reason: str) -> None:
    """Keep a signed event we refused, once per body, for staff to look at."""
    digest = hashlib.sha256(raw_body).hexdigest()
    text = raw_body[:RAW_BODY_KEPT].decode("utf-8", errors="backslashreplace")
    try:
        with transaction.atomic():
            WebhookEvent.objects.create(
                notification_id=f"rejected:{digest[:55]}",
                type=0,
                payload={},
                status=WebhookEvent.Status.REJECTED,
                error=reason[:2000],
                raw_body=text.replace("\x00", "\\x00"),
                processed_at=timezone.now(),
            )
    except IntegrityError:
        pass  # the same body was refused before


def webhook_receive(*, raw_body: bytes, signature: str | None) -> Intake:
    """Check the signature on the raw body, store the event once, and queue its processing.

    Nothing touches the database before the signature holds; a signed event whose values do
    not fit what we store is refused (400) and kept as rejected.
    """
    if not _signature_valid(raw_body, signature):
        raise WebhookRejected("invalid signature", 401)
    try:
        payload = _envelope(raw_body)
        parsed = parse_webhook(payload)
    except WebhookPayloadError as error:
        logger.warning("webhook rejected: %s", error)
        _record_rejection(raw_body, str(error))
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
                # `data` as an object even when TikTok nested it as a JSON string.
                payload={**payload, "data": dict(parsed.data)},
                sent_at=parsed.timestamp,
            )
            if shop is not None:
                Shop.objects.filter(pk=shop.pk).update(last_webhook_at=event.received_at)
            enqueue_after_commit("shops.tasks.webhook_process", event.pk, group="webhooks")
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
