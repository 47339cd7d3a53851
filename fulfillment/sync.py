"""The fulfillment syncers: packages, returns and cancellations, oldest change first."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from fulfillment import services
from shops.sync import Syncer
from tiktok.pagination import Page


class _ByUpdateTime(Syncer):
    page_size = 50

    def _filters(self, updated_since: datetime | None) -> dict[str, Any]:
        filters: dict[str, Any] = {
            "page_size": self.page_size,
            "sort_field": "update_time",
            "sort_order": "ASC",
        }
        if updated_since:
            filters["update_time_ge"] = updated_since
        return filters


class PackageSyncer(_ByUpdateTime):
    """Packages (search gives status, lines, orders and tracking)."""

    resource = "packages"

    def pages(self, *, page_token: str | None, updated_since: datetime | None) -> Iterator[Page]:
        return self.client.iter_package_pages(page_token=page_token, **self._filters(updated_since))

    def store(self, items: Sequence[Any]) -> int:
        return services.packages_store(shop=self.shop, packages=items)


class ReturnSyncer(_ByUpdateTime):
    """Returns and refund requests with their lines and the seller's next deadline."""

    resource = "returns"

    def pages(self, *, page_token: str | None, updated_since: datetime | None) -> Iterator[Page]:
        return self.client.iter_return_pages(page_token=page_token, **self._filters(updated_since))

    def store(self, items: Sequence[Any]) -> int:
        return services.returns_store(shop=self.shop, returns=items)


class CancellationSyncer(_ByUpdateTime):
    """Cancellation requests with the seller's next deadline."""

    resource = "cancellations"

    def pages(self, *, page_token: str | None, updated_since: datetime | None) -> Iterator[Page]:
        return self.client.iter_cancellation_pages(
            page_token=page_token, **self._filters(updated_since)
        )

    def store(self, items: Sequence[Any]) -> int:
        return services.cancellations_store(shop=self.shop, cancellations=items)
