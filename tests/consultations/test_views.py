from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.core import mail, signing
from django.core.files.base import ContentFile
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from consultations import services, views
from consultations.models import AccessLink, ConsultationDocument, Invitation
from tests.consultations.factories import ConsultationFactory, QuestionFactory, member_organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def opened(policy_officer, settings, tmp_path):
    """An open consultation for two organisations; returns it with each contact's token by e-mail."""
    settings.MEDIA_ROOT = tmp_path
    member_organisation(name="Pirmas klasteris", contacts=2)
    member_organisation(name="Antras klasteris")
    consultation = ConsultationFactory(
        sectors=["ict"], title="Dėl inovacijų įstatymo", background="Prašome **pastabų**.<script>x()</script>"
    )
    QuestionFactory(consultation=consultation, text="Ar pritariate 3 straipsniui?")
    services.consultation_open(consultation=consultation, user=policy_officer)
    tokens = {m.to[0]: m.body.split("/nuoroda/")[1].split("/")[0] for m in mail.outbox}
    return consultation, tokens


def _token_of(tokens: dict[str, str], organisation_name: str) -> tuple[str, AccessLink]:
    for email, token in tokens.items():
        link = AccessLink.objects.get(person__email=email)
        if link.invitation.organisation.name == organisation_name:
            return token, link
    raise AssertionError(organisation_name)


def _without_values(content: bytes) -> str:
    """The page without attribute values (the CSRF token and the language form's return address differ)."""
    return re.sub(r'value="[^"]*"', "", content.decode())


def _access_url(token: str) -> str:
    return reverse("consultations:access", kwargs={"token": token})


def test_opening_a_link_by_get_changes_nothing(opened):
    _consultation, tokens = opened
    token, link = _token_of(tokens, "Pirmas klasteris")
    client = Client()

    response = client.get(_access_url(token))

    assert response.status_code == 200
    assert response["Referrer-Policy"] == "no-referrer"
    assert "Pirmas klasteris" in response.content.decode()
    assert 'method="post"' in response.content.decode()
    link.refresh_from_db()
    assert link.opened_at is None
    assert Invitation.objects.filter(opened_at__isnull=False).count() == 0
    assert not Session.objects.exists()


def test_the_token_is_exchanged_for_a_link_cookie_and_a_token_free_address(opened):
    consultation, tokens = opened
    token, link = _token_of(tokens, "Pirmas klasteris")
    client = Client()

    response = client.post(_access_url(token))

    assert response.status_code == 302
    assert response["Location"] == reverse("consultations:response", args=[link.invitation_id])
    assert token not in response["Location"]
    assert response["Referrer-Policy"] == "no-referrer"
    link.refresh_from_db()
    assert link.opened_at is not None
    assert link.invitation.opened_at is not None

    page = client.get(response["Location"])
    content = page.content.decode()
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "no-referrer"
    assert consultation.title in content
    assert "<strong>pastabų</strong>" in content
    assert "<script>x()</script>" not in content
    assert "Ar pritariate 3 straipsniui?" in content


def test_the_browser_holds_its_links_in_a_signed_cookie_set_as_the_session_cookie_is(opened, settings):
    settings.SESSION_COOKIE_SECURE = True
    _consultation, tokens = opened
    token, link = _token_of(tokens, "Pirmas klasteris")
    client = Client()

    response = client.post(_access_url(token))

    cookie = response.cookies[views.LINKS_COOKIE]
    assert cookie["httponly"] and cookie["secure"]
    assert cookie["samesite"] == settings.SESSION_COOKIE_SAMESITE
    assert cookie["max-age"] == settings.SESSION_COOKIE_AGE
    assert cookie["path"] == settings.SESSION_COOKIE_PATH
    # The link's id and browser key, then the signature.
    assert cookie.value.startswith(f"{link.pk}-{link.browser_key}:")
    assert not Session.objects.exists()
    assert client.get(response["Location"]).status_code == 200

    # Sessions that end with the browser: so does the link cookie.
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    again = Client().post(_access_url(token))
    assert again.cookies[views.LINKS_COOKIE]["max-age"] == ""


def test_every_link_has_its_own_browser_key(opened):
    keys = list(AccessLink.objects.values_list("browser_key", flat=True))
    assert len(keys) == 3 and len(set(keys)) == 3
    assert all(len(key) == 32 and int(key, 16) >= 0 for key in keys)


def test_a_link_cookie_that_was_altered_forged_or_is_too_old_opens_nothing(opened, settings):
    _consultation, tokens = opened
    token, link = _token_of(tokens, "Pirmas klasteris")
    _other_token, other_link = _token_of(tokens, "Antras klasteris")
    url = reverse("consultations:response", args=[other_link.invitation_id])
    client = Client()
    client.post(_access_url(token))
    signed = client.cookies[views.LINKS_COOKIE].value

    other = f"{other_link.pk}-{other_link.browser_key}"
    # Another organisation's link put in place of the browser's own.
    client.cookies[views.LINKS_COOKIE] = signed.replace(f"{link.pk}-{link.browser_key}", other, 1)
    altered = client.get(url)
    # Signed with another SECRET_KEY, or for another purpose.
    with override_settings(SECRET_KEY="another-key-" + "x" * 50):
        client.cookies[views.LINKS_COOKIE] = views.links_cookie_value(
            [(other_link.pk, other_link.browser_key)]
        )
    foreign_key = client.get(url)
    client.cookies[views.LINKS_COOKIE] = signing.get_cookie_signer(salt="another purpose").sign(other)
    other_purpose = client.get(url)
    # Signed with this SECRET_KEY, but without the link's browser key (someone holding the
    # SECRET_KEY and not the database).
    client.cookies[views.LINKS_COOKIE] = views.links_cookie_value([(other_link.pk, "0" * 32)])
    guessed = client.get(url)
    client.cookies[views.LINKS_COOKIE] = views.links_cookie_value([(other_link.pk, "")])
    no_key = client.get(url)
    # Older than the session cookie's age.
    client.cookies[views.LINKS_COOKIE] = views.links_cookie_value([(other_link.pk, other_link.browser_key)])
    assert client.get(url).status_code == 200
    with time_machine.travel(
        timezone.now() + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE + 2), tick=False
    ):
        too_old = client.get(url)

    for response in (altered, foreign_key, other_purpose, guessed, no_key, too_old):
        assert response.status_code == 404
        assert "Antras klasteris" not in response.content.decode()


def test_a_browser_keeps_the_links_it_opened_up_to_the_limit(opened, policy_officer, monkeypatch):
    monkeypatch.setattr(views, "LINKS_MAX", 2)
    _consultation, tokens = opened
    first = _token_of(tokens, "Pirmas klasteris")
    second = _token_of(tokens, "Antras klasteris")
    # A second consultation to the same organisations: a third link, to an invitation of its own.
    mail.outbox.clear()
    later = ConsultationFactory(sectors=["ict"])
    QuestionFactory(consultation=later)
    services.consultation_open(consultation=later, user=policy_officer)
    person = second[1].person
    third = (
        next(m.body.split("/nuoroda/")[1].split("/")[0] for m in mail.outbox if m.to == [person.email]),
        AccessLink.objects.get(invitation__consultation=later, person=person),
    )
    opened_links = [first, second, third]
    client = Client()

    for token, _link in opened_links[:2]:
        client.post(_access_url(token))
    pages = [reverse("consultations:response", args=[link.invitation_id]) for _token, link in opened_links]
    assert [client.get(page).status_code for page in pages[:2]] == [200, 200]

    client.post(_access_url(opened_links[2][0]))
    # The oldest is dropped; opening one again keeps it once, as the newest.
    _first_held, second_held, third_held = ((link.pk, link.browser_key) for _token, link in opened_links)
    assert views.held_links(client.get(pages[2]).wsgi_request) == [second_held, third_held]
    assert client.get(pages[0]).status_code == 404
    client.post(_access_url(opened_links[1][0]))
    assert views.held_links(client.get(pages[1]).wsgi_request) == [third_held, second_held]


def test_opening_a_colleague_s_link_to_the_same_invitation_replaces_the_one_held(opened):
    _consultation, tokens = opened
    first, colleague = AccessLink.objects.filter(invitation__organisation__name="Pirmas klasteris")
    other_token, other = _token_of(tokens, "Antras klasteris")
    client = Client()

    for token in (tokens[first.person.email], other_token, tokens[colleague.person.email]):
        client.post(_access_url(token))

    page = client.get(reverse("consultations:response", args=[first.invitation_id]))
    assert page.status_code == 200
    # The other organisation's link stays; the colleague's link takes the place of the first one.
    assert views.held_links(page.wsgi_request) == [
        (other.pk, other.browser_key),
        (colleague.pk, colleague.browser_key),
    ]


def test_wrong_revoked_and_expired_links_get_one_and_the_same_page(opened, policy_officer):
    consultation, tokens = opened
    first_token, first_link = _token_of(tokens, "Pirmas klasteris")
    second_token, _second_link = _token_of(tokens, "Antras klasteris")
    client = Client()
    wrong = client.get(_access_url("x" * 43))

    services.access_link_revoke(access_link=first_link, user=policy_officer)
    revoked_get = client.get(_access_url(first_token))
    revoked_post = client.post(_access_url(first_token))

    services.consultation_close(consultation=consultation, user=policy_officer)
    expired = client.get(_access_url(second_token))

    for response in (wrong, revoked_get, revoked_post, expired):
        assert response.status_code == 404
        assert response["Referrer-Policy"] == "no-referrer"
        assert _without_values(response.content) == _without_values(wrong.content)
    assert not Session.objects.exists()


def test_a_session_opens_only_its_own_organisations_invitation(opened):
    _consultation, tokens = opened
    token, link = _token_of(tokens, "Pirmas klasteris")
    _other_token, other_link = _token_of(tokens, "Antras klasteris")
    client = Client()
    client.post(_access_url(token))

    assert client.get(reverse("consultations:response", args=[link.invitation_id])).status_code == 200
    foreign = client.get(reverse("consultations:response", args=[other_link.invitation_id]))
    assert foreign.status_code == 404
    assert "Antras klasteris" not in foreign.content.decode()
    assert Client().get(reverse("consultations:response", args=[link.invitation_id])).status_code == 404


def test_revoking_a_link_ends_the_access_of_every_browser_that_opened_it(opened, policy_officer):
    _consultation, tokens = opened
    token, link = _token_of(tokens, "Pirmas klasteris")
    client = Client()
    client.post(_access_url(token))
    url = reverse("consultations:response", args=[link.invitation_id])
    assert client.get(url).status_code == 200

    services.access_link_revoke(access_link=link, user=policy_officer)

    assert client.get(url).status_code == 404


def test_english_links_open_the_english_page(opened):
    _consultation, tokens = opened
    token, link = _token_of(tokens, "Antras klasteris")
    client = Client()
    english_page = "/en" + reverse("consultations:response", args=[link.invitation_id])
    response = client.post("/en" + _access_url(token))
    assert response["Location"] == english_page
    assert "Answer by" in client.get(response["Location"]).content.decode()


def test_documents_are_served_to_link_holders_only(opened):
    consultation, tokens = opened
    document = ConsultationDocument(consultation=consultation, title="Projektas")
    document.file.save("projektas.pdf", ContentFile(b"%PDF-1.7 projektas"))
    token, link = _token_of(tokens, "Pirmas klasteris")
    url = reverse("consultations:document", args=[link.invitation_id, document.pk])

    assert Client().get(url).status_code == 404
    client = Client()
    client.post(_access_url(token))
    assert (
        "Projektas"
        in client.get(reverse("consultations:response", args=[link.invitation_id])).content.decode()
    )
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.7 projektas"
    assert "attachment" in response["Content-Disposition"]
