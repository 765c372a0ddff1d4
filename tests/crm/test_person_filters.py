"""The person list's filters on affiliations, role and sector, hold for one current affiliation."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.models import Affiliation, Sector
from tests.factories import AffiliationFactory, OrganisationFactory, PersonFactory

pytestmark = pytest.mark.django_db

DIRECTOR = Affiliation.Role.DIRECTOR
REPRESENTATIVE = Affiliation.Role.REPRESENTATIVE


def _listed(client, **params) -> list[str]:
    response = client.get(reverse("admin:crm_person_changelist"), params)
    assert response.status_code == 200
    return sorted(str(person) for person in response.context["cl"].result_list)


def _filters(role: str | None = None, sector: str | None = None) -> dict[str, object]:
    params: dict[str, object] = {}
    if role:
        params["affiliations__role__exact"] = role
    if sector:
        params["affiliations__organisation__sectors__id__exact"] = Sector.objects.get(code=sector).pk
    return params


@pytest.fixture
def clusters():
    """Petras directs an energy cluster and only represents an ICT one; Jonas directs an ICT
    cluster; Ona directed another ICT cluster until yesterday; Rūta directs one from tomorrow."""
    energy = OrganisationFactory(name="Energijos klasteris", sectors=["energy"])
    ict = OrganisationFactory(name="IRT klasteris", sectors=["ict"])
    other_ict = OrganisationFactory(name="Kitas IRT klasteris", sectors=["ict"])
    today = timezone.localdate()
    petras = PersonFactory(first_name="Petras", last_name="Petraitis")
    AffiliationFactory(person=petras, organisation=energy, role=DIRECTOR)
    AffiliationFactory(person=petras, organisation=ict, role=REPRESENTATIVE)
    AffiliationFactory(
        person__first_name="Jonas", person__last_name="Jonaitis", organisation=ict, role=DIRECTOR
    )
    AffiliationFactory(
        person__first_name="Ona",
        person__last_name="Onaitė",
        organisation=other_ict,
        role=DIRECTOR,
        start_date=datetime.date(2020, 1, 1),
        end_date=today - datetime.timedelta(days=1),
    )
    AffiliationFactory(
        person__first_name="Rūta",
        person__last_name="Rūtaitė",
        organisation=other_ict,
        role=DIRECTOR,
        start_date=today + datetime.timedelta(days=1),
    )


def test_role_and_sector_hold_for_one_affiliation(staff_client, clusters):
    # Petras is a director, and of an ICT cluster, but not a director of an ICT cluster.
    assert _listed(staff_client, **_filters(role=DIRECTOR, sector="ict")) == ["Jonas Jonaitis"]
    assert _listed(staff_client, **_filters(role=REPRESENTATIVE, sector="ict")) == ["Petras Petraitis"]
    assert _listed(staff_client, **_filters(role=DIRECTOR, sector="energy")) == ["Petras Petraitis"]
    assert _listed(staff_client, **_filters(role=REPRESENTATIVE, sector="energy")) == []


def test_affiliations_that_ended_or_have_not_begun_are_not_counted(staff_client, clusters):
    assert _listed(staff_client, **_filters(role=DIRECTOR)) == ["Jonas Jonaitis", "Petras Petraitis"]
    assert _listed(staff_client, **_filters(sector="ict")) == ["Jonas Jonaitis", "Petras Petraitis"]


def test_the_filters_are_titled_as_current_affiliations(staff_client, clusters):
    page = staff_client.get(reverse("admin:crm_person_changelist")).content.decode()

    assert "Pagal: vaidmuo dabartinėje organizacijoje" in page
    assert "Pagal: dabartinės organizacijos sektorius" in page


def _sidebar_counts(page: str, title: str) -> dict[str, str]:
    """A filter's choices in the sidebar with their counts: {"Vadovas": "1", …}."""
    section = page.split(f'data-filter-title="{title}"', 1)[1].split("</details>", 1)[0]
    return dict(re.findall(r'<a href="[^"]*">([^<]+?) \((\d+)\)</a>', section))


def test_the_counts_of_each_filter_take_the_other_one_chosen(staff_client, clusters):
    response = staff_client.get(
        reverse("admin:crm_person_changelist"),
        {**_filters(role=DIRECTOR, sector="ict"), "_facets": "True"},
    )
    page = response.content.decode()

    # Of ICT organisations now: Jonas the director, Petras the representative.
    roles = _sidebar_counts(page, "vaidmuo dabartinėje organizacijoje")
    assert (roles["Vadovas"], roles["Atstovas"], roles["Koordinatorius"]) == ("1", "1", "0")
    # Directors now: Petras of an energy cluster, Jonas of an ICT one.
    sectors = _sidebar_counts(page, "dabartinės organizacijos sektorius")
    assert (sectors["IRT"], sectors["Energetika ir statyba"], sectors["Sveikata"]) == ("1", "1", "0")
    assert [str(person) for person in response.context["cl"].result_list] == ["Jonas Jonaitis"]


def test_an_unknown_value_is_refused_as_django_refuses_one(staff_client, clusters):
    response = staff_client.get(reverse("admin:crm_person_changelist"), {"affiliations__role__exact": "pope"})

    assert response.status_code == 302
    assert response.url.endswith("?e=1")


def test_the_filtered_list_takes_the_same_queries_for_few_and_many_persons(staff_client):
    url = reverse("admin:crm_person_changelist")
    params = {**_filters(role=DIRECTOR, sector="ict"), "all": ""}

    def add(count: int) -> None:
        for _ in range(count):
            organisation = OrganisationFactory(sectors=["ict", "energy"])
            AffiliationFactory(organisation=organisation, role=DIRECTOR)
            AffiliationFactory(organisation=organisation, role=REPRESENTATIVE)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(url, params).status_code == 200
        return len(captured)

    add(3)
    few = queries()
    add(40)

    assert queries() == few
    assert len(staff_client.get(url, params).context["cl"].result_list) == 43
