"""The finance mirror against a sandbox: statements add up, reconciliation finds what was seeded."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Max, Sum

from finance.models import (
    OrderSettlement,
    Payment,
    SkuTransaction,
    Statement,
    StatementTransaction,
    UnsettledOrder,
    Withdrawal,
)
from finance.reconciliation import Component, State
from shops.gateway import client_for_shop
from shops.models import SyncRun
from tests.finance.conftest import FINANCE, run
from tiktok.client import GET_WITHDRAWALS
from tiktok.errors import ApiError
from tiktok.sandbox.endpoints.finance import seeded_differences

pytestmark = pytest.mark.django_db


def _every_statement_is_mirrored_with_transactions_summing_to_its_header(mirrored):
    handle, shop = mirrored
    with handle.state.lock:
        sandbox_shop = next(s for s in handle.state.world.shops if s.id == shop.tiktok_id)
        seeded = seeded_differences(sandbox_shop, handle.state.now())
    statements = Statement.objects.filter(shop=shop).with_sums()
    assert statements.count() > 30
    assert all(s.transactions_synced for s in statements)
    for s in statements:
        sums = StatementTransaction.objects.filter(statement=s).aggregate(
            settlement=Sum("settlement_amount"), revenue=Sum("revenue_amount")
        )
        assert s.tx_settlement == (sums["settlement"] or 0)
        assert s.tx_revenue == (sums["revenue"] or 0)
        assert s.transaction_count == StatementTransaction.objects.filter(statement=s).count()
        # The header itself follows TikTok's formula.
        assert s.settlement_amount == (
            s.revenue_amount + s.fee_amount + s.shipping_cost_amount + s.adjustment_amount
        )
    off = set(Statement.objects.filter(shop=shop).not_adding_up().values_list("tiktok_id", flat=1))
    assert seeded["statements"] and off == seeded["statements"]
    for s in statements.filter(tiktok_id__in=off):
        assert s.tx_fee - s.fee_amount == Decimal("1.00")
        assert s.tx_revenue == s.revenue_amount


def _reconciliation_finds_exactly_the_seeded_differences(mirrored):
    handle, shop = mirrored
    with handle.state.lock:
        sandbox_shop = next(s for s in handle.state.world.shops if s.id == shop.tiktok_id)
        seeded = seeded_differences(sandbox_shop, handle.state.now())
    assert seeded["revenue"] and seeded["shipping"]
    found = OrderSettlement.objects.filter(shop=shop).with_difference()
    by_component: dict[str, set[str]] = {}
    for order in found:
        by_component.setdefault(order.component, set()).add(order.tiktok_id)
    assert by_component == {
        Component.REVENUE: seeded["revenue"],
        Component.SHIPPING: seeded["shipping"],
    }
    for order in found.filter(tiktok_id__in=seeded["revenue"]):
        assert order.revenue_difference == Decimal("-1.00")
    states = Counter(o.state for o in OrderSettlement.objects.filter(shop=shop).reconciled())
    assert states[State.MATCHING] > 50 and states[State.UNSETTLED] > 0, states
    # Returns refunded before settlement were taken off the revenue, and match.
    refunded = OrderSettlement.objects.filter(shop=shop).reconciled().filter(refunded_before__gt=0)
    assert refunded.exists()
    assert {o.state for o in refunded} <= {State.MATCHING, State.DIFFERENCE}


def _payments_unsettled_and_sku_settlements(mirrored):
    _handle, shop = mirrored
    payments = Payment.objects.filter(shop=shop)
    assert payments.exists()
    for payment in payments:
        linked = payment.statements.aggregate(total=Sum("settlement_amount"))["total"]
        assert linked == payment.amount, payment.tiktok_id
    assert not Statement.objects.filter(shop=shop, payment__isnull=True, payment_status="PAID")
    settled = StatementTransaction.objects.filter(shop=shop, type="ORDER")
    settled_orders = set(settled.values_list("order_tiktok_id", flat=True))
    # Per-SKU settlements only for the orders of the last FINANCE_SKU_SETTLEMENT_DAYS (30) of
    # the 60 days of statements: one call per order.
    latest = Statement.objects.filter(shop=shop).aggregate(t=Max("statement_time"))["t"]
    recent = set(
        settled.filter(statement__statement_time__gte=latest - timedelta(days=30)).values_list(
            "order_tiktok_id", flat=True
        )
    )
    assert recent and recent < settled_orders
    assert (
        set(SkuTransaction.objects.filter(shop=shop).values_list("order_tiktok_id", flat=True))
        == recent
    )
    for tx in settled.filter(order_tiktok_id__in=recent)[:40]:
        skus = SkuTransaction.objects.filter(shop=shop, order_tiktok_id=tx.order_tiktok_id)
        assert skus.aggregate(s=Sum("settlement_amount"))["s"] == tx.settlement_amount
    with pytest.raises(ApiError) as no_types:  # Get Withdrawals requires `types`
        client_for_shop(shop).call(GET_WITHDRAWALS, query={"page_size": 10})
    assert no_types.value.code == 36009004
    withdrawn = dict(Withdrawal.objects.filter(shop=shop).values_list("create_time", "amount"))
    assert withdrawn == dict(payments.values_list("create_time", "amount"))
    unsettled = UnsettledOrder.objects.filter(shop=shop)
    assert unsettled.exists()
    assert not unsettled.filter(tiktok_id__in=settled_orders).exists()


def _an_incremental_run_rereads_little_and_changes_nothing(mirrored):
    _handle, shop = mirrored
    before = list(
        StatementTransaction.objects.order_by("pk").values_list("pk", "settlement_amount")
    )
    again = {r: run(shop, r, SyncRun.Kind.INCREMENTAL) for r in FINANCE}
    assert all(r.status == SyncRun.Status.SUCCEEDED for r in again.values())
    # Two weeks of statements in one page, none of them re-read; nothing new per order.
    assert again["statements"].requests == 1
    assert again["order_settlements"].requests == 0
    assert again["withdrawals"].requests == 1
    after = list(StatementTransaction.objects.order_by("pk").values_list("pk", "settlement_amount"))
    assert after == before


def test_statements_add_up_and_reconciliation_finds_what_was_seeded(mirrored):
    _every_statement_is_mirrored_with_transactions_summing_to_its_header(mirrored)
    _reconciliation_finds_exactly_the_seeded_differences(mirrored)


def test_payments_unsettled_orders_sku_settlements_and_an_incremental_run(mirrored):
    _payments_unsettled_and_sku_settlements(mirrored)
    _an_incremental_run_rereads_little_and_changes_nothing(mirrored)
