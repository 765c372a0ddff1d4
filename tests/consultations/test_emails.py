from __future__ import annotations

import datetime
import zoneinfo

import pytest
import time_machine
from django.core import mail

from consultations import selectors, services
from crm.models import Person
from tests.consultations.factories import ConsultationFactory, QuestionFactory, member_organisation
from tests.factories import AffiliationFactory, OrganisationFactory, PersonFactory

pytestmark = pytest.mark.django_db

VILNIUS = zoneinfo.ZoneInfo("Europe/Vilnius")
OPENED = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=VILNIUS)
DEADLINE = datetime.datetime(2026, 11, 20, 17, 0, tzinfo=VILNIUS)


@pytest.fixture
def consultation(policy_officer, settings):
    settings.SITE_URL = "https://crm.example.org"
    policy_officer.email = "politika@asociacija.lt"
    policy_officer.save()
    organisation = member_organisation(contacts=0, name="Klasteris „Lazeriai & optika“")
    AffiliationFactory(
        organisation=organisation,
        receives_consultations=True,
        person=PersonFactory(first_name="Rūta", email="ruta@lazeriai.lt", language=Person.Language.LT),
    )
    AffiliationFactory(
        organisation=organisation,
        receives_consultations=True,
        person=PersonFactory(first_name="John", email="john@lazeriai.lt", language=Person.Language.EN),
    )
    consultation = ConsultationFactory(
        title="Dėl įstatymo <projekto> „A & B“",
        sectors=["ict"],
        internal_deadline=DEADLINE,
        external_deadline=None,
        external_reference="25-12345",
        requesting_institution=OrganisationFactory(name="Ekonomikos ir inovacijų ministerija", kind="public"),
        responsible=policy_officer,
    )
    QuestionFactory(consultation=consultation)
    with time_machine.travel(OPENED, tick=False):
        services.consultation_open(consultation=consultation, user=policy_officer)
    return consultation


def _message_to(address: str) -> mail.EmailMultiAlternatives:
    (message,) = [m for m in mail.outbox if m.to == [address]]
    return message


def test_invitation_reaches_each_contact_in_their_language_with_their_own_link(consultation):
    lithuanian = _message_to("ruta@lazeriai.lt")
    english = _message_to("john@lazeriai.lt")

    assert "https://crm.example.org/konsultacijos/nuoroda/" in lithuanian.body
    assert "/en/" not in lithuanian.body
    assert "2026 m. lapkričio 20 d., 17:00" in lithuanian.body
    assert "Rūta" in lithuanian.body

    assert "https://crm.example.org/en/konsultacijos/nuoroda/" in english.body
    assert "Nov. 20, 2026" in english.body
    assert "Dear John," in english.body

    for message in (lithuanian, english):
        token = message.body.split("/konsultacijos/nuoroda/")[1].split("/")[0]
        link = selectors.access_link_for_token(token=token)
        assert link.person.email == message.to[0]
        html, mimetype = message.alternatives[0]
        assert mimetype == "text/html"
        assert token in html
        assert "25-12345" in message.body
        assert "Ekonomikos ir inovacijų ministerija" in message.body
        assert message.reply_to == ["politika@asociacija.lt"]
        assert consultation.title in message.subject


def test_member_and_staff_typed_text_is_escaped_in_html_and_plain_in_text(consultation):
    message = _message_to("ruta@lazeriai.lt")
    html = message.alternatives[0][0]
    assert "Dėl įstatymo &lt;projekto&gt; „A &amp; B“" in html
    assert "Klasteris „Lazeriai &amp; optika“" in html
    assert "<projekto>" not in html
    assert "Dėl įstatymo <projekto> „A & B“" in message.body
    assert "Klasteris „Lazeriai & optika“" in message.body
    assert "http" not in html.replace("https://crm.example.org/", "")  # no third-party assets


def test_reminder_mails_a_new_link_and_the_invitations_link_keeps_working(consultation):
    invitation_token = _message_to("john@lazeriai.lt").body.split("/nuoroda/")[1].split("/")[0]
    mail.outbox.clear()

    with time_machine.travel(OPENED + datetime.timedelta(days=3), tick=False):
        services.reminders_send(consultation=consultation)

    reminder = _message_to("john@lazeriai.lt")
    assert "Reminder" in reminder.subject
    assert "has not yet submitted" in reminder.body
    assert "Links in earlier e-mails about this consultation keep working too" in reminder.body
    assert "replaces" not in reminder.body
    reminder_token = reminder.body.split("/nuoroda/")[1].split("/")[0]
    assert reminder_token != invitation_token
    invitation_link = selectors.access_link_for_token(token=invitation_token)
    assert invitation_link.person.email == "john@lazeriai.lt"
    assert selectors.access_link_for_token(token=reminder_token) == invitation_link
    assert list(invitation_link.tokens.values_list("kind", flat=True)) == ["invitation", "reminder"]
    lithuanian = _message_to("ruta@lazeriai.lt")
    assert "2026 m. lapkričio 20 d." in lithuanian.subject


def test_sent_times_are_marked(consultation):
    invitation = consultation.invitations.get()
    assert invitation.sent_at == OPENED
    for link in invitation.access_links.all():
        assert link.invited_at == OPENED
        assert link.last_sent_at == OPENED
        (token,) = link.tokens.all()
        assert (token.kind, token.issued_at, token.last_used_at) == ("invitation", OPENED, None)
