"""Fixes from a user review of the draft written from a consultation: a text question's section
says how many of the organisations that took part answered it in a sentence that reads well
("Answered by 3 of the 4 organisations that took part in the consultation.", not "3 of 4
responding organisations answered"), and it starts where the quotes under it start."""

from __future__ import annotations

import io

import pdfplumber
import pytest
from django.utils import translation
from django.utils.translation import ngettext

from positions import consolidation
from positions.models import PositionPaper
from tests.positions.factories import issuer_with_requisites
from tests.positions.test_consolidation import (  # noqa: F401 (the fixture is used by name)
    MOON_TEXT,
    _draft,
    _pdf_text,
    _text_section,
    closed,
)

pytestmark = pytest.mark.django_db

# Three of the four members that submitted (Saulės, Mėnulio, Žvaigždžių; not Kometos) answered
# the text question.
ENGLISH = "Answered by 3 of the 4 organisations that took part in the consultation."


def _in_english(paper: PositionPaper, user) -> PositionPaper:
    """The draft written again in English, as a paper whose language staff switched is."""
    PositionPaper.objects.filter(pk=paper.pk).update(language="en")
    consolidation.paper_attributions_refresh(paper=paper, user=user)
    return PositionPaper.objects.get(pk=paper.pk)


def _lithuanian_sentence(count: int, total: int) -> str:
    with translation.override("lt"):
        return ngettext(
            "Answered by %(count)d of the %(total)d organisation that took part in the consultation.",
            "Answered by %(count)d of the %(total)d organisations that took part in the consultation.",
            total,
        ) % {"count": count, "total": total}


def test_an_english_draft_says_how_many_of_the_organisations_that_took_part_answered(
    closed,  # noqa: F811
    policy_officer,
):
    issuer_with_requisites()
    paper = _in_english(_draft(closed, policy_officer), policy_officer)

    body = _text_section(paper, closed).body
    text, _content = _pdf_text(paper)

    assert body.startswith(ENGLISH + "\n\n> ")
    assert ENGLISH in text
    assert "responding organisations answered" not in text


def test_a_lithuanian_draft_and_its_pdf_carry_the_sentence_of_the_catalogue(closed, policy_officer):  # noqa: F811
    issuer_with_requisites()
    paper = _draft(closed, policy_officer)
    sentence = _lithuanian_sentence(3, 4)

    body = _text_section(paper, closed).body
    text, _content = _pdf_text(paper)

    assert body.startswith(sentence + "\n\n> ")
    assert sentence in text
    assert "atsakiusių organizacijų." not in text


def test_the_sentence_starts_where_the_quotes_under_it_start(closed, policy_officer):  # noqa: F811
    issuer_with_requisites()
    paper = _in_english(_draft(closed, policy_officer), policy_officer)
    _text, content = _pdf_text(paper)

    with pdfplumber.open(io.BytesIO(content)) as document:
        words = [word for page in document.pages for word in page.extract_words()]
    sentence = next(word for word in words if word["text"] == "Answered")
    quote = next(word for word in words if word["text"] == MOON_TEXT.split()[0])

    assert sentence["x0"] == pytest.approx(quote["x0"], abs=0.5)
