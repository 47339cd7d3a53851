"""The restock rule: accepted returns and successful cancellations become draft stock change sets.

A request makes at most one draft, whichever path saw it finish first: our own decision, a
webhook or the scheduled sync (`RestockRecord`, unique per request). A request that finished
before the rule was turned on makes none, so a full sync after enabling it does not restock
the shop's whole history. Drafts are never applied here: an operator previews and applies them.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Q

from catalog.services import ChangeSetError, change_set_create_restock
from fulfillment.models import AfterSale, Cancellation, RestockRecord, RestockRule, Return
from shops.models import Shop

logger = logging.getLogger(__name__)

# Units are back once a cancellation succeeded (nothing left the warehouse) or a return whose
# item the buyer sent back completed. UNVERIFIED: which final status TikTok gives a return whose
# package the seller accepted (COMPLETE is seen in the sandbox and in M2E's mapping); a return
# without a return tracking number was refunded with the buyer keeping the item.
CANCEL_DONE = ("CANCELLATION_REQUEST_SUCCESS", "CANCELLATION_REQUEST_COMPLETE")
RETURN_DONE = ("RETURN_OR_REFUND_REQUEST_COMPLETE",)


def _family(request: AfterSale) -> str:
    return "cancel" if isinstance(request, Cancellation) else "return"


def restock_draft(*, request: AfterSale, actor: User | None) -> int | None:
    """If the shop's restock rule is on, a draft change set adding the request's units back.

    At most once per request; returns the new change set's id (None when nothing was made).
    """
    rule = RestockRule.objects.filter(shop_id=request.shop_id, enabled=True).first()
    if rule is None or not rule.warehouse_id:
        return None
    units = Counter(
        str(line["sku_id"])
        for line in request.lines
        if isinstance(line, dict) and line.get("sku_id")
    )
    if not units:
        return None
    try:
        with transaction.atomic():
            record = RestockRecord.objects.create(
                shop_id=request.shop_id,
                family=_family(request),
                request_tiktok_id=request.tiktok_id,
            )
            change_set = change_set_create_restock(
                shop=request.shop,
                warehouse_id=rule.warehouse_id,
                quantities=dict(units),
                actor=actor,
                reason=f"Restock after {type(request).__name__.lower()} {request.tiktok_id}",
            )
            record.change_set_id = change_set.pk
            record.save(update_fields=["change_set"])
    except IntegrityError:
        return None  # another path already made this request's draft
    except ChangeSetError as error:
        # A SKU no longer mirrored or a warehouse gone: the request stands, the draft is skipped.
        logger.warning("no restock draft for %s: %s", request.tiktok_id, error)
        return None
    return change_set.pk


def restock_finished(*, shop: Shop, model: type[AfterSale], tiktok_ids: Iterable[str]) -> int:
    """Drafts for the requests among these (just mirrored) that finished since the rule was on."""
    rule = RestockRule.objects.filter(shop=shop, enabled=True).exclude(warehouse_id="").first()
    if rule is None:
        return 0
    finished = Q(status__in=CANCEL_DONE)
    if model is Return:
        finished = Q(status__in=RETURN_DONE, type="RETURN_AND_REFUND") & ~Q(
            return_tracking_number=""
        )
    done = RestockRecord.objects.filter(
        shop=shop, family="cancel" if model is Cancellation else "return"
    ).values("request_tiktok_id")
    candidates = (
        model._default_manager.filter(shop=shop, tiktok_id__in=list(tiktok_ids))
        .filter(finished, update_time__gte=rule.enabled_at)
        .exclude(tiktok_id__in=done)
        .select_related("shop")
    )
    return sum(1 for request in candidates if restock_draft(request=request, actor=None))
