"""Connecting sellers' shops, disconnecting them, and who may work in them."""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from shops import sync
from shops.gateway import client_for_token, oauth_client
from shops.jobs import enqueue_after_commit
from shops.models import AuditEntry, Authorization, Shop, SyncRun
from tiktok.errors import MissingScopeError, NeedsReauthorizationError, TikTokError
from tiktok.types import Shop as ApiShop
from tiktok.types import Token

logger = logging.getLogger(__name__)

STATE_SESSION_KEY = "tiktok_oauth_state"
STATE_LIFETIME_SECONDS = 600


class ConnectError(Exception):
    """Connecting failed; the message tells the admin what happened and what to do."""


@dataclass(frozen=True)
class ConnectResult:
    authorization: Authorization
    shops: list[Shop]
    reconnected: bool


def connect_start(*, request: HttpRequest) -> str:
    """Bind a fresh single-use `state` to the session and return the consent URL to send to."""
    if not settings.TIKTOK_SERVICE_ID:
        raise ConnectError("TIKTOK_SERVICE_ID is not set: add your app's service id to .env")
    state = secrets.token_urlsafe(24)
    request.session[STATE_SESSION_KEY] = {
        "value": state,
        "expires": time.time() + STATE_LIFETIME_SECONDS,
    }
    return oauth_client().consent_url(state)


def connect_check_state(*, request: HttpRequest, state: str | None) -> None:
    """Accept the callback's `state` once: it must be the session's, unexpired and unused."""
    expected = request.session.pop(STATE_SESSION_KEY, None)
    if not state or not expected:
        raise ConnectError(
            "This link did not start from Connect a shop in this browser session. Start again."
        )
    if not secrets.compare_digest(str(expected.get("value", "")), state):
        raise ConnectError("The connection request did not match this session. Start again.")
    if time.time() > float(expected.get("expires", 0)):
        raise ConnectError("The connection request expired (10 minutes). Start again.")


def _authorized_shops(token: Token) -> list[ApiShop]:
    return client_for_token(token.access_token).get_authorized_shops()


def connect_complete(*, code: str, user: User) -> ConnectResult:
    """Exchange the code, read the seller's shops, and store both; nothing is stored on failure."""
    try:
        token = oauth_client().exchange_code(code)
    except NeedsReauthorizationError as error:
        raise ConnectError(
            "TikTok refused the authorization code "
            f"({error.message or 'invalid or already used'}). "
            "Codes work once and for 30 minutes: start again."
        ) from error
    except TikTokError as error:
        raise ConnectError(
            f"TikTok's token service failed: {error.message or error}. Try again."
        ) from error
    if not token.open_id:
        raise ConnectError("TikTok's token answer had no seller id (open_id). Try again.")
    try:
        api_shops = _authorized_shops(token)
    except MissingScopeError as error:
        raise ConnectError(
            "The app lacks a permission TikTok needs to list shops "
            f"({error.scope or error.message}). Grant it in Partner Center, then connect again."
        ) from error
    except TikTokError as error:
        raise ConnectError(
            f"TikTok did not list the seller's shops: {error.message or error}."
        ) from error
    if not api_shops:
        raise ConnectError("This TikTok account has no shops to connect.")
    return _store_connection(token=token, api_shops=api_shops, user=user)


@transaction.atomic
def _store_connection(*, token: Token, api_shops: list[ApiShop], user: User) -> ConnectResult:
    authorization, created = Authorization.objects.select_for_update().get_or_create(
        open_id=token.open_id, defaults={"connected_by": user}
    )
    authorization.seller_name = token.seller_name or authorization.seller_name
    authorization.seller_base_region = token.seller_base_region or ""
    authorization.user_type = token.user_type or 0
    authorization.granted_scopes = list(token.granted_scopes)
    authorization.set_tokens(
        access_token=token.access_token,
        access_token_expires_at=token.access_token_expires_at,
        refresh_token=token.refresh_token,
        refresh_token_expires_at=token.refresh_token_expires_at,
    )
    authorization.status = Authorization.Status.ACTIVE
    authorization.status_reason = ""
    authorization.missing_scope = ""
    authorization.expires_notice_at = None
    authorization.save()

    shops = []
    seen = set()
    for api_shop in api_shops:
        shop, shop_created = Shop.objects.select_for_update().get_or_create(
            tiktok_id=api_shop.id,
            defaults={"name": api_shop.name or api_shop.id, "authorization": authorization},
        )
        shop.authorization = authorization
        shop.cipher = api_shop.cipher or ""
        shop.name = api_shop.name or shop.name
        shop.region = api_shop.region or ""
        shop.seller_type = api_shop.seller_type or ""
        shop.code = api_shop.code or ""
        shop.status = Shop.Status.ACTIVE
        shop.disconnected_at = None
        if shop_created:
            shop.connected_at = timezone.now()
        shop.save()
        seen.add(shop.pk)
        shops.append(shop)
        AuditEntry.objects.create(
            actor=user,
            action=AuditEntry.Action.CONNECT if shop_created else AuditEntry.Action.RECONNECT,
            authorization=authorization,
            shop=shop,
            detail={"seller": authorization.seller_name, "region": shop.region},
        )
        # Queued runs exist from the moment the admin lands on the shops page, so its progress
        # bars show the first sync from the start (the connected-shop job works them).
        for resource in sync.resources():
            sync.sync_request(
                shop_id=shop.pk, resource=resource, kind=SyncRun.Kind.FULL, enqueue=False
            )
        for job in settings.SHOP_CONNECTED_JOBS:
            enqueue_after_commit(job, shop.pk, group=f"shop-{shop.pk}")
    # Shops the seller no longer grants stay readable but are no longer called.
    authorization.shops.exclude(pk__in=seen).update(
        status=Shop.Status.DISCONNECTED, authorization=None, disconnected_at=timezone.now()
    )
    return ConnectResult(authorization=authorization, shops=shops, reconnected=not created)


@transaction.atomic
def shop_disconnect(*, shop: Shop, user: User) -> None:
    """Stop calling TikTok for a shop; its mirrored data stays, read-only.

    When it was the authorization's last connected shop, the tokens are deleted too.
    """
    shop = Shop.objects.select_for_update().get(pk=shop.pk)
    authorization = shop.authorization
    shop.status = Shop.Status.DISCONNECTED
    shop.disconnected_at = timezone.now()
    shop.save(update_fields=["status", "disconnected_at"])
    if (
        authorization is not None
        and not authorization.shops.filter(status=Shop.Status.ACTIVE).exists()
    ):
        authorization.clear_tokens()
        authorization.status = Authorization.Status.DISCONNECTED
        authorization.status_reason = f"Disconnected by {user.get_username()}"
        authorization.save()
    AuditEntry.objects.create(
        actor=user, action=AuditEntry.Action.DISCONNECT, authorization=authorization, shop=shop
    )


@transaction.atomic
def shop_member_set(*, shop: Shop, member: User, is_member: bool, actor: User) -> bool:
    """Add or remove a member; return whether anything changed (and audit it when it did)."""
    current = shop.members.filter(pk=member.pk).exists()
    if current == is_member:
        return False
    if is_member:
        shop.members.add(member)
    else:
        shop.members.remove(member)
    AuditEntry.objects.create(
        actor=actor,
        action=AuditEntry.Action.MEMBER_ADDED if is_member else AuditEntry.Action.MEMBER_REMOVED,
        shop=shop,
        authorization=shop.authorization,
        detail={"member": member.get_username()},
    )
    return True


def webhooks_register(*, shop_id: int) -> list[str]:
    """Subscribe the shop to every event type we handle at TIKTOK_WEBHOOK_URL; return them."""
    from shops.gateway import client_for_shop
    from shops.tokens import authorization_note_missing_scope

    address = settings.TIKTOK_WEBHOOK_URL
    if not address:
        logger.info("TIKTOK_WEBHOOK_URL is not set; shop %s relies on scheduled syncs", shop_id)
        return []
    shop = Shop.objects.select_related("authorization").get(pk=shop_id)
    client = client_for_shop(shop)
    registered = []
    for event_type in settings.TIKTOK_WEBHOOK_EVENTS:
        try:
            client.update_webhook(event_type, address)
        except MissingScopeError as error:
            authorization_note_missing_scope(authorization_id=shop.authorization_id, error=error)
            continue
        registered.append(event_type)
    return registered
