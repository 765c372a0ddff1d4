from __future__ import annotations

import datetime
import hashlib
import io

import pdfplumber
import pytest
import time_machine
from django.utils import translation
from django.utils.translation import gettext, pgettext

from positions import pdf, services
from positions.letter import paper_letter
from positions.models import IssuerSettings, PaperAttribution, PositionPaper, Rendering
from positions.selectors import paper_for_document
from tests.factories import OrganisationFactory
from tests.positions import pdf_reading
from tests.positions.factories import (
    LITHUANIAN_LETTERS,
    PaperFactory,
    ProposalFactory,
    SectionFactory,
    issuer_with_requisites,
)

pytestmark = pytest.mark.django_db

# 2026-11-28 10:00 in Vilnius.
APPROVAL_MOMENT = datetime.datetime(2026, 11, 28, 8, 0, tzinfo=datetime.UTC)

HOSTILE = (
    '<img src="file:///etc/passwd"> <link rel=attachment href="file:///etc/passwd">'
    " <style>@import url(http://169.254.169.254/latest/meta-data/);</style>"
    ' <div style="background: url(http://169.254.169.254/)">x</div>'
    ' <a rel=attachment href="data:text/plain;base64,c2VjcmV0">attached</a>'
)

# Short enough for the 255-character fields (names, headings, provisions).
HOSTILE_SHORT = '<img src="file:///etc/passwd"><link rel=attachment href="file:///etc/passwd">'


def _render(
    paper: PositionPaper, *, options: pdf.PdfOptions | None = None
) -> tuple[bytes, pdf.SafeURLFetcher]:
    """Render the paper as the service does, with a fetcher the test can inspect afterwards."""
    fetcher = pdf.SafeURLFetcher()
    content = pdf.letter_pdf(
        paper_letter(paper_for_document(paper_id=paper.pk)), options=options, fetcher=fetcher
    )
    return content, fetcher


@pytest.fixture
def approved_paper(superuser) -> PositionPaper:
    issuer_with_requisites()
    paper = PaperFactory(subject=f"Inovacijų įstatymo pakeitimo projekto {LITHUANIAN_LETTERS}")
    SectionFactory(
        paper=paper,
        heading="Bendrosios pastabos",
        body=f"Asociacija **pritaria** projektui. Raidės: {LITHUANIAN_LETTERS}.\n\n- pirma\n- antra",
    )
    SectionFactory(paper=paper, heading="Atsakymai", body="12 iš 15 atsakiusių klasterių (80 %) pritaria.")
    for _ in range(14):
        ProposalFactory(paper=paper, justification="Klasteriams reikia daugiau laiko. " * 12)
    with time_machine.travel(APPROVAL_MOMENT, tick=False):
        services.paper_approve(paper=paper, user=superuser)
    return paper


def test_every_requisite_of_the_letter_is_in_the_pdf(approved_paper):
    content, _fetcher = _render(approved_paper)

    first_page = pdf_reading.pages_text(content)[0]
    with translation.override("lt"):
        date_line = pgettext("letter date line", "%(date)s No. %(number)s") % {
            "date": "2026-11-28",
            "number": "S-2026-001",
        }
        request_line = pgettext("letter reference", "Ref. %(date)s No. %(number)s") % {
            "date": "2026-11-10",
            "number": "4-1234",
        }
        register = gettext("Data are collected and stored in the Register of Legal Entities, code %(code)s")
        title_start = pgettext("letter title", "ON %(subject)s") % {"subject": "INOVACIJŲ"}
    issuer = IssuerSettings.load()
    for requisite in [
        "LIETUVOS KLASTERIŲ ASOCIACIJA",
        "Asociacija, Gedimino pr. 1, LT-01103 Vilnius",
        "+370 5 212 3456",
        "info@klasteriai.lt",
        "www.klasteriai.lt",
        register % {"code": issuer.legal_code},
        "Lietuvos Respublikos ekonomikos ir inovacijų ministerijai",
        "Inovacijų departamentui",
        date_line,
        request_line,
        title_start,
    ]:
        assert requisite in first_page, requisite
    text = pdf_reading.full_text(content)
    assert "Prezidentė Rūta Žilinskienė" in text
    # Page numbers at the top from the second page on, as the Lithuanian rules have them.
    margins = pdf_reading.top_margin_texts(content)
    assert len(margins) >= 3
    assert margins == ["", *(str(number) for number in range(2, len(margins) + 1))]


def test_lithuanian_letters_survive_in_the_extracted_text(approved_paper):
    text = pdf_reading.full_text(_render(approved_paper)[0])

    assert LITHUANIAN_LETTERS in text  # the section body, as typed
    assert LITHUANIAN_LETTERS.upper() in text  # the title, in capitals
    assert "ĄČĘĖĮŠŲŪŽ ĄČĘĖĮŠŲŪŽ" in text


def test_the_proposals_table_has_every_proposal_and_its_header_on_every_page(approved_paper):
    content, _fetcher = _render(approved_paper)
    proposals = list(approved_paper.proposals.all())

    tables = pdf_reading.tables(content)
    with translation.override("lt"):
        header = [
            pgettext("table column", "No."),
            gettext("Provision of the draft"),
            gettext("Proposed wording"),
            gettext("Justification"),
        ]
    assert len(tables) >= 2, "the table should run over more than one page"
    assert all(table[0] == header for table in tables)
    rows = [row for table in tables for row in table[1:]]
    assert [row[0] for row in rows] == [f"{n}." for n in range(1, len(proposals) + 1)]
    assert [row[1] for row in rows] == [p.provision for p in proposals]
    assert [row[2] for row in rows] == [p.proposed_wording for p in proposals]
    assert all(row[3].startswith("Klasteriams reikia daugiau laiko.") for row in rows)


def test_a_proposal_row_is_never_split_across_pages(approved_paper):
    content, _fetcher = _render(approved_paper)

    numbers_per_page = [[row[0] for row in table[1:]] for table in pdf_reading.tables(content)]
    seen = [number for page in numbers_per_page for number in page]
    assert len(seen) == len(set(seen)), "a row appears on two pages"


def test_fonts_are_the_shipped_ones_embedded_as_subsets(approved_paper):
    content, fetcher = _render(approved_paper)

    names = pdf_reading.embedded_font_names(content)
    assert names, "no embedded font"
    assert all("+Paper-S" in name for name in names), names  # subset tag + the @font-face family
    fetched = {record.url for record in fetcher.log if record.allowed}
    assert "static:fonts/LiberationSerif-Regular.ttf" in fetched
    assert "static:fonts/LiberationSerif-Bold.ttf" in fetched


def test_the_text_is_12_pt_in_the_metrics_of_times_new_roman_as_the_document_rules_ask(approved_paper):
    """Liberation Serif has the widths of Times New Roman: a line of the letter breaks where it
    would in the font the rules name."""
    content, _fetcher = _render(approved_paper)
    with pdfplumber.open(io.BytesIO(content)) as document:
        chars = [char for page in document.pages for char in page.chars if char["text"].strip()]
    body = [char for char in chars if char["size"] == pytest.approx(12, abs=0.05)]
    # The text, its title and headings in 12 pt; the proposals' table, the page numbers and the
    # requisites smaller; nothing in the 11 pt of before.
    assert len(body) > 200
    assert not [char for char in chars if char["size"] == pytest.approx(11, abs=0.05)]
    with_ogonek = [char for char in body if char["text"] in "ąčęėįšųūžĄČĘĖĮŠŲŪŽ"]
    assert with_ogonek, "no Lithuanian letter in the body"
    assert {char["fontname"].split("+", 1)[1] for char in body} <= {"Paper-Serif", "Paper-Serif-Bold"}
    # The regular face's program is Liberation Serif's: its "a" is as wide as Times New Roman's
    # (443 of 1000 units of the font's size).
    regular_a = next(
        char for char in body if char["text"] == "a" and char["fontname"].endswith("Paper-Serif")
    )
    assert regular_a["width"] == pytest.approx(12 * 0.443, abs=0.02)


def test_pdf_metadata_has_title_author_and_language(approved_paper):
    metadata_reader = pdf_reading.reader(_render(approved_paper)[0])

    # As the addressee's registry names an incoming letter, the subject in sentence case.
    assert metadata_reader.metadata.title == (
        f"2026-11-28 raštas Nr. S-2026-001 „Dėl {approved_paper.subject}“"
    )
    assert metadata_reader.metadata.author == "Lietuvos klasterių asociacija"
    assert metadata_reader.trailer["/Root"]["/Lang"] == "lt"


def test_annex_lists_supporting_organisations_honouring_attribution(approved_paper):
    named = OrganisationFactory(name="Klasteris „Šviesa“", sectors=["ict"])
    anonymous = OrganisationFactory(name="Slaptasis klasteris Omega", sectors=["ict"])
    excluded = OrganisationFactory(name="Nerodomas klasteris Sigma", sectors=["energy"])
    approved_paper.supporting_organisations.set([named, anonymous, excluded])
    PaperAttribution.objects.create(paper=approved_paper, organisation=anonymous, mode="anonymous")
    PaperAttribution.objects.create(paper=approved_paper, organisation=excluded, mode="excluded")

    last_page = pdf_reading.pages_text(_render(approved_paper)[0])[-1]

    with translation.override("lt"):
        heading = gettext("Annex to the letter of %(date)s No. %(number)s") % {
            "date": "2026 m. lapkričio 28 d.",
            "number": "S-2026-001",
        }
        anonymous_text = gettext("one cluster in the %(sector)s sector") % {"sector": "IRT"}
    assert heading in last_page
    # The named first, then the anonymous: a place in the alphabet would hint at the name. An
    # entry starts with a capital, the description's too: "2. Vienas sektoriaus „IRT“ klasteris".
    assert anonymous_text.startswith("vienas ")
    described = "V" + anonymous_text[1:]
    assert last_page.index("Klasteris „Šviesa“") < last_page.index(described)
    assert anonymous_text not in last_page
    assert "Omega" not in last_page
    assert "Sigma" not in last_page


def test_an_anonymous_organisation_is_named_nowhere_in_the_pdf(approved_paper):
    anonymous = OrganisationFactory(name="Slaptasis klasteris Omega", short_name="OMEGA", sectors=["ict"])
    excluded = OrganisationFactory(name="Nerodomas klasteris Sigma", sectors=["ict"])
    named = OrganisationFactory(name="Klasteris Alfa", sectors=["ict"])
    approved_paper.supporting_organisations.set([anonymous, excluded, named])
    for proposal in approved_paper.proposals.all():
        proposal.supporting_organisations.set([anonymous, excluded, named])
    PaperAttribution.objects.create(paper=approved_paper, organisation=anonymous, mode="anonymous")
    PaperAttribution.objects.create(paper=approved_paper, organisation=excluded, mode="excluded")

    # The archival, tagged variant carries the most metadata (XMP, structure tree).
    content, _fetcher = _render(approved_paper, options=pdf.PdfOptions(archival=True, tagged=True))

    text = pdf_reading.full_text(content)
    strings = pdf_reading.all_strings(content)
    assert "Klasteris Alfa" in text  # the named one is there, as a control
    with translation.override("lt"):
        proposed_by = gettext("Proposed by:")
        anonymous_text = gettext("one cluster in the %(sector)s sector") % {"sector": "IRT"}
    assert f"{proposed_by} Klasteris Alfa; {anonymous_text}" in text
    for secret in ("Omega", "OMEGA", "Sigma"):
        assert secret not in text
        assert secret not in strings
        assert secret.upper() not in text


def test_hostile_member_text_fetches_nothing_and_embeds_nothing(approved_paper):
    member = OrganisationFactory(name=f"Klasteris {HOSTILE_SHORT}", sectors=["ict"])
    approved_paper.supporting_organisations.set([member])
    approved_paper.addressee_person = HOSTILE_SHORT
    approved_paper.save()
    SectionFactory(
        paper=approved_paper,
        heading=HOSTILE_SHORT,
        body=f"Nario tekstas: {HOSTILE}\n\n![x](file:///etc/passwd)",
    )
    ProposalFactory(
        paper=approved_paper, provision=HOSTILE_SHORT, proposed_wording=HOSTILE, justification=HOSTILE
    )

    content, fetcher = _render(approved_paper)

    assert pdf_reading.embedded_files(content) == []
    # WeasyPrint asked for the shipped fonts (and the inlined logo), nothing else: the hostile
    # addresses never reached the fetcher, because the text was escaped or sanitised.
    assert fetcher.log
    assert all(record.allowed for record in fetcher.log)
    assert all(record.url.startswith(("static:fonts/", "data:image/png;base64,")) for record in fetcher.log)
    # Escaped text is printed as text.
    assert 'src="file:///etc/passwd"' in pdf_reading.full_text(content)


def test_the_fetcher_refuses_files_network_and_escapes_from_the_static_files(settings):
    fetcher = pdf.SafeURLFetcher()

    refused = [
        "file:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.com/logo.png",
        "ftp://example.com/x",
        "static:../config/settings.py",
        "static:fonts/../../config/settings.py",
        "static:/etc/passwd",
        "static://host/fonts/LiberationSerif-Regular.ttf",
        "static:fonts%2F..%2F..%2Fconfig%2Fsettings.py",
        "static:fonts/nonexistent.ttf",
        "/static/fonts/LiberationSerif-Regular.ttf",
    ]
    for url in refused:
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert fetcher.fetch("static:fonts/DejaVuSans.ttf").read()[:4] == b"\x00\x01\x00\x00"
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"
    assert [record.allowed for record in fetcher.log] == [False] * len(refused) + [True, True]


def test_hostile_html_given_straight_to_the_renderer_yields_nothing():
    # As if a template forgot to escape: the fetcher is the last line of defence.
    html = f"<html><head>{HOSTILE}<link rel=stylesheet href='http://169.254.169.254/x.css'></head><body>"
    html += "<p>Tekstas</p><img src='static:../config/settings.py'><iframe src='file:///etc/passwd'></iframe>"
    html += "<p style='background: url(file:///etc/passwd)'>x</p></body></html>"
    fetcher = pdf.SafeURLFetcher()

    content = pdf.html_to_pdf(html, fetcher=fetcher)

    assert pdf_reading.embedded_files(content) == []
    requested = {record.url: record.allowed for record in fetcher.log}
    assert requested == {
        "http://169.254.169.254/x.css": False,
        "http://169.254.169.254/latest/meta-data/": False,
        "file:///etc/passwd": False,
        "http://169.254.169.254/": False,
        "static:../config/settings.py": False,
    }
    strings = pdf_reading.all_strings(content)
    assert "root:" not in strings
    assert "secret" not in strings


def test_an_english_paper_uses_english_and_dates_in_words(approved_paper):
    PositionPaper.objects.filter(pk=approved_paper.pk).update(language="en")
    approved_paper.refresh_from_db()
    approved_paper.supporting_organisations.set([OrganisationFactory(name="Cluster Alpha")])

    text = pdf_reading.full_text(_render(approved_paper)[0])

    assert "LITHUANIAN CLUSTER ASSOCIATION" in text
    assert "Association, Gedimino pr. 1" in text
    assert "2026-11-28 No. S-2026-001" in text
    assert "Ref. 2026-11-10 No. 4-1234" in text
    assert "ON INOVACIJŲ ĮSTATYMO" in text
    assert "No. Provision of the draft Proposed wording Justification" in text
    assert "Annex to the letter of 28 November 2026 No. S-2026-001" in text
    assert "SUPPORTING MEMBER ORGANISATIONS" in text


def test_a_draft_pdf_is_marked_and_has_no_number(superuser):
    issuer_with_requisites()
    paper = PaperFactory()
    SectionFactory(paper=paper, body="Asociacija pritaria projektui, tačiau siūlo patikslinti 5 straipsnį.")

    content = _render(paper)[0]
    text = pdf_reading.full_text(content)

    with translation.override("lt"):
        blank_date_line = pgettext("letter date line", "%(date)s No. %(number)s") % {
            "date": "__________",
            "number": "________",
        }
    assert "S-20" not in text
    assert blank_date_line in text
    # The mark "PROJEKTAS" is drawn across the page as the outlines of its letters (grey shapes),
    # not written: the text reads as written, with no letters of the mark mixed into its words.
    assert "Asociacija pritaria projektui, tačiau siūlo patikslinti 5 straipsnį." in text
    assert "PROJEKTAS" not in text
    (shapes,) = pdf_reading.filled_shapes(content)
    assert shapes >= len("PROJEKTAS")


def test_archival_pdf_is_pdf_a_3b_and_tagged_pdf_has_a_structure_tree(approved_paper):
    content, _fetcher = _render(approved_paper, options=pdf.PdfOptions(archival=True, tagged=True))

    pdf_file = pdf_reading.reader(content)
    xmp = pdf_file.xmp_metadata
    assert xmp is not None
    strings = pdf_reading.all_strings(content)
    assert "<pdfaid:part>3</pdfaid:part>" in strings or 'pdfaid:part="3"' in strings
    assert "/StructTreeRoot" in pdf_file.trailer["/Root"]
    assert pdf_file.trailer["/Root"]["/MarkInfo"]["/Marked"]


def test_the_stored_rendering_matches_its_recorded_hash_and_size(approved_paper, superuser):
    rendering = services.paper_render(paper=approved_paper, user=superuser)

    stored = rendering.file.read()
    assert hashlib.sha256(stored).hexdigest() == rendering.sha256
    assert len(stored) == rendering.size
    assert Rendering.objects.get(pk=rendering.pk).sha256 == rendering.sha256
    assert pdf_reading.full_text(stored).count("S-2026-001") >= 1
