"""Values as people type or paste them: phones with extensions, web addresses without their
scheme, letters written in decomposed form. Nothing typed is lost, and the admin and the import
take them the same way."""

from __future__ import annotations

import unicodedata

import pytest
from django.urls import reverse
from django.utils import translation

from crm.import_formats import CSV
from crm.models import Organisation, Person
from crm.resources import OrganisationResource, PersonResource
from crm.validators import normalise_phone
from positions.letter import paper_letter
from positions.selectors import paper_for_document
from tests.admin_forms import change_form_data
from tests.factories import OrganisationFactory, valid_legal_code
from tests.positions.factories import PaperFactory, issuer_with_requisites

pytestmark = pytest.mark.django_db


def import_csv(resource, text: str, **kwargs):
    return resource.import_data(CSV().create_dataset(text.encode("utf-8")), dry_run=False, **kwargs)


# Phone extensions


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("+370 5 212 3456 ext. 123", "+37052123456 ext. 123"),
        ("8 5 212 3456, vid. 12", "+37052123456 ext. 12"),
        ("(8 5) 212 3456 vid. 123", "+37052123456 ext. 123"),
        ("852123456 (vidinis 45)", "+37052123456 ext. 45"),
        ("8 5 212 3456 papild. 7", "+37052123456 ext. 7"),
        ("852123456 x 99", "+37052123456 ext. 99"),
        ("8 612 34567", "+37061234567"),
    ],
)
def test_a_phone_keeps_its_extension_in_a_form_that_reads_back_the_same(typed, stored):
    assert normalise_phone(typed) == stored
    assert normalise_phone(stored) == stored


def test_a_phone_with_an_extension_saved_in_the_admin_keeps_it(staff_client):
    url = reverse("admin:crm_organisation_add")
    data = change_form_data(staff_client.get(url))
    data.update(name="Klasteris „Ąžuolas“", phone="(8 5) 212 3456, vid. 1234")

    response = staff_client.post(url, data)

    assert response.status_code == 302
    assert Organisation.objects.get().phone == "+37052123456 ext. 1234"


def test_an_imported_phone_keeps_its_extension(crm_editor):
    result = import_csv(
        PersonResource(),
        "first_name,last_name,email,phone\nJūratė,Kazlauskienė,jurate@example.lt,8 5 212 3456 vid. 12\n",
        user=crm_editor,
    )

    assert not result.has_errors() and not result.has_validation_errors()
    assert Person.objects.get().phone == "+37052123456 ext. 12"


@pytest.mark.parametrize(
    ("language", "shown"), [("lt", "tel. +370 5 212 3456, vid. 12"), ("en", "tel. +370 5 212 3456, ext. 12")]
)
def test_the_letter_writes_the_issuers_extension_in_its_language(language, shown):
    issuer_with_requisites(phone="+37052123456 ext. 12")
    paper = PaperFactory(language=language)

    with translation.override(language):
        letter = paper_letter(paper_for_document(paper_id=paper.pk))

    assert shown in letter.issuer.data_line


# Web addresses without their scheme


def test_an_imported_website_without_its_scheme_is_taken_as_https(crm_editor):
    code = valid_legal_code(300123)
    result = import_csv(
        OrganisationResource(),
        f"name,legal_code,website,eccp_url\nKlasteris „Šilas“,{code},www.silas.lt/apie,"
        "clustercollaboration.eu/cluster-organisations/silas\n",
        user=crm_editor,
    )

    assert not result.has_errors() and not result.has_validation_errors()
    assert Organisation.objects.values_list("website", "eccp_url").get() == (
        "https://www.silas.lt/apie",
        "https://clustercollaboration.eu/cluster-organisations/silas",
    )


def test_an_imported_website_that_is_no_address_is_reported_as_typed(crm_editor):
    with translation.override("lt"):
        result = import_csv(
            OrganisationResource(),
            f"name,legal_code,website\nKlasteris „Šilas“,{valid_legal_code(300124)},ne adresas\n",
            user=crm_editor,
        )

    assert not Organisation.objects.exists()
    [row] = result.invalid_rows
    assert list(row.error_dict) == ["website"]
    assert "ne adresas" in row.values  # the page shows the cell as it was typed


def test_the_admin_takes_a_website_without_its_scheme_as_https(staff_client):
    organisation = OrganisationFactory(website="")
    url = reverse("admin:crm_organisation_change", args=[organisation.pk])
    data = change_form_data(staff_client.get(url))
    data.update(website="klasteriai.lt")

    response = staff_client.post(url, data)

    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.website == "https://klasteriai.lt"


def test_the_issuer_settings_take_a_website_without_its_scheme_as_https(staff_client):
    issuer = issuer_with_requisites()
    url = reverse("admin:positions_issuersettings_change", args=[issuer.pk])
    data = change_form_data(staff_client.get(url))
    data.update(website="www.klasteriai.lt")

    response = staff_client.post(url, data)

    assert response.status_code == 302
    issuer.refresh_from_db()
    assert issuer.website == "https://www.klasteriai.lt"


# Letters in decomposed form (files saved on a Mac, text copied from a PDF)


def decomposed(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def test_imported_names_in_decomposed_form_are_stored_as_typed_in_the_admin(crm_editor):
    code = valid_legal_code(300125)
    name = "Klasteris „Šiaurės vėjas“"
    assert decomposed(name) != name

    import_csv(OrganisationResource(), f"name,legal_code\n{decomposed(name)},{code}\n", user=crm_editor)
    import_csv(
        PersonResource(),
        f"first_name,last_name,email\n{decomposed('Jūratė')},{decomposed('Žilinskienė')},j@example.lt\n",
        user=crm_editor,
    )

    assert Organisation.objects.get().name == name
    assert Person.objects.values_list("first_name", "last_name").get() == ("Jūratė", "Žilinskienė")
    assert Organisation.objects.filter(name__icontains="Šiaurės").exists()


def test_a_decomposed_name_finds_the_organisation_stored_under_that_name(crm_editor):
    organisation = OrganisationFactory(name="Klasteris „Šiaurės vėjas“", legal_code="")

    result = import_csv(
        OrganisationResource(),
        f"name,address\n{decomposed('klasteris „ŠIAURĖS vėjas“')},Gedimino pr. 1\n",
        user=crm_editor,
    )

    assert not result.has_errors() and not result.has_validation_errors()
    assert Organisation.objects.count() == 1
    organisation.refresh_from_db()
    assert organisation.address == "Gedimino pr. 1"
