"""Writing the finance mirror: statements with their transactions, payments, per-order SKU
settlements and unsettled orders, each walked by a syncer registered in SYNC_RESOURCES."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from finance.models import (
    Payment,
    SkuTransaction,
    Statement,
    StatementTransaction,
    UnsettledOrder,
    Withdrawal,
)
from orders.models import Order
from shops.models import Shop
from shops.sync import Syncer, fetch_each
from tiktok.pagination import Page
from tiktok.types import OrderStatementTransactions, StatementTransactionPage, as_time
from tiktok.types import Payment as ApiPayment
from tiktok.types import Statement as ApiStatement
from tiktok.types import StatementTransaction as ApiTransaction
from tiktok.types import UnsettledOrder as ApiUnsettledOrder
from tiktok.types import Withdrawal as ApiWithdrawal

# Statements stay "processing" until their weekly payment and payments until the bank confirms
# them, so an incremental run reads this far back again (TikTok sends no update time for them).
REREAD = timedelta(days=14)
# Orders whose SKU settlement is fetched per sync page (one call per order: no batch endpoint).
ORDERS_PER_PAGE = 20


def _text(value: Any, limit: int) -> str:
    return str(value or "")[:limit]


def _json(amounts: Mapping[str, Decimal]) -> dict[str, str]:
    return {key: format(value, "f") for key, value in amounts.items()}


def _order_pks(shop: Shop, order_ids: Iterable[str | None]) -> dict[str, int]:
    ids = {i for i in order_ids if i}
    return dict(Order.objects.filter(shop=shop, tiktok_id__in=ids).values_list("tiktok_id", "pk"))


def _since(updated_since: datetime | None) -> datetime | None:
    return updated_since - REREAD if updated_since else None


# --- payments -----------------------------------------------------------------------------------

PAYMENT_FIELDS = [
    "create_time",
    "paid_time",
    "status",
    "currency",
    "amount",
    "settlement_amount",
    "amount_before_exchange",
    "currency_before_exchange",
    "exchange_rate",
    "bank_account",
    "raw",
    "synced_at",
]


def payments_store(*, shop: Shop, payments: Sequence[ApiPayment]) -> int:
    """Upsert a page of payments and link the statements they pay."""
    now = timezone.now()
    latest = {p.id: p for p in payments if p.id}
    if not latest:
        return 0
    rows = [
        Payment(
            shop=shop,
            tiktok_id=p.id,
            create_time=p.create_time,
            paid_time=p.paid_time,
            status=_text(p.status, 16),
            currency=_text(p.amount.currency if p.amount else "", 8),
            amount=p.amount.amount if p.amount else None,
            settlement_amount=p.settlement_amount.amount if p.settlement_amount else None,
            amount_before_exchange=(
                p.amount_before_exchange.amount if p.amount_before_exchange else None
            ),
            currency_before_exchange=_text(
                p.amount_before_exchange.currency if p.amount_before_exchange else "", 8
            ),
            exchange_rate=p.exchange_rate,
            bank_account=_text(p.bank_account, 64),
            raw=dict(p.raw),
            synced_at=now,
        )
        for p in latest.values()
    ]
    Payment.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["shop", "tiktok_id"],
        update_fields=PAYMENT_FIELDS,
    )
    _link_payments(shop, latest)
    return len(rows)


def _link_payments(shop: Shop, payment_ids: Iterable[str]) -> None:
    pks = dict(
        Payment.objects.filter(shop=shop, tiktok_id__in=list(payment_ids)).values_list(
            "tiktok_id", "pk"
        )
    )
    for tiktok_id, pk in pks.items():
        Statement.objects.filter(shop=shop, payment_tiktok_id=tiktok_id).exclude(
            payment_id=pk
        ).update(payment_id=pk)


class PaymentSyncer(Syncer):
    """Payouts by creation time; an incremental run re-reads two weeks (status changes)."""

    resource = "payments"

    def pages(self, *, page_token: str | None, updated_since: datetime | None) -> Iterator[Page]:
        since = _since(updated_since)
        filters = {"create_time_ge": since} if since else {}
        return self.client.iter_payment_pages(page_token=page_token, page_size=100, **filters)

    def store(self, items: Sequence[Any]) -> int:
        return payments_store(shop=self.shop, payments=items)


# --- statements and their transactions ----------------------------------------------------------

STATEMENT_FIELDS = [
    "statement_time",
    "currency",
    "settlement_amount",
    "revenue_amount",
    "fee_amount",
    "adjustment_amount",
    "net_sales_amount",
    "shipping_cost_amount",
    "payment_status",
    "payment_tiktok_id",
    "payment_time",
    "transactions_synced",
    "transaction_count",
    "raw",
    "synced_at",
]
TRANSACTION_FIELDS = [
    "statement",
    "type",
    "order",
    "order_tiktok_id",
    "order_create_time",
    "associated_order_id",
    "adjustment_id",
    "currency",
    "settlement_amount",
    "revenue_amount",
    "fee_tax_amount",
    "shipping_cost_amount",
    "adjustment_amount",
    "reserve_amount",
    "subtotal_amount",
    "refund_amount",
    "customer_paid_shipping_amount",
    "revenue_breakdown",
    "shipping_cost_breakdown",
    "fee_breakdown",
    "tax_breakdown",
    "raw",
    "synced_at",
]


@dataclass(frozen=True)
class StatementWithTransactions:
    """A statement from the list and every transaction of it (all pages)."""

    statement: ApiStatement
    # None: the statement is mirrored completely and its header did not change (not re-read).
    transactions: tuple[ApiTransaction, ...] | None
    total_count: int | None


def _transaction_row(
    shop: Shop, statement: Statement, t: ApiTransaction, order_pk: dict[str, int], now: datetime
) -> StatementTransaction:
    return StatementTransaction(
        shop=shop,
        tiktok_id=t.id,
        statement=statement,
        type=_text(t.type, 64),
        order_id=order_pk.get(t.order_id or ""),
        order_tiktok_id=_text(t.order_id, 32),
        order_create_time=t.order_create_time,
        associated_order_id=_text(t.associated_order_id, 32),
        adjustment_id=_text(t.adjustment_id, 32),
        currency=_text(t.currency or statement.currency, 8),
        settlement_amount=t.settlement_amount,
        revenue_amount=t.revenue_amount,
        fee_tax_amount=t.fee_tax_amount,
        shipping_cost_amount=t.shipping_cost_amount,
        adjustment_amount=t.adjustment_amount,
        reserve_amount=t.reserve_amount,
        subtotal_amount=t.revenue_breakdown.get("subtotal_before_discount_amount"),
        refund_amount=t.revenue_breakdown.get("refund_subtotal_after_seller_discounts_amount"),
        customer_paid_shipping_amount=t.shipping_cost_breakdown.get(
            "customer_paid_shipping_fee_amount"
        ),
        revenue_breakdown=_json(t.revenue_breakdown),
        shipping_cost_breakdown=_json(t.shipping_cost_breakdown),
        fee_breakdown=_json(t.fee_breakdown),
        tax_breakdown=_json(t.tax_breakdown),
        raw=dict(t.raw),
        synced_at=now,
    )


def statements_store(*, shop: Shop, statements: Sequence[StatementWithTransactions]) -> int:
    """Upsert a page of statements with all their transactions (read completely beforehand)."""
    now = timezone.now()
    latest = {s.statement.id: s for s in statements if s.statement.id}
    if not latest:
        return 0
    unchanged = {i for i, b in latest.items() if b.transactions is None}
    known = dict(
        Statement.objects.filter(shop=shop, tiktok_id__in=unchanged).values_list(
            "tiktok_id", "transaction_count"
        )
    )
    rows = [
        Statement(
            shop=shop,
            tiktok_id=s.id,
            statement_time=s.statement_time,
            currency=_text(s.currency, 8),
            settlement_amount=s.settlement_amount,
            revenue_amount=s.revenue_amount,
            fee_amount=s.fee_amount,
            adjustment_amount=s.adjustment_amount,
            net_sales_amount=s.net_sales_amount,
            shipping_cost_amount=s.shipping_cost_amount,
            payment_status=_text(s.payment_status, 16),
            payment_tiktok_id=_text(s.payment_id, 32),
            payment_time=s.payment_time,
            transactions_synced=True,
            transaction_count=known.get(s.id) if s.id in unchanged else bundle.total_count,
            raw=dict(s.raw),
            synced_at=now,
        )
        for bundle in latest.values()
        for s in (bundle.statement,)
    ]
    Statement.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["shop", "tiktok_id"],
        update_fields=STATEMENT_FIELDS,
    )
    by_id = {s.tiktok_id: s for s in Statement.objects.filter(shop=shop, tiktok_id__in=latest)}
    read = {i: b.transactions for i, b in latest.items() if b.transactions is not None}
    order_pk = _order_pks(shop, (t.order_id for rows in read.values() for t in rows))
    transactions = [
        _transaction_row(shop, by_id[statement_id], t, order_pk, now)
        for statement_id, rows in read.items()
        for t in {t.id: t for t in rows if t.id}.values()
    ]
    # A transaction TikTok no longer lists under a statement it re-read is not ours to keep.
    StatementTransaction.objects.filter(statement__tiktok_id__in=read, shop=shop).exclude(
        tiktok_id__in=[t.tiktok_id for t in transactions]
    ).delete()
    StatementTransaction.objects.bulk_create(
        transactions,
        update_conflicts=True,
        unique_fields=["shop", "tiktok_id"],
        update_fields=TRANSACTION_FIELDS,
    )
    _link_statement_payments(shop, by_id.values())
    settled = {t.order_tiktok_id for t in transactions if t.type == "ORDER" and t.order_tiktok_id}
    UnsettledOrder.objects.filter(shop=shop, tiktok_id__in=settled).delete()
    return len(rows)


def _link_statement_payments(shop: Shop, statements: Iterable[Statement]) -> None:
    wanted = {s.payment_tiktok_id for s in statements if s.payment_tiktok_id}
    pks = dict(
        Payment.objects.filter(shop=shop, tiktok_id__in=wanted).values_list("tiktok_id", "pk")
    )
    for statement in statements:
        pk = pks.get(statement.payment_tiktok_id)
        if pk is not None and statement.payment_id != pk:
            Statement.objects.filter(pk=statement.pk).update(payment_id=pk)


def _all_transactions(pages: Iterable[StatementTransactionPage]) -> tuple[list[Any], int | None]:
    rows: list[Any] = []
    total: int | None = None
    for page in pages:
        rows.extend(page.items)
        total = page.total_count if page.total_count is not None else total
    return rows, total


class StatementSyncer(Syncer):
    """Daily statements, each with every transaction it settled (202501 by-statement pages).

    One sync page is one page of statements plus all of their transactions, fetched before
    the page is stored, so a stored statement's sums are always complete.
    """

    resource = "statements"
    page_size = 20

    def pages(self, *, page_token: str | None, updated_since: datetime | None) -> Iterator[Page]:
        since = _since(updated_since)
        filters = {"statement_time_ge": since} if since else {}
        for page in self.client.iter_statement_pages(
            page_token=page_token, page_size=self.page_size, **filters
        ):
            bundles = []
            complete = self._complete({s.id: s for s in page.items})
            for statement in page.items:
                if statement.id in complete:
                    bundles.append(StatementWithTransactions(statement, None, None))
                    continue
                rows, total = _all_transactions(
                    self.client.iter_statement_transaction_pages(statement.id)
                )
                bundles.append(StatementWithTransactions(statement, tuple(rows), total))
            yield Page(
                items=tuple(bundles),
                next_page_token=page.next_page_token,
                total_count=page.total_count,
                page_token=page.page_token,
            )

    def _complete(self, statements: Mapping[str, ApiStatement]) -> set[str]:
        """Statements already mirrored with all their transactions, their header unchanged."""
        keys = (
            "settlement_amount",
            "revenue_amount",
            "fee_amount",
            "shipping_cost_amount",
            "adjustment_amount",
        )
        mirrored = Statement.objects.filter(
            shop=self.shop, tiktok_id__in=list(statements), transactions_synced=True
        ).values_list("tiktok_id", *keys)
        return {
            row[0]
            for row in mirrored
            if tuple(row[1:]) == tuple(getattr(statements[row[0]], k) for k in keys)
        }

    def store(self, items: Sequence[Any]) -> int:
        return statements_store(shop=self.shop, statements=items)


# --- per-order SKU settlements ------------------------------------------------------------------


def order_settlements_store(*, shop: Shop, orders: Sequence[OrderStatementTransactions]) -> int:
    """Replace the SKU settlement rows of a page of orders."""
    now = timezone.now()
    latest = {o.order_id: o for o in orders if o.order_id}
    if not latest:
        return 0
    order_pk = _order_pks(shop, latest)
    SkuTransaction.objects.filter(shop=shop, order_tiktok_id__in=latest).delete()
    rows = [
        SkuTransaction(
            shop=shop,
            order_id=order_pk.get(o.order_id),
            order_tiktok_id=o.order_id,
            statement_tiktok_id=_text(s.statement_id, 32),
            sku_tiktok_id=_text(s.sku_id, 32),
            sku_name=_text(s.sku_name, 255),
            product_name=_text(s.product_name, 500),
            quantity=s.quantity,
            currency=_text(s.currency or o.currency, 8),
            settlement_amount=s.settlement_amount,
            revenue_amount=s.revenue_amount,
            fee_tax_amount=s.fee_tax_amount,
            shipping_cost_amount=s.shipping_cost_amount,
            revenue_breakdown=_json(s.revenue_breakdown),
            shipping_cost_breakdown=_json(s.shipping_cost_breakdown),
            fee_breakdown=_json(s.fee_breakdown),
            tax_breakdown=_json(s.tax_breakdown),
            synced_at=now,
        )
        for o in latest.values()
        for s in {(s.statement_id, s.sku_id): s for s in o.sku_transactions}.values()
    ]
    SkuTransaction.objects.bulk_create(rows)
    return len(latest)


class OrderSettlementSyncer(Syncer):
    """The SKU breakdown of each recently settled order not fetched yet (one call per order).

    Runs after statements; only orders settled within FINANCE_SKU_SETTLEMENT_DAYS of the shop's
    latest statement, since every order costs a call of the shop's rate budget (a 100,000-order
    shop would spend half an hour at 50 requests/s on its whole history). The cursor is the last
    order id handled, so a run resumes there.
    """

    resource = "order_settlements"

    def _todo(self, after: str, since: datetime) -> list[str]:
        fetched = SkuTransaction.objects.filter(
            shop=self.shop, order_tiktok_id=OuterRef("order_tiktok_id")
        )
        return list(
            StatementTransaction.objects.filter(
                shop=self.shop, type="ORDER", statement__statement_time__gte=since
            )
            .exclude(order_tiktok_id="")
            .filter(order_tiktok_id__gt=after)
            .filter(~Exists(fetched))
            .order_by("order_tiktok_id")
            .values_list("order_tiktok_id", flat=True)
            .distinct()[:ORDERS_PER_PAGE]
        )

    def pages(self, *, page_token: str | None, updated_since: datetime | None) -> Iterator[Page]:
        latest = Statement.objects.filter(shop=self.shop).aggregate(t=Max("statement_time"))["t"]
        if latest is None or settings.FINANCE_SKU_SETTLEMENT_DAYS <= 0:
            return
        since = latest - timedelta(days=settings.FINANCE_SKU_SETTLEMENT_DAYS)
        after = page_token or ""
        while True:
            order_ids = self._todo(after, since)
            if not order_ids:
                return
            # One call per order: several in flight under the shared limit (sequential without).
            fetched = tuple(fetch_each(self.client.get_order_statement_transactions, order_ids))
            after = order_ids[-1]
            more = len(order_ids) == ORDERS_PER_PAGE
            yield Page(
                items=fetched,
                next_page_token=after if more else None,
                total_count=None,
                page_token=page_token,
            )
            if not more:
                return

    def store(self, items: Sequence[Any]) -> int:
        return order_settlements_store(shop=self.shop, orders=items)


# --- unsettled orders ---------------------------------------------------------------------------

UNSETTLED_FIELDS = [
    "order",
    "order_create_time",
    "currency",
    "est_settlement_amount",
    "est_revenue_amount",
    "est_fee_tax_amount",
    "est_shipping_cost_amount",
    "est_settlement_time",
    "estimates",
    "raw",
    "synced_at",
]


def unsettled_store(*, shop: Shop, orders: Sequence[ApiUnsettledOrder]) -> int:
    """Upsert a page of unsettled orders with TikTok's estimates."""
    now = timezone.now()
    latest = {o.order_id: o for o in orders if o.order_id}
    if not latest:
        return 0
    order_pk = _order_pks(shop, latest)
    rows = []
    for o in latest.values():
        est_time = o.raw.get("est_settlement_time")  # UNVERIFIED name; seconds like every time
        rows.append(
            UnsettledOrder(
                shop=shop,
                tiktok_id=o.order_id,
                order_id=order_pk.get(o.order_id),
                order_create_time=o.order_create_time,
                currency=_text(o.currency, 8),
                est_settlement_amount=o.est_settlement_amount,
                est_revenue_amount=o.estimates.get("est_revenue_amount"),
                est_fee_tax_amount=o.estimates.get("est_fee_tax_amount"),
                est_shipping_cost_amount=o.estimates.get("est_shipping_cost_amount"),
                est_settlement_time=_as_time(est_time),
                estimates=_json(o.estimates),
                raw=dict(o.raw),
                synced_at=now,
            )
        )
    UnsettledOrder.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["shop", "tiktok_id"],
        update_fields=UNSETTLED_FIELDS,
    )
    return len(rows)


def _as_time(value: Any) -> datetime | None:
    try:
        return as_time(value)
    except (OverflowError, OSError, ValueError):
        return None


class UnsettledOrderSyncer(Syncer):
    """Orders paid but not settled yet: the whole list every run (it has no time filter)."""

    resource = "unsettled"

    def pages(self, *, page_token: str | None, updated_since: datetime | None) -> Iterator[Page]:
        return self.client.iter_unsettled_order_pages(page_token=page_token, page_size=100)

    def store(self, items: Sequence[Any]) -> int:
        return unsettled_store(shop=self.shop, orders=items)

    def after_full(self, *, started: datetime) -> None:
        # Settled meanwhile (the statements run removes most): no longer in TikTok's list.
        UnsettledOrder.objects.filter(shop=self.shop, synced_at__lt=started).delete()


# --- withdrawals --------------------------------------------------------------------------------

WITHDRAWAL_FIELDS = ["type", "amount", "currency", "status", "create_time", "raw", "synced_at"]


def withdrawals_store(*, shop: Shop, withdrawals: Sequence[ApiWithdrawal]) -> int:
    """Upsert a page of balance movements."""
    now = timezone.now()
    latest = {w.id: w for w in withdrawals if w.id}
    rows = [
        Withdrawal(
            shop=shop,
            tiktok_id=w.id,
            type=_text(w.type, 16),
            amount=w.amount,
            currency=_text(w.currency, 8),
            status=_text(w.status, 16),
            create_time=w.create_time,
            raw=dict(w.raw),
            synced_at=now,
        )
        for w in latest.values()
    ]
    Withdrawal.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["shop", "tiktok_id"],
        update_fields=WITHDRAWAL_FIELDS,
    )
    return len(rows)


class WithdrawalSyncer(Syncer):
    """Balance movements of every type by creation time; re-reads two weeks (statuses)."""

    resource = "withdrawals"

    def pages(self, *, page_token: str | None, updated_since: datetime | None) -> Iterator[Page]:
        since = _since(updated_since)
        filters = {"create_time_ge": since} if since else {}
        return self.client.iter_withdrawal_pages(page_token=page_token, page_size=100, **filters)

    def store(self, items: Sequence[Any]) -> int:
        return withdrawals_store(shop=self.shop, withdrawals=items)
