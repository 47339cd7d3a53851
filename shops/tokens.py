"""Token lifecycle: one refresh per authorization at a time, so a rotated token is never lost."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from shops.models import AuditEntry, Authorization, Shop
from tiktok.errors import NeedsReauthorizationError, TikTokError

logger = logging.getLogger(__name__)


def refresh_window() -> timedelta:
    return timedelta(minutes=settings.TOKEN_REFRESH_WINDOW_MINUTES)


def authorization_mark_needs_reauthorization(
    *, authorization_id: int, reason: str, revoked: bool = False
) -> None:
    """Stop using an authorization and its shops until an admin reconnects it."""
    with transaction.atomic():
        authorization = Authorization.objects.select_for_update().get(pk=authorization_id)
        status = (
            Authorization.Status.REVOKED if revoked else Authorization.Status.NEEDS_REAUTHORIZATION
        )
        if authorization.status == status:
            return
        authorization.status = status
        authorization.status_reason = reason
        if revoked:
            authorization.clear_tokens()
        authorization.save()
        authorization.shops.filter(status=Shop.Status.ACTIVE).update(
            status=Shop.Status.NEEDS_REAUTHORIZATION
        )
        AuditEntry.objects.create(
            action=AuditEntry.Action.REVOKED
            if revoked
            else AuditEntry.Action.REAUTHORIZATION_NEEDED,
            authorization=authorization,
            detail={"reason": reason},
        )
    logger.warning("authorization %s needs re-authorization: %s", authorization_id, reason)


@contextmanager
def _refresh_lock(authorization_id: int) -> Iterator[None]:
    """One refresh per authorization at a time, across processes, with no transaction open.

    A session advisory lock rather than a row lock: the token host call happens while it is
    held, and no HTTP request may run inside a transaction. A worker that dies loses its
    session and with it the lock.
    """
    key = f"token-refresh:{authorization_id}"
    with connection.cursor() as cursor:
        cursor.execute("select pg_advisory_lock(hashtextextended(%s, 0))", [key])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("select pg_advisory_unlock(hashtextextended(%s, 0))", [key])


def authorization_refresh(*, authorization_id: int, stale_access_token: str | None = None) -> str:
    """Refresh the tokens once, however many workers ask at the same time; return the new one.

    With `stale_access_token`, a caller whose token was already replaced by another worker gets
    the replacement without a second refresh.
    """
    from shops.gateway import oauth_client

    with _refresh_lock(authorization_id):
        authorization = Authorization.objects.get(pk=authorization_id)
        if not authorization.is_usable:
            raise NeedsReauthorizationError(f"{authorization} needs re-authorization")
        current = authorization.access_token
        if stale_access_token is not None and current != stale_access_token:
            return current
        if stale_access_token is None and not authorization.access_token_due(refresh_window()):
            return current
        try:
            token = oauth_client().refresh(authorization.refresh_token)
        except NeedsReauthorizationError as error:
            failure = error
        except TikTokError:
            raise  # a passing failure: the token stays as it was and the next try refreshes
        else:
            with transaction.atomic():
                authorization = Authorization.objects.select_for_update().get(pk=authorization_id)
                authorization.set_tokens(
                    access_token=token.access_token,
                    access_token_expires_at=token.access_token_expires_at,
                    refresh_token=token.refresh_token,
                    refresh_token_expires_at=token.refresh_token_expires_at,
                )
                if token.granted_scopes:
                    authorization.granted_scopes = list(token.granted_scopes)
                authorization.save()
            return token.access_token
    authorization_mark_needs_reauthorization(
        authorization_id=authorization_id, reason=f"Token refresh failed: {failure.message}"
    )
    raise failure


class DatabaseTokenProvider:
    """The client's token provider: reads the stored token, refreshes through the row lock."""

    def __init__(self, authorization_id: int) -> None:
        self.authorization_id = authorization_id

    def __repr__(self) -> str:
        return f"DatabaseTokenProvider(authorization_id={self.authorization_id})"

    def access_token(self) -> str:
        authorization = Authorization.objects.get(pk=self.authorization_id)
        if not authorization.is_usable:
            raise NeedsReauthorizationError(f"{authorization} needs re-authorization")
        if authorization.access_token_due(timedelta(minutes=5)):
            return authorization_refresh(authorization_id=self.authorization_id)
        return authorization.access_token

    def refresh(self, stale_token: str) -> str:
        return authorization_refresh(
            authorization_id=self.authorization_id, stale_access_token=stale_token
        )


def refresh_expiring_tokens() -> int:
    """Refresh every usable authorization whose access token expires within the window."""
    due = Authorization.objects.filter(
        status__in=[Authorization.Status.ACTIVE, Authorization.Status.EXPIRING],
        access_token_expires_at__lte=timezone.now() + refresh_window(),
    ).exclude(refresh_token_encrypted="")
    refreshed = 0
    for authorization_id in due.values_list("pk", flat=True):
        try:
            authorization_refresh(authorization_id=authorization_id)
            refreshed += 1
        except TikTokError as error:
            logger.warning("refresh of authorization %s failed: %s", authorization_id, error)
    return refreshed


def authorization_note_missing_scope(*, authorization_id: int | None, error: TikTokError) -> None:
    """Remember which permission TikTok said the app lacks, so admins see what to grant."""
    if authorization_id is None:
        return
    scope = getattr(error, "scope", None) or error.message or "unknown permission"
    Authorization.objects.filter(pk=authorization_id).update(missing_scope=scope[:255])
