"""Seller shipping: tracking checked as a whole (line and column), marked shipped once, fixed."""

from __future__ import annotations

import pytest

from fulfillment.models import Package
from fulfillment.seller_shipping import (
    Entry,
    SellerShippingError,
    csv_entries,
    seller_shipments_send,
    seller_shipped,
    tracking_problem,
)
from shops.models import Command
from tests.commands.conftest import ctl, mirror_packages, run_until_settled
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("", "blank"),
        ("  ", "blank"),
        ("1Z 999", "spaces"),
        (" 1Z999", "spaces"),
        ("9.40011E+21", "scientific notation"),
        ("x" * 5000, "longer than"),
        ("²", "letters, digits"),
        ("1Z\x00", "NUL"),
    ],
)
def test_bad_tracking_numbers_are_named(value, words):
    assert words in tracking_problem(value)


def seller_packages(shop, handle, count: int) -> list[Package]:
    ids = []
    while len(ids) < count:
        order = ctl(handle, "POST", "orders", status="AWAITING_SHIPMENT")["order"]
        if order.get("shipping_type") == "SELLER" and len(order.get("packages") or [None]) == 1:
            ids.append(order["id"])
    mirror_packages(shop)
    packages = list(
        seller_shipped(Package.objects.filter(shop=shop, order_tiktok_id__in=ids)).order_by("pk")
    )
    assert len(packages) == count
    return packages


def changes(handle, kind: str) -> list[dict]:
    return [c for c in ctl(handle, "GET", "changes?limit=100000")["changes"] if c["kind"] == kind]


def provider_name(package) -> str:
    from fulfillment.seller_shipping import providers_for

    return providers_for(package)[0][1]


def test_csv_one_bad_line_refuses_all_then_all_apply_and_a_fix_applies(shop, sandbox):
    packages = seller_packages(shop, sandbox, 3)
    name = provider_name(packages[0])
    scope = seller_shipped(Package.objects.filter(shop=shop))
    bad = "package_id,tracking_number,provider\n" + "\n".join(
        [
            f"{packages[0].tiktok_id},TRK0001A,{name}",
            f"{packages[1].tiktok_id},9.40011E+21,{name}",
            f"{packages[2].order_tiktok_id and packages[2].tiktok_id},TRK0003C,{name}",
        ]
    )
    entries, problems = csv_entries(("\ufeff" + bad).encode(), scope)
    assert not problems
    with pytest.raises(SellerShippingError) as refused:
        seller_shipments_send(entries=entries, actor=make_user())
    assert [(p.line, p.column) for p in refused.value.problems] == [(3, "tracking_number")]
    assert not Command.objects.exists()

    good = bad.replace("9.40011E+21", "TRK0002B")
    entries, problems = csv_entries(good.encode(), scope)
    assert problems == []
    commands = seller_shipments_send(entries=entries, actor=make_user())
    assert len(commands) == 3
    run_until_settled(shop)
    assert set(Command.objects.values_list("status", flat=True)) == {"succeeded"}
    marked = changes(sandbox, "mark_shipped")
    assert sorted(c["detail"]["tracking_number"] for c in marked) == [
        "TRK0001A",
        "TRK0002B",
        "TRK0003C",
    ]
    first = Package.objects.get(pk=packages[0].pk)
    assert (first.status, first.tracking_number) == ("PROCESSING", "TRK0001A")

    (fix,) = seller_shipments_send(
        entries=[Entry(package=first, tracking_number="TRK0001Z", provider=name)],
        actor=make_user(),
        fixing=True,
    )
    run_until_settled(shop)
    fix.refresh_from_db()
    assert fix.status == Command.Status.SUCCEEDED
    (update,) = changes(sandbox, "tracking_update")
    assert update["detail"]["tracking_number"] == "TRK0001Z"
    assert Package.objects.get(pk=first.pk).tracking_number == "TRK0001Z"


def test_duplicates_and_unknown_providers_are_refused_with_their_line(shop, sandbox):
    packages = seller_packages(shop, sandbox, 2)
    name = provider_name(packages[0])
    scope = seller_shipped(Package.objects.filter(shop=shop))
    text = (
        "package_id,tracking_number,provider\n"
        f"{packages[0].tiktok_id},TRKDUP1,{name}\n"
        f"{packages[1].tiktok_id},TRKDUP1,No Such Carrier\n"
    )
    entries, problems = csv_entries(text.encode(), scope)
    assert problems == []
    with pytest.raises(SellerShippingError) as refused:
        seller_shipments_send(entries=entries, actor=make_user())
    assert {(p.line, p.column) for p in refused.value.problems} == {
        (3, "tracking_number"),
        (3, "provider"),
    }


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("package_id,tracking_number\n1,2\n", "lacks the column(s) provider"),
        ("package_id,tracking_number,provider\n1.15E+17,T1,X\n", "Line 2, column package_id"),
        ("order_id,tracking_number,provider\n²,T1,X\n", "Line 2, column order_id"),
        ("package_id,tracking_number,provider\n999,T1,X,extra\n", "Line 2: "),
        ("package_id,tracking_number,provider\n" + "9" * 5000 + ",T1,X\n", "Line 2, column"),
    ],
)
def test_a_mangled_csv_is_refused_by_line_and_column(text, where):
    entries, problems = csv_entries(text.encode(), Package.objects.all())
    assert where in str(problems[0])
    assert not entries


def test_a_file_with_nul_bytes_or_not_utf8_is_refused():
    assert "NUL" in str(csv_entries(b"package_id\x00", Package.objects.all())[1][0])
    assert "UTF-8" in str(csv_entries("é".encode("latin-1"), Package.objects.all())[1][0])
