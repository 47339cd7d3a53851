"""Two shops with a row of every kind each, an admin, an operator of one shop, and their tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from api.services import token_create, token_revoke
from finance.models import Payment, Statement
from shops.models import Shop
from tests.factories import (
    make_order,
    make_package,
    make_product,
    make_return,
    make_shop,
    make_user,
)


@dataclass
class World:
    mine: Shop
    theirs: Shop
    admin_key: str
    operator_key: str
    revoked_key: str
    operator: object
    ids: dict[str, dict[str, str]]  # resource -> {"mine": id, "theirs": id}


def make_payment(shop: Shop, **fields) -> Payment:
    now = timezone.now()
    values = {
        "tiktok_id": f"PAY{shop.pk}{Payment.objects.count() + 1:06d}",
        "create_time": now - timedelta(days=2),
        "paid_time": now - timedelta(days=1),
        "status": "PAID",
        "currency": "USD",
        "amount": Decimal("120.50"),
        "settlement_amount": Decimal("120.50"),
        "bank_account": "****1234",
    }
    values.update(fields)
    return Payment.objects.create(shop=shop, **values)


def make_statement(shop: Shop, **fields) -> Statement:
    values = {
        "tiktok_id": f"ST{shop.pk}{Statement.objects.count() + 1:06d}",
        "statement_time": timezone.now() - timedelta(days=3),
        "currency": "USD",
        "settlement_amount": Decimal("90.00"),
        "revenue_amount": Decimal("100.00"),
        "fee_amount": Decimal("-10.00"),
        "shipping_cost_amount": Decimal("0.00"),
        "adjustment_amount": Decimal("0.00"),
        "payment_status": "PAID",
    }
    values.update(fields)
    return Statement.objects.create(shop=shop, **values)


def _rows(shop: Shop) -> dict[str, str]:
    product = make_product(shop)
    order = make_order(shop, lines=2, sku=product.skus.first())
    package = make_package(order)
    item = make_return(order)
    return {
        "shops": shop.tiktok_id,
        "products": product.tiktok_id,
        "orders": order.tiktok_id,
        "packages": package.tiktok_id,
        "returns": item.tiktok_id,
        "payments": make_payment(shop).tiktok_id,
        "statements": make_statement(shop).tiktok_id,
    }


@pytest.fixture
def world(db) -> World:
    admin = make_user(role="admin")
    operator = make_user(role="operator")
    mine = make_shop(name="Mine", members=(operator,))
    theirs = make_shop(name="Theirs")
    mine_ids, theirs_ids = _rows(mine), _rows(theirs)
    revoked, revoked_key = token_create(user=operator, name="old laptop")
    token_revoke(user=operator, token_id=revoked.pk)
    return World(
        mine=mine,
        theirs=theirs,
        admin_key=token_create(user=admin, name="admin sheet")[1],
        operator_key=token_create(user=operator, name="operator sheet")[1],
        revoked_key=revoked_key,
        operator=operator,
        ids={name: {"mine": mine_ids[name], "theirs": theirs_ids[name]} for name in mine_ids},
    )


def get(path: str, key: str | None = None, **params):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return Client().get(path, params, headers=headers)
