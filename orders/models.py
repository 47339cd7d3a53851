"""The mirrored orders: status, times, payment, masked recipient, flags, and one line per unit."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone

from catalog.models import Sku
from shops.models import MirroredModel, Shop
from shops.search import matching_any


class OrderStatus(models.TextChoices):
    UNPAID = "UNPAID", "Unpaid"
    ON_HOLD = "ON_HOLD", "On hold"
    AWAITING_SHIPMENT = "AWAITING_SHIPMENT", "Awaiting shipment"
    PARTIALLY_SHIPPING = "PARTIALLY_SHIPPING", "Partially shipped"
    AWAITING_COLLECTION = "AWAITING_COLLECTION", "Awaiting collection"
    IN_TRANSIT = "IN_TRANSIT", "In transit"
    DELIVERED = "DELIVERED", "Delivered"
    COMPLETED = "COMPLETED", "Completed"
    CANCELLED = "CANCELLED", "Cancelled"


# Statuses in which the seller still has to ship something.
TO_SHIP = (OrderStatus.AWAITING_SHIPMENT, OrderStatus.PARTIALLY_SHIPPING)


class OrderQuerySet(models.QuerySet):
    def for_shops(self, shops) -> OrderQuerySet:
        return self.filter(shop__in=shops)

    def awaiting_shipment(self) -> OrderQuerySet:
        return self.filter(status__in=TO_SHIP)

    def created_between(self, start: datetime | None, end: datetime | None) -> OrderQuerySet:
        """Orders created in [start, end)."""
        queryset = self
        if start is not None:
            queryset = queryset.filter(create_time__gte=start)
        if end is not None:
            queryset = queryset.filter(create_time__lt=end)
        return queryset

    def search(self, text: str) -> OrderQuerySet:
        """An exact order id, a seller SKU prefix on a line, or part of the buyer's name."""
        text = text.strip()
        if not text:
            return self
        if text.isdigit():
            return self.filter(tiktok_id=text)
        # Two index-served ways as branches of a union, where an OR across the lines would
        # read every order: a seller-SKU prefix on a line, and the buyer's names (an OR of two
        # trigram indexes of the order, which PostgreSQL reads as one bitmap).
        return matching_any(
            self,
            [
                models.Q(
                    pk__in=OrderLine.objects.filter(seller_sku__startswith=text).values("order_id")
                ),
                models.Q(recipient_name__icontains=text) | models.Q(buyer_nickname__icontains=text),
            ],
        )


class Order(MirroredModel):
    """A buyer's order as TikTok last told us, with its raw JSON kept for support."""

    Status = OrderStatus

    status = models.CharField(max_length=32, choices=OrderStatus.choices, blank=True)
    create_time = models.DateTimeField(null=True, blank=True)
    update_time = models.DateTimeField(null=True, blank=True)
    paid_time = models.DateTimeField(null=True, blank=True)
    rts_time = models.DateTimeField(null=True, blank=True)
    ship_by = models.DateTimeField(
        null=True, blank=True, help_text="TikTok's deadline to ship (rts_sla_time)."
    )
    collection_time = models.DateTimeField(null=True, blank=True)
    delivery_time = models.DateTimeField(null=True, blank=True)
    cancel_time = models.DateTimeField(null=True, blank=True)
    request_cancel_time = models.DateTimeField(null=True, blank=True)
    currency = models.CharField(max_length=8, blank=True)
    sub_total = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    shipping_fee = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    seller_discount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    platform_discount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    tax = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    total_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    original_product_price = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True
    )
    original_shipping_fee = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True
    )
    shipping_type = models.CharField(max_length=16, blank=True)
    fulfillment_type = models.CharField(max_length=40, blank=True)
    delivery_option_name = models.CharField(max_length=255, blank=True)
    shipping_provider = models.CharField(max_length=255, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)
    warehouse_tiktok_id = models.CharField(max_length=32, blank=True)
    buyer_user_id = models.CharField(max_length=64, blank=True)
    buyer_nickname = models.CharField(max_length=255, blank=True)
    buyer_message = models.TextField(blank=True)
    # TikTok masks the phone and trims the address; we keep only what the pages show.
    recipient_name = models.CharField(max_length=255, blank=True)
    recipient_phone = models.CharField(max_length=64, blank=True)
    recipient_region_code = models.CharField(max_length=8, blank=True)
    recipient_city = models.CharField(max_length=255, blank=True)
    recipient_postal_code = models.CharField(max_length=32, blank=True)
    is_on_hold_order = models.BooleanField(default=False)
    is_buyer_request_cancel = models.BooleanField(default=False)
    is_cod = models.BooleanField(default=False)
    cancel_reason = models.CharField(max_length=255, blank=True)
    cancellation_initiator = models.CharField(max_length=16, blank=True)
    line_count = models.PositiveIntegerField(default=0)

    objects = OrderQuerySet.as_manager()

    class Meta(MirroredModel.Meta):
        ordering = ["-create_time", "-id"]
        indexes = [
            models.Index(fields=["tiktok_id"], name="order_tiktok_id"),
            models.Index(fields=["-create_time", "-id"], name="order_created"),
            models.Index(fields=["shop", "-create_time", "-id"], name="order_shop_created"),
            models.Index(fields=["status", "-create_time", "-id"], name="order_status_created"),
            models.Index(
                fields=["shop", "status", "-create_time", "-id"], name="order_shop_status_created"
            ),
            models.Index(fields=["shop", "ship_by"], name="order_shop_ship_by"),
            models.Index(fields=["shop", "-update_time"], name="order_shop_updated"),
            # The dashboard's "to ship" counts read only the orders still to ship.
            models.Index(
                fields=["shop", "ship_by"],
                condition=models.Q(status__in=TO_SHIP),
                name="order_to_ship_by",
            ),
            # Substring search on the buyer (icontains is UPPER(col) LIKE '%X%').
            GinIndex(
                OpClass(Upper("recipient_name"), name="gin_trgm_ops"), name="order_recipient_trgm"
            ),
            GinIndex(
                OpClass(Upper("buyer_nickname"), name="gin_trgm_ops"), name="order_nickname_trgm"
            ),
        ]

    def __str__(self) -> str:
        return self.tiktok_id

    @property
    def in_buyer_cancel_window(self) -> bool:
        """On hold: the buyer may still cancel without the seller's approval."""
        return self.status == OrderStatus.ON_HOLD

    @property
    def must_ship(self) -> bool:
        return self.status in TO_SHIP

    @property
    def ship_by_left(self) -> timedelta | None:
        """Time left to ship (negative when late); None when nothing is left to ship."""
        if not self.must_ship or self.ship_by is None:
            return None
        return self.ship_by - timezone.now()

    @property
    def ship_by_state(self) -> str:
        """late, due (within a day), or ok — for the countdown's colour."""
        left = self.ship_by_left
        if left is None:
            return ""
        if left.total_seconds() < 0:
            return "late"
        return "due" if left < timedelta(days=1) else "ok"

    def timeline(self) -> list[tuple[str, datetime]]:
        """What happened to the order and when, oldest first."""
        steps = [
            ("Placed", self.create_time),
            ("Paid", self.paid_time),
            ("Buyer asked to cancel", self.request_cancel_time),
            ("Shipped", self.rts_time),
            ("Collected by carrier", self.collection_time),
            ("Delivered", self.delivery_time),
            ("Cancelled", self.cancel_time),
        ]
        return sorted(((label, when) for label, when in steps if when), key=lambda s: s[1])


class OrderLine(models.Model):
    """One unit of one SKU in an order (TikTok sends three units as three lines).

    The links carry no foreign-key constraint in PostgreSQL: checking three of them for every
    line was a seventh of a page's write time (about 60 of 450 µs an order; each check locks
    the row it points at). The one statement that writes lines (`orders.mirror`) takes the
    order from the upsert it runs, the shop from that order's and the SKU from a lookup in the
    same statement; SKUs are never deleted by the mirror, only marked so; and every delete goes
    through the ORM, which still deletes an order's lines with it and unlinks a deleted SKU's.
    """

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="lines", db_constraint=False
    )
    tiktok_id = models.CharField(max_length=32)
    sku = models.ForeignKey(
        Sku,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="order_lines",
        db_constraint=False,
    )
    sku_tiktok_id = models.CharField(max_length=32, blank=True)
    product_tiktok_id = models.CharField(max_length=32, blank=True)
    product_name = models.CharField(max_length=500, blank=True)
    sku_name = models.CharField(max_length=255, blank=True)
    # C collation: the btree index then serves exact and prefix (LIKE 'X%') searches.
    seller_sku = models.CharField(max_length=100, blank=True, db_collation="C")
    sku_image = models.URLField(max_length=1000, blank=True)
    currency = models.CharField(max_length=8, blank=True)
    original_price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    sale_price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    seller_discount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    platform_discount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    display_status = models.CharField(max_length=32, blank=True)
    package_tiktok_id = models.CharField(max_length=32, blank=True)
    package_status = models.CharField(max_length=32, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)
    shipping_provider_name = models.CharField(max_length=255, blank=True)
    is_gift = models.BooleanField(default=False)
    cancel_reason = models.CharField(max_length=255, blank=True)
    # A bundle's parts as TikTok sent them (`sub_item_info[]`); empty for an ordinary line.
    sub_items = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["order", "id"]
        indexes = [
            # Covering: a SKU search reads its orders' ids from the index alone.
            models.Index(
                fields=["seller_sku"], name="order_line_seller_sku_prefix", include=["order"]
            ),
        ]

    def __str__(self) -> str:
        return f"{self.seller_sku or self.sku_tiktok_id} in {self.order_id}"
