"""Returns and cancellations: search, the seller's decisions, reject reasons, seller cancel."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import names
from ..app import Ctx, api
from ..data import AWAITING_SHIPMENT, ON_HOLD, AfterSale, Shop
from ..pagination import filter_hash
from ..state import SandboxError
from ..views import buyer, cancellation_view, facts, return_view

# return/cancel failure codes the contract does not pin down; chosen from its 25xxxxxx family
BAD_AFTERSALE_STATE = 25001001
NOT_FOUND = 25001002
RETURN_APPROVALS = {
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
RETURN_REJECTIONS = {
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
    view: Callable[[Shop, AfterSale], dict[str, Any]],
) -> dict[str, Any]:
    shop = ctx.require_shop()
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
    return {
        list_name: [view(shop, r) for r in page],
        "next_page_token": token,
        "total_count": total,
    }


def _return_view(shop: Shop, rec: AfterSale) -> dict[str, Any]:
    warehouse = next((w for w in shop.warehouses if w.type == "RETURN_WAREHOUSE"), None)
    return return_view(facts(shop, rec.order_idx), rec, warehouse)


@api("POST", "/return_refund/{v}/returns/search", scope="seller.return_refund.basic")
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


@api("POST", "/return_refund/{v}/cancellations/search", scope="seller.return_refund.basic")
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
        lambda shop, r: cancellation_view(facts(shop, r.order_idx), r),
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
    if reject:
        reason = ctx.required(ctx.body, "reject_reason")
        if reason not in {code for code, _t in names.RETURN_REJECT_REASONS}:
            raise SandboxError(
                36009004,
                "Invalid parameter. `reject_reason` must be a name from Get Reject Reasons.",
            )
    sources, target = table[decision]
    if rec.status not in sources:
        raise SandboxError(
            BAD_AFTERSALE_STATE, f"The return status {rec.status} does not allow {decision}."
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
    return {}


@api("POST", "/return_refund/{v}/returns/{return_id}/approve", scope="seller.return_refund.basic")
def approve_return(ctx: Ctx) -> dict[str, Any]:
    """Approve Return: the decision moves the return to its next state."""
    return _decide_return(ctx, RETURN_APPROVALS, reject=False)


@api("POST", "/return_refund/{v}/returns/{return_id}/reject", scope="seller.return_refund.basic")
def reject_return(ctx: Ctx) -> dict[str, Any]:
    """Reject Return: needs a reason name from Get Reject Reasons."""
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
    if record_id in shop.cancellations:
        reasons = names.CANCEL_REJECT_REASONS
    elif record_id in shop.returns or not record_id:
        reasons = names.RETURN_REJECT_REASONS + (
            names.CANCEL_REJECT_REASONS if not record_id else ()
        )
    else:
        raise SandboxError(NOT_FOUND, "The return or cancellation does not exist in this shop.")
    return {"reasons": [{"name": code, "text": text} for code, text in reasons]}


@api("POST", "/return_refund/{v}/cancellations", scope="seller.return_refund.basic")
def cancel_order(ctx: Ctx) -> dict[str, Any]:
    """Cancel Order: the seller cancels an order that has not shipped."""
    shop = ctx.require_shop()
    order_id = str(ctx.required(ctx.body, "order_id"))
    reason = str(ctx.required(ctx.body, "cancel_reason"))
    idx = shop.order_idx(order_id)
    if idx is None:
        raise SandboxError(21008111, "The order or package does not belong to the current seller.")
    if shop.orders.status[idx] not in (ON_HOLD, AWAITING_SHIPMENT):
        raise SandboxError(BAD_AFTERSALE_STATE, "The order status does not allow cancellation.")
    rec = ctx.store.cancel_order(shop, idx, initiator="SELLER", reason=reason)
    ctx.store.record(
        "seller_cancel", shop, order_id=order_id, cancel_id=rec.id, request_id=ctx.request_id
    )
    return {"cancel_id": rec.id, "cancel_status": rec.status}
