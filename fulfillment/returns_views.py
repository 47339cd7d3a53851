"""The returns inbox: returns, refund-only requests and cancellations, and the decisions on them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fulfillment.decisions import (
    AT_DEADLINE,
    DECISIONS,
    DecisionError,
    cancellable_lines,
    decisions_for,
    family_of,
    order_cancel,
    order_cancel_preview,
    refundable,
    reject_reasons,
    request_decide,
    requests_decide,
    shared_reject_reasons,
)
from fulfillment.models import WAITING, AfterSale
from fulfillment.returns_forms import (
    MODELS,
    BulkDecisionForm,
    BulkReasonsForm,
    DecisionForm,
    InboxFilterForm,
    SellerCancelForm,
)
from orders.models import Order
from shops.access import for_visible_shops, get_owned_or_404, visible_shops
from shops.htmx import render_page
from shops.listing import query_without
from tiktok.errors import TikTokError
from tiktok.types import as_decimal

PER_PAGE = 50
AMBER = timedelta(hours=12)
RED = timedelta(hours=2)


@dataclass
class Row:
    """One request as the inbox shows it."""

    request: AfterSale
    family: str
    left: timedelta | None
    urgency: str  # "red", "amber", "" (or "late")
    at_deadline: str
    lines: list[dict[str, Any]]

    @property
    def key(self) -> str:
        return f"{self.family}:{self.request.pk}"


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def line_items(request: AfterSale) -> list[dict[str, Any]]:
    """The lines with their image and refund, from TikTok's last copy of the request."""
    raw = request.raw if isinstance(request.raw, dict) else {}
    entries = raw.get("return_line_items") or raw.get("cancel_line_items") or []
    out = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        image: dict[str, Any] = _obj(entry.get("product_image"))
        refund: dict[str, Any] = _obj(entry.get("refund_amount"))
        url = str(image.get("url") or "")
        out.append(
            {
                "name": str(entry.get("product_name") or ""),
                "sku": str(entry.get("seller_sku") or entry.get("sku_name") or ""),
                "image": url if url.startswith(("https://", "http://")) else "",
                "refund": as_decimal(refund.get("refund_total")),
                "currency": refund.get("currency") or request.currency,
            }
        )
    return out


def _row(request: AfterSale, now: datetime) -> Row:
    left = request.deadline - now if request.is_due and request.deadline else None
    urgency = ""
    if left is not None:
        urgency = (
            "late"
            if left < timedelta(0)
            else "red"
            if left < RED
            else "amber"
            if left < AMBER
            else ""
        )
    return Row(
        request=request,
        family=family_of(request),
        left=left,
        urgency=urgency,
        at_deadline=AT_DEADLINE.get(request.next_action, "") if left is not None else "",
        lines=line_items(request),
    )


def _filtered(model: Any, form: InboxFilterForm, user: Any) -> QuerySet | None:
    queryset = for_visible_shops(model.objects.all(), user).select_related("shop", "order")
    kind = form.value("type") or ""
    family = "cancel" if model is MODELS["cancel"] else "return"
    if kind and (kind == "CANCEL") != (family == "cancel"):
        return None
    if kind and kind != "returns" and family == "return":
        queryset = queryset.filter(type=kind)
    status = form.value("status") or ""
    state = form.value("state") or ("all" if status else "waiting")
    if status:
        queryset = queryset.filter(status=status)
    if state == "waiting":
        queryset = queryset.filter(WAITING)
    elif state == "others":
        queryset = queryset.exclude(WAITING)
    if form.value("shop"):
        queryset = queryset.filter(shop=form.value("shop"))
    if form.value("reason"):
        queryset = queryset.filter(reason_text=form.value("reason"))
    if form.value("order"):
        queryset = queryset.filter(order_tiktok_id=form.value("order"))
    if form.value("buyer"):
        queryset = queryset.filter(order__buyer_nickname__icontains=form.value("buyer"))
    if form.value("sku"):
        queryset = queryset.filter(lines__contains=[{"seller_sku": form.value("sku")}])
    return queryset.annotate(
        waiting=Case(
            When(WAITING, then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    ).order_by("-waiting", "deadline", "-create_time", "-id")


def _reasons(user: Any) -> list[str]:
    first, second = (
        for_visible_shops(model.objects.exclude(reason_text=""), user)
        .order_by()
        .values_list("reason_text", flat=True)
        for model in MODELS.values()
    )
    return sorted(first.union(second)[:200])


@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """Every visible shop's requests: waiting for me first, by TikTok's nearest deadline."""
    form = InboxFilterForm(
        request.GET or None, shops=visible_shops(request.user), reasons=_reasons(request.user)
    )
    now = timezone.now()
    rows: list[Row] = []
    more = False
    page = 1
    total = 0
    if not form.is_bound or form.is_valid():
        page = form.value("page") or 1
        wanted = page * PER_PAGE + 1
        merged: list[AfterSale] = []
        for model in MODELS.values():
            queryset = _filtered(model, form, request.user)
            if queryset is not None:
                found = list(queryset.defer("order__raw")[:wanted])
                # A short page is its own count: only a full one needs a COUNT query.
                total += len(found) if len(found) < wanted else queryset.count()
                merged.extend(found)
        far = now + timedelta(days=36500)
        merged.sort(
            key=lambda r: (
                not r.waiting,  # type: ignore[attr-defined]
                r.deadline or far,
                -(r.create_time.timestamp() if r.create_time else 0),
            )
        )
        more = len(merged) > page * PER_PAGE
        rows = [_row(r, now) for r in merged[(page - 1) * PER_PAGE : page * PER_PAGE]]
    context = {
        "form": form,
        "rows": rows,
        "page": page,
        "more": more,
        "total": total,
        "query": query_without(request, "page"),
        "bulk": BulkDecisionForm(),
        "bulk_decisions": _bulk_choices(rows),
    }
    return render_page(request, "fulfillment/returns/inbox.html", context, partial="inbox-list")


def _bulk_choices(rows: list[Row]) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for row in rows:
        for decision in decisions_for(row.request):
            if not decision.needs_amount:
                seen.setdefault(decision.name, decision.label)
    return list(seen.items())


def _request_or_404(request: HttpRequest, family: str, pk: int) -> AfterSale:
    model = MODELS.get(family)
    if model is None:
        raise Http404
    return get_owned_or_404(model.objects.select_related("shop", "order"), request.user, pk=pk)


def _requests_or_404(request: HttpRequest, ids: list[tuple[str, int]]) -> list[AfterSale]:
    """The chosen (family, pk) requests in their order, one query per family; a 404 when any
    is unknown or belongs to a shop the user may not see."""
    found: dict[tuple[str, int], AfterSale] = {}
    for family in {f for f, _pk in ids}:
        model = MODELS.get(family)
        if model is None:
            raise Http404
        rows = for_visible_shops(model.objects.select_related("shop", "order"), request.user)
        pks = [pk for f, pk in ids if f == family]
        found.update(((family, row.pk), row) for row in rows.filter(pk__in=pks))
    if any(key not in found for key in ids):
        raise Http404
    return [found[key] for key in ids]


def _reason_choices(target: AfterSale) -> tuple[list[tuple[str, str]], str]:
    """TikTok's reject reasons for the rejecting decisions offered now, and any error reading."""
    names: dict[str, str] = {}
    try:
        for decision in decisions_for(target):
            if decision.needs_reason:
                names.update(reject_reasons(request=target, decision=decision.name))
    except TikTokError as error:
        return [], f"TikTok's reasons could not be read: {error.message or error}"
    return list(names.items()), ""


@require_http_methods(["GET", "POST"])
def request_detail(request: HttpRequest, family: str, pk: int) -> HttpResponse:
    """One request with its lines, deadline and the decisions valid now."""
    target = _request_or_404(request, family, pk)
    decisions = decisions_for(target)
    reasons, reasons_error = (
        _reason_choices(target) if any(d.needs_reason for d in decisions) else ([], "")
    )
    form = DecisionForm(request.POST or None, decisions=decisions, reasons=reasons)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                command = request_decide(
                    request=target,
                    decision=data["decision"],
                    actor=request.user,  # type: ignore[arg-type]
                    reject_reason=data.get("reject_reason") or "",
                    comment=data.get("comment") or "",
                    amount=data.get("amount"),
                    currency=data.get("currency") or "",
                    reasons=[name for name, _text in reasons],
                )
            except DecisionError as error:
                form.add_error(None, str(error))
            except TikTokError as error:
                form.add_error(None, f"TikTok could not be asked: {error.message or error}")
            else:
                messages.success(
                    request, f"{command.target_label}: {command.reason}. Sending to TikTok."
                )
                return redirect(reverse("returns"))
        status = 400
        target.refresh_from_db()
    context = {
        "row": _row(target, timezone.now()),
        "form": form,
        "decisions": decisions_for(target),
        "reasons_error": reasons_error,
        "refundable": refundable(target),
    }
    return render_page(
        request, "fulfillment/returns/detail.html", context, partial="decide", status=status
    )


@require_POST
def bulk_decide(request: HttpRequest) -> HttpResponse:
    """One decision for the selected requests, each its own command, with an outcome per row."""
    form = BulkDecisionForm(request.POST)
    outcomes: list[tuple[str, str, bool]] = []
    error = ""
    if form.is_valid():
        targets = _requests_or_404(request, form.cleaned_data["ids"])
        try:
            result = requests_decide(
                requests=targets,
                decision=form.cleaned_data["decision"],
                actor=request.user,  # type: ignore[arg-type]
                reject_reason=form.cleaned_data["reject_reason"],
                comment=form.cleaned_data["comment"],
            )
        except (DecisionError, TikTokError) as exc:
            error = str(exc)
        else:
            outcomes = [(r.tiktok_id, "Sending to TikTok", True) for r, _c in result.made] + [
                (r.tiktok_id, why, False) for r, why in result.refused
            ]
    else:
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    return render_page(
        request,
        "fulfillment/returns/bulk_result.html",
        {"outcomes": outcomes, "error": error},
        status=400 if error else 200,
    )


@require_GET
def bulk_reasons(request: HttpRequest) -> HttpResponse:
    """The reject reasons TikTok offers for every selected request (the bulk form's select)."""
    form = BulkReasonsForm(request.GET)
    reasons: list[tuple[str, str]] = []
    note = ""
    decision = None
    if not form.is_valid():
        note = "Select requests and a decision first."
    else:
        decision = DECISIONS[form.cleaned_data["decision"]]
        if decision.needs_reason:
            targets = _requests_or_404(request, form.cleaned_data["ids"])
            try:
                reasons = shared_reject_reasons(requests=targets, decision=decision.name)
            except TikTokError as exc:
                note = f"TikTok's reasons could not be read: {exc.message or exc}"
            else:
                if not reasons:
                    note = "TikTok has no reason valid for all of these: reject them one by one."
    return render_page(
        request,
        "fulfillment/returns/bulk_reasons.html",
        {
            "reasons": reasons,
            "note": note,
            "needs_reason": bool(decision and decision.needs_reason),
        },
    )


@require_http_methods(["GET", "POST"])
def seller_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel an unshipped order: TikTok's reasons, then its refund, then confirm."""
    order = get_owned_or_404(Order.objects.select_related("shop"), request.user, pk=pk)
    data = request.POST if request.method == "POST" else None
    open_lines = [
        (line.tiktok_id, f"{line.product_name} · {line.sku_name or '—'} · {line.seller_sku or '—'}")
        for line in cancellable_lines(order)
    ]
    # Bound once without reasons to read the chosen lines safely, before asking TikTok.
    lines_form = SellerCancelForm(data, reasons=(), lines=open_lines)
    lines_form.is_valid()
    chosen = lines_form.cleaned_data.get("lines") or [] if data is not None else []
    reason = ""
    if data is not None and isinstance(data.get("reason"), str):
        reason = data["reason"][:255]
    try:
        preview = order_cancel_preview(order=order, reason=reason, line_ids=chosen)
    except TikTokError as exc:
        messages.error(request, f"TikTok could not be asked: {exc.message or exc}")
        return redirect(reverse("order-detail", args=[order.pk]))
    form = SellerCancelForm(data, reasons=preview.reasons, lines=open_lines)
    status = 200
    if data is not None:
        if form.is_valid() and form.cleaned_data["confirm"] and preview.refund is not None:
            try:
                order_cancel(
                    order=order,
                    reason=form.cleaned_data["reason"],
                    actor=request.user,  # type: ignore[arg-type]
                    note=form.cleaned_data["note"],
                    line_ids=form.cleaned_data["lines"],
                )
            except (DecisionError, TikTokError) as exc:
                form.add_error(None, str(exc))
                status = 400
            else:
                messages.success(request, f"Cancelling order {order.tiktok_id}: sent to TikTok.")
                return redirect(reverse("order-detail", args=[order.pk]))
        elif not form.is_valid():
            status = 400
    context = {"order": order, "form": form, "preview": preview}
    return render_page(request, "fulfillment/returns/cancel.html", context, status=status)


def order_requests(order: Order) -> list[Row]:
    """The order's returns and cancellations, for its page."""
    now = timezone.now()
    rows = []
    for model in MODELS.values():
        for r in model.objects.filter(Q(order=order)).select_related("shop"):
            rows.append(_row(r, now))
    return rows
