"""Writing the fulfillment mirror: packages, returns and cancellations, in bulk or by id."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from fulfillment.models import AfterSale, Cancellation, Package, Return
from fulfillment.restock import restock_finished
from orders.models import Order
from shops import jsonsql as sql
from shops.gateway import client_for_shop
from shops.models import Shop
from shops.sync import Syncer
from tiktok.pagination import Page
from tiktok.types import AfterSaleLineItem
from tiktok.types import Cancellation as ApiCancellation
from tiktok.types import Package as ApiPackage
from tiktok.types import Return as ApiReturn

# The fields read from each package (`jsonsql.fields`).
PACKAGE_KEYS = ["create_time", "update_time", "orders", "order_line_item_ids"]
PACKAGE_TEXTS = [
    "package_sub_status",
    "shipping_type",
    "handover_method",
    "shipping_provider_name",
    "tracking_number",
]
# Only Get Package Detail sends these; a search page must not blank them.
PACKAGE_DETAIL_COLUMNS = {"sub_status", "shipping_type", "handover_method"}
AFTERSALE_FIELDS = [
    "order",
    "order_tiktok_id",
    "type",
    "status",
    "role",
    "reason",
    "reason_text",
    "currency",
    "refund_total",
    "next_action",
    "deadline",
    "create_time",
    "update_time",
    "lines",
    "raw",
    "synced_at",
]


def _text(value: Any, limit: int) -> str:
    return str(value or "")[:limit]


def _order_pks(shop: Shop, order_ids: Iterable[str]) -> dict[str, int]:
    ids = {i for i in order_ids if i}
    return dict(Order.objects.filter(shop=shop, tiktok_id__in=ids).values_list("tiktok_id", "pk"))


def _changed(model: type[AfterSale], shop: Shop, rows: list[Any]) -> list[Any]:
    """The rows whose JSON or order link differs from the stored copy. The other fields are read
    from the JSON, so an unchanged copy is not written at all: a full re-sync of a shop where
    nothing changed writes next to nothing, and the pages hardly notice it."""
    stored = {
        tiktok_id: (raw, order_id)
        for tiktok_id, raw, order_id in model._default_manager.filter(
            shop=shop, tiktok_id__in=[r.tiktok_id for r in rows]
        ).values_list("tiktok_id", "raw", "order_id")
    }
    return [r for r in rows if stored.get(r.tiktok_id) != (r.raw, r.order_id)]


def _either(o: str, detail: str, search: str) -> str:
    """Get Package Detail's name of a field when the package has that key, else search's."""
    return f"(case when {o} ? '{detail}' then {o}->'{detail}' else {o}->'{search}' end)"


def _id_array(select: str) -> str:
    """The ids a subquery gives (`id`, in the order of `n`) as a `jsonb` array, blanks left out."""
    return (
        "(select coalesce(jsonb_agg(to_jsonb(i.id) order by i.n), '[]') "  # noqa: S608
        f"from ({select}) i where i.id is not null)"
    )


def _package_statement() -> str:
    """One statement per page of packages, as Package.from_api reads them: each package linked
    to its first order when that is mirrored. A package whose JSON and order link equal the
    stored copy is not written (unless `detailed`: a detail read fills more fields)."""
    table = Package._meta.db_table
    # as_id of each order object's id, and as_ids of the line item ids.
    order_ids = _id_array(
        f"select {sql.ident('o.item->' + repr('id'))} as id, o.n "  # noqa: S608
        f"from {sql.objects('r.orders')} as o(item, n) where jsonb_typeof(o.item) = 'object'"
    )
    line_ids = _id_array(
        f"select {sql.ident('v.value')} as id, v.n from jsonb_array_elements("  # noqa: S608
        "case when jsonb_typeof(r.order_line_item_ids) = 'array' then r.order_line_item_ids "
        "else '[]' end) with ordinality as v(value, n)"
    )
    columns = {
        "order_id": "ord.id",
        "order_tiktok_id": "left(coalesce(read.order_ids->>0, ''), 32)",
        "order_tiktok_ids": "read.order_ids",
        "line_item_ids": "read.line_ids",
        "status": sql.status_text(_either("read.o", "package_status", "status"), 32),
        "sub_status": sql.plain("read.package_sub_status", 64),
        "create_time": sql.time("read.create_time"),
        "update_time": sql.time("read.update_time"),
        "shipping_type": sql.plain("read.shipping_type", 16),
        "handover_method": sql.plain("read.handover_method", 16),
        "shipping_provider_name": sql.plain("read.shipping_provider_name", 255),
        "tracking_number": sql.plain("read.tracking_number", 100),
        "raw": "read.raw",
        "synced_at": "%(now)s",
    }
    updates = sql.updates(table, columns, PACKAGE_DETAIL_COLUMNS)
    changed = (
        f"%(detailed)s or {table}.raw::text is distinct from excluded.raw::text "
        f"or {table}.order_id is distinct from excluded.order_id"
    )
    # Only our own table, column names and reader expressions are spliced; values are params.
    return f"""
        with latest as materialized (
            select distinct on (tiktok_id) tiktok_id, raw, o
              from (
                select {sql.ident(_either("o", "package_id", "id"))} as tiktok_id,
                       e::json as raw, o, n
                  from (
                    select e, e::jsonb as o, n
                      from unnest(%(packages)b::text[]) with ordinality as p(e, n)
                    offset 0
                  ) parsed
              ) identified
             where tiktok_id is not null
             order by tiktok_id, n desc
        ), read as materialized (
            select latest.tiktok_id, latest.raw, latest.o, r.*,
                   {order_ids} as order_ids, {line_ids} as line_ids
              from latest
             cross join lateral {sql.fields("latest.o", "r", PACKAGE_KEYS, PACKAGE_TEXTS)}
        ), up as (
            insert into {table} (shop_id, tiktok_id, {", ".join(columns)})
            select %(shop)s, read.tiktok_id, {", ".join(columns.values())}
              from read
              left join {Order._meta.db_table} ord
                on ord.shop_id = %(shop)s and ord.tiktok_id = read.order_ids->>0
            on conflict (shop_id, tiktok_id) do update set {updates} where {changed}
        )
        select count(*) from latest
    """  # noqa: S608


_PACKAGES: str | None = None


def packages_store(*, shop: Shop, packages: Sequence[ApiPackage], detailed: bool = False) -> int:
    """Upsert a page of packages (TikTok's JSON read by PostgreSQL, in one statement), linked to
    their first order when it is mirrored; return how many packages the page held."""
    global _PACKAGES
    if not packages:
        return 0
    if _PACKAGES is None:
        _PACKAGES = _package_statement()
    params = {
        "shop": shop.pk,
        "packages": sql.page_texts([p.raw for p in packages]),
        "detailed": detailed,
        "now": timezone.now(),
    }
    return int(sql.execute_prepared(_PACKAGES, params)[0])


def _lines(items: Sequence[AfterSaleLineItem]) -> list[dict[str, Any]]:
    return [
        {
            "id": li.id,
            "order_line_item_id": li.order_line_item_id,
            "sku_id": li.sku_id,
            "seller_sku": li.seller_sku,
            "product_name": li.product_name,
            "sku_name": li.sku_name,
            "refund_total": str(li.refund_total) if li.refund_total is not None else None,
            "sub_lines": _lines(li.sub_line_items),  # a bundle's parts (202602)
        }
        for li in items
    ]


def _aftersale_fields(
    record: ApiReturn | ApiCancellation, order_pk: dict[str, int], now: datetime
) -> dict[str, Any]:
    actions = sorted(
        (a for a in record.seller_next_actions if a.action),
        key=lambda a: (a.deadline is None, a.deadline),
    )
    first = actions[0] if actions else None
    return {
        "tiktok_id": record.id,
        "order_id": order_pk.get(record.order_id or ""),
        "order_tiktok_id": _text(record.order_id, 32),
        "type": _text(record.type, 32),
        "status": _text(record.status, 64),
        "role": _text(record.role, 16),
        "reason": _text(record.reason, 255),
        "reason_text": _text(record.reason_text, 500),
        "currency": _text(record.currency, 8),
        "refund_total": record.refund_total,
        "next_action": _text(first.action if first else "", 64),
        "deadline": first.deadline if first else None,
        "create_time": record.create_time,
        "update_time": record.update_time,
        "lines": _lines(record.line_items),
        "raw": dict(record.raw),
        "synced_at": now,
    }


def _aftersales_store(
    model: type[AfterSale], shop: Shop, records: Sequence[Any], extra_fields: list[str]
) -> int:
    now = timezone.now()
    latest = {r.id: r for r in records if r.id}
    if not latest:
        return 0
    order_pk = _order_pks(shop, (r.order_id for r in latest.values()))
    rows = []
    for record in latest.values():
        fields = _aftersale_fields(record, order_pk, now)
        if model is Return:
            fields["arbitration_status"] = _text(record.arbitration_status, 32)
            fields["return_tracking_number"] = _text(record.return_tracking_number, 100)
        rows.append(model(shop=shop, **fields))
    model._default_manager.bulk_create(
        _changed(model, shop, rows),
        update_conflicts=True,
        unique_fields=["shop", "tiktok_id"],
        update_fields=AFTERSALE_FIELDS + extra_fields,
    )
    restock_finished(shop=shop, model=model, tiktok_ids=latest)  # webhooks and syncs alike
    return len(rows)


def returns_store(*, shop: Shop, returns: Sequence[ApiReturn]) -> int:
    """Upsert a page of returns and refund requests."""
    return _aftersales_store(
        Return, shop, returns, ["arbitration_status", "return_tracking_number"]
    )


def cancellations_store(*, shop: Shop, cancellations: Sequence[ApiCancellation]) -> int:
    """Upsert a page of cancellation requests."""
    return _aftersales_store(Cancellation, shop, cancellations, [])


def packages_refresh(*, shop: Shop, package_ids: Iterable[str]) -> int:
    """Fetch packages by id again (one call each: there is no batch read) and store them."""
    client = client_for_shop(shop)
    fetched = [client.get_package(package_id) for package_id in sorted(set(package_ids))]
    with transaction.atomic():
        return packages_store(shop=shop, packages=fetched, detailed=True)


def return_refresh(*, shop: Shop, return_id: str) -> int:
    """Fetch one return again (a search by its id) and store it."""
    page = client_for_shop(shop).search_returns(return_ids=[return_id])
    with transaction.atomic():
        return returns_store(shop=shop, returns=page.items)


def cancellation_refresh(*, shop: Shop, cancel_id: str) -> int:
    """Fetch one cancellation again (a search by its id) and store it."""
    page = client_for_shop(shop).search_cancellations(cancel_ids=[cancel_id])
    with transaction.atomic():
        return cancellations_store(shop=shop, cancellations=page.items)


class _ByUpdateTime(Syncer):
    page_size = 50
    windowed = True

    def _filters(
        self, updated_since: datetime | None, before: datetime | None = None
    ) -> dict[str, Any]:
        filters: dict[str, Any] = {
            "page_size": self.page_size,
            "sort_field": "update_time",
            "sort_order": "ASC",
        }
        if updated_since:
            filters["update_time_ge"] = updated_since
        if before:
            filters["update_time_lt"] = before
        return filters

    def pages(self, *, page_token: str | None, updated_since: datetime | None) -> Iterator[Page]:
        return self.window_pages(page_token=page_token, since=updated_since, before=None)

    def window_pages(
        self, *, page_token: str | None, since: datetime | None, before: datetime | None
    ) -> Iterator[Page]:
        return self.search(page_token=page_token, **self._filters(since, before))

    def search(self, *, page_token: str | None, **filters: Any) -> Iterator[Page]:
        """The client's page walk of this resource."""
        raise NotImplementedError

    def item_time(self, item: Any) -> datetime | None:
        return item.update_time


class PackageSyncer(_ByUpdateTime):
    """Packages (search gives status, lines, orders and tracking)."""

    resource = "packages"
    store_side_by_side = True  # a page writes its packages only (it reads their orders)

    def item_keys(self, item: Any) -> Iterable[Hashable] | None:
        return (item.id,)

    def search(self, *, page_token: str | None, **filters: Any) -> Iterator[Page]:
        return self.client.iter_package_pages(page_token=page_token, **filters)

    def store(self, items: Sequence[Any]) -> int:
        return packages_store(shop=self.shop, packages=items)


class ReturnSyncer(_ByUpdateTime):
    """Returns and refund requests with their lines and the seller's next deadline."""

    resource = "returns"

    def search(self, *, page_token: str | None, **filters: Any) -> Iterator[Page]:
        return self.client.iter_return_pages(page_token=page_token, **filters)

    def store(self, items: Sequence[Any]) -> int:
        return returns_store(shop=self.shop, returns=items)


class CancellationSyncer(_ByUpdateTime):
    """Cancellation requests with the seller's next deadline."""

    resource = "cancellations"

    def search(self, *, page_token: str | None, **filters: Any) -> Iterator[Page]:
        return self.client.iter_cancellation_pages(page_token=page_token, **filters)

    def store(self, items: Sequence[Any]) -> int:
        return cancellations_store(shop=self.shop, cancellations=items)
