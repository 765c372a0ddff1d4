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
