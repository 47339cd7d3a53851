"""What every page's layout needs: the navigation and who is logged in."""

from __future__ import annotations

from django.http import HttpRequest

from shops.roles import role_name

NAV_ITEMS = [
    ("dashboard", "Dashboard", "speedometer2"),
    ("shops", "Shops", "shop"),
    ("products", "Products", "box-seam"),
    ("orders", "Orders", "receipt"),
    ("fulfillment", "Fulfillment", "truck"),
    ("returns", "Returns", "arrow-return-left"),
    ("activity", "Activity", "activity"),
]


def layout(request: HttpRequest) -> dict:
    if not request.user.is_authenticated:
        return {}
    return {"nav_items": NAV_ITEMS, "user_role": role_name(request.user)}
