"""Finance: daily statements, weekly payments, statement transactions per statement and order."""

from __future__ import annotations

import bisect
from decimal import Decimal
from typing import Any

from ..app import Ctx, api
from ..data import CANCELLED, DAY, UNPAID, Shop
from ..pagination import filter_hash
from ..state import SandboxError
from ..views import facts, money, order_totals

SETTLE_AFTER = 10  # an order is settled in the statement ten days after it was placed
FEE_RATE = Decimal("0.08")
FEE_FIXED = Decimal("0.30")


def first_last_days(shop: Shop, now: int) -> tuple[int, int]:
    """The first and last statement day (as day numbers since the epoch) of a shop."""
    table = shop.orders
    first = (table.create[0] // DAY + SETTLE_AFTER) if len(table) else now // DAY
    return first, now // DAY


def _days(ctx: Ctx, shop: Shop) -> tuple[int, int]:
    return first_last_days(shop, ctx.store.now())


# A TikTok-shipped order's label, charged to the seller against what the buyer paid for shipping.
LABEL_COST = Decimal("4.50")
# Seeded mistakes, so reconciliation has something to find (see `seeded_differences`): every
# SHORT_REVENUE_EVERY-th order settles 1.00 short of its revenue, every MISSED_SHIPPING_EVERY-th
# order's buyer-paid shipping is left out, and every HEADER_OFF_EVERY-th statement's header
# carries a fee no transaction explains.
SHORT_REVENUE_EVERY = 61
MISSED_SHIPPING_EVERY = 53
HEADER_OFF_EVERY = 11
SEEDED_AMOUNT = Decimal("1.00")
REFUNDED = ("RETURN_OR_REFUND_REQUEST_COMPLETE", "CANCELLATION_REQUEST_SUCCESS")


def _settle_time(shop: Shop, idx: int) -> int:
    return (shop.orders.create[idx] // DAY + SETTLE_AFTER) * DAY


def _refunded_before(shop: Shop, idx: int, before: int) -> Decimal:
    """The subtotal of the lines refunded (returns, partial cancellations) before a time."""
    f = facts(shop, idx)
    refunded = Decimal(0)
    for rec_id in shop.order_aftersales.get(idx, ()):
        rec = shop.returns.get(rec_id) or shop.cancellations.get(rec_id)
        if rec is None or rec.status not in REFUNDED or rec.update_time >= before:
            continue
        ids = None if rec.line_item_ids is None else set(rec.line_item_ids)
        refunded += sum(
            (
                price
                for pos, (_sku, price) in enumerate(f.lines)
                if ids is None or shop.line_item_id(idx, pos) in ids
            ),
            Decimal(0),
        )
    return refunded


def _order_money(shop: Shop, idx: int) -> dict[str, Decimal]:
    """What an order settles: `settlement = revenue + fee + shipping + adjustment` (DOC)."""
    f = facts(shop, idx)
    totals = order_totals(f)
    subtotal = totals["sub_total"]
    refund = _refunded_before(shop, idx, _settle_time(shop, idx))
    short = SEEDED_AMOUNT if idx % SHORT_REVENUE_EVERY == SHORT_REVENUE_EVERY - 1 else Decimal(0)
    revenue = subtotal - refund - short
    fee = -(revenue * FEE_RATE + FEE_FIXED).quantize(Decimal("0.01"))
    paid_shipping = totals["shipping_fee"]
    if idx % MISSED_SHIPPING_EVERY == MISSED_SHIPPING_EVERY - 1:
        paid_shipping = Decimal(0)
    label = -LABEL_COST if f.shipping_type == "TIKTOK" else Decimal(0)
    shipping = paid_shipping + label
    return {
        "subtotal": subtotal,
        "refund": -refund,
        "short": -short,
        "revenue": revenue,
        "fee": fee,
        "paid_shipping": paid_shipping,
        "label": label,
        "shipping": shipping,
        "adjustment": Decimal(0),
        "settlement": revenue + fee + shipping,
    }


def _header_off(shop: Shop, day: int) -> bool:
    return (day + shop.salt) % HEADER_OFF_EVERY == 0


def seeded_differences(shop: Shop, now: int) -> dict[str, set[str]]:
    """What the sandbox got wrong on purpose, as of `now`: statement ids whose header does not
    add up, and order ids settled short of revenue or without the buyer's shipping (for tests)."""
    first, last = first_last_days(shop, now)
    headers = {
        _statement_id(shop, day)
        for day in range(first, last + 1)
        if _header_off(shop, day) and _day_count(shop, day)
    }
    revenue, shipping = set(), set()
    for day in range(first, last + 1):
        for idx in _settled_positions(shop, day):
            if shop.orders.status[idx] in (UNPAID, CANCELLED):
                continue
            if idx % SHORT_REVENUE_EVERY == SHORT_REVENUE_EVERY - 1:
                revenue.add(shop.order_id(idx))
            if (
                idx % MISSED_SHIPPING_EVERY == MISSED_SHIPPING_EVERY - 1
                and order_totals(facts(shop, idx))["shipping_fee"]
            ):
                shipping.add(shop.order_id(idx))
    return {"statements": headers, "revenue": revenue, "shipping": shipping}


def _statement_id(shop: Shop, day: int) -> str:
    return f"80{shop.no:03d}{day:07d}{(day * 7 + shop.salt) % 1000000:06d}"


def _day_count(shop: Shop, day: int) -> int:
    return sum(
        1 for i in _settled_positions(shop, day) if shop.orders.status[i] not in (UNPAID, CANCELLED)
    )


def _settled_positions(shop: Shop, day: int) -> range:
    create = shop.orders.create
    start = (day - SETTLE_AFTER) * DAY
    return range(bisect.bisect_left(create, start), bisect.bisect_left(create, start + DAY))


def _statement(ctx: Ctx, shop: Shop, day: int) -> dict[str, Any]:
    cached = ctx.store.statement_cache.get((shop.no, day))
    if cached is not None:
        return cached
    sums = dict.fromkeys(("revenue", "fee", "shipping", "adjustment", "settlement"), Decimal(0))
    count = 0
    for idx in _settled_positions(shop, day):
        if shop.orders.status[idx] in (UNPAID, CANCELLED):
            continue
        count += 1
        money_of = _order_money(shop, idx)
        for key in sums:
            sums[key] += money_of[key]
    if count and _header_off(shop, day):
        sums["fee"] -= SEEDED_AMOUNT
        sums["settlement"] -= SEEDED_AMOUNT
    week = (day - 3) // 7  # payments go out weekly
    paid = (week + 1) * 7 + 3 <= ctx.store.now() // DAY
    statement = {
        "id": _statement_id(shop, day),
        "statement_time": day * DAY,
        "settlement_amount": money(sums["settlement"]),
        "currency": shop.currency,
        "revenue_amount": money(sums["revenue"]),
        "fee_amount": money(sums["fee"]),
        "adjustment_amount": money(sums["adjustment"]),
        "net_sales_amount": money(sums["revenue"]),
        "shipping_cost_amount": money(sums["shipping"]),
        "payment_status": "PAID" if paid else "PROCESSING",
        "payment_id": f"81{shop.no:03d}{week:07d}{(week * 13 + shop.salt) % 1000000:06d}",
        "payment_time": ((week + 1) * 7 + 3) * DAY if paid else 0,
        "_count": count,
        "_day": day,
    }
    ctx.store.statement_cache[(shop.no, day)] = statement
    return statement


def _public(statement: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in statement.items() if not k.startswith("_")}


@api("GET", "/finance/{v}/statements", scope="seller.finance.info")
def statements(ctx: Ctx) -> dict[str, Any]:
    """Get Statements: one per day at 00:00 UTC; sort_field=statement_time is required."""
    shop = ctx.require_shop()
    _field, desc = ctx.sort(("statement_time",), "ASC", required=True)
    size = ctx.page_size(1, 100, default=20)
    lo = ctx.int_field(ctx.q, "statement_time_ge")
    hi = ctx.int_field(ctx.q, "statement_time_lt")
    status = ctx.q.get("payment_status")
    if status and status not in ("PAID", "FAILED", "PROCESSING"):
        raise SandboxError(
            36009004, "Invalid parameter. `payment_status` must be PAID, FAILED or PROCESSING."
        )
    fingerprint = filter_hash([lo, hi, status, desc, shop.no])
    after, _total = ctx.cursor(fingerprint)
    first, last = _days(ctx, shop)
    if lo is not None:
        first = max(first, -(-lo // DAY))
    if hi is not None:
        last = min(last, (hi - 1) // DAY)
    days = range(last, first - 1, -1) if desc else range(first, last + 1)
    page: list[dict[str, Any]] = []
    more = False
    for day in days:
        if after is not None and (day >= after if desc else day <= after):
            continue
        st = _statement(ctx, shop, day)
        # A day that settled nothing has no statement (UNVERIFIED: TikTok's docs say daily).
        if not st["_count"] or (status and st["payment_status"] != status):
            continue
        if len(page) == size:
            more = True
            break
        page.append(st)
    token = ctx.next_token(page[-1]["_day"], None, fingerprint, more) if page else ""
    return {"statements": [_public(s) for s in page], "next_page_token": token}


@api("GET", "/finance/{v}/payments", versions=("202309", "202605"), scope="seller.finance.info")
def payments(ctx: Ctx) -> dict[str, Any]:
    """Get Payments: weekly transfers of the week's statements; sort_field=create_time required.

    202605 (the only version served by default) drops `reserve_amount` and sends `paid_time` 0
    while a payment is still processing.
    """
    shop = ctx.require_shop()
    _field, desc = ctx.sort(("create_time",), "ASC", required=True)
    size = ctx.page_size(1, 100, default=20)
    lo = ctx.int_field(ctx.q, "create_time_ge")
    hi = ctx.int_field(ctx.q, "create_time_lt")
    fingerprint = filter_hash([lo, hi, desc, shop.no])
    after, _total = ctx.cursor(fingerprint)
    first, last = _days(ctx, shop)
    weeks = range((first - 3) // 7, (last - 3) // 7 + 1)
    ordered = list(reversed(weeks)) if desc else list(weeks)
    page: list[int] = []
    more = False
    for week in ordered:
        created = ((week + 1) * 7 + 3) * DAY
        if (
            created > ctx.store.now()
            or (lo is not None and created < lo)
            or (hi is not None and created >= hi)
        ):
            continue
        if after is not None and (week >= after if desc else week <= after):
            continue
        if len(page) == size:
            more = True
            break
        page.append(week)
    result = []
    for week in page:
        days = [d for d in range(week * 7 + 3, week * 7 + 10) if first <= d <= last]
        total = sum(
            (Decimal(_statement(ctx, shop, d)["settlement_amount"]) for d in days), Decimal(0)
        )
        created = ((week + 1) * 7 + 3) * DAY
        amount = {"value": money(total), "currency": shop.currency}
        # the bank confirms a transfer an hour after it is made
        paid = created + 3600 <= ctx.store.now()
        payment = {
            "id": f"81{shop.no:03d}{week:07d}{(week * 13 + shop.salt) % 1000000:06d}",
            "create_time": created,
            "paid_time": created + 3600 if paid else 0,
            "status": "PAID" if paid else "PROCESSING",
            "amount": amount,
            "settlement_amount": amount,
            "payment_amount_before_exchange": amount,
            "exchange_rate": "1",
            "bank_account": "****" + f"{shop.salt % 10000:04d}",
        }
        if ctx.version < "202605":
            payment["reserve_amount"] = {"value": "0.00", "currency": shop.currency}
        result.append(payment)
    token = ctx.next_token(page[-1], None, fingerprint, more) if page else ""
    return {"payments": result, "next_page_token": token}


def _breakdowns(m: dict[str, Decimal], tax: Decimal) -> dict[str, Any]:
    """The 202501 `*_breakdown` objects of one order's (or SKU's) money."""
    commission = m["fee"] + FEE_FIXED
    return {
        "revenue_breakdown": {
            "subtotal_before_discount_amount": money(m["subtotal"]),
            "seller_discount_amount": "0.00",
            "refund_subtotal_after_seller_discounts_amount": money(m["refund"]),
        },
        "shipping_cost_breakdown": {
            "actual_shipping_fee_amount": money(m["label"]),
            "customer_paid_shipping_fee_amount": money(m["paid_shipping"]),
        },
        "fee_tax_breakdown": {
            "fee": {
                "platform_commission_amount": money(commission),
                "transaction_fee_amount": money(-FEE_FIXED),
            },
            "tax": {"sales_tax_amount": money(-tax) if tax else "0.00"},
        },
    }


def _transaction_202501(shop: Shop, idx: int) -> dict[str, Any]:
    """One `transactions[]` row of 202501: currency lives at the root, money in breakdowns."""
    m = _order_money(shop, idx)
    return {
        "id": f"82{shop.no:03d}{idx:08d}{(idx * 17 + shop.salt) % 100000:05d}",
        "type": "ORDER",
        "order_id": shop.order_id(idx),
        "order_create_time": shop.orders.create[idx],
        "associated_order_id": "",
        "adjustment_id": "",
        "adjustment_amount": money(m["adjustment"]),
        "reserve_id": "",
        "reserve_amount": "0.00",
        "reserve_status": "",
        "estimated_release_time": 0,
        "settlement_amount": money(m["settlement"]),
        "revenue_amount": money(m["revenue"]),
        "shipping_cost_amount": money(m["shipping"]),
        "fee_tax_amount": money(m["fee"]),
        **_breakdowns(m, Decimal(0)),
        "supplementary_component": {},
    }


def _transaction(shop: Shop, idx: int) -> dict[str, Any]:
    m = _order_money(shop, idx)
    return {
        "id": f"82{shop.no:03d}{idx:08d}{(idx * 17 + shop.salt) % 100000:05d}",
        "type": "ORDER",
        "order_id": shop.order_id(idx),
        "order_create_time": shop.orders.create[idx],
        "currency": shop.currency,
        "settlement_amount": money(m["settlement"]),
        "revenue_amount": money(m["revenue"]),
        "fee_amount": money(m["fee"]),
        "adjustment_amount": money(m["adjustment"]),
        "shipping_cost_amount": money(m["shipping"]),
        "net_sales_amount": money(m["revenue"]),
        "platform_commission_amount": money(m["fee"]),
        "adjustment_id": "",
        "adjustment_order_id": "",
    }


@api(
    "GET",
    "/finance/{v}/statements/{statement_id}/statement_transactions",
    versions=("202309", "202501"),
    scope="seller.finance.info",
)
def statement_transactions(ctx: Ctx) -> dict[str, Any]:
    """Get Transactions by Statement: the orders a statement settled; sort_field=order_create_time.

    202309 is retired by default (36009014); its shape is kept for a run that restores it.
    """
    shop = ctx.require_shop()
    _field, desc = ctx.sort(("order_create_time",), "ASC", required=True)
    size = ctx.page_size(1, 100, default=20)
    statement_id = ctx.params["statement_id"]
    if (
        len(statement_id) != 18
        or statement_id[:5] != f"80{shop.no:03d}"
        or not statement_id[5:12].isdigit()
    ):
        raise SandboxError(36009004, "Invalid parameter. Unknown `statement_id`.")
    day = int(statement_id[5:12])
    first, last = _days(ctx, shop)
    st = _statement(ctx, shop, day) if first <= day <= last else None
    if st is None or st["id"] != statement_id or not st["_count"]:
        raise SandboxError(36009004, "Invalid parameter. Unknown `statement_id`.")
    fingerprint = filter_hash([statement_id, desc])
    after, _total = ctx.cursor(fingerprint)
    positions = [
        i for i in _settled_positions(shop, day) if shop.orders.status[i] not in (UNPAID, CANCELLED)
    ]
    if desc:
        positions.reverse()
    if after is not None:
        positions = [i for i in positions if (i < after if desc else i > after)]
    page = positions[:size]
    token = (
        ctx.next_token(page[-1], st["_count"], fingerprint, len(positions) > size) if page else ""
    )
    if ctx.version >= "202501":
        return {
            "id": statement_id,
            "create_time": st["statement_time"],
            "status": st["payment_status"],
            "currency": st["currency"],
            "payable_amount": st["settlement_amount"],
            "total_settlement_amount": st["settlement_amount"],
            "total_reserve_amount": "0.00",
            "total_settlement_breakdown": {
                "total_revenue_amount": st["revenue_amount"],
                "total_shipping_cost_amount": st["shipping_cost_amount"],
                "total_fee_tax_amount": st["fee_amount"],
                "total_adjustment_amount": st["adjustment_amount"],
            },
            "total_count": st["_count"],
            "next_page_token": token,
            "transactions": [_transaction_202501(shop, i) for i in page],
        }
    header = {
        k: st[k]
        for k in (
            "settlement_amount",
            "revenue_amount",
            "fee_amount",
            "adjustment_amount",
            "net_sales_amount",
            "shipping_cost_amount",
            "currency",
        )
    }
    return {
        "statement_id": statement_id,
        "statement_time": st["statement_time"],
        **header,
        "total_count": st["_count"],
        "next_page_token": token,
        "statement_transactions": [_transaction(shop, i) for i in page],
    }


@api(
    "GET",
    "/finance/{v}/orders/{order_id}/statement_transactions",
    versions=("202309", "202501"),
    scope="seller.finance.info",
)
def order_transactions(ctx: Ctx) -> dict[str, Any]:
    """Get Transactions by Order: the settlement of one order, once it is settled, per SKU.

    202309 is retired by default (36009014); its shape is kept for a run that restores it.
    """
    shop = ctx.require_shop()
    idx = shop.order_idx(ctx.params["order_id"])
    if idx is None:
        raise SandboxError(21008111, "The order or package does not belong to the current seller.")
    create = shop.orders.create[idx]
    settled = create // DAY + SETTLE_AFTER <= ctx.store.now() // DAY and shop.orders.status[
        idx
    ] not in (UNPAID, CANCELLED)
    if ctx.version >= "202501":
        return _order_transactions_202501(shop, idx, settled)
    rows = []
    if settled:
        tx = _transaction(shop, idx)
        f = facts(shop, idx)
        tx["sku_statement_transactions"] = [
            {
                "sku_id": sku.id,
                "sku_name": ", ".join(v for v in (sku.color, sku.size) if v),
                "product_name": shop.products[sku.product_id].title,
                "quantity": 1,
                "settlement_amount": money(price),
            }
            for sku, price in f.lines
        ]
        rows.append(tx)
    return {
        "order_id": shop.order_id(idx),
        "order_create_time": create,
        "statement_transactions": rows,
    }


SHARED = ("subtotal", "refund", "revenue", "fee", "paid_shipping", "label", "shipping")


def _order_transactions_202501(shop: Shop, idx: int, settled: bool) -> dict[str, Any]:
    zero = Decimal(0)
    f = facts(shop, idx)
    by_sku: dict[str, list[Any]] = {}
    for sku, price in f.lines if settled else ():
        by_sku.setdefault(sku.id, [sku, 0, zero])
        by_sku[sku.id][1] += 1
        by_sku[sku.id][2] += price
    statement_id = _statement_id(shop, _settle_time(shop, idx) // DAY) if settled else ""
    rows = []
    order = _order_money(shop, idx) if settled else dict.fromkeys(SHARED, zero)
    given = dict.fromkeys(SHARED, zero)
    subtotal_all = sum((v[2] for v in by_sku.values()), zero)
    for n, (sku, quantity, subtotal) in enumerate(by_sku.values()):
        # the order's money is shared out by subtotal; the last SKU takes the rounding
        last = n == len(by_sku) - 1
        m = {
            key: order[key] - given[key]
            if last
            else (order[key] * subtotal / subtotal_all).quantize(Decimal("0.01"))
            for key in SHARED
        }
        for key in SHARED:
            given[key] += m[key]
        m["settlement"] = m["revenue"] + m["fee"] + m["shipping"]
        rows.append(
            {
                "statement_id": statement_id,
                "sku_id": sku.id,
                "sku_name": ", ".join(v for v in (sku.color, sku.size) if v),
                "product_name": shop.products[sku.product_id].title,
                "quantity": quantity,
                "settlement_amount": money(m["settlement"]),
                "revenue_amount": money(m["revenue"]),
                "shipping_cost_amount": money(m["shipping"]),
                "fee_tax_amount": money(m["fee"]),
                **_breakdowns({**m, "adjustment": zero}, zero),
            }
        )
    return {
        "currency": shop.currency,
        "order_id": shop.order_id(idx),
        "order_create_time": shop.orders.create[idx],
        "revenue_amount": money(order["revenue"]),
        "fee_and_tax_amount": money(order["fee"]),
        "shipping_cost_amount": money(order["shipping"]),
        "settlement_amount": money(order["revenue"] + order["fee"] + order["shipping"]),
        "total_count": len(rows),
        "sku_transactions": rows,
    }


@api("GET", "/finance/{v}/orders/unsettled", versions=("202507",), scope="seller.finance.info")
def unsettled_orders(ctx: Ctx) -> dict[str, Any]:
    """Get Unsettled Orders: paid orders not settled yet, with estimated (`est_*`) amounts.

    The query and response beyond `est_*` are UNVERIFIED; paged like the transaction lists,
    oldest first, and `sort_field` is optional (only order_create_time).
    """
    shop = ctx.require_shop()
    _field, desc = ctx.sort(("order_create_time",), "ASC")
    size = ctx.page_size(1, 100, default=20)
    fingerprint = filter_hash(["unsettled", desc, shop.no])
    after, total = ctx.cursor(fingerprint)
    now_day = ctx.store.now() // DAY
    table = shop.orders
    start = bisect.bisect_left(table.create, (now_day - SETTLE_AFTER + 1) * DAY)
    positions = [i for i in range(start, len(table)) if table.status[i] not in (UNPAID, CANCELLED)]
    if total is None:
        total = len(positions)
    if desc:
        positions.reverse()
    if after is not None:
        positions = [i for i in positions if (i < after if desc else i > after)]
    page = positions[:size]
    token = ctx.next_token(page[-1], total, fingerprint, len(positions) > size) if page else ""
    orders = []
    for i in page:
        m = _order_money(shop, i)
        orders.append(
            {
                "order_id": shop.order_id(i),
                "order_create_time": table.create[i],
                "currency": shop.currency,
                "est_settlement_amount": money(m["settlement"]),
                "est_revenue_amount": money(m["revenue"]),
                "est_fee_tax_amount": money(m["fee"]),
                "est_shipping_cost_amount": money(m["shipping"]),
                "est_settlement_time": (table.create[i] // DAY + SETTLE_AFTER) * DAY,
            }
        )
    return {"orders": orders, "next_page_token": token, "total_count": total}


WITHDRAWAL_TYPES = ("WITHDRAW", "SETTLE", "TRANSFER", "REVERSE", "PAYMENT", "REFUND")


@api("GET", "/finance/{v}/withdrawals", scope="seller.finance.info")
def withdrawals(ctx: Ctx) -> dict[str, Any]:
    """Get Withdrawals: one WITHDRAW to the bank per weekly payment; `types` is required.

    That each payment shows as one WITHDRAW of its amount is this sandbox's choice (UNVERIFIED).
    """
    shop = ctx.require_shop()
    types = [t for t in (ctx.q.get("types") or "").split(",") if t]
    if not types or any(t not in WITHDRAWAL_TYPES for t in types):
        raise SandboxError(
            36009004, "Invalid parameter. `types` is required: " + ", ".join(WITHDRAWAL_TYPES)
        )
    size = ctx.page_size(1, 100, default=20)
    lo = ctx.int_field(ctx.q, "create_time_ge")
    hi = ctx.int_field(ctx.q, "create_time_lt")
    fingerprint = filter_hash(["withdrawals", sorted(types), lo, hi, shop.no])
    after, _total = ctx.cursor(fingerprint)
    first, last = _days(ctx, shop)
    weeks = []
    if "WITHDRAW" in types:
        for week in range((first - 3) // 7, (last - 3) // 7 + 1):
            created = ((week + 1) * 7 + 3) * DAY
            if created > ctx.store.now() or (lo is not None and created < lo):
                continue
            if hi is not None and created >= hi:
                continue
            weeks.append(week)
    total = len(weeks)
    if after is not None:
        weeks = [w for w in weeks if w > after]
    page = weeks[:size]
    rows = []
    for week in page:
        days = [d for d in range(week * 7 + 3, week * 7 + 10) if first <= d <= last]
        amount = sum(
            (Decimal(_statement(ctx, shop, d)["settlement_amount"]) for d in days), Decimal(0)
        )
        created = ((week + 1) * 7 + 3) * DAY
        rows.append(
            {
                "id": f"83{shop.no:03d}{week:07d}{(week * 11 + shop.salt) % 1000000:06d}",
                "type": "WITHDRAW",
                "amount": money(amount),
                "currency": shop.currency,
                "status": "SUCCESS" if created + 3600 <= ctx.store.now() else "PROCESSING",
                "create_time": created,
            }
        )
    token = ctx.next_token(page[-1], total, fingerprint, len(weeks) > size) if page else ""
    return {"withdrawals": rows, "next_page_token": token, "total_count": total}
