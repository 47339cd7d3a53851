"""What every mirrored model's Django admin shares: read-only mirror fields, a link to the
shop, a *Re-sync from TikTok* action, and list pages that refuse hostile parameters."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.views.main import ERROR_FLAG
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html

from shops.jobs import enqueue_after_commit

MAX_PARAM_LENGTH = 300
# A digits-only value longer than this overflows every integer column PostgreSQL has.
MAX_DIGITS = 18
DATE_PART = re.compile(r"__(year|month|day|week_day|quarter|iso_year|week)$")


def hostile_parameter(name: str, value: str) -> bool:
    """A query parameter the changelist would turn into a database error rather than a filter."""
    if "\x00" in name or "\x00" in value or len(value) > MAX_PARAM_LENGTH:
        return True
    digits = value.lstrip("-")
    if digits.isdigit() and (len(digits) > MAX_DIGITS or not value.isascii()):
        return True
    return bool(DATE_PART.search(name)) and not (
        value.isascii() and value.isdigit() and len(value) <= 4
    )


class GuardedAdmin(admin.ModelAdmin):
    """A changelist asked with a NUL byte, an overlong value or an impossible year shows the
    unfiltered list with a message, as Django does for unknown lookups, instead of a 500."""

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        if any(hostile_parameter(k, v) for k, values in request.GET.lists() for v in values):
            messages.warning(request, "That search or filter value cannot be used.")
            return HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")
        return super().changelist_view(request, extra_context)


class ReadOnlyAdmin(GuardedAdmin):
    """Rows only the system writes (audit entries, sync bookkeeping): staff look, never edit."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


def shop_link(obj: Any) -> str:
    shop = obj.shop
    url = reverse("admin:shops_shop_change", args=[shop.pk])
    return format_html('<a href="{}">{}</a>', url, shop.name)


class MirrorAdmin(ReadOnlyAdmin):
    """A mirrored model: TikTok owns every field, so all are read-only and the fix is a
    re-sync; search and filters for finding a row; the shop as a link."""

    actions = ["resync_from_tiktok"]
    show_full_result_count = False  # the count of a whole mirror costs more than the page

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # Viewing needs the view permission; the change page then renders read-only.
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        return [f.name for f in self.model._meta.fields] + list(self.readonly_fields)

    @admin.display(description="Shop", ordering="shop__name")
    def shop_link(self, obj: Any) -> str:
        return shop_link(obj)

    @admin.action(description="Re-sync from TikTok", permissions=["view"])
    def resync_from_tiktok(self, request: HttpRequest, queryset: QuerySet) -> None:
        jobs = self.resync(queryset)
        self.message_user(
            request,
            f"Queued {jobs} re-sync job{'s' if jobs != 1 else ''}; "
            "the rows update when TikTok answers.",
            messages.SUCCESS,
        )

    def resync(self, queryset: QuerySet) -> int:
        """Queue the refresh jobs for the selected rows; return how many were queued."""
        raise NotImplementedError


def enqueue_each(func: str, pairs: Iterable[tuple[int, Any]]) -> int:
    """Queue `func(shop_id, value)` once per distinct pair, after the transaction commits."""
    count = 0
    for shop_id, value in sorted(set(pairs)):
        enqueue_after_commit(func, shop_id, value)
        count += 1
    return count


def enqueue_batches(func: str, pairs: Iterable[tuple[int, str]], size: int) -> int:
    """Queue `func(shop_id, ids)` per shop in batches of `size` ids."""
    by_shop: dict[int, list[str]] = {}
    for shop_id, tiktok_id in pairs:
        by_shop.setdefault(shop_id, []).append(tiktok_id)
    count = 0
    for shop_id, ids in sorted(by_shop.items()):
        unique = sorted(set(ids))
        for start in range(0, len(unique), size):
            enqueue_after_commit(func, shop_id, unique[start : start + size])
            count += 1
    return count
