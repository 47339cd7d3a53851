"""Returns and cancellations: search, the seller's decisions, reject reasons, seller cancel."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from .. import names
from ..app import Ctx, api
from ..data import (
    AWAITING_SHIPMENT,
    COMPLETED,
    DELIVERED,
    IN_TRANSIT,
    ON_HOLD,
    AfterSale,
    Shop,
)
from ..pagination import filter_hash
from ..state import SandboxError
from ..views import (
    AFTERSALE_SUB_LINES_VERSION,
    SHIPPED_PACKAGE_STATUSES,
    bundle_parts,
    buyer,
    cancellation_view,
    facts,
    is_quick_refund,
    order_totals,
    packages,
    return_view,
)

# return/cancel failure codes the contract does not pin down; chosen from its 25xxxxxx family
BAD_AFTERSALE_STATE = 25001001
NOT_FOUND = 25001002
Decisions = dict[str, tuple[tuple[str, ...], str]]
RETURN_APPROVALS: Decisions = {
    # decision -> (statuses it applies to, status it leads to)
    "APPROVE_REFUND": (("RETURN_OR_REFUND_REQUEST_PENDING",), "RETURN_OR_REFUND_REQUEST_COMPLETE"),
    "DIRECT_REFUND": (
        ("RETURN_OR_REFUND_REQUEST_PENDING", "BUYER_SHIPPED_ITEM"),
        "RETURN_OR_REFUND_REQUEST_COMPLETE",
    ),
    "APPROVE_RETURN": (("RETURN_OR_REFUND_REQUEST_PENDING",), "AWAITING_BUYER_SHIP"),
    "APPROVE_RECEIVED_PACKAGE": (("BUYER_SHIPPED_ITEM",), "RETURN_OR_REFUND_REQUEST_COMPLETE"),
    "APPROVE_REPLACEMENT": (("REPLACEMENT_REQUEST_PENDING",), "REPLACEMENT_REQUEST_COMPLETE"),
    "ISSUE_REPLACEMENT_REFUND": (
        ("REPLACEMENT_REQUEST_PENDING",),
        "REPLACEMENT_REQUEST_REFUND_SUCCESS",
    ),
    "OFFER_PARTIAL_REFUND": (("RETURN_OR_REFUND_REQUEST_PENDING",), "AWAITING_BUYER_RESPONSE"),
}
# 202606: the reject endpoint also takes a partial-refund offer once the package is back
PARTIAL_AFTER_RECEIVING = "OFFER_PARTIAL_REFUND_AFTER_RECEIVING_PKG"
REJECT_VERSION = "202606"
REJECT_COMMENT_MAX = 500
REJECT_IMAGES_MAX = 6
RETURN_REJECTIONS: Decisions = {
    PARTIAL_AFTER_RECEIVING: (("BUYER_SHIPPED_ITEM",), "AWAITING_BUYER_RESPONSE"),
    "REJECT_REFUND": (("RETURN_OR_REFUND_REQUEST_PENDING",), "REFUND_OR_RETURN_REQUEST_REJECT"),
    "REJECT_RETURN": (("RETURN_OR_REFUND_REQUEST_PENDING",), "REFUND_OR_RETURN_REQUEST_REJECT"),
    "REJECT_RECEIVED_PACKAGE": (("BUYER_SHIPPED_ITEM",), "REJECT_RECEIVE_PACKAGE"),
    "REJECT_REPLACEMENT": (("REPLACEMENT_REQUEST_PENDING",), "REPLACEMENT_REQUEST_REJECT"),
}
# the docs spell the cancelled state both ways; both are accepted in filters
CANCEL_STATUS_ALIASES = {"CANCELLATION_REQUEST_CANCEL": "CANCELLATION_REQUEST_CANCELLED"}


def _search(
    ctx: Ctx,
    records: dict[str, AfterSale],
    id_field: str,
    list_name: str,
    page_range: tuple[int, int],
    extra_filters: dict[str, tuple[str, Callable[[AfterSale], str]]],
    view: Callable[[Shop, AfterSale, str], dict[str, Any]],
) -> dict[str, Any]:
    shop = ctx.require_shop()
    newer = ctx.version >= AFTERSALE_SUB_LINES_VERSION
    size = ctx.page_size(*page_range, default=10)
    sort_field, desc = ctx.sort(("create_time", "update_time"), "ASC")
    body = ctx.body
    bounds = {
        n: ctx.int_field(body, n)
        for n in ("create_time_ge", "create_time_lt", "update_time_ge", "update_time_lt")
    }
    ids = set(ctx.str_list(id_field, 100))
    order_ids = set(ctx.str_list("order_ids", 100))
    buyer_ids = set(ctx.str_list("buyer_user_ids", 100))
    wanted = {
        name: {CANCEL_STATUS_ALIASES.get(v, v) for v in ctx.str_list(name, 100)}
        for name in extra_filters
    }

    def keep(rec: AfterSale) -> bool:
        if ids and rec.id not in ids:
            return False
        if not newer and rec.type == "EXCHANGE":
            return False  # older versions never list exchanges
        if order_ids and shop.order_id(rec.order_idx) not in order_ids:
            return False
        for field in ("create_time", "update_time"):
            value = getattr(rec, field)
            lo, hi = bounds[f"{field}_ge"], bounds[f"{field}_lt"]
            if (lo is not None and value < lo) or (hi is not None and value >= hi):
                return False
        for name, values in wanted.items():
            if values and extra_filters[name][1](rec) not in values:
                return False
        return not buyer_ids or buyer(facts(shop, rec.order_idx))["user_id"] in buyer_ids

    fingerprint = filter_hash(
        [
            bounds,
            sorted(ids),
            sorted(order_ids),
            sorted(buyer_ids),
            {k: sorted(v) for k, v in wanted.items()},
            sort_field,
            desc,
            shop.no,
        ]
    )
    after, total = ctx.cursor(fingerprint)
    ordered = sorted(
        (r for r in records.values() if keep(r)),
        key=lambda r: (getattr(r, sort_field), r.id),
        reverse=desc,
    )
    if total is None:
        total = len(ordered)
    if after is not None:
        key = tuple(after)
        ordered = [
            r
            for r in ordered
            if (
                (getattr(r, sort_field), r.id) < key
                if desc
                else (getattr(r, sort_field), r.id) > key
            )
        ]
    page = ordered[:size]
    more = len(ordered) > size
    token = (
        ctx.next_token((getattr(page[-1], sort_field), page[-1].id), total, fingerprint, more)
        if page
        else ""
    )
    result: dict[str, Any] = {"next_page_token": token, "total_count": total}
    if page or not newer:
        # 202602 leaves the list out of an empty page altogether
        result[list_name] = [view(shop, r, ctx.version) for r in page]
    return result


def _return_view(shop: Shop, rec: AfterSale, version: str) -> dict[str, Any]:
    warehouse = next((w for w in shop.warehouses if w.type == "RETURN_WAREHOUSE"), None)
    return return_view(facts(shop, rec.order_idx), rec, warehouse, version)


@api(
    "POST",
    "/return_refund/{v}/returns/search",
    versions=("202309", AFTERSALE_SUB_LINES_VERSION),
    scope="seller.return_refund.basic",
)
def search_returns(ctx: Ctx) -> dict[str, Any]:
    """Search Returns: oldest first by default, page size 10-50."""
    return _search(
        ctx,
        ctx.require_shop().returns,
        "return_ids",
        "return_orders",
        (10, 50),
        {
            "return_types": ("type", lambda r: r.type),
            "return_status": ("status", lambda r: r.status),
        },
        _return_view,
    )


@api(
    "POST",
    "/return_refund/{v}/cancellations/search",
    versions=("202309", AFTERSALE_SUB_LINES_VERSION),
    scope="seller.return_refund.basic",
)
def search_cancellations(ctx: Ctx) -> dict[str, Any]:
    """Search Cancellations: oldest first by default, page size 1-50."""
    return _search(
        ctx,
        ctx.require_shop().cancellations,
        "cancel_ids",
        "cancellations",
        (1, 50),
        {
            "cancel_types": ("type", lambda r: r.type),
            "cancel_status": ("status", lambda r: r.status),
        },
        lambda shop, r, version: cancellation_view(facts(shop, r.order_idx), r, version),
    )


def _record(ctx: Ctx, book: dict[str, AfterSale], key: str) -> AfterSale:
    rec = book.get(ctx.params[key])
    if rec is None:
        raise SandboxError(NOT_FOUND, "The return or cancellation does not exist in this shop.")
    return rec


def _decide_return(
    ctx: Ctx, table: dict[str, tuple[tuple[str, ...], str]], reject: bool
) -> dict[str, Any]:
    shop = ctx.require_shop()
    rec = _record(ctx, shop.returns, "return_id")
    decision = ctx.required(ctx.body, "decision")
    if decision not in table:
        raise SandboxError(
            36009004, f"Invalid parameter. `decision` must be one of: {', '.join(table)}."
        )
    partial_offer = decision == PARTIAL_AFTER_RECEIVING
    if partial_offer and ctx.version < REJECT_VERSION:
        raise SandboxError(
            36009004, f"Invalid parameter. `decision` {decision} needs version {REJECT_VERSION}."
        )
    if reject and ctx.version >= REJECT_VERSION:
        _check_reject_extras(ctx)
    if reject and not partial_offer:
        reason = ctx.required(ctx.body, "reject_reason")
        if reason not in {code for code, _t in names.RETURN_REJECT_REASONS}:
            raise SandboxError(
                36009004,
                "Invalid parameter. `reject_reason` must be a name from Get Reject Reasons.",
            )
    partial = _partial_refund_amount(ctx, shop) if partial_offer else None
    sources, target = table[decision]
    if rec.status not in sources:
        raise SandboxError(
            BAD_AFTERSALE_STATE, f"The return status {rec.status} does not allow {decision}."
        )
    if decision == "REJECT_RECEIVED_PACKAGE" and is_quick_refund(rec):
        raise SandboxError(
            BAD_AFTERSALE_STATE, "A quick refund's received package cannot be rejected."
        )
    before = rec.status
    rec.status = target
    rec.update_time = ctx.store.now()
    rec.decision = {
        **(rec.decision or {}),
        "decision": decision,
        **(
            {"reject_reason": ctx.body.get("reject_reason"), "comment": ctx.body.get("comment", "")}
            if reject
            else {}
        ),
    }
    if decision == "OFFER_PARTIAL_REFUND" and isinstance(ctx.body.get("partial_refund"), dict):
        rec.decision["partial_refund"] = ctx.body["partial_refund"]
    if partial is not None:
        rec.decision["partial_refund"] = partial
    ctx.store.touch(shop, rec.order_idx)
    ctx.store.record(
        "return_decision",
        shop,
        return_id=rec.id,
        decision=decision,
        before=before,
        after=target,
        request_id=ctx.request_id,
    )
    ctx.store.emit_return(shop, rec)
    if target in ("RETURN_OR_REFUND_REQUEST_COMPLETE", "REPLACEMENT_REQUEST_REFUND_SUCCESS"):
        ctx.store.emit_refund(shop, rec)
    if target == "AWAITING_BUYER_SHIP":
        # the return is authorised: the buyer may now send the goods back (UNVERIFIED fields)
        ctx.store.emit(
            shop,
            65,
            {
                "order_id": shop.order_id(rec.order_idx),
                "return_id": rec.id,
                "authorization_status": "AUTHORIZED",
                "update_time": rec.update_time,
            },
        )
    return {}


@api("POST", "/return_refund/{v}/returns/{return_id}/approve", scope="seller.return_refund.basic")
def approve_return(ctx: Ctx) -> dict[str, Any]:
    """Approve Return: the decision moves the return to its next state."""
    return _decide_return(ctx, RETURN_APPROVALS, reject=False)


def _check_reject_extras(ctx: Ctx) -> None:
    comment = ctx.body.get("comment")
    if comment is not None and len(str(comment)) > REJECT_COMMENT_MAX:
        raise SandboxError(
            36009004, f"Invalid parameter. `comment` is at most {REJECT_COMMENT_MAX} characters."
        )
    images = ctx.body.get("images")
    if isinstance(images, list) and len(images) > REJECT_IMAGES_MAX:
        raise SandboxError(
            36009004, f"Invalid parameter. `images` accepts at most {REJECT_IMAGES_MAX} images."
        )


def _partial_refund_amount(ctx: Ctx, shop: Shop) -> dict[str, str]:
    amount = ctx.required(ctx.body, "partial_refund_amount")
    if not isinstance(amount, dict):
        raise SandboxError(36009004, "Invalid parameter. `partial_refund_amount` is an object.")
    total = ctx.required(amount, "partial_refund_total")
    currency = str(ctx.required(amount, "currency"))
    if currency != shop.currency:
        raise SandboxError(36009004, f"Invalid parameter. The currency must be {shop.currency}.")
    try:
        value = Decimal(str(total))
    except ArithmeticError:
        value = Decimal(-1)
    if not value.is_finite() or value <= 0:
        raise SandboxError(
            36009004, "Invalid parameter. `partial_refund_total` must be a positive amount."
        )
    return {"amount": str(value), "currency": currency}


@api(
    "POST",
    "/return_refund/{v}/returns/{return_id}/reject",
    versions=("202309", REJECT_VERSION),
    scope="seller.return_refund.basic",
)
def reject_return(ctx: Ctx) -> dict[str, Any]:
    """Reject Return with a reason name, or (202606) offer a partial refund after receiving."""
    return _decide_return(ctx, RETURN_REJECTIONS, reject=True)


@api(
    "POST",
    "/return_refund/{v}/cancellations/{cancel_id}/approve",
    scope="seller.return_refund.basic",
)
def approve_cancellation(ctx: Ctx) -> dict[str, Any]:
    """Approve Cancellation: the order is cancelled."""
    shop = ctx.require_shop()
    rec = _record(ctx, shop.cancellations, "cancel_id")
    if rec.status != "CANCELLATION_REQUEST_PENDING":
        raise SandboxError(
            BAD_AFTERSALE_STATE, f"The cancellation status {rec.status} does not allow approval."
        )
    ctx.store.approve_cancellation(shop, rec)
    ctx.store.record(
        "cancellation_decision",
        shop,
        cancel_id=rec.id,
        decision="APPROVE",
        request_id=ctx.request_id,
    )
    return {}


@api(
    "POST",
    "/return_refund/{v}/cancellations/{cancel_id}/reject",
    scope="seller.return_refund.basic",
)
def reject_cancellation(ctx: Ctx) -> dict[str, Any]:
    """Reject Cancellation: the order carries on to shipment."""
    shop = ctx.require_shop()
    rec = _record(ctx, shop.cancellations, "cancel_id")
    reason = ctx.required(ctx.body, "reject_reason")
    if reason not in {code for code, _t in names.CANCEL_REJECT_REASONS}:
        raise SandboxError(
            36009004, "Invalid parameter. `reject_reason` must be a name from Get Reject Reasons."
        )
    if rec.status != "CANCELLATION_REQUEST_PENDING":
        raise SandboxError(
            BAD_AFTERSALE_STATE, f"The cancellation status {rec.status} does not allow rejection."
        )
    ctx.store.reject_cancellation(shop, rec, str(reason), str(ctx.body.get("comment", "")))
    ctx.store.record(
        "cancellation_decision",
        shop,
        cancel_id=rec.id,
        decision="REJECT",
        request_id=ctx.request_id,
    )
    return {}


@api("GET", "/return_refund/{v}/reject_reasons", scope="seller.return_refund.basic")
def reject_reasons(ctx: Ctx) -> dict[str, Any]:
    """Get Reject Reasons for a return or a cancellation (all reasons when no id is given)."""
    shop = ctx.require_shop()
    record_id = ctx.q.get("return_or_cancel_id", "")
    reasons: tuple[tuple[str, str], ...]
    if record_id in shop.cancellations:
        reasons = names.CANCEL_REJECT_REASONS
    elif record_id in shop.returns or not record_id:
        reasons = names.RETURN_REJECT_REASONS + (
            names.CANCEL_REJECT_REASONS if not record_id else ()
        )
    else:
        raise SandboxError(NOT_FOUND, "The return or cancellation does not exist in this shop.")
    return {"reasons": [{"name": code, "text": text} for code, text in reasons]}


DECISIONS = {**RETURN_APPROVALS, **RETURN_REJECTIONS}


@api(
    "GET",
    "/return_refund/{v}/decision_eligibility",
    versions=("202601",),
    scope="seller.return_refund.basic",
)
def decision_eligibility(ctx: Ctx) -> dict[str, Any]:
    """Get Decision Eligibility: which of `check_decisions` the seller may take, with reasons.

    The response tree is UNVERIFIED: `decisions[] {decision, is_eligible, ineligible_reason,
    reject_reasons[] {name, text}}` (reasons only on the rejecting decisions).
    """
    shop = ctx.require_shop()
    record_id = ctx.q.get("return_or_cancel_id") or ""
    if not record_id:
        raise SandboxError(
            36009004, "Invalid parameter. The `return_or_cancel_id` query parameter is required."
        )
    checks = [d for d in (ctx.q.get("check_decisions") or "").split(",") if d]
    if not checks:
        raise SandboxError(
            36009004, "Invalid parameter. The `check_decisions` query parameter is required."
        )
    rec = shop.returns.get(record_id) or shop.cancellations.get(record_id)
    if rec is None:
        raise SandboxError(NOT_FOUND, "The return or cancellation does not exist in this shop.")
    cancel = rec.kind == "cancel"
    entries = []
    for decision in checks:
        if cancel:
            known = decision in ("APPROVE_CANCEL", "REJECT_CANCEL")
            eligible = known and rec.status == "CANCELLATION_REQUEST_PENDING"
            reasons = names.CANCEL_REJECT_REASONS if decision == "REJECT_CANCEL" else ()
        else:
            known = decision in DECISIONS
            eligible = known and rec.status in DECISIONS[decision][0]
            if decision == "REJECT_RECEIVED_PACKAGE" and is_quick_refund(rec):
                eligible = False
            rejecting = decision in RETURN_REJECTIONS and decision != PARTIAL_AFTER_RECEIVING
            reasons = names.RETURN_REJECT_REASONS if rejecting else ()
        entries.append(
            {
                "decision": decision,
                "is_eligible": eligible,
                "ineligible_reason": ""
                if eligible
                else ("Unknown decision." if not known else f"Not allowed in {rec.status}."),
                "reject_reasons": [{"name": n, "text": t} for n, t in reasons] if eligible else [],
            }
        )
    return {"decisions": entries}


ELIGIBILITY_VERSION = "202602"  # seller cancel / refunds take `order_line_list[]` from here
AFTERSALE_REASONS = {
    "CANCEL": names.SELLER_CANCEL_REASONS,
    "REFUND": names.SELLER_REFUND_REASONS,
    "RETURN_AND_REFUND": names.SELLER_REFUND_REASONS,
}


def _order_idx(shop: Shop, order_id: str) -> int:
    idx = shop.order_idx(order_id)
    if idx is None:
        raise SandboxError(21008111, "The order or package does not belong to the current seller.")
    return idx


def _chosen_lines(ctx: Ctx, shop: Shop, idx: int) -> dict[str, str | None]:
    """Line ids a seller cancel / refund names, each with the bundle part it names if any
    (all lines, whole, when none are named)."""
    f = facts(shop, idx)
    all_ids = [shop.line_item_id(idx, pos) for pos in range(len(f.lines))]
    listed = ctx.body.get("order_line_list")
    flat = ctx.body.get("order_line_item_ids")
    if listed is not None and flat is not None:
        raise SandboxError(
            36009004,
            "Invalid parameter. Send `order_line_list` or `order_line_item_ids`, not both.",
        )
    if listed is not None:
        if ctx.version < ELIGIBILITY_VERSION:
            raise SandboxError(36009004, "Invalid parameter. Unknown field `order_line_list`.")
        if not isinstance(listed, list) or not all(isinstance(e, dict) for e in listed):
            raise SandboxError(36009004, "Invalid parameter. `order_line_list` must be an array.")
        chosen: dict[str, str | None] = {
            str(e.get("order_line_item_id") or ""): (
                str(e["sub_order_line_item_id"]) if e.get("sub_order_line_item_id") else None
            )
            for e in listed
        }
    else:
        chosen = {str(i): None for i in flat or []}
    unknown = [i for i in chosen if i not in all_ids]
    if unknown:
        raise SandboxError(
            36009004, f"Invalid parameter. Line items {', '.join(unknown)} are not in this order."
        )
    for line, sub in chosen.items():
        if sub is not None and sub not in {p[0] for p in bundle_parts(f, all_ids.index(line))}:
            raise SandboxError(36009004, f"Invalid parameter. {sub} is not a part of line {line}.")
    return chosen or dict.fromkeys(all_ids)


@api(
    "GET",
    "/return_refund/{v}/orders/{order_id}/aftersale_eligibility",
    versions=(ELIGIBILITY_VERSION,),
    scope="seller.return_refund.basic",
)
def aftersale_eligibility(ctx: Ctx) -> dict[str, Any]:
    """Get Aftersale Eligibility: may the seller cancel/refund this order, and with which reasons.

    The response tree is UNVERIFIED beyond `available_reason_names`: one entry per asked type.
    """
    shop = ctx.require_shop()
    idx = _order_idx(shop, ctx.params["order_id"])
    user = ctx.q.get("initiate_aftersale_user") or ""
    if user not in ("SELLER", "BUYER"):
        raise SandboxError(
            36009004, "Invalid parameter. `initiate_aftersale_user` must be SELLER or BUYER."
        )
    asked = [t for t in (ctx.q.get("request_types") or "").split(",") if t]
    if not asked or any(t not in AFTERSALE_REASONS for t in asked):
        raise SandboxError(
            36009004,
            "Invalid parameter. `request_types` must list CANCEL, REFUND or RETURN_AND_REFUND.",
        )
    status = shop.orders.status[idx]
    entries = []
    for request_type in asked:
        if request_type == "CANCEL":
            eligible = status in (ON_HOLD, AWAITING_SHIPMENT)
            why = "" if eligible else "The order has shipped or is closed."
        else:
            eligible = status in (IN_TRANSIT, DELIVERED, COMPLETED)
            why = "" if eligible else "The order has not been shipped to the buyer."
        entries.append(
            {
                "request_type": request_type,
                "is_eligible": eligible,
                "ineligible_reason": why,
                "available_reason_names": list(AFTERSALE_REASONS[request_type]) if eligible else [],
            }
        )
    return {"eligibilities": entries}


@api(
    "POST",
    "/return_refund/{v}/cancellations",
    versions=("202309", ELIGIBILITY_VERSION),
    scope="seller.return_refund.basic",
)
def cancel_order(ctx: Ctx) -> dict[str, Any]:
    """Cancel Order: the seller cancels an order that has not shipped.

    202602 takes `order_line_list[]` and a reason from Get Aftersale Eligibility. Naming some of
    the lines cancels only those (they leave their package; the rest still ships); naming every
    remaining line, or none, cancels the order. An `idempotency_key` seen
    before answers the first cancellation again (whether TikTok honours one here is UNVERIFIED).
    """
    shop = ctx.require_shop()
    key = ctx.q.get("idempotency_key") or ""
    if key and (shop.no, key) in ctx.store.seller_cancel_keys:
        rec = shop.cancellations[ctx.store.seller_cancel_keys[(shop.no, key)]]
        return {"cancel_id": rec.id, "cancel_status": rec.status}
    order_id = str(ctx.required(ctx.body, "order_id"))
    reason = str(ctx.required(ctx.body, "cancel_reason"))
    idx = _order_idx(shop, order_id)
    if ctx.version >= ELIGIBILITY_VERSION and reason not in names.SELLER_CANCEL_REASONS:
        raise SandboxError(
            36009004,
            "Invalid parameter. `cancel_reason` must be a name from Get Aftersale Eligibility.",
        )
    named = ctx.body.get("order_line_list") is not None or bool(ctx.body.get("order_line_item_ids"))
    lines = _chosen_lines(ctx, shop, idx)
    if any(lines.values()):
        # UNVERIFIED whether TikTok cancels one part of a bundle line: the sandbox refuses it.
        raise SandboxError(
            36009004, "Invalid parameter. Cancel a bundle's whole line, not one of its parts."
        )
    if shop.orders.status[idx] not in (ON_HOLD, AWAITING_SHIPMENT):
        raise SandboxError(BAD_AFTERSALE_STATE, "The order status does not allow cancellation.")
    f = facts(shop, idx)
    all_ids = [shop.line_item_id(idx, pos) for pos in range(len(f.lines))]
    done = set(f.extra.get("cancelled_lines", ()))
    positions = sorted(all_ids.index(line) for line in lines)
    if named and done & set(positions):
        raise SandboxError(BAD_AFTERSALE_STATE, "Some of these lines are already cancelled.")
    if named:
        # Lines of a package that has shipped cannot be cancelled (contract §10.4: unshipped only).
        shipped = {
            pos
            for p in packages(f)
            if p.status in SHIPPED_PACKAGE_STATUSES
            for pos in p.line_positions
        }
        if shipped & set(positions):
            raise SandboxError(BAD_AFTERSALE_STATE, "Some of these lines have already shipped.")
    rec = ctx.store.cancel_order(
        shop, idx, initiator="SELLER", reason=reason, line_positions=positions if named else None
    )
    if key:
        ctx.store.seller_cancel_keys[(shop.no, key)] = rec.id
    ctx.store.record(
        "seller_cancel", shop, order_id=order_id, cancel_id=rec.id, request_id=ctx.request_id
    )
    return {"cancel_id": rec.id, "cancel_status": rec.status}


@api(
    "POST",
    "/return_refund/{v}/refunds/calculate",
    versions=("202309", ELIGIBILITY_VERSION),
    scope="seller.return_refund.basic",
)
def calculate_refund(ctx: Ctx) -> dict[str, Any]:
    """Calculate Refund: what the buyer would get back for some lines; nothing changes."""
    shop = ctx.require_shop()
    idx = _order_idx(shop, str(ctx.required(ctx.body, "order_id")))
    request_type = str(ctx.required(ctx.body, "request_type"))
    if request_type not in AFTERSALE_REASONS:
        raise SandboxError(
            36009004,
            "Invalid parameter. `request_type` must be CANCEL, REFUND or RETURN_AND_REFUND.",
        )
    reason = str(ctx.required(ctx.body, "reason_name"))
    if ctx.version >= ELIGIBILITY_VERSION and reason not in AFTERSALE_REASONS[request_type]:
        raise SandboxError(
            36009004,
            "Invalid parameter. `reason_name` must be a name from Get Aftersale Eligibility.",
        )
    chosen = _chosen_lines(ctx, shop, idx)
    f = facts(shop, idx)
    subtotal = Decimal(0)
    for pos, (_sku, price) in enumerate(f.lines):
        line = shop.line_item_id(idx, pos)
        if line not in chosen:
            continue
        part = chosen[line]
        # one part of a bundle refunds that part's share of the line's price
        subtotal += (
            next(share for pid, _s, share in bundle_parts(f, pos) if pid == part) if part else price
        )
    totals = order_totals(f)
    share = subtotal / totals["sub_total"] if totals["sub_total"] else Decimal(0)
    tax = (totals["tax"] * share).quantize(Decimal("0.01"))
    # the shipping fee comes back only when the whole order is cancelled
    shipping = totals["shipping_fee"] if request_type == "CANCEL" and share == 1 else Decimal(0)
    return {
        "order_refund_amount": {
            "currency": shop.currency,
            "refund_total": str((subtotal + tax + shipping).quantize(Decimal("0.01"))),
            "refund_subtotal": str(subtotal.quantize(Decimal("0.01"))),
            "refund_shipping_fee": str(shipping.quantize(Decimal("0.01"))),
            "refund_tax": str(tax),
            "retail_delivery_fee": "0.00",
        }
    }
