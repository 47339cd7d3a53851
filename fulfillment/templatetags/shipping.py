"""Shipping pieces other apps' pages show (the order page's documents form) without importing us."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from fulfillment.commands import SHIPPED_STATUSES
from fulfillment.shipping_forms import DocumentForm

register = template.Library()


@register.inclusion_tag("fulfillment/_document_form.html", takes_context=True)
def package_documents_form(context: dict[str, Any], packages: Any, next_url: str) -> dict:
    """The labels/slips form for these packages (only the ones TikTok has documents for)."""
    printable = [
        p for p in packages if p.status in SHIPPED_STATUSES and p.shipping_type != "SELLER"
    ]
    return {
        "csrf_token": context.get("csrf_token"),
        "action": reverse("package-documents"),
        "packages": printable,
        "next": next_url,
        "document_form": DocumentForm(auto_id="id_documents_%s") if printable else None,
        "button": "Print documents",
    }
