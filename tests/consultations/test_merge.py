"""Merging duplicate organisations or persons that a consultation has invited: their invitations
and personal links to it are combined (consultations.services.merge_fold_invitations)."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.admin.models import LogEntry
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consultations.models import AccessLink, Invitation, Response
from consultations.views import LINKS_COOKIE, links_cookie_value
from crm import services as crm_services
from crm.models import Organisation, Person
from tests.consultations.factories import AccessLinkFactory, AnswerFactory, ResponseFactory
from tests.factories import AffiliationFactory, PersonFactory

pytestmark = pytest.mark.django_db


def _links(invitation: Invitation) -> dict[str, bool]:
    """The invitation's links: person's first name → active."""
    return {
        link.person.first_name: link.revoked_at is None
        for link in AccessLink.objects.filter(invitation=invitation).select_related("person")
    }


def test_merging_two_invited_organisations_keeps_one_invitation_with_every_link(opened, superuser):
    sun, moon = opened.members["ruta"], opened.members["egle"]
    sent = timezone.now() - datetime.timedelta(days=3)
    Invitation.objects.filter(pk=sun.invitation.pk).update(sent_at=sent, reminder_count=0)
    Invitation.objects.filter(pk=moon.invitation.pk).update(
        sent_at=sent - datetime.timedelta(hours=1), opened_at=sent, reminder_count=2
    )

    crm_services.organisation_merge(survivor=sun.organisation, others=[moon.organisation], user=superuser)

    (kept,) = Invitation.objects.filter(consultation=opened.consultation)
    assert kept.pk == sun.invitation.pk  # nobody answered: the survivor's
    assert kept.organisation == sun.organisation
    assert _links(kept) == {"Rūta": True, "Jonas": True, "Eglė": True}
    # The earliest sending and opening, the most reminders of the two.
    assert (kept.sent_at, kept.opened_at, kept.reminder_count) == (
        sent - datetime.timedelta(hours=1),
        sent,
        2,
    )
    assert not Organisation.objects.filter(pk=moon.organisation.pk).exists()
    entry = LogEntry.objects.get(object_id=str(sun.organisation.pk))
    assert "kvietimai į tą pačią konsultaciją sujungti: 1" in entry.change_message

    # Eglė's e-mailed link now opens the merged organisation's page.
    client = moon.client()
    page = client.get(sun.lt_url)
    assert page.status_code == 200
    assert sun.organisation.name in page.content.decode()


def test_the_invitation_that_was_answered_is_kept_and_its_answers_with_it(opened, superuser):
    sun, moon = opened.members["ruta"], opened.members["egle"]
    question = opened.questions["long"]
    response = ResponseFactory(consultation=opened.consultation, organisation=moon.organisation)
    AnswerFactory(response=response, question=question, text="Siūlome atidėti įsigaliojimą.")

    crm_services.organisation_merge(survivor=sun.organisation, others=[moon.organisation], user=superuser)

    (kept,) = Invitation.objects.filter(consultation=opened.consultation)
    assert kept.pk == moon.invitation.pk
    assert kept.organisation == sun.organisation
    assert Response.objects.get().organisation == sun.organisation
    assert _links(kept) == {"Rūta": True, "Jonas": True, "Eglė": True}

    # Rūta, of the survivor, sees the answer Eglė saved, at the kept invitation's address.
    page = sun.client().get(moon.lt_url)
    assert page.status_code == 200
    assert "Siūlome atidėti įsigaliojimą." in page.content.decode()


def test_organisations_that_have_both_answered_are_not_merged(opened, superuser):
    sun, moon = opened.members["ruta"], opened.members["egle"]
    for member in (sun, moon):
        ResponseFactory(consultation=opened.consultation, organisation=member.organisation)

    with pytest.raises(ValidationError) as refused:
        crm_services.organisation_merge(survivor=sun.organisation, others=[moon.organisation], user=superuser)

    (message,) = refused.value.messages
    assert message == (
        "Organizacijų negalima sujungti: kiekviena iš jų atsakė į konsultaciją „Dėl Inovacijų įstatymo "
        "pakeitimo“ („Saulės klasteris“, „Mėnulio klasteris“), o organizacija turi vieną atsakymą. "
        "Palikite jas atskirais įrašais."
    )
    assert Organisation.objects.filter(pk=moon.organisation.pk).exists()
    assert Invitation.objects.filter(consultation=opened.consultation).count() == 2
    assert AccessLink.objects.filter(revoked_at__isnull=False).count() == 0


def test_a_person_linked_through_both_organisations_keeps_the_link_used_last(opened, superuser):
    sun, moon = opened.members["ruta"], opened.members["egle"]
    # Eglė works for both duplicates. She answers with the moon's link, used days ago; a newer
    # link of hers to the sun's invitation has never been opened.
    AccessLink.objects.filter(pk=moon.link.pk).update(
        last_used_at=timezone.now() - datetime.timedelta(days=5)
    )
    AffiliationFactory(organisation=sun.organisation, person=moon.person, receives_consultations=True)
    fresh = AccessLinkFactory(invitation=sun.invitation, person=moon.person)

    crm_services.organisation_merge(survivor=sun.organisation, others=[moon.organisation], user=superuser)

    links = AccessLink.objects.filter(person=moon.person, invitation__consultation=opened.consultation)
    assert sorted((link.pk, link.revoked_at is None) for link in links) == sorted(
        [(moon.link.pk, True), (fresh.pk, False)]
    )
    entry = LogEntry.objects.get(object_id=str(sun.organisation.pk))
    assert "pasikartojančios asmeninės nuorodos atšauktos: 1" in entry.change_message
    # Her browser keeps working, now on the merged organisation's invitation.
    page = moon.client().get(sun.lt_url)
    assert page.status_code == 200


def test_three_duplicates_invited_to_one_consultation_end_with_one_invitation(opened, superuser):
    sun, moon = opened.members["ruta"], opened.members["egle"]
    third = AffiliationFactory(receives_consultations=True).organisation
    invitation = Invitation.objects.create(consultation=opened.consultation, organisation=third)
    newest = AccessLinkFactory(invitation=invitation, person=sun.person)  # Rūta's second
    ResponseFactory(consultation=opened.consultation, organisation=third)

    crm_services.organisation_merge(
        survivor=sun.organisation, others=[moon.organisation, third], user=superuser
    )

    (kept,) = Invitation.objects.filter(consultation=opened.consultation)
    assert kept.pk == invitation.pk  # the one that was answered
    assert kept.organisation == sun.organisation
    assert _links(kept) == {"Rūta": True, "Jonas": True, "Eglė": True}
    # Rūta had two, neither opened yet: the newest stays.
    assert AccessLink.objects.get(pk=newest.pk).revoked_at is None
    assert AccessLink.objects.get(pk=sun.link.pk).revoked_at is not None


def test_merging_duplicate_persons_with_links_to_one_invitation_keeps_the_link_used_last(opened, superuser):
    ruta = opened.members["ruta"]
    duplicate = PersonFactory(first_name="Rūta", last_name="Rutkauskienė", email="r.rutkauskiene@saule.lt")
    AffiliationFactory(organisation=ruta.organisation, person=duplicate, receives_consultations=True)
    used = AccessLinkFactory(
        invitation=ruta.invitation, person=duplicate, last_used_at=timezone.now() - datetime.timedelta(days=2)
    )
    # The survivor's own link is newer, but was never opened.
    AccessLink.objects.filter(pk=ruta.link.pk).update(created_at=timezone.now())

    crm_services.person_merge(survivor=ruta.person, others=[duplicate], user=superuser)

    assert not Person.objects.filter(pk=duplicate.pk).exists()
    links = {link.pk: link.revoked_at is None for link in AccessLink.objects.filter(person=ruta.person)}
    assert links == {used.pk: True, ruta.link.pk: False}
    # The link she used goes on working for the merged record; the revoked one's e-mail opens nothing.
    browser = Client()
    browser.cookies[LINKS_COOKIE] = links_cookie_value([(used.pk, used.browser_key)])
    assert browser.get(ruta.lt_url).status_code == 200
    exchanged = Client().post(reverse("consultations:access", kwargs={"token": ruta.token}))
    assert exchanged.status_code == 404


def test_a_crm_editor_may_not_merge_records_whose_invitations_or_links_would_change(opened, crm_editor):
    sun, moon = opened.members["ruta"], opened.members["egle"]

    with pytest.raises(ValidationError) as refused:
        crm_services.organisation_merge(
            survivor=sun.organisation, others=[moon.organisation], user=crm_editor
        )

    assert refused.value.messages == [
        "Šių įrašų sujungti negalite: sujungimas pakeistų ir jų kvietimus į konsultacijas ir asmenines "
        "nuorodas, o juos keisti gali tik konsultacijas vykdantys darbuotojai. Paprašykite administratoriaus "
        "juos sujungti."
    ]
    assert Invitation.objects.filter(consultation=opened.consultation).count() == 2
    assert Organisation.objects.filter(pk=moon.organisation.pk).exists()

    duplicate = PersonFactory()
    AccessLinkFactory(invitation=sun.invitation, person=duplicate)
    with pytest.raises(ValidationError) as refused:
        crm_services.person_merge(survivor=sun.person, others=[duplicate], user=crm_editor)
    assert "jų asmenines nuorodas į konsultacijas" in refused.value.messages[0]
    assert AccessLink.objects.filter(revoked_at__isnull=False).count() == 0

    # Records whose invitations nothing would change are merged by the editor as before.
    other = PersonFactory()
    crm_services.person_merge(survivor=sun.person, others=[other], user=crm_editor)
    assert not Person.objects.filter(pk=other.pk).exists()


def test_an_administrator_merges_them(opened, administrator):
    sun, moon = opened.members["ruta"], opened.members["egle"]
    crm_services.organisation_merge(survivor=sun.organisation, others=[moon.organisation], user=administrator)
    assert Invitation.objects.filter(consultation=opened.consultation).count() == 1
