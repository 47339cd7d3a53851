"""The command pipeline against the sandbox: keys, retries, stops, checks, per-item outcomes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.commands import CatalogCommandError, product_prices_set, product_stock_set
from catalog.models import Product, Sku
from shops.commands import (
    CommandActionError,
    Mode,
    command_cancel,
    command_claim,
    command_execute,
    command_retry,
)
from shops.models import AuditEntry, Authorization, Command, CommandItem, Shop
from shops.services import connect_complete
from tests.commands.conftest import (
    ctl,
    live_product,
    mirror_products,
    run_once,
    run_until_settled,
    writes,
)
from tests.factories import make_user
from tests.mirror.conftest import point_settings_at

pytestmark = pytest.mark.django_db


def sandbox_price(handle, product_id: str, sku_id: str) -> Decimal:
    product = ctl(handle, "GET", f"products/{product_id}")["product"]
    sku = next(s for s in product["skus"] if s["id"] == sku_id)
    return Decimal(
        sku["price"]["sale_price"] if "sale_price" in sku["price"] else sku["price"]["amount"]
    )


def set_price(product: Product, price: str = "12.34", **kw) -> Command:
    sku = product.skus.order_by("tiktok_id").first()
    return product_prices_set(
        product=product,
        prices={sku.tiktok_id: Decimal(price)},
        actor=kw.pop("actor", None) or make_user(),
        reason=kw.pop("reason", "summer prices"),
    )


def test_a_price_set_reaches_tiktok_once_and_shows_in_the_mirror(shop, sandbox):
    product = live_product(shop)
    sku = product.skus.order_by("tiktok_id").first()
    command = set_price(product, "12.34")
    key = command.idempotency_key
    assert command.status == Command.Status.QUEUED and len(key) == 32
    assert command.desired["skus"][0]["price"] == "12.34"  # absolute, never a delta

    done = run_once(shop)
    assert done.pk == command.pk and done.status == Command.Status.SUCCEEDED
    done.refresh_from_db()
    assert done.idempotency_key == key and done.attempts == 1
    assert len(done.request_ids) == 1 and len(done.request_ids[0]) == 34
    assert list(done.items.values_list("item_id", "ok")) == [(sku.tiktok_id, True)]
    assert sandbox_price(sandbox, product.tiktok_id, sku.tiktok_id) == Decimal("12.34")
    assert writes(sandbox, command) == (1, 1)
    sku.refresh_from_db()
    product.refresh_from_db()
    assert sku.price == Decimal("12.34")  # the mirror, at once, without a sync
    assert product.price_min <= Decimal("12.34") <= product.price_max
    audit = AuditEntry.objects.get(command=command)
    assert audit.actor == command.actor and audit.detail["reason"] == "summer prices"
    assert audit.detail["outcome"] == "succeeded"
    assert run_once(shop) is None  # nothing left


def test_the_same_key_goes_with_every_attempt_and_each_request_id_is_kept(shop, sandbox):
    command = set_price(live_product(shop), "9.99")
    ctl(sandbox, "POST", "faults", next=["429", "429"])  # refused before TikTok acts
    run_until_settled(shop)
    command.refresh_from_db()
    assert command.status == Command.Status.SUCCEEDED
    assert command.attempts == 3 and command.checks == 0
    # 429s come back in TikTok's envelope, with a request id each.
    assert len(command.request_ids) == 3 and len(set(command.request_ids)) == 3
    data = ctl(sandbox, "GET", f"writes?key={command.idempotency_key}")
    assert (data["received"], data["applied"]) == (1, 1)  # one write arrived, with our key
    assert data["writes"][0]["endpoint"].endswith("/prices/update")


def test_after_a_5xx_a_repeatable_set_is_read_back_before_it_is_sent_again(shop, sandbox):
    product = live_product(shop)
    command = set_price(product, "9.98")
    ctl(sandbox, "POST", "faults", next=["error"])  # TikTok may have acted on a 5xx
    run_until_settled(shop)
    command.refresh_from_db()
    assert command.status == Command.Status.SUCCEEDED
    assert (command.attempts, command.checks) == (2, 1)
    assert command.error_message == "" and len(command.request_ids) == 2
    assert writes(sandbox, command) == (1, 1)


def test_a_terminal_error_fails_the_command_with_tiktoks_message(shop, sandbox):
    product = Product.objects.filter(shop=shop).exclude(status="ACTIVATE").first()
    if product is None:
        product = live_product(shop)
        with sandbox.state.lock:
            world = next(s for s in sandbox.state.world.shops if s.id == shop.tiktok_id)
            world.products[product.tiktok_id].status = "SELLER_DEACTIVATED"
    command = set_price(product, "5.00")
    run_once(shop)
    command.refresh_from_db()
    assert command.status == Command.Status.FAILED
    assert command.error_code == 12052901 and "does not allow" in command.error_message
    assert command.attempts == 1 and command.error_kind == "terminal"


def test_per_sku_refusals_are_recorded_per_item(shop, sandbox):
    product = live_product(shop, skus=2)
    skus = list(product.skus.order_by("tiktok_id")[:2])
    good, bad = skus
    warehouse = good.inventory.first().warehouse.tiktok_id
    command = product_stock_set(
        product=product,
        stock={good.tiktok_id: {warehouse: 41}, bad.tiktok_id: {"7000000000000000404": 3}},
        actor=make_user(),
        reason="recount",
    )
    run_once(shop)
    command.refresh_from_db()
    assert command.status == Command.Status.PARTLY_FAILED
    items = {i.item_id: i for i in CommandItem.objects.filter(command=command)}
    assert items[good.tiktok_id].ok and not items[bad.tiktok_id].ok
    assert items[bad.tiktok_id].code == 12052990
    assert "warehouse does not exist" in items[bad.tiktok_id].message.lower()
    good.refresh_from_db()
    assert good.inventory.get(warehouse__tiktok_id=warehouse).quantity == 41
    assert good.stock_total == sum(good.inventory.values_list("quantity", flat=True))


def test_stock_for_one_warehouse_resends_the_others_as_mirrored(shop):
    product = live_product(shop)
    sku = product.skus.order_by("tiktok_id").first()
    levels = dict(sku.inventory.values_list("warehouse__tiktok_id", "quantity"))
    first = sorted(levels)[0]
    command = product_stock_set(
        product=product, stock={sku.tiktok_id: {first: 7}}, actor=None, reason=""
    )
    sent = {w["warehouse_id"]: w["quantity"] for w in command.desired["skus"][0]["inventory"]}
    assert sent == {**levels, first: 7}
    assert command.actor is None  # the system asked


@pytest.mark.parametrize(
    "prices", [{"1": Decimal("1")}, {}, "bad-price", "0", "-1", "1.001", "NaN", "Infinity"]
)
def test_bad_price_sets_are_refused_before_any_command(shop, prices):
    product = live_product(shop)
    sku = product.skus.first().tiktok_id
    if isinstance(prices, str):
        prices = {sku: prices}
    with pytest.raises(CatalogCommandError):
        product_prices_set(product=product, prices=prices, actor=None, reason="")
    assert not Command.objects.exists()


def test_one_command_per_target_at_a_time_in_the_order_asked(shop):
    product = live_product(shop)
    first = set_price(product, "10.00")
    second = set_price(product, "11.00")
    other = set_price(
        Product.objects.filter(shop=shop, status="ACTIVATE").exclude(pk=product.pk).first(), "3.00"
    )
    claimed = command_claim(shop_id=shop.pk)
    assert claimed.command.pk == first.pk
    # The second waits for the first; another product's command does not.
    assert command_claim(shop_id=shop.pk).command.pk == other.pk
    assert command_claim(shop_id=shop.pk) is None
    command_execute(claimed)
    assert command_claim(shop_id=shop.pk).command.pk == second.pk


def test_a_command_whose_worker_died_is_read_back_before_it_is_sent_again(shop, sandbox):
    product = live_product(shop)
    sku = product.skus.order_by("tiktok_id").first()
    command = set_price(product, "13.13")
    claimed = command_claim(shop_id=shop.pk)
    command_execute(claimed)  # TikTok has it; now pretend the worker died before recording
    Command.objects.filter(pk=command.pk).update(
        status=Command.Status.RUNNING, lease_until=timezone.now() - timedelta(seconds=1)
    )
    reclaimed = command_claim(shop_id=shop.pk)
    assert reclaimed.mode == Mode.VERIFY
    command_execute(reclaimed)
    command.refresh_from_db()
    assert command.status == Command.Status.SUCCEEDED and command.result["confirmed_by_check"]
    assert writes(sandbox, command) == (1, 1)  # read back, not sent again
    assert Sku.objects.get(pk=sku.pk).price == Decimal("13.13")


def test_a_late_worker_records_nothing_over_the_one_that_took_over(shop):
    command = set_price(live_product(shop), "14.00")
    stale = command_claim(shop_id=shop.pk)
    Command.objects.filter(pk=command.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    fresh = command_claim(shop_id=shop.pk)
    assert fresh.claims == stale.claims + 1
    command_execute(stale)
    command.refresh_from_db()
    assert command.status == Command.Status.RUNNING  # the stale outcome was dropped
    command_execute(fresh)
    command.refresh_from_db()
    assert command.status == Command.Status.SUCCEEDED


def test_needs_reauthorization_stops_the_shops_commands_and_says_so(shop, sandbox, client):
    product = live_product(shop)
    first = set_price(product, "15.00")
    waiting = set_price(
        Product.objects.filter(shop=shop, status="ACTIVATE").exclude(pk=product.pk).first(), "16.00"
    )
    ctl(sandbox, "POST", "revoke", seller="seller1")
    run_once(shop)
    first.refresh_from_db()
    waiting.refresh_from_db()
    shop.refresh_from_db()
    assert first.status == Command.Status.QUEUED and "re-authorization" in first.held_reason
    assert "re-authorization" in waiting.held_reason
    assert shop.status == Shop.Status.NEEDS_REAUTHORIZATION
    assert shop.authorization.status == Authorization.Status.NEEDS_REAUTHORIZATION
    assert run_once(shop) is None  # stopped: nothing is sent while the shop waits
    assert writes(sandbox, waiting) == (0, 0)


def test_missing_scope_holds_the_kind_and_names_the_permission(db, settings, sandbox):
    point_settings_at(settings, sandbox)
    scopes = [
        "seller.authorization.info",
        "seller.shop.info",
        "seller.product.basic",
        "seller.logistics",
    ]
    code = ctl(sandbox, "POST", "auth_code", seller="seller1", scopes=scopes)["code"]
    shop = connect_complete(code=code, user=make_user(role="admin")).shops[0]
    mirror_products(shop)
    command = set_price(live_product(shop), "17.00")
    run_once(shop)
    command.refresh_from_db()
    assert command.status == Command.Status.QUEUED
    assert "seller.product.write" in command.held_reason
    assert command.next_attempt_at > timezone.now() + timedelta(minutes=5)
    shop.authorization.refresh_from_db()
    assert shop.authorization.missing_scope == "seller.product.write"


def test_a_token_expiry_is_refreshed_once_and_the_command_goes_through(shop, sandbox):
    command = set_price(live_product(shop), "18.00")
    ctl(sandbox, "POST", "expire_tokens")
    old = shop.authorization.access_token
    run_once(shop)
    command.refresh_from_db()
    shop.authorization.refresh_from_db()
    assert command.status == Command.Status.SUCCEEDED
    assert shop.authorization.access_token != old


def test_retry_and_cancel_are_for_admins_and_the_author(shop):
    author = make_user()
    command = set_price(live_product(shop), "19.00", actor=author)
    with pytest.raises(CommandActionError):
        command_retry(command=command, actor=author)  # queued, not failed
    command_cancel(command=command, actor=author)
    command.refresh_from_db()
    assert command.status == Command.Status.CANCELLED and command.finished_at
    with pytest.raises(CommandActionError):
        command_cancel(command=command, actor=author)
    assert AuditEntry.objects.filter(command=command, detail__outcome="cancelled").exists()
    assert run_once(shop) is None


def test_a_retried_failed_command_keeps_its_key_and_counts_attempts_again(shop, sandbox, settings):
    settings.COMMAND_MAX_ATTEMPTS = 2
    command = set_price(live_product(shop), "20.00")
    ctl(sandbox, "POST", "faults", next=["429", "429"])
    run_until_settled(shop)
    command.refresh_from_db()
    assert (
        command.status == Command.Status.FAILED
        and "Gave up after 2 attempts" in command.error_message
    )
    key = command.idempotency_key
    command_retry(command=command, actor=make_user(role="admin"))
    run_until_settled(shop)
    command.refresh_from_db()
    assert command.status == Command.Status.SUCCEEDED and command.idempotency_key == key
    assert command.attempts == 3 and len(command.request_ids) == 3
    assert writes(sandbox, command) == (1, 1)
