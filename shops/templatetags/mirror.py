"""Showing mirrored data: times in the display zone, money with its currency, countdowns."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django import template
from django.utils import timezone

register = template.Library()

# The zone a shop's sellers and buyers live in, by TikTok region (US: TikTok's Pacific time).
REGION_ZONES = {
    "US": "America/Los_Angeles",
    "GB": "Europe/London",
    "UK": "Europe/London",
    "IE": "Europe/Dublin",
    "DE": "Europe/Berlin",
    "FR": "Europe/Paris",
    "ES": "Europe/Madrid",
    "IT": "Europe/Rome",
    "MX": "America/Mexico_City",
    "BR": "America/Sao_Paulo",
    "JP": "Asia/Tokyo",
    "SG": "Asia/Singapore",
    "MY": "Asia/Kuala_Lumpur",
    "TH": "Asia/Bangkok",
    "VN": "Asia/Ho_Chi_Minh",
    "PH": "Asia/Manila",
    "ID": "Asia/Jakarta",
}


def shop_zone(shop) -> ZoneInfo:
    """The shop's zone, or the site's when its region is unknown."""
    name = REGION_ZONES.get(getattr(shop, "region", "") or "")
    return ZoneInfo(name) if name else ZoneInfo(timezone.get_current_timezone_name())


@register.filter
def shop_time(value: datetime | None, shop) -> str:
    """A time in the shop's zone, with the zone's abbreviation (for a shop's own settings)."""
    if value is None:
        return "—"
    return timezone.localtime(value, shop_zone(shop)).strftime("%d %b %Y %H:%M %Z")


@register.filter
def when(value: datetime | None) -> str:
    """A time in the user's display zone (named once, in the column header or beside it)."""
    if value is None:
        return "—"
    return timezone.localtime(value).strftime("%d %b %Y %H:%M")


@register.filter
def money(value: Decimal | None, currency: str = "") -> str:
    """An amount with two decimals and its currency code."""
    if value is None:
        return "—"
    return f"{value:,.2f} {currency}".strip()


@register.filter
def countdown(left: timedelta | None) -> str:
    """Time left as "1d 4h" / "3h 20m", or "late 2h" once passed."""
    if left is None:
        return ""
    seconds = int(left.total_seconds())
    prefix = "late " if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{prefix}{days}d {hours}h"
    if hours:
        return f"{prefix}{hours}h {minutes}m"
    return f"{prefix}{minutes}m"


# Enum values whose plain-words form would misspell a name.
LABELS = {"TIKTOK": "TikTok shipping", "SELLER": "Seller shipping", "CROSS_BORDER": "Cross-border"}


@register.filter
def label(value: str) -> str:
    """An API enum as words: AWAITING_SHIPMENT → Awaiting shipment."""
    if value in LABELS:
        return LABELS[value]
    return (value or "").replace("_", " ").capitalize() or "—"
