"""Small things users saw on the pages: the names of downloads, the history of a record, the
filter heading, the admin layout, the labels of forms and full stops after a time."""

from __future__ import annotations

import datetime
import re
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import formats, timezone, translation

from consultations.answers import AnswerValue
from consultations.models import Consultation, Question
from positions import services
from tests.consultations.factories import ConsultationFactory, QuestionFactory
from tests.consultations.test_answers import _submit, full_answers
from tests.consultations.test_member_pages import answer_form
from tests.factories import PersonFactory
from tests.positions.factories import PaperFactory, SectionFactory, issuer_with_requisites

pytestmark = pytest.mark.django_db

VILNIUS = zoneinfo.ZoneInfo("Europe/Vilnius")


def _url(name: str, *args: object, language: str = "lt") -> str:
    with translation.override(language):
        return reverse(name, args=args)


@pytest.fixture
def consultation() -> Consultation:
    now = timezone.now()
    return ConsultationFactory(
        status=Consultation.Status.OPEN,
        opens_at=now - datetime.timedelta(days=1),
        internal_deadline=now + datetime.timedelta(days=10),
    )


# --- the names of the answers exports -----------------------------------------------------------------


@time_machine.travel(datetime.datetime(2026, 11, 30, 12, tzinfo=VILNIUS), tick=False)
@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_the_answers_export_is_named_in_lithuanian_on_a_lithuanian_page(
    staff_client, consultation, extension
):
    # Needs the Lithuanian of msgctxt "file name" "consultation-%(id)s-answers-%(date)s".
    response = staff_client.get(_url(f"admin:consultations_consultation_export_{extension}", consultation.pk))

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="konsultacija-{consultation.pk}-atsakymai-2026-11-30.{extension}"'
    )


@time_machine.travel(datetime.datetime(2026, 11, 30, 12, tzinfo=VILNIUS), tick=False)
def test_the_answers_export_keeps_its_english_name_on_an_english_page(staff_client, consultation):
    url = _url("admin:consultations_consultation_export_csv", consultation.pk, language="en")

    response = staff_client.get(url)

    assert response["Content-Disposition"] == (
        f'attachment; filename="consultation-{consultation.pk}-answers-2026-11-30.csv"'
    )


# --- the history of a record --------------------------------------------------------------------------


def _cells(page: str) -> list[str]:
    """The text of the cells of the history table, whitespace collapsed."""
    table = page.split('id="change-history"', 1)[1].split("</table>", 1)[0]
    return [
        " ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in re.findall(r"<td>(.*?)</td>", table, re.S)
    ]


def test_the_history_shows_a_dash_where_no_reason_for_the_change_was_given(staff_client):
    person = PersonFactory(first_name="Jonas", last_name="Balčiūnas")

    page = staff_client.get(_url("admin:crm_person_history", person.pk)).content.decode()

    cells = _cells(page)
    assert "Pakeitimo priežastis" in page
    assert "—" in cells
    assert not any("None" in cell for cell in cells)


# --- the filter heading and the filter button ---------------------------------------------------------


def test_the_list_filter_heading_reads_as_a_noun_in_lithuanian(staff_client):
    # Needs the plain msgid "Filter" out of the project's catalogue (or translated "Filtras").
    PersonFactory()

    page = staff_client.get(_url("admin:crm_person_changelist")).content.decode()

    assert '<h2 id="changelist-filter-header">Filtras</h2>' in page


def test_the_filter_button_of_the_answers_page_stays_a_verb_in_lithuanian(staff_client, consultation):
    # Needs the Lithuanian of msgctxt "button" "Filter".
    page = staff_client.get(
        _url("admin:consultations_consultation_answers", consultation.pk)
    ).content.decode()

    assert '<button type="submit" class="button">Filtruoti</button>' in page


def test_the_filter_heading_and_button_keep_their_english(staff_client, consultation):
    PersonFactory()

    changelist = staff_client.get(_url("admin:crm_person_changelist", language="en")).content.decode()
    answers = staff_client.get(
        _url("admin:consultations_consultation_answers", consultation.pk, language="en")
    ).content.decode()

    assert '<h2 id="changelist-filter-header">Filter</h2>' in changelist
    assert '<button type="submit" class="button">Filter</button>' in answers


# --- the labels of staff forms ------------------------------------------------------------------------


def test_labels_of_the_question_form_begin_with_a_capital_letter(staff_client, consultation):
    QuestionFactory(consultation=consultation, kind=Question.Kind.SINGLE_CHOICE, choices=["Taip", "Ne"])

    page = staff_client.get(_url("admin:consultations_consultation_change", consultation.pk)).content.decode()

    assert "Atsakymo variantai:</label>" in page
    assert "Formuluotės pataisymas</label>" in page
    assert "atsakymo variantai:" not in page


def test_labels_of_the_dispatch_form_begin_with_a_capital_letter(staff_client, superuser, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the logo and the PDF are real files
    issuer_with_requisites()
    paper = PaperFactory()
    SectionFactory(paper=paper)
    services.paper_render(paper=services.paper_approve(paper=paper, user=superuser), user=superuser)

    page = staff_client.get(_url("admin:positions_positionpaper_send", paper.pk)).content.decode()

    for label in ("Siuntimo būdas:", "Gavėjas:", "Išsiuntimo data:", "Pastaba:"):
        assert f"{label}</label>" in page
    assert "siuntimo būdas:" not in page


# --- one full stop after a time -----------------------------------------------------------------------


def _one_fourteen_tomorrow() -> datetime.datetime:
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    return datetime.datetime.combine(tomorrow, datetime.time(1, 14), tzinfo=VILNIUS)


def test_the_english_answer_page_ends_a_sentence_after_a_time_with_one_full_stop(opened):
    ruta = opened.members["ruta"]
    moment = _one_fourteen_tomorrow()
    with translation.override("en"):
        when = formats.date_format(moment, "DATETIME_FORMAT")
    assert when.endswith("a.m.")

    with time_machine.travel(moment, tick=False):
        client = ruta.client()
        client.post(ruta.url, {**answer_form(opened), "action": "save"})
        draft = client.get(ruta.url).content.decode()
        client.post(ruta.url, {**answer_form(opened, version=1, saved_rows=1), "action": "submit"})
        submitted = client.get(ruta.url).content.decode()

    assert f"Draft, last saved on {when}; the association receives" in draft
    assert f"Submitted to the association: version 1, on {when} by Rūta Rutkauskienė." in submitted
    assert "a.m.." not in draft and "a.m.." not in submitted


def test_the_lithuanian_answer_page_ends_a_sentence_after_a_time_with_one_full_stop(opened):
    # Needs the Lithuanian of the two changed messages.
    ruta = opened.members["ruta"]
    moment = _one_fourteen_tomorrow()
    with translation.override("lt"):
        when = formats.date_format(moment, "DATETIME_FORMAT")

    with time_machine.travel(moment, tick=False):
        client = ruta.client()
        client.post(ruta.lt_url, {**answer_form(opened), "action": "save"})
        draft = client.get(ruta.lt_url).content.decode()
        client.post(ruta.lt_url, {**answer_form(opened, version=1, saved_rows=1), "action": "submit"})
        submitted = client.get(ruta.lt_url).content.decode()

    assert f"Juodraštis, paskutinį kartą išsaugotas {when}; asociacija" in draft
    assert f"Pateikta asociacijai: versija Nr. 1, {when} pateikė Rūta Rutkauskienė." in submitted


# --- the layout of the consultation's admin pages, in a real browser ----------------------------------


def _overlap(one: dict[str, float], other: dict[str, float]) -> bool:
    return not (
        one["x"] + one["width"] <= other["x"]
        or other["x"] + other["width"] <= one["x"]
        or one["y"] + one["height"] <= other["y"]
        or other["y"] + other["height"] <= one["y"]
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_buttons_leave_the_headings_free_and_the_figures_have_no_bullets(live_server, staff_browser_page):
    now = timezone.now()
    consultation = ConsultationFactory(
        title="Dėl Lietuvos Respublikos inovacijų įstatymo pakeitimo projekto",
        status=Consultation.Status.OPEN,
        opens_at=now - datetime.timedelta(days=1),
        internal_deadline=now + datetime.timedelta(days=10),
    )
    page = staff_browser_page
    for name in ("change", "dashboard"):
        page.goto(live_server.url + _url(f"admin:consultations_consultation_{name}", consultation.pk))
        tools = page.locator("ul.object-tools").bounding_box()
        for heading in ("#content > h1", "#content > h2"):
            assert not _overlap(tools, page.locator(heading).bounding_box()), (name, heading)
    bullets = page.eval_on_selector_all(
        ".analysis-figures li", "items => items.map(li => getComputedStyle(li).listStyleType)"
    )
    assert bullets and set(bullets) == {"none"}


def test_the_english_receipt_and_amendment_notice_end_no_sentence_with_a_time_and_a_full_stop(opened):
    ruta, jonas = opened.members["ruta"], opened.members["jonas"]  # Jonas reads English
    moment = _one_fourteen_tomorrow()
    with translation.override("en"):
        when = formats.date_format(moment, "DATETIME_FORMAT")
    with time_machine.travel(moment, tick=False):
        _submit(jonas, full_answers(opened.questions), version=0)
        amended = {**full_answers(opened.questions), opened.questions["scale"].pk: AnswerValue(scale=2)}
        _submit(ruta, amended, version=1)

    to_jonas = [m for m in mail.outbox if m.to == ["jonas@saule.lt"]]
    receipt, notice = sorted(to_jonas, key=lambda m: "Received" not in m.subject)
    assert f"submitted by you on {when}; a copy of the answers is below." in receipt.body
    assert (
        f"amended the answer of Saulės klasteris on {when}; the association now has version 2" in notice.body
    )
    for message in to_jonas:
        assert "a.m.." not in message.body
        assert "a.m.." not in message.alternatives[0][0]


SCROLLING_BOXES = ".inline-group .tabular, .analysis-chart, #pending, .analysis-choices, .analysis-texts, .analysis-proposals"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_box_that_scrolls_sideways_can_be_focused_and_one_that_fits_is_left_alone(
    live_server, opened, staff_browser_page
):
    """Keyboard users scroll a wide table with the arrow keys once it has focus (WCAG 2.1.1): a
    table that scrolls on its own can be focused, an inline's box is a region named after the
    inline's heading, and a box that fits adds no stop when tabbing."""
    organisation = opened.members["ruta"].organisation
    pages = [
        _url("admin:consultations_consultation_dashboard", opened.consultation.pk),
        _url("admin:crm_organisation_change", organisation.pk),
    ]
    seen: dict[int, list[dict]] = {}
    page = staff_browser_page
    for width in (390, 2400):
        page.set_viewport_size({"width": width, "height": 900})
        for url in pages:
            page.goto(live_server.url + url)
            seen.setdefault(width, []).extend(
                page.eval_on_selector_all(
                    SCROLLING_BOXES,
                    """boxes => boxes.map(box => ({
                        scrolls: box.scrollWidth > box.clientWidth + 1,
                        focusable: box.getAttribute("tabindex") === "0",
                        table: box.tagName === "TABLE",
                        role: box.getAttribute("role"),
                        label: box.getAttribute("aria-labelledby") &&
                            document.getElementById(box.getAttribute("aria-labelledby")).textContent.trim(),
                    }))""",
                )
            )

    for boxes in seen.values():
        for box in boxes:
            assert box["focusable"] == box["scrolls"], box
            if box["scrolls"] and not box["table"]:
                assert box["role"] == "region" and box["label"], box
    assert any(box["scrolls"] and box["table"] for box in seen[390])  # the analysis tables on a phone
    assert any(box["scrolls"] and not box["table"] for box in seen[390])  # an inline's table
    assert any(not box["scrolls"] for box in seen[2400])
