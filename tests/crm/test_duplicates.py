from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from crm import selectors
from tests.factories import AffiliationFactory, OrganisationFactory, PersonFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

ORGANISATION_DUPLICATES = "admin:crm_organisation_duplicates"
PERSON_DUPLICATES = "admin:crm_person_duplicates"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _groups_as_names(groups) -> list[set[str]]:
    return [{str(member) for member in group.members} for group in groups]


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("„UAB Šiaurės Žvaigždė“", "siaures zvaigzde"),
        ("siaures zvaigzde, UAB", "siaures zvaigzde"),
        ("VšĮ «Inovacijų  centras»", "inovaciju centras"),
        ("Inovacijų centras, viešoji įstaiga", "inovaciju centras"),
        ("Lietuvos klasterių asociacija", "lietuvos klasteriu"),
        ('IĮ "Ąžuolas"', "azuolas"),
        ("MB 'Ūkis-2'", "ukis 2"),
        ("AB Energetikos klasteris", "energetikos klasteris"),
    ],
)
def test_organisation_names_fold_case_quotes_legal_forms_and_diacritics(name, key):
    assert selectors.organisation_name_key(name) == key


def test_legal_form_letters_inside_words_are_kept():
    assert selectors.organisation_name_key("Abu klasteris") == "abu klasteris"
    assert selectors.organisation_name_key("Mbank UAB") == "mbank"


def test_duplicate_organisations_are_found_despite_quotes_case_legal_form_and_diacritics():
    OrganisationFactory(name="„UAB Šiaurės Žvaigždė“")
    OrganisationFactory(name="siaures zvaigzde, UAB")
    OrganisationFactory(name="VšĮ „Inovacijų centras“")
    OrganisationFactory(name="Inovacijų centras, viešoji įstaiga", legal_code="")

    groups = selectors.organisation_duplicate_groups()

    assert _groups_as_names(groups) == [
        {"VšĮ „Inovacijų centras“", "Inovacijų centras, viešoji įstaiga"},
        {"„UAB Šiaurės Žvaigždė“", "siaures zvaigzde, UAB"},
    ]
    assert "siaures zvaigzde" in groups[1].reasons[0]


def test_unrelated_organisations_are_not_flagged():
    OrganisationFactory(name="UAB Šiaurės žvaigždė")
    OrganisationFactory(name="UAB Pietų žvaigždė")
    OrganisationFactory(name="Šiaurės žvaigždės klasteris")
    OrganisationFactory(name="UAB")  # nothing but a legal form: nothing to compare
    OrganisationFactory(name="AB")
    OrganisationFactory.create_batch(5)  # „Šiaurės žvaigždė 0“, „… 1“, …

    assert selectors.organisation_duplicate_groups() == []


def test_organisations_with_the_same_vat_code_are_grouped():
    OrganisationFactory(name="Baltijos lazeriai", vat_code="LT100001919017")
    OrganisationFactory(name="Lazerių klasteris", vat_code="LT100001919017")

    [group] = selectors.organisation_duplicate_groups()

    assert {o.name for o in group.members} == {"Baltijos lazeriai", "Lazerių klasteris"}
    assert group.reasons == ["Same VAT code LT100001919017"]


def test_organisation_groups_carry_the_counts_the_page_shows():
    first = OrganisationFactory(name="UAB Šiaurės žvaigždė")
    OrganisationFactory(name="Šiaurės žvaigždė")
    AffiliationFactory.create_batch(2, organisation=first)

    [group] = selectors.organisation_duplicate_groups()

    counts = {o.pk: o.affiliation_count for o in group.members}
    assert counts[first.pk] == 2


def test_organisation_duplicates_take_two_queries_whatever_the_number(django_assert_max_num_queries):
    for n in range(10):
        OrganisationFactory(name=f"UAB Klasteris Nr. {n}")
        OrganisationFactory(name=f"klasteris nr {n}, uab")
    OrganisationFactory.create_batch(30)

    with django_assert_max_num_queries(2):
        groups = selectors.organisation_duplicate_groups()
        for group in groups:
            for member in group.members:
                assert member.municipality.name
                assert member.affiliation_count == 0

    assert len(groups) == 10


def test_persons_with_the_same_folded_name_in_one_organisation_are_grouped():
    organisation = OrganisationFactory()
    jurate = PersonFactory(first_name="Jūratė", last_name="Žemaitytė")
    again = PersonFactory(first_name="JURATE", last_name="zemaityte", email="")
    swapped = PersonFactory(first_name="Žemaitytė", last_name="Jūratė")
    for person in (jurate, again, swapped):
        AffiliationFactory(organisation=organisation, person=person)
    # The same name in another organisation only is someone else.
    namesake = PersonFactory(first_name="Jūratė", last_name="Žemaitytė")
    AffiliationFactory(person=namesake)
    # A different person in the same organisation.
    AffiliationFactory(organisation=organisation, person=PersonFactory(first_name="Jonas"))

    [group] = selectors.person_duplicate_groups()

    assert {p.pk for p in group.members} == {jurate.pk, again.pk, swapped.pk}
    assert group.reasons == [f"Same name in {organisation.name}"]


def test_person_duplicates_take_a_bounded_number_of_queries(django_assert_max_num_queries):
    for n in range(10):
        organisation = OrganisationFactory()
        AffiliationFactory(
            organisation=organisation, person=PersonFactory(first_name="Rūta", last_name=f"Ona{n}")
        )
        AffiliationFactory(
            organisation=organisation, person=PersonFactory(first_name="ruta", last_name=f"ONA{n}")
        )
        AffiliationFactory(organisation=organisation)

    with django_assert_max_num_queries(4):
        groups = selectors.person_duplicate_groups()
        for group in groups:
            for member in group.members:
                assert [a.organisation.name for a in member.affiliations.all()]

    assert len(groups) == 10


def test_duplicates_page_lists_groups_in_the_admin_with_a_merge_form(crm_editor):
    first = OrganisationFactory(name="„UAB Šiaurės Žvaigždė“")
    second = OrganisationFactory(name="siaures zvaigzde, UAB")
    OrganisationFactory(name="Pietų žvaigždė")

    response = _client(crm_editor).get(reverse(ORGANISATION_DUPLICATES))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Klasterių CRM" in html  # the admin's header: the page extends admin/base_site.html
    assert "„UAB Šiaurės Žvaigždė“" in html
    assert "siaures zvaigzde, UAB" in html
    assert "Pietų žvaigždė" not in html
    assert f'action="{reverse("admin:crm_organisation_changelist")}"' in html
    assert 'name="action" value="merge_selected"' in html
    assert f'name="_selected_action" value="{first.pk}"' in html
    assert f'name="_selected_action" value="{second.pk}"' in html


def test_person_duplicates_page_lists_groups(crm_editor):
    organisation = OrganisationFactory(name="Lazerių klasteris")
    AffiliationFactory(
        organisation=organisation, person=PersonFactory(first_name="Jūratė", last_name="Žemaitytė")
    )
    AffiliationFactory(
        organisation=organisation, person=PersonFactory(first_name="Jurate", last_name="Zemaityte")
    )

    response = _client(crm_editor).get(reverse(PERSON_DUPLICATES))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Jūratė Žemaitytė" in html
    assert "Jurate Zemaityte" in html
    assert "Same name in Lazerių klasteris" in html


def test_duplicates_page_says_when_there_is_nothing_to_merge(staff_client):
    OrganisationFactory()

    response = staff_client.get(reverse(ORGANISATION_DUPLICATES))

    assert response.status_code == 200
    assert "No likely duplicates found." in response.content.decode()


@pytest.mark.parametrize("url", [ORGANISATION_DUPLICATES, PERSON_DUPLICATES])
def test_duplicates_pages_are_refused_to_a_read_only_user(read_only_user, url):
    assert _client(read_only_user).get(reverse(url)).status_code == 403


@pytest.mark.parametrize("url", [ORGANISATION_DUPLICATES, PERSON_DUPLICATES])
def test_duplicates_pages_are_refused_to_a_policy_officer(policy_officer, url):
    assert _client(policy_officer).get(reverse(url)).status_code == 403


def test_duplicates_page_sends_anonymous_visitors_to_the_login(client):
    response = client.get(reverse(ORGANISATION_DUPLICATES))

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


@pytest.mark.parametrize(
    ("changelist", "page"),
    [
        ("admin:crm_organisation_changelist", ORGANISATION_DUPLICATES),
        ("admin:crm_person_changelist", PERSON_DUPLICATES),
    ],
)
def test_changelists_link_to_the_duplicates_page(crm_editor, read_only_user, changelist, page):
    editor_page = _client(crm_editor).get(reverse(changelist)).content.decode()
    reader_page = _client(read_only_user).get(reverse(changelist)).content.decode()

    assert f'href="{reverse(page)}"' in editor_page
    assert "Likely duplicates" in editor_page
    assert f'href="{reverse(page)}"' not in reader_page


def test_duplicates_page_renders_in_lithuanian_by_default(crm_editor):
    OrganisationFactory(name="„UAB Šiaurės Žvaigždė“")
    OrganisationFactory(name="siaures zvaigzde, UAB")
    with translation.override("lt"):
        url = reverse(ORGANISATION_DUPLICATES)

    response = _client(crm_editor).get(url)

    assert not url.startswith("/en/")
    assert response.status_code == 200
    assert '<html lang="lt"' in response.content.decode()
    assert "siaures zvaigzde, UAB" in response.content.decode()
