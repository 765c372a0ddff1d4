"""An organisation's history keeps its sectors and tags: a change of them, on its page, by an
import or by a merge, is a version that names the sectors and tags before and after."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm import services
from crm.models import Organisation, Sector, Tag
from crm.resources import OrganisationResource
from tests.admin_forms import change_form_data
from tests.crm.test_resources import csv_bytes, import_csv
from tests.factories import OrganisationFactory, valid_legal_code

pytestmark = pytest.mark.django_db


def history_changes(client, organisation: Organisation) -> list[str]:
    """The history page's "changes" cells, newest first, as read."""
    page = client.get(reverse("admin:crm_organisation_history", args=[organisation.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    cells = re.findall(r"(?s)<tr>.*?</tr>", html.split("<tbody>", 1)[1])
    changes = []
    for row in cells:
        last = re.findall(r"(?s)<td>(.*?)</td>", row)[-1]
        text = re.sub(r"<[^>]+>", " ", last).replace("&nbsp;", " ").replace("&rarr;", "→")
        changes.append(re.sub(r"\s+", " ", text).strip())
    return changes


def sector(code: str) -> Sector:
    return Sector.objects.get(code=code)


def test_changing_the_sectors_on_the_page_is_one_version_naming_the_old_and_new_sectors(staff_client):
    organisation = OrganisationFactory(sectors=["ict"])
    versions = organisation.history.count()
    url = reverse("admin:crm_organisation_change", args=[organisation.pk])
    data = change_form_data(staff_client.get(url))
    data["sectors"] = [str(sector("health").pk)]

    assert staff_client.post(url, data).status_code == 302

    assert organisation.history.count() == versions + 1
    assert history_changes(staff_client, organisation)[0] == "Sektoriai: IRT → Sveikata"


def test_a_change_of_fields_and_tags_on_the_page_names_both_in_one_version(staff_client):
    organisation = OrganisationFactory(sectors=["ict", "energy"], short_name="Saulė")
    organisation.tags.add(Tag.objects.create(name="Eksportas"))
    versions = organisation.history.count()
    url = reverse("admin:crm_organisation_change", args=[organisation.pk])
    data = change_form_data(staff_client.get(url))
    data["short_name"] = "Saulėta"
    data["tags"] = [str(Tag.objects.create(name="Žalioji ekonomika").pk)]

    assert staff_client.post(url, data).status_code == 302

    assert organisation.history.count() == versions + 1
    assert history_changes(staff_client, organisation)[0] == (
        "Trumpas pavadinimas: Saulė → Saulėta Žymos: Eksportas → Žalioji ekonomika"
    )


def test_a_save_that_leaves_the_sectors_keeps_them_in_its_version(staff_client):
    organisation = OrganisationFactory(sectors=["ict"])
    url = reverse("admin:crm_organisation_change", args=[organisation.pk])
    data = change_form_data(staff_client.get(url))
    data["short_name"] = "Kitas"

    assert staff_client.post(url, data).status_code == 302

    assert history_changes(staff_client, organisation)[0] == "Trumpas pavadinimas: — → Kitas"
    latest = organisation.history.first()
    assert [link.sector.code for link in latest.sectors.all()] == ["ict"]


def test_removing_every_sector_names_none_after(staff_client):
    organisation = OrganisationFactory(sectors=["ict", "health"])
    url = reverse("admin:crm_organisation_change", args=[organisation.pk])
    data = change_form_data(staff_client.get(url))
    data["sectors"] = []

    assert staff_client.post(url, data).status_code == 302

    assert history_changes(staff_client, organisation)[0] == "Sektoriai: IRT, Sveikata → —"


def test_a_deleted_tag_is_named_by_its_number_in_the_versions_that_had_it(staff_client):
    organisation = OrganisationFactory()
    tag = Tag.objects.create(name="Laikina")
    organisation.tags.add(tag)
    tag_pk = tag.pk
    tag.delete()
    organisation.short_name = "Po žymos"
    organisation.save()

    assert history_changes(staff_client, organisation)[:2] == [
        f"Trumpas pavadinimas: — → Po žymos Žymos: Nr. {tag_pk} (įrašas ištrintas) → —",
        f"Žymos: — → Nr. {tag_pk} (įrašas ištrintas)",
    ]


def test_the_history_page_reads_the_sectors_of_all_its_versions_at_once(staff_client):
    organisation = OrganisationFactory(sectors=["ict"])
    url = reverse("admin:crm_organisation_history", args=[organisation.pk])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(url).status_code == 200
        return len(captured)

    few = queries()
    for number in range(12):
        organisation.sectors.set([sector("health" if number % 2 else "energy")])
        organisation.tags.add(Tag.objects.create(name=f"Žyma {number}"))

    assert queries() == few


def test_an_import_changing_the_sectors_leaves_a_version_naming_the_old_and_new_ones(staff_client):
    code = valid_legal_code(7)
    organisation = OrganisationFactory(legal_code=code, sectors=["ict"], name="Klasteris Ąžuolas")
    organisation.tags.add(Tag.objects.create(name="Eksportas"))
    versions = organisation.history.count()

    result = import_csv(
        OrganisationResource(),
        csv_bytes(
            ["name", "legal_code", "sectors", "tags"], [["Klasteris Ąžuolas", code, "Sveikata", "Nauja"]]
        ),
        file_name="nariai.csv",
    )

    assert result.totals["update"] == 1
    assert organisation.history.count() == versions + 1
    assert history_changes(staff_client, organisation)[0] == (
        "Sektoriai: IRT → Sveikata Žymos: Eksportas → Nauja"
    )


def test_an_import_without_the_sectors_column_keeps_the_sectors_in_its_versions(staff_client):
    code = valid_legal_code(8)
    organisation = OrganisationFactory(legal_code=code, sectors=["ict", "health"], name="Klasteris Beržas")
    organisation.tags.add(Tag.objects.create(name="Eksportas"))

    import_csv(
        OrganisationResource(),
        csv_bytes(["name", "legal_code", "address"], [["Klasteris Beržas", code, "Gedimino pr. 1"]]),
    )

    assert history_changes(staff_client, organisation)[0] == "Adresas: — → Gedimino pr. 1"


def test_an_import_creating_organisations_keeps_their_sectors_in_their_first_versions(db):
    rows = [
        [f"Naujas klasteris {n}", valid_legal_code(20 + n), "IRT; Sveikata", "Eksportas"] for n in range(3)
    ]

    import_csv(
        OrganisationResource(), csv_bytes(["name", "legal_code", "sectors", "tags"], rows, delimiter=",")
    )

    for organisation in Organisation.objects.all():
        (version,) = organisation.history.all()
        assert sorted(link.sector.code for link in version.sectors.all()) == ["health", "ict"]
        assert [link.tag.name for link in version.tags.all()] == ["Eksportas"]


def test_a_merge_keeps_the_sectors_it_brings_in_the_survivors_history(superuser, staff_client):
    other = OrganisationFactory(sectors=["health"])
    survivor = OrganisationFactory(sectors=["ict"])  # its last version is the latest before the merge

    services.organisation_merge(survivor=survivor, others=[other], user=superuser)

    assert history_changes(staff_client, survivor)[0].endswith("Sektoriai: IRT → IRT, Sveikata")


def test_a_past_version_shows_its_sectors_and_reverting_to_it_puts_them_back(staff_client):
    organisation = OrganisationFactory(sectors=["ict"])
    url = reverse("admin:crm_organisation_change", args=[organisation.pk])
    data = change_form_data(staff_client.get(url))
    data["sectors"] = [str(sector("health").pk)]
    assert staff_client.post(url, data).status_code == 302
    with_ict = organisation.history.order_by("-history_date", "-history_id")[1]
    version_url = reverse(
        "admin:crm_organisation_simple_history", args=[organisation.pk, with_ict.history_id]
    )

    data = change_form_data(staff_client.get(version_url))
    assert [str(pk) for pk in data["sectors"]] == [str(sector("ict").pk)]
    assert staff_client.post(version_url, data).status_code == 302

    assert list(organisation.sectors.values_list("code", flat=True)) == ["ict"]
    assert history_changes(staff_client, organisation)[0] == "Sektoriai: Sveikata → IRT"
