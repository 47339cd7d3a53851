"""The change-set pages: rows and rules, preview, apply with live progress, revert, history."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count, DecimalField, F, Q
from django.db.models.functions import Cast, Coalesce
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog import csvio
from catalog.commands import change_sets_settle
from catalog.filters import ChangeRowFilterSet, ChangeSetFilterSet, ProductFilterSet
from catalog.forms import (
    ApplyForm,
    ChangeSetRuleForm,
    ExcludeForm,
    ImportForm,
    RetryForm,
    SelectionForm,
)
from catalog.models import ChangeSet, Product, Sku
from catalog.services import (
    ChangeSetError,
    change_row_exclude,
    change_set_apply,
    change_set_counts,
    change_set_create,
    change_set_create_from_edits,
    change_set_failures,
    change_set_preview,
    change_set_progress,
    change_set_revert,
)
from shops.access import for_visible_shops
from shops.htmx import render_page, with_toast
from shops.listing import filter_errors_response, paginate, query_without


def _change_set_or_404(request: HttpRequest, pk: int) -> ChangeSet:
    """A change set touching only shops the user may see; any other is a 404."""
    change_set = (
        ChangeSet.objects.visible_to(request.user)
        .select_related("created_by")
        .filter(pk=pk)
        .first()
    )
    if change_set is None:
        raise Http404
    return change_set


def _selected_products(request: HttpRequest, selection: SelectionForm):
    """The ticked products, or every one matching the stored filter (frozen into ids now)."""
    visible = for_visible_shops(Product.objects.all(), request.user)
    data = selection.cleaned_data
    if data.get("all_matching"):
        filterset = ProductFilterSet(
            QueryDict(data.get("filter") or ""),
            queryset=visible,
            user=request.user,
            request=request,
        )
        if not filterset.is_valid():
            return None
        return filterset.qs
    return visible.filter(deleted_at__isnull=True, pk__in=data["product"])


@require_http_methods(["GET", "POST"])
def change_new(request: HttpRequest) -> HttpResponse:
    """The rule form over the chosen products; a valid POST makes a draft and shows its preview."""
    source = request.POST if request.method == "POST" else request.GET
    selection = SelectionForm(source)
    form = ChangeSetRuleForm(request.POST if request.method == "POST" else None)
    products = _selected_products(request, selection) if selection.is_valid() else None
    count = products.count() if products is not None else 0
    by_shop = (
        list(
            products.order_by()
            .values_list("shop__name")
            .annotate(n=Count("pk"))
            .order_by("shop__name")
        )
        if products is not None
        else []
    )
    if products is not None and count == 0:
        selection.add_error(None, "No product of yours is chosen.")
    if request.method == "POST" and form.is_valid() and products is not None and count:
        stored = None
        if selection.cleaned_data.get("all_matching"):
            # The filter is kept with the ids it matched now, so the preview can tell when it
            # would match other products later (the change set keeps these).
            ids = list(products.order_by("pk").values_list("pk", flat=True))
            products = Product.objects.filter(pk__in=ids)
            stored = {
                "filter": selection.cleaned_data.get("filter") or "",
                "products": ids,
                "seen": selection.cleaned_data.get("seen"),
            }
        try:
            change_set = change_set_create(
                name=form.cleaned_data["name"],
                reason=form.cleaned_data["reason"],
                actor=request.user,  # type: ignore[arg-type]
                products=products,
                price_rule=form.price_rule(),
                stock_rule=form.stock_rule(),
                selection=stored,
            )
        except ChangeSetError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            change_set_preview(change_set=change_set)
            return redirect("change-detail", pk=change_set.pk)
    status = 400 if request.method == "POST" else 200
    return render_page(
        request,
        "catalog/change_new.html",
        {"form": form, "selection": selection, "count": count, "by_shop": by_shop},
        status=status,
    )


@require_GET
def change_list(request: HttpRequest) -> HttpResponse:
    """Every change set the user may see, newest first, with counts and outcome; filterable."""
    filterset = ChangeSetFilterSet(
        request.GET,
        queryset=ChangeSet.objects.visible_to(request.user)
        .select_related("created_by", "reverts")
        .annotate(
            n_rows=Count("rows", filter=Q(rows__excluded=False)),
            n_applied=Count("rows", filter=Q(rows__outcome="applied")),
            n_failed=Count("rows", filter=Q(rows__outcome="failed")),
            n_commands=Count("rows__command", distinct=True),
        ),
        user=request.user,
        request=request,
    )
    context = {
        "filter": filterset,
        "listing": paginate(filterset.qs, filterset.page),
        "action": reverse("changes"),
        "query": query_without(request, "page"),
    }
    return render_page(request, "catalog/change_list.html", context, partial="changes")


def _selection_drift(request: HttpRequest, change_set: ChangeSet) -> dict[str, Any] | None:
    """For a set made from "all N matching": how its filter's matches differ now, if they do."""
    stored = change_set.rule.get("selection") if isinstance(change_set.rule, dict) else None
    if not change_set.is_editable or not isinstance(stored, dict):
        return None
    chosen = {int(pk) for pk in stored.get("products", []) if isinstance(pk, int)}
    filterset = ProductFilterSet(
        QueryDict(str(stored.get("filter", ""))[:2000]),
        queryset=for_visible_shops(Product.objects.all(), request.user),
        user=request.user,
        request=request,
    )
    now = set(filterset.qs.values_list("pk", flat=True)) if filterset.is_valid() else set()
    seen = stored.get("seen")
    if now == chosen and (seen is None or seen == len(chosen)):
        return None
    return {
        "filter": stored.get("filter", ""),
        "chosen": len(chosen),
        "seen": seen,
        "now": len(now),
        "added": len(now - chosen),
        "removed": len(chosen - now),
    }


def _rows_context(request: HttpRequest, change_set: ChangeSet) -> dict[str, Any]:
    """What the change set's page shows: counts, failures by TikTok's error, the rows."""
    rows = change_set.rows.select_related("sku__product", "shop", "warehouse", "command").annotate(
        change=Coalesce(
            F("new_price") - F("old_price"),
            Cast(
                F("new_quantity") - F("old_quantity"), DecimalField(max_digits=16, decimal_places=2)
            ),
        )
    )
    filterset = ChangeRowFilterSet(request.GET, queryset=rows, user=request.user, request=request)
    progress = change_set_progress(change_set=change_set)
    if change_set.state == ChangeSet.State.APPLYING and progress.waiting == 0:
        # Every row has its outcome but the set was not moved on (its worker died just then).
        change_sets_settle(ids={change_set.pk})
        change_set.refresh_from_db(fields=["state"])
    return {
        "change_set": change_set,
        "drift": _selection_drift(request, change_set),
        "preview": change_set_counts(change_set=change_set),
        "progress": progress,
        "failures": change_set_failures(change_set=change_set),
        "filter": filterset,
        "listing": paginate(filterset.qs, filterset.page),
        "apply_form": ApplyForm(),
        "query": query_without(request, "page"),
        "action": reverse("change-detail", args=[change_set.pk]),
    }


@require_GET
def change_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One change set: counts by shop and warning, its rows old → new, outcome and command."""
    change_set = _change_set_or_404(request, pk)
    context = _rows_context(request, change_set)
    return render_page(request, "catalog/change_detail.html", context, partial="rows")


@require_GET
def change_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The live progress bar and the latest outcomes (polled while applying)."""
    change_set = _change_set_or_404(request, pk)
    context = _rows_context(request, change_set)
    return render_page(request, "catalog/change_detail.html", context, partial="change-set")


def _done(
    request: HttpRequest, change_set: ChangeSet, message: str, level: str = "success"
) -> HttpResponse:
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("change-detail", args=[change_set.pk])
        return with_toast(response, message, level)
    getattr(messages, level if level != "danger" else "error")(request, message)
    return redirect("change-detail", pk=change_set.pk)


@require_POST
def change_preview_again(request: HttpRequest, pk: int) -> HttpResponse:
    """Compare the rows with the mirror again (after a sync, or rows excluded)."""
    change_set = _change_set_or_404(request, pk)
    try:
        change_set_preview(change_set=change_set)
    except ChangeSetError as error:
        return _done(request, change_set, str(error), "danger")
    return _done(request, change_set, "Preview made again.")


@require_POST
def change_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the previewed rows once every warning group is acknowledged."""
    change_set = _change_set_or_404(request, pk)
    form = ApplyForm(request.POST)
    if not form.is_valid():
        return _done(request, change_set, "Unknown warning acknowledged.", "danger")
    try:
        n = change_set_apply(
            change_set=change_set,
            actor=request.user,  # type: ignore[arg-type]
            acknowledged=form.cleaned_data["acknowledged"],
        )
    except ChangeSetError as error:
        return _done(request, change_set, str(error), "danger")
    return _done(request, change_set, f"Sending {n} change{'s' if n != 1 else ''} to TikTok.")


@require_POST
def change_retry_failed(request: HttpRequest, pk: int) -> HttpResponse:
    """Send again only the rows TikTok refused (all of them, or those of one error)."""
    change_set = _change_set_or_404(request, pk)
    form = RetryForm(request.POST)
    if not form.is_valid():
        return _done(request, change_set, "Unknown group of failed rows.", "danger")
    try:
        n = change_set_apply(
            change_set=change_set,
            actor=request.user,  # type: ignore[arg-type]
            failed_only=True,
            error=form.cleaned_data["error"] or None,
        )
    except ChangeSetError as error:
        return _done(request, change_set, str(error), "danger")
    return _done(request, change_set, f"Sending the failed rows again ({n} commands).")


@require_GET
def change_failures_export(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """The rows TikTok refused, with its error, in the import format (fix and import again)."""
    change_set = _change_set_or_404(request, pk)
    response = StreamingHttpResponse(
        csvio.failure_lines(change_set), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="change-set-{change_set.pk}-failed-rows.csv"'
    )
    return response


@require_POST
def change_rows_exclude(request: HttpRequest, pk: int) -> HttpResponse:
    """Leave rows out of the preview (or put them back), then preview it again."""
    change_set = _change_set_or_404(request, pk)
    form = ExcludeForm(request.POST)
    if not form.is_valid():
        return _done(request, change_set, "Choose rows to leave out or put back.", "danger")
    rows = change_set.rows.all()
    if form.cleaned_data["warning"]:
        rows = rows.filter(warnings__contains=[form.cleaned_data["warning"]])
    else:
        rows = rows.filter(pk__in=form.cleaned_data["row"])
    excluded = form.cleaned_data["action"] == "exclude"
    try:
        n = change_row_exclude(
            change_set=change_set, row_ids=rows.values_list("pk", flat=True), excluded=excluded
        )
        if change_set.rows.filter(excluded=False).exists():
            change_set_preview(change_set=change_set)
    except ChangeSetError as error:
        return _done(request, change_set, str(error), "danger")
    message = f"{n} row{'s' if n != 1 else ''} {'left out' if excluded else 'put back'}."
    if not request.headers.get("HX-Request"):
        messages.success(request, message)
        return redirect("change-detail", pk=change_set.pk)
    change_set.refresh_from_db()
    response = render_page(
        request,
        "catalog/change_detail.html",
        _rows_context(request, change_set),
        partial="change-set",
    )
    return with_toast(response, message)


@require_POST
def change_revert(request: HttpRequest, pk: int) -> HttpResponse:
    """Make the change set that restores every applied row's old value, and show its preview."""
    change_set = _change_set_or_404(request, pk)
    try:
        revert = change_set_revert(
            change_set=change_set,
            actor=request.user,  # type: ignore[arg-type]
            exact_stock=request.POST.get("exact_stock") == "on",
        )
    except ChangeSetError as error:
        return _done(request, change_set, str(error), "danger")
    change_set_preview(change_set=revert)
    return _done(request, revert, "Revert drafted: check its preview, then apply it.")


@require_GET
def change_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The filtered products' prices and stock, one line per SKU and warehouse, to edit."""
    visible = for_visible_shops(Product.objects.all(), request.user)
    filterset = ProductFilterSet(request.GET, queryset=visible, user=request.user, request=request)
    if not filterset.is_valid():
        return filter_errors_response(filterset.errors)
    response = StreamingHttpResponse(
        csvio.export_lines(filterset.qs), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="prices-and-stock.csv"'
    return response


@require_http_methods(["GET", "POST"])
def change_import(request: HttpRequest) -> HttpResponse:
    """Import an edited CSV: every line checked first; a valid file becomes a previewed draft."""
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: list[csvio.LineError] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > csvio.MAX_BYTES:
            errors = [csvio.LineError(0, "-", "The file is over 5 MB.")]
        else:
            visible = for_visible_shops(Sku.objects.filter(deleted_at__isnull=True), request.user)
            result = csvio.import_file(upload.read(), visible_skus=visible)
            errors = result.errors
            if not errors:
                change_set = change_set_create_from_edits(
                    name=form.cleaned_data["name"],
                    reason=form.cleaned_data["reason"],
                    actor=request.user,  # type: ignore[arg-type]
                    edits=result.edits,
                    rule={"csv": upload.name[:200], "changed_since_export": result.stale},
                )
                change_set_preview(change_set=change_set)
                return redirect("change-detail", pk=change_set.pk)
    status = 400 if request.method == "POST" else 200
    return render_page(
        request,
        "catalog/change_import.html",
        {"form": form, "errors": errors[:200], "more_errors": max(0, len(errors) - 200)},
        status=status,
    )
