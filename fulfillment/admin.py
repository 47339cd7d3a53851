from django.contrib import admin
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.html import format_html

from fulfillment.models import Cancellation, Package, RestockRule, Return
from shops.adminkit import MirrorAdmin, enqueue_batches, enqueue_each

# Get Package Detail is one call per package; a batch is only how many a job reads.
PACKAGES_PER_JOB = 20


class _WithOrder(MirrorAdmin):
    list_select_related = ("shop", "order")
    readonly_fields = ("order_link",)

    @admin.display(description="Order")
    def order_link(self, obj) -> str:
        if obj.order_id is None:
            return obj.order_tiktok_id or "—"
        url = reverse("order-detail", args=[obj.order_id])
        return format_html('<a href="{}">{}</a>', url, obj.order_tiktok_id)

    def get_queryset(self, request):
        return super().get_queryset(request).defer("raw", "order__raw")


@admin.register(Package)
class PackageAdmin(_WithOrder):
    list_display = ("tiktok_id", "shop_link", "order_link", "status", "tracking_number")
    list_filter = ("status", "shop", "shipping_type")
    search_fields = ("=tiktok_id", "=tracking_number", "=order_tiktok_id")

    def resync(self, queryset: QuerySet) -> int:
        return enqueue_batches(
            "fulfillment.tasks.packages_refresh",
            queryset.values_list("shop_id", "tiktok_id"),
            PACKAGES_PER_JOB,
        )


@admin.register(Return)
class ReturnAdmin(_WithOrder):
    list_display = ("tiktok_id", "shop_link", "order_link", "type", "status", "deadline")
    list_filter = ("status", "type", "shop")
    search_fields = ("=tiktok_id", "=order_tiktok_id", "=return_tracking_number")

    def resync(self, queryset: QuerySet) -> int:
        return enqueue_each(
            "fulfillment.tasks.return_refresh", queryset.values_list("shop_id", "tiktok_id")
        )


@admin.register(Cancellation)
class CancellationAdmin(_WithOrder):
    list_display = ("tiktok_id", "shop_link", "order_link", "type", "status", "deadline")
    list_filter = ("status", "type", "shop")
    search_fields = ("=tiktok_id", "=order_tiktok_id")

    def resync(self, queryset: QuerySet) -> int:
        return enqueue_each(
            "fulfillment.tasks.cancellation_refresh", queryset.values_list("shop_id", "tiktok_id")
        )


@admin.register(RestockRule)
class RestockRuleAdmin(admin.ModelAdmin):
    list_display = ("shop", "enabled", "warehouse_id")
    list_filter = ("enabled",)
