"""Killing the worker during a bulk decision sends no decision twice and loses none."""

from __future__ import annotations

import random
import signal
import time

import pytest
from django.db.models import Count

from fulfillment.decisions import requests_decide
from fulfillment.models import Return
from shops.models import Command
from tests.commands.conftest import ctl
from tests.commands.test_kill import start_worker, unfinished
from tests.factories import make_user
from tests.mirror.conftest import connect_shop, point_settings_at, small_config
from tests.returns.conftest import sandbox_return
from tiktok.sandbox import start_in_thread

pytestmark = pytest.mark.django_db(transaction=True)
REQUESTS = 40


@pytest.fixture
def sandbox():
    handle = start_in_thread(small_config(products=20, orders=20, seed=31))
    yield handle
    handle.stop()


def test_bulk_decision_survives_kills(settings, sandbox, monkeypatch):
    point_settings_at(settings, sandbox)
    settings.SHOP_CONNECTED_JOBS = []
    monkeypatch.setattr("shops.commands._enqueue_run", lambda shop_id: None)  # workers run them
    shop = connect_shop(sandbox)
    refunds = [sandbox_return(sandbox, shop, "REFUND") for _ in range(REQUESTS)]
    result = requests_decide(requests=refunds, decision="APPROVE_REFUND", actor=make_user())
    assert len(result.made) == REQUESTS and not result.refused

    ctl(
        sandbox,
        "POST",
        "faults",
        error_rate=0.10,
        rate_429=0.03,
        drop_rate=0.05,
        latency_ms=60,  # slow enough that each kill lands on a decision in flight
        seed=7,
    )
    worker_settings = {
        "TIKTOK_API_BASE": sandbox.url,
        "TIKTOK_AUTH_BASE": sandbox.url,
        "TIKTOK_APP_KEY": sandbox.config.app_key,
        "TIKTOK_APP_SECRET": sandbox.config.app_secret,
        "TIKTOK_RATE_LIMIT": 0,
        "COMMAND_LEASE_SECONDS": 2,
        "COMMAND_MAX_ATTEMPTS": 8,
        "COMMAND_RETRY_BASE_SECONDS": 0.2,
        "COMMAND_RETRY_MAX_SECONDS": 1,
    }
    rng = random.Random(3)
    in_flight = 0
    for _kill in range(3):
        worker = start_worker(worker_settings)
        time.sleep(rng.uniform(0.3, 1.0))
        in_flight += Command.objects.filter(status=Command.Status.RUNNING).count()
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    ctl(sandbox, "POST", "faults", error_rate=0, rate_429=0, drop_rate=0, latency_ms=0, clear=True)
    # needs-check commands read back at once from here on
    Command.objects.filter(status=Command.Status.NEEDS_CHECK).update(
        next_attempt_at=Command.objects.order_by("created_at").values("created_at")[:1]
    )
    worker = start_worker(worker_settings)
    try:
        deadline = time.monotonic() + 90
        while unfinished() and time.monotonic() < deadline:
            time.sleep(0.3)
            Command.objects.filter(status=Command.Status.NEEDS_CHECK).update(
                next_attempt_at=Command.objects.order_by("created_at").values("created_at")[:1]
            )
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()

    assert in_flight >= 1  # the kills did land on decisions in flight
    statuses = dict(Command.objects.values_list("status").annotate(n=Count("id")))
    assert unfinished() == 0, statuses
    assert statuses == {Command.Status.SUCCEEDED: REQUESTS}, statuses
    writes = ctl(sandbox, "GET", "writes")["writes"]
    keys = {c.idempotency_key for c in Command.objects.all()}
    applied = {w["key"]: w["applied"] for w in writes if w["key"] in keys}
    assert sorted(applied.values()) == [1] * REQUESTS  # each decision applied exactly once
    decided: dict[str, int] = {}
    for change in ctl(sandbox, "GET", "changes?limit=100000")["changes"]:
        if change["kind"] == "return_decision":
            decided[change["detail"]["return_id"]] = (
                decided.get(change["detail"]["return_id"], 0) + 1
            )
    assert decided == {r.tiktok_id: 1 for r in refunds}
    for r in refunds:
        theirs = ctl(sandbox, "GET", f"returns/{r.tiktok_id}")["return"]["return_status"]
        assert Return.objects.get(pk=r.pk).status == theirs == "RETURN_OR_REFUND_REQUEST_COMPLETE"
