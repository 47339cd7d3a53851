"""Building blocks of every page: form controls with their errors, and sortable headers."""

from __future__ import annotations

from typing import Any

from django import forms, template
from django.forms import BoundField
from django.utils.html import format_html
from django.utils.safestring import SafeString

from shops.listing import query_without

register = template.Library()


@register.filter
def control(field: BoundField) -> SafeString:
    """The field's widget with Bootstrap's classes, marked invalid with its error linked."""
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(widget, forms.Select):
        css = "form-select form-select-sm"
    else:
        css = "form-control form-control-sm"
    attrs: dict[str, Any] = {"class": css}
    if not isinstance(widget, forms.CheckboxInput):
        attrs["aria-label"] = field.label
    if field.errors:
        attrs["class"] += " is-invalid"
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = f"{field.auto_id}-error"
    return field.as_widget(attrs=attrs)


@register.filter
def is_checkbox(field: BoundField) -> bool:
    return isinstance(field.field.widget, forms.CheckboxInput)


@register.simple_tag(takes_context=True)
def sort_header(context: Any, filterset: Any, key: str, label: str, target: str) -> SafeString:
    """A column title that sorts by `key`, showing the direction in force; a click reverses it.

    Clicking another column sorts it descending first for times and amounts people scan from
    the top, ascending for names (the filterset's SORTS order gives the ascending one).
    """
    current = filterset.sort_key
    if current == key:
        next_key, arrow, state = f"-{key}", "bi-sort-up", "ascending"
    elif current == f"-{key}":
        next_key, arrow, state = key, "bi-sort-down", "descending"
    else:
        next_key, arrow, state = (key if key == "title" else f"-{key}"), "", "none"
    query = query_without(context["request"], "page", "sort")
    href = f"?{query}&sort={next_key}" if query else f"?sort={next_key}"
    icon = format_html(' <i class="bi {}" aria-hidden="true"></i>', arrow) if arrow else ""
    return format_html(
        '<a href="{}" hx-get="{}" hx-target="{}" hx-swap="outerHTML" hx-push-url="true"'
        ' data-sort="{}" data-sort-state="{}">{}{}</a>',
        href,
        href,
        target,
        key,
        state,
        label,
        icon,
    )
