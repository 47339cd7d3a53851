"""Benchmark shipping in a batch and printing: ship N packages, fetch their labels, merge them.

    python -m benchmarks.labels --packages 600

Creates N paid orders shipped by TikTok on a sandbox in its own process with its 50 requests/s
limit on, mirrors them, then times the whole path an operator waits for: the batch sent through
the command pipeline (Batch Ship Packages, SHIP_BATCH_CHUNK packages a call), every label
fetched (one Get Package Shipping Document call each, then the download) and stored, and the
labels merged into one PDF. The bound is the requests to TikTok's API divided by 50 requests/s.
The merge is then timed alone (documents already stored), and the last line is

    labels ratio R (600 packages; bound B s; took T s); merged PDF P pages in M s, peak RSS X MiB

Uses its own database (`<dev database>_bench_labels`) and a temporary MEDIA_ROOT.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import tempfile
import time
import tracemalloc

import httpx

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


def create_orders(handle: SandboxProcess, count: int) -> list[str]:
    """Paid orders shipped by TikTok with one package each (the control API is not limited)."""
    ids: list[str] = []
    with httpx.Client(base_url=handle.url, trust_env=False, timeout=30) as http:
        while len(ids) < count:
            order = http.post("/_sandbox/orders", json={"status": "AWAITING_SHIPMENT"}).json()[
                "order"
            ]
            if order.get("shipping_type") == "TIKTOK" and len(order.get("packages") or [0]) == 1:
                ids.append(order["id"])
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--packages", type=int, default=600)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("DATABASE_URL is not set: DATABASE_URL=$(make -s db) python -m ...")
    url = bench_database_url(url, "_bench_labels")
    ensure_database(url)
    setup_django(url)
    from django.conf import settings

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="labels-bench-")
    # The operator's Undo window is a pause before sending, not time spent with TikTok.
    settings.SEND_UNDO_SECONDS = 0
    import shops.commands
    import shops.jobs

    # This command runs the commands and the print job itself; no job per creation.
    shops.commands._enqueue_run = lambda shop_id: None
    shops.jobs.enqueue_after_commit = lambda *a, **k: None  # type: ignore[assignment]
    import fulfillment.documents

    fulfillment.documents.enqueue_after_commit = lambda *a, **k: None  # type: ignore[assignment]
    from django.db import connection

    empty_database()
    with connection.cursor() as cursor:
        cursor.execute(
            "truncate fulfillment_shipbatch, fulfillment_shipbatchpackage, fulfillment_printjob, "
            "fulfillment_packagedocument, shops_command, shops_commanditem cascade"
        )
    handle = SandboxProcess(orders=20, products=20, rate_limit=RATE)
    try:
        shop, user = connect(handle, rate_limit=RATE)
        order_ids = create_orders(handle, args.packages)
        timed_run(shop, "orders", "full")
        timed_run(shop, "packages", "full")
        from fulfillment.documents import print_job_build, print_job_create
        from fulfillment.models import Package, PrintJob
        from fulfillment.shipping import ship_batch_create, ship_batch_send
        from shops.commands import commands_work
        from shops.models import Command, RateLimitSlot

        packages = Package.objects.filter(shop=shop, order_tiktok_id__in=order_ids)
        assert packages.count() == args.packages, packages.count()
        RateLimitSlot.objects.all().delete()

        started = time.perf_counter()
        batch = ship_batch_create(packages=packages, actor=user)
        commands = ship_batch_send(
            batch=batch, actor=user, confirmed_count=args.packages, handover_method="DROP_OFF"
        )
        commands_work(shop_id=shop.pk, idle_wait=0)
        shipped_in = time.perf_counter() - started
        statuses = set(
            Command.objects.filter(pk__in=[c.pk for c in commands]).values_list("status", flat=True)
        )
        job = print_job_create(
            packages=packages.all(),
            kind="SHIPPING_LABEL",
            size="A6",
            order_by="order",
            reverse=False,
            actor=user,
            batch=batch,
        )
        job = print_job_build(job_id=job.pk)
        took = time.perf_counter() - started

        requests = math.ceil(args.packages / settings.SHIP_BATCH_CHUNK) + args.packages
        bound = requests / RATE
        print(
            f"ship commands: {len(commands)} ({', '.join(sorted(statuses))}) in {shipped_in:.1f} s"
        )
        print(
            f"print job: {job.status}, {job.pages} pages, {len(job.failures)} missing "
            f"({job.failures[:1]})"
        )
        again = PrintJob.objects.create(
            batch=batch, created_by=user, kind="SHIPPING_LABEL", size="A6", order_by="order"
        )
        again.packages.set(packages)
        merge_started = time.perf_counter()
        again = print_job_build(job_id=again.pk)
        merge = time.perf_counter() - merge_started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        # The process's peak RSS includes the mirror runs; the merge's own heap is traced apart.
        traced = PrintJob.objects.create(
            batch=batch, created_by=user, kind="SHIPPING_LABEL", size="A6", order_by="order"
        )
        traced.packages.set(packages)
        tracemalloc.start()
        print_job_build(job_id=traced.pk)
        heap = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        print(f"merge alone: peak Python heap {heap:.1f} MiB")
        print(
            f"labels ratio {took / bound:.2f} ({args.packages} packages; bound {bound:.1f} s; "
            f"took {took:.1f} s); merged PDF {again.pages} pages in {merge:.1f} s, "
            f"peak RSS {peak:.0f} MiB"
        )
    finally:
        handle.stop()


if __name__ == "__main__":
    main()
