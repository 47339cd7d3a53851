"""How a mirror's page statement is planned once the mirror has grown, and the reads in its
plan that grow with the mirror.

A page statement is planned afresh for every page (`jsonsql.PLANNING`), on the tables as they
are then. A plan that reads every stored row (or every row of the shop) for each page, by a
sequential scan or by walking a whole index, would run for every page as the tables grow:
O(n²) over a mirror. Stored rows must be reached by their keys only.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import psycopg
from django.db import connection

from shops import jsonsql
from shops.models import Shop
from tests.tiktok import samples

# `->  Index Scan using name on table alias`, `Bitmap Index Scan on name`, `Seq Scan on table`.
_SCAN = re.compile(
    r"(?P<kind>Seq Scan|Index Scan|Index Only Scan|Bitmap Index Scan)(?: Backward)?"
    r"(?: using (?P<index>\S+))? on (?P<name>\S+)"
)
_NODE = re.compile(r"\s*->  ")
# A condition on the shop alone reads every row of the shop.
_SHOP_ONLY = re.compile(r"Index Cond: \(shop_id = [^()]*\)$")


def plan_when_grown(
    statement: str, params: Mapping[str, Any], tables: Sequence[str], grow: Callable[[], Any]
) -> str:
    """EXPLAIN of `statement` as the store plans a page, once `grow` has stored rows in the
    tables, emptied first, and they are analyzed (as autovacuum would after a first mirror's
    pages).

    Emptied, since other tests' rolled-back rows stay in the tables' pages and indexes until a
    vacuum: on a few hundred rows, an index bloated by them can cost more to probe than a small
    one costs to read whole, and the plan would depend on which tests ran before. TRUNCATE gives
    the tables new, empty files, and is undone with the test's transaction.
    """
    with connection.cursor() as cursor:
        # Pending foreign-key checks on a table would refuse its TRUNCATE.
        cursor.execute("set constraints all immediate")
        cursor.execute(f"truncate {', '.join(tables)} cascade")
        cursor.execute("set constraints all deferred")
    grow()
    with connection.cursor() as cursor:
        cursor.execute(f"analyze {', '.join(tables)}")
        cursor.execute(jsonsql.planning_settings())
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute("explain " + statement, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def grow_orders(shop: Shop, count: int = 300) -> None:
    """Mirror `count` copies of the sample order, each with an id of its own."""
    from orders.mirror import orders_store

    orders = []
    for n in range(count):
        order = copy.deepcopy(samples.ORDER)
        order["id"] = f"58{n:017d}"
        orders.append(order)
    orders_store(shop=shop, orders=orders)


def _indexes(tables: Iterable[str]) -> dict[str, str]:
    """Each index of the tables: its table."""
    with connection.cursor() as cursor:
        cursor.execute(
            "select indexname, tablename from pg_indexes where tablename = any(%s)", [list(tables)]
        )
        return dict(cursor.fetchall())


def _whole_reads(plan: str, tables: Iterable[str]) -> list[str]:
    """The scans in `plan` that read one of `tables` other than by a key: sequential scans, and
    index scans with no condition or one on the shop alone."""
    tables = list(tables)
    indexes = _indexes(tables)
    lines = plan.splitlines()
    found = []
    for at, line in enumerate(lines):
        scan = _SCAN.search(line)
        if scan is None:
            continue
        index = scan["index"] or (scan["name"] if scan["kind"] == "Bitmap Index Scan" else None)
        table = indexes.get(index, "") if index else scan["name"]
        if table not in tables:
            continue
        # The node's own details follow it, up to the next node.
        details = []
        for detail in lines[at + 1 :]:
            if _NODE.match(detail) or not detail.startswith(" "):
                break
            details.append(detail.strip())
        conditions = [d for d in details if d.startswith("Index Cond:")]
        if (
            scan["kind"] == "Seq Scan"
            or not conditions
            or all(_SHOP_ONLY.match(c) for c in conditions)
        ):
            found.append(line.strip())
    return found


def assert_read_by_keys(plan: str, tables: Iterable[str]) -> None:
    """Fail, naming them, if any scans in `plan` read one of `tables` other than by a key."""
    found = _whole_reads(plan, tables)
    assert not found, "\n".join(["read other than by a key:", *found, "", plan])
