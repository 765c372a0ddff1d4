"""Names are listed in Lithuanian alphabetical order, by the database (collation "lithuanian":
ICU's on PostgreSQL, crm.collation.compare on SQLite) and in Python (crm.collation.alphabetical),
and the two agree."""

from __future__ import annotations

import random

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from crm.collation import alphabetical, compare
from crm.models import Municipality, Organisation, Person, Tag
from tests.factories import MembershipFactory, OrganisationFactory, PersonFactory

pytestmark = pytest.mark.django_db

# In Lithuanian alphabetical order: Č, Š and Ž after C, S and Z; Ą, Ė, Į, Ū and Y with their base
# letter (Y as I); lower case before upper case; spaces and punctuation before letters.
ORGANISATIONS = [
    "„Agroinovacijos“ klasteris",
    "Akmenės klasteris",
    "Anykščių vynas",
    "Ąžuolo baldai",
    "Birštono kurortas",
    "Cukraus gamintojai",
    "Čiurlionio kūrėjai",
    "Dainavos medis",
    "Eglės klasteris",
    "Ėglės kraštas",
    "Ežerų energija",
    "Ignalinos turizmas",
    "Ylakių ūkis",
    "Įmonių tinklas",
    "Jonavos chemija",
    "Kazlų Rūdos miškai",
    "Kėdainių maistas",
    "Kelmės pienas",
    "Kupiškio keramika",
    "Sūduvos sūriai",
    "Šiaulių inovacijos",
    "Švenčionių miškai",
    "Tauragės vėjas",
    "Ūkio technologijos",
    "Utenos tekstilė",
    "Zarasų ežerai",
    "Žemės ūkio klasteris",
]


def test_the_python_key_puts_names_in_lithuanian_alphabetical_order():
    assert (
        sorted(random.Random(5).sample(ORGANISATIONS, len(ORGANISATIONS)), key=alphabetical) == ORGANISATIONS
    )
    assert sorted(["ABC", "Abc", "abc"], key=alphabetical) == ["abc", "Abc", "ABC"]
    assert sorted(["Yki", "Įki", "iki", "Iki"], key=alphabetical) == ["iki", "Iki", "Įki", "Yki"]


def test_the_sqlite_collation_is_equal_only_for_equal_texts():
    assert compare("Šiaulių", "Šiaulių") == 0
    assert compare("abc", "ABC") < 0 < compare("ABC", "abc")
    assert compare("Zarasų", "Šiaulių") > 0
    assert compare("Šiaulių", "Tauragės") < 0


def test_the_database_lists_organisations_in_lithuanian_alphabetical_order():
    for name in reversed(ORGANISATIONS):
        OrganisationFactory(name=name)
    assert list(Organisation.objects.values_list("name", flat=True)) == ORGANISATIONS
    assert list(Organisation.objects.order_by("-name").values_list("name", flat=True)) == ORGANISATIONS[::-1]


def test_the_database_and_python_agree_on_the_municipalities():
    names = list(Municipality.objects.values_list("name", flat=True))
    assert len(names) == 60
    assert names == sorted(names, key=alphabetical)
    # Byte order would put Šakių, Šalčininkų, Šiaulių, Šilalės, Šilutės, Širvintų, Švenčionių last.
    assert names.index("Šakių rajono savivaldybė") < names.index("Tauragės rajono savivaldybė")
    assert names.index("Kėdainių rajono savivaldybė") < names.index("Kelmės rajono savivaldybė")


def test_persons_are_listed_by_last_then_first_name_alphabetically():
    for first, last in [
        ("Žydrūnas", "Šimkus"),
        ("Andrius", "Šimkus"),
        ("Rūta", "Zabielienė"),
        ("Ona", "Čepė"),
    ]:
        PersonFactory(first_name=first, last_name=last)
    assert list(Person.objects.values_list("last_name", "first_name")) == [
        ("Čepė", "Ona"),
        ("Šimkus", "Andrius"),
        ("Šimkus", "Žydrūnas"),
        ("Zabielienė", "Rūta"),
    ]


def test_equality_and_uniqueness_still_tell_letter_case_and_marks_apart():
    OrganisationFactory(name="Šiaulių klasteris")
    assert Organisation.objects.filter(name="Šiaulių klasteris").count() == 1
    assert Organisation.objects.filter(name="Siaulių klasteris").count() == 0
    assert Organisation.objects.filter(name__lt="Tauragės").count() == 1
    Municipality.objects.create(name="Naujoji savivaldybė")
    with transaction.atomic(), pytest.raises(IntegrityError):
        Municipality.objects.create(name="Naujoji savivaldybė")
    Tag.objects.create(name="Ąžuolai")
    assert Municipality.objects.filter(name="naujoji savivaldybė").count() == 0


def test_the_organisation_list_in_the_admin_is_alphabetical(staff_client):
    for name in ["Zarasų ežerai", "Šiaulių inovacijos", "Sūduvos sūriai", "Tauragės vėjas"]:
        OrganisationFactory(name=name)
    response = staff_client.get(reverse("admin:crm_organisation_changelist"))
    names = [row.name for row in response.context["cl"].result_list]
    assert names == ["Sūduvos sūriai", "Šiaulių inovacijos", "Tauragės vėjas", "Zarasų ežerai"]
    descending = staff_client.get(reverse("admin:crm_organisation_changelist"), {"o": "-1"})
    assert [row.name for row in descending.context["cl"].result_list] == names[::-1]


def test_the_public_directory_is_alphabetical(client):
    for name in ["Žemės ūkio klasteris", "Čiurlionio kūrėjai", "Cukraus gamintojai", "Dainavos medis"]:
        MembershipFactory(organisation=OrganisationFactory(name=name))
    response = client.get(reverse("crm:directory"))
    assert [o.name for o in response.context["organisations"]] == [
        "Cukraus gamintojai",
        "Čiurlionio kūrėjai",
        "Dainavos medis",
        "Žemės ūkio klasteris",
    ]


def test_the_first_page_of_organisations_is_read_from_the_name_index():
    """The collation does not cost the lists their index: the first page is not sorted."""
    for name in ORGANISATIONS:
        OrganisationFactory(name=name)
    sql, params = Organisation.objects.order_by("name").values("pk")[:10].query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
            assert "crm_org_name_idx" in plan
            assert "TEMP B-TREE" not in plan
        else:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = " ".join(row[0] for row in cursor.fetchall())
            assert "crm_org_name_idx" in plan
            assert "Sort" not in plan
