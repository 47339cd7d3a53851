"""The command pipeline: every write to TikTok is a row first, then claimed, sent and recorded.

A command holds the absolute state wanted, an idempotency key made once, who asked and why. The
runner claims a due command in one short transaction (`FOR UPDATE SKIP LOCKED`, a lease), calls
TikTok with no transaction open, and records the outcome in a second short transaction, in
which the command's kind also applies the result to the mirror. Which kinds exist is declared in
settings (`COMMAND_KINDS`, name → dotted path of a `CommandKind`), so `shops` imports no domain
app.

After an ambiguous failure (timeout, dropped connection, 5xx after sending, a worker that died
mid-call) a kind that may not be sent twice goes to *needs check*: its check step reads TikTok's
state to decide succeeded or safe to send again. A repeatable kind reads the state back too
before sending again, so a set that already took effect is not sent a second time.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import random
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from shops.gateway import ShopNotConnected, client_for_shop
from shops.jobs import enqueue_after_commit
from shops.models import AuditEntry, Authorization, Command, CommandItem, Shop
from shops.tokens import authorization_mark_needs_reauthorization, authorization_note_missing_scope
from tiktok.client import TikTokClient
from tiktok.errors import (
    ErrorKind,
    InvalidRequestError,
    MissingScopeError,
    TikTokError,
)
from tiktok.transport import NO_RETRIES
from tiktok.types import BatchResult

logger = logging.getLogger(__name__)

USABLE_AUTHORIZATION = (Authorization.Status.ACTIVE, Authorization.Status.EXPIRING)
# A check that cannot tell for sure is repeated this often before it waits for a person.
MAX_CHECKS = 8
# How long a command the shop cannot run now (missing permission) waits before trying again.
HOLD_SECONDS = 600


# --- what a kind is -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemOutcome:
    """TikTok's verdict on one item of a write (a SKU, a package)."""

    item_id: str
    ok: bool
    code: int | None = None
    message: str = ""
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """What one accepted write returned: its request_id and, for batches, a verdict per item."""

    request_id: str | None
    items: tuple[ItemOutcome, ...] = ()
    data: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_batch(cls, result: BatchResult, item_ids: Iterable[str]) -> Outcome:
        """One verdict per item sent: failed if TikTok's `errors[]` names it, else succeeded."""
        items = []
        for item_id in item_ids:
            error = result.error_for(item_id)
            if error is None:
                items.append(ItemOutcome(item_id=item_id, ok=True))
                continue
            extra = [
                {"code": e.code, "message": e.message, "warehouse_id": e.warehouse_id}
                for e in error.extra_errors
            ]
            message = "; ".join([error.message] + [e.message for e in error.extra_errors if e])
            items.append(
                ItemOutcome(
                    item_id=item_id,
                    ok=False,
                    code=error.code,
                    message=message,
                    detail={"extra_errors": extra} if extra else {},
                )
            )
        # An error for an item we did not send still counts: it is TikTok's word on the call.
        sent = {i.item_id for i in items}
        for error in result.errors:
            if error.item_id not in sent:
                items.append(
                    ItemOutcome(
                        item_id=error.item_id or "?",
                        ok=False,
                        code=error.code,
                        message=error.message,
                    )
                )
        return cls(request_id=result.request_id, items=tuple(items))

    @property
    def failed(self) -> tuple[ItemOutcome, ...]:
        return tuple(i for i in self.items if not i.ok)

    @property
    def succeeded_ids(self) -> frozenset[str]:
        return frozenset(i.item_id for i in self.items if i.ok)


class Verdict(enum.StrEnum):
    """What reading TikTok's state says about a write that may or may not have happened."""

    DONE = "done"  # TikTok shows the desired state: the write took effect
    NOT_DONE = "not_done"  # TikTok shows it did not: safe to send
    UNKNOWN = "unknown"  # cannot tell: keep checking, then ask a person


@dataclass(frozen=True)
class Checked:
    """A check's verdict, with what was read (the kind may store it in the mirror)."""

    verdict: Verdict
    note: str = ""
    data: Any = None


class CommandKind:
    """One kind of write; subclasses send it, check it and apply its outcome to the mirror."""

    name: ClassVar[str]
    label: ClassVar[str]
    # False for writes TikTok must never receive twice (ship, mark shipped, tracking).
    repeatable: ClassVar[bool] = True

    def send(self, command: Command, client: TikTokClient) -> Outcome:
        """Make the write (no database access: no transaction is open here)."""
        raise NotImplementedError

    def check(self, command: Command, client: TikTokClient) -> Checked:
        """Read TikTok's state to tell whether the write took effect."""
        return Checked(Verdict.NOT_DONE if self.repeatable else Verdict.UNKNOWN)

    def apply(self, command: Command, outcome: Outcome | None, checked: Checked | None) -> None:
        """Bring the mirror in line with what TikTok now holds (inside the record transaction)."""

    def finished(self, command: Command) -> None:
        """Record the final outcome on rows that point at the command (record transaction)."""

    def retried(self, command: Command) -> None:
        """Someone sent it again: rows pointing at it await the new outcome (same transaction)."""

    def target_url(self, command: Command) -> str | None:
        """Where the target is shown in the back office, if anywhere."""
        return None

    def summary(self, command: Command) -> str:
        """The desired state in a few words."""
        return ""


def kind_names() -> list[str]:
    return list(settings.COMMAND_KINDS)


def kind_for(name: str) -> CommandKind:
    """The registered kind of that name."""
    try:
        path = settings.COMMAND_KINDS[name]
    except KeyError:
        raise ValueError(f"unknown command kind {name!r}") from None
    return _kind_instance(path)


_kinds: dict[str, CommandKind] = {}


def _kind_instance(path: str) -> CommandKind:
    if path not in _kinds:
        _kinds[path] = import_string(path)()
    return _kinds[path]


# --- creating and operator actions --------------------------------------------------------------


def _enqueue_run(shop_id: int) -> None:
    """Queue a run of the shop's commands once the transaction commits."""
    enqueue_after_commit("shops.tasks.commands_work", shop_id, group=f"commands-{shop_id}")


def command_create(
    *,
    shop: Shop,
    kind: str,
    target: str,
    desired: Mapping[str, Any],
    actor: User | None = None,
    reason: str = "",
    target_label: str = "",
    enqueue: bool = True,
) -> Command:
    """Record one write to TikTok (it runs after commit); the idempotency key is made here."""
    command = Command(
        shop=shop,
        kind=kind,
        target=target,
        target_label=target_label,
        desired=dict(desired),
        actor=actor if actor is not None and actor.is_authenticated else None,
        reason=reason,
    )
    return commands_create(commands=[command], enqueue=enqueue)[0]


def commands_create(*, commands: Sequence[Command], enqueue: bool = True) -> list[Command]:
    """Record writes in one insert (a change set's); each gets its own idempotency key."""
    for command in commands:
        kind_for(command.kind)  # refuse an unregistered kind before anything is stored
        command.target, command.target_label = command.target[:128], command.target_label[:255]
        command.reason = command.reason[:500]
    with transaction.atomic():
        made = Command.objects.bulk_create(commands, batch_size=500)
        if enqueue:
            for shop_id in sorted({c.shop_id for c in made}):
                _enqueue_run(shop_id)
    return made


def can_act_on(user: User, command: Command) -> bool:
    """Admins and the command's author may retry or cancel it."""
    from shops.roles import is_admin

    return is_admin(user) or (command.actor_id is not None and command.actor_id == user.pk)


class CommandActionError(Exception):
    """The action does not fit the command's state; the message says why."""


def command_retry(*, command: Command, actor: User) -> Command:
    """Send a failed (or partly failed) command again, with the same key and desired state."""
    with transaction.atomic():
        command = Command.objects.select_for_update().get(pk=command.pk)
        if not command.can_retry:
            raise CommandActionError(
                "Only failed commands can be retried; this one is "
                f"{command.get_status_display().lower()}."
            )
        command.status = Command.Status.QUEUED
        command.next_attempt_at = timezone.now()
        command.attempts_before_retry = command.attempts
        command.finished_at = None
        command.held_reason = ""
        command.save()
        kind_for(command.kind).retried(command)
        _audit(command, actor=actor, outcome="retry requested")
        _enqueue_run(command.shop_id)
    return command


def command_cancel(*, command: Command, actor: User) -> Command:
    """Drop a command that has not been sent yet."""
    with transaction.atomic():
        command = Command.objects.select_for_update().get(pk=command.pk)
        if not command.can_cancel:
            raise CommandActionError(
                "Only queued or needs-check commands can be cancelled; this one is "
                f"{command.get_status_display().lower()}."
            )
        command.status = Command.Status.CANCELLED
        command.finished_at = timezone.now()
        command.save()
        kind_for(command.kind).finished(command)
        _audit(command, actor=actor, outcome="cancelled")
    return command


def _audit(command: Command, *, actor: User | None, outcome: str) -> None:
    AuditEntry.objects.create(
        actor=actor,
        action=AuditEntry.Action.COMMAND,
        shop_id=command.shop_id,
        command=command,
        detail={
            "kind": command.kind,
            "target": command.target_label or command.target,
            "reason": command.reason,
            "outcome": outcome,
            "requested_by": command.actor.get_username() if command.actor else "system",
        },
    )


# --- claiming -----------------------------------------------------------------------------------


class Mode(enum.StrEnum):
    SEND = "send"
    VERIFY = "verify"  # repeatable kind after an ambiguous failure: check, then send if needed
    CHECK = "check"  # non-repeatable kind: check only; send again only if TikTok says not done


@dataclass
class Claimed:
    command: Command
    mode: Mode
    claims: int


def lease() -> timedelta:
    return timedelta(seconds=settings.COMMAND_LEASE_SECONDS)


def _runnable(queryset: Any) -> Any:
    """Commands of shops we may call now (connected, authorization usable)."""
    return queryset.filter(
        shop__status=Shop.Status.ACTIVE,
        shop__authorization__status__in=USABLE_AUTHORIZATION,
    )


def _lost(now: datetime) -> Any:
    """Running commands past their lease: their worker died."""
    return _runnable(Command.objects.filter(status=Command.Status.RUNNING, lease_until__lt=now))


def _due(now: datetime) -> Any:
    """Queued or needs-check commands due now, each only after the older ones of its target."""
    older_unfinished = Command.objects.filter(
        shop_id=OuterRef("shop_id"),
        target=OuterRef("target"),
        id__lt=OuterRef("id"),
        status__in=Command.UNFINISHED,
    )
    return _runnable(
        Command.objects.filter(
            status__in=[Command.Status.QUEUED, Command.Status.NEEDS_CHECK], next_attempt_at__lte=now
        )
    ).exclude(Exists(older_unfinished))


def _claimable(now: datetime) -> Any:
    return Command.objects.filter(
        Q(pk__in=_lost(now).values("pk")) | Q(pk__in=_due(now).values("pk"))
    )


_next_lost_check = [0.0]


def command_claim(*, shop_id: int | None = None) -> Claimed | None:
    """Take the next due command (or one whose worker died) in one short transaction."""
    now = timezone.now()
    with transaction.atomic():
        command = None
        # Two simple queries rather than one with an OR: each walks its own partial index. Lost
        # leases are looked for at most every few seconds per process: they are rare.
        lookups = [_due(now)]
        if time.monotonic() >= _next_lost_check[0]:
            _next_lost_check[0] = time.monotonic() + settings.COMMAND_LOST_CHECK_SECONDS
            lookups.insert(0, _lost(now))
        for queryset in lookups:
            if shop_id is not None:
                queryset = queryset.filter(shop_id=shop_id)
            command = (
                queryset.select_related("shop")
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("next_attempt_at", "id")
                .first()
            )
            if command is not None:
                break
        if command is None:
            return None
        kind = kind_for(command.kind)
        if command.status == Command.Status.RUNNING:
            # Its worker died mid-call: TikTok may or may not have the write.
            logger.warning("command %s lost its worker; reclaiming it", command.pk)
            mode = Mode.VERIFY if kind.repeatable else Mode.CHECK
        elif command.status == Command.Status.NEEDS_CHECK:
            mode = Mode.CHECK
        elif command.verify_first:
            mode = Mode.VERIFY
        else:
            mode = Mode.SEND
        command.status = Command.Status.RUNNING
        command.lease_until = now + lease()
        command.started_at = command.started_at or now
        command.claims += 1
        command.held_reason = ""
        if mode != Mode.SEND:
            command.checks += 1
        else:
            command.attempts += 1
        command.save(
            update_fields=[
                "status",
                "lease_until",
                "started_at",
                "claims",
                "held_reason",
                "checks",
                "attempts",
                "updated_at",
            ]
        )
    return Claimed(command=command, mode=mode, claims=command.claims)


# --- running ------------------------------------------------------------------------------------


@dataclass
class _Record:
    """What the second transaction writes."""

    status: str
    outcome: Outcome | None = None
    checked: Checked | None = None
    error: BaseException | None = None
    error_message: str = ""
    request_ids: list[str] = field(default_factory=list)
    next_attempt_at: datetime | None = None
    verify_first: bool = False
    held_reason: str = ""
    sent: bool = False
    hold_shop: str = ""


def _backoff(attempt: int, error: BaseException | None) -> float:
    """Seconds before the next attempt: doubling with jitter, capped; honours Retry-After."""
    base = float(settings.COMMAND_RETRY_BASE_SECONDS)
    cap = float(settings.COMMAND_RETRY_MAX_SECONDS)
    delay = min(cap, base * 2 ** max(attempt - 1, 0))
    delay = delay / 2 + random.random() * delay / 2
    retry_after = getattr(error, "retry_after", None)
    return max(delay, float(retry_after)) if retry_after else delay


def _message(error: BaseException) -> str:
    if isinstance(error, TikTokError):
        return error.message or str(error)
    return f"{type(error).__name__}: {error}"


def command_execute(claimed: Claimed, *, client: TikTokClient | None = None) -> Command:
    """Run one claimed command: check and/or send with no transaction open, then record it.

    `client` may be one made for the same shop earlier: its token provider reads the stored
    token (and the authorization's state) on every request anyway.
    """
    command = claimed.command
    kind = kind_for(command.kind)
    if client is None:
        try:
            client = client_for_shop(command.shop, retry=NO_RETRIES)
        except ShopNotConnected as error:
            return _record(claimed, kind, _held(command, str(error)))
    record: _Record | None = None
    if claimed.mode != Mode.SEND:
        record = _run_check(claimed, kind, client)
        if record is None:  # TikTok says it did not happen: safe to send
            command.attempts += 1
            Command.objects.filter(pk=command.pk).update(attempts=command.attempts)
    if record is None:
        record = _run_send(command, kind, client)
    return _record(claimed, kind, record)


def _run_check(claimed: Claimed, kind: CommandKind, client: TikTokClient) -> _Record | None:
    command = claimed.command
    try:
        checked = kind.check(command, client)
    except TikTokError as error:
        if error.kind in (ErrorKind.NEEDS_REAUTHORIZATION, ErrorKind.MISSING_SCOPE):
            return _stopped(command, error, back_to=_after_check_status(claimed))
        checked = Checked(Verdict.UNKNOWN, note=f"Reading TikTok's state failed: {_message(error)}")
    except Exception as error:
        logger.exception("check of command %s (%s) failed", command.pk, command.kind)
        checked = Checked(Verdict.UNKNOWN, note=f"Reading TikTok's state failed: {_message(error)}")
    if checked.verdict == Verdict.DONE:
        return _Record(status=Command.Status.SUCCEEDED, checked=checked)
    if checked.verdict == Verdict.NOT_DONE:
        return None
    if claimed.mode == Mode.VERIFY:
        if command.checks >= MAX_CHECKS:
            return None  # a repeatable write may be sent again; it is just not sent blind early
        # Not sent blind: TikTok may already have it, and we read again shortly.
        return _Record(
            status=Command.Status.QUEUED,
            checked=checked,
            verify_first=True,
            error_message=checked.note,
            next_attempt_at=timezone.now() + timedelta(seconds=_backoff(command.checks, None)),
        )
    waiting = command.checks >= MAX_CHECKS
    note = checked.note or "TikTok's state does not tell whether the write took effect."
    return _Record(
        status=Command.Status.NEEDS_CHECK,
        checked=checked,
        error_message=(
            f"{note} Check it on TikTok, then cancel or retry it here."
            if waiting
            else f"{note} Checking again shortly."
        ),
        next_attempt_at=timezone.now()
        + timedelta(seconds=HOLD_SECONDS if waiting else _backoff(command.checks, None)),
    )


def _after_check_status(claimed: Claimed) -> str:
    return Command.Status.NEEDS_CHECK if claimed.mode == Mode.CHECK else Command.Status.QUEUED


def _run_send(command: Command, kind: CommandKind, client: TikTokClient) -> _Record:
    try:
        outcome = kind.send(command, client)
    except TikTokError as error:
        return _failure(command, kind, error)
    except ShopNotConnected as error:
        return _held(command, str(error))
    except Exception as error:
        # Our own failure around the call: it may or may not have reached TikTok.
        logger.exception("command %s (%s) failed", command.pk, command.kind)
        if kind.repeatable:
            return _retry(command, error, verify=True)
        return _Record(
            status=Command.Status.NEEDS_CHECK,
            error=error,
            next_attempt_at=timezone.now() + timedelta(seconds=_backoff(1, None)),
            sent=True,
        )
    failed = outcome.failed
    if not failed:
        status = Command.Status.SUCCEEDED
    elif len(failed) < len(outcome.items):
        status = Command.Status.PARTLY_FAILED
    else:
        status = Command.Status.FAILED
    message = ""
    if failed:
        message = f"TikTok refused {len(failed)} of {len(outcome.items)}: " + "; ".join(
            f"{i.item_id}: {i.message}" for i in failed[:5]
        )
    return _Record(
        status=status,
        outcome=outcome,
        request_ids=[outcome.request_id] if outcome.request_id else [],
        error_message=message,
        sent=True,
    )


def _failure(command: Command, kind: CommandKind, error: TikTokError) -> _Record:
    """Decide by the error's kind: back off, stop the shop, ask for a check, or fail."""
    if isinstance(error, InvalidRequestError):
        return _Record(status=Command.Status.FAILED, error=error)
    if error.kind in (ErrorKind.NEEDS_REAUTHORIZATION, ErrorKind.MISSING_SCOPE):
        return _stopped(command, error, back_to=Command.Status.QUEUED)
    if error.retryable:
        if error.before_processing or kind.repeatable:
            return _retry(command, error, verify=not error.before_processing)
        # Sent, and TikTok may have acted on it: never send it again without reading back.
        return _Record(
            status=Command.Status.NEEDS_CHECK,
            error=error,
            error_message=(
                f"{_message(error)}: TikTok may have received it; reading its state back."
            ),
            next_attempt_at=timezone.now() + timedelta(seconds=_backoff(1, error)),
        )
    return _Record(status=Command.Status.FAILED, error=error)


def _retry(command: Command, error: BaseException, *, verify: bool) -> _Record:
    attempts = command.attempts - command.attempts_before_retry
    if attempts >= settings.COMMAND_MAX_ATTEMPTS:
        return _Record(
            status=Command.Status.FAILED,
            error=error,
            error_message=(
                f"Gave up after {attempts} attempt{'s' if attempts != 1 else ''}: {_message(error)}"
            ),
        )
    return _Record(
        status=Command.Status.QUEUED,
        error=error,
        next_attempt_at=timezone.now() + timedelta(seconds=_backoff(attempts, error)),
        verify_first=verify,
    )


def _stopped(command: Command, error: TikTokError, *, back_to: str) -> _Record:
    """Re-authorization or a missing permission: the shop's commands wait, and say why."""
    if isinstance(error, MissingScopeError):
        scope = error.scope or error.message or "unknown"
        reason = f"TikTok refused: the app lacks the permission {scope}. Grant it, then reconnect."
        return _Record(
            status=back_to,
            error=error,
            held_reason=reason,
            next_attempt_at=timezone.now() + timedelta(seconds=HOLD_SECONDS),
            hold_shop="scope",
        )
    reason = "The shop needs re-authorization: reconnect it and its changes continue."
    return _Record(status=back_to, error=error, held_reason=reason, hold_shop="reauthorize")


def _held(command: Command, message: str) -> _Record:
    return _Record(
        status=Command.Status.QUEUED,
        held_reason=f"Waiting: {message}. Reconnect the shop and its changes continue.",
        next_attempt_at=timezone.now() + timedelta(seconds=HOLD_SECONDS),
    )


def _record(claimed: Claimed, kind: CommandKind, record: _Record) -> Command:
    """The second short transaction: outcome, request ids, per-item rows, the mirror, audit."""
    error = record.error
    with transaction.atomic():
        command = (
            Command.objects.select_for_update(of=("self",))
            .select_related("shop", "actor")
            .get(pk=claimed.command.pk)
        )
        if command.status != Command.Status.RUNNING or command.claims != claimed.claims:
            # Our lease ran out and another worker took the command over: it decides now.
            logger.warning("command %s was taken over; dropping this worker's outcome", command.pk)
            return command
        now = timezone.now()
        command.status = record.status
        command.lease_until = None
        command.verify_first = record.verify_first
        command.held_reason = record.held_reason
        request_ids = list(record.request_ids)
        if isinstance(error, TikTokError) and error.request_id:
            request_ids.append(error.request_id)
        command.request_ids = [*command.request_ids, *request_ids]
        if error is not None:
            command.error_kind = (
                str(error.kind) if isinstance(error, TikTokError) else "internal"
            )[:32]
            command.error_code = error.code if isinstance(error, TikTokError) else None
            command.error_message = (record.error_message or _message(error))[:4000]
        elif record.status in (Command.Status.SUCCEEDED,):
            command.error_kind, command.error_code, command.error_message = "", None, ""
        else:
            command.error_message = record.error_message[:4000]
            if (
                record.status == Command.Status.PARTLY_FAILED
                or record.status == Command.Status.FAILED
            ):
                command.error_kind = "items"
        if record.next_attempt_at is not None:
            command.next_attempt_at = record.next_attempt_at
        if record.outcome is not None:
            command.result = {**command.result, **dict(record.outcome.data)}
            _store_items(command, record.outcome.items)
        if record.checked is not None and record.status == Command.Status.SUCCEEDED:
            command.result = {**command.result, "confirmed_by_check": True}
        if command.status in Command.FINISHED:
            command.finished_at = now
        command.save()
        if record.status in (Command.Status.SUCCEEDED, Command.Status.PARTLY_FAILED):
            kind.apply(command, record.outcome, record.checked)
        if command.status in Command.FINISHED:
            kind.finished(command)
            _audit(command, actor=command.actor, outcome=command.get_status_display().lower())
        if record.hold_shop:
            _hold_shop(command, record)
    if record.hold_shop == "reauthorize" and command.shop.authorization_id:
        authorization_mark_needs_reauthorization(
            authorization_id=command.shop.authorization_id,
            reason=f"TikTok refused a change: {_message(error) if error else ''}".strip(),
        )
    elif record.hold_shop == "scope" and isinstance(error, TikTokError):
        authorization_note_missing_scope(
            authorization_id=command.shop.authorization_id, error=error
        )
    return command


def _store_items(command: Command, items: Sequence[ItemOutcome]) -> None:
    if command.attempts + command.checks > 1:  # an earlier attempt may have left its verdicts
        CommandItem.objects.filter(command=command).delete()
    CommandItem.objects.bulk_create(
        CommandItem(
            command=command,
            item_id=i.item_id[:64],
            ok=i.ok,
            code=i.code,
            message=i.message[:2000],
            detail=dict(i.detail),
        )
        for i in items
    )


def _hold_shop(command: Command, record: _Record) -> None:
    """Stop the shop's other waiting commands too, so none is sent into the same refusal."""
    waiting = Command.objects.filter(shop_id=command.shop_id, status=Command.Status.QUEUED).exclude(
        pk=command.pk
    )
    if record.hold_shop == "scope":
        waiting = waiting.filter(kind=command.kind)
        waiting.update(
            held_reason=record.held_reason,
            next_attempt_at=record.next_attempt_at or timezone.now(),
        )
    else:
        waiting.update(held_reason=record.held_reason)


# --- the loop a worker runs ---------------------------------------------------------------------


def commands_work(
    *, shop_id: int | None = None, idle_wait: float | None = None, max_seconds: float | None = None
) -> int:
    """Claim and run due commands until none is due within `idle_wait` seconds; return how many.

    Waiting for the next retry happens here, between commands, with no transaction open.
    """
    idle = float(settings.COMMAND_IDLE_WAIT_SECONDS if idle_wait is None else idle_wait)
    deadline = time.monotonic() + (
        settings.COMMAND_WORK_SECONDS if max_seconds is None else max_seconds
    )
    done = 0
    clients: dict[int, TikTokClient] = {}
    while time.monotonic() < deadline:
        claimed = command_claim(shop_id=shop_id)
        if claimed is not None:
            shop = claimed.command.shop
            if shop.pk not in clients:
                with contextlib.suppress(ShopNotConnected):  # command_execute holds it then
                    clients[shop.pk] = client_for_shop(shop, retry=NO_RETRIES)
            try:
                command_execute(claimed, client=clients.get(shop.pk))
            except Exception:
                # Left running: its lease runs out and it is taken again (and read back first).
                logger.exception("command %s broke the runner", claimed.command.pk)
            done += 1
            continue
        wait = _seconds_to_next(shop_id)
        if wait is None or wait > idle:
            break
        time.sleep(max(0.05, min(wait, deadline - time.monotonic())))
    return done


def _seconds_to_next(shop_id: int | None) -> float | None:
    queryset = Command.objects.filter(
        status__in=Command.UNFINISHED,
        shop__status=Shop.Status.ACTIVE,
        shop__authorization__status__in=USABLE_AUTHORIZATION,
    )
    if shop_id is not None:
        queryset = queryset.filter(shop_id=shop_id)
    upcoming = []
    soonest = (
        queryset.filter(status__in=[Command.Status.QUEUED, Command.Status.NEEDS_CHECK])
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    if soonest is not None:
        upcoming.append(soonest)
    lease_end = (
        queryset.filter(status=Command.Status.RUNNING, lease_until__isnull=False)
        .order_by("lease_until")
        .values_list("lease_until", flat=True)
        .first()
    )
    if lease_end is not None:
        upcoming.append(lease_end)
    if not upcoming:
        return None
    return max(0.0, (min(upcoming) - timezone.now()).total_seconds())


def commands_due_shops() -> list[int]:
    """Shops with a command due now (or one whose worker died)."""
    return list(_claimable(timezone.now()).order_by().values_list("shop_id", flat=True).distinct())


def commands_enqueue_due() -> int:
    """Queue a run for every shop with due commands (the scheduled safety net); return how many."""
    shop_ids = commands_due_shops()
    for shop_id in shop_ids:
        enqueue_after_commit("shops.tasks.commands_work", shop_id, group=f"commands-{shop_id}")
    return len(shop_ids)


def held_shops(shops: Iterable[Shop]) -> list[tuple[Shop, str]]:
    """Shops whose commands are stopped, with what to do about it."""
    out = []
    for shop in shops:
        if shop.status == Shop.Status.NEEDS_REAUTHORIZATION:
            out.append((shop, "needs re-authorization: reconnect it and its changes continue"))
        elif shop.status == Shop.Status.DISCONNECTED:
            out.append((shop, "is disconnected: its changes are not sent"))
        elif shop.authorization is not None and shop.authorization.missing_scope:
            out.append((shop, f"lacks the TikTok permission {shop.authorization.missing_scope}"))
    return out
