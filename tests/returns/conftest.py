"""Returns and cancellations made in the sandbox and mirrored, to decide on."""

from __future__ import annotations

import pytest

from fulfillment.decisions import request_refresh
from fulfillment.models import Cancellation, Return
from shops.models import Shop
from tests.commands.conftest import commands_sandbox, ctl, sandbox  # noqa: F401
from tests.mirror.conftest import connect_shop, point_settings_at


@pytest.fixture
def shop(db, settings, sandbox) -> Shop:  # noqa: F811
    point_settings_at(settings, sandbox)
    return connect_shop(sandbox)


def sandbox_return(handle, shop: Shop, type_: str = "REFUND") -> Return:
    """A buyer's return request on a new delivered order, mirrored."""
    order = ctl(handle, "POST", "orders", shop_id=shop.tiktok_id, status="DELIVERED")["order"]
    rec = ctl(handle, "POST", "returns", order_id=order["id"], type=type_)
    rid = rec["return"]["return_id"]
    stub = Return.objects.create(shop=shop, tiktok_id=rid, status="")
    return request_refresh(request=stub)  # type: ignore[return-value]


def sandbox_cancellation(handle, shop: Shop) -> Cancellation:
    """A buyer's cancellation request on a new order awaiting shipment, mirrored."""
    order = ctl(handle, "POST", "orders", shop_id=shop.tiktok_id, status="AWAITING_SHIPMENT")[
        "order"
    ]
    rec = ctl(handle, "POST", "cancellations", order_id=order["id"])
    cid = rec["cancellation"]["cancel_id"]
    stub = Cancellation.objects.create(shop=shop, tiktok_id=cid, status="")
    return request_refresh(request=stub)  # type: ignore[return-value]
