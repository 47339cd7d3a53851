"""What every list shares: capped offset pages with a capped count, and streamed CSV."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone

PER_PAGE = 50
# Counting stops here: an exact COUNT(*) over a whole mirror costs more than the page itself.
COUNT_CAP = 10_000
# Pages stop where counting stops, so the deepest page costs about what the first one does
# (an offset of at most COUNT_CAP index entries); past it, narrowing the filters is the answer.
MAX_PAGE = COUNT_CAP // PER_PAGE
# A text search counts less far: its matches come from several indexes at once (shops.search),
# and counting 10,000 of them costs what a page of any other list does ten times over.
SEARCH_COUNT_CAP = 1_000


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


def paginate(
    queryset: QuerySet, page: int, per_page: int = PER_PAGE, cap: int = COUNT_CAP
) -> Listing:
    """One page of rows (one query) and the total counted up to `cap` (one query).

    A page past the last one shows the last one, never "0 results" with a Previous button;
    pages stop where counting does.
    """
    count = queryset.order_by().values("pk")[: cap + 1].count()
    last_page = max(1, -(-min(count, cap) // per_page))
    page = min(max(page, 1), last_page)
    offset = (page - 1) * per_page
    rows = list(queryset[offset : offset + per_page + 1])
    return Listing(
        rows=rows[:per_page],
        page=page,
        per_page=per_page,
        has_next=len(rows) > per_page and page < last_page,
        count=min(count, cap),
        count_capped=count > cap,
    )


def query_without(request: HttpRequest, *names: str) -> str:
    """The request's query string without some parameters (for page and sort links)."""
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


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


def filter_errors_response(errors: Any) -> HttpResponse:
    """A CSV export asked with a bad filter value: 400 and what to fix, never a partial file."""
    # Field names only: the messages quote the value sent, which is not ours to echo.
    names = ", ".join(sorted(errors))
    return HttpResponse(
        f"Fix these filters, then export again: {names}.\n", status=400, content_type="text/plain"
    )


def export_time(value: Any) -> str:
    """A time for a CSV cell, in the display zone with its offset (ISO 8601)."""
    return timezone.localtime(value).isoformat() if value else ""


def zone_name() -> str:
    return timezone.get_current_timezone_name()
