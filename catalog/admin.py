from django.contrib import admin
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.html import format_html

from catalog.models import Inventory, Product, Sku, Warehouse
from shops.adminkit import MirrorAdmin, enqueue_each, shop_link
from shops.jobs import enqueue_after_commit


def product_page(product_id: int, text: str = "Product page") -> str:
    return format_html('<a href="{}">{}</a>', reverse("product-detail", args=[product_id]), text)


@admin.register(Warehouse)
class WarehouseAdmin(MirrorAdmin):
    list_display = ("name", "tiktok_id", "shop_link", "type", "effect_status", "is_default")
    list_filter = ("type", "effect_status", "is_default", "shop")
    list_select_related = ("shop",)
    search_fields = ("name", "=tiktok_id")

    def resync(self, queryset: QuerySet) -> int:
        # Warehouses are read at the start of a full products run.
        shop_ids = set(queryset.values_list("shop_id", flat=True))
        for shop_id in sorted(shop_ids):
            enqueue_after_commit("catalog.tasks.warehouses_resync", shop_id)
        return len(shop_ids)


@admin.register(Product)
class ProductAdmin(MirrorAdmin):
    list_display = (
        "title",
        "tiktok_id",
        "shop_link",
        "status",
        "stock_total",
        "price_min",
        "currency",
        "update_time",
        "page_link",
    )
    list_filter = ("status", "shop", "deleted_at")
    list_select_related = ("shop",)
    search_fields = ("title", "=tiktok_id")  # seller SKUs: search the SKU list
    readonly_fields = ("page_link",)

    @admin.display(description="In the back office")
    def page_link(self, obj: Product) -> str:
        return product_page(obj.pk)

    def resync(self, queryset: QuerySet) -> int:
        return enqueue_each(
            "catalog.tasks.product_refresh", queryset.values_list("shop_id", "tiktok_id")
        )


@admin.register(Sku)
class SkuAdmin(MirrorAdmin):
    list_display = ("seller_sku", "tiktok_id", "shop_link", "product_link", "price", "stock_total")
    list_filter = ("status", "shop")
    search_fields = ("=seller_sku", "=tiktok_id", "product__title")
    list_select_related = ("shop", "product")
    readonly_fields = ("product_link",)

    @admin.display(description="Product")
    def product_link(self, obj: Sku) -> str:
        return product_page(obj.product_id, str(obj.product))

    def resync(self, queryset: QuerySet) -> int:
        return enqueue_each(
            "catalog.tasks.product_refresh",
            queryset.values_list("shop_id", "product__tiktok_id"),
        )


@admin.register(Inventory)
class InventoryAdmin(MirrorAdmin):
    list_display = ("sku", "warehouse", "quantity", "shop_link", "product_link")
    list_filter = ("warehouse__shop",)
    search_fields = ("=sku__seller_sku", "=sku__tiktok_id", "warehouse__name")
    list_select_related = ("sku__shop", "sku__product", "warehouse")
    readonly_fields = ("product_link",)

    @admin.display(description="Shop")
    def shop_link(self, obj: Inventory) -> str:
        return shop_link(obj.sku)

    @admin.display(description="Product")
    def product_link(self, obj: Inventory) -> str:
        return product_page(obj.sku.product_id, str(obj.sku.product))

    def resync(self, queryset: QuerySet) -> int:
        return enqueue_each(
            "catalog.tasks.product_refresh",
            queryset.values_list("sku__shop_id", "sku__product__tiktok_id"),
        )
