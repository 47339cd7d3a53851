"""Whether the background worker (django-q2 cluster) is alive *and* taking jobs.

A heartbeat alone is not enough: a cluster whose workers are wedged keeps beating. So a canary
job runs every few seconds (sent by `manage.py run_worker`, and every minute by a schedule) and
records when it completed; the oldest job waiting in the queue tells a backlog.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Max
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.models import OrmQ
from django_q.status import Stat

from shops.models import SyncRun

logger = logging.getLogger("shops.worker")

CANARY_KEY = "worker:canary:done"
CANARY_FUNC = "shops.tasks.canary_record"


@dataclass(frozen=True)
class WorkerStatus:
    """The worker clusters' last heartbeat as the broker's stats show it, and the job flow."""

    running: bool
    clusters: int
    workers: int
    last_seen: datetime | None
    started: datetime | None
    queued: int | None
    canary_done: datetime | None = None
    oldest_due: datetime | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not self.problems

    @property
    def label(self) -> str:
        if not self.running:
            return "not running"
        return f"running ({self.workers} worker{'s' if self.workers != 1 else ''})"

    @property
    def problem_text(self) -> str:
        """The problems in plain words, for the footer and the Shops page."""
        return "; ".join(PROBLEM_TEXT[problem] for problem in self.problems)


PROBLEM_TEXT = {
    "worker down": "Worker not running: background jobs are waiting",
    "worker stalled": "Worker stalled: it is running but has stopped taking jobs",
    "queue backlog": "Jobs are backing up: the oldest has waited too long",
}


def canary_record() -> str:
    """Note that a canary job ran: the worker is taking jobs."""
    cache.set(CANARY_KEY, timezone.now(), timeout=None)
    return "ok"


def canary_done() -> datetime | None:
    return cache.get(CANARY_KEY)


def last_progress() -> datetime | None:
    """When jobs last showed progress: a canary completed, or a running sync stored a page.

    All workers busy with long syncs is no stall (the canary just waits for a free one).
    """
    page = SyncRun.objects.filter(status=SyncRun.Status.RUNNING).aggregate(Max("updated_at"))
    moments = [moment for moment in (canary_done(), page["updated_at__max"]) if moment]
    return max(moments, default=None)


def stalled_for(started: datetime | None) -> float:
    """Seconds without progress, counted from the cluster's start when it started since."""
    since = last_progress()
    if since is None or (started is not None and since < started):
        since = started
    return 0.0 if since is None else (timezone.now() - since).total_seconds()


def oldest_due_job() -> datetime | None:
    """When the oldest job that is due, and not handed to a worker, was queued (ORM broker)."""
    if not Conf.ORM:
        return None  # Redis: no cheap way to see the oldest job
    return (
        OrmQ.objects.using(Conf.ORM)
        .filter(key=Conf.CLUSTER_NAME, lock__lte=timezone.now())
        .order_by("lock")
        .values_list("lock", flat=True)
        .first()
    )


def worker_status() -> WorkerStatus:
    """The heartbeat each running cluster refreshes every half second, and the job flow.

    Each beat expires after 3 s, so a stopped worker shows as down within seconds; a cluster that
    showed no progress (last_progress) for WORKER_STALL_SECONDS since it started is stalled.
    """
    broker = get_broker()
    stats = [s for s in Stat.get_all(broker) if s.status not in (Conf.STOPPED, Conf.STOPPING)]
    try:
        queued = broker.queue_size()
    except Exception:  # a broker that cannot count is no reason to fail the health check
        queued = None
    started = min((s.tob for s in stats if s.tob), default=None)
    done = canary_done()
    oldest = oldest_due_job()
    now = timezone.now()
    problems = []
    if not any(s.workers for s in stats):
        # No cluster, or one still starting its worker processes: nothing can take a job yet.
        problems.append("worker down")
    elif stalled_for(started) > settings.WORKER_STALL_SECONDS:
        # A cluster just (re)started gets the threshold to show its first progress.
        problems.append("worker stalled")
    if oldest is not None and (now - oldest).total_seconds() > settings.QUEUE_BACKLOG_SECONDS:
        problems.append("queue backlog")
    return WorkerStatus(
        running=bool(stats),
        clusters=len(stats),
        workers=sum(len(s.workers) for s in stats),
        last_seen=max((s.timestamp for s in stats), default=None),
        started=started,
        queued=queued,
        canary_done=done,
        oldest_due=oldest,
        problems=problems,
    )


def seconds_since(moment: datetime | None) -> float | None:
    return None if moment is None else (timezone.now() - moment).total_seconds()


# --- the worker's database work yields too ----------------------------------------------------

LOCAL_HOSTS = {"", "localhost", "127.0.0.1", "::1"}


def database_backend_renice(
    *, sender: object, connection: BaseDatabaseWrapper, **_: object
) -> None:
    """Give a niced process's PostgreSQL backend the same niceness, where it shares our CPUs.

    A full sync's COPY and upserts run in the database server, not in the niced worker, and
    would otherwise take the CPU from the pages. A server elsewhere (or another user's, or one
    behind a pooler: WORKER_NICE_DATABASE=false) is left alone; the pid must be a postgres
    process here, since a loopback port may lead into another container's process table.
    """
    niceness = os.getpriority(os.PRIO_PROCESS, 0)
    if niceness <= 0 or not settings.WORKER_NICE_DATABASE or connection.vendor != "postgresql":
        return
    host = str(connection.settings_dict.get("HOST") or "")
    if host not in LOCAL_HOSTS and not host.startswith("/"):
        return
    with connection.cursor() as cursor:
        cursor.execute("select pg_backend_pid()")
        pid = int(cursor.fetchone()[0])
    try:
        if not Path(f"/proc/{pid}/cmdline").read_bytes().startswith(b"postgres"):
            return
        if os.getpriority(os.PRIO_PROCESS, pid) < niceness:
            os.setpriority(os.PRIO_PROCESS, pid, niceness)
    except (OSError, ValueError):  # not Linux, not ours to renice, or gone
        logger.debug("database backend %s keeps its priority", pid)
