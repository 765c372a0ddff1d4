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


def test_existing_groups_get_the_question_of_the_answers_behind_them(back_to_latest):
    """Migration 0011: a group whose answers all answer one proposals question gets it; a group
    that mixed two questions' proposals (as drafts made before could) keeps none."""
    old = migrate([("positions", "0010_supporters_of_sent_papers_kept")])
    Consultation = old.get_model("consultations", "Consultation")
    Question = old.get_model("consultations", "Question")
    Organisation = old.get_model("crm", "Organisation")
    Response = old.get_model("consultations", "Response")
    Answer = old.get_model("consultations", "Answer")
    Paper = old.get_model("positions", "PositionPaper")
    Group = old.get_model("positions", "ProposalGroup")
    consultation = Consultation.objects.create(title="Dėl dviejų projektų")
    law, order = (
        Question.objects.create(consultation=consultation, position=position, kind="proposals", text=text)
        for position, text in ((1, "Dėl įstatymo"), (2, "Dėl įsakymo"))
    )
    response = Response.objects.create(
        consultation=consultation, organisation=Organisation.objects.create(name="Saulės klasteris")
    )
    on_law, on_order = (Answer.objects.create(response=response, question=q) for q in (law, order))
    paper = Paper.objects.create(subject="Dėl projektų", source_consultation=consultation)
    only_law = Group.objects.create(paper=paper, position=1, key="7 str", provision="7 straipsnis")
    only_law.source_answers.set([on_law])
    mixed = Group.objects.create(paper=paper, position=2, key="5 str", provision="5 straipsnis")
    mixed.source_answers.set([on_law, on_order])
    by_hand = Group.objects.create(paper=paper, position=3, key="9 str", provision="9 straipsnis")

    new = migrate([("positions", "0011_proposals_kept_apart_by_question")])

    groups = new.get_model("positions", "ProposalGroup").objects
    assert dict(groups.values_list("pk", "question_id")) == {
        only_law.pk: law.pk,
        mixed.pk: None,
        by_hand.pk: None,
    }
    lines = new.get_model("positions", "PaperProposal").objects
    assert lines.create(paper_id=paper.pk, provision="7 straipsnis").act == ""


def test_the_texts_of_drafts_get_lf_line_breaks_and_registered_texts_stay_as_they_are(back_to_latest):
    """Migration 0013: text saved from the admin before came with a browser's CRLF line breaks;
    a draft's sections, proposal lines and consolidation get LF, an approved paper's text stays as
    it was registered."""
    old = migrate([("positions", "0012_phone_extensions")])
    Paper = old.get_model("positions", "PositionPaper")
    Section = old.get_model("positions", "PaperSection")
    Generated = old.get_model("positions", "GeneratedSection")
    Proposal = old.get_model("positions", "PaperProposal")
    Group = old.get_model("positions", "ProposalGroup")
    draft = Paper.objects.create(subject="Juodraštis")
    approved = Paper.objects.create(
        subject="Patvirtintas",
        status="approved",
        registration_number="S-2026-903",
        registration_date="2026-11-28",
    )
    crlf = "- Pirma.\r\n- Antra.\rTrečia."
    lf = "- Pirma.\n- Antra.\nTrečia."
    sections = {
        paper.pk: Section.objects.create(paper=paper, position=1, body=crlf) for paper in (draft, approved)
    }
    marker = Generated.objects.create(section=sections[draft.pk], generated_body=crlf)
    line = Proposal.objects.create(paper=draft, provision="5 str.", proposed_wording=crlf, justification=crlf)
    registered_line = Proposal.objects.create(paper=approved, provision="5 str.", proposed_wording=crlf)
    group = Group.objects.create(
        paper=draft,
        key="5 str",
        provision="5 str.",
        decision="merge",
        reason=crlf,
        merged_wording=crlf,
        generated_wording=crlf,
        proposal=line,
    )
    untouched = Section.objects.create(paper=draft, position=2, body="Viena eilutė.")

    new = migrate([("positions", "0013_lf_line_breaks_addressee_in_dative")])

    sections_now = new.get_model("positions", "PaperSection").objects
    assert sections_now.get(pk=sections[draft.pk].pk).body == lf
    assert sections_now.get(pk=sections[approved.pk].pk).body == crlf
    assert sections_now.get(pk=untouched.pk).body == "Viena eilutė."
    assert new.get_model("positions", "GeneratedSection").objects.get(pk=marker.pk).generated_body == lf
    proposals = new.get_model("positions", "PaperProposal").objects
    assert (proposals.get(pk=line.pk).proposed_wording, proposals.get(pk=line.pk).justification) == (lf, lf)
    assert proposals.get(pk=registered_line.pk).proposed_wording == crlf
    group_now = new.get_model("positions", "ProposalGroup").objects.get(pk=group.pk)
    assert (group_now.reason, group_now.merged_wording, group_now.generated_wording) == (lf, lf, lf)
