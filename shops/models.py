"""Connected sellers and shops, their webhooks, the audit trail and the sync bookkeeping."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from shops import crypto


class Authorization(models.Model):
    """One seller's consent: the tokens (encrypted) that reach one or more of their shops."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        EXPIRING = "expiring", "Authorization expiring"
        NEEDS_REAUTHORIZATION = "needs_reauthorization", "Needs re-authorization"
        REVOKED = "revoked", "Revoked"
        DISCONNECTED = "disconnected", "Disconnected"

    open_id = models.CharField(max_length=64, unique=True)
    seller_name = models.CharField(max_length=255, blank=True)
    seller_base_region = models.CharField(max_length=8, blank=True)
    user_type = models.PositiveSmallIntegerField(default=0)
    granted_scopes = models.JSONField(default=list, blank=True)
    # Ciphertext only (Fernet); read through the properties below, never shown anywhere.
    access_token_encrypted = models.TextField(blank=True, editable=False)
    refresh_token_encrypted = models.TextField(blank=True, editable=False)
    access_token_expires_at = models.DateTimeField(null=True, blank=True)
    refresh_token_expires_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=32, choices=Status.choices, default=Status.ACTIVE)
    status_reason = models.TextField(blank=True)
    missing_scope = models.CharField(max_length=255, blank=True)
    expires_notice_at = models.DateTimeField(
        null=True, blank=True, help_text="When TikTok says the seller's authorization expires."
    )
    last_refreshed_at = models.DateTimeField(null=True, blank=True)
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["seller_name"]

    def __str__(self) -> str:
        return self.seller_name or self.open_id

    @property
    def access_token(self) -> str:
        return crypto.decrypt(self.access_token_encrypted)

    @property
    def refresh_token(self) -> str:
        return crypto.decrypt(self.refresh_token_encrypted)

    def set_tokens(
        self,
        *,
        access_token: str,
        access_token_expires_at: datetime | None,
        refresh_token: str,
        refresh_token_expires_at: datetime | None,
    ) -> None:
        """Keep a fresh pair of tokens (encrypted) and their absolute expiries."""
        self.access_token_encrypted = crypto.encrypt(access_token)
        self.refresh_token_encrypted = crypto.encrypt(refresh_token)
        self.access_token_expires_at = access_token_expires_at
        self.refresh_token_expires_at = refresh_token_expires_at
        self.last_refreshed_at = timezone.now()

    def clear_tokens(self) -> None:
        self.access_token_encrypted = ""
        self.refresh_token_encrypted = ""

    @property
    def has_tokens(self) -> bool:
        return bool(self.access_token_encrypted and self.refresh_token_encrypted)

    @property
    def is_usable(self) -> bool:
        """Whether calls to TikTok can be made with this authorization."""
        return self.has_tokens and self.status in (self.Status.ACTIVE, self.Status.EXPIRING)

    def access_token_due(self, window: timedelta) -> bool:
        """True when the access token expires within `window` (or its expiry is unknown)."""
        expires = self.access_token_expires_at
        return expires is None or expires <= timezone.now() + window


class ShopQuerySet(models.QuerySet):
    def visible_to(self, user) -> ShopQuerySet:
        """The shops a user may see: all of them for admins, their memberships for operators."""
        from shops.roles import is_admin

        if not user.is_authenticated:
            return self.none()
        if is_admin(user):
            return self
        return self.filter(members=user)

    def connected(self) -> ShopQuerySet:
        return self.filter(status=Shop.Status.ACTIVE)


class Shop(models.Model):
    """A TikTok shop: its id, cipher and region, who may work in it, and its connection state."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Connected"
        NEEDS_REAUTHORIZATION = "needs_reauthorization", "Needs re-authorization"
        DISCONNECTED = "disconnected", "Disconnected (read-only)"

    authorization = models.ForeignKey(
        Authorization, null=True, blank=True, on_delete=models.SET_NULL, related_name="shops"
    )
    tiktok_id = models.CharField("TikTok shop id", max_length=32, unique=True)
    cipher = models.CharField(max_length=255, blank=True)
    name = models.CharField(max_length=255)
    region = models.CharField(max_length=8, blank=True)
    seller_type = models.CharField(max_length=32, blank=True)
    code = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=32, choices=Status.choices, default=Status.ACTIVE)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="shops")
    last_webhook_at = models.DateTimeField(null=True, blank=True)
    connected_at = models.DateTimeField(default=timezone.now)
    disconnected_at = models.DateTimeField(null=True, blank=True)

    objects = ShopQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.region})" if self.region else self.name

    @property
    def is_connected(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def seller_type_label(self) -> str:
        """CROSS_BORDER → Cross-border, LOCAL → Local."""
        return self.seller_type.replace("_", "-").capitalize() if self.seller_type else ""


class AuditEntry(models.Model):
    """Who connected, reconnected or disconnected what, and membership changes."""

    class Action(models.TextChoices):
        CONNECT = "connect", "Connected"
        RECONNECT = "reconnect", "Reconnected"
        DISCONNECT = "disconnect", "Disconnected"
        MEMBER_ADDED = "member_added", "Member added"
        MEMBER_REMOVED = "member_removed", "Member removed"
        REAUTHORIZATION_NEEDED = "reauthorization_needed", "Re-authorization needed"
        REVOKED = "revoked", "Authorization revoked"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=32, choices=Action.choices)
    authorization = models.ForeignKey(
        Authorization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    shop = models.ForeignKey(
        Shop, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_entries"
    )
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        who = self.actor or "TikTok"
        return f"{self.get_action_display()} by {who} at {self.created_at:%Y-%m-%d %H:%M}"


class WebhookEvent(models.Model):
    """A notification TikTok pushed, stored once by its id and processed by a job."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored"
        FAILED = "failed", "Failed"
        # Signed, but with values we cannot store (answered 400, never processed).
        REJECTED = "rejected", "Rejected"

    notification_id = models.CharField(max_length=64, unique=True)
    type = models.PositiveSmallIntegerField(db_index=True)
    shop_tiktok_id = models.CharField(max_length=32, blank=True, db_index=True)
    shop = models.ForeignKey(
        Shop, null=True, blank=True, on_delete=models.SET_NULL, related_name="webhook_events"
    )
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED)
    error = models.TextField(blank=True)
    raw_body = models.TextField(
        blank=True, help_text="The body of a rejected event as received (shortened)."
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"type {self.type} #{self.notification_id}"

    @property
    def connected_shop(self) -> Shop | None:
        """The shop the event is about, if we still call TikTok for it."""
        return self.shop if self.shop is not None and self.shop.is_connected else None


class RateLimitSlot(models.Model):
    """The next free request slot for one (app, shop, API); shared by every process."""

    key = models.CharField(max_length=255, primary_key=True)
    next_slot = models.FloatField(help_text="Epoch seconds of the next free slot.")

    def __str__(self) -> str:
        return self.key


class SyncState(models.Model):
    """Where the mirror of one resource of one shop stands: watermark, cursor, progress."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="sync_states")
    resource = models.CharField(max_length=32)
    watermark = models.DateTimeField(
        null=True, blank=True, help_text="update_time reached by the last complete run."
    )
    page_token = models.TextField(blank=True, help_text="Cursor of the run in progress.")
    run_kind = models.CharField(max_length=16, blank=True)
    run_window_start = models.DateTimeField(null=True, blank=True)
    run_window_end = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "resource"], name="one_state_per_resource")
        ]

    def __str__(self) -> str:
        return f"{self.shop} · {self.resource}"


class SyncRun(models.Model):
    """One full or incremental mirror run of a resource, with its counts and outcome."""

    class Kind(models.TextChoices):
        FULL = "full", "Full"
        INCREMENTAL = "incremental", "Incremental"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="sync_runs")
    resource = models.CharField(max_length=32)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(null=True, blank=True)
    done = models.PositiveIntegerField(default=0)
    pages = models.PositiveIntegerField(default=0)
    requests = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Moves with every stored page: a worker busy with a long run is working, not stalled.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["shop", "resource", "-created_at"])]
        constraints = [
            # One run per (shop, resource) at a time, enforced by the database.
            models.UniqueConstraint(
                fields=["shop", "resource"],
                condition=models.Q(status__in=["queued", "running"]),
                name="one_active_run_per_resource",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.resource} sync of {self.shop}"

    @property
    def duration(self) -> timedelta | None:
        if not self.started_at:
            return None
        return (self.finished_at or timezone.now()) - self.started_at

    @property
    def percent(self) -> int | None:
        if not self.total:
            return 100 if self.status == self.Status.SUCCEEDED else None
        return min(100, round(100 * self.done / self.total))
