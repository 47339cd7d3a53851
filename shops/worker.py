"""Whether the background worker (django-q2 cluster) is alive, from its heartbeat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.status import Stat


@dataclass(frozen=True)
class WorkerStatus:
    """The worker clusters' last heartbeat as the broker's stats show it."""

    running: bool
    clusters: int
    workers: int
    last_seen: datetime | None
    started: datetime | None
    queued: int | None

    @property
    def label(self) -> str:
        if not self.running:
            return "not running"
        return f"running ({self.workers} worker{'s' if self.workers != 1 else ''})"


def worker_status() -> WorkerStatus:
    """The heartbeat each running cluster refreshes every half second.

    Each beat expires after 3 s, so a stopped worker shows as down within seconds.
    """
    broker = get_broker()
    stats = [s for s in Stat.get_all(broker) if s.status not in (Conf.STOPPED, Conf.STOPPING)]
    try:
        queued = broker.queue_size()
    except Exception:  # a broker that cannot count is no reason to fail the health check
        queued = None
    return WorkerStatus(
        running=bool(stats),
        clusters=len(stats),
        workers=sum(len(s.workers) for s in stats),
        last_seen=max((s.timestamp for s in stats), default=None),
        started=min((s.tob for s in stats if s.tob), default=None),
        queued=queued,
    )


def seconds_since(moment: datetime | None) -> float | None:
    return None if moment is None else (timezone.now() - moment).total_seconds()
