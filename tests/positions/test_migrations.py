"""The annex's title added to the papers (migration 0009), forwards and back."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from positions.models import PositionPaper

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE = [("positions", "0008_proposal_lines_kept_if_edited")]
AFTER = [("positions", "0009_annex_says_what_it_lists")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def back_to_latest():
    yield
    # Whatever happened, the database leaves the test fully migrated for the tests after it.
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_drafts_from_a_consultation_list_participants_and_registered_papers_keep_their_title(
    back_to_latest,
):
    old = _migrate(BEFORE)
    Paper = old.get_model("positions", "PositionPaper")
    consultation = old.get_model("consultations", "Consultation").objects.create(title="Migracija")
    drafted = Paper.objects.create(subject="Iš konsultacijos", source_consultation=consultation)
    by_hand = Paper.objects.create(subject="Ranka parašytas")
    approved = Paper.objects.create(
        subject="Patvirtintas",
        source_consultation=consultation,
        status="approved",
        registration_number="S-2026-902",
        registration_date="2026-11-28",
    )
    drafted.supporting_organisations.add(
        old.get_model("crm", "Organisation").objects.create(name="Migracijos klasteris", kind="cluster")
    )

    _migrate(AFTER)

    annex = dict(PositionPaper.objects.values_list("pk", "annex"))
    assert annex == {
        drafted.pk: PositionPaper.Annex.PARTICIPANTS,
        by_hand.pk: PositionPaper.Annex.SUPPORTERS,
        approved.pk: PositionPaper.Annex.SUPPORTERS,
    }
    assert PositionPaper.objects.get(pk=drafted.pk).supporting_organisations.count() == 1

    back = _migrate(BEFORE)
    assert back.get_model("positions", "PositionPaper").objects.count() == 3
