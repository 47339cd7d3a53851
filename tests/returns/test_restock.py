"""The restock rule: off by default; on, an accepted cancellation makes a draft, never applied."""

from __future__ import annotations

import pytest

from catalog.models import ChangeSet, Warehouse
from fulfillment.decisions import request_decide
from fulfillment.models import RestockRule
from shops.models import Command
from tests.commands.conftest import mirror_products, run_until_settled
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
