"""/healthz and the footer say *degraded* when jobs are not being taken, and name why."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import DatabaseError
from django.urls import reverse
from django.utils import timezone
from django_q.models import OrmQ

from shops import tasks
from shops.models import SyncRun
from shops.worker import CANARY_KEY, worker_status
from tests.factories import make_user
from tests.shops.helpers import make_shop

pytestmark = pytest.mark.django_db


@dataclass
class FakeStat:
    """A cluster's heartbeat as django-q2's Stat shows it."""

    tob: datetime
    status: str = "Idle"
    workers: list[int] = field(default_factory=lambda: [101, 102])
    timestamp: datetime = field(default_factory=timezone.now)


@pytest.fixture
def cluster(monkeypatch):
    """A cluster whose heartbeat is fresh; the test says since when it runs."""

    def beat(started_ago: float) -> None:
        stat = FakeStat(tob=timezone.now() - timedelta(seconds=started_ago))
        monkeypatch.setattr("shops.worker.Stat.get_all", lambda broker: [stat])

    return beat


def _canary(seconds_ago: float | None) -> None:
    if seconds_ago is None:
        cache.delete(CANARY_KEY)
    else:
        cache.set(CANARY_KEY, timezone.now() - timedelta(seconds=seconds_ago), None)


def test_a_running_cluster_whose_canary_completed_lately_is_ok(client, cluster):
    cluster(started_ago=3600)
    _canary(5)
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["problems"] == []
    assert body["worker"]["workers"] == 2


def test_a_beating_cluster_that_takes_no_jobs_is_stalled(client, cluster, settings):
    settings.WORKER_STALL_SECONDS = 60
    cluster(started_ago=3600)
    _canary(61)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["status"] == "degraded"
    assert response.json()["problems"] == ["worker stalled"]


def test_a_cluster_just_restarted_gets_time_for_its_first_canary(client, cluster, settings):
    settings.WORKER_STALL_SECONDS = 60
    cluster(started_ago=10)
    _canary(3600)  # from before the restart
    assert client.get(reverse("healthz")).status_code == 200
    _canary(None)
    assert client.get(reverse("healthz")).status_code == 200
    cluster(started_ago=61)
    assert client.get(reverse("healthz")).json()["problems"] == ["worker stalled"]


def test_no_heartbeat_is_worker_down(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["problems"] == ["worker down"]


def test_an_old_due_job_is_a_queue_backlog(client, cluster, settings):
    settings.QUEUE_BACKLOG_SECONDS = 300
    cluster(started_ago=3600)
    _canary(1)
    OrmQ.objects.create(key="backoffice", payload="x", lock=timezone.now() - timedelta(seconds=30))
    assert client.get(reverse("healthz")).status_code == 200
    OrmQ.objects.create(key="backoffice", payload="y", lock=timezone.now() - timedelta(seconds=301))
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["problems"] == ["queue backlog"]
    assert response.json()["worker"]["oldest_due_job_seconds_ago"] > 300


def test_a_job_handed_to_a_worker_is_not_a_backlog(client, cluster):
    cluster(started_ago=3600)
    _canary(1)
    OrmQ.objects.create(key="backoffice", payload="x", lock=timezone.now() + timedelta(minutes=5))
    assert client.get(reverse("healthz")).status_code == 200


def test_a_database_that_does_not_answer_is_named(client, monkeypatch):
    class Broken:
        def cursor(self):
            raise DatabaseError("gone")

    monkeypatch.setattr("backoffice.views.connection", Broken())
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["problems"] == ["database"]


def test_the_canary_job_records_that_jobs_run():
    cache.delete(CANARY_KEY)
    assert tasks.canary_record() == "ok"
    assert (timezone.now() - worker_status().canary_done).total_seconds() < 5


def test_footer_and_shops_page_show_a_stalled_worker_plainly(client, cluster, settings):
    settings.WORKER_STALL_SECONDS = 60
    cluster(started_ago=3600)
    _canary(600)
    admin = make_user(role="admin")
    make_shop()
    client.force_login(admin)
    badge = client.get(reverse("worker-badge")).content.decode()
    assert "Worker stalled: it is running but has stopped taking jobs" in badge
    assert "text-danger" in badge
    page = client.get(reverse("shops")).content.decode()
    assert 'data-testid="worker-problem"' in page
    assert "Worker stalled" in page
    _canary(1)
    assert "Worker running (2 workers)" in client.get(reverse("worker-badge")).content.decode()
    assert 'data-testid="worker-problem"' not in client.get(reverse("shops")).content.decode()


def test_workers_busy_with_a_sync_that_moves_are_not_stalled(client, cluster, settings):
    settings.WORKER_STALL_SECONDS = 60
    cluster(started_ago=3600)
    _canary(600)  # no free worker to take the canary
    run = SyncRun.objects.create(shop=make_shop(), resource="orders", kind="full", status="running")
    assert client.get(reverse("healthz")).status_code == 200  # it just stored a page
    SyncRun.objects.filter(pk=run.pk).update(updated_at=timezone.now() - timedelta(seconds=61))
    assert client.get(reverse("healthz")).json()["problems"] == ["worker stalled"]
