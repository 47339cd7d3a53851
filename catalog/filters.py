"""Filters of the products list (the page, its CSV export, and later the API)."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

import django_filters
from django import forms
from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef, QuerySet

from catalog.models import ChangeRow, ChangeSet, Product, ProductQuerySet, Sku
from catalog.services import WARNINGS
from shops.filters import ListFilterSet, SearchFilter, filter_days
from shops.models import Shop


class ProductFilterSet(ListFilterSet):
    """Shop, status (deleted ones only when asked for), title or seller-SKU search, sort."""

    SORTS: ClassVar[dict[str, tuple[str, ...]]] = {
        "updated": ("update_time", "id"),
        "title": ("title", "id"),
        "stock": ("stock_total", "id"),
        "price": ("price_min", "id"),
    }
    DEFAULT_SORT = "-updated"
    TEXT_SEARCH = "q"

    status = django_filters.ChoiceFilter(
        choices=Product.Status.choices, empty_label="Any status", method="filter_status"
    )
    stock = django_filters.ChoiceFilter(
        choices=[("out", "A SKU out of stock"), ("low", "A SKU low on stock")],
        empty_label="Any stock",
        method="filter_stock",
        label="Stock",
    )
    q = SearchFilter(method="filter_search", label="Title, or seller SKU (starts with)")

    def filter_stock(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        skus = Sku.objects.filter(product=OuterRef("pk"), deleted_at__isnull=True)
        if value == "out":
            skus = skus.filter(stock_total__lte=0)
        else:
            skus = skus.filter(stock_total__gt=0, stock_total__lt=settings.LOW_STOCK_THRESHOLD)
        return queryset.filter(Exists(skus))

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == Product.Status.DELETED:
            return queryset.filter(deleted_at__isnull=False)
        return queryset.filter(status=value)

    def filter_search(self, queryset: ProductQuerySet, name: str, value: str) -> QuerySet:
        return queryset.search(value)

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        deleted = self.form.is_valid() and self.form.cleaned_data.get("status") == "DELETED"
        assert isinstance(queryset, ProductQuerySet)
        return super().filter_queryset(queryset if deleted else queryset.live())


DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def change_set_people(request: Any) -> QuerySet[User]:
    """People who made a change set the viewer may see."""
    if request is None:
        return User.objects.none()
    made = ChangeSet.objects.visible_to(request.user).values("created_by")
    return User.objects.filter(pk__in=made).order_by("username")


class ChangeSetFilterSet(ListFilterSet):
    """The history of change sets: state, a shop it touches, who made it, when; newest first."""

    SORTS: ClassVar[dict[str, tuple[str, ...]]] = {"created": ("created_at", "id")}
    DEFAULT_SORT = "-created"

    shop = django_filters.ModelChoiceFilter(
        queryset=Shop.objects.none(), empty_label="All shops", label="Shop", method="filter_shop"
    )
    state = django_filters.ChoiceFilter(
        choices=ChangeSet.State.choices, empty_label="Any state", label="State"
    )
    person = django_filters.ModelChoiceFilter(
        field_name="created_by", queryset=change_set_people, empty_label="Anyone", label="Who"
    )
    date_from = django_filters.DateFilter(
        method="filter_from", label="Made from", widget=DATE_INPUT
    )
    date_to = django_filters.DateFilter(method="filter_to", label="Made to", widget=DATE_INPUT)

    def filter_shop(self, queryset: QuerySet, name: str, value: Shop) -> QuerySet:
        return queryset.filter(
            Exists(ChangeRow.objects.filter(change_set=OuterRef("pk"), shop=value))
        )

    def filter_from(self, queryset: QuerySet, name: str, value: date) -> QuerySet:
        return filter_days(queryset, "created_at", value, None)

    def filter_to(self, queryset: QuerySet, name: str, value: date) -> QuerySet:
        return filter_days(queryset, "created_at", None, value)


class ChangeRowFilterSet(ListFilterSet):
    """A change set's rows: shop, warning, outcome, TikTok's error, sort."""

    SORTS: ClassVar[dict[str, tuple[str, ...]]] = {
        "id": ("id",),
        "sku": ("sku__seller_sku", "id"),
        "shop": ("shop__name", "id"),
        "outcome": ("outcome", "id"),
        "difference": ("difference", "id"),
    }
    DEFAULT_SORT = "id"

    warning = django_filters.ChoiceFilter(
        choices=list(WARNINGS.items()),
        empty_label="Any warning",
        label="Warning",
        method="filter_warning",
    )
    outcome = django_filters.ChoiceFilter(
        choices=ChangeRow.Outcome.choices, empty_label="Any outcome", label="Outcome"
    )
    error = django_filters.CharFilter(
        field_name="message", max_length=2000, label="TikTok's error", widget=forms.HiddenInput
    )

    def filter_warning(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(warnings__contains=[value])
