"""The ship pages: choose, pre-flight with held back and the count, progress; per-shop 404s."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from fulfillment.models import ShipBatch
from shops.models import Command
from tests.factories import make_order, make_package, make_shop, make_user

pytestmark = pytest.mark.django_db

HOSTILE = ["\x00", "²", "x" * 5000, "2026-13-45", "1e10"]


@pytest.fixture
def operator(client):
    user = make_user()
    client.force_login(user)
    return user


def to_ship(shop, **order_fields):
    return make_package(
        make_order(shop, **order_fields), status="TO_FULFILL", shipping_type="TIKTOK"
    )


def test_the_choose_page_lists_only_visible_packages_to_ship(client, operator):
    mine, other = make_shop(members=(operator,)), make_shop()
    shown = to_ship(mine)
    hidden = to_ship(other)
    make_package(make_order(mine), status="PROCESSING")
    page = client.get(reverse("ship-choose")).content.decode()
    assert shown.tiktok_id in page
    assert hidden.tiktok_id not in page
    assert "1 package to ship match" in page


def test_ship_by_today_filters_by_the_order_deadline(client, operator):
    shop = make_shop(members=(operator,))
    today = to_ship(shop, ship_by=timezone.now() + timedelta(minutes=5))
    late = to_ship(shop, ship_by=timezone.now() - timedelta(hours=1))
    page = client.get(reverse("ship-choose"), {"ship_by": "today"}).content.decode()
    assert today.tiktok_id in page and late.tiktok_id not in page
    page = client.get(reverse("ship-choose"), {"ship_by": "late"}).content.decode()
    assert late.tiktok_id in page and today.tiktok_id not in page


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("name", ["ship_by", "sku", "warehouse", "delivery", "shop", "page"])
def test_hostile_filter_values_get_a_message_not_a_5xx(client, operator, name, value):
    response = client.get(reverse("ship-choose"), {name: value})
    assert response.status_code == 200


def test_checked_packages_make_a_draft_and_the_preflight_lists_the_held_back(client, operator):
    shop = make_shop(members=(operator,))
    ready = to_ship(shop)
    held = to_ship(shop, status="ON_HOLD")
    response = client.post(reverse("ship-batch-new"), {"package": [ready.pk, held.pk]})
    batch = ShipBatch.objects.get()
    assert response.url == reverse("ship-batch", args=[batch.pk])
    page = client.get(response.url).content.decode()
    assert 'data-testid="to-ship-count">1<' in page
    assert "On hold: the buyer may still cancel" in page


def test_all_matching_takes_the_filter_not_the_page(client, operator):
    shop = make_shop(members=(operator,))
    due = [to_ship(shop, ship_by=timezone.now() - timedelta(hours=1)) for _ in range(3)]
    to_ship(shop, ship_by=timezone.now() + timedelta(days=5))
    client.post(reverse("ship-batch-new"), {"all_matching": "1", "selection": "ship_by=late"})
    batch = ShipBatch.objects.get()
    assert set(batch.entries.values_list("package_id", flat=True)) == {p.pk for p in due}


def test_another_shops_package_cannot_be_put_in_a_batch(client, operator):
    other = to_ship(make_shop())
    response = client.post(reverse("ship-batch-new"), {"package": [other.pk]})
    assert response.status_code == 302
    assert not ShipBatch.objects.exists()


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_package_ids_change_nothing(client, operator, value):
    response = client.post(reverse("ship-batch-new"), {"package": [value], "selection": value})
    assert response.status_code == 302
    assert not ShipBatch.objects.exists()


def _draft(client, operator, count=2):
    shop = make_shop(members=(operator,))
    packages = [to_ship(shop) for _ in range(count)]
    client.post(reverse("ship-batch-new"), {"package": [p.pk for p in packages]})
    return ShipBatch.objects.get()


def test_a_wrong_count_is_a_message_beside_the_field_and_nothing_is_sent(client, operator):
    batch = _draft(client, operator)
    response = client.post(
        reverse("ship-batch", args=[batch.pk]), {"handover_method": "DROP_OFF", "confirm_count": 3}
    )
    assert response.status_code == 400
    assert "2 packages can be shipped now, not 3" in response.content.decode()
    assert not Command.objects.exists()


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("name", ["confirm_count", "handover_method", "pickup_slot"])
def test_hostile_send_values_change_nothing(client, operator, name, value):
    batch = _draft(client, operator)
    data = {"handover_method": "DROP_OFF", "confirm_count": "2", name: value}
    if name == "pickup_slot":
        data["handover_method"] = "PICKUP"
    response = client.post(reverse("ship-batch", args=[batch.pk]), data)
    assert response.status_code == 400
    assert not Command.objects.exists()


def test_pickup_needs_a_slot(client, operator):
    batch = _draft(client, operator)
    response = client.post(
        reverse("ship-batch", args=[batch.pk]), {"handover_method": "PICKUP", "confirm_count": 2}
    )
    assert "Choose a pickup slot" in response.content.decode()


def test_the_right_count_sends_and_shows_progress(client, operator):
    batch = _draft(client, operator)
    response = client.post(
        reverse("ship-batch", args=[batch.pk]), {"handover_method": "DROP_OFF", "confirm_count": 2}
    )
    assert response.status_code == 302
    assert Command.objects.filter(kind="fulfillment.ship_batch").count() == 1
    page = client.get(reverse("ship-batch", args=[batch.pk])).content.decode()
    assert 'data-testid="count-waiting">2<' in page
    assert 'hx-trigger="every 2s"' in page
    # Sending again is refused.
    client.post(
        reverse("ship-batch", args=[batch.pk]), {"handover_method": "DROP_OFF", "confirm_count": 2}
    )
    assert Command.objects.count() == 1


def test_another_shops_batch_is_a_404_on_the_page_and_list(client, operator):
    stranger = make_user()
    batch = ShipBatch.objects.create(created_by=stranger)
    package = to_ship(make_shop(members=(stranger,)))
    batch.entries.create(shop=package.shop, package=package)
    assert client.get(reverse("ship-batch", args=[batch.pk])).status_code == 404
    assert client.post(reverse("ship-batch", args=[batch.pk]), {}).status_code == 404
    assert f"Batch {batch.pk}<" not in client.get(reverse("ship-batches")).content.decode()


def test_the_history_lists_a_visible_batch_with_counts(client, operator):
    batch = _draft(client, operator, count=3)
    page = client.get(reverse("ship-batches")).content.decode()
    assert f"Batch {batch.pk}<" in page


def _sent_batch(client, operator):
    batch = _draft(client, operator)
    client.post(
        reverse("ship-batch", args=[batch.pk]), {"handover_method": "DROP_OFF", "confirm_count": 2}
    )
    batch.refresh_from_db()
    return batch


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("name", ["kind", "size", "order_by"])
def test_hostile_document_options_are_refused_with_a_message(client, operator, name, value):
    from fulfillment.models import PrintJob

    batch = _sent_batch(client, operator)
    data = {"kind": "SHIPPING_LABEL", "size": "A6", "order_by": "sku", name: value}
    response = client.post(reverse("ship-batch-documents", args=[batch.pk]), data, follow=True)
    assert response.status_code == 200
    assert (
        "Select a valid choice" in response.content.decode()
        or "Choose" in response.content.decode()
    )
    assert not PrintJob.objects.exists()


def test_a_pick_list_is_built_downloaded_and_counted(client, operator, media):
    from fulfillment.documents import print_job_build
    from fulfillment.models import PrintJob

    batch = _sent_batch(client, operator)
    client.post(
        reverse("ship-batch-documents", args=[batch.pk]),
        {"kind": "PICK_LIST", "size": "A6", "order_by": "sku"},
    )
    job = print_job_build(job_id=PrintJob.objects.get().pk)
    assert job.status == PrintJob.Status.READY
    response = client.get(reverse("print-job-download", args=[job.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    job.refresh_from_db()
    assert job.downloads == 1
    page = client.get(reverse("ship-batch", args=[batch.pk])).content.decode()
    assert "Reprint" in page
    assert "printed 1×" in client.get(reverse("ship-batches")).content.decode()


def test_another_shops_print_job_is_a_404(client, operator):
    from fulfillment.models import PrintJob

    stranger_package = to_ship(make_shop())
    job = PrintJob.objects.create(kind="PICK_LIST", status="ready", file="x.pdf")
    job.packages.add(stranger_package)
    assert client.get(reverse("print-job-download", args=[job.pk])).status_code == 404
    batch = ShipBatch.objects.create()
    batch.entries.create(shop=stranger_package.shop, package=stranger_package)
    response = client.post(
        reverse("ship-batch-documents", args=[batch.pk]),
        {"kind": "PICK_LIST", "size": "A6", "order_by": "sku"},
    )
    assert response.status_code == 404


def test_seller_shipping_grid_refuses_hostile_values_beside_the_row(client, operator):
    shop = make_shop(members=(operator,))
    package = make_package(
        make_order(shop, shipping_type="SELLER"), status="TO_FULFILL", shipping_type="SELLER"
    )
    hidden = make_package(
        make_order(make_shop(), shipping_type="SELLER"), status="TO_FULFILL", shipping_type="SELLER"
    )
    page = client.get(reverse("seller-shipping")).content.decode()
    assert package.tiktok_id in page and hidden.tiktok_id not in page
    for value in HOSTILE:
        response = client.post(
            reverse("seller-shipping"),
            {
                "grid": "1",
                f"p{package.pk}-tracking_number": value,
                f"p{package.pk}-provider": value,
            },
        )
        assert response.status_code == 400
        assert 'data-testid="row-error"' in response.content.decode()
    assert not Command.objects.exists()


@pytest.mark.parametrize(
    "body",
    [b"\x00\x00", "²".encode(), b"x" * 5000, b"package_id,tracking_number,provider\n1e5,T,X\n"],
)
def test_seller_shipping_csv_refuses_hostile_files_with_a_message(client, operator, body):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("seller-shipping"),
        {"csv": "1", "file": SimpleUploadedFile("t.csv", body, content_type="text/csv")},
    )
    assert response.status_code == 400
    assert 'data-testid="problems"' in response.content.decode()
    assert not Command.objects.exists()


def test_the_order_page_ships_a_package_through_the_preflight(client, operator):
    shop = make_shop(members=(operator,))
    package = to_ship(shop, status="ON_HOLD")
    page = client.get(reverse("order-detail", args=[package.order.pk])).content.decode()
    assert 'data-testid="package-ship"' in page
    response = client.post(reverse("ship-batch-new"), {"package": [package.pk]})
    preflight = client.get(response.url).content.decode()
    assert "On hold: the buyer may still cancel" in preflight
    assert 'data-testid="to-ship-count">0<' in preflight
