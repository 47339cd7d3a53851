"""Cursor pages (`page_token` → `next_page_token`): walks that end, resume or fail loudly (§6)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from tiktok.errors import InvalidRequestError, PaginationError

T = TypeVar("T")
P = TypeVar("P", bound="Page[Any]")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results and the cursors around it, so a caller can save and resume."""

    items: tuple[T, ...]
    # None on the last page (TikTok sends "" or omits it).
    next_page_token: str | None
    total_count: int | None
    # The cursor that fetched this page (None: the first page).
    page_token: str | None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_last(self) -> bool:
        """True when no page follows."""
        return not self.next_page_token

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def page_from_data(
    data: Mapping[str, Any],
    items_key: str,
    parse: Callable[[Mapping[str, Any]], T],
    page_token: str | None,
) -> Page[T]:
    """Build a Page from a list response's `data` object."""
    items = data.get(items_key) or ()
    total = data.get("total_count")
    try:
        total_count = int(total) if total is not None and total != "" else None
    except (TypeError, ValueError):
        total_count = None
    return Page(
        items=tuple(parse(item) for item in items if isinstance(item, Mapping)),
        next_page_token=str(data.get("next_page_token") or "") or None,
        total_count=total_count,
        page_token=page_token,
        raw=data,
    )


def paginate(
    fetch: Callable[[str | None], P],
    *,
    page_token: str | None = None,
    max_pages: int | None = None,
) -> Iterator[P]:
    """Fetch pages from `page_token` (None: the start) until the last one.

    Any failure propagates, so a walk that did not reach the last page never ends quietly.
    """
    seen: set[str] = set()
    token = page_token
    fetched = 0
    while True:
        if max_pages is not None and fetched >= max_pages:
            return
        page = fetch(token)
        fetched += 1
        yield page
        next_token = page.next_page_token
        if not next_token:
            return
        if next_token in seen or next_token == token:
            raise PaginationError(
                "TikTok returned a page cursor it already gave; the walk would never end"
            )
        seen.add(next_token)
        token = next_token


def iter_items(pages: Iterable[Page[T]]) -> Iterator[T]:
    """Every item of every page, in order."""
    for page in pages:
        yield from page.items


def check_page_size(page_size: int, low: int, high: int, endpoint: str) -> int:
    """Refuse a page size the endpoint would reject, before anything is sent."""
    if isinstance(page_size, bool) or not isinstance(page_size, int):
        raise InvalidRequestError(f"page_size for {endpoint} must be an integer")
    if not low <= page_size <= high:
        raise InvalidRequestError(
            f"page_size for {endpoint} must be between {low} and {high}, got {page_size}"
        )
    return page_size


def check_batch(ids: Sequence[Any], limit: int, what: str) -> None:
    """Refuse more ids than one call takes, before anything is sent."""
    if len(ids) > limit:
        raise InvalidRequestError(f"at most {limit} {what} per call, got {len(ids)}")


def chunked(values: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Consecutive slices of at most `size` values."""
    for start in range(0, len(values), size):
        yield values[start : start + size]
