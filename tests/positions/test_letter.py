from __future__ import annotations

import datetime
import io
import re

import pdfplumber
import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db import IntegrityError, transaction
from django.utils import translation

from consultations.markdown import render_markdown
from crm import roles
from crm.models import Organisation
from positions import pdf
from positions.letter import Attributions, anonymous_description, date_in_words, paper_letter
from positions.models import IssuerSettings, PaperAttribution, PositionPaper
from positions.selectors import paper_for_document
from tests.factories import OrganisationFactory
from tests.positions import pdf_reading
from tests.positions.factories import PaperFactory, SectionFactory, issuer_with_requisites


@pytest.mark.parametrize(
    ("day", "words"),
    [
        (datetime.date(2026, 1, 1), "2026 m. sausio 1 d."),
        (datetime.date(2026, 2, 14), "2026 m. vasario 14 d."),
        (datetime.date(2026, 3, 3), "2026 m. kovo 3 d."),
        (datetime.date(2026, 4, 30), "2026 m. balandžio 30 d."),
        (datetime.date(2026, 5, 5), "2026 m. gegužės 5 d."),
        (datetime.date(2026, 6, 6), "2026 m. birželio 6 d."),
        (datetime.date(2026, 7, 7), "2026 m. liepos 7 d."),
        (datetime.date(2026, 8, 8), "2026 m. rugpjūčio 8 d."),
        (datetime.date(2026, 9, 9), "2026 m. rugsėjo 9 d."),
        (datetime.date(2026, 10, 10), "2026 m. spalio 10 d."),
        (datetime.date(2026, 11, 28), "2026 m. lapkričio 28 d."),
        (datetime.date(2026, 12, 31), "2026 m. gruodžio 31 d."),
    ],
)
def test_a_lithuanian_date_in_words_uses_the_genitive_month(day, words):
    assert date_in_words(day, "lt") == words


def test_an_english_date_in_words():
    assert date_in_words(datetime.date(2026, 11, 28), "en") == "28 November 2026"
    assert date_in_words(datetime.date(2027, 1, 1), "en") == "1 January 2027"


def test_markdown_keeps_formatting_and_drops_everything_that_could_load_or_attach():
    html = render_markdown(  # as the letter renders it
        "**Svarbu** ir _ypač_\n\n- vienas\n\n[šaltinis](https://e-seimas.lrs.lt/) [x](file:///etc/passwd)\n\n"
        '<img src="file:///etc/passwd"> <link rel=attachment href="file:///etc/passwd">'
        '<style>@import url(http://169.254.169.254/);</style><span style="background:url(http://169.254.169.254/)">s</span>'
        '<a rel="attachment" href="https://x.lt/a.exe">a</a><iframe src="http://169.254.169.254/"></iframe>'
        "![paveikslas](http://169.254.169.254/i.png)",
        link_rel=None,
    )

    assert "<strong>Svarbu</strong>" in html and "<em>ypač</em>" in html and "<li>vienas</li>" in html
    assert '<a href="https://e-seimas.lrs.lt/">šaltinis</a>' in html
    tags = " ".join(re.findall(r"<[^>]*>", html))
    for forbidden in ("<img", "<link", "<style", "<iframe", "style=", "rel=", "file:", "169.254", "@import"):
        assert forbidden not in tags
    # Angle brackets that make no tag the sanitiser keeps are text, printed as typed: they load nothing.
    assert '&lt;img src="file:///etc/passwd"&gt;' in html


@pytest.mark.django_db
def test_an_anonymous_organisation_is_described_by_kind_and_first_sector():
    cluster = OrganisationFactory(sectors=["ict", "energy"])
    company = OrganisationFactory(kind=Organisation.Kind.COMPANY)

    with translation.override("en"):
        assert anonymous_description(cluster) in {
            "one cluster in the ICT sector",
            "one cluster in the Energy and construction sector",
        }
        assert anonymous_description(company) == "one company"
    with translation.override("lt"):
        assert "IRT" in anonymous_description(cluster) or "Energetika" in anonymous_description(cluster)


@pytest.mark.django_db
def test_attribution_names_the_named_then_describes_the_anonymous_and_leaves_out_the_excluded():
    issuer_with_requisites()
    paper = PaperFactory()
    zeta = OrganisationFactory(name="Zeta klasteris", sectors=["ict"])
    alfa = OrganisationFactory(name="Alfa klasteris", sectors=["ict"])
    beta = OrganisationFactory(name="Beta klasteris", sectors=["ict"])
    gama = OrganisationFactory(name="Gama klasteris")
    PaperAttribution.objects.create(paper=paper, organisation=beta, mode="anonymous")
    PaperAttribution.objects.create(
        paper=paper, organisation=gama, mode="anonymous", anonymous_label="vienas narys"
    )
    PaperAttribution.objects.create(paper=paper, organisation=zeta, mode="excluded")

    with translation.override("en"):
        names = Attributions.of(paper).names([zeta, alfa, beta, gama])

    assert names == ["Alfa klasteris", "one cluster in the ICT sector", "vienas narys"]
    with translation.override("en"):
        entries = Attributions.of(paper).names([zeta, alfa, beta, gama], list_entries=True)
    assert entries == ["Alfa klasteris", "One cluster in the ICT sector", "Vienas narys"]


@pytest.mark.django_db
def test_the_letter_uses_the_english_issuer_name_and_position_for_an_english_paper():
    issuer_with_requisites()
    paper = PaperFactory(language="en", signatory_position="President")

    letter = paper_letter(paper_for_document(paper_id=paper.pk))

    assert letter.issuer.name == "Lithuanian Cluster Association"
    assert letter.issuer.data_line.startswith("Association, ")
    assert letter.title.startswith("ON ")
    assert letter.title == letter.title.upper()


@pytest.mark.django_db
def test_there_is_only_one_issuer_settings_row():
    IssuerSettings.load()

    with pytest.raises(IntegrityError), transaction.atomic():
        IssuerSettings.objects.create(pk=2, name="Kita")
    assert IssuerSettings.load().pk == IssuerSettings.SINGLETON_ID


@pytest.mark.django_db
def test_the_database_keeps_drafts_unnumbered_and_registered_papers_numbered():
    paper = PaperFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        PositionPaper.objects.filter(pk=paper.pk).update(registration_number="S-2026-001")
    with pytest.raises(IntegrityError), transaction.atomic():
        PositionPaper.objects.filter(pk=paper.pk).update(status="approved")


@pytest.mark.django_db
def test_the_approve_permission_belongs_to_the_policy_officer_and_administrator_only():
    approve = Permission.objects.get(codename="approve_positionpaper")

    holders = set(Group.objects.filter(permissions=approve).values_list("name", flat=True))

    assert holders == {roles.ADMINISTRATOR, roles.POLICY_OFFICER}
    editor = Group.objects.get(name=roles.CRM_EDITOR)
    assert set(
        editor.permissions.filter(content_type__app_label="positions").values_list("codename", flat=True)
    ) == {f"view_{model._meta.model_name}" for model in apps.get_app_config("positions").get_models()}


@pytest.mark.django_db
def test_the_annex_lists_the_members_in_lithuanian_alphabetical_order():
    issuer = issuer_with_requisites()
    paper = PaperFactory()
    for name in ["Tauragės klasteris", "Šiaulių klasteris", "Alytaus klasteris", "Čiurlionio klasteris",
                 "Druskininkų klasteris", "Ąžuolo klasteris", "Zarasų klasteris", "Yra klasteris",
                 "Įvairių klasteris", "Ignalinos klasteris"]:  # fmt: skip
        paper.supporting_organisations.add(OrganisationFactory(name=name))

    letter = paper_letter(paper_for_document(paper_id=paper.pk), issuer=issuer)

    # Č, Š and Ž are letters after C, S and Z; Ą, Į and Y sort as A, I and I.
    assert letter.annex_entries == [
        "Alytaus klasteris",
        "Ąžuolo klasteris",
        "Čiurlionio klasteris",
        "Druskininkų klasteris",
        "Ignalinos klasteris",
        "Yra klasteris",
        "Įvairių klasteris",
        "Šiaulių klasteris",
        "Tauragės klasteris",
        "Zarasų klasteris",
    ]


@pytest.mark.django_db
def test_text_in_angle_brackets_that_is_no_tag_prints_as_typed_in_the_letter_and_its_pdf():
    issuer_with_requisites()
    paper = PaperFactory()
    typed = "Įrašyti <institucijos pavadinimas> ir kai A<B bei C>D PABAIGA"
    SectionFactory(paper=paper, body=typed)

    letter = paper_letter(paper_for_document(paper_id=paper.pk))
    content = pdf.letter_pdf(letter)

    assert letter.sections[0].body == (
        "<p>Įrašyti &lt;institucijos pavadinimas&gt; ir kai A&lt;B bei C&gt;D PABAIGA</p>"
    )
    assert typed in pdf_reading.full_text(content)
    with pdfplumber.open(io.BytesIO(content)) as document:
        words = document.pages[0].extract_words(extra_attrs=["fontname"])
    fonts = [word["fontname"] for word in words if word["text"] == "PABAIGA"]
    assert fonts and not [font for font in fonts if "bold" in font.lower()]
