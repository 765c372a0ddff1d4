"""Checks on files attached to consultations."""

from __future__ import annotations

from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files import File
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

DOCUMENT_MAX_BYTES = 20 * 1024 * 1024

# Extension and the bytes such a file starts with: PDF has its own signature, the office
# formats (DOCX, XLSX, ODT) are ZIP containers.
DOCUMENT_SIGNATURES = {
    "pdf": b"%PDF-",
    "docx": b"PK\x03\x04",
    "xlsx": b"PK\x03\x04",
    "odt": b"PK\x03\x04",
}


def validate_document(file: File) -> None:
    """Accept only PDF, DOCX, XLSX and ODT files up to DOCUMENT_MAX_BYTES whose content
    starts the way such a file does (a renamed executable is refused)."""
    if getattr(file, "_committed", False):
        return  # already stored: it was checked on upload, and re-reading it on every save is waste
    extension = PurePath(file.name or "").suffix.lower().lstrip(".")
    if extension not in DOCUMENT_SIGNATURES:
        raise ValidationError(
            _("Only PDF, DOCX, XLSX and ODT documents can be attached; “%(name)s” is not one."),
            code="document_extension",
            params={"name": PurePath(file.name or "").name},
        )
    if file.size is not None and file.size > DOCUMENT_MAX_BYTES:
        raise ValidationError(
            _("A document can be at most %(limit)s; this one is %(size)s."),
            code="document_size",
            params={"limit": filesizeformat(DOCUMENT_MAX_BYTES), "size": filesizeformat(file.size)},
        )
    signature = DOCUMENT_SIGNATURES[extension]
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        head = file.read(len(signature))
    finally:
        file.seek(position)
    if head != signature:
        raise ValidationError(
            _("“%(name)s” is not a valid %(kind)s file."),
            code="document_content",
            params={"name": PurePath(file.name or "").name, "kind": extension.upper()},
        )
