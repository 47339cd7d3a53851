"""The mirrored catalog: warehouses, products, SKUs with prices, and stock per SKU and warehouse."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models.functions import Upper

from shops.models import MirroredModel


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
        # A union of two index scans (trigram on the title, prefix on the seller SKU), where an
        # OR across a subquery would read every product.
        matches = (
            Sku.objects.filter(seller_sku__startswith=text)
            .values("product_id")
            .union(Product.objects.filter(title__icontains=text).values("pk"))
        )
        return self.filter(pk__in=matches)


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
            models.Index(fields=["seller_sku"], name="sku_seller_sku_prefix"),
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
