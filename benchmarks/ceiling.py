"""Where a mirror's CPU goes, and the least PostgreSQL must spend on an order.

Two figures for the orders mirror's closing note, both read off this machine:

- `CpuMeter`: CPU seconds a run took in this process, in the sandbox's process and in the
  PostgreSQL server's processes (from /proc, so only for a server on this machine), and how
  busy the machine was. A walk that keeps every core busy can only go faster by costing less.
- `storage_floor`: PostgreSQL's own part of storing the orders already mirrored, with nothing
  of the mirror's reading: each order's JSON text parsed once as `jsonb`, and its row and
  lines inserted again, as already decoded, into copies of the tables with the same indexes
  (the raw JSON recompressed; no planning, no field reading, no foreign-key checks). The copies
  are made and dropped in one transaction that is rolled back. No mirror design that keeps
  these tables and their indexes can spend less, so cores divided by it bounds every design.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any

CORES = os.cpu_count() or 1
_HZ = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _process_seconds(pid: int) -> float | None:
    """User and system CPU seconds of a process so far (None when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _HZ


def _is_postgres(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            program = cmdline.read(256).split(b"\0", 1)[0]
    except OSError:
        return False
    # A backend or helper renames itself `postgres: ...`; the postmaster runs as .../postgres.
    return program.startswith(b"postgres") or program.endswith(b"/postgres")


class _PostgresWatch(threading.Thread):
    """Polls the CPU seconds of every PostgreSQL process on this machine, keeping the last
    figure of each: a backend that ends during a run (a writer's connection closing) still
    counts, up to its last poll."""

    def __init__(self, interval: float = 0.05) -> None:
        super().__init__(name="postgres-cpu", daemon=True)
        self.interval = interval
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self._kinds: dict[int, bool] = {}
        self._done = threading.Event()
        self.poll()
        self.first = dict(self.last)

    def poll(self) -> None:
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            pid = int(entry)
            if pid not in self._kinds:
                self._kinds[pid] = _is_postgres(pid)
            if self._kinds[pid]:
                seconds = _process_seconds(pid)
                if seconds is not None:
                    self.last[pid] = seconds

    def run(self) -> None:
        while not self._done.wait(self.interval):
            self.poll()

    def stop(self) -> float:
        """CPU seconds the PostgreSQL processes spent since the watch began."""
        self._done.set()
        self.join()
        self.poll()
        return sum(s - self.first.get(pid, 0.0) for pid, s in self.last.items())


def _busy_seconds() -> float:
    """CPU seconds the whole machine has spent on anything but idling and waiting on disk."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    return (sum(values) - values[3] - values[4]) / _HZ


@dataclass
class CpuMeter:
    """CPU seconds spent between `start` and `stop`, per side of the mirror."""

    sandbox_pid: int | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    wall: float = 0.0
    _at: dict[str, Any] = field(default_factory=dict)

    @staticmethod
    def available() -> bool:
        return os.path.exists("/proc/stat")

    def start(self) -> None:
        self._at = {
            "wall": time.perf_counter(),
            "mirror": time.process_time(),
            "sandbox": self._sandbox_seconds(),
            "busy": _busy_seconds(),
            "postgres": _PostgresWatch(),
        }
        self._at["postgres"].start()

    def _sandbox_seconds(self) -> float:
        return (_process_seconds(self.sandbox_pid) or 0.0) if self.sandbox_pid else 0.0

    def stop(self) -> None:
        at = self._at
        self.wall = time.perf_counter() - at["wall"]
        self.seconds = {
            # This process's threads, the watch's polling among them (about 1% of a core).
            "mirror": time.process_time() - at["mirror"],
            "postgres": at["postgres"].stop(),
            "busy": _busy_seconds() - at["busy"],
        }
        if self.sandbox_pid:
            self.seconds["sandbox"] = self._sandbox_seconds() - at["sandbox"]

    def per_item(self, items: int) -> dict[str, float]:
        """CPU µs an item on each side (`mirror`, `postgres`, `sandbox` when watched)."""
        if not items:
            return {}
        return {name: seconds / items * 1e6 for name, seconds in self.seconds.items()}

    def line(self, items: int) -> str:
        """`CPU an item: mirror A µs, PostgreSQL B µs[, sandbox C µs]; machine busy D% of N
        cores`."""
        per = self.per_item(items)
        if not per or not self.wall:
            return ""
        sides = f"mirror {per['mirror']:.0f} µs, PostgreSQL {per['postgres']:.0f} µs"
        if "sandbox" in per:
            sides += f", sandbox {per['sandbox']:.0f} µs"
        busy = self.seconds["busy"] / (self.wall * CORES) * 100
        return f"CPU an item: {sides}; machine busy {busy:.0f}% of {CORES} cores"


def client_floor(bodies: list[bytes], rounds: int = 3) -> dict[str, float]:
    """The mirror process's least cost of an order, in µs, on answers as TikTok sent them:
    `parse` (the page's JSON read, orjson) and `texts` (each order written back as the text
    PostgreSQL reads, `jsonsql.page_texts`), the best of `rounds`, and their `total`."""
    import orjson

    from shops.jsonsql import page_texts

    pages = [orjson.loads(body)["data"]["orders"] for body in bodies]
    orders = sum(len(page) for page in pages)
    if not orders:
        return {}
    parse = texts = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for body in bodies:
            orjson.loads(body)
        parse = min(parse, time.process_time() - started)
        started = time.process_time()
        for page in pages:
            page_texts(page)
        texts = min(texts, time.process_time() - started)
    scale = 1e6 / orders
    return {"parse": parse * scale, "texts": texts * scale, "total": (parse + texts) * scale}


def _timed(cursor, statement: str, params: Any = None) -> float:
    started = time.perf_counter()
    cursor.execute(statement, params)
    return time.perf_counter() - started


def storage_floor(batch: int = 100) -> dict[str, float]:
    """PostgreSQL's least cost of the stored orders, in µs an order (see the module's text):
    `json` (parsing each order's text, sent `batch` a statement as the mirror sends a page),
    `rows` (inserting the orders and their lines again with every index), and their `total`."""
    import psycopg
    from django.db import connection, transaction

    from orders.models import Order, OrderLine

    orders_table, lines_table = Order._meta.db_table, OrderLine._meta.db_table
    orders = parsing = 0.0
    connection.ensure_connection()
    # Read back a batch at a time (a server-side cursor: 100k orders are 400 MB of text), each
    # parsed in a statement bound by the server, in binary, as the mirror's pages are (jsonsql).
    with connection.chunked_cursor() as stored, psycopg.Cursor(connection.connection) as cursor:
        stored.execute(f"select raw::text from {orders_table}")  # noqa: S608
        while texts := [row[0] for row in stored.fetchmany(batch)]:
            orders += len(texts)
            parsing += _timed(
                cursor,
                "select count(*) from unnest(%b::text[]) as e where e::jsonb is not null",
                [texts],
            )
    if not orders:
        return {}
    columns = [f.column for f in Order._meta.concrete_fields]
    # `raw` through text: a new value compressed as the mirror's is, not the stored datum copied.
    readers = ", ".join("raw::text::json" if c == "raw" else c for c in columns)
    rows = 0.0
    with transaction.atomic(), connection.cursor() as cursor:
        for table in (orders_table, lines_table):
            cursor.execute(f"create table floor_{table} (like {table} including all)")
        rows += _timed(
            cursor,
            f"insert into floor_{orders_table} ({', '.join(columns)}) "  # noqa: S608
            f"select {readers} from {orders_table}",
        )
        rows += _timed(
            cursor,
            f"insert into floor_{lines_table} select * from {lines_table}",  # noqa: S608
        )
        transaction.set_rollback(True)
    scale = 1e6 / orders
    return {"json": parsing * scale, "rows": rows * scale, "total": (parsing + rows) * scale}
