from __future__ import annotations

import datetime
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from crm.models import Membership, Municipality, Organisation
from tests.factories import AffiliationFactory, MembershipFactory, OrganisationFactory, PersonFactory

pytestmark = pytest.mark.django_db


def _member(**kwargs) -> Organisation:
    return MembershipFactory(organisation=OrganisationFactory(**kwargs)).organisation


def test_directory_lists_only_active_member_clusters(client):
    listed = _member(name="Klasteris „Šviesa“")
    MembershipFactory(
        organisation=OrganisationFactory(name="Pareiškėjas"), status=Membership.Status.APPLICANT
    )
    _member(name="Ministerija", kind=Organisation.Kind.PUBLIC)
    _member(name="Paslėptas", show_in_directory=False)
    former = OrganisationFactory(name="Buvęs narys")
    MembershipFactory(
        organisation=former, start_date=datetime.date(2015, 1, 1), end_date=datetime.date(2016, 12, 31)
    )

    response = client.get(reverse("crm:directory"))
    assert response.status_code == 200
    assert list(response.context["organisations"]) == [listed]
    assert "Klasteris „Šviesa“" in response.content.decode()


def test_directory_filters_by_sector_municipality_and_name(client):
    kaunas = Municipality.objects.get(name="Kauno miesto savivaldybė")
    ict_kaunas = _member(name="IRT Kaunas", sectors=["ict"], municipality=kaunas)
    _member(name="IRT Vilnius", sectors=["ict"])
    _member(name="Turizmas Kaunas", sectors=["tourism"], municipality=kaunas)
    ict = ict_kaunas.sectors.get()

    response = client.get(reverse("crm:directory"), {"sector": ict.pk, "municipality": kaunas.pk})
    assert list(response.context["organisations"]) == [ict_kaunas]
    response = client.get(reverse("crm:directory"), {"q": "vilnius"})
    assert [o.name for o in response.context["organisations"]] == ["IRT Vilnius"]


@pytest.mark.parametrize(
    "typed", ['klasteris "Saulėgrąža"', "Energetikos  klasteris", "„Saulėgrąža“", "saulėgrąža klasteris"]
)
def test_directory_search_ignores_quotation_marks_spaces_and_word_order(client, typed):
    found = _member(name="Energetikos klasteris „Saulėgrąža“", sectors=["energy"])
    _member(name="Energetikos asociacija", sectors=["energy"])

    response = client.get(reverse("crm:directory"), {"q": typed})

    assert list(response.context["organisations"]) == [found]


def test_directory_page_query_count_is_constant(client, django_assert_max_num_queries):
    municipalities = list(Municipality.objects.all()[:10])
    for number in range(30):
        _member(sectors=["ict", "energy"], municipality=municipalities[number % 10])
    with django_assert_max_num_queries(6):
        response = client.get(reverse("crm:directory"))
    assert len(response.context["organisations"]) == 30
    assert len(response.context["filter"].form.fields["municipality"].choices) == 11  # and "All"


def test_profile_shows_public_facts_and_no_personal_data(client):
    organisation = _member(
        name="Gyvybės mokslų klasteris",
        sectors=["health"],
        website="https://www.lastele.lt",
        eccp_url="https://reporting.clustercollaboration.eu/lastele",
        label="gold",
        description="Vienija biotechnologijų įmones.",
        email="info@lastele.lt",
        phone="+37061234567",
    )
    person = PersonFactory(
        first_name="Aušra", last_name="Žukauskienė", email="ausra@lastele.lt", phone="+37069999999"
    )
    AffiliationFactory(person=person, organisation=organisation, is_primary=True)

    content = client.get(reverse("crm:profile", args=[organisation.pk])).content.decode()
    for public in [
        "Gyvybės mokslų klasteris",
        "https://www.lastele.lt",
        "clustercollaboration.eu",
        "biotechnologijų",
    ]:
        assert public in content
    for private in ["Žukauskienė", "ausra@lastele.lt", "+37069999999", "Aušra"]:
        assert private not in content

    directory = client.get(reverse("crm:directory")).content.decode()
    assert "Žukauskienė" not in directory
    assert "ausra@lastele.lt" not in directory


def test_profile_of_a_non_member_is_not_found(client):
    organisation = OrganisationFactory()
    assert client.get(reverse("crm:profile", args=[organisation.pk])).status_code == 404


def test_member_text_is_escaped_on_public_pages(client):
    organisation = _member(name="<script>alert(1)</script>", description="<img src=x onerror=alert(1)>")
    content = client.get(reverse("crm:profile", args=[organisation.pk])).content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;" in content
    assert "<img src=x" not in content


def test_public_pages_are_lithuanian_by_default_and_english_under_en(client):
    _member()
    assert 'lang="lt"' in client.get(reverse("crm:directory")).content.decode()
    assert 'lang="en"' in client.get("/en/nariai/").content.decode()


VILNIUS = zoneinfo.ZoneInfo("Europe/Vilnius")


def _label_shown(client, organisation: Organisation, moment: datetime.datetime) -> bool:
    with time_machine.travel(moment, tick=False):
        content = client.get(reverse("crm:profile", args=[organisation.pk])).content.decode()
    return "Klasterio valdymo kokybės ženklas" in content


def test_the_profile_shows_a_label_until_its_last_day_and_not_once_it_has_expired(client, staff_client):
    organisation = _member(
        name="Auksinis klasteris",
        label="gold",
        label_awarded_on=datetime.date(2022, 2, 1),
        label_valid_until=datetime.date(2024, 1, 31),
    )
    last_minute = datetime.datetime(2024, 1, 31, 23, 59, tzinfo=VILNIUS)
    next_day = datetime.datetime(2024, 2, 1, 0, 1, tzinfo=VILNIUS)

    assert _label_shown(client, organisation, last_minute)
    assert not _label_shown(client, organisation, next_day)
    with time_machine.travel(next_day, tick=False):
        content = client.get(reverse("crm:profile", args=[organisation.pk])).content.decode()
        staff_list = staff_client.get(reverse("admin:crm_organisation_changelist")).content.decode()
    assert "2024-01-31" not in content
    assert "Auksinis klasteris" in content
    # The admin's list tells staff that it has expired, by the same rule.
    assert "nebegalioja" in staff_list


def test_the_profile_shows_a_label_from_the_day_it_is_awarded(client):
    organisation = _member(
        label="silver",
        label_awarded_on=datetime.date(2026, 3, 1),
        label_valid_until=datetime.date(2028, 2, 29),
    )

    assert not _label_shown(client, organisation, datetime.datetime(2026, 2, 28, 23, 59, tzinfo=VILNIUS))
    assert _label_shown(client, organisation, datetime.datetime(2026, 3, 1, 0, 1, tzinfo=VILNIUS))


def test_the_profile_shows_a_label_without_dates_and_none_when_there_is_none(client):
    undated = _member(label="bronze")
    without = _member(label="none")
    now = datetime.datetime.now(tz=VILNIUS)

    assert _label_shown(client, undated, now)
    assert not _label_shown(client, without, now)


def _choices(response, field: str) -> list[str]:
    return [label for value, label in response.context["filter"].form.fields[field].choices if value]


def test_directory_filters_offer_only_municipalities_and_sectors_of_the_clusters_it_lists(client):
    kaunas = Municipality.objects.get(name="Kauno miesto savivaldybė")
    _member(name="IRT Kaunas", sectors=["ict"], municipality=kaunas)
    # Not listed: a company that is no member, a member ministry, a cluster hidden from the
    # directory, a former member.
    OrganisationFactory(
        kind=Organisation.Kind.COMPANY,
        municipality=Municipality.objects.get(name="Zarasų rajono savivaldybė"),
        sectors=["energy"],
    )
    _member(
        kind=Organisation.Kind.PUBLIC,
        municipality=Municipality.objects.get(name="Alytaus miesto savivaldybė"),
        sectors=["health"],
    )
    _member(
        name="Paslėptas klasteris",
        show_in_directory=False,
        municipality=Municipality.objects.get(name="Utenos rajono savivaldybė"),
        sectors=["tourism"],
    )
    MembershipFactory(
        organisation=OrganisationFactory(
            municipality=Municipality.objects.get(name="Panevėžio miesto savivaldybė"), sectors=["ict"]
        ),
        start_date=datetime.date(2015, 1, 1),
        end_date=datetime.date(2016, 12, 31),
    )

    response = client.get(reverse("crm:directory"))

    assert _choices(response, "municipality") == ["Kauno miesto savivaldybė"]
    assert _choices(response, "sector") == ["IRT"]
    content = response.content.decode()
    for hidden in ("Zarasų", "Alytaus", "Utenos", "Panevėžio", "Energetika", "Sveikata", "Turizmas"):
        assert hidden not in content


def test_directory_filters_offer_what_the_directory_lists_on_the_day_asked(client):
    MembershipFactory(
        organisation=OrganisationFactory(
            municipality=Municipality.objects.get(name="Utenos rajono savivaldybė"), sectors=["tourism"]
        ),
        start_date=datetime.date(2020, 1, 1),
        end_date=datetime.date(2025, 12, 31),
    )

    with time_machine.travel(datetime.datetime(2025, 12, 31, 12, 0, tzinfo=VILNIUS), tick=False):
        member = client.get(reverse("crm:directory"))
    with time_machine.travel(datetime.datetime(2026, 1, 1, 12, 0, tzinfo=VILNIUS), tick=False):
        former = client.get(reverse("crm:directory"))

    assert _choices(member, "municipality") == ["Utenos rajono savivaldybė"]
    assert _choices(member, "sector") != []
    assert (_choices(former, "municipality"), _choices(former, "sector")) == ([], [])
