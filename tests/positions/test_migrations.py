"""The annex's title added to the papers (migration 0009), forwards and back, read through the
models as the migrations build them: the current ones may not fit the tables at either end."""

from __future__ import annotations

import datetime

import pytest

from tests.migrating import migrate

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE = [("positions", "0008_proposal_lines_kept_if_edited")]
AFTER = [("positions", "0009_annex_says_what_it_lists")]


def test_only_drafts_still_listing_the_consultation_s_respondents_get_the_participants_title(
    back_to_latest,
):
    old = migrate(BEFORE)
    Consultation = old.get_model("consultations", "Consultation")
    Organisation = old.get_model("crm", "Organisation")
    Response = old.get_model("consultations", "Response")
    Paper = old.get_model("positions", "PositionPaper")
    consultation = Consultation.objects.create(title="Migracija")
    other_consultation = Consultation.objects.create(title="Kita migracija")
    alfa, beta, draft_only = (
        Organisation.objects.create(name=name, kind="cluster")
        for name in ("Klasteris Alfa", "Klasteris Beta", "Juodraščio klasteris")
    )
    now = datetime.datetime(2026, 11, 20, 10, tzinfo=datetime.UTC)
    for organisation in (alfa, beta):
        response = Response.objects.create(
            consultation=consultation, organisation=organisation, status="submitted", submitted_at=now
        )
        response.versions.create(number=1, submitted_at=now, answers=[])
    # Saved answers it never submitted: not among the respondents.
    Response.objects.create(consultation=consultation, organisation=draft_only)

    def paper(subject: str, listed, **fields):
        created = Paper.objects.create(subject=subject, **fields)
        created.supporting_organisations.set(listed)
        return created

    as_drafted = paper("Kaip parašytas", [alfa, beta], source_consultation=consultation)
    narrowed = paper("Tik pritarę", [alfa], source_consultation=consultation)
    with_a_draft = paper("Su juodraščiu", [alfa, beta, draft_only], source_consultation=consultation)
    nobody_answered = paper("Niekas neatsakė", [], source_consultation=other_consultation)
    others_listed = paper("Kitos konsultacijos", [alfa, beta], source_consultation=other_consultation)
    by_hand = paper("Ranka parašytas", [alfa, beta])
    approved = paper(
        "Patvirtintas",
        [alfa, beta],
        source_consultation=consultation,
        status="approved",
        registration_number="S-2026-902",
        registration_date="2026-11-28",
    )

    new = migrate(AFTER)

    papers = new.get_model("positions", "PositionPaper").objects
    assert dict(papers.values_list("pk", "annex")) == {
        as_drafted.pk: "participants",
        nobody_answered.pk: "participants",
        narrowed.pk: "supporters",
        with_a_draft.pk: "supporters",
        others_listed.pk: "supporters",
        by_hand.pk: "supporters",
        approved.pk: "supporters",
    }
    assert set(papers.get(pk=with_a_draft.pk).supporting_organisations.values_list("pk", flat=True)) == {
        alfa.pk,
        beta.pk,
        draft_only.pk,
    }

    back = migrate(BEFORE)
    restored = back.get_model("positions", "PositionPaper").objects
    assert restored.count() == 7
    assert list(restored.get(pk=narrowed.pk).supporting_organisations.values_list("pk", flat=True)) == [
        alfa.pk
    ]
