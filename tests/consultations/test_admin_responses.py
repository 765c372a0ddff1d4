"""The staff list of member responses: what it shows, that its queries do not grow with the rows,
and that nobody edits a member's answer from the admin."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consultations import services
from consultations.answers import AnswerValue, snapshot_entry
from consultations.models import Consultation, Response, ResponseEdit, ResponseVersion
from tests.consultations.factories import QuestionFactory, ResponseFactory
from tests.consultations.test_answers import full_answers
from tests.factories import OrganisationFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = "admin:consultations_response_changelist"
# Session, user, the consultations of the filter, the count with and without the filters, the
# page of rows and the latest edit of each: however many responses and edits there are.
LIST_QUERIES = 7


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _ruta_submits(opened) -> ResponseVersion:
    """Rūta submits her organisation's first answer, every question answered."""
    ruta = opened.members["ruta"]
    return services.response_submit(
        invitation=ruta.invitation,
        person=ruta.person,
        data=full_answers(opened.questions),
        expected_version=0,
    )


def _submitted(consultation: Consultation, count: int) -> list[Response]:
    """`count` organisations that each submitted one version of an answer, saved by a contact."""
    question = consultation.questions.get()
    submitted_at = timezone.now() - datetime.timedelta(days=2)
    responses = []
    for _ in range(count):
        person = PersonFactory()
        response = ResponseFactory(
            consultation=consultation,
            organisation=OrganisationFactory(),
            status=Response.Status.SUBMITTED,
            version=1,
            updated_at=submitted_at,
            submitted_at=submitted_at,
            submitted_by=person,
        )
        ResponseVersion.objects.create(
            response=response,
            number=1,
            submitted_at=submitted_at,
            submitted_by=person,
            answers=[snapshot_entry(question=question, value=AnswerValue(text="Pritariame."))],
        )
        ResponseEdit.objects.create(
            response=response, person=person, action="submitted", version=1, created_at=submitted_at
        )
        responses.append(response)
    return responses


def test_the_response_list_takes_the_same_queries_for_five_and_for_many_responses(
    staff_client, django_assert_num_queries
):
    first = QuestionFactory().consultation
    _submitted(first, 5)
    with django_assert_num_queries(LIST_QUERIES):
        page = staff_client.get(reverse(LIST))
    assert len(page.context["cl"].result_list) == 5

    second = QuestionFactory().consultation
    for response in _submitted(first, 20) + _submitted(second, 20):
        for _ in range(3):  # colleagues saved again since
            ResponseEdit.objects.create(
                response=response, person=PersonFactory(), version=2, created_at=timezone.now()
            )
    with django_assert_num_queries(LIST_QUERIES):
        page = staff_client.get(reverse(LIST))
    assert len(page.context["cl"].result_list) == 45
    assert page.content.decode().count("/change/") >= 45


def test_the_list_shows_status_version_and_who_saved_last(opened, english, staff_client):
    jonas, egle = opened.members["jonas"], opened.members["egle"]
    _ruta_submits(opened)
    # A colleague changes the submitted answer without submitting again.
    services.response_save_draft(
        invitation=jonas.invitation,
        person=jonas.person,
        data={opened.questions["long"].pk: AnswerValue(text="Dar viena pastaba.")},
        expected_version=1,
    )
    services.response_save_draft(
        invitation=egle.invitation,
        person=egle.person,
        data={opened.questions["short"].pk: AnswerValue(text="Juodraštis")},
        expected_version=0,
    )

    page = staff_client.get(reverse(LIST))

    content = page.content.decode()
    listed = {response.organisation.name: response for response in page.context["cl"].result_list}
    sun, moon = listed["Saulės klasteris"], listed["Mėnulio klasteris"]
    assert (sun.status, sun.version, sun.has_unsubmitted_changes) == ("submitted", 2, True)
    assert (moon.status, moon.version) == ("draft", 1)
    # The column gives the submitted version's number, as the member's receipt does, not the saves.
    assert (sun.last_version, moon.last_version) == (1, None)
    headers = [column["text"] for column in page.context["result_headers"]]
    assert "submitted version" in [str(header).casefold() for header in headers]
    assert "saves" not in [str(header).casefold() for header in headers]
    assert "Jonas Jonaitis" in content and "Eglė Eglaitė" in content
    assert "Rūta Rutkauskienė" not in content  # she submitted, but Jonas saved after her
    assert content.count(opened.consultation.title) >= 2
    assert 'class="kl-ok"' in content and 'class="kl-warning"' in content  # the submitted and draft tones


def test_the_list_filters_by_consultation_and_status_and_searches_organisations(staff_client):
    first = QuestionFactory().consultation
    second = QuestionFactory().consultation
    [in_first] = _submitted(first, 1)
    [in_second] = _submitted(second, 1)
    draft = ResponseFactory(consultation=second, organisation=OrganisationFactory(name="Vėjo klasteris"))

    def listed(query: dict[str, str]) -> set[str]:
        page = staff_client.get(reverse(LIST), query)
        assert page.status_code == 200
        return {r.organisation.name for r in page.context["cl"].result_list}

    assert listed({"consultation__id__exact": str(first.pk)}) == {in_first.organisation.name}
    assert listed({"status__exact": "draft"}) == {"Vėjo klasteris"}
    assert listed({"status__exact": "submitted"}) == {in_first.organisation.name, in_second.organisation.name}
    assert listed({"q": "Vėjo"}) == {"Vėjo klasteris"}
    assert listed({"q": in_second.organisation.legal_code}) == {in_second.organisation.name}
    assert draft.organisation.name not in listed({"q": in_first.organisation.legal_code})


def test_the_detail_page_shows_the_submitted_answers_without_a_way_to_change_them(
    opened, english, staff_client
):
    version = _ruta_submits(opened)
    url = reverse("admin:consultations_response_change", args=[version.response_id])

    page = staff_client.get(url)

    content = page.content.decode()
    assert page.status_code == 200
    assert '<details open class="submitted-version">' in content
    assert "Version 1, by Rūta Rutkauskienė" in content
    assert "Pritariame iš esmės" in content
    assert "3 str. 2 d. — Išbraukti žodį „tik“. (Per siaura.)" in content
    assert 'name="_save"' not in content
    assert "Submitted" in content


def test_staff_cannot_add_change_or_delete_a_members_response(opened, superuser):
    version = _ruta_submits(opened)
    response = version.response
    client = _client(superuser)

    assert client.get(reverse("admin:consultations_response_add")).status_code == 403
    assert (
        client.post(reverse("admin:consultations_response_change", args=[response.pk]), {}).status_code == 403
    )
    assert client.get(reverse("admin:consultations_response_delete", args=[response.pk])).status_code == 403
    deleted = client.post(reverse(LIST), {"action": "delete_selected", "_selected_action": [response.pk]})
    assert deleted.status_code in (200, 302)
    response.refresh_from_db()
    assert (response.status, response.version) == (Response.Status.SUBMITTED, 1)


@pytest.mark.parametrize("role", ["administrator", "policy_officer", "crm_editor", "read_only_user"])
def test_every_role_may_read_the_responses(request, role):
    response = _submitted(QuestionFactory().consultation, 1)[0]
    client = _client(request.getfixturevalue(role))

    assert client.get(reverse(LIST)).status_code == 200
    assert client.get(reverse("admin:consultations_response_change", args=[response.pk])).status_code == 200


def test_staff_without_the_view_permission_are_refused_the_responses():
    response = _submitted(QuestionFactory().consultation, 1)[0]
    # Every consultations permission but those on responses (changing would imply viewing).
    user = UserFactory(username="be-atsakymu")
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="consultations").exclude(
            codename__endswith="_response"
        )
    )
    client = _client(user)

    assert client.get(reverse(LIST)).status_code == 403
    assert client.get(reverse("admin:consultations_response_change", args=[response.pk])).status_code == 403
    assert client.get(reverse("admin:consultations_consultation_changelist")).status_code == 200
