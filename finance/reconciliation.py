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
from django.db.models.expressions import RawSQL
from django.db.models.functions import Abs, Coalesce

from orders.models import Order, OrderStatus

REFUNDED_STATUSES = ("RETURN_OR_REFUND_REQUEST_COMPLETE", "CANCELLATION_REQUEST_SUCCESS")


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

# The order's settling transactions (ORDER rows; adjustments reference it separately).
_TX = """
    from finance_statementtransaction t
    where t.order_id = orders_order.id and t.type = 'ORDER'
"""
_SETTLED_AT = f"""
    (select min(s.statement_time) from finance_statement s
     where s.id in (select t.statement_id {_TX}))
"""  # noqa: S608 (constant text, no input)


def _tx_sum(expression: str) -> RawSQL:
    return RawSQL(f"(select sum({expression}) {_TX})", [], output_field=MONEY)  # noqa: S611


def _refunded(when: str) -> RawSQL:
    """Subtotal of the order's lines refunded before (or after) it settled."""
    sql = f"""
        (select coalesce(sum(ol.sale_price), 0)
         from (select r.lines, r.update_time from fulfillment_return r
               where r.order_id = orders_order.id and r.status = any(%s)
               union all
               select c.lines, c.update_time from fulfillment_cancellation c
               where c.order_id = orders_order.id and c.status = any(%s)) a
         cross join lateral jsonb_array_elements(a.lines) l
         join orders_orderline ol
           on ol.order_id = orders_order.id and ol.tiktok_id = l ->> 'order_line_item_id'
         where a.update_time {when} {_SETTLED_AT})
    """  # noqa: S608 (constant text; `when` is "<" or ">=")
    statuses = list(REFUNDED_STATUSES)
    return RawSQL(sql, [statuses, statuses], output_field=MONEY)  # noqa: S611


class OrderSettlementQuerySet(models.QuerySet):
    def reconciled(self) -> OrderSettlementQuerySet:
        """Orders that became sales, each with expected and settled amounts, differences, state."""
        queryset = self.exclude(status__in=(OrderStatus.UNPAID, OrderStatus.CANCELLED)).annotate(
            settled_at=RawSQL(_SETTLED_AT, [], output_field=models.DateTimeField()),  # noqa: S611
            settled_revenue=_tx_sum("t.revenue_amount"),
            settled_fee=_tx_sum("t.fee_tax_amount"),
            settled_shipping=_tx_sum("t.shipping_cost_amount"),
            settled_adjustment=_tx_sum("t.adjustment_amount"),
            settled_amount=_tx_sum("t.settlement_amount"),
            settled_paid_shipping=_tx_sum("t.customer_paid_shipping_amount"),
            settled_parts=_tx_sum(
                "coalesce(t.revenue_amount, 0) + coalesce(t.fee_tax_amount, 0)"
                " + coalesce(t.shipping_cost_amount, 0) + coalesce(t.adjustment_amount, 0)"
            ),
            refunded_before=_refunded("<"),
            refunded_after=_refunded(">="),
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
