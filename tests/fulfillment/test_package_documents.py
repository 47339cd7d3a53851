"""Documents for any chosen shipped packages (order page, packages list); tracking per package."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from fulfillment.documents import print_job_build
from fulfillment.models import PrintJob
from tests.factories import make_order, make_package, make_shop, make_user
from tests.fulfillment.test_documents import shipped

pytestmark = pytest.mark.django_db

HOSTILE = ["\x00", "²", "x" * 5000, "2026-13-45", "-1", "1e10"]
OPTIONS = {"kind": "SHIPPING_LABEL", "size": "A6", "order_by": "order"}


@pytest.fixture
def operator(client):
    user = make_user()
    client.force_login(user)
    return user


def test_the_order_page_prints_its_shipped_packages_labels(client, operator, shop, sandbox):
    shop.members.add(operator)
    package = shipped(shop, sandbox, 2)[0]
    page = client.get(reverse("order-detail", args=[package.order_id])).content.decode()
    assert 'data-testid="order-documents"' in page
    assert f'name="package" value="{package.pk}"' in page
    response = client.post(
        reverse("package-documents"),
        {**OPTIONS, "package": [package.pk], "next": f"/orders/{package.order_id}/"},
    )
    job = PrintJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("print-job", args=[job.pk])
    assert job.batch is None
    assert list(job.packages.values_list("pk", flat=True)) == [package.pk]
    building = client.get(reverse("print-job", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in building
    job = print_job_build(job_id=job.pk)
    assert job.status == PrintJob.Status.READY
    assert job.page_map == [package.tiktok_id]
    ready = client.get(reverse("print-job", args=[job.pk])).content.decode()
    assert reverse("print-job-download", args=[job.pk]) in ready
    assert 'hx-trigger="every 2s"' not in ready
    with job.file.open("rb") as handle:
        pages = PdfReader(io.BytesIO(handle.read())).pages
    assert len(pages) == 1
    package.refresh_from_db()
    assert package.tracking_number in pages[0].extract_text()


def test_a_selection_of_shipped_packages_is_printed_in_the_chosen_order(
    client, operator, shop, sandbox
):
    shop.members.add(operator)
    packages = shipped(shop, sandbox, 3)
    for package in packages:
        listing = client.get(reverse("fulfillment"), {"q": package.tiktok_id}).content.decode()
        assert f'value="{package.pk}" form="package-documents"' in listing
    client.post(
        reverse("package-documents"),
        {**OPTIONS, "reverse": "on", "package": [p.pk for p in packages]},
    )
    job = print_job_build(job_id=PrintJob.objects.get().pk)
    expected = [p.tiktok_id for p in sorted(packages, key=lambda p: p.order_tiktok_id)][::-1]
    assert job.page_map == expected


def test_unshipped_and_own_carrier_packages_are_not_offered_and_refused(client, operator):
    shop = make_shop(members=(operator,))
    waiting = make_package(make_order(shop), status="TO_FULFILL", shipping_type="TIKTOK")
    own = make_package(make_order(shop, shipping_type="SELLER"), shipping_type="SELLER")
    listing = client.get(reverse("fulfillment")).content.decode()
    assert 'data-testid="print-check"' not in listing
    page = client.get(reverse("order-detail", args=[waiting.order_id])).content.decode()
    assert 'data-testid="build-pdf"' not in page
    response = client.post(
        reverse("package-documents"), {**OPTIONS, "package": [waiting.pk, own.pk]}, follow=True
    )
    assert "ship them first" in response.content.decode()
    assert not PrintJob.objects.exists()


def test_another_shops_package_is_refused_and_its_print_job_is_a_404(client, operator):
    mine = make_package(make_order(make_shop(members=(operator,))), shipping_type="TIKTOK")
    stranger = make_package(make_order(make_shop()), shipping_type="TIKTOK")
    response = client.post(
        reverse("package-documents"), {**OPTIONS, "package": [mine.pk, stranger.pk]}, follow=True
    )
    assert "not one you may print" in response.content.decode()
    assert not PrintJob.objects.exists()
    job = PrintJob.objects.create(kind="SHIPPING_LABEL", status="ready", file="x.pdf")
    job.packages.add(stranger)
    assert client.get(reverse("print-job", args=[job.pk])).status_code == 404
    assert (
        client.get(reverse("print-job", args=[job.pk]), HTTP_HX_REQUEST="true").status_code == 404
    )


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("name", ["package", "kind", "size", "order_by", "next"])
def test_hostile_values_get_a_message_and_make_nothing(client, operator, name, value):
    package = make_package(make_order(make_shop(members=(operator,))), shipping_type="TIKTOK")
    data = {**OPTIONS, "package": [package.pk], name: value}
    response = client.post(reverse("package-documents"), data)
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/") and not location.startswith("//")
    if name != "next":
        assert not PrintJob.objects.exists()


def test_the_order_page_links_tracking_to_its_own_package(client, operator):
    shop = make_shop(members=(operator,))
    order = make_order(shop, shipping_type="SELLER")
    package = make_package(order, status="TO_FULFILL", shipping_type="SELLER", tracking_number="")
    other = make_package(
        make_order(shop, shipping_type="SELLER"), status="TO_FULFILL", shipping_type="SELLER"
    )
    page = client.get(reverse("order-detail", args=[order.pk])).content.decode()
    link = f"{reverse('seller-shipping')}?package={package.tiktok_id}"
    assert link in page
    grid = client.get(link).content.decode()
    assert package.tiktok_id in grid and other.tiktok_id not in grid
    assert 'data-testid="one-package"' in grid


@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_package_filter_on_seller_shipping_gets_a_message(client, operator, value):
    shop = make_shop(members=(operator,))
    package = make_package(
        make_order(shop, shipping_type="SELLER"), status="TO_FULFILL", shipping_type="SELLER"
    )
    response = client.get(reverse("seller-shipping"), {"package": value})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="error-package"' in body
    assert package.tiktok_id not in body


def test_another_shops_package_is_not_shown_by_id_on_seller_shipping(client, operator):
    stranger = make_package(
        make_order(make_shop(), shipping_type="SELLER"), status="TO_FULFILL", shipping_type="SELLER"
    )
    body = client.get(reverse("seller-shipping"), {"package": stranger.tiktok_id}).content.decode()
    assert f'name="p{stranger.pk}-tracking_number"' not in body
