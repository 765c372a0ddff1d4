"""The file name a downloaded PDF of a position paper gets: in the page's language."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from positions import services
from positions.admin import records
from positions.models import PositionPaper, Rendering
from tests.positions.factories import PaperFactory, SectionFactory, issuer_with_requisites

pytestmark = pytest.mark.django_db


@pytest.fixture
def paper() -> PositionPaper:
    issuer_with_requisites()
    paper = PaperFactory()
    SectionFactory(paper=paper)
    return paper


def _download_url(rendering: Rendering, language: str) -> str:
    with translation.override(language):
        return reverse("admin:positions_rendering_download", args=[rendering.pk])


def test_a_draft_pdf_downloads_with_a_lithuanian_name_from_a_lithuanian_page(staff_client, paper, superuser):
    # Needs the Lithuanian of msgctxt "file name" "paper-%(paper)s-draft-v%(version)s.pdf".
    rendering = services.paper_render(paper=paper, user=superuser)

    download = staff_client.get(_download_url(rendering, "lt"))

    assert download.status_code == 200
    assert download["Content-Disposition"] == (
        f'attachment; filename="pozicija-{paper.pk}-projektas-v{rendering.version}.pdf"'
    )


def test_a_draft_pdf_keeps_its_english_name_from_an_english_page(staff_client, paper, superuser):
    rendering = services.paper_render(paper=paper, user=superuser)

    download = staff_client.get(_download_url(rendering, "en"))

    assert download["Content-Disposition"] == (
        f'attachment; filename="paper-{paper.pk}-draft-v{rendering.version}.pdf"'
    )


def test_a_registered_pdf_is_named_after_its_number_in_either_language(staff_client, paper, superuser):
    approved = services.paper_approve(paper=paper, user=superuser)
    rendering = services.paper_render(paper=approved, user=superuser)

    for language in ("lt", "en"):
        download = staff_client.get(_download_url(rendering, language))
        assert download["Content-Disposition"] == (
            f'attachment; filename="{approved.registration_number}-v{rendering.version}.pdf"'
        )


def test_a_name_with_lithuanian_letters_survives_in_the_header(staff_client, paper, superuser, monkeypatch):
    # A translation may use letters outside ASCII; the header then carries them encoded (RFC 6266).
    monkeypatch.setattr(records, "pgettext", lambda context, message: "pozicijos-%(paper)s-juodraštis.pdf")
    rendering = services.paper_render(paper=paper, user=superuser)

    download = staff_client.get(_download_url(rendering, "lt"))

    assert download["Content-Disposition"] == (
        f"attachment; filename*=utf-8''pozicijos-{paper.pk}-juodra%C5%A1tis.pdf"
    )
