"""Seller shipping: tracking numbers for packages sent with the seller's own carrier.

Entries (typed in the grid or imported from CSV) are checked as a whole before anything is
sent: a blank, a space, scientific notation (a spreadsheet's mangling), a number used twice or
already on another package, or a provider TikTok does not offer for the package's delivery
option refuses the set with the line and column. Then one command per package marks it shipped
(or fixes its tracking); neither is ever sent twice.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q, QuerySet

from fulfillment.commands import SHIPPED_STATUSES
from fulfillment.models import Package
from fulfillment.shipping_commands import MARK_SHIPPED, UPDATE_TRACKING
from shops.commands import command_create
from shops.models import Command

TRACKING_MAX = 64
CSV_MAX_BYTES = 2 * 1024 * 1024
CSV_MAX_ROWS = 5000
PROVIDERS_CACHE_SECONDS = 3600
SCIENTIFIC = re.compile(r"^\d+(\.\d+)?[eE][+-]?\d+$")
TRACKING_OK = re.compile(r"^[A-Za-z0-9-]+$")
CSV_COLUMNS = ("package_id", "order_id", "tracking_number", "provider")


class SellerShippingError(ValueError):
    """The entries cannot be sent; `problems` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems[:5]))
        self.problems = problems


@dataclass(frozen=True)
class Problem:
    """One refused value: its line (CSV) or package, its column and what is wrong."""

    message: str
    line: int | None = None
    column: str = ""
    package_id: int | None = None

    def __str__(self) -> str:
        where = f"Line {self.line}" if self.line else ""
        if self.column:
            where = f"{where}, column {self.column}" if where else f"Column {self.column}"
        return f"{where}: {self.message}" if where else self.message


@dataclass
class Entry:
    """A tracking number for one package, as typed or imported."""

    package: Package
    tracking_number: str
    provider: str  # an id, or a name from the CSV
    line: int | None = None
    provider_id: str = ""
    provider_name: str = ""
    problems: list[Problem] = field(default_factory=list)


def seller_shipped(queryset: QuerySet[Package]) -> QuerySet[Package]:
    """Packages of orders the seller ships with their own carrier."""
    return queryset.filter(Q(shipping_type="SELLER") | Q(order__shipping_type="SELLER"))


def delivery_option_id(package: Package) -> str:
    order = package.order
    raw = order.raw if order is not None and isinstance(order.raw, dict) else {}
    return str(raw.get("delivery_option_id") or "")


def providers_for(package: Package) -> list[tuple[str, str]]:
    """TikTok's shipping providers (id, name) for the package's delivery option, cached."""
    from shops.gateway import ShopNotConnected, client_for_shop
    from tiktok.errors import TikTokError

    option = delivery_option_id(package)
    if not option:
        return []
    key = f"providers:{package.shop_id}:{option}"
    found = cache.get(key)
    if found is None:
        try:
            providers = client_for_shop(package.shop).get_shipping_providers(option)
        except (TikTokError, ShopNotConnected):
            return []
        found = [(p.id, p.name or p.id) for p in providers if p.id]
        cache.set(key, found, PROVIDERS_CACHE_SECONDS)
    return list(found)


def tracking_problem(value: str) -> str:
    """What is wrong with a tracking number as typed ("" if nothing)."""
    if not value.strip():
        return "The tracking number is blank."
    if "\x00" in value:
        return "The tracking number contains a NUL byte."
    if value != value.strip() or " " in value:
        return "The tracking number contains spaces: scan or type it again."
    if SCIENTIFIC.match(value):
        return (
            "This looks like a number a spreadsheet turned into scientific notation "
            f"({value}): format the column as text and export again."
        )
    if len(value) > TRACKING_MAX:
        return f"The tracking number is longer than {TRACKING_MAX} characters."
    if not TRACKING_OK.match(value):
        return "A tracking number has only letters, digits and dashes."
    return ""


def entries_check(entries: Sequence[Entry], *, fixing: bool = False) -> list[Problem]:
    """Check every entry (and the set: duplicates) before anything is sent."""
    problems: list[Problem] = []
    seen: dict[str, Entry] = {}
    for entry in entries:
        line, pid = entry.line, entry.package.pk

        def refuse(message: str, column: str, line: int | None = line, pid: int = pid) -> None:
            problems.append(Problem(message, line=line, column=column, package_id=pid))

        package = entry.package
        if package.status in SHIPPED_STATUSES and not fixing:
            refuse("This package is already shipped: fix its tracking instead.", "package_id")
            continue
        if fixing and package.status not in SHIPPED_STATUSES:
            refuse("This package is not shipped yet: mark it shipped first.", "package_id")
            continue
        problem = tracking_problem(entry.tracking_number)
        if problem:
            refuse(problem, "tracking_number")
        elif entry.tracking_number in seen and seen[entry.tracking_number].package.pk != pid:
            other = seen[entry.tracking_number]
            where = f"line {other.line}" if other.line else f"package {other.package.tiktok_id}"
            refuse(f"The same tracking number is on {where}.", "tracking_number")
        else:
            seen[entry.tracking_number] = entry
        providers = providers_for(package)
        wanted = entry.provider.strip()
        match = [
            (i, n) for i, n in providers if wanted and (wanted == i or wanted.lower() == n.lower())
        ]
        if not providers:
            refuse("TikTok's shipping providers for this package could not be read.", "provider")
        elif not match:
            names = ", ".join(n for _, n in providers[:8])
            refuse(
                f"Choose one of TikTok's providers for this delivery option: {names}.", "provider"
            )
        else:
            entry.provider_id, entry.provider_name = match[0]
    numbers = [e.tracking_number for e in entries if e.tracking_number]
    taken = set(
        Package.objects.filter(tracking_number__in=numbers)
        .exclude(pk__in=[e.package.pk for e in entries])
        .values_list("tracking_number", flat=True)
    )
    for entry in entries:
        if entry.tracking_number in taken:
            problems.append(
                Problem(
                    "This tracking number is already on another package.",
                    line=entry.line,
                    column="tracking_number",
                    package_id=entry.package.pk,
                )
            )
    return problems


def seller_shipments_send(
    *, entries: Sequence[Entry], actor: User, fixing: bool = False, reason: str = ""
) -> list[Command]:
    """Check all entries; if none is refused, one command per package (mark shipped or fix)."""
    if not entries:
        raise SellerShippingError([Problem("Enter at least one tracking number.")])
    problems = entries_check(entries, fixing=fixing)
    if problems:
        raise SellerShippingError(problems)
    busy = set(
        Command.objects.filter(
            kind__in=(MARK_SHIPPED, UPDATE_TRACKING),
            status__in=Command.UNFINISHED,
            target__in=[f"package:{e.package.tiktok_id}" for e in entries],
        ).values_list("target", flat=True)
    )
    refused = [
        Problem(
            "A tracking change for this package is still being sent.",
            line=e.line,
            column="package_id",
            package_id=e.package.pk,
        )
        for e in entries
        if f"package:{e.package.tiktok_id}" in busy
    ]
    if refused:
        raise SellerShippingError(refused)
    commands = []
    with transaction.atomic():
        for entry in entries:
            package = entry.package
            desired: dict[str, object] = {
                "package_id": package.tiktok_id,
                "tracking_number": entry.tracking_number,
                "shipping_provider_id": entry.provider_id,
                "shipping_provider_name": entry.provider_name,
            }
            if not fixing:
                desired["order_id"] = package.order_tiktok_id
                desired["line_item_ids"] = list(package.line_item_ids or ())
            commands.append(
                command_create(
                    shop=package.shop,
                    kind=UPDATE_TRACKING if fixing else MARK_SHIPPED,
                    target=f"package:{package.tiktok_id}",
                    target_label=f"Package {package.tiktok_id}",
                    desired=desired,
                    actor=actor,
                    reason=reason or ("Tracking fixed" if fixing else "Shipped with own carrier"),
                )
            )
    return commands


def csv_entries(data: bytes, packages: QuerySet[Package]) -> tuple[list[Entry], list[Problem]]:
    """Read the import (package_id or order_id, tracking_number, provider) line by line."""
    if len(data) > CSV_MAX_BYTES:
        return [], [Problem(f"The file is larger than {CSV_MAX_BYTES // 1024 // 1024} MB.")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [Problem("The file is not UTF-8 text: save it as CSV UTF-8.")]
    if "\x00" in text:
        return [], [Problem("The file contains NUL bytes: it is not a CSV export.")]
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [c for c in ("tracking_number", "provider") if c not in header]
    if missing or not ({"package_id", "order_id"} & set(header)):
        need = ", ".join(
            missing
            + ([] if {"package_id", "order_id"} & set(header) else ["package_id or order_id"])
        )
        return [], [Problem(f"Line 1: the header lacks the column(s) {need}.", line=None)]
    entries: list[Entry] = []
    problems: list[Problem] = []
    for number, row in enumerate(reader, start=2):
        if number > CSV_MAX_ROWS + 1:
            problems.append(
                Problem(f"More than {CSV_MAX_ROWS} lines: split the file.", line=number)
            )
            break
        if None in row:
            problems.append(Problem("This line has more cells than the header.", line=number))
            continue
        values = {k: (v or "").strip() for k, v in row.items() if k}
        if not any(values.values()):
            continue
        package_id, order_id = values.get("package_id", ""), values.get("order_id", "")
        column = "package_id" if package_id else "order_id"
        ident = package_id or order_id
        if not ident:
            problems.append(
                Problem("Give a package id or an order id.", line=number, column="package_id")
            )
            continue
        if SCIENTIFIC.match(ident) or not ident.isdigit() or len(ident) > 32:
            problems.append(
                Problem(
                    f"{ident[:40]!r} is not a TikTok id (a spreadsheet may have mangled it: "
                    "format the column as text).",
                    line=number,
                    column=column,
                )
            )
            continue
        found = list(
            packages.filter(tiktok_id=ident)
            if package_id
            else packages.filter(order_tiktok_id=ident)
        )
        unshipped = [p for p in found if p.status not in SHIPPED_STATUSES]
        if not found:
            problems.append(
                Problem(
                    f"No seller-shipped package {ident} in your shops.", line=number, column=column
                )
            )
            continue
        if order_id and not package_id and len(found) > 1:
            problems.append(
                Problem(
                    "This order has several packages: give the package id.",
                    line=number,
                    column="order_id",
                )
            )
            continue
        package = (unshipped or found)[0]
        entries.append(
            Entry(
                package=package,
                tracking_number=values.get("tracking_number", ""),
                provider=values.get("provider", ""),
                line=number,
            )
        )
    ids = [e.package.pk for e in entries]
    for entry in entries:
        if ids.count(entry.package.pk) > 1:
            problems.append(
                Problem(
                    "This package is on another line too.", line=entry.line, column="package_id"
                )
            )
    return entries, problems
