from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import pre_delete
from django.test import Client
from django.test.utils import isolate_apps
from django.urls import reverse
from django.utils import timezone, translation

from crm import services
from crm.models import Affiliation, Interaction, Membership, Organisation, Payment, Person, Sector, Tag
from tests.factories import (
    AffiliationFactory,
    InteractionFactory,
    MembershipFactory,
    OrganisationFactory,
    PersonFactory,
    valid_legal_code,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

HistoricalOrganisation = Organisation.history.model
HistoricalPerson = Person.history.model
HistoricalAffiliation = Affiliation.history.model
HistoricalMembership = Membership.history.model


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _pay(membership: Membership, amount: str, day: datetime.date) -> Payment:
    return Payment.objects.create(membership=membership, amount=Decimal(amount), paid_on=day)


def _counts() -> dict[str, int]:
    return {
        "affiliations": Affiliation.objects.count(),
        "memberships": Membership.objects.count(),
        "payments": Payment.objects.count(),
        "interactions": Interaction.objects.count(),
        "participants": Interaction.people.through.objects.count(),
        "organisation history": HistoricalOrganisation.objects.count(),
        "affiliation history": HistoricalAffiliation.objects.count(),
        "membership history": HistoricalMembership.objects.count(),
    }


@pytest.fixture
def twins(superuser):
    """Two records of one cluster, each with contacts, memberships, payments, interactions,
    sectors, tags and history."""
    survivor = OrganisationFactory(name="UAB „Šiaurės žvaigždė“", legal_code="", address="", sectors=["ict"])
    other = OrganisationFactory(
        name="siaures zvaigzde, UAB",
        legal_code=valid_legal_code(777),
        address="Gedimino pr. 1, Vilnius",
        members_sme=40,
        sectors=["ict", "energy"],
    )
    other.website = "https://zvaigzde.lt"
    other.save()  # one more history record
    spring, autumn = Tag.objects.create(name="Pavasaris"), Tag.objects.create(name="Ruduo")
    survivor.tags.add(spring)
    other.tags.add(spring, autumn)

    AffiliationFactory(organisation=survivor, is_primary=True)
    AffiliationFactory(organisation=other, is_primary=True)
    AffiliationFactory(organisation=other)

    old = MembershipFactory(
        organisation=survivor, start_date=datetime.date(2020, 1, 1), end_date=datetime.date(2021, 12, 31)
    )
    _pay(old, "600", datetime.date(2020, 2, 1))
    new = MembershipFactory(organisation=other, start_date=datetime.date(2022, 1, 1), end_date=None)
    _pay(new, "700", datetime.date(2022, 2, 1))
    _pay(new, "700", datetime.date(2023, 2, 1))

    InteractionFactory(organisation=survivor)
    InteractionFactory.create_batch(2, organisation=other)
    return survivor, other


def test_merge_keeps_every_related_row(twins, superuser):
    survivor, other = twins
    before = _counts()
    history_ids = set(
        HistoricalOrganisation.objects.filter(id__in=[survivor.pk, other.pk]).values_list(
            "history_id", flat=True
        )
    )

    services.organisation_merge(survivor=survivor, others=[other], user=superuser)

    assert not Organisation.objects.filter(pk=other.pk).exists()
    after = _counts()
    # Nothing is lost. New history: the survivor's "merged" record and the other primary contact's
    # demotion to a plain affiliation.
    assert after == {
        **before,
        "organisation history": before["organisation history"] + 1,
        "affiliation history": before["affiliation history"] + 1,
    }
    assert Affiliation.objects.filter(organisation=survivor).count() == 3
    assert Membership.objects.filter(organisation=survivor).count() == 2
    assert Payment.objects.filter(membership__organisation=survivor).count() == 3
    assert Interaction.objects.filter(organisation=survivor).count() == 3
    assert set(survivor.sectors.values_list("code", flat=True)) == {"ict", "energy"}
    assert set(survivor.tags.values_list("name", flat=True)) == {"Pavasaris", "Ruduo"}
    # The merged-away record's history now belongs to the survivor, so its old values stay readable.
    survivor_history = HistoricalOrganisation.objects.filter(id=survivor.pk)
    assert history_ids <= set(survivor_history.values_list("history_id", flat=True))
    assert "siaures zvaigzde, UAB" in set(survivor_history.values_list("name", flat=True))
    assert not HistoricalOrganisation.objects.filter(id=other.pk).exists()
    assert not HistoricalAffiliation.objects.filter(organisation_id=other.pk).exists()
    assert not HistoricalMembership.objects.filter(organisation_id=other.pk).exists()


def test_merge_fills_the_survivors_blank_fields_and_takes_the_others_legal_code(twins, superuser):
    survivor, other = twins

    merged = services.organisation_merge(survivor=survivor, others=[other], user=superuser)

    merged.refresh_from_db()
    assert merged.name == "UAB „Šiaurės žvaigždė“"
    assert merged.legal_code == valid_legal_code(777)
    assert merged.address == "Gedimino pr. 1, Vilnius"
    assert merged.website == "https://zvaigzde.lt"
    assert merged.members_sme == 40
    latest = merged.history.latest()
    assert latest.history_user == superuser
    assert latest.history_change_reason == f"Merged with #{other.pk}"


def test_survivor_keeps_its_own_legal_code(superuser):
    survivor = OrganisationFactory(legal_code=valid_legal_code(1))
    other = OrganisationFactory(legal_code=valid_legal_code(2))

    merged = services.organisation_merge(survivor=survivor, others=[other], user=superuser)

    merged.refresh_from_db()
    assert merged.legal_code == valid_legal_code(1)
    # The other code is not lost: it is in the history now attached to the survivor.
    assert valid_legal_code(2) in set(merged.history.values_list("legal_code", flat=True))


def test_the_others_differing_codes_and_contacts_are_kept_in_the_survivors_internal_notes(superuser):
    survivor = OrganisationFactory(
        name="Klasteris B",
        legal_code=valid_legal_code(1),
        vat_code="LT100001919017",
        email="info@b.lt",
        phone="+37061234567",
        website="https://b.lt",
        description="Vandenilio technologijų klasteris.",
    )
    other = OrganisationFactory(
        name="KLASTERIS B",
        legal_code=valid_legal_code(2),
        vat_code="LT100000000018",
        email="kontaktai@b.lt",
        phone="+37052123456",
        website="https://b.eu",
        description="Vandenilio klasteris, įkurtas 2019 m.",
        notes="Mokestį moka ketvirčiais.",
    )

    with translation.override("lt"):
        merged = services.organisation_merge(survivor=survivor, others=[other], user=superuser)

    merged.refresh_from_db()
    # The survivor's own stay; the description, which the public directory shows, as it was.
    assert (merged.legal_code, merged.vat_code, merged.email, merged.phone, merged.website) == (
        valid_legal_code(1),
        "LT100001919017",
        "info@b.lt",
        "+37061234567",
        "https://b.lt",
    )
    assert merged.description == "Vandenilio technologijų klasteris."
    assert merged.notes == (
        f"Sujungtas įrašas Nr. {other.pk}: juridinio asmens kodas: {valid_legal_code(2)}; "
        "PVM mokėtojo kodas: LT100000000018; svetainė: https://b.eu; el. paštas: kontaktai@b.lt; "
        "telefonas: +37052123456"
        "\n\nVandenilio klasteris, įkurtas 2019 m."
        "\n\nMokestį moka ketvirčiais."
    )


def test_the_other_organisations_label_is_noted_when_the_survivor_keeps_its_own(superuser):
    survivor = OrganisationFactory(
        label=Organisation.Label.BRONZE,
        label_awarded_on=datetime.date(2020, 1, 1),
        label_valid_until=datetime.date(2022, 1, 1),
    )
    other = OrganisationFactory(
        legal_code="",
        label=Organisation.Label.GOLD,
        label_awarded_on=datetime.date(2024, 3, 1),
        label_valid_until=datetime.date(2026, 3, 1),
    )

    with translation.override("lt"):
        gold = str(Organisation.Label.GOLD.label)
        merged = services.organisation_merge(survivor=survivor, others=[other], user=superuser)

    merged.refresh_from_db()
    assert (merged.label, merged.label_valid_until) == (Organisation.Label.BRONZE, datetime.date(2022, 1, 1))
    assert f"{gold}, 2024-03-01, 2026-03-01" in merged.notes


def test_nothing_is_noted_when_the_other_adds_nothing_new(superuser):
    survivor = OrganisationFactory(email="info@b.lt", website="https://b.lt")
    other = OrganisationFactory(email="info@b.lt", website="", legal_code="")

    merged = services.organisation_merge(survivor=survivor, others=[other], user=superuser)

    merged.refresh_from_db()
    assert merged.notes == ""


def test_merge_is_logged_on_the_survivor_naming_what_was_merged(twins, superuser):
    survivor, other = twins

    services.organisation_merge(survivor=survivor, others=[other], user=superuser)

    entry = LogEntry.objects.get(object_id=str(survivor.pk), content_type__model="organisation")
    assert entry.action_flag == CHANGE
    assert entry.user == superuser
    assert "siaures zvaigzde, UAB" in entry.change_message
    assert f"#{other.pk}" in entry.change_message
    assert "interactions: 2" in entry.change_message


def test_the_survivors_primary_contact_stays_and_the_others_becomes_a_plain_affiliation(twins, superuser):
    survivor, other = twins
    survivor_primary = Affiliation.objects.get(organisation=survivor, is_primary=True)
    other_primary = Affiliation.objects.get(organisation=other, is_primary=True)

    services.organisation_merge(survivor=survivor, others=[other], user=superuser)

    assert list(Affiliation.objects.filter(organisation=survivor, is_primary=True)) == [survivor_primary]
    other_primary.refresh_from_db()
    assert other_primary.organisation == survivor
    assert not other_primary.is_primary


def test_the_others_primary_contact_becomes_primary_when_the_survivor_has_none(superuser):
    survivor, other = OrganisationFactory(), OrganisationFactory()
    AffiliationFactory(organisation=survivor)
    primary = AffiliationFactory(organisation=other, is_primary=True)

    services.organisation_merge(survivor=survivor, others=[other], user=superuser)

    primary.refresh_from_db()
    assert primary.organisation == survivor
    assert primary.is_primary


def test_the_others_current_primary_contact_stays_primary_when_the_survivors_has_left(superuser):
    survivor, other = OrganisationFactory(), OrganisationFactory()
    former = AffiliationFactory(
        organisation=survivor,
        is_primary=True,
        start_date=datetime.date(2015, 1, 1),
        end_date=datetime.date(2020, 1, 1),
    )
    current = AffiliationFactory(organisation=other, is_primary=True)

    services.organisation_merge(survivor=survivor, others=[other], user=superuser)

    current.refresh_from_db()
    former.refresh_from_db()
    assert (current.organisation, current.is_primary) == (survivor, True)
    assert (former.organisation, former.is_primary) == (survivor, False)
    assert former.end_date == datetime.date(2020, 1, 1)  # the rest as it was
    assert HistoricalAffiliation.objects.filter(id=former.pk).latest().is_primary is False


def test_a_primary_contact_who_has_left_stays_primary_when_no_one_current_is(superuser):
    survivor, other = OrganisationFactory(), OrganisationFactory()
    former = AffiliationFactory(organisation=survivor, is_primary=True, end_date=datetime.date(2020, 1, 1))
    also_left = AffiliationFactory(organisation=other, is_primary=True, end_date=datetime.date(2021, 1, 1))

    services.organisation_merge(survivor=survivor, others=[other], user=superuser)

    assert list(Affiliation.objects.filter(organisation=survivor, is_primary=True)) == [former]
    also_left.refresh_from_db()
    assert (also_left.organisation, also_left.is_primary) == (survivor, False)


def test_a_current_primary_contact_linked_to_both_stays_primary(superuser):
    survivor, other = OrganisationFactory(), OrganisationFactory()
    AffiliationFactory(organisation=survivor, is_primary=True, end_date=datetime.date(2020, 1, 1))
    person = PersonFactory()
    kept = AffiliationFactory(organisation=survivor, person=person)
    AffiliationFactory(organisation=other, person=person, is_primary=True)

    services.organisation_merge(survivor=survivor, others=[other], user=superuser)

    assert list(Affiliation.objects.filter(organisation=survivor, is_primary=True)) == [kept]


def test_a_person_affiliated_with_both_is_kept_once_with_combined_flags(superuser):
    survivor, other = OrganisationFactory(), OrganisationFactory()
    AffiliationFactory(organisation=survivor, is_primary=True)
    person = PersonFactory()
    kept = AffiliationFactory(
        organisation=survivor,
        person=person,
        role=Affiliation.Role.OTHER,
        receives_consultations=False,
        start_date=datetime.date(2021, 1, 1),
        end_date=datetime.date(2022, 1, 1),
    )
    dropped = AffiliationFactory(
        organisation=other,
        person=person,
        role=Affiliation.Role.DIRECTOR,
        job_title="Direktorė",
        is_primary=True,
        receives_consultations=True,
        start_date=datetime.date(2019, 5, 1),
        end_date=None,
    )
    dropped_history = set(
        HistoricalAffiliation.objects.filter(id=dropped.pk).values_list("history_id", flat=True)
    )

    services.organisation_merge(survivor=survivor, others=[other], user=superuser)

    assert Affiliation.objects.filter(person=person).count() == 1
    kept.refresh_from_db()
    assert kept.organisation == survivor
    assert kept.role == Affiliation.Role.DIRECTOR
    assert kept.job_title == "Direktorė"
    assert kept.receives_consultations
    assert not kept.is_primary  # the survivor already has its primary contact
    assert (kept.start_date, kept.end_date) == (datetime.date(2019, 5, 1), None)
    kept_history = set(HistoricalAffiliation.objects.filter(id=kept.pk).values_list("history_id", flat=True))
    assert dropped_history <= kept_history


def test_overlapping_membership_periods_refuse_the_merge_and_name_the_periods(superuser):
    survivor = OrganisationFactory(name="Lazerių klasteris")
    other = OrganisationFactory(name="Lazeriu klasteris")
    MembershipFactory(organisation=survivor, start_date=datetime.date(2020, 1, 1), end_date=None)
    MembershipFactory(
        organisation=other, start_date=datetime.date(2023, 1, 1), end_date=datetime.date(2023, 12, 31)
    )
    AffiliationFactory(organisation=other)

    with pytest.raises(ValidationError) as excinfo:
        services.organisation_merge(survivor=survivor, others=[other], user=superuser)

    [message] = excinfo.value.messages
    assert "2020-01-01 – …" in message
    assert "2023-01-01 – 2023-12-31" in message
    assert "Lazeriu klasteris" in message
    assert Organisation.objects.filter(pk=other.pk).exists()
    assert Affiliation.objects.filter(organisation=other).count() == 1
    assert not LogEntry.objects.exists()


def test_identical_membership_periods_are_combined_with_their_payments(superuser):
    survivor, other = OrganisationFactory(), OrganisationFactory()
    period = {"start_date": datetime.date(2024, 1, 1), "end_date": datetime.date(2024, 12, 31)}
    kept = MembershipFactory(organisation=survivor, annual_fee=None, notes="", **period)
    dropped = MembershipFactory(
        organisation=other, annual_fee=Decimal("500"), notes="Sąskaita išsiųsta", **period
    )
    _pay(kept, "250", datetime.date(2024, 3, 1))
    _pay(dropped, "250", datetime.date(2024, 9, 1))
    dropped_history = set(
        HistoricalMembership.objects.filter(id=dropped.pk).values_list("history_id", flat=True)
    )

    services.organisation_merge(survivor=survivor, others=[other], user=superuser)

    assert list(Membership.objects.filter(organisation=survivor)) == [kept]
    kept.refresh_from_db()
    assert kept.annual_fee == Decimal("500")
    assert kept.notes == "Sąskaita išsiųsta"
    assert kept.payments.count() == 2
    assert dropped_history <= set(
        HistoricalMembership.objects.filter(id=kept.pk).values_list("history_id", flat=True)
    )


@pytest.mark.parametrize(
    ("survivors", "others", "shown"),
    [
        (
            {"status": Membership.Status.APPLICANT, "annual_fee": Decimal("600")},
            {"status": Membership.Status.ACTIVE, "annual_fee": Decimal("600")},
            ["Applicant, 600.00 EUR (Lazerių klasteris)", "Active, 600.00 EUR (Lazeriu klasteris)"],
        ),
        (
            {"status": Membership.Status.ACTIVE, "annual_fee": Decimal("600")},
            {"status": Membership.Status.ACTIVE, "annual_fee": Decimal("1200")},
            ["Active, 600.00 EUR (Lazerių klasteris)", "Active, 1200.00 EUR (Lazeriu klasteris)"],
        ),
    ],
)
def test_one_membership_period_with_another_status_or_fee_in_each_refuses_the_merge(
    superuser, survivors, others, shown
):
    # Combined into one, the period would keep one record's status and fee and drop the other's:
    # an active member merged into its applicant's record would count as an applicant.
    survivor = OrganisationFactory(name="Lazerių klasteris")
    other = OrganisationFactory(name="Lazeriu klasteris")
    period = {"start_date": datetime.date(2024, 1, 1), "end_date": None}
    MembershipFactory(organisation=survivor, **period, **survivors)
    MembershipFactory(organisation=other, **period, **others)

    with pytest.raises(ValidationError) as refused:
        services.organisation_merge(survivor=survivor, others=[other], user=superuser)

    assert [error.code for error in refused.value.error_list] == ["membership_disagreement"]
    [message] = refused.value.messages
    assert message.startswith("The organisations cannot be merged because the same membership period")
    assert "2024-01-01 – …" in message
    assert all(text in message for text in shown), message
    assert Organisation.objects.filter(pk=other.pk).exists()
    assert Membership.objects.count() == 2
    assert not LogEntry.objects.exists()


def test_several_organisations_merge_at_once(superuser):
    survivor, first, second = OrganisationFactory(), OrganisationFactory(), OrganisationFactory()
    for organisation in (first, second):
        AffiliationFactory(organisation=organisation, is_primary=True)
        InteractionFactory(organisation=organisation)

    services.organisation_merge(survivor=survivor, others=[first, second], user=superuser)

    assert Organisation.objects.count() == 1
    assert survivor.affiliations.count() == 2
    assert survivor.affiliations.filter(is_primary=True).count() == 1
    assert survivor.interactions.count() == 2


def test_merge_is_atomic_a_failure_leaves_everything_as_it_was(twins, superuser):
    survivor, other = twins
    before = _counts()
    where = {
        "affiliations": set(Affiliation.objects.values_list("pk", "organisation_id", "is_primary")),
        "memberships": set(Membership.objects.values_list("pk", "organisation_id")),
        "interactions": set(Interaction.objects.values_list("pk", "organisation_id")),
        "history": set(HistoricalOrganisation.objects.values_list("history_id", "id")),
        "sectors": set(Organisation.sectors.through.objects.values_list("organisation_id", "sector_id")),
    }

    def crash(sender, instance, **kwargs):
        # The last steps fail: everything moved by then must come back.
        raise RuntimeError("disk full")

    pre_delete.connect(crash, sender=Organisation)
    try:
        with pytest.raises(RuntimeError):
            services.organisation_merge(survivor=survivor, others=[other], user=superuser)
    finally:
        pre_delete.disconnect(crash, sender=Organisation)

    assert _counts() == before
    assert where == {
        "affiliations": set(Affiliation.objects.values_list("pk", "organisation_id", "is_primary")),
        "memberships": set(Membership.objects.values_list("pk", "organisation_id")),
        "interactions": set(Interaction.objects.values_list("pk", "organisation_id")),
        "history": set(HistoricalOrganisation.objects.values_list("history_id", "id")),
        "sectors": set(Organisation.sectors.through.objects.values_list("organisation_id", "sector_id")),
    }
    assert Organisation.objects.get(pk=survivor.pk).legal_code == ""
    assert not LogEntry.objects.exists()


@pytest.mark.parametrize("case", ["no others", "survivor among others", "twice"])
def test_merge_refuses_nonsense_arguments(superuser, case):
    survivor, other = OrganisationFactory(), OrganisationFactory()
    others = {"no others": [], "survivor among others": [survivor, other], "twice": [other, other]}[case]

    with pytest.raises(ValidationError):
        services.organisation_merge(survivor=survivor, others=others, user=superuser)

    assert Organisation.objects.count() == 2


# --- persons --------------------------------------------------------------------------------------


def _moment(year: int, month: int = 1) -> datetime.datetime:
    return datetime.datetime(year, month, 1, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def person_twins():
    survivor = PersonFactory(
        first_name="Jūratė",
        last_name="Žemaitytė",
        email="jurate@klasteris.lt",
        phone="",
        consent_newsletter=True,
        consent_newsletter_at=_moment(2024),
        consent_newsletter_source=Person.ConsentSource.FORM,
        consent_consultations=False,
        consent_consultations_at=None,
        consent_consultations_source="",
        notes="Kalba angliškai.",
    )
    other = PersonFactory(
        first_name="Jurate",
        last_name="Zemaityte",
        email="j.zemaityte@gmail.com",
        phone="+37061234567",
        consent_newsletter=True,
        consent_newsletter_at=_moment(2025, 3),
        consent_newsletter_source=Person.ConsentSource.EVENT,
        consent_consultations=True,
        consent_consultations_at=_moment(2023),
        consent_consultations_source=Person.ConsentSource.EMAIL,
    )
    other.notes = "Susitikome forume."
    other.save()  # one more history record
    return survivor, other


def test_person_merge_moves_affiliations_interactions_and_history(person_twins, superuser):
    survivor, other = person_twins
    shared, own = OrganisationFactory(), OrganisationFactory()
    AffiliationFactory(person=survivor, organisation=shared, is_primary=False, receives_consultations=False)
    AffiliationFactory(person=other, organisation=shared, is_primary=True, receives_consultations=True)
    AffiliationFactory(person=other, organisation=own)
    both = InteractionFactory(organisation=shared)
    both.people.add(survivor, other)
    alone = InteractionFactory(organisation=own)
    alone.people.add(other)
    history_ids = set(HistoricalPerson.objects.values_list("history_id", flat=True))

    services.person_merge(survivor=survivor, others=[other], user=superuser)

    assert not Person.objects.filter(pk=other.pk).exists()
    affiliations = {a.organisation_id: a for a in Affiliation.objects.filter(person=survivor)}
    assert set(affiliations) == {shared.pk, own.pk}
    assert affiliations[shared.pk].is_primary  # the organisation's primary contact is kept
    assert affiliations[shared.pk].receives_consultations
    assert Affiliation.objects.count() == 2
    assert set(survivor.interactions.all()) == {both, alone}
    assert Interaction.people.through.objects.count() == 2
    assert history_ids <= set(
        HistoricalPerson.objects.filter(id=survivor.pk).values_list("history_id", flat=True)
    )
    assert not HistoricalAffiliation.objects.filter(person_id=other.pk).exists()


def test_person_merge_keeps_the_most_recent_consent_and_the_other_contacts(person_twins, superuser):
    survivor, other = person_twins

    merged = services.person_merge(survivor=survivor, others=[other], user=superuser)

    merged.refresh_from_db()
    assert merged.email == "jurate@klasteris.lt"
    assert merged.phone == "+37061234567"  # blank: filled
    assert (merged.consent_newsletter, merged.consent_newsletter_at, merged.consent_newsletter_source) == (
        True,
        _moment(2025, 3),
        Person.ConsentSource.EVENT,
    )
    assert (merged.consent_consultations, merged.consent_consultations_at) == (True, _moment(2023))
    # The other e-mail address and notes are not lost.
    assert "j.zemaityte@gmail.com" in merged.notes
    assert "Kalba angliškai." in merged.notes
    assert "Susitikome forume." in merged.notes
    merged.full_clean()


def _consent(person: Person, kind: str) -> tuple[bool, datetime.datetime | None, str]:
    person.refresh_from_db()
    return tuple(getattr(person, f"consent_{kind}{suffix}") for suffix in ("", "_at", "_source"))


def _consenting(year: int, month: int = 1, source: str = Person.ConsentSource.IMPORT) -> dict[str, object]:
    return {
        "consent_newsletter": True,
        "consent_newsletter_at": _moment(year, month),
        "consent_newsletter_source": source,
    }


def _withdraw(person: Person, *, on: datetime.datetime) -> None:
    """Staff untick the box, as in the admin: the date it was given stays."""
    with time_machine.travel(on, tick=False):
        person.consent_newsletter = False
        person.save()


@pytest.mark.parametrize("withdrawn", ["survivor", "other"])
def test_person_merge_does_not_turn_a_withdrawn_consent_back_on(superuser, withdrawn):
    with time_machine.travel(_moment(2021), tick=False):
        survivor = PersonFactory(**_consenting(2019))
        other = PersonFactory(**_consenting(2020))
    _withdraw(survivor if withdrawn == "survivor" else other, on=_moment(2025, 6))

    merged = services.person_merge(survivor=survivor, others=[other], user=superuser)

    assert _consent(merged, "newsletter")[0] is False


def test_a_withdrawal_recorded_with_its_date_wins_over_an_older_consent(superuser):
    # An import's "ne" with a date: a decision recorded, though never a consent.
    survivor = PersonFactory(
        consent_newsletter=False,
        consent_newsletter_at=_moment(2025),
        consent_newsletter_source=Person.ConsentSource.IMPORT,
    )
    other = PersonFactory(**_consenting(2020))

    merged = services.person_merge(survivor=survivor, others=[other], user=superuser)

    assert _consent(merged, "newsletter") == (False, _moment(2025), Person.ConsentSource.IMPORT)


def test_a_consent_given_after_the_withdrawal_wins(superuser):
    with time_machine.travel(_moment(2019), tick=False):
        survivor = PersonFactory(**_consenting(2019))
    _withdraw(survivor, on=_moment(2022))
    other = PersonFactory(**_consenting(2025, source=Person.ConsentSource.EVENT))

    merged = services.person_merge(survivor=survivor, others=[other], user=superuser)

    assert _consent(merged, "newsletter") == (True, _moment(2025), Person.ConsentSource.EVENT)


def test_a_consent_ticked_again_after_a_withdrawal_dates_from_the_new_tick(superuser):
    # Staff untick the box in 2022 and tick it again in 2025, its date left at 2019; the other
    # record's withdrawal of 2023 is older than the survivor's new consent.
    with time_machine.travel(_moment(2019), tick=False):
        survivor = PersonFactory(**_consenting(2019))
        other = PersonFactory(**_consenting(2019))
    _withdraw(survivor, on=_moment(2022))
    with time_machine.travel(_moment(2025), tick=False):
        survivor.consent_newsletter = True
        survivor.save()
    _withdraw(other, on=_moment(2023))

    merged = services.person_merge(survivor=survivor, others=[other], user=superuser)

    assert _consent(merged, "newsletter")[0] is True


def test_a_withdrawal_kept_by_a_merge_stays_dated_by_itself_in_a_later_merge(superuser):
    with time_machine.travel(_moment(2020), tick=False):
        survivor = PersonFactory(**_consenting(2020))
    with time_machine.travel(_moment(2022, 5), tick=False):
        undecided = PersonFactory()  # never asked: its record says "no" from May 2022
    _withdraw(survivor, on=_moment(2023, 6))
    with time_machine.travel(_moment(2023, 7), tick=False):
        services.person_merge(survivor=survivor, others=[undecided], user=superuser)
    consented = PersonFactory(**_consenting(2022, 10))  # a consent older than the withdrawal

    with time_machine.travel(_moment(2024), tick=False):
        merged = services.person_merge(survivor=survivor, others=[consented], user=superuser)

    assert _consent(merged, "newsletter")[:2] == (False, _moment(2023, 6))


def test_a_survivor_that_never_recorded_a_decision_takes_the_others_consent(superuser):
    survivor = PersonFactory(
        consent_newsletter=False, consent_newsletter_at=None, consent_newsletter_source=""
    )
    other = PersonFactory(**_consenting(2020))

    merged = services.person_merge(survivor=survivor, others=[other], user=superuser)

    assert _consent(merged, "newsletter") == (True, _moment(2020), Person.ConsentSource.IMPORT)


def test_a_survivor_s_consent_stays_when_the_other_never_recorded_a_decision(superuser):
    survivor = PersonFactory(**_consenting(2020))
    other = PersonFactory(consent_newsletter=False, consent_newsletter_at=None, consent_newsletter_source="")

    merged = services.person_merge(survivor=survivor, others=[other], user=superuser)

    assert _consent(merged, "newsletter") == (True, _moment(2020), Person.ConsentSource.IMPORT)


def test_a_survivor_without_e_mail_takes_the_others(superuser):
    survivor = PersonFactory(email="")
    other = PersonFactory(email="rasa@klasteris.lt")

    merged = services.person_merge(survivor=survivor, others=[other], user=superuser)

    merged.refresh_from_db()
    assert merged.email == "rasa@klasteris.lt"


def test_person_merge_is_logged(person_twins, superuser):
    survivor, other = person_twins

    services.person_merge(survivor=survivor, others=[other], user=superuser)

    entry = LogEntry.objects.get(object_id=str(survivor.pk), content_type__model="person")
    assert entry.user == superuser
    assert f"Jurate Zemaityte (#{other.pk})" in entry.change_message


def test_anonymised_persons_cannot_be_merged(superuser):
    survivor, other = PersonFactory(), PersonFactory(anonymised_at=timezone.now())

    with pytest.raises(ValidationError):
        services.person_merge(survivor=survivor, others=[other], user=superuser)

    assert Person.objects.count() == 2


# --- the admin ------------------------------------------------------------------------------------


def test_merge_action_asks_for_the_survivor_then_merges(twins, crm_editor):
    survivor, other = twins
    client = _client(crm_editor)
    changelist = reverse("admin:crm_organisation_changelist")
    selection = {"action": "merge_selected", "_selected_action": [survivor.pk, other.pk]}

    confirmation = client.post(changelist, {**selection, "index": 0})

    assert confirmation.status_code == 200
    html = confirmation.content.decode()
    assert 'name="survivor"' in html
    assert "siaures zvaigzde, UAB" in html
    assert "UAB „Šiaurės žvaigždė“" in html
    assert Organisation.objects.count() == 2

    done = client.post(changelist, {**selection, "survivor": survivor.pk, "post": "yes"})

    assert done.status_code == 302
    assert done["Location"] == reverse("admin:crm_organisation_change", args=[survivor.pk])
    assert list(Organisation.objects.all()) == [survivor]
    assert LogEntry.objects.filter(user=crm_editor, object_id=str(survivor.pk)).exists()


def test_merge_from_the_duplicates_page_returns_to_it(crm_editor):
    first = PersonFactory(first_name="Rūta", last_name="Onaitė")
    second = PersonFactory(first_name="Ruta", last_name="Onaite")
    organisation = OrganisationFactory()
    AffiliationFactory(person=first, organisation=organisation)
    AffiliationFactory(person=second, organisation=organisation)
    page = reverse("admin:crm_person_duplicates")
    client = _client(crm_editor)

    response = client.post(
        reverse("admin:crm_person_changelist"),
        {
            "action": "merge_selected",
            "_selected_action": [first.pk, second.pk],
            "next": page,
            "survivor": second.pk,
            "post": "yes",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == page
    assert list(Person.objects.all()) == [second]
    assert "No likely duplicates found." in client.get(page).content.decode()


def test_a_refused_merge_shows_why_on_the_confirmation_page(crm_editor):
    survivor, other = OrganisationFactory(), OrganisationFactory()
    MembershipFactory(organisation=survivor, start_date=datetime.date(2020, 1, 1))
    MembershipFactory(organisation=other, start_date=datetime.date(2021, 6, 1))

    response = _client(crm_editor).post(
        reverse("admin:crm_organisation_changelist"),
        {"action": "merge_selected", "_selected_action": [survivor.pk, other.pk], "survivor": survivor.pk},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "membership periods overlap" in html
    assert "2021-06-01" in html
    assert Organisation.objects.count() == 2


def test_merge_action_is_not_offered_without_the_merge_permission(read_only_user, crm_editor):
    url = reverse("admin:crm_organisation_changelist")
    OrganisationFactory.create_batch(2)

    assert 'value="merge_selected"' in _client(crm_editor).get(url).content.decode()
    assert 'value="merge_selected"' not in _client(read_only_user).get(url).content.decode()


def test_a_policy_officer_cannot_merge_by_posting_the_action(policy_officer):
    first, second = OrganisationFactory(), OrganisationFactory()

    _client(policy_officer).post(
        reverse("admin:crm_organisation_changelist"),
        {"action": "merge_selected", "_selected_action": [first.pk, second.pk], "survivor": first.pk},
    )

    assert Organisation.objects.count() == 2


def test_sector_and_tag_rows_are_not_duplicated(superuser):
    ict = Sector.objects.get(code="ict")
    survivor, other = OrganisationFactory(sectors=["ict"]), OrganisationFactory(sectors=["ict"])

    services.organisation_merge(survivor=survivor, others=[other], user=superuser)

    assert list(survivor.sectors.all()) == [ict]


# --- relations from other apps, found by introspection --------------------------------------------


def test_relations_from_other_apps_move_to_the_survivor(superuser):
    from consultations.models import Consultation, Invitation

    survivor, other = OrganisationFactory(), OrganisationFactory()
    consultation = Consultation.objects.create(
        title="Dėl Inovacijų įstatymo pakeitimo", requesting_institution=other
    )
    consultation.audience_organisations.add(survivor, other)
    invitation = Invitation.objects.create(consultation=consultation, organisation=other)

    services.organisation_merge(survivor=survivor, others=[other], user=superuser)

    invitation.refresh_from_db()
    consultation.refresh_from_db()
    assert invitation.organisation == survivor
    assert consultation.requesting_institution == survivor
    assert list(consultation.audience_organisations.all()) == [survivor]


def test_a_clash_in_another_apps_records_refuses_the_merge_and_changes_nothing(superuser):
    from positions.models import PaperAttribution
    from tests.positions.factories import PaperFactory

    survivor, other = OrganisationFactory(), OrganisationFactory()
    AffiliationFactory(organisation=other)
    paper = PaperFactory()
    for organisation in (survivor, other):
        PaperAttribution.objects.create(paper=paper, organisation=organisation)

    with pytest.raises(ValidationError) as excinfo:
        services.organisation_merge(survivor=survivor, others=[other], user=superuser)

    assert "attributions" in excinfo.value.messages[0]
    assert Organisation.objects.count() == 3  # the two and the paper's addressee
    assert Affiliation.objects.filter(organisation=other).count() == 1
    assert PaperAttribution.objects.filter(organisation=other).count() == 1


def test_two_merged_away_persons_in_one_organisation_end_as_one_affiliation_of_the_survivor(superuser):
    survivor, first, second = PersonFactory(), PersonFactory(), PersonFactory()
    organisation = OrganisationFactory()
    AffiliationFactory(person=first, organisation=organisation, role=Affiliation.Role.OTHER)
    AffiliationFactory(
        person=second, organisation=organisation, role=Affiliation.Role.DIRECTOR, is_primary=True
    )

    services.person_merge(survivor=survivor, others=[first, second], user=superuser)

    [affiliation] = Affiliation.objects.all()
    assert affiliation.person == survivor
    assert affiliation.organisation == organisation
    assert affiliation.role == Affiliation.Role.DIRECTOR
    assert affiliation.is_primary


def test_two_merged_away_organisations_sharing_a_person_end_as_one_affiliation(superuser):
    survivor, first, second = OrganisationFactory(), OrganisationFactory(), OrganisationFactory()
    person = PersonFactory()
    AffiliationFactory(person=person, organisation=first, receives_consultations=False)
    AffiliationFactory(person=person, organisation=second, receives_consultations=True, is_primary=True)

    services.organisation_merge(survivor=survivor, others=[first, second], user=superuser)

    [affiliation] = Affiliation.objects.all()
    assert (affiliation.person, affiliation.organisation) == (person, survivor)
    assert affiliation.receives_consultations
    assert affiliation.is_primary


# --- many-to-many tables: a bare pair is kept once, a row with data of its own is never dropped ----


def test_organisations_both_in_a_papers_annex_and_among_a_proposals_supporters_end_there_once(superuser):
    from positions.models import PaperSupporter, ProposalSupporter
    from tests.positions.factories import PaperFactory, ProposalFactory

    survivor, other = OrganisationFactory(), OrganisationFactory()
    both, only_other = PaperFactory(), PaperFactory()
    both.supporting_organisations.set([survivor, other])
    only_other.supporting_organisations.set([other])
    proposal = ProposalFactory(paper=both)
    proposal.supporting_organisations.set([other, survivor])

    services.organisation_merge(survivor=survivor, others=[other], user=superuser)

    assert list(both.supporting_organisations.all()) == [survivor]
    assert list(only_other.supporting_organisations.all()) == [survivor]
    assert list(proposal.supporting_organisations.all()) == [survivor]
    assert PaperSupporter.objects.count() == 2
    assert ProposalSupporter.objects.count() == 1
    entry = LogEntry.objects.get(object_id=str(survivor.pk))
    assert "position papers: 1" in entry.change_message  # the paper that listed only the other


def test_only_many_to_many_tables_of_bare_pairs_are_de_duplicated_on_merge():
    from consultations.models import Consultation
    from positions.models import PaperSupporter, ProposalSupporter

    pair_tables = services._pair_tables()

    assert {PaperSupporter, ProposalSupporter} <= pair_tables  # declared as models, yet bare pairs
    assert {
        Organisation.sectors.through,
        Organisation.tags.through,
        Interaction.people.through,
        Consultation.audience_organisations.through,
    } <= pair_tables
    assert all(len(table._meta.concrete_fields) == 3 for table in pair_tables)


@isolate_apps("crm")
def test_a_many_to_many_table_with_data_of_its_own_is_not_a_pair_table():
    """A table with a column of its own (a role) is moved row by row on merge, never de-duplicated."""

    class Project(models.Model):  # noqa: DJ008 - a test model
        organisations = models.ManyToManyField(Organisation, through="Participation", related_name="+")
        members = models.ManyToManyField(Organisation, through="Member", related_name="+")

        class Meta:
            app_label = "crm"

    class Participation(models.Model):  # noqa: DJ008 - a test model
        project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
        organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
        role = models.CharField(max_length=20)

        class Meta:
            app_label = "crm"

    class Member(models.Model):  # noqa: DJ008 - a test model
        project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
        organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")

        class Meta:
            app_label = "crm"

    assert services._pair_tables([Project]) == {Member}


def test_a_merge_refused_for_clashing_records_names_them(superuser):
    from positions.models import PaperAttribution
    from tests.positions.factories import PaperFactory

    original = OrganisationFactory(name="Agroinovacijų klasteris „Žalioji vaga“")
    duplicate = OrganisationFactory(name='Agroinovacijų klasteris "Žalioji vaga"', legal_code="")
    paper = PaperFactory(subject="Dėl žemės ūkio inovacijų")
    for organisation in (original, duplicate):
        PaperAttribution.objects.create(paper=paper, organisation=organisation)

    with pytest.raises(ValidationError) as refused:
        services.organisation_merge(survivor=original, others=[duplicate], user=superuser)

    (message,) = refused.value.messages
    assert message == (
        "The records cannot be merged automatically: their related records clash (attributions: "
        'Agroinovacijų klasteris "Žalioji vaga"). Resolve them first, '
        "or ask a colleague who may."
    )
    assert Organisation.objects.filter(pk=duplicate.pk).exists()
