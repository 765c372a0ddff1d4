"""Member pages reached by a personal link.

The link's token is exchanged by a POST (a GET never changes anything: mail scanners fetch
links) for a signed cookie that holds the link, and the browser is sent on to a token-free
address. Every failure looks the same: one plain page that does not say whether the link was
wrong, revoked or expired, and an address that keeps trying wrong tokens is made to wait.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.decorators import decorator_from_middleware
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from config.db import prepared_statements
from consultations import page_cache, selectors, services
from consultations.answers import (
    AnswerValue,
    entry_display,
    fingerprint_questions,
    questions_changed,
    questions_fingerprint,
    snapshot_entry,
)
from consultations.forms import PROPOSAL_EXTRA_ROWS, ResponseForm
from consultations.models import (
    AccessLink,
    Consultation,
    ConsultationDocument,
    Invitation,
    Question,
    Response,
)

# The links this browser has opened, at most LINKS_MAX of them, each as its id and its browser
# key (`AccessLink.browser_key`), in a cookie signed with the SECRET_KEY (Django's signing) and
# set as the session cookie is (the SESSION_COOKIE_* settings), for SESSION_COOKIE_AGE from the
# last view or save of a member page (each signs it anew: `renew_links`). A member page reads no
# session: the state query checks on every request that the link is still active and that the key
# is its own, so revoking the link ends the access as before. Neither the signature nor the key alone opens anything: a forged cookie needs both the
# SECRET_KEY and the database.
LINKS_COOKIE = "consultation_links"
LINKS_COOKIE_SALT = "consultations.views.links"
LINKS_MAX = 20

# Wrong tokens allowed from one address in the window before every token attempt from it is
# refused for the rest of the window. The counter lives in the default cache (see CACHES).
TOKEN_FAILURE_LIMIT = 20
TOKEN_FAILURE_WINDOW = 10 * 60

ADD_ROW_ACTION = "add-row-"

logger = logging.getLogger(__name__)


class NoReferrerCsrfViewMiddleware(CsrfViewMiddleware):
    """Django's CSRF protection for pages sent with `Referrer-Policy: no-referrer`.

    Browsers post the forms of such pages with `Origin: null` and no Referer (Fetch standard:
    the no-referrer policy serialises the request's origin as "null"), which the stock middleware
    refuses. Here "null" passes the origin check and a missing Referer the HTTPS referer check;
    the CSRF cookie and the form's token must still match, and any other origin or referer is
    checked as usual.
    """

    def _origin_verified(self, request: HttpRequest) -> bool:
        return request.META.get("HTTP_ORIGIN") == "null" or super()._origin_verified(request)

    def _check_referer(self, request: HttpRequest) -> None:
        if request.META.get("HTTP_REFERER"):
            super()._check_referer(request)


no_referrer_csrf_protect = decorator_from_middleware(NoReferrerCsrfViewMiddleware)


class MemberView(View):
    """A member page: exempt from the global CSRF middleware and checked by the variant above
    instead. The view function is decorated once, when the URLconf makes it (Django's
    `method_decorator` would decorate it again on every request)."""

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        return csrf_exempt(no_referrer_csrf_protect(super().as_view(**initkwargs)))


def _private(response: HttpResponse) -> HttpResponse:
    """Headers of every member page: no referrer leaves it (the address may hold a token), no
    cache keeps it, no search engine lists it, and what it shows depends on the browser's cookies
    (its links)."""
    patch_vary_headers(response, ("Cookie",))
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store, private"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


# The answer page's fields: a question's own (q<id>), its "Other" text, a proposal row's texts.
# A question's id is of ASCII digits and at most 18 of them (a bigint): any other name is no
# question's, never an integer too long for Python to read.
ANSWER_FIELD = re.compile(
    r"q(?P<question>[0-9]{1,18})(?P<text>_other|-[0-9]+-(provision|proposed_wording|justification))?"
)
# The kinds of question whose own field is typed; the others' hold a choice, a point of the
# scale, or yes or no.
TYPED_KINDS = frozenset({Question.Kind.SHORT_TEXT, Question.Kind.LONG_TEXT})
# The values of the chosen fields, for a question the page no longer has (deleted meanwhile).
CHOSEN_VALUE = re.compile(r"\d+|yes|no|other|on")
# Every field the answer page posts for a question: its answer, its "Other" text, its proposal
# rows and their table's management form.
QUESTION_FIELD = re.compile(r"q(?P<question>[0-9]{1,18})(?P<part>[_-].*)?")


def typed_texts(request: HttpRequest, question_kinds: dict[int, str]) -> list[str]:
    """The texts a refused answer page posted, in its order: shown back for the member to copy.
    Only what the browser itself sent, so nothing of the consultation is shown to a link that
    no longer opens it; `question_kinds` (the consultation's questions' kinds by id) tell the
    typed answers, a text answer "2030" included, from the chosen ones."""
    if request.method != "POST":
        return []
    return posted_texts(request.POST, question_kinds)


def posted_texts(data: QueryDict, question_kinds: dict[int, str]) -> list[str]:
    """The texts typed among the answer page's fields `data`, as `typed_texts` finds them."""
    texts = []
    for name, values in data.lists():
        field = ANSWER_FIELD.fullmatch(name)
        if field is None:
            continue
        kind = question_kinds.get(int(field["question"]))
        typed = field["text"] is not None or kind in TYPED_KINDS
        for value in values:
            text = value.strip()
            if text and (typed or (kind is None and not CHOSEN_VALUE.fullmatch(text))):
                texts.append(text)
    return texts


def link_not_valid(
    request: HttpRequest, status: int = 404, *, question_kinds: dict[int, str] | None = None
) -> HttpResponse:
    # A save refused here (the link was revoked or sent again, its person left) keeps what was
    # typed; `question_kinds` as `typed_texts` takes them.
    context = {"typed": typed_texts(request, question_kinds or {})}
    return _private(render(request, "consultations/link_not_valid.html", context, status=status))


def held_links(request: HttpRequest) -> list[selectors.HeldLink]:
    """The links this browser has opened, as (id, browser key): none if its cookie is missing,
    altered or older than SESSION_COOKIE_AGE (read once a request)."""
    read: list[selectors.HeldLink] | None = getattr(request, "_consultation_held_links", None)
    if read is not None:
        return read
    # The signature's time is in whole seconds: a second more, so that a cookie is good for the
    # whole SESSION_COOKIE_AGE whatever fraction of a second it was signed at.
    value = request.get_signed_cookie(
        LINKS_COOKIE, default="", salt=LINKS_COOKIE_SALT, max_age=settings.SESSION_COOKIE_AGE + 1
    )
    links = []
    for item in value.split(".") if value else ():
        pk, _dash, key = item.partition("-")
        if pk.isdigit() and key:
            links.append((int(pk), key))
    request._consultation_held_links = links  # type: ignore[attr-defined]
    return links


def _links_signed_at(request: HttpRequest) -> int:
    """When the browser's links cookie was signed (seconds since the epoch; read once verified)."""
    # value:timestamp:signature, as Django's cookie signer (a TimestampSigner, sep ":") writes it.
    return signing.b62_decode(request.COOKIES[LINKS_COOKIE].rsplit(":", 2)[1])


def _links_text(links: list[selectors.HeldLink]) -> str:
    """The links as the cookie holds them, before Django signs them."""
    return ".".join(f"{pk}-{key}" for pk, key in links)


def links_cookie_value(links: list[selectors.HeldLink]) -> str:
    """The cookie's value for these links, signed by Django as `hold_link` has it signed: for
    browsers made elsewhere (the tests, the load generator)."""
    response = HttpResponse()
    response.set_signed_cookie(LINKS_COOKIE, _links_text(links), salt=LINKS_COOKIE_SALT)
    return response.cookies[LINKS_COOKIE].value


def hold_link(request: HttpRequest, response: HttpResponse, link: AccessLink) -> None:
    """Add a link to those the browser holds, as the newest (the oldest beyond LINKS_MAX are
    dropped). The browser's other links to the same invitation are dropped: on a computer that
    colleagues share, the answer is saved as the person who opened their link there last, and
    never as a colleague whose link opened it before (nor when the newest link stops working)."""
    held = [other for other in held_links(request) if other[0] != link.pk]
    same_invitation = selectors.access_link_ids_to_invitation(
        ids=[pk for pk, _key in held], invitation_id=link.invitation_id
    )
    held = [other for other in held if other[0] not in same_invitation]
    _set_links_cookie(response, [*held, (link.pk, link.browser_key)][-LINKS_MAX:])


def renew_links(request: HttpRequest, response: HttpResponse) -> None:
    """Sign the links the browser holds anew: they last SESSION_COOKIE_AGE from the member's last
    visit or save, not from the link's first opening (a member writing for weeks keeps them).
    Only once a tenth of that age has passed since the last signing (a day and a half of two
    weeks): most views leave the cookie as it is."""
    held = held_links(request)
    if held and time.time() - _links_signed_at(request) > settings.SESSION_COOKIE_AGE / 10:
        _set_links_cookie(response, held)


def _set_links_cookie(response: HttpResponse, links: list[selectors.HeldLink]) -> None:
    response.set_signed_cookie(
        LINKS_COOKIE,
        _links_text(links),
        salt=LINKS_COOKIE_SALT,
        # A cookie for the browser's session when sessions end with it; the signature's age is
        # checked all the same.
        max_age=None if settings.SESSION_EXPIRE_AT_BROWSER_CLOSE else settings.SESSION_COOKIE_AGE,
        domain=settings.SESSION_COOKIE_DOMAIN,
        path=settings.SESSION_COOKIE_PATH,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite=settings.SESSION_COOKIE_SAMESITE,
    )


def held_link(request: HttpRequest, invitation_id: int) -> AccessLink | None:
    """The active link to the invitation among those the browser holds."""
    return selectors.access_link_for_browser(links=held_links(request), invitation_id=invitation_id)


# --- rate limit of token attempts -----------------------------------------------------------------


def client_address(request: HttpRequest) -> str:
    """The address the request came from. Behind a reverse proxy, REMOTE_ADDR is the proxy's:
    set CONSULTATION_CLIENT_ADDRESS_HEADER (e.g. "HTTP_X_REAL_IP") to the header the proxy sets.

    A list header (X-Forwarded-For) is read from the right: each proxy appends the address that
    connected to it, so only the last CONSULTATION_TRUSTED_PROXIES entries were written by our
    proxies. Anything to their left is whatever the client sent, and trusting it would let one
    client take a new address for every attempt."""
    header = settings.CONSULTATION_CLIENT_ADDRESS_HEADER
    entries = [entry.strip() for entry in request.META.get(header, "").split(",")] if header else []
    entries = [entry for entry in entries if entry]
    if not entries:
        return request.META.get("REMOTE_ADDR", "")
    trusted = max(settings.CONSULTATION_TRUSTED_PROXIES, 1)
    return entries[-min(trusted, len(entries))]


def _failures_key(request: HttpRequest) -> str:
    return "consultations:token-failures:" + hashlib.sha256(client_address(request).encode()).hexdigest()


def token_attempts_blocked(request: HttpRequest) -> bool:
    return cache.get(_failures_key(request), 0) >= TOKEN_FAILURE_LIMIT


def token_failure_record(request: HttpRequest) -> None:
    key = _failures_key(request)
    # add() starts the window with the first failure; incr() keeps its expiry.
    cache.add(key, 0, TOKEN_FAILURE_WINDOW)
    try:
        cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, TOKEN_FAILURE_WINDOW)


class AccessView(MemberView):
    """The address in the e-mail: shows what the link opens and a button that opens it."""

    def _find(self, request: HttpRequest, token: str) -> tuple[Any, HttpResponse | None]:
        if token_attempts_blocked(request):
            return None, link_not_valid(request, status=429)
        access_token = selectors.access_token_find(token=token)
        if access_token is None:
            token_failure_record(request)
            return None, link_not_valid(request)
        return access_token, None

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        access_token, failure = self._find(request, token)
        if failure:
            return failure
        invitation = access_token.access_link.invitation
        return _private(
            render(
                request,
                "consultations/link_open.html",
                {"consultation": invitation.consultation, "organisation": invitation.organisation},
            )
        )

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        access_token, failure = self._find(request, token)
        if failure:
            return failure
        link = access_token.access_link
        services.access_link_use(access_token=access_token)
        response = _private(redirect("consultations:response", invitation_id=link.invitation_id))
        hold_link(request, response, link)
        return response


# --- the answer page ------------------------------------------------------------------------------


def answer_page_context(
    *,
    consultation: Consultation,
    form: ResponseForm,
    editable: bool,
    invitation: Invitation | None = None,
    response: Response | None = None,
    preview: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    """What the answer page shows; the staff preview uses it too, without an invitation."""
    if not editable:
        form.make_read_only()
    return {
        "consultation": consultation,
        "invitation": invitation,
        "organisation": invitation.organisation if invitation else None,
        "documents": list(consultation.documents.all()),
        "form": form,
        "error_summary": form.error_summary() if form.is_bound else [],
        "response": response,
        "edits": selectors.response_edits(response=response),
        "versions": selectors.response_versions(response=response),
        "version_fragments": page_cache.version_fragments(),
        "editable": editable,
        "preview": preview,
        "deadline_passed": consultation.deadline_passed(),
        **extra,
    }


def _editable(consultation: Consultation) -> bool:
    try:
        services.response_editable_check(consultation=consultation)
    except ValidationError:
        return False
    return True


class ResponseView(MemberView):
    """The consultation and the organisation's answer, for those holding a link (token-free address)."""

    template_name = "consultations/response_detail.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # The same few queries on every request: prepared on PostgreSQL (config/db.py).
        with prepared_statements():
            response = self._dispatch(request, *args, **kwargs)
        if response.status_code < 400:
            renew_links(request, response)
        return response

    def _dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):  # HEAD is answered by get()
            self.link = held_link(request, kwargs["invitation_id"])
            if self.link is None:
                # What the refused page gives back to copy: its typed answers (`typed_texts`).
                kinds = (
                    selectors.question_kinds(invitation_id=kwargs["invitation_id"])
                    if request.method == "POST"
                    else {}
                )
                return link_not_valid(request, question_kinds=kinds)
            self.invitation = self.link.invitation
            self.consultation = self.invitation.consultation
            return self._respond(request, *args, **kwargs)
        state = selectors.member_page_state(links=held_links(request), invitation_id=kwargs["invitation_id"])
        if state is None:
            return link_not_valid(request)
        self.state = state
        self.page_key = page_cache.page_key(request, state)
        html = page_cache.cached_page(request, self.page_key, state, kwargs["invitation_id"])
        claimed = html is None and page_cache.render_claim(self.page_key)
        if html is None and not claimed:
            # Another request is rendering this page: it is taken from the cache when done.
            html = page_cache.wait_for_page(request, self.page_key, state, kwargs["invitation_id"])
        if html is not None:
            return _private(HttpResponse(html))
        try:
            # The state query has just found the browser's link active: the page is rendered
            # without the link's own row (a save needs its person).
            if page_cache.shared(request, state):
                # The consultation's blank page, kept for every organisation: nothing of this
                # one's is read for it (the state query found no response).
                self.invitation = page_cache.BLANK_PAGE_INVITATION
                self.consultation = selectors.consultation_for_page(consultation_id=state.consultation_id)
                self.response = None
            else:
                self.invitation = selectors.invitation_for_page(invitation_id=kwargs["invitation_id"])
                self.consultation = self.invitation.consultation
            return self._respond(request, *args, **kwargs)
        finally:
            if claimed:
                page_cache.render_claim_release(self.page_key)

    def _respond(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.questions = list(self.consultation.questions.order_by("position", "id"))
        return _private(super().dispatch(request, *args, **kwargs))

    @cached_property
    def response(self) -> Response | None:
        # Read only when the page is shown: a save that succeeds redirects without it (the services
        # read the response themselves, under a lock).
        return selectors.response_for_invitation(invitation=self.invitation)

    def _form(self, data: Any = None, add_row_for: int | None = None) -> ResponseForm:
        if data is not None:
            # A posted form shows what was posted; the stored answers and version are not needed.
            return ResponseForm(
                data, questions=self.questions, answers={}, version=0, add_row_for=add_row_for
            )
        return ResponseForm(
            questions=self.questions,
            answers=selectors.answer_values(response=self.response),
            version=self.response.version if self.response else 0,
        )

    def _render(
        self, request: HttpRequest, form: ResponseForm, status: int = 200, **extra: Any
    ) -> HttpResponse:
        if request.method == "POST":
            # The link found for a save brought only what the save needs (`access_link_for_browser`);
            # a page shown instead reads what it shows as a GET does.
            self.invitation = selectors.invitation_for_page(invitation_id=self.invitation.pk)
            self.consultation = self.invitation.consultation
        editable = extra.pop("editable", None)
        context = answer_page_context(
            consultation=self.consultation,
            form=form,
            editable=_editable(self.consultation) if editable is None else editable,
            invitation=self.invitation,
            response=self.response,
            **extra,
        )
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, invitation_id: int) -> HttpResponse:
        # Rendered for the cache, then given this request's CSRF token and messages (and, on a
        # blank page, its organisation's name and invitation).
        blank = {"page_path": page_cache.blank_page_path()} if page_cache.shared(request, self.state) else {}
        response = self._render(
            request,
            self._form(),
            csrf_token=page_cache.CSRF_PLACEHOLDER,
            messages_placeholder=page_cache.MESSAGES_PLACEHOLDER,
            **blank,
        )
        html = response.content.decode()
        page_cache.store_page(self.page_key, html)
        response.content = page_cache.with_request_parts(request, html, self.state, invitation_id)
        return response

    def post(self, request: HttpRequest, invitation_id: int) -> HttpResponse:
        action = request.POST.get("action", "save")
        add_row_for = None
        if action.startswith(ADD_ROW_ACTION):
            try:
                add_row_for = int(action.removeprefix(ADD_ROW_ACTION))
            except ValueError:
                add_row_for = None
        form = self._form(request.POST, add_row_for=add_row_for)
        try:
            services.response_editable_check(consultation=self.consultation)
        except ValidationError as closed:
            # Refused, but what was typed stays on the (read-only) page to copy.
            return self._render(request, form, status=409, editable=False, refusal=closed.messages[0])
        shown = request.POST.get("questions_shown", "").strip()
        # A page from before the fingerprint was posted (an older release) has none: not checked.
        if shown and shown != questions_fingerprint(self.questions):
            return self._questions_changed(request, shown)
        if add_row_for is not None:
            return self._render(request, form)
        if not form.is_valid():
            if action == "submit":
                form.add_required_errors()
            return self._render(request, form)
        arguments = {
            "invitation": self.invitation,
            "person": self.link.person,
            "data": form.answer_values(),
            "expected_version": form.cleaned_data["version"],
            "questions_shown": form.cleaned_data["questions_shown"],
        }
        try:
            try:
                if action == "submit":
                    version = services.response_submit(**arguments)
                else:
                    saved = services.response_save_draft(**arguments)
            except ValidationError as error:
                if getattr(error, "code", None) != "unchanged":
                    raise
                # Nothing new to submit: the page equals the submitted version. The refused
                # submit wrote nothing, so what is on the page is kept as the draft (a draft
                # saved since the submission may differ from it).
                services.response_save_draft(**arguments)
                messages.info(request, error.messages[0])
                return redirect("consultations:response", invitation_id=invitation_id)
        except services.ResponseAlreadySaved as repeated:
            # A double click, or a form sent again: the first one saved (or submitted) what is on
            # the page; say so instead of reporting the person's own save as a conflict.
            messages.info(request, repeated.messages[0])
            return redirect("consultations:response", invitation_id=invitation_id)
        except services.QuestionsChanged:
            # Changed between the questions read above and the save's own reading of them.
            self.questions = list(self.consultation.questions.order_by("position", "id"))
            return self._questions_changed(request, shown)
        except services.ResponseConflict as conflict:
            # The page is now based on the current version: saving again replaces the colleague's
            # changes, knowingly, with what is on the page.
            form.data = form.data.copy()
            form.data["version"] = str(conflict.current_version)
            self.response = selectors.response_for_invitation(invitation=self.invitation)
            return self._render(request, form, status=409, conflict=self._conflict_context(conflict))
        except PermissionDenied:
            kinds = {question.pk: question.kind for question in self.questions}
            return link_not_valid(request, question_kinds=kinds)
        except ValidationError as error:
            code = getattr(error, "code", None)
            if code in ("not_open", "deadline_passed"):
                return self._render(request, form, status=409, editable=False, refusal=error.messages[0])
            if hasattr(error, "error_dict"):
                form.add_answer_errors(error)
            else:
                form.add_error(None, error)
            return self._render(request, form)
        if action == "submit":
            messages.success(
                request,
                _(
                    "Submitted: the association has version %(number)d of your answer. A receipt is on its way to %(email)s."
                )
                % {"number": version.number, "email": self.link.person.email},
            )
        elif saved.changed_questions:
            messages.success(
                request, _("Draft saved. It is not sent to the association until it is submitted.")
            )
        else:
            messages.info(request, _("Nothing had changed since the last save."))
        return redirect("consultations:response", invitation_id=invitation_id)

    def _questions_changed(self, request: HttpRequest, shown: str) -> HttpResponse:
        """The page again, with the current questions, after a save refused because the page
        showed other ones (`shown`, their fingerprint): nothing was saved. What was posted stays on
        the page where it still means the same: the answers to the questions unchanged, the text
        of a text question, an "Other" text, proposal rows. What was posted for a question removed
        since, or whose options or kind changed, is not put back into it (an option is posted as
        its place in the list); its texts are listed for the member to copy."""
        stale = questions_changed(fingerprint=shown, questions=self.questions)
        shown_kinds = {pk: kind for pk, (kind, _digest) in fingerprint_questions(shown).items()}
        current = {question.pk: question for question in self.questions}
        data = request.POST.copy()
        dropped = QueryDict(mutable=True)
        for name in list(data):
            field = QUESTION_FIELD.fullmatch(name)
            if field is None or int(field["question"]) not in stale:
                continue
            question = current.get(int(field["question"]))
            if question is not None and _still_fits(field["part"], shown_kinds.get(question.pk), question):
                continue
            dropped.setlist(name, data.getlist(name))
            del data[name]
        for question in self.questions:
            prefix = f"q{question.pk}"
            if question.kind == Question.Kind.PROPOSALS and f"{prefix}-TOTAL_FORMS" not in data:
                # A proposals table the page did not have: an empty row to type into, as a GET shows.
                data[f"{prefix}-TOTAL_FORMS"] = str(PROPOSAL_EXTRA_ROWS)
                data[f"{prefix}-INITIAL_FORMS"] = "0"
        # Saving again from this page saves on the current questions.
        data["questions_shown"] = questions_fingerprint(self.questions)
        form = ResponseForm(data, questions=self.questions, answers={}, version=0)
        return self._render(
            request,
            form,
            status=409,
            questions_changed={
                "message": services.QuestionsChanged().messages[0],
                "typed": posted_texts(dropped, shown_kinds),
            },
        )

    def _conflict_context(self, conflict: services.ResponseConflict) -> dict[str, Any]:
        numbers = {question.pk: number for number, question in enumerate(self.questions, start=1)}
        return {
            "message": conflict.messages[0],
            "edits": conflict.edits,
            "questions": [
                {
                    "number": numbers.get(question.pk),
                    "question": question,
                    "current": entry_display(
                        snapshot_entry(
                            question=question, value=conflict.current.get(question.pk, AnswerValue())
                        )
                    ),
                    "rows": conflict.current.get(question.pk, AnswerValue()).rows
                    if question.kind == Question.Kind.PROPOSALS
                    else (),
                }
                for question in conflict.questions
            ],
        }


def _still_fits(part: str | None, shown_kind: str | None, question: Question) -> bool:
    """Whether a field posted for `question` (`part`: None for its answer, "_other", or a proposal
    table's "-…") as a page showed it (of `shown_kind`) still means the same for the question now."""
    kind = question.kind
    if part is None:
        return shown_kind in TYPED_KINDS and kind in TYPED_KINDS
    if part == "_other":
        return shown_kind in Question.CHOICE_KINDS and kind in Question.CHOICE_KINDS and question.allow_other
    return shown_kind == Question.Kind.PROPOSALS and kind == Question.Kind.PROPOSALS


class DocumentView(View):
    """A consultation document, for those holding a link to the consultation."""

    def get(self, request: HttpRequest, invitation_id: int, document_id: int) -> HttpResponse:
        link = held_link(request, invitation_id)
        document = (
            ConsultationDocument.objects.filter(
                pk=document_id, consultation_id=link.invitation.consultation_id
            ).first()
            if link
            else None
        )
        if document is None:
            return link_not_valid(request)
        try:
            stored = document.file.open("rb")
        except FileNotFoundError as missing:
            # The page links it with `download`: the browser says the file is not there, and the
            # member stays on the page. The log tells staff.
            logger.warning("The stored file %s of a consultation document is missing.", document.file.name)
            raise Http404 from missing
        return _private(FileResponse(stored, as_attachment=True, filename=PurePath(document.file.name).name))
