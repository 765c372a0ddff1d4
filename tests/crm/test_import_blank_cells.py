"""An empty cell in the row of a stored record changes nothing: an import adds and corrects, it
does not put a default in place of what is stored (a hidden organisation shown again, a consent
withdrawn, a primary contact dropped). Staff erase a value in the record's page."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from crm.models import Affiliation, Municipality, Organisation, Person, Tag
from crm.resources import OrganisationResource, PersonResource
from tests.crm.test_resources import csv_bytes, errors_of, import_csv
from tests.factories import AffiliationFactory, OrganisationFactory, PersonFactory, valid_legal_code

pytestmark = pytest.mark.django_db

ORGANISATION_COLUMNS = [
    "legal_code",
    "name",
    "kind",
    "show_in_directory",
    "members_sme",
    "municipality",
    "description",
    "label_valid_until",
    "sectors",
    "tags",
    "address",
]


def test_empty_cells_leave_a_stored_organisation_as_it_is_and_the_filled_ones_correct_it():
    kaunas = Municipality.objects.get(name="Kauno miesto savivaldybė")
    company = OrganisationFactory(
        name="UAB „Šilas“",
        legal_code=valid_legal_code(31),
        kind=Organisation.Kind.COMPANY,
        show_in_directory=False,
        members_sme=15,
        municipality=kaunas,
        description="Medienos klasterio narė.",
        label_valid_until=datetime.date(2027, 6, 30),
        sectors=["ict"],
    )
    company.tags.set([Tag.objects.create(name="Mediena")])
    row = dict.fromkeys(ORGANISATION_COLUMNS, "")
    row |= {"legal_code": valid_legal_code(31), "name": "UAB „Šilas“", "address": "Laisvės al. 1"}

    result = import_csv(
        OrganisationResource(), csv_bytes(ORGANISATION_COLUMNS, [[row[n] for n in ORGANISATION_COLUMNS]])
    )

    assert not errors_of(result) and result.totals["update"] == 1
    company.refresh_from_db()
    assert company.address == "Laisvės al. 1"
    assert (company.kind, company.show_in_directory, company.members_sme) == ("company", False, 15)
    assert (company.municipality, company.description) == (kaunas, "Medienos klasterio narė.")
    assert company.label_valid_until == datetime.date(2027, 6, 30)
    assert list(company.sectors.values_list("code", flat=True)) == ["ict"]
    assert list(company.tags.values_list("name", flat=True)) == ["Mediena"]


def test_a_row_of_empty_cells_but_the_code_is_no_change():
    company = OrganisationFactory(legal_code=valid_legal_code(32), show_in_directory=False, members_sme=3)
    row = [valid_legal_code(32)] + [""] * (len(ORGANISATION_COLUMNS) - 1)

    result = import_csv(OrganisationResource(), csv_bytes(ORGANISATION_COLUMNS, [row]))

    assert not errors_of(result)
    assert result.totals["skip"] == 1 and result.totals["update"] == 0
    company.refresh_from_db()
    assert (company.show_in_directory, company.members_sme) == (False, 3)


def test_a_new_organisation_s_empty_cells_take_the_defaults():
    row = dict.fromkeys(ORGANISATION_COLUMNS, "") | {
        "legal_code": valid_legal_code(33),
        "name": "Naujas klasteris",
    }

    result = import_csv(
        OrganisationResource(), csv_bytes(ORGANISATION_COLUMNS, [[row[n] for n in ORGANISATION_COLUMNS]])
    )

    assert not errors_of(result) and result.totals["new"] == 1
    created = Organisation.objects.get(legal_code=valid_legal_code(33))
    assert (created.kind, created.show_in_directory, created.members_sme) == ("cluster", True, 0)


PERSON_COLUMNS = [
    "email",
    "first_name",
    "last_name",
    "language",
    "consent_consultations",
    "consent_consultations_at",
    "consent_consultations_source",
    "phone",
    "organisation",
    "is_primary",
]


def test_empty_cells_keep_a_person_s_consent_language_and_primary_contact():
    given = timezone.now().replace(microsecond=0) - datetime.timedelta(days=30)
    cluster = OrganisationFactory(name="Klasteris „Ąžuolas“", legal_code=valid_legal_code(34))
    person = PersonFactory(
        first_name="Eglė",
        last_name="Žukauskienė",
        email="egle@azuolas.lt",
        language="en",
        consent_consultations=True,
        consent_consultations_at=given,
        consent_consultations_source=Person.ConsentSource.PAPER,
        phone="",
    )
    AffiliationFactory(organisation=cluster, person=person, is_primary=True)
    row = ["egle@azuolas.lt", "Eglė", "Žukauskienė", "", "", "", "", "861234567", cluster.name, ""]

    result = import_csv(PersonResource(), csv_bytes(PERSON_COLUMNS, [row]))

    assert not errors_of(result) and result.totals["update"] == 1
    person.refresh_from_db()
    assert person.phone == "+37061234567"
    assert (person.language, person.consent_consultations) == ("en", True)
    assert (person.consent_consultations_at, person.consent_consultations_source) == (given, "paper")
    assert Affiliation.objects.get(person=person, organisation=cluster).is_primary is True


def test_a_primary_contact_lets_go_only_where_the_file_says_no():
    cluster = OrganisationFactory(name="Klasteris „Ąžuolas“", legal_code=valid_legal_code(35))
    holder = PersonFactory(first_name="Ona", last_name="Onaitė", email="ona@azuolas.lt")
    successor = PersonFactory(first_name="Jonas", last_name="Jonaitis", email="jonas@azuolas.lt")
    AffiliationFactory(organisation=cluster, person=holder, is_primary=True)
    AffiliationFactory(organisation=cluster, person=successor, is_primary=False)
    columns = ["email", "first_name", "last_name", "organisation", "is_primary"]

    kept = import_csv(
        PersonResource(),
        csv_bytes(
            columns,
            [
                ["jonas@azuolas.lt", "Jonas", "Jonaitis", cluster.name, "taip"],
                ["ona@azuolas.lt", "Ona", "Onaitė", cluster.name, ""],
            ],
        ),
    )
    # Ona's empty cell keeps her the primary contact: Jonas cannot become it beside her.
    assert list(errors_of(kept)) == [2]
    handed_over = import_csv(
        PersonResource(),
        csv_bytes(
            columns,
            [
                ["jonas@azuolas.lt", "Jonas", "Jonaitis", cluster.name, "taip"],
                ["ona@azuolas.lt", "Ona", "Onaitė", cluster.name, "ne"],
            ],
        ),
    )

    assert not errors_of(handed_over)
    assert Affiliation.objects.get(organisation=cluster, is_primary=True).person == successor
