"""Documents: TikTok's PDFs fetched once and stored, merged in the chosen order; pick lists."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from fulfillment.documents import DocumentError, print_job_build, print_job_create
from fulfillment.models import Package, PackageDocument, PrintJob
from fulfillment.shipping import ship_batch_create, ship_batch_send
from tests.commands.conftest import ctl, run_until_settled
from tests.factories import make_line, make_order, make_package, make_shop, make_user
from tests.fulfillment.test_ship_batches import packages_to_ship

pytestmark = pytest.mark.django_db


def shipped(shop, sandbox, count: int) -> list[Package]:
    packages = packages_to_ship(shop, sandbox, count)
    batch = ship_batch_create(
        packages=Package.objects.filter(pk__in=[p.pk for p in packages]), actor=make_user()
    )
    ship_batch_send(
        batch=batch, actor=make_user(), confirmed_count=count, handover_method="DROP_OFF"
    )
    run_until_settled(shop)
    return list(Package.objects.filter(pk__in=[p.pk for p in packages]))


def build(packages, **options) -> PrintJob:
    values = {"kind": "SHIPPING_LABEL", "size": "A6", "order_by": "order", "reverse": False}
    values.update(options)
    job = print_job_create(
        packages=Package.objects.filter(pk__in=[p.pk for p in packages]),
        actor=make_user(),
        **values,
    )
    return print_job_build(job_id=job.pk)


def pages_of(job: PrintJob) -> list:
    with job.file.open("rb") as handle:
        return list(PdfReader(io.BytesIO(handle.read())).pages)


def test_labels_merge_into_one_pdf_in_order_with_each_pages_tracking(shop, sandbox):
    packages = shipped(shop, sandbox, 3)
    job = build(packages, order_by="order", reverse=True)
    assert job.status == PrintJob.Status.READY
    expected = [
        p.tiktok_id for p in sorted(packages, key=lambda p: p.order_tiktok_id, reverse=True)
    ]
    assert job.page_map == expected
    pages = pages_of(job)
    assert len(pages) == 3
    tracking = dict(PackageDocument.objects.values_list("package__tiktok_id", "tracking_number"))
    for page, package_id in zip(pages, job.page_map, strict=True):
        assert tracking[package_id] and tracking[package_id] in page.extract_text()
    assert pages[0].mediabox.width == pytest.approx(288, abs=1)


def test_documents_are_fetched_once_and_reused_for_a_reprint(shop, sandbox):
    packages = shipped(shop, sandbox, 2)
    build(packages)
    before = ctl(sandbox, "GET", "")["requests"]
    again = build(packages)
    after = ctl(sandbox, "GET", "")["requests"]
    assert again.pages == 2
    assert PackageDocument.objects.count() == 2
    assert after == before


def test_a5_labels_and_slips_have_two_pages_each(shop, sandbox):
    packages = shipped(shop, sandbox, 2)
    job = build(packages, kind="SHIPPING_LABEL_AND_PACKING_SLIP", size="A5")
    assert job.pages == 4
    assert pages_of(job)[0].mediabox.width == pytest.approx(419.5, abs=1)


def test_a_package_not_shipped_is_refused():
    shop = make_shop()
    package = make_package(make_order(shop), status="TO_FULFILL")
    with pytest.raises(DocumentError, match="ship them first"):
        build([package])


@pytest.mark.parametrize(
    "option", [{"kind": "X\x00"}, {"size": "²"}, {"order_by": "x" * 5000}, {"kind": "HAZMAT_LABEL"}]
)
def test_bad_options_are_refused(option):
    shop = make_shop()
    package = make_package(make_order(shop), status="PROCESSING")
    with pytest.raises(DocumentError):
        build([package], **option)
    assert not PrintJob.objects.exists()


def test_the_pick_list_totals_skus_with_names_in_any_script():
    shop = make_shop()
    packages = []
    for _ in range(3):
        order = make_order(shop, lines=0, warehouse_tiktok_id="WH1")
        make_line(order, seller_sku="MUG-1", product_name="Kubek Łukasz Żółć", sku_name="Red")
        make_line(order, seller_sku="TEE-2", product_name="T-shirt Ελλάδα", sku_name="M")
        packages.append(make_package(order, status="TO_FULFILL", line_item_ids=[]))
    job = build(packages, kind="PICK_LIST")
    assert job.status == PrintJob.Status.READY
    text = "".join(page.extract_text() for page in pages_of(job))
    assert "Kubek Łukasz Żółć" in text
    assert "MUG-1" in text and "TEE-2" in text and "Ελλάδα" in text
    assert "3" in text.split("MUG-1")[1][:80]
