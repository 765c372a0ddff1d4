from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from consultations import services
from consultations.admin.consultation import ConsultationAdmin
from consultations.admin.links import not_reachable_invitations_url
from consultations.models import AccessLink, Consultation, ConsultationDocument, Question
from crm.models import Organisation, Sector
from tests.consultations.factories import (
    AnswerFactory,
    ConsultationFactory,
    QuestionFactory,
    ResponseFactory,
    member_organisation,
)
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    "admin:consultations_consultation_changelist",
    "admin:consultations_invitation_changelist",
    "admin:consultations_accesslink_changelist",
]


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _opened(user, **kwargs) -> Consultation:
    kwargs.setdefault("sectors", ["ict"])
    consultation = ConsultationFactory(**kwargs)
    QuestionFactory(consultation=consultation)
    services.consultation_open(consultation=consultation, user=user)
    return consultation


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _change_url(consultation: Consultation) -> str:
    return reverse("admin:consultations_consultation_change", args=[consultation.pk])


def _transition_url(consultation: Consultation, name: str) -> str:
    return reverse(f"admin:consultations_consultation_{name}", args=[consultation.pk])


def _populate(count: int, user) -> None:
    """Open consultations, each with two invited organisations of two contacts, one link revoked,
    and one organisation without a contact, whose invitation nobody could be sent."""
    for _ in range(count):
        organisations = [member_organisation(sectors=(), contacts=2) for _ in range(2)]
        organisations.append(member_organisation(sectors=(), contacts=0))
        consultation = _opened(user, sectors=[], organisations=organisations)
        ResponseFactory(consultation=consultation, organisation=organisations[0])
        services.access_link_revoke(
            access_link=AccessLink.objects.filter(invitation__consultation=consultation).first(), user=user
        )


def _count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("url_name", CHANGELISTS)
def test_changelist_query_count_does_not_grow_with_rows(staff_client, superuser, url_name):
    url = reverse(url_name) + "?all="
    _populate(2, superuser)
    small = _count_queries(staff_client, url)
    _populate(8, superuser)
    large = _count_queries(staff_client, url)
    assert large == small
    assert large <= 12


def test_consultation_list_shows_status_and_counts(staff_client, superuser):
    _populate(1, superuser)
    ConsultationFactory(title="Dar ruošiama")
    content = staff_client.get(reverse("admin:consultations_consultation_changelist")).content.decode()
    assert "Dar ruošiama" in content
    assert '<strong class="kl-ok">Atvira</strong>' in content  # the open one's status, in its tone


def test_consultation_list_counts_as_invited_only_the_invitations_sent(staff_client, superuser):
    _populate(1, superuser)
    consultation = Consultation.objects.get()

    with translation.override("en"):
        content = staff_client.get(reverse("admin:consultations_consultation_changelist")).content.decode()
        unreachable_url = escape(not_reachable_invitations_url(consultation=consultation))

    assert f'<td class="field-invitation_count">2 <a href="{unreachable_url}"' in content
    assert "(not reachable: 1)" in content


def test_consultation_list_sorts_by_the_invitations_sent(staff_client, superuser):
    few = _opened(
        superuser,
        sectors=[],
        title="Mažai pakviestų",
        organisations=[member_organisation(sectors=())]
        + [member_organisation(sectors=(), contacts=0) for _ in range(3)],
    )
    many = _opened(
        superuser,
        sectors=[],
        title="Daug pakviestų",
        organisations=[member_organisation(sectors=()) for _ in range(3)],
    )
    changelist = reverse("admin:consultations_consultation_changelist")
    column = ConsultationAdmin.list_display.index("invitation_count") + 1

    ascending = staff_client.get(changelist, {"o": str(column)}).context["cl"].result_list
    descending = staff_client.get(changelist, {"o": f"-{column}"}).context["cl"].result_list

    assert list(ascending) == [few, many]
    assert list(descending) == [many, few]


def test_consultation_list_filters_by_deadline(staff_client):
    with time_machine.travel(datetime.datetime(2026, 6, 15, 9, 0, tzinfo=datetime.UTC), tick=False):
        ConsultationFactory(
            title="Birželio terminas", internal_deadline=timezone.now() + datetime.timedelta(days=3)
        )
        ConsultationFactory(
            title="Kitų metų terminas", internal_deadline=timezone.now() + datetime.timedelta(days=400)
        )
        url = reverse("admin:consultations_consultation_changelist")
        changelist = staff_client.get(url).context["cl"]
        (deadlines,) = [spec for spec in changelist.filter_specs if spec.field_path == "internal_deadline"]
        choices = {str(choice["display"]): choice["query_string"] for choice in deadlines.choices(changelist)}
        this_month = staff_client.get(url + choices["Šį mėnesį"]).content.decode()
    assert "Birželio terminas" in this_month
    assert "Kitų metų terminas" not in this_month


@pytest.mark.parametrize(
    ("reach", "expected"), [("not_reachable", ["Be kontakto"]), ("sent", ["Su kontaktu"]), (None, None)]
)
def test_invitation_list_filters_the_invitations_nobody_could_be_sent(
    staff_client, superuser, reach, expected
):
    member_organisation(name="Su kontaktu")
    member_organisation(name="Be kontakto", contacts=0)
    consultation = _opened(superuser)
    params = {"consultation__id__exact": consultation.pk} | ({"reach": reach} if reach else {})

    response = staff_client.get(reverse("admin:consultations_invitation_changelist"), params)

    assert response.status_code == 200
    listed = sorted(invitation.organisation.name for invitation in response.context["cl"].result_list)
    assert listed == (expected or ["Be kontakto", "Su kontaktu"])


def test_invitation_list_shows_each_links_state(staff_client, superuser):
    _populate(1, superuser)
    content = staff_client.get(reverse("admin:consultations_invitation_changelist")).content.decode()
    assert content.count('class="kl-error"') >= 1  # one revoked link
    revoked = AccessLink.objects.get(revoked_at__isnull=False)
    assert revoked.person.full_name in content


@pytest.mark.parametrize(
    ("url_name", "parameter"),
    [
        ("admin:consultations_invitation_changelist", "consultation__id__exact"),
        ("admin:consultations_accesslink_changelist", "invitation__consultation__id__exact"),
        ("admin:consultations_response_changelist", "consultation__id__exact"),
    ],
)
def test_consultation_filter_lists_titles_without_reading_whole_consultations(
    staff_client, superuser, url_name, parameter
):
    member_organisation(name="Pirmoji organizacija")
    first = _opened(superuser, title="Dėl šilumos ūkio", background="Ilgas fonas " * 500)
    second = _opened(superuser, title="Dėl viešųjų pirkimų")
    for consultation in (first, second):
        ResponseFactory(consultation=consultation, organisation=consultation.invitations.get().organisation)

    with CaptureQueriesContext(connection) as queries:
        content = staff_client.get(reverse(url_name)).content.decode()
    read = [query["sql"] for query in queries.captured_queries]  # before the next request resets them
    filtered = staff_client.get(reverse(url_name), {parameter: second.pk})

    # Listed newest first, as the consultations' own list; each choice filters by its consultation.
    assert content.index("Dėl viešųjų pirkimų") < content.index("Dėl šilumos ūkio")
    assert f"?{parameter}={first.pk}" in content
    # The filter's own query: of the consultations alone.
    choices = [sql for sql in read if re.search(r'FROM "consultations_consultation"\s+ORDER BY', sql)]
    assert len(choices) == 1
    assert '"title"' in choices[0]
    assert '"background"' not in choices[0]
    (row,) = filtered.context["cl"].result_list
    assert str(row).endswith("Dėl viešųjų pirkimų")


def test_invitation_list_reads_of_each_link_only_what_it_shows(staff_client, superuser):
    _populate(1, superuser)
    with CaptureQueriesContext(connection) as queries:
        content = staff_client.get(reverse("admin:consultations_invitation_changelist")).content.decode()
    links_query = next(
        q["sql"] for q in queries.captured_queries if 'FROM "consultations_accesslink"' in q["sql"]
    )
    # Not the person's notes, phone or consents, nor the link's browser key.
    for column in ("notes", "phone", "consent_consultations", "browser_key"):
        assert f'"{column}"' not in links_query
    for link in AccessLink.objects.select_related("person"):
        assert link.person.full_name in content


# --- transitions through buttons and actions --------------------------------------------------------


def test_change_page_offers_the_transitions_of_the_status(staff_client, superuser):
    draft = ConsultationFactory()
    content = staff_client.get(_change_url(draft)).content.decode()
    assert _transition_url(draft, "open") in content
    assert _transition_url(draft, "close") not in content

    member_organisation()
    opened = _opened(superuser)
    content = staff_client.get(_change_url(opened)).content.decode()
    assert _transition_url(opened, "open") not in content
    for name in ("invite", "remind", "close"):
        assert _transition_url(opened, name) in content


def test_open_button_opens_and_lists_organisations_without_contacts(staff_client):
    member_organisation(name="Su kontaktu", contacts=1)
    without = member_organisation(name="Be kontakto", contacts=0)
    consultation = ConsultationFactory(sectors=["ict"])
    QuestionFactory(consultation=consultation)

    response = staff_client.post(_transition_url(consultation, "open"))

    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.OPEN
    assert len(mail.outbox) == 1
    page = staff_client.get(response["Location"]).content.decode()
    assert "Be kontakto" in page
    assert reverse("admin:crm_organisation_change", args=[without.pk]) in page


def test_change_page_counts_the_invited_apart_from_those_not_reachable(staff_client, superuser):
    member_organisation(name="Su kontaktu")
    member_organisation(name="Be kontakto", contacts=0)
    consultation = _opened(superuser)

    with translation.override("en"):
        page = staff_client.get(_change_url(consultation)).content.decode()
        unreachable_url = escape(not_reachable_invitations_url(consultation=consultation))

    assert "1 organisation invited" in page
    assert f'<a href="{unreachable_url}" class="kl-error">' in page
    assert "not reachable, no contact who receives consultations: 1" in page


def test_reminding_warns_of_the_organisations_not_reachable(staff_client, superuser):
    member_organisation(name="Su kontaktu")
    member_organisation(name="Be kontakto", contacts=0)
    consultation = _opened(superuser)
    mail.outbox.clear()

    with (
        translation.override("en"),
        time_machine.travel(timezone.now() + datetime.timedelta(days=1), tick=False),
    ):
        response = staff_client.post(_transition_url(consultation, "remind"), follow=True)
        unreachable_url = escape(not_reachable_invitations_url(consultation=consultation))

    assert len(mail.outbox) == 1
    (warning,) = [message for message in _messages(response) if "Not reminded" in message]
    assert "Not reminded, no contact who receives consultations: 1." in warning
    assert unreachable_url in warning


def test_reminding_says_nothing_of_reach_when_every_organisation_was_reached(staff_client, superuser):
    member_organisation(name="Su kontaktu")
    consultation = _opened(superuser)

    with (
        translation.override("en"),
        time_machine.travel(timezone.now() + datetime.timedelta(days=1), tick=False),
    ):
        response = staff_client.post(_transition_url(consultation, "remind"), follow=True)

    assert not [message for message in _messages(response) if "Not reminded" in message]


def test_open_button_refusal_is_shown_and_nothing_changes(staff_client):
    consultation = ConsultationFactory()
    response = staff_client.post(_transition_url(consultation, "open"), follow=True)
    messages = _messages(response)
    assert any("Prieš atidarydami pridėkite bent vieną klausimą" in message for message in messages)
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.DRAFT


def test_transitions_are_not_run_by_get_but_ask_first(staff_client):
    consultation = ConsultationFactory(sectors=["ict"])
    QuestionFactory(consultation=consultation)
    member_organisation()

    page = staff_client.get(_transition_url(consultation, "open"))

    assert page.status_code == 200
    assert page.templates[0].name == "consultations/admin/transition_confirmation.html"
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.DRAFT
    assert not consultation.invitations.exists()
    assert mail.outbox == []
    assert staff_client.put(_transition_url(consultation, "open")).status_code == 405


def test_reminder_close_and_archive_buttons(staff_client, superuser):
    member_organisation()
    consultation = _opened(superuser)
    mail.outbox.clear()

    tomorrow = timezone.now() + datetime.timedelta(days=1)
    with time_machine.travel(tomorrow, tick=False):
        response = staff_client.post(_transition_url(consultation, "remind"), follow=True)
    assert len(mail.outbox) == 1
    # Queued, not sent: with the database task backend the worker sends them later.
    assert any(
        "priminta organizacijoms – 1, į siuntimo eilę įtraukta laiškų – 1" in message
        for message in _messages(response)
    )

    staff_client.post(_transition_url(consultation, "close"))
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.CLOSED
    staff_client.post(_transition_url(consultation, "archive"))
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.ARCHIVED

    # An archived consultation is read only: no buttons, no saving.
    page = staff_client.get(_change_url(consultation)).content.decode()
    assert _transition_url(consultation, "close") not in page
    assert staff_client.post(_change_url(consultation), {"title": "Pakeista"}).status_code == 403


def test_list_actions_open_and_close_several_consultations(staff_client):
    member_organisation()
    first, second = ConsultationFactory(sectors=["ict"]), ConsultationFactory(sectors=["ict"])
    QuestionFactory(consultation=first)
    QuestionFactory(consultation=second)
    url = reverse("admin:consultations_consultation_changelist")

    # As the admin's "delete selected": the action first shows what it will do, changing nothing ...
    asked = staff_client.post(url, {"action": "open_selected", "_selected_action": [first.pk, second.pk]})
    assert asked.status_code == 200
    assert set(Consultation.objects.values_list("status", flat=True)) == {"draft"}
    assert mail.outbox == []
    content = asked.content.decode()
    assert first.title in content and second.title in content
    assert '<input type="hidden" name="post" value="yes">' in content

    # ... and runs, posted from that page.
    staff_client.post(
        url, {"action": "open_selected", "_selected_action": [first.pk, second.pk], "post": "yes"}
    )
    assert set(Consultation.objects.values_list("status", flat=True)) == {"open"}
    assert len(mail.outbox) == 2

    staff_client.post(url, {"action": "close_selected", "_selected_action": [first.pk]})
    first.refresh_from_db()
    assert first.status == Consultation.Status.OPEN
    staff_client.post(url, {"action": "close_selected", "_selected_action": [first.pk], "post": "yes"})
    first.refresh_from_db()
    assert first.status == Consultation.Status.CLOSED


def test_revoke_and_reissue_actions_on_invitations(staff_client, superuser):
    member_organisation(contacts=2)
    consultation = _opened(superuser)
    invitation = consultation.invitations.get()
    url = reverse("admin:consultations_invitation_changelist")
    mail.outbox.clear()

    staff_client.post(url, {"action": "revoke_links", "_selected_action": [invitation.pk]})
    assert AccessLink.objects.filter(revoked_at__isnull=True).count() == 0

    # Revoked links are not re-issued with the invitation (test_reissue_revoked.py) ...
    staff_client.post(url, {"action": "reissue_links", "_selected_action": [invitation.pk]})
    assert AccessLink.objects.filter(revoked_at__isnull=True).count() == 0
    assert len(mail.outbox) == 0

    # ... but each from the list of links, chosen there.
    staff_client.post(
        reverse("admin:consultations_accesslink_changelist"),
        {
            "action": "reissue_links",
            "_selected_action": list(AccessLink.objects.values_list("pk", flat=True)),
        },
    )
    assert AccessLink.objects.filter(revoked_at__isnull=True).count() == 2
    assert AccessLink.objects.count() == 4
    assert len(mail.outbox) == 2


def test_revoke_action_on_links(staff_client, superuser):
    member_organisation(contacts=2)
    _opened(superuser)
    link = AccessLink.objects.first()
    staff_client.post(
        reverse("admin:consultations_accesslink_changelist"),
        {"action": "revoke_links", "_selected_action": [link.pk]},
    )
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert AccessLink.objects.filter(revoked_at__isnull=True).count() == 1


# --- the change form with its inlines ---------------------------------------------------------------


def _form_data(consultation: Consultation, questions: list[dict], documents: int = 0) -> dict:
    deadline = timezone.localtime(consultation.internal_deadline)
    data = {
        "title": consultation.title,
        "background": consultation.background,
        "requesting_institution": "",
        "responsible": "",
        "external_reference": consultation.external_reference,
        "external_url": "",
        "opens_at_0": "",
        "opens_at_1": "",
        "internal_deadline_0": deadline.strftime("%Y-%m-%d"),
        "internal_deadline_1": deadline.strftime("%H:%M:%S"),
        "external_deadline_0": "",
        "external_deadline_1": "",
        "audience_sectors": [sector.pk for sector in consultation.audience_sectors.all()],
        "only_active_members": "on",
        "documents-TOTAL_FORMS": str(documents),
        "documents-INITIAL_FORMS": "0",
        "documents-MIN_NUM_FORMS": "0",
        "documents-MAX_NUM_FORMS": "1000",
        "questions-TOTAL_FORMS": str(len(questions)),
        "questions-INITIAL_FORMS": str(sum(1 for question in questions if question.get("id"))),
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "1000",
    }
    if consultation.opens_at:
        opens_at = timezone.localtime(consultation.opens_at)
        data["opens_at_0"] = opens_at.strftime("%Y-%m-%d")
        data["opens_at_1"] = opens_at.strftime("%H:%M:%S")
    for index, question in enumerate(questions):
        for key, value in question.items():
            data[f"questions-{index}-{key}"] = value
        data[f"questions-{index}-consultation"] = consultation.pk
    return data


def _question_data(question: Question, **changes) -> dict:
    data = {
        "id": question.pk,
        "position": question.position,
        "kind": question.kind,
        "text": question.text,
        "help_text": question.help_text,
        "max_length": question.max_length or "",
        "choices": "\n".join(question.choices),
    }
    if question.required:
        data["required"] = "on"
    data.update(changes)
    return data


def test_questions_are_added_inline_with_choices_one_per_line(staff_client):
    consultation = ConsultationFactory(sectors=["ict"])
    data = _form_data(
        consultation,
        [
            {
                "position": 1,
                "kind": "single_choice",
                "text": "Ar pritariate?",
                "choices": "Taip\r\nNe\r\n\r\n",
            },
            {"position": 2, "kind": "proposals", "text": "Pasiūlymai", "max_length": "2000"},
        ],
    )
    response = staff_client.post(_change_url(consultation), data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    assert list(consultation.questions.values_list("kind", "choices")) == [
        ("single_choice", ["Taip", "Ne"]),
        ("proposals", []),
    ]


def test_questions_added_without_a_position_are_numbered_after_the_others(staff_client):
    consultation = ConsultationFactory(sectors=["ict"])
    QuestionFactory(consultation=consultation, position=4, text="Pirmas")
    data = _form_data(
        consultation,
        [
            _question_data(consultation.questions.get()),
            {"position": 0, "kind": "long_text", "text": "Antras"},
            {"position": 0, "kind": "long_text", "text": "Trečias"},
            {"position": 2, "kind": "long_text", "text": "Įterptas"},
            {"position": 0, "kind": "yes_no", "text": "Ketvirtas"},
        ],
    )

    response = staff_client.post(_change_url(consultation), data)

    assert response.status_code == 302, response.context["errors"] if response.context else response
    assert list(consultation.questions.values_list("text", "position")) == [
        ("Įterptas", 2),
        ("Pirmas", 4),
        ("Antras", 5),
        ("Trečias", 6),
        ("Ketvirtas", 7),
    ]


def test_a_question_added_without_a_position_goes_after_those_moved_or_added_in_the_same_save(staff_client):
    consultation = ConsultationFactory(sectors=["ict"])
    first = QuestionFactory(consultation=consultation, position=1, text="Pirmas")
    data = _form_data(
        consultation,
        [
            _question_data(first, position=5),
            {"position": 0, "kind": "long_text", "text": "Be vietos"},
            {"position": 10, "kind": "long_text", "text": "Dešimtas"},
        ],
    )

    response = staff_client.post(_change_url(consultation), data)

    assert response.status_code == 302, response.context["errors"] if response.context else response
    assert list(consultation.questions.values_list("text", "position")) == [
        ("Pirmas", 5),
        ("Dešimtas", 10),
        ("Be vietos", 11),
    ]


def test_the_requesting_institution_is_a_public_institution(staff_client):
    consultation = ConsultationFactory(sectors=["ict"])
    cluster = OrganisationFactory(kind=Organisation.Kind.CLUSTER, name="Klasteris „Saulėgrąža“")
    ministry = OrganisationFactory(kind=Organisation.Kind.PUBLIC, name="Energetikos ministerija")
    data = _form_data(consultation, [])

    refused = staff_client.post(_change_url(consultation), {**data, "requesting_institution": cluster.pk})
    assert refused.status_code == 200
    assert "requesting_institution" in refused.context["adminform"].form.errors
    consultation.refresh_from_db()
    assert consultation.requesting_institution is None

    # The picker offers public institutions only.
    found = staff_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "",
            "app_label": "consultations",
            "model_name": "consultation",
            "field_name": "requesting_institution",
        },
    ).json()
    assert [row["id"] for row in found["results"]] == [str(ministry.pk)]

    saved = staff_client.post(_change_url(consultation), {**data, "requesting_institution": ministry.pk})
    assert saved.status_code == 302
    consultation.refresh_from_db()
    assert consultation.requesting_institution == ministry


def test_a_choice_question_without_choices_is_a_form_error(staff_client):
    consultation = ConsultationFactory()
    data = _form_data(
        consultation, [{"position": 1, "kind": "multiple_choice", "text": "Kurie?", "choices": "Vienas"}]
    )
    response = staff_client.post(_change_url(consultation), data)
    assert response.status_code == 200
    assert "Klausimui su pasirinkimais reikia bent dviejų atsakymo variantų" in response.content.decode()
    assert not Question.objects.exists()


@pytest.mark.parametrize("typed", ["Kita", "kita:", "Other"])
def test_a_choice_named_other_beside_the_other_option_is_a_form_error(staff_client, typed):
    consultation = ConsultationFactory()
    question = {"position": 1, "kind": "single_choice", "text": "Kuris?", "choices": f"Vienas\nDu\n{typed}"}

    refused = staff_client.post(
        _change_url(consultation), _form_data(consultation, [question | {"allow_other": "on"}])
    )
    without_other = staff_client.post(_change_url(consultation), _form_data(consultation, [question]))

    assert refused.status_code == 200
    assert "Parinktį „Kita“ prideda jos varnelė" in refused.content.decode()
    assert without_other.status_code == 302
    assert Question.objects.get().choices == ["Vienas", "Du", typed]


def test_a_stored_choice_named_other_does_not_keep_the_page_from_being_saved(staff_client):
    consultation = ConsultationFactory()
    stored = QuestionFactory(
        consultation=consultation, kind="single_choice", choices=["Vienas", "Kita"], allow_other=True
    )
    data = _form_data(consultation, [_question_data(stored, allow_other="on")])
    data["title"] = "Pataisytas pavadinimas"

    assert staff_client.post(_change_url(consultation), data).status_code == 302
    consultation.refresh_from_db()
    assert consultation.title == "Pataisytas pavadinimas"


def _answered_consultation() -> tuple[Consultation, Question]:
    consultation = ConsultationFactory(sectors=["ict"])
    question = QuestionFactory(
        consultation=consultation, kind="single_choice", choices=["Taip", "Ne"], text="Ar pritariate?"
    )
    AnswerFactory(question=question, response__consultation=consultation, text="", choice_indexes=[1])
    return consultation, question


def test_answered_question_wording_is_fixed_only_with_confirmation(staff_client):
    consultation, question = _answered_consultation()
    unconfirmed = _form_data(consultation, [_question_data(question, text="Ar pritariate projektui?")])

    response = staff_client.post(_change_url(consultation), unconfirmed)
    assert response.status_code == 200
    assert "Patvirtinkite, kad šis pakeitimas tik pataiso formuluotę" in response.content.decode()
    question.refresh_from_db()
    assert question.text == "Ar pritariate?"

    confirmed = _form_data(
        consultation, [_question_data(question, text="Ar pritariate projektui?", confirm_wording_fix="on")]
    )
    assert staff_client.post(_change_url(consultation), confirmed).status_code == 302
    question.refresh_from_db()
    assert question.text == "Ar pritariate projektui?"


def test_answered_questions_cannot_be_restructured_added_or_removed_in_the_admin(staff_client):
    consultation, question = _answered_consultation()
    attempts = [
        ([_question_data(question, kind="multiple_choice", confirm_wording_fix="on")], "bet ne: tipas"),
        # The new kind does not take choices either; the reason given is the answers.
        ([_question_data(question, kind="long_text", confirm_wording_fix="on")], "bet ne: tipas"),
        ([_question_data(question, choices="Taip\nNe\nNežinau", confirm_wording_fix="on")], "bet ne: "),
        (
            [_question_data(question), {"position": 9, "kind": "long_text", "text": "Naujas klausimas"}],
            "klausimų pridėti negalima",
        ),
        # Not the admin's list of every answer that holds the question.
        ([_question_data(question, DELETE="on")], "klausimų pašalinti negalima"),
    ]
    for questions, reason in attempts:
        response = staff_client.post(_change_url(consultation), _form_data(consultation, questions))
        assert response.status_code == 200, questions
        # The page's error list holds the forms' lists of messages and the formset's messages.
        messages = [
            str(message)
            for error in response.context["errors"]
            for message in ([error] if isinstance(error, str) else error)
        ]
        errors = " ".join(messages)
        assert messages[0].startswith("Nariai jau atsakė"), (questions, messages)
        assert reason in errors, (questions, errors)
        assert "apsaugotus" not in errors, questions
    assert list(Question.objects.values_list("kind", "choices")) == [("single_choice", ["Taip", "Ne"])]


def test_documents_are_uploaded_inline_and_checked(staff_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    consultation = ConsultationFactory()
    data = _form_data(consultation, [], documents=1)
    data.update({"documents-0-position": "1", "documents-0-title": "Projektas"})

    bad = staff_client.post(
        _change_url(consultation),
        {**data, "documents-0-file": SimpleUploadedFile("virusas.pdf", b"MZ\x90\x00")},
    )
    assert bad.status_code == 200
    assert "nėra tinkamas PDF failas" in bad.content.decode()
    assert not ConsultationDocument.objects.exists()

    good = staff_client.post(
        _change_url(consultation),
        {**data, "documents-0-file": SimpleUploadedFile("projektas.pdf", b"%PDF-1.7 x")},
    )
    assert good.status_code == 302
    document = ConsultationDocument.objects.get()
    assert document.file.read() == b"%PDF-1.7 x"

    # The page links the stored file to the admin's own download of it, which works without
    # anything serving MEDIA_URL (as in production), not to MEDIA_URL.
    page = staff_client.get(_change_url(consultation)).content.decode()
    download = reverse(
        "admin:consultations_consultation_preview_document", args=[consultation.pk, document.pk]
    )
    assert f'href="{download}"' in page
    assert settings.MEDIA_URL + document.file.name not in page
    served = staff_client.get(download)
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == b"%PDF-1.7 x"
    assert Client().get(download).status_code == 302  # to the login page
    no_rights = Client()
    no_rights.force_login(UserFactory(username="be-teisiu", is_staff=True))
    assert no_rights.get(download).status_code == 403


@pytest.mark.parametrize("reader", ["read_only_user", "archived"])
def test_a_document_shown_read_only_links_to_the_admins_download(
    reader, request, superuser, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    consultation = ConsultationFactory()
    document = ConsultationDocument.objects.create(
        consultation=consultation, title="Projektas", file=SimpleUploadedFile("projektas.pdf", b"%PDF-1.7 x")
    )
    if reader == "archived":
        now = timezone.now()
        Consultation.objects.filter(pk=consultation.pk).update(
            status=Consultation.Status.ARCHIVED,
            opens_at=now - datetime.timedelta(days=30),
            closed_at=now,
            archived_at=now,
        )
        user = superuser
    else:
        user = request.getfixturevalue(reader)

    page = _client(user).get(_change_url(consultation)).content.decode()

    download = reverse(
        "admin:consultations_consultation_preview_document", args=[consultation.pk, document.pk]
    )
    assert f'<a href="{download}">{document.file.name}</a>' in page
    assert settings.MEDIA_URL + document.file.name not in page


# --- roles ------------------------------------------------------------------------------------------


def test_policy_officer_creates_and_runs_consultations(policy_officer):
    client = _client(policy_officer)
    assert client.get(reverse("admin:consultations_consultation_add")).status_code == 200
    member_organisation()
    consultation = ConsultationFactory(sectors=["ict"])
    QuestionFactory(consultation=consultation)
    client.post(_transition_url(consultation, "open"))
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.OPEN
    assert client.get(reverse("admin:consultations_invitation_changelist")).status_code == 200
    # The audience autocompletes organisations and sectors the officer may view.
    autocomplete = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "consultations",
            "model_name": "consultation",
            "field_name": "audience_sectors",
            "term": "IRT",
        },
    )
    assert autocomplete.status_code == 200
    assert Sector.objects.get(code="ict").name_lt in autocomplete.content.decode()


def test_read_only_user_sees_consultations_but_cannot_change_or_run_them(read_only_user, superuser):
    member_organisation()
    consultation = _opened(superuser)
    client = _client(read_only_user)

    assert client.get(reverse("admin:consultations_consultation_changelist")).status_code == 200
    assert client.get(_change_url(consultation)).status_code == 200
    assert (
        _transition_url(consultation, "close") not in client.get(_change_url(consultation)).content.decode()
    )
    assert client.get(reverse("admin:consultations_consultation_add")).status_code == 403
    assert client.post(_change_url(consultation), {"title": "Pakeista"}).status_code == 403
    assert client.post(_transition_url(consultation, "close")).status_code == 403
    response = client.post(
        reverse("admin:consultations_invitation_changelist"),
        {"action": "revoke_links", "_selected_action": [consultation.invitations.get().pk]},
    )
    assert response.status_code in (200, 302)
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.OPEN
    assert AccessLink.objects.filter(revoked_at__isnull=True).count() == 1


def test_only_draft_consultations_can_be_deleted(staff_client, superuser):
    draft = ConsultationFactory()
    member_organisation()
    opened = _opened(superuser)
    assert (
        staff_client.get(reverse("admin:consultations_consultation_delete", args=[draft.pk])).status_code
        == 200
    )
    assert (
        staff_client.get(reverse("admin:consultations_consultation_delete", args=[opened.pk])).status_code
        == 403
    )


@pytest.mark.parametrize("cleared", ["opens_at", "internal_deadline"])
def test_an_opened_consultation_keeps_its_opening_time_and_deadline_as_a_form_error(
    opened, staff_client, cleared
):
    consultation = opened.consultation
    before = (consultation.opens_at, consultation.internal_deadline)
    data = _form_data(consultation, [_question_data(question) for question in consultation.questions.all()])
    data |= {f"{cleared}_0": "", f"{cleared}_1": ""}

    response = staff_client.post(_change_url(consultation), data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == [cleared]
    assert errors[cleared] == [
        "Atidaryta konsultacija turi atidarymo laiką ir terminą: palikite šį arba pakeiskite jį."
    ]
    consultation.refresh_from_db()
    assert (consultation.opens_at, consultation.internal_deadline) == before


def _with_deadline(data: dict, deadline: datetime.datetime) -> dict:
    local = timezone.localtime(deadline)
    return data | {
        "internal_deadline_0": local.strftime("%Y-%m-%d"),
        "internal_deadline_1": local.strftime("%H:%M"),
    }


def test_an_open_consultations_deadline_cannot_be_moved_into_the_past(opened, staff_client):
    consultation = opened.consultation
    before = consultation.internal_deadline
    data = _form_data(consultation, [_question_data(question) for question in consultation.questions.all()])
    opens_at = consultation.opens_at

    response = staff_client.post(
        _change_url(consultation), _with_deadline(data, opens_at + (timezone.now() - opens_at) / 2)
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["internal_deadline"] == [
        "Atviros konsultacijos vidinio termino negalima perkelti į praeitį: nariai nebegalėtų atsakyti, "
        "nors konsultacija tebėra atvira. Jei atsakymus reikia sustabdyti dabar, uždarykite konsultaciją."
    ]
    consultation.refresh_from_db()
    assert consultation.internal_deadline == before
    # Moved later, it is saved.
    later = (before + datetime.timedelta(days=3)).replace(second=0, microsecond=0)
    assert staff_client.post(_change_url(consultation), _with_deadline(data, later)).status_code == 302
    consultation.refresh_from_db()
    assert consultation.internal_deadline == later


def test_an_open_consultation_whose_deadline_has_passed_can_still_be_edited_and_extended(opened, superuser):
    consultation = opened.consultation
    data = _form_data(consultation, [_question_data(question) for question in consultation.questions.all()])
    data["title"] = "Pataisytas pavadinimas"
    changelist = reverse("admin:consultations_consultation_changelist")
    with time_machine.travel(consultation.internal_deadline + datetime.timedelta(days=1)):
        client = _client(superuser)
        # Its own deadline, unchanged, is no error; a new one in the future opens the answers again.
        assert client.post(_change_url(consultation), data)["Location"] == changelist
        extended = (timezone.now() + datetime.timedelta(days=2)).replace(second=0, microsecond=0)
        assert (
            client.post(_change_url(consultation), _with_deadline(data, extended))["Location"] == changelist
        )
    consultation.refresh_from_db()
    assert consultation.title == "Pataisytas pavadinimas"
    assert consultation.internal_deadline == extended


def test_the_history_of_a_consultation_names_the_fields_changed_in_lithuanian(opened, staff_client):
    consultation = opened.consultation
    data = _form_data(consultation, [_question_data(question) for question in consultation.questions.all()])
    data["title"] = "Dėl Inovacijų įstatymo pakeitimo (patikslinta)"
    later = consultation.internal_deadline + datetime.timedelta(days=2)

    assert staff_client.post(_change_url(consultation), _with_deadline(data, later)).status_code == 302

    page = staff_client.get(reverse("admin:consultations_consultation_history", args=[consultation.pk]))
    (action,) = re.findall(
        r"<tr>\s*<th scope=\"row\">.*?</th>\s*<td>.*?</td>\s*<td>(.*?)</td>", page.content.decode(), re.S
    )
    # The consultation's fields and its questions' by their Lithuanian names, not Django's stored
    # English labels ("Title", "Internal deadline").
    assert action.strip().startswith("Pakeista: pavadinimas, ")
    assert "vidinis terminas" in action
    assert "Pakeista (klausimas „Ar pritariate projektui?“): variantas „kita“ su tekstu." in action
    assert "Title" not in action and "deadline" not in action
