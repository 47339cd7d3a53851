"""The mirrored money: daily statements, payouts, what each statement settled, per order and SKU.

Amounts are stored with their currency and with TikTok's signs (fees and shipping costs are
negative when they reduce what the seller gets); pages turn them into the seller's words.
"""

from __future__ import annotations

from django.db import models

from orders.models import Order
from shops.models import MirroredModel, Shop


class PaymentStatus(models.TextChoices):
    PAID = "PAID", "Paid"
    PROCESSING = "PROCESSING", "Processing"
    FAILED = "FAILED", "Failed"


class Payment(MirroredModel):
    """A payout of settled statements to the seller's bank account."""

    Status = PaymentStatus

    create_time = models.DateTimeField(null=True, blank=True)
    paid_time = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=PaymentStatus.choices, blank=True)
    currency = models.CharField(max_length=8, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    settlement_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    amount_before_exchange = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True
    )
    currency_before_exchange = models.CharField(max_length=8, blank=True)
    exchange_rate = models.DecimalField(max_digits=20, decimal_places=8, null=True, blank=True)
    bank_account = models.CharField(max_length=64, blank=True)

    class Meta(MirroredModel.Meta):
        ordering = ["-create_time", "-id"]
        indexes = [models.Index(fields=["shop", "-create_time"], name="payment_shop_created")]

    def __str__(self) -> str:
        return self.tiktok_id


class Withdrawal(MirroredModel):
    """A movement of the seller's TikTok balance (a withdrawal to the bank, a settle, ...)."""

    type = models.CharField(max_length=16, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=8, blank=True)
    status = models.CharField(max_length=16, blank=True)
    create_time = models.DateTimeField(null=True, blank=True)

    class Meta(MirroredModel.Meta):
        ordering = ["-create_time", "-id"]
        indexes = [models.Index(fields=["shop", "-create_time"], name="withdrawal_shop_created")]

    def __str__(self) -> str:
        return self.tiktok_id


class StatementQuerySet(models.QuerySet):
    def with_sums(self) -> StatementQuerySet:
        """Each statement with the sums of its mirrored transactions and whether they equal the
        header (TikTok: settlement = revenue + fee + shipping cost + adjustment, component by
        component), in one query."""
        rows = StatementTransaction.objects.filter(statement=models.OuterRef("pk")).order_by()

        def total(field: str) -> models.Subquery:
            return models.Subquery(
                rows.values("statement").annotate(s=models.Sum(field)).values("s")[:1],
                output_field=models.DecimalField(max_digits=16, decimal_places=2),
            )

        zero = models.Value(0, output_field=models.DecimalField(max_digits=16, decimal_places=2))
        queryset = self.annotate(
            tx_settlement=models.functions.Coalesce(total("settlement_amount"), zero),
            tx_revenue=models.functions.Coalesce(total("revenue_amount"), zero),
            tx_fee=models.functions.Coalesce(total("fee_tax_amount"), zero),
            tx_shipping=models.functions.Coalesce(total("shipping_cost_amount"), zero),
            tx_adjustment=models.functions.Coalesce(total("adjustment_amount"), zero),
        )
        return queryset.annotate(
            adds_up=models.ExpressionWrapper(
                models.Q(transactions_synced=True)
                & models.Q(tx_settlement=models.F("settlement_amount"))
                & models.Q(tx_revenue=models.F("revenue_amount"))
                & models.Q(tx_fee=models.F("fee_amount"))
                & models.Q(tx_shipping=models.F("shipping_cost_amount"))
                & models.Q(tx_adjustment=models.F("adjustment_amount")),
                output_field=models.BooleanField(),
            )
        )

    def not_adding_up(self) -> StatementQuerySet:
        """Statements whose transactions (all mirrored) do not sum to the header."""
        return self.with_sums().filter(transactions_synced=True, adds_up=False)


class Statement(MirroredModel):
    """A daily statement: what TikTok settled for a shop on one day, and its payout."""

    PaymentStatus = PaymentStatus

    statement_time = models.DateTimeField(null=True, blank=True)
    currency = models.CharField(max_length=8, blank=True)
    settlement_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    revenue_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    fee_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    adjustment_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    net_sales_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    shipping_cost_amount = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True
    )
    payment_status = models.CharField(max_length=16, choices=PaymentStatus.choices, blank=True)
    payment_tiktok_id = models.CharField(max_length=32, blank=True)
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.SET_NULL, related_name="statements"
    )
    payment_time = models.DateTimeField(null=True, blank=True)
    # Set once every transaction page of the statement was stored (the sums are complete).
    transactions_synced = models.BooleanField(default=False)
    transaction_count = models.PositiveIntegerField(null=True, blank=True)

    objects = StatementQuerySet.as_manager()

    class Meta(MirroredModel.Meta):
        ordering = ["-statement_time", "-id"]
        indexes = [
            models.Index(fields=["shop", "-statement_time"], name="statement_shop_time"),
            models.Index(fields=["-statement_time", "-id"], name="statement_time"),
            models.Index(fields=["shop", "payment_tiktok_id"], name="statement_shop_payment"),
        ]

    def __str__(self) -> str:
        return self.tiktok_id


class StatementTransaction(MirroredModel):
    """One order or adjustment a statement settled (202501 `transactions[]`)."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="transactions")
    type = models.CharField(max_length=64, blank=True)
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="settlements"
    )
    order_tiktok_id = models.CharField(max_length=32, blank=True)
    order_create_time = models.DateTimeField(null=True, blank=True)
    associated_order_id = models.CharField(max_length=32, blank=True)
    adjustment_id = models.CharField(max_length=32, blank=True)
    currency = models.CharField(max_length=8, blank=True)
    settlement_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    revenue_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    fee_tax_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    shipping_cost_amount = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True
    )
    adjustment_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    reserve_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    # From the breakdowns: what reconciliation compares with the order.
    subtotal_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    refund_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    customer_paid_shipping_amount = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True
    )
    revenue_breakdown = models.JSONField(default=dict, blank=True)
    shipping_cost_breakdown = models.JSONField(default=dict, blank=True)
    fee_breakdown = models.JSONField(default=dict, blank=True)
    tax_breakdown = models.JSONField(default=dict, blank=True)

    class Meta(MirroredModel.Meta):
        ordering = ["statement", "order_create_time", "id"]
        indexes = [
            models.Index(fields=["shop", "order_tiktok_id"], name="stmt_tx_shop_order"),
            models.Index(fields=["order"], name="stmt_tx_order"),
        ]

    def __str__(self) -> str:
        return self.tiktok_id


class SkuTransaction(models.Model):
    """How one SKU of an order settled in one statement (Get Transactions by Order)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="sku_settlements"
    )
    order_tiktok_id = models.CharField(max_length=32)
    statement_tiktok_id = models.CharField(max_length=32, blank=True)
    sku_tiktok_id = models.CharField(max_length=32, blank=True)
    sku_name = models.CharField(max_length=255, blank=True)
    product_name = models.CharField(max_length=500, blank=True)
    quantity = models.IntegerField(null=True, blank=True)
    currency = models.CharField(max_length=8, blank=True)
    settlement_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    revenue_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    fee_tax_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    shipping_cost_amount = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True
    )
    revenue_breakdown = models.JSONField(default=dict, blank=True)
    shipping_cost_breakdown = models.JSONField(default=dict, blank=True)
    fee_breakdown = models.JSONField(default=dict, blank=True)
    tax_breakdown = models.JSONField(default=dict, blank=True)
    synced_at = models.DateTimeField()

    class Meta:
        ordering = ["order_tiktok_id", "statement_tiktok_id", "sku_tiktok_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "order_tiktok_id", "statement_tiktok_id", "sku_tiktok_id"],
                name="one_sku_transaction",
            )
        ]

    def __str__(self) -> str:
        return f"{self.sku_tiktok_id} of {self.order_tiktok_id}"


class UnsettledOrder(MirroredModel):
    """An order TikTok has not settled yet, with its estimates (`est_*`); tiktok_id = order id."""

    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    order_create_time = models.DateTimeField(null=True, blank=True)
    currency = models.CharField(max_length=8, blank=True)
    est_settlement_amount = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True
    )
    est_revenue_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    est_fee_tax_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    est_shipping_cost_amount = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True
    )
    est_settlement_time = models.DateTimeField(null=True, blank=True)
    estimates = models.JSONField(default=dict, blank=True)

    class Meta(MirroredModel.Meta):
        ordering = ["order_create_time", "id"]
        indexes = [
            models.Index(fields=["shop", "order_create_time"], name="unsettled_shop_created"),
        ]

    def __str__(self) -> str:
        return self.tiktok_id


from finance.reconciliation import (  # noqa: E402  (registered here)
    OrderSettlement,
    OrderSettlementSums,
)

__all__ = [
    "OrderSettlement",
    "OrderSettlementSums",
    "Payment",
    "SkuTransaction",
    "Statement",
    "StatementTransaction",
    "UnsettledOrder",
    "Withdrawal",
]
