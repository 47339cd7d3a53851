"""Run the django-q2 cluster under a supervisor that replaces it when it dies or stalls."""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone
from django_q.tasks import async_task

from shops.sync import sync_resume_orphaned
from shops.worker import CANARY_FUNC, canary_done, stalled_for

logger = logging.getLogger("shops.worker")

MANAGE = Path(settings.BASE_DIR) / "manage.py"
# Less than make run's own grace (scripts/dev.py), so the cluster is stopped by us, not orphaned.
STOP_GRACE_SECONDS = 20
PR_SET_PDEATHSIG = 1


def _prepare_cluster() -> None:
    """In the child, before exec: yield the CPU to the web processes, and die with the parent.

    Background jobs (a full sync parses and stores thousands of orders a second) must not slow
    the pages operators wait on; and a cluster whose supervisor died must not run unwatched.
    """
    if settings.WORKER_NICE:
        os.nice(settings.WORKER_NICE)
    # Not Linux: no such call, and the supervisor's own SIGTERM handling still stops the cluster.
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Command(BaseCommand):
    help = (
        "Run the background worker (qcluster), restarting it when it exits or stops taking jobs "
        "(no canary job completed for WORKER_STALL_SECONDS). SIGTERM stops it cleanly."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        Supervisor().run()


class Supervisor:
    """One qcluster child in its own process group, checked every WORKER_CANARY_SECONDS."""

    def __init__(self) -> None:
        self.stopping = threading.Event()
        self.child: subprocess.Popen | None = None
        self.started_at: datetime = timezone.now()
        self.canary_sent: datetime | None = None
        self.failures = 0

    def run(self) -> None:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        self._start()
        while not self.stopping.wait(settings.WORKER_CANARY_SECONDS):
            try:
                self._check()
            except Exception:  # the database may be away for a moment; check again later
                logger.exception("worker check failed")
            finally:
                close_old_connections()
        self._terminate()

    def _stop(self, signum: int, frame: Any) -> None:
        self.stopping.set()

    def _start(self) -> None:
        self.child = subprocess.Popen(
            [sys.executable, str(MANAGE), "qcluster"],
            start_new_session=True,
            preexec_fn=_prepare_cluster,  # runs before exec; the supervisor starts no threads
        )
        self.started_at = timezone.now()
        self.canary_sent = None  # one sent to the old cluster may have died with it
        logger.info("worker started (pid %s)", self.child.pid)

    def _check(self) -> None:
        assert self.child is not None
        code = self.child.poll()
        if code is not None:
            self.failures += 1
            logger.error("worker exited with code %s; restarting it", code)
            self.stopping.wait(min(60, 2 ** min(self.failures, 6) - 1))
            self._restart()
            return
        now = timezone.now()
        silent = stalled_for(self.started_at)
        if silent > settings.WORKER_STALL_SECONDS:
            # Wedged workers may never answer a SIGTERM: the whole group goes at once.
            logger.error("worker stalled: no job completed for %.0f s; restarting it", silent)
            self._kill_group()
            self._restart()
            return
        if (now - self.started_at).total_seconds() > 60:
            self.failures = 0
        done = canary_done()
        # One canary at a time: while every worker is busy they would only pile up.
        if (
            self.canary_sent is None
            or (done is not None and done >= self.canary_sent)
            or (now - self.canary_sent).total_seconds() > settings.WORKER_STALL_SECONDS / 2
        ):
            async_task(CANARY_FUNC, group="canary", save=False)
            self.canary_sent = now
        sync_resume_orphaned()

    def _restart(self) -> None:
        if self.stopping.is_set():
            return
        self._start()
        # The jobs the old cluster held died with it; their runs continue from their cursors.
        sync_resume_orphaned(queued_too=True)

    def _terminate(self) -> None:
        """SIGTERM the cluster (it finishes cleanly), SIGKILL its whole group if it lingers."""
        child = self.child
        if child is None or child.poll() is not None:
            self._kill_group()
            return
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            logger.warning("worker did not stop in %s s; killing it", STOP_GRACE_SECONDS)
        self._kill_group()

    def _kill_group(self) -> None:
        if self.child is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.child.pid, signal.SIGKILL)
        try:
            self.child.wait(timeout=5)
        except subprocess.TimeoutExpired:
            logger.warning("worker pid %s did not exit after SIGKILL", self.child.pid)
