"""Letter case is Unicode's, Lithuanian letters too, on SQLite as on PostgreSQL: the
case-insensitive lookups, the case functions and the indexes on them (config/sqlite3/base.py)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Lower, Upper
from django.urls import reverse

from crm.models import Organisation, Person, Tag
from tests.factories import OrganisationFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisations() -> dict[str, Organisation]:
    return {
        "siauliai": OrganisationFactory(name="ŠIAULIŲ KRAŠTO KLASTERIS", short_name="šiaulių"),
        "ukis": OrganisationFactory(name="Žemės ūkio inovacijų klasteris", short_name="ŪKIS"),
        "percent": OrganisationFactory(name="Klasteris 100% Lietuva", short_name="100%"),
        "plain": OrganisationFactory(name="Kitas klasteris", short_name="kitas"),
    }


def _names(queryset) -> set[str]:
    return set(queryset.values_list("name", flat=True))


def test_each_case_insensitive_lookup_folds_lithuanian_letters(organisations):
    assert _names(Organisation.objects.filter(name__icontains="šiaulių krašto")) == {
        "ŠIAULIŲ KRAŠTO KLASTERIS"
    }
    assert _names(Organisation.objects.filter(name__istartswith="žEMĖS ŪKIO")) == {
        "Žemės ūkio inovacijų klasteris"
    }
    assert _names(Organisation.objects.filter(name__iendswith="ŲJŲ KLASTERIS")) == set()
    assert _names(Organisation.objects.filter(name__iendswith="INOVACIJŲ KLASTERIS")) == {
        "Žemės ūkio inovacijų klasteris"
    }
    assert _names(Organisation.objects.filter(short_name__iexact="ūkis")) == {
        "Žemės ūkio inovacijų klasteris"
    }


def test_case_sensitive_lookups_and_like_wildcards_keep_their_meaning(organisations):
    assert _names(Organisation.objects.filter(name__exact="šiaulių krašto klasteris")) == set()
    # "%" and "_" in the searched text are letters, not wildcards.
    assert _names(Organisation.objects.filter(name__icontains="100%")) == {"Klasteris 100% Lietuva"}
    assert _names(Organisation.objects.filter(name__icontains="s_k")) == set()


def test_a_column_on_the_right_hand_side_is_folded_too(organisations):
    # "šiaulių" is in "ŠIAULIŲ KRAŠTO KLASTERIS" only when both are folded.
    found = Organisation.objects.filter(name__icontains=F("short_name"))
    assert {"ŠIAULIŲ KRAŠTO KLASTERIS", "Kitas klasteris"} <= _names(found)
    assert _names(Organisation.objects.filter(name__istartswith=F("short_name"))) >= {
        "ŠIAULIŲ KRAŠTO KLASTERIS"
    }


def test_an_empty_column_matches_nothing_and_breaks_nothing():
    OrganisationFactory(name="Be aprašymo", description="")
    assert not Organisation.objects.filter(description__icontains="ž").exists()
    assert Organisation.objects.filter(description__iexact="").exists()


def test_the_admin_search_finds_lithuanian_names_in_any_case(staff_client, organisations):
    url = reverse("admin:crm_organisation_changelist")
    found = staff_client.get(url, {"q": "šiaulių krašto"}).context["cl"].result_list
    assert [organisation.name for organisation in found] == ["ŠIAULIŲ KRAŠTO KLASTERIS"]

    ula = PersonFactory(first_name="Ūla", last_name="Čepaitė")
    PersonFactory(first_name="Ona", last_name="Kazlauskienė")
    people = (
        staff_client.get(reverse("admin:crm_person_changelist"), {"q": "ūla čepaitė"})
        .context["cl"]
        .result_list
    )
    assert list(people) == [ula]


def test_an_e_mail_is_found_whatever_the_case_of_its_letters():
    person = PersonFactory(email="ūla.čepaitė@example.lt")
    assert Person.objects.get(email__iexact="ŪLA.ČEPAITĖ@EXAMPLE.LT") == person


def test_names_differing_only_in_lithuanian_letter_case_are_one_tag():
    Tag.objects.create(name="Šaltis")
    with pytest.raises(ValidationError):
        Tag(name="šaltis").full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Tag.objects.create(name="ŠALTIS")


def test_the_case_functions_fold_every_letter():
    OrganisationFactory()
    found = Organisation.objects.annotate(lower=Lower(Value("ŠIAULIŲ Ūkis")), upper=Upper(Value("ąčęėįšųūž")))
    assert found.values_list("lower", "upper").first() == ("šiaulių ūkis", "ĄČĘĖĮŠŲŪŽ")


def test_a_value_of_ascii_letters_is_matched_by_sqlite_s_own_like_and_others_through_upper(organisations):
    ascii_only = Organisation.objects.filter(name__icontains="klasteris")
    lithuanian = Organisation.objects.filter(name__icontains="krašto")
    assert _names(ascii_only) == {
        "ŠIAULIŲ KRAŠTO KLASTERIS",
        "Kitas klasteris",
        "Klasteris 100% Lietuva",
        "Žemės ūkio inovacijų klasteris",
    }
    assert _names(lithuanian) == {"ŠIAULIŲ KRAŠTO KLASTERIS"}
    if connection.vendor == "sqlite":
        # UPPER() is a Python function on SQLite: called on the rows only when the value needs it.
        assert "UPPER(" not in str(ascii_only.query)
        assert "UPPER(" in str(lithuanian.query)


def test_wildcards_in_a_lithuanian_value_or_in_the_other_column_are_letters():
    OrganisationFactory(name="Šalis_A 50%", short_name="šalis_a 50%")
    OrganisationFactory(name="ŠalisXA 50 procentų", short_name="%")
    assert _names(Organisation.objects.filter(name__icontains="šalis_a 50%")) == {"Šalis_A 50%"}
    assert _names(Organisation.objects.filter(name__istartswith="šalis_")) == {"Šalis_A 50%"}
    assert _names(Organisation.objects.filter(name__iexact=F("short_name"))) == {"Šalis_A 50%"}
