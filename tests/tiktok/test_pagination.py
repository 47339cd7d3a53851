"""Page walks: to the end, resumable from a saved cursor, loud on failure, limits checked first."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.tiktok import samples
from tests.tiktok.fakes import FakeTikTok, assert_signed, fail, ok, query_of
from tiktok.client import TikTokClient
from tiktok.errors import ApiError, InvalidRequestError, PaginationError, TransportError
from tiktok.pagination import Page, check_batch, check_page_size, chunked, iter_items, paginate


def _orders_page(ids: list[str], next_token: str, total: int = 5) -> httpx.Response:
    orders = [dict(samples.ORDER, id=i) for i in ids]
    return ok({"orders": orders, "next_page_token": next_token, "total_count": total})


def test_walk_reaches_the_end_and_exposes_every_cursor(
    fake: FakeTikTok, client: TikTokClient
) -> None:
    fake.reply(
        _orders_page(["1", "2"], "tok/2+"),
        _orders_page(["3", "4"], "tok3"),
        _orders_page(["5"], ""),
    )
    pages = list(client.iter_order_pages(page_size=2, sort_field="update_time", sort_order="ASC"))
    assert [p.page_token for p in pages] == [None, "tok/2+", "tok3"]
    assert [p.next_page_token for p in pages] == ["tok/2+", "tok3", None]
    assert [p.is_last for p in pages] == [False, False, True]
    assert [o.id for o in iter_items(pages)] == ["1", "2", "3", "4", "5"]
    assert pages[0].total_count == 5 and len(pages[0]) == 2
    assert [query_of(r).get("page_token") for r in fake.requests] == [None, "tok/2+", "tok3"]
    for request in fake.requests:
        assert query_of(request)["page_size"] == "2"
        assert query_of(request)["sort_field"] == "update_time"
        assert_signed(request)


def test_walk_resumes_from_a_saved_cursor(fake: FakeTikTok, client: TikTokClient) -> None:
    fake.reply(_orders_page(["3", "4"], "tok3"), _orders_page(["5"], ""))
    pages = list(client.iter_order_pages(page_token="tok2"))
    assert [p.page_token for p in pages] == ["tok2", "tok3"]
    assert query_of(fake.requests[0])["page_token"] == "tok2"


def test_missing_next_token_ends_the_walk(fake: FakeTikTok, client: TikTokClient) -> None:
    fake.reply(ok({"orders": [samples.ORDER]}))
    pages = list(client.iter_order_pages())
    assert len(pages) == 1 and pages[0].is_last and pages[0].total_count is None


def test_error_mid_walk_raises_after_the_pages_already_seen(
    fake: FakeTikTok, client: TikTokClient
) -> None:
    fake.reply(_orders_page(["1", "2"], "tok2"), fail(21001001, "internal failure"))
    seen: list[Page] = []
    with pytest.raises(ApiError):
        for page in client.iter_order_pages(page_size=2):
            seen.append(page)
    # The caller saved page 1's cursor; nothing ever claims the walk was complete.
    assert len(seen) == 1 and seen[0].next_page_token == "tok2" and not seen[0].is_last


def test_network_failure_mid_walk_raises_after_retries(
    fake: FakeTikTok, client: TikTokClient
) -> None:
    fake.reply(_orders_page(["1"], "tok2"))
    fake.default = httpx.ReadTimeout("timed out")
    pages = client.iter_order_pages(page_size=1)
    next(pages)
    with pytest.raises(TransportError):
        next(pages)
    assert len(fake.requests) == 1 + 4  # reads are retried, then the failure surfaces


def test_a_cursor_that_repeats_is_an_error(fake: FakeTikTok, client: TikTokClient) -> None:
    fake.reply(_orders_page(["1"], "same"), _orders_page(["2"], "same"))
    with pytest.raises(PaginationError):
        list(client.iter_order_pages())


@pytest.mark.parametrize(
    ("walk", "reply"),
    [
        (lambda c: c.iter_product_pages(), ok(samples.SEARCH_PRODUCTS | {"next_page_token": ""})),
        (lambda c: c.iter_package_pages(), ok(samples.PACKAGE_SEARCH)),
        (lambda c: c.iter_return_pages(), ok(samples.RETURN_SEARCH)),
        (lambda c: c.iter_cancellation_pages(), ok(samples.CANCELLATION_SEARCH)),
        (lambda c: c.iter_statement_pages(), ok(samples.STATEMENTS)),
        (lambda c: c.iter_payment_pages(), ok(samples.PAYMENTS)),
        (
            lambda c: c.iter_statement_transaction_pages("7212341234123412345"),
            ok(samples.STATEMENT_TRANSACTIONS),
        ),
    ],
)
def test_every_list_has_a_walk(
    walk: Callable[[TikTokClient], object],
    reply: httpx.Response,
    fake: FakeTikTok,
    client: TikTokClient,
) -> None:
    fake.reply(reply)
    pages = list(walk(client))  # type: ignore[call-overload]
    assert len(pages) == 1 and pages[0].items


def test_order_detail_with_120_ids_makes_three_calls(
    fake: FakeTikTok, client: TikTokClient
) -> None:
    ids = [str(576461413038785000 + i) for i in range(120)]

    def answer(request: httpx.Request) -> httpx.Response:
        asked = query_of(request)["ids"].split(",")
        return ok({"orders": [dict(samples.ORDER, id=i) for i in asked]})

    fake.default = answer
    orders = client.get_orders(ids + ids[:10])  # duplicates are asked once
    assert [len(query_of(r)["ids"].split(",")) for r in fake.requests] == [50, 50, 20]
    assert [o.id for o in orders] == ids
    for request in fake.requests:
        assert_signed(request)


def test_order_detail_with_no_ids_sends_nothing(fake: FakeTikTok, client: TikTokClient) -> None:
    assert client.get_orders([]) == []
    assert fake.requests == []


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.search_orders(page_size=0),
        lambda c: c.search_orders(page_size=101),
        lambda c: c.search_products(page_size=101),
        lambda c: c.search_packages(page_size=51),
        lambda c: c.search_returns(page_size=9),  # returns start at 10
        lambda c: c.search_returns(page_size=51),
        lambda c: c.search_cancellations(page_size=51),
        lambda c: c.get_statements(page_size=101),
        lambda c: c.get_payments(page_size=0),
        lambda c: c.get_statement_transactions("1", page_size=101),
        lambda c: c.search_orders(page_size="20"),
        lambda c: list(c.iter_order_pages(page_size=500)),
    ],
)
def test_page_size_out_of_range_raises_before_sending(
    call: Callable[[TikTokClient], object], fake: FakeTikTok, client: TikTokClient
) -> None:
    with pytest.raises(InvalidRequestError, match="page_size"):
        call(client)
    assert fake.requests == []


def test_page_size_edges_are_accepted(fake: FakeTikTok, client: TikTokClient) -> None:
    fake.default = ok({})
    client.search_returns(page_size=10)
    client.search_orders(page_size=1)
    client.search_packages(page_size=50)
    assert [query_of(r)["page_size"] for r in fake.requests] == ["10", "1", "50"]


def test_helpers() -> None:
    assert check_page_size(5, 1, 10, "x") == 5
    with pytest.raises(InvalidRequestError):
        check_page_size(True, 1, 10, "x")  # type: ignore[arg-type]
    with pytest.raises(InvalidRequestError, match="at most 2"):
        check_batch([1, 2, 3], 2, "ids")
    assert [list(c) for c in chunked([1, 2, 3, 4, 5], 2)] == [[1, 2], [3, 4], [5]]


def test_paginate_can_stop_after_max_pages() -> None:
    calls: list[str | None] = []

    def fetch(token: str | None) -> Page[int]:
        calls.append(token)
        n = int(token or 0)
        return Page(items=(n,), next_page_token=str(n + 1), total_count=None, page_token=token)

    pages = list(paginate(fetch, max_pages=3))
    assert [p.items[0] for p in pages] == [0, 1, 2] and calls == [None, "1", "2"]
