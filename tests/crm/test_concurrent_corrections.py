"""Two people correcting the same organisation at once: the second save waits for the first and
then meets it as a form error, never as the database's constraint (a server error).

PostgreSQL only: SQLite lets one writer at a time, so the second save cannot start before the first
has ended."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.urls import reverse

from crm import services
from crm.models import Affiliation, Membership
from tests.admin_forms import change_form_data
from tests.crm.test_organisation_inlines import _add_row, _inline_errors
from tests.factories import AffiliationFactory, OrganisationFactory, PersonFactory

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers"),
]


def _while_a_colleague_saves(colleague_save: Callable[[], None], post: Callable[[], Any]) -> Any:
    """Runs `post` while a colleague's transaction, which has locked the organisation as a save of
    the page does and written `colleague_save`, is still open; commits it once `post` is seen
    waiting, and returns what `post` returned."""
    locked, commit = threading.Event(), threading.Event()
    results: dict[str, Any] = {}

    def colleague() -> None:
        try:
            with transaction.atomic():
                colleague_save()
                locked.set()
                assert commit.wait(timeout=30)
        finally:
            connections.close_all()

    def mine() -> None:
        try:
            results["response"] = post()
        except BaseException as error:  # reported below, as the test's failure
            results["response"] = error
        finally:
            connections.close_all()

    first = threading.Thread(target=colleague)
    first.start()
    assert locked.wait(timeout=30)
    second = threading.Thread(target=mine)
    second.start()
    time.sleep(0.5)
    assert second.is_alive()  # waiting for the colleague's save
    commit.set()
    first.join(timeout=30)
    second.join(timeout=30)
    if isinstance(results["response"], BaseException):
        raise results["response"]
    return results["response"]


def test_a_membership_period_added_while_a_colleague_adds_a_clashing_one_is_a_form_error(staff_client):
    organisation = OrganisationFactory()
    url = reverse("admin:crm_organisation_change", args=[organisation.pk])
    data = change_form_data(staff_client.get(url))
    _add_row(data, "memberships", status="active", start_date="2024-01-01", end_date="2024-12-31")

    def colleague_save() -> None:
        services.organisation_lock(organisation_id=organisation.pk)
        Membership.objects.create(
            organisation=organisation, status="active", start_date="2024-06-01", end_date="2025-05-31"
        )

    response = _while_a_colleague_saves(colleague_save, lambda: staff_client.post(url, data))

    assert response.status_code == 200
    assert [error.code for error in _inline_errors(response, "memberships")] == ["membership_overlap"]
    assert list(Membership.objects.values_list("start_date", flat=True)) == [
        Membership.objects.get().start_date
    ]


def test_a_membership_added_on_its_own_page_while_a_colleague_adds_a_clashing_one_is_a_form_error(
    staff_client,
):
    organisation = OrganisationFactory()
    url = reverse("admin:crm_membership_add")
    data = change_form_data(staff_client.get(url))
    data.update(organisation=organisation.pk, status="active", start_date="2024-01-01", end_date="")

    def colleague_save() -> None:
        services.organisation_lock(organisation_id=organisation.pk)
        Membership.objects.create(organisation=organisation, status="active", start_date="2023-01-01")

    response = _while_a_colleague_saves(colleague_save, lambda: staff_client.post(url, data))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors.as_data()
    assert [error.code for error in errors["__all__"]] == ["membership_overlap"]
    assert Membership.objects.count() == 1


def test_a_primary_contact_ticked_while_a_colleague_ticks_another_is_a_form_error(staff_client):
    contact = AffiliationFactory(is_primary=False)
    organisation = contact.organisation
    url = reverse("admin:crm_organisation_change", args=[organisation.pk])
    data = change_form_data(staff_client.get(url))
    data["affiliations-0-is_primary"] = "on"

    def colleague_save() -> None:
        services.organisation_lock(organisation_id=organisation.pk)
        Affiliation.objects.create(person=PersonFactory(), organisation=organisation, is_primary=True)

    response = _while_a_colleague_saves(colleague_save, lambda: staff_client.post(url, data))

    assert response.status_code == 200
    assert [error.code for error in _inline_errors(response, "affiliations")] == ["one_primary_contact"]
    assert Affiliation.objects.filter(organisation=organisation, is_primary=True).count() == 1
