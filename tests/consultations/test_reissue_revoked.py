"""Re-issuing the links of an invitation leaves out people whose link staff revoked; giving one of
them access again is done on their link, in the access links list."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from consultations import selectors, services
from consultations.models import AccessLink
from crm.models import Affiliation, Person
from tests.consultations.conftest import TOKEN_IN_URL, Member, Opened

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_client(policy_officer) -> Client:
    client = Client()
    client.force_login(policy_officer)
    return client


def _action(client: Client, model: str, action: str, *pks: int) -> list[str]:
    """Run an admin list action under /en/ and return the messages it left, in English."""
    with translation.override("en"):
        url = reverse(f"admin:consultations_{model}_changelist")
    # Following the redirect shows the messages, so the next action starts with none.
    response = client.post(url, {"action": action, "_selected_action": list(pks)}, follow=True)
    assert response.redirect_chain == [(url, 302)]
    return [str(message) for message in response.context["messages"]]


def _active_links(member: Member) -> list[AccessLink]:
    return list(AccessLink.objects.filter(person=member.person, revoked_at__isnull=True))


def _token_mailed_to(mailoutbox, member: Member) -> str:
    (message,) = [message for message in mailoutbox if message.to == [member.person.email]]
    return TOKEN_IN_URL.search(message.body).group(1)


def test_reissuing_an_invitation_skips_the_person_whose_link_was_revoked(
    officer_client, opened: Opened, mailoutbox
):
    ruta, jonas = opened.members["ruta"], opened.members["jonas"]
    _action(officer_client, "accesslink", "revoke_links", ruta.link.pk)

    messages = _action(officer_client, "invitation", "reissue_links", ruta.invitation.pk)

    assert [message.to for message in mailoutbox] == [["jonas@saule.lt"]]
    assert _active_links(ruta) == []
    assert AccessLink.objects.filter(person=ruta.person).count() == 1
    assert selectors.access_link_for_token(token=ruta.token) is None
    (jonas_link,) = _active_links(jonas)
    assert jonas_link.pk != jonas.link.pk
    assert selectors.access_link_for_token(token=_token_mailed_to(mailoutbox, jonas)) == jonas_link
    assert messages == [
        "1 link re-issued.",
        "1 revoked link was not re-issued: if the person should have access again, "
        "re-issue that link from the list of access links.",
    ]


def test_reissuing_an_invitation_whose_links_are_all_revoked_sends_nothing(
    officer_client, opened: Opened, mailoutbox
):
    invitation = opened.members["ruta"].invitation
    _action(officer_client, "invitation", "revoke_links", invitation.pk)

    messages = _action(officer_client, "invitation", "reissue_links", invitation.pk)

    assert mailoutbox == []
    assert not AccessLink.objects.filter(invitation=invitation, revoked_at__isnull=True).exists()
    assert AccessLink.objects.filter(invitation=invitation).count() == 2
    assert messages == [
        "0 links re-issued.",
        "2 revoked links were not re-issued: if these people should have access again, "
        "re-issue their links from the list of access links.",
    ]


def test_a_link_replaced_by_reissuing_does_not_count_as_revoked(officer_client, opened: Opened, mailoutbox):
    # Re-issuing revokes the person's old link; only the latest link says whether staff cut them off.
    ruta, jonas = opened.members["ruta"], opened.members["jonas"]
    _action(officer_client, "accesslink", "reissue_links", jonas.link.pk)
    mailoutbox.clear()

    messages = _action(officer_client, "invitation", "reissue_links", ruta.invitation.pk)

    assert sorted(message.to[0] for message in mailoutbox) == ["jonas@saule.lt", "ruta@saule.lt"]
    assert AccessLink.objects.filter(person=jonas.person).count() == 3
    assert len(_active_links(jonas)) == 1
    assert messages == ["2 links re-issued."]


def test_a_revoked_link_chosen_in_the_access_links_list_is_reissued(
    officer_client, opened: Opened, mailoutbox
):
    ruta = opened.members["ruta"]
    _action(officer_client, "accesslink", "revoke_links", ruta.link.pk)

    messages = _action(officer_client, "accesslink", "reissue_links", ruta.link.pk)

    assert [message.to for message in mailoutbox] == [["ruta@saule.lt"]]
    (new_link,) = _active_links(ruta)
    assert new_link.pk != ruta.link.pk
    assert selectors.access_link_for_token(token=_token_mailed_to(mailoutbox, ruta)) == new_link
    assert selectors.access_link_for_token(token=ruta.token) is None
    assert messages == ["1 link re-issued."]
    # Once she has an active link again, re-issuing the invitation includes her.
    mailoutbox.clear()
    _action(officer_client, "invitation", "reissue_links", ruta.invitation.pk)
    assert sorted(message.to[0] for message in mailoutbox) == ["jonas@saule.lt", "ruta@saule.lt"]


def test_a_link_is_not_reissued_to_a_person_without_consent_or_who_has_left_and_keeps_working(
    officer_client, opened: Opened, mailoutbox
):
    ruta, jonas = opened.members["ruta"], opened.members["jonas"]
    Person.objects.filter(pk=ruta.person.pk).update(consent_consultations=False)
    Affiliation.objects.filter(person=jonas.person, organisation=jonas.invitation.organisation).update(
        end_date=timezone.localdate() - datetime.timedelta(days=1)
    )

    messages = _action(officer_client, "accesslink", "reissue_links", ruta.link.pk, jonas.link.pk)

    assert mailoutbox == []
    assert _active_links(ruta) == [ruta.link] and _active_links(jonas) == [jonas.link]
    assert selectors.access_link_for_token(token=ruta.token) == ruta.link  # still opens the answer
    assert sorted(messages) == sorted(
        [
            f"{ruta.person} does not agree to consultation mail: a new link would not be sent, "
            "so the link is not re-issued.",
            f"{jonas.person} is no longer a contact of {jonas.invitation.organisation}: "
            "a new link would open nothing, so the link is not re-issued.",
            "0 links re-issued.",
        ]
    )


def test_choosing_a_persons_old_and_current_links_reissues_once(officer_client, opened: Opened, mailoutbox):
    ruta = opened.members["ruta"]
    _action(officer_client, "accesslink", "reissue_links", ruta.link.pk)
    (current,) = _active_links(ruta)
    mailoutbox.clear()

    messages = _action(officer_client, "accesslink", "reissue_links", ruta.link.pk, current.pk)

    assert [message.to for message in mailoutbox] == [["ruta@saule.lt"]]
    assert mailoutbox[0].subject.startswith("Nauja nuoroda: ")
    (new_link,) = _active_links(ruta)
    assert new_link.pk not in (ruta.link.pk, current.pk)
    assert selectors.access_link_for_token(token=_token_mailed_to(mailoutbox, ruta)) == new_link
    assert AccessLink.objects.filter(person=ruta.person).count() == 3
    assert messages == ["1 link re-issued."]


def test_a_refused_reissue_names_the_person_once_in_lithuanian(officer_client, opened: Opened, mailoutbox):
    egle = opened.members["egle"]
    Person.objects.filter(pk=egle.person.pk).update(first_name="Eglė", last_name="Žukauskienė")
    Person.objects.filter(pk=egle.person.pk).update(consent_consultations=False)

    url = reverse("admin:consultations_accesslink_changelist")
    response = officer_client.post(
        url, {"action": "reissue_links", "_selected_action": [egle.link.pk]}, follow=True
    )

    messages = [str(message) for message in response.context["messages"]]
    assert messages == [
        "Eglė Žukauskienė nesutinka gauti konsultacijų laiškų: nauja nuoroda nebūtų išsiųsta, todėl "
        "nuoroda iš naujo neišduota.",
        "Iš naujo išduota 0 nuorodų.",
    ]
    assert mailoutbox == []


def test_a_refusal_of_the_consultation_is_said_once_for_all_the_links_chosen(
    officer_client, opened: Opened, mailoutbox, policy_officer
):
    services.consultation_close(consultation=opened.consultation, user=policy_officer)
    links = [member.link.pk for member in opened.members.values()]

    messages = _action(officer_client, "accesslink", "reissue_links", *links)

    assert messages == [
        "Links can be re-issued only while the consultation is open.",
        "0 links re-issued.",
    ]
    assert mailoutbox == []
