"""The streaming merge: pages copied in order, each with its own size, text and resources."""

from __future__ import annotations

import io

from fpdf import FPDF
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject

from fulfillment.pdfstream import PdfConcatenator


def pdf(texts: list[str], size: tuple[float, float]) -> bytes:
    document = FPDF(unit="pt", format=size)
    document.set_font("helvetica", size=12)
    for text in texts:
        document.add_page()
        document.cell(0, 20, text)
    return bytes(document.output())


def inherited(text: str) -> bytes:
    """A PDF whose page takes its MediaBox and Resources from the page tree, as some tools do."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf([text], (288, 432)))))
    page = writer.pages[0]
    root = writer.root_object["/Pages"]
    for key in ("/MediaBox", "/Resources"):
        root[NameObject(key)] = page[key]
        del page[key]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pages_are_merged_in_order_with_their_sizes_and_text():
    out = io.BytesIO()
    merged = PdfConcatenator(out)
    assert merged.append(PdfReader(io.BytesIO(pdf(["label one"], (288, 432))))) == 1
    assert (
        merged.append(PdfReader(io.BytesIO(pdf(["slip two", "slip three"], (419.53, 595.28))))) == 2
    )
    assert merged.append(PdfReader(io.BytesIO(inherited("label four")))) == 1
    merged.close()

    reader = PdfReader(io.BytesIO(out.getvalue()), strict=True)
    assert len(reader.pages) == merged.pages == 4
    assert [page.extract_text().strip() for page in reader.pages] == [
        "label one",
        "slip two",
        "slip three",
        "label four",
    ]
    assert [tuple(page.mediabox)[2:] for page in reader.pages] == [
        (288, 432),
        (419.53, 595.28),
        (419.53, 595.28),
        (288, 432),
    ]
