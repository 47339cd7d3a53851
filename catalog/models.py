"""The mirrored catalog: warehouses, products, SKUs with prices, and stock per SKU and warehouse."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models.functions import Upper

from shops.models import MirroredModel
from shops.search import matching_any


class Warehouse(MirroredModel):
    """A seller warehouse of one shop; SALES warehouses hold stock."""

    name = models.CharField(max_length=255, blank=True)
    type = models.CharField(max_length=32, blank=True)
    effect_status = models.CharField(max_length=32, blank=True)
    is_default = models.BooleanField(default=False)
    region_code = models.CharField(max_length=8, blank=True)

    class Meta(MirroredModel.Meta):
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name or self.tiktok_id


class ProductQuerySet(models.QuerySet):
    def for_shops(self, shops) -> ProductQuerySet:
        return self.filter(shop__in=shops)

    def live(self) -> ProductQuerySet:
        """Products still on TikTok (not deleted there)."""
        return self.filter(deleted_at__isnull=True)

    def search(self, text: str) -> ProductQuerySet:
        """Title contains the text (case-insensitive), or a seller SKU starts with it (exactly)."""
        text = text.strip()
        if not text:
            return self
        # Two index-served ways (trigram on the title, prefix on the seller SKU) as branches of
        # a union, where an OR across the SKUs would read every product.
        return matching_any(
            self,
            [
                models.Q(title__icontains=text),
                models.Q(
                    pk__in=Sku.objects.filter(seller_sku__startswith=text).values("product_id")
                ),
            ],
        )


class Product(MirroredModel):
    """A listing of one shop, with totals over its SKUs kept for fast lists."""

    class Status(models.TextChoices):
        DRAFT = "DRAFT", "Draft"
        PENDING = "PENDING", "In review"
        FAILED = "FAILED", "Review failed"
        ACTIVATE = "ACTIVATE", "Live"
        SELLER_DEACTIVATED = "SELLER_DEACTIVATED", "Deactivated by seller"
        PLATFORM_DEACTIVATED = "PLATFORM_DEACTIVATED", "Deactivated by TikTok"
        FREEZE = "FREEZE", "Frozen"
        DELETED = "DELETED", "Deleted"

    title = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=32, blank=True)
    audit_status = models.CharField(max_length=32, blank=True)
    category_id = models.CharField(max_length=32, blank=True)
    main_image_url = models.URLField(max_length=1000, blank=True)
    create_time = models.DateTimeField(null=True, blank=True)
    update_time = models.DateTimeField(null=True, blank=True)
    sku_count = models.PositiveIntegerField(default=0)
    stock_total = models.IntegerField(default=0)
    price_min = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    price_max = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=8, blank=True)
    deleted_at = models.DateTimeField(
        null=True, blank=True, help_text="When we learned TikTok no longer has the product."
    )

    objects = ProductQuerySet.as_manager()

    class Meta(MirroredModel.Meta):
        ordering = ["-update_time", "-id"]
        indexes = [
            models.Index(fields=["shop", "-update_time", "-id"], name="product_shop_updated"),
            models.Index(
                fields=["shop", "status", "-update_time", "-id"], name="product_shop_status"
            ),
            models.Index(fields=["-update_time", "-id"], name="product_updated"),
            # The API pages products newest first by creation (a time the sync never changes).
            models.Index(fields=["-create_time", "-id"], name="product_created"),
            models.Index(fields=["status", "-update_time", "-id"], name="product_status_updated"),
            models.Index(fields=["shop", "stock_total"], name="product_shop_stock"),
            # Substring search on the title (icontains is UPPER(col) LIKE '%X%').
            GinIndex(OpClass(Upper("title"), name="gin_trgm_ops"), name="product_title_trgm"),
        ]

    def __str__(self) -> str:
        return self.title or self.tiktok_id

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None or self.status == self.Status.DELETED

    @property
    def status_label(self) -> str:
        return dict(self.Status.choices).get(self.status, self.status.title() or "—")

    @property
    def listing_url(self) -> str:
        """The product's public page on TikTok (empty when not configured)."""
        pattern = settings.TIKTOK_PRODUCT_URL
        return pattern.replace("{product_id}", self.tiktok_id) if pattern else ""


class Sku(MirroredModel):
    """A sellable variant: price, list price, seller SKU and its stock total."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="skus")
    # C collation: the btree index then serves exact and prefix (LIKE 'X%') searches.
    seller_sku = models.CharField(max_length=100, blank=True, db_collation="C")
    name = models.CharField(max_length=255, blank=True)
    price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    tax_exclusive_price = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True
    )
    list_price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=8, blank=True)
    status = models.CharField(max_length=32, blank=True)
    stock_total = models.IntegerField(default=0)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta(MirroredModel.Meta):
        ordering = ["seller_sku", "id"]
        indexes = [
            # Covering: a SKU search reads its products' ids from the index alone.
            models.Index(fields=["seller_sku"], name="sku_seller_sku_prefix", include=["product"]),
            # The dashboard's out-of-stock and low-stock counts.
            models.Index(
                fields=["shop", "stock_total"],
                condition=models.Q(deleted_at__isnull=True),
                name="sku_live_stock",
            ),
        ]

    def __str__(self) -> str:
        return self.seller_sku or self.tiktok_id


class Inventory(models.Model):
    """Stock of one SKU in one warehouse."""

    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="inventory")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="+")
    quantity = models.IntegerField(default=0)

    class Meta:
        verbose_name_plural = "inventory"
        constraints = [
            models.UniqueConstraint(fields=["sku", "warehouse"], name="one_stock_per_warehouse")
        ]

    def __str__(self) -> str:
        return f"{self.sku} @ {self.warehouse}: {self.quantity}"


# --- change sets: bulk price and stock edits ----------------------------------------------------


class ChangeSetQuerySet(models.QuerySet):
    def visible_to(self, user) -> ChangeSetQuerySet:
        """Change sets touching only shops the user may see (one hidden shop hides the set)."""
        from shops.roles import is_admin

        if is_admin(user):
            return self
        hidden = ChangeRow.objects.filter(change_set=models.OuterRef("pk")).exclude(
            shop__members=user
        )
        return self.exclude(models.Exists(hidden))


class ChangeSet(models.Model):
    """A named set of price and/or stock changes, made by a person with a reason."""

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        PREVIEWED = "previewed", "Previewed"
        APPLYING = "applying", "Applying"
        APPLIED = "applied", "Applied"
        PARTLY_APPLIED = "partly_applied", "Partly applied"
        FAILED = "failed", "Failed"
        REVERTED = "reverted", "Reverted"

    name = models.CharField(max_length=200)
    reason = models.CharField(max_length=500)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.DRAFT)
    rule = models.JSONField(default=dict, blank=True, help_text="The rules the rows came from.")
    reverts = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reverted_by"
    )
    previewed_at = models.DateTimeField(null=True, blank=True)
    acknowledged = models.JSONField(
        default=list, blank=True, help_text="Warning groups the operator acknowledged."
    )
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ChangeSetQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_editable(self) -> bool:
        return self.state in (self.State.DRAFT, self.State.PREVIEWED)


class ChangeRow(models.Model):
    """One SKU's price, or one SKU-and-warehouse's stock: old → new, and TikTok's outcome."""

    class Field(models.TextChoices):
        PRICE = "price", "Price"
        STOCK = "stock", "Stock"

    class Outcome(models.TextChoices):
        PENDING = "pending", "Not sent yet"
        SENT = "sent", "Sent"
        APPLIED = "applied", "Applied"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"

    change_set = models.ForeignKey(ChangeSet, on_delete=models.CASCADE, related_name="rows")
    shop = models.ForeignKey("shops.Shop", on_delete=models.CASCADE, related_name="+")
    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="+")
    warehouse = models.ForeignKey(
        Warehouse, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    field = models.CharField(max_length=8, choices=Field.choices)
    currency = models.CharField(max_length=8, blank=True)
    old_price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    new_price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    old_list_price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    new_list_price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    old_quantity = models.IntegerField(null=True, blank=True)
    new_quantity = models.IntegerField(null=True, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    excluded = models.BooleanField(default=False)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.PENDING)
    message = models.TextField(blank=True)
    command = models.ForeignKey(
        "shops.Command", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["command"], name="change_row_command")]
        constraints = [
            models.UniqueConstraint(
                fields=["change_set", "sku", "field", "warehouse"],
                name="one_change_per_sku_field_warehouse",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.sku_id} {self.field}: {self.old_value} → {self.new_value}"

    @property
    def warning_labels(self) -> list[str]:
        from catalog.services import WARNINGS

        return [WARNINGS.get(w, w) for w in self.warnings]

    @property
    def old_value(self) -> Decimal | int | None:
        return self.old_price if self.field == self.Field.PRICE else self.old_quantity

    @property
    def new_value(self) -> Decimal | int | None:
        return self.new_price if self.field == self.Field.PRICE else self.new_quantity

    @property
    def difference(self) -> Decimal | int | None:
        old, new = self.old_value, self.new_value
        if old is None or new is None:
            return None
        return new - old
