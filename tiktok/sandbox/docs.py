"""Shipping documents: a 4x6 in label with a vector Code128 barcode, and a packing slip."""

from __future__ import annotations

import os
import secrets
import threading
import unicodedata
from dataclasses import dataclass
from typing import Any

from .data import Shop
from .views import OrderFacts, buyer, packages, warehouse_address

PAGE = (288.0, 432.0)  # 4 x 6 inches in points
# TikTok's A6 is printed on 4x6 in thermal stock here; A5 is 148 x 210 mm.
PAGE_SIZES = {"A6": PAGE, "A5": (419.53, 595.28)}
DOC_TTL = 24 * 3600
FONT_PATH = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
FONT_BOLD_PATH = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
LATIN_FALLBACK = {
    "Ł": "L",
    "ł": "l",
    "Ø": "O",
    "ø": "o",
    "Đ": "D",
    "đ": "d",
    "ß": "ss",
    "Œ": "OE",
    "œ": "oe",
}


@dataclass
class Doc:
    """An issued document URL: which package, which kind, until when."""

    shop_no: int
    idx: int
    k: int
    doc_type: str
    expires: int
    size: str = "A6"


class DocStore:
    """Document URLs handed out by Get Package Shipping Document."""

    def __init__(self) -> None:
        self._docs: dict[str, Doc] = {}
        self._lock = threading.Lock()

    def issue(
        self, shop_no: int, idx: int, k: int, doc_type: str, now: int, size: str = "A6"
    ) -> str:
        """A fresh token for a document valid 24 hours."""
        token = secrets.token_urlsafe(18)
        with self._lock:
            self._docs[token] = Doc(shop_no, idx, k, doc_type, now + DOC_TTL, size)
        return token

    def get(self, token: str, now: int) -> Doc | None:
        """The document behind a token if it has not expired."""
        with self._lock:
            doc = self._docs.get(token)
        return doc if doc is not None and doc.expires > now else None


def _latin1(text: str) -> str:
    """Text the core fonts can draw: Latin-1 kept, the rest transliterated."""
    out = []
    for ch in text:
        if ord(ch) < 256:
            out.append(ch)
        elif ch in LATIN_FALLBACK:
            out.append(LATIN_FALLBACK[ch])
        else:
            base = unicodedata.normalize("NFKD", ch)[0]
            out.append(base if ord(base) < 256 else "?")
    return "".join(out)


class _Pdf:
    """fpdf2 with the Unicode font when the machine has one."""

    def __init__(self, page: tuple[float, float] = PAGE, *, core_only: bool = False) -> None:
        from fpdf import FPDF  # imported on first use: it takes most of a second

        self.page = page
        self.core_only = core_only
        self.pdf = FPDF(unit="pt", format=page)
        self.pdf.set_auto_page_break(False)
        self.pdf.set_margins(14, 14, 14)
        # Embedding a TTF costs ~0.15 s a document; Latin-1 text is drawn with the core fonts.
        self.unicode = not core_only and os.path.exists(FONT_PATH)
        if self.unicode:
            self.pdf.add_font("DejaVu", "", FONT_PATH)
            self.pdf.add_font(
                "DejaVu", "B", FONT_BOLD_PATH if os.path.exists(FONT_BOLD_PATH) else FONT_PATH
            )
        self.family = "DejaVu" if self.unicode else "helvetica"

    def font(self, size: float, bold: bool = False) -> None:
        self.pdf.set_font(self.family, "B" if bold else "", size)

    def text(self, text: str) -> str:
        if self.core_only:
            text.encode("latin-1")  # UnicodeEncodeError: render again with the TTF
            return text
        return text if self.unicode else _latin1(text)

    def line(
        self, text: str, size: float = 8, bold: bool = False, height: float | None = None
    ) -> None:
        self.font(size, bold)
        self.pdf.multi_cell(0, height or size * 1.3, self.text(text), new_x="LMARGIN", new_y="NEXT")


def _barcode(pdf: Any, value: str, x: float, y: float, width: float, height: float) -> None:
    """Code128 as filled rectangles: each run of dark modules is one vector bar."""
    import barcode

    modules = barcode.get("code128", value, writer=None).build()[0]
    unit = width / len(modules)
    run_start = None
    for pos, bit in enumerate(modules + "0"):
        if bit == "1" and run_start is None:
            run_start = pos
        elif bit != "1" and run_start is not None:
            pdf.rect(x + run_start * unit, y, (pos - run_start) * unit, height, style="F")
            run_start = None


def _label(doc: _Pdf, f: OrderFacts, k: int) -> None:
    pdf = doc.pdf
    pdf.add_page()
    pkg = next(p for p in packages(f) if p.k == k)
    who = buyer(f)["recipient_address"]
    sender = warehouse_address(f.warehouse)
    doc.line(f"TikTok Shipping · {pkg.provider_name or 'Carrier'}", 11, bold=True)
    doc.line(f.shop.delivery_options[f.delivery_option_id].name, 8)
    pdf.ln(4)
    doc.line("FROM", 7, bold=True)
    doc.line(
        f"{f.shop.name}\n{sender['address_line1']}\n{sender['city']} {sender['postal_code']} "
        f"{sender['region']}",
        8,
    )
    pdf.ln(6)
    doc.line("SHIP TO", 8, bold=True)
    lines = [who["name"], who["address_line1"]]
    if who.get("address_line2"):
        lines.append(who["address_line2"])
    lines.append(who["full_address"].split(", ")[-3] if who["full_address"].count(",") >= 3 else "")
    lines.append(f"{who['postal_code']} {who['region_code']}")
    lines.append(who["phone_number"])
    doc.line("\n".join(line for line in lines if line), 11, height=14)
    pdf.ln(8)
    y = pdf.get_y()
    pdf.set_fill_color(0, 0, 0)
    _barcode(pdf, pkg.tracking_number, 14, y, doc.page[0] - 28, 70)
    pdf.set_y(y + 76)
    doc.line(pkg.tracking_number, 10, bold=True)
    pdf.ln(4)
    doc.line(f"Order {f.id}\nPackage {pkg.id}\nItems: {len(pkg.line_positions)}", 7)


def _packing_slip(doc: _Pdf, f: OrderFacts, k: int) -> None:
    pdf = doc.pdf
    pdf.add_page()
    pkg = next(p for p in packages(f) if p.k == k)
    who = buyer(f)["recipient_address"]
    doc.line("Packing slip", 14, bold=True)
    doc.line(f"{f.shop.name}", 9)
    pdf.ln(4)
    doc.line(f"Order {f.id}\nPackage {pkg.id}\nShip to: {who['name']}", 8)
    pdf.ln(6)
    doc.line("Qty  Item", 8, bold=True)
    counts: dict[str, int] = {}
    for pos in pkg.line_positions:
        sku = f.lines[pos][0]
        counts[sku.id] = counts.get(sku.id, 0) + 1
    seen = set()
    for pos in pkg.line_positions:
        sku = f.lines[pos][0]
        if sku.id in seen:
            continue
        seen.add(sku.id)
        title = f.shop.products[sku.product_id].title
        variant = ", ".join(v for v in (sku.color, sku.size) if v)
        doc.line(f"{counts[sku.id]} x  {title} ({variant})\n      SKU {sku.seller_sku}", 8)
    pdf.ln(6)
    doc.line("Thank you for shopping with us!", 8)


def render(shop: Shop, f: OrderFacts, k: int, doc_type: str, size: str = "A6") -> bytes:
    """The PDF for a package: label, packing slip, or both (one page each, A6 as 4x6 or A5)."""
    try:
        return _render(shop, f, k, doc_type, size, core_only=True)
    except UnicodeEncodeError:
        return _render(shop, f, k, doc_type, size, core_only=False)


def _render(
    shop: Shop, f: OrderFacts, k: int, doc_type: str, size: str, *, core_only: bool
) -> bytes:
    doc = _Pdf(PAGE_SIZES.get(size, PAGE), core_only=core_only)
    doc.pdf.set_title(f"{doc_type} {shop.package_id(f.idx, k)}")
    if doc_type in ("SHIPPING_LABEL", "SHIPPING_LABEL_AND_PACKING_SLIP"):
        _label(doc, f, k)
    if doc_type in ("PACKING_SLIP", "SHIPPING_LABEL_AND_PACKING_SLIP"):
        _packing_slip(doc, f, k)
    return bytes(doc.pdf.output())
