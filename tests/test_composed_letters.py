"""Letters typed or pasted in decomposed form (a letter followed by a combining mark, as text
copied from a PDF or typed on a Mac may be) are saved and searched as the composed letters the
database holds; passwords are left exactly as typed."""

from __future__ import annotations

import unicodedata

import pytest
from django.test import Client
from django.urls import reverse

from crm.models import Organisation
from tests.admin_forms import change_form_data
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

NAME = "Klasteris „Šiaurės vėjas“"


def decomposed(text: str) -> str:
    result = unicodedata.normalize("NFD", text)
    assert result != text
    return result


def test_a_name_saved_in_the_admin_in_decomposed_form_is_stored_composed(staff_client):
    url = reverse("admin:crm_organisation_add")
    data = change_form_data(staff_client.get(url))
    data.update(name=decomposed(NAME), address=decomposed("Žalgirio g. 5, Vilnius"))

    response = staff_client.post(url, data)

    assert response.status_code == 302
    organisation = Organisation.objects.get()
    assert (organisation.name, organisation.address) == (NAME, "Žalgirio g. 5, Vilnius")
    assert Organisation.objects.filter(name__contains="Šiaurės").exists()


def test_an_admin_search_typed_in_decomposed_form_finds_the_organisation(staff_client):
    OrganisationFactory(name=NAME)
    OrganisationFactory(name="Klasteris „Pietų vėjas“")

    response = staff_client.get(reverse("admin:crm_organisation_changelist"), {"q": decomposed("Šiaurės")})

    assert response.status_code == 200
    assert [o.name for o in response.context["cl"].result_list] == [NAME]
    # The search box shows what was searched for, composed.
    assert 'value="Šiaurės"' in response.content.decode()


def test_a_password_is_compared_exactly_as_typed():
    password = decomposed("Žąsis-ėdė-šešis-kartus")
    user = UserFactory(username="ona", is_staff=True)
    user.set_password(password)
    user.save()
    url = reverse("admin:login")

    exact = Client().post(url, {"username": "ona", "password": password, "next": "/admin/"})
    composed = Client().post(
        url, {"username": "ona", "password": unicodedata.normalize("NFC", password), "next": "/admin/"}
    )

    assert exact.status_code == 302
    assert composed.status_code == 200  # the login form again: a different password
