"""The consultation e-mails greet their reader by first name: in Lithuanian in the vocative
("Gerb. Mindaugai,"), in English as written ("Dear Mindaugas,")."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
import time_machine
from django.core import mail

from consultations import services
from consultations.answers import AnswerValue
from consultations.models import Invitation
from crm.models import Person
from tests.consultations.factories import ConsultationFactory, QuestionFactory, member_organisation
from tests.factories import AffiliationFactory, PersonFactory

pytestmark = pytest.mark.django_db

VILNIUS = zoneinfo.ZoneInfo("Europe/Vilnius")
OPENED = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=VILNIUS)
DEADLINE = datetime.datetime(2026, 11, 20, 17, 0, tzinfo=VILNIUS)

# Who the organisation's contacts are, by e-mail address: first name and language.
CONTACTS = {
    "mindaugas@saule.lt": ("Mindaugas", Person.Language.LT),
    "egle@saule.lt": ("Eglė", Person.Language.LT),
    "jurate@saule.lt": ("Jūratė Marija", Person.Language.LT),
    "darius@saule.lt": ("Darius", Person.Language.EN),
    "john@saule.lt": ("John", Person.Language.LT),
}
# How each is greeted, in the plain text and the HTML of every e-mail.
GREETINGS = {
    "mindaugas@saule.lt": "Gerb. Mindaugai,",
    "egle@saule.lt": "Gerb. Egle,",
    "jurate@saule.lt": "Gerb. Jūrate Marija,",
    "darius@saule.lt": "Dear Darius,",
    "john@saule.lt": "Gerb. John,",  # a foreign name, as written
}


@pytest.fixture
def invitation(policy_officer) -> Invitation:
    organisation = member_organisation(contacts=0, name="Saulės klasteris")
    for email, (first_name, language) in CONTACTS.items():
        AffiliationFactory(
            organisation=organisation,
            receives_consultations=True,
            person=PersonFactory(
                first_name=first_name, last_name="Saulaitis", email=email, language=language
            ),
        )
    consultation = ConsultationFactory(
        sectors=["ict"], internal_deadline=DEADLINE, external_deadline=None, responsible=policy_officer
    )
    QuestionFactory(consultation=consultation)
    with time_machine.travel(OPENED, tick=False):
        services.consultation_open(consultation=consultation, user=policy_officer)
    return consultation.invitations.get()


def _by_recipient() -> dict[str, mail.EmailMultiAlternatives]:
    messages = {message.to[0]: message for message in mail.outbox}
    assert len(messages) == len(mail.outbox)
    return messages


def _assert_greeted(message: mail.EmailMultiAlternatives, greeting: str) -> None:
    html, _mimetype = message.alternatives[0]
    assert message.body.startswith(f"{greeting}\n")
    assert f"<p>{greeting}</p>" in html


def test_invitations_greet_lithuanian_readers_in_the_vocative_and_english_ones_as_written(invitation):
    messages = _by_recipient()

    assert messages.keys() == GREETINGS.keys()
    for email, greeting in GREETINGS.items():
        _assert_greeted(messages[email], greeting)
    # The nominative greeting is gone; the English e-mail keeps the name as it is written.
    assert "Gerb. Mindaugas," not in messages["mindaugas@saule.lt"].body
    assert "Gerb. Eglė," not in messages["egle@saule.lt"].body
    assert "Dariau" not in messages["darius@saule.lt"].body


def test_reminders_greet_in_the_vocative(invitation):
    mail.outbox.clear()

    with time_machine.travel(OPENED + datetime.timedelta(days=3), tick=False):
        report = services.reminders_send(consultation=invitation.consultation)

    assert report.emails_queued == len(CONTACTS)
    messages = _by_recipient()
    assert messages.keys() == GREETINGS.keys()
    for email, greeting in GREETINGS.items():
        reminding = "A reminder:" if email == "darius@saule.lt" else "Primename, kad"
        assert f"{greeting}\n\n{reminding}" in messages[email].body
        _assert_greeted(messages[email], greeting)


def _submit(invitation: Invitation, email: str, text: str, version: int):
    question = invitation.consultation.questions.get()
    return services.response_submit(
        invitation=invitation,
        person=Person.objects.get(email=email),
        data={question.pk: AnswerValue(text=text)},
        expected_version=version,
    )


@pytest.mark.parametrize("submitter", ["egle@saule.lt", "darius@saule.lt"])
def test_the_receipt_greets_the_submitter_in_their_language(invitation, submitter):
    mail.outbox.clear()

    with time_machine.travel(OPENED + datetime.timedelta(days=1), tick=False):
        _submit(invitation, submitter, "Pritariame.", version=0)

    (receipt,) = mail.outbox
    assert receipt.to == [submitter]
    _assert_greeted(receipt, GREETINGS[submitter])


def test_amendment_notices_greet_the_other_contacts_in_the_vocative(invitation):
    with time_machine.travel(OPENED + datetime.timedelta(days=1), tick=False):
        _submit(invitation, "egle@saule.lt", "Pritariame.", version=0)
    mail.outbox.clear()

    with time_machine.travel(OPENED + datetime.timedelta(days=2), tick=False):
        _submit(invitation, "mindaugas@saule.lt", "Pritariame su pastabomis.", version=1)

    messages = _by_recipient()
    assert messages.keys() == GREETINGS.keys()  # Mindaugas's receipt, the others' notices
    for email, greeting in GREETINGS.items():
        _assert_greeted(messages[email], greeting)
    assert "Mindaugas Saulaitis" in messages["egle@saule.lt"].body  # who amended, in the nominative
