"""A sent batch waits SEND_UNDO_SECONDS with Undo before anything goes to TikTok."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from fulfillment.commands import ShipError
from fulfillment.models import Package, ShipBatch
from fulfillment.shipping import (
    batch_undo_until,
    ship_batch_create,
    ship_batch_send,
    ship_batch_undo,
)
from shops.commands import commands_work
from shops.models import Command
from tests.commands.conftest import run_until_settled
from tests.factories import make_order, make_package, make_shop, make_user
from tests.fulfillment.test_ship_batches import packages_to_ship, shipments

pytestmark = pytest.mark.django_db


@pytest.fixture
def undo(settings):
    settings.SEND_UNDO_SECONDS = 10


def _sent(packages, actor):
    batch = ship_batch_create(
        packages=Package.objects.filter(pk__in=[p.pk for p in packages]), actor=actor
    )
    ship_batch_send(
        batch=batch, actor=actor, confirmed_count=len(packages), handover_method="DROP_OFF"
    )
    batch.refresh_from_db()
    return batch


def test_undo_within_the_window_sends_nothing_and_leaves_a_draft(undo, shop, sandbox):
    user = make_user()
    packages = packages_to_ship(shop, sandbox, 2)
    batch = _sent(packages, user)
    command = Command.objects.get()
    assert command.next_attempt_at > timezone.now() + timedelta(seconds=8)
    commands_work(shop_id=shop.pk, idle_wait=0)  # a worker passing by leaves it waiting
    command.refresh_from_db()
    assert command.status == Command.Status.QUEUED and command.attempts == 0
    assert batch_undo_until(batch) == command.next_attempt_at

    ship_batch_undo(batch=batch, actor=user)
    batch.refresh_from_db()
    command.refresh_from_db()
    assert batch.status == ShipBatch.Status.DRAFT
    assert command.status == Command.Status.CANCELLED
    assert not batch.entries.exclude(command=None).exists()
    run_until_settled(shop)
    assert shipments(sandbox) == {}
    # the draft can be sent again, and then it ships
    ship_batch_send(batch=batch, actor=user, confirmed_count=2, handover_method="DROP_OFF")
    Command.objects.filter(status=Command.Status.QUEUED).update(next_attempt_at=timezone.now())
    run_until_settled(shop)
    assert sorted(shipments(sandbox).values()) == [1, 1]


def test_once_a_command_went_out_undo_is_refused(shop, sandbox):
    user = make_user()
    batch = _sent(packages_to_ship(shop, sandbox, 1), user)  # no window in tests
    run_until_settled(shop)
    assert batch_undo_until(batch) is None
    with pytest.raises(ShipError, match="Too late to undo"):
        ship_batch_undo(batch=batch, actor=user)
    batch.refresh_from_db()
    assert batch.status == ShipBatch.Status.SENT


def test_a_ship_by_closer_than_the_window_sends_at_once(undo):
    shop = make_shop()
    soon = make_package(
        make_order(shop, ship_by=timezone.now() + timedelta(seconds=30)),
        status="TO_FULFILL",
        shipping_type="TIKTOK",
    )
    _sent([soon], make_user())
    assert Command.objects.get().next_attempt_at <= timezone.now()


def test_the_batch_page_offers_undo_and_it_is_per_shop(undo, client):
    user = make_user()
    client.force_login(user)
    shop = make_shop(members=(user,))
    package = make_package(make_order(shop), status="TO_FULFILL", shipping_type="TIKTOK")
    batch = _sent([package], user)
    page = client.get(reverse("ship-batch", args=[batch.pk])).content.decode()
    assert 'data-testid="undo"' in page
    response = client.post(reverse("ship-batch-undo", args=[batch.pk]), follow=True)
    assert "Undone: nothing was sent" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == ShipBatch.Status.DRAFT
    again = client.post(reverse("ship-batch-undo", args=[batch.pk]), follow=True)
    assert "has not been sent" in again.content.decode()
    stranger = _sent(
        [make_package(make_order(make_shop()), status="TO_FULFILL", shipping_type="TIKTOK")],
        make_user(),
    )
    assert client.post(reverse("ship-batch-undo", args=[stranger.pk])).status_code == 404
    assert client.get(reverse("ship-batch-undo", args=[stranger.pk])).status_code == 405
    stranger.refresh_from_db()
    assert stranger.status == ShipBatch.Status.SENT
