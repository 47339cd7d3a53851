"""Mirror bookkeeping every syncer shares: runs, page cursors, watermarks, one run at a time.

Which syncers exist is declared in settings (`SYNC_RESOURCES`, resource name → dotted path of a
`Syncer` subclass), so this module never imports a domain app.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from django.conf import settings
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from shops.gateway import ShopNotConnected, client_for_shop, requests_sent
from shops.jobs import enqueue_after_commit
from shops.models import Shop, SyncRun, SyncState
from shops.tokens import authorization_note_missing_scope
from shops.writers import Turn, Writers
from tiktok.client import TikTokClient
from tiktok.errors import MissingScopeError, NeedsReauthorizationError, TikTokError
from tiktok.pagination import Page

logger = logging.getLogger(__name__)

ACTIVE = (SyncRun.Status.QUEUED, SyncRun.Status.RUNNING)
# When a page still fails after the client's own retries, the run pauses and resumes from its
# cursor this many times before it gives up (and keeps the cursor for a later retry).
RESUME_ATTEMPTS = 5
RESUME_PAUSE_SECONDS = 0.5


class Syncer:
    """Mirrors one resource of one shop; subclasses walk TikTok's pages and upsert them."""

    resource: ClassVar[str]

    def __init__(self, shop: Shop, client: TikTokClient) -> None:
        self.shop = shop
        self.client = client

    def pages(self, *, page_token: str | None, updated_since: datetime | None) -> Iterator[Page]:
        """TikTok's pages from `page_token` (None: the first), updated since the given time."""
        raise NotImplementedError

    def store(self, items: Sequence[Any]) -> int:
        """Upsert one page of items in bulk (inside the page's transaction); return how many."""
        raise NotImplementedError

    # Whether `window_pages` can walk an update-time window, so a long walk may be split into
    # windows walked side by side (each with its own cursor) under the shared rate limit.
    windowed: ClassVar[bool] = False

    def window_pages(
        self, *, page_token: str | None, since: datetime | None, before: datetime | None
    ) -> Iterator[Page]:
        """Pages of the items updated in [since, before) (None: unbounded), oldest change first."""
        raise NotImplementedError

    def item_time(self, item: Any) -> datetime | None:
        """When an item of a page last changed (the first item's bounds a split walk)."""
        raise NotImplementedError

    # Whether pages may be stored side by side (`SYNC_STORE_WRITERS` connections): only for a
    # syncer whose store writes nothing but the rows of the items `item_keys` names.
    store_side_by_side: ClassVar[bool] = False

    def item_keys(self, item: Any) -> Iterable[Hashable] | None:
        """What the store writes for one item, as keys no other item of the walk shares (the
        same key in two pages: the later page waits for the earlier one's commit).
        None: unknown, so its page waits for every earlier one."""
        return None

    def page_keys(self, items: Sequence[Any]) -> set[Hashable] | None:
        keys: set[Hashable] = set()
        for item in items:
            named = self.item_keys(item)
            if named is None:
                return None
            keys.update(named)
        return keys

    def before_full(self) -> None:
        """Fetch what a fresh full run needs first (e.g. warehouses)."""

    def after_full(self, *, started: datetime) -> None:
        """Reconcile after a full run reached the last page (e.g. mark vanished products)."""


def resources() -> list[str]:
    """The mirrored resources, in the order a shop's full sync runs them."""
    return list(settings.SYNC_RESOURCES)


def syncer_for(shop: Shop, resource: str, client: TikTokClient | None = None) -> Syncer:
    """The configured syncer of one resource for one shop."""
    cls = import_string(settings.SYNC_RESOURCES[resource])
    return cls(shop, client if client is not None else client_for_shop(shop))


def overlap() -> timedelta:
    return timedelta(minutes=settings.SYNC_OVERLAP_MINUTES)


def put_unless_stopped(into: queue.Queue, item: Any, stop: threading.Event) -> None:
    """Hand a fetched page to the storing thread, giving up once it has stopped listening."""
    while not stop.is_set():
        try:
            into.put(item, timeout=0.1)
            return
        except queue.Full:
            continue


class _Prefetcher:
    """Fetches the next pages in a thread while the current one is stored (depth pages ahead)."""

    _END = object()

    def __init__(self, pages: Iterator[Page], depth: int) -> None:
        self.pages = pages
        self.queue: queue.Queue = queue.Queue(maxsize=depth)
        self.stop = threading.Event()
        self.requests = 0  # sent by the fetching thread, as of the last page handed over
        self.thread = threading.Thread(target=self._fetch, name="sync-prefetch", daemon=True)
        self.thread.start()

    def _put(self, item: Any) -> None:
        put_unless_stopped(self.queue, item, self.stop)

    def _fetch(self) -> None:
        start = requests_sent()
        try:
            for page in self.pages:
                self._put((page, requests_sent() - start))
                if self.stop.is_set():
                    return
            self._put((self._END, requests_sent() - start))
        except BaseException as error:
            self._put((error, requests_sent() - start))
        finally:
            # The token provider may have opened this thread's own database connection.
            connections.close_all()

    def __iter__(self) -> Iterator[Page]:
        try:
            while True:
                item, self.requests = self.queue.get()
                if item is self._END:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            self.stop.set()
            self.thread.join(timeout=30)  # its connection is closed when it returns


def _close(pages: Iterator[Page]) -> None:
    """Stop a walk left early (a generator's `finally` stops its fetching thread)."""
    close = getattr(pages, "close", None)
    if close is not None:
        close()


def _pages_ahead(pages: Iterator[Page]) -> tuple[Iterator[Page], Callable[[], int]]:
    """The pages, fetched ahead when SYNC_PREFETCH_PAGES > 0, and their requests so far."""
    depth = int(getattr(settings, "SYNC_PREFETCH_PAGES", 0))
    if depth <= 0:
        return pages, lambda: 0
    prefetcher = _Prefetcher(pages, depth)
    return iter(prefetcher), lambda: prefetcher.requests


# --- split walks -------------------------------------------------------------------------------

WINDOWS_PER_WALKER = 4  # more windows than walkers, so uneven windows still keep all busy


def _epoch(value: datetime | None) -> int | None:
    return int(value.timestamp()) if value is not None else None


def _when(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value, tz=UTC) if value is not None else None


def _windows_for(syncer: Syncer, state: SyncState, page: Page) -> list[dict[str, Any]]:
    """After a fresh walk's first page: the windows to walk side by side, or [] to go on.

    Only with the rate limit on (without it one cursor is as fast as the mirror can store) and
    for a walk long enough to be worth the windows' extra last pages.
    """
    walkers = in_flight()
    if not syncer.windowed or walkers <= 1:
        return []
    min_pages = int(getattr(settings, "SYNC_WINDOW_MIN_PAGES", 20))
    if page.is_last or not page.items or page.total_count is None:
        return []
    if page.total_count < len(page.items) * min_pages:
        return []
    first, end = _epoch(syncer.item_time(page.items[0])), _epoch(state.run_window_end)
    if first is None or end is None or end - first < 2:
        return []
    count = min(walkers * WINDOWS_PER_WALKER, end - first)
    bounds = sorted({first + (end - first) * i // count for i in range(1, count)})
    starts = [_epoch(state.run_window_start), *bounds]
    # The last window is open-ended: what changes during the walk is read there (or by the
    # next incremental run, which starts before this run did).
    return [
        {"since": since, "before": before, "token": "", "done": False}
        for since, before in zip(starts, [*bounds, None], strict=True)
    ]


class _WindowWalk:
    """Walks a split run's unfinished windows in threads, at most `in_flight` at a time.

    The threads only fetch (no transaction, no database writes); the caller stores each page
    and saves its window's cursor, so a killed run resumes every window where it stopped.
    """

    _END = object()

    def __init__(self, syncer: Syncer, windows: list[dict[str, Any]], in_flight: int) -> None:
        self.syncer = syncer
        self.windows = windows
        self.todo: queue.SimpleQueue[int] = queue.SimpleQueue()
        for index, window in enumerate(windows):
            if not window["done"]:
                self.todo.put(index)
        self.queue: queue.Queue = queue.Queue(maxsize=max(2, in_flight))
        self.stop = threading.Event()
        self.sent: dict[int, int] = {}
        self.threads = [
            threading.Thread(target=self._walk, name=f"sync-window-{n}", daemon=True)
            for n in range(min(in_flight, sum(not w["done"] for w in windows)))
        ]
        for thread in self.threads:
            thread.start()

    def requests(self) -> int:
        """Requests the threads sent so far."""
        return sum(self.sent.values())

    def _put(self, item: Any) -> None:
        put_unless_stopped(self.queue, item, self.stop)

    def _walk(self) -> None:
        me = threading.get_ident()
        start = requests_sent()
        try:
            while not self.stop.is_set():
                try:
                    index = self.todo.get_nowait()
                except queue.Empty:
                    break
                window = self.windows[index]
                pages = self.syncer.window_pages(
                    page_token=window["token"] or None,
                    since=_when(window["since"]),
                    before=_when(window["before"]),
                )
                for page in pages:
                    self.sent[me] = requests_sent() - start
                    self._put((index, page))
                    if self.stop.is_set():
                        return
        except BaseException as error:
            self.sent[me] = requests_sent() - start
            self._put((None, error))
        finally:
            self._put((None, self._END))
            connections.close_all()

    def __iter__(self) -> Iterator[tuple[int, Page]]:
        running = len(self.threads)
        try:
            while running:
                index, item = self.queue.get()
                if item is self._END:
                    running -= 1
                elif isinstance(item, BaseException):
                    raise item
                else:
                    yield index, item
        finally:
            self.stop.set()
            for thread in self.threads:
                thread.join(timeout=30)


def in_flight() -> int:
    """How many requests a walk may have in flight (several only with the shared limit on)."""
    if float(settings.TIKTOK_RATE_LIMIT) <= 0:
        return 1
    return max(1, int(getattr(settings, "SYNC_WINDOWS_IN_FLIGHT", 1)))


def fetch_each(fetch: Callable[[Any], Any], keys: Sequence[Any]) -> list[Any]:
    """`fetch(key)` for every key, in order, up to `in_flight()` at a time (threads that only
    call TikTok, every call through the shared limiter); the first failure is raised."""
    workers = min(in_flight(), len(keys))
    if workers <= 1:
        return [fetch(key) for key in keys]
    results: list[Any] = [None] * len(keys)
    errors: list[BaseException] = []

    def work(start: int) -> None:
        try:
            for index in range(start, len(keys), workers):
                if errors:
                    return
                results[index] = fetch(keys[index])
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()  # the token provider may have opened this thread's own

    threads = [threading.Thread(target=work, args=(n,), daemon=True) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


# --- one run at a time --------------------------------------------------------------------------


@contextmanager
def _run_lock(shop_id: int, resource: str) -> Iterator[bool]:
    """A session advisory lock per (shop, resource): held while a run works, gone if it dies."""
    key = f"sync:{shop_id}:{resource}"
    with connection.cursor() as cursor:
        cursor.execute("select pg_try_advisory_lock(hashtextextended(%s, 0))", [key])
        locked = bool(cursor.fetchone()[0])
    try:
        yield locked
    finally:
        if locked:
            with connection.cursor() as cursor:
                cursor.execute("select pg_advisory_unlock(hashtextextended(%s, 0))", [key])


def _is_worked_on(shop_id: int, resource: str) -> bool:
    with _run_lock(shop_id, resource) as locked:
        return not locked


# --- services -----------------------------------------------------------------------------------


def sync_request(
    *, shop_id: int, resource: str, kind: str = SyncRun.Kind.INCREMENTAL, enqueue: bool = True
) -> SyncRun:
    """Queue a run of one resource, or return the one already queued or running.

    An active run nobody works on (its worker died) is queued again, so it resumes from its cursor.
    """
    if resource not in settings.SYNC_RESOURCES:
        raise ValueError(f"unknown sync resource {resource!r}")
    with transaction.atomic():
        existing = SyncRun.objects.filter(shop_id=shop_id, resource=resource, status__in=ACTIVE)
        run = existing.first()
        created = False
        if run is None:
            try:
                with transaction.atomic():
                    run = SyncRun.objects.create(shop_id=shop_id, resource=resource, kind=kind)
                    created = True
            except IntegrityError:
                run = existing.get()
        if enqueue and (created or not _is_worked_on(shop_id, resource)):
            enqueue_after_commit("shops.tasks.sync_shop_pending", shop_id, group=f"sync-{shop_id}")
    return run


def sync_request_all(*, resource: str, kind: str = SyncRun.Kind.INCREMENTAL) -> int:
    """Queue a run of one resource for every connected shop; return how many shops."""
    shop_ids = list(Shop.objects.connected().values_list("pk", flat=True))
    for shop_id in shop_ids:
        sync_request(shop_id=shop_id, resource=resource, kind=kind)
    return len(shop_ids)


def sync_shop(*, shop_id: int, kind: str = SyncRun.Kind.FULL) -> list[SyncRun]:
    """Request a run of every resource of a shop and work them in order, here and now."""
    for resource in resources():
        sync_request(shop_id=shop_id, resource=resource, kind=kind, enqueue=False)
    return sync_shop_pending(shop_id=shop_id)


def sync_shop_pending(*, shop_id: int) -> list[SyncRun]:
    """Work the shop's queued and interrupted runs in resource order (catalog first).

    Stops at a run another worker holds: that worker goes on down the list when it is done.
    With nothing queued it does nothing, so a redelivered job never starts a fresh sync.
    """
    worked: list[SyncRun] = []
    for resource in resources():
        run = SyncRun.objects.filter(shop_id=shop_id, resource=resource, status__in=ACTIVE).first()
        if run is None:
            continue
        run = sync_run(run_id=run.pk)
        worked.append(run)
        if run.status in ACTIVE:
            break
    return worked


def sync_resume_orphaned(*, queued_too: bool = False) -> int:
    """Queue again each shop's first unfinished run that no worker holds; return how many.

    Called by the worker's supervisor (`run_worker`) on every check, so a run whose worker was
    killed resumes from its cursor within seconds instead of when the broker redelivers its job.
    Queued runs count too right after the worker was restarted (their jobs died with it).
    """
    queued = 0
    active = (
        SyncRun.objects.filter(status__in=ACTIVE)
        .order_by("shop_id")
        .values_list("shop_id", "resource", "status")
    )
    order = {resource: index for index, resource in enumerate(resources())}
    first: dict[int, tuple[int, str, str]] = {}
    for shop_id, resource, status in active:
        current = first.get(shop_id)
        if current is None or order.get(resource, 99) < order.get(current[1], 99):
            first[shop_id] = (shop_id, resource, status)
    for shop_id, resource, status in first.values():
        if (queued_too or status == SyncRun.Status.RUNNING) and not _is_worked_on(
            shop_id, resource
        ):
            enqueue_after_commit("shops.tasks.sync_shop_pending", shop_id, group=f"sync-{shop_id}")
            queued += 1
    return queued


def sync_run(*, run_id: int, after_page: Callable[[SyncRun], None] | None = None) -> SyncRun:
    """Work one run to the end of TikTok's pages, saving the cursor after every page.

    A run that fails keeps its cursor: the next run of the resource resumes there. The watermark
    moves only when the last page was reached. `after_page` is called after each stored page.
    Jobs reach it through `sync_shop_pending`, which keeps a shop's resources in order.
    """
    run = SyncRun.objects.select_related("shop__authorization").get(pk=run_id)
    if run.status not in ACTIVE:
        return run
    with _run_lock(run.shop_id, run.resource) as locked:
        if not locked:
            return run
        run.refresh_from_db()
        if run.status not in ACTIVE:
            return run
        state, fresh = _claim(run)
        _work(run, state, fresh, after_page)
    if run.status == SyncRun.Status.SUCCEEDED:
        for hook in settings.SYNC_AFTER_RUN.get(run.resource, ()):
            import_string(hook)(shop=run.shop)
    return run


def _claim(run: SyncRun) -> tuple[SyncState, bool]:
    """Mark the run running and settle what it walks: a saved cursor, or a new window."""
    with transaction.atomic():
        SyncState.objects.get_or_create(shop_id=run.shop_id, resource=run.resource)
        state = SyncState.objects.select_for_update().get(
            shop_id=run.shop_id, resource=run.resource
        )
        now = timezone.now()
        fresh = not ((state.page_token or state.windows) and state.run_kind)
        if fresh:
            if run.kind == SyncRun.Kind.INCREMENTAL and state.watermark is None:
                run.kind = SyncRun.Kind.FULL
            state.run_kind = run.kind
            state.run_window_end = now
            state.run_window_start = (
                state.watermark - overlap()
                if run.kind == SyncRun.Kind.INCREMENTAL and state.watermark is not None
                else None
            )
            state.page_token = ""
            state.windows = []
            state.save()
        else:
            run.kind = state.run_kind
            if run.status == SyncRun.Status.QUEUED:
                # Carry the progress of the run that stopped, so the bar continues from there.
                stopped = (
                    SyncRun.objects.filter(
                        shop_id=run.shop_id, resource=run.resource, status=SyncRun.Status.FAILED
                    )
                    .order_by("-created_at")
                    .first()
                )
                if stopped is not None:
                    run.done, run.total = stopped.done, stopped.total
        run.status = SyncRun.Status.RUNNING
        run.started_at = run.started_at or now
        run.error = ""
        run.save()
    return state, fresh


def _work(
    run: SyncRun,
    state: SyncState,
    fresh: bool,
    after_page: Callable[[SyncRun], None] | None,
) -> None:
    shop = run.shop
    sent_before = requests_sent()
    requests_before = run.requests

    ahead_done = 0  # requests the fetching threads of finished walks sent
    ahead: Callable[[], int] = lambda: 0  # noqa: E731

    def count_requests(sent: int | None = None) -> None:
        """`sent`: what this (the walking) thread had sent by then, when counted elsewhere."""
        sent = requests_sent() if sent is None else sent
        run.requests = requests_before + sent - sent_before + ahead_done + ahead()

    def cursor_turn(page: Page, first: bool) -> Turn:
        """A single-cursor page's bookkeeping, in its transaction, in page order."""
        sent = requests_sent()

        def turn(stored: int) -> None:
            run.done += stored
            run.pages += 1
            if page.total_count is not None and (run.total is None or fresh):
                run.total = max(page.total_count, run.done)
            windows = _windows_for(syncer, state, page) if first else []
            if windows:
                # The first window reads these items again: count them once.
                run.done -= stored
            count_requests(sent)
            run.save(update_fields=["done", "pages", "total", "requests", "updated_at"])
            state.page_token = "" if windows else page.next_page_token or ""
            state.windows = windows
            SyncState.objects.filter(pk=state.pk).update(
                page_token=state.page_token, windows=windows
            )

        return turn

    def window_turn(index: int, page: Page) -> Turn:
        """A split walk's page: its window's cursor moves."""
        sent = requests_sent()

        def turn(stored: int) -> None:
            run.done += stored
            run.pages += 1
            count_requests(sent)
            run.save(update_fields=["done", "pages", "requests", "updated_at"])
            window = state.windows[index]
            window["token"] = page.next_page_token or ""
            window["done"] = page.is_last
            SyncState.objects.filter(pk=state.pk).update(windows=state.windows)

        return turn

    try:
        syncer = syncer_for(shop, run.resource)
        if fresh and run.kind == SyncRun.Kind.FULL:
            syncer.before_full()
        writers = Writers(
            syncer.store,
            int(getattr(settings, "SYNC_STORE_WRITERS", 1)) if syncer.store_side_by_side else 1,
            after_commit=(lambda: after_page(run)) if after_page is not None else None,
        )
        resumes = 0
        try:
            while True:
                try:
                    if state.windows:
                        walk = _WindowWalk(
                            syncer, state.windows, int(settings.SYNC_WINDOWS_IN_FLIGHT)
                        )
                        ahead = walk.requests
                        for index, page in walk:
                            writers.put(
                                page.items, syncer.page_keys(page.items), window_turn(index, page)
                            )
                        writers.drain()
                        break
                    pages, ahead = _pages_ahead(
                        syncer.pages(
                            page_token=state.page_token or None,
                            updated_since=state.run_window_start,
                        )
                    )
                    try:
                        for page in pages:
                            first = fresh and run.pages == 0 and page.page_token is None
                            keys = syncer.page_keys(page.items)
                            writers.put(page.items, keys, cursor_turn(page, first))
                            if first:  # the first page decides whether the walk is split
                                writers.drain()
                            if state.windows:
                                break
                    finally:
                        _close(pages)  # stops (and waits for) the thread fetching ahead
                    if state.windows:
                        # Walk the windows (the single cursor's fetching stopped).
                        ahead_done += ahead()
                        ahead = lambda: 0  # noqa: E731
                        continue
                    writers.drain()
                    break
                except TikTokError as error:
                    # The client already retried this page; a longer pause, then on from the
                    # cursor (the pages handed over are committed first, so it is the last one).
                    writers.close()
                    ahead_done += ahead()
                    ahead = lambda: 0  # noqa: E731
                    if not error.retryable or resumes >= RESUME_ATTEMPTS:
                        raise
                    resumes += 1
                    logger.info("sync run %s resumes after %s", run.pk, error)
                    time.sleep(RESUME_PAUSE_SECONDS * 2 ** (resumes - 1))
        finally:
            writers.close()
        with transaction.atomic():
            if run.kind == SyncRun.Kind.FULL:
                syncer.after_full(started=state.run_window_end or timezone.now())
            reached = state.run_window_end or timezone.now()
            state.watermark = max(state.watermark or reached, reached)
            state.page_token = ""
            state.windows = []
            state.run_kind = ""
            state.save()
            count_requests()
            run.status = SyncRun.Status.SUCCEEDED
            run.total = run.total if run.total is not None and run.total >= run.done else run.done
            run.finished_at = timezone.now()
            run.save()
    except MissingScopeError as error:
        authorization_note_missing_scope(authorization_id=shop.authorization_id, error=error)
        scope = error.scope or error.message or "unknown"
        _fail(run, f"TikTok refused: the app lacks the permission {scope}. Grant it, then retry.")
    except (NeedsReauthorizationError, ShopNotConnected) as error:
        # The technical detail (code, request id) is in the log; people get what to do.
        reason = getattr(error, "message", "") or str(error)
        _fail(run, f"The shop needs re-authorization ({reason}): reconnect it, then retry.")
    except TikTokError as error:
        _fail(run, f"TikTok failed: {error}")
    except Exception as error:
        logger.exception("sync run %s (%s of shop %s) failed", run.pk, run.resource, shop.pk)
        _fail(run, f"{type(error).__name__}: {error}")
    finally:
        count_requests()
        SyncRun.objects.filter(pk=run.pk).update(requests=run.requests)


def _fail(run: SyncRun, message: str) -> None:
    """Record a failure; the cursor stays, so a retry resumes where this run stopped."""
    run.status = SyncRun.Status.FAILED
    run.error = message[:2000]
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "finished_at", "requests"])
    logger.warning("sync run %s of %s failed: %s", run.pk, run.resource, message)


def sync_retry(*, shop_id: int, resource: str) -> SyncRun:
    """Start the resource again: resumes a stopped run's cursor, else an incremental run."""
    last = SyncRun.objects.filter(shop_id=shop_id, resource=resource).order_by("-created_at")
    kind: str = SyncRun.Kind.INCREMENTAL
    previous = last.first()
    if previous is not None and previous.status == SyncRun.Status.FAILED:
        kind = previous.kind
    return sync_request(shop_id=shop_id, resource=resource, kind=kind)


# --- what the shops page shows ------------------------------------------------------------------


def sync_overview(shops: Sequence[Shop]) -> dict[int, list[dict[str, Any]]]:
    """Per shop, each resource's state and latest run (two queries for any number of shops)."""
    shop_ids = [shop.pk for shop in shops]
    states = {(s.shop_id, s.resource): s for s in SyncState.objects.filter(shop_id__in=shop_ids)}
    latest: dict[tuple[int, str], SyncRun] = {}
    runs = (
        SyncRun.objects.filter(shop_id__in=shop_ids)
        .order_by("shop_id", "resource", "-created_at")
        .distinct("shop_id", "resource")
    )
    for run in runs:
        latest[(run.shop_id, run.resource)] = run
    overview: dict[int, list[dict[str, Any]]] = {}
    for shop_id in shop_ids:
        overview[shop_id] = [
            {
                "resource": resource,
                "state": states.get((shop_id, resource)),
                "run": latest.get((shop_id, resource)),
            }
            for resource in resources()
        ]
    return overview


def any_active(overview: dict[int, list[dict[str, Any]]]) -> bool:
    """True while some run shown is queued or running (the page keeps polling)."""
    return any(
        row["run"] is not None and row["run"].status in ACTIVE
        for rows in overview.values()
        for row in rows
    )
