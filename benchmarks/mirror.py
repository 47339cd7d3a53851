"""Benchmark the mirror against a sandbox: throughput, the rate-limit bound, incremental cost,
memory, webhook-to-database latency and the orders list's server time.

    python -m benchmarks.mirror --orders 100000

Uses its own database (`<dev database>_bench` on the DATABASE_URL server), created, migrated
and emptied by the command, so development data is never touched.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import resource
import socket
import statistics
import subprocess
import sys
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from benchmarks import ceiling, replay

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ANCHOR = 1_760_000_400
RATE = 50


def bench_database_url(url: str, suffix: str = "_bench") -> str:
    """The dev server's URL with a database of its own."""
    parts = urlsplit(url)
    name = (parts.path.lstrip("/") or "backoffice") + suffix
    return urlunsplit(parts._replace(path="/" + name))


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'create database "{name}"')


def setup_django(url: str, *, migrate: bool = True) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings")
    if not os.environ.get("TOKEN_ENCRYPTION_KEYS"):
        from cryptography.fernet import Fernet

        os.environ["TOKEN_ENCRYPTION_KEYS"] = Fernet.generate_key().decode()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    if migrate:
        call_command("migrate", verbosity=0)
    from django_q.conf import Conf

    # Webhook jobs run inline right after the intake commits (no worker process to start).
    Conf.SYNC = True
    settings.SECURE_SSL_REDIRECT = False
    # No collectstatic for a benchmark: serve static names as they are.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.SHOP_CONNECTED_JOBS = []
    settings.TIKTOK_WEBHOOK_URL = ""
    settings.LOGGING_CONFIG = None
    import logging

    logging.getLogger().setLevel(logging.ERROR)
    for name in ("tiktok", "shops", "httpx", "django-q", "django"):
        logging.getLogger(name).setLevel(logging.ERROR)


# The mirror's tables, emptied between runs (children first).
MIRROR_TABLES = [
    "orders_orderline",
    "orders_order",
    "fulfillment_package",
    "fulfillment_return",
    "fulfillment_cancellation",
    "catalog_inventory",
    "catalog_sku",
    "catalog_product",
    "catalog_warehouse",
]


def empty_database() -> None:
    from django.db import connection

    tables = [
        *MIRROR_TABLES,
        "shops_syncrun",
        "shops_syncstate",
        "shops_webhookevent",
        "shops_auditentry",
        "shops_shop_members",
        "shops_shop",
        "shops_authorization",
        "shops_ratelimitslot",
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"truncate {', '.join(tables)} cascade")


def analyze() -> None:
    """Statistics and the visibility map, as autovacuum leaves them after a bulk load (its
    insert threshold): counts and searches can then read the indexes alone."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("orders_order", "orders_orderline", "catalog_product", "catalog_sku"):
            cursor.execute(f"vacuum analyze {table}")


def sandbox_config(orders: int, products: int, rate_limit: int, **extra: Any):
    from tiktok.sandbox import SandboxConfig

    return SandboxConfig(
        seed=3,
        sellers=1,
        products=products,
        orders=orders,
        anchor=ANCHOR,
        rate_limit=rate_limit,
        threads=8,
        **extra,
    )


def start_sandbox(orders: int, products: int, rate_limit: int, **extra: Any):
    """A sandbox in a thread of this process (its state object stays reachable)."""
    from tiktok.sandbox import start_in_thread

    return start_in_thread(sandbox_config(orders, products, rate_limit, **extra))


def _serve_sandbox(pipe: Any, orders: int, products: int, rate_limit: int) -> None:
    from tiktok.sandbox import start_in_thread

    handle = start_in_thread(sandbox_config(orders, products, rate_limit))
    cfg = handle.config
    pipe.send((handle.url, cfg.app_key, cfg.app_secret, cfg.service_id))
    pipe.recv()
    handle.stop()


class SandboxProcess:
    """A sandbox in a process of its own, as TikTok would be: its CPU is not the mirror's."""

    def __init__(self, orders: int, products: int, rate_limit: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipe, child = context.Pipe()
        self.process = context.Process(
            target=_serve_sandbox, args=(child, orders, products, rate_limit), daemon=True
        )
        self.process.start()
        self.url, app_key, app_secret, service_id = self.pipe.recv()
        self.config = argparse.Namespace(
            app_key=app_key, app_secret=app_secret, service_id=service_id
        )

    def stop(self) -> None:
        self.pipe.send("stop")
        self.process.join(timeout=10)


def connect(handle, rate_limit: float):
    """Point the product at the sandbox and connect its shop through the OAuth code path."""
    import httpx
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from shops.services import connect_complete

    settings.TIKTOK_API_BASE = settings.TIKTOK_AUTH_BASE = handle.url
    settings.TIKTOK_CONSENT_BASE = handle.url
    settings.TIKTOK_APP_KEY = handle.config.app_key
    settings.TIKTOK_APP_SECRET = handle.config.app_secret
    settings.TIKTOK_SERVICE_ID = handle.config.service_id
    settings.TIKTOK_RATE_LIMIT = rate_limit
    with httpx.Client(base_url=handle.url, trust_env=False) as http:
        code = http.post("/_sandbox/auth_code", json={}).json()["code"]
    user, _ = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_superuser": True, "is_staff": True}
    )
    return connect_complete(code=code, user=user).shops[0], user


def timed_run(shop, resource: str, kind: str):
    from shops.sync import sync_request, sync_run

    run = sync_request(shop_id=shop.pk, resource=resource, kind=kind, enqueue=False)
    started = time.perf_counter()
    run = sync_run(run_id=run.pk)
    elapsed = time.perf_counter() - started
    if run.status != "succeeded":
        raise SystemExit(f"{resource} sync failed: {run.error}")
    return run, elapsed


# Values the seed holds at every size, each filling the first page at 1,000 orders as at 100,000
# (a status of about 7% of orders, a surname part in about 7% of buyers, a seller-SKU prefix in
# 7% to 20% of orders), so both sizes render the same rows and only the reading grows.
STATUS = "DELIVERED"
BUYER_TERM = "son"
SKU_TERM = "SCAR"


def lists_to_time() -> dict[str, tuple[str, dict[str, str]]]:
    """Each list filter timed at every size: (path, query). The orders lists use the same values
    at every size; the products search takes a title word of the seed's first product."""
    from catalog.models import Product

    title = Product.objects.order_by("id").values_list("title", flat=True)[0] or "x"
    return {
        "orders, status": ("/orders/", {"status": STATUS}),
        "orders, buyer search": ("/orders/", {"q": BUYER_TERM}),
        "orders, SKU search": ("/orders/", {"q": SKU_TERM}),
        "products, status": ("/products/", {"status": "ACTIVATE"}),
        "products, search": ("/products/", {"q": title.split()[-1][:5]}),
    }


def list_time(
    user, params: dict[str, str] | None = None, repeats: int = 15, path: str = "/orders/"
) -> tuple[float, int]:
    """Median server time of a list's first page (the full view, in-process), and its rows."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.get(path, params or {})
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    rows = len(re.findall(rb'data-testid="(?:order|product)-row"', response.content))
    return statistics.median(samples[1:]), rows


def expected_counts(handle) -> dict[str, int]:
    import httpx

    with httpx.Client(base_url=handle.url, trust_env=False) as http:
        shop = http.get("/_sandbox/counts").json()["shops"][0]
    return {"orders": shop["orders"], "products": shop["products"]}


def _peak_kib() -> int:
    """This process's own peak resident memory.

    Not getrusage's ru_maxrss: Linux keeps it across the spawn's exec, so the child would report
    the parent's peak (the benchmark process, which holds the recorded pages) when higher.
    """
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _sync_in_child(pipe: Any, url: str, shop_id: int, resource_name: str, api: dict) -> None:
    setup_django(url, migrate=False)
    from django.conf import settings

    for name, value in api.items():
        setattr(settings, name, value)
    from shops.models import Shop

    run, elapsed = timed_run(Shop.objects.get(pk=shop_id), resource_name, "full")
    peak_kib = _peak_kib()
    pipe.send({"orders": run.done, "requests": run.requests, "seconds": elapsed, "kib": peak_kib})


def sync_in_process(url: str, shop_id: int, resource_name: str) -> dict[str, Any]:
    """Run one full sync in a fresh process and report its peak resident memory too."""
    from django.conf import settings

    api = {
        name: getattr(settings, name)
        for name in (
            "TIKTOK_API_BASE",
            "TIKTOK_AUTH_BASE",
            "TIKTOK_APP_KEY",
            "TIKTOK_APP_SECRET",
            "TIKTOK_SERVICE_ID",
            "TIKTOK_RATE_LIMIT",
        )
    }
    context = multiprocessing.get_context("spawn")
    pipe, child = context.Pipe()
    process = context.Process(
        target=_sync_in_child, args=(child, url, shop_id, resource_name, api), daemon=True
    )
    process.start()
    result = pipe.recv()
    process.join(timeout=30)
    return result


RESOURCES = ("products", "orders", "packages", "returns", "cancellations")


def full_runs(
    shop, stages: replay.Stages | None = None, sandbox_pid: int | None = None
) -> dict[str, dict[str, Any]]:
    """A full run of every resource, timed, with the CPU it cost on each side (and profiled
    per stage when given `stages`)."""
    results = {}
    for name in RESOURCES:
        if stages is not None:
            stages.reset()
        meter = ceiling.CpuMeter(sandbox_pid=sandbox_pid) if ceiling.CpuMeter.available() else None
        if meter:
            meter.start()
        run, elapsed = timed_run(shop, name, "full")
        if meter:
            meter.stop()
        results[name] = {
            "items": run.done,
            "seconds": elapsed,
            "per_second": run.done / elapsed if elapsed else 0,
            "requests": run.requests,
            "stages": replay.stage_line(stages, run.done, elapsed) if stages else "",
            "cpu": meter,
        }
    return results


def forget_mirror(shop) -> None:
    """Empty the mirror and the shop's sync bookkeeping, keeping the shop and its tokens."""
    from django.db import connection

    from shops.models import SyncRun, SyncState

    with connection.cursor() as cursor:
        cursor.execute(f"truncate {', '.join(MIRROR_TABLES)} cascade")
    SyncState.objects.filter(shop=shop).delete()
    SyncRun.objects.filter(shop=shop).delete()


def bench_throughput(orders: int, products: int, *, replayed: bool = False) -> dict[str, Any]:
    """Rate limit off: full mirror of every resource, then an incremental re-sync.

    With `replayed`, the full runs are recorded, and then run again with the same answers
    served from memory: the mirror's own cost, without the emulator's.
    """
    from orders.models import Order, OrderLine

    empty_database()
    handle = SandboxProcess(orders, products, rate_limit=0)
    stages = replay.Stages()
    recording = replay.RecordingTransport(stages)
    try:
        shop, user = connect(handle, rate_limit=0)
        result: dict[str, Any] = {"resources": {}}
        if replayed:
            with replay.product_transport(recording), replay.profiled(stages):
                result["resources"] = full_runs(shop, stages, handle.process.pid)
        else:
            result["resources"] = full_runs(shop, sandbox_pid=handle.process.pid)
        expected = expected_counts(handle)
        result["orders_match"] = Order.objects.filter(shop=shop).count() == expected["orders"]
        if replayed:
            forget_mirror(shop)
            transport = replay.ReplayTransport(recording, stages)
            with replay.product_transport(transport), replay.profiled(stages):
                result["replayed"] = full_runs(shop, stages)
            result["client_floor"] = ceiling.client_floor(
                [
                    content
                    for (_, path, _, _), (_, _, content) in recording.answers.items()
                    if path.endswith("/orders/search")
                ]
            )
            recording.answers.clear()
            result["replayed_match"] = Order.objects.filter(shop=shop).count() == expected["orders"]
            result["floor"] = ceiling.storage_floor()
        result["lines"] = OrderLine.objects.filter(shop=shop).count()
        incremental = {}
        for resource in ("products", "orders", "packages", "returns", "cancellations"):
            run, elapsed = timed_run(shop, resource, "incremental")
            incremental[resource] = {"seconds": elapsed, "requests": run.requests}
        result["incremental"] = incremental
        analyze()
        list_time(user)
        result["list_seconds"], _ = list_time(user)
        result["list_filtered_seconds"], _ = list_time(user, {"status": STATUS})
        result["lists"] = {
            name: list_time(user, params, path=path)
            for name, (path, params) in lists_to_time().items()
        }
        return result
    finally:
        handle.stop()


def bench_rate_limited(url: str, orders: int, products: int) -> dict[str, Any]:
    """50 requests/s on both sides: the orders mirror (in a process of its own) against the
    bound the limit implies, and that process's peak memory."""
    empty_database()
    handle = SandboxProcess(orders, products, rate_limit=RATE)
    try:
        shop, _ = connect(handle, rate_limit=RATE)
        result = sync_in_process(url, shop.pk, "orders")
        bound = result["requests"] / RATE
        return {
            **result,
            "bound_seconds": bound,
            "ratio": result["seconds"] / bound if bound else 0,
            "peak_bytes": result["kib"] * 1024,
        }
    finally:
        handle.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _app_processes(sandbox, port: int) -> list[subprocess.Popen]:
    """The back office as deployed: a web process (waitress) and a django-q worker process."""
    cfg = sandbox.config
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backoffice.settings",
        "TIKTOK_API_BASE": sandbox.url,
        "TIKTOK_AUTH_BASE": sandbox.url,
        "TIKTOK_CONSENT_BASE": sandbox.url,
        "TIKTOK_APP_KEY": cfg.app_key,
        "TIKTOK_APP_SECRET": cfg.app_secret,
        "TIKTOK_SERVICE_ID": cfg.service_id,
        "TIKTOK_RATE_LIMIT": str(RATE),
        "TIKTOK_WEBHOOK_URL": "",
        "DEBUG": "true",
        "LOG_LEVEL": "ERROR",
    }
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": ROOT, "env": env}
    web = [sys.executable, "-m", "waitress", f"--listen=127.0.0.1:{port}", "--threads=8"]
    return [
        subprocess.Popen([*web, "backoffice.wsgi:application"], **quiet),
        subprocess.Popen([sys.executable, "manage.py", "qcluster"], **quiet),
    ]


def _wait_healthy(port: int, timeout: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("the web and worker processes did not become healthy")


def bench_webhooks(seconds: float, pace: float) -> dict[str, Any]:
    """Live mode pushing signed webhooks to the app as deployed (web + worker processes):
    the time from the sandbox emitting a change to the job that stored it finishing."""
    from shops.models import WebhookEvent
    from shops.sync import sync_shop

    empty_database()
    port = _free_port()
    handle = start_sandbox(
        2000, 20, rate_limit=RATE, webhook_url=f"http://127.0.0.1:{port}/webhooks/tiktok"
    )
    emitted: dict[str, float] = {}
    notify = handle.app.store.notify

    def recording(shop, event_type, payload):
        emitted[str(payload.get("tts_notification_id"))] = time.time()
        notify(shop, event_type, payload)

    handle.app.store.notify = recording
    processes = _app_processes(handle, port)
    try:
        shop, _ = connect(handle, rate_limit=RATE)
        sync_shop(shop_id=shop.pk)
        _wait_healthy(port)
        handle.app.live.configure(True, pace)
        time.sleep(seconds)
        handle.app.live.configure(False)
        time.sleep(3)
        latencies = []
        statuses: dict[str, int] = {}
        for event in WebhookEvent.objects.all():
            statuses[event.status] = statuses.get(event.status, 0) + 1
            sent = emitted.get(event.notification_id)
            if sent and event.processed_at:
                latencies.append(event.processed_at.timestamp() - sent)
        latencies.sort()
        return {
            "events": len(latencies),
            "statuses": statuses,
            "p50": statistics.median(latencies) if latencies else None,
            "p95": latencies[int(0.95 * (len(latencies) - 1))] if latencies else None,
        }
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=15)
        handle.app.store.notify = notify
        handle.stop()


def print_resources(results: dict[str, dict[str, Any]]) -> None:
    for name, r in results.items():
        print(
            f"  {name:<14} {r['items']:>8,} in {r['seconds']:7.2f} s = {r['per_second']:>9,.0f}/s"
            f"  ({r['requests']:,} requests)"
        )
        for detail in (r["stages"], r["cpu"].line(r["items"]) if r["cpu"] else ""):
            if detail:
                print(f"  {'':<14} {detail}")


def print_floors(result: dict[str, Any]) -> None:
    """The least CPU an order costs PostgreSQL and the mirror process, and the most orders a
    second the machine's cores could then hold (the emulator's measured cost added for the
    full topology)."""
    floor, client = result["floor"], result["client_floor"]
    if not floor or not client:
        return
    print(
        f"  PostgreSQL's floor: {floor['total']:.0f} µs an order (its JSON parsed "
        f"{floor['json']:.0f}, its row and lines inserted with every index {floor['rows']:.0f})"
    )
    print(
        f"  the mirror process's floor: {client['total']:.0f} µs an order (the page's JSON "
        f"parsed {client['parse']:.0f}, the order's text for PostgreSQL {client['texts']:.0f})"
    )
    least = floor["total"] + client["total"]
    cores = ceiling.CORES
    line = (
        f"  ceiling on {cores} cores at those floors, nothing else spent: "
        f"{cores * 1e6 / least:,.0f} orders/s replayed (target 10,000)"
    )
    orders = result["resources"]["orders"]
    sandbox = orders["cpu"].per_item(orders["items"]).get("sandbox") if orders["cpu"] else None
    if sandbox:
        line += (
            f"; {cores * 1e6 / (least + sandbox):,.0f} orders/s beside the sandbox, "
            f"which spent {sandbox:.0f} µs an order (target 5,000)"
        )
    print(line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--products", type=int, default=500)
    parser.add_argument("--small", type=int, default=0, help="comparison size (default orders/10)")
    parser.add_argument("--webhook-seconds", type=float, default=15.0)
    parser.add_argument("--webhook-pace", type=float, default=0.05)
    parser.add_argument(
        "--parts",
        default="throughput,lists,rate,webhooks",
        help="what to run, comma-separated (lists needs throughput)",
    )
    args = parser.parse_args(argv)
    parts = set(args.parts.split(","))
    small = args.small or max(args.orders // 10, 1000)

    url = bench_database_url(os.environ.get("DATABASE_URL") or sys.exit("set DATABASE_URL"))
    ensure_database(url)
    setup_django(url)
    print(f"benchmark database: {urlsplit(url).path.lstrip('/')}")

    if "throughput" in parts:
        big = bench_throughput(args.orders, args.products, replayed=True)
        res = big["resources"]
        print(f"\n== rate limit off, {args.orders:,} orders (sandbox in its own process) ==")
        print_resources(res)
        print(
            f"  order lines    {big['lines']:>8,}; orders equal the sandbox: {big['orders_match']}"
        )
        orders_rate = res["orders"]["per_second"]
        print(
            f"  orders/s {orders_rate:,.0f} (target >= 5,000); "
            f"products/s {res['products']['per_second']:,.0f}"
        )
        again = big["replayed"]
        print(
            f"\n== the same answers replayed from memory (no emulator), {args.orders:,} orders =="
        )
        print_resources(again)
        print(f"  orders equal the sandbox: {big['replayed_match']}")
        print(
            f"  replayed orders/s {again['orders']['per_second']:,.0f} (target >= 10,000); "
            f"products/s {again['products']['per_second']:,.0f} (target >= 1,000)"
        )
        print_floors(big)
        print("\n== incremental re-sync, nothing changed ==")
        for name, r in big["incremental"].items():
            print(
                f"  {name:<14} {r['seconds']:.3f} s, {r['requests']} requests (target <= 2, < 1 s)"
            )

    if "lists" in parts and "throughput" in parts:
        tiny = bench_throughput(1000, 50)
        mid = bench_throughput(small, args.products) if small != 1000 else tiny
        print("\n== orders list server time (first page, median) ==")
        for size, result in ((1000, tiny), (small, mid), (args.orders, big)):
            print(
                f"  {size:>8,} orders: {result['list_seconds'] * 1000:6.1f} ms"
                f"  (status filter {result['list_filtered_seconds'] * 1000:.1f} ms)"
            )
        ratio = big["list_seconds"] / tiny["list_seconds"]
        print(f"  {args.orders:,} vs 1,000: {ratio:.2f}x (target <= 1.5x)")
        print(f"  each filter (first page, median), 1,000 -> {args.orders:,} orders:")
        for name in big["lists"]:
            (low, low_rows), (high, high_rows) = tiny["lists"][name], big["lists"][name]
            print(
                f"    {name:<22} {low * 1000:6.1f} ms ({low_rows} rows) -> "
                f"{high * 1000:6.1f} ms ({high_rows} rows): {high / low:.2f}x (target <= 1.5x)"
            )

    if "rate" in parts:
        limited = bench_rate_limited(url, args.orders, args.products)
        limited_small = bench_rate_limited(url, small, args.products)
        print(f"\n== {RATE} req/s limit on, {args.orders:,} orders ==")
        print(
            f"  {limited['orders']:,} orders in {limited['seconds']:.1f} s; bound "
            f"{limited['requests']} requests / {RATE}/s = {limited['bound_seconds']:.1f} s; "
            f"ratio {limited['ratio']:.3f} (target <= 1.1)"
        )
        growth = limited["peak_bytes"] / limited_small["peak_bytes"]
        print(
            f"  peak RSS of the sync process: {limited['peak_bytes'] / 2**20:.1f} MiB at "
            f"{args.orders:,}, {limited_small['peak_bytes'] / 2**20:.1f} MiB at {small:,} "
            f"({(growth - 1) * 100:+.0f}%, target <= +20%)"
        )

    if "webhooks" in parts:
        hooks = bench_webhooks(args.webhook_seconds, args.webhook_pace)
        print("\n== webhook to database (live mode) ==")
        if hooks["p50"] is None:
            print(f"  no events measured: {hooks}")
        else:
            print(
                f"  {hooks['events']} events: p50 {hooks['p50'] * 1000:.0f} ms, p95 "
                f"{hooks['p95'] * 1000:.0f} ms (target p95 <= 2000 ms); {hooks['statuses']}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
