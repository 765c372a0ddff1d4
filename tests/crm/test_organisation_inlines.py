"""The organisation page's contact and membership inlines: rules that span several rows are
form errors on the page, never a database error on save."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from crm.models import Affiliation, Membership, Organisation, Payment
from tests.admin_forms import change_form_data
from tests.factories import AffiliationFactory, MembershipFactory, OrganisationFactory, PersonFactory

pytestmark = pytest.mark.django_db


def _add_row(data: dict[str, object], prefix: str, **fields: object) -> None:
    """A new row in the inline, as the page's "Add another" link makes it."""
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = index + 1
    for name, value in fields.items():
        data[f"{prefix}-{index}-{name}"] = value


def _inline_errors(response, prefix: str) -> list:
    for inline in response.context["inline_admin_formsets"]:
        if inline.formset.prefix == prefix:
            return inline.formset.non_form_errors().as_data()
    raise AssertionError(f"no inline {prefix}")


def _change(client: Client, organisation: Organisation) -> tuple[str, dict[str, object]]:
    url = reverse("admin:crm_organisation_change", args=[organisation.pk])
    return url, change_form_data(client.get(url))


def _assert_refused(response, prefix: str, code: str) -> None:
    assert response.status_code == 200
    errors = _inline_errors(response, prefix)
    assert [error.code for error in errors] == [code]
    # Shown on the page, in whichever language the catalogue gives it.
    assert errors[0].messages[0] in response.content.decode()


# Primary contact: one an organisation.


def test_ticking_a_new_primary_contact_beside_the_old_one_is_a_form_error(staff_client):
    old = AffiliationFactory(is_primary=True)
    organisation = old.organisation
    newcomer = PersonFactory()
    url, data = _change(staff_client, organisation)
    _add_row(data, "affiliations", person=newcomer.pk, role="representative", is_primary="on")

    response = staff_client.post(url, data)

    _assert_refused(response, "affiliations", "one_primary_contact")
    assert list(Affiliation.objects.filter(organisation=organisation)) == [old]
    old.refresh_from_db()
    assert old.is_primary


def test_swapping_the_primary_contact_to_a_new_person_in_one_save_works(staff_client):
    old = AffiliationFactory(is_primary=True)
    organisation = old.organisation
    newcomer = PersonFactory()
    url, data = _change(staff_client, organisation)
    del data["affiliations-0-is_primary"]
    _add_row(data, "affiliations", person=newcomer.pk, role="representative", is_primary="on")

    response = staff_client.post(url, data)

    assert response.status_code == 302
    assert Affiliation.objects.get(organisation=organisation, is_primary=True).person == newcomer
    old.refresh_from_db()
    assert not old.is_primary


def test_swapping_the_primary_contact_between_two_saved_contacts_works(staff_client):
    old = AffiliationFactory(is_primary=True)
    organisation = old.organisation
    other = AffiliationFactory(organisation=organisation)
    url, data = _change(staff_client, organisation)
    rows = {data[f"affiliations-{i}-id"]: i for i in range(2)}
    del data[f"affiliations-{rows[old.pk]}-is_primary"]
    data[f"affiliations-{rows[other.pk]}-is_primary"] = "on"

    response = staff_client.post(url, data)

    assert response.status_code == 302
    assert Affiliation.objects.get(organisation=organisation, is_primary=True) == other


def test_ticking_a_second_saved_contact_is_a_form_error(staff_client):
    old = AffiliationFactory(is_primary=True)
    organisation = old.organisation
    other = AffiliationFactory(organisation=organisation)
    url, data = _change(staff_client, organisation)
    row = next(i for i in range(2) if data[f"affiliations-{i}-id"] == other.pk)
    data[f"affiliations-{row}-is_primary"] = "on"

    response = staff_client.post(url, data)

    _assert_refused(response, "affiliations", "one_primary_contact")
    assert Affiliation.objects.get(organisation=organisation, is_primary=True) == old


def test_a_deleted_primary_contact_leaves_room_for_a_new_one(staff_client):
    old = AffiliationFactory(is_primary=True)
    organisation = old.organisation
    newcomer = PersonFactory()
    url, data = _change(staff_client, organisation)
    data["affiliations-0-DELETE"] = "on"
    _add_row(data, "affiliations", person=newcomer.pk, role="representative", is_primary="on")

    response = staff_client.post(url, data)

    assert response.status_code == 302
    assert list(
        Affiliation.objects.filter(organisation=organisation).values_list("person", "is_primary")
    ) == [(newcomer.pk, True)]


def test_a_primary_contact_saved_while_the_page_was_open_counts(staff_client):
    organisation = OrganisationFactory()
    url, data = _change(staff_client, organisation)
    meanwhile = AffiliationFactory(organisation=organisation, is_primary=True)
    _add_row(data, "affiliations", person=PersonFactory().pk, role="representative", is_primary="on")

    response = staff_client.post(url, data)

    _assert_refused(response, "affiliations", "one_primary_contact")
    assert list(Affiliation.objects.filter(organisation=organisation)) == [meanwhile]


# Membership periods: never overlapping.


def _membership(start: str, end: str = "") -> dict[str, object]:
    return {"status": "active", "start_date": start, "end_date": end}


def test_two_new_overlapping_memberships_are_a_form_error_on_the_change_page(staff_client):
    organisation = OrganisationFactory()
    url, data = _change(staff_client, organisation)
    _add_row(data, "memberships", **_membership("2024-01-01", "2024-12-31"))
    _add_row(data, "memberships", **_membership("2024-06-01", "2025-05-31"))

    response = staff_client.post(url, data)

    _assert_refused(response, "memberships", "membership_overlap")
    assert _inline_errors(response, "memberships")[0].params == {
        "first": "2024-01-01 – 2024-12-31",
        "second": "2024-06-01 – 2025-05-31",
    }
    assert not Membership.objects.exists()


def test_two_new_overlapping_memberships_are_a_form_error_on_the_add_page(staff_client):
    url = reverse("admin:crm_organisation_add")
    data = change_form_data(staff_client.get(url))
    data["name"] = "Klasteris „Naujokas“"
    _add_row(data, "memberships", **_membership("2023-01-01"))
    _add_row(data, "memberships", **_membership("2025-01-01", "2025-12-31"))

    response = staff_client.post(url, data)

    _assert_refused(response, "memberships", "membership_overlap")
    assert not Organisation.objects.filter(name="Klasteris „Naujokas“").exists()
    assert not Membership.objects.exists()


def test_a_period_ending_on_the_day_the_next_starts_overlaps_it(staff_client):
    organisation = OrganisationFactory()
    url, data = _change(staff_client, organisation)
    _add_row(data, "memberships", **_membership("2024-01-01", "2024-12-31"))
    _add_row(data, "memberships", **_membership("2024-12-31"))

    response = staff_client.post(url, data)

    _assert_refused(response, "memberships", "membership_overlap")
    assert not Membership.objects.exists()


def test_a_saved_membership_moved_onto_a_new_one_is_a_form_error(staff_client):
    saved = MembershipFactory(start_date=datetime.date(2020, 1, 1), end_date=datetime.date(2020, 12, 31))
    organisation = saved.organisation
    url, data = _change(staff_client, organisation)
    data["memberships-0-end_date"] = "2022-12-31"
    _add_row(data, "memberships", **_membership("2022-01-01", "2022-06-30"))

    response = staff_client.post(url, data)

    _assert_refused(response, "memberships", "membership_overlap")
    assert list(Membership.objects.values_list("start_date", "end_date")) == [
        (datetime.date(2020, 1, 1), datetime.date(2020, 12, 31))
    ]


def test_an_ended_membership_without_its_end_is_an_error_on_its_end_date(staff_client):
    organisation = OrganisationFactory()
    url, data = _change(staff_client, organisation)
    _add_row(data, "memberships", **{**_membership("2020-01-01"), "status": "ended"})

    with translation.override("lt"):
        response = staff_client.post(url, data)

    assert response.status_code == 200
    [inline] = [
        inline
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.prefix == "memberships"
    ]
    assert inline.formset.forms[0].errors == {
        "end_date": ["Nurodykite, kurią dieną pasibaigusi narystė baigėsi."]
    }
    assert not Membership.objects.exists()


def test_new_memberships_that_follow_each_other_are_saved(staff_client):
    organisation = OrganisationFactory()
    url, data = _change(staff_client, organisation)
    _add_row(data, "memberships", **_membership("2023-01-01", "2023-12-31"))
    _add_row(data, "memberships", **_membership("2024-01-01"))

    response = staff_client.post(url, data)

    assert response.status_code == 302
    assert list(organisation.memberships.order_by("start_date").values_list("start_date", "end_date")) == [
        (datetime.date(2023, 1, 1), datetime.date(2023, 12, 31)),
        (datetime.date(2024, 1, 1), None),
    ]


def test_new_memberships_that_follow_each_other_are_saved_with_a_new_organisation(staff_client):
    url = reverse("admin:crm_organisation_add")
    data = change_form_data(staff_client.get(url))
    data["name"] = "Klasteris „Naujokas“"
    _add_row(data, "memberships", **_membership("2023-01-01", "2023-12-31"))
    _add_row(data, "memberships", **_membership("2024-01-01"))

    response = staff_client.post(url, data)

    assert response.status_code == 302
    assert Organisation.objects.get(name="Klasteris „Naujokas“").memberships.count() == 2


def test_a_deleted_membership_does_not_clash_with_the_others_on_the_page(staff_client):
    organisation = OrganisationFactory()
    url, data = _change(staff_client, organisation)
    _add_row(data, "memberships", **_membership("2024-01-01", "2024-12-31"))
    _add_row(data, "memberships", **_membership("2024-06-01"), DELETE="on")

    response = staff_client.post(url, data)

    assert response.status_code == 302
    assert list(organisation.memberships.values_list("start_date", flat=True)) == [datetime.date(2024, 1, 1)]


def test_ending_a_membership_and_adding_the_next_in_one_save_works(staff_client):
    current = MembershipFactory(start_date=datetime.date(2020, 1, 1), end_date=None)
    organisation = current.organisation
    url, data = _change(staff_client, organisation)
    data["memberships-0-end_date"] = "2023-12-31"
    _add_row(data, "memberships", **_membership("2024-01-01"))

    response = staff_client.post(url, data)

    assert response.status_code == 302
    assert list(organisation.memberships.order_by("start_date").values_list("start_date", "end_date")) == [
        (datetime.date(2020, 1, 1), datetime.date(2023, 12, 31)),
        (datetime.date(2024, 1, 1), None),
    ]


def test_a_membership_saved_while_the_page_was_open_counts(staff_client):
    organisation = OrganisationFactory()
    url, data = _change(staff_client, organisation)
    MembershipFactory(organisation=organisation, start_date=datetime.date(2024, 1, 1), end_date=None)
    _add_row(data, "memberships", **_membership("2025-01-01"))

    response = staff_client.post(url, data)

    _assert_refused(response, "memberships", "membership_overlap")
    assert organisation.memberships.count() == 1


# Correcting saved periods: saved in an order the database's no-overlap rule accepts.


def _applicant_then_active(organisation: Organisation) -> tuple[Membership, Membership]:
    applicant = MembershipFactory(
        organisation=organisation,
        status=Membership.Status.APPLICANT,
        start_date=datetime.date(2024, 1, 1),
        end_date=datetime.date(2024, 3, 31),
    )
    active = MembershipFactory(organisation=organisation, start_date=datetime.date(2024, 4, 1), end_date=None)
    return applicant, active


def _rows(data: dict[str, object], *memberships: Membership) -> list[int]:
    """The inline's row of each membership (the page lists the latest period first)."""
    rows = {data[f"memberships-{i}-id"]: i for i in range(int(data["memberships-TOTAL_FORMS"]))}
    return [rows[membership.pk] for membership in memberships]


def _periods(organisation: Organisation) -> list[tuple[int, datetime.date, datetime.date | None]]:
    return list(organisation.memberships.order_by("start_date").values_list("pk", "start_date", "end_date"))


def test_moving_the_boundary_between_two_saved_periods_earlier_saves_both(staff_client):
    organisation = OrganisationFactory()
    applicant, active = _applicant_then_active(organisation)
    url, data = _change(staff_client, organisation)
    applicant_row, active_row = _rows(data, applicant, active)
    # The board approved the membership on 1 March, not 1 April.
    data[f"memberships-{active_row}-start_date"] = "2024-03-01"
    data[f"memberships-{applicant_row}-end_date"] = "2024-02-29"

    response = staff_client.post(url, data)

    assert response.status_code == 302
    assert _periods(organisation) == [
        (applicant.pk, datetime.date(2024, 1, 1), datetime.date(2024, 2, 29)),
        (active.pk, datetime.date(2024, 3, 1), None),
    ]


def test_moving_the_boundary_between_two_saved_periods_later_saves_both(staff_client):
    organisation = OrganisationFactory()
    applicant, active = _applicant_then_active(organisation)
    url, data = _change(staff_client, organisation)
    applicant_row, active_row = _rows(data, applicant, active)
    data[f"memberships-{active_row}-start_date"] = "2024-05-01"
    data[f"memberships-{applicant_row}-end_date"] = "2024-04-30"

    response = staff_client.post(url, data)

    assert response.status_code == 302
    assert _periods(organisation) == [
        (applicant.pk, datetime.date(2024, 1, 1), datetime.date(2024, 4, 30)),
        (active.pk, datetime.date(2024, 5, 1), None),
    ]


def test_deleting_a_period_and_extending_the_next_one_over_it_saves(staff_client):
    organisation = OrganisationFactory()
    applicant, active = _applicant_then_active(organisation)
    url, data = _change(staff_client, organisation)
    applicant_row, active_row = _rows(data, applicant, active)
    data[f"memberships-{applicant_row}-DELETE"] = "on"
    data[f"memberships-{active_row}-start_date"] = "2024-01-01"

    response = staff_client.post(url, data)

    assert response.status_code == 302
    assert _periods(organisation) == [(active.pk, datetime.date(2024, 1, 1), None)]


def test_two_saved_periods_that_trade_places_keep_their_payments_and_history(staff_client):
    organisation = OrganisationFactory()
    applicant, active = _applicant_then_active(organisation)
    payment = Payment.objects.create(membership=active, amount=600, paid_on=datetime.date(2024, 4, 15))
    url, data = _change(staff_client, organisation)
    applicant_row, active_row = _rows(data, applicant, active)
    # Entered the wrong way round: each period takes the other's dates, its status and fee stay.
    data[f"memberships-{applicant_row}-start_date"] = "2024-04-01"
    data[f"memberships-{applicant_row}-end_date"] = ""
    data[f"memberships-{active_row}-start_date"] = "2024-01-01"
    data[f"memberships-{active_row}-end_date"] = "2024-03-31"

    response = staff_client.post(url, data)

    assert response.status_code == 302
    assert _periods(organisation) == [
        (active.pk, datetime.date(2024, 1, 1), datetime.date(2024, 3, 31)),
        (applicant.pk, datetime.date(2024, 4, 1), None),
    ]
    payment.refresh_from_db()
    assert payment.membership_id == active.pk
    # One history record a row for the correction, with the dates as saved (none of the day a
    # row waited on while the other took its place).
    history = Membership.history.model.objects.filter(organisation=organisation)
    assert sorted(history.values_list("id", "start_date", "end_date")) == sorted(
        [
            (applicant.pk, datetime.date(2024, 1, 1), datetime.date(2024, 3, 31)),
            (active.pk, datetime.date(2024, 4, 1), None),
            (active.pk, datetime.date(2024, 1, 1), datetime.date(2024, 3, 31)),
            (applicant.pk, datetime.date(2024, 4, 1), None),
        ]
    )


def test_three_saved_periods_shifted_by_a_month_in_one_save_are_saved(staff_client):
    organisation = OrganisationFactory()
    applicant, active = _applicant_then_active(organisation)
    active.end_date = datetime.date(2024, 12, 31)
    active.save()
    later = MembershipFactory(organisation=organisation, start_date=datetime.date(2025, 1, 1), end_date=None)
    url, data = _change(staff_client, organisation)
    applicant_row, active_row, later_row = _rows(data, applicant, active, later)
    data[f"memberships-{applicant_row}-end_date"] = "2024-02-29"
    data[f"memberships-{active_row}-start_date"] = "2024-03-01"
    data[f"memberships-{active_row}-end_date"] = "2024-11-30"
    data[f"memberships-{later_row}-start_date"] = "2024-12-01"

    response = staff_client.post(url, data)

    assert response.status_code == 302
    assert _periods(organisation) == [
        (applicant.pk, datetime.date(2024, 1, 1), datetime.date(2024, 2, 29)),
        (active.pk, datetime.date(2024, 3, 1), datetime.date(2024, 11, 30)),
        (later.pk, datetime.date(2024, 12, 1), None),
    ]


def test_correcting_two_saved_periods_into_an_overlap_is_a_form_error_in_lithuanian(staff_client):
    organisation = OrganisationFactory()
    applicant, active = _applicant_then_active(organisation)
    url, data = _change(staff_client, organisation)
    _applicant_row, active_row = _rows(data, applicant, active)
    data[f"memberships-{active_row}-start_date"] = "2024-03-01"  # the applicant period still ends 31 March

    response = staff_client.post(url, data)

    _assert_refused(response, "memberships", "membership_overlap")
    assert (
        "Narystės laikotarpiai 2024-03-01 – … ir 2024-01-01 – 2024-03-31 sutampa."
        in response.content.decode()
    )
    assert _periods(organisation) == [
        (applicant.pk, datetime.date(2024, 1, 1), datetime.date(2024, 3, 31)),
        (active.pk, datetime.date(2024, 4, 1), None),
    ]
