"""A consultation may ask for amendment proposals on several draft acts, a proposals question each:
a paper drafted from it keeps their provisions apart ("5 straipsnis" of the law is not "5
straipsnis" of the order) and its proposals table prints each act's lines under the act's name."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from consultations import services as consultation_services
from consultations.answers import AnswerValue, ProposalValue
from consultations.models import AccessLink, Consultation, Question
from positions import consolidation, pdf, services
from positions.consolidation import GroupDecision
from positions.letter import paper_letter
from positions.models import PaperProposal, PositionPaper, ProposalGroup
from positions.selectors import paper_for_document
from tests.admin_forms import change_form_data
from tests.consultations.factories import ConsultationFactory, QuestionFactory, member_organisation
from tests.positions import pdf_reading
from tests.positions.factories import PublicInstitutionFactory, address_in_dative, issuer_with_requisites

pytestmark = pytest.mark.django_db

LAW = "Dėl Inovacijų įstatymo pakeitimo projekto"
ORDER = "Dėl ministro įsakymo projekto"
# A question longer than 255 characters, with a word across the 255th.
LONG_LAW = (
    "Dėl Lietuvos Respublikos inovacijų įstatymo Nr. XIII-1234 2, 5, 7, 9, 12 ir 15 straipsnių "
    "pakeitimo ir papildymo 16 straipsniu įstatymo projekto Nr. 25-12345(2), kurį Ekonomikos ir "
    "inovacijų ministerija pateikė derinti kartu su lydinčiais teisės aktų projektais ir jų "
    "aiškinamuoju raštu, nuostatų dėl klasterių finansavimo"
)
MARK = {LAW: "įstatymui", ORDER: "įsakymui", LONG_LAW: "įstatymui"}
TABLE_TITLE = "Pasiūlymai dėl projekto pakeitimų"


def _table_text(paper: PositionPaper) -> str:
    """The PDF's text from the proposals table's title on (the sections before it are headed by
    the questions, which name the acts too)."""
    text = " ".join(
        pdf_reading.full_text(pdf.letter_pdf(paper_letter(paper_for_document(paper_id=paper.pk)))).split()
    )
    return text[text.index(TABLE_TITLE) :]


def _closed(policy_officer, acts: tuple[str, ...] = (LAW, ORDER)) -> tuple[Consultation, list[Question]]:
    """Two clusters propose on "5 straipsnis" of each act; Žalgirio also on the law's 7th article."""
    saule = member_organisation(name="Saulės klasteris")
    zalgiris = member_organisation(name="Žalgirio klasteris")
    consultation = ConsultationFactory(
        organisations=[saule, zalgiris], requesting_institution=PublicInstitutionFactory()
    )
    questions = [
        QuestionFactory(consultation=consultation, position=position, kind=Question.Kind.PROPOSALS, text=text)
        for position, text in enumerate(acts, start=1)
    ]
    consultation_services.consultation_open(consultation=consultation, user=policy_officer)
    rows = {
        saule: {act: [("5 straipsnis", f"Saulės redakcija {MARK[act]}", "Aiškiau.")] for act in acts},
        zalgiris: {
            act: [("5 str.", f"Žalgirio redakcija {MARK[act]}", "Trumpiau.")]
            + ([("7 straipsnis", "Išbraukti.", "Nereikalinga.")] if act == LAW else [])
            for act in acts
        },
    }
    for organisation, by_act in rows.items():
        link = AccessLink.objects.select_related("invitation", "person").get(
            invitation__organisation=organisation
        )
        consultation_services.response_submit(
            invitation=link.invitation,
            person=link.person,
            expected_version=0,
            data={
                question.pk: AnswerValue(rows=tuple(ProposalValue(*row) for row in by_act[question.text]))
                for question in questions
            },
        )
    consultation_services.consultation_close(consultation=consultation, user=policy_officer)
    return consultation, questions


def _adopt_all(paper: PositionPaper, user) -> None:
    for group in paper.proposal_groups.all():
        consolidation.proposal_group_decide(
            group=group, user=user, decision=GroupDecision("adopt", "Pritariame.")
        )
    consolidation.paper_consolidation_apply(paper=paper, user=user)


def test_the_same_provision_of_two_acts_makes_two_groups_act_by_act(policy_officer):
    consultation, (law, order) = _closed(policy_officer)

    paper = consolidation.paper_draft_from_consultation(consultation=consultation, user=policy_officer)

    groups = list(paper.proposal_groups.order_by("position"))
    assert [(group.question, group.provision) for group in groups] == [
        (law, "5 straipsnis"),
        (law, "7 straipsnis"),
        (order, "5 straipsnis"),
    ]
    law_fifth, _seventh, order_fifth = groups
    assert sorted(entry["proposed_wording"] for entry in law_fifth.entries) == [
        f"Saulės redakcija {MARK[LAW]}",
        f"Žalgirio redakcija {MARK[LAW]}",
    ]
    assert sorted(entry["proposed_wording"] for entry in order_fifth.entries) == [
        f"Saulės redakcija {MARK[ORDER]}",
        f"Žalgirio redakcija {MARK[ORDER]}",
    ]
    assert {answer.question for answer in order_fifth.source_answers.all()} == {order}
    assert {row.answer.question for row in law_fifth.source_rows.all()} == {law}


def test_each_line_names_its_act_and_the_pdf_prints_the_acts_above_their_lines(policy_officer):
    issuer_with_requisites()
    consultation, _questions = _closed(policy_officer)
    paper = consolidation.paper_draft_from_consultation(consultation=consultation, user=policy_officer)

    _adopt_all(paper, policy_officer)

    lines = list(paper.proposals.order_by("position"))
    assert [(line.act, line.provision) for line in lines] == [
        (LAW, "5 straipsnis"),
        (LAW, "7 straipsnis"),
        (ORDER, "5 straipsnis"),
    ]
    assert MARK[ORDER] not in lines[0].proposed_wording
    text = _table_text(paper)
    # Each act's name once in the table, above its own lines.
    assert text.count(LAW) == 1 and text.count(ORDER) == 1
    assert text.index(LAW) < text.index(f"Saulės redakcija {MARK[LAW]}") < text.index(ORDER)
    assert text.index(ORDER) < text.index(f"Saulės redakcija {MARK[ORDER]}")


def test_with_one_proposals_question_the_lines_name_no_act(policy_officer):
    issuer_with_requisites()
    consultation, _questions = _closed(policy_officer, acts=(LAW,))
    paper = consolidation.paper_draft_from_consultation(consultation=consultation, user=policy_officer)

    _adopt_all(paper, policy_officer)

    assert list(paper.proposals.values_list("act", flat=True)) == ["", ""]
    text = _table_text(paper)
    assert f"Saulės redakcija {MARK[LAW]}" in text
    assert LAW not in text


def test_the_workspace_names_each_group_s_question_and_the_act_can_be_edited(policy_officer):
    consultation, _questions = _closed(policy_officer)
    paper = consolidation.paper_draft_from_consultation(consultation=consultation, user=policy_officer)
    client = Client()
    client.force_login(policy_officer)

    page = client.get(reverse("admin:positions_positionpaper_consolidation", args=[paper.pk]))

    assert page.status_code == 200
    html = page.content.decode()
    assert html.count(LAW) == 2 and html.count(ORDER) == 1
    _adopt_all(paper, policy_officer)
    change = client.get(reverse("admin:positions_positionpaper_change", args=[paper.pk]))
    assert 'name="proposals-0-act"' in change.content.decode()


def test_a_new_version_keeps_the_acts_of_its_lines(policy_officer, superuser):
    issuer_with_requisites()
    consultation, _questions = _closed(policy_officer)
    paper = consolidation.paper_draft_from_consultation(consultation=consultation, user=policy_officer)
    _adopt_all(paper, policy_officer)
    services.paper_approve(paper=address_in_dative(paper), user=superuser)
    rendering = services.paper_render(paper=paper, user=superuser)
    services.paper_mark_sent(paper=paper, user=superuser, rendering=rendering, channel="dvs")

    draft = services.paper_new_version(paper=paper, user=superuser)

    assert list(draft.proposals.order_by("position").values_list("act", flat=True)) == [LAW, LAW, ORDER]
    assert [g.question_id for g in draft.proposal_groups.order_by("position")] == [
        g.question_id for g in paper.proposal_groups.order_by("position")
    ]
    assert PaperProposal.objects.filter(paper=draft).count() == 3
    assert ProposalGroup.objects.filter(paper=draft).count() == 3


def test_a_question_longer_than_255_characters_heads_its_section_and_names_its_act_whole(policy_officer):
    assert len(LONG_LAW) > 255 and LONG_LAW[254:256].isalpha()
    issuer_with_requisites()
    consultation, _questions = _closed(policy_officer, acts=(LONG_LAW, ORDER))
    paper = consolidation.paper_draft_from_consultation(consultation=consultation, user=policy_officer)

    _adopt_all(paper, policy_officer)

    assert [section.heading for section in paper.sections.order_by("position")] == [LONG_LAW, ORDER]
    assert [line.act for line in paper.proposals.order_by("position")] == [LONG_LAW, ORDER]
    section = paper.sections.get(heading=LONG_LAW)
    section.full_clean()
    # Nothing changed by hand: the sections and lines are still written from the answers.
    applied = consolidation.paper_consolidation_apply(paper=paper, user=policy_officer)
    assert applied.kept == [] and applied.sections.kept == []
    content = pdf.letter_pdf(paper_letter(paper_for_document(paper_id=paper.pk)))
    text = " ".join(pdf_reading.full_text(content).split())
    # The section's heading, and the act's name above its lines in the table.
    assert text.count(LONG_LAW) == 2
    assert text.index(TABLE_TITLE) < text.rindex(LONG_LAW)


def test_staff_write_a_heading_and_an_act_longer_than_255_characters_in_the_admin(policy_officer):
    consultation, _questions = _closed(policy_officer)
    paper = consolidation.paper_draft_from_consultation(consultation=consultation, user=policy_officer)
    _adopt_all(paper, policy_officer)
    client = Client()
    client.force_login(policy_officer)
    url = reverse("admin:positions_positionpaper_change", args=[paper.pk])
    data = change_form_data(client.get(url))
    assert data["sections-0-heading"] == LAW
    data["sections-0-heading"] = LONG_LAW
    data["proposals-0-act"] = LONG_LAW

    response = client.post(url, data)

    assert response.status_code == 302
    assert paper.sections.order_by("position").first().heading == LONG_LAW
    assert paper.proposals.order_by("position").first().act == LONG_LAW
