"""What every page's layout needs: the navigation, who is logged in, and the display zone.

Values that cost a query are lazy and computed at most once per request, so a polled
fragment that never shows the page chrome never pays for it.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from shops.roles import role_name

NAV_ITEMS = [
    ("dashboard", "Dashboard", "speedometer2"),
    ("shops", "Shops", "shop"),
    ("products", "Products", "box-seam"),
    ("orders", "Orders", "receipt"),
    ("fulfillment", "Fulfillment", "truck"),
    ("returns", "Returns", "arrow-return-left"),
    ("finance", "Finance", "cash-coin"),
    ("activity", "Activity", "activity"),
]


def layout(request: HttpRequest) -> dict[str, Any]:
    if not request.user.is_authenticated:
        return {}
    user = request.user
    return {
        "nav_items": NAV_ITEMS,
        "user_role": SimpleLazyObject(lambda: role_name(user)),
        "display_zone": timezone.get_current_timezone_name(),
    }
