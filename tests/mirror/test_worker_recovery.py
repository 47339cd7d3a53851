"""Kill the worker processes mid-sync: the health check says so, the worker is replaced, and the
sync finishes where it stopped, with no needless re-sync afterwards (real processes)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.models import OrmQ
from django_q.status import Stat

from shops.models import SyncRun
from tests.mirror.conftest import connect_shop, control, point_settings_at, small_config
from tests.mirror.helpers import assert_mirrored

ROOT = Path(__file__).resolve().parents[2]
STALL_SECONDS = 10


def _database_url() -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgresql://{s['USER']}{password}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def _health(url: str) -> dict:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=5) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        return json.loads(error.read())


def _worker_pids() -> set[int]:
    return {pid for stat in Stat.get_all(get_broker()) for pid in stat.workers}


def _wait(predicate, seconds: float, what: str, health_url: str, seen: list[dict]):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        seen.append(_health(health_url))
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"{what} within {seconds} s; last health {seen[-1:]}")


@pytest.mark.sandbox
def test_killed_workers_are_detected_replaced_and_the_sync_finishes(
    live_server, settings, sandbox_factory, monkeypatch
):
    handle = sandbox_factory(small_config(orders=1500, products=30))
    point_settings_at(settings, handle)
    settings.WORKER_STALL_SECONDS = STALL_SECONDS  # what the health check (this process) reads
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backoffice.settings",
        "DATABASE_URL": _database_url(),
        "WORKERS": "2",
        "WORKER_CANARY_SECONDS": "1",
        "WORKER_STALL_SECONDS": str(STALL_SECONDS),
        "TOKEN_ENCRYPTION_KEYS": ",".join(settings.TOKEN_ENCRYPTION_KEYS),
        "TIKTOK_API_BASE": handle.url,
        "TIKTOK_AUTH_BASE": handle.url,
        "TIKTOK_CONSENT_BASE": handle.url,
        "TIKTOK_APP_KEY": handle.config.app_key,
        "TIKTOK_APP_SECRET": handle.config.app_secret,
        "TIKTOK_SERVICE_ID": handle.config.service_id,
        "TIKTOK_RATE_LIMIT": "0",
        "TIKTOK_WEBHOOK_URL": "",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    supervisor = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "run_worker"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    seen: list[dict] = []
    try:
        _wait(lambda: seen[-1].get("status") == "ok", 60, "worker healthy", live_server.url, seen)
        # Slow pages, so the sync is still running when the workers die.
        with control(handle) as http:
            http.post("/_sandbox/faults", json={"latency_ms": 150}).raise_for_status()
        # The jobs go to the real broker (the test settings would run them inline).
        monkeypatch.setattr("django_q.conf.Conf.SYNC", False)
        shop = connect_shop(handle)
        _wait(
            lambda: SyncRun.objects.filter(shop=shop, resource="orders", pages__gte=2).exists(),
            60,
            "orders sync under way",
            live_server.url,
            seen,
        )
        victims = _worker_pids()
        assert len(victims) == 2
        for pid in victims:
            os.kill(pid, signal.SIGKILL)
        killed_at = time.monotonic()
        seen.clear()
        with control(handle) as http:
            # "clear" empties the queue of forced faults only; the latency is a knob of its own.
            http.post("/_sandbox/faults", json={"latency_ms": 0, "clear": True}).raise_for_status()

        def finished() -> bool:
            runs = list(SyncRun.objects.filter(shop=shop).values_list("status", flat=True))
            healthy = seen[-1].get("status") == "ok"
            return (
                healthy and len(runs) == len(settings.SYNC_RESOURCES) and set(runs) == {"succeeded"}
            )

        _wait(finished, 120, "sync finished and worker healthy", live_server.url, seen)
        assert time.monotonic() - killed_at < 120
        problems = {problem for body in seen for problem in body.get("problems", [])}
        assert any(body.get("status") == "degraded" for body in seen), seen[:3]
        assert problems & {"worker stalled", "worker down"}, problems
        assert not _worker_pids() & victims  # replaced
        assert_mirrored(handle, shop)

        # The broker hands out again whatever the dead workers held: nothing new happens.
        requests = sum(SyncRun.objects.filter(shop=shop).values_list("requests", flat=True))
        OrmQ.objects.update(lock=timezone.now())
        _wait(
            lambda: not OrmQ.objects.exclude(payload="").filter(lock__lte=timezone.now()).exists(),
            30,
            "redelivered jobs taken",
            live_server.url,
            seen,
        )
        time.sleep(2)
        assert SyncRun.objects.filter(shop=shop).count() == len(settings.SYNC_RESOURCES)
        assert sum(SyncRun.objects.filter(shop=shop).values_list("requests", flat=True)) == requests
    finally:
        supervisor.send_signal(signal.SIGTERM)
        try:
            supervisor.wait(timeout=40)
        except subprocess.TimeoutExpired:
            supervisor.kill()
            supervisor.wait()
