"""Reading generated PDFs back, the way a recipient's software would."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pdfplumber
import pypdf
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    StreamObject,
    TextStringObject,
)


def reader(content: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(content))


def squeeze(text: str) -> str:
    """Text with every run of white space (line breaks of the layout included) made one space."""
    return " ".join(text.split())


def pages_text(content: bytes) -> list[str]:
    return [squeeze(page.extract_text() or "") for page in reader(content).pages]


def full_text(content: bytes) -> str:
    return " ".join(pages_text(content))


def tables(content: bytes) -> list[list[list[str]]]:
    """Every table on every page, each cell's text squeezed."""
    found = []
    with pdfplumber.open(io.BytesIO(content)) as document:
        for page in document.pages:
            for table in page.extract_tables():
                found.append([[squeeze(cell or "") for cell in row] for row in table])
    return found


def filled_shapes(content: bytes) -> list[int]:
    """On each page, how many filled curves are drawn (the outlines of the draft mark's letters;
    nothing else of the letter is drawn as curves)."""
    with pdfplumber.open(io.BytesIO(content)) as document:
        return [sum(1 for curve in page.curves if curve.get("fill")) for page in document.pages]


def top_margin_texts(content: bytes, *, depth_points: float = 56) -> list[str]:
    """The text in each page's top margin (where the page number goes), squeezed."""
    texts = []
    with pdfplumber.open(io.BytesIO(content)) as document:
        for page in document.pages:
            band = page.crop((0, 0, page.width, depth_points))
            texts.append(squeeze(band.extract_text() or ""))
    return texts


def _objects(pdf: pypdf.PdfReader) -> Iterator[object]:
    size = int(pdf.trailer["/Size"])
    for number in range(1, size):
        try:
            obj = pdf.get_object(IndirectObject(number, 0, pdf))
        except Exception:  # noqa: S112 - free entries of the cross-reference table
            continue
        if obj is not None:
            yield obj


def _strings(value: object, seen: set[int]) -> Iterator[str]:
    if isinstance(value, IndirectObject):
        return
    if isinstance(value, TextStringObject | str):
        yield str(value)
    elif isinstance(value, bytes):
        yield value.decode("latin-1")
    elif isinstance(value, DictionaryObject | dict):
        if id(value) in seen:
            return
        seen.add(id(value))
        for key, item in value.items():
            yield str(key)
            yield from _strings(item, seen)
    elif isinstance(value, ArrayObject | list):
        for item in value:
            yield from _strings(item, seen)


def all_strings(content: bytes) -> str:
    """Every string the file holds outside the page content: metadata (info and XMP), outlines,
    annotations, structure tags, names; plus every stream's decoded bytes."""
    pdf = reader(content)
    parts: list[str] = [str(value) for value in (pdf.metadata or {}).values()]
    for obj in _objects(pdf):
        parts.extend(_strings(obj, set()))
        if isinstance(obj, StreamObject):
            try:
                parts.append(obj.get_data().decode("utf-8", errors="replace"))
            except Exception:  # noqa: S112 - an image or font stream that does not decode
                continue
    return "\n".join(parts)


def embedded_files(content: bytes) -> list[object]:
    """Embedded files and file attachment annotations, wherever they are."""
    pdf = reader(content)
    found: list[object] = list(pdf.attachments.keys())
    for obj in _objects(pdf):
        if isinstance(obj, DictionaryObject):
            kind = obj.get("/Type")
            subtype = obj.get("/Subtype")
            if kind in {NameObject("/EmbeddedFile"), NameObject("/Filespec")} or "/EF" in obj:
                found.append(obj)
            if subtype == NameObject("/FileAttachment"):
                found.append(obj)
    return found


def embedded_font_names(content: bytes) -> set[str]:
    """The names of the fonts whose programs are embedded in the file."""
    names = set()
    for obj in _objects(reader(content)):
        is_descriptor = isinstance(obj, DictionaryObject) and obj.get("/Type") == NameObject(
            "/FontDescriptor"
        )
        if is_descriptor and any(key in obj for key in ("/FontFile", "/FontFile2", "/FontFile3")):
            names.add(str(obj["/FontName"]))
    return names
