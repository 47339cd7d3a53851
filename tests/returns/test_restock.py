"""The restock rule: off by default; on, a finished request makes one draft, never applied."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import ChangeSet, Warehouse
from fulfillment.decisions import request_decide
from fulfillment.mirror import cancellation_refresh
from fulfillment.models import RestockRecord, RestockRule
from fulfillment.restock import CANCEL_DONE, restock_draft
from shops.models import Command
from tests.commands.conftest import ctl, mirror_products, run_until_settled
from tests.factories import make_user
from tests.returns.conftest import sandbox_cancellation

pytestmark = pytest.mark.django_db


def test_without_a_rule_no_draft_is_made(shop, sandbox):
    mirror_products(shop)
    cancellation = sandbox_cancellation(sandbox, shop)
    request_decide(request=cancellation, decision="APPROVE_CANCEL", actor=None)
    run_until_settled(shop)
    assert ChangeSet.objects.count() == 0


def test_an_accepted_cancellation_makes_a_draft_restock(shop, sandbox):
    mirror_products(shop)
    warehouse = Warehouse.objects.filter(shop=shop).order_by("tiktok_id").first()
    RestockRule.objects.create(shop=shop, enabled=True, warehouse_id=warehouse.tiktok_id)
    cancellation = sandbox_cancellation(sandbox, shop)
    user = make_user()
    request_decide(request=cancellation, decision="APPROVE_CANCEL", actor=user)
    run_until_settled(shop)
    assert Command.objects.filter(kind__startswith="catalog.").count() == 0  # nothing applied
    change_set = ChangeSet.objects.get()
    assert change_set.state == ChangeSet.State.DRAFT
    assert cancellation.tiktok_id in change_set.reason
    units = change_set.rule["restock"]["units"]
    expected: dict[str, int] = {}
    for line in cancellation.lines:
        expected[line["sku_id"]] = expected.get(line["sku_id"], 0) + 1
    assert units == expected


def _rule(shop, **fields) -> RestockRule:
    mirror_products(shop)
    warehouse = Warehouse.objects.filter(shop=shop).order_by("tiktok_id").first()
    return RestockRule.objects.create(
        shop=shop, enabled=True, warehouse_id=warehouse.tiktok_id, **fields
    )


def test_a_cancellation_tiktok_approves_by_itself_makes_one_draft_through_the_mirror(shop, sandbox):
    _rule(shop)
    cancellation = sandbox_cancellation(sandbox, shop)
    assert ChangeSet.objects.count() == 0
    ctl(sandbox, "POST", "clock", advance=49 * 3600)  # TikTok approves it at the deadline
    cancellation_refresh(shop=shop, cancel_id=cancellation.tiktok_id)  # the webhook's refresh
    cancellation.refresh_from_db()
    assert cancellation.status in CANCEL_DONE
    change_set = ChangeSet.objects.get()
    assert change_set.state == ChangeSet.State.DRAFT
    assert cancellation.tiktok_id in change_set.reason
    # the scheduled sync reads it again, and our own decision path would too: still one draft
    cancellation_refresh(shop=shop, cancel_id=cancellation.tiktok_id)
    assert restock_draft(request=cancellation, actor=None) is None
    assert ChangeSet.objects.count() == 1
    assert RestockRecord.objects.get().change_set == change_set
    assert Command.objects.filter(kind__startswith="catalog.").count() == 0  # nothing applied


def test_our_decision_then_the_webhook_make_one_draft(shop, sandbox):
    _rule(shop)
    cancellation = sandbox_cancellation(sandbox, shop)
    request_decide(request=cancellation, decision="APPROVE_CANCEL", actor=make_user())
    run_until_settled(shop)
    cancellation_refresh(shop=shop, cancel_id=cancellation.tiktok_id)
    assert ChangeSet.objects.count() == 1


def test_requests_finished_before_the_rule_was_on_make_no_draft(shop, sandbox):
    rule = _rule(shop)
    cancellation = sandbox_cancellation(sandbox, shop)
    ctl(sandbox, "POST", "clock", advance=49 * 3600)
    RestockRule.objects.filter(pk=rule.pk).update(
        enabled_at=timezone.now() + timedelta(days=30)
    )  # turned on after TikTok closed it
    cancellation_refresh(shop=shop, cancel_id=cancellation.tiktok_id)
    assert ChangeSet.objects.count() == 0


def test_turning_the_rule_on_again_moves_its_start(shop):
    rule = RestockRule.objects.create(shop=shop, enabled=False)
    before = rule.enabled_at
    rule.enabled = True
    rule.save()
    assert rule.enabled_at > before
    started = rule.enabled_at
    rule.warehouse_id = "1"
    rule.save()
    assert rule.enabled_at == started
