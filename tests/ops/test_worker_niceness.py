"""A niced worker's PostgreSQL backends run at its niceness, so a sync's database work yields
to the pages as its Python does (real processes: a niced child opens a connection)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
# Prints the backend's pid and its niceness as the operating system has it.
PROBE = (
    "import os; from django.db import connection; c = connection.cursor(); "
    "c.execute('select pg_backend_pid()'); pid = c.fetchone()[0]; "
    "print(os.getpriority(os.PRIO_PROCESS, 0), os.getpriority(os.PRIO_PROCESS, pid))"
)


def _probe(settings, niceness: int, **extra: str) -> tuple[int, int]:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backoffice.settings",
        "DATABASE_URL": f"postgresql://{s['USER']}{password}@{s['HOST']}:{s['PORT']}/{s['NAME']}",
        "TOKEN_ENCRYPTION_KEYS": ",".join(settings.TOKEN_ENCRYPTION_KEYS),
        **extra,
    }
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    done = subprocess.run(
        ["nice", "-n", str(niceness), sys.executable, "manage.py", "shell", "-c", PROBE],
        capture_output=True,
        text=True,
        env=environment,
        cwd=ROOT,
        check=True,
    )
    own, backend = done.stdout.split()[-2:]
    return int(own), int(backend)


@pytest.mark.django_db
def test_a_niced_process_gets_a_backend_as_nice_and_others_keep_theirs(settings):
    base = os.getpriority(os.PRIO_PROCESS, 0)
    assert _probe(settings, 7) == (base + 7, base + 7)
    assert _probe(settings, 0) == (base, base)
    assert _probe(settings, 7, WORKER_NICE_DATABASE="false") == (base + 7, base)
