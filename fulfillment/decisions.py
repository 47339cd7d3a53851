"""Decisions on returns and cancellations, and the seller's own cancellation, as commands.

A decision is never sent twice: after an ambiguous failure the check reads the request back and
only a request still in the state it was decided on is sent again (with the same key). A request
TikTok moved meanwhile (auto-approved, withdrawn, decided in Seller Center) is refused with what
changed: at once when the operator decides, and by TikTok itself if it moves while queued.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse

from fulfillment.mirror import cancellations_store, returns_store
from fulfillment.models import AfterSale, Cancellation, Return
from fulfillment.restock import restock_draft
from orders.models import Order, OrderLine
from shops.commands import Checked, CommandKind, Outcome, Verdict, command_create
from shops.gateway import client_for_shop
from shops.models import Command
from tiktok.client import TikTokClient
from tiktok.errors import TikTokError
from tiktok.types import Cancellation as ApiCancellation
from tiktok.types import Money
from tiktok.types import Return as ApiReturn

logger = logging.getLogger(__name__)
DECIDE_RETURN = "fulfillment.decide_return"
DECIDE_CANCELLATION = "fulfillment.decide_cancellation"
CANCEL_ORDER = "fulfillment.cancel_order"
PENDING = "RETURN_OR_REFUND_REQUEST_PENDING"
SHIPPED_BACK = "BUYER_SHIPPED_ITEM"
CANCEL_PENDING = "CANCELLATION_REQUEST_PENDING"
COMMENT_MAX = 500  # Reject Return 202606
# Regions where a seller declines a buyer's cancellation by shipping (TikTok told US apps to
# stop calling Reject Cancellation); configurable because the list beyond the US is UNVERIFIED.
NO_CANCEL_REJECT_REGIONS = frozenset({"US"})


class DecisionError(ValueError):
    """The decision cannot be taken as asked; the message says why."""


@dataclass(frozen=True)
class Decision:
    """One of TikTok's decisions: which requests it applies to and where it leads."""

    name: str
    label: str
    family: str  # "return" or "cancel"
    endpoint: str  # "approve" or "reject"
    from_statuses: tuple[str, ...]
    to_status: str
    types: tuple[str, ...] = ()  # return types it fits (none: any)
    needs_reason: bool = False
    needs_amount: bool = False
    buyer_keep_item: bool | None = None
    outcome: str = ""  # what it does, in the seller's words

    @property
    def rejects(self) -> bool:
        return self.needs_reason


_R, _C = "return", "cancel"
DECISIONS: dict[str, Decision] = {
    d.name: d
    for d in (
        Decision(
            "APPROVE_REFUND",
            "Approve refund",
            _R,
            "approve",
            (PENDING,),
            "RETURN_OR_REFUND_REQUEST_COMPLETE",
            types=("REFUND",),
            outcome="The buyer is refunded in full.",
        ),
        Decision(
            "APPROVE_RETURN",
            "Approve return",
            _R,
            "approve",
            (PENDING,),
            "AWAITING_BUYER_SHIP",
            types=("RETURN_AND_REFUND",),
            buyer_keep_item=False,
            outcome="The buyer sends the item back; you refund when it arrives.",
        ),
        Decision(
            "DIRECT_REFUND",
            "Refund, buyer keeps the item",
            _R,
            "approve",
            (PENDING,),
            "RETURN_OR_REFUND_REQUEST_COMPLETE",
            types=("RETURN_AND_REFUND",),
            buyer_keep_item=True,
            outcome="The buyer is refunded now and keeps the item.",
        ),
        Decision(
            "OFFER_PARTIAL_REFUND",
            "Offer a partial refund",
            _R,
            "approve",
            (PENDING,),
            "AWAITING_BUYER_RESPONSE",
            types=("REFUND", "RETURN_AND_REFUND"),
            needs_amount=True,
            outcome="The buyer accepts or refuses the amount you offer.",
        ),
        Decision(
            "REJECT_REFUND",
            "Reject refund",
            _R,
            "reject",
            (PENDING,),
            "REFUND_OR_RETURN_REQUEST_REJECT",
            types=("REFUND",),
            needs_reason=True,
            outcome="The buyer may appeal to TikTok.",
        ),
        Decision(
            "REJECT_RETURN",
            "Reject return",
            _R,
            "reject",
            (PENDING,),
            "REFUND_OR_RETURN_REQUEST_REJECT",
            types=("RETURN_AND_REFUND",),
            needs_reason=True,
            outcome="The buyer may appeal to TikTok.",
        ),
        Decision(
            "APPROVE_RECEIVED_PACKAGE",
            "Package received: refund",
            _R,
            "approve",
            (SHIPPED_BACK,),
            "RETURN_OR_REFUND_REQUEST_COMPLETE",
            outcome="The buyer is refunded.",
        ),
        Decision(
            "OFFER_PARTIAL_REFUND_AFTER_RECEIVING_PKG",
            "Package received: offer a partial refund",
            _R,
            "reject",
            (SHIPPED_BACK,),
            "AWAITING_BUYER_RESPONSE",
            needs_amount=True,
            outcome="The buyer accepts or refuses the amount you offer.",
        ),
        Decision(
            "REJECT_RECEIVED_PACKAGE",
            "Reject the received package",
            _R,
            "reject",
            (SHIPPED_BACK,),
            "REJECT_RECEIVE_PACKAGE",
            needs_reason=True,
            outcome="No refund; the buyer may appeal to TikTok.",
        ),
        Decision(
            "APPROVE_REPLACEMENT",
            "Approve replacement",
            _R,
            "approve",
            ("REPLACEMENT_REQUEST_PENDING",),
            "REPLACEMENT_REQUEST_COMPLETE",
            outcome="You send the buyer a replacement.",
        ),
        Decision(
            "REJECT_REPLACEMENT",
            "Reject replacement",
            _R,
            "reject",
            ("REPLACEMENT_REQUEST_PENDING",),
            "REPLACEMENT_REQUEST_REJECT",
            needs_reason=True,
            outcome="The buyer may appeal to TikTok.",
        ),
        Decision(
            "APPROVE_CANCEL",
            "Approve cancellation",
            _C,
            "approve",
            (CANCEL_PENDING,),
            "CANCELLATION_REQUEST_SUCCESS",
            outcome="The order is cancelled and the buyer refunded.",
        ),
        Decision(
            "REJECT_CANCEL",
            "Reject cancellation",
            _C,
            "reject",
            (CANCEL_PENDING,),
            "CANCELLATION_REQUEST_CANCELLED",
            needs_reason=True,
            outcome="The order carries on: ship it.",
        ),
    )
}
# What TikTok does when the seller lets the deadline pass, per next action (UNVERIFIED by
# market; the words are a reminder, the deadline itself is always TikTok's own field).
AT_DEADLINE = {
    "SELLER_RESPOND_REFUND": "TikTok approves the refund",
    "SELLER_RESPOND_RETURN": "TikTok approves the return",
    "SELLER_RESPOND_RECEIVE_PACKAGE": "TikTok refunds the buyer",
    "SELLER_RESPOND_REPLACEMENT": "TikTok approves the replacement",
    "SELLER_RESPOND_CANCEL": "TikTok cancels the order",
}


def family_of(request: AfterSale) -> str:
    return _C if isinstance(request, Cancellation) else _R


def is_quick_refund(request: AfterSale) -> bool:
    return bool(isinstance(request.raw, dict) and request.raw.get("is_quick_refund"))


def decisions_for(request: AfterSale) -> list[Decision]:
    """The decisions TikTok offers now for this request's type and state."""
    family = family_of(request)
    out = []
    for decision in DECISIONS.values():
        if decision.family != family or request.status not in decision.from_statuses:
            continue
        if decision.types and request.type not in decision.types:
            continue
        if decision.name == "REJECT_RECEIVED_PACKAGE" and is_quick_refund(request):
            continue
        if decision.name == "REJECT_CANCEL" and request.shop.region in NO_CANCEL_REJECT_REGIONS:
            continue
        out.append(decision)
    return out


def refundable(request: AfterSale) -> Money | None:
    """The most a partial refund may be: the request's refund total, in its currency."""
    if request.refund_total is None or not request.currency:
        return None
    return Money(amount=request.refund_total, currency=request.currency)


def reject_reasons(*, request: AfterSale, decision: str) -> list[tuple[str, str]]:
    """TikTok's reject reasons (name, text) for this request and decision, in the shop's locale.

    Returns read them from Decision Eligibility (202601), cancellations from Get Reject Reasons.
    """
    client = client_for_shop(request.shop)
    if family_of(request) == _C:
        reasons = client.get_reject_reasons(return_or_cancel_id=request.tiktok_id)
    else:
        entries = client.get_decision_eligibility(request.tiktok_id, check_decisions=[decision])
        reasons = [r for e in entries if e.decision == decision for r in e.reject_reasons]
    return [(r.name, r.text or r.name) for r in reasons if r.name]


def _read(client: TikTokClient, family: str, request_id: str) -> ApiReturn | ApiCancellation | None:
    items: Sequence[ApiReturn | ApiCancellation]
    if family == _C:
        items = client.search_cancellations(cancel_ids=[request_id]).items
    else:
        items = client.search_returns(return_ids=[request_id]).items
    return next((r for r in items if r.id == request_id), None)


def _store(shop_id: int, family: str, read: object) -> None:
    from shops.models import Shop

    shop = Shop.objects.get(pk=shop_id)
    if family == _C:
        cancellations_store(shop=shop, cancellations=[read])  # type: ignore[list-item]
    else:
        returns_store(shop=shop, returns=[read])  # type: ignore[list-item]


def request_refresh(*, request: AfterSale) -> AfterSale:
    """Read the request from TikTok now and store it (no transaction is open around the call)."""
    family = family_of(request)
    read = _read(client_for_shop(request.shop), family, request.tiktok_id)
    if read is not None:
        with transaction.atomic():
            _store(request.shop_id, family, read)
    request.refresh_from_db()
    return request


class DecideRequest(CommandKind):
    """desired: {request_id, decision, expected_status, reject_reason, comment, partial_refund}."""

    family: str = _R
    repeatable = False

    def send(self, command: Command, client: TikTokClient) -> Outcome:
        desired = command.desired
        decision = DECISIONS[desired["decision"]]
        key = command.idempotency_key
        rid = desired["request_id"]
        amount = desired.get("partial_refund")
        money = Money(Decimal(amount["amount"]), amount["currency"]) if amount else None
        if decision.family == _C:
            if decision.endpoint == "approve":
                result = client.approve_cancellation(rid, idempotency_key=key)
            else:
                result = client.reject_cancellation(
                    rid,
                    reject_reason=desired["reject_reason"],
                    comment=desired.get("comment") or None,
                    idempotency_key=key,
                )
        elif decision.endpoint == "approve":
            result = client.approve_return(
                rid,
                decision=decision.name,
                idempotency_key=key,
                buyer_keep_item=decision.buyer_keep_item,
                partial_refund=money,
            )
        else:
            result = client.reject_return(
                rid,
                decision=decision.name,
                idempotency_key=key,
                reject_reason=desired.get("reject_reason") or None,
                partial_refund=money,
                comment=desired.get("comment") or None,
            )
        return Outcome(request_id=result.request_id)

    def check(self, command: Command, client: TikTokClient) -> Checked:
        desired = command.desired
        decision = DECISIONS[desired["decision"]]
        read = _read(client, decision.family, desired["request_id"])
        status = getattr(read, "status", None) or ""
        if read is None:
            return Checked(Verdict.UNKNOWN, note="TikTok does not show the request.")
        if status == decision.to_status:
            return Checked(Verdict.DONE, note=f"TikTok shows it {status}.", data=read)
        if status == desired["expected_status"]:
            return Checked(Verdict.NOT_DONE, note="TikTok shows it still waiting.", data=read)
        # Moved elsewhere: sending again is safe, TikTok refuses it with the state it is in.
        return Checked(Verdict.NOT_DONE, note=f"TikTok shows it {status}.", data=read)

    def apply(self, command: Command, outcome: Outcome | None, checked: Checked | None) -> None:
        desired = command.desired
        decision = DECISIONS[desired["decision"]]
        model: type[AfterSale] = Cancellation if decision.family == _C else Return
        read = checked.data if checked is not None else None
        if read is not None and getattr(read, "status", None) == decision.to_status:
            _store(command.shop_id, decision.family, read)
        else:
            model._default_manager.filter(
                shop_id=command.shop_id, tiktok_id=desired["request_id"]
            ).update(status=decision.to_status, next_action="", deadline=None)
        if decision.name in RESTOCKING:
            request = model._default_manager.filter(
                shop_id=command.shop_id, tiktok_id=desired["request_id"]
            ).first()
            if request is not None:
                restock_draft(request=request, actor=command.actor)

    def target_url(self, command: Command) -> str | None:
        family = DECISIONS[command.desired["decision"]].family
        model: type[AfterSale] = Cancellation if family == _C else Return
        pk = (
            model._default_manager.filter(
                shop_id=command.shop_id, tiktok_id=command.desired["request_id"]
            )
            .values_list("pk", flat=True)
            .first()
        )
        return reverse("returns-detail", args=[family, pk]) if pk else None

    def summary(self, command: Command) -> str:
        desired = command.desired
        decision = DECISIONS.get(desired.get("decision", ""))
        words = decision.label if decision else desired.get("decision", "")
        amount = desired.get("partial_refund")
        if amount:
            words += f" of {amount['amount']} {amount['currency']}"
        if desired.get("reject_reason"):
            words += f" ({desired['reject_reason']})"
        return words


class DecideReturn(DecideRequest):
    name = DECIDE_RETURN
    label = "Decide return"


class DecideCancellation(DecideRequest):
    name = DECIDE_CANCELLATION
    label = "Decide cancellation"
    family = _C


# Units come back to stock when the seller accepts the returned package or a cancellation.
RESTOCKING = frozenset({"APPROVE_RECEIVED_PACKAGE", "APPROVE_CANCEL"})


def _amount(value: object, request: AfterSale) -> dict[str, str]:
    most = refundable(request)
    if most is None:
        raise DecisionError("TikTok gives no refundable amount for this request.")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise DecisionError("Enter an amount such as 12.50.") from None
    if not amount.is_finite() or amount <= 0:
        raise DecisionError("The amount must be more than zero.")
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise DecisionError("Use at most two decimals.")
    if amount > most.amount:
        raise DecisionError(f"At most {most.amount} {most.currency} can be refunded.")
    return {
        "amount": format(amount.quantize(Decimal("0.01")), "f"),
        "currency": most.currency or "",
    }


def decision_validate(
    *,
    request: AfterSale,
    decision: str,
    reject_reason: str = "",
    comment: str = "",
    amount: object = None,
    currency: str = "",
    reasons: Sequence[str] | None = None,
) -> dict[str, object]:
    """The desired state for one decision on a request, or DecisionError saying why not."""
    chosen = DECISIONS.get(decision)
    if chosen is None or chosen.family != family_of(request):
        raise DecisionError("That decision does not apply to this request.")
    if chosen not in decisions_for(request):
        raise DecisionError(
            f"{chosen.label} is not possible now: the request is {request.status_label.lower()}."
        )
    if len(comment) > COMMENT_MAX:
        raise DecisionError(f"A comment is at most {COMMENT_MAX} characters.")
    desired: dict[str, object] = {
        "request_id": request.tiktok_id,
        "decision": chosen.name,
        "expected_status": request.status,
        "comment": comment if chosen.needs_reason else "",
    }
    if chosen.needs_reason:
        if reasons is None:
            reasons = [name for name, _text in reject_reasons(request=request, decision=decision)]
        if not reject_reason or reject_reason not in reasons:
            raise DecisionError("Choose one of TikTok's reasons for this request.")
        desired["reject_reason"] = reject_reason
    if chosen.needs_amount:
        money = _amount(amount, request)
        if currency and currency != money["currency"]:
            raise DecisionError(f"The refund is in {money['currency']}.")
        desired["partial_refund"] = money
    return desired


def request_decide(
    *,
    request: AfterSale,
    decision: str,
    actor: User | None,
    reject_reason: str = "",
    comment: str = "",
    amount: object = None,
    currency: str = "",
    reasons: Sequence[str] | None = None,
    check_tiktok: bool = True,
) -> Command:
    """Decide one return or cancellation: checked against TikTok's state now, then a command.

    The request is read from TikTok first (and the mirror updated): one that moved meanwhile is
    refused with what changed, and nothing is sent.
    """
    before = request.status
    if check_tiktok:
        request = request_refresh(request=request)
        if request.status != before:
            raise DecisionError(
                f"TikTok changed this request meanwhile: it is now {request.status_label.lower()} "
                f"(it was {dict(type(request).STATUS_WORDS).get(before, before).lower()}). "
                "Nothing was sent."
            )
    desired = decision_validate(
        request=request,
        decision=decision,
        reject_reason=reject_reason,
        comment=comment,
        amount=amount,
        currency=currency,
        reasons=reasons,
    )
    chosen = DECISIONS[decision]
    why = comment or (f"reason {reject_reason}" if reject_reason else "")
    noun = "Cancellation" if chosen.family == _C else "Return"
    return command_create(
        shop=request.shop,
        kind=DECIDE_CANCELLATION if chosen.family == _C else DECIDE_RETURN,
        target=f"{chosen.family}:{request.tiktok_id}",
        target_label=f"{noun} {request.tiktok_id}",
        desired=desired,
        actor=actor,
        reason=f"{chosen.label}{': ' + why if why else ''}",
    )


@dataclass(frozen=True)
class BulkResult:
    """Per request: the command made, or why none was."""

    made: list[tuple[AfterSale, Command]]
    refused: list[tuple[AfterSale, str]]


def requests_decide(
    *,
    requests: Sequence[AfterSale],
    decision: str,
    actor: User | None,
    reject_reason: str = "",
    comment: str = "",
) -> BulkResult:
    """One decision for several requests of the same type and state, each its own command."""
    if not requests:
        raise DecisionError("Select at least one request.")
    kinds = {(family_of(r), r.type, r.status) for r in requests}
    if len(kinds) != 1:
        raise DecisionError("Select requests of the same type and state for one decision.")
    chosen = DECISIONS.get(decision)
    if chosen is None or chosen.needs_amount:
        raise DecisionError("In bulk: approve, or reject with one reason.")
    # Each request's reason is checked against its own list: TikTok's lists differ by request.
    reasons: list[str] | None = None
    made, refused = [], []
    for request in requests:
        try:
            command = request_decide(
                request=request,
                decision=decision,
                actor=actor,
                reject_reason=reject_reason,
                comment=comment,
                reasons=reasons,
            )
        except (DecisionError, TikTokError) as error:
            refused.append((request, str(error)))
        else:
            made.append((request, command))
    return BulkResult(made=made, refused=refused)


def shared_reject_reasons(*, requests: Sequence[AfterSale], decision: str) -> list[tuple[str, str]]:
    """TikTok's reject reasons valid for every one of these requests (in the first's order)."""
    shared: list[tuple[str, str]] | None = None
    for request in requests:
        names = reject_reasons(request=request, decision=decision)
        if shared is None:
            shared = names
        else:
            allowed = {name for name, _text in names}
            shared = [(name, text) for name, text in shared if name in allowed]
        if not shared:
            return []
    return shared or []


# --- the seller's own cancellation --------------------------------------------------------------


@dataclass(frozen=True)
class CancelPreview:
    """TikTok's reasons for a seller cancel, and (once a reason is chosen) the refund it causes."""

    eligible: bool
    reasons: tuple[str, ...]
    why_not: str = ""
    refund: Money | None = None


def cancellable_lines(order: Order) -> list[OrderLine]:
    """The order's lines a seller may still cancel: not cancelled, not in a shipped package."""
    from fulfillment.commands import SHIPPED_STATUSES
    from fulfillment.models import Package

    shipped = set(
        Package.objects.filter(order=order, status__in=SHIPPED_STATUSES).values_list(
            "tiktok_id", flat=True
        )
    )
    return [
        line
        for line in order.lines.order_by("id")
        if line.display_status != "CANCELLED" and line.package_tiktok_id not in shipped
    ]


def order_cancel_preview(
    *, order: Order, reason: str = "", line_ids: Sequence[str] = ()
) -> CancelPreview:
    """Ask TikTok whether the seller may cancel, with which reasons, and what it refunds.

    `line_ids`: cancel only these lines (none: the whole order).
    """
    client = client_for_shop(order.shop)
    entries = client.get_aftersale_eligibility(order.tiktok_id, request_types=["CANCEL"])
    entry = next((e for e in entries if e.request_type in ("CANCEL", None)), None)
    if entry is None or not entry.eligible:
        why = (entry.ineligible_reason if entry else "") or "TikTok does not allow it now."
        return CancelPreview(eligible=False, reasons=(), why_not=why)
    refund = None
    if reason and reason in entry.reason_names:
        amount = client.calculate_refund(
            order.tiktok_id,
            request_type="CANCEL",
            reason_name=reason,
            order_line_item_ids=list(line_ids) or None,
        )
        if amount.refund_total is not None:
            refund = Money(amount.refund_total, amount.currency)
    return CancelPreview(eligible=True, reasons=entry.reason_names, refund=refund)


class CancelOrder(CommandKind):
    """desired: {order_id, cancel_reason, order_line_item_ids[] (empty: the whole order)}."""

    name = CANCEL_ORDER
    label = "Cancel order"
    repeatable = False

    def send(self, command: Command, client: TikTokClient) -> Outcome:
        desired = command.desired
        result = client.cancel_order(
            desired["order_id"],
            cancel_reason=desired["cancel_reason"],
            idempotency_key=command.idempotency_key,
            order_line_item_ids=desired.get("order_line_item_ids") or None,
        )
        return Outcome(
            request_id=result.request_id,
            data={"cancel_id": result.cancel_id, "cancel_status": result.cancel_status or ""},
        )

    def check(self, command: Command, client: TikTokClient) -> Checked:
        page = client.search_cancellations(order_ids=[command.desired["order_id"]])
        wanted = set(command.desired.get("order_line_item_ids") or ())
        mine = [
            c
            for c in page.items
            if c.role == "SELLER"
            and wanted <= {str(li.order_line_item_id) for li in c.line_items or ()}
        ]
        if mine:
            return Checked(Verdict.DONE, note="TikTok shows the seller's cancellation.", data=mine)
        entries = client.get_aftersale_eligibility(command.desired["order_id"])
        if any(e.eligible for e in entries):
            return Checked(Verdict.NOT_DONE, note="TikTok shows the order still cancellable.")
        return Checked(Verdict.UNKNOWN, note="TikTok shows no cancellation, and none possible.")

    def apply(self, command: Command, outcome: Outcome | None, checked: Checked | None) -> None:
        if checked is not None and checked.data:
            _store_many(command.shop_id, checked.data)
        elif outcome is not None and outcome.data.get("cancel_id"):
            wanted = set(command.desired.get("order_line_item_ids") or ())
            order = Order.objects.filter(
                shop_id=command.shop_id, tiktok_id=command.desired["order_id"]
            ).first()
            Cancellation.objects.update_or_create(
                shop_id=command.shop_id,
                tiktok_id=outcome.data["cancel_id"],
                defaults={
                    "order": order,
                    "order_tiktok_id": command.desired["order_id"],
                    "type": "CANCEL",
                    "role": "SELLER",
                    "status": outcome.data.get("cancel_status") or "CANCELLATION_REQUEST_SUCCESS",
                    "reason": command.desired["cancel_reason"][:255],
                    "currency": order.currency if order else "",
                    "lines": [
                        {"order_line_item_id": line.tiktok_id, "sku_id": line.sku_tiktok_id}
                        for line in (order.lines.all() if order else [])
                        if not wanted or line.tiktok_id in wanted
                    ],
                },
            )
        for cancellation in Cancellation.objects.filter(
            shop_id=command.shop_id,
            order_tiktok_id=command.desired["order_id"],
            role="SELLER",
            status="CANCELLATION_REQUEST_SUCCESS",
        ).select_related("shop"):
            restock_draft(request=cancellation, actor=command.actor)  # once per request

    def target_url(self, command: Command) -> str | None:
        order = Order.objects.filter(
            shop_id=command.shop_id, tiktok_id=command.desired["order_id"]
        ).first()
        return reverse("order-detail", args=[order.pk]) if order else None

    def summary(self, command: Command) -> str:
        lines = command.desired.get("order_line_item_ids") or ()
        what = f"{len(lines)} line{'s' if len(lines) != 1 else ''}" if lines else "the order"
        return f"Cancel {what} ({command.desired.get('cancel_reason', '')})"


def _store_many(shop_id: int, reads: Sequence[object]) -> None:
    from shops.models import Shop

    cancellations_store(shop=Shop.objects.get(pk=shop_id), cancellations=list(reads))  # type: ignore[arg-type]


def order_cancel(
    *,
    order: Order,
    reason: str,
    actor: User | None,
    note: str = "",
    line_ids: Sequence[str] = (),
) -> Command:
    """The seller cancels an unshipped order (or only these lines) with one of TikTok's reasons."""
    open_lines = {line.tiktok_id for line in cancellable_lines(order)}
    chosen = sorted(set(line_ids))
    if any(line not in open_lines for line in chosen):
        raise DecisionError("A chosen line cannot be cancelled: it shipped or is cancelled.")
    if set(chosen) == open_lines:
        chosen = []  # every line left: the whole order
    preview = order_cancel_preview(order=order)
    if not preview.eligible:
        raise DecisionError(f"TikTok does not allow cancelling this order: {preview.why_not}")
    if reason not in preview.reasons:
        raise DecisionError("Choose one of TikTok's reasons for cancelling.")
    return command_create(
        shop=order.shop,
        kind=CANCEL_ORDER,
        target=f"order:{order.tiktok_id}",
        target_label=f"Order {order.tiktok_id}",
        desired={
            "order_id": order.tiktok_id,
            "cancel_reason": reason,
            "order_line_item_ids": chosen,
        },
        actor=actor,
        reason=(
            f"Seller cancel ({reason}"
            f"{f'; {len(chosen)} line(s)' if chosen else ''}){': ' + note if note else ''}"
        ),
    )
