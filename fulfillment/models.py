"""The mirrored after-order work: packages, returns with their lines, cancellations."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from orders.models import Order
from shops.models import MirroredModel

# TikTok's values (contract §9), in the seller's words.
RETURN_STATUSES = [
    ("RETURN_OR_REFUND_REQUEST_PENDING", "Request pending: your decision"),
    ("REFUND_OR_RETURN_REQUEST_REJECT", "Request rejected"),
    ("AWAITING_BUYER_SHIP", "Waiting for the buyer to ship"),
    ("BUYER_SHIPPED_ITEM", "Buyer shipped the item"),
    ("REJECT_RECEIVE_PACKAGE", "Returned package refused"),
    ("RETURN_OR_REFUND_REQUEST_SUCCESS", "Request approved"),
    ("RETURN_OR_REFUND_REQUEST_CANCEL", "Cancelled by the buyer"),
    ("RETURN_OR_REFUND_REQUEST_COMPLETE", "Completed"),
    ("REPLACEMENT_REQUEST_PENDING", "Replacement pending: your decision"),
    ("REPLACEMENT_REQUEST_REJECT", "Replacement rejected"),
    ("REPLACEMENT_REQUEST_REFUND_SUCCESS", "Replacement refunded"),
    ("REPLACEMENT_REQUEST_CANCEL", "Replacement cancelled"),
    ("REPLACEMENT_REQUEST_COMPLETE", "Replacement completed"),
    ("AWAITING_BUYER_RESPONSE", "Waiting for the buyer's answer"),
]
CANCELLATION_STATUSES = [
    ("CANCELLATION_REQUEST_PENDING", "Request pending: your decision"),
    ("CANCELLATION_REQUEST_SUCCESS", "Cancelled"),
    ("CANCELLATION_REQUEST_CANCELLED", "Withdrawn"),
    ("CANCELLATION_REQUEST_COMPLETE", "Completed"),
]
# Waiting for the seller: a next step with a deadline (the dashboard's and the list's filter).
WAITING = models.Q(deadline__isnull=False) & ~models.Q(next_action="")


class Package(MirroredModel):
    """A parcel of one or more orders' lines (the lines name it by its TikTok id)."""

    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="packages"
    )
    order_tiktok_id = models.CharField(max_length=32, blank=True)
    order_tiktok_ids = models.JSONField(default=list, blank=True)
    line_item_ids = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=32, blank=True)
    sub_status = models.CharField(max_length=64, blank=True)
    create_time = models.DateTimeField(null=True, blank=True)
    update_time = models.DateTimeField(null=True, blank=True)
    shipping_type = models.CharField(max_length=16, blank=True)
    handover_method = models.CharField(max_length=16, blank=True)
    shipping_provider_name = models.CharField(max_length=255, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)

    class Meta(MirroredModel.Meta):
        ordering = ["-create_time", "-id"]
        indexes = [
            models.Index(fields=["-create_time", "-id"], name="package_created"),
            models.Index(fields=["shop", "-create_time", "-id"], name="package_shop_created"),
            models.Index(
                fields=["shop", "status", "-create_time", "-id"], name="package_shop_status"
            ),
            models.Index(fields=["status", "-create_time", "-id"], name="package_status_created"),
            models.Index(fields=["shop", "order_tiktok_id"], name="package_shop_order"),
            models.Index(fields=["tracking_number"], name="package_tracking"),
        ]

    def __str__(self) -> str:
        return self.tiktok_id


class AfterSale(MirroredModel):
    """What returns and cancellations share: the order, status, refund and the next deadline."""

    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="%(class)ss"
    )
    order_tiktok_id = models.CharField(max_length=32, blank=True)
    type = models.CharField(max_length=32, blank=True)
    status = models.CharField(max_length=64, blank=True)
    role = models.CharField(max_length=16, blank=True)
    reason = models.CharField(max_length=255, blank=True)
    reason_text = models.CharField(max_length=500, blank=True)
    currency = models.CharField(max_length=8, blank=True)
    refund_total = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    next_action = models.CharField(max_length=64, blank=True)
    deadline = models.DateTimeField(
        null=True, blank=True, help_text="When the seller's next action is due."
    )
    create_time = models.DateTimeField(null=True, blank=True)
    update_time = models.DateTimeField(null=True, blank=True)
    lines = models.JSONField(
        default=list, blank=True, help_text="The order lines covered, with their refunds."
    )

    class Meta(MirroredModel.Meta):
        abstract = True
        ordering = ["-create_time", "-id"]

    def __str__(self) -> str:
        return self.tiktok_id

    STATUS_WORDS: ClassVar[dict[str, str]] = {}

    @property
    def status_label(self) -> str:
        """TikTok's status in the seller's words (the enum as words if it is a new one)."""
        return self.STATUS_WORDS.get(self.status) or self.status.replace("_", " ").capitalize()

    @property
    def is_due(self) -> bool:
        return self.deadline is not None and bool(self.next_action)

    def deadline_passed(self, now: datetime) -> bool:
        return self.deadline is not None and self.deadline < now


class Return(AfterSale):
    """A buyer's return or refund request."""

    STATUS_WORDS = dict(RETURN_STATUSES)

    arbitration_status = models.CharField(max_length=32, blank=True)
    return_tracking_number = models.CharField(max_length=100, blank=True)

    class Meta(AfterSale.Meta):
        abstract = False
        indexes = [
            models.Index(fields=["-create_time", "-id"], name="return_created"),
            models.Index(fields=["shop", "-create_time", "-id"], name="return_shop_created"),
            models.Index(fields=["shop", "status", "-create_time"], name="return_shop_status"),
            models.Index(fields=["shop", "deadline"], name="return_shop_deadline"),
            models.Index(
                fields=["shop", "deadline"], condition=WAITING, name="return_waiting_deadline"
            ),
            models.Index(fields=["shop", "order_tiktok_id"], name="return_shop_order"),
        ]


class Cancellation(AfterSale):
    """A request to cancel (part of) an order, by the buyer, the seller or the platform."""

    STATUS_WORDS = dict(CANCELLATION_STATUSES)

    class Meta(AfterSale.Meta):
        abstract = False
        indexes = [
            models.Index(fields=["-create_time", "-id"], name="cancel_created"),
            models.Index(fields=["shop", "-create_time", "-id"], name="cancel_shop_created"),
            models.Index(fields=["shop", "status", "-create_time"], name="cancel_shop_status"),
            models.Index(fields=["shop", "deadline"], name="cancel_shop_deadline"),
            models.Index(
                fields=["shop", "deadline"], condition=WAITING, name="cancel_waiting_deadline"
            ),
            models.Index(fields=["shop", "order_tiktok_id"], name="cancel_shop_order"),
        ]


class RestockRule(models.Model):
    """Per shop, off by default: returned or cancelled units become a draft stock change set."""

    shop = models.OneToOneField("shops.Shop", on_delete=models.CASCADE, related_name="restock_rule")
    enabled = models.BooleanField(default=False)
    warehouse_id = models.CharField(
        max_length=32, blank=True, help_text="TikTok id of the warehouse the units go back to."
    )
    enabled_at = models.DateTimeField(
        default=timezone.now,
        help_text="When the rule was last turned on: requests finished before make no draft.",
    )

    def __str__(self) -> str:
        return f"Restock rule of {self.shop}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        was_on = RestockRule.objects.filter(pk=self.pk, enabled=True).exists() if self.pk else False
        if self.enabled and not was_on:
            self.enabled_at = timezone.now()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "enabled_at"}
        super().save(*args, **kwargs)


class RestockRecord(models.Model):
    """One request's restock draft: made once, by whichever path saw the request finish first."""

    shop = models.ForeignKey("shops.Shop", on_delete=models.CASCADE, related_name="+")
    family = models.CharField(max_length=8, choices=[("return", "Return"), ("cancel", "Cancel")])
    request_tiktok_id = models.CharField(max_length=32)
    change_set = models.ForeignKey(
        "catalog.ChangeSet", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "family", "request_tiktok_id"], name="restock_once_per_request"
            )
        ]

    def __str__(self) -> str:
        return f"Restock of {self.family} {self.request_tiktok_id}"


class ShipBatch(models.Model):
    """Packages chosen together to ship with TikTok shipping, and how they are handed over."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft (not sent)"
        SENT = "sent", "Sent"

    class Handover(models.TextChoices):
        PICKUP = "PICKUP", "Pickup by the carrier"
        DROP_OFF = "DROP_OFF", "Drop-off at a carrier point"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    selection = models.CharField(
        max_length=2000, blank=True, help_text="The filter the packages were chosen with."
    )
    handover_method = models.CharField(max_length=8, choices=Handover.choices, blank=True)
    pickup_start = models.DateTimeField(null=True, blank=True)
    pickup_end = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Ship batch {self.pk}"


class ShipBatchPackage(models.Model):
    """One package of a batch: held back (and why) or sent by a command with its outcome."""

    batch = models.ForeignKey(ShipBatch, on_delete=models.CASCADE, related_name="entries")
    shop = models.ForeignKey("shops.Shop", on_delete=models.CASCADE, related_name="+")
    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="batch_entries")
    position = models.PositiveIntegerField(default=0)
    held_reason = models.CharField(max_length=255, blank=True)
    command = models.ForeignKey(
        "shops.Command", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["batch", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "package"], name="one_entry_per_package")
        ]
        indexes = [models.Index(fields=["package", "batch"], name="batchpkg_package")]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.package_id}"


DOCUMENT_TYPES = [
    ("SHIPPING_LABEL", "Shipping label"),
    ("PACKING_SLIP", "Packing slip"),
    ("SHIPPING_LABEL_AND_PACKING_SLIP", "Label and packing slip"),
]
DOCUMENT_SIZES = [("A6", "A6 / 4×6 in"), ("A5", "A5")]


class PackageDocument(models.Model):
    """TikTok's PDF for one shipped package, stored (TikTok's link expires after 24 hours)."""

    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="documents")
    document_type = models.CharField(max_length=40, choices=DOCUMENT_TYPES)
    size = models.CharField(max_length=4, choices=DOCUMENT_SIZES)
    file = models.FileField(upload_to="fulfillment/packages/%Y/%m/", max_length=255)
    pages = models.PositiveIntegerField(default=0)
    tracking_number = models.CharField(max_length=100, blank=True)
    fetched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["package", "document_type", "size"], name="one_document_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.document_type} {self.package_id}"


class PrintJob(models.Model):
    """One PDF for printing: labels / slips merged in the chosen order, or a pick list."""

    class Kind(models.TextChoices):
        SHIPPING_LABEL = "SHIPPING_LABEL", "Shipping labels"
        PACKING_SLIP = "PACKING_SLIP", "Packing slips"
        SHIPPING_LABEL_AND_PACKING_SLIP = "SHIPPING_LABEL_AND_PACKING_SLIP", "Labels and slips"
        PICK_LIST = "PICK_LIST", "Pick list"

    class Sort(models.TextChoices):
        SKU = "sku", "By SKU"
        SHIP_BY = "ship_by", "By ship-by"
        ORDER = "order", "By order"

    class Status(models.TextChoices):
        BUILDING = "building", "Building"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    batch = models.ForeignKey(
        ShipBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="print_jobs"
    )
    packages = models.ManyToManyField(Package, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=40, choices=Kind.choices)
    size = models.CharField(max_length=4, choices=DOCUMENT_SIZES, default="A6")
    order_by = models.CharField(max_length=8, choices=Sort.choices, default=Sort.SKU)
    reverse = models.BooleanField(default=False)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.BUILDING)
    file = models.FileField(upload_to="fulfillment/print/%Y/%m/", max_length=255, blank=True)
    pages = models.PositiveIntegerField(default=0)
    page_map = models.JSONField(
        default=list, blank=True, help_text="The package id printed on each page, in order."
    )
    failures = models.JSONField(
        default=list, blank=True, help_text="Packages whose document TikTok did not give, and why."
    )
    downloads = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk}"
