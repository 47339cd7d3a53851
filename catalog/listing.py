"""What every mirror list shares: filters by visible shop, offset pages and a capped count."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone

PER_PAGE = 50
# Counting stops here: an exact COUNT(*) over a whole mirror costs more than the page itself.
COUNT_CAP = 10_000
MAX_PAGE = 2_000


@dataclass(frozen=True)
class Listing:
    """One page of rows and where it sits in the (capped) total."""

    rows: list[Any]
    page: int
    per_page: int
    has_next: bool
    count: int
    count_capped: bool

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return (self.page - 1) * self.per_page + len(self.rows)


def page_number(request: HttpRequest) -> int:
    try:
        return min(max(int(request.GET.get("page", 1)), 1), MAX_PAGE)
    except ValueError:
        return 1


def paginate(queryset: QuerySet, page: int, per_page: int = PER_PAGE) -> Listing:
    """Rows of one page (one query) and the total counted up to COUNT_CAP (one query)."""
    offset = (page - 1) * per_page
    rows = list(queryset[offset : offset + per_page + 1])
    count = queryset.order_by().values("pk")[: COUNT_CAP + 1].count()
    return Listing(
        rows=rows[:per_page],
        page=page,
        per_page=per_page,
        has_next=len(rows) > per_page,
        count=min(count, COUNT_CAP),
        count_capped=count > COUNT_CAP,
    )


def query_without(request: HttpRequest, *names: str) -> str:
    """The request's query string without some parameters (for page and sort links)."""
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


def parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def day_start(day: date | None) -> datetime | None:
    """Midnight of a day in the current time zone, as an aware datetime."""
    if day is None:
        return None
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(timezone.get_current_timezone_name()))


class _Echo:
    def write(self, value: str) -> str:
        return value


FORMULA_STARTS = ("=", "+", "-", "@", "|", "\t", "\r", "\n")


def spreadsheet_safe(value: Any) -> Any:
    """Text a spreadsheet would run as a formula, quoted so it shows as text.

    Spreadsheets skip leading spaces before a formula sign (" =1+1" runs too), and `|` starts a
    DDE link in some of them.
    """
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Any], line: Callable[[Any], Sequence[Any]]
) -> StreamingHttpResponse:
    """Stream rows as CSV, so an export of the whole mirror never sits in memory."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([spreadsheet_safe(value) for value in line(row)])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
