from typing import ClassVar

from django.contrib import admin
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.html import format_html

from finance.models import (
    Payment,
    SkuTransaction,
    Statement,
    StatementTransaction,
    UnsettledOrder,
    Withdrawal,
)
from shops.adminkit import MirrorAdmin
from shops.sync import sync_request


class _FinanceAdmin(MirrorAdmin):
    """A finance row is fixed by re-reading its shop's statements (there is no read by id)."""

    list_select_related: ClassVar[bool | tuple[str, ...]] = ("shop",)
    resource = "statements"

    def get_queryset(self, request):
        return super().get_queryset(request).defer("raw")

    def resync(self, queryset: QuerySet) -> int:
        shop_ids = set(queryset.values_list("shop_id", flat=True).distinct())
        for shop_id in shop_ids:
            sync_request(shop_id=shop_id, resource=self.resource)
        return len(shop_ids)


@admin.register(Statement)
class StatementAdmin(_FinanceAdmin):
    list_display = (
        "tiktok_id",
        "shop_link",
        "statement_time",
        "currency",
        "settlement_amount",
        "payment_status",
        "transactions_synced",
    )
    list_filter = ("payment_status", "transactions_synced", "shop")
    search_fields = ("=tiktok_id", "=payment_tiktok_id")


@admin.register(Payment)
class PaymentAdmin(_FinanceAdmin):
    list_display = ("tiktok_id", "shop_link", "create_time", "status", "currency", "amount")
    list_filter = ("status", "shop")
    search_fields = ("=tiktok_id",)
    resource = "payments"


@admin.register(StatementTransaction)
class StatementTransactionAdmin(_FinanceAdmin):
    list_display = (
        "tiktok_id",
        "shop_link",
        "type",
        "order_link",
        "currency",
        "settlement_amount",
    )
    list_filter = ("type", "shop")
    search_fields = ("=tiktok_id", "=order_tiktok_id")
    readonly_fields = ("order_link",)
    list_select_related = ("shop", "order")

    @admin.display(description="Order")
    def order_link(self, obj) -> str:
        if obj.order_id is None:
            return obj.order_tiktok_id or "—"
        url = reverse("order-detail", args=[obj.order_id])
        return format_html('<a href="{}">{}</a>', url, obj.order_tiktok_id)


@admin.register(SkuTransaction)
class SkuTransactionAdmin(_FinanceAdmin):
    list_display = ("order_tiktok_id", "shop_link", "sku_tiktok_id", "quantity", "currency")
    list_filter = ("shop",)
    search_fields = ("=order_tiktok_id", "=sku_tiktok_id", "=statement_tiktok_id")
    resource = "order_settlements"

    def get_queryset(self, request):
        return admin.ModelAdmin.get_queryset(self, request)


@admin.register(UnsettledOrder)
class UnsettledOrderAdmin(_FinanceAdmin):
    list_display = (
        "tiktok_id",
        "shop_link",
        "order_create_time",
        "currency",
        "est_settlement_amount",
    )
    list_filter = ("shop",)
    search_fields = ("=tiktok_id",)
    resource = "unsettled"


@admin.register(Withdrawal)
class WithdrawalAdmin(_FinanceAdmin):
    list_display = ("tiktok_id", "shop_link", "create_time", "type", "status", "amount", "currency")
    list_filter = ("type", "status", "shop")
    search_fields = ("=tiktok_id",)
    resource = "withdrawals"
