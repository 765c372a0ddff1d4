"""The member page's HTML, cached by everything it shows.

Members open their answer page far more often than anyone changes it, and rendering fifteen
questions costs about ten times the queries that tell whether anything changed. So the page is
kept in the cache under a key made of what it depends on (`selectors.member_page_state`: the
consultation, its questions and documents, the organisation, the response's version, the people
who worked on it), the language, the address, what the clock changes (open or past the
deadline, the time left) and the release (`release()`). A change to any of them makes a new key; the old page is never served
again and expires.

The CSRF token and the messages (a save's "Draft saved.") are the per-request parts: the page
is rendered with placeholders, replaced by the request's own token and messages when it is
served. So the page a member sees after a save is rendered once and kept, message apart.

With several worker processes, use a shared cache (`CACHE_URL=redis://…`), or every worker
renders each page once for itself. Each worker also keeps the pages it served last in its own
memory (the `member_pages` cache): a key names its page's content, so such a copy can never be
out of date, and a repeated view then needs nothing from the shared cache.
"""

from __future__ import annotations

import functools
import hashlib
from importlib import metadata
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache, caches
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone, translation

from consultations.selectors import MemberPageState
from consultations.templatetags.consultation_tags import time_left

# Rendered in place of the CSRF token and of the messages; letters only, so that escaping leaves
# them as they are.
CSRF_PLACEHOLDER = "csrfTokenPlaceholderOfTheCachedMemberPage"
MESSAGES_PLACEHOLDER = "messagesPlaceholderOfTheCachedMemberPage"
TIMEOUT = 10 * 60
# The worker's own copies (settings.CACHES).
LOCAL_CACHE = "member_pages"


# What renders the page: a new release of any of these never serves a page the old one rendered
# (the cache outlives restarts). Paths from the project's root; installed packages by version.
RELEASE_FILES = ("templates/**/*.html", "locale/**/*.mo", "consultations/**/*.py")
RELEASE_PACKAGES = ("Django", "django-crispy-forms", "crispy-bootstrap5")


@functools.cache
def release() -> str:
    """A fingerprint of this release's templates, translations, code and form packages, read
    once a process."""
    root = Path(settings.BASE_DIR)
    digest = hashlib.sha256()
    for pattern in RELEASE_FILES:
        for path in sorted(root.glob(pattern)):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    for package in RELEASE_PACKAGES:
        digest.update(f"{package}=={metadata.version(package)}".encode())
    return digest.hexdigest()[:16]


def page_key(request: HttpRequest, state: MemberPageState) -> str:
    """The cache key of the page for this request; `state` comes from
    `selectors.member_page_state`."""
    deadline = state.internal_deadline
    parts = [
        release(),
        request.get_full_path(),
        translation.get_language(),
        str(state.consultation_id),
        state.status,
        str(deadline),
        *(str(value) for value in state.versions),
        str(deadline is not None and deadline <= timezone.now()),
        time_left(deadline),
    ]
    return "consultations:member-page:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def cached_page(request: HttpRequest, key: str) -> str | None:
    local = caches[LOCAL_CACHE]
    html = local.get(key)
    if html is None:
        html = cache.get(key)
        if html is None:
            return None
        local.set(key, html, TIMEOUT)
    return with_request_parts(request, html)


def store_page(key: str, html: str) -> None:
    cache.set(key, html, TIMEOUT)
    caches[LOCAL_CACHE].set(key, html, TIMEOUT)


def with_request_parts(request: HttpRequest, html: str) -> str:
    """The cached page as this request is to get it: its CSRF token and its messages (shown
    once: reading them here marks them shown)."""
    pending = messages.get_messages(request)
    shown = render_to_string("includes/messages.html", {"messages": pending}) if pending else ""
    return html.replace(CSRF_PLACEHOLDER, get_token(request)).replace(MESSAGES_PLACEHOLDER, shown)
