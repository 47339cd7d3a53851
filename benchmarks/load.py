"""Load on the pages as `make run` serves them (gunicorn, DEBUG off, run_worker), idle and during
a full sync, with a mirrored sandbox shop of 100,000 orders.

    DATABASE_URL=$(make -s db) .venv/bin/python -m benchmarks.load

50 simulated operators, logged in, are offered 25 requests/s in total (open loop: each request
has its scheduled time, and its latency counts from then) for 60 s while idle, then 60 s while
the worker runs full syncs of the shop. The mix: the orders list with filters, the products list,
an order's detail, the dashboard, and the orders table as an htmx partial. Loopback only. The
last line is the figure:

    load: N requests, E errors, p50 A ms, p95 B ms idle; p50 C ms, p95 D ms during sync

Uses its own database (`<dev database>_load`), created, migrated and emptied by the command.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

from benchmarks.mirror import (
    ANCHOR,
    ROOT,
    _free_port,
    analyze,
    bench_database_url,
    connect,
    empty_database,
    ensure_database,
    setup_django,
)

OPERATORS = 50
RATE = 25.0
PASSWORD = "load-benchmark-password"  # a throwaway user of the benchmark database


class SandboxProcess:
    """The sandbox in a process of its own at low CPU priority: it stands in for TikTok's
    servers, whose work would not run on our machine."""

    def __init__(self, orders: int, products: int) -> None:
        from tiktok.sandbox import SandboxConfig

        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.config = SandboxConfig()  # the demo app's credentials, as the command line uses
        command = [
            *("nice", "-n", "10", sys.executable, "-m", "tiktok.sandbox"),
            *("--host", "127.0.0.1", "--port", str(port), "--seed", "3", "--sellers", "1"),
            *("--products", str(products), "--orders", str(orders), "--anchor", str(ANCHOR)),
            *("--rate-limit", "50", "--threads", "8"),
        ]
        self.process = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self._wait()

    def _wait(self, timeout: float = 300) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit("the sandbox did not start")
            try:
                httpx.get(self.url + "/_sandbox/", timeout=2)
                return
            except httpx.HTTPError:
                time.sleep(0.5)
        raise SystemExit("the sandbox did not start in time")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def _app_environment(url: str, handle: Any, static_root: str) -> dict[str, str]:
    cfg = handle.config
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backoffice.settings",
        "DATABASE_URL": url,
        "DEBUG": "false",
        # What make run sets for plain http on loopback (scripts/dev.py PLAIN_HTTP).
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        "DEMO": "true",
        "STATIC_ROOT": static_root,
        "TIKTOK_API_BASE": handle.url,
        "TIKTOK_AUTH_BASE": handle.url,
        "TIKTOK_CONSENT_BASE": handle.url,
        "TIKTOK_APP_KEY": cfg.app_key,
        "TIKTOK_APP_SECRET": cfg.app_secret,
        "TIKTOK_SERVICE_ID": cfg.service_id,
        "TIKTOK_WEBHOOK_URL": "",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


def start_app(env: dict[str, str], port: int, log: Any) -> list[subprocess.Popen]:
    """collectstatic, then the Procfile's web and worker commands (their output to `log`)."""
    quiet = {"stdout": log, "stderr": subprocess.STDOUT, "cwd": ROOT, "env": env}
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], check=True, **quiet
    )
    web = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "python:backoffice.gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--access-logfile",
        "/dev/null",
        "backoffice.wsgi",
    ]
    return [
        subprocess.Popen(web, **quiet),
        subprocess.Popen([sys.executable, "manage.py", "run_worker"], **quiet),
    ]


def wait_until_up(base: str, timeout: float = 90) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit("the web and worker processes did not become healthy")


# --- the operators (a child process, so the app's sandbox thread does not share its GIL) ---------


def _login(client: Any, base: str) -> None:
    page = client.get(base + "/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = client.post(
        base + "/login/",
        data={"csrfmiddlewaretoken": token, "username": "load", "password": PASSWORD},
        headers={"Referer": base + "/login/"},
    )
    if answer.status_code != 302:
        raise SystemExit(f"operator login failed: {answer.status_code}")


def _paths(order_pks: list[int], queries: list[str], rng: random.Random) -> tuple[str, str, dict]:
    """One request of the mix: (kind, path, extra headers)."""
    pick = rng.random()
    if pick < 0.35:
        status = rng.choice(["", "AWAITING_SHIPMENT", "IN_TRANSIT", "COMPLETED", "CANCELLED"])
        params = [f"status={status}"] if status else []
        kind = "orders list"
        if rng.random() < 0.4:
            params.append(f"q={rng.choice(queries)}")
            kind = "orders search"
        if rng.random() < 0.3:
            params.append("from=2025-08-01&to=2025-10-31")
        if rng.random() < 0.2:
            params.append(f"page={rng.randint(2, 50)}")
        return kind, "/orders/?" + "&".join(params), {}
    if pick < 0.55:
        return "products", rng.choice(["/products/", "/products/?q=a", "/products/?page=2"]), {}
    if pick < 0.80:
        return "order detail", f"/orders/{rng.choice(order_pks)}/", {}
    if pick < 0.90:
        return "dashboard", "/", {}
    status = rng.choice(["AWAITING_SHIPMENT", "IN_TRANSIT", "DELIVERED"])
    return "htmx partial", f"/orders/?status={status}", {"HX-Request": "true"}


def _operators(
    base: str,
    order_pks: list[int],
    queries: list[str],
    seconds: float,
    rate: float,
    seed: int,
    pipe: Any,
) -> None:
    import httpx

    clients = [httpx.Client(timeout=30, trust_env=False) for _ in range(OPERATORS)]
    for client in clients:
        _login(client, base)
    rng = random.Random(seed)
    total = int(seconds * rate)
    schedule = [(i / rate, *_paths(order_pks, queries, rng)) for i in range(total)]
    samples: list[tuple[float, bool, str]] = []
    lock = threading.Lock()
    start = time.monotonic() + 1.0

    def operator(index: int) -> None:
        client = clients[index]
        for offset, kind, path, headers in schedule[index::OPERATORS]:
            due = start + offset
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            try:
                response = client.get(base + path, headers=headers)
                ok = response.status_code == 200
            except httpx.HTTPError:
                ok = False
            with lock:
                samples.append((time.monotonic() - due, ok, kind))

    threads = [threading.Thread(target=operator, args=(i,)) for i in range(OPERATORS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for client in clients:
        client.close()
    pipe.send(samples)


def offer_load(base: str, order_pks: list[int], queries: list[str], seconds: float, seed: int):
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(
        target=_operators, args=(base, order_pks, queries, seconds, RATE, seed, child)
    )
    process.start()
    child.close()  # so a crashed operators process ends recv() instead of hanging it
    try:
        samples = parent.recv()
    except EOFError:
        raise SystemExit("the simulated operators stopped early (see above)") from None
    process.join()
    return samples


def summary(samples: list[tuple[float, bool, str]]) -> tuple[int, int, float, float]:
    latencies = sorted(latency for latency, _, _ in samples)
    errors = sum(1 for _, ok, _ in samples if not ok)
    p50 = latencies[len(latencies) // 2]
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    return len(samples), errors, p50 * 1000, p95 * 1000


# --- the run ----------------------------------------------------------------------------------


def keep_syncing(shop_id: int, stop: threading.Event, counts: dict[str, int]) -> None:
    """Queue a full sync of every resource for the worker, again each time one finishes."""
    from django.db import connections
    from django_q.conf import Conf
    from django_q.tasks import async_task

    from shops.models import SyncRun
    from shops.sync import resources, sync_request

    Conf.SYNC = False  # the worker process runs it, as in production
    try:
        while not stop.is_set():
            active = SyncRun.objects.filter(shop_id=shop_id, status__in=["queued", "running"])
            if not active.exists():
                for resource in resources():
                    sync_request(shop_id=shop_id, resource=resource, kind="full", enqueue=False)
                async_task("shops.tasks.sync_shop_pending", shop_id)
                counts["syncs"] += 1
            stop.wait(1.0)
    finally:
        connections.close_all()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--products", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args(argv)

    url = bench_database_url(
        os.environ.get("DATABASE_URL") or sys.exit("set DATABASE_URL"), "_load"
    )
    ensure_database(url)
    # Per-SKU settlements cost one rate-limited call per order (tens of thousands here) and
    # hardly any CPU: three days of them keep the first sync short without changing the load.
    os.environ.setdefault("FINANCE_SKU_SETTLEMENT_DAYS", "3")
    setup_django(url)
    empty_database()
    print(f"benchmark database: {url.rsplit('/', 1)[-1]}", flush=True)

    from django.contrib.auth import get_user_model

    from orders.models import Order, OrderLine
    from shops.roles import OPERATORS as OPERATORS_GROUP
    from shops.roles import group
    from shops.sync import sync_shop

    handle = SandboxProcess(args.orders, args.products)
    started = time.perf_counter()
    shop, _admin = connect(handle, rate_limit=0)
    sync_shop(shop_id=shop.pk)
    analyze()
    mirrored = Order.objects.filter(shop=shop).count()
    print(f"mirrored {mirrored:,} orders in {time.perf_counter() - started:.0f} s", flush=True)

    User = get_user_model()
    User.objects.filter(username="load").delete()
    operator = User.objects.create_user(username="load", password=PASSWORD)
    operator.groups.add(group(OPERATORS_GROUP))
    shop.members.add(operator)
    rng = random.Random(5)
    order_pks = list(Order.objects.filter(shop=shop).values_list("pk", flat=True)[:5000])
    seller_skus = list(
        OrderLine.objects.filter(shop=shop)
        .exclude(seller_sku="")
        .values_list("seller_sku", flat=True)
        .distinct()[:50]
    )
    queries = [sku[:4] for sku in seller_skus] or ["a"]
    queries += [str(tiktok_id) for tiktok_id in rng.sample(order_pks, 10)]

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = os.path.join(tempfile.gettempdir(), "benchmarks-load-app.log")
    print(f"app output: {log_path}", flush=True)
    with tempfile.TemporaryDirectory() as static_root, open(log_path, "w") as log:
        processes = start_app(_app_environment(url, handle, static_root), port, log)
        try:
            wait_until_up(base)
            idle = offer_load(base, order_pks, queries, args.seconds, seed=1)
            stop = threading.Event()
            counts = {"syncs": 0}
            syncing = threading.Thread(target=keep_syncing, args=(shop.pk, stop, counts))
            syncing.start()
            time.sleep(2)  # the first pages are being fetched and stored
            busy = offer_load(base, order_pks, queries, args.seconds, seed=2)
            stop.set()
            syncing.join()
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=40)
            handle.stop()

    print("by kind (p50 / p95 ms, idle | during sync):")
    for kind in sorted({kind for _, _, kind in idle + busy}):
        figures = [summary([s for s in phase if s[2] == kind]) for phase in (idle, busy)]
        (n, _, a, b), (_, _, c, d) = figures
        print(f"  {kind:<14} {n:>5} x  {a:6.0f} / {b:6.0f}  |  {c:6.0f} / {d:6.0f}")
    n_idle, e_idle, p50_idle, p95_idle = summary(idle)
    n_busy, e_busy, p50_busy, p95_busy = summary(busy)
    print(
        f"idle: {n_idle} requests, {e_idle} errors; during sync: {n_busy} requests, "
        f"{e_busy} errors, {counts['syncs']} full sync(s) started "
        f"(targets: 0 errors, p95 idle <= 300 ms, p95 during sync <= 2x idle)"
    )
    print(
        f"load: {n_idle + n_busy} requests, {e_idle + e_busy} errors, "
        f"p50 {p50_idle:.0f} ms, p95 {p95_idle:.0f} ms idle; "
        f"p50 {p50_busy:.0f} ms, p95 {p95_busy:.0f} ms during sync"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
