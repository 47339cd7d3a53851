"""Shipping documents: TikTok's labels and slips fetched, stored and merged; our pick lists.

TikTok's document links expire after 24 hours, so every PDF is stored through Django's storage
API (`MEDIA_ROOT` by default) with a page-to-package map. Fetching calls TikTok and downloads
with no transaction open; each stored file is recorded in its own short transaction.
"""

from __future__ import annotations

import io
import logging
import os
import queue
import tempfile
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator

import httpx
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import connections, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from fulfillment.commands import SHIPPED_STATUSES
from fulfillment.models import Package, PackageDocument, PrintJob, ShipBatch
from orders.models import OrderLine
from shops.access import visible_shops
from shops.gateway import ShopNotConnected, client_for_shop, http_client
from shops.jobs import enqueue_after_commit
from shops.roles import is_admin
from tiktok.client import TikTokClient
from tiktok.errors import TikTokError

logger = logging.getLogger(__name__)

FONT_PATHS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
)
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024


class DocumentError(ValueError):
    """The documents cannot be made as asked; the message says why."""


def printable(packages: QuerySet[Package]) -> QuerySet[Package]:
    """Packages TikTok gives documents for: shipped with TikTok shipping."""
    return packages.filter(status__in=SHIPPED_STATUSES).exclude(shipping_type="SELLER")


def print_job_create(
    *,
    packages: QuerySet[Package],
    kind: str,
    size: str,
    order_by: str,
    reverse: bool,
    actor: User,
    batch: ShipBatch | None = None,
) -> PrintJob:
    """Record a PDF to build from these packages (it is built in the background)."""
    if kind not in PrintJob.Kind.values:
        raise DocumentError("Choose labels, packing slips, both, or the pick list.")
    if size not in ("A6", "A5"):
        raise DocumentError("The size must be A6 (4×6 in) or A5.")
    if order_by not in PrintJob.Sort.values:
        raise DocumentError("Sort by SKU, ship-by or order.")
    chosen = packages if kind == PrintJob.Kind.PICK_LIST else printable(packages)
    ids = list(chosen.values_list("pk", flat=True))
    if not ids:
        raise DocumentError("None of these packages has documents yet: ship them first.")
    with transaction.atomic():
        job = PrintJob.objects.create(
            batch=batch,
            created_by=actor,
            kind=kind,
            size=size,
            order_by=order_by,
            reverse=reverse,
        )
        job.packages.set(ids)
        enqueue_after_commit("fulfillment.document_tasks.build_print_job", job.pk)
    return job


def _first_sku(lines: dict[int, list[OrderLine]], package: Package) -> str:
    own = _package_lines(lines, package)
    return min((line.seller_sku for line in own), default="")


def _package_lines(lines: dict[int, list[OrderLine]], package: Package) -> list[OrderLine]:
    order_lines = lines.get(package.order_id or 0, [])
    wanted = set(package.line_item_ids or ())
    return [line for line in order_lines if not wanted or line.tiktok_id in wanted]


def _lines_by_order(packages: Iterable[Package]) -> dict[int, list[OrderLine]]:
    order_ids = {p.order_id for p in packages if p.order_id}
    lines: dict[int, list[OrderLine]] = defaultdict(list)
    for line in OrderLine.objects.filter(order_id__in=order_ids).select_related("sku"):
        lines[line.order_id].append(line)
    return lines


def ordered_packages(job: PrintJob) -> list[Package]:
    """The job's packages in the operator's order (ties by order id, then package id)."""
    packages = list(job.packages.select_related("order", "shop").defer("raw", "order__raw"))
    lines = _lines_by_order(packages) if job.order_by == PrintJob.Sort.SKU else {}

    def key(p: Package) -> tuple:
        order_key = (p.order_tiktok_id, p.tiktok_id)
        if job.order_by == PrintJob.Sort.SKU:
            return (_first_sku(lines, p), *order_key)
        if job.order_by == PrintJob.Sort.SHIP_BY:
            ship_by = p.order.ship_by.timestamp() if p.order and p.order.ship_by else float("inf")
            return (ship_by, *order_key)
        return order_key

    packages.sort(key=key, reverse=job.reverse)
    return packages


def _download(client: TikTokClient, package: Package, kind: str, size: str) -> tuple[bytes, str]:
    """Ask TikTok for one document and download it (no database access, no transaction)."""
    document = client.get_shipping_document(
        package.tiktok_id,
        document_type=kind,
        document_size=size,  # type: ignore[arg-type]
    )
    if not document.doc_url:
        raise DocumentError("TikTok gave no document link.")
    response = http_client().get(document.doc_url, timeout=30)
    response.raise_for_status()
    body = response.content
    if len(body) > MAX_DOCUMENT_BYTES or not body.startswith(b"%PDF"):
        raise DocumentError("TikTok's link did not return a PDF.")
    return body, document.tracking_number or ""


def _store(
    package: Package, kind: str, size: str, body: bytes, tracking: str, pages: int
) -> PackageDocument:
    """Keep one downloaded document (storage first, then its row in a short transaction)."""
    name = default_storage.save(
        f"fulfillment/packages/{package.shop_id}/{package.tiktok_id}-{kind}-{size}.pdf",
        ContentFile(body),
    )
    with transaction.atomic():
        stored, _ = PackageDocument.objects.update_or_create(
            package=package,
            document_type=kind,
            size=size,
            defaults={
                "file": name,
                "pages": pages,
                "tracking_number": tracking[:100],
                "fetched_at": timezone.now(),
            },
        )
    return stored


_DONE = object()


def _fetcher(
    work: queue.Queue, results: queue.Queue, kind: str, size: str, *, own_thread: bool = True
) -> None:
    """One download thread: its own clients (and database connection, closed at the end)."""
    clients: dict[int, TikTokClient] = {}
    try:
        while True:
            try:
                package = work.get_nowait()
            except queue.Empty:
                return
            try:
                if package.shop_id not in clients:
                    clients[package.shop_id] = client_for_shop(package.shop)
                results.put((package, _download(clients[package.shop_id], package, kind, size)))
            except (TikTokError, DocumentError, ShopNotConnected) as error:
                results.put((package, str(error)[:500]))
            except (httpx.HTTPError, OSError) as error:
                results.put((package, f"Download failed: {error}"[:500]))
            except Exception as error:  # never leave the collector waiting
                logger.exception("fetching the document of package %s failed", package.pk)
                results.put((package, f"{type(error).__name__}: {error}"[:500]))
    finally:
        results.put(_DONE)
        if own_thread:
            connections.close_all()


Fetched = PackageDocument | tuple[bytes, str] | str


def documents_fetch(
    packages: list[Package], *, kind: str, size: str
) -> Iterator[tuple[Package, Fetched]]:
    """Each package's document as it becomes available: stored, just downloaded, or why not.

    Stored ones come first; the missing ones are downloaded in DOCUMENT_FETCH_THREADS threads
    (the shared limiter paces their calls) in the given order and yielded as they arrive, so
    the caller stores and merges while the next ones download.
    """
    stored = {
        d.package_id: d
        for d in PackageDocument.objects.filter(package__in=packages, document_type=kind, size=size)
    }
    missing = []
    for package in packages:
        document = stored.get(package.pk)
        if document is not None and default_storage.exists(document.file.name):
            yield package, document
        else:
            missing.append(package)
    if not missing:
        return
    work: queue.Queue = queue.Queue()
    results: queue.Queue = queue.Queue()
    for package in missing:
        work.put(package)
    count = max(1, min(int(settings.DOCUMENT_FETCH_THREADS), len(missing)))
    threads: list[threading.Thread] = []
    if count == 1:  # in this thread (its connection sees this transaction's rows)
        _fetcher(work, results, kind, size, own_thread=False)
    else:
        threads = [
            threading.Thread(target=_fetcher, args=(work, results, kind, size), daemon=True)
            for _ in range(count)
        ]
        for thread in threads:
            thread.start()
    running = count
    while running:
        item = results.get()
        if item is _DONE:
            running -= 1
            continue
        yield item
    for thread in threads:
        thread.join()


def print_job_build(*, job_id: int) -> PrintJob:
    """Fetch what is missing, merge in the chosen order (or draw the pick list), store the PDF."""
    job = PrintJob.objects.get(pk=job_id)
    packages = ordered_packages(job)
    page_map: list[str] = []
    failures: list[dict[str, str]] = []
    name = f"fulfillment/print/job-{job.pk}-{job.kind.lower()}.pdf"
    try:
        if job.kind == PrintJob.Kind.PICK_LIST:
            from pypdf import PdfReader

            body = pick_list_pdf(job, packages)
            pages = len(PdfReader(io.BytesIO(body)).pages)
            name = default_storage.save(name, ContentFile(body))
        else:
            name, page_map, failures = _merge(job, packages, name)
            pages = len(page_map)
    except Exception as error:
        logger.exception("print job %s failed", job.pk)
        PrintJob.objects.filter(pk=job.pk).update(
            status=PrintJob.Status.FAILED, error=f"{type(error).__name__}: {error}"[:500]
        )
        job.refresh_from_db()
        return job
    PrintJob.objects.filter(pk=job.pk).update(
        status=PrintJob.Status.READY if pages else PrintJob.Status.FAILED,
        file=name if pages else "",
        pages=pages,
        page_map=page_map,
        failures=failures,
        error="" if pages else "TikTok gave no document for any of these packages.",
    )
    job.refresh_from_db()
    return job


def _merge(
    job: PrintJob, packages: list[Package], name: str
) -> tuple[str, list[str], list[dict[str, str]]]:
    """Fetch, store and merge in one pass, the merged PDF written to a temporary file.

    Pages go out in the operator's order as soon as the next package's document is there; a
    document that arrives early waits in memory (a few, since downloads start in that order).
    Memory stays that of a few labels whatever the batch size.
    """
    from pypdf import PdfReader

    from fulfillment.pdfstream import PdfConcatenator

    position = {p.pk: n for n, p in enumerate(packages)}
    early: dict[int, PdfReader | PackageDocument | None] = {}
    page_map: list[str] = []
    failures: list[dict[str, str]] = []
    following = 0
    with tempfile.TemporaryFile() as out:
        merged = PdfConcatenator(out)

        def flush() -> None:
            nonlocal following
            while following < len(packages) and packages[following].pk in early:
                reader = early.pop(packages[following].pk)
                if isinstance(reader, PackageDocument):
                    with default_storage.open(reader.file.name, "rb") as handle:
                        reader = PdfReader(io.BytesIO(handle.read()))
                if reader is not None:
                    page_map.extend([packages[following].tiktok_id] * merged.append(reader))
                following += 1

        for package, got in documents_fetch(packages, kind=job.kind, size=job.size):
            if isinstance(got, str):
                failures.append({"package_id": package.tiktok_id, "message": got})
                early[package.pk] = None
            elif isinstance(got, PackageDocument):
                early[package.pk] = got  # opened when its turn comes
            else:
                body, tracking = got
                reader = PdfReader(io.BytesIO(body))
                _store(package, job.kind, job.size, body, tracking, len(reader.pages))
                early[package.pk] = reader
            if position[package.pk] == following:
                flush()
        flush()
        if not page_map:
            return "", page_map, failures
        merged.close()
        out.seek(0)
        return default_storage.save(name, File(out)), page_map, failures


def pick_list_rows(packages: list[Package]) -> list[dict[str, object]]:
    """SKU totals: seller SKU, product, variant, warehouse, quantity (one row per SKU)."""
    lines = _lines_by_order(packages)
    totals: dict[tuple[str, str, str, str], int] = defaultdict(int)
    for package in packages:
        warehouse = package.order.warehouse_tiktok_id if package.order else ""
        for line in _package_lines(lines, package):
            totals[(line.seller_sku, line.product_name, line.sku_name, warehouse)] += 1
    return [
        {"seller_sku": k[0], "product": k[1], "variant": k[2], "warehouse": k[3], "quantity": q}
        for k, q in sorted(totals.items(), key=lambda item: (item[0][3], item[0][0], item[0][1]))
    ]


def pick_list_pdf(job: PrintJob, packages: list[Package]) -> bytes:
    """Our own pick list (A4), so a packer picks once per SKU; names in any script."""
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format="A4")
    font = next((p for p in FONT_PATHS if os.path.exists(p)), None)
    family = "helvetica"
    if font:
        pdf.add_font("DejaVu", "", font)
        bold = font.replace("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
        pdf.add_font("DejaVu", "B", bold if os.path.exists(bold) else font)
        family = "DejaVu"

    def text(value: str) -> str:
        return value if font else value.encode("latin-1", "replace").decode("latin-1")

    pdf.set_auto_page_break(True, margin=12)
    pdf.add_page()
    pdf.set_font(family, size=14)
    title = f"Pick list · batch {job.batch_id}" if job.batch_id else "Pick list"
    pdf.cell(0, 8, text(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, size=8)
    pdf.cell(
        0,
        5,
        text(f"{len(packages)} packages · {timezone.localtime():%Y-%m-%d %H:%M %Z}"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(2)
    rows = pick_list_rows(packages)
    with pdf.table(col_widths=(30, 80, 40, 25, 15), text_align="LEFT") as table:
        table.row(["Seller SKU", "Product", "Variant", "Warehouse", "Qty"])
        for row in rows:
            table.row(
                [
                    text(str(row["seller_sku"]) or "—"),
                    text(str(row["product"])[:120]),
                    text(str(row["variant"])[:60]),
                    text(str(row["warehouse"])),
                    str(row["quantity"]),
                ]
            )
    return bytes(pdf.output())


def visible_print_jobs(user: User) -> QuerySet[PrintJob]:
    """Print jobs every package of which is in a shop the user may see (others are a 404)."""
    jobs = PrintJob.objects.all()
    if is_admin(user):
        return jobs
    through = PrintJob.packages.through
    hidden = through.objects.filter(printjob_id=OuterRef("pk")).exclude(
        package__shop__in=visible_shops(user)
    )
    return jobs.exclude(Exists(hidden))


def print_job_downloaded(*, job: PrintJob) -> None:
    """Count a download (the reprint counter)."""
    from django.db.models import F

    PrintJob.objects.filter(pk=job.pk).update(downloads=F("downloads") + 1)
