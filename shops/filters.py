"""What every list's FilterSet shares: the visible-shop select, sort, page and date ranges.

Pages, CSV exports (and later the REST API and MCP) bind the same FilterSets, so a value is
validated once: a bad one becomes a message beside its field and the list shows nothing,
never a 500.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, ClassVar

import django_filters
from django import forms
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils import timezone

from shops import commands
from shops.access import for_visible_shops
from shops.listing import COUNT_CAP, MAX_PAGE, SEARCH_COUNT_CAP
from shops.models import Command, Shop

SEARCH_MAX_LENGTH = 200
INVALID_CHOICE = "Pick one of the listed values."


class ListForm(forms.Form):
    """The form behind every list filter: page is lenient (a bad page is page 1)."""

    page = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_page(self) -> int:
        value = self.cleaned_data.get("page") or ""
        if not (value.isascii() and value.isdigit()) or len(value) > 6:
            return 1
        return min(max(int(value), 1), MAX_PAGE)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned


def day_start(day: date) -> datetime:
    """Midnight of a day in the display zone (the user's), as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def day_after(day: date) -> datetime | None:
    """Midnight after a day in the display zone; None past the calendar's last day."""
    if day >= date.max - timedelta(days=1):
        return None
    return day_start(day + timedelta(days=1))


class SearchInput(forms.TextInput):
    input_type = "search"


class SearchFilter(django_filters.CharFilter):
    """Free text, stripped and bounded (Django's CharField already refuses NUL bytes)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", SEARCH_MAX_LENGTH)
        kwargs.setdefault("widget", SearchInput)
        kwargs.setdefault("label", "Search")
        super().__init__(*args, **kwargs)


class ListFilterSet(django_filters.FilterSet):
    """Base of every list's filters: shop (among the visible ones), sort, and the page.

    Subclasses set SORTS ({key: ordering}); "-key" is the reverse of "key".
    """

    SORTS: ClassVar[dict[str, tuple[str, ...]]] = {}
    DEFAULT_SORT: ClassVar[str] = ""
    # The filter that searches text across several indexes (shops.search), if any.
    TEXT_SEARCH: ClassVar[str] = ""

    shop = django_filters.ModelChoiceFilter(
        queryset=Shop.objects.none(), empty_label="All shops", label="Shop"
    )
    sort = django_filters.ChoiceFilter(
        choices=(), method="_no_filter", label="Sort", widget=forms.HiddenInput
    )

    class Meta:
        form = ListForm
        fields: ClassVar[list[str]] = []

    def __init__(self, data: Any = None, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(data, *args, **kwargs)
        self.user = user
        self.filters["shop"].queryset = Shop.objects.visible_to(user)
        self.filters["sort"].extra["choices"] = [
            (key, key) for name in self.SORTS for key in (name, f"-{name}")
        ]
        for field in self.form.fields.values():
            # Django's message quotes the value sent back; ours names what to do instead.
            field.error_messages["invalid_choice"] = INVALID_CHOICE

    def _no_filter(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        return queryset

    @property
    def sort_key(self) -> str:
        """The sort in force: the requested one when valid, else the list's default."""
        if self.is_bound and self.form.is_valid() and self.form.cleaned_data.get("sort"):
            return self.form.cleaned_data["sort"]
        return self.DEFAULT_SORT

    @property
    def count_cap(self) -> int:
        """How far the list's total is counted: less far while a text search is on."""
        valid = self.TEXT_SEARCH and self.is_bound and self.form.is_valid()
        return (
            SEARCH_COUNT_CAP
            if valid and self.form.cleaned_data.get(self.TEXT_SEARCH)
            else COUNT_CAP
        )

    @property
    def page(self) -> int:
        if self.is_bound and self.form.is_valid():
            return self.form.cleaned_data["page"]
        return 1

    @property
    def is_filtered(self) -> bool:
        """Whether the user narrowed the list (for "no match" versus "nothing yet")."""
        if not self.is_bound:
            return False
        ignored = {"page", "sort", *self.context_params()}
        return any(v for k, v in self.data.items() if k not in ignored and k in self.form.fields)

    def context_params(self) -> tuple[str, ...]:
        """Parameters that pick the list rather than narrow it (e.g. returns/cancellations)."""
        return ()

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if self.is_bound and not self.form.is_valid():
            return queryset.none()
        for name, value in self.form.cleaned_data.items():
            if name in self.filters:  # the form's own fields (page) filter nothing
                queryset = self.filters[name].filter(queryset, value)
        key = self.sort_key
        ordering = self.SORTS.get(key.lstrip("-"), ())
        if key.startswith("-"):
            ordering = tuple(f[1:] if f.startswith("-") else f"-{f}" for f in ordering)
        return queryset.order_by(*ordering) if ordering else queryset

    @property
    def rows(self) -> QuerySet:
        """The visible rows, filtered and sorted (none while a filter value is invalid)."""
        return self.qs


def filter_days(queryset: QuerySet, field: str, start: date | None, end: date | None) -> QuerySet:
    """Rows whose `field` falls on the days [start, end] in the display zone."""
    if start is not None:
        queryset = queryset.filter(**{f"{field}__gte": day_start(start)})
    if end is not None and (after := day_after(end)) is not None:
        queryset = queryset.filter(**{f"{field}__lt": after})
    return queryset


def command_kind_choices() -> list[tuple[str, str]]:
    return [(name, commands.kind_for(name).label) for name in commands.kind_names()]


def command_people(request: Any) -> QuerySet[User]:
    """People who asked for a change in a shop the viewer may see."""
    if request is None:
        return User.objects.none()
    actors = for_visible_shops(Command.objects.all(), request.user).values("actor")
    return User.objects.filter(pk__in=actors).order_by("username")


class CommandFilterSet(ListFilterSet):
    """The Activity page: shop, kind of change, status and the person who asked, newest first."""

    SORTS: ClassVar[dict[str, tuple[str, ...]]] = {"created": ("created_at", "id")}
    DEFAULT_SORT = "-created"

    kind = django_filters.ChoiceFilter(
        choices=command_kind_choices, empty_label="Any change", label="Change"
    )
    status = django_filters.ChoiceFilter(
        choices=Command.Status.choices, empty_label="Any status", label="Status"
    )
    person = django_filters.ModelChoiceFilter(
        field_name="actor", queryset=command_people, empty_label="Anyone", label="Person"
    )
