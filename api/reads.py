"""What the REST API and the MCP tools read: one list and one detail function per resource.

Both bind the pages' FilterSets (so a value is validated the way the pages validate it), scope
rows to the shops the token's person may see at the moment of the request, and page with a
keyset cursor over an ordering the sync never changes: (the row's TikTok creation time, our
primary key), newest first. A row inserted while someone walks a list lands before or after
the cursor but never moves a row already there, so a walk returns every row that existed
when it started exactly once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

import django_filters
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.db.models import F, Model, Prefetch, Q, QuerySet
from django.utils import timezone

from api import schemas
from catalog.filters import ProductFilterSet
from catalog.models import Inventory, Product, Sku
from finance.filters import PaymentFilterSet, StatementFilterSet
from finance.models import Payment, Statement
from fulfillment.filters import PackageFilterSet, ReturnFilterSet
from fulfillment.models import Package, Return
from orders.filters import OrderFilterSet
from orders.models import Order, OrderLine
from shops.access import for_visible_shops, visible_shops
from shops.filters import ListFilterSet
from shops.models import Shop

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
CURSOR_MAX_LENGTH = 200
# Query parameters the API owns (the pages' own page/sort do not apply to a cursor walk).
PAGING_PARAMS = ("cursor", "limit")
IGNORED_PARAMS = ("page", "sort")
BAD_CURSOR = "This cursor does not belong to this list; start again without it."
ID_MAX_LENGTH = 32


class QueryError(Exception):
    """A query value the list cannot use; `errors` names each field and what to fix."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("invalid query")
        self.errors = errors


class NotFound(Exception):
    """No such row among the shops the person may see (another shop's row looks the same)."""


class PageForm(forms.Form):
    cursor = forms.CharField(required=False, max_length=CURSOR_MAX_LENGTH)
    limit = forms.IntegerField(required=False, min_value=1, max_value=MAX_LIMIT)


class ShopFilterSet(ListFilterSet):
    """Shops have nothing to filter but the shop itself."""

    shop = django_filters.ModelChoiceFilter(
        field_name="pk", queryset=Shop.objects.none(), empty_label="All shops", label="Shop"
    )


@dataclass(frozen=True)
class Resource:
    """One list of the API: its rows, its filters, its immutable order and its shape."""

    name: str
    rows: Callable[[], QuerySet]
    filterset: type[ListFilterSet]
    dump: Callable[[Any], Any]
    # The creation time the list is ordered by (newest first); None: by primary key only.
    time_field: str | None = "create_time"
    shop_field: str = "shop"
    detail_rows: Callable[[], QuerySet] | None = None
    detail_dump: Callable[[Any], Any] | None = None

    def visible(self, user: Any) -> QuerySet:
        if self.name == "shops":
            return visible_shops(user)
        return for_visible_shops(self.rows(), user, self.shop_field)


def _products() -> QuerySet:
    return Product.objects.select_related("shop").defer("raw")


def _product_detail() -> QuerySet:
    skus = Sku.objects.defer("raw").prefetch_related(
        Prefetch("inventory", queryset=Inventory.objects.select_related("warehouse"))
    )
    return _products().prefetch_related(Prefetch("skus", queryset=skus.order_by("seller_sku")))


def _orders() -> QuerySet:
    return Order.objects.select_related("shop").defer("raw")


def _order_detail() -> QuerySet:
    return _orders().prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("id")),
        Prefetch("packages", queryset=Package.objects.only("id", "order_id", "tiktok_id")),
    )


RESOURCES: dict[str, Resource] = {
    resource.name: resource
    for resource in (
        Resource("shops", Shop.objects.all, ShopFilterSet, schemas.shop_out, time_field=None),
        Resource(
            "products",
            _products,
            ProductFilterSet,
            schemas.product_out,
            detail_rows=_product_detail,
            detail_dump=schemas.product_detail_out,
        ),
        Resource(
            "orders",
            _orders,
            OrderFilterSet,
            schemas.order_out,
            detail_rows=_order_detail,
            detail_dump=schemas.order_detail_out,
        ),
        Resource(
            "packages",
            lambda: Package.objects.select_related("shop").defer("raw"),
            PackageFilterSet,
            schemas.package_out,
        ),
        Resource(
            "returns",
            lambda: Return.objects.select_related("shop").defer("raw"),
            ReturnFilterSet,
            schemas.return_out,
        ),
        Resource(
            "payments",
            lambda: Payment.objects.select_related("shop").defer("raw"),
            PaymentFilterSet,
            schemas.payment_out,
        ),
        Resource(
            "statements",
            # with_sums: the `sums` filter and `adds_up` read its annotation.
            lambda: Statement.objects.with_sums().select_related("shop").defer("raw"),
            StatementFilterSet,
            schemas.statement_out,
            time_field="statement_time",
        ),
    )
}


@cache
def filter_names(resource: Resource) -> tuple[str, ...]:
    """The query parameters a list takes besides cursor and limit (others are ignored)."""
    filterset = resource.filterset(None, queryset=resource.rows().none(), user=AnonymousUser())
    skipped = {*IGNORED_PARAMS, *filterset.context_params()}
    return tuple(name for name in filterset.form.fields if name not in skipped)


# --- the cursor -------------------------------------------------------------------------------


def _signer(resource: Resource) -> signing.Signer:
    return signing.Signer(salt=f"api.cursor.{resource.name}")


def cursor_for(resource: Resource, row: Model) -> str:
    """The opaque, signed position after `row` in its list."""
    time = getattr(row, resource.time_field) if resource.time_field else None
    position = [time.astimezone(UTC).isoformat() if time else None, row.pk]
    return _signer(resource).sign_object(position, compress=True)


def _position(resource: Resource, cursor: str) -> tuple[datetime | None, int]:
    try:
        time, pk = _signer(resource).unsign_object(cursor)
        if not isinstance(pk, int) or isinstance(pk, bool):
            raise ValueError(pk)
        return (datetime.fromisoformat(time) if time is not None else None), pk
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise QueryError({"cursor": [BAD_CURSOR]}) from exc


def _after(resource: Resource, queryset: QuerySet, cursor: str | None) -> QuerySet:
    """Rows after the cursor, newest first, rows without a time first (as PostgreSQL sorts)."""
    field = resource.time_field
    if field is None:
        queryset = queryset.order_by("-pk")
        return queryset.filter(pk__lt=_position(resource, cursor)[1]) if cursor else queryset
    queryset = queryset.order_by(F(field).desc(nulls_first=True), "-pk")
    if not cursor:
        return queryset
    time, pk = _position(resource, cursor)
    if time is None:
        after = Q(**{f"{field}__isnull": True, "pk__lt": pk}) | Q(**{f"{field}__isnull": False})
    else:
        after = Q(**{f"{field}__lt": time}) | Q(**{field: time, "pk__lt": pk})
    return queryset.filter(after)


# --- lists and details ------------------------------------------------------------------------


def _errors(form_errors: Mapping[str, Any]) -> dict[str, list[str]]:
    return {name: [str(message) for message in messages] for name, messages in form_errors.items()}


def list_page(resource_name: str, user: Any, params: Mapping[str, Any]) -> schemas.Page:
    """One page of a list for this person, filtered as the pages filter (dates are UTC days)."""
    resource = RESOURCES[resource_name]
    paging = PageForm({name: params.get(name) or "" for name in PAGING_PARAMS})
    allowed = filter_names(resource)
    data = {name: value for name, value in params.items() if name in allowed and value is not None}
    with timezone.override(UTC):
        filterset = resource.filterset(data, queryset=resource.visible(user), user=user)
        # API callers know shops by TikTok's id, as every row names them.
        filterset.form.fields["shop"].to_field_name = "tiktok_id"
        errors = _errors(paging.errors) if not paging.is_valid() else {}
        if not filterset.is_valid():
            errors.update(_errors(filterset.errors))
        if errors:
            raise QueryError(errors)
        limit = paging.cleaned_data["limit"] or DEFAULT_LIMIT
        rows = list(_after(resource, filterset.qs, paging.cleaned_data["cursor"])[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return schemas.Page(
        items=[resource.dump(row) for row in rows],
        next_cursor=cursor_for(resource, rows[-1]) if more else None,
    )


def valid_id(value: str) -> bool:
    """TikTok's ids are short digit strings; anything else cannot name a row."""
    return 0 < len(value) <= ID_MAX_LENGTH and value.isascii() and value.isalnum()


def detail(resource_name: str, user: Any, tiktok_id: str) -> Any:
    """One row by TikTok's id among the shops the person may see, in its detail shape."""
    resource = RESOURCES[resource_name]
    assert resource.detail_rows is not None and resource.detail_dump is not None
    if not valid_id(tiktok_id):
        raise NotFound
    rows = for_visible_shops(resource.detail_rows(), user, resource.shop_field)
    # TikTok's ids are unique per shop; the oldest mirrored row wins in the unlikely tie.
    row = rows.filter(tiktok_id=tiktok_id).order_by("pk").first()
    if row is None:
        raise NotFound
    return resource.detail_dump(row)
