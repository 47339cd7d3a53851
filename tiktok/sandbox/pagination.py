"""Opaque keyset page tokens and the ordered walks over a shop's orders."""

from __future__ import annotations

import base64
import bisect
import hashlib
import heapq
import json
from collections.abc import Iterable, Iterator
from typing import Any

from .data import OrderTable


def filter_hash(filters: Any) -> str:
    """A short fingerprint of a search's filters and sort, so a token cannot cross searches."""
    raw = json.dumps(filters, sort_keys=True, default=str).encode()
    return hashlib.sha256(raw).hexdigest()[:10]


def encode_token(key: Any, total: int | None, fingerprint: str) -> str:
    """An opaque page token (standard base64, so it contains `+`, `/` and `=` like TikTok's)."""
    raw = json.dumps({"k": key, "t": total, "h": fingerprint}, separators=(",", ":")).encode()
    return base64.b64encode(b"\x01" + raw).decode()


def decode_token(token: str, fingerprint: str) -> tuple[Any, int | None] | None:
    """The (last key, total) a token carries, or None if it is not one of ours for this search."""
    try:
        raw = base64.b64decode(token.encode(), validate=True)
        if raw[:1] != b"\x01":
            return None
        data = json.loads(raw[1:])
    except (ValueError, UnicodeError):
        return None
    if not isinstance(data, dict) or data.get("h") != fingerprint:
        return None
    key = data.get("k")
    return (tuple(key) if isinstance(key, list) else key), data.get("t")


def by_create(
    table: OrderTable, desc: bool, after: int | None, lo: int | None, hi: int | None
) -> Iterable[int]:
    """Positions in creation order; creation times never decrease with the position."""
    create = table.create
    start = bisect.bisect_left(create, lo) if lo is not None else 0
    end = bisect.bisect_left(create, hi) if hi is not None else len(create)
    if desc:
        top = end - 1 if after is None else min(end - 1, after - 1)
        return range(top, start - 1, -1)
    bottom = start if after is None else max(start, after + 1)
    return range(bottom, end)


def by_update(
    table: OrderTable, desc: bool, after: tuple[int, int] | None, lo: int | None, hi: int | None
) -> Iterator[int]:
    """Positions by (update_time, position): untouched orders from the generated index merged
    with touched ones, so an order that changes mid-walk moves behind the cursor, never lost."""
    base_ut = table.base_update
    order = table.by_update
    mutated = table.mutated
    keys = table.mutated_keys

    def base_key(i: int) -> tuple[int, int]:
        return (base_ut[i], i)

    if not desc:
        start = (lo, -1) if lo is not None else (-(2**62), -1)
        if after is not None and after > start:
            start = after
        b0 = bisect.bisect_right(order, start, key=base_key)
        m0 = bisect.bisect_right(keys, start)

        def base_asc() -> Iterator[tuple[int, int]]:
            for pos in range(b0, len(order)):
                i = order[pos]
                if mutated[i]:
                    continue
                yield (base_ut[i], i)

        merged = heapq.merge(base_asc(), iter(keys[m0:]))
        for ut, i in merged:
            if hi is not None and ut >= hi:
                return
            yield i
    else:
        stop = (hi, -1) if hi is not None else (2**62, 0)
        if after is not None and after < stop:
            stop = after
        b1 = bisect.bisect_left(order, stop, key=base_key)
        m1 = bisect.bisect_left(keys, stop)

        def base_desc() -> Iterator[tuple[int, int]]:
            for pos in range(b1 - 1, -1, -1):
                i = order[pos]
                if mutated[i]:
                    continue
                yield (base_ut[i], i)

        merged = heapq.merge(base_desc(), reversed(keys[:m1]), reverse=True)
        for ut, i in merged:
            if lo is not None and ut < lo:
                return
            yield i
