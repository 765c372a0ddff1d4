"""The staff preview of the member page, and the daily reminder command."""

from __future__ import annotations

import datetime
import io
import re
import zoneinfo

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from consultations import analysis, services
from consultations.models import ConsultationDocument, Invitation, Response
from tests.consultations.conftest import all_kinds_questions
from tests.consultations.factories import (
    ConsultationFactory,
    QuestionFactory,
    ResponseFactory,
    member_organisation,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

VILNIUS = zoneinfo.ZoneInfo("Europe/Vilnius")


def _preview_url(consultation) -> str:
    return reverse("admin:consultations_consultation_preview", args=[consultation.pk])


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- preview ------------------------------------------------------------------------------------------


def test_staff_preview_shows_the_member_page_read_only_without_an_invitation(
    staff_client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    consultation = ConsultationFactory(
        title="Dėl <Energetikos> įstatymo", background="**Svarbu**<script>x()</script>"
    )
    questions = all_kinds_questions(consultation)
    document = ConsultationDocument(consultation=consultation, title="Projektas")
    document.file.save("projektas.pdf", ContentFile(b"%PDF-1.7 projektas"))

    change_page = staff_client.get(reverse("admin:consultations_consultation_change", args=[consultation.pk]))
    assert _preview_url(consultation) in change_page.content.decode()

    page = staff_client.get(_preview_url(consultation))

    content = page.content.decode()
    assert page.status_code == 200
    assert "Peržiūra: taip šį puslapį mato nariai" in content
    assert "Dėl &lt;Energetikos&gt; įstatymo" in content
    assert "<strong>Svarbu</strong>" in content and "<script>x()" not in content
    for question in questions.values():
        assert question.text in content
    assert 'name="action"' not in content  # nothing to save or submit
    assert '<form method="post" novalidate id="answer-form"' not in content
    assert "disabled" in content and "readonly" in content
    document_url = reverse(
        "admin:consultations_consultation_preview_document", args=[consultation.pk, document.pk]
    )
    assert document_url in content
    download = staff_client.get(document_url)
    assert b"".join(download.streaming_content) == b"%PDF-1.7 projektas"
    assert Response.objects.count() == 0


def test_the_preview_shows_the_proposals_table_as_members_find_it_read_only(staff_client):
    consultation = ConsultationFactory()
    question = QuestionFactory(
        consultation=consultation, kind="proposals", text="Pasiūlymai dėl straipsnių", position=2
    )
    choice = QuestionFactory(consultation=consultation, kind="single_choice", choices=["A", "B"], position=1)

    content = staff_client.get(_preview_url(consultation)).content.decode()

    # The empty row a member starts from, with its three fields, read-only as the other questions.
    assert "Pasiūlymai dėl straipsnių" in content
    assert content.count("Pasiūlymas <span data-row-number>1</span>") == 1
    for field, label in [
        ("provision", "Nuostata (straipsnis, dalis, punktas)"),
        ("proposed_wording", "Siūloma formuluotė"),
        ("justification", "Pagrindimas"),
    ]:
        assert label in content
        assert re.search(rf'name="q{question.pk}-0-{field}"[^>]*\breadonly\b', content)
    assert re.search(rf'name="q{choice.pk}"[^>]*\bdisabled\b', content)
    assert '<p class="text-muted">—</p>' not in content
    # The button members use to add a row is there, disabled; nothing can be added or removed.
    assert (
        '<button type="button" class="btn btn-outline-secondary btn-sm" disabled>Pridėti pasiūlymą</button>'
        in content
    )
    assert 'value="add-row-' not in content and "data-add-row" not in content
    assert "<template" not in content
    assert "DELETE" not in content and "Pašalinti šį pasiūlymą" not in content
    assert 'name="action"' not in content


def test_the_preview_is_for_staff_who_may_see_consultations_only(read_only_user):
    consultation = ConsultationFactory()
    QuestionFactory(consultation=consultation, text="Klausimas")

    anonymous = Client().get(_preview_url(consultation))
    assert anonymous.status_code == 302
    assert reverse("admin:login") in anonymous["Location"]

    assert "Klausimas" in _client(read_only_user).get(_preview_url(consultation)).content.decode()

    staff_without_permission = UserFactory(username="be-teisiu")
    assert _client(staff_without_permission).get(_preview_url(consultation)).status_code == 403
    staff_without_permission.user_permissions.add(Permission.objects.get(codename="view_consultation"))
    assert _client(staff_without_permission).get(_preview_url(consultation)).status_code == 200

    assert staff_without_permission.is_staff
    assert (
        _client(UserFactory(username="ne-darbuotojas", is_staff=False))
        .get(_preview_url(consultation))
        .status_code
        == 302
    )


def test_staff_typed_question_text_help_and_choices_are_escaped(staff_client):
    consultation = ConsultationFactory()
    QuestionFactory(
        consultation=consultation,
        kind="single_choice",
        text="Ar <b>pritariate</b>?",
        help_text="Žr. <script>x()</script>\nantra eilutė",
        choices=["<i>Taip</i>", "Ne"],
    )
    content = staff_client.get(_preview_url(consultation)).content.decode()
    assert "Ar &lt;b&gt;pritariate&lt;/b&gt;?" in content
    assert "Žr. &lt;script&gt;x()&lt;/script&gt;<br>antra eilutė" in content
    assert "&lt;i&gt;Taip&lt;/i&gt;" in content
    assert "<script>x()" not in content and "<i>Taip" not in content


def test_preview_of_an_unknown_consultation_is_not_found(staff_client):
    assert (
        staff_client.get(reverse("admin:consultations_consultation_preview", args=[999999])).status_code
        == 404
    )


# --- the reminder command -----------------------------------------------------------------------------


def _opened(policy_officer, start: datetime.datetime, days: int = 10):
    with time_machine.travel(start, tick=False):
        consultation = ConsultationFactory(
            sectors=["ict"], internal_deadline=start + datetime.timedelta(days=days), external_deadline=None
        )
        QuestionFactory(consultation=consultation)
        services.consultation_open(consultation=consultation, user=policy_officer)
    return consultation


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("send_reminders", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_command_reminds_the_configured_number_of_days_before_and_never_twice_a_day(
    policy_officer, settings
):
    start = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=VILNIUS)  # deadline 12 November 9:00
    silent = member_organisation(contacts=2)
    submitted = member_organisation()
    consultation = _opened(policy_officer, start)
    ResponseFactory(
        consultation=consultation,
        organisation=submitted,
        status=Response.Status.SUBMITTED,
        submitted_at=start,
    )
    mail.outbox.clear()
    settings.CONSULTATION_REMINDER_DAYS_BEFORE = 3

    with time_machine.travel(datetime.datetime(2026, 11, 8, 7, 0, tzinfo=VILNIUS), tick=False):
        assert "Reminded 0 organisations" in _run()
    with time_machine.travel(datetime.datetime(2026, 11, 9, 7, 0, tzinfo=VILNIUS), tick=False):
        output = _run()
    with time_machine.travel(datetime.datetime(2026, 11, 9, 19, 0, tzinfo=VILNIUS), tick=False):
        again = _run()

    assert "Reminded 1 organisations with 2 e-mails (3 days before)." in output
    assert consultation.title in output
    assert "Reminded 0 organisations" in again
    assert sorted(m.to[0] for m in mail.outbox) == sorted(a.person.email for a in silent.affiliations.all())
    assert Invitation.objects.get(organisation=silent).reminder_count == 1
    assert Invitation.objects.get(organisation=submitted).reminder_count == 0


def test_the_command_takes_the_days_as_an_option_and_skips_closed_consultations(policy_officer):
    start = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=VILNIUS)
    member_organisation()
    open_one = _opened(policy_officer, start, days=10)
    closed = _opened(policy_officer, start, days=10)
    services.consultation_close(consultation=closed, user=policy_officer)
    mail.outbox.clear()

    with time_machine.travel(datetime.datetime(2026, 11, 11, 12, 0, tzinfo=VILNIUS), tick=False):
        output = _run("--days-before", "1")

    assert "Reminded 1 organisations with 1 e-mails (1 days before)." in output
    assert open_one.title in output and closed.title not in output
    assert len(mail.outbox) == 1


def test_the_command_does_nothing_after_the_deadline(policy_officer):
    start = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=VILNIUS)
    member_organisation()
    _opened(policy_officer, start, days=10)
    mail.outbox.clear()
    with time_machine.travel(datetime.datetime(2026, 11, 12, 10, 0, tzinfo=VILNIUS), tick=False):
        assert "Reminded 0 organisations" in _run("--days-before", "0")
    assert mail.outbox == []


def _reminded_on(policy_officer, deadline: datetime.datetime, days: int, args: tuple[str, ...] = ()):
    """The days from 1 to 10 December on which the command (run at 7:00) reminded, and the
    dashboard's days left on each of them."""
    start = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=VILNIUS)
    with time_machine.travel(start, tick=False):
        consultation = ConsultationFactory(
            sectors=["ict"], internal_deadline=deadline, external_deadline=None
        )
        QuestionFactory(consultation=consultation)
        services.consultation_open(consultation=consultation, user=policy_officer)
    mail.outbox.clear()
    reminded = {}
    for day in range(2, 11):
        with time_machine.travel(datetime.datetime(2026, 12, day, 7, 0, tzinfo=VILNIUS), tick=False):
            sent = len(mail.outbox)
            _run(*args)
            if len(mail.outbox) > sent:
                reminded[day] = analysis.days_to_deadline(consultation=consultation)
    return reminded


@pytest.mark.parametrize(
    ("deadline", "days", "reminded"),
    [
        # Shown as "gruodžio 9 d., 23:59": the dashboard's "liko 3 dienos" on 6 December.
        (datetime.datetime(2026, 12, 10, 0, 0, tzinfo=VILNIUS), 3, {6: 3}),
        (datetime.datetime(2026, 12, 10, 0, 0, tzinfo=VILNIUS), 0, {9: 0}),
        (datetime.datetime(2026, 12, 10, 15, 0, tzinfo=VILNIUS), 3, {7: 3}),
        (datetime.datetime(2026, 12, 10, 15, 0, tzinfo=VILNIUS), 0, {10: 0}),
    ],
)
def test_the_command_counts_the_days_to_the_last_day_answers_are_taken_as_the_dashboard(
    policy_officer, settings, deadline, days, reminded
):
    member_organisation()
    settings.CONSULTATION_REMINDER_DAYS_BEFORE = days

    assert _reminded_on(policy_officer, deadline, days) == reminded


def test_the_command_reminds_on_the_last_day_of_a_midnight_deadline_with_zero_days(policy_officer):
    member_organisation()
    deadline = datetime.datetime(2026, 12, 10, 0, 0, tzinfo=VILNIUS)

    assert _reminded_on(policy_officer, deadline, 0, ("--days-before", "0")) == {9: 0}
    (message,) = mail.outbox
    assert "23:59" in message.subject


def test_a_document_whose_stored_file_is_gone_sends_staff_to_upload_it_again(
    staff_client, settings, tmp_path
):
    # Media restored without it, say: the admin's link to it is no server error.
    settings.MEDIA_ROOT = tmp_path
    consultation = ConsultationFactory()
    document = ConsultationDocument(consultation=consultation, title="Įstatymo projektas")
    document.file.save("projektas.pdf", ContentFile(b"%PDF-1.7 projektas"))
    document.file.storage.delete(document.file.name)
    url = reverse("admin:consultations_consultation_preview_document", args=[consultation.pk, document.pk])

    response = staff_client.get(url, follow=True)

    assert response.redirect_chain == [
        (reverse("admin:consultations_consultation_change", args=[consultation.pk]), 302)
    ]
    assert [str(message) for message in response.context["messages"]] == [
        "Dokumento „Įstatymo projektas“ failo saugykloje nėra: įkelkite jį iš naujo."
    ]
