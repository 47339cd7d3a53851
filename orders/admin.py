from django.contrib import admin
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.html import format_html

from orders.models import Order, OrderLine
from shops.adminkit import MirrorAdmin, enqueue_batches
from tiktok.client import ORDER_IDS_PER_CALL


def order_page(order_id: int, text: str = "Order page") -> str:
    return format_html('<a href="{}">{}</a>', reverse("order-detail", args=[order_id]), text)


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    fields = ("tiktok_id", "seller_sku", "product_name", "sale_price", "currency", "display_status")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(MirrorAdmin):
    list_display = (
        "tiktok_id",
        "shop_link",
        "status",
        "create_time",
        "ship_by",
        "total_amount",
        "currency",
        "page_link",
    )
    list_filter = ("status", "shop", "is_buyer_request_cancel", "shipping_type")
    list_select_related = ("shop",)
    search_fields = ("=tiktok_id", "recipient_name", "=tracking_number")
    date_hierarchy = "create_time"
    readonly_fields = ("page_link",)
    inlines = (OrderLineInline,)

    @admin.display(description="In the back office")
    def page_link(self, obj: Order) -> str:
        return order_page(obj.pk)

    def get_queryset(self, request):
        return super().get_queryset(request).defer("raw")

    def resync(self, queryset: QuerySet) -> int:
        return enqueue_batches(
            "orders.tasks.orders_refresh",
            queryset.values_list("shop_id", "tiktok_id"),
            ORDER_IDS_PER_CALL,
        )


@admin.register(OrderLine)
class OrderLineAdmin(MirrorAdmin):
    list_display = ("tiktok_id", "order", "seller_sku", "sale_price", "currency", "links")
    list_filter = ("display_status", "shop")
    search_fields = ("=tiktok_id", "=seller_sku", "=order__tiktok_id")
    list_select_related = ("shop", "order", "sku")
    readonly_fields = ("links",)

    @admin.display(description="In the back office")
    def links(self, obj: OrderLine) -> str:
        order = order_page(obj.order_id)
        if obj.sku is None:
            return order
        product = reverse("product-detail", args=[obj.sku.product_id])
        return format_html('{} · <a href="{}">Product page</a>', order, product)

    def get_queryset(self, request):
        return super().get_queryset(request).defer("order__raw")

    def resync(self, queryset: QuerySet) -> int:
        return enqueue_batches(
            "orders.tasks.orders_refresh",
            queryset.values_list("shop_id", "order__tiktok_id"),
            ORDER_IDS_PER_CALL,
        )
