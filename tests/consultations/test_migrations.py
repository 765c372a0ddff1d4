"""The move of link tokens into their own table (migration 0003), forwards and back."""

from __future__ import annotations

import datetime

import pytest

from tests.migrating import migrate

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE = [("consultations", "0002_roles")]
AFTER = [("consultations", "0004_responseedit_changed_questions")]
HASH = "a" * 64
ISSUED = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)


def test_tokens_mailed_before_the_change_keep_working_and_the_change_can_be_undone(back_to_latest):
    old = migrate(BEFORE)
    Organisation = old.get_model("crm", "Organisation")
    Person = old.get_model("crm", "Person")
    Consultation = old.get_model("consultations", "Consultation")
    Invitation = old.get_model("consultations", "Invitation")
    AccessLink = old.get_model("consultations", "AccessLink")
    organisation = Organisation.objects.create(name="Migracijos klasteris", kind="cluster")
    person = Person.objects.create(first_name="Ona", last_name="Onaitė", email="ona@migracija.lt")
    consultation = Consultation.objects.create(title="Migracija")
    invitation = Invitation.objects.create(consultation=consultation, organisation=organisation)
    link = AccessLink.objects.create(
        invitation=invitation, person=person, token_hash=HASH, token_issued_at=ISSUED
    )
    AccessLink.objects.create(
        invitation=invitation, person=Person.objects.create(first_name="Be", last_name="Žetono")
    )

    new = migrate(AFTER)
    AccessToken = new.get_model("consultations", "AccessToken")
    (token,) = AccessToken.objects.all()
    assert (token.access_link_id, token.token_hash, token.kind, token.issued_at) == (
        link.pk,
        HASH,
        "invitation",
        ISSUED,
    )

    back = migrate(BEFORE)
    restored = back.get_model("consultations", "AccessLink").objects.get(pk=link.pk)
    assert (restored.token_hash, restored.token_issued_at) == (HASH, ISSUED)
