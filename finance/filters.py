"""Filters of the finance lists: statements, payments, unsettled orders, differences, analytics."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

import django_filters
from django import forms
from django.db.models import QuerySet

from finance.models import PaymentStatus
from finance.reconciliation import Component, State
from shops.filters import ListFilterSet, SearchFilter, filter_days

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CHECKS = [("off", "Not adding up"), ("ok", "Adding up")]
DIFFERENCE_STATES = [
    (State.DIFFERENCE, State.DIFFERENCE.label),
    (State.REFUNDED_AFTER, State.REFUNDED_AFTER.label),
]


class _DatedFilterSet(ListFilterSet):
    """A list with "from" and "to" days on one time field (display zone)."""

    DATE_FIELD: ClassVar[str] = ""

    date_from = django_filters.DateFilter(method="filter_from", label="From", widget=DATE_INPUT)
    date_to = django_filters.DateFilter(method="filter_to", label="To", widget=DATE_INPUT)

    def filter_from(self, queryset: QuerySet, name: str, value: date) -> QuerySet:
        return filter_days(queryset, self.DATE_FIELD, value, None)

    def filter_to(self, queryset: QuerySet, name: str, value: date) -> QuerySet:
        return filter_days(queryset, self.DATE_FIELD, None, value)


class StatementFilterSet(_DatedFilterSet):
    """Shop, statement days, payment status, and whether the transactions add up."""

    DATE_FIELD = "statement_time"
    SORTS: ClassVar[dict[str, tuple[str, ...]]] = {
        "time": ("statement_time", "id"),
        "settlement": ("settlement_amount", "id"),
    }
    DEFAULT_SORT = "-time"

    payment_status = django_filters.ChoiceFilter(
        choices=PaymentStatus.choices, empty_label="Any payment status", label="Payment status"
    )
    sums = django_filters.ChoiceFilter(
        choices=CHECKS, empty_label="Any check", method="filter_sums", label="Transactions"
    )

    payment = SearchFilter(
        field_name="payment_tiktok_id", label="Payment id (exact)", max_length=32
    )

    def filter_sums(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # `adds_up` is annotated by the view (StatementQuerySet.with_sums).
        queryset = queryset.filter(transactions_synced=True)
        return queryset.filter(adds_up=value == "ok")


class PaymentFilterSet(_DatedFilterSet):
    """Shop, payment days and status."""

    DATE_FIELD = "create_time"
    SORTS: ClassVar[dict[str, tuple[str, ...]]] = {
        "created": ("create_time", "id"),
        "amount": ("amount", "id"),
    }
    DEFAULT_SORT = "-created"

    status = django_filters.ChoiceFilter(choices=PaymentStatus.choices, empty_label="Any status")


class UnsettledFilterSet(_DatedFilterSet):
    """Shop and order days; sorted by when TikTok expects to settle."""

    DATE_FIELD = "order_create_time"
    SORTS: ClassVar[dict[str, tuple[str, ...]]] = {
        "expected": ("est_settlement_time", "id"),
        "created": ("order_create_time", "id"),
        "amount": ("est_settlement_amount", "id"),
    }
    DEFAULT_SORT = "expected"

    q = SearchFilter(method="filter_order", label="Order id (exact)")

    def filter_order(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(tiktok_id=value.strip())


class DifferenceFilterSet(_DatedFilterSet):
    """Settled orders that do not match: shop, order days, state and component; by amount."""

    DATE_FIELD = "create_time"
    SORTS: ClassVar[dict[str, tuple[str, ...]]] = {
        "amount": ("difference_size", "id"),
        "created": ("create_time", "id"),
    }
    DEFAULT_SORT = "-amount"

    state = django_filters.ChoiceFilter(
        choices=DIFFERENCE_STATES, empty_label="Differences and late refunds", method="filter_state"
    )
    component = django_filters.ChoiceFilter(
        choices=Component.choices, empty_label="Any component", method="filter_component"
    )
    q = SearchFilter(method="filter_order", label="Order id (exact)")

    def filter_state(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(state=value)

    def filter_component(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(component=value)

    def filter_order(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(tiktok_id=value.strip())


WITHDRAWAL_TYPES = [
    (t, t.capitalize()) for t in ("WITHDRAW", "SETTLE", "TRANSFER", "REVERSE", "PAYMENT", "REFUND")
]
WITHDRAWAL_STATUSES = [("SUCCESS", "Succeeded"), ("PROCESSING", "Processing"), ("FAILED", "Failed")]


class WithdrawalFilterSet(_DatedFilterSet):
    """Shop, days, type and status of balance movements."""

    DATE_FIELD = "create_time"
    SORTS: ClassVar[dict[str, tuple[str, ...]]] = {
        "created": ("create_time", "id"),
        "amount": ("amount", "id"),
    }
    DEFAULT_SORT = "-created"

    type = django_filters.ChoiceFilter(choices=WITHDRAWAL_TYPES, empty_label="Any type")
    status = django_filters.ChoiceFilter(choices=WITHDRAWAL_STATUSES, empty_label="Any status")
