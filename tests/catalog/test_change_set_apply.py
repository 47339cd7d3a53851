"""Applying a change set: its commands made at once, rows settled by their commands, failed
rows sent again alone, and a command retried from Activity taking its rows and set along."""

from __future__ import annotations

from decimal import Decimal

import pytest

from catalog.commands import SetPrices, change_rows_settle
from catalog.models import ChangeRow, ChangeSet, Product
from catalog.services import (
    PriceRule,
    StockRule,
    change_set_apply,
    change_set_create,
    change_set_preview,
    change_set_revert,
)
from shops.commands import command_retry
from shops.models import Command, CommandItem
from tests.catalog.test_change_sets import shop_currency
from tests.commands.conftest import ctl, run_until_settled, writes
from tests.factories import make_product, make_shop, make_user, make_warehouse

D = Decimal

pytestmark = pytest.mark.django_db


def _previewed(products, **rules) -> ChangeSet:
    change_set = change_set_create(
        name="Sale", reason="weekend", actor=None, products=products, **rules
    )
    change_set_preview(change_set=change_set)
    change_set.refresh_from_db()
    return change_set


def _apply(change_set: ChangeSet, user) -> int:
    acknowledged = sorted(
        {w for ws in change_set.rows.values_list("warnings", flat=True) for w in ws}
    )
    return change_set_apply(change_set=change_set, actor=user, acknowledged=acknowledged)


@pytest.mark.parametrize("products", [2, 12])
def test_apply_makes_every_command_in_a_fixed_number_of_queries(
    products, django_assert_num_queries
):
    user = make_user(role="admin")
    shop = make_shop(members=(user,))
    second = make_warehouse(shop)
    chosen = []
    for _ in range(products):
        product = make_product(shop, skus=2, price=D("20.00"))
        for sku in product.skus.all():
            sku.inventory.create(warehouse=second, quantity=4)
        chosen.append(product.pk)
    change_set = _previewed(
        Product.objects.filter(pk__in=chosen),
        price_rule=PriceRule(mode="lower_pct", amount=D("10")),
        stock_rule=StockRule(mode="add", quantity=1, warehouse_id=second.tiktok_id),
    )
    with django_assert_num_queries(18):
        assert _apply(change_set, user) == 2 * products
    commands = Command.objects.filter(reason="Sale: weekend")
    assert commands.count() == 2 * products
    assert len(set(commands.values_list("idempotency_key", flat=True))) == 2 * products
    assert set(commands.values_list("actor", flat=True)) == {user.pk}
    stock = commands.filter(kind="catalog.set_stock").first()
    for entry in stock.desired["skus"]:  # the untouched warehouse is sent with what it holds
        levels = {w["warehouse_id"]: w["quantity"] for w in entry["inventory"]}
        assert levels[second.tiktok_id] == 5 and len(levels) == 2
    rows = change_set.rows.select_related("command", "sku")
    assert all(r.outcome == "sent" and r.command.shop_id == shop.pk for r in rows)
    assert all(
        r.command.desired["product_id"] == r.sku.product.tiktok_id for r in rows if r.command
    )


def _finish(command: Command, *, refused: set[str] = frozenset(), message: str = "") -> None:
    skus = [s["sku_id"] for s in command.desired["skus"]]
    CommandItem.objects.bulk_create(
        CommandItem(command=command, item_id=s, ok=s not in refused, message=message) for s in skus
    )
    command.status = Command.Status.PARTLY_FAILED if refused else Command.Status.SUCCEEDED
    command.save()


def test_the_last_command_to_commit_settles_its_change_set(django_capture_on_commit_callbacks):
    user = make_user(role="admin")
    shop = make_shop(members=(user,))
    first, second = make_product(shop, skus=2), make_product(shop)
    change_set = _previewed(
        Product.objects.filter(pk__in=[first.pk, second.pk]),
        price_rule=PriceRule(mode="raise_pct", amount=D("5")),
    )
    _apply(change_set, user)
    one, two = Command.objects.filter(reason="Sale: weekend").order_by("id")
    refused = one.desired["skus"][0]["sku_id"]
    _finish(one, refused={refused}, message="Product is under review")
    # The other command's row still waits: the set is not settled in this transaction (that
    # would hold its lock against every other worker), only once this one has committed.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        change_rows_settle(command=one)
    change_set.refresh_from_db()
    assert change_set.state == ChangeSet.State.APPLYING and len(callbacks) == 1
    outcomes = dict(change_set.rows.values_list("sku__tiktok_id", "outcome"))
    assert outcomes[refused] == "failed"
    assert sorted(outcomes.values()) == ["applied", "failed", "sent"]
    # Meanwhile the other command committed, having seen this one's rows still waiting.
    _finish(two)
    ChangeRow.objects.filter(command=two).update(outcome=ChangeRow.Outcome.APPLIED)
    callbacks[0]()
    change_set.refresh_from_db()
    assert change_set.state == ChangeSet.State.PARTLY_APPLIED
    row = change_set.rows.get(sku__tiktok_id=refused)
    assert row.message == "Product is under review"


def test_a_cancelled_command_skips_its_rows_and_the_set_settles():
    user = make_user(role="admin")
    shop = make_shop(members=(user,))
    change_set = _previewed(
        Product.objects.filter(pk=make_product(shop).pk),
        price_rule=PriceRule(mode="raise_pct", amount=D("5")),
    )
    _apply(change_set, user)
    command = Command.objects.get(reason="Sale: weekend")
    command.status = Command.Status.CANCELLED
    command.save()
    change_rows_settle(command=command)
    row = change_set.rows.get()
    assert (row.outcome, row.message) == (
        "skipped",
        "Its command was cancelled before it was sent.",
    )
    change_set.refresh_from_db()
    assert change_set.state == ChangeSet.State.APPLIED  # nothing refused by TikTok


@pytest.fixture
def failing_once(settings, sandbox, monkeypatch):
    """An outage on the next request fails its command at once (one attempt allowed)."""
    settings.COMMAND_MAX_ATTEMPTS = 1
    monkeypatch.setattr("catalog.services.enqueue_after_commit", lambda *a, **k: None)

    def fail_next() -> None:
        ctl(sandbox, "POST", "faults", next=["error"])

    return fail_next


def _sale(shop, products) -> ChangeSet:
    return _previewed(
        Product.objects.filter(pk__in=[p.pk for p in products]),
        price_rule=PriceRule(mode="lower_pct", amount=D("10"), currency=shop_currency(shop)),
    )


def _live(shop, n: int) -> list[Product]:
    return list(Product.objects.filter(shop=shop, status="ACTIVATE").order_by("tiktok_id")[:n])


def test_failed_rows_are_applied_again_alone(shop, sandbox, failing_once):
    user = make_user(role="admin")
    products = _live(shop, 3)
    change_set = _sale(shop, products)
    assert _apply(change_set, user) == 3
    failing_once()
    run_until_settled(shop)
    change_set.refresh_from_db()
    assert change_set.state == ChangeSet.State.PARTLY_APPLIED
    failed = list(change_set.rows.filter(outcome="failed").select_related("command", "sku"))
    applied = set(change_set.rows.filter(outcome="applied").values_list("pk", flat=True))
    assert len(failed) == failed[0].command.desired["skus"].__len__() and applied
    old = failed[0].command
    assert "Gave up after 1 attempt" in failed[0].message

    assert change_set_apply(change_set=change_set, actor=user, failed_only=True) == 1
    change_set.refresh_from_db()
    assert change_set.state == ChangeSet.State.APPLYING
    new = Command.objects.exclude(pk=old.pk).latest("id")
    assert {r.command_id for r in change_set.rows.filter(pk__in=[r.pk for r in failed])} == {new.pk}
    assert new.desired["product_id"] == old.desired["product_id"]  # only the failed product
    ran = run_until_settled(shop)
    assert [c.pk for c in ran] == [new.pk]
    change_set.refresh_from_db()
    assert change_set.state == ChangeSet.State.APPLIED
    assert change_set.rows.filter(outcome="applied").count() == change_set.rows.count()
    assert writes(sandbox, new) == (1, 1)
    for row in failed:
        remote = ctl(sandbox, "GET", f"products/{row.sku.product.tiktok_id}")["product"]
        price = {
            s["id"]: s["price"].get("sale_price") or s["price"].get("amount")
            for s in remote["skus"]
        }
        assert D(str(price[row.sku.tiktok_id])) == row.new_price


def test_a_command_retried_from_activity_takes_its_rows_and_set_along(shop, sandbox, failing_once):
    user = make_user(role="admin")
    change_set = _sale(shop, _live(shop, 2))
    _apply(change_set, user)
    failing_once()
    run_until_settled(shop)
    failed = Command.objects.get(status=Command.Status.FAILED)
    change_set.refresh_from_db()
    assert change_set.state == ChangeSet.State.PARTLY_APPLIED

    command_retry(command=failed, actor=user)
    change_set.refresh_from_db()
    assert change_set.state == ChangeSet.State.APPLYING
    rows = change_set.rows.filter(command=failed)
    assert set(rows.values_list("outcome", "message")) == {("sent", "")}
    run_until_settled(shop)
    change_set.refresh_from_db()
    assert change_set.state == ChangeSet.State.APPLIED
    assert set(rows.values_list("outcome", flat=True)) == {"applied"}
    failed.refresh_from_db()
    assert failed.status == Command.Status.SUCCEEDED


def test_a_list_price_is_kept_or_set_and_reaches_tiktok(shop, sandbox, monkeypatch):
    monkeypatch.setattr("catalog.services.enqueue_after_commit", lambda *a, **k: None)
    user = make_user(role="admin")
    kept, changed = _live(shop, 2)
    currency = shop_currency(shop)
    keep = _previewed(
        Product.objects.filter(pk=kept.pk),
        price_rule=PriceRule(mode="lower_pct", amount=D("10"), currency=currency),
    )
    assert all(r.new_list_price == r.old_list_price for r in keep.rows.all())
    setting = _previewed(
        Product.objects.filter(pk=changed.pk),
        price_rule=PriceRule(
            mode="set",
            amount=D("30.00"),
            currency=currency,
            list_price="set",
            list_price_amount=D("29.00"),
        ),
    )
    row = setting.rows.first()
    assert row.new_list_price == D("29.00")
    assert "at_or_above_list_price" in row.warnings  # 30.00 sells above the 29.00 list price
    for change_set in (keep, setting):
        _apply(change_set, user)
    run_until_settled(shop)
    for change_set in (keep, setting):
        change_set.refresh_from_db()
        assert change_set.state == ChangeSet.State.APPLIED
        for r in change_set.rows.select_related("sku__product"):
            remote = ctl(sandbox, "GET", f"products/{r.sku.product.tiktok_id}")["product"]
            sku = next(s for s in remote["skus"] if s["id"] == r.sku.tiktok_id)
            listed = (sku.get("list_price") or {}).get("amount")
            assert (D(str(listed)) if listed else None) == r.new_list_price
            r.sku.refresh_from_db()
            assert r.sku.list_price == r.new_list_price


def test_a_list_price_is_removed_and_a_revert_puts_it_back(shop, sandbox, monkeypatch):
    monkeypatch.setattr("catalog.services.enqueue_after_commit", lambda *a, **k: None)
    user = make_user(role="admin")
    (product,) = _live(shop, 1)
    sku = product.skus.order_by("id").first()
    listed = sku.list_price
    assert listed is not None  # the sandbox's SKUs have one

    def remote_list_price() -> str | None:
        remote = ctl(sandbox, "GET", f"products/{product.tiktok_id}")["product"]
        entry = next(s for s in remote["skus"] if s["id"] == sku.tiktok_id)
        return (entry.get("list_price") or {}).get("amount")

    # Only the list price changes: the rule keeps every price.
    removing = _previewed(
        Product.objects.filter(pk=product.pk),
        price_rule=PriceRule(mode="keep", list_price="clear"),
    )
    row = removing.rows.get(sku=sku)
    assert (row.new_price, row.old_list_price, row.new_list_price) == (sku.price, listed, None)
    assert "no_change" not in row.warnings
    _apply(removing, user)
    run_until_settled(shop)
    removing.refresh_from_db()
    assert removing.state == ChangeSet.State.APPLIED
    assert remote_list_price() is None
    sku.refresh_from_db()
    assert sku.list_price is None  # the mirror shows it at once
    row.refresh_from_db()
    assert "list price removed" in SetPrices().summary(row.command)

    revert = change_set_revert(change_set=removing, actor=user)
    assert revert.rows.get(sku=sku).new_list_price == listed
    preview = change_set_preview(change_set=revert)
    change_set_apply(change_set=revert, actor=user, acknowledged=preview.to_acknowledge)
    run_until_settled(shop)
    assert D(str(remote_list_price())) == listed
    sku.refresh_from_db()
    assert sku.list_price == listed
