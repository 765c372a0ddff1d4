"""The association's fixed lists, its sectors and the municipalities: read-only for every role but
the administrator, and kept, even by the administrator, while any record holds them."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from crm import roles
from crm.models import Municipality, Organisation, Sector
from tests.consultations.factories import ConsultationFactory
from tests.crm.test_import_admin import client_for
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def _urls(model: str, pk: int) -> dict[str, str]:
    return {
        "add": reverse(f"admin:crm_{model}_add"),
        "change": reverse(f"admin:crm_{model}_change", args=[pk]),
        "delete": reverse(f"admin:crm_{model}_delete", args=[pk]),
    }


@pytest.mark.parametrize("model", [Sector, Municipality])
def test_the_crm_editor_reads_the_reference_lists_but_cannot_add_change_or_delete(crm_editor, model):
    entry = model.objects.order_by("pk").first()
    client = client_for(crm_editor)
    name = model._meta.model_name
    urls = _urls(name, entry.pk)
    before = list(model.objects.values_list("pk", flat=True))

    assert client.get(reverse(f"admin:crm_{name}_changelist")).status_code == 200
    page = client.get(urls["change"])
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()  # shown read-only
    assert client.get(urls["add"]).status_code == 403
    assert (
        client.post(urls["add"], {"code": "kosmosas", "name_lt": "Kosmosas", "name": "Kosmosas"}).status_code
        == 403
    )
    assert client.get(urls["delete"]).status_code == 403
    assert client.post(urls["delete"], {"post": "yes"}).status_code == 403
    assert client.post(urls["change"], {"name_lt": "Pakeista", "name": "Pakeista"}).status_code == 403

    assert list(model.objects.values_list("pk", flat=True)) == before
    entry.refresh_from_db()
    assert "Pakeista" not in str(entry)


def test_the_crm_editor_still_keeps_the_tags(crm_editor):
    client = client_for(crm_editor)

    response = client.post(reverse("admin:crm_tag_add"), {"name": "Eksportas"})

    assert response.status_code == 302
    assert client.get(reverse("admin:crm_tag_changelist")).status_code == 200


def test_the_roles_permissions_on_the_reference_lists():
    def granted(role: str) -> set[str]:
        codenames = Group.objects.get(name=role).permissions.filter(
            content_type__app_label="crm", content_type__model__in=["sector", "municipality", "tag"]
        )
        return set(codenames.values_list("codename", flat=True))

    views = {"view_sector", "view_municipality", "view_tag"}
    assert granted(roles.ADMINISTRATOR) == {
        f"{action}_{model}"
        for action in ("add", "change", "delete", "view")
        for model in ("sector", "municipality", "tag")
    }
    assert granted(roles.CRM_EDITOR) == views | {"add_tag", "change_tag", "delete_tag"}
    assert granted(roles.POLICY_OFFICER) == views
    assert granted(roles.READ_ONLY) == views


def test_the_migration_takes_the_reference_lists_from_an_existing_crm_editor_group():
    # A database whose groups were synchronised before the rule changed.
    group = Group.objects.get(name=roles.CRM_EDITOR)
    group.permissions.add(*Permission.objects.filter(codename__in=["add_sector", "delete_municipality"]))
    migration = importlib.import_module("crm.migrations.0010_reference_lists_kept_by_administrators")

    migration.apply_the_roles_rule(apps, None)

    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"add_sector", "delete_municipality"}.isdisjoint(codenames)
    assert {"view_sector", "view_municipality", "change_organisation"} <= codenames


def test_a_sector_that_organisations_or_consultations_hold_is_not_deleted(administrator):
    sector = Sector.objects.get(code="ict")
    organisation = OrganisationFactory(name="Klasteris „Ąžuolynas“", sectors=["ict"])
    consultation = ConsultationFactory(title="Dėl skaitmeninimo")
    consultation.audience_sectors.add(sector)
    client = client_for(administrator)
    url = reverse("admin:crm_sector_delete", args=[sector.pk])

    page = client.get(url)
    refused = client.post(url, {"post": "yes"})

    text = page.content.decode()
    assert page.status_code == refused.status_code == 200
    assert "„IRT“ ištrinti negalima: tai nurodyta toliau išvardytuose įrašuose." in text
    assert "Klasteris „Ąžuolynas“" in text
    assert "Dėl skaitmeninimo" in text
    assert 'name="post"' not in text  # no button to confirm
    assert Sector.objects.filter(pk=sector.pk).exists()
    assert list(organisation.sectors.all()) == [sector]
    assert list(consultation.audience_sectors.all()) == [sector]


def test_the_delete_action_keeps_the_entries_in_use_and_names_their_records(administrator):
    ict, health = Sector.objects.filter(code__in=["ict", "health"]).order_by("code")
    OrganisationFactory(name="Sveikatos klasteris", sectors=["health"])
    client = client_for(administrator)

    response = client.post(
        reverse("admin:crm_sector_changelist"),
        {"action": "delete_selected", "_selected_action": [ict.pk, health.pk], "post": "yes"},
    )

    text = response.content.decode()
    assert response.status_code == 200
    assert "Pasirinktų įrašų ištrinti negalima: juos nurodo toliau išvardyti įrašai." in text
    assert "Sveikatos klasteris" in text
    assert Sector.objects.filter(pk__in=[ict.pk, health.pk]).count() == 2


def test_a_municipality_in_use_is_not_deleted_and_its_organisations_are_counted_past_ten(administrator):
    municipality = Municipality.objects.get(name="Kauno miesto savivaldybė")
    for n in range(12):
        OrganisationFactory(name=f"Kauno klasteris {n:02}", municipality=municipality)
    client = client_for(administrator)
    url = reverse("admin:crm_municipality_delete", args=[municipality.pk])

    text = client.get(url).content.decode()
    client.post(url, {"post": "yes"})

    assert "Kauno klasteris 09" in text
    assert "Kauno klasteris 10" not in text
    assert "Organizacijos: dar 2" in text
    assert Organisation.objects.filter(municipality=municipality).count() == 12


def test_an_entry_no_record_holds_can_be_deleted_by_the_administrator(administrator):
    sector = Sector.objects.create(code="kosmosas", name_lt="Kosmosas", name_en="Space", position=9)
    client = client_for(administrator)

    response = client.post(reverse("admin:crm_sector_delete", args=[sector.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not Sector.objects.filter(pk=sector.pk).exists()
