"""What staff write (a consultation's title, background, documents, questions and choices) is in
Lithuanian. On a page or e-mail in English it is marked `lang="lt"`, so that a screen reader reads
it in Lithuanian (WCAG 3.1.2); the product's own words around it stay unmarked."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from consultations.answers import AnswerValue
from consultations.models import ConsultationDocument
from tests.consultations.test_answers import _submit, full_answers
from tests.consultations.test_member_pages import answer_form

pytestmark = pytest.mark.django_db

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Languages(HTMLParser):
    """The text of a page, each piece with the language it is marked in (the nearest `lang`)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str]] = []
        self.pieces: list[tuple[str, str]] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        lang = dict(attrs).get("lang") or (self.stack[-1][1] if self.stack else "")
        self.stack.append((tag, lang))
        if tag in ("script", "style", "template", "title"):
            self.skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        while self.stack:
            open_tag, _lang = self.stack.pop()
            if open_tag in ("script", "style", "template", "title"):
                self.skip -= 1
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text and not self.skip:
            self.pieces.append((text, self.stack[-1][1] if self.stack else ""))


def languages(page: str) -> dict[str, set[str]]:
    """Each piece of text on `page` and the languages it appears in."""
    parser = _Languages()
    parser.feed(page)
    found: dict[str, set[str]] = {}
    for text, lang in parser.pieces:
        found.setdefault(text, set()).add(lang)
    return found


def _language_of(found: dict[str, set[str]], text: str) -> set[str]:
    matches = {lang for piece, langs in found.items() if text in piece for lang in langs}
    assert matches, f"{text!r} is not on the page"
    return matches


@pytest.fixture
def written(opened, settings, tmp_path):
    """The opened consultation with a background, a document and a question's help text."""
    settings.MEDIA_ROOT = tmp_path
    consultation = opened.consultation
    consultation.background = "Ministerija parengė **įstatymo projektą**."
    consultation.save(update_fields=["background"])
    document = ConsultationDocument(consultation=consultation, title="Įstatymo projektas")
    document.file.save("projektas.pdf", ContentFile(b"%PDF-1.7 projektas"))
    long = opened.questions["long"]
    long.help_text = "Nurodykite straipsnį."
    long.save(update_fields=["help_text"])
    return opened


def test_the_english_answer_page_marks_what_staff_wrote_as_lithuanian_and_nothing_else(written):
    ruta = written.members["ruta"]
    client = ruta.client()
    found = languages(client.get(ruta.url).content.decode())

    assert _language_of(found, "Dėl Inovacijų įstatymo pakeitimo") == {"lt"}
    assert _language_of(found, "Ministerija parengė") == {"lt"}
    assert _language_of(found, "įstatymo projektą") == {"lt"}
    assert _language_of(found, "Įstatymo projektas") == {"lt"}
    assert _language_of(found, "Nurodykite straipsnį.") == {"lt"}
    for question in written.questions.values():
        assert _language_of(found, question.text) == {"lt"}, question.text
    for choice in ("Pritariame su pastabomis", "Nepritariame", "Mokslas", "Švietimas"):
        assert _language_of(found, choice) == {"lt"}, choice
    # The product's own words are English, the page's language.
    for own in (
        "Questions",
        "Other (please specify)",
        "Other: your answer",
        "Strongly agree",
        "Yes",
        "Required on submission.",
        "Save draft",
        "Documents",
        "Answer by",
        "Add a proposal",
    ):
        assert _language_of(found, own) == {"en"}, own


def test_the_english_page_marks_the_questions_of_a_submitted_version_as_lithuanian(written):
    ruta = written.members["ruta"]
    client = ruta.client()
    client.post(ruta.url, {**answer_form(written), "action": "save"})
    client.post(ruta.url, {**answer_form(written, version=1, saved_rows=1), "action": "submit"})
    found = languages(client.get(ruta.url).content.decode())

    assert _language_of(found, "Version 1, by Rūta Rutkauskienė") == {"en"}
    # In the form and in the version's list, both marked.
    assert _language_of(found, written.questions["yes_no"].text) == {"lt"}
    assert _language_of(found, "Submitted versions") == {"en"}


def test_the_lithuanian_page_carries_no_language_marks_of_its_own(written):
    ruta = written.members["ruta"]
    client = ruta.client()
    page = client.get(ruta.lt_url).content.decode()
    found = languages(page)

    assert page.count(' lang="') == 1 + 2  # the page's, and the two language links
    assert _language_of(found, "Dėl Inovacijų įstatymo pakeitimo") == {"lt"}
    assert _language_of(found, "Klausimai") == {"lt"}


def test_the_link_page_marks_the_title_in_english(written):
    ruta = written.members["ruta"]
    with translation.override("en"):
        path = reverse("consultations:access", kwargs={"token": ruta.token})
    found = languages(Client().get(path).content.decode())

    assert _language_of(found, "Dėl Inovacijų įstatymo pakeitimo") == {"lt"}
    assert _language_of(found, "This personal link opens the answer of") == {"en"}


def test_an_english_receipt_marks_the_title_and_the_questions_as_lithuanian(written):
    jonas = written.members["jonas"]  # reads English
    _submit(
        jonas,
        {**full_answers(written.questions), written.questions["scale"].pk: AnswerValue(scale=2)},
        version=0,
    )

    receipt = next(m for m in mail.outbox if m.to == ["jonas@saule.lt"])
    found = languages(receipt.alternatives[0][0])

    assert _language_of(found, "Dėl Inovacijų įstatymo pakeitimo") == {"lt"}
    assert _language_of(found, written.questions["scale"].text) == {"lt"}
    assert _language_of(found, "Copy of the answers") == {"en"}


def test_a_help_text_is_shown_as_its_paragraphs_on_either_language_s_page(written):
    long = written.questions["long"]
    long.help_text = "Nurodykite straipsnį.\n\nRašykite _laisvai_ <b>ir trumpai</b>."
    long.save(update_fields=["help_text"])
    ruta = written.members["ruta"]
    client = ruta.client()

    english, lithuanian = (client.get(url).content.decode() for url in (ruta.url, ruta.lt_url))

    assert (
        '<div lang="lt"><p>Nurodykite straipsnį.</p>\n\n<p>Rašykite _laisvai_ &lt;b&gt;ir trumpai&lt;/b&gt;.</p></div>'
        in english
    )
    assert "<p>Nurodykite straipsnį.</p>" in lithuanian
    for page in (english, lithuanian):
        assert "&lt;p&gt;" not in page and "<b>ir trumpai</b>" not in page


def test_the_english_error_summary_marks_the_questions_as_lithuanian(written):
    ruta = written.members["ruta"]
    required = written.questions["short"]
    required.required = True
    required.save(update_fields=["required"])
    client = ruta.client()

    page = client.post(ruta.url, {**answer_form(written, short=""), "action": "submit"}).content.decode()

    summary = page[page.index('id="error-summary"') : page.index("</ul>", page.index('id="error-summary"'))]
    assert f'<span lang="lt">{required.text}</span>' in summary
    found = languages(summary)
    assert _language_of(found, required.text) == {"lt"}
