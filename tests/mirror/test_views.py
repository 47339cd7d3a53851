"""The mirror's pages: status, fragment, database effect, constant queries, cross-shop 404.

Rows come from tests/factories.py; no OAuth connect or sync runs here.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import Product
from fulfillment.models import Return
from orders.models import Order
from shops.models import SyncRun
from tests.factories import (
    make_catalog_and_orders,
    make_line,
    make_order,
    make_product,
    make_shop,
    make_sku,
    make_user,
)

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def member():
    return make_user(role="operator")


@pytest.fixture
def shop(member):
    shop = make_shop(name="Main shop", members=(member,))
    make_catalog_and_orders(shop, products=4, orders=70)
    return shop


@pytest.fixture
def stranger():
    user = make_user(role="operator")
    make_shop(name="Someone else's shop", members=(user,))
    return user


def rows(response, testid: str) -> int:
    return response.content.decode().count(f'data-testid="{testid}"')


def test_products_list_filters_searches_and_has_a_fragment(client, shop, member):
    client.force_login(member)
    product = Product.objects.filter(shop=shop).first()
    page = client.get(reverse("products"))
    body = page.content.decode()
    assert page.status_code == 200 and "<html" in body and product.title in body
    assert "HX-Request" in [v.strip() for v in page["Vary"].split(",")]
    sku = product.skus.get().seller_sku
    fragment = client.get(reverse("products"), {"q": sku}, headers=HTMX)
    text = fragment.content.decode()
    assert "<html" not in text and 'id="product-list"' in text
    assert rows(fragment, "product-row") == 1 and sku in text
    make_product(shop, title="Empty one", stock=0)
    by_stock = client.get(reverse("products"), {"sort": "stock"}, headers=HTMX).content.decode()
    first_row = by_stock.split('data-testid="product-row"')[1]
    assert "Empty one" in first_row


def test_vary_header_on_page_and_fragment_and_history_restore_is_a_full_page(client, shop, member):
    client.force_login(member)
    restore = {**HTMX, "HX-History-Restore-Request": "true"}
    for name in ("products", "orders", "fulfillment", "returns"):
        page = client.get(reverse(name))
        fragment = client.get(reverse(name), headers=HTMX)
        restored = client.get(reverse(name), headers=restore)
        for response in (page, fragment, restored):
            assert "HX-Request" in [v.strip() for v in response["Vary"].split(",")], name
        assert "<html" in page.content.decode() and "<html" in restored.content.decode()
        assert "<html" not in fragment.content.decode()


def test_lists_cost_a_constant_number_of_queries(
    client, shop, member, django_assert_max_num_queries
):
    client.force_login(member)
    for name in ("products", "orders", "fulfillment", "returns"):
        with django_assert_max_num_queries(12):
            assert client.get(reverse(name)).status_code == 200
        with django_assert_max_num_queries(12):
            assert client.get(reverse(name), {"page": 2}, headers=HTMX).status_code == 200
    with django_assert_max_num_queries(12):
        assert (
            client.get(reverse("returns"), {"kind": "cancellations", "due": "1"}).status_code == 200
        )


def test_a_row_the_search_finds_several_ways_is_listed_and_counted_once(client, shop, member):
    client.force_login(member)
    order = make_order(shop, lines=0, recipient_name="Zed Quokka", buyer_nickname="quokka_fan")
    make_line(order, seller_sku="QUOKKA-1")
    make_line(order, seller_sku="QUOKKA-2")
    found = client.get(reverse("orders"), {"q": "QUOKKA"}, headers=HTMX)
    assert rows(found, "order-row") == 1 and order.tiktok_id in found.content.decode()
    assert "1–1 of 1<" in found.content.decode()
    # A product by its title and two of its SKUs, the same.
    product = make_product(shop, title="QUOKKA mug", skus=0)
    make_sku(product, seller_sku="QUOKKA-A")
    make_sku(product, seller_sku="QUOKKA-B")
    found = client.get(reverse("products"), {"q": "QUOKKA"}, headers=HTMX)
    assert rows(found, "product-row") == 1 and "1–1 of 1<" in found.content.decode()


def test_orders_list_filters_by_status_date_id_sku_and_buyer(client, shop, member):
    client.force_login(member)
    order = Order.objects.filter(shop=shop, status="COMPLETED").first()
    waiting = Order.objects.filter(shop=shop, status="AWAITING_SHIPMENT")
    by_status = client.get(reverse("orders"), {"status": "AWAITING_SHIPMENT"}, headers=HTMX)
    assert rows(by_status, "order-row") == waiting.count() > 0
    assert 'data-testid="ship-by"' in by_status.content.decode()
    by_id = client.get(reverse("orders"), {"q": order.tiktok_id}, headers=HTMX)
    assert rows(by_id, "order-row") == 1 and order.tiktok_id in by_id.content.decode()
    line = order.lines.get()
    with_sku = Order.objects.filter(shop=shop, lines__seller_sku__startswith=line.seller_sku)
    by_sku = client.get(reverse("orders"), {"q": line.seller_sku}, headers=HTMX)
    assert 0 < with_sku.values("pk").distinct().count() <= 50
    assert rows(by_sku, "order-row") == with_sku.values("pk").distinct().count()
    assert order.tiktok_id in by_sku.content.decode()
    by_buyer = client.get(reverse("orders"), {"q": order.recipient_name}, headers=HTMX)
    assert rows(by_buyer, "order-row") == 1
    day = timezone.localdate(order.create_time).isoformat()
    dated = client.get(reverse("orders"), {"date_from": day, "date_to": day, "q": order.tiktok_id})
    assert rows(dated, "order-row") == 1
    before = client.get(reverse("orders"), {"date_to": "2000-01-01"}, headers=HTMX)
    assert rows(before, "order-row") == 0
    assert "No match for these filters" in before.content.decode()


def test_orders_dates_are_read_in_the_users_zone(client, member):
    shop = make_shop(members=(member,))
    # 23:30 UTC on 1 March is already 2 March in Berlin.
    late = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    order = make_order(shop, created=late)
    client.force_login(member)
    march_first = {"date_from": "2026-03-01", "date_to": "2026-03-01"}
    assert order.tiktok_id in client.get(reverse("orders"), march_first).content.decode()
    client.post(reverse("profile"), {"time_zone": "Europe/Berlin"})
    berlin = client.get(reverse("orders"), march_first)
    assert order.tiktok_id not in berlin.content.decode()
    assert "Europe/Berlin" in berlin.content.decode()
    second = client.get(reverse("orders"), {"date_from": "2026-03-02", "date_to": "2026-03-02"})
    text = second.content.decode()
    assert order.tiktok_id in text and "02 Mar 2026 00:30" in text


def test_order_detail_shows_lines_packages_payment_and_timeline(client, shop, member):
    client.force_login(member)
    order = Order.objects.filter(shop=shop, packages__isnull=False).first()
    page = client.get(reverse("order-detail", args=[order.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert f"<title>Order {order.tiktok_id}" in body
    assert order.lines.get().seller_sku in body
    assert order.packages.get().tiktok_id in body
    assert f"{order.total_amount:,.2f} {order.currency}" in body
    assert "Placed" in body and "Paid" in body
    assert reverse("product-detail", args=[order.lines.get().sku.product_id]) in body
    fragment = client.get(reverse("order-detail", args=[order.pk]), headers=HTMX)
    assert "<html" not in fragment.content.decode()


def test_product_page_shows_skus_prices_stock_per_warehouse_and_recent_orders(client, shop, member):
    client.force_login(member)
    product = make_product(shop, skus=2, price=Decimal("12.50"), stock=7, title="Blue mug")
    sku = product.skus.first()
    order = make_order(shop, sku=sku)
    page = client.get(reverse("product-detail", args=[product.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and "<title>Blue mug" in body
    assert rows(page, "sku-row") == 2 and rows(page, "stock") == 2
    assert "12.50 USD" in body and "24.99 USD" in body
    assert f"https://shop.tiktok.com/view/product/{product.tiktok_id}" in body
    assert reverse("product-orders", args=[product.pk]) in body
    recent = client.get(reverse("product-orders", args=[product.pk]), headers=HTMX)
    assert rows(recent, "product-order-row") == 1 and order.tiktok_id in recent.content.decode()
    listed = client.get(reverse("products"), {"q": "Blue mug"}).content.decode()
    assert reverse("product-detail", args=[product.pk]) in listed


def test_other_shops_objects_are_404_everywhere(client, shop, stranger):
    client.force_login(stranger)
    order = Order.objects.filter(shop=shop).first()
    product = Product.objects.filter(shop=shop).first()
    for url in (
        reverse("order-detail", args=[order.pk]),
        reverse("product-detail", args=[product.pk]),
        reverse("product-orders", args=[product.pk]),
        reverse("shop-sync-history", args=[shop.pk]),
    ):
        assert client.get(url).status_code == 404, url
        assert client.get(url, headers=HTMX).status_code == 404, url
    assert client.get(reverse("shop-sync", args=[shop.pk]), headers=HTMX).status_code == 404
    retry = reverse("shop-sync-retry", args=[shop.pk, "orders"])
    assert client.post(retry, headers=HTMX).status_code == 404
    assert order.tiktok_id not in client.get(reverse("orders")).content.decode()
    # Asking for the other shop by id is a bad choice, not a way in.
    other = client.get(reverse("orders"), {"shop": shop.pk})
    assert order.tiktok_id not in other.content.decode()
    assert 'data-testid="filter-error"' in other.content.decode()
    export = client.get(reverse("products-export"))
    lines = b"".join(export.streaming_content).decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("shop,product_id")


def test_csv_exports_stream_the_filtered_lists(client, shop, member):
    client.force_login(member)
    response = client.get(reverse("orders-export"), {"status": "COMPLETED"})
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert table[0][:4] == ["shop", "order_id", "status", "created (UTC)"]
    assert len(table) - 1 == Order.objects.filter(shop=shop, status="COMPLETED").count() > 0
    assert {r[2] for r in table[1:]} == {"COMPLETED"}
    products = client.get(reverse("products-export"))
    lines = list(csv.reader(io.StringIO(b"".join(products.streaming_content).decode())))
    assert len(lines) - 1 == sum(p.skus.count() for p in Product.objects.filter(shop=shop))
    bad = client.get(reverse("orders-export"), {"q": "a\x00b"})
    assert bad.status_code == 400 and bad.content == b"Fix these filters, then export again: q.\n"


def test_returns_status_is_a_choice_in_plain_words(client, shop, member):
    client.force_login(member)
    page = client.get(reverse("returns")).content.decode()
    assert '<select name="status"' in page and "Request pending: your decision" in page
    pending = client.get(reverse("returns"), {"status": "RETURN_OR_REFUND_REQUEST_PENDING"})
    assert rows(pending, "inbox-row") == Return.objects.filter(shop=shop).count() == 1
    row = pending.content.decode().split('data-testid="inbox-row"')[1]
    assert "Request pending: your decision" in row.split("</tr>")[0]
    unknown = client.get(reverse("returns"), {"status": "NOPE"}).content.decode()
    assert 'data-testid="filter-error"' in unknown and "Pick one of the listed values." in unknown
    assert "NOPE" not in unknown.split('data-testid="filter-error"')[1][:200]
    due = client.get(reverse("returns"), {"type": "CANCEL", "state": "waiting"})
    assert rows(due, "inbox-row") == 1


def test_empty_states_tell_no_match_from_nothing_yet_and_far_pages_clamp(client, member):
    client.force_login(member)
    shop = make_shop(members=(member,))
    empty = client.get(reverse("orders")).content.decode()
    assert "appear here once a connected shop has been mirrored" in empty
    for _ in range(3):
        make_order(shop)
    filtered = client.get(reverse("orders"), {"q": "nobody-like-this"}).content.decode()
    assert "No match for these filters" in filtered and 'data-testid="reset-filters"' in filtered
    far = client.get(reverse("orders"), {"page": "999999"})
    assert rows(far, "order-row") == 3 and "Previous" not in far.content.decode()
    reversed_dates = client.get(
        reverse("orders"), {"date_from": "2026-05-02", "date_to": "2026-05-01"}
    ).content.decode()
    assert "The end date is before the start date." in reversed_dates


def test_sort_headers_show_direction_and_reverse(client, shop, member):
    client.force_login(member)
    page = client.get(reverse("orders")).content.decode()
    assert 'data-sort="created" data-sort-state="descending"' in page
    assert "sort=created" in page  # the link that reverses it
    ascending = client.get(reverse("orders"), {"sort": "created"})
    times = list(
        Order.objects.filter(shop=shop).order_by("create_time").values_list("tiktok_id", flat=True)
    )
    body = ascending.content.decode()
    assert body.index(times[0]) < body.index(times[1])
    assert 'data-sort="created" data-sort-state="ascending"' in body


def test_shops_page_shows_each_resource_and_polls_while_a_run_is_active(client, shop, member):
    client.force_login(member)
    SyncRun.objects.create(
        shop=shop, resource="orders", kind="full", status="succeeded", done=70, total=70
    )
    page = client.get(reverse("shops")).content.decode()
    assert 'data-testid="sync-orders"' in page and "Up to date" in page
    assert "every 1s" not in page
    SyncRun.objects.create(
        shop=shop, resource="orders", kind="incremental", status="running", total=400, done=100
    )
    partial = client.get(reverse("shop-sync", args=[shop.pk]), headers=HTMX).content.decode()
    assert "<html" not in partial and 'hx-trigger="every 1s"' in partial
    assert 'aria-valuenow="25"' in partial
    history = client.get(reverse("shop-sync-history", args=[shop.pk])).content.decode()
    assert history.count("<tr>") == 3  # header + two runs
    assert "<html" in history  # without JavaScript the link opens a page


def test_retry_queues_the_failed_runs_kind_and_works_without_javascript(client, shop, member):
    client.force_login(member)
    SyncRun.objects.create(
        shop=shop, resource="returns", kind="full", status="failed", error="TikTok failed: boom"
    )
    page = client.get(reverse("shops")).content.decode()
    assert "TikTok failed: boom" in page and "Retry" in page
    retry = reverse("shop-sync-retry", args=[shop.pk, "returns"])
    assert f'method="post" action="{retry}"' in page
    response = client.post(retry, headers=HTMX)
    assert response.status_code == 200 and "toast" in response["HX-Trigger"]
    latest = SyncRun.objects.filter(shop=shop, resource="returns").order_by("-created_at").first()
    assert (latest.status, latest.kind) == ("queued", "full")
    latest.delete()
    plain = client.post(retry)
    assert plain.status_code == 302 and plain["Location"] == reverse("shops")
    assert SyncRun.objects.filter(shop=shop, resource="returns", status="queued").count() == 1
    assert client.post(reverse("shop-sync-retry", args=[shop.pk, "nope"])).status_code == 404


def test_a_resource_is_named_in_words_on_the_card_in_the_history_and_in_the_toast(
    client, shop, member
):
    client.force_login(member)
    SyncRun.objects.create(shop=shop, resource="order_settlements", kind="full", status="failed")
    page = client.get(reverse("shops")).content.decode()
    assert ">Order settlements</td>" in page and "Order_Settlements" not in page
    history = client.get(reverse("shop-sync-history", args=[shop.pk])).content.decode()
    assert "<td>Order settlements</td>" in history
    retry = reverse("shop-sync-retry", args=[shop.pk, "order_settlements"])
    toast = client.post(retry, headers=HTMX)["HX-Trigger"]
    assert f"Order settlements of {shop.name} will sync again." in toast


def test_exported_text_never_runs_as_a_spreadsheet_formula():
    from shops.listing import spreadsheet_safe

    assert spreadsheet_safe('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert spreadsheet_safe("@SUM(A1)") == "'@SUM(A1)"
    assert spreadsheet_safe("Blue mug") == "Blue mug"
    assert spreadsheet_safe(-3) == -3
