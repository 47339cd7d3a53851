"""Each reconciliation state and component from hand-made rows (no sandbox)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from finance.models import OrderSettlement, Statement, StatementTransaction
from finance.reconciliation import Component, State
from tests.factories import make_order, make_return, make_shop

pytestmark = pytest.mark.django_db
D = Decimal


def settle(order, *, revenue: str, fee: str = "-2.00", paid_shipping: str | None = None, when=None):
    """One statement settling the order; its settlement is the sum of its parts."""
    when = when or order.create_time + timedelta(days=10)
    statement = Statement.objects.create(
        shop=order.shop, tiktok_id=f"s{order.pk}", statement_time=when, currency="USD"
    )
    return StatementTransaction.objects.create(
        shop=order.shop,
        tiktok_id=f"t{order.pk}",
        statement=statement,
        type="ORDER",
        order=order,
        order_tiktok_id=order.tiktok_id,
        currency="USD",
        revenue_amount=D(revenue),
        fee_tax_amount=D(fee),
        shipping_cost_amount=D(0),
        adjustment_amount=D(0),
        settlement_amount=D(revenue) + D(fee),
        customer_paid_shipping_amount=D(paid_shipping) if paid_shipping is not None else None,
    )


def reconciled(order):
    return OrderSettlement.objects.filter(pk=order.pk).reconciled().get()


def test_each_state_and_component():
    shop = make_shop()
    created = timezone.now() - timedelta(days=30)
    unsettled = make_order(shop, lines=1, created=created)
    matching = make_order(shop, lines=2, created=created, shipping_fee=D("5.99"))
    settle(matching, revenue="39.98", paid_shipping="5.99")
    short = make_order(shop, lines=1, created=created)
    settle(short, revenue="18.99")
    no_shipping = make_order(shop, lines=1, created=created, shipping_fee=D("5.99"))
    settle(no_shipping, revenue="19.99", paid_shipping="0.00")
    broken = make_order(shop, lines=1, created=created)
    tx = settle(broken, revenue="19.99")
    tx.settlement_amount += D("0.50")
    tx.save()
    cancelled = make_order(shop, lines=1, created=created, status="CANCELLED")

    assert reconciled(unsettled).state == State.UNSETTLED
    assert reconciled(matching).state == State.MATCHING
    assert not OrderSettlement.objects.filter(pk=cancelled.pk).reconciled().exists()
    for order, component, amount in (
        (short, Component.REVENUE, D("-1.00")),
        (no_shipping, Component.SHIPPING, D("-5.99")),
        (broken, Component.SETTLEMENT, D("0.50")),
    ):
        row = reconciled(order)
        assert (row.state, row.component, row.difference) == (State.DIFFERENCE, component, amount)
    listed = (
        OrderSettlement.objects.filter(shop=shop).with_difference().order_by("-difference_size")
    )
    assert [o.pk for o in listed] == [no_shipping.pk, short.pk, broken.pk]


def test_refunds_before_settlement_lower_the_revenue_and_after_it_are_flagged():
    shop = make_shop()
    created = timezone.now() - timedelta(days=30)
    settles = created + timedelta(days=10)
    before = make_order(shop, lines=2, created=created)
    line = before.lines.first()
    make_return(
        before,
        status="RETURN_OR_REFUND_REQUEST_COMPLETE",
        update_time=settles - timedelta(days=1),
        lines=[{"order_line_item_id": line.tiktok_id}],
    )
    settle(before, revenue="19.99", when=settles)
    after = make_order(shop, lines=1, created=created)
    make_return(
        after,
        status="RETURN_OR_REFUND_REQUEST_COMPLETE",
        update_time=settles + timedelta(days=1),
        lines=[{"order_line_item_id": after.lines.get().tiktok_id}],
    )
    settle(after, revenue="19.99", when=settles)
    pending = make_order(shop, lines=1, created=created)
    make_return(pending, lines=[{"order_line_item_id": pending.lines.get().tiktok_id}])
    settle(pending, revenue="19.99", when=settles)

    row = reconciled(before)
    assert (row.state, row.refunded_before, row.expected_revenue) == (
        State.MATCHING,
        D("19.99"),
        D("19.99"),
    )
    row = reconciled(after)
    assert (row.state, row.refunded_after, row.difference) == (
        State.REFUNDED_AFTER,
        D("19.99"),
        D("0.00"),
    )
    assert reconciled(pending).state == State.MATCHING  # a pending return refunds nothing
