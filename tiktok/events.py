"""Webhook topics: numeric `type` ↔ Event API `event_type` (contract §13.5), for both sides."""

from __future__ import annotations

from collections.abc import Mapping

# Only the pairs the contract confirms; other numeric types have no Event API name.
WEBHOOK_EVENT_TYPES: Mapping[int, str] = {
    1: "ORDER_STATUS_CHANGE",
    2: "REVERSE_STATUS_UPDATE",
    3: "RECIPIENT_ADDRESS_UPDATE",
    4: "PACKAGE_UPDATE",
    5: "PRODUCT_STATUS_CHANGE",
    6: "SELLER_DEAUTHORIZATION",
    7: "UPCOMING_AUTHORIZATION_EXPIRATION",
    11: "CANCELLATION_STATUS_CHANGE",
    12: "RETURN_STATUS_CHANGE",
    13: "NEW_CONVERSATION",
    14: "NEW_MESSAGE",
    15: "PRODUCT_INFORMATION_CHANGE",
    16: "PRODUCT_CREATION",
    18: "PRODUCT_CATEGORY_CHANGE",
    33: "NEW_MESSAGE_LISTENER",
    36: "INVOICE_STATUS_CHANGE",
    37: "PRODUCT_AUDIT_STATUS_CHANGE",
}
EVENT_TYPE_NUMBERS: Mapping[str, int] = {name: num for num, name in WEBHOOK_EVENT_TYPES.items()}

# Newer topics (contract §18) without a confirmed Event API name; how they are subscribed is
# UNVERIFIED (Partner Center's app-level address, as far as known). Their `data` fields beyond
# §18's notes are the sandbox's choice. Receivers store and ignore what they do not handle.
NEWER_WEBHOOK_TOPICS: Mapping[int, str] = {
    50: "SKU status change",
    62: "package recommendation",
    63: "promotion activity",
    64: "aftersales request",
    65: "return authorization status",
    66: "appeal completed",
    67: "refund success",
    71: "inventory change",
}
