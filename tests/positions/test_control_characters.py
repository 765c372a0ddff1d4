"""Control characters pasted into a paper (a line break from PowerPoint is a vertical tab, Word's page
break a form feed, text from old systems brings BEL, ESC or C1 codes): no font draws them, and a
glyph drawn for one garbled the PDF's text of the whole page."""

from __future__ import annotations

import datetime
import logging

import pytest
import time_machine

from positions import pdf, selectors, services
from positions.letter import paper_letter, unprintable_characters
from positions.models import PositionPaper
from positions.selectors import paper_for_document
from tests.positions import pdf_reading
from tests.positions.factories import PaperFactory, ProposalFactory, SectionFactory, issuer_with_requisites

pytestmark = pytest.mark.django_db

# 2026-11-28 10:00 in Vilnius.
APPROVAL_MOMENT = datetime.datetime(2026, 11, 28, 8, 0, tzinfo=datetime.UTC)

LINE_BREAKS = ["\x0b", "\x0c", "\x85", "\u2028", "\u2029", "\r"]
OTHER_CONTROLS = ["\x07", "\x1b", "\x96", "\x7f"]


def _paper_with(character: str) -> PositionPaper:
    issuer_with_requisites()
    paper = PaperFactory()
    SectionFactory(paper=paper, body=f"Asociacija pritaria.{character}Siūlome patikslinti 5 straipsnį.")
    # A member's answer quoted in a section, as the consolidation writes it.
    SectionFactory(
        paper=paper,
        heading="Narių nuomonės",
        body=f"> Reikia daugiau laiko.{character}Ir aiškesnių taisyklių.\n>\n> — *Saulės klasteris*",
    )
    ProposalFactory(paper=paper, justification=f"Klasteriams reikia{character}daugiau laiko.")
    return paper


@pytest.mark.parametrize("character", LINE_BREAKS + OTHER_CONTROLS, ids=lambda c: f"U+{ord(c):04X}")
def test_a_control_character_in_the_text_leaves_the_pdf_s_text_whole(character, superuser, caplog):
    paper = _paper_with(character)
    with time_machine.travel(APPROVAL_MOMENT, tick=False):
        services.paper_approve(paper=paper, user=superuser)

    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        content = pdf.letter_pdf(paper_letter(paper_for_document(paper_id=paper.pk)))
    text = pdf_reading.full_text(content)

    assert not [record for record in caplog.records if "notdef" in record.getMessage()]
    assert "Lietuvos Respublikos ekonomikos ir inovacijų ministerijai" in text
    assert "2026-11-28 Nr. S-2026-001" in text
    assert "Prezidentė Rūta Žilinskienė" in text
    assert "Siūlome patikslinti 5 straipsnį" in text
    assert "Ir aiškesnių taisyklių" in text


@pytest.mark.parametrize("character", LINE_BREAKS, ids=lambda c: f"U+{ord(c):04X}")
def test_another_program_s_line_break_prints_as_a_line_break_typed_in_the_form(character):
    typed, pasted = _paper_with("\n"), _paper_with(character)

    typed_letter = paper_letter(paper_for_document(paper_id=typed.pk))
    pasted_letter = paper_letter(paper_for_document(paper_id=pasted.pk))

    assert [section.body for section in pasted_letter.sections] == [
        section.body for section in typed_letter.sections
    ]
    assert pasted_letter.proposals[0].justification == "Klasteriams reikia\ndaugiau laiko."


@pytest.mark.parametrize("character", OTHER_CONTROLS, ids=lambda c: f"U+{ord(c):04X}")
def test_any_other_control_character_is_left_out_of_the_letter(character):
    paper = _paper_with(character)

    letter = paper_letter(paper_for_document(paper_id=paper.pk))

    assert letter.sections[0].body == "<p>Asociacija pritaria.Siūlome patikslinti 5 straipsnį.</p>"
    assert letter.proposals[0].justification == "Klasteriams reikiadaugiau laiko."


def test_a_control_character_written_as_a_character_reference_is_left_out_too():
    issuer_with_requisites()
    paper = PaperFactory(addressee_person="Inovacijų\x0bdepartamentui")
    SectionFactory(paper=paper, body="Asociacija pritaria.&#11;Siūlome&#7; patikslinti.")

    letter = paper_letter(paper_for_document(paper_id=paper.pk))

    assert letter.sections[0].body == "<p>Asociacija pritaria.\nSiūlome patikslinti.</p>"
    assert letter.addressee_lines[1] == "Inovacijų\ndepartamentui"


def test_a_paper_with_control_characters_is_approved_as_its_letter_prints_them(superuser):
    paper = _paper_with("\x0b")

    assert selectors.paper_unprintable_text(paper=paper) == []
    services.paper_approve(paper=paper, user=superuser)

    paper.refresh_from_db()
    assert not paper.is_draft


def test_only_invisible_formatting_characters_count_as_printing_nothing():
    invisible = "\t\n\u00ad\u200b\u200c\u200d\u200e\u2060\ufe0f\ufeff"

    assert unprintable_characters(f"a{invisible}b") == []
    # A control character the letter did not leave out would print as a missing glyph.
    assert unprintable_characters("a\x07b\x0bc\x1bd") == ["\x07", "\x0b", "\x1b"]
