"""What the personal link e-mails say of the links sent before (a re-issued link replaces them),
and that no link goes out once the deadline has passed."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone, translation

from consultations import emails, selectors, services
from consultations.models import AccessLink, AccessToken, Consultation
from tests.consultations.conftest import TOKEN_IN_URL, Opened
from tests.consultations.test_member_pages import answer_form
from tests.factories import AffiliationFactory, PersonFactory

pytestmark = pytest.mark.django_db

STILL_WORK_LT = "Nuorodos iš ankstesnių laiškų apie šią konsultaciją taip pat veikia"
NO_LONGER_WORK_LT = "Anksčiau jums atsiųstos nuorodos į šią konsultaciją nebeveikia – naudokitės šia."


def test_a_reissued_link_says_that_the_earlier_links_no_longer_work(
    opened: Opened, policy_officer, mailoutbox
):
    ruta = opened.members["ruta"]

    new_link = services.access_link_reissue(access_link=ruta.link, user=policy_officer)

    (message,) = mailoutbox
    html = message.alternatives[0][0]
    assert message.subject == "Nauja nuoroda: Dėl Inovacijų įstatymo pakeitimo"
    assert "Jums išduota nauja asmeninė nuoroda į organizacijos (Saulės klasteris) atsakymą" in message.body
    for part in (message.body, html):
        assert NO_LONGER_WORK_LT in part
        assert STILL_WORK_LT not in part
    # What it says is so: the old token opens nothing, the new one opens the new link.
    assert selectors.access_link_for_token(token=ruta.token) is None
    token = TOKEN_IN_URL.search(message.body).group(1)
    assert selectors.access_link_for_token(token=token) == new_link
    assert AccessToken.objects.get(access_link=new_link).kind == AccessToken.Kind.REISSUE
    # Sent, it counts as the new link's invitation.
    new_link.refresh_from_db()
    assert new_link.invited_at is not None and new_link.last_sent_at is not None


def test_the_reminder_says_that_earlier_links_still_work_and_the_invitation_says_nothing_of_them(
    opened: Opened, policy_officer, mailoutbox
):
    egle = opened.members["egle"]
    newcomer = PersonFactory(first_name="Aistė", last_name="Naujokė", email="aiste@menulis.lt")
    AffiliationFactory(organisation=egle.organisation, person=newcomer, receives_consultations=True)

    services.invitations_send(consultation=opened.consultation)
    (invitation,) = mailoutbox
    mailoutbox.clear()
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1)):
        services.reminders_send(consultation=opened.consultation)

    assert invitation.to == ["aiste@menulis.lt"]
    assert STILL_WORK_LT not in invitation.body and NO_LONGER_WORK_LT not in invitation.body
    reminder = next(message for message in mailoutbox if message.to == ["egle@menulis.lt"])
    assert STILL_WORK_LT in reminder.body
    assert STILL_WORK_LT in reminder.alternatives[0][0]


def test_english_e_mails_start_the_paragraph_after_the_greeting_with_a_capital(
    opened: Opened, policy_officer, mailoutbox
):
    jonas = opened.members["jonas"]  # who reads English

    services.access_link_reissue(access_link=jonas.link, user=policy_officer)

    (message,) = mailoutbox
    assert message.body.startswith("Dear Jonas,\n\nA new personal link to the answer of Saulės klasteris")
    assert (
        "The links sent to you earlier about this consultation no longer work: use this one." in message.body
    )


def _past_deadline(consultation: Consultation) -> time_machine.travel:
    """Five minutes after the consultation's deadline, the consultation still open."""
    return time_machine.travel(consultation.internal_deadline + datetime.timedelta(minutes=5), tick=False)


def test_no_invitation_or_new_link_goes_out_once_the_deadline_has_passed(
    opened: Opened, policy_officer, mailoutbox
):
    egle = opened.members["egle"]
    newcomer = PersonFactory(first_name="Aistė", last_name="Naujokė", email="aiste@menulis.lt")
    AffiliationFactory(organisation=egle.organisation, person=newcomer, receives_consultations=True)
    with _past_deadline(opened.consultation):
        with pytest.raises(ValidationError) as invited:
            services.invitations_send(consultation=opened.consultation)
        with pytest.raises(ValidationError) as reissued:
            services.access_link_reissue(access_link=egle.link, user=policy_officer)

    assert invited.value.code == "deadline_passed"
    assert reissued.value.code == "deadline_passed"
    assert mailoutbox == []
    assert not AccessLink.objects.filter(person=newcomer).exists()
    # The link kept working as it was: nothing was revoked.
    egle.link.refresh_from_db()
    assert egle.link.revoked_at is None


def test_a_link_e_mail_queued_before_the_deadline_and_run_after_it_is_not_sent(opened: Opened, mailoutbox):
    egle = opened.members["egle"]
    with _past_deadline(opened.consultation):
        sent = services.access_link_email_deliver(access_link_id=egle.link.pk, kind=emails.REMINDER)

    assert sent is False
    assert mailoutbox == []


def test_the_admin_says_there_is_nothing_to_invite_or_remind_after_the_deadline(
    opened: Opened, policy_officer
):
    for name in ("invite", "remind"):
        with translation.override("en"):
            url = reverse(f"admin:consultations_consultation_{name}", args=[opened.consultation.pk])
        with _past_deadline(opened.consultation):
            client = Client()
            client.force_login(policy_officer)
            page = client.get(url).content.decode()

        assert "Nothing to do: the internal deadline" in page
        assert '<input type="submit"' not in page


def test_a_deadline_at_midnight_is_shown_as_the_last_minute_of_the_day_before(
    opened: Opened, policy_officer, mailoutbox
):
    # Answers close as a day begins: "4 December, 00:00" reads as the end of the 3rd. Two days
    # before, a week after the invitations went out (a reminder is not sent on their day).
    vilnius = zoneinfo.ZoneInfo("Europe/Vilnius")
    day = timezone.localdate() + datetime.timedelta(days=9)
    midnight = datetime.datetime.combine(day, datetime.time(0, 0), tzinfo=vilnius)
    Consultation.objects.filter(pk=opened.consultation.pk).update(internal_deadline=midnight)
    ruta, jonas = opened.members["ruta"], opened.members["jonas"]
    reminded_at = datetime.datetime.combine(
        day - datetime.timedelta(days=2), datetime.time(12, 0), tzinfo=vilnius
    )

    with time_machine.travel(reminded_at, tick=False):
        page = ruta.client().get(ruta.lt_url).content.decode()
        services.reminders_send(consultation=opened.consultation)

    lithuanian = next(message for message in mailoutbox if message.to == ["egle@menulis.lt"])
    with translation.override("lt"):
        shown = formats.date_format(midnight - datetime.timedelta(minutes=1), "DATETIME_FORMAT")
    assert "23:59" in shown
    # The reminder's subject gives the time too: it comes in the last days.
    assert lithuanian.subject == (
        f"Priminimas: atsakykite į konsultaciją „Dėl Inovacijų įstatymo pakeitimo“ iki {shown}"
    )
    assert shown in lithuanian.body
    english = next(message for message in mailoutbox if message.to == [jonas.person.email])
    with translation.override("en"):
        shown_in_english = formats.date_format(midnight - datetime.timedelta(minutes=1), "DATETIME_FORMAT")
    assert shown_in_english.endswith(", 11:59 p.m.")
    assert shown_in_english in english.body
    assert "midnight" not in english.body
    assert shown in page
    assert "gruodžio 4 d." not in page


def test_the_receipt_of_an_answer_sent_with_a_reissued_link_sends_the_member_to_that_link(
    opened: Opened, policy_officer, mailoutbox
):
    """The receipt names the link the member answered with, not the invitation's, which a
    re-issue has revoked; its text part heads the copy of the answers as its HTML does."""
    ruta = opened.members["ruta"]  # reads Lithuanian
    services.access_link_reissue(access_link=ruta.link, user=policy_officer)
    token = TOKEN_IN_URL.search(mailoutbox[0].body).group(1)
    mailoutbox.clear()
    client = Client()
    assert client.post(reverse("consultations:access", kwargs={"token": token})).status_code == 302

    answers = answer_form(opened)
    assert client.post(ruta.lt_url, {**answers, "action": "submit"}).status_code == 302

    (receipt,) = mailoutbox
    html = receipt.alternatives[0][0]
    for part in (receipt.body, html):
        assert "gali patikslinti atsakymą ta pačia asmenine nuoroda, kuria atsakėte" in part
        assert "kvietimo" not in part
    first_question = f"1. {opened.consultation.questions.order_by('position', 'pk').first().text}"
    assert receipt.body.index("\nAtsakymų kopija\n") < receipt.body.index(first_question)
    assert html.index("Atsakymų kopija</h2>") < html.index(first_question)


def test_the_amendment_notices_text_part_heads_the_copy_of_the_answers(opened: Opened, mailoutbox):
    ruta, jonas = opened.members["ruta"], opened.members["jonas"]
    assert ruta.client().post(ruta.lt_url, {**answer_form(opened), "action": "submit"}).status_code == 302
    amended = answer_form(opened, version=1, scale="2")
    assert jonas.client().post(jonas.url, {**amended, "action": "submit"}).status_code == 302

    notice = next(message for message in mailoutbox if message.subject.startswith("Patikslintas"))
    assert notice.to == ["ruta@saule.lt"]
    assert "\nAtsakymų kopija\n\n1. " in notice.body


@pytest.mark.parametrize(
    ("title", "unquoted"),
    [
        ("„Dėl klasterių plėtros programos“", "Dėl klasterių plėtros programos"),
        ("“Cluster programme”", "Cluster programme"),
        ('"Dėl tvarkos"', "Dėl tvarkos"),
        ("«Dėl tvarkos»", "Dėl tvarkos"),
        (" „Dėl tvarkos“ ", "Dėl tvarkos"),
        # Marks inside the title, or two quoted names, stay as written.
        ("Dėl įstatymo „Dėl inovacijų“ pakeitimo", "Dėl įstatymo „Dėl inovacijų“ pakeitimo"),
        ("„Inovacijos“ ir „Klasteriai“", "„Inovacijos“ ir „Klasteriai“"),
        ("„Dėl tvarkos", "„Dėl tvarkos"),
        ("„“", "„“"),
        ("Dėl O'Brieno pasiūlymo", "Dėl O'Brieno pasiūlymo"),
    ],
)
def test_a_title_is_unquoted_only_when_quotation_marks_enclose_the_whole_of_it(title, unquoted):
    assert emails.title_unquoted(title) == unquoted


def test_a_title_already_in_quotation_marks_is_quoted_once_in_the_subjects(opened: Opened, mailoutbox):
    Consultation.objects.filter(pk=opened.consultation.pk).update(title="„Dėl inovacijų skatinimo“")
    egle = opened.members["egle"]
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1)):
        services.reminders_send(consultation=Consultation.objects.get(pk=opened.consultation.pk))
    reminder = next(message for message in mailoutbox if message.to == ["egle@menulis.lt"])
    mailoutbox.clear()
    assert egle.client().post(egle.lt_url, {**answer_form(opened), "action": "submit"}).status_code == 302
    (receipt,) = mailoutbox

    assert "konsultaciją „Dėl inovacijų skatinimo“ iki" in reminder.subject
    assert receipt.subject == (
        "Gautas atsakymas į konsultaciją „Dėl inovacijų skatinimo“: Mėnulio klasteris (versija Nr. 1)"
    )
    # The e-mails' text keeps the title as written.
    assert "„Dėl inovacijų skatinimo“" in receipt.body
