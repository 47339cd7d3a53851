"""The inbox and the decision pages: order, countdown, filters, hostile input, other shops."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from fulfillment.models import Cancellation, Return
from shops.models import Command
from tests.commands.conftest import ctl, run_until_settled, writes
from tests.factories import (
    make_cancellation,
    make_order,
    make_return,
    make_shop,
    make_user,
)
from tests.returns.conftest import sandbox_return

pytestmark = pytest.mark.django_db
HOSTILE = ["a\x00b", "²", "9" * 5000, "-1", "1; DROP TABLE"]


@pytest.fixture
def operator(client):
    user = make_user()
    client.force_login(user)
    return user


def test_waiting_first_by_nearest_deadline_with_amber_and_red(client, operator):
    shop = make_shop(members=(operator,))
    now = timezone.now()
    later = make_return(
        make_order(shop), next_action="SELLER_RESPOND_RETURN", deadline=now + timedelta(hours=30)
    )
    amber = make_return(
        make_order(shop), next_action="SELLER_RESPOND_RETURN", deadline=now + timedelta(hours=5)
    )
    red = make_cancellation(
        make_order(shop), next_action="SELLER_RESPOND_CANCEL", deadline=now + timedelta(hours=1)
    )
    done = make_return(make_order(shop), status="RETURN_OR_REFUND_REQUEST_COMPLETE")
    page = client.get(reverse("returns"))
    assert page.status_code == 200
    ids = [row.request.tiktok_id for row in page.context["rows"]]
    assert ids == [red.tiktok_id, amber.tiktok_id, later.tiktok_id]
    assert [row.urgency for row in page.context["rows"]] == ["red", "amber", ""]
    body = page.content.decode()
    assert "TikTok cancels the order" in body and "TikTok approves the return" in body
    everything = client.get(reverse("returns"), {"state": "all"})
    assert [r.request.tiktok_id for r in everything.context["rows"]][-1] == done.tiktok_id


def test_filters_are_real_choices(client, operator):
    shop = make_shop(members=(operator,))
    other_shop = make_shop(members=(operator,))
    now = timezone.now()
    due = {"next_action": "SELLER_RESPOND_REFUND", "deadline": now + timedelta(hours=3)}
    refund = make_return(make_order(shop), type="REFUND", reason_text="Damaged", **due)
    make_return(make_order(other_shop), type="RETURN_AND_REFUND", reason_text="Wrong size", **due)
    make_cancellation(make_order(shop), **due)
    page = client.get(reverse("returns"), {"type": "REFUND"})
    assert [r.request.pk for r in page.context["rows"]] == [refund.pk]
    page = client.get(reverse("returns"), {"reason": "Damaged", "shop": shop.pk})
    assert [r.request.pk for r in page.context["rows"]] == [refund.pk]
    page = client.get(reverse("returns"), {"order": refund.order_tiktok_id})
    assert [r.request.pk for r in page.context["rows"]] == [refund.pk]
    assert page.context["total"] == 1
    page = client.get(reverse("returns"), {"type": "CANCEL"})
    assert [r.family for r in page.context["rows"]] == ["cancel"]


@pytest.mark.parametrize(
    "field", ["type", "state", "shop", "reason", "order", "buyer", "sku", "page"]
)
@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_filter_values_get_a_message_and_no_rows(client, operator, field, value):
    shop = make_shop(members=(operator,))
    make_return(make_order(shop), next_action="X", deadline=timezone.now())
    page = client.get(reverse("returns"), {field: value})
    assert page.status_code == 200
    if field in ("buyer", "sku") and len(value) <= 100 and "\x00" not in value:
        return  # free text within its length: a search that finds nothing
    assert page.context["form"].errors.get(field), (field, value)
    assert page.context["rows"] == []
    partial = client.get(reverse("returns"), {field: value}, headers={"HX-Request": "true"})
    assert partial.status_code == 200


def test_another_shops_request_is_404_on_pages_and_partials(client, operator):
    theirs = make_shop()
    ret = make_return(make_order(theirs))
    cancel = make_cancellation(make_order(theirs))
    for family, pk in (("return", ret.pk), ("cancel", cancel.pk), ("nope", ret.pk)):
        url = reverse("returns-detail", args=[family, pk])
        assert client.get(url).status_code == 404
        assert client.get(url, headers={"HX-Request": "true"}).status_code == 404
        assert client.post(url, {"decision": "APPROVE_REFUND"}).status_code == 404
    response = client.post(
        reverse("returns-bulk"), {"ids": f"return:{ret.pk}", "decision": "APPROVE_RETURN"}
    )
    assert response.status_code == 404
    order = make_order(theirs)
    assert client.get(reverse("order-cancel", args=[order.pk])).status_code == 404
    assert Command.objects.count() == 0


@pytest.fixture
def sandbox_operator(client, shop):
    user = make_user()
    shop.members.add(user)
    client.force_login(user)
    return user


@pytest.mark.parametrize(
    "data, field",
    [
        ({"decision": "OFFER_PARTIAL_REFUND", "amount": "100000"}, None),
        ({"decision": "OFFER_PARTIAL_REFUND", "amount": "-1"}, "amount"),
        ({"decision": "OFFER_PARTIAL_REFUND", "amount": "abc"}, "amount"),
        ({"decision": "OFFER_PARTIAL_REFUND", "amount": "1\x00"}, "amount"),
        ({"decision": "OFFER_PARTIAL_REFUND", "amount": "²"}, "amount"),
        ({"decision": "OFFER_PARTIAL_REFUND", "amount": "9" * 5000}, "amount"),
        ({"decision": "OFFER_PARTIAL_REFUND", "amount": "1", "currency": "XXX"}, None),
        ({"decision": "REJECT_REFUND", "reject_reason": "not_a_tiktok_reason"}, "reject_reason"),
        ({"decision": "REJECT_REFUND", "reject_reason": "a\x00b"}, "reject_reason"),
        ({"decision": "APPROVE_CANCEL"}, "decision"),
        ({"decision": "x" * 5000}, "decision"),
        ({"decision": "REJECT_REFUND", "comment": "c" * 5000}, "comment"),
    ],
)
def test_hostile_decisions_get_a_message_and_change_nothing(
    client, sandbox_operator, shop, sandbox, data, field
):
    ret = sandbox_return(sandbox, shop)
    url = reverse("returns-detail", args=["return", ret.pk])
    response = client.post(url, data)
    assert response.status_code == 400
    form = response.context["form"]
    if field is None:
        assert form.non_field_errors()
    else:
        assert form.errors.get(field), form.errors
    assert Command.objects.count() == 0
    assert Return.objects.get(pk=ret.pk).status == "RETURN_OR_REFUND_REQUEST_PENDING"


def test_decision_page_offers_only_valid_actions_and_sends_one(
    client, sandbox_operator, shop, sandbox
):
    ret = sandbox_return(sandbox, shop)
    url = reverse("returns-detail", args=["return", ret.pk])
    page = client.get(url)
    names = [d.name for d in page.context["decisions"]]
    assert names == ["APPROVE_REFUND", "OFFER_PARTIAL_REFUND", "REJECT_REFUND"]
    reason = page.context["form"].fields["reject_reason"].choices[1][0]
    response = client.post(
        url, {"decision": "REJECT_REFUND", "reject_reason": reason, "comment": "Used"}
    )
    assert response.status_code == 302
    command = Command.objects.get()
    assert command.actor == sandbox_operator and "Used" in command.reason
    run_until_settled(shop)
    assert writes(sandbox, command) == (1, 1)
    page = client.get(url)
    assert page.context["decisions"] == []
    assert "Nothing to decide now" in page.content.decode()
    activity = client.get(reverse("activity")).content.decode()
    assert f"Return {ret.tiktok_id}" in activity and "Reject refund" in activity
    assert url in activity


def test_bulk_gives_per_request_outcomes(client, sandbox_operator, shop, sandbox):
    refunds = [sandbox_return(sandbox, shop) for _ in range(2)]
    moved = sandbox_return(sandbox, shop)
    from shops.gateway import client_for_shop

    client_for_shop(shop).approve_return(
        moved.tiktok_id, decision="APPROVE_REFUND", idempotency_key="seller-center"
    )
    ids = ",".join(f"return:{r.pk}" for r in [*refunds, moved])
    response = client.post(reverse("returns-bulk"), {"ids": ids, "decision": "APPROVE_REFUND"})
    assert response.status_code == 200
    outcomes = response.context["outcomes"]
    assert [ok for _id, _w, ok in outcomes] == [True, True, False]
    assert "changed this request meanwhile" in outcomes[2][1]
    assert Command.objects.count() == 2


@pytest.mark.parametrize("ids", ["return:x", "a\x00b", "9" * 30000, "cancel:1;drop", "², "])
def test_hostile_bulk_selection(client, sandbox_operator, ids):
    response = client.post(reverse("returns-bulk"), {"ids": ids, "decision": "APPROVE_REFUND"})
    assert response.status_code == 400
    assert Command.objects.count() == 0


def test_seller_cancel_shows_tiktoks_refund_before_confirming(
    client, sandbox_operator, shop, sandbox
):
    from orders.models import Order
    from shops.models import SyncRun
    from shops.sync import sync_request, sync_run

    created = ctl(sandbox, "POST", "orders", shop_id=shop.tiktok_id, status="AWAITING_SHIPMENT")
    run = sync_request(shop_id=shop.pk, resource="orders", kind=SyncRun.Kind.FULL, enqueue=False)
    sync_run(run_id=run.pk)
    order = Order.objects.get(shop=shop, tiktok_id=created["order"]["id"])
    url = reverse("order-cancel", args=[order.pk])
    page = client.get(url)
    reasons = [c[0] for c in page.context["form"].fields["reason"].choices if c[0]]
    assert reasons
    bad = client.post(url, {"reason": "not_a_reason", "confirm": "on"})
    assert bad.status_code == 400 and Command.objects.count() == 0
    preview = client.post(url, {"reason": reasons[0]})
    assert preview.context["preview"].refund.amount > 0
    assert b"refund-preview" in preview.content
    assert Command.objects.count() == 0
    done = client.post(url, {"reason": reasons[0], "confirm": "on", "note": "Out of stock"})
    assert done.status_code == 302
    run_until_settled(shop)
    command = Command.objects.get()
    assert command.status == Command.Status.SUCCEEDED, command.error_message
    assert writes(sandbox, command) == (1, 1)
    assert Cancellation.objects.filter(shop=shop, order_tiktok_id=order.tiktok_id).exists()


def test_bulk_reject_offers_the_reasons_every_selected_request_shares(
    client, sandbox_operator, shop, sandbox
):
    from fulfillment.decisions import reject_reasons

    requests = [sandbox_return(sandbox, shop) for _ in range(2)]
    ids = ",".join(f"return:{r.pk}" for r in requests)
    response = client.get(
        reverse("returns-bulk-reasons"),
        {"ids": ids, "decision": "REJECT_REFUND"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    offered = response.context["reasons"]
    each = [
        {name for name, _t in reject_reasons(request=r, decision="REJECT_REFUND")} for r in requests
    ]
    assert offered and {name for name, _t in offered} == each[0] & each[1]
    body = response.content.decode()
    assert 'data-testid="bulk-reason"' in body and 'hx-trigger="bulk-changed' in body
    # approving needs no reason: no select
    approve = client.get(
        reverse("returns-bulk-reasons"), {"ids": ids, "decision": "APPROVE_REFUND"}
    )
    assert 'data-testid="bulk-reason"' not in approve.content.decode()
    # rejecting with a shared reason sends one command per request
    reason = offered[0][0]
    result = client.post(
        reverse("returns-bulk"),
        {"ids": ids, "decision": "REJECT_REFUND", "reject_reason": reason, "comment": "Used"},
    )
    assert [ok for _id, _w, ok in result.context["outcomes"]] == [True, True]
    assert Command.objects.filter(desired__reject_reason=reason).count() == 2


def test_bulk_reject_with_a_reason_not_in_tiktoks_list_is_refused_per_request(
    client, sandbox_operator, shop, sandbox
):
    ret = sandbox_return(sandbox, shop)
    result = client.post(
        reverse("returns-bulk"),
        {"ids": f"return:{ret.pk}", "decision": "REJECT_REFUND", "reject_reason": "made_up"},
    )
    assert [ok for _id, _w, ok in result.context["outcomes"]] == [False]
    assert Command.objects.count() == 0


@pytest.mark.parametrize("ids", ["return:x", "a\x00b", "9" * 30000, "cancel:1;drop", "², ", ""])
@pytest.mark.parametrize("decision", ["REJECT_REFUND", "a\x00b", "x" * 5000])
def test_hostile_bulk_reasons_query_gets_a_note(client, operator, ids, decision):
    response = client.get(reverse("returns-bulk-reasons"), {"ids": ids, "decision": decision})
    assert response.status_code == 200
    assert 'data-testid="bulk-reason-note"' in response.content.decode()


def test_bulk_reasons_for_another_shops_request_is_a_404(client, operator):
    stranger = make_return(make_order(make_shop()))
    response = client.get(
        reverse("returns-bulk-reasons"),
        {"ids": f"return:{stranger.pk}", "decision": "REJECT_REFUND"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 404


def _mirrored_order(shop, sandbox, *, lines: int):
    from orders.models import Order
    from shops.models import SyncRun
    from shops.sync import sync_request, sync_run

    while True:
        created = ctl(
            sandbox, "POST", "orders", shop_id=shop.tiktok_id, status="AWAITING_SHIPMENT"
        )["order"]
        if len(created["line_items"]) >= lines:
            break
    run = sync_request(shop_id=shop.pk, resource="orders", kind=SyncRun.Kind.FULL, enqueue=False)
    sync_run(run_id=run.pk)
    return Order.objects.get(shop=shop, tiktok_id=created["id"])


def test_seller_cancels_some_lines_with_their_refund_and_the_rest_still_ships(
    client, sandbox_operator, shop, sandbox
):
    order = _mirrored_order(shop, sandbox, lines=2)
    lines = list(order.lines.order_by("id").values_list("tiktok_id", flat=True))
    url = reverse("order-cancel", args=[order.pk])
    page = client.get(url)
    assert 'data-testid="cancel-lines"' in page.content.decode()
    reason = next(c[0] for c in page.context["form"].fields["reason"].choices if c[0])
    whole = client.post(url, {"reason": reason}).context["preview"].refund.amount
    some = client.post(url, {"reason": reason, "lines": [lines[0]]})
    part = some.context["preview"].refund.amount
    assert 0 < part < whole
    assert "Cancelling 1 line" in some.content.decode()
    done = client.post(url, {"reason": reason, "lines": [lines[0]], "confirm": "on"})
    assert done.status_code == 302
    run_until_settled(shop)
    command = Command.objects.get()
    assert command.status == Command.Status.SUCCEEDED, command.error_message
    assert command.desired["order_line_item_ids"] == [lines[0]]
    assert writes(sandbox, command) == (1, 1)
    on_tiktok = ctl(sandbox, "GET", f"orders/{order.tiktok_id}")["order"]
    assert on_tiktok["status"] == "AWAITING_SHIPMENT"
    statuses = {li["id"]: li["display_status"] for li in on_tiktok["line_items"]}
    assert statuses[lines[0]] == "CANCELLED"
    assert all(statuses[line] != "CANCELLED" for line in lines[1:])
    cancellation = Cancellation.objects.get(shop=shop, order_tiktok_id=order.tiktok_id)
    assert [li["order_line_item_id"] for li in cancellation.lines] == [lines[0]]


def test_a_line_that_cannot_be_cancelled_is_refused_beside_the_lines(
    client, sandbox_operator, shop, sandbox
):
    order = _mirrored_order(shop, sandbox, lines=2)
    url = reverse("order-cancel", args=[order.pk])
    reason = next(c[0] for c in client.get(url).context["form"].fields["reason"].choices if c[0])
    for bad in ["5" * 18, "a\x00b", "²", "9" * 5000]:
        response = client.post(url, {"reason": reason, "lines": [bad], "confirm": "on"})
        assert response.status_code == 400, bad
        assert 'data-testid="error-lines"' in response.content.decode()
    assert Command.objects.count() == 0


def test_the_sandbox_cancels_the_order_when_the_last_lines_go(shop, sandbox):
    from shops.gateway import client_for_shop
    from tiktok.errors import ApiError

    order = _mirrored_order(shop, sandbox, lines=2)
    lines = list(order.lines.order_by("id").values_list("tiktok_id", flat=True))
    client = client_for_shop(shop)
    reason = client.get_aftersale_eligibility(order.tiktok_id, request_types=["CANCEL"])[
        0
    ].reason_names[0]
    client.cancel_order(
        order.tiktok_id, cancel_reason=reason, idempotency_key="k1", order_line_item_ids=lines[:1]
    )
    assert ctl(sandbox, "GET", f"orders/{order.tiktok_id}")["order"]["status"] == (
        "AWAITING_SHIPMENT"
    )
    with pytest.raises(ApiError, match="already cancelled"):
        client.cancel_order(
            order.tiktok_id,
            cancel_reason=reason,
            idempotency_key="k2",
            order_line_item_ids=lines[:1],
        )
    client.cancel_order(
        order.tiktok_id, cancel_reason=reason, idempotency_key="k3", order_line_item_ids=lines[1:]
    )
    assert ctl(sandbox, "GET", f"orders/{order.tiktok_id}")["order"]["status"] == "CANCELLED"
