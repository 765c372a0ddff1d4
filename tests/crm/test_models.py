from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from crm.models import Affiliation, Membership, Organisation, Person, Sector
from tests.factories import AffiliationFactory, MembershipFactory, OrganisationFactory, PersonFactory

pytestmark = pytest.mark.django_db


def test_the_eight_sectors_and_sixty_municipalities_are_seeded():
    from crm.models import Municipality

    assert list(Sector.objects.values_list("code", flat=True)) == [
        "agrifood",
        "energy",
        "manufacturing",
        "ict",
        "creative",
        "health",
        "transport",
        "tourism",
    ]
    assert Municipality.objects.count() == 60
    assert Municipality.objects.filter(name="Kazlų Rūdos savivaldybė").exists()


def test_sector_name_follows_the_active_language():
    from django.utils import translation

    sector = Sector.objects.get(code="creative")
    with translation.override("lt"):
        assert str(sector) == "Kūrybinės industrijos"
    with translation.override("en"):
        assert str(sector) == "Creative industries"


def test_legal_code_is_unique_when_given():
    OrganisationFactory(legal_code="302470005")
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganisationFactory(legal_code="302470005")


def test_many_organisations_may_have_no_legal_code():
    OrganisationFactory(legal_code="")
    OrganisationFactory(legal_code="")
    assert Organisation.objects.filter(legal_code="").count() == 2


def test_full_clean_normalises_phone_and_reports_bad_values_per_field():
    organisation = Organisation(name="Klasteris", phone="8 612 34567", legal_code="302 470 005")
    organisation.full_clean()
    assert organisation.phone == "+37061234567"
    assert organisation.legal_code == "302470005"

    bad = Organisation(
        name="Klasteris", phone="123", legal_code="302470006", vat_code="LT1", website="ne url"
    )
    with pytest.raises(ValidationError) as excinfo:
        bad.full_clean()
    assert set(excinfo.value.message_dict) == {"phone", "legal_code", "vat_code", "website"}


def test_person_email_is_unique_case_insensitively():
    PersonFactory(email="Ruta@Klasteris.lt")
    assert Person.objects.get().email == "ruta@klasteris.lt"
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(first_name="Rūta", last_name="Kitokia", email="RUTA@klasteris.lt")


def test_person_email_clash_is_a_validation_error_not_a_crash():
    PersonFactory(email="ruta@klasteris.lt")
    duplicate = Person(first_name="Rūta", last_name="Kitokia", email=" RUTA@Klasteris.LT ")
    with pytest.raises(ValidationError):
        duplicate.full_clean()


def test_consent_requires_when_and_how_it_was_given():
    person = Person(first_name="Eglė", last_name="Šimkienė", consent_newsletter=True)
    with pytest.raises(ValidationError) as excinfo:
        person.full_clean()
    assert set(excinfo.value.message_dict) == {"consent_newsletter_at", "consent_newsletter_source"}


def test_an_organisation_has_at_most_one_primary_contact():
    organisation = OrganisationFactory()
    AffiliationFactory(organisation=organisation, is_primary=True)
    AffiliationFactory(organisation=organisation, is_primary=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        AffiliationFactory(organisation=organisation, is_primary=True)
    assert Affiliation.objects.filter(organisation=organisation).count() == 2


def test_membership_cannot_end_before_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(start_date=datetime.date(2025, 1, 1), end_date=datetime.date(2024, 12, 31))


def test_an_ended_membership_needs_its_end_date():
    organisation = OrganisationFactory()
    ended = Membership(
        organisation=organisation, status=Membership.Status.ENDED, start_date=datetime.date(2020, 1, 1)
    )

    with pytest.raises(ValidationError) as excinfo:
        ended.full_clean()

    assert list(excinfo.value.error_dict) == ["end_date"]
    assert excinfo.value.error_dict["end_date"][0].code == "ended_without_end"
    ended.end_date = datetime.date(2024, 12, 31)
    ended.full_clean()
    # Other periods may stay open.
    Membership(organisation=organisation, start_date=datetime.date(2025, 1, 1)).full_clean()


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime.date(2021, 6, 1), None),  # open period inside an open period
        (datetime.date(2019, 1, 1), datetime.date(2021, 1, 1)),  # touches the first day
        (datetime.date(2024, 1, 1), datetime.date(2024, 12, 31)),
    ],
)
def test_membership_periods_of_one_organisation_never_overlap(start, end):
    existing = MembershipFactory(start_date=datetime.date(2021, 1, 1), end_date=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(organisation=existing.organisation, start_date=start, end_date=end)

    clashing = Membership(organisation=existing.organisation, start_date=start, end_date=end)
    with pytest.raises(ValidationError) as excinfo:
        clashing.full_clean()
    assert excinfo.value.error_dict["__all__"][0].code == "membership_overlap"


def test_consecutive_membership_periods_are_allowed_and_updates_are_checked():
    organisation = OrganisationFactory()
    first = MembershipFactory(
        organisation=organisation, start_date=datetime.date(2020, 1, 1), end_date=datetime.date(2020, 12, 31)
    )
    second = MembershipFactory(organisation=organisation, start_date=datetime.date(2021, 1, 1))
    assert organisation.memberships.count() == 2

    second.start_date = datetime.date(2020, 12, 31)
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()
    first.refresh_from_db()
    assert first.end_date == datetime.date(2020, 12, 31)


def test_other_organisations_periods_do_not_clash():
    MembershipFactory(start_date=datetime.date(2021, 1, 1))
    MembershipFactory(start_date=datetime.date(2021, 1, 1))
    assert Membership.objects.count() == 2


def test_history_is_kept_for_organisations_and_persons():
    organisation = OrganisationFactory(name="Senas pavadinimas")
    organisation.name = "Naujas pavadinimas"
    organisation.save()
    assert [h.name for h in organisation.history.order_by("history_id")] == [
        "Senas pavadinimas",
        "Naujas pavadinimas",
    ]
    person = PersonFactory()
    assert person.history.count() == 1


def test_the_name_in_capitals_follows_the_name_however_it_is_written():
    organisation = OrganisationFactory(name="Klasteris „Ąžuolų giria“")
    organisation.refresh_from_db()
    assert organisation.name_folded == "KLASTERIS „ĄŽUOLŲ GIRIA“"

    organisation.name = "Šilo ūkis"
    organisation.save()
    organisation.refresh_from_db()
    assert organisation.name_folded == "ŠILO ŪKIS"

    Organisation.objects.filter(pk=organisation.pk).update(name="Čiurlionio įžvalgos")
    organisation.refresh_from_db()
    assert organisation.name_folded == "ČIURLIONIO ĮŽVALGOS"
    # The history keeps the name, from which the capitals are derived, and nothing else of them.
    assert not hasattr(organisation.history.latest("history_id"), "name_folded")


def test_an_imported_organisation_gets_its_name_in_capitals():
    from crm.import_formats import CSV
    from crm.resources import OrganisationResource

    content = "name,legal_code\nKlasteris „Žalgiris“,\n".encode()
    result = OrganisationResource().import_data(CSV().create_dataset(content), dry_run=False)

    assert result.totals["new"] == 1
    assert Organisation.objects.values_list("name_folded", flat=True).get() == "KLASTERIS „ŽALGIRIS“"
