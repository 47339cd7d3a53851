"""The finance pages over a mirrored sandbox shop: lists, filters, a statement, an order's
settlement, CSV exports, hostile input and per-shop access."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from finance.filters import (
    DifferenceFilterSet,
    PaymentFilterSet,
    StatementFilterSet,
    UnsettledFilterSet,
    WithdrawalFilterSet,
)
from finance.models import OrderSettlement, SkuTransaction, Statement
from tests.factories import make_order, make_shop, make_user

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
LISTS = [
    ("finance", StatementFilterSet),
    ("finance-payments", PaymentFilterSet),
    ("finance-withdrawals", WithdrawalFilterSet),
    ("finance-unsettled", UnsettledFilterSet),
    ("finance-differences", DifferenceFilterSet),
]
HOSTILE = ["\x00", "a\x00b", "²", "9" * 5000, "2026-02-30", "9999-12-31", "<script>x</script>"]


def body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


@pytest.fixture
def member(mirrored):
    _handle, shop = mirrored
    user = make_user(role="operator")
    shop.members.add(user)
    return user, shop


def _every_list_and_export_answers_with_its_rows(client, member):
    user, _shop = member
    client.force_login(user)
    for name, _filterset in LISTS:
        page = client.get(reverse(name))
        assert page.status_code == 200, name
        assert page.context["listing"].count > 0, name
        assert "HX-Request" in page["Vary"]
        fragment = client.get(reverse(name), headers=HTMX)
        assert b"<html" not in fragment.content and b'id="finance-list"' in fragment.content
        export = client.get(reverse(f"{name}-export"))
        rows = list(csv.reader(io.StringIO(body(export))))
        assert export.status_code == 200 and len(rows) - 1 == page.context["listing"].count, name


def _statement_filters_and_the_check(client, member):
    user, shop = member
    client.force_login(user)
    off = client.get(reverse("finance"), {"sums": "off"})
    ids = {s.tiktok_id for s in off.context["listing"].rows}
    assert ids == set(
        Statement.objects.filter(shop=shop).not_adding_up().values_list("tiktok_id", flat=True)
    )
    assert (
        b'data-testid="not-adding-up"' in off.content
        and b'data-testid="adds-up"' not in off.content
    )
    paid = client.get(reverse("finance"), {"payment_status": "PROCESSING"})
    assert all(s.payment_status == "PROCESSING" for s in paid.context["listing"].rows)
    first = Statement.objects.filter(shop=shop).order_by("statement_time").first()
    day = client.get(
        reverse("finance"),
        {"date_from": first.statement_time.date(), "date_to": first.statement_time.date()},
    )
    assert [s.pk for s in day.context["listing"].rows] == [first.pk]
    bad = client.get(reverse("finance"), {"date_from": "2026-05-02", "date_to": "2026-05-01"})
    assert bad.status_code == 200 and bad.context["listing"].count == 0
    assert b'data-testid="filter-error"' in bad.content
    assert client.get(reverse("finance-export"), {"payment_status": "NOPE"}).status_code == 400


def _a_statement_shows_its_checks_and_links_differences_to_orders(client, member):
    user, shop = member
    client.force_login(user)
    off = Statement.objects.filter(shop=shop).not_adding_up().first()
    page = client.get(reverse("statement-detail", args=[off.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "transactions do not add up" in text
    assert text.count('data-testid="check-off"') == 2  # fees, and so the settlement
    differing = OrderSettlement.objects.filter(shop=shop).with_difference().first()
    statement = differing.settlements.get().statement
    page = client.get(reverse("statement-detail", args=[statement.pk]))
    assert reverse("order-detail", args=[differing.pk]) in page.content.decode()
    assert b'data-testid="transaction-difference"' in page.content


def _differences_sort_by_amount_and_filter_by_component(client, member):
    user, _shop = member
    client.force_login(user)
    rows = client.get(reverse("finance-differences")).context["listing"].rows
    sizes = [r.difference_size for r in rows]
    assert sizes == sorted(sizes, reverse=True) and sizes[0] > 0
    shipping = client.get(reverse("finance-differences"), {"component": "shipping"})
    assert {r.component for r in shipping.context["listing"].rows} == {"shipping"}
    ascending = client.get(reverse("finance-differences"), {"sort": "amount"}).context["listing"]
    assert [r.difference_size for r in ascending.rows] == sorted(sizes)


def _an_order_page_shows_how_it_settled(client, member):
    user, shop = member
    client.force_login(user)
    fetched = SkuTransaction.objects.filter(shop=shop).values("order_tiktok_id")
    differing = (
        OrderSettlement.objects.filter(shop=shop, status="COMPLETED")
        .with_difference()
        .filter(tiktok_id__in=fetched)[0]
    )
    order_page = client.get(reverse("order-detail", args=[differing.pk]))
    assert reverse("order-settlement", args=[differing.pk]) in order_page.content.decode()
    card = client.get(reverse("order-settlement", args=[differing.pk])).content.decode()
    assert "Settled with a difference" in card and 'data-testid="settlement-skus"' in card
    # Settled before the per-SKU window: its order-level settlement, and why no SKU lines.
    older = OrderSettlement.objects.filter(shop=shop, settlements__isnull=False).exclude(
        tiktok_id__in=fetched
    )[0]
    card = client.get(reverse("order-settlement", args=[older.pk])).content.decode()
    assert 'data-testid="settlement-skus-missing"' in card
    assert 'data-testid="settlement-skus"' not in card


def _payments_are_matched_to_their_statements(client, member):
    user, _shop = member
    client.force_login(user)
    page = client.get(reverse("finance-payments"))
    for payment in page.context["listing"].rows:
        assert payment.statements_total == payment.amount
    assert b'data-testid="payment-matched"' in page.content
    payment = page.context["listing"].rows[0]
    linked = client.get(reverse("finance"), {"payment": payment.tiktok_id})
    assert {s.payment_id for s in linked.context["listing"].rows} == {payment.pk}


def _hostile_values_never_break_a_finance_page(client, member):
    user, _shop = member
    client.force_login(user)
    for name, filterset in LISTS:
        for param in [*filterset.base_filters, "page"]:
            # Every value on the statements; the others share its form plumbing.
            for value in HOSTILE if name == "finance" else HOSTILE[1:4]:
                response = client.get(reverse(name), {param: value})
                assert response.status_code == 200, (name, param, value)
                assert "<script>x</script>" not in body(response)
            for value in ("a\x00b", "9" * 5000):
                export = client.get(reverse(f"{name}-export"), {param: value})
                assert export.status_code in (200, 400), (name, param, value)
            fragment = client.get(reverse(name), {param: "a\x00b"}, headers=HTMX)
            assert fragment.status_code == 200
    for param in ("shop", "period"):
        for value in HOSTILE:
            response = client.get(reverse("finance-analytics"), {param: value})
            assert response.status_code == 200 and "report" not in response.context
    statement = Statement.objects.first()
    assert (
        client.get(reverse("statement-detail", args=[statement.pk]), {"page": "²"}).status_code
        == 200
    )


def _another_shops_finance_is_a_404_and_never_listed(client, member):
    user, _shop = member
    other = make_shop(name="Not theirs")
    statement = Statement.objects.create(
        shop=other, tiktok_id="1", currency="USD", settlement_amount=Decimal("5")
    )
    order = make_order(other, lines=0)
    client.force_login(user)
    assert client.get(reverse("statement-detail", args=[statement.pk])).status_code == 404
    assert client.get(reverse("order-settlement", args=[order.pk])).status_code == 404
    listed = client.get(reverse("finance"), {"shop": other.pk})
    assert listed.context["listing"].count == 0 and b'data-testid="filter-error"' in listed.content
    export = body(client.get(reverse("finance-export")))
    assert statement.tiktok_id not in {row[1] for row in csv.reader(io.StringIO(export))}
    assert (
        client.get(reverse("finance-analytics"), {"shop": other.pk}).context.get("report") is None
    )


def _analytics_page_per_week_and_month(client, member):
    user, shop = member
    client.force_login(user)
    for period, count in (("day", 30), ("week", 12), ("month", 12)):
        page = client.get(reverse("finance-analytics"), {"period": period, "shop": shop.pk})
        assert page.status_code == 200
        report = page.context["report"]
        assert len(report.starts) == count and report.series
        assert b'id="finance-chart-gmv"' in page.content and b'id="finance-data"' in page.content


def test_lists_filters_exports_and_a_statement(client, member):
    _every_list_and_export_answers_with_its_rows(client, member)
    _statement_filters_and_the_check(client, member)
    _a_statement_shows_its_checks_and_links_differences_to_orders(client, member)
    _payments_are_matched_to_their_statements(client, member)


def test_differences_order_settlement_and_analytics(client, member):
    _differences_sort_by_amount_and_filter_by_component(client, member)
    _an_order_page_shows_how_it_settled(client, member)
    _analytics_page_per_week_and_month(client, member)


def test_hostile_input_and_other_shops(client, member):
    _hostile_values_never_break_a_finance_page(client, member)
    _another_shops_finance_is_a_404_and_never_listed(client, member)
