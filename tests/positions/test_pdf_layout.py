"""How the letter's text is laid out on its pages: numbered points, long words, tables, links, the
signature and the annex reference. Each test reads the real PDF back with pdfplumber."""

from __future__ import annotations

import datetime
import io

import pdfplumber
import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError

from positions import pdf, selectors, services
from positions.letter import paper_letter
from positions.models import IssuerSettings, PositionPaper
from positions.selectors import paper_for_document
from tests.factories import OrganisationFactory, UserFactory
from tests.positions import pdf_reading
from tests.positions.factories import PaperFactory, ProposalFactory, SectionFactory, issuer_with_requisites

pytestmark = pytest.mark.django_db

MM = 72 / 25.4
# The page's right margin (templates/positions/pdf/paper.css): 12 mm.
RIGHT_MARGIN = 12 * MM
# Its left margin: 30 mm.
LEFT_MARGIN = 30 * MM
# An address with no place a line may break at but its slashes and punctuation.
E_SEIMAS_URL = (
    "https://e-seimas.lrs.lt/portal/legalAct/lt/TAP/a1b2c3d4e5f611eeb1b2c3d4e5f6a7b8"
    "?positionInSearchResults=0&searchModelUUID=7f3e4b5a-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
)
PARAGRAPH = (
    "Asociacija nuosekliai pasisako už tai, kad klasterių finansavimas būtų tęstinis, o paraiškų "
    "vertinimo kriterijai – aiškūs ir iš anksto žinomi visiems pareiškėjams, įskaitant regionų klasterius."
)


def _pdf(paper: PositionPaper) -> bytes:
    return pdf.letter_pdf(paper_letter(paper_for_document(paper_id=paper.pk)))


def _outside_the_margins(content: bytes) -> list[str]:
    """The characters printed left of the text column or right of it, on any page."""
    with pdfplumber.open(io.BytesIO(content)) as document:
        return [
            char["text"]
            for page in document.pages
            for char in page.chars
            if char["x0"] < LEFT_MARGIN - 0.5 or char["x1"] > page.width - RIGHT_MARGIN + 0.5
        ]


def _lines(page: pdfplumber.page.Page) -> list[str]:
    """The page's lines of text, without the page number at its top."""
    return [
        line
        for line in (page.extract_text() or "").splitlines()
        if line.strip() and not line.strip().isdigit()
    ]


def test_a_numbered_list_continued_after_a_paragraph_keeps_its_numbers():
    issuer_with_requisites()
    paper = PaperFactory()
    SectionFactory(
        paper=paper,
        body="Asociacija siūlo:\n\n1. Pirmas punktas.\n2. Antras punktas.\n\nPaaiškinimas.\n\n"
        "3. Trečias punktas.\n4. Ketvirtas punktas.",
    )

    with pdfplumber.open(io.BytesIO(_pdf(paper))) as document:
        points = [line for line in _lines(document.pages[0]) if "punktas" in line]

    assert points == [
        "1. Pirmas punktas.",
        "2. Antras punktas.",
        "3. Trečias punktas.",
        "4. Ketvirtas punktas.",
    ]


@pytest.mark.parametrize("paragraphs", range(8, 20))
def test_the_signature_is_never_alone_on_its_page(paragraphs):
    # One of these lengths fills the first page to just above where the signature would go.
    issuer_with_requisites()
    paper = PaperFactory()
    SectionFactory(paper=paper, heading="", body="\n\n".join([PARAGRAPH] * paragraphs))

    with pdfplumber.open(io.BytesIO(_pdf(paper))) as document:
        (signed,) = [page for page in document.pages if "Rūta Žilinskienė" in (page.extract_text() or "")]
        lines = _lines(signed)

    # The signatory's line and at least the last lines of the text it signs.
    assert lines[-1] == "Prezidentė Rūta Žilinskienė"
    assert any("klasterius." in line for line in lines[:-1])


def test_the_annex_reference_starts_at_the_margin_and_stays_with_the_text():
    issuer_with_requisites()
    paper = PaperFactory()
    SectionFactory(paper=paper, heading="", body="\n\n".join([PARAGRAPH] * 11))
    paper.supporting_organisations.set([OrganisationFactory(name="Agroinovacijų klasteris „Žalioji vaga“")])

    with pdfplumber.open(io.BytesIO(_pdf(paper))) as document:
        (signed,) = [page for page in document.pages if "Rūta Žilinskienė" in (page.extract_text() or "")]
        words = signed.extract_words()
        lines = _lines(signed)

    reference = next(word for word in words if word["text"].startswith("PRIDEDAMA"))
    position = next(word for word in words if word["text"] == "Prezidentė")
    # Both at the left margin (30 mm), not indented like a paragraph's first line.
    assert reference["x0"] == pytest.approx(position["x0"], abs=0.5)
    assert reference["x0"] == pytest.approx(30 * MM, abs=0.5)
    assert any("klasterius." in line for line in lines)


def test_a_word_longer_than_the_line_breaks_inside_the_text_column():
    issuer_with_requisites()
    paper = PaperFactory()
    word = "Nebeprisikiškiakopūsteliaujantiesiems" * 3
    SectionFactory(
        paper=paper, body=f"Ilgas žodis: {word}. Ilgas adresas: https://e-seimas.lrs.lt/{'a1b2c3d4' * 12}"
    )

    content = _pdf(paper)
    with pdfplumber.open(io.BytesIO(content)) as document:
        beyond = [
            char["text"]
            for page in document.pages
            for char in page.chars
            if char["x1"] > page.width - RIGHT_MARGIN + 0.5
        ]

    assert beyond == []
    assert word in pdf_reading.full_text(content).replace(" ", "")


@pytest.mark.parametrize(
    "long",
    [E_SEIMAS_URL, "KODAS" + "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" * 2 + "ĄČĘĖĮŠŲŪŽ" + "X" * 3],
    ids=["address", "code"],
)
def test_a_proposals_table_with_an_unbreakable_string_in_every_column_stays_within_the_margins(long):
    issuer_with_requisites()
    paper = PaperFactory()
    SectionFactory(paper=paper)
    ProposalFactory(
        paper=paper,
        act=f"Įstatymo projektas {long}",
        provision=long,
        proposed_wording=f"Nuoroda į projektą: {long}",
        justification=f"Lyginamasis variantas: {long}. Klasteriams reikia daugiau laiko.",
    )
    ProposalFactory(paper=paper, provision="7 straipsnis", proposed_wording="Išbraukti 7 straipsnį.")

    content = _pdf(paper)

    assert _outside_the_margins(content) == []
    text = pdf_reading.full_text(content).replace(" ", "")
    # Each column prints the whole string, broken over its lines but nothing of it lost.
    assert text.count(long) == 4
    with pdfplumber.open(io.BytesIO(content)) as document:
        page = document.pages[0]
        header = page.find_tables()[0].rows[0].cells
        column = page.width - LEFT_MARGIN - RIGHT_MARGIN
        widths = [round((right - left) / column * 100) for left, _top, right, _bottom in header]
        short = next(line["text"] for line in page.extract_text_lines() if line["text"].startswith("2."))
    # The columns keep the header's widths: the other columns are not squeezed to a word a line.
    assert widths == [8, 20, 36, 36]
    assert short.startswith("2. 7 straipsnis Išbraukti 7 straipsnį. Klasteriams")


def _fonts_of(content: bytes, words: set[str]) -> set[str]:
    """The fonts these words are printed in, wherever they are (the font's name less its subset's
    tag, "ABCDEF+")."""
    with pdfplumber.open(io.BytesIO(content)) as document:
        return {
            word["fontname"].split("+")[-1]
            for page in document.pages
            for word in page.extract_words(extra_attrs=["fontname"])
            if word["text"] in words
        }


def test_an_indented_or_fenced_paragraph_prints_in_the_letter_s_font_within_the_margins():
    issuer_with_requisites()
    paper = PaperFactory()
    indented = "Eksporto dalis turi išaugti 5 proc. per metus, o klasterių narių skaičius – 10 proc. " * 3
    fenced = f"Žr. {E_SEIMAS_URL} ir lyginamąjį variantą, kuriame pakeitimai pažymėti."
    SectionFactory(
        paper=paper,
        body=f"Asociacija siūlo:\n\n    {indented.strip()}\n\n```\n{fenced}\n```\n\nPabaiga su `kodu`.",
    )

    content = _pdf(paper)

    assert _outside_the_margins(content) == []
    text = pdf_reading.full_text(content).replace(" ", "")
    assert indented.replace(" ", "") in text
    assert fenced.replace(" ", "") in text
    # The body's serif (its regular face), as the paragraphs around them: no monospace.
    body_font = _fonts_of(content, {"Asociacija", "Pabaiga"})
    assert len(body_font) == 1
    assert _fonts_of(content, {"Eksporto", "lyginamąjį", "pažymėti.", "kodu."}) == body_font


def test_a_long_markdown_table_repeats_its_header_and_never_splits_a_row():
    issuer_with_requisites()
    paper = PaperFactory()
    rows = "\n".join(
        f"| {n} | Rodiklis „{n}“: eksporto dalis (proc.) ir tarptautinių projektų skaičius | {n * 3} | "
        "Šaltinis: Statistikos departamentas; ąčęėįšųūž |"
        for n in range(1, 61)
    )
    SectionFactory(paper=paper, body=f"| Nr. | Rodiklis | Reikšmė | Pastaba |\n|---|---|---|---|\n{rows}")

    tables = pdf_reading.tables(_pdf(paper))

    assert len(tables) > 1
    numbers = []
    for table in tables:
        assert table[0] == ["Nr.", "Rodiklis", "Reikšmė", "Pastaba"]
        for row in table[1:]:
            # A row split by a page break would leave a part with an empty number cell.
            assert row[0] and row[3].endswith("ąčęėįšųūž"), row
            numbers.append(int(row[0]))
    assert numbers == list(range(1, 61))


@pytest.mark.parametrize(
    "long",
    [E_SEIMAS_URL, "KODAS" + "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" * 2 + "ĄČĘĖĮŠŲŪŽ" + "X" * 3],
    ids=["address", "code"],
)
def test_a_markdown_table_with_an_unbreakable_string_stays_within_the_page_and_keeps_short_words_whole(long):
    issuer_with_requisites()
    paper = PaperFactory()
    SectionFactory(
        paper=paper,
        body="| Nr. | Rodiklis | Šaltinis | Vnt. |\n|---|---|---|---|\n"
        f"| 1. | Eksporto dalis | {long} | proc. |\n| 2. | Narių skaičius | Nr. {long} | vnt. |",
    )

    content = _pdf(paper)

    assert _outside_the_margins(content) == []
    with pdfplumber.open(io.BytesIO(content)) as document:
        page = document.pages[0]
        table = page.find_tables()[0]
        cells = table.extract()
    # The table's borders within the text column too.
    assert table.bbox[0] >= LEFT_MARGIN - 0.5
    assert table.bbox[2] <= page.width - RIGHT_MARGIN + 0.5
    # The narrow columns' words whole, each on its line: a word broken over two lines would read "N r.".
    assert [row[0] for row in cells] == ["Nr.", "1.", "2."]
    assert [row[3] for row in cells] == ["Vnt.", "proc.", "vnt."]
    assert cells[2][2].startswith("Nr.")
    # The string printed whole, broken over its lines but nothing of it lost or added.
    text = pdf_reading.full_text(content).replace(" ", "")
    assert text.count(long) == 2


def test_a_symbol_prints_in_a_shipped_font_and_a_character_no_font_has_shows_as_a_stand_in():
    issuer_with_requisites()
    paper = PaperFactory()
    SectionFactory(paper=paper, heading="", body="Pritariame ✅ ir 👍 → siūlome ★ ✓ ⚠ ≥ 5 € „taip“.")

    content = _pdf(paper)

    with pdfplumber.open(io.BytesIO(content)) as document:
        fonts = {char["text"]: char["fontname"] for char in document.pages[0].chars}
    # The arrow in the serif, the others in the shipped sans-serif: none left to the server's fonts.
    assert all("+Paper-S" in fonts[symbol] for symbol in "→★✓⚠≥€„“"), fonts
    # The emoji no shipped font has are seen, not left blank, and the rest of the text reads as typed.
    text = pdf_reading.full_text(content)
    assert "Pritariame � ir � → siūlome ★ ✓ ⚠ ≥ 5 € „taip“." in text
    assert "Prezidentė Rūta Žilinskienė" in text


def test_headings_written_in_a_section_print_as_the_section_headings_do():
    issuer_with_requisites()
    paper = PaperFactory()
    SectionFactory(paper=paper, heading="Bendrosios pastabos", body="Tekstas.\n\n## Poskyris\n\nDar tekstas.")

    with pdfplumber.open(io.BytesIO(_pdf(paper))) as document:
        words = document.pages[0].extract_words(extra_attrs=["size", "fontname"])

    section = next(word for word in words if word["text"] == "Bendrosios")
    written = next(word for word in words if word["text"] == "Poskyris")
    assert written["size"] == pytest.approx(section["size"])
    assert written["fontname"] == section["fontname"]


def test_a_link_prints_its_address_after_its_text():
    issuer_with_requisites()
    paper = PaperFactory()
    SectionFactory(
        paper=paper,
        body="Žr. [lyginamąjį variantą](https://e-seimas.lrs.lt/portal/legalAct/lt/TAP/4f1c) ir "
        "<https://www.lrs.lt>; rašykite [mums](mailto:info@klasteriai.lt).",
    )

    # Without spaces: a line may break inside an address ("https://" at a line's end).
    text = pdf_reading.full_text(_pdf(paper)).replace(" ", "")

    assert "Žr.lyginamąjįvariantą(https://e-seimas.lrs.lt/portal/legalAct/lt/TAP/4f1c)ir" in text
    # An address that is its own text is not written twice.
    assert "irhttps://www.lrs.lt;rašykitemums(info@klasteriai.lt)." in text


def test_the_draft_act_goes_to_the_next_page_with_its_first_proposal():
    # Text of growing length pushes the proposals' table down the first pages: whatever the
    # length, no page ends with a draft act's name and no proposal under it.
    issuer_with_requisites()
    for paragraphs in range(3, 12):
        paper = PaperFactory()
        SectionFactory(paper=paper, heading="", body="\n\n".join([PARAGRAPH] * paragraphs))
        for _ in range(3):
            ProposalFactory(
                paper=paper,
                act="Įstatymo projektas Nr. 25-12345(2)",
                justification="Klasteriams reikia daugiau laiko parengti paraiškas. " * 8,
            )
        with pdfplumber.open(io.BytesIO(_pdf(paper))) as document:
            for page in document.pages:
                assert not _lines(page)[-1].startswith("Įstatymo projektas"), paragraphs


@pytest.mark.parametrize("field", ["legal_form", "legal_code", "address"])
def test_approval_needs_the_letterheads_legal_form_code_and_address(field):
    issuer_with_requisites(**{field: ""})
    paper = PaperFactory()
    SectionFactory(paper=paper)

    errors = selectors.paper_approval_errors(paper=paper, issuer=IssuerSettings.load())

    assert [error.code for error in errors] == ["issuer_incomplete"]
    label = str(IssuerSettings._meta.get_field(field).verbose_name)
    assert label in ValidationError(errors).messages[0]
    issuer_with_requisites()
    assert selectors.paper_approval_errors(paper=paper, issuer=IssuerSettings.load()) == []


def test_a_new_paper_names_its_creator_as_drafter_and_the_letter_prints_them_under_the_signature():
    issuer_with_requisites()
    user = UserFactory(
        username="rengeja", first_name="Aušra", last_name="Šimkūnienė", email="ausra@klasteriai.lt"
    )
    user.user_permissions.add(Permission.objects.get(codename="add_positionpaper"))
    paper = services.paper_save(paper=PaperFactory.build(addressee=PaperFactory().addressee), user=user)
    SectionFactory(paper=paper, heading="", body="\n\n".join([PARAGRAPH] * 11))

    assert (paper.drafter_name, paper.drafter_phone, paper.drafter_email) == (
        "Aušra Šimkūnienė",
        "+37052123456",
        "ausra@klasteriai.lt",
    )
    with pdfplumber.open(io.BytesIO(_pdf(paper))) as document:
        (signed,) = [page for page in document.pages if "Rūta Žilinskienė" in (page.extract_text() or "")]
        lines = _lines(signed)

    assert lines[-2:] == [
        "Prezidentė Rūta Žilinskienė",
        "Aušra Šimkūnienė, tel. +370 5 212 3456, el. p. ausra@klasteriai.lt",
    ]


SUPPORTERS_TITLE = "POZICIJAI PRITARIANČIŲ ASOCIACIJOS NARIŲ SĄRAŠAS"


def _annex_paper(organisations: int, *, language: str = "lt") -> PositionPaper:
    issuer_with_requisites()
    paper = PaperFactory(language=language)
    SectionFactory(paper=paper, heading="", body=PARAGRAPH)
    paper.supporting_organisations.set(
        [
            OrganisationFactory(name=f"Klasteris „Nr. {number:03d}“ ir jo partneriai")
            for number in range(organisations)
        ]
    )
    return paper


def _before_and_annex_pages(content: bytes, title: str) -> tuple[str, int]:
    """The text of the pages before the annex (its lines joined), and how many pages the annex
    takes: from the page with its title to the last."""
    pages = pdf_reading.pages_text(content)
    first = next(index for index, text in enumerate(pages) if title in text)
    return " ".join(" ".join(text.split()) for text in pages[:first]), len(pages) - first


@pytest.mark.parametrize(("organisations", "pages", "written"), [(3, 1, "1 lapas."), (90, 3, "3 lapai.")])
def test_the_annex_reference_gives_the_annex_s_number_of_pages(organisations, pages, written):
    paper = _annex_paper(organisations)

    before, counted = _before_and_annex_pages(_pdf(paper), SUPPORTERS_TITLE)

    assert counted == pages
    assert f"PRIDEDAMA. Pozicijai pritariančių asociacijos narių sąrašas, {written}" in before


def test_the_annex_s_pages_are_counted_by_the_layout_where_the_estimate_is_wrong(monkeypatch):
    paper = _annex_paper(90)
    letter = paper_letter(paper_for_document(paper_id=paper.pk))
    assert letter.annex_pages_estimate() == 3
    monkeypatch.setattr(type(letter), "annex_pages_estimate", lambda self: 1)

    rendered = pdf.render_letter(letter)

    before, counted = _before_and_annex_pages(rendered.content, SUPPORTERS_TITLE)
    assert counted == 3
    assert "PRIDEDAMA. Pozicijai pritariančių asociacijos narių sąrašas, 3 lapai." in before
    assert rendered.page_count == len(pdf_reading.pages_text(rendered.content))


def test_the_annex_s_pages_are_numbered_from_its_own_start():
    paper = _annex_paper(90)
    SectionFactory(paper=paper, heading="", body="\n\n".join([PARAGRAPH] * 14))

    content = _pdf(paper)

    pages = pdf_reading.pages_text(content)
    first_of_annex = next(index for index, text in enumerate(pages) if SUPPORTERS_TITLE in text)
    margins = pdf_reading.top_margin_texts(content)
    # The letter's first page bears no number, its second "2"; so do the annex's, on their own.
    assert margins[:first_of_annex] == ["", "2"]
    assert margins[first_of_annex:] == ["", "2", "3"]


def test_an_english_annex_reference_counts_pages_in_english():
    paper = _annex_paper(2, language="en")

    before, counted = _before_and_annex_pages(_pdf(paper), "SUPPORTING MEMBER ORGANISATIONS")

    assert counted == 1
    assert "Annex: list of the supporting member organisations, 1 page." in before


def test_a_letter_without_an_annex_has_no_annex_reference():
    issuer_with_requisites()
    paper = PaperFactory()
    SectionFactory(paper=paper, heading="", body=PARAGRAPH)

    text = pdf_reading.full_text(_pdf(paper))

    assert "PRIDEDAMA" not in text
    assert paper_letter(paper_for_document(paper_id=paper.pk)).annex_pages_estimate() == 0


def test_a_long_e_mail_address_in_the_addressee_breaks_in_its_cell_and_leaves_the_date_and_number_on_one_line(
    superuser,
):
    issuer_with_requisites()
    address = "inovaciju.ir.skaitmenizacijos.departamentas@ekonomikosirinovacijuministerija.lt"
    paper = PaperFactory(addressee_person=f"Inovacijų departamentui, {address}")
    SectionFactory(paper=paper)
    with time_machine.travel(datetime.datetime(2026, 11, 28, 8, 0, tzinfo=datetime.UTC), tick=False):
        services.paper_approve(paper=paper, user=superuser)

    content = _pdf(paper)
    with pdfplumber.open(io.BytesIO(content)) as document:
        page = document.pages[0]
        lines = _lines(page)
        words = page.extract_words()
    number = next(word for word in words if word["text"] == "S-2026-001")
    # The address's pieces, as the cell breaks it (the letterhead's own address is not among them).
    pieces = [word for word in words if len(word["text"]) > 15 and word["text"] in address]

    # The date and number, and the request's, each whole on one line (beside the addressee's lines).
    assert [line for line in lines if line.endswith("2026-11-28 Nr. S-2026-001")]
    assert [line for line in lines if line.endswith("Į 2026-11-10 Nr. 4-1234")]
    # The address breaks inside its own column, left of the date, and is printed whole.
    assert "".join(word["text"] for word in pieces) == address
    assert max(word["x1"] for word in pieces) < number["x0"]
    assert _outside_the_margins(content) == []


def test_a_request_number_as_long_as_its_field_allows_breaks_inside_its_cell():
    issuer_with_requisites()
    number = "(4.38E-12)-5-" + "1234567890" * 8 + "/2026"
    paper = PaperFactory(request_number=number[:100])
    SectionFactory(paper=paper)

    content = _pdf(paper)

    assert _outside_the_margins(content) == []
    assert number[:100] in pdf_reading.full_text(content).replace(" ", "")


def test_a_section_heading_and_a_draft_act_print_with_their_lines():
    """Both are edited in textareas that keep their lines (positions/admin/inlines.py); the letter
    prints them so, as it does a proposal's cells."""
    issuer_with_requisites()
    paper = PaperFactory()
    SectionFactory(paper=paper, heading="Dėl 5 straipsnio\npakeitimo", body="Trumpas tekstas.")
    ProposalFactory(paper=paper, act="Inovacijų įstatymo projektas\nNr. XIVP-1234")

    with pdfplumber.open(io.BytesIO(_pdf(paper))) as document:
        lines = [line.strip() for page in document.pages for line in _lines(page)]

    assert "Dėl 5 straipsnio" in lines
    assert "pakeitimo" in lines
    assert lines.index("pakeitimo") == lines.index("Dėl 5 straipsnio") + 1
    assert "Inovacijų įstatymo projektas" in lines
    assert "Nr. XIVP-1234" in lines
    assert lines.index("Nr. XIVP-1234") == lines.index("Inovacijų įstatymo projektas") + 1


WIDE_TABLE_COLUMNS = [
    "Savivaldybė", "Įmonių skaičius", "Darbuotojai", "Apyvarta", "Eksportas",
    "Investicijos", "Inovacijos", "Pastabos", "Šaltinis",
]  # fmt: skip
WIDE_TABLE_ROW = [
    "Pasvalio rajono", "Konkurencingumas", "Aštuoniasdešimt", "Nepriklausomybė", "Tarptautiškumas",
    "Infrastruktūros", "Skaitmeninimas", "Nepakankamas", "Statistikos",
]  # fmt: skip


def test_a_table_too_wide_for_the_page_prints_within_the_margins_with_all_its_text():
    """Nine columns of ordinary long words are wider than the text column: the table keeps to the
    page's width, and a word wider than its column breaks inside its cell rather than past the
    page's edge."""
    issuer_with_requisites()
    paper = PaperFactory()
    body = (
        "| " + " | ".join(WIDE_TABLE_COLUMNS) + " |\n|" + "---|" * len(WIDE_TABLE_COLUMNS) + "\n"
        "| " + " | ".join(WIDE_TABLE_ROW) + " |\n"
    )
    SectionFactory(paper=paper, heading="Duomenys", body=body)

    content = _pdf(paper)

    assert 'class="wide-table"' in paper_letter(paper_for_document(paper_id=paper.pk)).sections[0].body
    assert _outside_the_margins(content) == []
    text = "".join(pdf_reading.full_text(content).split())
    for word in [*WIDE_TABLE_COLUMNS, *WIDE_TABLE_ROW]:
        assert "".join(word.split()) in text


def test_a_table_that_fits_keeps_the_widths_its_text_asks():
    issuer_with_requisites()
    paper = PaperFactory()
    SectionFactory(
        paper=paper, body="| Nr. | Rodiklis | Reikšmė |\n|---|---|---|\n| 1. | Eksporto dalis | 42 |\n"
    )

    body = paper_letter(paper_for_document(paper_id=paper.pk)).sections[0].body

    assert "<table>" in body
    assert "wide-table" not in body
