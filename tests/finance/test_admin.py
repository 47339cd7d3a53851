"""Staff see the finance mirror read-only in the Django admin; a re-sync queues a shop run."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from finance.models import (
    Payment,
    SkuTransaction,
    Statement,
    StatementTransaction,
    UnsettledOrder,
    Withdrawal,
)
from shops.models import SyncRun
from tests.factories import make_order, make_shop, make_user

pytestmark = pytest.mark.django_db
MODELS = [Statement, Payment, StatementTransaction, SkuTransaction, UnsettledOrder, Withdrawal]


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def rows():
    shop = make_shop()
    order = make_order(shop, lines=0)
    now = timezone.now()
    payment = Payment.objects.create(shop=shop, tiktok_id="p1", currency="USD", amount=Decimal(9))
    statement = Statement.objects.create(
        shop=shop, tiktok_id="s1", currency="USD", payment=payment, statement_time=now
    )
    return {
        Statement: statement,
        Payment: payment,
        StatementTransaction: StatementTransaction.objects.create(
            shop=shop, tiktok_id="t1", statement=statement, order=order, type="ORDER"
        ),
        SkuTransaction: SkuTransaction.objects.create(
            shop=shop, order=order, order_tiktok_id=order.tiktok_id, synced_at=now
        ),
        UnsettledOrder: UnsettledOrder.objects.create(shop=shop, tiktok_id=order.tiktok_id),
        Withdrawal: Withdrawal.objects.create(shop=shop, tiktok_id="w1", type="WITHDRAW"),
    }


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_staff_list_search_and_view_read_only(client, rows, model):
    staff = make_user(role="staff")
    staff.user_permissions.add(*Permission.objects.filter(codename__startswith="view_"))
    client.force_login(staff)
    obj = rows[model]
    assert client.get(url(model, "changelist")).status_code == 200
    for q in ("a\x00b", "²", "9" * 5000, "<script>x</script>"):
        response = client.get(url(model, "changelist"), {"q": q}, follow=True)
        assert response.status_code == 200 and b"<script>x</script>" not in response.content
    change = client.get(url(model, "change", obj.pk))
    assert change.status_code == 200 and b'name="_save"' not in change.content
    assert client.post(url(model, "change", obj.pk), {}).status_code == 403
    assert client.get(url(model, "delete", obj.pk)).status_code == 403
    resync = client.post(
        url(model, "changelist"),
        {"action": "resync_from_tiktok", "_selected_action": [obj.pk]},
    )
    assert resync.status_code == 302
    assert SyncRun.objects.filter(shop=obj.shop, status="queued").count() == 1
