"""Ship batches: choose packages, pre-flight (held back and the count), live progress, history."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.http import FileResponse, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fulfillment.commands import SHIPPED_STATUSES, ShipError
from fulfillment.documents import (
    DocumentError,
    print_job_create,
    print_job_downloaded,
    visible_print_jobs,
)
from fulfillment.models import Package, PrintJob, ShipBatch
from fulfillment.seller_shipping import (
    CSV_MAX_BYTES,
    Entry,
    SellerShippingError,
    csv_entries,
    providers_for,
    seller_shipments_send,
    seller_shipped,
)
from fulfillment.shipping import (
    awaiting_shipment,
    batch_pickup_slots,
    batch_progress,
    batch_undo_until,
    ship_batch_create,
    ship_batch_send,
    ship_batch_undo,
    visible_batches,
)
from fulfillment.shipping_filters import ToShipFilterSet
from fulfillment.shipping_forms import (
    ChooseForm,
    CsvImportForm,
    DocumentForm,
    OnePackageForm,
    PackageDocumentsForm,
    SendForm,
    TrackingRowForm,
)
from orders.models import Order
from shops.access import AuthenticatedHttpRequest, for_visible_shops
from shops.htmx import render_page
from shops.listing import paginate, query_without


def _to_ship(request: AuthenticatedHttpRequest) -> ToShipFilterSet:
    queryset = awaiting_shipment(for_visible_shops(Package.objects.all(), request.user))
    return ToShipFilterSet(request.GET, queryset=queryset, user=request.user)


@require_GET
def ship_choose(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Packages awaiting TikTok shipping, to check or take all matching into a batch."""
    filterset = _to_ship(request)
    listing = paginate(
        filterset.qs.select_related("shop", "order").defer("raw", "order__raw"), filterset.page
    )
    context = {
        "filter": filterset,
        "listing": listing,
        "matching": filterset.qs.count(),
        "action": reverse("ship-choose"),
        "query": query_without(request, "page"),
        "selection": request.GET.urlencode(),
    }
    return render_page(request, "fulfillment/ship_choose.html", context, partial="ship-list")


@require_POST
def ship_batch_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Freeze the checked packages (or all matching the filter sent along) into a draft batch."""
    selection = request.POST.get("selection", "")[:2000].replace("\x00", "")

    filterset = ToShipFilterSet(
        QueryDict(selection),
        queryset=awaiting_shipment(for_visible_shops(Package.objects.all(), request.user)),
        user=request.user,
    )
    form = ChooseForm(request.POST, packages=filterset.qs)
    if not form.is_valid():
        for error in [*form.non_field_errors(), *form.errors.get("package", [])]:
            messages.error(request, error)
        return redirect(f"{reverse('ship-choose')}?{selection}")
    packages = filterset.qs if form.cleaned_data["all_matching"] else form.cleaned_data["package"]
    try:
        batch = ship_batch_create(
            packages=Package.objects.filter(pk__in=packages.values("pk")),
            actor=request.user,
            selection=selection,
        )
    except ShipError as error:
        messages.error(request, str(error))
        return redirect(f"{reverse('ship-choose')}?{selection}")
    return redirect("ship-batch", batch.pk)


@require_http_methods(["GET", "POST"])
def ship_batch_detail(request: AuthenticatedHttpRequest, batch_id: int) -> HttpResponse:
    """A draft's pre-flight (held back with why, confirm the count), or a sent batch's progress."""
    batch = get_object_or_404(visible_batches(request.user), pk=batch_id)
    progress = batch_progress(batch)
    form = None
    slots_note = ""
    if batch.status == ShipBatch.Status.DRAFT:
        slots, slots_note = batch_pickup_slots(batch)
        form = SendForm(request.POST or None, slots=slots)
        if request.method == "POST" and form.is_valid():
            start, end = form.slot
            try:
                ship_batch_send(
                    batch=batch,
                    actor=request.user,
                    confirmed_count=form.cleaned_data["confirm_count"],
                    handover_method=form.cleaned_data["handover_method"],
                    pickup_start=start,
                    pickup_end=end,
                )
            except ShipError as error:
                form.add_error("confirm_count", str(error))
            else:
                messages.success(request, "Sent: the packages ship in the background.")
                return redirect("ship-batch", batch.pk)
        progress = batch_progress(batch)
    elif request.method == "POST":
        messages.error(request, "This batch has already been sent.")
        return redirect("ship-batch", batch.pk)
    jobs = list(visible_print_jobs(request.user).filter(batch=batch).select_related("created_by"))
    context = {
        "batch": batch,
        "form": form,
        "document_form": DocumentForm(),
        "print_jobs": jobs,
        "polling": (batch.status == ShipBatch.Status.SENT and not progress["finished"])
        or any(j.status == PrintJob.Status.BUILDING for j in jobs),
        "slots_note": slots_note,
        "undo_until": batch_undo_until(batch),
        **progress,
    }
    status = 400 if form is not None and form.is_bound and form.errors else 200
    return render_page(
        request, "fulfillment/ship_batch.html", context, partial="batch-progress", status=status
    )


@require_POST
def ship_batch_undo_view(request: AuthenticatedHttpRequest, batch_id: int) -> HttpResponse:
    """Undo a batch sent moments ago: back to its draft, nothing sent to TikTok."""
    batch = get_object_or_404(visible_batches(request.user), pk=batch_id)
    try:
        ship_batch_undo(batch=batch, actor=request.user)
    except ShipError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Undone: nothing was sent. The batch is a draft again.")
    return redirect("ship-batch", batch.pk)


@require_GET
def ship_batch_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every batch the user may see, newest first: who, when, counts."""
    batches = (
        visible_batches(request.user)
        .select_related("created_by", "sent_by")
        .annotate(
            package_count=Count("entries"),
            held_count=Count("entries", filter=~Q(entries__held_reason="")),
        )
    )
    page = request.GET.get("page", "1")
    listing = paginate(batches, int(page) if page.isdigit() and len(page) < 6 else 1)
    return render_page(request, "fulfillment/ship_batches.html", {"listing": listing})


@require_POST
def batch_documents(request: AuthenticatedHttpRequest, batch_id: int) -> HttpResponse:
    """Build labels, slips or the pick list for a batch's packages (in the background)."""
    batch = get_object_or_404(visible_batches(request.user), pk=batch_id)
    form = DocumentForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(
                request, f"{form.fields[field].label if field in form.fields else ''}: {errors[0]}"
            )
        return redirect("ship-batch", batch.pk)
    packages = Package.objects.filter(batch_entries__batch=batch, batch_entries__held_reason="")
    try:
        print_job_create(
            packages=packages,
            batch=batch,
            actor=request.user,
            **form.cleaned_data,
        )
    except DocumentError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Building the PDF: it appears below when ready.")
    return redirect("ship-batch", batch.pk)


@require_POST
def package_documents(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Build labels, slips or the pick list for any chosen packages (order page, packages list)."""
    form = PackageDocumentsForm(
        request.POST, packages=for_visible_shops(Package.objects.all(), request.user)
    )
    valid = form.is_valid()
    back = form.cleaned_data.get("next") or reverse("fulfillment")
    if not valid:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {errors[0]}" if label else str(errors[0]))
        return redirect(back)
    options = {k: v for k, v in form.cleaned_data.items() if k not in ("package", "next")}
    chosen = Package.objects.filter(pk__in=[p.pk for p in form.cleaned_data["package"]])
    try:
        job = print_job_create(packages=chosen, actor=request.user, **options)
    except DocumentError as error:
        messages.error(request, str(error))
        return redirect(back)
    messages.success(request, "Building the PDF: it can be downloaded here when ready.")
    return redirect("print-job", job.pk)


@require_GET
def print_job_detail(request: AuthenticatedHttpRequest, job_id: int) -> HttpResponse:
    """One PDF built from chosen packages: building (polled), ready to download, or failed."""
    job = get_object_or_404(
        visible_print_jobs(request.user).select_related("created_by", "batch"), pk=job_id
    )
    context = {
        "job": job,
        "print_jobs": [job],
        "polling": job.status == PrintJob.Status.BUILDING,
        "package_count": job.packages.count(),
    }
    return render_page(request, "fulfillment/print_job.html", context, partial="print-job")


@require_GET
def print_job_download(request: AuthenticatedHttpRequest, job_id: int) -> FileResponse:
    """The stored PDF (every download counts as a print)."""
    job = get_object_or_404(
        visible_print_jobs(request.user), pk=job_id, status=PrintJob.Status.READY
    )
    print_job_downloaded(job=job)
    name = f"{job.kind.lower()}-{job.pk}.pdf"
    return FileResponse(
        job.file.open("rb"), content_type="application/pdf", filename=name, as_attachment=True
    )


@require_http_methods(["GET", "POST"])
def seller_shipping(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Tracking numbers for own-carrier packages: a grid (scanner-friendly) or a CSV import."""
    fixing = request.GET.get("fix") == "1"
    scope = seller_shipped(for_visible_shops(Package.objects.all(), request.user))
    rows_qs = (
        scope.filter(status__in=SHIPPED_STATUSES)
        if fixing
        else scope.exclude(status__in=[*SHIPPED_STATUSES, "CANCELLED"])
    )
    one = OnePackageForm(request.GET)
    if not one.is_valid():
        rows_qs = rows_qs.none()
    elif one.cleaned_data["package"]:
        rows_qs = rows_qs.filter(tiktok_id=one.cleaned_data["package"])
    packages = list(rows_qs.select_related("shop", "order").defer("raw")[:200])
    if packages and any(p.order_id for p in packages):
        orders = {o.pk: o for o in Order.objects.filter(pk__in=[p.order_id for p in packages])}
        for p in packages:
            p.order = orders.get(p.order_id)  # with raw: the delivery option id is there
    data = request.POST if request.method == "POST" and "grid" in request.POST else None
    forms_by_pk = {
        p.pk: TrackingRowForm(data, prefix=f"p{p.pk}", providers=providers_for(p)) for p in packages
    }
    csv_form = CsvImportForm(
        request.POST if request.method == "POST" and "csv" in request.POST else None,
        request.FILES or None,
    )
    problems: list[str] = []
    status = 200
    if data is not None:
        entries = []
        for p in packages:
            form = forms_by_pk[p.pk]
            if not form.is_valid():
                continue
            number = form.cleaned_data["tracking_number"]
            if number or form.cleaned_data["provider"]:
                entries.append(
                    Entry(package=p, tracking_number=number, provider=form.cleaned_data["provider"])
                )
        if any(f.errors for f in forms_by_pk.values()):
            status = 400
        else:
            try:
                seller_shipments_send(entries=entries, actor=request.user, fixing=fixing)
            except SellerShippingError as error:
                status = 400
                for problem in error.problems:
                    row = forms_by_pk.get(problem.package_id or 0)
                    if row is not None and problem.column in ("tracking_number", "provider"):
                        row.add_error(problem.column, problem.message)
                    else:
                        problems.append(str(problem))
            else:
                messages.success(request, f"Sending {len(entries)} tracking number(s) to TikTok.")
                return redirect(f"{reverse('seller-shipping')}{'?fix=1' if fixing else ''}")
    elif csv_form.is_bound:
        if csv_form.is_valid():
            upload = csv_form.cleaned_data["file"]
            entries, found = csv_entries(upload.read(CSV_MAX_BYTES + 1), scope)
            problems = [str(p) for p in found]
            if not found:
                try:
                    seller_shipments_send(entries=entries, actor=request.user, fixing=fixing)
                except SellerShippingError as error:
                    problems = [str(p) for p in error.problems]
                else:
                    messages.success(
                        request, f"Imported {len(entries)} line(s): sending to TikTok."
                    )
                    return redirect(f"{reverse('seller-shipping')}{'?fix=1' if fixing else ''}")
        status = 400
    context = {
        "fixing": fixing,
        "one": one,
        "rows": [(p, forms_by_pk[p.pk]) for p in packages],
        "csv_form": csv_form,
        "problems": problems,
    }
    return render_page(request, "fulfillment/seller_shipping.html", context, status=status)


@require_http_methods(["GET", "POST"])
def order_split_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Split an unshipped order's lines into packages, if TikTok allows it for this order."""
    from fulfillment.split import SplitError, SplitForm, order_split, split_state
    from shops.access import get_owned_or_404
    from tiktok.errors import TikTokError

    order = get_owned_or_404(Order.objects.select_related("shop"), request.user, pk=pk)
    lines = [
        (line.tiktok_id, f"{line.product_name} · {line.sku_name or '—'} · {line.seller_sku or '—'}")
        for line in order.lines.order_by("id")
    ]
    try:
        allowed, why_not = split_state(order)
    except TikTokError as exc:
        messages.error(request, f"TikTok could not be asked: {exc.message or exc}")
        return redirect("order-detail", order.pk)
    form = SplitForm(request.POST if request.method == "POST" else None, lines=lines)
    status = 200
    if request.method == "POST":
        if not allowed:
            form.add_error(None, f"TikTok does not allow splitting this order: {why_not}")
        elif form.is_valid():
            try:
                order_split(order=order, groups=form.groups(), actor=request.user)
            except SplitError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "Splitting the order: sent to TikTok.")
                return redirect("order-detail", order.pk)
        status = 400
    context = {"order": order, "form": form, "allowed": allowed, "why_not": why_not}
    return render_page(request, "fulfillment/split.html", context, status=status)
