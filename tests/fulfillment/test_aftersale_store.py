"""One page statement stores returns and cancellations exactly as the client's typed readers
(`tiktok.types.Return`, `Cancellation`) read TikTok's JSON, hostile shapes included."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from fulfillment.mirror import _aftersale_statement, _lines, cancellations_store, returns_store
from fulfillment.models import Cancellation, Return
from shops import jsonsql
from tests.factories import make_order, make_shop
from tests.store_plans import assert_read_by_keys, grow_orders, plan_when_grown
from tests.tiktok import samples
from tiktok.types import Cancellation as ApiCancellation
from tiktok.types import Return as ApiReturn

pytestmark = pytest.mark.django_db

COLUMNS = [
    "order",
    "order_tiktok_id",
    "type",
    "status",
    "role",
    "reason",
    "reason_text",
    "currency",
    "refund_total",
    "next_action",
    "deadline",
    "create_time",
    "update_time",
    "lines",
    "raw",
]


def _text(value: Any, limit: int) -> str:
    return str(value or "")[:limit]


def _expected(records: list[Any], order_pks: dict[str, int]) -> dict[str, Any]:
    """What the store must write on an empty mirror, as the typed readers read the page: the
    last copy of a request wins, one without an id is left out; the next action is the first
    named one with the earliest deadline (one without a deadline last)."""
    latest = {r.id: r for r in records if r.id}
    rows = {}
    for r in latest.values():
        actions = sorted(
            (a for a in r.seller_next_actions if a.action),
            key=lambda a: (a.deadline is None, a.deadline),
        )
        first = actions[0] if actions else None
        rows[r.id] = {
            "order": order_pks.get(r.order_id or ""),
            "order_tiktok_id": _text(r.order_id, 32),
            "type": _text(r.type, 32),
            "status": _text(r.status, 64),
            "role": _text(r.role, 16),
            "reason": _text(r.reason, 255),
            "reason_text": _text(r.reason_text, 500),
            "currency": _text(r.currency, 8),
            "refund_total": r.refund_total,
            "next_action": _text(first.action if first else "", 64),
            "deadline": first.deadline if first else None,
            "create_time": r.create_time,
            "update_time": r.update_time,
            "lines": _lines(r.line_items),
            "raw": r.raw,
        }
        if isinstance(r, ApiReturn):
            rows[r.id]["arbitration_status"] = _text(r.arbitration_status, 32)
            rows[r.id]["return_tracking_number"] = _text(r.return_tracking_number, 100)
    return rows


def _stored(model, shop, columns: list[str]) -> dict[str, Any]:
    stored = {}
    for values in model.objects.filter(shop=shop).values("tiktok_id", *columns):
        stored[values.pop("tiktok_id")] = values
    return stored


def _with(record: dict[str, Any], **changes: Any) -> dict[str, Any]:
    record = copy.deepcopy(record)
    record.update(changes)
    return record


def _returns_page() -> list[dict[str, Any]]:
    nested = copy.deepcopy(samples.RETURN["return_line_items"])
    nested[0]["return_sub_line_items"][0]["return_sub_line_items"] = [
        {
            "return_sub_line_item_id": 7,
            "seller_sku": 12,
            "product_name": "nul \u0000 inside",
            "refund_amount": {"refund_total": 1.5},
        }
    ]
    return [
        samples.RETURN,
        _with(
            samples.EXCHANGE,
            return_id=" 4035318504086524125 ",
            order_id=576461413038785999,
            return_status="return or refund request cancelled",
            role="B" * 40,
            return_reason_text="nul \u0000 and ² inside",
            refund_amount={"currency": "USD", "refund_total": "abc"},
            return_line_items=[*nested, "not a line"],
            seller_next_action_response=[
                {"action": "LATER", "deadline": 1697500000},
                {"action": "", "deadline": 1697000000},
                {"action": "NO DEADLINE"},
                {"action": "EARLIER", "deadline": "1697400000"},
                {"action": "SAME TIME, LISTED LATER", "deadline": 1697400000},
                "not an action",
            ],
            arbitration_status="ARBITRATION_PENDING",
            return_tracking_number="T" * 300,
        ),
        _with(
            samples.EXCHANGE,
            return_id="4035318504086524126",
            refund_amount="not an object",
            seller_next_action_response={"action": "not a list"},
            return_line_items="not a list",
            create_time="1697200000123",
            update_time=None,
        ),
        _with(samples.EXCHANGE, return_id=None, id="4035318504086524199"),  # the key wins
        _with(samples.EXCHANGE, return_id="4035318504086524127", order_id="x" * 40),
        _with(samples.EXCHANGE, return_id="4035318504086524128", return_type="first copy"),
        _with(samples.EXCHANGE, return_id="4035318504086524128", return_type="last copy"),
    ]


def test_a_page_of_returns_is_stored_as_the_typed_reader_reads_it():
    shop = make_shop()
    order = make_order(shop, tiktok_id="576461413038785752")
    other = make_order(shop, tiktok_id="576461413038785999")
    typed = [ApiReturn.from_api(r) for r in _returns_page()]
    assert returns_store(shop=shop, returns=typed) == 5
    expected = _expected(typed, {order.tiktok_id: order.pk, other.tiktok_id: other.pk})
    # PostgreSQL's text cannot hold U+0000: it is stored as U+FFFD (as in orders).
    nul = expected["4035318504086524125"]
    nul["reason_text"] = nul["raw"]["return_reason_text"] = "nul \ufffd and ² inside"
    # An order id longer than the column is cut to it (the Python row would not insert).
    expected["4035318504086524127"]["order_tiktok_id"] = "x" * 32
    assert nul["next_action"] == "EARLIER" and nul["order"] == other.pk
    assert nul["status"] == "RETURN_OR_REFUND_REQUEST_CANCEL"
    deepest = nul["lines"][0]["sub_lines"][0]["sub_lines"][0]
    assert deepest["refund_total"] == "1.5"
    raw_deepest = nul["raw"]["return_line_items"][0]["return_sub_line_items"][0]
    deepest["product_name"] = raw_deepest["return_sub_line_items"][0]["product_name"] = (
        "nul \ufffd inside"
    )
    columns = [*COLUMNS, "arbitration_status", "return_tracking_number"]
    assert _stored(Return, shop, columns) == expected


def test_a_page_of_cancellations_is_stored_as_the_typed_reader_reads_it():
    shop = make_shop()
    page = [
        samples.CANCELLATION,
        _with(
            samples.CANCELLATION,
            cancel_id=4035318504086524998,
            cancel_status="Cancellation-Request-Cancel",
            refund_amount={"currency": "EUR", "refund_total": 12.345},
            seller_next_action_response=[{"action": 0}, {"action": 5, "deadline": 0}],
        ),
        _with(samples.CANCELLATION, cancel_id="", id="4035318504086524997"),
    ]
    typed = [ApiCancellation.from_api(c) for c in page]
    assert cancellations_store(shop=shop, cancellations=typed) == 2
    expected = _expected(typed, {})
    assert expected["4035318504086524998"]["status"] == "CANCELLATION_REQUEST_CANCELLED"
    assert expected["4035318504086524998"]["next_action"] == "5"
    stored = _stored(Cancellation, shop, COLUMNS)
    # The column keeps cents, as it always did.
    assert stored["4035318504086524998"].pop("refund_total") == Decimal("12.35")
    expected["4035318504086524998"].pop("refund_total")
    assert stored == expected


def _row_version(model, tiktok_id: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"select ctid::text from {model._meta.db_table} where tiktok_id = %s",
            [tiktok_id],
        )
        return cursor.fetchone()[0]


def test_an_unchanged_request_is_not_written_until_its_order_arrives():
    shop = make_shop()
    typed = [ApiCancellation.from_api(samples.CANCELLATION)]
    cancellations_store(shop=shop, cancellations=typed)
    before = _row_version(Cancellation, samples.CANCELLATION["cancel_id"])
    cancellations_store(shop=shop, cancellations=typed)
    assert _row_version(Cancellation, samples.CANCELLATION["cancel_id"]) == before
    # Its order arrives: the same JSON is written again, now linked.
    order = make_order(shop, tiktok_id=samples.CANCELLATION["order_id"])
    cancellations_store(shop=shop, cancellations=typed)
    assert Cancellation.objects.get(shop=shop).order == order


@pytest.mark.parametrize("model", [Return, Cancellation])
def test_a_page_plan_on_a_grown_mirror_reads_stored_rows_by_their_keys_only(model):
    # As for orders (`tests.store_plans`): a request's order is looked up by its TikTok id.
    shop = make_shop()
    if model is Return:
        typed = [ApiReturn.from_api(r) for r in _returns_page()]
    else:
        typed = [ApiCancellation.from_api(samples.CANCELLATION)]
    params = {
        "shop": shop.pk,
        "requests": jsonsql.page_texts([r.raw for r in typed]),
        "lines": [jsonsql.json_text(_lines(r.line_items)) for r in typed],
        "now": timezone.now(),
    }
    tables = [model._meta.db_table, "orders_order"]
    plan = plan_when_grown(_aftersale_statement(model), params, tables, lambda: grow_orders(shop))
    assert_read_by_keys(plan, tables)
