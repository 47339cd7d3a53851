from django.contrib import admin

from shops.adminkit import GuardedAdmin, ReadOnlyAdmin
from shops.models import (
    AuditEntry,
    Authorization,
    Command,
    CommandItem,
    Shop,
    SyncRun,
    SyncState,
    WebhookEvent,
)

TOKEN_FIELDS = ("access_token_encrypted", "refresh_token_encrypted")


@admin.register(Authorization)
class AuthorizationAdmin(GuardedAdmin):
    list_display = (
        "seller_name",
        "open_id",
        "seller_base_region",
        "status",
        "access_token_expires_at",
    )
    list_filter = ("status", "seller_base_region")
    search_fields = ("seller_name", "open_id")
    exclude = TOKEN_FIELDS
    readonly_fields = (
        "open_id",
        "access_token_expires_at",
        "refresh_token_expires_at",
        "last_refreshed_at",
    )


@admin.register(Shop)
class ShopAdmin(GuardedAdmin):
    list_display = ("name", "tiktok_id", "region", "seller_type", "status", "last_webhook_at")
    list_filter = ("status", "region", "seller_type")
    search_fields = ("name", "tiktok_id", "code")
    filter_horizontal = ("members",)
    readonly_fields = ("tiktok_id", "cipher")


@admin.register(WebhookEvent)
class WebhookEventAdmin(GuardedAdmin):
    list_display = ("notification_id", "type", "shop", "status", "received_at", "processed_at")
    list_filter = ("status", "type")
    search_fields = ("notification_id", "shop_tiktok_id", "payload")
    date_hierarchy = "received_at"
    list_select_related = ("shop",)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The audit trail: nobody edits or deletes it, staff included."""

    list_display = ("created_at", "actor", "action", "shop", "authorization")
    list_filter = ("action",)
    search_fields = ("shop__name", "actor__username")
    list_select_related = ("actor", "shop", "authorization")


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = ("shop", "resource", "kind", "status", "done", "total", "requests", "created_at")
    list_filter = ("status", "resource", "kind")
    list_select_related = ("shop",)


@admin.register(SyncState)
class SyncStateAdmin(ReadOnlyAdmin):
    """Watermarks and cursors: a hand edit would skip or repeat data; retry from the Shops page."""

    list_display = ("shop", "resource", "watermark")
    list_select_related = ("shop",)


class CommandItemInline(admin.TabularInline):
    model = CommandItem
    extra = 0
    can_delete = False
    readonly_fields = ("item_id", "ok", "code", "message", "detail")


@admin.register(Command)
class CommandAdmin(ReadOnlyAdmin):
    """Read-only: a command's key and desired state are what was sent; fix data by new commands."""

    list_display = ("created_at", "shop", "kind", "target_label", "status", "attempts", "actor")
    list_filter = ("status", "kind")
    search_fields = ("target", "target_label", "idempotency_key", "reason", "actor__username")
    list_select_related = ("shop", "actor")
    inlines = [CommandItemInline]
