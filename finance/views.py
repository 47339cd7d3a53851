"""The finance pages: statements (and one statement), payments, unsettled orders, differences,
analytics, an order's settlement, and the CSV export of each list; over the mirror only."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.db.models import Count, F, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.views.decorators.http import require_GET

from finance.analytics import FIGURES, PERIODS, AnalyticsForm, analytics
from finance.filters import (
    DifferenceFilterSet,
    PaymentFilterSet,
    StatementFilterSet,
    UnsettledFilterSet,
    WithdrawalFilterSet,
)
from finance.models import (
    OrderSettlement,
    Payment,
    SkuTransaction,
    Statement,
    StatementTransaction,
    UnsettledOrder,
    Withdrawal,
)
from finance.reconciliation import State
from orders.models import Order
from shops.access import for_visible_shops, get_owned_or_404, visible_shops
from shops.filters import ListFilterSet, ListForm
from shops.htmx import render_page
from shops.listing import (
    csv_response,
    export_time,
    filter_errors_response,
    paginate,
    query_without,
    zone_name,
)

TABS = [
    ("finance", "Statements"),
    ("finance-payments", "Payments"),
    ("finance-withdrawals", "Withdrawals"),
    ("finance-unsettled", "Unsettled orders"),
    ("finance-differences", "Differences"),
    ("finance-analytics", "Analytics"),
]


def _statements(request: HttpRequest) -> StatementFilterSet:
    queryset = for_visible_shops(Statement.objects.with_sums(), request.user)
    return StatementFilterSet(request.GET, queryset=queryset, user=request.user, request=request)


def _payments(request: HttpRequest) -> PaymentFilterSet:
    queryset = (
        for_visible_shops(Payment.objects.all(), request.user)
        .annotate(
            statement_count=Count("statements"),
            statements_total=Sum("statements__settlement_amount"),
        )
        .annotate(statements_gap=F("statements_total") - F("amount"))
    )
    return PaymentFilterSet(request.GET, queryset=queryset, user=request.user, request=request)


def _withdrawals(request: HttpRequest) -> WithdrawalFilterSet:
    queryset = for_visible_shops(Withdrawal.objects.all(), request.user)
    return WithdrawalFilterSet(request.GET, queryset=queryset, user=request.user, request=request)


def _unsettled(request: HttpRequest) -> UnsettledFilterSet:
    queryset = for_visible_shops(UnsettledOrder.objects.all(), request.user)
    return UnsettledFilterSet(request.GET, queryset=queryset, user=request.user, request=request)


def _differences(request: HttpRequest) -> DifferenceFilterSet:
    queryset = for_visible_shops(OrderSettlement.objects.reconciled(), request.user).filter(
        state__in=(State.DIFFERENCE, State.REFUNDED_AFTER)
    )
    return DifferenceFilterSet(request.GET, queryset=queryset, user=request.user, request=request)


def _list(
    request: HttpRequest,
    filterset: ListFilterSet,
    template: str,
    tab: str,
    queryset: Callable[[QuerySet], QuerySet] = lambda q: q,
) -> HttpResponse:
    listing = paginate(queryset(filterset.qs.select_related("shop").defer("raw")), filterset.page)
    context = {
        "filter": filterset,
        "listing": listing,
        "action": reverse(tab),
        "export": reverse(f"{tab}-export"),
        "query": query_without(request, "page"),
        "tabs": TABS,
        "tab": tab,
        "nav_section": "finance",
    }
    return render_page(request, template, context, partial="finance-list")


@require_GET
def statement_list(request: HttpRequest) -> HttpResponse:
    """Daily statements, newest first, each checked against the sum of its transactions."""
    return _list(request, _statements(request), "finance/statements.html", "finance")


@require_GET
def payment_list(request: HttpRequest) -> HttpResponse:
    """Payouts, each with the statements it pays and whether they add up to it."""
    return _list(request, _payments(request), "finance/payments.html", "finance-payments")


@require_GET
def withdrawal_list(request: HttpRequest) -> HttpResponse:
    """Movements of the seller's balance: withdrawals to the bank, settles, transfers."""
    return _list(request, _withdrawals(request), "finance/withdrawals.html", "finance-withdrawals")


@require_GET
def unsettled_list(request: HttpRequest) -> HttpResponse:
    """Orders not settled yet: what TikTok expects to pay and when."""
    return _list(
        request,
        _unsettled(request),
        "finance/unsettled.html",
        "finance-unsettled",
        lambda q: q.select_related("order"),
    )


@require_GET
def difference_list(request: HttpRequest) -> HttpResponse:
    """Settled orders whose settlement does not match the order, largest difference first."""
    return _list(request, _differences(request), "finance/differences.html", "finance-differences")


TRANSACTIONS_PER_PAGE = 100


@require_GET
def statement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One statement: its header, the sums of its transactions, and each transaction."""
    statement = get_owned_or_404(
        Statement.objects.with_sums().select_related("shop", "payment"), request.user, pk=pk
    )
    form = ListForm(request.GET)
    page = form.cleaned_data["page"] if form.is_valid() else 1
    transactions = StatementTransaction.objects.filter(statement=statement).defer("raw")
    listing = paginate(
        transactions.order_by("order_create_time", "id"), page, per_page=TRANSACTIONS_PER_PAGE
    )
    order_ids = [t.order_id for t in listing.rows if t.order_id]
    reconciled = {
        o.pk: o
        for o in OrderSettlement.objects.filter(pk__in=order_ids)
        .reconciled()
        .only("pk", "tiktok_id", "currency")
    }
    rows = [(t, reconciled.get(t.order_id or 0)) for t in listing.rows]
    checks = [
        ("Revenue", statement.revenue_amount, statement.tx_revenue),
        ("Fees and taxes", statement.fee_amount, statement.tx_fee),
        ("Shipping cost", statement.shipping_cost_amount, statement.tx_shipping),
        ("Adjustments", statement.adjustment_amount, statement.tx_adjustment),
        ("Settlement", statement.settlement_amount, statement.tx_settlement),
    ]
    context = {
        "statement": statement,
        "checks": [
            (name, header, summed, (summed or 0) - (header or 0)) for name, header, summed in checks
        ],
        "rows": rows,
        "listing": listing,
        "query": query_without(request, "page"),
        "nav_section": "finance",
        "tabs": TABS,
        "tab": "finance",
    }
    return render_page(
        request, "finance/statement_detail.html", context, partial="statement-transactions"
    )


@require_GET
def order_settlement(request: HttpRequest, pk: int) -> HttpResponse:
    """How one order settled (a partial of the order page): state, components, SKUs."""
    order = get_owned_or_404(Order.objects.all(), request.user, pk=pk)
    reconciled = (
        OrderSettlement.objects.filter(pk=order.pk)
        .reconciled()
        .only("pk", "tiktok_id", "currency", "sub_total", "shipping_fee", "status")
        .first()
    )
    transactions = (
        StatementTransaction.objects.filter(order=order)
        .select_related("statement")
        .defer("raw", "statement__raw")
        .order_by("statement__statement_time", "id")
    )
    skus = SkuTransaction.objects.filter(shop_id=order.shop_id, order_tiktok_id=order.tiktok_id)
    context = {
        "order": order,
        "reconciled": reconciled,
        "transactions": transactions,
        "skus": skus,
        "sku_days": settings.FINANCE_SKU_SETTLEMENT_DAYS,
    }
    return render_page(request, "finance/order_settlement.html", context)


@require_GET
def analytics_page(request: HttpRequest) -> HttpResponse:
    """GMV, net revenue, AOV, fee, refund, cancellation and late-shipment rates over time."""
    shops = list(visible_shops(request.user))
    form = AnalyticsForm(request.GET or None, shops=shops)
    context: dict[str, Any] = {
        "form": form,
        "tabs": TABS,
        "tab": "finance-analytics",
        "nav_section": "finance",
        "periods": PERIODS,
    }
    if form.is_valid() or not request.GET:
        chosen = form.cleaned_data if form.is_bound else {}
        picked = [s for s in shops if not chosen.get("shop") or s == chosen["shop"]]
        report = analytics(picked, period=chosen.get("period") or "day")
        context.update(report=report, finance_chart=report.chart_data(), figures=FIGURES)
    return render_page(request, "finance/analytics.html", context, partial="analytics")


# --- CSV exports --------------------------------------------------------------------------------


def _export(
    filterset: ListFilterSet,
    filename: str,
    header: Sequence[str],
    line: Callable[[Any], Sequence[Any]],
) -> HttpResponseBase:
    if not filterset.is_valid():
        return filter_errors_response(filterset.errors)
    rows = filterset.qs.select_related("shop").defer("raw").iterator(chunk_size=2000)
    return csv_response(filename, header, rows, line)


@require_GET
def statement_export(request: HttpRequest) -> HttpResponseBase:
    """The filtered statements as CSV, amounts with TikTok's signs."""
    zone = zone_name()
    return _export(
        _statements(request),
        "statements.csv",
        [
            "shop",
            "statement_id",
            f"statement_time ({zone})",
            "currency",
            "revenue",
            "fees_and_taxes",
            "shipping_cost",
            "adjustments",
            "settlement",
            "payment_status",
            "payment_id",
            "transactions_add_up",
        ],
        lambda s: [
            s.shop.name,
            s.tiktok_id,
            export_time(s.statement_time),
            s.currency,
            s.revenue_amount,
            s.fee_amount,
            s.shipping_cost_amount,
            s.adjustment_amount,
            s.settlement_amount,
            s.payment_status,
            s.payment_tiktok_id,
            "yes" if s.adds_up else ("no" if s.transactions_synced else "not mirrored yet"),
        ],
    )


@require_GET
def payment_export(request: HttpRequest) -> HttpResponseBase:
    """The filtered payments as CSV, with the sum of the statements each pays."""
    zone = zone_name()
    return _export(
        _payments(request),
        "payments.csv",
        [
            "shop",
            "payment_id",
            f"created ({zone})",
            f"paid ({zone})",
            "status",
            "currency",
            "amount",
            "statements",
            "statements_total",
            "bank_account",
        ],
        lambda p: [
            p.shop.name,
            p.tiktok_id,
            export_time(p.create_time),
            export_time(p.paid_time),
            p.status,
            p.currency,
            p.amount,
            p.statement_count,
            p.statements_total,
            p.bank_account,
        ],
    )


@require_GET
def withdrawal_export(request: HttpRequest) -> HttpResponseBase:
    """The filtered balance movements as CSV."""
    zone = zone_name()
    return _export(
        _withdrawals(request),
        "withdrawals.csv",
        ["shop", "withdrawal_id", f"created ({zone})", "type", "status", "currency", "amount"],
        lambda w: [
            w.shop.name,
            w.tiktok_id,
            export_time(w.create_time),
            w.type,
            w.status,
            w.currency,
            w.amount,
        ],
    )


@require_GET
def unsettled_export(request: HttpRequest) -> HttpResponseBase:
    """The filtered unsettled orders as CSV, TikTok's estimates with its signs."""
    zone = zone_name()
    return _export(
        _unsettled(request),
        "unsettled-orders.csv",
        [
            "shop",
            "order_id",
            f"order_created ({zone})",
            f"expected_settlement ({zone})",
            "currency",
            "est_revenue",
            "est_fees_and_taxes",
            "est_shipping_cost",
            "est_settlement",
        ],
        lambda u: [
            u.shop.name,
            u.tiktok_id,
            export_time(u.order_create_time),
            export_time(u.est_settlement_time),
            u.currency,
            u.est_revenue_amount,
            u.est_fee_tax_amount,
            u.est_shipping_cost_amount,
            u.est_settlement_amount,
        ],
    )


@require_GET
def difference_export(request: HttpRequest) -> HttpResponseBase:
    """The filtered differences as CSV: expected, settled and the difference per component."""
    zone = zone_name()
    return _export(
        _differences(request),
        "settlement-differences.csv",
        [
            "shop",
            "order_id",
            f"order_created ({zone})",
            f"settled ({zone})",
            "state",
            "component",
            "currency",
            "expected_revenue",
            "settled_revenue",
            "revenue_difference",
            "buyer_paid_shipping",
            "settled_buyer_paid_shipping",
            "shipping_difference",
            "settlement_vs_parts",
            "refunded_after_settlement",
        ],
        lambda o: [
            o.shop.name,
            o.tiktok_id,
            export_time(o.create_time),
            export_time(o.settled_at),
            o.state_label,
            o.component_label,
            o.currency,
            o.expected_revenue,
            o.settled_revenue,
            o.revenue_difference,
            o.shipping_fee,
            o.settled_paid_shipping,
            o.shipping_difference,
            o.settlement_difference,
            o.refunded_after,
        ],
    )
