from __future__ import annotations

import re

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from consultations import services
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


def test_the_token_is_exchanged_for_a_session_and_a_token_free_address(opened):
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


def test_revoking_a_link_ends_the_sessions_opened_with_it(opened, policy_officer):
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
