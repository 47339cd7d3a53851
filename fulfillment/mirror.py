"""Writing the fulfillment mirror: packages, returns and cancellations, in bulk or by id."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from django.db import transaction

from fulfillment.models import AfterSale, Cancellation, Package, Return
from fulfillment.restock import restock_finished
from orders.models import Order
from shops import jsonsql as sql
from shops.gateway import client_for_shop
from shops.models import Shop
from shops.sync import Syncer
from tiktok.pagination import Page
from tiktok.types import (
    CANCEL_STATUS_ALIASES,
    RETURN_STATUS_ALIASES,
    AfterSaleLineItem,
)
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


def _changed(table: str) -> str:
    """Whether a page's row differs from the stored one in its JSON or its order link (the
    other columns are read from the JSON): a full re-sync of a shop where nothing changed
    writes next to nothing, and the pages hardly notice it."""
    return (
        f"{table}.raw::text is distinct from excluded.raw::text "
        f"or {table}.order_id is distinct from excluded.order_id"
    )


def _either(o: str, detail: str, search: str) -> str:
    """A field under the detail's name when the object has that key at all, else the search's
    (`raw.get(detail, raw.get(search))`)."""
    return f"(case when {o} ? '{detail}' then {o}->'{detail}' else {o}->'{search}' end)"


def _id_array(select: str) -> str:
    """The ids a subquery gives (`id`, in the order of `n`) as a `jsonb` array, blanks left out."""
    return (
        "(select coalesce(jsonb_agg(to_jsonb(i.id) order by i.n), '[]') "  # noqa: S608
        f"from ({select}) i where i.id is not null)"
    )


@cache
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
    changed = f"%(detailed)s or {_changed(table)}"  # a detail read fills more fields
    package_id = _either("o", "package_id", "id")
    # Only our own table, column names and reader expressions are spliced; values are params.
    return f"""
        with latest as materialized ({sql.page_items("packages", package_id)}
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


def packages_store(*, shop: Shop, packages: Sequence[ApiPackage], detailed: bool = False) -> int:
    """Upsert a page of packages (TikTok's JSON read by PostgreSQL, in one statement), linked to
    their first order when it is mirrored; return how many packages the page held."""
    if not packages:
        return 0
    raws = [p.raw for p in packages]
    return sql.store_page(_package_statement(), shop.pk, "packages", raws, detailed=detailed)


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


# How each kind of after-sale request names its fields (Return.from_api, Cancellation.from_api).
AFTERSALE_NAMES = {
    Return: {
        "id": "return_id",
        "type": "return_type",
        "status": "return_status",
        "reason": "return_reason",
        "reason_text": "return_reason_text",
    },
    Cancellation: {
        "id": "cancel_id",
        "type": "cancel_type",
        "status": "cancel_status",
        "reason": "cancel_reason",
        "reason_text": "cancel_reason_text",
    },
}
AFTERSALE_STATUS_ALIASES = {Return: RETURN_STATUS_ALIASES, Cancellation: CANCEL_STATUS_ALIASES}


@cache
def _aftersale_statement(model: type[AfterSale]) -> str:
    """One statement per page of returns or cancellations: each request linked to its order
    when that is mirrored, with the seller's most urgent next action. A request whose JSON and
    order link equal the stored copy is not written. The lines come as a parameter of their
    own (`_lines` of the typed request, in the page's order): bundle parts nest to any depth."""
    names = AFTERSALE_NAMES[model]
    table = model._meta.db_table
    texts = ["role", names["type"], names["reason"], names["reason_text"]]
    if model is Return:
        texts += ["arbitration_status", "return_tracking_number"]
    keys = [
        "order_id",
        names["status"],
        "create_time",
        "update_time",
        "refund_amount",
        "seller_next_action_response",
    ]
    action = "a.item->'action'"
    deadline = sql.time("a.item->'deadline'")
    # The first action with a name, the earliest deadline first and one without any last.
    next_action = (
        f"(select a.item from {sql.objects('r.seller_next_action_response')} as a(item, n) "  # noqa: S608
        f"where jsonb_typeof(a.item) = 'object' and {sql.text(action)} <> '' "
        f"order by {deadline} nulls last, a.n limit 1)"
    )
    columns = {
        "order_id": "ord.id",
        "order_tiktok_id": sql.id_text("read.order_id", 32),
        "type": sql.plain(f"read.{names['type']}", 32),
        "status": sql.status_text(f"read.{names['status']}", 64, AFTERSALE_STATUS_ALIASES[model]),
        "role": sql.plain("read.role", 16),
        "reason": sql.plain(f"read.{names['reason']}", 255),
        "reason_text": sql.plain(f"read.{names['reason_text']}", 500),
        "currency": sql.plain("ref.currency", 8),
        "refund_total": sql.money("ref.refund_total"),
        "next_action": sql.text("read.next_action->'action'", 64),
        "deadline": sql.time("read.next_action->'deadline'"),
        "create_time": sql.time("read.create_time"),
        "update_time": sql.time("read.update_time"),
        "lines": "read.lines",
        "raw": "read.raw",
        "synced_at": "%(now)s",
    }
    if model is Return:
        columns["arbitration_status"] = sql.plain("read.arbitration_status", 32)
        columns["return_tracking_number"] = sql.plain("read.return_tracking_number", 100)
    request_id = _either("o", names["id"], "id")
    refund = sql.fields("read.refund_amount", "ref", ["refund_total"], ["currency"])
    # Only our own table, column names and reader expressions are spliced; values are params.
    return f"""
        with latest as materialized ({sql.page_items("requests", request_id, "lines")}
        ), read as materialized (
            select latest.tiktok_id, latest.raw, latest.beside as lines, r.*,
                   {next_action} as next_action
              from latest
             cross join lateral {sql.fields("latest.o", "r", keys, texts)}
        ), up as (
            insert into {table} (shop_id, tiktok_id, {", ".join(columns)})
            select %(shop)s, read.tiktok_id, {", ".join(columns.values())}
              from read
             cross join lateral {refund}
              left join {Order._meta.db_table} ord
                on ord.shop_id = %(shop)s and ord.tiktok_id = {sql.ident("read.order_id")}
            on conflict (shop_id, tiktok_id) do update set {sql.updates(table, columns)}
             where {_changed(table)}
        )
        select count(*) from latest
    """  # noqa: S608


def _aftersales_store(
    model: type[AfterSale], shop: Shop, records: Sequence[ApiReturn] | Sequence[ApiCancellation]
) -> int:
    if not records:
        return 0
    lines = [sql.json_text(_lines(r.line_items)) for r in records]
    raws = [r.raw for r in records]
    stored = sql.store_page(_aftersale_statement(model), shop.pk, "requests", raws, lines=lines)
    # Webhooks and syncs alike.
    restock_finished(shop=shop, model=model, tiktok_ids={r.id for r in records if r.id})
    return stored


def returns_store(*, shop: Shop, returns: Sequence[ApiReturn]) -> int:
    """Upsert a page of returns and refund requests; return how many the page held."""
    return _aftersales_store(Return, shop, returns)


def cancellations_store(*, shop: Shop, cancellations: Sequence[ApiCancellation]) -> int:
    """Upsert a page of cancellation requests; return how many the page held."""
    return _aftersales_store(Cancellation, shop, cancellations)


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
