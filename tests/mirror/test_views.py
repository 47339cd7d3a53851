"""The mirror's pages: status, fragment, database effect, constant queries, cross-shop 404."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from catalog.models import Product
from orders.models import Order
from shops.models import SyncRun
from shops.sync import sync_shop
from tests.factories import make_user
from tests.shops.helpers import make_shop

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def mirrored(connected):
    handle, shop = connected
    sync_shop(shop_id=shop.pk)
    return handle, shop


@pytest.fixture
def member(mirrored):
    _, shop = mirrored
    user = make_user(role="operator")
    shop.members.add(user)
    return user


@pytest.fixture
def stranger(mirrored):
    make_shop(name="Someone else's shop").members.add(user := make_user(role="operator"))
    return user


def test_products_list_filters_searches_and_has_a_fragment(client, mirrored, member):
    _, shop = mirrored
    client.force_login(member)
    product = Product.objects.filter(shop=shop).first()
    page = client.get(reverse("products"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "<html" in body and product.title[:30] in body
    sku = product.skus.first().seller_sku
    fragment = client.get(reverse("products"), {"q": sku}, headers=HTMX)
    text = fragment.content.decode()
    assert "<html" not in text and 'id="product-table"' in text
    assert sku in text and text.count('data-testid="product-row"') >= 1
    active = client.get(reverse("products"), {"status": "ACTIVATE", "sort": "-stock"})
    assert active.status_code == 200


def test_lists_cost_a_constant_number_of_queries(
    client, mirrored, member, django_assert_max_num_queries
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


def test_orders_list_filters_by_status_date_id_sku_and_buyer(client, mirrored, member):
    _, shop = mirrored
    client.force_login(member)
    order = Order.objects.filter(shop=shop, status="COMPLETED").first()
    by_status = client.get(reverse("orders"), {"status": "AWAITING_SHIPMENT"}, headers=HTMX)
    rows = by_status.content.decode().count('data-testid="order-row"')
    assert rows == min(50, Order.objects.filter(shop=shop, status="AWAITING_SHIPMENT").count())
    assert 'data-testid="ship-by"' in by_status.content.decode()
    by_id = client.get(reverse("orders"), {"q": order.tiktok_id}, headers=HTMX).content.decode()
    assert by_id.count('data-testid="order-row"') == 1 and order.tiktok_id in by_id
    line = order.lines.first()
    by_sku = client.get(reverse("orders"), {"q": line.seller_sku}, headers=HTMX).content.decode()
    assert order.tiktok_id in by_sku or "Next" in by_sku
    by_buyer = client.get(reverse("orders"), {"q": order.recipient_name.split()[0]}, headers=HTMX)
    assert by_buyer.content.decode().count('data-testid="order-row"') >= 1
    day = order.create_time.date().isoformat()
    dated = client.get(reverse("orders"), {"from": day, "to": day, "q": order.tiktok_id})
    assert order.tiktok_id in dated.content.decode()
    before = client.get(reverse("orders"), {"to": "2000-01-01"}, headers=HTMX).content.decode()
    assert 'data-testid="order-row"' not in before


def test_order_detail_shows_lines_packages_payment_and_timeline(client, mirrored, member):
    _, shop = mirrored
    client.force_login(member)
    order = Order.objects.filter(shop=shop, status="COMPLETED").first()
    page = client.get(reverse("order-detail", args=[order.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert order.lines.first().seller_sku in body
    assert order.packages.first().tiktok_id in body
    assert f"{order.total_amount:,.2f} {order.currency}" in body
    assert "Delivered" in body and "Paid" in body
    fragment = client.get(reverse("order-detail", args=[order.pk]), headers=HTMX)
    assert "<html" not in fragment.content.decode()


def test_other_shops_objects_are_404_everywhere(client, mirrored, stranger):
    _, shop = mirrored
    client.force_login(stranger)
    order = Order.objects.filter(shop=shop).first()
    assert client.get(reverse("order-detail", args=[order.pk])).status_code == 404
    assert client.get(reverse("order-detail", args=[order.pk]), headers=HTMX).status_code == 404
    assert client.get(reverse("shop-sync", args=[shop.pk]), headers=HTMX).status_code == 404
    assert client.get(reverse("shop-sync-history", args=[shop.pk])).status_code == 404
    retry = reverse("shop-sync-retry", args=[shop.pk, "orders"])
    assert client.post(retry, headers=HTMX).status_code == 404
    listed = client.get(reverse("orders")).content.decode()
    assert order.tiktok_id not in listed
    assert "products.csv" not in client.get(reverse("products-export")).get(
        "Content-Disposition", "x"
    ) or (b"".join(client.get(reverse("products-export")).streaming_content).count(b"\n") == 1)


def test_csv_exports_stream_the_filtered_lists(client, mirrored, member):
    _, shop = mirrored
    client.force_login(member)
    response = client.get(reverse("orders-export"), {"status": "COMPLETED"})
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["shop", "order_id", "status"]
    assert len(rows) - 1 == Order.objects.filter(shop=shop, status="COMPLETED").count()
    assert {r[2] for r in rows[1:]} == {"COMPLETED"}
    products = client.get(reverse("products-export"))
    lines = list(csv.reader(io.StringIO(b"".join(products.streaming_content).decode())))
    assert len(lines) - 1 == sum(p.skus.count() for p in Product.objects.filter(shop=shop))


def test_shops_page_shows_each_resource_and_polls_while_a_run_is_active(client, mirrored, member):
    _, shop = mirrored
    client.force_login(member)
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
    assert history.count("<tr>") >= 6


def test_retry_resumes_a_failed_run(client, mirrored, member, django_capture_on_commit_callbacks):
    _, shop = mirrored
    client.force_login(member)
    SyncRun.objects.create(
        shop=shop, resource="returns", kind="full", status="failed", error="TikTok failed: boom"
    )
    page = client.get(reverse("shops")).content.decode()
    assert "TikTok failed: boom" in page and "Retry" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("shop-sync-retry", args=[shop.pk, "returns"]), headers=HTMX)
    assert response.status_code == 200 and "toast" in response["HX-Trigger"]
    latest = SyncRun.objects.filter(shop=shop, resource="returns").order_by("-created_at").first()
    assert latest.status == "succeeded"
    assert client.post(reverse("shop-sync-retry", args=[shop.pk, "nope"])).status_code == 404


def test_exported_text_never_runs_as_a_spreadsheet_formula():
    from shops.listing import spreadsheet_safe

    assert spreadsheet_safe('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert spreadsheet_safe("@SUM(A1)") == "'@SUM(A1)"
    assert spreadsheet_safe("Blue mug") == "Blue mug"
    assert spreadsheet_safe(-3) == -3
