"""PDF rendering of position papers: the only module that imports WeasyPrint.

The renderer is given no base URL and a fetcher that answers only two kinds of address:
`static:<path>` (a file of the project's own static files, found by the staticfiles finders
or in STATIC_ROOT) and `data:` URLs. Everything else (file://, http(s), ftp, relative paths)
is refused without touching the file system or the network, so text that somehow turned into
`<img src="file:///etc/passwd">`, `<link rel=attachment …>` or `url(http://169.254.169.254/)`
yields nothing. Member text never gets that far anyway: it is autoescaped or sanitised.
"""

from __future__ import annotations

import logging
import mimetypes
import posixpath
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import DataHandler, Request

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.utils._os import safe_join

from positions.letter import Letter, letter_html

# WeasyPrint reports every rendering step (and every page) to this logger at INFO, starting
# while it is imported. A rendering that asked for progress receives its own thread's reports
# (see `_ProgressFilter`); the others are noise in the site's log and are dropped, unless the
# LOGGING setting gives the logger a level of its own.
_progress_logger = logging.getLogger("weasyprint.progress")
_PROGRESS_LEVEL_CONFIGURED = _progress_logger.level != logging.NOTSET
if not _PROGRESS_LEVEL_CONFIGURED:
    _progress_logger.setLevel(logging.INFO)

# A callback that receives (stage, page): stage is one of "styles", "layout", "writing"; page is
# the page being laid out (0 outside the layout).
ProgressCallback = Callable[[str, int], None]

_STEP_STAGES = {
    "Step 3": "styles",
    "Step 4": "styles",
    "Step 5": "layout",
    "Step 6": "writing",
    "Step 7": "writing",
}


class _ProgressFilter(logging.Filter):
    """Hands WeasyPrint's progress reports to the callback of the thread that renders."""

    def __init__(self) -> None:
        super().__init__()
        self.callbacks: dict[int, ProgressCallback] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            return True
        callback = self.callbacks.get(threading.get_ident())
        if callback is not None:
            message = str(record.msg)
            stage = _STEP_STAGES.get(message[:6])
            if stage is not None:
                page = record.args[0] if stage == "layout" and record.args else 0
                callback(stage, page if isinstance(page, int) else 0)
            return False
        return _PROGRESS_LEVEL_CONFIGURED


_progress_filter = _ProgressFilter()
_progress_logger.addFilter(_progress_filter)

from weasyprint import HTML  # noqa: E402
from weasyprint.text import ffi  # noqa: E402, F401  (the fonts' libraries: positions.checks)
from weasyprint.text.fonts import FontConfiguration  # noqa: E402
from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: E402

STATIC_SCHEME = "static"
PDF_ARCHIVAL_VARIANT = "pdf/a-3b"
FETCH_TIMEOUT_SECONDS = 5
MAX_STATIC_BYTES = 10 * 1024 * 1024

# WeasyPrint reads the fonts on every rendering; the shipped files never change while the
# process runs, so they are read once.
_static_cache: dict[str, bytes] = {}
_static_cache_lock = threading.Lock()


class RefusedURL(ValueError):
    """The fetcher does not open this address."""


@dataclass
class FetchRecord:
    url: str
    allowed: bool
    reason: str = ""


class SafeURLFetcher(URLFetcher):
    """A WeasyPrint URL fetcher for `static:` files and `data:` URLs only; it keeps a log of
    every address WeasyPrint asked for and whether it was answered."""

    def __init__(self) -> None:
        # No protocol is allowed to the standard opener, and it is never called anyway:
        # `fetch` below answers every request itself.
        super().__init__(timeout=FETCH_TIMEOUT_SECONDS, allowed_protocols=(), allow_redirects=False)
        self.log: list[FetchRecord] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        try:
            if url.startswith("data:"):
                response = self._fetch_data(url)
            elif url.startswith(f"{STATIC_SCHEME}:"):
                response = self._fetch_static(url)
            else:
                raise RefusedURL("only static: and data: addresses are fetched")
        except Exception as error:
            self.log.append(FetchRecord(url=url, allowed=False, reason=str(error)))
            raise
        self.log.append(FetchRecord(url=url, allowed=True))
        return response

    def _fetch_data(self, url: str) -> URLFetcherResponse:
        # Only ever a data: URL here (checked by the caller); DataHandler decodes it, no I/O.
        with DataHandler().data_open(Request(url)) as opened:  # noqa: S310
            body = opened.read()
            content_type = opened.headers.get("Content-Type", "text/plain")
        return URLFetcherResponse(url, body, {"Content-Type": content_type})

    def _fetch_static(self, url: str) -> URLFetcherResponse:
        parts = urlsplit(url)
        path = unquote(parts.path)
        if parts.netloc or parts.query or not path:
            raise RefusedURL("a static: address is a bare relative path")
        normalised = posixpath.normpath(path)
        if normalised != path or normalised.startswith(("/", "..")) or "\\" in path or "\x00" in path:
            raise RefusedURL("a static: address may not leave the static files")
        content = static_file_bytes(normalised)
        content_type = mimetypes.guess_type(normalised)[0] or "application/octet-stream"
        return URLFetcherResponse(url, content, {"Content-Type": content_type})


def static_file_bytes(path: str) -> bytes:
    """The content of one of the project's static files, by its relative static path."""
    with _static_cache_lock:
        cached = _static_cache.get(path)
    if cached is not None:
        return cached
    found = finders.find(path)
    if not found and settings.STATIC_ROOT:
        try:
            candidate = Path(safe_join(str(settings.STATIC_ROOT), path))
        except SuspiciousFileOperation as error:
            raise RefusedURL("a static: address may not leave the static files") from error
        found = str(candidate) if candidate.is_file() else None
    if not found:
        raise RefusedURL("no such static file")
    file_path = Path(found if isinstance(found, str) else found[0])
    if file_path.stat().st_size > MAX_STATIC_BYTES:
        raise RefusedURL("the static file is too large")
    content = file_path.read_bytes()
    with _static_cache_lock:
        _static_cache[path] = content
    return content


def static_asset_url(path: str) -> str:
    """The address of a static file as the PDF renderer is allowed to fetch it."""
    return f"{STATIC_SCHEME}:{path}"


@dataclass(frozen=True)
class PdfOptions:
    archival: bool = False
    tagged: bool = False

    @property
    def variant(self) -> str:
        return PDF_ARCHIVAL_VARIANT if self.archival else ""


@dataclass(frozen=True)
class RenderedPdf:
    content: bytes
    page_count: int


def html_to_pdf(
    html: str, *, options: PdfOptions | None = None, fetcher: SafeURLFetcher | None = None
) -> bytes:
    """Render an HTML document to PDF bytes (see `render_pdf`)."""
    return render_pdf(html, options=options, fetcher=fetcher).content


def render_pdf(
    html: str,
    *,
    options: PdfOptions | None = None,
    fetcher: SafeURLFetcher | None = None,
    progress: ProgressCallback | None = None,
) -> RenderedPdf:
    """Render an HTML document to PDF with the safe fetcher and no base URL (so a relative
    address cannot be resolved against anything), and count its pages. The letter never carries
    file attachments: any `rel=attachment` link is dropped before the PDF is written.
    `progress`, if given, is called with each stage and each page laid out."""
    layout = _Layout(options=options or PdfOptions(), fetcher=fetcher, progress=progress)
    return layout.write(layout.render(html))


class _Layout:
    """WeasyPrint's layout of HTML with the safe fetcher and no base URL, and the PDF written from
    it, reporting progress to the callback while it works."""

    def __init__(
        self, *, options: PdfOptions, fetcher: SafeURLFetcher | None, progress: ProgressCallback | None
    ) -> None:
        self.fetcher = fetcher if fetcher is not None else SafeURLFetcher()
        self.progress = progress
        self.pdf_options = {
            "pdf_variant": options.variant or None,
            "pdf_tags": options.tagged,
            # The letter is read, not filled in.
            "pdf_forms": False,
        }

    @contextmanager
    def _reporting(self) -> Iterator[None]:
        thread = threading.get_ident()
        if self.progress is not None:
            _progress_filter.callbacks[thread] = self.progress
        try:
            yield
        finally:
            _progress_filter.callbacks.pop(thread, None)

    def render(self, html: str) -> Any:
        with self._reporting():
            document = HTML(string=html, base_url=None, url_fetcher=self.fetcher).render(
                font_config=FontConfiguration(),
                # HTML's own hints, off by default in WeasyPrint: a list continued after a paragraph
                # (`<ol start="3">`) keeps its numbers.
                presentational_hints=True,
                **self.pdf_options,
            )
        _drop_attachments_and_local_links(document)
        return document

    def write(self, document: Any) -> RenderedPdf:
        with self._reporting():
            content = document.write_pdf(**self.pdf_options)
        return RenderedPdf(content=content, page_count=len(document.pages))


def _drop_attachments_and_local_links(document: Any) -> None:
    """Remove what `<link rel=attachment>` and `<a rel=attachment>` would embed, and links to
    anything but web and mail addresses, before WeasyPrint fetches or writes them."""
    document.metadata.attachments = []
    for page in document.pages:
        page.links = [
            link
            for link in page.links
            if link[0] == "internal" or (link[0] == "external" and _is_web_address(link[1]))
        ]


def _is_web_address(url: str) -> bool:
    return urlsplit(url).scheme.lower() in {"http", "https", "mailto"}


def letter_pdf(
    letter: Letter, *, options: PdfOptions | None = None, fetcher: SafeURLFetcher | None = None
) -> bytes:
    """The PDF of a letter (see `positions.letter.paper_letter`)."""
    return render_letter(letter, options=options, fetcher=fetcher).content


def render_letter(
    letter: Letter,
    *,
    options: PdfOptions | None = None,
    fetcher: SafeURLFetcher | None = None,
    progress: ProgressCallback | None = None,
) -> RenderedPdf:
    """`letter_pdf` with its page count, reporting progress if asked.

    The body's reference to the annex gives the annex's number of pages, which only the layout
    tells: the letter is laid out with the estimate (`Letter.annex_pages_estimate`), and again
    with the count the layout found when the two differ."""
    layout = _Layout(options=options or PdfOptions(), fetcher=fetcher, progress=progress)
    pages = letter.annex_pages_estimate()
    for _attempt in range(3):
        shown = replace(letter, annex_pages=pages)
        document = layout.render(letter_html(shown, asset_url=static_asset_url))
        counted = _pages_from(document, ANNEX_ANCHOR) if letter.annex_entries else 0
        if counted == pages:
            break
        pages = counted
    return layout.write(document)


# The annex's section in paper.html: it starts on a page of its own and runs to the end.
ANNEX_ANCHOR = "annex"


def _pages_from(document: Any, anchor: str) -> int:
    """How many pages the document has from the one where the element with the id `anchor` starts
    to its end; 0 without it."""
    for index, page in enumerate(document.pages):
        if anchor in page.anchors:
            return len(document.pages) - index
    return 0
