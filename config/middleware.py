"""Request middleware of the project."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, QueryDict


def _is_secret(key: str) -> bool:
    # Passwords are compared byte for byte with what `createsuperuser` or a reset stored.
    return "password" in key


def _composed(data: QueryDict) -> QueryDict | None:
    """A copy of `data` (a query string or a form, whose values are text; files are apart) with
    every value's letters in composed form (NFC), or None if they all are already."""
    if all(
        unicodedata.is_normalized("NFC", value)
        for key, values in data.lists()
        if not _is_secret(key)
        for value in values
    ):
        return None
    composed = data.copy()
    for key, values in data.lists():
        if not _is_secret(key):
            composed.setlist(key, [unicodedata.normalize("NFC", value) for value in values])
    composed._mutable = False
    return composed


def composed_letters(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Letters typed or pasted in decomposed form ("s" followed by a combining caron, as text
    copied from a PDF or typed on a Mac may be) reach every form and search as the composed
    letters ("š") the database stores and searches: what is saved is written one way only, and
    "Šiaurės" finds "Šiaurės" however it was typed. Imported files are composed by the import
    (crm/widgets.py)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if request.GET and (query := _composed(request.GET)) is not None:
            request.GET = query
        if (
            request.method == "POST"
            and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data")
            and (post := _composed(request.POST)) is not None
        ):
            request.POST = post
        return get_response(request)

    return middleware
