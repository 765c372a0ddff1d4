"""The member page served from the cache: only while nothing it shows has changed."""

from __future__ import annotations

import datetime
import re
import threading
import time
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from consultations import page_cache, services
from consultations.models import ConsultationDocument
from crm import services as crm_services
from tests.consultations.test_member_pages import answer_form

pytestmark = pytest.mark.django_db

CSRF_VALUE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_an_unchanged_page_comes_from_the_cache_with_the_requests_own_csrf_token(
    opened, django_assert_num_queries
):
    ruta = opened.members["ruta"]
    client = Client(enforce_csrf_checks=True)
    access = reverse("consultations:access", kwargs={"token": ruta.token})
    token = CSRF_VALUE.search(_text(client.get(access))).group(1)
    assert client.post(access, {"csrfmiddlewaretoken": token}).status_code == 302

    rendered = _text(client.get(ruta.url))
    with django_assert_num_queries(1):  # what the page depends on, which checks the link
        cached = _text(client.get(ruta.url))

    assert page_cache.CSRF_PLACEHOLDER not in rendered + cached
    tokens = CSRF_VALUE.findall(cached)
    assert len(tokens) == 1  # the answer form's (the language is switched by links here)
    assert CSRF_VALUE.sub("", cached) == CSRF_VALUE.sub("", rendered)
    saved = client.post(ruta.url, {**answer_form(opened), "action": "save", "csrfmiddlewaretoken": tokens[0]})
    assert saved.status_code == 302
    assert client.post(ruta.url, {**answer_form(opened, version=1), "action": "save"}).status_code == 403


def test_a_page_from_the_cache_sends_the_csrf_cookie_only_when_the_browser_needs_one(opened):
    ruta = opened.members["ruta"]
    client = Client(enforce_csrf_checks=True)
    access = reverse("consultations:access", kwargs={"token": ruta.token})
    opening = client.get(access)
    assert settings.CSRF_COOKIE_NAME in opening.cookies  # a new secret
    secret = client.cookies[settings.CSRF_COOKIE_NAME].value
    client.post(access, {"csrfmiddlewaretoken": CSRF_VALUE.search(_text(opening)).group(1)})
    client.get(ruta.url)  # rendered and kept

    # Served from the cache to a browser holding its CSRF cookie: a new token (a new mask of the
    # same secret), and the cookie is not sent again only to renew it.
    views = [client.get(ruta.url) for _ in range(2)]
    tokens = [CSRF_VALUE.search(_text(view)).group(1) for view in views]
    assert tokens[0] != tokens[1]
    for view in views:
        assert settings.CSRF_COOKIE_NAME not in view.cookies
        assert "Cookie" in view["Vary"]  # what the page shows depends on the browser's cookies
    assert client.cookies[settings.CSRF_COOKIE_NAME].value == secret
    saved = client.post(ruta.url, {**answer_form(opened), "action": "save", "csrfmiddlewaretoken": tokens[0]})
    assert saved.status_code == 302

    # A browser without the cookie, or with one Django cannot use, gets a new one with the page
    # (served from the cache), and the token in the page goes with it.
    for cookie in (None, "not a secret!"):
        client.get(ruta.url)  # the page after the save, rendered and kept
        if cookie is None:
            del client.cookies[settings.CSRF_COOKIE_NAME]
        else:
            client.cookies[settings.CSRF_COOKIE_NAME] = cookie
        view = client.get(ruta.url)
        assert view.cookies[settings.CSRF_COOKIE_NAME].value not in ("", cookie, secret)
        form = {**answer_form(opened, version=1), "action": "save"}
        form["csrfmiddlewaretoken"] = CSRF_VALUE.search(_text(view)).group(1)
        assert client.post(ruta.url, form).status_code == 302
        secret = client.cookies[settings.CSRF_COOKIE_NAME].value


def test_the_page_shows_every_change_at_once_though_it_was_cached(opened, superuser, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ruta, jonas = opened.members["ruta"], opened.members["jonas"]
    client = ruta.client()

    def page() -> str:
        return _text(client.get(ruta.url))

    first = page()
    assert CSRF_VALUE.sub("", page()) == CSRF_VALUE.sub("", first)
    assert "Nobody from your organisation has saved an answer yet." in first

    # A colleague saves a draft.
    jonas.client().post(jonas.url, {**answer_form(opened, short="Jono nuomonė"), "action": "save"})
    assert "Jono nuomonė" in page() and "Jonas Jonaitis" in page()

    # Staff fix a question's wording and add a document.
    single = opened.questions["single"]
    single.text = "Ar pritariate pataisytam projektui?"
    services.question_save(question=single, wording_fix_confirmed=True)
    assert "Ar pritariate pataisytam projektui?" in page()
    document = ConsultationDocument(consultation=opened.consultation, title="Pataisytas projektas")
    document.file.save("projektas.pdf", ContentFile(b"%PDF-1.7 projektas"))
    assert "Pataisytas projektas" in page()
    document.delete()
    assert "Pataisytas projektas" not in page()

    # The organisation is renamed; the colleague's personal data is erased.
    ruta.organisation.name = "Saulės energetikos klasteris"
    ruta.organisation.save()
    assert "Saulės energetikos klasteris" in page()
    crm_services.person_erase(person=jonas.person, user=superuser)
    assert "Jonas Jonaitis" not in page()
    assert f"Anonymised person #{jonas.person.pk}" in page()

    # The consultation is closed.
    services.consultation_close(consultation=opened.consultation, user=superuser)
    assert "The consultation is closed." in page()


VERSION_BLOCK = re.compile(r"<details class=\"mb-2\">.*?</details>", re.DOTALL)


def test_a_deleted_colleague_leaves_the_page_at_once(opened):
    ruta, jonas = opened.members["ruta"], opened.members["jonas"]
    ruta.client().post(ruta.url, {**answer_form(opened), "action": "save"})
    client = jonas.client()
    client.post(jonas.url, {**answer_form(opened, version=1, short="Kita"), "action": "save"})
    jonas.person.save()  # Jonas is now the latest-changed person of the page's history
    assert "Rūta Rutkauskienė" in client.get(jonas.url).content.decode()  # cached

    ruta.person.delete()

    assert "Rūta Rutkauskienė" not in client.get(jonas.url).content.decode()


def test_a_submitted_version_is_rendered_once_a_worker_and_shown_as_it_was(
    opened, superuser, django_assert_num_queries
):
    ruta, jonas = opened.members["ruta"], opened.members["jonas"]
    ruta_client, jonas_client = ruta.client(), jonas.client()
    submitted = ruta_client.post(
        ruta.url, {**answer_form(opened, short="Pirmoji nuomonė"), "action": "submit"}
    )
    assert submitted.status_code == 302
    (first,) = VERSION_BLOCK.findall(_text(ruta_client.get(ruta.url)))
    assert "Version 1, by Rūta Rutkauskienė" in first and "Pirmoji nuomonė" in first

    amended = jonas_client.post(
        jonas.url, {**answer_form(opened, version=1, short="Antroji nuomonė"), "action": "submit"}
    )
    assert amended.status_code == 302
    # The page is rendered anew (a new version), with the same queries; version 1 as it was shown.
    with django_assert_num_queries(9):
        newest, older = VERSION_BLOCK.findall(_text(ruta_client.get(ruta.url)))
    assert "Version 2, by Jonas Jonaitis" in newest and "Antroji nuomonė" in newest
    assert older == first

    # Version 1 was not rendered again: its rendering was kept. (A version never changes; the
    # change below is the test's own, to tell a kept rendering from a new one.)
    version = opened.consultation.responses.get().versions.get(number=1)
    version.answers = [
        {**entry, "text": "Pakeista"} if entry.get("text") else entry for entry in version.answers
    ]
    version.save()
    ruta.organisation.name = "Saulės energetikos klasteris"  # a new page, rendered
    ruta.organisation.save()
    assert VERSION_BLOCK.findall(_text(ruta_client.get(ruta.url)))[1] == first
    # Another worker (its own cache empty) renders it from the database.
    caches[page_cache.FRAGMENT_CACHE].clear()
    caches[page_cache.LOCAL_CACHE].clear()
    caches["default"].clear()
    assert "Pakeista" in VERSION_BLOCK.findall(_text(ruta_client.get(ruta.url)))[1]

    # What the rendering shows that can change makes a new one: the name of the person who
    # submitted it, and the language.
    ruta.person = crm_services.person_erase(person=ruta.person, user=superuser)
    older = VERSION_BLOCK.findall(_text(jonas_client.get(jonas.url)))[1]
    assert f"Version 1, by Anonymised person #{ruta.person.pk}" in older
    assert "Rūta" not in older
    lithuanian = VERSION_BLOCK.findall(_text(jonas_client.get(jonas.lt_url)))[1]
    assert f"Versija Nr. 1, pateikė {ruta.person.full_name}" in lithuanian


def test_each_worker_keeps_a_copy_of_the_pages_it_served(opened, django_assert_num_queries):
    ruta = opened.members["ruta"]
    client = ruta.client()
    rendered = _text(client.get(ruta.url))
    shared, local = caches["default"], caches[page_cache.LOCAL_CACHE]

    # Another worker: nothing of its own yet, the page from the shared cache, kept from then on.
    local.clear()
    with django_assert_num_queries(1):
        assert CSRF_VALUE.sub("", _text(client.get(ruta.url))) == CSRF_VALUE.sub("", rendered)
    shared.clear()
    with django_assert_num_queries(1):  # the state; the page from the worker's copy
        assert CSRF_VALUE.sub("", _text(client.get(ruta.url))) == CSRF_VALUE.sub("", rendered)

    # A change makes a new key: neither copy of the old page is served.
    ruta.organisation.name = "Saulės energetikos klasteris"
    ruta.organisation.save()
    assert "Saulės energetikos klasteris" in _text(client.get(ruta.url))


def test_the_time_left_and_the_deadline_are_never_taken_from_an_older_page(opened):
    ruta = opened.members["ruta"]
    client = ruta.client()
    deadline = opened.consultation.internal_deadline

    with time_machine.travel(deadline - datetime.timedelta(minutes=30), tick=False):
        assert "(30 minutes left)" in _text(client.get(ruta.url))
        assert "(30 minutes left)" in _text(client.get(ruta.url))
    with time_machine.travel(deadline - datetime.timedelta(minutes=29), tick=False):
        assert "(29 minutes left)" in _text(client.get(ruta.url))
    with time_machine.travel(deadline, tick=False):
        closed = _text(client.get(ruta.url))
    assert "The deadline has passed. The answer can be read but no longer changed." in closed
    assert 'value="save"' not in closed


def test_the_page_after_a_save_is_rendered_once_and_its_message_shown_once(opened, django_assert_num_queries):
    ruta = opened.members["ruta"]
    client = ruta.client()
    _text(client.get(ruta.url))
    client.post(ruta.url, {**answer_form(opened), "action": "save"})

    after_save = _text(client.get(ruta.url))
    assert "Draft saved." in after_save
    assert page_cache.MESSAGES_PLACEHOLDER not in after_save
    with django_assert_num_queries(1):  # kept in the cache as it was rendered, message apart
        again = _text(client.get(ruta.url))
    assert "Draft saved." not in again
    message = re.compile(r'<div class="alert alert-success" role="status">Draft saved\.[^<]*</div>')
    assert len(message.findall(after_save)) == 1

    def bare(html: str) -> str:
        return re.sub(r"\s+", " ", message.sub("", CSRF_VALUE.sub("", html)))

    assert bare(again) == bare(after_save)


def test_a_page_from_the_cache_shows_the_requests_own_messages(opened, django_assert_num_queries):
    ruta = opened.members["ruta"]
    client = ruta.client()
    client.post(ruta.url, {**answer_form(opened), "action": "save"})
    _text(client.get(ruta.url))  # the page of version 1, now cached

    # Saving the same answers again changes nothing: the same page, with a message of its own.
    assert client.post(ruta.url, {**answer_form(opened, version=1), "action": "save"}).status_code == 302
    with django_assert_num_queries(1):
        unchanged = _text(client.get(ruta.url))
    assert "Nothing had changed since the last save." in unchanged
    assert "Nothing had changed" not in _text(client.get(ruta.url))
    assert (
        '<div class="alert alert-info" role="status">Nothing had changed since the last save.</div>'
        in unchanged
    )


def test_a_head_request_is_answered_as_the_get_is(opened, django_assert_num_queries):
    ruta = opened.members["ruta"]
    client = ruta.client()
    assert client.head(ruta.url).status_code == 200  # rendered and kept, as for a GET
    with django_assert_num_queries(1):  # the state: from the cache
        assert client.head(ruta.url).status_code == 200
    with django_assert_num_queries(1):
        assert "Saulės klasteris" in _text(client.get(ruta.url))
    assert Client().head(ruta.url).status_code == 404


def test_each_language_has_its_own_page(opened):
    ruta = opened.members["ruta"]
    client = ruta.client()
    for _ in range(2):
        lithuanian = _text(client.get(ruta.lt_url))
        english = _text(client.get(ruta.url))
        assert '<html lang="lt">' in lithuanian and "Išsaugoti juodraštį" in lithuanian
        assert '<html lang="en">' in english and "Save draft" in english


def test_a_session_without_an_active_link_never_gets_the_cached_page(opened, superuser):
    ruta, egle = opened.members["ruta"], opened.members["egle"]
    client = ruta.client()
    _text(client.get(ruta.url))
    _text(client.get(ruta.url))

    foreign = egle.client().get(ruta.url)
    anonymous = Client().get(ruta.url)
    services.access_link_revoke(access_link=ruta.link, user=superuser)
    revoked = client.get(ruta.url)

    for response in (foreign, anonymous, revoked):
        assert response.status_code == 404
        assert "Saulės klasteris" not in response.content.decode()


def _blank_page_documents(opened, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    document = ConsultationDocument(consultation=opened.consultation, title="Įstatymo projektas")
    document.file.save("projektas.pdf", ContentFile(b"%PDF-1.7 projektas"))


def _placeholders_left(html: str) -> list[str]:
    return [
        placeholder
        for placeholder in (
            page_cache.ORGANISATION_PLACEHOLDER,
            str(page_cache.INVITATION_PLACEHOLDER),
            page_cache.CSRF_PLACEHOLDER,
            page_cache.MESSAGES_PLACEHOLDER,
        )
        if placeholder in html
    ]


def test_the_blank_page_is_rendered_once_for_every_organisation_with_its_own_name_and_addresses(
    opened, settings, tmp_path, django_assert_num_queries
):
    _blank_page_documents(opened, settings, tmp_path)
    ruta, egle = opened.members["ruta"], opened.members["egle"]
    sun_page = _text(ruta.client().get(ruta.url))
    egle_client = egle.client()

    with django_assert_num_queries(1):  # the state: the page is the one rendered above
        moon_page = _text(egle_client.get(egle.url))

    moon = egle.invitation
    assert _placeholders_left(sun_page) == _placeholders_left(moon_page) == []
    assert "Mėnulio klasteris" in moon_page and "Saulės klasteris" not in moon_page
    assert ruta.lt_url not in moon_page
    document = opened.consultation.documents.get()
    assert f'href="{reverse("consultations:document", args=[moon.pk, document.pk])}"' in moon_page
    assert f'href="{egle.lt_url}"' in moon_page  # the language links
    assert "Nobody from your organisation has saved an answer yet." in moon_page

    # Apart from the name, the addresses and the CSRF token, the two pages are one.
    def page_of_nobody(html: str, member) -> str:
        # Every address of the page starts with the answer page's (an English one with /en).
        return (
            CSRF_VALUE.sub("", html).replace(member.organisation.name, "NAME").replace(member.lt_url, "/URL/")
        )

    assert page_of_nobody(moon_page, egle) == page_of_nobody(sun_page, ruta)
    # The answer form posts to the organisation's own address, in the page's language.
    assert f'<form method="post" novalidate id="answer-form" action="{egle.url}">' in moon_page
    saved = egle_client.post(egle.url, {**answer_form(opened, short="Eglės nuomonė"), "action": "save"})
    assert saved.status_code == 302
    assert "Eglės nuomonė" in _text(egle_client.get(egle.url))


def test_an_organisation_that_saved_an_answer_has_its_own_page_and_the_others_keep_the_blank_one(
    opened, django_assert_num_queries
):
    ruta, jonas, egle = opened.members["ruta"], opened.members["jonas"], opened.members["egle"]
    ruta_client, egle_client = ruta.client(), egle.client()
    _text(egle_client.get(egle.url))

    ruta_client.post(ruta.url, {**answer_form(opened, short="Saulės nuomonė"), "action": "save"})
    # Rendered for Saulės klasteris alone (its answer and who saved it), then kept.
    sun_page = _text(ruta_client.get(ruta.url))
    assert "Saulės nuomonė" in sun_page and "Rūta Rutkauskienė" in sun_page
    assert "Saulės nuomonė" in _text(jonas.client().get(jonas.url))

    with django_assert_num_queries(1):
        moon_page = _text(egle_client.get(egle.url))
    assert "Saulės nuomonė" not in moon_page and "Rūta" not in moon_page
    assert "Nobody from your organisation has saved an answer yet." in moon_page


def test_the_organisations_name_on_the_blank_page_is_escaped_and_current(opened, django_assert_num_queries):
    egle = opened.members["egle"]
    client = egle.client()
    _text(client.get(egle.url))

    egle.organisation.name = 'Mėnulio <b>"klasteris"</b> & Ko'
    egle.organisation.save()
    with django_assert_num_queries(1):  # the page stays; the name comes with the state
        page = _text(client.get(egle.url))

    assert "Mėnulio &lt;b&gt;&quot;klasteris&quot;&lt;/b&gt; &amp; Ko" in page
    assert "<b>" not in page


def test_an_address_with_a_query_string_keeps_its_own_page(opened, django_assert_num_queries):
    ruta, egle = opened.members["ruta"], opened.members["egle"]
    _text(ruta.client().get(ruta.url))
    client = egle.client()

    # Its language links keep the query string: rendered for it (the invitation, the questions,
    # the response and the documents), then kept.
    with django_assert_num_queries(5):
        page = _text(client.get(egle.url + "?nuo=laisko"))
    assert "Mėnulio klasteris" in page and f'href="{egle.lt_url}?nuo=laisko"' in page
    with django_assert_num_queries(1):
        assert "Mėnulio klasteris" in _text(client.get(egle.url + "?nuo=laisko"))


def test_text_typed_like_a_placeholder_is_shown_as_typed_to_every_colleague(opened):
    ruta, jonas = opened.members["ruta"], opened.members["jonas"]
    typed = "csrfTokenPlaceholderOfTheCachedMemberPage messagesPlaceholder csrfTokenPlaceholder"
    ruta.client().post(ruta.url, {**answer_form(opened, long=typed), "action": "save"})

    page = jonas.client().get(jonas.url).content.decode()

    assert typed in page
    # The placeholders cannot be typed: a part of each comes from the SECRET_KEY.
    assert page_cache.CSRF_PLACEHOLDER.startswith("csrfTokenPlaceholder")
    assert len(page_cache.CSRF_PLACEHOLDER) == len("csrfTokenPlaceholder") + 24
    assert page_cache.CSRF_PLACEHOLDER not in page
    with override_settings(SECRET_KEY="another-key-" + "x" * 50):
        assert page_cache._placeholder("csrfTokenPlaceholder") != page_cache.CSRF_PLACEHOLDER


def test_a_new_release_renders_the_page_afresh(opened, monkeypatch, django_assert_num_queries):
    ruta = opened.members["ruta"]
    client = ruta.client()
    _text(client.get(ruta.url))
    with django_assert_num_queries(1):
        _text(client.get(ruta.url))

    monkeypatch.setattr(page_cache, "release", lambda: "the-next-release")

    with django_assert_num_queries(4):  # rendered: the consultation, questions and documents too
        _text(client.get(ruta.url))


def test_the_release_fingerprint_covers_the_templates_translations_and_code():
    page_cache.release.cache_clear()
    fingerprint = page_cache.release()

    assert re.fullmatch(r"[0-9a-f]{16}", fingerprint)
    assert page_cache.release() == fingerprint  # read once a process
    root = Path(settings.BASE_DIR)
    covered = {path for pattern in page_cache.RELEASE_FILES for path in root.glob(pattern)}
    assert root / "templates/consultations/response_detail.html" in covered
    assert root / "consultations/forms.py" in covered
    assert root / "static/js/answer.js" in covered


postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@postgresql_only
def test_on_postgresql_the_member_pages_queries_are_prepared_and_nothing_else(opened):
    from config.db import PREPARE_THRESHOLD
    from crm.models import Organisation

    ruta = opened.members["ruta"]
    client = ruta.client()
    first = _text(client.get(ruta.url))
    pages = [_text(client.get(ruta.url)) for _ in range(PREPARE_THRESHOLD + 1)]
    assert {CSRF_VALUE.sub("", page) for page in pages} == {CSRF_VALUE.sub("", first)}
    # Saves and the pages after them: the link, the questions, the answers run as often.
    for number in range(PREPARE_THRESHOLD + 1):
        form = answer_form(opened, version=number, short=f"Pritariame iš esmės ({number})")
        assert client.post(ruta.url, {**form, "action": "save"}).status_code == 302
        assert f"Pritariame iš esmės ({number})" in _text(client.get(ruta.url))
    # Elsewhere, Django's queries bind on the client and are never prepared, however often run.
    for _ in range(PREPARE_THRESHOLD + 2):
        Organisation.objects.filter(name="Niekur neprenumeruojamas klasteris").count()

    prepared = _prepared_statements()
    assert all("$1" in statement for statement in prepared)  # bound on the server
    for table in ("consultations_accesslink", "consultations_question", "consultations_answer"):
        assert any(f'FROM "{table}"' in statement for statement in prepared), table
    state = [s for s in prepared if "organisation_updated_at" in s]
    assert len(state) == 1  # the state query, once
    assert not any('COUNT(*) AS "__count" FROM "crm_organisation"' in statement for statement in prepared)
    assert connection.connection.prepare_threshold is None  # Django's setting, restored
    assert connection.connection.cursor_factory.__name__ == "Cursor"


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the connection is closed
def test_behind_a_pooler_the_member_pages_queries_can_be_left_unprepared(opened, settings):
    from config.db import PREPARE_THRESHOLD

    settings.CONSULTATION_PREPARED_STATEMENTS = False
    connection.close()  # a new connection, with no statement prepared on it yet
    ruta = opened.members["ruta"]
    client = ruta.client()
    for number in range(PREPARE_THRESHOLD + 1):
        _text(client.get(ruta.url))
        form = answer_form(opened, version=number, short=f"Pritariame ({number})")
        assert client.post(ruta.url, {**form, "action": "save"}).status_code == 302
    assert _prepared_statements() == []


def _page_key(member) -> str:
    """The cache key of the member's page (in English, as `member.url` asks for it)."""
    from django.test import RequestFactory
    from django.utils import translation

    from consultations import selectors

    link = member.link
    state = selectors.member_page_state(
        links=[(link.pk, link.browser_key)], invitation_id=member.invitation.pk
    )
    with translation.override("en"):
        return page_cache.page_key(RequestFactory().get(member.url), state)


def test_a_page_another_request_is_rendering_is_waited_for_not_rendered_again(
    opened, django_assert_num_queries
):
    ruta = opened.members["ruta"]
    client = ruta.client()
    key = _page_key(ruta)
    assert page_cache.render_claim(key)  # another worker is rendering the page

    def render_elsewhere() -> None:
        time.sleep(0.05)
        page_cache.store_page(key, f"<p>Rendered by the other worker {page_cache.CSRF_PLACEHOLDER}</p>")

    other = threading.Thread(target=render_elsewhere)
    other.start()
    try:
        with django_assert_num_queries(1):  # the state; nothing of the page's
            html = _text(client.get(ruta.url))
    finally:
        other.join()
    assert html.startswith("<p>Rendered by the other worker ")
    assert page_cache.CSRF_PLACEHOLDER not in html
    assert not page_cache.render_claim(key)  # the waiting request leaves the other's claim alone


def test_a_claim_nobody_fulfils_is_waited_for_a_while_then_the_page_is_rendered(opened, monkeypatch):
    monkeypatch.setattr(page_cache, "RENDER_WAIT", 0.05)
    ruta = opened.members["ruta"]
    key = _page_key(ruta)
    assert page_cache.render_claim(key)  # a render that failed without releasing its claim

    html = _text(ruta.client().get(ruta.url))

    assert opened.consultation.title in html
    assert caches["default"].get(key) is not None  # rendered and kept for the next views


def test_the_claim_to_render_a_page_is_released_after_the_render_and_after_a_failure(opened, monkeypatch):
    from consultations.views import ResponseView

    ruta = opened.members["ruta"]
    client = ruta.client()
    key = _page_key(ruta)
    _text(client.get(ruta.url))
    assert page_cache.render_claim(key)
    page_cache.render_claim_release(key)

    caches["default"].clear()
    caches[page_cache.LOCAL_CACHE].clear()

    def failing(*args, **kwargs):
        raise RuntimeError("the render failed")

    monkeypatch.setattr(ResponseView, "_respond", failing)
    with pytest.raises(RuntimeError, match="the render failed"):
        client.get(ruta.url)
    assert page_cache.render_claim(key)


def test_the_time_left_in_the_pages_key_changes_exactly_when_the_text_shown_does():
    from django.utils import translation

    from consultations.templatetags.consultation_tags import time_left, time_left_units

    deadline = datetime.datetime(2026, 12, 18, 15, 0, tzinfo=datetime.UTC)
    lefts = [
        datetime.timedelta(days=3, hours=4, minutes=59, seconds=59),
        datetime.timedelta(days=3, hours=4),
        datetime.timedelta(days=3, minutes=59),  # a zero second unit is left out
        datetime.timedelta(days=3),
        datetime.timedelta(days=1, seconds=1),
        datetime.timedelta(hours=23, minutes=59, seconds=59),
        datetime.timedelta(hours=2, minutes=5),
        datetime.timedelta(hours=2, seconds=59),
        datetime.timedelta(minutes=1),
        datetime.timedelta(seconds=59),
        datetime.timedelta(seconds=1),
        datetime.timedelta(0),
        -datetime.timedelta(minutes=1),
    ]
    shown = {}
    for left in lefts:
        with time_machine.travel(deadline - left, tick=False), translation.override("en"):
            shown[left] = (time_left(deadline), time_left_units(deadline))
    assert [text for text, _units in shown.values()] == [
        "3 days 4 hours",
        "3 days 4 hours",
        "3 days",
        "3 days",
        "1 day",
        "23 hours 59 minutes",
        "2 hours 5 minutes",
        "2 hours",
        "1 minute",
        "less than a minute",
        "less than a minute",
        "",
        "",
    ]
    # The same units for the same text, other units for another text.
    texts_by_units = {}
    for text, units in shown.values():
        assert texts_by_units.setdefault(units, text) == text
    assert len(texts_by_units) == len({text for text, _units in shown.values()})
    assert time_left(None) == "" and time_left_units(None) is None
    with (
        time_machine.travel(deadline - datetime.timedelta(days=2, hours=5), tick=False),
        translation.override("lt"),
    ):
        assert time_left(deadline) == "2 dienos 5 valandos"


def test_the_cached_page_names_its_questions_and_a_question_change_renders_it_anew(
    opened, django_assert_num_queries
):
    ruta, egle = opened.members["ruta"], opened.members["egle"]
    shown = re.compile(r'name="questions_shown" value="([^"]*)"')
    first = shown.search(_text(ruta.client().get(ruta.url))).group(1)
    # The consultation's blank page, kept for every organisation, carries it too.
    egle_client = egle.client()
    with django_assert_num_queries(1):
        assert shown.search(_text(egle_client.get(egle.url))).group(1) == first

    single = opened.questions["single"]
    single.choices = ["Nepritariame", "Pritariame", "Pritariame su pastabomis"]
    services.question_save(question=single)

    changed = shown.search(_text(egle_client.get(egle.url))).group(1)
    assert changed != first
    with django_assert_num_queries(1):
        assert shown.search(_text(egle_client.get(egle.url))).group(1) == changed
