"""Claims skip what another worker holds: several workers run different shops side by side."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from shops.commands import command_claim, command_create
from shops.models import Command
from tests.shops.helpers import make_shop

DESIRED = {"product_id": "1", "currency": "USD", "skus": [{"sku_id": "9", "price": "4.00"}]}


@pytest.mark.django_db(transaction=True)
def test_a_command_locked_by_one_worker_is_skipped_by_another():
    first, second = make_shop(name="First"), make_shop(name="Second")
    held = command_create(
        shop=first, kind="catalog.set_prices", target="product:1", desired=DESIRED, enqueue=False
    )
    free = command_create(
        shop=second, kind="catalog.set_prices", target="product:1", desired=DESIRED, enqueue=False
    )
    locked, release = threading.Event(), threading.Event()

    def other_worker() -> None:
        with transaction.atomic():
            Command.objects.select_for_update().get(pk=held.pk)  # mid-claim in another worker
            locked.set()
            release.wait(10)
        connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert locked.wait(10)
        assert command_claim(shop_id=first.pk) is None  # skipped, not waited for
        claimed = command_claim()
        assert claimed is not None and claimed.command.pk == free.pk
    finally:
        release.set()
        thread.join()
    assert command_claim(shop_id=first.pk).command.pk == held.pk
