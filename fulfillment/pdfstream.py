"""One PDF written page by page to a file, so merging 1,000 labels holds one label in memory.

pypdf's `PdfWriter` keeps every appended page's objects until `write()`, so its memory grows with
the batch. Here each source document is read, the objects its pages reach are copied to the
output with new numbers and written at once, and only the offsets and page numbers stay (a few
integers per page). The page tree, catalog and cross-reference table are written at the end.
"""

from __future__ import annotations

from typing import IO, Any

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    EncodedStreamObject,
    IndirectObject,
    NameObject,
    NullObject,
    NumberObject,
    PdfObject,
    StreamObject,
)

_PAGES, _CATALOG = 1, 2  # written last, numbered first


class PdfConcatenator:
    """Append the pages of PDFs to a binary stream; `close()` writes the trailer."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.offsets: dict[int, int] = {}
        self.kids: list[int] = []
        self.next_number = _CATALOG + 1
        self.out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")

    @property
    def pages(self) -> int:
        return len(self.kids)

    def append(self, reader: PdfReader) -> int:
        """Copy every page of `reader` to the output; the number of pages added."""
        numbers: dict[tuple[int, int], int] = {}
        pending: list[tuple[int, PdfObject | None]] = []

        def number_of(ref: IndirectObject) -> int:
            key = (ref.idnum, ref.generation)
            if key not in numbers:
                numbers[key] = self._allocate()
                pending.append((numbers[key], ref.get_object()))
            return numbers[key]

        def copy(value: Any, *, in_page: bool = False) -> Any:
            if isinstance(value, IndirectObject):
                return IndirectObject(number_of(value), 0, None)
            if isinstance(value, StreamObject):
                stream: StreamObject = (
                    DecodedStreamObject()
                    if isinstance(value, DecodedStreamObject)
                    else EncodedStreamObject()
                )
                stream._data = (
                    value.get_data() if isinstance(value, DecodedStreamObject) else value._data
                )
                for key, item in value.items():
                    stream[NameObject(key)] = copy(item)
                return stream
            if isinstance(value, DictionaryObject):
                result = DictionaryObject()
                for key, item in value.items():
                    if in_page and key == "/Parent":
                        result[NameObject(key)] = IndirectObject(_PAGES, 0, None)
                    else:
                        result[NameObject(key)] = copy(item)
                return result
            if isinstance(value, ArrayObject):
                return ArrayObject(copy(item) for item in value)
            return value

        pages = list(reader.pages)
        # Every page is numbered first, so a link from one page to another stays a reference.
        for page in pages:
            if page.indirect_reference is not None:
                own = page.indirect_reference
                numbers[(own.idnum, own.generation)] = self._allocate()
        for page in pages:
            ref = page.indirect_reference
            number = numbers[(ref.idnum, ref.generation)] if ref is not None else self._allocate()
            # Inherited attributes (MediaBox, Resources) are already on the flattened page.
            self._write(number, copy(page, in_page=True))
            self.kids.append(number)
            while pending:
                n, obj = pending.pop()
                self._write(n, copy(obj) if obj is not None else NullObject())
        return len(pages)

    def close(self) -> None:
        """Write the page tree, the catalog, the cross-reference table and the trailer."""
        pages = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Pages"),
                NameObject("/Kids"): ArrayObject(IndirectObject(n, 0, None) for n in self.kids),
                NameObject("/Count"): NumberObject(len(self.kids)),
            }
        )
        self._write(_PAGES, pages)
        catalog = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Catalog"),
                NameObject("/Pages"): IndirectObject(_PAGES, 0, None),
            }
        )
        self._write(_CATALOG, catalog)
        start = self.out.tell()
        size = self.next_number
        rows = [b"xref\n", f"0 {size}\n".encode(), b"0000000000 65535 f \n"]
        for n in range(1, size):
            offset = self.offsets.get(n)
            rows.append(
                f"{offset:010d} 00000 n \n".encode()
                if offset is not None
                else b"0000000000 65535 f \n"
            )
        self.out.write(b"".join(rows))
        trailer = f"trailer\n<< /Size {size} /Root {_CATALOG} 0 R >>\nstartxref\n{start}\n%%EOF\n"
        self.out.write(trailer.encode())

    def _allocate(self) -> int:
        number = self.next_number
        self.next_number += 1
        return number

    def _write(self, number: int, obj: PdfObject) -> None:
        self.offsets[number] = self.out.tell()
        self.out.write(f"{number} 0 obj\n".encode())
        obj.write_to_stream(self.out)
        self.out.write(b"\nendobj\n")
