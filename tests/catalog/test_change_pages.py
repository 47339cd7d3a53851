"""The change set's page after applying (failures by TikTok's error, their CSV, retrying a
group), leaving rows out of a preview, and the history's filters; hostile input and access."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog import csvio
from catalog.models import ChangeRow, ChangeSet, Product, Sku
from catalog.services import PriceRule, change_set_apply, change_set_create, change_set_preview
from shops.models import Command
from tests.factories import make_product, make_shop, make_user

D = Decimal

pytestmark = pytest.mark.django_db

REFUSED = "The product is under review."
GAVE_UP = "Gave up after 5 attempts: Internal error"


@pytest.fixture
def mine(client):
    user = make_user()
    shop, other = make_shop(members=(user,)), make_shop()
    products = [make_product(shop, price=D("20.00")) for _ in range(3)]
    client.force_login(user)
    return {"user": user, "shop": shop, "other": other, "products": products}


def _made(products, actor, **rule) -> ChangeSet:
    change_set = change_set_create(
        name="Sale",
        reason="weekend",
        actor=actor,
        products=Product.objects.filter(pk__in=[p.pk for p in products]),
        price_rule=PriceRule(**(rule or {"mode": "lower_pct", "amount": D("10")})),
    )
    change_set_preview(change_set=change_set)
    change_set.refresh_from_db()
    return change_set


def _partly_applied(change_set: ChangeSet, user) -> ChangeSet:
    """Applied, with TikTok refusing two rows one way and one row another."""
    change_set_apply(change_set=change_set, actor=user, acknowledged=["big_change"])
    rows = list(change_set.rows.order_by("id"))
    ChangeRow.objects.filter(pk=rows[0].pk).update(outcome="applied")
    ChangeRow.objects.filter(pk__in=[rows[1].pk]).update(outcome="failed", message=REFUSED)
    ChangeRow.objects.filter(pk__in=[rows[2].pk]).update(outcome="failed", message=GAVE_UP)
    Command.objects.filter(pk__in=[r.command_id for r in rows[1:]]).update(status="failed")
    ChangeSet.objects.filter(pk=change_set.pk).update(state=ChangeSet.State.PARTLY_APPLIED)
    change_set.refresh_from_db()
    return change_set


def test_failures_are_grouped_by_tiktoks_error_with_counts(client, mine):
    change_set = _partly_applied(_made(mine["products"], mine["user"]), mine["user"])
    page = client.get(reverse("change-detail", args=[change_set.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-testid="failure-group"') == 2
    assert REFUSED in html and GAVE_UP in html
    only = client.get(
        reverse("change-detail", args=[change_set.pk]), {"outcome": "failed", "error": REFUSED}
    )
    assert only.content.decode().count('data-testid="change-row"') == 1


def test_the_failures_csv_lists_the_refused_rows_and_imports_again(client, mine):
    change_set = _partly_applied(_made(mine["products"], mine["user"]), mine["user"])
    response = client.get(reverse("change-failures", args=[change_set.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = b"".join(response.streaming_content)
    lines = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert {line["error"] for line in lines} == {REFUSED, GAVE_UP}
    assert all(line["new_price"] and line["price"] == "20.00" for line in lines)
    visible = Sku.objects.filter(shop=mine["shop"])
    imported = csvio.import_file(data, visible_skus=visible)
    assert imported.errors == []
    failed = change_set.rows.filter(outcome="failed")
    assert {(e.sku.pk, e.price) for e in imported.edits} == {
        (r.sku_id, r.new_price) for r in failed
    }


def test_one_error_group_is_sent_again_alone(client, mine):
    change_set = _partly_applied(_made(mine["products"], mine["user"]), mine["user"])
    before = Command.objects.count()
    url = reverse("change-retry", args=[change_set.pk])
    for hostile in ("\x00", "x" * 5000, "no such error"):
        response = client.post(url, {"error": hostile})
        assert response.status_code == 302
    assert Command.objects.count() == before
    response = client.post(url, {"error": REFUSED})
    assert response.status_code == 302 and Command.objects.count() == before + 1
    row = change_set.rows.get(outcome="sent")
    assert row.message == "" and row.command_id == Command.objects.latest("id").pk
    assert change_set.rows.get(message=GAVE_UP).outcome == "failed"


def test_rows_are_left_out_of_the_preview_and_put_back(client, mine):
    change_set = _made(mine["products"], mine["user"])
    first, second, _third = change_set.rows.order_by("id")
    url = reverse("change-exclude", args=[change_set.pk])
    response = client.post(url, {"action": "exclude", "row": [first.pk]}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'id="change-set"' in response.content.decode()
    assert "HX-Trigger" in response
    change_set.refresh_from_db()
    first.refresh_from_db()
    assert first.excluded and change_set.state == ChangeSet.State.PREVIEWED
    assert 'data-testid="excluded-count"' in response.content.decode()
    # Every row with a warning at once; then one back in.
    client.post(url, {"action": "exclude", "warning": "at_floor"})
    response = client.post(url, {"action": "include", "row": [first.pk]})
    assert response.status_code == 302
    first.refresh_from_db()
    assert not first.excluded
    change_set_apply(change_set=change_set, actor=mine["user"], acknowledged=[])
    sent = set(change_set.rows.filter(command__isnull=False).values_list("pk", flat=True))
    assert sent == {first.pk, second.pk, _third.pk} - set(
        change_set.rows.filter(excluded=True).values_list("pk", flat=True)
    )
    # Once applied, nothing can be left out any more.
    response = client.post(url, {"action": "exclude", "row": [second.pk]})
    assert response.status_code == 302
    second.refresh_from_db()
    assert not second.excluded


@pytest.mark.parametrize(
    "data",
    [
        {"action": "exclude", "row": "\x00"},
        {"action": "exclude", "row": "²"},
        {"action": "exclude", "row": "9" * 5000},
        {"action": "drop table", "row": "1"},
        {"action": "exclude", "warning": "\x00"},
        {"action": "exclude", "warning": "x" * 5000},
        {"action": "exclude"},
    ],
)
def test_hostile_exclusions_change_nothing(client, mine, data):
    change_set = _made(mine["products"], mine["user"])
    response = client.post(reverse("change-exclude", args=[change_set.pk]), data)
    assert response.status_code == 302
    assert not change_set.rows.filter(excluded=True).exists()
    change_set.refresh_from_db()
    assert change_set.state == ChangeSet.State.PREVIEWED


def test_a_row_of_another_change_set_is_not_left_out(client, mine):
    change_set = _made(mine["products"][:1], mine["user"])
    other = _made(mine["products"][1:], mine["user"])
    row = other.rows.first()
    client.post(
        reverse("change-exclude", args=[change_set.pk]), {"action": "exclude", "row": row.pk}
    )
    row.refresh_from_db()
    assert not row.excluded


def test_another_shops_change_set_pages_are_404(client, mine):
    hidden = make_product(mine["other"])
    admin = make_user(role="admin")
    theirs = _made([mine["products"][0], hidden], admin)
    assert client.get(reverse("change-failures", args=[theirs.pk])).status_code == 404
    response = client.post(
        reverse("change-exclude", args=[theirs.pk]),
        {"action": "exclude", "row": theirs.rows.first().pk},
    )
    assert response.status_code == 404
    assert not theirs.rows.filter(excluded=True).exists()


def test_the_rows_filters_take_hostile_values_without_a_5xx(client, mine):
    change_set = _made(mine["products"], mine["user"])
    url = reverse("change-detail", args=[change_set.pk])
    for params, shown in (
        ({"warning": "\x00"}, 0),
        ({"outcome": "²"}, 0),
        ({"error": "x" * 5000}, 0),
        ({"sort": "-nope"}, 0),
        ({"shop": str(mine["other"].pk)}, 0),
        ({"page": "9" * 5000}, 3),  # a bad page is the first one
    ):
        response = client.get(url, params)
        assert response.status_code == 200, params
        assert len(response.context["listing"].rows) == shown, params
    sorted_page = client.get(url, {"sort": "-change"}, HTTP_HX_REQUEST="true")
    assert sorted_page.status_code == 200 and b'id="rows"' in sorted_page.content


def test_the_history_filters_by_state_shop_person_and_days(client, mine):
    user = mine["user"]
    colleague = make_user()
    mine["shop"].members.add(colleague)
    second = make_shop(members=(user,))
    a = _made(mine["products"][:1], user)
    b = _made([make_product(second)], colleague)
    ChangeSet.objects.filter(pk=b.pk).update(
        state=ChangeSet.State.APPLIED, created_at=timezone.now() - timedelta(days=10)
    )
    url = reverse("changes")

    def names(**params) -> list[int]:
        response = client.get(url, params)
        assert response.status_code == 200
        return response.context["listing"].rows

    assert {c.pk for c in names()} == {a.pk, b.pk}
    assert [c.pk for c in names(state="applied")] == [b.pk]
    assert [c.pk for c in names(shop=second.pk)] == [b.pk]
    assert [c.pk for c in names(person=colleague.pk)] == [b.pk]
    today = timezone.localdate()
    assert [c.pk for c in names(date_from=today.isoformat())] == [a.pk]
    assert [c.pk for c in names(date_to=(today - timedelta(days=5)).isoformat())] == [b.pk]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("state", "\x00"),
        ("state", "²"),
        ("shop", "9" * 5000),
        ("person", "abc"),
        ("date_from", "2026-02-31"),
        ("date_to", "x" * 5000),
    ],
)
def test_hostile_history_filters_get_a_message_beside_the_field(client, mine, field, value):
    _made(mine["products"][:1], mine["user"])
    response = client.get(reverse("changes"), {field: value})
    assert response.status_code == 200
    assert b'data-testid="filter-error"' in response.content
    assert response.context["listing"].rows == []


def test_the_history_hides_another_shops_shop_and_people(client, mine):
    response = client.get(reverse("changes"), {"shop": mine["other"].pk})
    assert response.status_code == 200 and b'data-testid="filter-error"' in response.content


RULE = {
    "name": "Sale",
    "reason": "Weekend",
    "price_mode": "lower_pct",
    "amount": "10",
    "direction": "auto",
    "list_price": "keep",
    "stock_mode": "keep",
}


def test_all_matching_keeps_its_filter_and_the_preview_says_when_it_would_match_others(
    client, mine
):
    shop = mine["shop"]
    query = f"shop={shop.pk}"
    page = client.get(reverse("change-new"), {"all_matching": "on", "filter": query})
    assert b'name="seen" value="3"' in page.content
    response = client.post(
        reverse("change-new"), {**RULE, "all_matching": "on", "filter": query, "seen": "3"}
    )
    assert response.status_code == 302
    change_set = ChangeSet.objects.get()
    assert change_set.rule["selection"]["filter"] == query
    assert sorted(change_set.rule["selection"]["products"]) == sorted(
        p.pk for p in mine["products"]
    )
    detail = reverse("change-detail", args=[change_set.pk])
    assert b'data-testid="selection-changed"' not in client.get(detail).content
    make_product(shop)  # mirrored since: the filter matches one more now
    Product.objects.filter(pk=mine["products"][0].pk).update(deleted_at=timezone.now())
    html = client.get(detail).content.decode()
    assert 'data-testid="selection-changed"' in html
    assert "1 not in this set" in html and "1 of this set no longer match" in html
    assert change_set.rows.count() == 3  # the set keeps what it was made from


def test_all_matching_says_when_the_count_moved_between_choosing_and_making(client, mine):
    query = f"shop={mine['shop'].pk}"
    client.post(reverse("change-new"), {**RULE, "all_matching": "on", "filter": query, "seen": "2"})
    change_set = ChangeSet.objects.get()
    html = client.get(reverse("change-detail", args=[change_set.pk])).content.decode()
    assert "2 matched when you chose, 3 when the set was made" in html
    for seen in ("\x00", "-1", "²", "9" * 5000):
        response = client.post(
            reverse("change-new"), {**RULE, "all_matching": "on", "filter": query, "seen": seen}
        )
        assert response.status_code == 400
    assert ChangeSet.objects.count() == 1


def test_a_set_whose_rows_all_settled_but_stayed_applying_is_moved_on_by_its_page(client, mine):
    """The worker died between its commit and settling the set: the page settles it."""
    change_set = _made(mine["products"], mine["user"])
    change_set_apply(change_set=change_set, actor=mine["user"], acknowledged=["big_change"])
    change_set.rows.update(outcome="applied")
    change_set.refresh_from_db()
    assert change_set.state == ChangeSet.State.APPLYING
    response = client.get(reverse("change-progress", args=[change_set.pk]))
    assert response.status_code == 200 and b'hx-trigger="every 1s"' not in response.content
    change_set.refresh_from_db()
    assert change_set.state == ChangeSet.State.APPLIED
