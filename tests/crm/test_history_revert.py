"""A record's past versions: staff who may only view a record see them, but only staff who may
change it can save one back ("Revert")."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from crm import services
from tests.admin_forms import change_form_data
from tests.factories import AffiliationFactory, OrganisationFactory, PersonFactory

pytestmark = pytest.mark.django_db


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def history_url(obj, model: str) -> str:
    version = obj.history.order_by("history_date").first()
    return reverse(f"admin:crm_{model}_simple_history", args=[obj.pk, version.history_id])


@pytest.mark.parametrize("role", ["read_only_user", "policy_officer"])
def test_staff_who_may_only_view_see_a_past_version_but_cannot_save_it(request, role):
    person = PersonFactory(first_name="Eglė", last_name="Eglaitė", email="egle@menulis.lt")
    client = client_of(request.getfixturevalue(role))
    url = history_url(person, "person")

    page = client.get(url)
    assert page.status_code == 200
    data = change_form_data(page)
    assert "Eglė" in page.content.decode()

    data["email"] = "kitas@pavyzdys.lt"
    response = client.post(url, data)

    assert response.status_code == 403
    person.refresh_from_db()
    assert person.email == "egle@menulis.lt"


def test_a_leavers_end_date_cannot_be_undone_by_staff_who_may_only_view(policy_officer):
    organisation = OrganisationFactory()
    affiliation = AffiliationFactory(organisation=organisation, receives_consultations=True)
    affiliation.end_date = datetime.date(2026, 1, 31)
    affiliation.save()
    url = history_url(affiliation, "affiliation")  # the version before the end was set
    client = client_of(policy_officer)
    data = change_form_data(client.get(url))
    assert not data.get("end_date")

    response = client.post(url, data)

    assert response.status_code == 403
    affiliation.refresh_from_db()
    assert affiliation.end_date == datetime.date(2026, 1, 31)


def test_staff_who_may_change_the_record_can_revert_it(crm_editor):
    organisation = OrganisationFactory(name="Klasteris „Ąžuolas“")
    organisation.name = "Klasteris „Beržas“"
    organisation.save()
    url = history_url(organisation, "organisation")
    client = client_of(crm_editor)
    data = change_form_data(client.get(url))

    response = client.post(url, data)

    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.name == "Klasteris „Ąžuolas“"


def test_a_revert_is_a_version_of_its_own(crm_editor):
    organisation = OrganisationFactory(name="Klasteris „Ąžuolas“")
    organisation.name = "Klasteris „Beržas“"
    organisation.save()
    url = history_url(organisation, "organisation")
    client = client_of(crm_editor)

    assert client.post(url, change_form_data(client.get(url))).status_code == 302

    # The page's form held the past version unchanged; the record changed, and its history says so.
    assert [v.name for v in organisation.history.order_by("-history_id")] == [
        "Klasteris „Ąžuolas“",
        "Klasteris „Beržas“",
        "Klasteris „Ąžuolas“",
    ]


def test_reverting_an_erased_person_keeps_them_erased(administrator, crm_editor):
    person = PersonFactory(first_name="Jūratė", last_name="Kazlauskienė")
    services.person_erase(person=person, user=administrator)
    person.refresh_from_db()
    erased_at, created_at = person.anonymised_at, person.created_at
    client = client_of(crm_editor)
    url = history_url(person, "person")

    assert client.post(url, change_form_data(client.get(url))).status_code == 302

    # The version from before the erasure (scrubbed by it) had no erasure time; the record keeps
    # its own, and so stays out of merges with live contacts.
    person.refresh_from_db()
    assert person.anonymised_at == erased_at
    assert person.created_at == created_at
    assert person.first_name != "Jūratė"
    with pytest.raises(ValidationError) as refused:
        services.person_merge(survivor=PersonFactory(), others=[person], user=crm_editor)
    assert refused.value.code == "merge_anonymised"
