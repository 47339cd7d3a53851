"""How money reads to a seller: TikTok's signs kept, deductions shown with a real minus."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def signed(value: Decimal | None, currency: str = "") -> SafeString | str:
    """An amount as TikTok sent it: deductions (fees, costs) with a real minus sign, in red."""
    if value is None:
        return "—"
    text = f"{abs(value):,.2f} {currency}".strip()
    if value < 0:
        return format_html('<span class="text-danger">\u2212{}</span>', text)
    return text


@register.filter
def difference(value: Decimal | None, currency: str = "") -> SafeString | str:
    """A settled-minus-expected difference: "+1.00" means TikTok paid more than expected."""
    if value is None or value == 0:
        return "—" if value is None else "0.00"
    sign = "+" if value > 0 else "\u2212"
    css = "text-success" if value > 0 else "text-danger"
    text = f"{sign}{abs(value):,.2f} {currency}".strip()
    return format_html('<span class="{} fw-semibold">{}</span>', css, text)


@register.filter
def difference_text(value: Decimal | None, currency: str = "") -> str:
    """The same, as plain text (inside a link that has its own colour)."""
    if value is None:
        return "—"
    sign = "+" if value > 0 else ("\u2212" if value < 0 else "")
    return f"{sign}{abs(value):,.2f} {currency}".strip()


@register.filter
def percent(value: Decimal | None) -> str:
    return "—" if value is None else f"{value} %"
