"""Decisions on returns and cancellations: sent once with their key, refused when TikTok moved."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from fulfillment.decisions import (
    DecisionError,
    decisions_for,
    reject_reasons,
    request_decide,
    requests_decide,
)
from fulfillment.models import Cancellation, Return
from shops.commands import Mode, command_claim, command_execute
from shops.gateway import client_for_shop
from shops.models import AuditEntry, Command
from tests.commands.conftest import ctl, run_until_settled, writes
from tests.factories import make_user
from tests.returns.conftest import sandbox_cancellation, sandbox_return

pytestmark = pytest.mark.django_db


def test_approve_cancellation_is_sent_once_with_its_key_and_mirrored(shop, sandbox):
    user = make_user()
    cancellation = sandbox_cancellation(sandbox, shop)
    # a US shop declines a buyer's cancellation by shipping: no reject
    assert [d.name for d in decisions_for(cancellation)] == ["APPROVE_CANCEL"]
    command = request_decide(request=cancellation, decision="APPROVE_CANCEL", actor=user)
    run_until_settled(shop)
    command.refresh_from_db()
    assert command.status == Command.Status.SUCCEEDED
    assert writes(sandbox, command) == (1, 1)
    cancellation.refresh_from_db()
    assert cancellation.status == "CANCELLATION_REQUEST_SUCCESS"
    assert cancellation.deadline is None
    theirs = ctl(sandbox, "GET", f"cancellations/{cancellation.tiktok_id}")["cancellation"]
    assert theirs["cancel_status"] == "CANCELLATION_REQUEST_SUCCESS"
    entry = AuditEntry.objects.get(command=command)
    assert entry.actor == user
    assert entry.detail["reason"] == "Approve cancellation"


def test_reject_return_needs_a_reason_from_tiktoks_list(shop, sandbox):
    ret = sandbox_return(sandbox, shop, "RETURN_AND_REFUND")
    with pytest.raises(DecisionError, match="TikTok's reasons"):
        request_decide(
            request=ret, decision="REJECT_RETURN", actor=None, reject_reason="made_up_reason"
        )
    assert Command.objects.count() == 0

    name = reject_reasons(request=ret, decision="REJECT_RETURN")[0][0]
    command = request_decide(
        request=ret, decision="REJECT_RETURN", actor=None, reject_reason=name, comment="Worn"
    )
    run_until_settled(shop)
    command.refresh_from_db()
    assert command.status == Command.Status.SUCCEEDED, command.error_message
    ret.refresh_from_db()
    assert ret.status == "REFUND_OR_RETURN_REQUEST_REJECT"


@pytest.mark.parametrize(
    "amount, message",
    [
        ("100000", "At most"),
        ("-1", "more than zero"),
        ("abc", "amount such as"),
        ("1\x00", "amount such as"),
        ("²", "amount such as"),
        ("9" * 5000, "At most"),
        ("1.001", "two decimals"),
        ("NaN", "more than zero"),
    ],
)
def test_partial_refund_amount_is_checked(shop, sandbox, amount, message):
    ret = sandbox_return(sandbox, shop)
    with pytest.raises(DecisionError, match=message):
        request_decide(request=ret, decision="OFFER_PARTIAL_REFUND", actor=None, amount=amount)
    assert Command.objects.count() == 0


def test_partial_refund_in_the_wrong_currency_is_refused(shop, sandbox):
    ret = sandbox_return(sandbox, shop)
    with pytest.raises(DecisionError, match="The refund is in"):
        request_decide(
            request=ret, decision="OFFER_PARTIAL_REFUND", actor=None, amount="1", currency="XXX"
        )


def test_partial_refund_is_sent_with_amount_and_currency(shop, sandbox):
    ret = sandbox_return(sandbox, shop)
    half = (ret.refund_total / 2).quantize(Decimal("0.01"))
    command = request_decide(
        request=ret, decision="OFFER_PARTIAL_REFUND", actor=None, amount=str(half)
    )
    assert command.desired["partial_refund"] == {"amount": str(half), "currency": ret.currency}
    run_until_settled(shop)
    command.refresh_from_db()
    assert command.status == Command.Status.SUCCEEDED, command.error_message
    ret.refresh_from_db()
    assert ret.status == "AWAITING_BUYER_RESPONSE"


def test_a_request_tiktok_moved_meanwhile_is_refused_with_what_changed(shop, sandbox):
    cancellation = sandbox_cancellation(sandbox, shop)
    # 48 hours on, TikTok cancels the order by itself
    ctl(sandbox, "POST", "clock", advance=49 * 3600)
    with pytest.raises(DecisionError, match="changed this request meanwhile: it is now"):
        request_decide(request=cancellation, decision="APPROVE_CANCEL", actor=None)
    assert Command.objects.count() == 0
    assert (
        ctl(sandbox, "GET", "writes?endpoint=/return_refund/{v}/cancellations/{cancel_id}/approve")[
            "received"
        ]
        == 0
    )
    cancellation.refresh_from_db()
    assert cancellation.status != "CANCELLATION_REQUEST_PENDING"


def test_moved_while_queued_fails_with_tiktoks_reason_and_changes_nothing(shop, sandbox):
    ret = sandbox_return(sandbox, shop)
    command = request_decide(request=ret, decision="APPROVE_REFUND", actor=None)
    # someone decides in Seller Center before the worker runs
    client_for_shop(shop).approve_return(
        ret.tiktok_id, decision="APPROVE_REFUND", idempotency_key="seller-center"
    )
    run_until_settled(shop)
    command.refresh_from_db()
    assert command.status == Command.Status.FAILED
    assert "does not allow" in command.error_message
    assert writes(sandbox, command) == (1, 0)


class TimeoutOnDecision(httpx.BaseTransport):
    """A decision call times out after TikTok got it."""

    def __init__(self) -> None:
        self.real = httpx.HTTPTransport()
        self.armed = True

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.armed and request.url.path.endswith("/approve"):
            self.armed = False
            self.real.handle_request(request).close()
            raise httpx.ReadTimeout("timed out", request=request)
        return self.real.handle_request(request)


def test_an_ambiguous_failure_is_read_back_never_sent_twice(shop, sandbox, monkeypatch):
    ret = sandbox_return(sandbox, shop)
    command = request_decide(request=ret, decision="APPROVE_REFUND", actor=None)
    http = httpx.Client(transport=TimeoutOnDecision())
    monkeypatch.setattr("shops.gateway.http_client", lambda: http)
    claimed = command_claim(shop_id=shop.pk)
    command_execute(claimed)
    command.refresh_from_db()
    assert command.status == Command.Status.NEEDS_CHECK
    Command.objects.filter(pk=command.pk).update(next_attempt_at=command.created_at)
    claimed = command_claim(shop_id=shop.pk)
    assert claimed.mode == Mode.CHECK
    command_execute(claimed)
    command.refresh_from_db()
    assert command.status == Command.Status.SUCCEEDED
    assert writes(sandbox, command) == (1, 1)
    assert Return.objects.get(pk=ret.pk).status == "RETURN_OR_REFUND_REQUEST_COMPLETE"


def test_bulk_approve_refunds_gives_an_outcome_per_request(shop, sandbox):
    refunds = [sandbox_return(sandbox, shop) for _ in range(3)]
    result = requests_decide(requests=refunds, decision="APPROVE_REFUND", actor=make_user())
    assert len(result.made) == 3 and not result.refused
    run_until_settled(shop)
    for _request, command in result.made:
        command.refresh_from_db()
        assert command.status == Command.Status.SUCCEEDED
        assert writes(sandbox, command) == (1, 1)
    assert set(
        Return.objects.filter(pk__in=[r.pk for r in refunds]).values_list("status", flat=True)
    ) == {"RETURN_OR_REFUND_REQUEST_COMPLETE"}


def test_bulk_refuses_mixed_types(shop, sandbox):
    mixed = [sandbox_return(sandbox, shop), sandbox_return(sandbox, shop, "RETURN_AND_REFUND")]
    with pytest.raises(DecisionError, match="same type and state"):
        requests_decide(requests=mixed, decision="APPROVE_REFUND", actor=None)
    assert Command.objects.count() == 0


def test_outside_the_us_a_cancellation_is_rejected_with_a_reason(shop, sandbox):
    cancellation = sandbox_cancellation(sandbox, shop)
    shop.region = "GB"
    shop.save()
    cancellation = Cancellation.objects.select_related("shop").get(pk=cancellation.pk)
    assert [d.name for d in decisions_for(cancellation)] == ["APPROVE_CANCEL", "REJECT_CANCEL"]
    name = reject_reasons(request=cancellation, decision="REJECT_CANCEL")[0][0]
    command = request_decide(
        request=cancellation, decision="REJECT_CANCEL", actor=None, reject_reason=name
    )
    run_until_settled(shop)
    command.refresh_from_db()
    assert command.status == Command.Status.SUCCEEDED, command.error_message
    cancellation.refresh_from_db()
    assert cancellation.status == "CANCELLATION_REQUEST_CANCELLED"
