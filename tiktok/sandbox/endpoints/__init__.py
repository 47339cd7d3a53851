"""API endpoints by area; importing this package registers every route."""

from __future__ import annotations

from . import events, finance, fulfillment, orders, products, returns, shops

__all__ = ["events", "finance", "fulfillment", "orders", "products", "returns", "shops"]
