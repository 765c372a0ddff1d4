from __future__ import annotations

import pytest

from crm.models import Organisation, Person
from tests.factories import OrganisationFactory, PersonFactory

pytestmark = pytest.mark.django_db


def test_normalising_fields_store_none_as_an_empty_code():
    organisation = OrganisationFactory(legal_code="", vat_code="", phone="")
    organisation.phone = organisation.vat_code = organisation.legal_code = None

    organisation.save()

    stored = Organisation.objects.values_list("phone", "vat_code", "legal_code").get(pk=organisation.pk)
    assert stored == ("", "", "")


def test_full_clean_normalises_and_saving_stores_the_normalised_value():
    organisation = OrganisationFactory.build(legal_code="", phone="8 612 34567")

    organisation.full_clean(exclude={"municipality"})
    organisation.save()

    assert Organisation.objects.filter(phone="+37061234567").get() == organisation


def test_email_lookups_ignore_letter_case():
    person = PersonFactory(email="ona@klasteris.lt")

    assert Person.objects.get(email=" Ona@Klasteris.LT ") == person


def test_a_form_takes_a_code_as_typed_and_the_model_keeps_it_within_its_length_once_normalised():
    vat_code = Organisation._meta.get_field("vat_code")
    assert vat_code.formfield().clean("LT 100 001 919 017") == "LT 100 001 919 017"  # 18 characters
    organisation = OrganisationFactory.build(legal_code="302 477 747", vat_code="LT 100 001 919 017")

    organisation.full_clean(exclude={"municipality"})

    assert (organisation.legal_code, organisation.vat_code) == ("302477747", "LT100001919017")
    assert len(organisation.vat_code) <= vat_code.max_length == 14
