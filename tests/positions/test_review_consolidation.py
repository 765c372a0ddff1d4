"""Fixes from a review of the consolidation: proposal lines staff edited survive applying the
consolidation again, a new version keeps the consolidation of the sent paper, and a PDF rendered
while the approval was withdrawn and given again is not kept."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from positions import consolidation, pdf, services
from positions.consolidation import GroupDecision
from positions.letter import paper_letter
from positions.models import (
    Dispatch,
    GeneratedSection,
    PaperAttribution,
    PaperProposal,
    PaperSection,
    PositionPaper,
    ProposalGroup,
    Rendering,
)
from positions.selectors import paper_for_document
from tests.positions import pdf_reading
from tests.positions.factories import address_in_dative, issuer_with_requisites
from tests.positions.test_consolidation import (  # noqa: F401 (the fixture is used by name)
    _client,
    _draft,
    _group,
    _text_section,
    _workspace_data,
    closed,
)

pytestmark = pytest.mark.django_db

REWORDED = "Išbraukti 7 straipsnį, o jo nuostatas perkelti į 8 straipsnį."


def _decide(paper: PositionPaper, user, decisions: dict[str, GroupDecision]) -> None:
    for provision, decision in decisions.items():
        consolidation.proposal_group_decide(group=_group(paper, provision), user=user, decision=decision)


def _consolidated(closed, user) -> PositionPaper:  # noqa: F811
    """A draft with "5 straipsnio 2 dalis" merged, "7 straipsnis" and "9 straipsnis" adopted."""
    issuer_with_requisites()
    paper = address_in_dative(_draft(closed, user))
    _decide(
        paper,
        user,
        {
            "5 straipsnio 2 dalis": GroupDecision("merge", "Du terminai.", "Per 75 dienų."),
            "7 straipsnis": GroupDecision("adopt", "Pritaria du."),
            "9 straipsnis": GroupDecision("adopt", "Pritariame."),
        },
    )
    consolidation.paper_consolidation_apply(paper=paper, user=user)
    return paper


def _line(paper: PositionPaper, provision: str) -> PaperProposal:
    return paper.proposals.get(provision=provision)


# --- lines edited by hand ---------------------------------------------------------------------------


def test_a_reworded_line_survives_applying_again_and_is_reported(closed, policy_officer):  # noqa: F811
    paper = _consolidated(closed, policy_officer)
    lines_before = {p.provision: p.pk for p in paper.proposals.all()}
    seventh = _line(paper, "7 straipsnis")
    seventh.proposed_wording = REWORDED
    seventh.save()

    _decide(paper, policy_officer, {"9 straipsnis": GroupDecision("drop", "Persigalvojome.")})
    applied = consolidation.paper_consolidation_apply(paper=paper, user=policy_officer)

    assert _line(paper, "7 straipsnis").proposed_wording == REWORDED
    assert applied.kept == [seventh]
    assert list(paper.proposals.values_list("provision", flat=True)) == [
        "5 straipsnio 2 dalis",
        "7 straipsnis",
    ]
    # The lines of unchanged groups are the same rows, not deleted and written again.
    assert {p.provision: p.pk for p in paper.proposals.all()} == {
        "5 straipsnio 2 dalis": lines_before["5 straipsnio 2 dalis"],
        "7 straipsnis": lines_before["7 straipsnis"],
    }
    assert _group(paper, "7 straipsnis").proposal_id == seventh.pk
    assert _group(paper, "9 straipsnis").proposal is None

    # And the edit reaches the PDF.
    text = pdf_reading.full_text(pdf.letter_pdf(paper_letter(paper_for_document(paper_id=paper.pk))))
    assert "perkelti į 8 straipsnį" in text


def test_lines_of_groups_that_did_not_change_keep_their_rows_and_positions(closed, policy_officer):  # noqa: F811
    paper = _consolidated(closed, policy_officer)
    # Staff put the 9th article first.
    PaperProposal.objects.filter(paper=paper, provision="9 straipsnis").update(position=0)
    before = list(paper.proposals.values_list("pk", "position", "provision"))

    applied = consolidation.paper_consolidation_apply(paper=paper, user=policy_officer)

    assert list(paper.proposals.values_list("pk", "position", "provision")) == before
    assert applied.kept == [] and applied.deleted == []


def test_an_unedited_line_is_rewritten_in_place_when_the_decision_changes(closed, policy_officer):  # noqa: F811
    paper = _consolidated(closed, policy_officer)
    fifth = _line(paper, "5 straipsnio 2 dalis")

    _decide(
        paper, policy_officer, {"5 straipsnio 2 dalis": GroupDecision("merge", "Tikslinta.", "Per 80 dienų.")}
    )
    consolidation.paper_consolidation_apply(paper=paper, user=policy_officer)

    rewritten = _line(paper, "5 straipsnio 2 dalis")
    assert (rewritten.pk, rewritten.position) == (fifth.pk, fifth.position)
    assert rewritten.proposed_wording == "Per 80 dienų."
    # Written anew, it is remembered so: staff editing it now is noticed.
    rewritten.justification = "Ranka."
    rewritten.save()
    _decide(paper, policy_officer, {"5 straipsnio 2 dalis": GroupDecision("merge", "Dar.", "Per 85 dienų.")})
    applied = consolidation.paper_consolidation_apply(paper=paper, user=policy_officer)
    assert applied.kept == [rewritten]
    assert _line(paper, "5 straipsnio 2 dalis").proposed_wording == "Per 80 dienų."


def test_an_edited_line_of_a_dropped_group_is_kept_and_reported_and_an_unedited_one_removed(
    closed,  # noqa: F811
    policy_officer,
):
    paper = _consolidated(closed, policy_officer)
    seventh = _line(paper, "7 straipsnis")
    seventh.justification = "Mūsų pačių pagrindimas."
    seventh.save()

    _decide(
        paper,
        policy_officer,
        {
            "7 straipsnis": GroupDecision("drop", "Nebeaktualu."),
            "9 straipsnis": GroupDecision("drop", "Nebeaktualu."),
        },
    )
    applied = consolidation.paper_consolidation_apply(paper=paper, user=policy_officer)

    assert applied.kept == [seventh]
    assert set(paper.proposals.values_list("provision", flat=True)) == {
        "5 straipsnio 2 dalis",
        "7 straipsnis",
    }
    # Adopted again later, the group writes its line anew once staff removed the edited one.
    seventh.delete()
    _decide(paper, policy_officer, {"9 straipsnis": GroupDecision("adopt", "Vis dėlto.")})
    consolidation.paper_consolidation_apply(paper=paper, user=policy_officer)
    assert _line(paper, "9 straipsnis").proposed_wording == "Papildyti 3 dalimi."
    assert not paper.proposals.filter(provision="7 straipsnis").exists()


def test_a_line_deleted_by_hand_stays_deleted_and_is_reported_until_the_decision_changes(
    closed,  # noqa: F811
    policy_officer,
):
    paper = _consolidated(closed, policy_officer)
    _line(paper, "9 straipsnis").delete()

    applied = consolidation.paper_consolidation_apply(paper=paper, user=policy_officer)

    assert not paper.proposals.filter(provision="9 straipsnis").exists()
    assert applied.deleted == [_group(paper, "9 straipsnis")]
    _decide(paper, policy_officer, {"9 straipsnis": GroupDecision("merge", "Trumpiau.", "Papildyti.")})
    consolidation.paper_consolidation_apply(paper=paper, user=policy_officer)
    assert _line(paper, "9 straipsnis").proposed_wording == "Papildyti."


def test_the_workspace_warns_of_the_lines_kept_as_edited(closed, policy_officer):  # noqa: F811
    paper = _consolidated(closed, policy_officer)
    seventh = _line(paper, "7 straipsnis")
    seventh.proposed_wording = REWORDED
    seventh.save()
    client = _client(policy_officer)
    workspace = reverse("admin:positions_positionpaper_consolidation", args=[paper.pk])

    response = client.post(
        workspace,
        _workspace_data(
            paper,
            {
                "5 straipsnio 2 dalis": ("merge", "Du terminai.", "Per 75 dienų."),
                "7 straipsnis": ("adopt", "Pritaria du."),
                "9 straipsnis": ("drop", "Persigalvojome."),
            },
        ),
        follow=True,
    )

    assert response.status_code == 200
    assert _line(paper, "7 straipsnis").proposed_wording == REWORDED
    warnings = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert len(warnings) == 1
    assert f"{seventh.position}. 7 straipsnis" in warnings[0]


def test_lines_written_before_the_migration_that_staff_edited_are_kept(closed, policy_officer):  # noqa: F811
    paper = _consolidated(closed, policy_officer)
    # As before the migration: nothing remembered, and one line already edited by hand.
    ProposalGroup.objects.filter(paper=paper).update(
        generated_provision="", generated_wording="", generated_justification=""
    )
    PaperProposal.objects.filter(paper=paper, provision="7 straipsnis").update(proposed_wording=REWORDED)
    migration = importlib.import_module("positions.migrations.0008_proposal_lines_kept_if_edited")

    migration.forward(apps, None)
    applied = consolidation.paper_consolidation_apply(paper=paper, user=policy_officer)

    assert [line.provision for line in applied.kept] == ["7 straipsnis"]
    assert _line(paper, "7 straipsnis").proposed_wording == REWORDED
    assert _group(paper, "5 straipsnio 2 dalis").generated_wording == "Per 75 dienų."


# --- a new version keeps the consolidation ---------------------------------------------------------


def _sent(paper: PositionPaper, superuser) -> PositionPaper:
    services.paper_approve(paper=paper, user=superuser)
    rendering = services.paper_render(paper=paper, user=superuser)
    services.paper_mark_sent(paper=paper, user=superuser, rendering=rendering, channel=Dispatch.Channel.DVS)
    return paper


def test_a_new_version_copies_the_groups_their_decisions_and_the_generated_sections(
    closed,  # noqa: F811
    policy_officer,
    superuser,
):
    paper = _consolidated(closed, policy_officer)
    seventh = _line(paper, "7 straipsnis")
    seventh.proposed_wording = REWORDED
    seventh.save()
    sent = _sent(paper, superuser)

    draft = services.paper_new_version(paper=sent, user=superuser)

    groups = {g.provision: g for g in draft.proposal_groups.all()}
    originals = {g.provision: g for g in sent.proposal_groups.all()}
    assert set(groups) == set(originals)
    for provision, group in groups.items():
        original = originals[provision]
        assert group.pk != original.pk
        assert (group.key, group.entries, group.decision, group.reason, group.merged_wording) == (
            original.key,
            original.entries,
            original.decision,
            original.reason,
            original.merged_wording,
        )
        assert (group.decided_by, group.decided_at) == (original.decided_by, original.decided_at)
        assert group.question_id == original.question_id == closed.proposals.pk
        assert set(group.organisations.all()) == set(original.organisations.all())
        assert set(group.source_rows.all()) == set(original.source_rows.all())
        assert set(group.source_answers.all()) == set(original.source_answers.all())
    # Each group points at the copy of its line, in the new draft.
    assert groups["5 straipsnio 2 dalis"].proposal == _line(draft, "5 straipsnio 2 dalis")
    assert groups["7 straipsnis"].proposal == _line(draft, "7 straipsnis")
    assert groups["9 straipsnis"].proposal.paper_id == draft.pk
    # The sent paper keeps its own.
    assert originals["7 straipsnis"].proposal == seventh
    # The sections written from the questions are marked so in the draft, on the copies.
    markers = GeneratedSection.objects.filter(section__paper=draft)
    assert markers.count() == GeneratedSection.objects.filter(section__paper=sent).count() == 3
    assert {m.question_id for m in markers} == {closed.choice.pk, closed.text.pk, closed.proposals.pk}
    assert GeneratedSection.objects.filter(section__paper=sent).count() == 3

    # Applying the consolidation to the draft keeps the copied lines, the edited one as edited.
    lines = set(draft.proposals.values_list("pk", flat=True))
    applied = consolidation.paper_consolidation_apply(paper=draft, user=policy_officer)
    assert set(draft.proposals.values_list("pk", flat=True)) == lines
    assert [line.provision for line in applied.kept] == ["7 straipsnis"]
    assert _line(draft, "7 straipsnis").proposed_wording == REWORDED


def test_changing_an_attribution_in_a_new_version_rewrites_its_generated_sections(
    closed,  # noqa: F811
    policy_officer,
    superuser,
):
    sent = _sent(_consolidated(closed, policy_officer), superuser)
    draft = services.paper_new_version(paper=sent, user=superuser)
    PaperAttribution.objects.create(paper=draft, organisation=closed.orgs["moon"], mode="excluded")

    result = consolidation.paper_attributions_refresh(paper=draft, user=policy_officer)

    section = _text_section(draft, closed)
    assert section in result.rewritten
    assert isinstance(section, PaperSection) and section.paper_id == draft.pk
    assert "Mėnulio klasteris" not in section.body
    assert "Mėnulio klasteris" in _text_section(sent, closed).body


# --- a rendering that raced with a new approval ----------------------------------------------------


def test_a_pdf_rendered_while_the_approval_was_withdrawn_and_given_again_is_not_kept(
    closed,  # noqa: F811
    policy_officer,
    superuser,
    monkeypatch,
):
    paper = services.paper_approve(paper=_consolidated(closed, policy_officer), user=superuser)
    cancelled = paper.registration_number
    render_letter = pdf.render_letter

    def withdrawn_and_approved_meanwhile(letter, **kwargs):
        services.paper_withdraw_approval(paper=paper, user=superuser, reason="Pataisytas tekstas.")
        section = paper.sections.first()
        section.body += "\n\nPataisyta po atšaukimo."
        section.save()
        services.paper_approve(paper=paper, user=superuser)
        return render_letter(letter, **kwargs)

    monkeypatch.setattr(pdf, "render_letter", withdrawn_and_approved_meanwhile)
    with pytest.raises(ValidationError) as refused:
        services.paper_render(paper=paper, user=superuser)

    assert refused.value.code == "changed"
    assert not Rendering.objects.filter(paper=paper).exists()
    paper.refresh_from_db()
    assert paper.registration_number != cancelled

    # Rendered again, the PDF bears the new number only.
    monkeypatch.setattr(pdf, "render_letter", render_letter)
    rendering = services.paper_render(paper=paper, user=superuser)
    text = pdf_reading.full_text(rendering.file.open("rb").read())
    assert paper.registration_number in text
    assert cancelled not in text
    assert "Pataisyta po atšaukimo." in text


def test_a_draft_saved_while_its_pdf_was_rendered_is_rendered_again(closed, policy_officer, monkeypatch):  # noqa: F811
    paper = _consolidated(closed, policy_officer)
    render_letter = pdf.render_letter

    def saved_meanwhile(letter, **kwargs):
        fresh = PositionPaper.objects.get(pk=paper.pk)
        fresh.subject = "Inovacijų įstatymo pakeitimo projekto (patikslinta)"
        services.paper_save(paper=fresh, user=policy_officer)
        return render_letter(letter, **kwargs)

    monkeypatch.setattr(pdf, "render_letter", saved_meanwhile)
    with pytest.raises(ValidationError) as refused:
        services.paper_render(paper=paper, user=policy_officer)

    assert refused.value.code == "changed"
    assert not Rendering.objects.filter(paper=paper).exists()
