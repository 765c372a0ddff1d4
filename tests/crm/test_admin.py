from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.models import Interaction, Membership, Organisation, Payment
from tests.factories import (
    AffiliationFactory,
    InteractionFactory,
    MembershipFactory,
    OrganisationFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    "admin:crm_organisation_changelist",
    "admin:crm_person_changelist",
    "admin:crm_membership_changelist",
    "admin:crm_affiliation_changelist",
    "admin:crm_interaction_changelist",
]


def _populate(count: int, start: int) -> None:
    """Organisations with everything their list rows show: sectors, tags, a primary contact,
    a second contact, a membership with a payment and an interaction."""
    for n in range(start, start + count):
        organisation = OrganisationFactory(sectors=["ict", "health"])
        primary = AffiliationFactory(organisation=organisation, is_primary=True).person
        AffiliationFactory(organisation=organisation)
        membership = MembershipFactory(organisation=organisation)
        Payment.objects.create(membership=membership, amount=600, paid_on=datetime.date(2026, 2, 1))
        interaction = InteractionFactory(organisation=organisation, subject=f"Susitikimas {n}")
        interaction.people.add(primary)


def _count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("url_name", CHANGELISTS)
def test_changelist_query_count_does_not_grow_with_rows(staff_client, url_name):
    url = reverse(url_name) + "?all="
    _populate(5, 0)
    small = _count_queries(staff_client, url)
    _populate(195, 5)
    large = _count_queries(staff_client, url)
    assert large == small
    assert large <= 14


def test_organisation_changelist_shows_status_sectors_and_primary_contact(staff_client):
    organisation = OrganisationFactory(name="Klasteris „Ąžuolynas“", sectors=["energy"])
    AffiliationFactory(
        organisation=organisation, is_primary=True, person=PersonFactory(last_name="Žukauskienė")
    )
    MembershipFactory(organisation=organisation, status=Membership.Status.SUSPENDED)
    OrganisationFactory(name="Be kontakto")

    response = staff_client.get(reverse("admin:crm_organisation_changelist"))
    content = response.content.decode()
    assert "Klasteris „Ąžuolynas“" in content
    assert "Žukauskienė" in content
    assert "Energetika ir statyba" in content
    assert "Sustabdyta" in content or "Suspended" in content

    response = staff_client.get(reverse("admin:crm_organisation_changelist") + "?primary_contact=no")
    assert list(response.context["cl"].result_list) == [Organisation.objects.get(name="Be kontakto")]


def test_organisation_filters_by_membership_status_and_sector(staff_client):
    active = MembershipFactory(status=Membership.Status.ACTIVE, organisation__sectors=["ict"]).organisation
    MembershipFactory(status=Membership.Status.ENDED, organisation__sectors=["ict"])
    former = OrganisationFactory(sectors=["tourism"])
    MembershipFactory(
        organisation=former, start_date=datetime.date(2015, 1, 1), end_date=datetime.date(2016, 1, 1)
    )
    url = reverse("admin:crm_organisation_changelist")

    response = staff_client.get(url + "?membership=active")
    assert list(response.context["cl"].result_list) == [active]
    response = staff_client.get(url + "?membership=none")
    assert list(response.context["cl"].result_list) == [former]
    ict = active.sectors.get()
    response = staff_client.get(url + f"?sectors__id__exact={ict.pk}")
    assert former not in response.context["cl"].result_list
    assert response.context["cl"].result_count == 2


def test_labels_expiring_within_ninety_days_are_flagged(staff_client):
    today = timezone.localdate()
    soon = OrganisationFactory(
        name="Greitai baigsis", label="gold", label_valid_until=today + datetime.timedelta(days=30)
    )
    OrganisationFactory(
        name="Dar ilgai", label="silver", label_valid_until=today + datetime.timedelta(days=300)
    )
    url = reverse("admin:crm_organisation_changelist")

    response = staff_client.get(url + "?label_validity=expiring")
    assert list(response.context["cl"].result_list) == [soon]
    content = response.content.decode()
    assert "⚠" in content
    assert "30" in content


def test_organisation_search_finds_by_name_and_legal_code(staff_client):
    target = OrganisationFactory(name="Lazerių klasteris")
    OrganisationFactory(name="Kitas")
    url = reverse("admin:crm_organisation_changelist")
    assert list(staff_client.get(url + "?q=lazerių").context["cl"].result_list) == [target]
    assert list(staff_client.get(url + f"?q={target.legal_code}").context["cl"].result_list) == [target]


def test_person_search_finds_by_organisation_name(staff_client):
    affiliation = AffiliationFactory(organisation__name="Sveikatos klasteris „Pulsas“")
    PersonFactory()
    response = staff_client.get(reverse("admin:crm_person_changelist") + "?q=Pulsas")
    assert list(response.context["cl"].result_list) == [affiliation.person]


def test_person_search_needs_every_word_in_a_field_or_an_organisation_and_lists_each_once(staff_client):
    pulsas = OrganisationFactory(name="Sveikatos klasteris „Pulsas“")
    ritmas = OrganisationFactory(name="Sveikatos klasteris „Ritmas“")
    jonas = PersonFactory(first_name="Jonas", last_name="Žemaitis")
    AffiliationFactory(person=jonas, organisation=pulsas)
    AffiliationFactory(person=jonas, organisation=ritmas)
    other = PersonFactory(first_name="Jonas", last_name="Aukštaitis")
    AffiliationFactory(person=other, organisation=ritmas)
    url = reverse("admin:crm_person_changelist")

    def found(query: str) -> list:
        return list(staff_client.get(url, {"q": query}).context["cl"].result_list)

    assert found("Jonas Pulsas") == [jonas]
    assert found("Sveikatos") == [other, jonas]  # two organisations each: still one row each
    assert found('"Jonas Žemaitis"') == []  # a quoted phrase is one word: no field holds both names
    assert found("jonas Žemaitis") == [jonas]


def test_admin_speaks_lithuanian_by_default_and_english_under_en(staff_client):
    OrganisationFactory()
    lithuanian = staff_client.get(reverse("admin:crm_organisation_changelist")).content.decode()
    assert "Organizacijos" in lithuanian
    english = staff_client.get("/en" + reverse("admin:crm_organisation_changelist")).content.decode()
    assert "organisation to change" in english.lower()


def test_change_form_shows_inlines_and_history(staff_client):
    affiliation = AffiliationFactory()
    organisation = affiliation.organisation
    MembershipFactory(organisation=organisation)
    response = staff_client.get(reverse("admin:crm_organisation_change", args=[organisation.pk]))
    assert response.status_code == 200
    assert affiliation.person.last_name in response.content.decode()
    history = staff_client.get(reverse("admin:crm_organisation_history", args=[organisation.pk]))
    assert history.status_code == 200
    assert organisation.name in history.content.decode()


def test_interaction_logged_from_the_admin_gets_the_staff_author(staff_client, superuser):
    organisation = OrganisationFactory()
    response = staff_client.post(
        reverse("admin:crm_interaction_add"),
        {
            "organisation": organisation.pk,
            "kind": "call",
            "occurred_on": "2026-11-20",
            "subject": "Skambutis",
        },
    )
    assert response.status_code == 302
    assert Interaction.objects.get().author == superuser


def test_bad_legal_code_in_the_admin_form_is_a_form_error_not_a_crash(staff_client):
    response = staff_client.post(
        reverse("admin:crm_organisation_add"),
        {
            "name": "Blogas kodas",
            "kind": "cluster",
            "legal_code": "302470006",
            "label": "none",
            "phone": "12",
            "members_sme": 0,
            "members_large": 0,
            "members_research": 0,
            "members_public": 0,
            "members_other": 0,
            "affiliations-TOTAL_FORMS": 0,
            "affiliations-INITIAL_FORMS": 0,
            "memberships-TOTAL_FORMS": 0,
            "memberships-INITIAL_FORMS": 0,
            "interactions-TOTAL_FORMS": 0,
            "interactions-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) >= {"legal_code", "phone"}
    assert not Organisation.objects.exists()


# Roles: what each group may do.


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_read_only_user_sees_but_cannot_change(read_only_user):
    organisation = OrganisationFactory()
    client = _client(read_only_user)
    assert client.get(reverse("admin:crm_organisation_changelist")).status_code == 200
    assert client.get(reverse("admin:crm_organisation_add")).status_code == 403
    response = client.post(
        reverse("admin:crm_organisation_change", args=[organisation.pk]), {"name": "Pakeista"}
    )
    assert response.status_code == 403
    assert not read_only_user.has_perm("crm.import_organisation")
    assert not read_only_user.has_perm("crm.export_person")


def test_crm_editor_edits_and_imports_but_cannot_erase_personal_data(crm_editor):
    assert crm_editor.has_perms(
        [
            "crm.add_organisation",
            "crm.change_person",
            "crm.delete_membership",
            "crm.import_organisation",
            "crm.import_person",
            "crm.export_person",
            "crm.merge_organisation",
        ]
    )
    assert not crm_editor.has_perm("crm.erase_person")
    assert not crm_editor.has_perm("auth.change_user")
    assert _client(crm_editor).get(reverse("admin:crm_organisation_add")).status_code == 200


def test_policy_officer_reads_the_crm_and_logs_interactions(policy_officer):
    assert policy_officer.has_perms(
        ["crm.view_organisation", "crm.add_interaction", "crm.export_organisation"]
    )
    assert not policy_officer.has_perm("crm.change_organisation")
    assert not policy_officer.has_perm("crm.import_organisation")
    client = _client(policy_officer)
    assert client.get(reverse("admin:crm_interaction_add")).status_code == 200
    assert client.get(reverse("admin:crm_organisation_add")).status_code == 403


def test_administrator_manages_everything_including_users(administrator):
    assert administrator.has_perms(["crm.erase_person", "crm.import_person", "auth.change_user"])
    assert _client(administrator).get(reverse("admin:auth_user_changelist")).status_code == 200


def test_non_staff_are_sent_to_the_login_page():
    response = Client().get(reverse("admin:crm_organisation_changelist"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]
