"""The orders' syncer: full orders in update-time order, so a resumed walk misses nothing."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from orders import services
from shops.sync import Syncer
from tiktok.pagination import Page


class OrderSyncer(Syncer):
    """Orders with their lines (Search Orders returns full orders: no detail calls)."""

    resource = "orders"
    page_size = 100

    def pages(self, *, page_token: str | None, updated_since: datetime | None) -> Iterator[Page]:
        # Oldest change first: an order that changes during the walk moves behind the cursor's
        # end and is read again, never skipped.
        filters = {"update_time_ge": updated_since} if updated_since else {}
        return self.client.iter_order_pages(
            page_token=page_token,
            page_size=self.page_size,
            sort_field="update_time",
            sort_order="ASC",
            raw=True,  # the store reads the raw orders; typed objects would be built for nothing
            **filters,
        )

    def store(self, items: Sequence[Any]) -> int:
        return services.orders_store(shop=self.shop, orders=items)
