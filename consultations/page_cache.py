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

Until someone in an organisation saves an answer, its page is the consultation's blank page,
the same for every invited organisation but for the organisation's name and the invitation's id
in its addresses. That page is kept once for the consultation (`shared`), rendered with
placeholders in their place and given them when served: when a consultation is sent, its
members' first views cost one render, not one each. Nothing of an organisation is rendered into
it: the invitation and the response are not read for it.

When a page is not in the cache, one request renders it and the others asking for it meanwhile
wait for that render (`render_claim`, `wait_for_page`) instead of rendering it too: when a
consultation is sent, its members' first views, arriving together, cost one render, not one a
worker. A claim that nobody fulfils (a render that failed) stops being waited for after
`RENDER_WAIT`; the waiting request then renders the page itself.

With several worker processes, use a shared cache (`CACHE_URL=redis://…`), or every worker
renders each page once for itself. Each worker also keeps the pages it served last in its own
memory (the `member_pages` cache): a key names its page's content, so such a copy can never be
out of date, and a repeated view then needs nothing from the shared cache.
"""

from __future__ import annotations

import functools
import hashlib
import time
from importlib import metadata
from pathlib import Path
from types import SimpleNamespace

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache, caches
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.html import escape

from consultations.selectors import MemberPageState
from consultations.templatetags.consultation_tags import time_left_units


def _placeholder(name: str) -> str:
    """Letters and hex digits, so that escaping leaves it as it is, ending in a part derived from
    the SECRET_KEY: nobody can type it into an answer that the page then shows (each viewer's
    page would put their own CSRF token there)."""
    return name + salted_hmac("consultations.page_cache.placeholder", name).hexdigest()[:24]


# Rendered in place of the CSRF token and of the messages.
CSRF_PLACEHOLDER = _placeholder("csrfTokenPlaceholder")
MESSAGES_PLACEHOLDER = _placeholder("messagesPlaceholder")
# Those of a consultation's blank page: the organisation's name, and an invitation id that no
# table reaches (the largest bigint) in its addresses, each between slashes.
ORGANISATION_PLACEHOLDER = _placeholder("organisationPlaceholder")
INVITATION_PLACEHOLDER = 9_223_372_036_854_775_807
# What the blank page is rendered with in place of the invitation (its `pk` and its organisation's
# `name` are all the page reads of it).
BLANK_PAGE_INVITATION = SimpleNamespace(
    pk=INVITATION_PLACEHOLDER, organisation=SimpleNamespace(name=ORGANISATION_PLACEHOLDER)
)
TIMEOUT = 10 * 60
# How long a request waits for another one's render of the page it asks for (seconds), how often
# it looks, and how long a claim to render stands if it is never released.
RENDER_WAIT = 2.0
RENDER_POLL = 0.005
RENDER_CLAIM_TIMEOUT = 30
# The worker's own copies (settings.CACHES).
LOCAL_CACHE = "member_pages"
# The worker's own renderings of submitted versions, which never change (settings.CACHES): after a
# submit, the page is rendered anew, and of its versions only the new one is.
FRAGMENT_CACHE = "member_page_fragments"


# What renders the page: a new release of any of these never serves a page the old one rendered
# (the cache outlives restarts). Paths from the project's root; installed packages by version.
RELEASE_FILES = (
    "templates/**/*.html",
    "locale/**/*.mo",
    "consultations/**/*.py",
    # The page names its scripts and styles by their hashed names (ManifestStaticFilesStorage).
    "static/**/*.js",
    "static/**/*.css",
)
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
    # The placeholders follow the SECRET_KEY: pages rendered with another one are not served.
    digest.update(CSRF_PLACEHOLDER.encode())
    return digest.hexdigest()[:16]


def version_fragments() -> dict[str, str]:
    """Where the answer page keeps each submitted version's rendering (`{% cache %}` in
    response_detail.html, with no expiry: as long as the worker's cache has room), and the release
    that goes into its key with the version, the name of the person who submitted it, the language
    and the time zone."""
    return {"cache": FRAGMENT_CACHE, "release": release()}


def shared(request: HttpRequest, state: MemberPageState) -> bool:
    """Whether the request is for the consultation's blank page, kept once for every organisation
    (an address with a query string keeps its own page)."""
    return state.unanswered and not request.META.get("QUERY_STRING")


def blank_page_path() -> str:
    """The address of the blank page as rendered, in the current language: the language links
    are made from it."""
    return reverse("consultations:response", args=[INVITATION_PLACEHOLDER])


def page_key(request: HttpRequest, state: MemberPageState) -> str:
    """The cache key of the page for this request; `state` comes from
    `selectors.member_page_state`."""
    deadline = state.internal_deadline
    if shared(request, state):
        # Neither the address nor the organisation: they are filled in when it is served.
        page = ["blank", *(str(value) for value in state.consultation_versions)]
    else:
        page = [request.get_full_path(), *(str(value) for value in state.versions)]
    parts = [
        release(),
        translation.get_language(),
        str(state.consultation_id),
        state.status,
        str(deadline),
        *page,
        str(deadline is not None and deadline <= timezone.now()),
        str(time_left_units(deadline)),
    ]
    return "consultations:member-page:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def cached_page(request: HttpRequest, key: str, state: MemberPageState, invitation_id: int) -> str | None:
    local = caches[LOCAL_CACHE]
    html = local.get(key)
    if html is None:
        html = cache.get(key)
        if html is None:
            return None
        local.set(key, html, TIMEOUT)
    return with_request_parts(request, html, state, invitation_id)


def render_claim(key: str) -> bool:
    """Claim the render of the page under `key`: False when another request holds the claim (it
    is rendering the page)."""
    return cache.add(f"{key}:rendering", True, RENDER_CLAIM_TIMEOUT)


def render_claim_release(key: str) -> None:
    cache.delete(f"{key}:rendering")


def wait_for_page(request: HttpRequest, key: str, state: MemberPageState, invitation_id: int) -> str | None:
    """The page another request is rendering, once it is in the cache; None after RENDER_WAIT."""
    deadline = time.monotonic() + RENDER_WAIT
    while time.monotonic() < deadline:
        time.sleep(RENDER_POLL)
        html = cached_page(request, key, state, invitation_id)
        if html is not None:
            return html
    return None


def store_page(key: str, html: str) -> None:
    cache.set(key, html, TIMEOUT)
    caches[LOCAL_CACHE].set(key, html, TIMEOUT)


def with_request_parts(request: HttpRequest, html: str, state: MemberPageState, invitation_id: int) -> str:
    """The cached page as this request is to get it: its CSRF token and its messages (shown
    once: reading them here marks them shown), and on a blank page the organisation's name and
    the invitation's id. The name goes in last, escaped: nothing in it is replaced."""
    pending = messages.get_messages(request)
    shown = render_to_string("includes/messages.html", {"messages": pending}) if pending else ""
    html = html.replace(CSRF_PLACEHOLDER, csrf_token(request)).replace(MESSAGES_PLACEHOLDER, shown)
    if shared(request, state):
        html = html.replace(f"/{INVITATION_PLACEHOLDER}/", f"/{invitation_id}/").replace(
            ORGANISATION_PLACEHOLDER, escape(state.organisation_name)
        )
    return html


def csrf_token(request: HttpRequest) -> str:
    """The request's CSRF token (a new mask of the browser's secret, as `get_token` makes it),
    without sending the browser's CSRF cookie again. `get_token` has the cookie sent on every
    response that shows a token, to renew its expiry (a year): on the member pages, which a member
    reloads again and again, a cookie header each time for nothing. The cookie is still sent when
    Django has to send it: when the browser has none or an unusable one (a new secret is made).
    The two flags are those Django's CSRF middleware keeps in `request.META`; should they change,
    the cookie is renewed as Django does, and a test notices."""
    renewal_only = "CSRF_COOKIE" in request.META and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    token = get_token(request)
    if renewal_only:
        request.META["CSRF_COOKIE_NEEDS_UPDATE"] = False
    return token
