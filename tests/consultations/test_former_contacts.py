"""A contact who has left the organisation (no affiliation with it current today, in Vilnius)
keeps their link, but it opens nothing: no page, no token exchange, no save, no submission, and
no notice of the organisation's amendments. Staff see the link as not usable."""

from __future__ import annotations

import datetime
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consultations import selectors, services
from consultations.answers import AnswerValue, ProposalValue
from consultations.models import AccessLink, ConsultationDocument, Response, ResponseVersion
from crm import services as crm_services
from crm.models import Affiliation
from tests.consultations.factories import member_organisation
from tests.consultations.test_member_pages import answer_form
from tests.factories import AffiliationFactory

pytestmark = pytest.mark.django_db


def _answers(opened, short: str = "Pritariame") -> dict[int, AnswerValue]:
    q = opened.questions
    return {
        q["short"].pk: AnswerValue(text=short),
        q["single"].pk: AnswerValue(choice_indexes=(0,)),
        q["scale"].pk: AnswerValue(scale=4),
        q["proposals"].pk: AnswerValue(rows=(ProposalValue("3 str.", "N", "J"),)),
    }


def _leave(member, *, end_date: datetime.date | None = None) -> None:
    """The member's affiliation with their organisation ended yesterday (or on `end_date`)."""
    Affiliation.objects.filter(person=member.person, organisation=member.organisation).update(
        end_date=end_date or timezone.localdate() - timedelta(days=1)
    )


def _not_valid(response) -> bool:
    """The one page of every failing link (see test_views)."""
    templates = [template.name for template in response.templates]
    return response.status_code == 404 and "consultations/link_not_valid.html" in templates


def _without_values(content: bytes) -> str:
    return re.sub(r'value="[^"]*"', "", content.decode())


def test_a_contact_who_has_left_gets_no_amendment_notice(opened):
    ruta, jonas = opened.members["ruta"], opened.members["jonas"]
    _leave(jonas)
    services.response_submit(
        invitation=ruta.invitation, person=ruta.person, data=_answers(opened), expected_version=0
    )
    mail.outbox.clear()

    services.response_submit(
        invitation=ruta.invitation,
        person=ruta.person,
        data=_answers(opened, "Konfidencialu"),
        expected_version=1,
    )

    assert [message.to for message in mail.outbox] == [["ruta@saule.lt"]]  # her receipt only


def test_a_notice_queued_before_the_contact_left_is_not_sent_after(opened):
    ruta, jonas = opened.members["ruta"], opened.members["jonas"]
    services.response_submit(
        invitation=ruta.invitation, person=ruta.person, data=_answers(opened), expected_version=0
    )
    version = services.response_submit(
        invitation=ruta.invitation, person=ruta.person, data=_answers(opened, "Kitaip"), expected_version=1
    )
    mail.outbox.clear()
    _leave(jonas)

    # The e-mail task runs later, by when Jonas has left.
    assert not services.response_amendment_notice_deliver(
        response_version_id=version.pk, person_id=jonas.person.pk
    )
    assert mail.outbox == []


def test_the_other_contacts_still_get_amendment_notices(opened):
    ruta, jonas = opened.members["ruta"], opened.members["jonas"]
    services.response_submit(
        invitation=ruta.invitation, person=ruta.person, data=_answers(opened), expected_version=0
    )
    mail.outbox.clear()

    services.response_submit(
        invitation=ruta.invitation, person=ruta.person, data=_answers(opened, "Kitaip"), expected_version=1
    )

    assert sorted(message.to[0] for message in mail.outbox) == ["jonas@saule.lt", "ruta@saule.lt"]
    assert selectors.invitation_recipients(invitation=jonas.invitation) == [jonas.person, ruta.person]
    assert selectors.invitation_recipient_ids(invitation=jonas.invitation) == [
        jonas.person.pk,
        ruta.person.pk,
    ]


def test_the_link_of_a_contact_who_has_left_no_longer_opens_the_page(opened):
    jonas = opened.members["jonas"]
    client = jonas.client()
    assert client.get(jonas.url).status_code == 200  # and the page is now in the cache

    _leave(jonas)

    assert _not_valid(client.get(jonas.url))
    assert client.head(jonas.url).status_code == 404


def test_the_token_of_a_contact_who_has_left_is_refused_like_a_revoked_one(opened):
    ruta, jonas = opened.members["ruta"], opened.members["jonas"]
    access = reverse("consultations:access", kwargs={"token": jonas.token})
    wrong = Client().get(reverse("consultations:access", kwargs={"token": "x" * 43}))
    _leave(jonas)

    for response in (Client().get(access), Client().post(access)):
        assert _not_valid(response)
        assert _without_values(response.content) == _without_values(wrong.content)
    assert AccessLink.objects.get(pk=jonas.link.pk).opened_at is None
    assert selectors.access_token_find(token=ruta.token) is not None


def test_a_contact_who_has_left_can_neither_save_nor_submit(opened):
    jonas = opened.members["jonas"]
    client = jonas.client()
    _leave(jonas)

    for action in ("save", "submit"):
        response = client.post(jonas.url, {**answer_form(opened), "action": action})
        assert _not_valid(response)
    for save in (services.response_save_draft, services.response_submit):
        with pytest.raises(PermissionDenied):
            save(invitation=jonas.invitation, person=jonas.person, data=_answers(opened), expected_version=0)
    assert not Response.objects.exists()


def test_a_contact_who_has_left_cannot_download_the_documents(opened, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    jonas = opened.members["jonas"]
    document = ConsultationDocument.objects.create(consultation=opened.consultation, title="Projektas")
    document.file.save("projektas.txt", ContentFile(b"Projekto tekstas"))
    client = jonas.client()
    url = reverse("consultations:document", args=[jonas.invitation.pk, document.pk])
    assert client.get(url).status_code == 200

    _leave(jonas)

    assert _not_valid(client.get(url))


def test_a_contact_who_moved_to_another_organisation_has_no_access_to_the_first_ones(opened):
    jonas = opened.members["jonas"]
    client = jonas.client()
    _leave(jonas)
    AffiliationFactory(person=jonas.person, organisation=member_organisation(contacts=0, name="Kitas"))

    assert _not_valid(client.get(jonas.url))


def test_a_deleted_or_not_yet_started_affiliation_gives_no_access(opened):
    jonas = opened.members["jonas"]
    client = jonas.client()
    affiliation = Affiliation.objects.get(person=jonas.person)

    Affiliation.objects.filter(pk=affiliation.pk).update(start_date=timezone.localdate() + timedelta(days=1))
    assert _not_valid(client.get(jonas.url))
    affiliation.delete()
    assert _not_valid(client.get(jonas.url))


def test_access_comes_back_when_the_end_is_undone(opened):
    jonas = opened.members["jonas"]
    client = jonas.client()
    _leave(jonas)
    assert _not_valid(client.get(jonas.url))

    Affiliation.objects.filter(person=jonas.person).update(end_date=None)

    assert client.get(jonas.url).status_code == 200
    services.response_save_draft(
        invitation=jonas.invitation, person=jonas.person, data=_answers(opened), expected_version=0
    )


@pytest.mark.parametrize(
    ("local_time", "days_after", "opens"),
    [(datetime.time(23, 59), 0, True), (datetime.time(0, 1), 1, False)],
    ids=["the last minute of the last day", "the first minute of the day after"],
)
def test_the_last_day_of_the_affiliation_is_the_last_day_of_access_in_vilnius(
    opened, local_time, days_after, opens
):
    jonas = opened.members["jonas"]
    client = jonas.client()
    last_day = timezone.localdate() + timedelta(days=1)
    _leave(jonas, end_date=last_day)
    # Vilnius is two or three hours ahead of UTC: its next day begins while UTC's has not ended.
    moment = datetime.datetime.combine(
        last_day + timedelta(days=days_after), local_time, tzinfo=ZoneInfo("Europe/Vilnius")
    )

    with time_machine.travel(moment, tick=False):
        assert moment.astimezone(datetime.UTC).date() == last_day
        page = client.get(jonas.url)
        token = selectors.access_token_find(token=jonas.token)
        recipients = selectors.invitation_recipients(invitation=jonas.invitation)

    assert (page.status_code == 200) is opens
    assert (token is not None) is opens
    assert (jonas.person in recipients) is opens


def test_the_receipt_of_a_submission_goes_to_the_submitter_as_before(opened):
    ruta = opened.members["ruta"]
    client = ruta.client()
    _leave(opened.members["jonas"])

    assert client.post(ruta.url, {**answer_form(opened), "action": "submit"}).status_code == 302

    assert ResponseVersion.objects.count() == 1
    assert [message.to for message in mail.outbox] == [["ruta@saule.lt"]]


def test_staff_see_the_link_of_a_contact_who_has_left_as_not_usable(opened, staff_client, english):
    jonas = opened.members["jonas"]
    _leave(jonas)
    not_usable = "not usable: no current affiliation with the organisation"

    links = staff_client.get(reverse("admin:consultations_accesslink_changelist")).content.decode()
    invitations = staff_client.get(reverse("admin:consultations_invitation_changelist")).content.decode()
    invitation = staff_client.get(
        reverse("admin:consultations_invitation_change", args=[jonas.invitation.pk])
    ).content.decode()

    for page in (links, invitations, invitation):
        assert page.count(not_usable) == 1
    assert "Jonas Jonaitis: <span" in invitations


def test_the_links_of_an_erased_person_stop_working_at_once(opened, administrator):
    """A GDPR erasure anonymises the person; their links, their e-mailed token and the browsers
    that opened them open nothing after it, and nobody can submit under the anonymous record."""
    ruta, jonas = opened.members["ruta"], opened.members["jonas"]
    client = ruta.client()
    assert client.get(ruta.url).status_code == 200  # and the page is now in the cache

    crm_services.person_erase(person=ruta.person, user=administrator)

    assert AccessLink.objects.get(pk=ruta.link.pk).revoked_at is not None
    assert _not_valid(client.get(ruta.url))
    submit = client.post(ruta.url, {**answer_form(opened), "action": "submit"})
    assert submit.status_code == 404
    assert not Response.objects.exists()
    access = reverse("consultations:access", kwargs={"token": ruta.token})
    assert _not_valid(Client().post(access))
    # The organisation's other contact goes on answering.
    assert jonas.client().get(jonas.url).status_code == 200
