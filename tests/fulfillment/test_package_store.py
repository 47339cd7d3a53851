"""One page statement stores packages exactly as the client's typed reader
(`tiktok.types.Package`) reads TikTok's JSON, hostile shapes included."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.utils import timezone

from fulfillment.mirror import _package_statement, packages_store
from fulfillment.models import Package
from shops import jsonsql
from tests.factories import make_order, make_shop
from tests.store_plans import assert_read_by_keys, grow_orders, plan_when_grown
from tests.tiktok import samples
from tiktok.types import Package as ApiPackage

pytestmark = pytest.mark.django_db

COLUMNS = [
    "order_tiktok_id",
    "order_tiktok_ids",
    "line_item_ids",
    "status",
    "sub_status",
    "create_time",
    "update_time",
    "shipping_type",
    "handover_method",
    "shipping_provider_name",
    "tracking_number",
    "raw",
]


def _text(value: Any, limit: int) -> str:
    return str(value or "")[:limit]


def _expected(packages: list[ApiPackage], order_pks: dict[str, int]) -> dict[str, Any]:
    """What the store must write on an empty mirror, as the typed reader reads the page: the
    last copy of a package wins, one without an id is left out."""
    latest = {p.id: p for p in packages if p.id}
    return {
        p.id: {
            "order": order_pks.get(p.order_ids[0]) if p.order_ids else None,
            "order_tiktok_id": p.order_ids[0] if p.order_ids else "",
            "order_tiktok_ids": list(p.order_ids),
            "line_item_ids": list(p.order_line_item_ids),
            "status": _text(p.status, 32),
            "sub_status": _text(p.sub_status, 64),
            "create_time": p.create_time,
            "update_time": p.update_time,
            "shipping_type": _text(p.shipping_type, 16),
            "handover_method": _text(p.handover_method, 16),
            "shipping_provider_name": _text(p.shipping_provider_name, 255),
            "tracking_number": _text(p.tracking_number, 100),
            "raw": p.raw,
        }
        for p in latest.values()
    }


def _stored(shop) -> dict[str, Any]:
    stored = {}
    for values in Package.objects.filter(shop=shop).values("tiktok_id", "order", *COLUMNS):
        stored[values.pop("tiktok_id")] = values
    return stored


def _search(**changes: Any) -> dict[str, Any]:
    package = copy.deepcopy(samples.PACKAGE_SEARCH["packages"][0])
    package.update(changes)
    return package


def _detail(**changes: Any) -> dict[str, Any]:
    package = copy.deepcopy(samples.PACKAGE_DETAIL)
    package.update(changes)
    return package


def _typed(raws: list[dict[str, Any]]) -> list[ApiPackage]:
    return [ApiPackage.from_api(r) for r in raws]


def _hostile_page() -> list[Any]:
    return [
        _detail(),
        _search(
            id=1152321127278713200,
            status=" in  transit ",
            orders=["not an order", {"id": ""}, {"id": " 576461413038785999 "}, {"id": 42}],
            order_line_item_ids=["1", "", None, 7, " 8 "],
            tracking_number="T" * 5000,
            shipping_provider_name="nul \u0000 and ² inside",
            create_time="1696800300123",
            update_time="abc",
        ),
        _search(id="1152321127278713201", orders="not a list", order_line_item_ids={"a": 1}),
        _detail(package_id="1152321127278713202", id="ignored", package_status=None, status="x"),
        _search(id="1152321127278713203", status="DELIVERED", orders=[{"id": "x" * 40}]),
        {"id": "", "status": "no id"},
        {"package_id": None, "id": "1152321127278713299"},  # detail's key wins, even when null
        _search(id="1152321127278713204", tracking_number="first copy"),
        _search(id="1152321127278713204", tracking_number="last copy"),
    ]


@pytest.mark.parametrize("detailed", [False, True], ids=["search", "detail"])
def test_a_page_is_stored_as_the_typed_reader_reads_it(detailed):
    shop = make_shop()
    order = make_order(shop, tiktok_id="576461413038785752")
    other = make_order(shop, tiktok_id="576461413038785999")
    typed = _typed(_hostile_page())
    assert packages_store(shop=shop, packages=typed, detailed=detailed) == 6
    expected = _expected(typed, {order.tiktok_id: order.pk, other.tiktok_id: other.pk})
    # PostgreSQL's text cannot hold U+0000: it is stored as U+FFFD (as in orders).
    nul = expected["1152321127278713200"]
    nul["shipping_provider_name"] = nul["raw"]["shipping_provider_name"] = "nul \ufffd and ² inside"
    # An order id longer than the column is cut to it (the Python row would not insert).
    expected["1152321127278713203"]["order_tiktok_id"] = "x" * 32
    assert expected["1152321127278713200"]["order"] == other.pk
    assert _stored(shop) == expected


def test_an_unchanged_package_is_not_written_and_a_search_keeps_what_only_the_detail_has():
    shop = make_shop()
    packages_store(shop=shop, packages=_typed([_detail()]), detailed=True)
    package = Package.objects.get(shop=shop)
    assert (package.status, package.shipping_type, package.handover_method) == (
        "TO_FULFILL",
        "TIKTOK",
        "DROP_OFF",
    )
    assert package.order is None
    search = _search()
    packages_store(shop=shop, packages=_typed([search]))
    package.refresh_from_db()
    assert (package.status, package.tracking_number) == ("PROCESSING", search["tracking_number"])
    assert (package.shipping_type, package.handover_method) == ("TIKTOK", "DROP_OFF")
    synced = package.synced_at
    packages_store(shop=shop, packages=_typed([search]))
    assert Package.objects.get(pk=package.pk).synced_at == synced  # the same JSON: not written
    # The same JSON once its order is mirrored: the link is written.
    order = make_order(shop, tiktok_id="576461413038785752")
    packages_store(shop=shop, packages=_typed([search]))
    package.refresh_from_db()
    assert package.order == order and package.synced_at > synced


def test_a_page_plan_on_a_grown_mirror_reads_stored_rows_by_their_keys_only():
    # As for orders (`tests.store_plans`): a package's order is looked up by its TikTok id.
    shop = make_shop()
    params = {
        "shop": shop.pk,
        "packages": jsonsql.page_texts(_hostile_page()),
        "detailed": False,
        "now": timezone.now(),
    }
    tables = ["fulfillment_package", "orders_order"]
    plan = plan_when_grown(_package_statement(), params, tables, lambda: grow_orders(shop))
    assert_read_by_keys(plan, tables)
