"""Time the orders page statement alone: a sandbox's pages, read once, stored by one writer.

    python -m benchmarks.store --orders 20000

PostgreSQL's part of the mirror, apart from the emulator, HTTP, the answers' parsing and the
other writer: microseconds an order (the statement, then its commit and deferred checks), the
page time by tenth of the walk (flat unless the plan reads stored rows whole as the table
grows), and a second pass over the same pages, where nothing changed. Uses the benchmark
database of `benchmarks.mirror`, emptied first.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

from benchmarks.mirror import (
    SandboxProcess,
    bench_database_url,
    connect,
    empty_database,
    ensure_database,
    setup_django,
    timed_run,
)


def read_pages(shop) -> list[list[Any]]:
    """Every page of the shop's orders as a full sync reads them (the orders syncer's walk)."""
    from shops.sync import syncer_for

    pages = syncer_for(shop, "orders").pages(page_token=None, updated_since=None)
    return [list(page.items) for page in pages]


def store_pages(shop, pages: list[list[Any]]) -> tuple[list[float], float]:
    """Store each page in a transaction of its own: each page's seconds, and the commits'."""
    from django.db import transaction

    from orders.mirror import orders_store

    seconds, committing = [], 0.0
    for page in pages:
        started = time.perf_counter()
        with transaction.atomic():
            orders_store(shop=shop, orders=page)
            stored = time.perf_counter()
        seconds.append(time.perf_counter() - started)
        committing += time.perf_counter() - stored
    return seconds, committing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=20_000)
    args = parser.parse_args(argv)
    url = bench_database_url(os.environ.get("DATABASE_URL") or sys.exit("set DATABASE_URL"))
    ensure_database(url)
    setup_django(url)
    from django.db import connection

    empty_database()
    handle = SandboxProcess(args.orders, 500, rate_limit=0)
    try:
        shop, _ = connect(handle, rate_limit=0)
        timed_run(shop, "products", "full")  # the lines link to SKUs
        pages = read_pages(shop)
    finally:
        handle.stop()
    orders = sum(len(page) for page in pages)
    with connection.cursor() as cursor:
        cursor.execute("truncate orders_orderline, orders_order cascade")
    seconds, committing = store_pages(shop, pages)
    total = sum(seconds)
    tenth = max(1, len(seconds) // 10)
    tenths = [sum(seconds[i : i + tenth]) / tenth * 1000 for i in range(0, len(seconds), tenth)]
    print(f"== one writer, {orders:,} orders in {len(pages)} pages ==")
    print(
        f"  stored in {total:.2f} s = {orders / total:,.0f}/s "
        f"({total / orders * 1e6:.0f} µs an order, of which commit {committing / orders * 1e6:.0f})"
    )
    print("  page ms by tenth of the walk: " + " ".join(f"{t:.0f}" for t in tenths[:10]))
    again, _ = store_pages(shop, pages)
    print(f"  the same pages again, nothing changed: {sum(again) / orders * 1e6:.0f} µs an order")
    return 0


if __name__ == "__main__":
    sys.exit(main())
