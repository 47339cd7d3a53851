"""Change sets: rules, preview warnings, apply through the pipeline, per-row outcomes, revert."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.models import ChangeRow, ChangeSet, Inventory, Product
from catalog.services import (
    ChangeSetError,
    PriceRule,
    StockRule,
    change_set_apply,
    change_set_create,
    change_set_create_restock,
    change_set_preview,
    change_set_progress,
    change_set_revert,
    round_to_ending,
)
from shops.models import Command, CommandItem
from tests.commands.conftest import ctl, run_until_settled
from tests.factories import (
    make_command,
    make_line,
    make_order,
    make_product,
    make_shop,
    make_user,
    make_warehouse,
)

D = Decimal

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "ending", "direction", "expected"),
    [
        ("17.99", "0.99", "down", "17.99"),
        ("18.50", "0.99", "down", "17.99"),
        ("18.50", "0.99", "up", "18.99"),
        ("18.50", "0.99", "nearest", "18.99"),
        ("18.20", "0.99", "nearest", "17.99"),
        ("18.96", "0.95", "down", "18.95"),
        ("18.01", "0.00", "up", "19.00"),
        ("18.00", "0.00", "down", "18.00"),
    ],
)
def test_rounding_to_an_ending_in_each_direction(value, ending, direction, expected):
    assert round_to_ending(D(value), ending, direction) == D(expected)


def test_minus_ten_percent_rounds_down_to_99_and_stops_at_the_floor():
    rule = PriceRule(
        mode="lower_pct", amount=D("10"), ending="0.99", floor=D("5.00"), currency="USD"
    )
    assert rule.new_price(D("20.00")) == (D("17.99"), [])  # 18.00 → .99 below, never above
    assert rule.new_price(D("5.50")) == (D("5.00"), ["at_floor"])
    up = PriceRule(mode="raise_pct", amount=D("1"), ending="0.99")
    assert up.new_price(D("19.99")) == (D("20.99"), [])  # 20.19 → at or above


def test_an_amount_rule_over_two_currencies_is_refused_and_nothing_is_created():
    user = make_user()
    us, gb = make_shop(members=(user,)), make_shop(region="GB", members=(user,))
    make_product(us)
    make_product(gb, currency="GBP")
    gbp = Product.objects.filter(shop=gb).first()
    gbp.skus.update(currency="GBP")
    with pytest.raises(ChangeSetError, match="GBP") as caught:
        change_set_create(
            name="Sale",
            reason="Black Friday",
            actor=user,
            products=Product.objects.all(),
            price_rule=PriceRule(mode="subtract", amount=D("1"), currency="USD"),
        )
    assert caught.value.field == "currency"
    assert not ChangeSet.objects.exists()
    # A percentage is fine across currencies.
    change_set = change_set_create(
        name="Sale",
        reason="Black Friday",
        actor=user,
        products=Product.objects.all(),
        price_rule=PriceRule(mode="lower_pct", amount=D("10")),
    )
    assert sorted(change_set.rows.values_list("currency", flat=True)) == ["GBP", "USD"]


def test_preview_flags_what_an_operator_must_see(django_assert_max_num_queries):
    user = make_user()
    shop = make_shop(members=(user,))
    big = make_product(shop, price=D("100.00"))
    frozen = make_product(shop, price=D("10.00"), status=Product.Status.FREEZE)
    moved = make_product(shop, price=D("10.00"))
    change_set = change_set_create(
        name="Deep cut",
        reason="clearance",
        actor=user,
        products=Product.objects.filter(pk__in=[big.pk, frozen.pk, moved.pk]),
        price_rule=PriceRule(mode="lower_pct", amount=D("60"), floor=D("4.50"), currency="USD"),
    )
    moved.skus.update(price=D("11.00"))  # a change on TikTok, mirrored after the rows were chosen
    with django_assert_max_num_queries(10):
        preview = change_set_preview(change_set=change_set)
    warnings = {w: n for w, _label, n in preview.by_warning}
    assert warnings["big_change"] == 3
    assert warnings["not_live"] == 1
    assert warnings["changed_since"] == 1
    assert warnings["at_floor"] == 2
    assert preview.by_shop == [(shop.name, 3)]
    with pytest.raises(ChangeSetError, match="Acknowledge"):
        change_set_apply(change_set=change_set, actor=user, acknowledged=["big_change"])
    assert not Command.objects.exists()


def test_stock_below_open_orders_is_flagged_and_never_below_zero():
    user = make_user()
    shop = make_shop(members=(user,))
    product = make_product(shop, stock=5)
    sku = product.skus.get()
    order = make_order(shop, status="AWAITING_SHIPMENT")
    for _ in range(3):
        make_line(order, sku=sku)
    change_set = change_set_create(
        name="Recount",
        reason="shrinkage",
        actor=user,
        products=[product],
        stock_rule=StockRule(mode="subtract", quantity=9),
    )
    row = change_set.rows.get()
    assert (row.old_quantity, row.new_quantity, row.warnings) == (5, 0, ["stock_at_zero"])
    preview = change_set_preview(change_set=change_set)
    assert {w for w, _l, _n in preview.by_warning} == {"stock_at_zero", "below_open_orders"}


def test_restock_adds_units_to_one_warehouse_as_a_draft():
    user = make_user()
    shop = make_shop(members=(user,))
    warehouse = make_warehouse(shop)
    product = make_product(shop, stock=4, warehouse=warehouse)
    sku = product.skus.get()
    change_set = change_set_create_restock(
        shop=shop,
        warehouse_id=warehouse.tiktok_id,
        quantities={sku.tiktok_id: 3},
        actor=user,
        reason="Return 123 received",
    )
    row = change_set.rows.get()
    assert change_set.state == ChangeSet.State.DRAFT
    assert (row.field, row.warehouse, row.old_quantity, row.new_quantity) == (
        "stock",
        warehouse,
        4,
        7,
    )
    other = make_shop()
    with pytest.raises(ChangeSetError):
        change_set_create_restock(
            shop=other,
            warehouse_id=warehouse.tiktok_id,
            quantities={sku.tiktok_id: 1},
            actor=user,
            reason="x",
        )
    with pytest.raises(ChangeSetError):
        change_set_create_restock(
            shop=shop,
            warehouse_id=warehouse.tiktok_id,
            quantities={sku.tiktok_id: -1},
            actor=user,
            reason="x",
        )


def test_apply_sends_one_command_per_product_and_kind_and_each_row_gets_its_outcome(shop, sandbox):
    user = make_user(role="admin")
    products = list(
        Product.objects.filter(shop=shop, status="ACTIVATE", sku_count__gte=2).order_by(
            "tiktok_id"
        )[:2]
    )
    _good, bad_product = products
    change_set = change_set_create(
        name="Sale",
        reason="weekend",
        actor=user,
        products=products,
        price_rule=PriceRule(
            mode="lower_pct",
            amount=D("10"),
            ending="0.99",
            floor=D("5.00"),
            currency=shop_currency(shop),
        ),
        stock_rule=StockRule(mode="add", quantity=2),
    )
    # One SKU's stock row points at a warehouse TikTok does not have: TikTok refuses that SKU.
    bad_row = change_set.rows.filter(field="stock", sku__product=bad_product).first()
    bogus = make_warehouse(shop, tiktok_id="7000000000000000404")
    bad_row.warehouse = bogus
    bad_row.save()
    preview = change_set_preview(change_set=change_set)
    commands = change_set_apply(
        change_set=change_set, actor=user, acknowledged=preview.to_acknowledge
    )
    assert commands == 4  # two products, price and stock each
    rows = list(change_set.rows.all())
    assert all(r.command_id is not None for r in rows if r.outcome == "sent")
    run_until_settled(shop)
    change_set.refresh_from_db()
    assert change_set.state == ChangeSet.State.PARTLY_APPLIED
    bad_row.refresh_from_db()
    assert bad_row.outcome == ChangeRow.Outcome.FAILED
    assert "warehouse does not exist" in bad_row.message.lower()
    failed = change_set.rows.filter(outcome="failed")
    assert set(failed.values_list("sku_id", flat=True)) == {bad_row.sku_id}
    applied = change_set.rows.filter(outcome="applied", field="price")
    assert applied.count() == change_set.rows.filter(field="price").count()
    for row in applied.select_related("sku"):
        remote = ctl(sandbox, "GET", f"products/{row.sku.product.tiktok_id}")["product"]
        prices = {
            s["id"]: s["price"].get("sale_price") or s["price"].get("amount")
            for s in remote["skus"]
        }
        assert D(str(prices[row.sku.tiktok_id])) == row.new_price
        row.sku.refresh_from_db()
        assert row.sku.price == row.new_price  # the mirror shows it at once
    progress = change_set_progress(change_set=change_set)
    assert progress.done == progress.total and progress.failed >= 1

    # Revert: every applied row's old value, as a draft flagged nowhere (nothing changed since).
    revert = change_set_revert(change_set=change_set, actor=user)
    assert revert.rows.count() == change_set.rows.filter(outcome="applied").count()
    preview = change_set_preview(change_set=revert)
    change_set_apply(change_set=revert, actor=user, acknowledged=preview.to_acknowledge)
    run_until_settled(shop)
    revert.refresh_from_db()
    change_set.refresh_from_db()
    assert revert.state == ChangeSet.State.APPLIED
    assert change_set.state == ChangeSet.State.REVERTED
    for row in change_set.rows.filter(field="price").select_related("sku"):
        row.sku.refresh_from_db()
        assert row.sku.price == row.old_price


def shop_currency(shop) -> str:
    return (
        Product.objects.filter(shop=shop)
        .exclude(currency="")
        .values_list("currency", flat=True)
        .first()
    )


def test_a_revert_flags_rows_changed_since_they_were_applied():
    user = make_user()
    shop = make_shop(members=(user,))
    product = make_product(shop, price=D("10.00"))
    change_set = change_set_create(
        name="Up",
        reason="r",
        actor=user,
        products=[product],
        price_rule=PriceRule(mode="set", amount=D("12.00"), currency="USD"),
    )
    ChangeSet.objects.filter(pk=change_set.pk).update(state=ChangeSet.State.APPLIED)
    change_set.refresh_from_db()
    change_set.rows.update(outcome="applied")
    product.skus.update(price=D("13.00"))  # someone changed it on TikTok afterwards
    revert = change_set_revert(change_set=change_set, actor=user)
    row = revert.rows.get()
    assert (row.old_price, row.new_price) == (D("13.00"), D("10.00"))
    assert "overwrites_later_change" in row.warnings
    assert Inventory.objects.count() == 1


def test_a_price_locked_by_a_promotion_fails_its_rows_and_warns_the_next_preview(shop, sandbox):
    user = make_user(role="admin")
    locked, free = Product.objects.filter(shop=shop, status="ACTIVATE").order_by("tiktok_id")[:2]
    ctl(sandbox, "POST", "promotions", product_id=locked.tiktok_id, days=7)
    rule = PriceRule(mode="lower_pct", amount=D("5"), currency=shop_currency(shop))

    def priced(name: str) -> ChangeSet:
        return change_set_create(
            name=name, reason="sale", actor=user, products=[locked, free], price_rule=rule
        )

    first = priced("Sale")
    preview = change_set_preview(change_set=first)
    assert "price_locked" not in preview.to_acknowledge  # nothing refused yet: no guess
    change_set_apply(change_set=first, actor=user, acknowledged=preview.to_acknowledge)
    run_until_settled(shop)
    failed = first.rows.filter(outcome="failed")
    assert set(failed.values_list("sku__product", flat=True)) == {locked.pk}
    assert all("promotion" in row.message for row in failed)

    # The next preview warns on the locked product's SKUs, and only on them.
    second = priced("Sale, again")
    preview = change_set_preview(change_set=second)
    assert "price_locked" in preview.to_acknowledge
    warned = second.rows.filter(warnings__contains=["price_locked"])
    assert set(warned.values_list("sku__product", flat=True)) == {locked.pk}
    assert warned.count() == locked.skus.count()

    # Once the promotion is over and a price change goes through, the warning is gone.
    ctl(sandbox, "POST", "promotions", product_id=locked.tiktok_id, days=0)
    change_set_apply(change_set=second, actor=user, acknowledged=preview.to_acknowledge)
    run_until_settled(shop)
    assert not second.rows.filter(outcome="failed").exists()
    preview = change_set_preview(change_set=priced("Sale, third"))
    assert "price_locked" not in preview.to_acknowledge


def test_a_price_lock_warns_per_sku_and_only_while_recent():
    user = make_user()
    shop = make_shop(members=(user,))
    one_sku_locked = make_product(shop, skus=2)
    long_ago = make_product(shop)
    for product, finished in [
        (one_sku_locked, timezone.now() - timedelta(hours=1)),
        (long_ago, timezone.now() - timedelta(days=30)),
    ]:
        command = make_command(
            shop, status=Command.Status.PARTLY_FAILED, target=f"product:{product.tiktok_id}"
        )
        Command.objects.filter(pk=command.pk).update(finished_at=finished)
        sku = product.skus.order_by("id").first()
        CommandItem.objects.create(
            command=command, item_id=sku.tiktok_id, ok=False, code=12052038, message="locked"
        )
    change_set = change_set_create(
        name="Cut",
        reason="sale",
        actor=user,
        products=Product.objects.filter(shop=shop),
        price_rule=PriceRule(mode="lower_pct", amount=D("5"), currency="USD"),
    )
    change_set_preview(change_set=change_set)
    warned = change_set.rows.filter(warnings__contains=["price_locked"])
    assert list(warned.values_list("sku", flat=True)) == [one_sku_locked.skus.order_by("id")[0].pk]
