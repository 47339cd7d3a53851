"""Factories for connected sellers and shops."""

from __future__ import annotations

import itertools
from datetime import timedelta

from django.utils import timezone

from shops.models import Authorization, Shop

_ids = itertools.count(1)


def make_authorization(
    *,
    open_id: str | None = None,
    seller_name: str = "Demo Seller",
    access: str = "TTP_access",
    refresh: str = "TTP_refresh",
    expires_in: timedelta = timedelta(days=7),
) -> Authorization:
    authorization = Authorization(open_id=open_id or f"open-{next(_ids)}", seller_name=seller_name)
    authorization.set_tokens(
        access_token=access,
        access_token_expires_at=timezone.now() + expires_in,
        refresh_token=refresh,
        refresh_token_expires_at=timezone.now() + timedelta(days=365),
    )
    authorization.save()
    return authorization


def make_shop(
    *,
    authorization: Authorization | None = None,
    name: str | None = None,
    tiktok_id: str | None = None,
) -> Shop:
    n = next(_ids)
    return Shop.objects.create(
        authorization=authorization or make_authorization(),
        tiktok_id=tiktok_id or f"74940496426424{n:05d}",
        cipher=f"ROW_cipher{n}",
        name=name or f"Shop {n}",
        region="US",
        seller_type="LOCAL",
    )
