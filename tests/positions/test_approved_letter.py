"""An approved paper prints the letter that was approved: its text is kept at approval, so that an
organisation renamed, or an issuer's requisites changed, afterwards does not change the PDF sent
under the registered number."""

from __future__ import annotations

import pytest
from django.urls import reverse

from positions import services
from positions.models import IssuerSettings, PaperAttribution, PositionPaper
from tests.factories import OrganisationFactory
from tests.positions import pdf_reading
from tests.positions.factories import PaperFactory, ProposalFactory, SectionFactory, issuer_with_requisites

pytestmark = pytest.mark.django_db


def _approved_paper(superuser) -> tuple[PositionPaper, object, object]:
    issuer_with_requisites()
    paper = PaperFactory()
    SectionFactory(paper=paper, heading="Bendrosios pastabos", body="Siūlome **tikslinti** projektą.")
    named = OrganisationFactory(name="Klasteris Alfa")
    hidden = OrganisationFactory(name="Klasteris Beta")
    paper.supporting_organisations.set([named, hidden])
    PaperAttribution.objects.create(
        paper=paper,
        organisation=hidden,
        mode=PaperAttribution.Mode.ANONYMOUS,
        anonymous_label="vienas klasteris",
    )
    proposal = ProposalFactory(paper=paper)
    proposal.supporting_organisations.set([named])
    services.paper_approve(paper=paper, user=superuser)
    return paper, named, hidden


def _rendered_text(paper: PositionPaper, superuser) -> str:
    rendering = services.paper_render(paper=paper, user=superuser)
    with rendering.file.open("rb") as file:
        return pdf_reading.full_text(file.read())


def test_approved_paper_pdf_follows_a_later_rename(superuser):
    issuer_with_requisites()
    paper = PaperFactory()
    SectionFactory(paper=paper)
    org = OrganisationFactory(name="Klasteris Alfa")
    paper.supporting_organisations.set([org])
    services.paper_approve(paper=paper, user=superuser)
    org.name = "Visai kitas pavadinimas"
    org.save()

    text = _rendered_text(paper, superuser)

    assert "Klasteris Alfa" in text
    assert "Visai kitas pavadinimas" not in text


def test_an_approved_paper_prints_as_approved_after_names_attributions_and_the_issuer_change(superuser):
    paper, named, hidden = _approved_paper(superuser)
    before = _rendered_text(paper, superuser)
    named.name = "Pervadintas klasteris"
    named.save()
    PaperAttribution.objects.filter(paper=paper, organisation=hidden).update(
        anonymous_label="kitas aprašymas"
    )
    issuer = IssuerSettings.load()
    issuer.address = "Naujoji g. 99, Kaunas"
    issuer.save()

    after = _rendered_text(paper, superuser)

    assert after == before
    assert "Siūlo: Klasteris Alfa" in after or "Proposed by: Klasteris Alfa" in after
    assert "Vienas klasteris" in after
    assert paper.registration_number in after
    assert "tikslinti" in after
    assert "Pervadintas klasteris" not in after
    assert "kitas aprašymas" not in after
    assert "Naujoji g. 99" not in after


def test_the_kept_letter_renders_as_the_live_one_did_at_approval(superuser):
    """The kept letter is read back whole: the section's HTML prints as HTML (bold, not its tags),
    the annex's number of pages is counted again by the layout."""
    paper, _named, _hidden = _approved_paper(superuser)
    paper.refresh_from_db()
    kept = services.paper_render(paper=paper, user=superuser)
    paper.approved_letter = None
    paper.save(update_fields=["approved_letter"])
    live = services.paper_render(paper=paper, user=superuser)

    with kept.file.open("rb") as file:
        kept_text = pdf_reading.full_text(file.read())
    with live.file.open("rb") as file:
        live_text = pdf_reading.full_text(file.read())
    assert kept_text == live_text
    assert "<strong>" not in kept_text
    assert kept.page_count == live.page_count


def test_a_paper_approved_before_letters_were_kept_prints_from_its_rows(superuser):
    paper, named, _hidden = _approved_paper(superuser)
    PositionPaper.objects.filter(pk=paper.pk).update(approved_letter=None)
    named.name = "Pervadintas klasteris"
    named.save()

    assert "Pervadintas klasteris" in _rendered_text(paper, superuser)


def test_withdrawing_the_approval_forgets_the_kept_letter_and_the_draft_prints_live(superuser):
    paper, named, _hidden = _approved_paper(superuser)
    assert paper.approved_letter

    services.paper_withdraw_approval(paper=paper, user=superuser, reason="Tikslinamas tekstas")
    named.name = "Pervadintas klasteris"
    named.save()

    paper.refresh_from_db()
    assert paper.approved_letter is None
    assert "Pervadintas klasteris" in _rendered_text(paper, superuser)


def test_a_new_version_of_a_sent_paper_starts_without_the_kept_letter(superuser):
    paper, _named, _hidden = _approved_paper(superuser)
    rendering = services.paper_render(paper=paper, user=superuser)
    services.paper_mark_sent(
        paper=paper, user=superuser, rendering=rendering, channel="paper", recipient="Ministerija"
    )

    draft = services.paper_new_version(paper=paper, user=superuser)

    assert draft.approved_letter is None


def test_the_preview_of_an_approved_paper_shows_the_kept_letter(superuser, staff_client):
    paper, named, _hidden = _approved_paper(superuser)
    named.name = "Pervadintas klasteris"
    named.save()

    page = staff_client.get(reverse("admin:positions_positionpaper_preview", args=[paper.pk]))

    assert page.status_code == 200
    assert "Klasteris Alfa" in page.content.decode()
    assert "Pervadintas klasteris" not in page.content.decode()
