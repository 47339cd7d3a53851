"""Connected sellers and shops, their webhooks, the audit trail and the sync bookkeeping."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from shops import crypto
from shops.fields import RawJSONField


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


class MirroredModel(models.Model):
    """What every row mirrored from TikTok has: its shop, TikTok's id (unique per shop), the
    JSON as received, and when we last wrote it from TikTok."""

    # No index of its own: the unique (shop, tiktok_id) index below leads with the shop, and
    # one index less is one less to write for every mirrored row.
    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="%(class)ss", db_index=False
    )
    tiktok_id = models.CharField(max_length=32)
    raw = RawJSONField(default=dict, blank=True)
    synced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(fields=["shop", "tiktok_id"], name="one_%(class)s_per_shop_id")
        ]


class AuditEntry(models.Model):
    """Who connected, disconnected or changed what: connections, members, every command."""

    class Action(models.TextChoices):
        CONNECT = "connect", "Connected"
        RECONNECT = "reconnect", "Reconnected"
        DISCONNECT = "disconnect", "Disconnected"
        MEMBER_ADDED = "member_added", "Member added"
        MEMBER_REMOVED = "member_removed", "Member removed"
        REAUTHORIZATION_NEEDED = "reauthorization_needed", "Re-authorization needed"
        REVOKED = "revoked", "Authorization revoked"
        COMMAND = "command", "Change sent to TikTok"

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
    command = models.ForeignKey(
        "Command", null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_entries"
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
    claimed_at = models.DateTimeField(
        null=True, blank=True, help_text="When a worker took it; older claims are taken again."
    )
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
    windows = models.JSONField(
        default=list,
        blank=True,
        help_text="The update-time windows a split run walks side by side, each with its cursor.",
    )
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


class Profile(models.Model):
    """A person's own settings: the zone every time is shown in and dates are read in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    time_zone = models.CharField(
        max_length=64, blank=True, help_text="IANA zone name; empty means the site's TIME_ZONE."
    )

    def __str__(self) -> str:
        return f"{self.user} ({self.time_zone or 'site zone'})"


def new_idempotency_key() -> str:
    """A command's key: made once when the command is created, sent on every attempt."""
    return uuid.uuid4().hex


class CommandQuerySet(models.QuerySet):
    def for_shops(self, shops) -> CommandQuerySet:
        return self.filter(shop__in=shops)

    def unfinished(self) -> CommandQuerySet:
        return self.filter(status__in=Command.UNFINISHED)


class Command(models.Model):
    """One write to TikTok: the absolute state wanted, who asked and why, and how it went."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        PARTLY_FAILED = "partly_failed", "Partly failed"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        NEEDS_CHECK = "needs_check", "Needs check"

    UNFINISHED = (Status.QUEUED, Status.RUNNING, Status.NEEDS_CHECK)
    FINISHED = (Status.SUCCEEDED, Status.PARTLY_FAILED, Status.FAILED, Status.CANCELLED)

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="commands")
    kind = models.CharField(max_length=64, help_text="A name registered in COMMAND_KINDS.")
    target = models.CharField(
        max_length=128, help_text="What it changes, e.g. product:<id>; one at a time per target."
    )
    target_label = models.CharField(max_length=255, blank=True)
    desired = models.JSONField(help_text="The absolute state asked for (never a delta).")
    idempotency_key = models.CharField(
        max_length=64, unique=True, default=new_idempotency_key, editable=False
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    checks = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(
        null=True, blank=True, help_text="A running command past this time lost its worker."
    )
    # Set after an ambiguous failure of a repeatable kind: read TikTok's state before resending.
    verify_first = models.BooleanField(default=False)
    # Bumped by every claim: a worker whose lease was taken over records nothing.
    claims = models.PositiveIntegerField(default=0)
    # Attempts before the last Retry by a person, so the retry bound starts again from there.
    attempts_before_retry = models.PositiveSmallIntegerField(default=0)
    request_ids = models.JSONField(default=list, blank=True)
    error_kind = models.CharField(max_length=32, blank=True)
    error_code = models.BigIntegerField(null=True, blank=True)
    error_message = models.TextField(blank=True)
    held_reason = models.CharField(
        max_length=500, blank=True, help_text="Why the shop's commands wait (reconnect, scope)."
    )
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CommandQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="command_created"),
            models.Index(fields=["shop", "-created_at", "-id"], name="command_shop_created"),
            models.Index(fields=["status", "-created_at", "-id"], name="command_status_created"),
            models.Index(fields=["kind", "-created_at", "-id"], name="command_kind_created"),
            models.Index(fields=["actor", "-created_at", "-id"], name="command_actor_created"),
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=models.Q(status__in=["queued", "needs_check"]),
                name="command_due",
            ),
            models.Index(
                fields=["shop", "target", "id"],
                condition=models.Q(status__in=["queued", "running", "needs_check"]),
                name="command_unfinished_target",
            ),
            models.Index(
                fields=["lease_until"],
                condition=models.Q(status="running"),
                name="command_running_lease",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.target} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def can_retry(self) -> bool:
        return self.status in (self.Status.FAILED, self.Status.PARTLY_FAILED)

    @property
    def can_cancel(self) -> bool:
        """Queued ones, and ones waiting for a person to check them on TikTok."""
        return self.status in (self.Status.QUEUED, self.Status.NEEDS_CHECK)


class CommandItem(models.Model):
    """One item of a batch write (a SKU, a package) and TikTok's verdict on it (`errors[]`)."""

    command = models.ForeignKey(Command, on_delete=models.CASCADE, related_name="items")
    item_id = models.CharField(max_length=64)
    ok = models.BooleanField()
    code = models.BigIntegerField(null=True, blank=True)
    message = models.TextField(blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["command", "item_id"], name="one_outcome_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {'ok' if self.ok else self.message}"
