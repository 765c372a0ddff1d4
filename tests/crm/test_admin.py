from __future__ import annotations

import datetime
import html
import re

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.models import Affiliation, Interaction, Membership, Organisation, Payment, Sector, Tag
from tests.admin_forms import change_form_data
from tests.factories import (
    AffiliationFactory,
    InteractionFactory,
    MembershipFactory,
    OrganisationFactory,
    PersonFactory,
    valid_legal_code,
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


def test_membership_list_shows_the_paid_sum_as_the_fee_in_the_page_language(staff_client):
    membership = MembershipFactory(annual_fee=600)
    Payment.objects.create(membership=membership, amount="450.5", paid_on=datetime.date(2026, 2, 1))
    MembershipFactory()  # nothing paid

    content = staff_client.get(reverse("admin:crm_membership_changelist")).content.decode()

    assert '<td class="field-paid_total">450,50</td>' in content
    assert '<td class="field-paid_total">0,00</td>' in content
    assert "600,00" in content
    assert "450.50" not in content


def test_sums_of_money_are_shown_and_typed_with_a_decimal_comma(staff_client):
    membership = MembershipFactory(annual_fee="600.00")
    Payment.objects.create(membership=membership, amount="120.25", paid_on=datetime.date(2026, 2, 1))
    url = reverse("admin:crm_membership_change", args=[membership.pk])
    page = staff_client.get(url)
    assert 'name="annual_fee" value="600,00"' in page.content.decode()
    assert 'value="120,25"' in page.content.decode()

    data = change_form_data(page) | {"annual_fee": "750,50", "payments-0-amount": "99,9"}
    response = staff_client.post(url, data)

    assert response.status_code == 302
    membership.refresh_from_db()
    assert str(membership.annual_fee) == "750.50"
    assert str(membership.payments.get().amount) == "99.90"
    # The organisation's page edits the fee with the same format.
    organisation_page = staff_client.get(
        reverse("admin:crm_organisation_change", args=[membership.organisation_id])
    ).content.decode()
    assert 'value="750,50"' in organisation_page


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("1 200,50", "1200.50"),
        ("1\u00a0200,50", "1200.50"),  # a non-breaking space, as a spreadsheet copies it
        ("12 345,00", "12345.00"),
        ("1.200,50", "1200.50"),
        ("1200,5", "1200.50"),
        ("600.50", "600.50"),  # a lone dot is still the decimal mark
    ],
)
def test_a_sum_of_money_grouped_by_thousands_is_taken(staff_client, typed, stored):
    membership = MembershipFactory(annual_fee="600.00")
    url = reverse("admin:crm_membership_change", args=[membership.pk])
    page = staff_client.get(url)

    response = staff_client.post(url, change_form_data(page) | {"annual_fee": typed})

    assert response.status_code == 302
    membership.refresh_from_db()
    assert str(membership.annual_fee) == stored


@pytest.mark.parametrize("typed", ["1 20,00", "1,200.50", "du tūkst."])
def test_a_sum_of_money_that_cannot_be_read_is_refused_with_an_example(staff_client, typed):
    membership = MembershipFactory(annual_fee="600.00")
    url = reverse("admin:crm_membership_change", args=[membership.pk])
    page = staff_client.get(url)

    response = staff_client.post(url, change_form_data(page) | {"annual_fee": typed})

    assert response.status_code == 200
    assert "Įveskite sumą, pvz., 1200,50 arba 1 200,50." in response.content.decode()
    membership.refresh_from_db()
    assert str(membership.annual_fee) == "600.00"


@pytest.mark.parametrize("typed", ["1.200", "12.345.000"])
def test_a_sum_grouped_with_dots_and_no_cents_is_refused_as_ambiguous(staff_client, typed):
    # "1.200": 1 200, or 1,2 with a dot for the comma? Not "at most 2 digits after the comma".
    membership = MembershipFactory(annual_fee="600.00")
    url = reverse("admin:crm_membership_change", args=[membership.pk])
    page = staff_client.get(url)

    response = staff_client.post(url, change_form_data(page) | {"annual_fee": typed})

    assert response.status_code == 200
    content = html.unescape(response.content.decode())
    assert f"„{typed}“ galima suprasti dvejopai" in content
    assert "skaitmenys" not in content
    membership.refresh_from_db()
    assert str(membership.annual_fee) == "600.00"


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


@pytest.mark.parametrize("typed", ["+37061001379", "861001379", "8 610 01379", "61001379", "LT100001919017"])
def test_organisation_search_finds_a_phone_as_people_type_it_and_a_vat_code(staff_client, typed):
    target = OrganisationFactory(name="Lazerių klasteris", phone="+37061001379", vat_code="LT100001919017")
    OrganisationFactory(name="Kitas", phone="+37061001378", vat_code="LT100001919018")

    response = staff_client.get(reverse("admin:crm_organisation_changelist"), {"q": typed})

    assert list(response.context["cl"].result_list) == [target]


def test_person_search_finds_by_organisation_name(staff_client):
    affiliation = AffiliationFactory(organisation__name="Sveikatos klasteris „Pulsas“")
    PersonFactory()
    response = staff_client.get(reverse("admin:crm_person_changelist") + "?q=Pulsas")
    assert list(response.context["cl"].result_list) == [affiliation.person]


@pytest.mark.parametrize("typed", ["ąžuolų", "ĄŽUOLŲ", "Ąžuolų", "giria"])
def test_person_search_finds_an_organisation_name_in_any_letter_case(staff_client, typed):
    affiliation = AffiliationFactory(organisation__name="Klasteris „Ąžuolų GIRIA“")
    PersonFactory()
    url = reverse("admin:crm_person_changelist")

    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get(url, {"q": typed})

    assert list(response.context["cl"].result_list) == [affiliation.person]
    # Matched against the names the database keeps in capitals, not upper-cased on every search.
    searches = [
        query["sql"]
        for query in queries.captured_queries
        if "crm_affiliation" in query["sql"] and "LIKE" in query["sql"]
    ]
    assert searches and all(
        '"name_folded"' in sql and not re.search(r'UPPER\([^()]*"name"', sql) for sql in searches
    )


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


@pytest.mark.parametrize("typed", ["Žemaitis, Jonas", "Žemaitis; Jonas", "Jonas , Žemaitis,"])
def test_person_search_reads_a_name_written_surname_first_with_a_comma(staff_client, typed):
    jonas = PersonFactory(first_name="Jonas", last_name="Žemaitis")
    PersonFactory(first_name="Jonas", last_name="Aukštaitis")

    response = staff_client.get(reverse("admin:crm_person_changelist"), {"q": typed})

    assert list(response.context["cl"].result_list) == [jonas]


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


# The primary contact: only a current affiliation counts (as for consultations).


@pytest.mark.parametrize(
    ("moment", "current"),
    [
        # Her last day, 30 June, until midnight in Vilnius (21:00 UTC in summer).
        (datetime.datetime(2026, 6, 30, 20, 59, tzinfo=datetime.UTC), True),
        (datetime.datetime(2026, 6, 30, 21, 1, tzinfo=datetime.UTC), False),
    ],
)
def test_a_primary_contact_counts_until_the_last_day_of_her_affiliation(staff_client, moment, current):
    organisation = OrganisationFactory(name="Klasteris „Ąžuolas“")
    AffiliationFactory(
        organisation=organisation,
        person=PersonFactory(first_name="Rūta", last_name="Išėjusi"),
        is_primary=True,
        end_date=datetime.date(2026, 6, 30),
    )
    url = reverse("admin:crm_organisation_changelist")

    with time_machine.travel(moment, tick=False):
        listed = staff_client.get(url).content.decode()
        with_primary = staff_client.get(url, {"primary_contact": "yes"}).context["cl"].result_count
        without_primary = staff_client.get(url, {"primary_contact": "no"}).context["cl"].result_count

    assert ("Rūta Išėjusi" in listed) is current
    assert (with_primary, without_primary) == ((1, 0) if current else (0, 1))


def test_a_primary_contact_whose_affiliation_starts_tomorrow_is_not_one_yet(staff_client):
    organisation = OrganisationFactory()
    AffiliationFactory(
        organisation=organisation,
        person=PersonFactory(first_name="Rūta", last_name="Naujokė"),
        is_primary=True,
        start_date=timezone.localdate() + datetime.timedelta(days=1),
    )
    url = reverse("admin:crm_organisation_changelist")

    assert "Rūta Naujokė" not in staff_client.get(url).content.decode()
    assert list(staff_client.get(url, {"primary_contact": "no"}).context["cl"].result_list) == [organisation]


def test_organisation_list_filtered_by_primary_contact_costs_the_same_queries_for_more_rows(staff_client):
    url = reverse("admin:crm_organisation_changelist") + "?all=&primary_contact=yes"
    _populate(5, 0)
    small = _count_queries(staff_client, url)
    _populate(45, 5)
    assert _count_queries(staff_client, url) == small


# Change pages: the same queries for few rows and many. The pickers of the contacts, the
# interactions' people and a person's organisations name the records loaded with the rows
# (crm.admin.formfields.LoadedChoicesMixin), where Django's would read each one again.


def _contacts_and_interactions(organisation: Organisation, count: int, first_year: int) -> None:
    for n in range(count):
        person = AffiliationFactory(organisation=organisation).person
        interaction = InteractionFactory(organisation=organisation, subject=f"Susitikimas {first_year + n}")
        interaction.people.add(person, PersonFactory())
        MembershipFactory(
            organisation=organisation,
            start_date=datetime.date(first_year + n, 1, 1),
            end_date=datetime.date(first_year + n, 12, 31),
        )


def test_organisation_change_page_costs_the_same_queries_for_2_rows_and_30(staff_client):
    organisation = OrganisationFactory()
    _contacts_and_interactions(organisation, 2, 1950)
    url = reverse("admin:crm_organisation_change", args=[organisation.pk])
    _count_queries(staff_client, url)  # warms the content-type cache, process-wide
    few = _count_queries(staff_client, url)
    _contacts_and_interactions(organisation, 28, 1960)

    many = _count_queries(staff_client, url)

    assert (few, many) == (12, 12)


def test_person_change_page_costs_the_same_queries_for_2_affiliations_and_30(staff_client):
    person = PersonFactory()
    for _ in range(2):
        AffiliationFactory(person=person)
    url = reverse("admin:crm_person_change", args=[person.pk])
    _count_queries(staff_client, url)  # warms the content-type cache, process-wide
    few = _count_queries(staff_client, url)
    for _ in range(28):
        AffiliationFactory(person=person)

    many = _count_queries(staff_client, url)

    assert (few, many) == (4, 4)


def test_the_pickers_of_the_rows_show_their_chosen_records(staff_client):
    organisation = OrganisationFactory(name="Klasteris „Šilas“")
    ona = PersonFactory(first_name="Ona", last_name="Onaitė", email="ona@silas.lt")
    AffiliationFactory(organisation=organisation, person=ona)
    interaction = InteractionFactory(organisation=organisation, subject="Forumas")
    interaction.people.add(ona, PersonFactory(first_name="Jonas", last_name="Jonaitis"))

    organisation_page = staff_client.get(reverse("admin:crm_organisation_change", args=[organisation.pk]))
    person_page = staff_client.get(reverse("admin:crm_person_change", args=[ona.pk]))

    contact = organisation_page.context["inline_admin_formsets"][0].formset.forms[0]
    assert f'<option value="{ona.pk}" selected>Ona Onaitė</option>' in str(contact["person"])
    people = str(organisation_page.context["inline_admin_formsets"][2].formset.forms[0]["people"])
    assert people.count(" selected>") == 2
    assert "Jonas Jonaitis</option>" in people
    assert (
        f'<option value="{organisation.pk}" selected>Klasteris „Šilas“</option>'
        in person_page.content.decode()
    )


def test_the_organisation_page_shows_the_latest_20_interactions_and_links_to_all(staff_client):
    organisation = OrganisationFactory()
    for day in range(1, 26):
        InteractionFactory(
            organisation=organisation, occurred_on=datetime.date(2026, 1, day), subject=f"S{day:02}"
        )
    InteractionFactory(subject="Kitos organizacijos")
    url = reverse("admin:crm_organisation_change", args=[organisation.pk])

    response = staff_client.get(url)

    page = response.content.decode()
    formset = response.context["inline_admin_formsets"][2].formset
    assert [form.instance.subject for form in formset.forms] == [f"S{day:02}" for day in range(25, 5, -1)]
    assert "Čia rodoma 20 naujausių sąveikų." in page
    link = reverse("admin:crm_interaction_changelist") + f"?organisation__id__exact={organisation.pk}"
    assert f'<a href="{link}">Visos organizacijos sąveikos (25)</a>' in page.replace("&amp;", "&")
    listed = staff_client.get(link).context["cl"]
    assert listed.result_count == 25


def test_saving_the_organisation_page_leaves_the_interactions_not_shown_as_they_are(staff_client):
    organisation = OrganisationFactory()
    for day in range(1, 23):
        InteractionFactory(
            organisation=organisation, occurred_on=datetime.date(2026, 1, day), subject=f"S{day:02}"
        )
    url = reverse("admin:crm_organisation_change", args=[organisation.pk])
    data = change_form_data(staff_client.get(url))
    data["interactions-0-subject"] = "Pataisyta"

    response = staff_client.post(url, data)

    assert response.status_code == 302
    subjects = list(organisation.interactions.order_by("occurred_on").values_list("subject", flat=True))
    assert subjects == [f"S{day:02}" for day in range(1, 22)] + ["Pataisyta"]


def test_an_organisation_with_few_interactions_shows_them_all_without_the_note(staff_client):
    organisation = OrganisationFactory()
    InteractionFactory(organisation=organisation, subject="Vienintelis")

    page = staff_client.get(reverse("admin:crm_organisation_change", args=[organisation.pk])).content.decode()

    assert "Vienintelis" in page
    assert "naujausi" not in page


# Codes and phones as people type them: the admin accepts what the import accepts.


def test_the_admin_saves_codes_and_phones_typed_with_spaces_in_their_stored_form(staff_client):
    url = reverse("admin:crm_organisation_add")
    data = change_form_data(staff_client.get(url))
    data.update(
        name="Klasteris „Ąžuolas“",
        legal_code="302 477 747",
        vat_code="LT 100 001 919 017",
        phone="+370 (612) 34 567",
    )

    response = staff_client.post(url, data)

    assert response.status_code == 302
    assert Organisation.objects.values_list("legal_code", "vat_code", "phone").get() == (
        "302477747",
        "LT100001919017",
        "+37061234567",
    )


def test_the_admin_form_lets_a_spaced_code_be_pasted_whole(staff_client):
    html = staff_client.get(reverse("admin:crm_organisation_add")).content.decode()

    for name in ("legal_code", "vat_code", "phone"):
        assert f'name="{name}" class="vTextField" maxlength="50"' in html


def test_a_spaced_code_that_is_no_code_is_still_a_form_error(staff_client):
    url = reverse("admin:crm_organisation_add")
    data = change_form_data(staff_client.get(url))
    data.update(name="Blogas kodas", legal_code="302 477 747 1", vat_code="LT 100 001 919 017 1")

    response = staff_client.post(url, data)

    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) == {"legal_code", "vat_code"}
    assert not Organisation.objects.exists()


# Person search by phone, as people write Lithuanian numbers.


@pytest.mark.parametrize(
    "typed", ["+37061234567", "+370 612 34567", "861234567", "8 612 34567", "8-612-34567", "(8 612) 34567"]
)
def test_person_search_finds_a_phone_as_people_type_it(staff_client, typed):
    ruta = PersonFactory(first_name="Rūta", last_name="Kazlauskienė", phone="+37061234567")
    PersonFactory(first_name="Jonas", last_name="Petraitis", phone="+37061234568")

    response = staff_client.get(reverse("admin:crm_person_changelist"), {"q": typed})

    assert list(response.context["cl"].result_list) == [ruta]


def test_person_search_by_name_and_phone_needs_both(staff_client):
    ruta = PersonFactory(first_name="Rūta", last_name="Kazlauskienė", phone="+37061234567")
    PersonFactory(first_name="Jonas", last_name="Petraitis", phone="+37061234568")
    url = reverse("admin:crm_person_changelist")

    def found(query: str) -> list:
        return list(staff_client.get(url, {"q": query}).context["cl"].result_list)

    assert found("Rūta 861234567") == [ruta]
    assert found("Jonas 861234567") == []
    assert found("861234") == []  # not a whole number: searched as text only


def test_person_search_by_phone_costs_no_more_queries_than_by_name(staff_client):
    for n in range(5):
        PersonFactory(first_name="Rūta", phone=f"+3706123456{n}")
    url = reverse("admin:crm_person_changelist")
    _count_queries(staff_client, url + "?q=Rūta")  # warms the content-type cache, process-wide

    assert _count_queries(staff_client, url + "?q=8+612+34560") == _count_queries(
        staff_client, url + "?q=Rūta"
    )


def test_the_same_organisation_twice_in_a_person_s_affiliations_is_named_in_the_page_s_language(crm_editor):
    person = PersonFactory()
    organisation = OrganisationFactory(name="Klasteris „Ąžuolas“")
    client = _client(crm_editor)
    url = reverse("admin:crm_person_change", args=[person.pk])
    data = change_form_data(client.get(url))
    prefix = next(name.removesuffix("-TOTAL_FORMS") for name in data if name.endswith("-TOTAL_FORMS"))
    for index in (0, 1):
        data |= {
            f"{prefix}-{index}-organisation": organisation.pk,
            f"{prefix}-{index}-role": "coordinator",
        }
    data[f"{prefix}-TOTAL_FORMS"] = 2

    response = client.post(url, data)

    assert response.status_code == 200
    (formset,) = [inline.formset for inline in response.context["inline_admin_formsets"]]
    assert formset.non_form_errors() == ["Pataisykite pasikartojančius duomenis laukui organizacija."]
    assert not Affiliation.objects.exists()


def test_a_person_s_history_shows_changed_values_as_the_page_writes_them(crm_editor):
    person = PersonFactory(language="en", consent_consultations=False)
    person.language = "lt"
    person.consent_consultations = True
    person.consent_consultations_at = datetime.datetime(2026, 11, 2, 10, 30, tzinfo=datetime.UTC)
    person.consent_consultations_source = "paper"
    person.save()

    page = _client(crm_editor).get(reverse("admin:crm_person_history", args=[person.pk])).content.decode()

    changes = " ".join(page.split())
    assert "Anglų &nbsp;&rarr;&nbsp;&nbsp;Lietuvių" in changes
    assert "ne &nbsp;&rarr;&nbsp;&nbsp;taip" in changes
    assert "Interneto forma &nbsp;&rarr;&nbsp;&nbsp;Pasirašyta popierinė forma" in changes
    assert "2026 m. lapkričio 2 d., 12:30" in changes  # in the association's time
    assert "True" not in changes and "None" not in changes


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Kaunas", ["Kauno miesto savivaldybė", "Kauno rajono savivaldybė"]),
        ("Kauno r.", ["Kauno rajono savivaldybė"]),
        ("Vilniaus m.", ["Vilniaus miesto savivaldybė"]),
        ("Siauliu", ["Šiaulių miesto savivaldybė", "Šiaulių rajono savivaldybė"]),
        ("Panevėžys", ["Panevėžio miesto savivaldybė", "Panevėžio rajono savivaldybė"]),
        ("Birštonas", ["Birštono savivaldybė"]),
    ],
)
def test_the_municipality_picker_finds_a_town_as_an_import_reads_it(staff_client, typed, expected):
    response = staff_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "crm", "model_name": "organisation", "field_name": "municipality", "term": typed},
    )

    assert sorted(result["text"] for result in response.json()["results"]) == expected


def test_the_person_list_marks_the_organisations_a_person_has_left(staff_client):
    person = PersonFactory(first_name="Rūta", last_name="Kazlauskienė")
    AffiliationFactory(person=person, organisation=OrganisationFactory(name="Įmonė +Plius"))
    AffiliationFactory(
        person=person,
        organisation=OrganisationFactory(name="Klasteris „Šilas“"),
        end_date=datetime.date(2023, 12, 31),
    )
    AffiliationFactory(person=person, organisation=OrganisationFactory(name="Agro klasteris"))

    page = staff_client.get(reverse("admin:crm_person_changelist")).content.decode()

    assert "Agro klasteris, Įmonė +Plius, Klasteris „Šilas“ (iki 2023-12-31)" in page


@pytest.mark.parametrize("typed", ["„Ąžuolynas“", '"Ąžuolynas"', "Klasteris „Ąžuolynas“", "«Ąžuolynas»"])
def test_the_admin_searches_ignore_which_quotation_marks_a_name_is_written_with(staff_client, typed):
    organisation = OrganisationFactory(name='Klasteris "Ąžuolynas"')
    OrganisationFactory(name="Klasteris „Beržynas“")
    person = PersonFactory(first_name="Ona", last_name="Onaitė")
    AffiliationFactory(person=person, organisation=organisation)

    organisations = staff_client.get(reverse("admin:crm_organisation_changelist"), {"q": typed})
    persons = staff_client.get(reverse("admin:crm_person_changelist"), {"q": typed})

    assert list(organisations.context["cl"].result_list) == [organisation]
    assert list(persons.context["cl"].result_list) == [person]


def test_the_person_picker_tells_namesakes_apart_by_their_e_mail(staff_client):
    PersonFactory(first_name="Jonas", last_name="Balčiūnas", email="jonas@saule.lt")
    PersonFactory(first_name="Jonas", last_name="Balčiūnas", email="j.balciunas@menulis.lt")
    PersonFactory(first_name="Jonas", last_name="Balčiūnas", email="")

    response = staff_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "crm", "model_name": "interaction", "field_name": "people", "term": "Balčiūnas"},
    )

    assert sorted(result["text"] for result in response.json()["results"]) == [
        "Jonas Balčiūnas",
        "Jonas Balčiūnas (j.balciunas@menulis.lt)",
        "Jonas Balčiūnas (jonas@saule.lt)",
    ]


# A record that repeats another's unique value is told so on the field, in Lithuanian.


def test_a_tag_differing_only_in_letter_case_is_refused_on_its_name(staff_client):
    Tag.objects.create(name="šiluma")

    response = staff_client.post(reverse("admin:crm_tag_add"), {"name": "ŠILUMA"})

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors == {
        "name": ["Žyma tokiu pavadinimu jau yra (didžiosios ir mažosios raidės nesiskiria)."]
    }
    assert "crm_tag_name_ci_unique" not in response.content.decode()
    assert Tag.objects.count() == 1


def test_a_person_with_another_s_e_mail_in_other_letters_is_refused_on_the_e_mail(staff_client):
    PersonFactory(email="jonas@klasteris.lt")
    url = reverse("admin:crm_person_add")
    data = change_form_data(staff_client.get(url))
    data.update(first_name="Jonas", last_name="Jonaitis", email=" Jonas@KLASTERIS.lt ")

    response = staff_client.post(url, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"email": ["Asmuo su šiuo el. pašto adresu jau yra."]}


def test_an_organisation_with_another_s_legal_code_is_refused_on_the_code(staff_client):
    code = valid_legal_code(3)
    OrganisationFactory(legal_code=code)
    url = reverse("admin:crm_organisation_add")
    data = change_form_data(staff_client.get(url))
    data.update(name="Klasteris „Dvynys“", legal_code=f"{code[:3]} {code[3:]}")

    response = staff_client.post(url, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "legal_code": ["Organizacija su šiuo juridinio asmens kodu jau yra."]
    }


def test_delete_pages_name_the_rows_linking_sectors_tags_and_people(staff_client):
    organisation = OrganisationFactory(name="Klasteris „Ąžuolas“")
    organisation.sectors.set([Sector.objects.get(code="health")])
    organisation.tags.set([Tag.objects.create(name="Švietimas")])
    person = PersonFactory(first_name="Jonas", last_name="Žemaitis")
    interaction = InteractionFactory(organisation=organisation, subject="Dėl finansavimo")
    interaction.people.add(person)

    person_page = staff_client.get(reverse("admin:crm_person_delete", args=[person.pk])).content.decode()
    page = staff_client.get(reverse("admin:crm_organisation_delete", args=[organisation.pk])).content.decode()

    assert "Sąveikų dalyviai: 1" in person_page
    assert f"Sąveikos dalyvis: Jonas Žemaitis — {interaction}" in person_page
    assert "Organizacijos sektorius: Klasteris „Ąžuolas“ — Sveikata" in page
    assert "Organizacijos žyma: Klasteris „Ąžuolas“ — Švietimas" in page
    assert "Organizacijų žymos: 1" in page
    for content in (person_page, page):
        assert "object (" not in content
        assert "sąryšis" not in content
