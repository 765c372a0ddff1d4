from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.contrib.admin.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext

from consultations import analysis
from consultations import services as consultation_services
from consultations.analysis import proposal_group_key
from consultations.answers import AnswerValue, ProposalValue
from consultations.models import AccessLink, Consultation, ProposalRow, Question, Response
from crm import services as crm_services
from crm.models import Organisation
from positions import consolidation, pdf, selectors, services
from positions.consolidation import GroupDecision
from positions.letter import anonymous_description, paper_letter
from positions.models import PaperAttribution, PaperProposal, PaperSection, PositionPaper, ProposalGroup
from positions.selectors import paper_for_document
from tests.admin_forms import change_form_data
from tests.consultations.factories import ConsultationFactory, QuestionFactory, member_organisation
from tests.factories import OrganisationFactory
from tests.positions import pdf_reading
from tests.positions.factories import (
    PaperFactory,
    ProposalFactory,
    PublicInstitutionFactory,
    address_in_dative,
    issuer_with_requisites,
)
from tests.positions.test_pdf_layout import _fonts_of, _outside_the_margins

pytestmark = pytest.mark.django_db

SUN_TEXT = "Pritariame, bet prašome ilgesnio pereinamojo laikotarpio."
MOON_TEXT = "Mūsų nuomone, terminai per trumpi."
STAR_TEXT = "Projektui griežtai nepritariame."


@dataclass
class Closed:
    consultation: Consultation
    choice: Question
    text: Question
    proposals: Question
    orgs: dict[str, Organisation]


def _submit(consultation: Consultation, organisation: Organisation, data: dict[int, AnswerValue]) -> None:
    link = AccessLink.objects.select_related("invitation", "person").get(
        invitation__organisation=organisation
    )
    response = Response.objects.filter(consultation=consultation, organisation=organisation).first()
    consultation_services.response_submit(
        invitation=link.invitation,
        person=link.person,
        data=data,
        expected_version=response.version if response else 0,
    )


def _rows(*rows: tuple[str, str, str]) -> AnswerValue:
    return AnswerValue(rows=tuple(ProposalValue(*row) for row in rows))


@pytest.fixture
def closed(policy_officer) -> Closed:
    """A closed consultation answered by four clusters of five invited (Debesų never answered):
    three support the draft, one does not; five proposals on three provisions."""
    public = PublicInstitutionFactory(name="Ekonomikos ir inovacijų ministerija")
    orgs = {
        key: member_organisation(name=name, sectors=("ict",))
        for key, name in [
            ("sun", "Saulės klasteris"),
            ("moon", "Mėnulio klasteris"),
            ("star", "Žvaigždžių klasteris"),
            ("comet", "Kometos klasteris"),
            ("cloud", "Debesų klasteris"),
        ]
    }
    consultation = ConsultationFactory(
        title="Dėl Inovacijų įstatymo pakeitimo projekto",
        organisations=list(orgs.values()),
        responsible=policy_officer,
        requesting_institution=public,
    )
    choice = QuestionFactory(
        consultation=consultation,
        position=1,
        kind=Question.Kind.SINGLE_CHOICE,
        text="Ar pritariate projektui?",
        choices=["Pritariame", "Pritariame su pastabomis", "Nepritariame"],
    )
    text = QuestionFactory(
        consultation=consultation, position=2, kind=Question.Kind.LONG_TEXT, text="Pastabos"
    )
    proposals = QuestionFactory(
        consultation=consultation, position=3, kind=Question.Kind.PROPOSALS, text="Pasiūlymai"
    )
    consultation_services.consultation_open(consultation=consultation, user=policy_officer)
    _submit(
        consultation,
        orgs["sun"],
        {
            choice.pk: AnswerValue(choice_indexes=(0,)),
            text.pk: AnswerValue(text=SUN_TEXT),
            proposals.pk: _rows(("5 straipsnio 2 dalis", "Per 60 dienų.", "Saulės pagrindimas.")),
        },
    )
    _submit(
        consultation,
        orgs["moon"],
        {
            choice.pk: AnswerValue(choice_indexes=(0,)),
            text.pk: AnswerValue(text=MOON_TEXT),
            proposals.pk: _rows(
                ("  5 STRAIPSNIO   2 dalis ", "Per 90 dienų.", "Mėnulio pagrindimas."),
                ("7 straipsnis", "Išbraukti 7 straipsnį.", "Perteklinis reguliavimas."),
            ),
        },
    )
    _submit(
        consultation,
        orgs["star"],
        {
            choice.pk: AnswerValue(choice_indexes=(2,)),
            text.pk: AnswerValue(text=STAR_TEXT),
            proposals.pk: _rows(("9 straipsnis", "Papildyti 3 dalimi.", "Žvaigždžių pagrindimas.")),
        },
    )
    _submit(
        consultation,
        orgs["comet"],
        {
            choice.pk: AnswerValue(choice_indexes=(0,)),
            proposals.pk: _rows(("7 straipsnis", "Išbraukti 7 straipsnį.", "Kometos pagrindimas.")),
        },
    )
    # Kometos changes its working copy after submitting and never submits again: the paper
    # must use what was submitted.
    link = AccessLink.objects.select_related("invitation", "person").get(
        invitation__organisation=orgs["comet"]
    )
    consultation_services.response_save_draft(
        invitation=link.invitation,
        person=link.person,
        data={proposals.pk: _rows(("12 straipsnis", "Nepateikta ministerijai.", "Juodraštis."))},
        expected_version=Response.objects.get(organisation=orgs["comet"]).version,
    )
    consultation_services.consultation_close(consultation=consultation, user=policy_officer)
    consultation.refresh_from_db()
    return Closed(consultation, choice, text, proposals, orgs)


def _draft(closed: Closed, user) -> PositionPaper:
    return consolidation.paper_draft_from_consultation(consultation=closed.consultation, user=user)


def _paper_text(paper: PositionPaper) -> str:
    return "\n".join(f"{s.heading}\n{s.body}" for s in paper.sections.all()) + "\n".join(
        f"{p.provision} {p.proposed_wording} {p.justification}" for p in paper.proposals.all()
    )


def _group(paper: PositionPaper, provision: str) -> ProposalGroup:
    return ProposalGroup.objects.get(
        paper=paper, key=proposal_group_key(provision=provision, proposed_wording="")
    )


def _pdf_text(paper: PositionPaper) -> tuple[str, bytes]:
    content = pdf.letter_pdf(paper_letter(paper_for_document(paper_id=paper.pk)))
    return pdf_reading.full_text(content), content


# --- the draft -----------------------------------------------------------------------------------------


def test_a_draft_counts_each_choice_with_its_share_of_the_responding_organisations(closed, policy_officer):
    paper = _draft(closed, policy_officer)

    choice_section = paper.sections.get(generated_from__question=closed.choice)
    with translation.override("lt"):
        three = ngettext(
            "%(count)d of %(total)d responding organisation (%(share)d %%) chose “%(choice)s”.",
            "%(count)d of %(total)d responding organisations (%(share)d %%) chose “%(choice)s”.",
            4,
        ) % {"count": 3, "total": 4, "share": 75, "choice": "Pritariame"}
        one = ngettext(
            "%(count)d of %(total)d responding organisation (%(share)d %%) chose “%(choice)s”.",
            "%(count)d of %(total)d responding organisations (%(share)d %%) chose “%(choice)s”.",
            4,
        ) % {"count": 1, "total": 4, "share": 25, "choice": "Nepritariame"}
    assert choice_section.heading == "Ar pritariate projektui?"
    assert three in choice_section.body
    assert one in choice_section.body
    assert choice_section.body.index(three) < choice_section.body.index(one)
    assert "Pritariame su pastabomis" not in choice_section.body
    # Debesų was invited but never answered: not a responding organisation, not a supporter.
    assert set(paper.supporting_organisations.values_list("name", flat=True)) == {
        "Saulės klasteris",
        "Mėnulio klasteris",
        "Žvaigždžių klasteris",
        "Kometos klasteris",
    }
    assert paper.is_draft
    assert paper.source_consultation == closed.consultation
    assert paper.subject == "Inovacijų įstatymo pakeitimo projekto"
    assert paper.addressee.name == "Ekonomikos ir inovacijų ministerija"
    assert set(choice_section.source_answers.values_list("response__organisation__name", flat=True)) == {
        "Saulės klasteris",
        "Mėnulio klasteris",
        "Žvaigždžių klasteris",
        "Kometos klasteris",
    }


def test_text_answers_are_quoted_with_the_organisation_name(closed, policy_officer):
    paper = _draft(closed, policy_officer)

    body = paper.sections.get(generated_from__question=closed.text).body
    assert "Saulės klasteris" in body
    assert "Mėnulio klasteris" in body
    assert "Pritariame, bet prašome ilgesnio pereinamojo laikotarpio" in body.replace("\\", "")


def test_anonymous_organisations_are_described_and_excluded_ones_left_out_in_the_paper_and_pdf(
    closed, policy_officer
):
    issuer_with_requisites()
    paper = _draft(closed, policy_officer)
    PaperAttribution.objects.create(paper=paper, organisation=closed.orgs["moon"], mode="anonymous")
    PaperAttribution.objects.create(paper=paper, organisation=closed.orgs["star"], mode="excluded")
    group = _group(paper, "7 straipsnis")
    consolidation.proposal_group_decide(
        group=group, user=policy_officer, decision=GroupDecision("adopt", "Sutaria du klasteriai.")
    )
    consolidation.paper_consolidation_apply(paper=paper, user=policy_officer)

    with translation.override("lt"):
        described = anonymous_description(Organisation.objects.get(pk=closed.orgs["moon"].pk))
    paper_text = _paper_text(paper)
    assert "Mėnulio klasteris" not in paper_text
    assert described in paper_text
    assert "Žvaigždžių" not in paper_text
    assert "Projektui griežtai nepritariame" not in paper_text.replace("\\", "")
    assert "Mūsų nuomone, terminai per trumpi" in paper_text.replace("\\", "")

    text, _content = _pdf_text(paper)
    assert "Mėnulio" not in text
    assert "Žvaigždžių" not in text
    assert described in text
    assert "Saulės klasteris" in text


def test_proposals_are_grouped_by_provision_ignoring_spacing_and_case(closed, policy_officer):
    paper = _draft(closed, policy_officer)

    groups = list(paper.proposal_groups.all())
    assert [g.provision for g in groups] == ["5 straipsnio 2 dalis", "7 straipsnis", "9 straipsnis"]
    fifth = groups[0]
    assert {o.name for o in fifth.organisations.all()} == {"Saulės klasteris", "Mėnulio klasteris"}
    assert sorted(entry["proposed_wording"] for entry in fifth.entries) == ["Per 60 dienų.", "Per 90 dienų."]
    seventh = groups[1]
    assert {o.name for o in seventh.organisations.all()} == {"Mėnulio klasteris", "Kometos klasteris"}
    # Nothing reaches the paper before a decision.
    assert not paper.proposals.exists()


def test_the_submitted_version_is_used_not_the_later_working_copy(closed, policy_officer):
    paper = _draft(closed, policy_officer)

    assert not ProposalGroup.objects.filter(paper=paper, key="12 straipsnis").exists()
    seventh = _group(paper, "7 straipsnis")
    linked_rows = list(seventh.source_rows.all())
    # Kometos' working row now says "12 straipsnis": it is not what was submitted, so not linked.
    assert [row.answer.response.organisation.name for row in linked_rows] == ["Mėnulio klasteris"]
    assert {a.response.organisation.name for a in seventh.source_answers.all()} == {
        "Mėnulio klasteris",
        "Kometos klasteris",
    }
    assert ProposalRow.objects.filter(provision="12 straipsnis").exists()


# --- the annex ---------------------------------------------------------------------------------------


def _annex_wording() -> dict[str, tuple[str, str]]:
    """Each kind of annex: its title as printed (in capitals) and the body's reference to it."""
    with translation.override("lt"):
        return {
            PositionPaper.Annex.PARTICIPANTS: (
                gettext("Member organisations that took part in the consultation").upper(),
                gettext("Annex: list of the member organisations that took part in the consultation"),
            ),
            PositionPaper.Annex.SUPPORTERS: (
                gettext("Supporting member organisations").upper(),
                gettext("Annex: list of the supporting member organisations"),
            ),
        }


def test_the_draft_s_annex_lists_every_responding_member_as_having_taken_part_not_as_supporting(
    closed, policy_officer
):
    issuer_with_requisites()
    paper = _draft(closed, policy_officer)

    assert paper.annex == PositionPaper.Annex.PARTICIPANTS
    _text, content = _pdf_text(paper)
    pages = pdf_reading.pages_text(content)
    annex = pages[-1]
    participants_title, participants_reference = _annex_wording()[PositionPaper.Annex.PARTICIPANTS]
    supporters_title, supporters_reference = _annex_wording()[PositionPaper.Annex.SUPPORTERS]
    assert participants_title in annex
    assert f"{participants_reference}, 1 lapas." in " ".join(pages[:-1])
    # Žvaigždžių answered "Nepritariame": it took part, and the annex says no more than that.
    for name in ["Saulės klasteris", "Mėnulio klasteris", "Žvaigždžių klasteris", "Kometos klasteris"]:
        assert name in annex
    assert "Debesų" not in annex
    text = pdf_reading.full_text(content)
    assert supporters_title not in text
    assert supporters_reference not in text


def test_staff_who_have_the_members_agreement_title_the_annex_as_supporters_in_the_admin(
    closed, policy_officer
):
    issuer_with_requisites()
    paper = _draft(closed, policy_officer)
    client = _client(policy_officer)
    url = reverse("admin:positions_positionpaper_change", args=[paper.pk])
    data = change_form_data(client.get(url))
    assert data["annex"] == PositionPaper.Annex.PARTICIPANTS
    supporters = [closed.orgs["sun"], closed.orgs["moon"], closed.orgs["comet"]]
    data.update(
        {"annex": PositionPaper.Annex.SUPPORTERS, "supporting_organisations": [str(o.pk) for o in supporters]}
    )

    assert client.post(url, data).status_code == 302

    paper.refresh_from_db()
    assert paper.annex == PositionPaper.Annex.SUPPORTERS
    assert set(paper.supporting_organisations.all()) == set(supporters)
    _text, content = _pdf_text(paper)
    pages = pdf_reading.pages_text(content)
    supporters_title, supporters_reference = _annex_wording()[PositionPaper.Annex.SUPPORTERS]
    participants_title, participants_reference = _annex_wording()[PositionPaper.Annex.PARTICIPANTS]
    assert supporters_title in pages[-1]
    assert f"{supporters_reference}, 1 lapas." in " ".join(pages[:-1])
    assert "Saulės klasteris" in pages[-1]
    assert "Žvaigždžių" not in pages[-1]
    assert participants_title not in " ".join(pages)
    assert participants_reference not in " ".join(pages)


# --- proposals that name no provision ------------------------------------------------------------------


def _closed_with_proposals(user, *, title: str, rows: dict[str, list[tuple[str, str, str]]]) -> Consultation:
    """A closed consultation of one proposals question, which each organisation (by name)
    answered with its rows, in this order."""
    orgs = {name: member_organisation(name=name, sectors=("ict",)) for name in rows}
    consultation = ConsultationFactory(title=title, organisations=list(orgs.values()), responsible=user)
    proposals = QuestionFactory(
        consultation=consultation, position=1, kind=Question.Kind.PROPOSALS, text="Pasiūlymai"
    )
    consultation_services.consultation_open(consultation=consultation, user=user)
    for name, organisation in orgs.items():
        _submit(consultation, organisation, {proposals.pk: _rows(*rows[name])})
    consultation_services.consultation_close(consultation=consultation, user=user)
    consultation.refresh_from_db()
    return consultation


@pytest.fixture
def unnamed(policy_officer) -> Consultation:
    """A closed consultation whose members proposed wordings without naming a provision: Saulės
    and Žvaigždžių the same wording (typed differently), Mėnulio another; Kometos names one."""
    return _closed_with_proposals(
        policy_officer,
        title="Dėl Klasterių plėtros programos",
        rows={
            "Saulės klasteris": [("", "Įtraukti klasterius į stebėsenos komitetą.", "Saulės pagrindimas.")],
            "Mėnulio klasteris": [("", "Sutrumpinti vertinimo terminus.", "Mėnulio pagrindimas.")],
            "Žvaigždžių klasteris": [
                ("  ", "  įtraukti KLASTERIUS į   stebėsenos komitetą. ", "Žvaigždžių pagrindimas.")
            ],
            "Kometos klasteris": [("5 straipsnis", "Per 60 dienų.", "Kometos pagrindimas.")],
        },
    )


def test_proposals_naming_no_provision_stand_alone_unless_their_wording_is_the_same(unnamed, policy_officer):
    issuer_with_requisites()
    paper = consolidation.paper_draft_from_consultation(consultation=unnamed, user=policy_officer)

    groups = list(paper.proposal_groups.all())
    # The named provision first; then the unnamed ones, in the order they were submitted.
    assert [(g.provision, sorted(o.name for o in g.organisations.all())) for g in groups] == [
        ("5 straipsnis", ["Kometos klasteris"]),
        ("", ["Saulės klasteris", "Žvaigždžių klasteris"]),
        ("", ["Mėnulio klasteris"]),
    ]
    assert [entry["proposed_wording"] for entry in groups[1].entries] == [
        "Įtraukti klasterius į stebėsenos komitetą.",
        "  įtraukti KLASTERIUS į   stebėsenos komitetą. ",
    ]
    assert len({group.key for group in groups}) == 3

    for group in groups:
        consolidation.proposal_group_decide(
            group=group, user=policy_officer, decision=GroupDecision("adopt", "Pritariame.")
        )
    consolidation.paper_consolidation_apply(paper=paper, user=policy_officer)

    assert [(p.provision, p.proposed_wording) for p in paper.proposals.all()] == [
        ("5 straipsnis", "Per 60 dienų."),
        # The same wording typed twice is written once, as the first to submit it wrote it.
        ("", "Įtraukti klasterius į stebėsenos komitetą."),
        ("", "Sutrumpinti vertinimo terminus."),
    ]
    _text, content = _pdf_text(paper)
    rows = [row for table in pdf_reading.tables(content) for row in table]
    lines = [row for row in rows if row and row[0].rstrip(".").isdigit()]
    assert [row[0] for row in lines] == ["1.", "2.", "3."]
    with translation.override("lt"):
        proposed_by = gettext("Proposed by:")
    assert "Sutrumpinti vertinimo terminus." in lines[2][2]
    assert f"{proposed_by} Mėnulio klasteris" in lines[2][3]
    assert "Saulės" not in lines[2][3]
    assert f"{proposed_by} Saulės klasteris; Žvaigždžių klasteris" in lines[1][3]
    assert "Mėnulio" not in lines[1][3]


def test_the_draft_groups_the_proposals_as_the_consultation_s_answers_page_does(policy_officer):
    consultation = _closed_with_proposals(
        policy_officer,
        title="Dėl Inovacijų fondo",
        rows={
            "Saulės klasteris": [
                ("5 straipsnio 2 dalis", "Per 60 dienų.", "Saulės pagrindimas."),
                ("", "Įtraukti klasterius.", "Saulės pagrindimas."),
            ],
            "Mėnulio klasteris": [
                ("5 str. 2 d.", "Per 90 dienų.", "Mėnulio pagrindimas."),
                ("", "Sutrumpinti terminus.", "Mėnulio pagrindimas."),
            ],
            "Žvaigždžių klasteris": [
                ("5 str., 3 d.", "Per 30 dienų.", "Žvaigždžių pagrindimas."),
                ("", " įtraukti KLASTERIUS. ", "Žvaigždžių pagrindimas."),
            ],
        },
    )
    issuer_with_requisites()

    paper = consolidation.paper_draft_from_consultation(consultation=consultation, user=policy_officer)
    (summary,) = analysis.consultation_answers(consultation=consultation).questions

    drafted = {
        group.key: sorted(organisation.name for organisation in group.organisations.all())
        for group in paper.proposal_groups.all()
    }
    shown = {
        group.key: sorted({proposal.organisation.name for proposal in group.proposals})
        for group in summary.proposal_groups
    }
    assert drafted == shown
    assert sorted(drafted.values()) == [
        ["Mėnulio klasteris"],
        ["Mėnulio klasteris", "Saulės klasteris"],
        ["Saulės klasteris", "Žvaigždžių klasteris"],
        ["Žvaigždžių klasteris"],
    ]
    assert [group.provision for group in paper.proposal_groups.all()][:2] == [
        "5 straipsnio 2 dalis",
        "5 str., 3 d.",
    ]


def test_adopted_and_merged_proposals_reach_the_paper_and_the_pdf_and_dropped_ones_do_not(
    closed, policy_officer
):
    issuer_with_requisites()
    paper = _draft(closed, policy_officer)
    consolidation.proposal_group_decide(
        group=_group(paper, "5 straipsnio 2 dalis"),
        user=policy_officer,
        decision=GroupDecision("merge", "Du skirtingi terminai.", "Per 75 dienų.", "Kompromisas tarp narių."),
    )
    consolidation.proposal_group_decide(
        group=_group(paper, "7 straipsnis"),
        user=policy_officer,
        decision=GroupDecision("adopt", "Pritaria du."),
    )
    consolidation.proposal_group_decide(
        group=_group(paper, "9 straipsnis"),
        user=policy_officer,
        decision=GroupDecision("drop", "Prieštarauja asociacijos pozicijai."),
    )
    consolidation.paper_consolidation_apply(paper=paper, user=policy_officer)

    proposals = list(paper.proposals.all())
    assert [(p.position, p.provision, p.proposed_wording) for p in proposals] == [
        (1, "5 straipsnio 2 dalis", "Per 75 dienų."),
        (2, "7 straipsnis", "Išbraukti 7 straipsnį."),
    ]
    assert proposals[0].justification == "Kompromisas tarp narių."
    assert {o.name for o in proposals[1].supporting_organisations.all()} == {
        "Mėnulio klasteris",
        "Kometos klasteris",
    }
    assert {a.response.organisation.name for a in proposals[0].source_answers.all()} == {
        "Saulės klasteris",
        "Mėnulio klasteris",
    }
    assert proposals[0].source_rows.count() == 2

    text, content = _pdf_text(paper)
    cells = " ".join(" ".join(row) for table in pdf_reading.tables(content) for row in table)
    assert "Per 75 dienų." in cells
    assert "Išbraukti 7 straipsnį." in cells
    assert "9 straipsnis" not in text
    assert "Papildyti 3 dalimi" not in text

    # Applying again after changing a decision replaces the lines, never duplicates them.
    consolidation.proposal_group_decide(
        group=_group(paper, "7 straipsnis"),
        user=policy_officer,
        decision=GroupDecision("drop", "Persigalvojome."),
    )
    consolidation.paper_consolidation_apply(paper=paper, user=policy_officer)
    assert list(paper.proposals.values_list("provision", flat=True)) == ["5 straipsnio 2 dalis"]


def test_a_decision_needs_a_reason_and_a_merge_needs_the_wording(closed, policy_officer):
    paper = _draft(closed, policy_officer)
    group = _group(paper, "9 straipsnis")

    with pytest.raises(ValidationError) as no_reason:
        consolidation.proposal_group_decide(
            group=group, user=policy_officer, decision=GroupDecision("drop", " ")
        )
    assert "reason" in no_reason.value.message_dict
    with pytest.raises(ValidationError) as no_wording:
        consolidation.proposal_group_decide(
            group=group, user=policy_officer, decision=GroupDecision("merge", "Taip.")
        )
    assert "merged_wording" in no_wording.value.message_dict
    group.refresh_from_db()
    assert group.decision == ProposalGroup.Decision.PENDING


def test_answers_submitted_while_a_question_was_of_another_kind_are_left_out_of_the_draft(
    closed, policy_officer
):
    # Versions kept from before a question's kind changed (which staff can no longer do once
    # anyone has submitted): choices read as text, text read as choices, proposals as text.
    Question.objects.filter(pk=closed.choice.pk).update(kind=Question.Kind.SHORT_TEXT)
    Question.objects.filter(pk=closed.text.pk).update(
        kind=Question.Kind.SINGLE_CHOICE, choices=["Taip", "Ne"]
    )
    Question.objects.filter(pk=closed.proposals.pk).update(kind=Question.Kind.LONG_TEXT)

    paper = _draft(closed, policy_officer)

    for question in (closed.choice, closed.text, closed.proposals):
        body = paper.sections.get(generated_from__question=question).body
        with translation.override("lt"):
            nobody = ngettext(
                "The organisation that took part in the consultation did not answer this question.",
                "None of the %(total)d organisations that took part in the consultation answered "
                "this question.",
                4,
            ) % {"total": 4}
        assert body == nobody
    assert not paper.proposals.exists()
    assert not paper.proposal_groups.exists()


def test_a_paper_is_drafted_only_from_a_closed_consultation(policy_officer):
    consultation = ConsultationFactory(organisations=[member_organisation()], responsible=policy_officer)
    QuestionFactory(consultation=consultation)
    consultation_services.consultation_open(consultation=consultation, user=policy_officer)

    with pytest.raises(ValidationError) as refused:
        consolidation.paper_draft_from_consultation(consultation=consultation, user=policy_officer)
    assert refused.value.code == "consultation_not_closed"
    assert not PositionPaper.objects.exists()


def test_users_without_the_permissions_can_neither_draft_nor_decide(closed, policy_officer, read_only_user):
    with pytest.raises(PermissionDenied):
        _draft(closed, read_only_user)
    paper = _draft(closed, policy_officer)
    with pytest.raises(PermissionDenied):
        consolidation.proposal_group_decide(
            group=_group(paper, "9 straipsnis"), user=read_only_user, decision=GroupDecision("drop", "Ne.")
        )
    with pytest.raises(PermissionDenied):
        consolidation.paper_consolidation_apply(paper=paper, user=read_only_user)


def test_decisions_are_refused_once_the_paper_is_approved(closed, policy_officer, superuser):
    issuer_with_requisites()
    paper = address_in_dative(_draft(closed, policy_officer))

    services.paper_approve(paper=paper, user=superuser)
    with pytest.raises(ValidationError):
        consolidation.proposal_group_decide(
            group=_group(paper, "9 straipsnis"), user=policy_officer, decision=GroupDecision("drop", "Ne.")
        )


# --- the admin -----------------------------------------------------------------------------------------


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_paper_list_has_the_draft_button_and_the_page_writes_the_draft(closed, policy_officer):
    client = _client(policy_officer)
    listing = client.get(reverse("admin:positions_positionpaper_changelist"))
    url = reverse("admin:positions_positionpaper_draft_from_consultation")
    assert url in listing.content.decode()

    page = client.get(url)
    assert page.status_code == 200
    assert closed.consultation.title in page.content.decode()
    response = client.post(url, {"consultation": closed.consultation.pk, "addressee": ""})

    paper = PositionPaper.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:positions_positionpaper_consolidation", args=[paper.pk])
    assert paper.proposal_groups.count() == 3


def test_the_draft_page_offers_only_closed_consultations(closed, policy_officer):
    open_one = ConsultationFactory(title="Dėl dar atviros konsultacijos", responsible=policy_officer)
    client = _client(policy_officer)
    url = reverse("admin:positions_positionpaper_draft_from_consultation")

    assert open_one.title not in client.get(url).content.decode()
    response = client.post(url, {"consultation": open_one.pk})
    assert response.status_code == 200
    assert not PositionPaper.objects.exists()


def test_read_only_staff_get_no_draft_button_page_or_decisions(closed, policy_officer, read_only_user):
    paper = _draft(closed, policy_officer)
    client = _client(read_only_user)
    url = reverse("admin:positions_positionpaper_draft_from_consultation")

    assert url not in client.get(reverse("admin:positions_positionpaper_changelist")).content.decode()
    assert client.get(url).status_code == 403
    workspace = reverse("admin:positions_positionpaper_consolidation", args=[paper.pk])
    page = client.get(workspace)
    assert page.status_code == 200
    assert "Save decisions" not in page.content.decode()
    group = _group(paper, "9 straipsnis")
    response = client.post(
        workspace, {f"group-{group.pk}-decision": "drop", f"group-{group.pk}-reason": "Ne."}
    )
    assert response.status_code == 403
    group.refresh_from_db()
    assert group.decision == ProposalGroup.Decision.PENDING


def _workspace_data(paper: PositionPaper, decisions: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """The workspace as posted from a page showing the groups as they are now, with the decisions
    given by provision (the other groups left as they are)."""
    data = {}
    for group in paper.proposal_groups.all():
        shown = GroupDecision.of(group)
        decision = decisions.get(
            group.provision, (shown.decision, shown.reason, shown.merged_wording, shown.merged_justification)
        )
        prefix = f"group-{group.pk}-"
        data.update(
            {
                prefix + "decision": decision[0],
                prefix + "reason": decision[1],
                prefix + "merged_wording": decision[2] if len(decision) > 2 else "",
                prefix + "merged_justification": decision[3] if len(decision) > 3 else "",
                prefix + "shown": shown.fingerprint,
            }
        )
    return data


def test_the_workspace_saves_decisions_and_the_change_page_shows_which_members_back_a_line(
    closed, policy_officer
):
    paper = _draft(closed, policy_officer)
    client = _client(policy_officer)
    workspace = reverse("admin:positions_positionpaper_consolidation", args=[paper.pk])
    page = client.get(workspace).content.decode()
    assert "Per 90 dienų." in page
    assert "Mėnulio klasteris" in page

    response = client.post(
        workspace,
        _workspace_data(
            paper,
            {
                "7 straipsnis": ("adopt", "Pritaria du."),
                "9 straipsnis": ("drop", "Prieštarauja pozicijai."),
                "5 straipsnio 2 dalis": ("merge", "Kompromisas.", "Per 75 dienų."),
            },
        ),
    )
    assert response.status_code == 302
    assert list(paper.proposals.values_list("provision", flat=True)) == [
        "5 straipsnio 2 dalis",
        "7 straipsnis",
    ]

    change = client.get(reverse("admin:positions_positionpaper_change", args=[paper.pk])).content.decode()
    assert "which members back this line?" in change or "Kurie nariai" in change
    assert "Kometos klasteris" in change
    assert workspace in change


def test_the_workspace_refuses_a_decision_without_reason_and_changes_nothing(closed, policy_officer):
    paper = _draft(closed, policy_officer)
    client = _client(policy_officer)
    workspace = reverse("admin:positions_positionpaper_consolidation", args=[paper.pk])

    response = client.post(
        workspace,
        _workspace_data(paper, {"7 straipsnis": ("adopt", "Pritaria du."), "9 straipsnis": ("drop", "")}),
    )
    assert response.status_code == 200
    assert not paper.proposals.exists()
    assert _group(paper, "7 straipsnis").decision == ProposalGroup.Decision.PENDING
    assert PaperProposal.objects.count() == 0


def test_saving_the_workspace_after_a_colleague_approved_the_paper_says_so_and_returns_to_the_paper(
    closed, policy_officer, superuser
):
    issuer_with_requisites()
    paper = address_in_dative(_draft(closed, policy_officer))
    client = _client(policy_officer)
    with translation.override("lt"):
        workspace = reverse("admin:positions_positionpaper_consolidation", args=[paper.pk])
        change = reverse("admin:positions_positionpaper_change", args=[paper.pk])
    posted = _workspace_data(paper, {"7 straipsnis": ("adopt", "Pritaria du.")})
    services.paper_approve(paper=paper, user=superuser)  # while the workspace was open

    response = client.post(workspace, posted, follow=True)

    assert response.redirect_chain == [(change, 302)]
    assert [str(message) for message in response.context["messages"]] == [
        "Keisti galima tik juodraštį; šio dokumento būsena – „Patvirtintas“. Išsiųstam dokumentui kuriama nauja versija."
    ]
    assert _group(paper, "7 straipsnis").decision == ProposalGroup.Decision.PENDING


def test_saving_the_workspace_without_the_change_permission_is_forbidden(
    closed, policy_officer, read_only_user
):
    paper = _draft(closed, policy_officer)
    workspace = reverse("admin:positions_positionpaper_consolidation", args=[paper.pk])

    response = _client(read_only_user).post(
        workspace, _workspace_data(paper, {"7 straipsnis": ("adopt", "Pritaria du.")})
    )

    assert response.status_code == 403
    assert _group(paper, "7 straipsnis").decision == ProposalGroup.Decision.PENDING


def _page_data(page) -> dict[str, str]:
    """The workspace's forms as the browser posts them unchanged, with what the page showed."""
    return {
        bound.html_name: bound.value()
        for row in page.context["rows"]
        for bound in row["form"]
        if bound.value()
    }


def test_saving_the_workspace_decides_only_the_groups_changed_on_the_page(closed, policy_officer, superuser):
    paper = _draft(closed, policy_officer)
    seventh, ninth = _group(paper, "7 straipsnis"), _group(paper, "9 straipsnis")
    consolidation.proposal_group_decide(
        group=seventh, user=policy_officer, decision=GroupDecision(decision="adopt", reason="Pritaria du.")
    )
    seventh.refresh_from_db()
    client = _client(superuser)
    workspace = reverse("admin:positions_positionpaper_consolidation", args=[paper.pk])
    data = _page_data(client.get(workspace))
    data.update({f"group-{ninth.pk}-decision": "drop", f"group-{ninth.pk}-reason": "Nereikia."})

    assert client.post(workspace, data).status_code == 302

    unchanged = _group(paper, "7 straipsnis")
    assert (unchanged.decided_by, unchanged.decided_at) == (policy_officer, seventh.decided_at)
    assert _group(paper, "9 straipsnis").decided_by == superuser
    untouched = _group(paper, "5 straipsnio 2 dalis")
    assert (untouched.decision, untouched.decided_by, untouched.decided_at) == ("pending", None, None)


def _assert_kept_as_colleague_decided(group: ProposalGroup, colleague) -> None:
    group.refresh_from_db()
    assert (group.decision, group.reason, group.decided_by) == ("adopt", "Bendra nuomonė.", colleague)


def test_a_workspace_page_opened_before_a_colleague_decided_leaves_their_decision_and_line(
    closed, policy_officer, superuser
):
    paper = _draft(closed, policy_officer)
    seventh, ninth = _group(paper, "7 straipsnis"), _group(paper, "9 straipsnis")
    workspace = reverse("admin:positions_positionpaper_consolidation", args=[paper.pk])
    alice, bob = _client(superuser), _client(policy_officer)
    alice_data = _page_data(alice.get(workspace))
    bob_data = _page_data(bob.get(workspace))
    bob_data.update(
        {f"group-{seventh.pk}-decision": "adopt", f"group-{seventh.pk}-reason": "Bendra nuomonė."}
    )
    assert bob.post(workspace, bob_data).status_code == 302

    # Alice's page still shows the seventh article undecided; she drops the ninth.
    alice_data.update({f"group-{ninth.pk}-decision": "drop", f"group-{ninth.pk}-reason": "Nereikia."})
    response = alice.post(workspace, alice_data, follow=True)

    _assert_kept_as_colleague_decided(seventh, policy_officer)
    assert list(paper.proposals.values_list("provision", flat=True)) == ["7 straipsnis"]
    assert _group(paper, "9 straipsnis").decision == "drop"
    assert not [m for m in response.context["messages"] if m.level_tag == "error"]


def test_a_decision_a_colleague_changed_since_the_page_showed_it_is_refused_and_the_others_are_saved(
    closed, policy_officer, superuser
):
    paper = _draft(closed, policy_officer)
    seventh, ninth = _group(paper, "7 straipsnis"), _group(paper, "9 straipsnis")
    workspace = reverse("admin:positions_positionpaper_consolidation", args=[paper.pk])
    alice = _client(superuser)
    alice_data = _page_data(alice.get(workspace))
    consolidation.proposal_group_decide(
        group=seventh, user=policy_officer, decision=GroupDecision(decision="adopt", reason="Bendra nuomonė.")
    )
    alice_data.update(
        {
            f"group-{seventh.pk}-decision": "drop",
            f"group-{seventh.pk}-reason": "Perteklinis.",
            f"group-{ninth.pk}-decision": "drop",
            f"group-{ninth.pk}-reason": "Nereikia.",
        }
    )

    response = alice.post(workspace, alice_data, follow=True)

    _assert_kept_as_colleague_decided(seventh, policy_officer)
    assert _group(paper, "9 straipsnis").decision == "drop"
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert errors == [
        "Kolega pakeitė sprendimą dėl „7 straipsnis“ po to, kai šis puslapis buvo atvertas, todėl jūsų "
        "pakeitimas neišsaugotas. Įkelkite puslapį iš naujo ir pamatysite kolegos sprendimą."
    ]


def test_a_page_whose_every_change_a_colleague_made_first_says_nothing_was_saved(
    closed, policy_officer, superuser
):
    paper = _draft(closed, policy_officer)
    seventh = _group(paper, "7 straipsnis")
    workspace = reverse("admin:positions_positionpaper_consolidation", args=[paper.pk])
    alice = _client(superuser)
    alice_data = _page_data(alice.get(workspace))
    consolidation.proposal_group_decide(
        group=seventh, user=policy_officer, decision=GroupDecision(decision="adopt", reason="Bendra nuomonė.")
    )
    logged = LogEntry.objects.count()
    alice_data.update({f"group-{seventh.pk}-decision": "drop", f"group-{seventh.pk}-reason": "Perteklinis."})

    response = alice.post(workspace, alice_data, follow=True)

    levels = [m.level_tag for m in response.context["messages"]]
    assert "error" in levels
    assert "success" not in levels
    assert LogEntry.objects.count() == logged
    seventh.refresh_from_db()
    assert (seventh.decision, seventh.decided_by) == ("adopt", policy_officer)


def test_deciding_a_group_as_it_is_decided_keeps_who_decided_it_and_when(closed, policy_officer, superuser):
    paper = _draft(closed, policy_officer)
    decision = GroupDecision(decision="merge", reason="Du terminai.", merged_wording="Per 75 dienų.")
    decided = consolidation.proposal_group_decide(
        group=_group(paper, "5 straipsnio 2 dalis"), user=policy_officer, decision=decision
    )

    again = consolidation.proposal_group_decide(
        group=decided,
        user=superuser,
        decision=GroupDecision(decision="merge", reason="Du terminai.\r\n", merged_wording=" Per 75 dienų."),
    )

    again.refresh_from_db()
    assert (again.decided_by, again.decided_at) == (policy_officer, decided.decided_at)


def test_a_decision_on_a_group_changed_since_it_was_shown_is_refused(closed, policy_officer, superuser):
    paper = _draft(closed, policy_officer)
    group = _group(paper, "9 straipsnis")
    shown = GroupDecision.of(group).fingerprint
    consolidation.proposal_group_decide(
        group=group, user=policy_officer, decision=GroupDecision(decision="adopt", reason="Gerai.")
    )

    with pytest.raises(ValidationError) as refused:
        consolidation.proposal_group_decide(
            group=group,
            user=superuser,
            decision=GroupDecision(decision="drop", reason="Ne."),
            shown=shown,
        )

    assert refused.value.code == "decision_changed"
    group.refresh_from_db()
    assert (group.decision, group.decided_by) == ("adopt", policy_officer)


def test_a_change_page_opened_before_the_workspace_rewrote_the_lines_does_not_save_over_them(
    closed, policy_officer
):
    paper = _draft(closed, policy_officer)
    client = _client(policy_officer)
    url = reverse("admin:positions_positionpaper_change", args=[paper.pk])
    stale = change_form_data(client.get(url))
    workspace = reverse("admin:positions_positionpaper_consolidation", args=[paper.pk])
    assert (
        client.post(
            workspace, _workspace_data(paper, {"7 straipsnis": ("adopt", "Pritaria du.")})
        ).status_code
        == 302
    )
    assert paper.proposals.count() == 1

    stale["subject"] = "Kita tema"
    response = client.post(url, stale)

    assert response.status_code == 200
    assert "Kolega išsaugojo šį pozicijos dokumentą" in response.content.decode()
    paper.refresh_from_db()
    assert paper.subject != "Kita tema"
    assert paper.proposals.count() == 1


def test_the_draft_page_shows_a_refusal_of_the_paper_s_fields_as_the_page_s_errors(closed, policy_officer):
    # The drafter's e-mail comes from the user, whose record does not check it.
    policy_officer.first_name, policy_officer.last_name, policy_officer.email = "Ona", "Onaitė", "ne-adresas"
    policy_officer.save()
    client = _client(policy_officer)

    response = client.post(
        reverse("admin:positions_positionpaper_draft_from_consultation"),
        {"consultation": closed.consultation.pk},
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert "errorlist nonfield" in response.content.decode()
    assert not PositionPaper.objects.exists()


@pytest.mark.parametrize(
    ("title", "subject"),
    [
        ("Dėl „Dėl Vyriausybės nutarimo Nr. 5 pakeitimo“", "Vyriausybės nutarimo Nr. 5 pakeitimo"),
        ("Dėl Dėl Inovacijų įstatymo projekto", "Inovacijų įstatymo projekto"),
        ("„Dėl: Inovacijų įstatymo projekto“", "Inovacijų įstatymo projekto"),
        ("Dėl", "(tema dar neįrašyta)"),
    ],
)
def test_the_draft_page_writes_a_draft_of_a_consultation_titled_with_dėl_twice_or_only_dėl(
    closed, policy_officer, title, subject
):
    Consultation.objects.filter(pk=closed.consultation.pk).update(title=title)
    client = _client(policy_officer)

    response = client.post(
        reverse("admin:positions_positionpaper_draft_from_consultation"),
        {"consultation": closed.consultation.pk},
    )

    paper = PositionPaper.objects.get()
    assert response.status_code == 302
    assert paper.subject == subject
    paper.full_clean()


# --- attributions changed after drafting ------------------------------------------------------------


def _text_section(paper: PositionPaper, closed: Closed) -> PaperSection:
    return paper.sections.get(generated_from__question=closed.text)


def test_changing_an_attribution_rewrites_the_sections_written_from_the_answers(closed, policy_officer):
    paper = _draft(closed, policy_officer)
    assert "Mėnulio klasteris" in _text_section(paper, closed).body
    PaperAttribution.objects.create(paper=paper, organisation=closed.orgs["moon"], mode="anonymous")
    PaperAttribution.objects.create(paper=paper, organisation=closed.orgs["star"], mode="excluded")

    result = consolidation.paper_attributions_refresh(paper=paper, user=policy_officer)

    section = _text_section(paper, closed)
    with translation.override("lt"):
        described = anonymous_description(Organisation.objects.get(pk=closed.orgs["moon"].pk))
    assert section in result.rewritten
    assert result.kept == []
    assert "Mėnulio klasteris" not in section.body and described in section.body
    assert "Žvaigždžių" not in _paper_text(paper)
    assert "Projektui griežtai nepritariame" not in section.body.replace("\\", "")
    assert selectors.paper_attribution_leaks(paper=paper) == []

    # Named again: the name comes back.
    PaperAttribution.objects.filter(paper=paper, organisation=closed.orgs["moon"]).update(mode="named")
    consolidation.paper_attributions_refresh(paper=paper, user=policy_officer)
    assert "Mėnulio klasteris" in _text_section(paper, closed).body


def test_a_section_edited_by_hand_is_kept_and_approval_refuses_a_withheld_name(closed, policy_officer):
    issuer_with_requisites()
    paper = address_in_dative(_draft(closed, policy_officer))
    section = _text_section(paper, closed)
    section.body += "\n\nPapildomai pažymime Mėnulio klasterio ir „Mėnulio klasteris“ indėlį."
    section.save()
    PaperAttribution.objects.create(paper=paper, organisation=closed.orgs["moon"], mode="anonymous")

    result = consolidation.paper_attributions_refresh(paper=paper, user=policy_officer)

    assert result.kept == [section]
    assert _text_section(paper, closed).body == section.body
    leaks = selectors.paper_attribution_leaks(paper=paper)
    assert [leak.organisation for leak in leaks] == [closed.orgs["moon"]]
    with pytest.raises(ValidationError) as refused:
        services.paper_approve(paper=paper, user=policy_officer)
    assert "attribution_leak" in [error.code for error in refused.value.error_list]
    assert "Mėnulio klasteris" in " ".join(refused.value.messages)

    # Staff correct the text: approval goes through.
    section.body = "Pastabas pateikė vienas IRT sektoriaus klasteris."
    section.save()
    assert services.paper_approve(paper=paper, user=policy_officer).registration_number


@pytest.mark.parametrize(
    ("sentence", "leaks"),
    [
        ("Agroinovacijų klasterio „Mėnulio takas“ atstovai pritaria.", True),  # the full name, declined
        ("AGROINOVACIJU KLASTERIS MENULIO TAKAS", True),  # in capitals, without diacritics
        ("Kaip teigia „Mėnulio takas“, terminas per trumpas.", True),  # the quoted part of the name
        ("Mėnulio tako nariai siūlo ilgesnį terminą.", True),  # the quoted part, declined
        ("Mėnulis siūlo ilgesnį terminą.", True),  # the short name
        ("Pastabų pateikė Menulis.", True),  # the short name without its diacritics
        ("Terminas ilgas kaip kelionė į mėnulį ir atgal.", False),  # the short name as a common word
        ("Agroinovacijų klasteriai pritaria.", False),
    ],
)
def test_approval_finds_a_withheld_organisation_by_its_short_name_and_declined_name(
    closed, policy_officer, sentence, leaks
):
    moon = closed.orgs["moon"]
    Organisation.objects.filter(pk=moon.pk).update(
        name="Agroinovacijų klasteris „Mėnulio takas“", short_name="Mėnulis"
    )
    paper = _draft(closed, policy_officer)
    PaperAttribution.objects.create(paper=paper, organisation=moon, mode="anonymous")
    consolidation.paper_attributions_refresh(paper=paper, user=policy_officer)
    assert selectors.paper_attribution_leaks(paper=paper) == []
    section = _text_section(paper, closed)
    section.body += f"\n\n{sentence}"
    section.save()

    found = selectors.paper_attribution_leaks(paper=paper)

    assert [(leak.organisation.pk, leak.place.split(":")[0]) for leak in found] == (
        [(moon.pk, f"skyrius {section.position}")] if leaks else []
    )


@pytest.mark.parametrize("field", ["act", "provision", "proposed_wording", "justification"])
def test_approval_finds_a_withheld_name_in_any_printed_field_of_a_proposal(policy_officer, field):
    withheld = member_organisation(name="Klasteris „Žalioji vaga“")
    paper = PaperFactory()
    PaperAttribution.objects.create(paper=paper, organisation=withheld, mode="anonymous")
    proposal = ProposalFactory(paper=paper)
    setattr(proposal, field, "Klasterio „Žalioji vaga“ pasiūlymas")
    proposal.save()

    (leak,) = selectors.paper_attribution_leaks(paper=paper)

    assert leak.organisation == withheld
    assert leak.place.startswith(f"pasiūlymas {proposal.position}")


def test_approval_finds_a_withheld_name_that_the_draft_escaped_for_markdown(policy_officer):
    """A name with Markdown's special characters ("-", ".", "(", "&") is stored escaped in a
    section written from the answers ("Info\\-Tech"): the check reads the section as printed."""
    issuer_with_requisites()
    organisations = [
        member_organisation(name=name)
        for name in ("Baltic Info-Tech klasteris", "Klasteris „Sveikata & Co.“ (Kaunas)")
    ]
    consultation = ConsultationFactory(
        organisations=organisations, requesting_institution=PublicInstitutionFactory()
    )
    question = QuestionFactory(consultation=consultation, kind=Question.Kind.LONG_TEXT, text="Pastabos")
    consultation_services.consultation_open(consultation=consultation, user=policy_officer)
    for organisation in organisations:
        _submit(consultation, organisation, {question.pk: AnswerValue(text="Siūlome ilgesnį laikotarpį.")})
    consultation_services.consultation_close(consultation=consultation, user=policy_officer)
    paper = consolidation.paper_draft_from_consultation(consultation=consultation, user=policy_officer)
    section = paper.sections.get()
    assert "Info\\-Tech" in section.body
    section.body += "\n\nAsociacija šiam siūlymui pritaria."
    section.save()
    for organisation in organisations:
        PaperAttribution.objects.create(paper=paper, organisation=organisation, mode="anonymous")
    assert consolidation.paper_attributions_refresh(paper=paper, user=policy_officer).kept == [section]

    leaks = selectors.paper_attribution_leaks(paper=paper)

    assert {leak.organisation for leak in leaks} == set(organisations)
    with pytest.raises(ValidationError) as refused:
        services.paper_approve(paper=paper, user=policy_officer)
    assert "Baltic Info-Tech klasteris" in " ".join(refused.value.messages)
    # What the check reads is what the letter prints.
    letter_text = pdf_reading.full_text(pdf.letter_pdf(paper_letter(paper_for_document(paper_id=paper.pk))))
    assert "Baltic Info-Tech klasteris" in letter_text


def test_anonymous_quotes_come_after_the_named_ones(policy_officer):
    """The quotes follow the order the paper lists organisations in: named alphabetically, then
    the anonymous ones, whose place then gives nothing of their name away."""
    organisations = [
        member_organisation(name=name, sectors=("ict",))
        for name in ("Alytaus klasteris", "Biržų klasteris", "Zarasų klasteris", "Ąžuolo klasteris")
    ]
    consultation = ConsultationFactory(
        organisations=organisations, requesting_institution=PublicInstitutionFactory()
    )
    question = QuestionFactory(consultation=consultation, kind=Question.Kind.LONG_TEXT, text="Pastabos")
    consultation_services.consultation_open(consultation=consultation, user=policy_officer)
    for organisation in organisations:
        _submit(consultation, organisation, {question.pk: AnswerValue(text=f"Nuomonė: {organisation.name}")})
    consultation_services.consultation_close(consultation=consultation, user=policy_officer)
    paper = consolidation.paper_draft_from_consultation(consultation=consultation, user=policy_officer)

    def signatures() -> list[str]:
        body = paper.sections.get().body.replace("\\", "")
        return [line.removeprefix("> — ").strip("*") for line in body.splitlines() if line.startswith("> — ")]

    # Lithuanian alphabetical order: "Ą" right after "A".
    assert signatures() == ["Alytaus klasteris", "Ąžuolo klasteris", "Biržų klasteris", "Zarasų klasteris"]
    PaperAttribution.objects.create(paper=paper, organisation=organisations[1], mode="anonymous")
    consolidation.paper_attributions_refresh(paper=paper, user=policy_officer)

    with translation.override("lt"):
        described = anonymous_description(Organisation.objects.get(pk=organisations[1].pk))
    assert signatures() == ["Alytaus klasteris", "Ąžuolo klasteris", "Zarasų klasteris", described]


def test_saving_changed_attributions_in_the_admin_rewrites_the_sections(closed, policy_officer):
    paper = _draft(closed, policy_officer)
    client = _client(policy_officer)
    url = reverse("admin:positions_positionpaper_change", args=[paper.pk])
    data = change_form_data(client.get(url))
    data.update(
        {
            "attributions-TOTAL_FORMS": "1",
            "attributions-0-organisation": str(closed.orgs["sun"].pk),
            "attributions-0-mode": "excluded",
            "attributions-0-anonymous_label": "",
            "attributions-0-paper": str(paper.pk),
        }
    )

    response = client.post(url, data, follow=True)

    assert response.status_code == 200
    assert PaperAttribution.objects.get(paper=paper).mode == "excluded"
    assert "Saulės klasteris" not in _text_section(paper, closed).body
    assert "Pritariame, bet prašome ilgesnio" not in _text_section(paper, closed).body.replace("\\", "")
    messages = [str(message) for message in response.context["messages"]]
    assert any("rewritten" in message or "perrašyt" in message for message in messages), messages

    # Saving the page with the attributions unchanged leaves the sections alone.
    section = _text_section(paper, closed)
    section.body += "\n\nRanka parašytas sakinys."
    section.save()
    unchanged = change_form_data(client.get(url))
    assert client.post(url, unchanged).status_code == 302
    assert _text_section(paper, closed).body == section.body


@pytest.mark.parametrize(
    "typed", ["apie ~10 % įmonių", "a*b_c `d` [e](f) #1 +2 -3 4. !5 | 6 \\ 7", "<b>&amp;</b>"]
)
def test_member_text_is_shown_as_typed_with_no_markup_and_no_stray_backslash(typed):
    from consultations.markdown import render_markdown

    html = render_markdown(consolidation.markdown_literal(typed))
    shown = html.removeprefix("<p>").removesuffix("</p>")
    assert shown == typed.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def test_a_quoted_answer_keeps_its_lines_and_a_question_nobody_answered_says_so(policy_officer):
    organisations = [
        member_organisation(name=name, sectors=("ict",)) for name in ("Alytaus klasteris", "Biržų klasteris")
    ]
    consultation = ConsultationFactory(
        organisations=organisations, requesting_institution=PublicInstitutionFactory()
    )
    text = QuestionFactory(
        consultation=consultation, kind=Question.Kind.LONG_TEXT, text="Pastabos", position=1
    )
    unanswered = QuestionFactory(
        consultation=consultation,
        kind=Question.Kind.SINGLE_CHOICE,
        text="Ar pritariate?",
        choices=["Taip", "Ne"],
        position=2,
    )
    consultation_services.consultation_open(consultation=consultation, user=policy_officer)
    for organisation in organisations:
        _submit(
            consultation,
            organisation,
            {text.pk: AnswerValue(text="# Antraštė\n- punktas\n1) pirmas\n\nKita pastraipa.")},
        )
    consultation_services.consultation_close(consultation=consultation, user=policy_officer)

    with translation.override("lt"):
        paper = consolidation.paper_draft_from_consultation(consultation=consultation, user=policy_officer)

    from consultations.markdown import render_markdown

    quoted = render_markdown(paper.sections.get(generated_from__question=text).body)
    # The member's lines as lines, their "#", "-" and "1)" as typed, not markup.
    assert "<p># Antraštė<br>\n- punktas<br>\n1) pirmas</p>" in quoted
    assert "<p>Kita pastraipa.</p>" in quoted and "<h1>" not in quoted and "<li>" not in quoted
    assert paper.sections.get(generated_from__question=unanswered).body == (
        "Nė viena iš 2 konsultacijoje dalyvavusių organizacijų į šį klausimą neatsakė."
    )


def test_an_indented_answer_is_quoted_as_text_in_the_letter_s_font_with_no_backslash(policy_officer):
    issuer_with_requisites()
    organisation = member_organisation(name="Alytaus klasteris", sectors=("ict",))
    consultation = ConsultationFactory(
        organisations=[organisation], requesting_institution=PublicInstitutionFactory()
    )
    text = QuestionFactory(consultation=consultation, kind=Question.Kind.LONG_TEXT, text="Pastabos")
    consultation_services.consultation_open(consultation=consultation, user=policy_officer)
    indented = "Eksporto dalis turi išaugti bent 5 proc. per metus, o narių skaičius – 10 proc. " * 3
    answer = f"Siūlome:\n\n    {indented.strip()}\n\tAntra eilutė (1) su #žyma.\n\nKita pastraipa."
    _submit(consultation, organisation, {text.pk: AnswerValue(text=answer)})
    consultation_services.consultation_close(consultation=consultation, user=policy_officer)

    paper = consolidation.paper_draft_from_consultation(consultation=consultation, user=policy_officer)
    _text, content = _pdf_text(paper)

    from consultations.markdown import render_markdown

    quoted = render_markdown(paper.sections.get().body)
    assert "<pre>" not in quoted and "<code>" not in quoted
    # The indented lines still lines of their own.
    assert "10 proc.<br>\nAntra eilutė (1) su #žyma.</p>" in quoted
    printed = pdf_reading.full_text(content).replace(" ", "")
    assert indented.replace(" ", "") + "Antraeilutė(1)su#žyma." in printed
    assert "\\" not in printed
    assert _outside_the_margins(content) == []
    body_font = _fonts_of(content, {"Siūlome:", "Kita"})
    assert len(body_font) == 1
    assert _fonts_of(content, {"Eksporto", "Antra", "#žyma."}) == body_font


@pytest.mark.parametrize(
    ("title", "subject"),
    [
        (
            "„Dėl Klasterių plėtros programos 2027–2030 m. projekto“",
            "Klasterių plėtros programos 2027–2030 m. projekto",
        ),
        ("Dėl: Klasterių plėtros programos projekto", "Klasterių plėtros programos projekto"),
        (
            "„Dėl Vyriausybės nutarimo „Dėl klasterių“ pakeitimo“",
            "Vyriausybės nutarimo „Dėl klasterių“ pakeitimo",
        ),
        ("„Klasterių plėtros programa“", "Klasterių plėtros programa"),
    ],
)
def test_a_draft_s_letter_says_del_once_whatever_quotes_the_consultation_title_is_in(
    policy_officer, title, subject
):
    issuer_with_requisites()
    consultation = _closed_with_proposals(
        policy_officer, title=title, rows={"Saulės klasteris": [("5 straipsnis", "Per 60 dienų.", "Laikas.")]}
    )

    paper = consolidation.paper_draft_from_consultation(consultation=consultation, user=policy_officer)
    text, content = _pdf_text(paper)

    assert paper.subject == subject
    paper.full_clean()
    assert f"DĖL {subject.upper()}" in text
    assert text.count("DĖL") == 1 + subject.upper().count("DĖL")
    assert pdf_reading.reader(content).metadata.title == f"Dėl {subject}"


@pytest.mark.parametrize("underline", ["==========", "=", "   ===  "])
def test_a_quoted_line_of_equals_signs_is_kept_not_made_a_heading(underline):
    """A line of "=" under a line of text is a heading to Markdown (which the sanitiser leaves
    out); in a member's quote it is text, printed as typed, on its own line."""
    from consultations.markdown import render_markdown

    html = render_markdown(consolidation._quote(f"Siūlome tokią eilutę\n{underline}\nir daugiau", "Org"))

    assert "<h1" not in html
    lines = [re.sub(r"<[^>]+>", "", line).strip() for line in html.replace("<br>", "\n").splitlines()]
    assert "Siūlome tokią eilutę" in lines
    assert underline.strip() in lines
    assert "ir daugiau" in lines
    assert "&#61;" not in html
    assert "\\" not in html


def test_equals_signs_within_a_line_stay_as_typed():
    from consultations.markdown import render_markdown

    typed = "=SUM(A1:A2) ir a == b"
    assert render_markdown(consolidation.markdown_literal(typed)) == f"<p>{typed}</p>"


@pytest.mark.parametrize(
    ("count", "total", "share"),
    [
        (5, 8, 63),
        (1, 8, 13),
        (3, 8, 38),
        (7, 8, 88),
        (1, 2, 50),
        (1, 3, 33),
        (2, 3, 67),
        (1, 200, 1),
        (0, 8, 0),
    ],
)
def test_a_share_is_rounded_half_up(count, total, share):
    with translation.override("en"):
        sentence = consolidation.share_sentence(count=count, total=total, choice="Pritariame")

    assert f"({share} %)" in sentence


# --- a proposer's duplicate record merged --------------------------------------------------------------


def _proposers(group: ProposalGroup) -> list[int]:
    return [entry["organisation_id"] for entry in group.entries]


def test_the_workspace_names_the_proposer_after_its_duplicate_record_was_merged(
    closed, policy_officer, superuser
):
    paper = _draft(closed, policy_officer)
    sun = closed.orgs["sun"]
    survivor = OrganisationFactory(name="Saulės klasteris, VšĮ")

    crm_services.organisation_merge(survivor=survivor, others=[sun], user=superuser)

    group = _group(paper, "5 straipsnio 2 dalis")
    assert survivor in group.organisations.all()
    assert _proposers(group) == [survivor.pk, closed.orgs["moon"].pk]
    url = reverse("admin:positions_positionpaper_consolidation", args=[paper.pk])
    page = _client(policy_officer).get(url).content.decode()
    assert '<td class="proposer"></td>' not in page
    assert f'<td class="proposer">{survivor.name}</td>' in page


def test_a_merge_moves_the_proposals_of_an_approved_paper_and_leaves_its_letter_as_approved(
    closed, policy_officer, superuser
):
    issuer_with_requisites()
    paper = address_in_dative(_draft(closed, policy_officer))
    paper = services.paper_approve(paper=paper, user=policy_officer)
    approved_letter = paper.approved_letter
    assert "Saulės klasteris" in str(approved_letter)
    survivor = OrganisationFactory(name="Saulės klasteris, VšĮ")

    crm_services.organisation_merge(survivor=survivor, others=[closed.orgs["sun"]], user=superuser)

    paper.refresh_from_db()
    assert paper.approved_letter == approved_letter
    assert "Saulės klasteris, VšĮ" not in str(paper.approved_letter)
    assert survivor.pk in _proposers(_group(paper, "5 straipsnio 2 dalis"))


def test_moving_the_merged_proposers_costs_the_same_queries_for_two_groups_and_four(
    closed, policy_officer, superuser
):
    first, second = _draft(closed, policy_officer), _draft(closed, policy_officer)
    survivor = OrganisationFactory(name="Mėnulio klasteris, VšĮ")
    moon, comet = closed.orgs["moon"], closed.orgs["comet"]

    with CaptureQueriesContext(connection) as two_groups:
        consolidation.merge_repoint_proposal_entries(survivor=survivor, others=[comet])
    with CaptureQueriesContext(connection) as four_groups:
        consolidation.merge_repoint_proposal_entries(survivor=survivor, others=[moon])

    assert len(four_groups) == len(two_groups) == 2
    for paper in (first, second):
        assert _proposers(_group(paper, "7 straipsnis")) == [survivor.pk, survivor.pk]
        assert _proposers(_group(paper, "5 straipsnio 2 dalis")) == [closed.orgs["sun"].pk, survivor.pk]
        assert _proposers(_group(paper, "9 straipsnis")) == [closed.orgs["star"].pk]


# --- the source consultation of a drafted paper --------------------------------------------------------


def test_changing_a_drafted_paper_s_consultation_does_not_blank_its_sections(closed, policy_officer):
    paper = _draft(closed, policy_officer)
    before = {section.pk: section.body for section in paper.sections.all()}
    assert any(SUN_TEXT in body.replace("\\", "") for body in before.values())
    other = ConsultationFactory(title="Kita konsultacija")
    client = _client(policy_officer)
    url = reverse("admin:positions_positionpaper_change", args=[paper.pk])
    data = change_form_data(client.get(url))
    data["source_consultation"] = str(other.pk)

    assert client.post(url, data).status_code == 302

    paper.refresh_from_db()
    assert paper.source_consultation == closed.consultation
    PaperAttribution.objects.create(paper=paper, organisation=closed.orgs["star"], mode="anonymous")
    consolidation.paper_attributions_refresh(paper=paper, user=policy_officer)
    after = [section.body for section in paper.sections.all()]
    assert not any("iš 0" in body or "of 0" in body for body in after)
    assert any(SUN_TEXT in body.replace("\\", "") for body in after)


def test_the_change_page_shows_a_drafted_paper_s_consultation_read_only(closed, policy_officer):
    drafted = _draft(closed, policy_officer)
    empty = PaperFactory(source_consultation=None)
    client = _client(policy_officer)

    page = client.get(reverse("admin:positions_positionpaper_change", args=[drafted.pk]))
    assert "source_consultation" not in page.context["adminform"].form.fields
    assert 'name="source_consultation"' not in page.content.decode()
    assert closed.consultation.title in page.content.decode()
    # A paper not drafted from a consultation may still be given one.
    page = client.get(reverse("admin:positions_positionpaper_change", args=[empty.pk]))
    assert "source_consultation" in page.context["adminform"].form.fields


def test_saving_a_drafted_paper_with_another_consultation_is_refused(closed, policy_officer):
    paper = _draft(closed, policy_officer)
    paper.source_consultation = ConsultationFactory(title="Kita konsultacija")

    with pytest.raises(ValidationError) as refused:
        services.paper_save(paper=paper, user=policy_officer)

    assert "source_consultation" in refused.value.message_dict
    paper.refresh_from_db()
    assert paper.source_consultation == closed.consultation
    # Its other fields are saved as before.
    paper.subject = "Inovacijų įstatymo pakeitimo projekto"
    assert services.paper_save(paper=paper, user=policy_officer).subject == paper.subject


def test_sections_are_rewritten_only_from_the_answers_to_their_own_consultation(closed, policy_officer):
    paper = _draft(closed, policy_officer)
    before = {section.pk: (section.heading, section.body) for section in paper.sections.all()}
    # Changed past the page and the service (from the shell, say): the sections keep their text.
    PositionPaper.objects.filter(pk=paper.pk).update(
        source_consultation=ConsultationFactory(title="Kita konsultacija")
    )
    PaperAttribution.objects.create(paper=paper, organisation=closed.orgs["sun"], mode="excluded")

    refreshed = consolidation.paper_attributions_refresh(paper=paper, user=policy_officer)
    applied = consolidation.paper_consolidation_apply(paper=paper, user=policy_officer)

    assert refreshed.rewritten == refreshed.kept == []
    assert applied.sections.rewritten == applied.sections.kept == []
    assert {section.pk: (section.heading, section.body) for section in paper.sections.all()} == before
