"""The catalog's syncer: products with SKUs and stock, warehouses first on a full run."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from catalog import services
from shops.sync import Syncer
from tiktok.pagination import Page


class ProductSyncer(Syncer):
    """Products (search lists each with its SKUs, prices and stock: no detail call needed)."""

    resource = "products"
    page_size = 100

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.warehouse_pks: dict[str, int] = {}

    def pages(self, *, page_token: str | None, updated_since: datetime | None) -> Iterator[Page]:
        filters = {"update_time_ge": updated_since} if updated_since else {}
        return self.client.iter_product_pages(
            page_token=page_token, page_size=self.page_size, **filters
        )

    def before_full(self) -> None:
        services.warehouses_store(shop=self.shop, warehouses=self.client.get_warehouses())

    def store(self, items: Sequence[Any]) -> int:
        return services.products_store(
            shop=self.shop, products=items, warehouse_pks=self.warehouse_pks
        )

    def after_full(self, *, started: datetime) -> None:
        services.products_mark_vanished(shop=self.shop, before=started)
