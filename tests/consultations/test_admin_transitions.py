"""The transitions of a consultation in the admin ask first: the button's address shows what it
will do, and only a POST from that page runs it; reminding says why organisations were left out."""

from __future__ import annotations

import datetime
import html
import re
import zoneinfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from consultations import analysis, selectors, services
from consultations.admin.links import not_reachable_invitations_url
from consultations.models import AccessLink, Consultation, Invitation, Response
from tests.consultations.factories import ConsultationFactory, QuestionFactory, member_organisation

pytestmark = pytest.mark.django_db

VILNIUS = zoneinfo.ZoneInfo("Europe/Vilnius")
OPENED = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=VILNIUS)
DEADLINE = datetime.datetime(2026, 11, 20, 17, 0, tzinfo=VILNIUS)
NEXT_DAY = OPENED + datetime.timedelta(days=1)


def _client(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def _url(consultation: Consultation, name: str) -> str:
    """A transition's address in the active language (under /en/ in English)."""
    return reverse(f"admin:consultations_consultation_{name}", args=[consultation.pk])


def _change_url(consultation: Consultation) -> str:
    return reverse("admin:consultations_consultation_change", args=[consultation.pk])


def _draft(**kwargs) -> Consultation:
    consultation = ConsultationFactory(
        sectors=["ict"], internal_deadline=DEADLINE, external_deadline=None, **kwargs
    )
    QuestionFactory(consultation=consultation)
    return consultation


def _opened(user, **kwargs) -> Consultation:
    consultation = _draft(**kwargs)
    with time_machine.travel(OPENED, tick=False):
        services.consultation_open(consultation=consultation, user=user)
    mail.outbox.clear()
    return consultation


def _summary(response) -> list[str]:
    """The sentences the confirmation page says, tags stripped."""
    content = response.content.decode()
    main = content[content.index('<div id="content-main">') : content.index('<form method="post">')]
    return [
        html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", paragraph)).strip())
        for paragraph in re.findall(r"<p>(.*?)</p>", main, flags=re.S)
    ]


def _submit_button(response) -> str | None:
    found = re.search(r'<input type="submit" value="([^"]*)">', response.content.decode())
    return found.group(1) if found else None


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- the buttons -------------------------------------------------------------------------------------


def test_the_buttons_of_the_change_page_are_links_to_their_confirmation(staff_client, superuser):
    member_organisation()
    draft = _draft()
    page = staff_client.get(_change_url(draft)).content.decode()
    assert f'<a href="{_url(draft, "open")}" class="consultation-transition">' in page
    assert 'class="consultation-transition" style' not in page
    assert f'action="{_url(draft, "open")}"' not in page  # no form that runs it at one click

    opened = _opened(superuser)
    page = staff_client.get(_change_url(opened)).content.decode()
    for name in ("invite", "remind", "close"):
        assert f'<a href="{_url(opened, name)}" class="consultation-transition">' in page
        assert f'action="{_url(opened, name)}"' not in page


# --- opening -----------------------------------------------------------------------------------------


def test_opening_first_shows_whom_it_will_mail_and_changes_nothing(staff_client):
    member_organisation(name="Du kontaktai", contacts=2)
    member_organisation(name="Vienas kontaktas", contacts=1)
    without = member_organisation(name="Be kontakto", contacts=0)
    consultation = _draft()

    with translation.override("en"), time_machine.travel(OPENED, tick=False):
        page = staff_client.get(_url(consultation, "open"))
        without_url = reverse("admin:crm_organisation_change", args=[without.pk])

    assert page.status_code == 200
    assert _summary(page) == [
        "The consultation opens now and its personal links are sent by e-mail at once. "
        "Opening cannot be undone.",
        "Organisations that get personal links: 2; e-mails: 3.",
        "Until Nov. 20, 2026, 5 p.m. members can answer through their links.",
        "Organisations without a contact who receives consultations, which get no link until one is "
        "added: 1.",
    ]
    content = page.content.decode()
    assert f'<a href="{without_url}">Be kontakto</a>' in content
    assert _submit_button(page) == "Open and send the invitations"
    # Nothing has happened yet.
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.DRAFT
    assert not Invitation.objects.exists() and not AccessLink.objects.exists()
    assert mail.outbox == []


def test_the_opening_page_speaks_lithuanian_and_leads_back_to_the_consultation(staff_client):
    member_organisation()
    consultation = _draft(title="Dėl Inovacijų įstatymo")

    page = staff_client.get(_url(consultation, "open"))

    content = page.content.decode()
    assert "<h1>Atidaryti ir išsiųsti kvietimus</h1>" in content
    assert "<h2>Dėl Inovacijų įstatymo</h2>" in content
    assert _submit_button(page) == "Atidaryti ir išsiųsti kvietimus"
    assert f'<a href="{_change_url(consultation)}" class="button cancel-link">Ne, grįžti atgal</a>' in content
    assert '<form method="post">' in content  # posted back to the transition's own address


def test_only_a_post_with_the_pages_csrf_token_opens_and_it_does_what_the_page_said(superuser):
    member_organisation(contacts=2)
    member_organisation(contacts=0)
    consultation = _draft()
    client = _client(superuser, enforce_csrf_checks=True)
    url = _url(consultation, "open")

    with time_machine.travel(OPENED, tick=False):
        page = client.get(url)
        plan = selectors.invitation_plan(consultation=consultation)
        forged = client.post(url)
        consultation.refresh_from_db()
        assert forged.status_code == 403
        assert consultation.status == Consultation.Status.DRAFT
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
        confirmed = client.post(url, {"csrfmiddlewaretoken": token})

    assert confirmed.status_code == 302
    assert confirmed["Location"] == _change_url(consultation)
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.OPEN
    assert (plan.organisations_mailed, plan.emails) == (1, 2)
    assert len(mail.outbox) == plan.emails
    assert [organisation.pk for organisation in plan.organisations_without_contacts] == list(
        consultation.invitations.filter(access_links__isnull=True).values_list("organisation_id", flat=True)
    )


def test_the_invitation_plan_is_what_opening_and_inviting_again_then_do(superuser):
    first = member_organisation(name="Pirmasis", contacts=2)
    member_organisation(name="Be kontakto", contacts=0)
    consultation = _draft()

    before = selectors.invitation_plan(consultation=consultation)
    with time_machine.travel(OPENED, tick=False):
        report = services.consultation_open(consultation=consultation, user=superuser)

    assert [organisation.name for organisation in before.new_organisations] == ["Be kontakto", "Pirmasis"]
    assert (report.invitations_created, report.links_created, report.emails_queued) == (
        len(before.new_organisations),
        len(before.new_links),
        before.emails,
    )
    assert report.organisations_without_contacts == before.organisations_without_contacts
    # Once done, nothing is left to do; a contact added since is what inviting again would mail.
    assert selectors.invitation_plan(consultation=consultation).emails == 0
    member_organisation(name="Naujas", contacts=1)
    later = selectors.invitation_plan(consultation=consultation)
    assert [organisation.name for organisation in later.new_organisations] == ["Naujas"]
    assert (later.organisations_mailed, later.emails) == (1, 1)
    assert first.pk not in {organisation_id for organisation_id, _person in later.new_links}


# --- closing -----------------------------------------------------------------------------------------


def test_closing_first_says_answers_stop_and_who_has_not_submitted(staff_client, superuser):
    submitted = member_organisation(name="Pateikė")
    drafted = member_organisation(name="Juodraštis")
    member_organisation(name="Nieko")
    consultation = _opened(superuser)
    Response.objects.create(
        consultation=consultation,
        organisation=submitted,
        status=Response.Status.SUBMITTED,
        version=1,
        submitted_at=OPENED,
    )
    Response.objects.create(consultation=consultation, organisation=drafted, version=1)

    with translation.override("en"), time_machine.travel(NEXT_DAY, tick=False):
        page = staff_client.get(_url(consultation, "close"))

    assert _summary(page) == [
        "Members' personal links stop accepting answers at once: nothing more can be saved or "
        "submitted, and members can only read their answers. Closing cannot be undone.",
        "Invited organisations: 3; submitted: 1; not submitted: 2, of which with a saved draft: 1.",
        "The internal deadline, Nov. 20, 2026, 5 p.m., has not passed yet.",
    ]
    assert _submit_button(page) == "Close"
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.OPEN
    assert consultation.closed_at is None


def test_the_closing_page_in_lithuanian_and_the_post_from_it_closes(staff_client, superuser):
    member_organisation()
    consultation = _opened(superuser)

    page = staff_client.get(_url(consultation, "close"))
    assert "<h1>Uždaryti</h1>" in page.content.decode()
    assert _submit_button(page) == "Uždaryti"
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.OPEN

    done = staff_client.post(_url(consultation, "close"), follow=True)

    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.CLOSED
    assert done.redirect_chain[-1][0] == _change_url(consultation)


def test_closing_counts_the_organisations_invited_as_the_list_and_the_dashboard(staff_client, superuser):
    member_organisation(name="Pirmoji")
    member_organisation(name="Antroji")
    member_organisation(name="Nepasiekiama", contacts=0)
    consultation = _opened(superuser)

    with time_machine.travel(NEXT_DAY, tick=False):
        page = staff_client.get(_url(consultation, "close"))
        listed = staff_client.get(reverse("admin:consultations_consultation_changelist"))

    summary = _summary(page)
    assert (
        "Pakviestų organizacijų – 2; atsakymą pateikė – 0; nepateikė – 2, iš jų išsaugojusių juodraštį – 0."
        in summary
    )
    assert (
        "Nepasiektų organizacijų (joms neišsiųstas nė vienas kvietimo laiškas) – 1. Rodyti šiuos kvietimus"
        in summary
    )
    assert f'<a href="{escape(not_reachable_invitations_url(consultation=consultation))}">' in (
        page.content.decode()
    )
    overall = analysis.consultation_dashboard(consultation=consultation).overall
    counts = selectors.answer_counts(consultation=consultation)
    assert (counts.invited, counts.not_reachable) == (overall.invited, overall.not_reachable) == (2, 1)
    assert "2 <a" in listed.content.decode() and "(nepasiekiama: 1)</a>" in listed.content.decode()


def test_closing_mentions_answers_changed_since_their_submission(staff_client, superuser):
    organisation = member_organisation()
    consultation = _opened(superuser)
    Response.objects.create(
        consultation=consultation,
        organisation=organisation,
        status=Response.Status.SUBMITTED,
        version=2,
        submitted_at=OPENED,
        has_unsubmitted_changes=True,
    )

    with translation.override("en"):
        summary = _summary(staff_client.get(_url(consultation, "close")))

    assert (
        "Organisations that changed their submitted answer without submitting it again, whose changes "
        "stay unsubmitted: 1." in summary
    )


def test_archiving_asks_first_too(staff_client, superuser):
    member_organisation()
    consultation = _opened(superuser)
    services.consultation_close(consultation=consultation, user=superuser)

    with translation.override("en"):
        page = staff_client.get(_url(consultation, "archive"))
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.CLOSED
    assert _summary(page)[0].startswith("The consultation becomes a record that can only be read")

    staff_client.post(_url(consultation, "archive"))
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.ARCHIVED


def test_archiving_a_consultation_a_colleague_archived_meanwhile_says_so_not_a_bare_403(superuser):
    member_organisation()
    consultation = _opened(superuser)
    services.consultation_close(consultation=consultation, user=superuser)
    mine, colleagues = _client(superuser), _client(superuser)
    assert mine.get(_url(consultation, "archive")).status_code == 200
    assert colleagues.post(_url(consultation, "archive")).status_code == 302

    with translation.override("en"):
        again = mine.post(_url(consultation, "archive"), follow=True)
        page = mine.get(_url(consultation, "archive"))
        change_url = reverse("admin:consultations_consultation_change", args=[consultation.pk])

    assert again.redirect_chain == [(change_url, 302)]
    assert [str(message) for message in again.context["messages"]] == [
        "Only a closed consultation can be archived; this one is “Archived”."
    ]
    assert page.status_code == 200 and _summary(page) == ["Nothing to do: this consultation is “Archived”."]
    assert _submit_button(page) is None
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.ARCHIVED


def test_a_transition_that_does_not_fit_the_status_offers_nothing_to_run(staff_client, superuser):
    member_organisation()
    consultation = _opened(superuser)

    with translation.override("en"):
        page = staff_client.get(_url(consultation, "archive"))

    assert page.status_code == 200
    assert _summary(page) == ["Nothing to do: this consultation is “Open”."]
    assert _submit_button(page) is None


def test_who_may_not_run_a_transition_may_not_see_its_confirmation_either(read_only_user, superuser):
    member_organisation()
    consultation = _opened(superuser)
    client = _client(read_only_user)

    for name in ("invite", "remind", "close"):
        assert client.get(_url(consultation, name)).status_code == 403
        assert client.post(_url(consultation, name)).status_code == 403
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.OPEN
    assert Client().get(_url(consultation, "close")).status_code == 302  # to the login


def test_the_close_action_asks_first_for_each_chosen_consultation(staff_client, superuser):
    member_organisation()
    first, second = _opened(superuser, title="Pirmoji"), _opened(superuser, title="Antroji")
    changelist = reverse("admin:consultations_consultation_changelist")

    asked = staff_client.post(
        changelist, {"action": "close_selected", "_selected_action": [first.pk, second.pk]}
    )

    content = asked.content.decode()
    assert asked.status_code == 200
    assert "<h2>Pirmoji</h2>" in content and "<h2>Antroji</h2>" in content
    for consultation in (first, second):
        assert f'<input type="hidden" name="_selected_action" value="{consultation.pk}">' in content
    assert '<input type="hidden" name="action" value="close_selected">' in content
    assert f'<a href="{changelist}" class="button cancel-link">' in content
    assert set(Consultation.objects.values_list("status", flat=True)) == {"open"}


# --- reminders ---------------------------------------------------------------------------------------


def test_reminding_on_the_day_of_the_invitation_says_why_nobody_was_reminded(staff_client, superuser):
    for _ in range(3):
        member_organisation()
    consultation = _opened(superuser)

    with time_machine.travel(OPENED + datetime.timedelta(hours=2), tick=False):
        with translation.override("en"):
            page = staff_client.get(_url(consultation, "remind"))
            english = staff_client.post(_url(consultation, "remind"), follow=True)
        lithuanian = staff_client.post(_url(consultation, "remind"), follow=True)

    assert _summary(page) == [
        "A reminder with a new personal link goes to every contact of the invited organisations that "
        "have not submitted their answer.",
        "Organisations that have not submitted: 3; reminded now: 0, e-mails: 0.",
        "Organisations invited today get no reminder before tomorrow: 3.",
    ]
    messages = _messages(english)
    assert any("0 organisations reminded, 0 e-mails queued for sending" in message for message in messages)
    assert (
        f"“{consultation.title}”: Organisations invited today get no reminder before tomorrow: 3." in messages
    )
    assert any("priminta organizacijoms – 0" in message for message in _messages(lithuanian))
    assert mail.outbox == []
    assert not Invitation.objects.filter(reminded_at__isnull=False).exists()


def test_reminding_again_says_who_was_reminded_already_and_whose_links_are_gone(staff_client, superuser):
    reminded, revoked, unsent, submitted = (member_organisation() for _ in range(4))
    member_organisation(contacts=0)
    consultation = _opened(superuser)
    Response.objects.create(
        consultation=consultation,
        organisation=submitted,
        status=Response.Status.SUBMITTED,
        version=1,
        submitted_at=OPENED,
    )
    invitations = {invitation.organisation_id: invitation for invitation in consultation.invitations.all()}
    # Opened through a link, though no invitation e-mail was recorded as sent.
    Invitation.objects.filter(pk=invitations[unsent.pk].pk).update(sent_at=None, opened_at=OPENED)

    with time_machine.travel(NEXT_DAY, tick=False):
        # Reminded in the morning: the organisations that could be.
        services.reminders_send(consultation=consultation)
        mail.outbox.clear()
        for link in AccessLink.objects.filter(invitation=invitations[revoked.pk]):
            services.access_link_revoke(access_link=link, user=superuser)
        Invitation.objects.filter(pk=invitations[revoked.pk].pk).update(reminded_at=None)
        with translation.override("en"):
            page = staff_client.get(_url(consultation, "remind"))
            response = staff_client.post(_url(consultation, "remind"), follow=True)
            unreachable_url = escape(not_reachable_invitations_url(consultation=consultation))

    title = consultation.title
    assert _summary(page)[1:] == [
        "Organisations that have not submitted: 4; reminded now: 0, e-mails: 0.",
        "Organisations already reminded today get no second reminder today: 1.",
        "Organisations whose invitation e-mail has not gone out yet get no reminder: 1.",
        (
            "Organisations none of whose contacts can be reminded (their links revoked, their consent"
            " to consultation mail withdrawn, or no longer the organisation's contacts) get no reminder: 1."
        ),
        "Organisations without a contact who receives consultations get no reminder: 1.",
    ]
    messages = _messages(response)
    assert f"“{title}”: Organisations already reminded today get no second reminder today: 1." in messages
    assert (
        f"“{title}”: Organisations whose invitation e-mail has not gone out yet get no reminder: 1."
        in messages
    )
    assert (
        f"“{title}”: Organisations none of whose contacts can be reminded (their links revoked, their consent"
        " to consultation mail withdrawn, or no longer the organisation's contacts) get no reminder: 1."
        in messages
    )
    assert not any("invited today" in message for message in messages)
    (unreachable,) = [message for message in messages if "Not reminded" in message]
    assert "no contact who receives consultations: 1." in unreachable
    assert unreachable_url in unreachable
    assert mail.outbox == []
    assert Invitation.objects.get(organisation=reminded).reminder_count == 1


def test_the_reminder_plan_counts_each_organisation_that_has_not_submitted_once(superuser):
    due, today, revoked, unsent, submitted = (member_organisation() for _ in range(5))
    two_contacts = member_organisation(contacts=2)
    member_organisation(contacts=0)
    consultation = _opened(superuser)
    Response.objects.create(
        consultation=consultation,
        organisation=submitted,
        status=Response.Status.SUBMITTED,
        version=1,
        submitted_at=OPENED,
    )
    Invitation.objects.filter(consultation=consultation, organisation=unsent).update(sent_at=None)
    Response.objects.create(consultation=consultation, organisation=unsent, version=1)
    AccessLink.objects.filter(invitation__organisation=revoked).update(revoked_at=OPENED)

    with time_machine.travel(NEXT_DAY + datetime.timedelta(hours=3), tick=False):
        # Its invitation e-mail went out today only (its contact was added this morning).
        Invitation.objects.filter(consultation=consultation, organisation=today).update(
            sent_at=timezone.now()
        )
        plan = selectors.reminder_plan(consultation=consultation)
        to_remind = set(
            selectors.invitations_to_remind(consultation=consultation).values_list(
                "organisation_id", flat=True
            )
        )
        report = services.reminders_send(consultation=consultation)

    assert plan == selectors.ReminderPlan(
        organisations=2,
        emails=3,
        invited_today=1,
        reminded_today=0,
        not_sent=1,
        without_link=1,
        not_reachable=1,
    )
    assert (
        plan.organisations + plan.left_out == consultation.invitations.count() - 1
    )  # less the submitted one
    assert to_remind == {due.pk, two_contacts.pk, revoked.pk}  # the revoked one has no link to remind
    assert (report.organisations, report.emails_queued, report.plan) == (2, 3, plan)
    assert len(mail.outbox) == 3


def test_the_invitation_plan_lists_organisations_in_lithuanian_alphabetical_order():
    for name in ["Žalgirio klasteris", "Zarasų klasteris", "Šiaulių klasteris", "Tauragės klasteris"]:
        member_organisation(contacts=0, name=name)
    consultation = _draft()

    plan = selectors.invitation_plan(consultation=consultation)

    assert [organisation.name for organisation in plan.organisations_without_contacts] == [
        "Šiaulių klasteris",
        "Tauragės klasteris",
        "Zarasų klasteris",
        "Žalgirio klasteris",
    ]


# --- inviting again after links were revoked ----------------------------------------------------------


def _revoked_url(page) -> str:
    """The address of the link "Rodyti jų nuorodas" on the page."""
    found = re.search(r'<a href="([^"]+)">Rodyti jų nuorodas</a>', page.content.decode())
    return html.unescape(found.group(1))


def test_organisations_whose_links_were_revoked_are_told_apart_from_those_without_a_contact(
    staff_client, superuser
):
    revoked = member_organisation(name="Atšauktoji", contacts=1)
    member_organisation(name="Be kontakto", contacts=0)
    member_organisation(name="Kita", contacts=1)
    consultation = _opened(superuser)
    invitation = Invitation.objects.get(consultation=consultation, organisation=revoked)
    (link,) = AccessLink.objects.filter(invitation=invitation)
    services.access_link_revoke(access_link=link, user=superuser)
    links_url = reverse("admin:consultations_accesslink_changelist")

    with time_machine.travel(NEXT_DAY, tick=False):
        page = staff_client.get(_url(consultation, "invite"))
        listed = staff_client.get(_revoked_url(page))
        done = staff_client.post(_url(consultation, "invite"), follow=True)

    summary = _summary(page)
    assert (
        "Organizacijų be kontakto, gaunančio konsultacijas (nuorodos jos negaus, kol kontaktas nebus "
        "pridėtas) – 1." in summary
    )
    assert (
        "Organizacijų, kurių kontaktų asmeninės nuorodos atšauktos (nuorodų jos negaus, kol jos nebus "
        "išduotos iš naujo prieigos nuorodų sąraše) – 1. Rodyti jų nuorodas" in summary
    )
    content = page.content.decode()
    revoked_url = _revoked_url(page)
    assert revoked_url == (
        f"{links_url}?invitation__consultation__id__exact={consultation.pk}"
        f"&invitation__in={invitation.pk}&state=revoked"
    )
    sections = content.split("Rodyti jų nuorodas")
    assert ">Be kontakto</a>" in sections[0] and ">Atšauktoji</a>" not in sections[0]
    assert ">Atšauktoji</a>" in sections[1] and ">Be kontakto</a>" not in sections[1]

    # The list it leads to holds the revoked link of that organisation, and nothing else.
    assert listed.status_code == 200
    assert [row.pk for row in listed.context["cl"].result_list] == [link.pk]

    messages = [str(message) for message in done.context["messages"]]
    (advice,) = [message for message in messages if "Atšauktoji" in message]
    assert advice.startswith(
        "Šių organizacijų kontaktų asmeninės nuorodos atšauktos, todėl jos nuorodų negauna; jei jos "
        "turi atsakyti, išduokite nuorodas iš naujo prieigos nuorodų sąraše: Atšauktoji."
    )
    assert f'<a href="{escape(revoked_url)}">Rodyti jų nuorodas</a>' in advice
    (missing,) = [message for message in messages if "Pridėkite jį" in message]
    assert "Be kontakto" in missing and "Atšauktoji" not in missing
    assert mail.outbox == []
