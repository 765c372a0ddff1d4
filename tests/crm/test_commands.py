from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from crm import history
from crm.models import Affiliation, Interaction, Membership, Organisation, Person, Sector

pytestmark = pytest.mark.django_db


def test_seed_demo_covers_every_sector_and_is_idempotent():
    call_command("seed_demo")
    counts = (
        Organisation.objects.count(),
        Person.objects.count(),
        Affiliation.objects.count(),
        Membership.objects.count(),
        Interaction.objects.count(),
    )
    call_command("seed_demo")
    assert counts == (
        Organisation.objects.count(),
        Person.objects.count(),
        Affiliation.objects.count(),
        Membership.objects.count(),
        Interaction.objects.count(),
    )

    clusters = Organisation.objects.filter(kind=Organisation.Kind.CLUSTER)
    for sector in Sector.objects.all():
        assert clusters.filter(sectors=sector).exists(), sector.code
    assert Organisation.objects.filter(kind=Organisation.Kind.PUBLIC, name__contains="Seimas").exists()
    assert (
        Organisation.objects.filter(kind=Organisation.Kind.PUBLIC, name__contains="ministerija").count() >= 3
    )
    for cluster in clusters:
        assert 2 <= cluster.affiliations.count() <= 4
        assert cluster.affiliations.filter(is_primary=True).count() == 1
    assert any(ch in "".join(clusters.values_list("name", flat=True)) for ch in "ąčęėįšųūž")


def test_seed_demo_data_passes_model_validation():
    call_command("seed_demo")
    for model in (Organisation, Person, Membership, Affiliation):
        for obj in model.objects.all():
            obj.full_clean()


def test_seed_demo_addresses_name_a_town_and_descriptions_decline_the_sector():
    call_command("seed_demo")
    towns = {"Alytus", "Druskininkai", "Ignalina", "Kaunas", "Klaipėda", "Kėdainiai", "Marijampolė"}
    towns |= {"Neringa", "Panevėžys", "Utena", "Vilnius", "Šiauliai"}

    for cluster in Organisation.objects.filter(kind=Organisation.Kind.CLUSTER):
        assert cluster.address.rsplit(", ", 1)[1] in towns, cluster.address
        sector = cluster.description.split(" vienija ", 1)[1].split(" srities ", 1)[0]
        assert sector in {"agroinovacijų ir maisto technologijų", "energetikos ir statybos"} | {
            "gamybos ir inžinerijos",
            "IRT",
            "kūrybinių industrijų",
            "sveikatos",
            "transporto",
            "turizmo",
        }, cluster.description


def test_demo_staff_account_only_exists_with_debug_on(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("ensure_demo_staff")
    assert not get_user_model().objects.exists()

    settings.DEBUG = True
    call_command("ensure_demo_staff")
    call_command("ensure_demo_staff")
    user = get_user_model().objects.get()
    assert user.is_staff
    assert user.check_password(settings.DEMO_STAFF_PASSWORD)


def test_the_demo_login_names_the_address_the_server_serves(settings):
    settings.DEBUG = True
    printed = io.StringIO()
    call_command("ensure_demo_staff", stdout=printed)
    assert "http://127.0.0.1:8000/admin/" in printed.getvalue()

    printed = io.StringIO()
    call_command("ensure_demo_staff", url="http://127.0.0.1:8010", stdout=printed)
    assert "http://127.0.0.1:8010/admin/" in printed.getvalue()
    assert f"user:     {settings.DEMO_STAFF_USERNAME}" in printed.getvalue()


def test_seed_demo_organisations_history_keeps_their_sectors_and_tags_in_their_one_version():
    call_command("seed_demo")

    cluster = Organisation.objects.filter(kind=Organisation.Kind.CLUSTER).order_by("pk").first()
    (version,) = cluster.history.all()
    kept = history.links_of([version], fields=["sectors", "tags"])
    assert [s.pk for s in kept["sectors"][version.history_id]] == [s.pk for s in cluster.sectors.all()]
    assert [t.pk for t in kept["tags"][version.history_id]] == [t.pk for t in cluster.tags.all()]
    assert cluster.sectors.exists() and cluster.tags.count() == 2
