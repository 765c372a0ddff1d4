"""Fixes from a review of the paper's admin pages in a browser: the CRLF line breaks a browser
posts do not make the sections and proposal lines written from the answers look edited by hand; a
Lithuanian paper names its addressee in the dative before it is approved; the dispatch page fills
in the institution's e-mail address, so that the PDF can be e-mailed from it as it stands."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from consultations.models import Question
from crm.models import Organisation
from positions import consolidation, selectors, services
from positions.consolidation import GroupDecision
from positions.letter import anonymous_description, paper_letter
from positions.models import (
    Dispatch,
    PaperAttribution,
    PaperProposal,
    PaperSection,
    PositionPaper,
    normalise_newlines,
    reads_the_same,
)
from positions.selectors import paper_for_document
from tests.admin_forms import change_form_data, confirm
from tests.positions.factories import (
    PaperFactory,
    ProposalFactory,
    PublicInstitutionFactory,
    SectionFactory,
    issuer_with_requisites,
)
from tests.positions.test_consolidation import (  # noqa: F401 (the fixture is used by name)
    _client,
    _draft,
    _group,
    _text_section,
    _workspace_data,
    closed,
)

pytestmark = pytest.mark.django_db

DATIVE = "Lietuvos Respublikos ekonomikos ir inovacijų ministerijai"


def _as_a_browser_posts(data: dict[str, object]) -> dict[str, object]:
    """The form's data with each line break as a browser sends a textarea's: CRLF."""
    return {
        name: value.replace("\n", "\r\n") if isinstance(value, str) else value for name, value in data.items()
    }


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _change_url(paper: PositionPaper) -> str:
    return reverse("admin:positions_positionpaper_change", args=[paper.pk])


# --- CRLF line breaks --------------------------------------------------------------------------------


def test_text_keeps_its_line_breaks_as_lf_whatever_it_was_typed_with():
    assert normalise_newlines("Pirma.\r\nAntra.\rTrečia.\n") == "Pirma.\nAntra.\nTrečia.\n"
    assert reads_the_same("- Taip\r\n- Ne\r\n", "- Taip\n- Ne")
    assert not reads_the_same("- Taip\r\n- Ne", "- Taip\n- Gal")
    section = PaperSection(paper=PaperFactory(), body="Pirma.\r\n\r\nAntra.")
    proposal = PaperProposal(
        paper=section.paper, provision="5 str.", proposed_wording="A\r\nB", justification="C\rD"
    )
    section.full_clean()
    proposal.full_clean()
    assert (section.body, proposal.proposed_wording, proposal.justification) == (
        "Pirma.\n\nAntra.",
        "A\nB",
        "C\nD",
    )


def test_an_organisation_made_anonymous_on_the_page_a_browser_posts_is_rewritten_and_approved(
    closed,  # noqa: F811
    policy_officer,
):
    """The browser review: on the paper's page, an attribution row made anonymous, then "Save and
    continue editing". The browser posts the sections' text with CRLF; they are still the sections
    as written from the answers, so they are rewritten, no section is listed as edited by hand, and
    approval is not refused for a withheld name."""
    issuer_with_requisites()
    paper = _draft(closed, policy_officer)
    client = _client(policy_officer)
    url = _change_url(paper)
    data = _as_a_browser_posts(change_form_data(client.get(url)))
    multiline = [name for name, value in data.items() if name.endswith("-body") and "\r\n" in str(value)]
    assert len(multiline) >= 2, data  # the counts and the quotes are several lines each
    data.update(
        {
            "addressee_label": DATIVE,
            "attributions-TOTAL_FORMS": "1",
            "attributions-0-organisation": str(closed.orgs["sun"].pk),
            "attributions-0-mode": "anonymous",
            "attributions-0-anonymous_label": "",
            "attributions-0-paper": str(paper.pk),
            "_continue": "1",
        }
    )

    response = client.post(url, data, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == url
    messages = _messages(response)
    assert not any("redaguoti ranka" in m or "edited by hand" in m for m in messages), messages
    assert any("perrašyt" in m or "rewritten" in m for m in messages), messages
    section = _text_section(paper, closed)
    with translation.override("lt"):
        described = anonymous_description(Organisation.objects.get(pk=closed.orgs["sun"].pk))
    assert "Saulės klasteris" not in section.body and described in section.body
    assert section.body == section.generated_from.generated_body
    assert not any("\r" in body for body in paper.sections.values_list("body", flat=True))
    assert selectors.paper_attribution_leaks(paper=paper) == []

    approved = confirm(client, reverse("admin:positions_positionpaper_approve", args=[paper.pk]), follow=True)

    paper.refresh_from_db()
    assert paper.status == PositionPaper.Status.APPROVED, _messages(approved)
    assert paper.registration_number in " ".join(_messages(approved))


def test_sections_stored_with_crlf_before_the_fix_are_rewritten_all_the_same(closed, policy_officer):  # noqa: F811
    paper = _draft(closed, policy_officer)
    for section in paper.sections.all():
        PaperSection.objects.filter(pk=section.pk).update(body=section.body.replace("\n", "\r\n"))
    assert "\r\n" in _text_section(paper, closed).body
    PaperAttribution.objects.create(paper=paper, organisation=closed.orgs["moon"], mode="excluded")

    result = consolidation.paper_attributions_refresh(paper=paper, user=policy_officer)

    assert result.kept == []
    assert [section.pk for section in result.rewritten] == [_text_section(paper, closed).pk]
    assert "Mėnulio klasteris" not in _text_section(paper, closed).body
    assert "\r" not in _text_section(paper, closed).body


def test_a_section_really_edited_on_the_page_is_still_kept(closed, policy_officer):  # noqa: F811
    paper = _draft(closed, policy_officer)
    client = _client(policy_officer)
    url = _change_url(paper)
    data = _as_a_browser_posts(change_form_data(client.get(url)))
    text = _text_section(paper, closed)
    name = next(name for name, value in data.items() if name.endswith("-id") and str(value) == str(text.pk))
    data[name.removesuffix("-id") + "-body"] += "\r\n\r\nMėnulio klasteris tai patvirtino raštu."
    data.update(
        {
            "attributions-TOTAL_FORMS": "1",
            "attributions-0-organisation": str(closed.orgs["moon"].pk),
            "attributions-0-mode": "anonymous",
            "attributions-0-paper": str(paper.pk),
        }
    )

    response = client.post(url, data, follow=True)

    (kept,) = [m for m in _messages(response) if "redaguoti ranka" in m or "edited by hand" in m]
    assert f"{text.position}. {text.heading}" in kept
    # Only that one: the counts, posted back with CRLF, read as written and were rewritten.
    assert closed.choice.text not in kept
    assert _text_section(paper, closed).body.endswith("Mėnulio klasteris tai patvirtino raštu.")


def test_proposal_lines_posted_with_crlf_are_rewritten_when_the_decision_changes(closed, policy_officer):  # noqa: F811
    """A merged wording typed on the workspace and a line posted back from the paper's page both
    come with CRLF; changing the decision afterwards rewrites the line, which is not edited by hand."""
    paper = _draft(closed, policy_officer)
    client = _client(policy_officer)
    workspace = reverse("admin:positions_positionpaper_consolidation", args=[paper.pk])
    decisions = {
        "5 straipsnio 2 dalis": (
            "merge",
            "Du terminai.\r\nSuderinta.",
            "Per 75 dienų.\r\n\r\nArba per 80 dienų.",
        ),
        "7 straipsnis": ("adopt", "Pritaria du."),
    }
    assert client.post(workspace, _workspace_data(paper, decisions)).status_code == 302
    merged = _group(paper, "5 straipsnio 2 dalis")
    assert merged.merged_wording == "Per 75 dienų.\n\nArba per 80 dienų."
    assert merged.reason == "Du terminai.\nSuderinta."
    line = paper.proposals.get(provision="5 straipsnio 2 dalis")
    assert line.proposed_wording == "Per 75 dienų.\n\nArba per 80 dienų."

    url = _change_url(paper)
    posted = client.post(url, _as_a_browser_posts(change_form_data(client.get(url))))
    assert posted.status_code == 302
    line.refresh_from_db()
    assert "\r" not in line.proposed_wording

    decisions["5 straipsnio 2 dalis"] = ("adopt", "Abu siūlymai.")
    response = client.post(workspace, _workspace_data(paper, decisions), follow=True)

    messages = _messages(response)
    assert not any("redaguotos ranka" in m or "edited by hand" in m for m in messages), messages
    line.refresh_from_db()
    assert line.proposed_wording == "Per 60 dienų.\n\nPer 90 dienų."
    assert _group(paper, "5 straipsnio 2 dalis").generated_wording == line.proposed_wording


def test_multi_line_headings_and_acts_are_edited_in_textareas(closed, policy_officer):  # noqa: F811
    """A question's text may have several lines; a one-line input would drop them on any save,
    gluing the words and making the section look edited by hand."""
    question = "Pastabos projektui.\nPaaiškinkite išsamiai."
    Question.objects.filter(pk=closed.text.pk).update(text=question)
    paper = _draft(closed, policy_officer)
    ProposalFactory(paper=paper, position=9, act="Inovacijų įstatymo projektas\nNr. 25-1234")
    client = _client(policy_officer)
    url = _change_url(paper)

    page = client.get(url)

    content = page.content.decode()
    index = next(
        i
        for i, form in enumerate(page.context["inline_admin_formsets"][0].formset.forms)
        if form.instance.heading == question
    )
    heading = re.search(
        rf'<textarea name="sections-{index}-heading"[^>]*rows="2"[^>]*>(.*?)</textarea>', content, re.S
    )
    act = re.search(r'<textarea name="proposals-0-act"[^>]*rows="2"[^>]*>(.*?)</textarea>', content, re.S)
    assert heading and heading.group(1).strip() == question
    assert act and act.group(1).strip() == "Inovacijų įstatymo projektas\nNr. 25-1234"

    data = _as_a_browser_posts(change_form_data(page))
    data["subject"] = f"{paper.subject} (patikslinta)"
    assert client.post(url, data).status_code == 302
    # The section still reads as written: a changed attribution rewrites it.
    PaperAttribution.objects.create(paper=paper, organisation=closed.orgs["star"], mode="excluded")
    result = consolidation.paper_attributions_refresh(paper=paper, user=policy_officer)

    section = _text_section(paper, closed)
    assert section.heading == question
    assert result.kept == [] and section in result.rewritten
    assert paper.proposals.get(position=9).act == "Inovacijų įstatymo projektas\nNr. 25-1234"


def test_proposal_lines_stored_with_crlf_before_the_fix_are_rewritten_all_the_same(closed, policy_officer):  # noqa: F811
    paper = _draft(closed, policy_officer)
    consolidation.proposal_group_decide(
        group=_group(paper, "5 straipsnio 2 dalis"),
        user=policy_officer,
        decision=GroupDecision("adopt", "Abu."),
    )
    consolidation.paper_consolidation_apply(paper=paper, user=policy_officer)
    line = paper.proposals.get()
    PaperProposal.objects.filter(pk=line.pk).update(
        proposed_wording=line.proposed_wording.replace("\n", "\r\n")
    )
    consolidation.proposal_group_decide(
        group=_group(paper, "5 straipsnio 2 dalis"),
        user=policy_officer,
        decision=GroupDecision("merge", "Vienas terminas.", "Per 75 dienų."),
    )

    applied = consolidation.paper_consolidation_apply(paper=paper, user=policy_officer)

    assert applied.kept == [] and applied.deleted == []
    assert paper.proposals.get().proposed_wording == "Per 75 dienų."


# --- the addressee in the dative -------------------------------------------------------------------


def test_a_paper_drafted_from_a_consultation_is_approved_only_with_the_addressee_in_the_dative(
    closed,  # noqa: F811
    policy_officer,
):
    issuer_with_requisites()
    client = _client(policy_officer)
    client.post(
        reverse("admin:positions_positionpaper_draft_from_consultation"),
        {"consultation": closed.consultation.pk, "addressee": ""},
    )
    paper = PositionPaper.objects.get()
    # The CRM keeps the institution's name only as it is (nominative): the dative is left to staff.
    assert paper.addressee == closed.consultation.requesting_institution
    assert paper.addressee_label == ""
    with translation.override("en"):
        approve = reverse("admin:positions_positionpaper_approve", args=[paper.pk])

    refused = confirm(client, approve, follow=True)

    paper.refresh_from_db()
    assert paper.is_draft
    assert any("in the dative" in m and "ministerijai" in m for m in _messages(refused)), _messages(refused)

    # Staff write it on the paper's page: approval goes through, and the letter prints it.
    url = _change_url(paper)
    data = change_form_data(client.get(url))
    data["addressee_label"] = DATIVE
    assert client.post(url, data).status_code == 302
    confirm(client, approve)
    paper.refresh_from_db()
    assert paper.status == PositionPaper.Status.APPROVED
    assert paper_letter(paper_for_document(paper_id=paper.pk)).addressee_lines[0] == DATIVE


def test_a_lithuanian_paper_added_in_the_admin_needs_the_dative_an_english_one_does_not(
    staff_client, superuser
):
    issuer_with_requisites()
    institution = PublicInstitutionFactory(name="Lietuvos Respublikos žemės ūkio ministerija")
    papers = {}
    for language in ("lt", "en"):
        data = change_form_data(staff_client.get(reverse("admin:positions_positionpaper_add")))
        data.update(
            {
                "subject": f"Žemės ūkio įstatymo projekto ({language})",
                "language": language,
                "addressee": str(institution.pk),
                "signatory_position": "Prezidentė",
            }
        )
        assert staff_client.post(reverse("admin:positions_positionpaper_add"), data).status_code == 302
        papers[language] = PositionPaper.objects.get(language=language)
        SectionFactory(paper=papers[language])
        assert papers[language].addressee_label == ""

    with pytest.raises(ValidationError) as refused:
        services.paper_approve(paper=papers["lt"], user=superuser)
    english = services.paper_approve(paper=papers["en"], user=superuser)

    assert [error.code for error in refused.value.error_list] == ["no_addressee_label"]
    with translation.override("en"):
        assert "in the dative" in refused.value.messages[0]
    assert english.status == PositionPaper.Status.APPROVED
    assert paper_letter(paper_for_document(paper_id=english.pk)).addressee_lines[0] == institution.name

    papers["lt"].addressee_label = "Lietuvos Respublikos žemės ūkio ministerijai"
    services.paper_save(paper=papers["lt"], user=superuser)
    assert services.paper_approve(paper=papers["lt"], user=superuser).registration_number


def test_spaces_are_not_an_addressee(superuser):
    issuer_with_requisites()
    paper = PaperFactory(addressee_label="   ")
    SectionFactory(paper=paper)

    with pytest.raises(ValidationError) as refused:
        services.paper_approve(paper=paper, user=superuser)

    assert [error.code for error in refused.value.error_list] == ["no_addressee_label"]


# --- the dispatch page ------------------------------------------------------------------------------


@pytest.fixture
def approved(superuser) -> PositionPaper:
    issuer_with_requisites()
    paper = PaperFactory(addressee__email="rastine@eimin.lt", addressee_email="")
    SectionFactory(paper=paper)
    ProposalFactory(paper=paper)
    return services.paper_approve(paper=paper, user=superuser)


def _form_as_shown(client: Client, paper: PositionPaper) -> dict[str, object]:
    """The dispatch page's form as the browser posts it untouched: the filled-in values, and the
    first choice of a list that has none (the browser's selection)."""
    form = client.get(reverse("admin:positions_positionpaper_send", args=[paper.pk])).context["form"]
    data: dict[str, object] = {}
    for bound in form:
        value = bound.value()
        if value is None and hasattr(bound.field, "choices"):
            value = next((choice for choice, _label in bound.field.choices), None)
        if value not in (None, False, ""):
            data[bound.html_name] = value.isoformat() if isinstance(value, datetime.date) else str(value)
    return data


def test_the_dispatch_page_fills_in_the_institution_s_e_mail_and_sends_the_pdf_with_it(
    staff_client, approved
):
    rendering = services.paper_render(paper=approved, user=approved.approved_by)
    page = staff_client.get(reverse("admin:positions_positionpaper_send", args=[approved.pk]))
    assert 'value="rastine@eimin.lt"' in page.content.decode()
    data = _form_as_shown(staff_client, approved)
    # The channel is e-mail unless changed; the recipient is named as the letter names it.
    assert (data["channel"], data["recipient"], data["email"]) == (
        "email",
        approved.addressee_label,
        "rastine@eimin.lt",
    )
    data["send_email_now"] = "on"

    response = staff_client.post(reverse("admin:positions_positionpaper_send", args=[approved.pk]), data)

    assert response.status_code == 302, response.context["form"].errors
    (message,) = mail.outbox
    assert message.to == ["rastine@eimin.lt"]
    ((filename, content, mimetype),) = message.attachments
    assert (filename, mimetype) == (f"{approved.registration_number}.pdf", "application/pdf")
    with rendering.file.open("rb") as archived:
        assert content == archived.read()
    dispatch = Dispatch.objects.get()
    assert (dispatch.channel, dispatch.recipient, dispatch.rendering) == (
        "email",
        "rastine@eimin.lt",
        rendering,
    )
    approved.refresh_from_db()
    assert approved.is_sent


def test_recording_an_e_mail_dispatch_without_sending_says_that_nothing_was_e_mailed(staff_client, approved):
    services.paper_render(paper=approved, user=approved.approved_by)
    data = _form_as_shown(staff_client, approved)
    assert data["channel"] == "email" and "send_email_now" not in data

    response = staff_client.post(
        reverse("admin:positions_positionpaper_send", args=[approved.pk]), data, follow=True
    )

    assert mail.outbox == []
    assert Dispatch.objects.get().channel == "email"
    assert [str(message) for message in response.context["messages"]] == [
        "Išsiuntimas užregistruotas.",
        "Sistema PDF el. paštu nesiuntė: užregistruotas kitu būdu išsiųstas el. laiškas.",
    ]


def test_the_paper_s_own_addressee_e_mail_comes_before_the_institution_s(staff_client, approved):
    PositionPaper.objects.filter(pk=approved.pk).update(addressee_email="inovacijos@eimin.lt")

    assert _form_as_shown(staff_client, approved)["email"] == "inovacijos@eimin.lt"


def test_a_dispatch_by_another_channel_records_the_addressee_s_name(staff_client, approved):
    rendering = services.paper_render(paper=approved, user=approved.approved_by)
    data = {**_form_as_shown(staff_client, approved), "channel": Dispatch.Channel.E_DELIVERY}

    response = staff_client.post(reverse("admin:positions_positionpaper_send", args=[approved.pk]), data)

    assert response.status_code == 302
    assert mail.outbox == []
    dispatch = Dispatch.objects.get()
    assert (dispatch.channel, dispatch.recipient, dispatch.rendering) == (
        "e_delivery",
        approved.addressee_label,
        rendering,
    )


def test_sending_now_without_an_address_is_refused_on_the_address(staff_client, superuser):
    issuer_with_requisites()
    paper = PaperFactory(addressee__email="", addressee_email="")
    SectionFactory(paper=paper)
    paper = services.paper_approve(paper=paper, user=superuser)
    services.paper_render(paper=paper, user=superuser)
    data = _form_as_shown(staff_client, paper)
    assert "email" not in data
    data["send_email_now"] = "on"

    with translation.override("en"):
        url = reverse("admin:positions_positionpaper_send", args=[paper.pk])
    response = staff_client.post(url, data)

    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["Give an e-mail address to send the PDF to."]
    assert not Dispatch.objects.exists() and mail.outbox == []
