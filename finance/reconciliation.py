"""Per-order reconciliation in PostgreSQL: what the order says against what TikTok settled.

Components compared (each difference is settled minus expected, in the order's currency):
- revenue: the order's subtotal (after the seller's discounts) less the subtotal of lines
  refunded (completed returns, successful cancellations) before the settling statement, against
  the settled `revenue_amount`;
- shipping: what the buyer paid for shipping (`shipping_fee`) against the settlement's
  `customer_paid_shipping_fee_amount` (compared only when TikTok sent that breakdown);
- settlement: the settlement against the sum of its parts (revenue + fees and taxes + shipping
  cost + adjustments, TikTok's documented formula).
States: not settled yet; settled and matching; settled with a difference; refunded after
settlement (a refund completed after the statement; TikTok takes it back in a later one).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Abs, Coalesce

from orders.models import Order, OrderStatus


class State(models.TextChoices):
    UNSETTLED = "unsettled", "Not settled yet"
    MATCHING = "matching", "Settled, matching"
    DIFFERENCE = "difference", "Settled with a difference"
    REFUNDED_AFTER = "refunded_after", "Refunded after settlement"


class Component(models.TextChoices):
    REVENUE = "revenue", "Revenue"
    SHIPPING = "shipping", "Buyer-paid shipping"
    SETTLEMENT = "settlement", "Settlement vs its parts"


MONEY: models.DecimalField = models.DecimalField(max_digits=16, decimal_places=2)
ZERO = Value(0, output_field=MONEY)

# Per settled order: the sums of its ORDER transactions, its first statement's time, and the
# subtotal of lines refunded before and after that time. One set-based view (migration
# 0002): a grouped pass over the transactions, joined once to the orders, instead of a
# correlated subquery per order and amount.
SETTLEMENT_SUMS_VIEW = """
create or replace view finance_ordersettlementsums as
with tx as (
    select t.order_id,
           min(s.statement_time) as settled_at,
           sum(t.revenue_amount) as settled_revenue,
           sum(t.fee_tax_amount) as settled_fee,
           sum(t.shipping_cost_amount) as settled_shipping,
           sum(t.adjustment_amount) as settled_adjustment,
           sum(t.settlement_amount) as settled_amount,
           sum(t.customer_paid_shipping_amount) as settled_paid_shipping,
           sum(coalesce(t.revenue_amount, 0) + coalesce(t.fee_tax_amount, 0)
               + coalesce(t.shipping_cost_amount, 0) + coalesce(t.adjustment_amount, 0))
               as settled_parts
    from finance_statementtransaction t
    join finance_statement s on s.id = t.statement_id
    where t.type = 'ORDER' and t.order_id is not null
    group by t.order_id
),
refunds as (
    select a.order_id, a.update_time, sum(ol.sale_price) as amount
    from (select order_id, lines, update_time from fulfillment_return
          where status = 'RETURN_OR_REFUND_REQUEST_COMPLETE' and order_id is not null
          union all
          select order_id, lines, update_time from fulfillment_cancellation
          where status = 'CANCELLATION_REQUEST_SUCCESS' and order_id is not null) a
    cross join lateral jsonb_array_elements(a.lines) l
    join orders_orderline ol
      on ol.order_id = a.order_id and ol.tiktok_id = l ->> 'order_line_item_id'
    group by a.order_id, a.update_time
)
select tx.order_id, tx.settled_at, tx.settled_revenue, tx.settled_fee, tx.settled_shipping,
       tx.settled_adjustment, tx.settled_amount, tx.settled_paid_shipping, tx.settled_parts,
       coalesce(sum(r.amount) filter (where r.update_time < tx.settled_at), 0)
           as refunded_before,
       coalesce(sum(r.amount) filter (where r.update_time >= tx.settled_at), 0)
           as refunded_after
from tx
left join refunds r on r.order_id = tx.order_id
group by tx.order_id, tx.settled_at, tx.settled_revenue, tx.settled_fee, tx.settled_shipping,
         tx.settled_adjustment, tx.settled_amount, tx.settled_paid_shipping, tx.settled_parts
"""


class OrderSettlementSums(models.Model):
    """A row of the view above: how one settled order settled, summed (read-only)."""

    order = models.OneToOneField(
        Order,
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="settlement_sums",
    )
    settled_at = models.DateTimeField(null=True)
    settled_revenue = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    settled_fee = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    settled_shipping = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    settled_adjustment = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    settled_amount = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    settled_paid_shipping = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    settled_parts = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    refunded_before = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    refunded_after = models.DecimalField(max_digits=16, decimal_places=2, null=True)

    class Meta:
        managed = False
        db_table = "finance_ordersettlementsums"

    def __str__(self) -> str:
        return f"settlement of order {self.pk}"


SUMS = (
    "settled_at",
    "settled_revenue",
    "settled_fee",
    "settled_shipping",
    "settled_adjustment",
    "settled_amount",
    "settled_paid_shipping",
    "settled_parts",
)


class OrderSettlementQuerySet(models.QuerySet):
    def reconciled(self) -> OrderSettlementQuerySet:
        """Orders that became sales, each with expected and settled amounts, differences, state."""
        queryset = self.exclude(status__in=(OrderStatus.UNPAID, OrderStatus.CANCELLED)).annotate(
            **{name: F(f"settlement_sums__{name}") for name in SUMS},
            refunded_before=Coalesce(F("settlement_sums__refunded_before"), ZERO),
            refunded_after=Coalesce(F("settlement_sums__refunded_after"), ZERO),
        )
        queryset = queryset.annotate(
            expected_revenue=Coalesce(F("sub_total"), ZERO) - F("refunded_before"),
        ).annotate(
            revenue_difference=Case(
                When(settled_at__isnull=True, then=ZERO),
                default=Coalesce(F("settled_revenue"), ZERO) - F("expected_revenue"),
                output_field=MONEY,
            ),
            shipping_difference=Case(
                When(Q(settled_at__isnull=True) | Q(settled_paid_shipping__isnull=True), then=ZERO),
                default=F("settled_paid_shipping") - Coalesce(F("shipping_fee"), ZERO),
                output_field=MONEY,
            ),
            settlement_difference=Case(
                When(settled_at__isnull=True, then=ZERO),
                default=Coalesce(F("settled_amount"), ZERO) - F("settled_parts"),
                output_field=MONEY,
            ),
        )
        return queryset.annotate(
            difference=F("revenue_difference")
            + F("shipping_difference")
            + F("settlement_difference"),
            difference_size=Abs(F("revenue_difference"))
            + Abs(F("shipping_difference"))
            + Abs(F("settlement_difference")),
            state=Case(
                When(settled_at__isnull=True, then=Value(State.UNSETTLED)),
                When(
                    ~Q(revenue_difference=0)
                    | ~Q(shipping_difference=0)
                    | ~Q(settlement_difference=0),
                    then=Value(State.DIFFERENCE),
                ),
                When(refunded_after__gt=0, then=Value(State.REFUNDED_AFTER)),
                default=Value(State.MATCHING),
                output_field=models.CharField(),
            ),
            component=Case(
                When(~Q(revenue_difference=0), then=Value(Component.REVENUE)),
                When(~Q(shipping_difference=0), then=Value(Component.SHIPPING)),
                When(~Q(settlement_difference=0), then=Value(Component.SETTLEMENT)),
                default=Value(""),
                output_field=models.CharField(),
            ),
        )

    def with_difference(self) -> OrderSettlementQuerySet:
        """Settled orders whose settlement does not match the order."""
        return self.reconciled().filter(state=State.DIFFERENCE)


class OrderSettlement(Order):
    """An order seen from finance: how it settled against what it says (a proxy of Order)."""

    objects = OrderSettlementQuerySet.as_manager()  # type: ignore[assignment,misc]

    class Meta:
        proxy = True
        ordering = ["-create_time", "-id"]
        verbose_name = "order settlement"

    @property
    def state_label(self) -> str:
        return State(getattr(self, "state", State.UNSETTLED)).label

    @property
    def component_label(self) -> str:
        value = getattr(self, "component", "")
        return Component(value).label if value else ""
