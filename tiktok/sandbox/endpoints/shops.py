"""Authorized shops and the seller's own shop list (no shop_cipher on these)."""

from __future__ import annotations

from typing import Any

from ..app import Ctx, api


@api("GET", "/authorization/{v}/shops", shop=False, scope="seller.authorization.info")
def authorized_shops(ctx: Ctx) -> dict[str, Any]:
    """Get Authorized Shops: every shop the token covers, with its cipher."""
    assert ctx.grant is not None
    shops = [ctx.store.world.shops[no] for no in ctx.grant.shop_nos]
    return {
        "shops": [
            {
                "id": s.id,
                "name": s.name,
                "region": s.region,
                "seller_type": s.seller_type,
                "cipher": s.cipher,
                "code": s.code,
            }
            for s in shops
        ]
    }


@api("GET", "/seller/{v}/shops", shop=False, scope="seller.shop.info")
def seller_shops(ctx: Ctx) -> dict[str, Any]:
    """Get Active Shops: the seller's shops with their regions."""
    assert ctx.grant is not None
    return {
        "shops": [
            {"id": ctx.store.world.shops[no].id, "region": ctx.store.world.shops[no].region}
            for no in ctx.grant.shop_nos
        ]
    }


@api("GET", "/seller/{v}/permissions", shop=False, scope="seller.shop.info")
def seller_permissions(ctx: Ctx) -> dict[str, Any]:
    """Get Seller Permissions: cross-border sellers manage global products."""
    assert ctx.grant is not None
    seller = ctx.store.world.seller(ctx.grant.seller_id)
    cross = seller is not None and seller.seller_type == "CROSS_BORDER"
    return {"permissions": ["MANAGE_GLOBAL_PRODUCT"] if cross else []}
