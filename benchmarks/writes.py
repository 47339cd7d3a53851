"""Benchmark the command pipeline: absolute price sets pushed to a sandbox under its rate limit.

    python -m benchmarks.writes --changes 1000

Spreads the changes over 200 products (each change sets one SKU's price; the changes of one
product go out as few commands as possible, each SKU at most once per command, in order),
pushes them through the runner (several worker processes started beforehand, as a job
cluster's are, sharing the PostgreSQL limiter at 50 requests/s) against a sandbox in its own
process with its 50 requests/s limit on, and prints

    push ratio R (1000 changes; bound B s; took T s; requests N)

where the bound is N / 50 s, the least time the limit allows for the requests needed. It then
pushes the same changes with the limit off through one worker and prints the runner's own time
per command (claim, record, mirror update), apart from the TikTok call. Before that it applies
a change set of as many SKU prices as --changes through the pages' services (preview, apply,
one command per product, the same runner processes) and builds and previews a 5,000-row change
set over 1,000 products, printing

    preview 5000 rows: Q queries, T ms
    apply ratio R (1000 rows; bound B s; took T s)
 Uses its own database
(`<dev database>_bench_writes`), created, migrated and emptied by the command.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from decimal import Decimal
from typing import Any

from benchmarks.mirror import (
    RATE,
    SandboxProcess,
    bench_database_url,
    connect,
    empty_database,
    ensure_database,
    setup_django,
    timed_run,
)

PRODUCTS = 200


def plan(changes: int, round_no: int) -> list[tuple[Any, dict[str, Decimal]]]:
    """(product, {sku id: price}) per command: change i sets a SKU of product i mod 200."""
    from catalog.models import Product

    products = list(
        Product.objects.filter(status="ACTIVATE").prefetch_related("skus").order_by("tiktok_id")
    )[:PRODUCTS]
    if len(products) < PRODUCTS:
        raise SystemExit(f"the sandbox has only {len(products)} live products")
    per_product: dict[int, list[tuple[str, Decimal]]] = {}
    for i in range(changes):
        product = products[i % PRODUCTS]
        skus = sorted(s.tiktok_id for s in product.skus.all())
        nth = i // PRODUCTS
        price = Decimal("10.00") + Decimal(round_no) + Decimal(i % 97) / 100
        per_product.setdefault(product.pk, []).append((skus[nth % len(skus)], price))
    rounds: list[list[tuple[Any, dict[str, Decimal]]]] = []
    by_pk = {p.pk: p for p in products}
    for pk, sets in per_product.items():
        batches: list[dict[str, Decimal]] = [{}]
        for sku_id, price in sets:
            if sku_id in batches[-1]:
                batches.append({})
            batches[-1][sku_id] = price
        for n, batch in enumerate(batches):
            if n == len(rounds):
                rounds.append([])
            rounds[n].append((by_pk[pk], batch))
    # Round by round, as a change set lists its rows: every product's first command, then the
    # second ones, so the runner can work many products at once from the start.
    return [command for one_round in rounds for command in one_round]


def create(commands: list[tuple[Any, dict[str, Decimal]]], user: Any) -> list[int]:
    from django.db import transaction

    from catalog.commands import product_prices_set

    ids = []
    with transaction.atomic():
        for product, prices in commands:
            command = product_prices_set(
                product=product, prices=prices, actor=user, reason="benchmark"
            )
            ids.append(command.pk)
    return ids


def _worker(pipe: Any, url: str, shop_id: int, api: dict[str, Any]) -> None:
    """A runner process, as a django-q worker would be: claims the shop's commands until told."""
    setup_django(url, migrate=False)
    from django.conf import settings

    for name, value in api.items():
        setattr(settings, name, value)
    from shops.commands import commands_work

    pipe.send("ready")
    done = 0
    while not pipe.poll():
        ran = commands_work(shop_id=shop_id, idle_wait=0, max_seconds=60)
        done += ran
        if not ran:
            time.sleep(0.01)
    pipe.send(done)


class Workers:
    """Runner processes started before the commands exist, so their start-up is not timed."""

    def __init__(self, url: str, shop: Any, count: int) -> None:
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
                "COMMAND_RETRY_BASE_SECONDS",
                "COMMAND_RETRY_MAX_SECONDS",
            )
        }
        context = multiprocessing.get_context("spawn")
        self.pipes, self.processes = [], []
        for _ in range(count):
            pipe, child = context.Pipe()
            process = context.Process(target=_worker, args=(child, url, shop.pk, api), daemon=True)
            process.start()
            self.pipes.append(pipe)
            self.processes.append(process)
        for pipe in self.pipes:
            assert pipe.recv() == "ready"

    def stop(self) -> int:
        for pipe in self.pipes:
            pipe.send("stop")
        done = sum(pipe.recv() for pipe in self.pipes)
        for process in self.processes:
            process.join(timeout=10)
        return done


def push(
    url: str, shop: Any, commands: list[tuple[Any, dict[str, Decimal]]], user: Any, workers: int
) -> tuple[list[int], float]:
    """Create the commands with `workers` runner processes waiting; seconds until all finished."""
    from shops.models import Command

    pool = Workers(url, shop, workers)
    started = time.perf_counter()
    ids = create(commands, user)
    waiting = Command.objects.filter(shop=shop).unfinished()
    while waiting.exists():
        time.sleep(0.05)
    took = time.perf_counter() - started
    pool.stop()
    return ids, took


def outcome(ids: list[int]) -> dict[str, int]:
    from django.db.models import Count

    from shops.models import Command

    rows = Command.objects.filter(pk__in=ids).values("status").annotate(n=Count("id"))
    return {r["status"]: r["n"] for r in rows}


def requests_made(ids: list[int]) -> int:
    from shops.models import Command

    return sum(
        len(r) for r in Command.objects.filter(pk__in=ids).values_list("request_ids", flat=True)
    )


def check_mirror(handle: Any, ids: list[int]) -> int:
    """SKUs whose mirrored price differs from the sandbox's (0 expected)."""
    import httpx

    from catalog.models import Sku
    from shops.models import Command

    product_ids = set(
        Command.objects.filter(pk__in=ids).values_list("desired__product_id", flat=True)
    )
    wrong = 0
    with httpx.Client(base_url=handle.url, trust_env=False, timeout=30) as http:
        for product_id in product_ids:
            product = http.get(f"/_sandbox/products/{product_id}").json()["product"]
            for sku in product["skus"]:
                price = sku["price"].get("amount") or sku["price"].get("sale_price")
                mirrored = Sku.objects.get(tiktok_id=sku["id"]).price
                wrong += Decimal(price) != mirrored
    return wrong


def preview_bench(rows: int = 5000, products: int = 1000) -> str:
    """Build a `rows`-row price change set over `products` products and time its preview."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from catalog.models import Product, Sku
    from catalog.services import PriceRule, change_set_create, change_set_preview
    from shops.models import Shop

    shop = Shop.objects.create(tiktok_id="7494999999999999", cipher="bench", name="Preview bench")
    now = timezone.now()
    made = Product.objects.bulk_create(
        Product(
            shop=shop,
            tiktok_id=f"1799{i:015d}",
            title=f"Bench {i}",
            status="ACTIVATE",
            currency="USD",
            synced_at=now,
        )
        for i in range(products)
    )
    per = rows // products
    Sku.objects.bulk_create(
        Sku(
            shop=shop,
            product=product,
            tiktok_id=f"1798{i * per + j:015d}",
            seller_sku=f"B-{i}-{j}",
            price=Decimal("10.00") + j,
            list_price=Decimal("30.00"),
            currency="USD",
        )
        for i, product in enumerate(made)
        for j in range(per)
    )
    change_set = change_set_create(
        name="bench",
        reason="benchmark",
        actor=None,
        products=Product.objects.filter(shop=shop),
        price_rule=PriceRule(mode="lower_pct", amount=Decimal("10"), ending="0.99"),
    )
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        preview = change_set_preview(change_set=change_set)
        took = (time.perf_counter() - started) * 1000
    assert preview.rows == rows, preview.rows
    return f"preview {rows} rows: {len(queries)} queries, {took:.0f} ms"


def apply_bench(url: str, shop: Any, user: Any, rows: int, workers: int) -> str:
    """A `rows`-SKU change set applied through the page's services, pushed under the limit."""
    from django.db.models import Max, Min
    from django.utils import timezone

    from catalog.models import Product
    from catalog.services import (
        PriceRule,
        change_set_apply,
        change_set_create,
        change_set_preview,
        change_set_progress,
    )
    from shops.models import Command, RateLimitSlot

    chosen, skus = [], 0
    for product in (
        Product.objects.filter(shop=shop, status="ACTIVATE", deleted_at__isnull=True)
        .prefetch_related("skus")
        .order_by("-sku_count", "tiktok_id")
    ):
        if skus >= rows:
            break
        chosen.append(product.pk)
        skus += len([s for s in product.skus.all() if s.price is not None and not s.deleted_at])
    change_set = change_set_create(
        name="bench",
        reason="benchmark",
        actor=user,
        products=Product.objects.filter(pk__in=chosen),
        price_rule=PriceRule(mode="raise_pct", amount=Decimal("3")),
    )
    extra = list(
        change_set.rows.order_by("-id").values_list("pk", flat=True)[: max(0, skus - rows)]
    )
    change_set.rows.filter(pk__in=extra).update(excluded=True)
    n = change_set.rows.filter(excluded=False).count()
    RateLimitSlot.objects.all().delete()
    preview = change_set_preview(change_set=change_set)
    pool = Workers(url, shop, workers)
    pressed = timezone.now()
    started = time.perf_counter()  # from pressing Apply
    commands = change_set_apply(
        change_set=change_set, actor=user, acknowledged=preview.to_acknowledge
    )
    made = time.perf_counter() - started
    while change_set_progress(change_set=change_set).waiting:
        time.sleep(0.05)
    took = time.perf_counter() - started
    pool.stop()
    sent = Command.objects.filter(reason__startswith="bench:")
    ids = list(sent.values_list("pk", flat=True))
    bound = requests_made(ids) / RATE
    progress = change_set_progress(change_set=change_set)
    span = sent.aggregate(first=Min("started_at"), last=Max("finished_at"))
    change_set.refresh_from_db()
    print(
        f"apply: {n} rows in {commands} commands made in {made * 1000:.0f} ms; first sent "
        f"{(span['first'] - pressed).total_seconds():.2f} s after Apply, last finished "
        f"{(span['last'] - pressed).total_seconds():.2f} s after; {progress.applied} applied, "
        f"{progress.failed} failed, {progress.skipped} skipped; set {change_set.state}"
    )
    return f"apply ratio {took / bound:.2f} ({n} rows; bound {bound:.1f} s; took {took:.1f} s)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=3, help="runner processes, limit on")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("DATABASE_URL is not set: DATABASE_URL=$(make -s db) python -m ...")
    url = bench_database_url(url, "_bench_writes")
    ensure_database(url)
    setup_django(url)
    from django.conf import settings

    settings.COMMAND_RETRY_BASE_SECONDS = 0.2
    settings.COMMAND_RETRY_MAX_SECONDS = 2.0
    import shops.commands

    # This command's own worker threads run the commands; no job per creation.
    shops.commands._enqueue_run = lambda shop_id: None

    empty_database()
    handle = SandboxProcess(orders=50, products=450, rate_limit=RATE)
    try:
        shop, user = connect(handle, rate_limit=RATE)
        timed_run(shop, "products", "full")

        # --- with TikTok's limit: the shared limiter paces every worker ---
        from shops.models import RateLimitSlot

        RateLimitSlot.objects.all().delete()
        ids, took = push(url, shop, plan(args.changes, 1), user, args.workers)
        requests = requests_made(ids)
        bound = len(ids) / RATE
        done = outcome(ids)
        print(f"commands: {len(ids)} for {args.changes} SKU price sets; outcome {done}")
        print(f"mirror: {check_mirror(handle, ids)} SKUs differ from the sandbox")
        limited = (
            f"push ratio {took / bound:.2f} ({args.changes} changes; bound {bound:.1f} s; "
            f"took {took:.1f} s; requests {requests})"
        )

        # --- a change set made, previewed and applied through the pages' services ---
        import catalog.services

        catalog.services.enqueue_after_commit = lambda *a, **k: None  # type: ignore[assignment]
        applied = apply_bench(url, shop, user, args.changes, args.workers)
        previewed = preview_bench()

        # --- limit off, one worker: what the runner itself costs per command ---
        settings.TIKTOK_RATE_LIMIT = 0
        import httpx

        with httpx.Client(base_url=handle.url, trust_env=False) as http:
            http.post("/_sandbox/faults", json={"rate_limit": 0})  # TikTok's side off too
        from catalog.commands import SetPrices
        from shops.commands import commands_work

        in_calls = [0.0]
        real_send = SetPrices.send

        def timed_send(self, command, client):
            started = time.perf_counter()
            try:
                return real_send(self, command, client)
            finally:
                in_calls[0] += time.perf_counter() - started

        SetPrices.send = timed_send
        ids = create(plan(args.changes, 2), user)
        started = time.perf_counter()
        while commands_work(shop_id=shop.pk, idle_wait=0.5, max_seconds=120):
            pass
        took_free = time.perf_counter() - started
        SetPrices.send = real_send
        per = took_free / len(ids) * 1000
        call = in_calls[0] / len(ids) * 1000
        print(
            f"limit off, 1 worker: {len(ids)} commands in {took_free:.2f} s = {per:.1f} ms each "
            f"({call:.1f} ms in the TikTok call, runner overhead {per - call:.1f} ms per command); "
            f"outcome {outcome(ids)}"
        )
        print(previewed)
        print(applied)
        print(limited)
    finally:
        handle.stop()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
